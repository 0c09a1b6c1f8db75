/*
 * coinbase_api.c — the Coinbase Advanced Trade routes and their read side.
 *
 *   GET  /api/v3/brokerage/orders/historical/batch   orders (order_status,
 *        product_ids, limit, cursor); OPEN comes from the snapshot pass
 *   GET  /api/v3/brokerage/orders/historical/{id}    {"order": ...}
 *   GET  /api/v3/brokerage/orders/historical/fills   fills, newest first
 *        (order_ids -> the sim's order_fills; product_ids,
 *        start/end_sequence_timestamp, limit, cursor)
 *   GET  /api/v3/brokerage/accounts                  one account per balance
 *   GET  /api/v3/brokerage/products[/{id}[/ticker]]  rules and last price
 *   GET  /api/v3/brokerage/market/products[...]      the same, public
 *   GET  /api/v3/brokerage/best_bid_ask              bid = ask = last
 *   GET  /api/v3/brokerage/time                      public
 *   POST /api/v3/brokerage/orders, /orders/batch_cancel  (coinbase_trade.c)
 *
 * Pages hold at most the scenario's page_size items, whatever `limit` asks,
 * so pagination (and a lost page) is exercised on small books.
 */
#include "fakex.h"

#include <stdlib.h>
#include <string.h>

#include "rtime.h"
#include "sim.h"

#define CB_PREFIX "/api/v3/brokerage"
#define CB_MAX_IDS 100

typedef void (*cb_handler)(struct fakex *, const struct fx_req *, struct fx_resp *);

static void cb_time(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);

struct cb_route {
	const char *method;
	const char *path;   /* after CB_PREFIX */
	bool subpaths;      /* also serves path + "/..." */
	bool private;       /* needs a JWT */
	bool sim;           /* needs the scenario's coinbase venue */
	cb_handler fn;
};

static const struct cb_route ROUTES[] = {
	{"GET", "/orders/historical/batch", false, true, true, fx_cb_list_orders},
	{"GET", "/orders/historical/fills", false, true, true, fx_cb_list_fills},
	{"GET", "/orders/historical", true, true, true, fx_cb_get_order},
	{"POST", "/orders/batch_cancel", false, true, true, fx_cb_batch_cancel},
	{"POST", "/orders", false, true, true, fx_cb_place},
	{"GET", "/accounts", false, true, true, fx_cb_accounts},
	{"GET", "/best_bid_ask", false, true, true, fx_cb_best_bid_ask},
	{"GET", "/products", true, true, true, fx_cb_products},
	{"GET", "/market/products", true, false, true, fx_cb_products},
	{"GET", "/time", false, false, false, cb_time},
};

static bool route_matches(const struct cb_route *r, const char *method, const char *rest)
{
	size_t n = strlen(r->path);
	if (strcmp(method, r->method) != 0 || strncmp(rest, r->path, n) != 0)
		return false;
	return rest[n] == '\0' || (r->subpaths && rest[n] == '/' && rest[n + 1]);
}

bool fx_coinbase_route(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	const char *rest = req->path + strlen(CB_PREFIX);
	if (strncmp(req->path, CB_PREFIX, strlen(CB_PREFIX)) != 0)
		return false;
	for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
		const struct cb_route *r = &ROUTES[i];
		if (!route_matches(r, req->method, rest))
			continue;
		if (r->private && !fx_auth_coinbase(&fx->creds, req, resp))
			return true;
		if (r->sim && !fx->books[FX_COINBASE].venue)
			fx_venue_internal_error(resp, FX_COINBASE, 503, "coinbase is not in the scenario");
		else
			r->fn(fx, req, resp);
		return true;
	}
	return false;
}

/* ---- helpers -------------------------------------------------------------- */

/* The page size: `limit` when given, at most the scenario's page size. */
static size_t page_limit(const struct fx_book *b, const struct fx_req *req)
{
	const char *s = fx_param(req, "limit");
	long n = s ? strtol(s, NULL, 10) : 0;
	if (n <= 0 || (size_t)n > b->page_size)
		return b->page_size;
	return (size_t)n;
}

/* Is `symbol` among the request's product_ids / product_id (none = any)? */
static bool product_wanted(const struct fx_req *req, const char *symbol)
{
	const char *ids[CB_MAX_IDS];
	size_t n = fx_param_all(req, "product_ids", ids, CB_MAX_IDS);
	n += fx_param_all(req, "product_id", ids + n, CB_MAX_IDS - n);
	for (size_t i = 0; i < n; i++)
		if (strcmp(ids[i], symbol) == 0)
			return true;
	return n == 0;
}

/* Does the order's status pass the order_status filter (none = any)? */
static bool status_wanted(const char *const *want, size_t n, enum order_status s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(want[i], fx_cb_status_name(s)) == 0)
			return true;
	return n == 0;
}

/* ---- orders --------------------------------------------------------------- */

static bool out_of_memory(struct fx_resp *resp)
{
	fx_venue_internal_error(resp, FX_COINBASE, 500, "fakex: out of memory");
	return false;
}

/* Open orders of the current pass; those a lost page dropped are marked.
 * False with resp filled when the listing failed. */
static bool list_open(struct fx_book *b, const struct fx_req *req, const struct fx_dump *d,
		      cJSON *items, bool *missing, struct fx_resp *resp)
{
	const struct venue_snapshot *s = fx_book_pass_or_fail(b, "cb:orders", resp);
	size_t k = 0;
	if (!s)
		return false;
	if (!s->orders) {
		fx_snapshot_part_failed(FX_COINBASE, s, resp);
		return false;
	}
	for (size_t i = 0; i < b->nopen_all; i++) {
		if (!product_wanted(req, b->open_all[i].symbol))
			continue;
		cJSON *o = fx_cb_order_json(b, &b->open_all[i], d);
		if (!o || !cJSON_AddItemToArray(items, o)) {
			cJSON_Delete(o);
			return out_of_memory(resp);
		}
		missing[k++] = b->open_missing[i];
	}
	return true;
}

/* Orders of any status, from the sim's full state (no faults). */
static bool list_all(struct fx_book *b, const struct fx_req *req, const struct fx_dump *d,
		     const char *const *want, size_t nwant, cJSON *items, struct fx_resp *resp)
{
	for (size_t i = 0; i < d->norders; i++) {
		if (!status_wanted(want, nwant, d->orders[i].status) ||
		    !product_wanted(req, d->orders[i].symbol))
			continue;
		cJSON *o = fx_cb_order_json(b, &d->orders[i], d);
		if (!o || !cJSON_AddItemToArray(items, o)) {
			cJSON_Delete(o);
			return out_of_memory(resp);
		}
	}
	return true;
}

void fx_cb_list_orders(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	struct fx_book *b = &fx->books[FX_COINBASE];
	const char *want[8], *cursor = fx_param(req, "cursor");
	size_t nwant = fx_param_all(req, "order_status", want, 8);
	struct fx_dump d;
	struct rk_err err;
	cJSON *items = NULL;
	bool *missing = NULL, ok;

	if (cursor && cursor[0])
		return fx_pages_serve(&fx->pages, req, "orders", NULL, NULL, page_limit(b, req), resp);
	if (fx_dump_load(b, &d, &err) != RK_OK)
		return fx_venue_internal_error(resp, FX_COINBASE, 500, err.msg);
	items = cJSON_CreateArray();
	missing = calloc(d.norders + 1, sizeof *missing);
	if (!items || !missing)
		ok = out_of_memory(resp);
	else if (nwant == 1 && strcmp(want[0], "OPEN") == 0)
		ok = list_open(b, req, &d, items, missing, resp);
	else
		ok = list_all(b, req, &d, want, nwant, items, resp);
	if (ok) {
		fx_pages_serve(&fx->pages, req, "orders", items, missing, page_limit(b, req), resp);
		items = NULL;
		missing = NULL;
	}
	cJSON_Delete(items);
	free(missing);
	fx_dump_free(&d);
}

/* {"order": ...} */
static void send_order(struct fx_book *b, const struct order_rec *o, struct fx_resp *resp)
{
	struct fx_dump d;
	struct rk_err err;
	cJSON *root = NULL, *j = NULL;
	if (fx_dump_load(b, &d, &err) != RK_OK)
		return fx_venue_internal_error(resp, FX_COINBASE, 500, err.msg);
	if ((root = cJSON_CreateObject()) && (j = fx_cb_order_json(b, o, &d)) &&
	    cJSON_AddItemToObject(root, "order", j))
		j = NULL;
	cJSON_Delete(j);
	fx_dump_free(&d);
	fx_resp_json(resp, 200, root);
}

void fx_cb_get_order(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	struct fx_book *b = &fx->books[FX_COINBASE];
	char id[MODEL_ID_MAX];
	struct venue_order_result res;
	struct rk_err err;

	memset(&res, 0, sizeof res);
	snprintf(id, sizeof id, "%s", req->path + strlen(CB_PREFIX "/orders/historical/"));
	fx_url_decode(id);
	if (venue_get_order(b->venue, NULL, id, NULL, &res, &err) != RK_OK)
		fx_venue_internal_error(resp, FX_COINBASE, 500, err.msg);
	else if (res.outcome == VOUT_NOT_FOUND)
		fx_coinbase_error(resp, 404, "NOT_FOUND", "order with this orderID was not found");
	else if (res.outcome != VOUT_OK)
		fx_venue_unknown(resp, FX_COINBASE, res.reason);
	else
		send_order(b, &res.order, resp);
}

/* ---- fills ---------------------------------------------------------------- */

static bool fill_wanted(const struct fx_req *req, const struct fill_rec *f)
{
	const char *start = fx_param(req, "start_sequence_timestamp");
	const char *end = fx_param(req, "end_sequence_timestamp");
	int64_t ts = fx_ts_ms(f->ts);
	return product_wanted(req, f->symbol) && (!start || !start[0] || ts >= fx_ts_ms(start)) &&
	       (!end || !end[0] || ts <= fx_ts_ms(end));
}

/* Adds fills[n) newest first. */
static bool add_fills(cJSON *items, const struct fx_req *req, const struct fill_rec *fills,
		      size_t n)
{
	for (size_t i = n; i-- > 0;) {
		if (!fill_wanted(req, &fills[i]))
			continue;
		cJSON *f = fx_cb_fill_json(&fills[i]);
		if (!f || !cJSON_AddItemToArray(items, f)) {
			cJSON_Delete(f);
			return false;
		}
	}
	return true;
}

/* Fills of the orders named by order_ids, through the sim's order_fills. */
static bool fills_of_orders(struct fx_book *b, const struct fx_req *req, const char **ids,
			    size_t nids, cJSON *items, struct fx_resp *resp)
{
	for (size_t i = 0; i < nids; i++) {
		struct fill_rec *fills = NULL;
		size_t n = 0;
		struct rk_err err;
		enum rk_rc rc = venue_order_fills(b->venue, NULL, ids[i], &fills, &n, &err);
		bool ok = rc == RK_OK && add_fills(items, req, fills, n);
		free(fills);
		if (!ok) {
			if (rc == RK_EUNKNOWN)
				fx_venue_unknown(resp, FX_COINBASE, err.msg);
			else
				fx_venue_internal_error(resp, FX_COINBASE, 500, err.msg);
			return false;
		}
	}
	return true;
}

void fx_cb_list_fills(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	struct fx_book *b = &fx->books[FX_COINBASE];
	const char *ids[CB_MAX_IDS], *cursor = fx_param(req, "cursor");
	size_t nids = fx_param_all(req, "order_ids", ids, CB_MAX_IDS);
	const struct venue_snapshot *s;
	cJSON *items;

	nids += fx_param_all(req, "order_id", ids + nids, CB_MAX_IDS - nids);
	if (cursor && cursor[0])
		return fx_pages_serve(&fx->pages, req, "fills", NULL, NULL, page_limit(b, req), resp);
	if (!(items = cJSON_CreateArray()))
		return fx_venue_internal_error(resp, FX_COINBASE, 500, "fakex: out of memory");
	if (nids) {
		if (!fills_of_orders(b, req, ids, nids, items, resp))
			goto fail;
	} else {
		if (!(s = fx_book_pass_or_fail(b, "cb:fills", resp)))
			goto fail;
		if (!s->fills) {
			fx_snapshot_part_failed(FX_COINBASE, s, resp);
			goto fail;
		}
		if (!add_fills(items, req, s->fills, s->nfills)) {
			fx_venue_internal_error(resp, FX_COINBASE, 500, "fakex: out of memory");
			goto fail;
		}
	}
	fx_pages_serve(&fx->pages, req, "fills", items, NULL, page_limit(b, req), resp);
	return;
fail:
	cJSON_Delete(items);
}

/* ---- accounts, products, prices ------------------------------------------ */

/* What open orders hold of `asset`: sells their base, buys their quote. */
static struct dec hold_of(const struct fx_dump *d, const char *asset)
{
	struct dec hold = dec_zero();
	for (size_t i = 0; i < d->norders; i++) {
		const struct order_rec *o = &d->orders[i];
		char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
		struct dec left, v;
		if (!order_status_is_open(o->status) || !symbol_split(o->symbol, base, quote) ||
		    dec_sub(o->qty, o->filled_qty, &left) != DEC_OK)
			continue;
		if (o->side == SIDE_SELL && strcmp(base, asset) == 0)
			dec_add(hold, left, &hold);
		else if (o->side == SIDE_BUY && strcmp(quote, asset) == 0 &&
			 dec_mul(left, o->has_price ? o->price : o->stop_price, DEC_ROUND_CEIL,
				 &v) == DEC_OK)
			dec_add(hold, v, &hold);
	}
	return hold;
}

void fx_cb_accounts(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	struct fx_book *b = &fx->books[FX_COINBASE];
	const char *cursor = fx_param(req, "cursor");
	const struct venue_snapshot *s;
	struct fx_dump d;
	struct rk_err err;
	cJSON *items;
	bool ok;

	if (cursor && cursor[0])
		return fx_pages_serve(&fx->pages, req, "accounts", NULL, NULL, page_limit(b, req),
				      resp);
	if (!(s = fx_book_pass_or_fail(b, "cb:accounts", resp)))
		return;
	if (!s->positions)
		return fx_snapshot_part_failed(FX_COINBASE, s, resp);
	if (fx_dump_load(b, &d, &err) != RK_OK)
		return fx_venue_internal_error(resp, FX_COINBASE, 500, err.msg);
	ok = (items = cJSON_CreateArray()) != NULL;
	for (size_t i = 0; ok && i < d.nbalances; i++) {
		cJSON *a = fx_cb_account_json(d.balances[i].asset, d.balances[i].qty,
					      hold_of(&d, d.balances[i].asset));
		ok = a && cJSON_AddItemToArray(items, a);
	}
	fx_dump_free(&d);
	if (!ok) {
		cJSON_Delete(items);
		return fx_venue_internal_error(resp, FX_COINBASE, 500, "fakex: out of memory");
	}
	fx_pages_serve(&fx->pages, req, "accounts", items, NULL, page_limit(b, req), resp);
}

static bool snapshot_price(const struct venue_snapshot *s, const char *symbol, struct dec *out)
{
	const struct venue_price *p = s->prices ? venue_snapshot_price(s, symbol) : NULL;
	if (p)
		*out = p->last;
	return p != NULL;
}

/* GET .../products/{id}/ticker */
static void product_ticker(const struct venue_snapshot *s, const char *id, struct fx_resp *resp)
{
	struct dec last;
	cJSON *root;
	if (!s->prices)
		return fx_snapshot_part_failed(FX_COINBASE, s, resp);
	if (!snapshot_price(s, id, &last))
		return fx_coinbase_error(resp, 404, "NOT_FOUND", "product not found");
	root = cJSON_CreateObject();
	if (root && (!cJSON_AddArrayToObject(root, "trades") || !fx_add_dec(root, "best_bid", last) ||
		     !fx_add_dec(root, "best_ask", last))) {
		cJSON_Delete(root);
		root = NULL;
	}
	fx_resp_json(resp, 200, root);
}

/* GET .../products/{id} */
static void product_one(const struct venue_snapshot *s, const char *id, struct fx_resp *resp)
{
	const struct instrument *ins = venue_snapshot_instrument(s, id);
	struct dec last = dec_zero();
	if (!ins)
		return fx_coinbase_error(resp, 404, "NOT_FOUND", "product not found");
	bool has = snapshot_price(s, id, &last);
	fx_resp_json(resp, 200, fx_cb_product_json(ins, has, last));
}

/* GET .../products */
static void product_list(const struct fx_req *req, const struct venue_snapshot *s,
			 struct fx_resp *resp)
{
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "products");
	bool ok = root && arr;
	size_t n = 0;
	for (size_t i = 0; ok && i < s->ninstruments; i++) {
		struct dec last = dec_zero();
		if (!product_wanted(req, s->instruments[i].symbol))
			continue;
		bool has = snapshot_price(s, s->instruments[i].symbol, &last);
		cJSON *p = fx_cb_product_json(&s->instruments[i], has, last);
		ok = p && cJSON_AddItemToArray(arr, p);
		n++;
	}
	if (!ok || !fx_add_int(root, "num_products", (int64_t)n)) {
		cJSON_Delete(root);
		root = NULL;
	}
	fx_resp_json(resp, 200, root);
}

void fx_cb_products(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	const char *tail = strstr(req->path, "/products") + strlen("/products");
	char id[MODEL_SYM_MAX] = "", key[80];
	bool ticker = false;
	const struct venue_snapshot *s;

	if (*tail == '/') {
		size_t n = strcspn(tail + 1, "/");
		if (n >= sizeof id)
			return fx_coinbase_error(resp, 404, "NOT_FOUND", "product not found");
		memcpy(id, tail + 1, n);
		id[n] = '\0';
		ticker = strcmp(tail + 1 + n, "/ticker") == 0;
		if (tail[1 + n] && !ticker)
			return fx_coinbase_error(resp, 404, "NOT_FOUND", "Not Found");
	}
	snprintf(key, sizeof key, "cb:products:%s%s", id, ticker ? ":ticker" : "");
	if (!(s = fx_book_pass_or_fail(&fx->books[FX_COINBASE], key, resp)))
		return;
	if (!s->instruments)
		return fx_snapshot_part_failed(FX_COINBASE, s, resp);
	if (ticker)
		product_ticker(s, id, resp);
	else if (id[0])
		product_one(s, id, resp);
	else
		product_list(req, s, resp);
}

void fx_cb_best_bid_ask(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	struct fx_book *b = &fx->books[FX_COINBASE];
	const struct venue_snapshot *s = fx_book_pass_or_fail(b, "cb:best_bid_ask", resp);
	char now[RTIME_STR_MAX];
	cJSON *root, *arr;
	bool ok;

	if (!s)
		return;
	if (!s->prices)
		return fx_snapshot_part_failed(FX_COINBASE, s, resp);
	rtime_format(sim_venue_now_us(b->venue), now);
	root = cJSON_CreateObject();
	ok = root && (arr = cJSON_AddArrayToObject(root, "pricebooks"));
	for (size_t i = 0; ok && i < s->nprices; i++) {
		if (!product_wanted(req, s->prices[i].symbol))
			continue;
		cJSON *pb = fx_cb_pricebook_json(s->prices[i].symbol, s->prices[i].last, now);
		ok = pb && cJSON_AddItemToArray(arr, pb);
	}
	if (!ok) {
		cJSON_Delete(root);
		root = NULL;
	}
	fx_resp_json(resp, 200, root);
}

static void cb_time(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	char iso[RTIME_STR_MAX], secs[32], millis[32];
	cJSON *root = cJSON_CreateObject();
	(void)fx;
	rtime_format(req->now_ms * 1000, iso);
	snprintf(secs, sizeof secs, "%lld", (long long)(req->now_ms / 1000));
	snprintf(millis, sizeof millis, "%lld", (long long)req->now_ms);
	if (root && (!fx_add_str(root, "iso", iso) || !fx_add_str(root, "epochSeconds", secs) ||
		     !fx_add_str(root, "epochMillis", millis))) {
		cJSON_Delete(root);
		root = NULL;
	}
	fx_resp_json(resp, 200, root);
}
