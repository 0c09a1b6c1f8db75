/*
 * binance_parse.c — Binance USDⓈ-M payloads, error codes and request
 * parameters (contract in binance_parse.h).
 *
 * Every object is read through jsonin so amounts keep their exact digits:
 * a single-object body is parsed as is; each element of an array is printed
 * back by cJSON and re-read (cJSON reprints a number of up to 15 significant
 * digits — all jsonin accepts for amounts — and any integer up to 2^53
 * exactly, so nothing that passes the checks has changed).
 */
#include "binance_parse.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonin.h"
#include "rtime.h"
#include "sign.h"


/* --- field readers ----------------------------------------------------------- */

/* Binance writes "" for none in numeric members, and integers and booleans
 * sometimes as strings; amounts come as strings or JSON numbers. */
#define BN_JSON (JSONIN_EMPTY_STRING | JSONIN_NUMBER_STRINGS)

/* The reader context of a parsed element: errors say "field 'x': ...". */
#define AT(in) (&(const struct jsonin_at){(in)->root, NULL, BN_JSON})

static enum rk_rc rd_str(const struct jsonin *in, const char *field, bool required, char *buf,
			 size_t cap, struct rk_err *err)
{
	return jsonin_get_str(AT(in), field, required, buf, cap, err);
}

/* An integer member (id, time, code) of at most 2^53 in magnitude. */
static enum rk_rc rd_int(const struct jsonin *in, const char *field, bool required,
			 bool *present, int64_t *out, struct rk_err *err)
{
	return jsonin_get_int(AT(in), field, required, 0, -JSONIN_MAX_EXACT_INT,
			      JSONIN_MAX_EXACT_INT, present, out, err);
}

/* An id member as canonical decimal text. */
static enum rk_rc rd_id(const struct jsonin *in, const char *field, bool required, char *buf,
			size_t cap, struct rk_err *err)
{
	bool present = false;
	int64_t v = 0;
	enum rk_rc rc = rd_int(in, field, required, &present, &v, err);
	buf[0] = '\0';
	if (rc == RK_OK && present) {
		if (v < 0)
			return rk_err_set(err, RK_EINVAL, "field '%s': negative id", field);
		snprintf(buf, cap, "%" PRId64, v);
	}
	return rc;
}

/* A millisecond time member -> canonical timestamp ("" when absent or 0). */
static enum rk_rc rd_time(const struct jsonin *in, const char *field, char ts[MODEL_TS_MAX],
			  struct rk_err *err)
{
	bool present = false;
	int64_t ms = 0;
	enum rk_rc rc = rd_int(in, field, false, &present, &ms, err);
	char buf[RTIME_STR_MAX];
	ts[0] = '\0';
	if (rc == RK_OK && present && ms > 0)
		snprintf(ts, MODEL_TS_MAX, "%s", rtime_format(ms * 1000, buf));
	return rc;
}

/* An exact decimal; absent, null or "" leaves *present false. */
static enum rk_rc rd_dec(const struct jsonin *in, const char *field, bool required,
			 bool *present, struct dec *out, struct rk_err *err)
{
	return jsonin_get_dec(AT(in), field, required, present, out, err);
}

/* A boolean given as true/false or "true"/"false"; absent: false. */
static enum rk_rc rd_bool(const struct jsonin *in, const char *field, bool *out,
			  struct rk_err *err)
{
	return jsonin_get_bool(AT(in), field, false, out, err);
}

static enum rk_rc rd_side(const struct jsonin *in, enum side *out, struct rk_err *err)
{
	char s[16];
	enum rk_rc rc = rd_str(in, "side", true, s, sizeof s, err);
	if (rc)
		return rc;
	*out = strcmp(s, "BUY") == 0 ? SIDE_BUY : strcmp(s, "SELL") == 0 ? SIDE_SELL : SIDE_NONE;
	if (*out == SIDE_NONE)
		return rk_err_set(err, RK_EINVAL, "field 'side': unknown value '%s'", s);
	return RK_OK;
}

/* --- arrays and objects --------------------------------------------------------- */

/* Reads one JSON object (already in a jsonin) into *dst. */
typedef enum rk_rc (*elem_fn)(const struct jsonin *in, void *dst, const void *ctx,
			      struct rk_err *err);

/* Runs `fn` on one cJSON object by printing it and re-reading it exactly. */
static enum rk_rc read_elem(const cJSON *item, elem_fn fn, void *dst, const void *ctx,
			    struct rk_err *err)
{
	struct jsonin in;
	char *text = NULL;
	enum rk_rc rc;

	if (!cJSON_IsObject(item))
		return rk_err_set(err, RK_EINVAL, "not a JSON object");
	text = cJSON_PrintUnformatted(item);
	if (!text)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	rc = jsonin_parse(text, strlen(text), &in, err);
	if (rc == RK_OK) {
		rc = fn(&in, dst, ctx, err);
		jsonin_close(&in);
	}
	cJSON_free(text);
	return rc;
}

/* Reads every element of a JSON array into a malloc'd array of `size`-byte
 * records. Errors name "<what>[i]". */
static enum rk_rc read_array(const cJSON *arr, const char *what, size_t size, elem_fn fn,
			     const void *ctx, void **out, size_t *n, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	size_t count = 0, i = 0;
	char *recs = NULL;

	*out = NULL;
	*n = 0;
	if (!cJSON_IsArray(arr))
		return rk_err_set(err, RK_EINVAL, "%s: expected a JSON array", what);
	count = (size_t)cJSON_GetArraySize(arr);
	recs = calloc(count ? count : 1, size);
	if (!recs)
		return rk_err_set(err, RK_ENOMEM, "%s: out of memory", what);
	for (const cJSON *item = arr->child; item; item = item->next, i++) {
		rc = read_elem(item, fn, recs + i * size, ctx, err);
		if (rc) {
			rk_err_prefix(err, "%s[%zu]", what, i);
			goto out;
		}
	}
	*out = recs;
	*n = count;
	recs = NULL;
out:
	free(recs);
	return rc;
}

/* Parses a body whose top level is a JSON array and reads its elements. */
static enum rk_rc parse_body_array(const char *body, size_t len, const char *what, size_t size,
				   elem_fn fn, const void *ctx, void **out, size_t *n,
				   struct rk_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	enum rk_rc rc;
	*out = NULL;
	*n = 0;
	if (!root)
		return rk_err_set(err, RK_EINVAL, "%s: malformed JSON", what);
	rc = read_array(root, what, size, fn, ctx, out, n, err);
	cJSON_Delete(root);
	return rc;
}

/* Parses a body that is one JSON object and reads it. */
static enum rk_rc parse_body_object(const char *body, size_t len, const char *what, elem_fn fn,
				    void *dst, const void *ctx, struct rk_err *err)
{
	struct jsonin in;
	enum rk_rc rc = jsonin_parse(body, len, &in, err);
	if (rc == RK_OK) {
		rc = fn(&in, dst, ctx, err);
		jsonin_close(&in);
	}
	if (rc)
		rk_err_prefix(err, "%s", what);
	return rc;
}

/* --- errors ---------------------------------------------------------------------- */

bool binance_parse_error(const char *body, size_t len, int *code, char *msg, size_t cap)
{
	struct jsonin in;
	struct rk_err err;
	bool present = false, is_error = false;
	int64_t c = 0;

	if (!body || jsonin_parse(body, len, &in, &err) != RK_OK)
		return false;
	if (rd_int(&in, "code", true, &present, &c, &err) == RK_OK && c < 0 && c > -100000) {
		const cJSON *m = cJSON_GetObjectItemCaseSensitive(in.root, "msg");
		*code = (int)c;
		snprintf(msg, cap, "%s", cJSON_IsString(m) ? m->valuestring : "");
		is_error = true;
	}
	jsonin_close(&in);
	return is_error;
}

struct code_info {
	int code;
	enum venue_outcome outcome; /* VOUT_REJECTED unless the outcome is not known */
	enum venue_reject reject;
	const char *explain;        /* reckon's reading, or NULL */
};

static const struct code_info CODES[] = {
	{-1000, VOUT_UNKNOWN, VREJ_NONE, "unknown error at the venue: outcome unknown"},
	{-1001, VOUT_UNKNOWN, VREJ_NONE, "venue internal error: outcome unknown"},
	{-1003, VOUT_UNKNOWN, VREJ_NONE, "rate limited"},
	{-1006, VOUT_UNKNOWN, VREJ_NONE, "unexpected venue response: outcome unknown"},
	{-1007, VOUT_UNKNOWN, VREJ_NONE, "venue backend timeout: outcome unknown"},
	{-1008, VOUT_UNKNOWN, VREJ_NONE, "venue overloaded: outcome unknown"},
	{-1013, VOUT_REJECTED, VREJ_INVALID, "a symbol filter refused the order"},
	{-1021, VOUT_REJECTED, VREJ_OTHER, "timestamp outside recvWindow (clock offset)"},
	{-1022, VOUT_REJECTED, VREJ_OTHER,
	 "signature refused: check RECKON_BINANCE_API_SECRET"},
	{-1102, VOUT_REJECTED, VREJ_INVALID, NULL},
	{-1106, VOUT_REJECTED, VREJ_INVALID, NULL},
	{-1111, VOUT_REJECTED, VREJ_INVALID, "more decimals than the symbol allows"},
	{-1116, VOUT_REJECTED, VREJ_INVALID, NULL},
	{-1117, VOUT_REJECTED, VREJ_INVALID, NULL},
	{-1121, VOUT_REJECTED, VREJ_INVALID, "unknown symbol"},
	{-2011, VOUT_NOT_FOUND, VREJ_UNKNOWN_ORDER, "unknown order"},
	{-2013, VOUT_NOT_FOUND, VREJ_UNKNOWN_ORDER, "unknown order"},
	{-2014, VOUT_REJECTED, VREJ_OTHER, "API key refused: check RECKON_BINANCE_API_KEY"},
	{-2015, VOUT_REJECTED, VREJ_OTHER,
	 "API key, IP or permissions refused: check RECKON_BINANCE_API_KEY"},
	{-2018, VOUT_REJECTED, VREJ_INSUFFICIENT_FUNDS, "balance is insufficient"},
	{-2019, VOUT_REJECTED, VREJ_INSUFFICIENT_FUNDS, "margin is insufficient"},
	{-2021, VOUT_REJECTED, VREJ_WOULD_TRIGGER, "the stop is already through the price"},
	{-2022, VOUT_REJECTED, VREJ_INVALID, "reduce-only refused: nothing to reduce"},
	{-4003, VOUT_REJECTED, VREJ_INVALID, NULL},
	{-4005, VOUT_REJECTED, VREJ_INVALID, NULL},
	{-4014, VOUT_REJECTED, VREJ_INVALID, "price is not a multiple of the tick size"},
	{-4023, VOUT_REJECTED, VREJ_INVALID, "quantity is not a multiple of the step size"},
	{-4061, VOUT_REJECTED, VREJ_INVALID,
	 "position side does not match the account (hedge mode is not supported)"},
	{-4120, VOUT_REJECTED, VREJ_INVALID,
	 "wrong endpoint: conditional orders must use the algo order API"},
	{-4130, VOUT_REJECTED, VREJ_INVALID,
	 "a close-position stop already exists in this direction"},
	{-4131, VOUT_REJECTED, VREJ_INVALID, NULL},
	{-4164, VOUT_REJECTED, VREJ_INVALID, "order notional is below the symbol's minimum"},
};

static const struct code_info *code_info(int code)
{
	for (size_t i = 0; i < sizeof CODES / sizeof CODES[0]; i++)
		if (CODES[i].code == code)
			return &CODES[i];
	return NULL;
}

void binance_classify_error(int code, enum binance_op op, enum venue_outcome *outcome,
			    enum venue_reject *reject)
{
	const struct code_info *ci = code_info(code);
	*outcome = ci ? ci->outcome : VOUT_REJECTED;
	*reject = ci ? ci->reject : VREJ_OTHER;
	if (*outcome != VOUT_NOT_FOUND)
		return;
	/* -2011/-2013: a lookup or cancel learns the order is not there; a
	 * placement was refused (it cannot be "not found"). */
	if (op == BINANCE_OP_LOOKUP)
		*reject = VREJ_NONE;
	else if (op == BINANCE_OP_PLACE)
		*outcome = VOUT_REJECTED;
}

void binance_error_reason(int code, const char *msg, char *out, size_t cap)
{
	const struct code_info *ci = code_info(code);
	if (ci && ci->explain)
		snprintf(out, cap, "%s (Binance %d: %s)", ci->explain, code, msg ? msg : "");
	else
		snprintf(out, cap, "Binance %d: %s", code, msg ? msg : "");
}

/* --- orders ------------------------------------------------------------------------ */

struct type_name {
	const char *venue;
	enum order_type type;
};

static const struct type_name TYPES[] = {
	{"LIMIT", OTYPE_LIMIT},
	{"MARKET", OTYPE_MARKET},
	{"STOP_MARKET", OTYPE_STOP_MARKET},
	{"STOP", OTYPE_STOP_LIMIT},
	{"TAKE_PROFIT_MARKET", OTYPE_TAKE_PROFIT},
	{"TAKE_PROFIT", OTYPE_TAKE_PROFIT},
	{"TRAILING_STOP_MARKET", OTYPE_TRAILING_STOP},
};

static enum rk_rc rd_type(const struct jsonin *in, const char *field, enum order_type *out,
			  struct rk_err *err)
{
	char s[32];
	enum rk_rc rc = rd_str(in, field, true, s, sizeof s, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof TYPES / sizeof TYPES[0]; i++)
		if (strcmp(TYPES[i].venue, s) == 0) {
			*out = TYPES[i].type;
			return RK_OK;
		}
	return rk_err_set(err, RK_EINVAL, "field '%s': order type '%s' is not one reckon knows",
			  field, s);
}

static enum rk_rc rd_status(const struct jsonin *in, enum order_status *out,
			    struct rk_err *err)
{
	static const struct {
		const char *venue;
		enum order_status status;
	} MAP[] = {
		{"NEW", OSTATUS_OPEN},          {"PARTIALLY_FILLED", OSTATUS_PARTIALLY_FILLED},
		{"FILLED", OSTATUS_FILLED},     {"CANCELED", OSTATUS_CANCELLED},
		{"REJECTED", OSTATUS_REJECTED}, {"EXPIRED", OSTATUS_EXPIRED},
		{"EXPIRED_IN_MATCH", OSTATUS_EXPIRED},
	};
	char s[32];
	enum rk_rc rc = rd_str(in, "status", true, s, sizeof s, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
		if (strcmp(MAP[i].venue, s) == 0) {
			*out = MAP[i].status;
			return RK_OK;
		}
	return rk_err_set(err, RK_EINVAL, "field 'status': unknown value '%s'", s);
}

/* Price and trigger: kept only when > 0 (Binance writes "0" for "none"). */
static enum rk_rc rd_prices(const struct jsonin *in, const char *price_field,
			    const char *stop_field, struct order_rec *o, struct rk_err *err)
{
	enum rk_rc rc = rd_dec(in, price_field, false, &o->has_price, &o->price, err);
	if (!rc)
		rc = rd_dec(in, stop_field, false, &o->has_stop_price, &o->stop_price, err);
	o->has_price = o->has_price && dec_sign(o->price) > 0;
	o->has_stop_price = o->has_stop_price && dec_sign(o->stop_price) > 0;
	return rc;
}

static void set_account(struct order_rec *o, const char *account)
{
	o->venue = VENUE_BINANCE_USDM;
	snprintf(o->account, sizeof o->account, "%s", account && account[0] ? account : "default");
}

/* One order object; *close_position says whether it closes the position. */
static enum rk_rc read_order_fields(const struct jsonin *in, const char *account,
				    struct order_rec *o, bool *close_position, struct rk_err *err)
{
	bool reduce = false;
	enum rk_rc rc;

	memset(o, 0, sizeof *o);
	*close_position = false;
	set_account(o, account);
	if ((rc = rd_id(in, "orderId", true, o->order_id, sizeof o->order_id, err)) ||
	    (rc = rd_str(in, "clientOrderId", false, o->client_order_id,
			 sizeof o->client_order_id, err)) ||
	    (rc = rd_str(in, "symbol", true, o->symbol, sizeof o->symbol, err)) ||
	    (rc = rd_side(in, &o->side, err)) || (rc = rd_type(in, "type", &o->type, err)) ||
	    (rc = rd_status(in, &o->status, err)) ||
	    (rc = rd_dec(in, "origQty", true, NULL, &o->qty, err)) ||
	    (rc = rd_dec(in, "executedQty", false, &o->has_filled_qty, &o->filled_qty, err)) ||
	    (rc = rd_prices(in, "price", "stopPrice", o, err)) ||
	    (rc = rd_bool(in, "reduceOnly", &reduce, err)) ||
	    (rc = rd_bool(in, "closePosition", close_position, err)) ||
	    (rc = rd_time(in, "updateTime", o->ts, err)))
		return rc;
	if (!o->ts[0] && (rc = rd_time(in, "time", o->ts, err)))
		return rc;
	o->reduce_only = reduce || *close_position;
	return RK_OK;
}

static enum rk_rc read_order(const struct jsonin *in, void *dst, const void *ctx,
			     struct rk_err *err)
{
	bool close_position;
	return read_order_fields(in, ctx, dst, &close_position, err);
}

struct order_one {
	struct order_rec *rec;
	bool close_position;
};

static enum rk_rc read_order_one(const struct jsonin *in, void *dst, const void *ctx,
				 struct rk_err *err)
{
	struct order_one *d = dst;
	return read_order_fields(in, ctx, d->rec, &d->close_position, err);
}

enum rk_rc binance_parse_order(const char *body, size_t len, const char *account,
			       struct order_rec *out, bool *close_position, struct rk_err *err)
{
	struct order_one d = {.rec = out};
	enum rk_rc rc = parse_body_object(body, len, "order", read_order_one, &d, account, err);
	if (rc == RK_OK && close_position)
		*close_position = d.close_position;
	return rc;
}

enum rk_rc binance_parse_orders(const char *body, size_t len, const char *account,
				struct order_rec **out, size_t *n, struct rk_err *err)
{
	return parse_body_array(body, len, "orders", sizeof **out, read_order, account,
				(void **)out, n, err);
}

/* --- algo orders ------------------------------------------------------------------- */

static enum rk_rc rd_algo_status(const struct jsonin *in, struct binance_algo_order *a,
				 struct rk_err *err)
{
	static const struct {
		const char *venue;
		enum binance_algo_status algo;
		enum order_status status;
	} MAP[] = {
		{"NEW", BINANCE_ALGO_NEW, OSTATUS_OPEN},
		{"TRIGGERING", BINANCE_ALGO_TRIGGERING, OSTATUS_OPEN},
		{"TRIGGERED", BINANCE_ALGO_TRIGGERED, OSTATUS_OPEN},
		{"FINISHED", BINANCE_ALGO_FINISHED, OSTATUS_FILLED},
		{"CANCELED", BINANCE_ALGO_CANCELED, OSTATUS_CANCELLED},
		{"EXPIRED", BINANCE_ALGO_EXPIRED, OSTATUS_EXPIRED},
		{"REJECTED", BINANCE_ALGO_REJECTED, OSTATUS_REJECTED},
	};
	char s[32];
	enum rk_rc rc = rd_str(in, "algoStatus", true, s, sizeof s, err);
	if (rc)
		return rc;
	for (size_t i = 0; i < sizeof MAP / sizeof MAP[0]; i++)
		if (strcmp(MAP[i].venue, s) == 0) {
			a->algo_status = MAP[i].algo;
			a->rec.status = MAP[i].status;
			return RK_OK;
		}
	return rk_err_set(err, RK_EINVAL, "field 'algoStatus': unknown value '%s'", s);
}

static enum rk_rc read_algo(const struct jsonin *in, void *dst, const void *ctx,
			    struct rk_err *err)
{
	struct binance_algo_order *a = dst;
	struct order_rec *o = &a->rec;
	char id[MODEL_ID_MAX - sizeof BINANCE_ALGO_PREFIX];
	bool reduce = false;
	enum rk_rc rc;

	memset(a, 0, sizeof *a);
	set_account(o, ctx);
	if ((rc = rd_id(in, "algoId", true, id, sizeof id, err)) ||
	    (rc = rd_str(in, "clientAlgoId", false, o->client_order_id,
			 sizeof o->client_order_id, err)) ||
	    (rc = rd_str(in, "symbol", true, o->symbol, sizeof o->symbol, err)) ||
	    (rc = rd_side(in, &o->side, err)) || (rc = rd_type(in, "orderType", &o->type, err)) ||
	    (rc = rd_algo_status(in, a, err)) ||
	    (rc = rd_dec(in, "quantity", false, NULL, &o->qty, err)) ||
	    (rc = rd_dec(in, "executedQty", false, &o->has_filled_qty, &o->filled_qty, err)) ||
	    (rc = rd_prices(in, "price", "triggerPrice", o, err)) ||
	    (rc = rd_bool(in, "reduceOnly", &reduce, err)) ||
	    (rc = rd_bool(in, "closePosition", &a->close_position, err)) ||
	    (rc = rd_id(in, "actualOrderId", false, a->actual_order_id,
			sizeof a->actual_order_id, err)) ||
	    (rc = rd_time(in, "updateTime", o->ts, err)))
		return rc;
	if (!o->ts[0] && (rc = rd_time(in, "createTime", o->ts, err)))
		return rc;
	snprintf(o->order_id, sizeof o->order_id, "%s%s", BINANCE_ALGO_PREFIX, id);
	o->reduce_only = reduce || a->close_position;
	return RK_OK;
}

enum rk_rc binance_parse_algo_order(const char *body, size_t len, const char *account,
				    struct binance_algo_order *out, struct rk_err *err)
{
	return parse_body_object(body, len, "algo order", read_algo, out, account, err);
}

enum rk_rc binance_parse_algo_orders(const char *body, size_t len, const char *account,
				     struct binance_algo_order **out, size_t *n,
				     struct rk_err *err)
{
	return parse_body_array(body, len, "algo orders", sizeof **out, read_algo, account,
				(void **)out, n, err);
}

/* --- cancel ------------------------------------------------------------------------ */

void binance_parse_cancel(const char *body, size_t len, const char *order_id,
			  struct venue_cancel_result *out)
{
	struct jsonin in;
	struct rk_err err = {0};
	const char *algo_id = NULL;
	char id[MODEL_ID_MAX], status[32];
	bool present = false;
	int64_t code = 0;

	out->outcome = VOUT_UNKNOWN;
	out->reject = VREJ_NONE;
	if (!body || jsonin_parse(body, len, &in, &err) != RK_OK) {
		snprintf(out->reason, sizeof out->reason, "cancel answer unreadable: %.200s",
			 err.msg);
		return;
	}
	if (binance_is_algo_id(order_id, &algo_id)) {
		if (rd_id(&in, "algoId", true, id, sizeof id, &err) != RK_OK ||
		    strcmp(id, algo_id) != 0) {
			snprintf(out->reason, sizeof out->reason,
				 "cancel answer does not name algo order %.64s", algo_id);
		} else if (rd_int(&in, "code", false, &present, &code, &err) != RK_OK ||
			   (present && code != 200)) {
			snprintf(out->reason, sizeof out->reason,
				 "cancel answer for %.64s has code %" PRId64, order_id, code);
		} else {
			out->outcome = VOUT_OK;
		}
	} else if (rd_id(&in, "orderId", true, id, sizeof id, &err) != RK_OK ||
		   strcmp(id, order_id) != 0) {
		snprintf(out->reason, sizeof out->reason, "cancel answer does not name order %.64s",
			 order_id);
	} else if (rd_str(&in, "status", true, status, sizeof status, &err) != RK_OK ||
		   strcmp(status, "CANCELED") != 0) {
		snprintf(out->reason, sizeof out->reason, "cancel answer says status '%.32s'",
			 status);
	} else {
		out->outcome = VOUT_OK;
	}
	jsonin_close(&in);
}

/* --- trades -------------------------------------------------------------------------- */

static enum rk_rc read_trade(const struct jsonin *in, void *dst, const void *ctx,
			     struct rk_err *err)
{
	struct fill_rec *f = dst;
	bool maker = false, has_fee = false;
	enum rk_rc rc;

	memset(f, 0, sizeof *f);
	f->venue = VENUE_BINANCE_USDM;
	snprintf(f->account, sizeof f->account, "%s",
		 ctx && ((const char *)ctx)[0] ? (const char *)ctx : "default");
	if ((rc = rd_str(in, "symbol", true, f->symbol, sizeof f->symbol, err)) ||
	    (rc = rd_id(in, "id", true, f->fill_id, sizeof f->fill_id, err)) ||
	    (rc = rd_id(in, "orderId", true, f->order_id, sizeof f->order_id, err)) ||
	    (rc = rd_side(in, &f->side, err)) ||
	    (rc = rd_dec(in, "qty", true, NULL, &f->qty, err)) ||
	    (rc = rd_dec(in, "price", true, NULL, &f->price, err)) ||
	    (rc = rd_dec(in, "commission", false, &has_fee, &f->fee, err)) ||
	    (rc = rd_str(in, "commissionAsset", false, f->fee_currency, sizeof f->fee_currency,
			 err)) ||
	    (rc = rd_bool(in, "maker", &maker, err)) || (rc = rd_time(in, "time", f->ts, err)))
		return rc;
	if (dec_sign(f->qty) <= 0 || dec_sign(f->price) <= 0)
		return rk_err_set(err, RK_EINVAL, "fill %s: qty and price must be > 0", f->fill_id);
	/* The venue reports the commission paid; an older documentation example
	 * wrote it negative. The fee is its magnitude. */
	f->fee = dec_abs(f->fee);
	f->liquidity = maker ? LIQ_MAKER : LIQ_TAKER;
	return RK_OK;
}

enum rk_rc binance_parse_trades(const char *body, size_t len, const char *account,
				struct fill_rec **out, size_t *n, struct rk_err *err)
{
	return parse_body_array(body, len, "userTrades", sizeof **out, read_trade, account,
				(void **)out, n, err);
}

/* --- positions ----------------------------------------------------------------------- */

struct pos_entry {
	char symbol[MODEL_SYM_MAX];
	char side[8]; /* BOTH, LONG, SHORT */
	struct dec amt;
	bool has_entry;
	struct dec entry;
};

static enum rk_rc read_pos_entry(const struct jsonin *in, void *dst, const void *ctx,
				 struct rk_err *err)
{
	struct pos_entry *p = dst;
	enum rk_rc rc;
	(void)ctx;
	memset(p, 0, sizeof *p);
	if ((rc = rd_str(in, "symbol", true, p->symbol, sizeof p->symbol, err)) ||
	    (rc = rd_str(in, "positionSide", false, p->side, sizeof p->side, err)) ||
	    (rc = rd_dec(in, "positionAmt", true, NULL, &p->amt, err)) ||
	    (rc = rd_dec(in, "entryPrice", false, &p->has_entry, &p->entry, err)))
		return rc;
	if (p->side[0] && strcmp(p->side, "BOTH") != 0 && strcmp(p->side, "LONG") != 0 &&
	    strcmp(p->side, "SHORT") != 0)
		return rk_err_set(err, RK_EINVAL, "field 'positionSide': unknown value '%s'",
				  p->side);
	return RK_OK;
}

/* Nets entries per symbol, in first-seen order. */
static enum rk_rc net_positions(const struct pos_entry *e, size_t ne, struct venue_position **out,
				size_t *n, bool *hedge_mode, struct rk_err *err)
{
	struct venue_position *ps = calloc(ne ? ne : 1, sizeof *ps);
	int *nonflat = calloc(ne ? ne : 1, sizeof *nonflat);
	size_t np = 0;
	enum rk_rc rc = RK_OK;

	if (!ps || !nonflat) {
		rc = rk_err_set(err, RK_ENOMEM, "positions: out of memory");
		goto out;
	}
	for (size_t i = 0; i < ne; i++) {
		bool flat = dec_is_zero(e[i].amt);
		if (!flat && e[i].side[0] && strcmp(e[i].side, "BOTH") != 0)
			*hedge_mode = true;
		size_t k = 0;
		while (k < np && strcmp(ps[k].symbol, e[i].symbol) != 0)
			k++;
		if (k == np) {
			snprintf(ps[np].symbol, sizeof ps[np].symbol, "%s", e[i].symbol);
			ps[np++].qty = dec_zero();
		}
		if (flat)
			continue;
		if (dec_add(ps[k].qty, e[i].amt, &ps[k].qty) != DEC_OK) {
			rc = rk_err_set(err, RK_EOVERFLOW, "positions: %s does not add up",
					e[i].symbol);
			goto out;
		}
		/* One non-flat entry: its entry price is the position's. */
		if (++nonflat[k] == 1) {
			ps[k].has_entry = e[i].has_entry && dec_sign(e[i].entry) > 0;
			ps[k].entry_price = e[i].entry;
		} else {
			ps[k].has_entry = false;
		}
	}
	*out = ps;
	*n = np;
	ps = NULL;
out:
	free(ps);
	free(nonflat);
	return rc;
}

enum rk_rc binance_parse_positions(const char *body, size_t len, struct venue_position **out,
				   size_t *n, bool *hedge_mode, struct rk_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	struct pos_entry *e = NULL;
	size_t ne = 0;
	enum rk_rc rc;

	*out = NULL;
	*n = 0;
	*hedge_mode = false;
	if (!root)
		return rk_err_set(err, RK_EINVAL, "positions: malformed JSON");
	/* positionRisk is an array; an account object carries "positions". */
	const cJSON *arr = cJSON_IsObject(root) ? cJSON_GetObjectItemCaseSensitive(root, "positions")
						: root;
	rc = read_array(arr, "positions", sizeof *e, read_pos_entry, NULL, (void **)&e, &ne, err);
	if (rc == RK_OK)
		rc = net_positions(e, ne, out, n, hedge_mode, err);
	free(e);
	cJSON_Delete(root);
	return rc;
}

/* --- exchange info ---------------------------------------------------------------------- */

static enum rk_rc read_filter(const struct jsonin *in, void *dst, const void *ctx,
			      struct rk_err *err)
{
	struct instrument *ins = dst;
	char type[32];
	enum rk_rc rc;
	(void)ctx;
	if ((rc = rd_str(in, "filterType", true, type, sizeof type, err)))
		return rc;
	if (strcmp(type, "PRICE_FILTER") == 0)
		return rd_dec(in, "tickSize", true, NULL, &ins->tick_size, err);
	if (strcmp(type, "LOT_SIZE") == 0) {
		if ((rc = rd_dec(in, "stepSize", true, NULL, &ins->step_size, err)))
			return rc;
		return rd_dec(in, "minQty", true, NULL, &ins->min_qty, err);
	}
	if (strcmp(type, "MIN_NOTIONAL") == 0)
		return rd_dec(in, "notional", true, NULL, &ins->min_notional, err);
	return RK_OK;
}

static enum rk_rc read_symbol(const cJSON *sym, struct instrument *ins, struct rk_err *err)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(sym, "symbol");
	const cJSON *filters = cJSON_GetObjectItemCaseSensitive(sym, "filters");
	size_t i = 0;

	memset(ins, 0, sizeof *ins);
	if (!cJSON_IsString(name) || !name->valuestring[0] ||
	    strlen(name->valuestring) >= sizeof ins->symbol)
		return rk_err_set(err, RK_EINVAL, "field 'symbol': missing or too long");
	snprintf(ins->symbol, sizeof ins->symbol, "%s", name->valuestring);
	if (!filters)
		return RK_OK;
	if (!cJSON_IsArray(filters))
		return rk_err_set(err, RK_EINVAL, "%s: 'filters' is not an array", ins->symbol);
	for (const cJSON *f = filters->child; f; f = f->next, i++) {
		enum rk_rc rc = read_elem(f, read_filter, ins, NULL, err);
		if (rc)
			return rk_err_prefix(err, "%s filters[%zu]", ins->symbol, i);
	}
	return RK_OK;
}

enum rk_rc binance_parse_exchange_info(const char *body, size_t len, struct instrument **out,
				       size_t *n, struct rk_err *err)
{
	cJSON *root = cJSON_ParseWithLength(body, len);
	struct instrument *ins = NULL;
	enum rk_rc rc = RK_OK;
	size_t count = 0, i = 0;

	*out = NULL;
	*n = 0;
	if (!root)
		return rk_err_set(err, RK_EINVAL, "exchangeInfo: malformed JSON");
	const cJSON *syms = cJSON_GetObjectItemCaseSensitive(root, "symbols");
	if (!cJSON_IsArray(syms)) {
		rc = rk_err_set(err, RK_EINVAL, "exchangeInfo: 'symbols' is not an array");
		goto out;
	}
	count = (size_t)cJSON_GetArraySize(syms);
	ins = calloc(count ? count : 1, sizeof *ins);
	if (!ins) {
		rc = rk_err_set(err, RK_ENOMEM, "exchangeInfo: out of memory");
		goto out;
	}
	for (const cJSON *s = syms->child; s; s = s->next, i++) {
		if ((rc = read_symbol(s, &ins[i], err))) {
			rk_err_prefix(err, "exchangeInfo symbols[%zu]", i);
			goto out;
		}
	}
	*out = ins;
	*n = count;
	ins = NULL;
out:
	free(ins);
	cJSON_Delete(root);
	return rc;
}

/* --- prices and time ------------------------------------------------------------------------ */

static enum rk_rc read_price(const struct jsonin *in, void *dst, const void *ctx,
			     struct rk_err *err)
{
	struct venue_price *p = dst;
	enum rk_rc rc;
	(void)ctx;
	memset(p, 0, sizeof *p);
	if ((rc = rd_str(in, "symbol", true, p->symbol, sizeof p->symbol, err)) ||
	    (rc = rd_dec(in, "price", true, NULL, &p->last, err)))
		return rc;
	if (dec_sign(p->last) <= 0)
		return rk_err_set(err, RK_EINVAL, "%s: price must be > 0", p->symbol);
	return RK_OK;
}

enum rk_rc binance_parse_prices(const char *body, size_t len, struct venue_price **out,
				size_t *n, struct rk_err *err)
{
	size_t i = 0;
	while (i < len && isspace((unsigned char)body[i]))
		i++;
	*out = NULL;
	*n = 0;
	if (i < len && body[i] == '{') {
		struct venue_price *p = calloc(1, sizeof *p);
		if (!p)
			return rk_err_set(err, RK_ENOMEM, "prices: out of memory");
		enum rk_rc rc = parse_body_object(body, len, "price", read_price, p, NULL, err);
		if (rc) {
			free(p);
			return rc;
		}
		*out = p;
		*n = 1;
		return RK_OK;
	}
	return parse_body_array(body, len, "prices", sizeof **out, read_price, NULL, (void **)out,
				n, err);
}

static enum rk_rc read_server_time(const struct jsonin *in, void *dst, const void *ctx,
				   struct rk_err *err)
{
	bool present = false;
	(void)ctx;
	return rd_int(in, "serverTime", true, &present, dst, err);
}

enum rk_rc binance_parse_server_time(const char *body, size_t len, int64_t *ms,
				     struct rk_err *err)
{
	return parse_body_object(body, len, "server time", read_server_time, ms, NULL, err);
}

/* --- requests ---------------------------------------------------------------------------- */

bool binance_is_algo_id(const char *order_id, const char **algo_id)
{
	size_t plen = strlen(BINANCE_ALGO_PREFIX);
	if (!order_id || strncmp(order_id, BINANCE_ALGO_PREFIX, plen) != 0 || !order_id[plen])
		return false;
	for (const char *p = order_id + plen; *p; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	if (algo_id)
		*algo_id = order_id + plen;
	return true;
}

bool binance_client_id_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;
	if (n < 1 || n > BINANCE_CLIENT_ID_MAX)
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".:/_-", *s))
			return false;
	return true;
}

bool binance_symbol_ok(const char *s)
{
	if (!s || !s[0] || strlen(s) >= MODEL_SYM_MAX)
		return false;
	for (; *s; s++)
		if (!isupper((unsigned char)*s) && !isdigit((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

/* Appends "&key=value" (no '&' first) to a fixed buffer; false on overflow. */
static bool q_add(char *q, const char *key, const char *value)
{
	size_t len = strlen(q);
	int w = snprintf(q + len, BINANCE_QUERY_MAX - len, "%s%s=%s", len ? "&" : "", key, value);
	return w > 0 && (size_t)w < BINANCE_QUERY_MAX - len;
}

static bool q_add_dec(char *q, const char *key, struct dec v)
{
	char buf[DEC_STR_MAX];
	return q_add(q, key, dec_format(v, buf));
}

enum rk_rc binance_place_params(const struct venue_order_req *req, struct binance_place_req *out,
				struct rk_err *err)
{
	const char *type = NULL;
	bool algo = false, needs_price = false, needs_stop = false;
	const char *side = req->side == SIDE_BUY ? "BUY" : req->side == SIDE_SELL ? "SELL" : NULL;

	memset(out, 0, sizeof *out);
	switch (req->type) {
	case OTYPE_LIMIT: type = "LIMIT", needs_price = true; break;
	case OTYPE_MARKET: type = "MARKET"; break;
	case OTYPE_STOP_MARKET: type = "STOP_MARKET", algo = needs_stop = true; break;
	case OTYPE_STOP_LIMIT: type = "STOP", algo = needs_stop = needs_price = true; break;
	case OTYPE_TAKE_PROFIT:
		algo = needs_stop = true;
		needs_price = req->has_price;
		type = needs_price ? "TAKE_PROFIT" : "TAKE_PROFIT_MARKET";
		break;
	case OTYPE_TRAILING_STOP:
		return rk_err_set(err, RK_EINVAL,
				  "trailing stops need a callbackRate, which reckon's order "
				  "request does not carry");
	case OTYPE_BRACKET:
		return rk_err_set(err, RK_EINVAL, "Binance USDⓈ-M has no bracket orders");
	case OTYPE_NONE:
		return rk_err_set(err, RK_EINVAL, "order type missing");
	}
	if (!side)
		return rk_err_set(err, RK_EINVAL, "order side missing");
	if (!binance_symbol_ok(req->symbol))
		return rk_err_set(err, RK_EINVAL, "symbol '%.48s' is not a Binance symbol",
				  req->symbol);
	if (req->client_order_id[0] && !binance_client_id_ok(req->client_order_id))
		return rk_err_set(err, RK_EINVAL,
				  "client order id '%.128s' does not match Binance's "
				  "^[.A-Z:/a-z0-9_-]{1,36}$",
				  req->client_order_id);
	if (req->close_position && !(algo && !needs_price))
		return rk_err_set(err, RK_EINVAL,
				  "closePosition is only for stop_market and take_profit orders");
	if (!req->close_position && dec_sign(req->qty) <= 0)
		return rk_err_set(err, RK_EINVAL, "quantity must be > 0");
	if (needs_price && (!req->has_price || dec_sign(req->price) <= 0))
		return rk_err_set(err, RK_EINVAL, "a %s order needs a price > 0", type);
	if (needs_stop && (!req->has_stop_price || dec_sign(req->stop_price) <= 0))
		return rk_err_set(err, RK_EINVAL, "a %s order needs a trigger price > 0", type);

	char *q = out->query;
	bool ok = true;
	out->algo = algo;
	out->path = algo ? "/fapi/v1/algoOrder" : "/fapi/v1/order";
	if (algo)
		ok = q_add(q, "algoType", "CONDITIONAL");
	ok = ok && q_add(q, "symbol", req->symbol) && q_add(q, "side", side) &&
	     q_add(q, "type", type);
	if (ok && !req->close_position)
		ok = q_add_dec(q, "quantity", req->qty);
	if (ok && needs_price)
		ok = q_add_dec(q, "price", req->price) && q_add(q, "timeInForce", "GTC");
	if (ok && needs_stop)
		ok = q_add_dec(q, "triggerPrice", req->stop_price);
	if (ok && req->client_order_id[0])
		ok = q_add(q, algo ? "clientAlgoId" : "newClientOrderId", req->client_order_id);
	/* closePosition closes whatever is there; Binance refuses it together
	 * with reduceOnly (and with a quantity). */
	if (ok && req->close_position)
		ok = q_add(q, "closePosition", "true");
	else if (ok && req->reduce_only)
		ok = q_add(q, "reduceOnly", "true");
	if (!ok)
		return rk_err_set(err, RK_EINVAL, "order parameters longer than %d bytes",
				  BINANCE_QUERY_MAX);
	return RK_OK;
}

enum rk_rc binance_sign_query(const char *secret, size_t secret_len, const char *params,
			      int64_t timestamp_ms, long recv_window_ms, char **out,
			      struct rk_err *err)
{
	char sig[SIGN_HMAC_HEX_LEN + 1];
	char tail[96];
	char *s = NULL;
	enum rk_rc rc;

	*out = NULL;
	if (recv_window_ms > 0)
		snprintf(tail, sizeof tail, "recvWindow=%ld&timestamp=%" PRId64, recv_window_ms,
			 timestamp_ms);
	else
		snprintf(tail, sizeof tail, "timestamp=%" PRId64, timestamp_ms);
	size_t plen = params ? strlen(params) : 0;
	size_t cap = plen + 1 + strlen(tail) + strlen("&signature=") + SIGN_HMAC_HEX_LEN + 1;
	s = malloc(cap);
	if (!s)
		return rk_err_set(err, RK_ENOMEM, "binance: out of memory");
	snprintf(s, cap, "%s%s%s", plen ? params : "", plen ? "&" : "", tail);
	rc = sign_hmac_sha256_hex(secret, secret_len, s, strlen(s), sig, err);
	if (rc) {
		free(s);
		return rc;
	}
	size_t used = strlen(s);
	snprintf(s + used, cap - used, "&signature=%s", sig);
	*out = s;
	return RK_OK;
}

enum rk_rc binance_check_callback_rate(struct dec rate, struct rk_err *err)
{
	struct dec lo, hi;
	char buf[DEC_STR_MAX];
	if (dec_parse_cstr(BINANCE_CALLBACK_RATE_MIN, &lo) != DEC_OK ||
	    dec_parse_cstr(BINANCE_CALLBACK_RATE_MAX, &hi) != DEC_OK)
		return rk_err_set(err, RK_EINVAL, "callbackRate bounds unreadable");
	if (dec_cmp(rate, lo) < 0 || dec_cmp(rate, hi) > 0)
		return rk_err_set(err, RK_EINVAL, "callbackRate %s%% is outside the venue's range "
						  "[%s, %s]",
				  dec_format(rate, buf), BINANCE_CALLBACK_RATE_MIN,
				  BINANCE_CALLBACK_RATE_MAX);
	return RK_OK;
}

/* --- fills cursor ----------------------------------------------------------------------------- */

enum rk_rc binance_cursor_parse(const char *cursor, int64_t now_ms, int lookback_hours,
				int64_t *from_ms, struct rk_err *err)
{
	const int64_t hour = 3600LL * 1000, day = 24 * hour;
	int64_t earliest = now_ms - BINANCE_MAX_LOOKBACK_DAYS * day;
	size_t plen = strlen(BINANCE_CURSOR_PREFIX);

	if (!cursor || !cursor[0]) {
		int hours = lookback_hours > 0 ? lookback_hours : BINANCE_DEFAULT_LOOKBACK_HOURS;
		*from_ms = now_ms - hours * hour;
	} else if (strncmp(cursor, BINANCE_CURSOR_PREFIX, plen) != 0 ||
		   !jsonin_int_text(cursor + plen, strlen(cursor + plen), from_ms) || *from_ms < 0) {
		return rk_err_set(err, RK_EINVAL,
				  "fills cursor '%.64s' is not a Binance cursor (bn1:<ms>)", cursor);
	}
	if (*from_ms < earliest)
		*from_ms = earliest;
	if (*from_ms > now_ms)
		*from_ms = now_ms;
	return RK_OK;
}

void binance_cursor_format(int64_t ms, char out[MODEL_ID_MAX])
{
	snprintf(out, MODEL_ID_MAX, "%s%" PRId64, BINANCE_CURSOR_PREFIX, ms < 0 ? 0 : ms);
}
