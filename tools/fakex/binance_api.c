/*
 * binance_api.c — the Binance USDⓈ-M routes and their read side.
 *
 *   GET /fapi/v1/ping, /fapi/v1/time              public
 *   GET /fapi/v1/exchangeInfo                     public: PRICE_FILTER, LOT_SIZE,
 *                                                 MIN_NOTIONAL from the scenario
 *   GET /fapi/v1/ticker/price[?symbol=]           public: the sim's last price
 *   GET /fapi/v1/openOrders[?symbol=]             SIGNED: plain view (binance_render.c)
 *   GET /fapi/v1/openAlgoOrders[?symbol=]         SIGNED: untriggered conditional orders
 *   GET /fapi/v3/positionRisk[?symbol=]           SIGNED: every sim position
 *   GET /fapi/v1/userTrades?symbol=               SIGNED: orderId, fromId, startTime,
 *                                                 endTime (7-day windows), limit
 *   POST/GET/DELETE /fapi/v1/order, /fapi/v1/algoOrder   SIGNED (binance_trade.c)
 *
 * serverTime is the wall clock (plus the control clock offset), as the
 * signature check uses; order and trade times are the scenario's.
 */
#include "fakex.h"

#include <stdlib.h>
#include <string.h>

#include "sim.h"

#define BN_WEEK_MS (7LL * 24 * 3600 * 1000)
#define BN_TRADES_DEFAULT 500
#define BN_TRADES_MAX 1000

typedef void (*bn_handler)(struct fakex *, const struct fx_req *, struct fx_resp *);

static void bn_ping(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);
static void bn_time(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp);

struct bn_route {
	const char *method; /* NULL = any (the handler dispatches) */
	const char *path;
	bool signed_;
	bool sim;           /* needs the scenario's binance-usdm venue */
	bn_handler fn;
};

static const struct bn_route ROUTES[] = {
	{"GET", "/fapi/v1/ping", false, false, bn_ping},
	{"GET", "/fapi/v1/time", false, false, bn_time},
	{"GET", "/fapi/v1/exchangeInfo", false, true, fx_bn_exchange_info},
	{"GET", "/fapi/v1/ticker/price", false, true, fx_bn_ticker_price},
	{"GET", "/fapi/v1/openOrders", true, true, fx_bn_open_orders},
	{"GET", "/fapi/v1/openAlgoOrders", true, true, fx_bn_open_algo_orders},
	{"GET", "/fapi/v3/positionRisk", true, true, fx_bn_position_risk},
	{"GET", "/fapi/v1/userTrades", true, true, fx_bn_user_trades},
	{NULL, "/fapi/v1/order", true, true, fx_bn_order},
	{NULL, "/fapi/v1/algoOrder", true, true, fx_bn_algo_order},
};

bool fx_binance_route(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	for (size_t i = 0; i < sizeof ROUTES / sizeof ROUTES[0]; i++) {
		const struct bn_route *r = &ROUTES[i];
		if (strcmp(req->path, r->path) != 0 || (r->method && strcmp(req->method, r->method) != 0))
			continue;
		if (r->signed_ && !fx_auth_binance(&fx->creds, req, resp))
			return true;
		if (r->sim && !fx->books[FX_BINANCE].venue)
			fx_venue_internal_error(resp, FX_BINANCE, 503, "binance-usdm is not in the scenario");
		else
			r->fn(fx, req, resp);
		return true;
	}
	return false;
}

static void bn_ping(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	(void)fx;
	(void)req;
	fx_resp_json(resp, 200, cJSON_CreateObject());
}

static void bn_time(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	cJSON *o = cJSON_CreateObject();
	(void)fx;
	if (o && !fx_add_int(o, "serverTime", req->now_ms)) {
		cJSON_Delete(o);
		o = NULL;
	}
	fx_resp_json(resp, 200, o);
}

/* ---- helpers -------------------------------------------------------------- */

/* The snapshot for listing `what` (per symbol), or NULL with resp filled. */
static const struct venue_snapshot *pass_or_fail(struct fakex *fx, const char *what,
						 const struct fx_req *req, struct fx_resp *resp)
{
	char key[64];
	const char *symbol = fx_param(req, "symbol");
	snprintf(key, sizeof key, "bn:%s:%s", what, symbol ? symbol : "");
	return fx_book_pass_or_fail(&fx->books[FX_BINANCE], key, resp);
}

/* An unknown symbol parameter is -1121, as on the venue. */
static bool symbol_ok(const struct venue_snapshot *s, const struct fx_req *req,
		      struct fx_resp *resp)
{
	const char *symbol = fx_param(req, "symbol");
	if (!symbol || !s->instruments || venue_snapshot_instrument(s, symbol))
		return true;
	fx_binance_error(resp, 400, -1121, "Invalid symbol.");
	return false;
}

static bool symbol_wanted(const struct fx_req *req, const char *symbol)
{
	const char *want = fx_param(req, "symbol");
	return !want || strcmp(want, symbol) == 0;
}

/* ---- open orders ---------------------------------------------------------- */

/* Open orders of the current pass in one view (plain or algo). A page the
 * sim lost fails the whole listing: Binance does not paginate it. */
static void open_orders(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp,
			bool algo)
{
	struct fx_book *b = &fx->books[FX_BINANCE];
	const struct venue_snapshot *s = pass_or_fail(fx, algo ? "openAlgoOrders" : "openOrders",
						      req, resp);
	struct fx_dump d;
	struct rk_err err;
	cJSON *arr;
	bool ok;

	if (!s || !symbol_ok(s, req, resp))
		return;
	if (!s->orders)
		return fx_snapshot_part_failed(FX_BINANCE, s, resp);
	for (size_t i = 0; i < b->nopen_all; i++)
		if (b->open_missing[i])
			return fx_snapshot_part_failed(FX_BINANCE, s, resp);
	if (fx_dump_load(b, &d, &err) != RK_OK)
		return fx_venue_internal_error(resp, FX_BINANCE, 500, err.msg);
	ok = (arr = cJSON_CreateArray()) != NULL;
	for (size_t i = 0; ok && i < b->nopen_all; i++) {
		const struct order_rec *o = &b->open_all[i];
		if (!symbol_wanted(req, o->symbol) || fx_bn_is_plain_view(b, o) == algo)
			continue;
		cJSON *j = algo ? fx_bn_algo_json(fx, o, false) : fx_bn_order_json(fx, o, &d, false);
		ok = j && cJSON_AddItemToArray(arr, j);
	}
	fx_dump_free(&d);
	fx_resp_json(resp, 200, ok ? arr : NULL);
	if (!ok)
		cJSON_Delete(arr);
}

void fx_bn_open_orders(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	open_orders(fx, req, resp, false);
}

void fx_bn_open_algo_orders(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	open_orders(fx, req, resp, true);
}

/* ---- positions, prices, rules --------------------------------------------- */

void fx_bn_position_risk(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	const struct venue_snapshot *s = pass_or_fail(fx, "positionRisk", req, resp);
	cJSON *arr;
	bool ok;

	if (!s || !symbol_ok(s, req, resp))
		return;
	if (!s->positions)
		return fx_snapshot_part_failed(FX_BINANCE, s, resp);
	ok = (arr = cJSON_CreateArray()) != NULL;
	for (size_t i = 0; ok && i < s->npositions; i++) {
		const struct venue_position *p = &s->positions[i];
		struct dec mark = dec_zero();
		if (!symbol_wanted(req, p->symbol))
			continue;
		bool has = sim_venue_price(fx->books[FX_BINANCE].venue, p->symbol, &mark);
		cJSON *j = fx_bn_position_json(p, has, mark, s->taken_at_us / 1000);
		ok = j && cJSON_AddItemToArray(arr, j);
	}
	fx_resp_json(resp, 200, ok ? arr : NULL);
	if (!ok)
		cJSON_Delete(arr);
}

void fx_bn_ticker_price(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	const struct venue_snapshot *s = pass_or_fail(fx, "ticker", req, resp);
	const char *symbol = fx_param(req, "symbol");
	cJSON *arr = NULL, *root = NULL;
	bool ok = true;

	if (!s)
		return;
	if (!s->prices)
		return fx_snapshot_part_failed(FX_BINANCE, s, resp);
	if (!symbol && !(ok = (root = arr = cJSON_CreateArray()) != NULL))
		return fx_resp_json(resp, 500, NULL);
	for (size_t i = 0; ok && i < s->nprices; i++) {
		if (!symbol_wanted(req, s->prices[i].symbol))
			continue;
		cJSON *j = cJSON_CreateObject();
		ok = j && fx_add_str(j, "symbol", s->prices[i].symbol) &&
		     fx_add_dec(j, "price", s->prices[i].last) &&
		     fx_add_int(j, "time", s->taken_at_us / 1000);
		if (ok && arr)
			ok = cJSON_AddItemToArray(arr, j);
		else if (ok)
			root = j;
		else
			cJSON_Delete(j);
	}
	if (ok && !root)
		return fx_binance_error(resp, 400, -1121, "Invalid symbol.");
	fx_resp_json(resp, 200, ok ? root : NULL);
	if (!ok)
		cJSON_Delete(root);
}

void fx_bn_exchange_info(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	const struct venue_snapshot *s = pass_or_fail(fx, "exchangeInfo", req, resp);
	cJSON *root, *syms;
	bool ok;

	if (!s)
		return;
	if (!s->instruments)
		return fx_snapshot_part_failed(FX_BINANCE, s, resp);
	root = cJSON_CreateObject();
	ok = root && fx_add_str(root, "timezone", "UTC") &&
	     fx_add_int(root, "serverTime", req->now_ms) &&
	     cJSON_AddArrayToObject(root, "rateLimits") &&
	     cJSON_AddArrayToObject(root, "exchangeFilters") &&
	     cJSON_AddArrayToObject(root, "assets") &&
	     (syms = cJSON_AddArrayToObject(root, "symbols"));
	for (size_t i = 0; ok && i < s->ninstruments; i++) {
		cJSON *j = fx_bn_symbol_json(&s->instruments[i]);
		ok = j && cJSON_AddItemToArray(syms, j);
	}
	fx_resp_json(resp, 200, ok ? root : NULL);
	if (!ok)
		cJSON_Delete(root);
}

/* ---- user trades ---------------------------------------------------------- */

struct trade_query {
	int64_t from, to;  /* time window, ms, inclusive; to < 0 = none */
	int64_t from_id;   /* -1 = none */
	int64_t order_id;  /* -1 = none */
	size_t limit;
	bool newest;       /* no start: the most recent `limit` */
};

static int64_t num_param(const struct fx_req *req, const char *key, bool *bad)
{
	const char *s = fx_param(req, key);
	char *end = NULL;
	if (!s)
		return -1;
	long long v = strtoll(s, &end, 10);
	if (!s[0] || !end || *end || v < 0)
		*bad = true;
	return v;
}

/* Reads the query; false with resp filled when Binance would refuse it. */
static bool trade_query(const struct fx_req *req, int64_t now_ms, struct trade_query *q,
			struct fx_resp *resp)
{
	bool bad = false;
	int64_t start = num_param(req, "startTime", &bad), end = num_param(req, "endTime", &bad);
	int64_t limit = num_param(req, "limit", &bad);

	q->from_id = num_param(req, "fromId", &bad);
	q->order_id = num_param(req, "orderId", &bad);
	if (!fx_param(req, "symbol")) {
		fx_binance_error(resp, 400, -1102, "Mandatory parameter 'symbol' was not sent, was "
						   "empty/null, or malformed.");
		return false;
	}
	if (bad || limit == 0 || limit > BN_TRADES_MAX) {
		fx_binance_error(resp, 400, -1130, "Data sent for parameter 'limit' is not valid.");
		return false;
	}
	if (start >= 0 && end >= 0 && end - start > BN_WEEK_MS) {
		fx_binance_error(resp, 400, -1127, "More than 7 days between startTime and endTime.");
		return false;
	}
	q->limit = limit > 0 ? (size_t)limit : BN_TRADES_DEFAULT;
	q->newest = start < 0;
	q->from = start >= 0 ? start : end >= 0 ? end - BN_WEEK_MS : now_ms - BN_WEEK_MS;
	q->to = end >= 0 ? end : start >= 0 ? start + BN_WEEK_MS : now_ms;
	if (q->from_id >= 0 && start < 0 && end < 0) {
		q->from = 0; /* fromId alone: no time window, oldest first */
		q->to = INT64_MAX;
		q->newest = false;
	}
	return true;
}

static bool trade_wanted(struct fakex *fx, const struct fx_req *req, const struct trade_query *q,
			 const struct fill_rec *f)
{
	int64_t t = fx_ts_ms(f->ts);
	return symbol_wanted(req, f->symbol) && t >= q->from && t <= q->to &&
	       (q->from_id < 0 || fx_ids_num(&fx->binance_ids, f->fill_id) >= q->from_id) &&
	       (q->order_id < 0 || fx_ids_num(&fx->binance_ids, f->order_id) == q->order_id);
}

void fx_bn_user_trades(struct fakex *fx, const struct fx_req *req, struct fx_resp *resp)
{
	struct fx_book *b = &fx->books[FX_BINANCE];
	const struct venue_snapshot *s;
	struct trade_query q;
	size_t n = 0, first = 0;
	cJSON *arr;
	bool ok;

	if (!trade_query(req, sim_venue_now_us(b->venue) / 1000, &q, resp))
		return;
	if (!(s = pass_or_fail(fx, "userTrades", req, resp)) || !symbol_ok(s, req, resp))
		return;
	if (!s->fills)
		return fx_snapshot_part_failed(FX_BINANCE, s, resp);
	/* Number every fill in sequence order first, so new trade ids ascend. */
	for (size_t i = 0; i < s->nfills; i++)
		fx_ids_num(&fx->binance_ids, s->fills[i].fill_id);
	for (size_t i = 0; i < s->nfills; i++)
		n += trade_wanted(fx, req, &q, &s->fills[i]);
	if (q.newest && n > q.limit)
		first = n - q.limit;
	ok = (arr = cJSON_CreateArray()) != NULL;
	for (size_t i = 0, k = 0; ok && i < s->nfills && (size_t)cJSON_GetArraySize(arr) < q.limit;
	     i++) {
		if (!trade_wanted(fx, req, &q, &s->fills[i]) || k++ < first)
			continue;
		cJSON *j = fx_bn_trade_json(fx, &s->fills[i]);
		ok = j && cJSON_AddItemToArray(arr, j);
	}
	fx_resp_json(resp, 200, ok ? arr : NULL);
	if (!ok)
		cJSON_Delete(arr);
}
