/*
 * book.c — the sim venue behind each fake API, and what the HTTP side needs
 * on top of it:
 *
 *  - snapshot passes: a reconcile pass issues several listing requests
 *    (orders, positions, fills, prices, rules); they are served from one
 *    sim snapshot, so a scenario's snapshot faults (snapshot_fails,
 *    page_missing) fire once per pass and break the listing they name. A
 *    listing key seen twice, or any state change, starts a new pass;
 *  - the full state via sim_venue_dump (history orders, fills, balances),
 *    which carries no faults;
 *  - stop triggers: the sim keeps a stop-limit's "triggered" flag private,
 *    so the book notes it the same way the sim decides it (the last price
 *    reaching the stop after a step), and reads "triggered" for scenario
 *    orders that say so.
 */
#include "fakex.h"

#include <stdlib.h>
#include <string.h>

#include "record.h"
#include "rk_index.h"
#include "sim.h"

/* ---- scenario extras ------------------------------------------------------ */

/* Reads what the sim keeps private from the venue block: the page size and
 * which open orders are triggered or close the position. */
static enum rk_rc read_extras(struct fx_book *b, const char *scenario, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	cJSON *root = cJSON_Parse(scenario);
	const cJSON *vj, *ps, *o;

	b->page_size = SIM_DEFAULT_PAGE_SIZE;
	if (!root)
		return rk_err_set(err, RK_EINVAL, "scenario: not valid JSON");
	vj = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(root, "venues"),
					      fx_venue_name(b->which));
	ps = cJSON_GetObjectItemCaseSensitive(vj, "page_size");
	if (cJSON_IsNumber(ps) && ps->valueint > 0)
		b->page_size = (size_t)ps->valueint;
	cJSON_ArrayForEach(o, cJSON_GetObjectItemCaseSensitive(vj, "open_orders")) {
		const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "order_id"));
		if (!id)
			continue;
		if ((cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "triggered")) &&
		     !fx_idset_add(&b->triggered, id)) ||
		    (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "close_position")) &&
		     !fx_idset_add(&b->close_position, id))) {
			rc = rk_err_set(err, RK_ENOMEM, "fakex: out of memory");
			break;
		}
	}
	cJSON_Delete(root);
	return rc;
}

enum rk_rc fx_book_init(struct fx_book *b, enum fx_venue which, const char *scenario,
			struct rk_err *err)
{
	enum rk_rc rc;
	memset(b, 0, sizeof *b);
	b->which = which;
	if ((rc = sim_venue_create(scenario, fx_venue_name(which), &b->venue, err)))
		return rc;
	return read_extras(b, scenario, err);
}

void fx_book_free(struct fx_book *b)
{
	if (!b)
		return;
	fx_book_invalidate(b);
	venue_destroy(b->venue);
	fx_idset_free(&b->triggered);
	fx_idset_free(&b->close_position);
	memset(b, 0, sizeof *b);
}

/* ---- dumps ---------------------------------------------------------------- */

void fx_dump_free(struct fx_dump *d)
{
	if (!d)
		return;
	free(d->orders);
	free(d->fills);
	free(d->balances);
	memset(d, 0, sizeof *d);
}

/* Reads each element of `arr` (canonical record JSON) with `read`. */
static enum rk_rc read_records(const cJSON *arr, void **out, size_t *n, size_t elem,
			       enum rk_rc (*read)(const char *, void *, struct rk_err *),
			       struct rk_err *err)
{
	const cJSON *it;
	size_t count = (size_t)cJSON_GetArraySize(arr), k = 0;
	char *base = calloc(count ? count : 1, elem);
	if (!base)
		return rk_err_set(err, RK_ENOMEM, "fakex: out of memory");
	cJSON_ArrayForEach(it, arr) {
		char *text = cJSON_PrintUnformatted(it);
		enum rk_rc rc = text ? read(text, base + k * elem, err)
				     : rk_err_set(err, RK_ENOMEM, "fakex: out of memory");
		free(text);
		if (rc) {
			free(base);
			return rc;
		}
		k++;
	}
	*out = base;
	*n = k;
	return RK_OK;
}

static enum rk_rc read_order(const char *text, void *out, struct rk_err *err)
{
	return record_order_from_text(text, out, err);
}

static enum rk_rc read_fill(const char *text, void *out, struct rk_err *err)
{
	return record_fill_from_text(text, out, err);
}

static enum rk_rc read_balances(const cJSON *arr, struct fx_dump *d, struct rk_err *err)
{
	const cJSON *it;
	size_t count = (size_t)cJSON_GetArraySize(arr);
	d->balances = calloc(count ? count : 1, sizeof *d->balances);
	if (!d->balances)
		return rk_err_set(err, RK_ENOMEM, "fakex: out of memory");
	cJSON_ArrayForEach(it, arr) {
		struct fx_balance *bal = &d->balances[d->nbalances];
		const char *asset = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "asset"));
		const char *qty = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "qty"));
		if (!asset || !fx_parse_dec(qty, &bal->qty))
			return rk_err_set(err, RK_ECORRUPT, "fakex: bad balance in the sim dump");
		snprintf(bal->asset, sizeof bal->asset, "%s", asset);
		d->nbalances++;
	}
	return RK_OK;
}

enum rk_rc fx_dump_load(const struct fx_book *b, struct fx_dump *out, struct rk_err *err)
{
	enum rk_rc rc;
	char *text = sim_venue_dump(b->venue);
	cJSON *root = text ? cJSON_Parse(text) : NULL;

	memset(out, 0, sizeof *out);
	free(text);
	if (!root)
		return rk_err_set(err, RK_ENOMEM, "fakex: cannot read the sim state");
	rc = read_records(cJSON_GetObjectItemCaseSensitive(root, "orders"), (void **)&out->orders,
			  &out->norders, sizeof *out->orders, read_order, err);
	if (rc == RK_OK)
		rc = read_records(cJSON_GetObjectItemCaseSensitive(root, "fills"),
				  (void **)&out->fills, &out->nfills, sizeof *out->fills, read_fill,
				  err);
	if (rc == RK_OK)
		rc = read_balances(cJSON_GetObjectItemCaseSensitive(root, "balances"), out, err);
	cJSON_Delete(root);
	if (rc)
		fx_dump_free(out);
	return rc;
}

void fx_fill_sum(const struct fx_dump *d, const char *order_id, struct fx_fill_sum *out)
{
	memset(out, 0, sizeof *out);
	for (size_t i = 0; d && i < d->nfills; i++) {
		const struct fill_rec *f = &d->fills[i];
		struct dec v;
		if (strcmp(f->order_id, order_id) != 0)
			continue;
		out->count++;
		dec_add(out->qty, f->qty, &out->qty);
		dec_add(out->fees, f->fee, &out->fees);
		if (dec_mul(f->qty, f->price, DEC_ROUND_HALF_EVEN, &v) == DEC_OK)
			dec_add(out->value, v, &out->value);
	}
	if (out->count && !dec_is_zero(out->qty))
		dec_div(out->value, out->qty, DEC_ROUND_HALF_EVEN, &out->avg_price);
}

/* ---- snapshot passes ------------------------------------------------------ */

void fx_book_invalidate(struct fx_book *b)
{
	if (b->have_snap)
		venue_snapshot_free(&b->snap);
	free(b->open_all);
	free(b->open_missing);
	b->open_all = NULL;
	b->open_missing = NULL;
	b->nopen_all = 0;
	b->nserved = 0;
	b->have_snap = false;
}

static const char *snapshot_order_id(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct venue_snapshot *)ctx)->orders[i].order_id;
}

/* Every open order now, and which of them the snapshot lost. */
static enum rk_rc note_open_orders(struct fx_book *b, struct rk_err *err)
{
	struct fx_dump d;
	struct rk_index snapped; /* the snapshot's orders by id */
	enum rk_rc rc = fx_dump_load(b, &d, err);
	if (rc)
		return rc;
	rk_index_init(&snapped, 1, snapshot_order_id, &b->snap);
	b->open_all = calloc(d.norders ? d.norders : 1, sizeof *b->open_all);
	b->open_missing = calloc(d.norders ? d.norders : 1, sizeof *b->open_missing);
	if (!b->open_all || !b->open_missing) {
		rc = rk_err_set(err, RK_ENOMEM, "fakex: out of memory");
		goto out;
	}
	for (size_t i = 0; b->snap.orders && i < b->snap.norders; i++)
		if (!rk_index_add(&snapped, i)) {
			rc = rk_err_set(err, RK_ENOMEM, "fakex: out of memory");
			goto out;
		}
	for (size_t i = 0; i < d.norders; i++) {
		if (!order_status_is_open(d.orders[i].status))
			continue;
		b->open_all[b->nopen_all] = d.orders[i];
		b->open_missing[b->nopen_all] =
			b->snap.orders &&
			rk_index_first(&snapped, d.orders[i].order_id, NULL) == RK_INDEX_NONE;
		b->nopen_all++;
	}
out:
	rk_index_free(&snapped);
	fx_dump_free(&d);
	return rc;
}

static bool served(const struct fx_book *b, const char *key)
{
	for (size_t i = 0; i < b->nserved; i++)
		if (strcmp(b->served[i], key) == 0)
			return true;
	return false;
}

const struct venue_snapshot *fx_book_pass(struct fx_book *b, const char *key, struct rk_err *err)
{
	if (b->have_snap && !served(b, key) && b->nserved < FX_SERVED_MAX)
		goto mark;
	fx_book_invalidate(b);
	if (venue_snapshot(b->venue, "", "", &b->snap, err) != RK_OK)
		return NULL;
	b->have_snap = true;
	if (note_open_orders(b, err) != RK_OK) {
		fx_book_invalidate(b);
		return NULL;
	}
mark:
	snprintf(b->served[b->nserved++], sizeof b->served[0], "%s", key);
	return &b->snap;
}

const struct venue_snapshot *fx_book_pass_or_fail(struct fx_book *b, const char *key,
						  struct fx_resp *resp)
{
	struct rk_err err;
	const struct venue_snapshot *s = fx_book_pass(b, key, &err);
	if (!s)
		fx_venue_internal_error(resp, b->which, 500, err.msg);
	return s;
}

void fx_snapshot_part_failed(enum fx_venue v, const struct venue_snapshot *s,
			     struct fx_resp *resp)
{
	fx_venue_internal_error(resp, v, 500,
				s->incomplete_reason[0] ? s->incomplete_reason : "request failed");
}

/* ---- trading ---------------------------------------------------------------- */

enum rk_rc fx_book_place(struct fx_book *b, const struct venue_order_req *req,
			 struct venue_place_result *out, struct rk_err *err)
{
	fx_book_invalidate(b);
	memset(out, 0, sizeof *out);
	return b->venue->ops->place(b->venue, req, out, err);
}

enum rk_rc fx_book_cancel(struct fx_book *b, const char *symbol, const char *order_id,
			  struct venue_cancel_result *out, struct rk_err *err)
{
	fx_book_invalidate(b);
	return venue_cancel_orders(b->venue, symbol, &order_id, 1, out, err);
}

/* ---- prices and triggers -------------------------------------------------- */

void fx_book_note_triggers(struct fx_book *b)
{
	struct fx_dump d;
	if (fx_dump_load(b, &d, NULL) != RK_OK)
		return;
	for (size_t i = 0; i < d.norders; i++) {
		const struct order_rec *o = &d.orders[i];
		struct dec last;
		if (o->type != OTYPE_STOP_LIMIT || !order_status_is_open(o->status) ||
		    !sim_venue_price(b->venue, o->symbol, &last))
			continue;
		int c = dec_cmp(last, o->stop_price);
		if ((o->side == SIDE_SELL && c <= 0) || (o->side == SIDE_BUY && c >= 0))
			fx_idset_add(&b->triggered, o->order_id);
	}
	fx_dump_free(&d);
}

bool fx_book_triggered(const struct fx_book *b, const struct order_rec *o)
{
	if (fx_idset_has(&b->triggered, o->order_id))
		return true;
	/* A stop that traded was triggered; a bracket trades by either leg. */
	bool trigger_order = o->type == OTYPE_TAKE_PROFIT ||
			     (order_type_is_stop(o->type) && o->type != OTYPE_BRACKET);
	return trigger_order &&
	       (o->status == OSTATUS_FILLED || o->status == OSTATUS_PARTIALLY_FILLED);
}

enum rk_rc fx_book_advance(struct fx_book *b, int steps, struct rk_err *err)
{
	fx_book_invalidate(b);
	for (int i = 0; i < steps; i++) {
		enum rk_rc rc = sim_venue_advance(b->venue, 1, err);
		if (rc)
			return rc;
		fx_book_note_triggers(b);
	}
	return RK_OK;
}

enum rk_rc fx_book_set_price(struct fx_book *b, const char *symbol, struct dec price,
			     struct rk_err *err)
{
	fx_book_invalidate(b);
	enum rk_rc rc = sim_venue_set_price(b->venue, symbol, price, err);
	if (rc == RK_OK)
		fx_book_note_triggers(b);
	return rc;
}
