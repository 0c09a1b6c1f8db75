/*
 * pages.c — Coinbase cursor pagination.
 *
 * The first request of a listing (no `cursor`) renders every item once; the
 * listing is kept and the response carries `has_next` and an opaque `cursor`
 * ("<listing>-<offset>") that the next request sends back. Keeping the
 * rendered listing makes a page stable across retries, so a page lost by a
 * sim page_missing fault stays lost for that listing: exactly what the
 * client must notice (an incomplete snapshot), however often it retries.
 */
#include "fakex.h"

#include <stdlib.h>
#include <string.h>

static void listing_free(struct fx_listing *l)
{
	cJSON_Delete(l->items);
	free(l->missing);
	memset(l, 0, sizeof *l);
}

void fx_pages_free(struct fx_pages *p)
{
	for (size_t i = 0; i < FX_LISTINGS_MAX; i++)
		listing_free(&p->slot[i]);
}

static struct fx_listing *find_listing(struct fx_pages *p, const char *cursor, size_t *offset)
{
	unsigned id;
	size_t off;
	char tail;
	if (sscanf(cursor, "%u-%zu%c", &id, &off, &tail) != 2 || id == 0)
		return NULL;
	for (size_t i = 0; i < FX_LISTINGS_MAX; i++)
		if (p->slot[i].id == id && p->slot[i].items) {
			*offset = off;
			return &p->slot[i];
		}
	return NULL;
}

static struct fx_listing *new_listing(struct fx_pages *p, cJSON *items, bool *missing)
{
	unsigned id = ++p->next_id;
	struct fx_listing *l = &p->slot[id % FX_LISTINGS_MAX];
	listing_free(l);
	l->id = id;
	l->items = items;
	l->missing = missing;
	return l;
}

/* The page [offset, offset + limit) as the response object. */
static cJSON *page_json(const struct fx_listing *l, const char *key, size_t offset, size_t limit)
{
	size_t n = (size_t)cJSON_GetArraySize(l->items);
	size_t end = offset + limit < n ? offset + limit : n;
	bool has_next = end < n;
	char cursor[64] = "";
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, key);
	bool ok = root && arr;

	for (size_t i = offset; ok && i < end; i++) {
		cJSON *dup = cJSON_Duplicate(cJSON_GetArrayItem(l->items, (int)i), true);
		ok = dup && cJSON_AddItemToArray(arr, dup);
	}
	if (has_next)
		snprintf(cursor, sizeof cursor, "%u-%zu", l->id, end);
	if (ok && strcmp(key, "orders") == 0)
		ok = fx_add_str(root, "sequence", "0");
	if (ok && strcmp(key, "fills") != 0)
		ok = fx_add_bool(root, "has_next", has_next);
	ok = ok && fx_add_str(root, "cursor", cursor);
	if (ok && strcmp(key, "accounts") == 0)
		ok = fx_add_int(root, "size", (int64_t)(end > offset ? end - offset : 0));
	if (!ok) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

void fx_pages_serve(struct fx_pages *p, const struct fx_req *req, const char *key,
		    cJSON *items, bool *missing, size_t limit, struct fx_resp *resp)
{
	const char *cursor = fx_param(req, "cursor");
	struct fx_listing *l;
	size_t offset = 0, n;

	if (limit == 0)
		limit = 1;
	if (cursor && cursor[0]) {
		cJSON_Delete(items);
		free(missing);
		if (!(l = find_listing(p, cursor, &offset))) {
			fx_coinbase_error(resp, 400, "INVALID_ARGUMENT", "invalid cursor");
			return;
		}
	} else {
		if (!items) {
			free(missing);
			fx_venue_internal_error(resp, FX_COINBASE, 500, "fakex: out of memory");
			return;
		}
		l = new_listing(p, items, missing);
	}
	n = (size_t)cJSON_GetArraySize(l->items);
	if (offset > n)
		offset = n;
	for (size_t i = offset; l->missing && i < offset + limit && i < n; i++)
		if (l->missing[i]) {
			fx_venue_internal_error(resp, FX_COINBASE, 500,
						"the orders service did not answer for this page");
			return;
		}
	fx_resp_json(resp, 200, page_json(l, key, offset, limit));
}
