/*
 * coinbase_parse.c — Coinbase Advanced Trade bodies <-> venue records (the
 * contract, with every enumeration mapping, is in coinbase_parse.h).
 *
 * Bodies are opened with jsonin_parse (UTF-8, NUL, duplicate-key checks) and
 * then walked with jsonin's field readers. Amounts are read only from JSON
 * strings (JSONIN_AMOUNT_STRINGS), so no amount ever passes through a double.
 */
#include "coinbase_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonin.h"
#include "jsonout.h"
#include "rtime.h"

#define WHERE_MAX 64 /* "orders[12]" and the like, for error messages */

/* ---- order configurations: one table for reading and for building -------- */

struct config {
	const char *key;        /* order_configuration member */
	enum order_type type;
	const char *price_key;  /* limit price / take profit; NULL for market */
	const char *stop_key;   /* trigger price; NULL when none */
};

/* The first entry of each type is the one reckon places. */
static const struct config CONFIGS[] = {
	{"market_market_ioc", OTYPE_MARKET, NULL, NULL},
	{"limit_limit_gtc", OTYPE_LIMIT, "limit_price", NULL},
	{"limit_limit_gtd", OTYPE_LIMIT, "limit_price", NULL},
	{"limit_limit_fok", OTYPE_LIMIT, "limit_price", NULL},
	{"sor_limit_ioc", OTYPE_LIMIT, "limit_price", NULL},
	{"stop_limit_stop_limit_gtc", OTYPE_STOP_LIMIT, "limit_price", "stop_price"},
	{"stop_limit_stop_limit_gtd", OTYPE_STOP_LIMIT, "limit_price", "stop_price"},
	{"trigger_bracket_gtc", OTYPE_BRACKET, "limit_price", "stop_trigger_price"},
	{"trigger_bracket_gtd", OTYPE_BRACKET, "limit_price", "stop_trigger_price"},
};
#define NCONFIGS (sizeof CONFIGS / sizeof CONFIGS[0])

static const struct config *config_by_key(const char *key)
{
	for (size_t i = 0; i < NCONFIGS; i++)
		if (strcmp(CONFIGS[i].key, key) == 0)
			return &CONFIGS[i];
	return NULL;
}

static const struct config *config_by_type(enum order_type t)
{
	for (size_t i = 0; i < NCONFIGS; i++)
		if (CONFIGS[i].type == t)
			return &CONFIGS[i];
	return NULL;
}

/* ---- enumerations -------------------------------------------------------- */

struct name_map {
	const char *name;
	int value;
};

static bool lookup(const struct name_map *m, size_t n, const char *name, int *out)
{
	for (size_t i = 0; name && i < n; i++) {
		if (strcmp(m[i].name, name) == 0) {
			*out = m[i].value;
			return true;
		}
	}
	return false;
}

bool coinbase_map_order_status(const char *status, bool any_filled, enum order_status *out)
{
	static const struct name_map STATUSES[] = {
		{"OPEN", OSTATUS_OPEN},           {"PENDING", OSTATUS_OPEN},
		{"QUEUED", OSTATUS_OPEN},         {"EDIT_QUEUED", OSTATUS_OPEN},
		{"CANCEL_QUEUED", OSTATUS_OPEN},  {"FILLED", OSTATUS_FILLED},
		{"CANCELLED", OSTATUS_CANCELLED}, {"EXPIRED", OSTATUS_EXPIRED},
		{"FAILED", OSTATUS_REJECTED},
	};
	int v;
	if (!lookup(STATUSES, sizeof STATUSES / sizeof STATUSES[0], status, &v))
		return false;
	*out = (enum order_status)v;
	if (*out == OSTATUS_OPEN && any_filled)
		*out = OSTATUS_PARTIALLY_FILLED;
	return true;
}

void coinbase_map_cancel_failure(const char *failure_reason, enum venue_outcome *outcome,
				 enum venue_reject *reject)
{
	static const struct name_map REASONS[] = {
		{"UNKNOWN_CANCEL_ORDER", VREJ_UNKNOWN_ORDER},
		{"ORDER_IS_FULLY_FILLED", VREJ_ALREADY_DONE},
		{"INVALID_CANCEL_REQUEST", VREJ_INVALID},
		{"INVALID_CANCEL_PRODUCT_ID", VREJ_INVALID},
		/* Queued or under an edit: the order still lives and may fill. */
		{"DUPLICATE_CANCEL_REQUEST", VREJ_OTHER},
		{"ORDER_IS_BEING_REPLACED", VREJ_OTHER},
	};
	int v = VREJ_OTHER;
	lookup(REASONS, sizeof REASONS / sizeof REASONS[0], failure_reason, &v);
	*reject = (enum venue_reject)v;
	*outcome = *reject == VREJ_UNKNOWN_ORDER ? VOUT_NOT_FOUND : VOUT_REJECTED;
}

enum venue_reject coinbase_map_order_failure(const char *reason)
{
	static const struct name_map REASONS[] = {
		{"INSUFFICIENT_FUND", VREJ_INSUFFICIENT_FUNDS},
		{"INSUFFICIENT_FUNDS", VREJ_INSUFFICIENT_FUNDS},
		{"INVALID_LEDGER_BALANCE", VREJ_INSUFFICIENT_FUNDS},
		{"STOP_PRICE_BELOW_LAST_TRADE_PRICE", VREJ_WOULD_TRIGGER},
		{"STOP_PRICE_ABOVE_LAST_TRADE_PRICE", VREJ_WOULD_TRIGGER},
		{"INVALID_SIZE_PRECISION", VREJ_INVALID},
		{"INVALID_PRICE_PRECISION", VREJ_INVALID},
		{"INVALID_LIMIT_PRICE", VREJ_INVALID},
		{"INVALID_LIMIT_PRICE_POST_ONLY", VREJ_INVALID},
		{"INVALID_STOP_PRICE", VREJ_INVALID},
		{"INVALID_BASE_SIZE_TOO_SMALL", VREJ_INVALID},
		{"INVALID_BASE_SIZE_TOO_LARGE", VREJ_INVALID},
		{"INVALID_QUOTE_SIZE_TOO_SMALL", VREJ_INVALID},
		{"INVALID_QUOTE_SIZE_TOO_LARGE", VREJ_INVALID},
		{"INVALID_QUOTE_SIZE_PRECISION", VREJ_INVALID},
	};
	int v = VREJ_OTHER;
	if (!reason)
		return VREJ_OTHER;
	if (strncmp(reason, "PREVIEW_", 8) == 0)
		reason += 8;
	lookup(REASONS, sizeof REASONS / sizeof REASONS[0], reason, &v);
	return (enum venue_reject)v;
}

/* ---- field readers ------------------------------------------------------- */

static enum rk_rc open_body(const char *body, size_t len, const char *what, struct jsonin *in,
			    struct rk_err *err)
{
	if (!body || len == 0)
		return rk_err_set(err, RK_EINVAL, "%s: empty body", what);
	enum rk_rc rc = jsonin_parse(body, len, in, err);
	if (rc)
		return rk_err_prefix(err, "%s", what);
	return RK_OK;
}

/* Coinbase writes "" for none and every amount as a string; a missing
 * member is bad input (RK_ENOTFOUND is kept for "no such thing"). */
#define CB_JSON (JSONIN_EMPTY_ABSENT | JSONIN_AMOUNT_STRINGS | JSONIN_MISSING_EINVAL)

/* The reader context of object `obj`, named `where` in errors. */
#define AT(obj, where) (&(const struct jsonin_at){(obj), (where), CB_JSON})

/* An RFC 3339 timestamp, into canonical text and microseconds (both may be
 * NULL). Absent: ts "" and *us 0. */
static enum rk_rc get_ts(const struct jsonin_at *at, const char *key, bool required, char *ts,
			 int64_t *us, struct rk_err *err)
{
	int64_t t = 0;
	bool have = false;
	enum rk_rc rc = jsonin_get_time(at, key, required, &have, &t, err);
	if (ts)
		ts[0] = '\0';
	if (us)
		*us = t;
	if (rc || !have)
		return rc;
	if (ts) {
		char buf[RTIME_STR_MAX];
		snprintf(ts, MODEL_TS_MAX, "%s", rtime_format(t, buf));
	}
	return RK_OK;
}

static enum rk_rc get_side(const struct jsonin_at *at, enum side *out, struct rk_err *err)
{
	char s[16];
	enum rk_rc rc = jsonin_get_str(at, "side", true, s, sizeof s, err);
	if (rc)
		return rc;
	if (strcmp(s, "BUY") == 0)
		*out = SIDE_BUY;
	else if (strcmp(s, "SELL") == 0)
		*out = SIDE_SELL;
	else
		return rk_err_set(err, RK_EINVAL, "%s.side: want BUY or SELL, got '%s'", at->path, s);
	return RK_OK;
}

/* The array `key` of the body `what` (required): NULL with an error when
 * absent or not one. */
static const cJSON *get_array(const cJSON *obj, const char *what, const char *key,
			      struct rk_err *err)
{
	const cJSON *v = NULL;
	if (jsonin_get_array(AT(obj, NULL), key, true, &v, err) != RK_OK)
		rk_err_prefix(err, "%s", what);
	return v;
}

/* Pagination: has_next (when given, a boolean) and cursor. Without has_next,
 * there is a next page when the cursor is set and this page was not empty. */
static enum rk_rc get_page(const cJSON *root, const char *what, size_t nitems,
			   struct coinbase_page *page, struct rk_err *err)
{
	const cJSON *hn = jsonin_member(root, "has_next");
	enum rk_rc rc = jsonin_get_str(AT(root, what), "cursor", false, page->cursor,
				       sizeof page->cursor, err);
	if (rc)
		return rc;
	if (hn && !cJSON_IsBool(hn))
		return rk_err_set(err, RK_EINVAL, "%s.has_next: must be true or false", what);
	page->has_next = hn ? cJSON_IsTrue(hn) : page->cursor[0] && nitems > 0;
	if (page->has_next && !page->cursor[0])
		return rk_err_set(err, RK_EINVAL, "%s: has_next without a cursor", what);
	return RK_OK;
}

static void *alloc_n(size_t n, size_t elem)
{
	return calloc(n ? n : 1, elem);
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/*
 * The start of every list parser: opens `body`, finds its `key` array and
 * allocates one element of `size` bytes per item. On success the caller owns
 * *in (jsonin_close) and *arr (free); on failure nothing is left to free.
 */
static enum rk_rc open_list(const char *body, size_t len, const char *what, const char *key,
			    size_t size, struct jsonin *in, const cJSON **list, void **arr,
			    struct rk_err *err)
{
	enum rk_rc rc = open_body(body, len, what, in, err);
	if (rc)
		return rc;
	if (!(*list = get_array(in->root, what, key, err)))
		rc = RK_EINVAL;
	else if (!(*arr = alloc_n((size_t)cJSON_GetArraySize(*list), size)))
		rc = rk_err_set(err, RK_ENOMEM, "%s: out of memory", what);
	if (rc)
		jsonin_close(in);
	return rc;
}

/* ---- orders -------------------------------------------------------------- */

/* order_configuration -> type, qty (base_size), price, stop. *quote_sized
 * says base_size was absent (a market order sized in quote currency). */
static enum rk_rc read_config(const cJSON *o, const char *where, struct order_rec *out,
			      bool *quote_sized, struct rk_err *err)
{
	const cJSON *cfg = jsonin_member(o, "order_configuration");
	const cJSON *body = NULL;
	const struct config *c = NULL;
	char w[WHERE_MAX + 64];
	bool has_base = false, has_quote = false;
	struct dec quote;
	enum rk_rc rc;

	if (!cJSON_IsObject(cfg))
		return rk_err_set(err, RK_EINVAL, "%s.order_configuration: missing", where);
	for (const cJSON *m = cfg->child; m; m = m->next) {
		const struct config *k = config_by_key(m->string);
		if (!k)
			continue;
		if (c)
			return rk_err_set(err, RK_EINVAL,
					  "%s.order_configuration: both %s and %s", where, c->key,
					  k->key);
		c = k;
		body = m;
	}
	if (!c)
		return rk_err_set(err, RK_EINVAL, "%s.order_configuration: unsupported ('%.40s')",
				  where, cfg->child ? cfg->child->string : "");
	if (!cJSON_IsObject(body))
		return rk_err_set(err, RK_EINVAL, "%s.order_configuration.%s: not an object", where,
				  c->key);
	snprintf(w, sizeof w, "%s.order_configuration.%s", where, c->key);
	out->type = c->type;
	const struct jsonin_at *at = AT(body, w);
	if ((rc = jsonin_get_amount(at, "base_size", false, 1, &has_base, &out->qty, err)) ||
	    (rc = jsonin_get_amount(at, "quote_size", false, 1, &has_quote, &quote, err)))
		return rc;
	if (!has_base && !has_quote)
		return rk_err_set(err, RK_EINVAL, "%s: neither base_size nor quote_size", w);
	*quote_sized = !has_base;
	if (c->price_key &&
	    (rc = jsonin_get_amount(at, c->price_key, true, 1, &out->has_price, &out->price, err)))
		return rc;
	if (c->stop_key && (rc = jsonin_get_amount(at, c->stop_key, true, 1, &out->has_stop_price,
						   &out->stop_price, err)))
		return rc;
	return RK_OK;
}

static enum rk_rc read_order(const cJSON *o, const char *where, const char *account,
			     struct order_rec *out, struct rk_err *err)
{
	const struct jsonin_at *at = AT(o, where);
	char status[40];
	bool quote_sized = false;
	struct dec avg; /* not kept, but read: an unreadable amount is never skipped */
	enum rk_rc rc;

	memset(out, 0, sizeof *out);
	out->venue = VENUE_COINBASE;
	copy_str(out->account, sizeof out->account, account && account[0] ? account : "default");
	if (!cJSON_IsObject(o))
		return rk_err_set(err, RK_EINVAL, "%s: not an object", where);
	if ((rc = jsonin_get_str(at, "order_id", true, out->order_id, sizeof out->order_id, err)) ||
	    (rc = jsonin_get_str(at, "product_id", true, out->symbol, sizeof out->symbol, err)) ||
	    (rc = jsonin_get_str(at, "client_order_id", false, out->client_order_id,
				 sizeof out->client_order_id, err)) ||
	    (rc = get_side(at, &out->side, err)) ||
	    (rc = jsonin_get_str(at, "status", true, status, sizeof status, err)) ||
	    (rc = get_ts(at, "created_time", true, out->ts, NULL, err)) ||
	    (rc = jsonin_get_amount(at, "filled_size", false, 0, &out->has_filled_qty,
				    &out->filled_qty, err)) ||
	    (rc = jsonin_get_amount(at, "average_filled_price", false, 0, NULL, &avg, err)) ||
	    (rc = read_config(o, where, out, &quote_sized, err)))
		return rc;
	bool any_filled = out->has_filled_qty && dec_sign(out->filled_qty) > 0;
	if (!coinbase_map_order_status(status, any_filled, &out->status))
		return rk_err_set(err, RK_EINVAL, "%s.status: unknown order status '%s'", where,
				  status);
	if (quote_sized) {
		if (!any_filled)
			return rk_err_set(err, RK_EINVAL,
					  "%s: quote-sized order with nothing filled: base "
					  "quantity unknown", where);
		out->qty = out->filled_qty;
	}
	return RK_OK;
}

/* Reads one element of a listing into dst; *seq_us (zeroed by the caller)
 * is its place in the venue's sequence, when it has one. */
typedef enum rk_rc (*item_fn)(const cJSON *o, const char *where, const char *account, void *dst,
			      int64_t *seq_us, struct rk_err *err);

/*
 * Reads a page of a listing: the `key` array of `body`, each element into
 * one record of `size` bytes through `fn`, then the pagination. On RK_OK
 * *out (free) holds *n records and page->newest_us is the highest *seq_us.
 */
static enum rk_rc read_page(const char *body, size_t len, const char *key, size_t size,
			    item_fn fn, const char *account, void **out, size_t *n,
			    struct coinbase_page *page, struct rk_err *err)
{
	struct jsonin in = {0};
	const cJSON *list = NULL;
	char *arr = NULL;
	size_t k = 0;
	int64_t newest = 0;
	enum rk_rc rc;

	*out = NULL;
	*n = 0;
	memset(page, 0, sizeof *page);
	if ((rc = open_list(body, len, key, key, size, &in, &list, (void **)&arr, err)))
		return rc;
	for (const cJSON *o = list->child; o; o = o->next, k++) {
		char where[WHERE_MAX];
		int64_t seq = 0;
		snprintf(where, sizeof where, "%s[%zu]", key, k);
		if ((rc = fn(o, where, account, arr + k * size, &seq, err)))
			goto out;
		if (seq > newest)
			newest = seq;
	}
	if ((rc = get_page(in.root, key, k, page, err)))
		goto out;
	page->newest_us = newest;
	*out = arr;
	*n = k;
	arr = NULL;
out:
	free(arr);
	jsonin_close(&in);
	return rc;
}

static enum rk_rc order_item(const cJSON *o, const char *where, const char *account, void *dst,
			     int64_t *seq_us, struct rk_err *err)
{
	(void)seq_us;
	return read_order(o, where, account, dst, err);
}

enum rk_rc coinbase_parse_orders_page(const char *body, size_t len, const char *account,
				      struct order_rec **orders, size_t *n,
				      struct coinbase_page *page, struct rk_err *err)
{
	return read_page(body, len, "orders", sizeof **orders, order_item, account,
			 (void **)orders, n, page, err);
}

enum rk_rc coinbase_parse_order(const char *body, size_t len, const char *account,
				struct order_rec *out, struct rk_err *err)
{
	struct jsonin in = {0};
	enum rk_rc rc = open_body(body, len, "order", &in, err);
	if (rc)
		return rc;
	const cJSON *o = jsonin_member(in.root, "order");
	if (!o)
		rc = rk_err_set(err, RK_EINVAL, "order: no 'order' object");
	else
		rc = read_order(o, "order", account, out, err);
	jsonin_close(&in);
	return rc;
}

/* ---- fills --------------------------------------------------------------- */

static enum rk_rc read_fill(const cJSON *o, const char *where, const char *account,
			    struct fill_rec *out, int64_t *seq_us, struct rk_err *err)
{
	const struct jsonin_at *at = AT(o, where);
	char liq[48], base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
	bool in_quote = false;
	int64_t trade_us = 0;
	enum rk_rc rc;

	memset(out, 0, sizeof *out);
	out->venue = VENUE_COINBASE;
	copy_str(out->account, sizeof out->account, account && account[0] ? account : "default");
	if (!cJSON_IsObject(o))
		return rk_err_set(err, RK_EINVAL, "%s: not an object", where);
	if ((rc = jsonin_get_str(at, "trade_id", true, out->fill_id, sizeof out->fill_id, err)) ||
	    (rc = jsonin_get_str(at, "order_id", true, out->order_id, sizeof out->order_id, err)) ||
	    (rc = jsonin_get_str(at, "product_id", true, out->symbol, sizeof out->symbol, err)) ||
	    (rc = get_side(at, &out->side, err)) ||
	    (rc = get_ts(at, "trade_time", true, out->ts, &trade_us, err)) ||
	    (rc = get_ts(at, "sequence_timestamp", false, NULL, seq_us, err)) ||
	    (rc = jsonin_get_amount(at, "price", true, 1, NULL, &out->price, err)) ||
	    (rc = jsonin_get_amount(at, "size", true, 1, NULL, &out->qty, err)) ||
	    (rc = jsonin_get_amount(at, "commission", false, 0, NULL, &out->fee, err)) ||
	    (rc = jsonin_get_bool(at, "size_in_quote", false, &in_quote, err)) ||
	    (rc = jsonin_get_str(at, "liquidity_indicator", false, liq, sizeof liq, err)))
		return rc;
	if (!*seq_us)
		*seq_us = trade_us;
	if (in_quote) {
		struct dec base_qty;
		if (dec_div(out->qty, out->price, DEC_ROUND_HALF_EVEN, &base_qty) != DEC_OK ||
		    dec_sign(base_qty) <= 0)
			return rk_err_set(err, RK_EINVAL, "%s: quote-sized fill: size / price "
					  "is out of range", where);
		out->qty = base_qty;
	}
	out->liquidity = strcmp(liq, "MAKER") == 0   ? LIQ_MAKER
			 : strcmp(liq, "TAKER") == 0 ? LIQ_TAKER
						     : LIQ_NONE;
	/* Spot commission is charged in the quote currency; only a BASE-QUOTE
	 * product id says which that is. */
	const char *dash = strchr(out->symbol, '-');
	if (dash && !strchr(dash + 1, '-') && symbol_split(out->symbol, base, quote))
		copy_str(out->fee_currency, sizeof out->fee_currency, quote);
	return RK_OK;
}

static enum rk_rc fill_item(const cJSON *o, const char *where, const char *account, void *dst,
			    int64_t *seq_us, struct rk_err *err)
{
	return read_fill(o, where, account, dst, seq_us, err);
}

enum rk_rc coinbase_parse_fills_page(const char *body, size_t len, const char *account,
				     struct fill_rec **fills, size_t *n,
				     struct coinbase_page *page, struct rk_err *err)
{
	return read_page(body, len, "fills", sizeof **fills, fill_item, account, (void **)fills,
			 n, page, err);
}

/* ---- accounts and holdings ----------------------------------------------- */

/* obj[key].value as an amount >= 0; absent object or value: 0. */
static enum rk_rc get_money(const cJSON *obj, const char *where, const char *key, bool required,
			    struct dec *out, struct rk_err *err)
{
	const cJSON *m = jsonin_member(obj, key);
	char w[WHERE_MAX + 32];
	*out = dec_zero();
	if (!m)
		return required ? rk_err_set(err, RK_EINVAL, "%s.%s: missing", where, key) : RK_OK;
	if (!cJSON_IsObject(m))
		return rk_err_set(err, RK_EINVAL, "%s.%s: not an object", where, key);
	snprintf(w, sizeof w, "%s.%s", where, key);
	return jsonin_get_amount(AT(m, w), "value", true, 0, NULL, out, err);
}

/* Adds (available, hold) of `currency` into arr[0..*n), merging. */
static enum rk_rc add_balance(struct coinbase_balance *arr, size_t *n, const char *currency,
			      struct dec available, struct dec hold, struct rk_err *err)
{
	size_t i = 0;
	while (i < *n && strcmp(arr[i].currency, currency) != 0)
		i++;
	if (i == *n) {
		memset(&arr[i], 0, sizeof arr[i]);
		copy_str(arr[i].currency, sizeof arr[i].currency, currency);
		(*n)++;
	}
	if (dec_add(arr[i].available, available, &arr[i].available) != DEC_OK ||
	    dec_add(arr[i].hold, hold, &arr[i].hold) != DEC_OK)
		return rk_err_set(err, RK_EOVERFLOW, "accounts: %s balance overflows", currency);
	return RK_OK;
}

enum rk_rc coinbase_parse_accounts_page(const char *body, size_t len,
					struct coinbase_balance **balances, size_t *n,
					struct coinbase_page *page, struct rk_err *err)
{
	struct jsonin in = {0};
	struct coinbase_balance *arr = NULL;
	size_t k = 0, nb = 0;
	enum rk_rc rc;

	*balances = NULL;
	*n = 0;
	memset(page, 0, sizeof *page);
	const cJSON *list = NULL;
	if ((rc = open_list(body, len, "accounts", "accounts", sizeof *arr, &in, &list,
			     (void **)&arr, err)))
		return rc;
	for (const cJSON *a = list->child; a; a = a->next, k++) {
		char where[WHERE_MAX], currency[MODEL_SYM_MAX];
		struct dec available, hold;
		snprintf(where, sizeof where, "accounts[%zu]", k);
		if (!cJSON_IsObject(a)) {
			rc = rk_err_set(err, RK_EINVAL, "%s: not an object", where);
			goto out;
		}
		if ((rc = jsonin_get_str(AT(a, where), "currency", true, currency, sizeof currency, err)) ||
		    (rc = get_money(a, where, "available_balance", true, &available, err)) ||
		    (rc = get_money(a, where, "hold", false, &hold, err)) ||
		    (rc = add_balance(arr, &nb, currency, available, hold, err)))
			goto out;
	}
	if ((rc = get_page(in.root, "accounts", k, page, err)))
		goto out;
	*balances = arr;
	*n = nb;
	arr = NULL;
out:
	free(arr);
	jsonin_close(&in);
	return rc;
}

enum rk_rc coinbase_positions_from_balances(const struct coinbase_balance *balances, size_t nb,
					    const char *const *products, size_t nproducts,
					    struct venue_position **out, size_t *n,
					    struct rk_err *err)
{
	struct venue_position *arr = alloc_n(nproducts, sizeof *arr);
	size_t k = 0;
	enum rk_rc rc = RK_OK;

	*out = NULL;
	*n = 0;
	if (!arr)
		return rk_err_set(err, RK_ENOMEM, "positions: out of memory");
	for (size_t i = 0; i < nproducts; i++) {
		char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
		char other[MODEL_SYM_MAX], oquote[MODEL_SYM_MAX];
		bool seen = false;
		if (!symbol_split(products[i], base, quote)) {
			rc = rk_err_set(err, RK_EINVAL, "product '%.40s': not BASE-QUOTE",
					products[i]);
			goto out;
		}
		for (size_t j = 0; j < i && !seen; j++)
			seen = symbol_split(products[j], other, oquote) && strcmp(other, base) == 0;
		if (seen)
			continue;
		struct venue_position *p = &arr[k++];
		copy_str(p->symbol, sizeof p->symbol, products[i]);
		p->qty = dec_zero();
		for (size_t b = 0; b < nb; b++) {
			if (strcmp(balances[b].currency, base) != 0)
				continue;
			if (dec_add(p->qty, balances[b].available, &p->qty) != DEC_OK ||
			    dec_add(p->qty, balances[b].hold, &p->qty) != DEC_OK) {
				rc = rk_err_set(err, RK_EOVERFLOW, "%s: holding overflows", base);
				goto out;
			}
		}
	}
	*out = arr;
	*n = k;
	arr = NULL;
out:
	free(arr);
	return rc;
}

/* ---- products and prices ------------------------------------------------- */

enum rk_rc coinbase_parse_product(const char *body, size_t len, struct instrument *out,
				  struct rk_err *err)
{
	struct jsonin in = {0};
	bool has_price_inc = false;
	enum rk_rc rc = open_body(body, len, "product", &in, err);
	if (rc)
		return rc;
	memset(out, 0, sizeof *out);
	const struct jsonin_at *at = AT(in.root, "product");
	if ((rc = jsonin_get_str(at, "product_id", true, out->symbol, sizeof out->symbol, err)) ||
	    (rc = jsonin_get_amount(at, "price_increment", false, 0, &has_price_inc,
				    &out->tick_size, err)) ||
	    (!has_price_inc && (rc = jsonin_get_amount(at, "quote_increment", false, 0, NULL,
						       &out->tick_size, err))) ||
	    (rc = jsonin_get_amount(at, "base_increment", false, 0, NULL, &out->step_size,
				    err)) ||
	    (rc = jsonin_get_amount(at, "base_min_size", false, 0, NULL, &out->min_qty, err)) ||
	    (rc = jsonin_get_amount(at, "quote_min_size", false, 0, NULL, &out->min_notional,
				    err)))
		memset(out, 0, sizeof *out);
	jsonin_close(&in);
	return rc;
}

/* The price of the first level of book[side] (an array of {price, size});
 * *have false when the side is empty. */
static enum rk_rc best_level(const cJSON *book, const char *where, const char *side,
			     bool *have, struct dec *price, struct rk_err *err)
{
	const cJSON *levels = jsonin_member(book, side);
	char w[WHERE_MAX + 16];
	*have = false;
	if (!levels)
		return RK_OK;
	if (!cJSON_IsArray(levels))
		return rk_err_set(err, RK_EINVAL, "%s.%s: not an array", where, side);
	if (!levels->child)
		return RK_OK;
	if (!cJSON_IsObject(levels->child))
		return rk_err_set(err, RK_EINVAL, "%s.%s[0]: not an object", where, side);
	snprintf(w, sizeof w, "%s.%s[0]", where, side);
	return jsonin_get_amount(AT(levels->child, w), "price", true, 1, have, price, err);
}

enum rk_rc coinbase_parse_best_bid_ask(const char *body, size_t len, struct venue_price **prices,
				       size_t *n, struct rk_err *err)
{
	struct jsonin in = {0};
	struct venue_price *arr = NULL;
	size_t k = 0, idx = 0;
	enum rk_rc rc;

	*prices = NULL;
	*n = 0;
	const cJSON *list = NULL;
	if ((rc = open_list(body, len, "best_bid_ask", "pricebooks", sizeof *arr, &in, &list,
			     (void **)&arr, err)))
		return rc;
	for (const cJSON *b = list->child; b; b = b->next, idx++) {
		char where[WHERE_MAX];
		bool has_bid, has_ask;
		struct dec bid, ask, sum;
		snprintf(where, sizeof where, "pricebooks[%zu]", idx);
		if (!cJSON_IsObject(b)) {
			rc = rk_err_set(err, RK_EINVAL, "%s: not an object", where);
			goto out;
		}
		struct venue_price *p = &arr[k];
		if ((rc = jsonin_get_str(AT(b, where), "product_id", true, p->symbol, sizeof p->symbol, err)) ||
		    (rc = best_level(b, where, "bids", &has_bid, &bid, err)) ||
		    (rc = best_level(b, where, "asks", &has_ask, &ask, err)))
			goto out;
		if (has_bid && has_ask) {
			if (dec_add(bid, ask, &sum) != DEC_OK ||
			    dec_div(sum, dec_from_int(2), DEC_ROUND_HALF_EVEN, &p->last) != DEC_OK) {
				rc = rk_err_set(err, RK_EOVERFLOW, "%s: midpoint overflows", where);
				goto out;
			}
		} else if (has_bid || has_ask) {
			p->last = has_bid ? bid : ask;
		} else {
			continue; /* an empty book: no price rather than a made-up one */
		}
		k++;
	}
	*prices = arr;
	*n = k;
	arr = NULL;
out:
	free(arr);
	jsonin_close(&in);
	return rc;
}

enum rk_rc coinbase_parse_ticker(const char *body, size_t len, struct venue_price *out,
				 struct rk_err *err)
{
	struct jsonin in = {0};
	enum rk_rc rc = open_body(body, len, "ticker", &in, err);
	if (rc)
		return rc;
	memset(out, 0, sizeof *out);
	const cJSON *list = get_array(in.root, "ticker", "trades", err);
	if (!list)
		rc = RK_EINVAL;
	else if (!list->child)
		rc = rk_err_set(err, RK_ENOTFOUND, "ticker: no trades");
	else if (!cJSON_IsObject(list->child))
		rc = rk_err_set(err, RK_EINVAL, "ticker.trades[0]: not an object");
	else if (!(rc = jsonin_get_str(AT(list->child, "trades[0]"), "product_id", true, out->symbol,
				       sizeof out->symbol, err)))
		rc = jsonin_get_amount(AT(list->child, "trades[0]"), "price", true, 1, NULL, &out->last, err);
	jsonin_close(&in);
	return rc;
}

/* ---- placement and cancel results ---------------------------------------- */

/* Coinbase's "no reason" placeholders: UNKNOWN_FAILURE_REASON,
 * UNKNOWN_PREVIEW_FAILURE_REASON, ... */
static bool placeholder_reason(const char *s)
{
	size_t n = strlen(s);
	return strncmp(s, "UNKNOWN_", 8) == 0 && n >= 15 && strcmp(s + n - 7, "_REASON") == 0;
}

/* The first non-empty string among obj[keys...] that is not a placeholder;
 * "" when none. */
static const char *first_reason(const cJSON *obj, const char *const *keys, size_t n)
{
	for (size_t i = 0; obj && i < n; i++) {
		const cJSON *v = jsonin_member(obj, keys[i]);
		if (cJSON_IsString(v) && v->valuestring[0] && !placeholder_reason(v->valuestring))
			return v->valuestring;
	}
	return "";
}

static const char *str_or(const cJSON *obj, const char *key, const char *dflt)
{
	const cJSON *v = jsonin_member(obj, key);
	return cJSON_IsString(v) ? v->valuestring : dflt;
}

enum rk_rc coinbase_parse_create_order(const char *body, size_t len,
				       struct venue_place_result *out, struct rk_err *err)
{
	static const char *const ERROR_KEYS[] = {"error", "new_order_failure_reason",
						 "preview_failure_reason"};
	static const char *const TOP_KEYS[] = {"failure_reason"};
	struct jsonin in = {0};
	struct rk_err perr = {0};
	enum rk_rc rc;

	memset(out, 0, sizeof *out);
	out->outcome = VOUT_UNKNOWN;
	if ((rc = open_body(body, len, "create order", &in, &perr))) {
		snprintf(out->reason, sizeof out->reason, "unreadable response: %.200s", perr.msg);
		return rk_err_set(err, rc, "%s", perr.msg);
	}
	const cJSON *root = in.root;
	const cJSON *success = jsonin_member(root, "success");
	if (!cJSON_IsBool(success)) {
		snprintf(out->reason, sizeof out->reason, "response without a success flag");
	} else if (cJSON_IsTrue(success)) {
		const char *top = str_or(root, "order_id", "");
		const char *inner = str_or(jsonin_member(root, "success_response"), "order_id", "");
		const char *id = top[0] ? top : inner;
		bool printable = true;
		for (const char *p = id; *p; p++)
			printable = printable && (unsigned char)*p >= 0x20;
		if (top[0] && inner[0] && strcmp(top, inner) != 0)
			snprintf(out->reason, sizeof out->reason,
				 "accepted with two different order ids");
		else if (!id[0])
			snprintf(out->reason, sizeof out->reason,
				 "venue acknowledged the placement without an order id");
		else if (strlen(id) >= sizeof out->order_id || !printable)
			snprintf(out->reason, sizeof out->reason, "accepted with an unusable order id");
		else {
			out->outcome = VOUT_OK;
			out->status = OSTATUS_OPEN;
			copy_str(out->order_id, sizeof out->order_id, id);
		}
	} else {
		const cJSON *er = jsonin_member(root, "error_response");
		const char *code = first_reason(er, ERROR_KEYS, 3);
		if (!code[0])
			code = first_reason(root, TOP_KEYS, 1);
		if (!code[0])
			code = "UNKNOWN_FAILURE_REASON";
		const char *msg = str_or(er, "message", "");
		if (!msg[0])
			msg = str_or(er, "error_details", "");
		out->outcome = VOUT_REJECTED;
		out->reject = coinbase_map_order_failure(code);
		snprintf(out->reason, sizeof out->reason, "%.100s%s%.140s", code, msg[0] ? ": " : "",
			 msg);
	}
	jsonin_close(&in);
	return RK_OK;
}

enum rk_rc coinbase_parse_cancel(const char *body, size_t len, const char *const *order_ids,
				 size_t n, struct venue_cancel_result *out, struct rk_err *err)
{
	struct jsonin in = {0};
	enum rk_rc rc;

	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof out[i]);
		copy_str(out[i].order_id, sizeof out[i].order_id, order_ids[i]);
		out[i].outcome = VOUT_UNKNOWN;
		snprintf(out[i].reason, sizeof out[i].reason, "no result for this order");
	}
	if ((rc = open_body(body, len, "batch_cancel", &in, err)))
		goto unreadable;
	const cJSON *list = get_array(in.root, "batch_cancel", "results", err);
	if (!list) {
		rc = RK_EINVAL;
		goto unreadable;
	}
	for (size_t i = 0; i < n; i++) {
		const cJSON *r = NULL;
		for (const cJSON *e = list->child; e && !r; e = e->next)
			if (cJSON_IsObject(e) && strcmp(str_or(e, "order_id", ""), order_ids[i]) == 0)
				r = e;
		if (!r)
			continue;
		const cJSON *ok = jsonin_member(r, "success");
		const char *why = str_or(r, "failure_reason", "");
		struct venue_cancel_result *c = &out[i];
		if (!cJSON_IsBool(ok)) {
			snprintf(c->reason, sizeof c->reason, "result without a success flag");
		} else if (cJSON_IsTrue(ok)) {
			c->outcome = VOUT_OK;
			c->reason[0] = '\0';
		} else {
			coinbase_map_cancel_failure(why, &c->outcome, &c->reject);
			snprintf(c->reason, sizeof c->reason, "%.200s",
				 why[0] ? why : "cancel failed without a reason");
		}
	}
	jsonin_close(&in);
	return RK_OK;
unreadable:
	for (size_t i = 0; i < n; i++)
		snprintf(out[i].reason, sizeof out[i].reason, "unreadable cancel response");
	jsonin_close(&in);
	return rc;
}

void coinbase_error_reason(int http_status, const char *body, size_t len, char *buf, size_t cap)
{
	struct jsonin in = {0};
	struct rk_err ignored = {0};
	const char *code = "", *msg = "";
	if (body && len && jsonin_parse(body, len, &in, &ignored) == RK_OK) {
		code = str_or(in.root, "error", "");
		msg = str_or(in.root, "message", "");
		if (!msg[0])
			msg = str_or(in.root, "error_details", "");
	}
	snprintf(buf, cap, "HTTP %d%s%.60s%s%.120s", http_status, code[0] ? " " : "", code,
		 msg[0] ? ": " : "", msg);
	for (char *p = buf; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	jsonin_close(&in);
}

/* ---- request bodies ------------------------------------------------------ */

/* Rounds v to a multiple of inc (> 0; 0 = no rule) with `mode`. */
static enum rk_rc round_to(struct dec v, struct dec inc, enum dec_round mode, const char *what,
			   struct dec *out, struct rk_err *err)
{
	if (dec_sign(inc) <= 0) {
		*out = v;
		return RK_OK;
	}
	if (dec_quantize(v, inc, mode, out) != DEC_OK)
		return rk_err_set(err, RK_EINVAL, "%s cannot be rounded to the increment", what);
	return RK_OK;
}

/* Checks the request and rounds its amounts (see the header for the rules). */
static enum rk_rc round_request(const struct venue_order_req *req, const struct instrument *ins,
				struct dec *qty, struct dec *price, struct dec *stop,
				struct rk_err *err)
{
	struct instrument none = {0};
	const struct instrument *r = ins ? ins : &none;
	bool sell = req->side == SIDE_SELL;
	/* Away from triggering / never worse than asked, per side. */
	enum dec_round stop_mode = sell ? DEC_ROUND_FLOOR : DEC_ROUND_CEIL;
	enum dec_round price_mode = sell ? DEC_ROUND_CEIL : DEC_ROUND_FLOOR;
	char a[DEC_STR_MAX], b[DEC_STR_MAX];
	enum rk_rc rc;

	if ((req->has_price && dec_sign(req->price) <= 0) ||
	    (req->has_stop_price && dec_sign(req->stop_price) <= 0))
		return rk_err_set(err, RK_EINVAL, "prices must be > 0");
	if ((rc = round_to(req->qty, r->step_size, DEC_ROUND_DOWN, "size", qty, err)) ||
	    (req->has_price &&
	     (rc = round_to(req->price, r->tick_size, price_mode, "price", price, err))) ||
	    (req->has_stop_price &&
	     (rc = round_to(req->stop_price, r->tick_size, stop_mode, "stop price", stop, err))))
		return rc;
	if (req->type == OTYPE_STOP_LIMIT && (sell ? dec_cmp(*price, *stop) > 0
						  : dec_cmp(*price, *stop) < 0))
		*price = *stop;
	if (req->type == OTYPE_BRACKET && (sell ? dec_cmp(*stop, *price) >= 0
					      : dec_cmp(*stop, *price) <= 0))
		return rk_err_set(err, RK_EINVAL, "bracket: the stop %s must be %s the take profit %s",
				  dec_format(*stop, a), sell ? "below" : "above",
				  dec_format(*price, b));
	if (dec_sign(*qty) <= 0)
		return rk_err_set(err, RK_EINVAL, "size %s rounds to zero at increment %s",
				  dec_format(req->qty, a), dec_format(r->step_size, b));
	if (dec_cmp(*qty, r->min_qty) < 0)
		return rk_err_set(err, RK_EINVAL, "size %s is below the minimum %s",
				  dec_format(*qty, a), dec_format(r->min_qty, b));
	if (req->has_price && dec_sign(r->min_notional) > 0) {
		struct dec notional;
		if (dec_mul(*qty, *price, DEC_ROUND_HALF_EVEN, &notional) != DEC_OK)
			return rk_err_set(err, RK_EINVAL, "size * price overflows");
		if (dec_cmp(notional, r->min_notional) < 0)
			return rk_err_set(err, RK_EINVAL, "value %s is below the minimum %s",
					  dec_format(notional, a), dec_format(r->min_notional, b));
	}
	return RK_OK;
}

enum rk_rc coinbase_build_order_body(const struct venue_order_req *req,
				     const struct instrument *ins, char **json,
				     struct rk_err *err)
{
	const struct config *c = config_by_type(req->type);
	struct dec qty, price = dec_zero(), stop = dec_zero();
	cJSON *root = NULL, *cfg = NULL, *body = NULL;
	enum rk_rc rc = RK_OK;

	*json = NULL;
	if (!req->client_order_id[0])
		return rk_err_set(err, RK_EINVAL, "coinbase: a placement needs a client_order_id");
	if (!req->symbol[0])
		return rk_err_set(err, RK_EINVAL, "coinbase: a placement needs a product id");
	if (req->side != SIDE_BUY && req->side != SIDE_SELL)
		return rk_err_set(err, RK_EINVAL, "coinbase: side must be buy or sell");
	if (!c)
		return rk_err_set(err, RK_EINVAL, "coinbase spot: order type '%s' is not supported",
				  order_type_name(req->type));
	if (req->close_position)
		return rk_err_set(err, RK_EINVAL, "coinbase spot: close_position is futures only");
	if ((c->price_key && !req->has_price) || (c->stop_key && !req->has_stop_price))
		return rk_err_set(err, RK_EINVAL, "coinbase: %s order needs %s%s%s",
				  order_type_name(req->type), c->price_key ? "a price" : "",
				  c->price_key && c->stop_key ? " and " : "",
				  c->stop_key ? "a stop price" : "");
	if ((rc = round_request(req, ins, &qty, &price, &stop, err)))
		return rk_err_prefix(err, "coinbase %s", req->symbol);

	root = cJSON_CreateObject();
	if (!root || !cJSON_AddStringToObject(root, "client_order_id", req->client_order_id) ||
	    !cJSON_AddStringToObject(root, "product_id", req->symbol) ||
	    !cJSON_AddStringToObject(root, "side", req->side == SIDE_BUY ? "BUY" : "SELL") ||
	    !(cfg = cJSON_AddObjectToObject(root, "order_configuration")) ||
	    !(body = cJSON_AddObjectToObject(cfg, c->key)) || !jsonout_add_dec(body, "base_size", qty) ||
	    (c->price_key && !jsonout_add_dec(body, c->price_key, price)) ||
	    (c->stop_key && !jsonout_add_dec(body, c->stop_key, stop)) ||
	    (req->type == OTYPE_LIMIT && !cJSON_AddFalseToObject(body, "post_only")) ||
	    (req->type == OTYPE_STOP_LIMIT &&
	     !cJSON_AddStringToObject(body, "stop_direction",
				      req->side == SIDE_SELL ? "STOP_DIRECTION_STOP_DOWN"
							     : "STOP_DIRECTION_STOP_UP")) ||
	    !(*json = cJSON_PrintUnformatted(root)))
		rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
	cJSON_Delete(root);
	return rc;
}

enum rk_rc coinbase_build_cancel_body(const char *const *order_ids, size_t n, char **json,
				      struct rk_err *err)
{
	cJSON *root = NULL, *ids = NULL;
	enum rk_rc rc = RK_OK;

	*json = NULL;
	if (n == 0)
		return rk_err_set(err, RK_EINVAL, "coinbase: nothing to cancel");
	for (size_t i = 0; i < n; i++)
		if (!order_ids[i] || !order_ids[i][0])
			return rk_err_set(err, RK_EINVAL, "coinbase: empty order id to cancel");
	root = cJSON_CreateObject();
	if (!root || !(ids = cJSON_AddArrayToObject(root, "order_ids"))) {
		rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		cJSON *s = cJSON_CreateString(order_ids[i]);
		if (!s || !cJSON_AddItemToArray(ids, s)) {
			cJSON_Delete(s);
			rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
			goto out;
		}
	}
	if (!(*json = cJSON_PrintUnformatted(root)))
		rc = rk_err_set(err, RK_ENOMEM, "coinbase: out of memory");
out:
	cJSON_Delete(root);
	return rc;
}

enum rk_rc coinbase_split_base_url(const char *base_url, char host[COINBASE_HOST_MAX],
				   char prefix[COINBASE_HOST_MAX], struct rk_err *err)
{
	const char *p = base_url ? strstr(base_url, "://") : NULL;
	host[0] = prefix[0] = '\0';
	if (!p || p == base_url)
		return rk_err_set(err, RK_EINVAL, "coinbase: base URL has no scheme");
	p += 3;
	size_t n = strcspn(p, "/?#");
	const char *at = memchr(p, '@', n);
	while (at) { /* userinfo is not part of the host */
		n -= (size_t)(at + 1 - p);
		p = at + 1;
		at = memchr(p, '@', n);
	}
	if (n == 0)
		return rk_err_set(err, RK_EINVAL, "coinbase: base URL has no host");
	if (n >= COINBASE_HOST_MAX)
		return rk_err_set(err, RK_EINVAL, "coinbase: base URL host is too long");
	memcpy(host, p, n);
	host[n] = '\0';
	p += n;
	size_t m = *p == '/' ? strcspn(p, "?#") : 0;
	while (m > 0 && p[m - 1] == '/')
		m--;
	if (m >= COINBASE_HOST_MAX)
		return rk_err_set(err, RK_EINVAL, "coinbase: base URL path is too long");
	memcpy(prefix, p, m);
	prefix[m] = '\0';
	return RK_OK;
}
