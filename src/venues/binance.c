/*
 * binance.c — the Binance USDⓈ-M futures venue (contract in binance.h; the
 * payload reading and request building it relies on is in binance_parse.c).
 *
 * Every request goes through bn_call, which signs, sends, keeps the time
 * offset and the weight counter, and sorts the answer into: a 2xx body, the
 * venue's refusal (code + message), or "no verdict" (unknown). The venue
 * operations only decide what each of those means for their request.
 */
#include "binance.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "secret.h"
#include "binance_parse.h"
#include "rk_array.h"
#include "symset.h"

#define BN_PARAMS_MAX 512
#define BN_WEIGHT_HEADER "x-mbx-used-weight-1m"

struct bn {
	struct venue base;
	struct http_client *http;
	char *api_key;            /* wiped on destroy */
	char *api_secret;         /* wiped on destroy */
	char *key_header;         /* "X-MBX-APIKEY: <key>", wiped on destroy */
	long recv_window_ms;
	char (*watch)[MODEL_SYM_MAX]; /* opt->symbols */
	size_t nwatch;
	int lookback_hours;
	long weight_limit;
	/* exchange time = local time + offset_ms */
	int64_t offset_ms;
	int64_t synced_at_ms;     /* local ms of the last sync; 0 = never */
	/* exchangeInfo cache */
	struct instrument *instr;
	size_t ninstr;
	int64_t instr_at_ms;
	/* last reported request weight and the exchange minute it was for */
	long used_weight;
	int64_t used_weight_minute;
	struct rk_clock clock;    /* request timestamps, caches, snapshot taken_at */
};

/* One request's answer, sorted. */
struct bn_reply {
	long status;                     /* HTTP status, 0 when none */
	int code;                        /* Binance error code, 0 when none */
	char reason[VENUE_REASON_MAX];   /* for refusals and unknowns */
	char *body;                      /* 2xx body (owned), else NULL */
	size_t len;
};

static struct bn *as_bn(struct venue *v)
{
	return v->impl;
}

static int64_t local_ms(const struct bn *b)
{
	return rk_clock_now(b->clock) / 1000;
}

static int64_t exchange_ms(const struct bn *b)
{
	return local_ms(b) + b->offset_ms;
}

/* printf into a VENUE_REASON_MAX buffer; long parts are cut, not refused. */
static void reasonf(char *reason, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void reasonf(char *reason, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, VENUE_REASON_MAX, fmt, ap);
	va_end(ap);
}

static void reply_free(struct bn_reply *r)
{
	free(r->body);
	memset(r, 0, sizeof *r);
}

/* --- signing and sending ---------------------------------------------------------- */

/* http authorize hook: signs the query with a fresh timestamp per attempt. */
static enum rk_rc bn_authorize(void *ctx, const struct http_req *req, char **path_out,
			       char **header_out, struct rk_err *err)
{
	struct bn *b = ctx;
	const char *q = strchr(req->path_and_query, '?');
	size_t plen = q ? (size_t)(q - req->path_and_query) : strlen(req->path_and_query);
	char *signed_q = NULL;
	enum rk_rc rc;

	(void)header_out;
	rc = binance_sign_query(b->api_secret, strlen(b->api_secret), q ? q + 1 : "",
				exchange_ms(b), b->recv_window_ms, &signed_q, err);
	if (rc)
		return rc;
	size_t cap = plen + 1 + strlen(signed_q) + 1;
	*path_out = malloc(cap);
	if (*path_out)
		snprintf(*path_out, cap, "%.*s?%s", (int)plen, req->path_and_query, signed_q);
	secret_free(signed_q); /* a signed query is not a secret, but wiping costs nothing */
	return *path_out ? RK_OK : rk_err_set(err, RK_ENOMEM, "binance: out of memory");
}

static void note_weight(struct bn *b, const struct http_resp *resp)
{
	const char *w = http_resp_header(resp, BN_WEIGHT_HEADER);
	if (!w)
		return;
	char *end = NULL;
	long v = strtol(w, &end, 10);
	if (end != w && v >= 0) {
		b->used_weight = v;
		b->used_weight_minute = exchange_ms(b) / 60000;
	}
}

static bool weight_exhausted(const struct bn *b)
{
	return b->used_weight_minute == exchange_ms(b) / 60000 &&
	       b->used_weight * 10 >= b->weight_limit * 9;
}

/* Sends one request and sorts the answer (no retry logic of its own beyond
 * what http does, except the -1021 resend in bn_call). */
static enum rk_rc bn_send(struct bn *b, enum http_method m, const char *path, const char *params,
			  bool sign, struct bn_reply *r, struct rk_err *err)
{
	char pq[BN_PARAMS_MAX + 64];
	const char *hdrs[1] = {b->key_header};
	struct http_resp resp;
	enum rk_rc rc;

	memset(r, 0, sizeof *r);
	if (snprintf(pq, sizeof pq, "%s%s%s", path, params && params[0] ? "?" : "",
		     params ? params : "") >= (int)sizeof pq)
		return rk_err_set(err, RK_EINVAL, "binance %s: parameters too long", path);
	struct http_req req = {
		.method = m,
		.path_and_query = pq,
		.headers = sign ? hdrs : NULL,
		.nheaders = sign ? 1 : 0,
		.idempotent = m == HTTP_GET,
		.authorize = sign ? bn_authorize : NULL,
		.authorize_ctx = b,
	};
	rc = http_request(b->http, &req, &resp, err);
	note_weight(b, &resp);
	r->status = resp.status;
	if (rc != RK_OK && rc != RK_EUNKNOWN) {
		http_resp_free(&resp);
		return rc;
	}
	char msg[VENUE_REASON_MAX];
	int code = 0;
	bool venue_error = binance_parse_error(resp.body, resp.body_len, &code, msg, sizeof msg);
	if (venue_error) {
		r->code = code;
		binance_error_reason(code, msg, r->reason, sizeof r->reason);
	}
	if (rc == RK_EUNKNOWN) {
		/* e.g. a 503 with -1007: the venue's words help, the verdict stays unknown */
		if (!venue_error)
			reasonf(r->reason, "%s", err ? err->msg : "no answer");
		rc = RK_EUNKNOWN;
	} else if (venue_error) {
		rc = rk_err_set(err, RK_EREJECTED, "%s", r->reason);
	} else if (resp.status < 200 || resp.status > 299) {
		reasonf(r->reason, "HTTP %ld without a Binance error body",
			 resp.status);
		rc = rk_err_set(err, RK_EUNKNOWN, "binance %s: %s", path, r->reason);
	} else {
		r->body = resp.body;
		r->len = resp.body_len;
		resp.body = NULL;
	}
	http_resp_free(&resp);
	return rc;
}

/* Learns the exchange clock offset from GET /fapi/v1/time. */
static enum rk_rc bn_sync_time(struct bn *b, struct rk_err *err)
{
	struct bn_reply r;
	int64_t t0 = local_ms(b), server = 0;
	enum rk_rc rc = bn_send(b, HTTP_GET, "/fapi/v1/time", NULL, false, &r, err);
	int64_t t1 = local_ms(b);
	if (rc == RK_OK)
		rc = binance_parse_server_time(r.body, r.len, &server, err);
	if (rc == RK_OK) {
		b->offset_ms = server - (t0 + t1) / 2;
		b->synced_at_ms = t1;
	} else {
		rk_err_prefix(err, "binance: cannot read the exchange time");
	}
	reply_free(&r);
	return rc;
}

/*
 * Sends a request: syncs the clock first for a signed one when due, and on
 * -1021 (refused unprocessed for its timestamp) syncs and sends it once more.
 * Returns RK_OK (r->body is the 2xx body), RK_EREJECTED (r->code, r->reason),
 * RK_EUNKNOWN (r->reason), or a local error (nothing was sent).
 */
static enum rk_rc bn_call(struct bn *b, enum http_method m, const char *path, const char *params,
			  bool sign, struct bn_reply *r, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	memset(r, 0, sizeof *r);
	for (int attempt = 0; attempt < 2; attempt++) {
		if (sign && (b->synced_at_ms == 0 || attempt > 0 ||
			     local_ms(b) - b->synced_at_ms > BINANCE_TIME_RESYNC_MS)) {
			rc = bn_sync_time(b, err);
			if (rc != RK_OK) {
				reasonf(r->reason, "%s", err ? err->msg : "");
				return rc == RK_EREJECTED ? RK_EUNKNOWN : rc;
			}
		}
		rc = bn_send(b, m, path, params, sign, r, err);
		if (!(rc == RK_EREJECTED && r->code == BINANCE_ERR_TIMESTAMP && sign))
			break;
		if (attempt == 0)
			reply_free(r);
	}
	return rc;
}

/* What a sorted answer means for one request of kind `op`. */
static void reply_outcome(enum rk_rc rc, const struct bn_reply *r, enum binance_op op,
			  enum venue_outcome *outcome, enum venue_reject *reject, int *code,
			  char *reason, size_t cap, const struct rk_err *err)
{
	*reject = VREJ_NONE;
	if (code)
		*code = r->code;
	if (rc == RK_OK) {
		*outcome = VOUT_OK;
		reason[0] = '\0';
		return;
	}
	if (rc == RK_EREJECTED)
		binance_classify_error(r->code, op, outcome, reject);
	else
		*outcome = VOUT_UNKNOWN;
	snprintf(reason, cap, "%s", r->reason[0] ? r->reason : err ? err->msg : "");
}

/* --- snapshot parts -------------------------------------------------------------------- */

/* Appends `n` records of `size` bytes to a snapshot's (pointer, count)
 * array, which holds exactly *len records. */
static bool append(void **arr, size_t *len, const void *src, size_t n, size_t size)
{
	size_t cap = *len;
	return rk_array_append_n(arr, len, &cap, src, n, size);
}

static void part_orders(struct bn *b, const char *account, struct venue_snapshot *out,
			struct rk_err *err)
{
	struct bn_reply r;
	struct binance_algo_order *algos = NULL;
	size_t nalgos = 0;
	enum rk_rc rc = bn_call(b, HTTP_GET, "/fapi/v1/openOrders", NULL, true, &r, err);
	if (rc == RK_OK)
		rc = binance_parse_orders(r.body, r.len, account, &out->orders, &out->norders, err);
	if (rc) {
		venue_snapshot_mark_incomplete(out, "open orders: %s", r.reason[0] ? r.reason : err->msg);
		reply_free(&r);
		return;
	}
	reply_free(&r);
	rc = bn_call(b, HTTP_GET, "/fapi/v1/openAlgoOrders", NULL, true, &r, err);
	if (rc == RK_OK)
		rc = binance_parse_algo_orders(r.body, r.len, account, &algos, &nalgos, err);
	if (rc) {
		venue_snapshot_mark_incomplete(out, "open algo orders: %s",
					       r.reason[0] ? r.reason : err->msg);
		goto out;
	}
	for (size_t i = 0; i < nalgos; i++) {
		/* A triggered one is in the matching engine: listed by its actual order. */
		if (algos[i].algo_status != BINANCE_ALGO_NEW &&
		    algos[i].algo_status != BINANCE_ALGO_TRIGGERING)
			continue;
		if (!append((void **)&out->orders, &out->norders, &algos[i].rec, 1,
			    sizeof algos[i].rec)) {
			venue_snapshot_mark_incomplete(out, "open algo orders: out of memory");
			goto out;
		}
	}
out:
	free(algos);
	reply_free(&r);
}

static void part_positions(struct bn *b, struct venue_snapshot *out, struct rk_err *err)
{
	struct bn_reply r;
	bool hedge = false;
	enum rk_rc rc = bn_call(b, HTTP_GET, "/fapi/v3/positionRisk", NULL, true, &r, err);
	if (rc == RK_OK)
		rc = binance_parse_positions(r.body, r.len, &out->positions, &out->npositions,
					     &hedge, err);
	if (rc)
		venue_snapshot_mark_incomplete(out, "positions: %s", r.reason[0] ? r.reason : err->msg);
	else if (hedge)
		venue_snapshot_mark_incomplete(out, "positions: the account is in hedge mode "
						    "(LONG/SHORT sides); reckon supports one-way mode only");
	reply_free(&r);
}

/* Instruments of the symbols of interest, from the cached exchangeInfo. */
static void part_instruments(struct bn *b, const struct symset *syms, struct venue_snapshot *out,
			     struct rk_err *err)
{
	if (!b->instr || local_ms(b) - b->instr_at_ms > BINANCE_EXCHANGE_INFO_TTL_MS) {
		struct bn_reply r;
		struct instrument *ins = NULL;
		size_t n = 0;
		enum rk_rc rc = bn_call(b, HTTP_GET, "/fapi/v1/exchangeInfo", NULL, false, &r, err);
		if (rc == RK_OK)
			rc = binance_parse_exchange_info(r.body, r.len, &ins, &n, err);
		if (rc == RK_OK) {
			free(b->instr);
			b->instr = ins;
			b->ninstr = n;
			b->instr_at_ms = local_ms(b);
		} else if (!b->instr) {
			venue_snapshot_mark_incomplete(out, "exchange info: %s",
						       r.reason[0] ? r.reason : err->msg);
		} /* else: keep the older rules; they change rarely */
		reply_free(&r);
	}
	for (size_t i = 0; i < b->ninstr; i++)
		if (symset_has(syms, b->instr[i].symbol) &&
		    !append((void **)&out->instruments, &out->ninstruments, &b->instr[i], 1,
			    sizeof b->instr[i]))
			venue_snapshot_mark_incomplete(out, "exchange info: out of memory");
}

static void part_prices(struct bn *b, const struct symset *syms, struct venue_snapshot *out,
			struct rk_err *err)
{
	struct bn_reply r;
	struct venue_price *all = NULL;
	size_t n = 0;
	enum rk_rc rc = bn_call(b, HTTP_GET, "/fapi/v1/ticker/price", NULL, false, &r, err);
	if (rc == RK_OK)
		rc = binance_parse_prices(r.body, r.len, &all, &n, err);
	if (rc)
		venue_snapshot_mark_incomplete(out, "prices: %s", r.reason[0] ? r.reason : err->msg);
	for (size_t i = 0; rc == RK_OK && i < n; i++)
		if (symset_has(syms, all[i].symbol) &&
		    !append((void **)&out->prices, &out->nprices, &all[i], 1, sizeof all[i]))
			venue_snapshot_mark_incomplete(out, "prices: out of memory");
	free(all);
	reply_free(&r);
}

/*
 * Fills of one symbol with times in [from, to], appended to *fills. A full
 * page means the window may hold more: it is split in two and each half read.
 */
static enum rk_rc symbol_fills(struct bn *b, const char *account, const char *symbol,
			       int64_t from, int64_t to, struct fill_rec **fills, size_t *nfills,
			       char *reason, size_t cap, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	while (rc == RK_OK && from <= to) {
		int64_t end = from + BINANCE_TRADES_WINDOW_MS < to ? from + BINANCE_TRADES_WINDOW_MS
								   : to;
		char params[BN_PARAMS_MAX];
		struct bn_reply r;
		struct fill_rec *page = NULL;
		size_t n = 0;
		snprintf(params, sizeof params,
			 "symbol=%s&startTime=%" PRId64 "&endTime=%" PRId64 "&limit=%d", symbol, from,
			 end, BINANCE_TRADES_LIMIT);
		rc = bn_call(b, HTTP_GET, "/fapi/v1/userTrades", params, true, &r, err);
		if (rc == RK_OK)
			rc = binance_parse_trades(r.body, r.len, account, &page, &n, err);
		if (rc)
			snprintf(reason, cap, "fills of %s: %s", symbol,
				 r.reason[0] ? r.reason : err->msg);
		reply_free(&r);
		if (rc == RK_OK && n >= BINANCE_TRADES_LIMIT) {
			free(page);
			if (end == from) {
				snprintf(reason, cap, "fills of %s: more than %d in one millisecond",
					 symbol, BINANCE_TRADES_LIMIT);
				return RK_EUNKNOWN;
			}
			int64_t mid = from + (end - from) / 2;
			rc = symbol_fills(b, account, symbol, from, mid, fills, nfills, reason, cap,
					  err);
			if (rc == RK_OK)
				rc = symbol_fills(b, account, symbol, mid + 1, end, fills, nfills,
						  reason, cap, err);
		} else if (rc == RK_OK) {
			if (!append((void **)fills, nfills, page, n, sizeof *page)) {
				snprintf(reason, cap, "fills of %s: out of memory", symbol);
				rc = RK_ENOMEM;
			}
			free(page);
		}
		from = end + 1;
	}
	return rc;
}

static void part_fills(struct bn *b, const char *account, const char *cursor,
		       const struct symset *syms, struct venue_snapshot *out, struct rk_err *err)
{
	int64_t started = exchange_ms(b), from = 0;
	char reason[VENUE_REASON_MAX] = "";

	if (binance_cursor_parse(cursor, started, b->lookback_hours, &from, err) != RK_OK) {
		venue_snapshot_mark_incomplete(out, "fills: %s", err->msg);
		return;
	}
	/* Up to the millisecond before `started`: later trades come with the
	 * next cursor, which starts before it. */
	for (size_t i = 0; i < syms->n; i++) {
		if (symbol_fills(b, account, syms->v[i], from, started - 1, &out->fills, &out->nfills,
				 reason, sizeof reason, err) != RK_OK) {
			venue_snapshot_mark_incomplete(out, "%s", reason);
			return;
		}
	}
	/* Read again from a little before now: a trade written late is not lost,
	 * one read twice is known by its id. */
	binance_cursor_format(started - BINANCE_CURSOR_OVERLAP_MS > from
				      ? started - BINANCE_CURSOR_OVERLAP_MS
				      : from,
			      out->fills_cursor);
}

static enum rk_rc bn_snapshot(struct venue *v, const char *account, const char *fills_cursor,
			      struct venue_snapshot *out, struct rk_err *err)
{
	struct bn *b = as_bn(v);
	struct symset syms = {0};
	struct rk_err perr = {0};
	bool ok = true;

	out->complete = true;
	out->taken_at_us = rk_clock_now(b->clock);
	/* The cursor advances only when the fills were all read. */
	snprintf(out->fills_cursor, sizeof out->fills_cursor, "%s", fills_cursor);
	if (weight_exhausted(b)) {
		venue_snapshot_mark_incomplete(out, "request weight %ld of %ld used this minute: "
						    "backing off",
					       b->used_weight, b->weight_limit);
		return RK_OK;
	}
	part_orders(b, account, out, &perr);
	part_positions(b, out, &perr);
	for (size_t i = 0; ok && i < out->norders; i++)
		ok = symset_add(&syms, out->orders[i].symbol);
	for (size_t i = 0; ok && i < out->npositions; i++)
		ok = symset_add(&syms, out->positions[i].symbol);
	for (size_t i = 0; ok && i < b->nwatch; i++)
		ok = symset_add(&syms, b->watch[i]);
	if (!ok) {
		symset_free(&syms);
		venue_snapshot_free(out);
		return rk_err_set(err, RK_ENOMEM, "binance: out of memory");
	}
	part_instruments(b, &syms, out, &perr);
	part_prices(b, &syms, out, &perr);
	if (out->complete)
		part_fills(b, account, fills_cursor, &syms, out, &perr);
	else
		venue_snapshot_mark_incomplete(out, "fills not read");
	symset_free(&syms);
	return RK_OK;
}

/* --- placement --------------------------------------------------------------------------- */

static enum rk_rc bn_place(struct venue *v, const struct venue_order_req *req,
			   struct venue_place_result *out, struct rk_err *err)
{
	struct bn *b = as_bn(v);
	struct binance_place_req p;
	struct bn_reply r;
	struct rk_err perr = {0};
	enum rk_rc rc;

	if (binance_place_params(req, &p, &perr) != RK_OK) {
		out->outcome = VOUT_REJECTED;
		out->reject = VREJ_INVALID;
		reasonf(out->reason, "not sent: %s", perr.msg);
		return RK_OK;
	}
	rc = bn_call(b, HTTP_POST, p.path, p.query, true, &r, err);
	if (rc != RK_OK && rc != RK_EREJECTED && rc != RK_EUNKNOWN) {
		reply_free(&r);
		return rc;
	}
	reply_outcome(rc, &r, BINANCE_OP_PLACE, &out->outcome, &out->reject, &out->venue_code,
		      out->reason, sizeof out->reason, err);
	if (out->outcome == VOUT_OK) {
		struct binance_algo_order a;
		struct order_rec *o = &a.rec;
		enum rk_rc prc = p.algo ? binance_parse_algo_order(r.body, r.len, "", &a, &perr)
					: binance_parse_order(r.body, r.len, "", o, NULL, &perr);
		if (prc != RK_OK) {
			/* It may well be placed: the caller resolves it by client id. */
			out->outcome = VOUT_UNKNOWN;
			reasonf(out->reason, "placement answer unreadable: %s",
				 perr.msg);
		} else if (req->client_order_id[0] &&
			   strcmp(o->client_order_id, req->client_order_id) != 0) {
			out->outcome = VOUT_UNKNOWN;
			reasonf(out->reason, "placement answer names client id '%.64s', not '%.64s'",
				 o->client_order_id, req->client_order_id);
		} else {
			snprintf(out->order_id, sizeof out->order_id, "%s", o->order_id);
			out->status = o->status;
			out->has_order = true;
			out->order = *o;
		}
	}
	reply_free(&r);
	rk_err_clear(err);
	return RK_OK;
}

/* --- cancel --------------------------------------------------------------------------------- */

static bool digits_only(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return false;
	return true;
}

static void cancel_one(struct bn *b, const char *symbol, const char *order_id,
		       struct venue_cancel_result *out)
{
	const char *algo_id = NULL;
	char params[BN_PARAMS_MAX];
	struct bn_reply r;
	struct rk_err err = {0};
	enum rk_rc rc;

	if (binance_is_algo_id(order_id, &algo_id)) {
		snprintf(params, sizeof params, "algoId=%s", algo_id);
		rc = bn_call(b, HTTP_DELETE, "/fapi/v1/algoOrder", params, true, &r, &err);
	} else if (digits_only(order_id) && binance_symbol_ok(symbol)) {
		snprintf(params, sizeof params, "symbol=%s&orderId=%s", symbol, order_id);
		rc = bn_call(b, HTTP_DELETE, "/fapi/v1/order", params, true, &r, &err);
	} else {
		out->outcome = VOUT_REJECTED;
		out->reject = VREJ_INVALID;
		reasonf(out->reason, "not sent: '%.64s' is not a Binance order id (or symbol '%.32s' is invalid)",
			 order_id, symbol ? symbol : "");
		return;
	}
	reply_outcome(rc, &r, BINANCE_OP_CANCEL, &out->outcome, &out->reject, &out->venue_code,
		      out->reason, sizeof out->reason, &err);
	if (out->outcome == VOUT_OK)
		binance_parse_cancel(r.body, r.len, order_id, out);
	reply_free(&r);
}

static enum rk_rc bn_cancel(struct venue *v, const char *symbol, const char *const *order_ids,
			    size_t n, struct venue_cancel_result *out, struct rk_err *err)
{
	struct bn *b = as_bn(v);
	for (size_t i = 0; i < n; i++)
		cancel_one(b, symbol, order_ids[i], &out[i]);
	rk_err_clear(err);
	return RK_OK;
}

/* --- lookups ---------------------------------------------------------------------------------- */

/* GET /fapi/v1/order with `params`; fills out (OK / NOT_FOUND / UNKNOWN). */
static void lookup_regular(struct bn *b, const char *params, struct venue_order_result *out)
{
	struct bn_reply r;
	struct rk_err err = {0};
	enum venue_reject rej;
	enum rk_rc rc = bn_call(b, HTTP_GET, "/fapi/v1/order", params, true, &r, &err);
	reply_outcome(rc, &r, BINANCE_OP_LOOKUP, &out->outcome, &rej, NULL, out->reason,
		      sizeof out->reason, &err);
	if (out->outcome == VOUT_REJECTED) /* a refused query proves nothing */
		out->outcome = VOUT_UNKNOWN;
	if (out->outcome == VOUT_OK &&
	    binance_parse_order(r.body, r.len, "", &out->order, NULL, &err) != RK_OK) {
		out->outcome = VOUT_UNKNOWN;
		reasonf(out->reason, "order answer unreadable: %s", err.msg);
	}
	reply_free(&r);
}

/* GET /fapi/v1/algoOrder with `params`; *algo (OUT) is the algo order on OK. */
static void lookup_algo_raw(struct bn *b, const char *params, struct binance_algo_order *algo,
			    struct venue_order_result *out)
{
	struct bn_reply r;
	struct rk_err err = {0};
	enum venue_reject rej;
	enum rk_rc rc = bn_call(b, HTTP_GET, "/fapi/v1/algoOrder", params, true, &r, &err);
	reply_outcome(rc, &r, BINANCE_OP_LOOKUP, &out->outcome, &rej, NULL, out->reason,
		      sizeof out->reason, &err);
	if (out->outcome == VOUT_REJECTED)
		out->outcome = VOUT_UNKNOWN;
	if (out->outcome == VOUT_OK &&
	    binance_parse_algo_order(r.body, r.len, "", algo, &err) != RK_OK) {
		out->outcome = VOUT_UNKNOWN;
		reasonf(out->reason, "algo order answer unreadable: %s",
			 err.msg);
	}
	if (out->outcome == VOUT_OK)
		out->order = algo->rec;
	reply_free(&r);
}

/* An algo order, with the state of its actual order once it triggered. */
static void lookup_algo(struct bn *b, const char *params, struct venue_order_result *out)
{
	struct binance_algo_order a;
	lookup_algo_raw(b, params, &a, out);
	if (out->outcome != VOUT_OK ||
	    (a.algo_status != BINANCE_ALGO_TRIGGERED && a.algo_status != BINANCE_ALGO_FINISHED))
		return;
	if (!a.actual_order_id[0] || !binance_symbol_ok(a.rec.symbol)) {
		if (a.algo_status == BINANCE_ALGO_FINISHED) {
			out->outcome = VOUT_UNKNOWN;
			reasonf(out->reason, "algo order finished without an actual order id");
		}
		return;
	}
	char p[BN_PARAMS_MAX];
	struct venue_order_result actual = {0};
	snprintf(p, sizeof p, "symbol=%s&orderId=%s", a.rec.symbol, a.actual_order_id);
	lookup_regular(b, p, &actual);
	if (actual.outcome == VOUT_OK) {
		out->order.status = actual.order.status;
		out->order.has_filled_qty = actual.order.has_filled_qty;
		out->order.filled_qty = actual.order.filled_qty;
	} else if (a.algo_status == BINANCE_ALGO_FINISHED) {
		out->outcome = VOUT_UNKNOWN;
		reasonf(out->reason, "actual order %s of %s: %s",
			 a.actual_order_id, a.rec.order_id,
			 actual.reason[0] ? actual.reason : "not found");
	}
}

static enum rk_rc bn_get_order(struct venue *v, const char *symbol, const char *order_id,
			       const char *client_order_id, struct venue_order_result *out,
			       struct rk_err *err)
{
	struct bn *b = as_bn(v);
	const char *algo_id = NULL;
	char p[BN_PARAMS_MAX];
	bool by_client = client_order_id && client_order_id[0];

	rk_err_clear(err);
	out->outcome = VOUT_UNKNOWN;
	if (order_id && order_id[0]) {
		if (binance_is_algo_id(order_id, &algo_id)) {
			snprintf(p, sizeof p, "algoId=%s", algo_id);
			lookup_algo(b, p, out);
		} else if (digits_only(order_id) && binance_symbol_ok(symbol)) {
			snprintf(p, sizeof p, "symbol=%s&orderId=%s", symbol, order_id);
			lookup_regular(b, p, out);
		} else {
			reasonf(out->reason, "'%.64s' is not a Binance order id", order_id);
		}
		/* Found, or unknown: that is the answer. Not found: the client id
		 * may still name it (an order known under another id). */
		if (out->outcome != VOUT_NOT_FOUND || !by_client)
			return RK_OK;
	}
	if (!by_client)
		return rk_err_set(err, RK_EINVAL, "binance get_order: no order id or client id");
	if (!binance_client_id_ok(client_order_id) || !binance_symbol_ok(symbol)) {
		out->outcome = VOUT_UNKNOWN;
		reasonf(out->reason, "client id or symbol not usable at Binance");
		return RK_OK;
	}
	snprintf(p, sizeof p, "symbol=%s&origClientOrderId=%s", symbol, client_order_id);
	lookup_regular(b, p, out);
	if (out->outcome != VOUT_NOT_FOUND)
		return RK_OK;
	snprintf(p, sizeof p, "clientAlgoId=%s", client_order_id);
	lookup_algo(b, p, out);
	return RK_OK;
}

static enum rk_rc bn_order_fills(struct venue *v, const char *symbol, const char *order_id,
				 struct fill_rec **fills, size_t *n, struct rk_err *err)
{
	struct bn *b = as_bn(v);
	const char *algo_id = NULL, *actual = order_id;
	struct binance_algo_order a;
	struct venue_order_result q = {0};
	struct bn_reply r = {0};
	char p[BN_PARAMS_MAX];
	enum rk_rc rc = RK_OK;

	*fills = NULL;
	*n = 0;
	if (binance_is_algo_id(order_id, &algo_id)) {
		snprintf(p, sizeof p, "algoId=%s", algo_id);
		lookup_algo_raw(b, p, &a, &q);
		if (q.outcome != VOUT_OK)
			return rk_err_set(err, RK_EUNKNOWN, "binance fills of %s: %s", order_id,
					  q.reason);
		if (!a.actual_order_id[0])
			return RK_OK; /* never triggered: no fills */
		actual = a.actual_order_id;
	}
	if (!digits_only(actual) || !binance_symbol_ok(symbol))
		return rk_err_set(err, RK_EINVAL, "binance fills: '%.64s' is not a Binance order id",
				  order_id);
	snprintf(p, sizeof p, "symbol=%s&orderId=%s&limit=%d", symbol, actual,
		 BINANCE_TRADES_LIMIT);
	rc = bn_call(b, HTTP_GET, "/fapi/v1/userTrades", p, true, &r, err);
	if (rc == RK_OK)
		rc = binance_parse_trades(r.body, r.len, "", fills, n, err);
	if (rc == RK_OK && *n >= BINANCE_TRADES_LIMIT)
		rc = rk_err_set(err, RK_EUNKNOWN, "binance fills of %s: more than %d", order_id,
				BINANCE_TRADES_LIMIT);
	if (rc != RK_OK) {
		if (rc != RK_ENOMEM)
			rc = rk_err_set(err, RK_EUNKNOWN, "binance fills of %s: %s", order_id,
					r.reason[0] ? r.reason : err->msg);
		free(*fills);
		*fills = NULL;
		*n = 0;
	}
	for (size_t i = 0; i < *n; i++)
		snprintf((*fills)[i].order_id, sizeof (*fills)[i].order_id, "%s", order_id);
	reply_free(&r);
	return rc;
}

/* Conditional orders trigger on the contract (last) price, reckon's default
 * workingType: the price a -2021 was judged against. */
static enum rk_rc bn_last_price(struct venue *v, const char *symbol, struct dec *price,
				struct rk_err *err)
{
	struct bn *b = as_bn(v);
	struct bn_reply r = {0};
	struct venue_price *all = NULL;
	size_t n = 0;
	char p[BN_PARAMS_MAX];
	enum rk_rc rc;

	if (!binance_symbol_ok(symbol))
		return rk_err_set(err, RK_EINVAL, "binance: '%.64s' is not a symbol",
				  symbol ? symbol : "");
	snprintf(p, sizeof p, "symbol=%s", symbol);
	rc = bn_call(b, HTTP_GET, "/fapi/v1/ticker/price", p, false, &r, err);
	if (rc == RK_OK)
		rc = binance_parse_prices(r.body, r.len, &all, &n, err);
	if (rc == RK_OK && (n != 1 || strcmp(all[0].symbol, symbol) != 0))
		rc = rk_err_set(err, RK_EUNKNOWN, "binance: the price answer is not for %s", symbol);
	if (rc == RK_OK) {
		*price = all[0].last;
	} else if (rc != RK_ENOMEM) {
		char why[VENUE_REASON_MAX]; /* err->msg may be the reason: copied first */
		snprintf(why, sizeof why, "%s", r.reason[0] ? r.reason : err->msg);
		rc = rk_err_set(err, RK_EUNKNOWN, "binance: price of %s: %s", symbol, why);
	}
	free(all);
	reply_free(&r);
	return rc;
}

/* --- lifecycle ------------------------------------------------------------------------------------ */

static void free_secret_str(char *s)
{
	secret_free(s); /* wipes, then frees; NULL-safe */
}

static void bn_destroy(struct venue *v)
{
	if (!v)
		return;
	struct bn *b = as_bn(v);
	http_client_free(b->http);
	free_secret_str(b->api_key);
	free_secret_str(b->api_secret);
	free_secret_str(b->key_header);
	free(b->watch);
	free(b->instr);
	free(b);
}

static const struct venue_ops BN_OPS = {
	.snapshot = bn_snapshot,
	.place = bn_place,
	.cancel = bn_cancel,
	.get_order = bn_get_order,
	.order_fills = bn_order_fills,
	.destroy = bn_destroy,
	.last_price = bn_last_price,
};

enum rk_rc binance_venue_create(const struct binance_options *opt, struct venue **out,
				struct rk_err *err)
{
	struct bn *b = NULL;
	struct http_options ho = {0};
	enum rk_rc rc = RK_OK;

	*out = NULL;
	if (!opt || !opt->api_key || !opt->api_key[0] || !opt->api_secret || !opt->api_secret[0])
		return rk_err_set(err, RK_ECONFIG, "binance: API key and secret are required (%s, %s)",
				  BINANCE_ENV_API_KEY, BINANCE_ENV_API_SECRET);
	if (opt->recv_window_ms < 0 || opt->recv_window_ms > 60000)
		return rk_err_set(err, RK_ECONFIG, "binance: recvWindow must be 0..60000 ms");
	b = calloc(1, sizeof *b);
	if (!b)
		return rk_err_set(err, RK_ENOMEM, "binance: out of memory");
	b->base.ops = &BN_OPS;
	b->base.kind = VENUE_BINANCE_USDM;
	b->base.caps = (struct venue_caps){
		.orders_hold_balance = false, .has_bracket = false, .is_futures = true};
	b->base.impl = b;
	b->clock = opt->clock;
	b->recv_window_ms = opt->recv_window_ms ? opt->recv_window_ms
						: BINANCE_DEFAULT_RECV_WINDOW_MS;
	b->lookback_hours = opt->fills_lookback_hours;
	b->weight_limit = opt->weight_limit > 0 ? opt->weight_limit : BINANCE_DEFAULT_WEIGHT_LIMIT;
	b->api_key = strdup(opt->api_key);
	b->api_secret = strdup(opt->api_secret);
	size_t hlen = strlen("X-MBX-APIKEY: ") + strlen(opt->api_key) + 1;
	b->key_header = malloc(hlen);
	b->watch = calloc(opt->nsymbols ? opt->nsymbols : 1, sizeof *b->watch);
	if (!b->api_key || !b->api_secret || !b->key_header || !b->watch) {
		rc = rk_err_set(err, RK_ENOMEM, "binance: out of memory");
		goto out;
	}
	snprintf(b->key_header, hlen, "X-MBX-APIKEY: %s", opt->api_key);
	for (size_t i = 0; i < opt->nsymbols; i++) {
		if (!binance_symbol_ok(opt->symbols[i])) {
			rc = rk_err_set(err, RK_ECONFIG, "binance: '%.48s' is not a Binance symbol",
					opt->symbols[i] ? opt->symbols[i] : "");
			goto out;
		}
		snprintf(b->watch[b->nwatch++], MODEL_SYM_MAX, "%s", opt->symbols[i]);
	}
	if (opt->http)
		ho = *opt->http;
	ho.base_url = opt->base_url ? opt->base_url : BINANCE_DEFAULT_BASE_URL;
	rc = http_client_new(&ho, &b->http, err);
	if (rc) {
		rk_err_prefix(err, "binance");
		goto out;
	}
	*out = &b->base;
	b = NULL;
out:
	if (b)
		bn_destroy(&b->base);
	return rc;
}
