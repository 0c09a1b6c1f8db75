/*
 * sim.c — the simulated venue (contract and scenario format in sim.h).
 *
 * State is plain arrays kept in creation order, which is also the matching
 * order, so every run of a scenario is the same run. Amounts are exact
 * decimals throughout; the only rounding is half-even at 18 decimals in
 * products (notional, fees) and the futures entry-price average.
 */
#include "sim.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "embedded.h"
#include "record.h"
#include "rtime.h"

#define SIM_DEFAULT_NOW "2025-01-01T00:00:00Z"
#define SIM_PATH_MAX 160 /* JSON path in error messages */

enum market { MARKET_SPOT = 0, MARKET_FUTURES };

enum fault_kind {
	FAULT_SNAPSHOT_FAILS = 0,
	FAULT_PAGE_MISSING,
	FAULT_CANCEL_FAILS,
	FAULT_CANCEL_UNKNOWN,
	FAULT_PLACE_WOULD_TRIGGER,
	FAULT_PLACE_NO_ORDER_ID,
	FAULT_PLACE_UNKNOWN,
	FAULT_GET_ORDER_UNKNOWN,
	FAULT_ORDER_FILLS_FAILS,
	FAULT_PLACE_FAILS,
	FAULT_LAST_PRICE_FAILS,
	FAULT_KIND_COUNT
};

static const char *const FAULT_NAMES[FAULT_KIND_COUNT] = {
	"snapshot_fails", "page_missing", "cancel_fails", "cancel_unknown",
	"place_would_trigger", "place_no_order_id", "place_unknown", "get_order_unknown",
	"order_fills_fails", "place_fails", "last_price_fails"};

/* The operation whose calls a fault's at_call counts. */
static const enum sim_call_kind FAULT_CALL[FAULT_KIND_COUNT] = {
	SIM_CALL_SNAPSHOT, SIM_CALL_SNAPSHOT, SIM_CALL_CANCEL, SIM_CALL_CANCEL,
	SIM_CALL_PLACE, SIM_CALL_PLACE, SIM_CALL_PLACE, SIM_CALL_GET_ORDER,
	SIM_CALL_ORDER_FILLS, SIM_CALL_PLACE, SIM_CALL_LAST_PRICE};

enum snap_part {
	PART_ORDERS = 1, PART_POSITIONS = 2, PART_FILLS = 4, PART_PRICES = 8, PART_INSTRUMENTS = 16
};

struct fault {
	enum fault_kind kind;
	long count;                         /* remaining firings; -1 = unlimited */
	long at_call;                       /* 0 = any */
	char symbol[MODEL_SYM_MAX];         /* "" = any */
	char order_id[MODEL_ID_MAX];        /* "" = any */
	char client_order_id[MODEL_ID_MAX]; /* "" = any */
	int part;                           /* snapshot_fails: enum snap_part */
	long page;                          /* page_missing */
	char reason[VENUE_REASON_MAX];      /* "" = a default per kind */
	enum venue_reject reject;           /* cancel_fails */
	int code;                           /* cancel_fails */
	bool happened;                      /* place_unknown: placed; cancel_unknown: cancelled */
};

struct sim_order {
	struct order_rec rec;
	bool close_position; /* futures: closes whatever the position is */
	bool triggered;      /* stop_limit: the trigger fired, it rests as a limit */
};

struct sim_fill {
	struct fill_rec rec;
	uint64_t seq; /* the fills cursor counts these */
};

struct balance {
	char asset[MODEL_SYM_MAX];
	struct dec qty;
};

struct position {
	char symbol[MODEL_SYM_MAX];
	struct dec qty; /* signed */
	struct dec entry;
};

struct path {
	char symbol[MODEL_SYM_MAX];
	struct dec *steps;
	size_t n;
};

/* A growable array of `T`. */
#define ARRAY(T) struct { T *v; size_t n, cap; }

struct sim {
	struct venue base; /* base.impl points back here */
	char name[MODEL_NAME_MAX];    /* venue name, used in generated ids */
	char account[MODEL_NAME_MAX];
	enum market market;
	size_t page_size;
	struct dec fee_rate;
	int64_t now0_us;
	int64_t step_us;
	size_t step;
	uint64_t next_order_no, next_fill_no, fill_seq;

	ARRAY(struct instrument) instruments;
	ARRAY(struct balance) balances;
	ARRAY(struct position) positions;
	ARRAY(struct sim_order) orders;
	ARRAY(struct sim_fill) fills;
	ARRAY(struct path) paths;
	ARRAY(struct fault) faults;
	ARRAY(struct sim_call) log;
	long calls[SIM_CALL_KIND_COUNT];
};

/* Makes room for one more element; false on allocation failure. */
static bool grow(void **arr, size_t *cap, size_t n, size_t elem)
{
	if (n < *cap)
		return true;
	size_t ncap = *cap ? *cap * 2 : 8;
	void *p = realloc(*arr, ncap * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = ncap;
	return true;
}
#define PUSH(a) (grow((void **)&(a).v, &(a).cap, (a).n, sizeof *(a).v) ? &(a).v[(a).n++] : NULL)

static const struct venue_ops SIM_OPS;

static struct sim *as_sim(const struct venue *v)
{
	return v && v->ops == &SIM_OPS ? (struct sim *)v->impl : NULL;
}

static void copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* ---- lookups ------------------------------------------------------------- */

static const struct instrument *find_instrument(const struct sim *s, const char *symbol)
{
	for (size_t i = 0; i < s->instruments.n; i++)
		if (strcmp(s->instruments.v[i].symbol, symbol) == 0)
			return &s->instruments.v[i];
	return NULL;
}

static struct balance *find_balance(struct sim *s, const char *asset, bool create)
{
	for (size_t i = 0; i < s->balances.n; i++)
		if (strcmp(s->balances.v[i].asset, asset) == 0)
			return &s->balances.v[i];
	if (!create)
		return NULL;
	struct balance *b = PUSH(s->balances);
	if (b) {
		copy_str(b->asset, sizeof b->asset, asset);
		b->qty = dec_zero();
	}
	return b;
}

static struct position *find_position(struct sim *s, const char *symbol, bool create)
{
	for (size_t i = 0; i < s->positions.n; i++)
		if (strcmp(s->positions.v[i].symbol, symbol) == 0)
			return &s->positions.v[i];
	if (!create)
		return NULL;
	struct position *p = PUSH(s->positions);
	if (p) {
		memset(p, 0, sizeof *p);
		copy_str(p->symbol, sizeof p->symbol, symbol);
	}
	return p;
}

static struct path *find_path(const struct sim *s, const char *symbol)
{
	for (size_t i = 0; i < s->paths.n; i++)
		if (strcmp(s->paths.v[i].symbol, symbol) == 0)
			return &s->paths.v[i];
	return NULL;
}

static bool current_price(const struct sim *s, const char *symbol, struct dec *out)
{
	const struct path *p = find_path(s, symbol);
	if (!p || p->n == 0)
		return false;
	*out = p->steps[s->step < p->n ? s->step : p->n - 1];
	return true;
}

static struct sim_order *find_order(const struct sim *s, const char *order_id)
{
	for (size_t i = 0; i < s->orders.n; i++)
		if (strcmp(s->orders.v[i].rec.order_id, order_id) == 0)
			return &s->orders.v[i];
	return NULL;
}

static struct sim_order *find_order_by_client(const struct sim *s, const char *cid)
{
	if (!cid || !cid[0])
		return NULL;
	for (size_t i = 0; i < s->orders.n; i++)
		if (strcmp(s->orders.v[i].rec.client_order_id, cid) == 0)
			return &s->orders.v[i];
	return NULL;
}

static int64_t now_us(const struct sim *s)
{
	return s->now0_us + (int64_t)s->step * s->step_us;
}

static struct dec remaining(const struct order_rec *o)
{
	struct dec r = o->qty;
	dec_sub(o->qty, o->filled_qty, &r);
	return r;
}

/* ---- the request log and faults ------------------------------------------ */

static enum rk_rc log_call(struct sim *s, enum sim_call_kind kind, const char *symbol,
			   const char *order_id, const char *cid, struct rk_err *err)
{
	struct sim_call *c = PUSH(s->log);
	if (!c)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	memset(c, 0, sizeof *c);
	c->kind = kind;
	copy_str(c->symbol, sizeof c->symbol, symbol);
	copy_str(c->order_id, sizeof c->order_id, order_id);
	copy_str(c->client_order_id, sizeof c->client_order_id, cid);
	s->calls[kind]++;
	return RK_OK;
}

static bool sel_matches(const char *want, const char *have)
{
	return !want[0] || (have && strcmp(want, have) == 0);
}

/* Does fault `f` (of `kind`) fire at this call? If so it is consumed (its
 * count decremented). A fault fires at most once per call. */
static bool fault_fires(struct sim *s, struct fault *f, enum fault_kind kind, const char *symbol,
			const char *order_id, const char *cid)
{
	if (f->kind != kind || f->count == 0)
		return false;
	if (f->at_call > 0 && s->calls[FAULT_CALL[kind]] < f->at_call)
		return false;
	if (!sel_matches(f->symbol, symbol) || !sel_matches(f->order_id, order_id) ||
	    !sel_matches(f->client_order_id, cid))
		return false;
	if (f->count > 0)
		f->count--;
	return true;
}

/* The first fault of `kind` that fires at this call, or NULL. */
static struct fault *fault_take(struct sim *s, enum fault_kind kind, const char *symbol,
				const char *order_id, const char *cid)
{
	for (size_t i = 0; i < s->faults.n; i++)
		if (fault_fires(s, &s->faults.v[i], kind, symbol, order_id, cid))
			return &s->faults.v[i];
	return NULL;
}

/* ---- fills, balances, positions ----------------------------------------- */

static bool is_binance(const struct sim *s)
{
	return s->base.kind == VENUE_BINANCE_USDM;
}

/* Books an execution of `qty` at `price` against order `o`. */
static enum rk_rc apply_fill(struct sim *s, struct sim_order *o, struct dec qty, struct dec price,
			     enum liquidity liq, struct rk_err *err)
{
	char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
	struct dec notional, fee = dec_zero(), t;
	struct order_rec *r = &o->rec;

	if (!symbol_split(r->symbol, base, quote))
		return rk_err_set(err, RK_EINVAL, "sim: cannot split symbol '%s'", r->symbol);
	if (dec_mul(qty, price, DEC_ROUND_HALF_EVEN, &notional) ||
	    dec_mul(notional, s->fee_rate, DEC_ROUND_HALF_EVEN, &fee))
		return rk_err_set(err, RK_EOVERFLOW, "sim: fill notional overflows");

	struct sim_fill *f = PUSH(s->fills);
	if (!f)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	memset(f, 0, sizeof *f);
	f->seq = ++s->fill_seq;
	rtime_format(now_us(s), f->rec.ts);
	f->rec.venue = s->base.kind;
	copy_str(f->rec.account, sizeof f->rec.account, s->account);
	copy_str(f->rec.symbol, sizeof f->rec.symbol, r->symbol);
	snprintf(f->rec.fill_id, sizeof f->rec.fill_id, "sim-%s-fill-%" PRIu64, s->name,
		 ++s->next_fill_no);
	copy_str(f->rec.order_id, sizeof f->rec.order_id, r->order_id);
	f->rec.side = r->side;
	f->rec.qty = qty;
	f->rec.price = price;
	f->rec.fee = fee;
	copy_str(f->rec.fee_currency, sizeof f->rec.fee_currency, quote);
	f->rec.liquidity = liq;

	dec_add(r->filled_qty, qty, &t);
	r->filled_qty = t;
	r->has_filled_qty = true;
	r->status = dec_cmp(r->filled_qty, r->qty) >= 0 ? OSTATUS_FILLED : OSTATUS_PARTIALLY_FILLED;

	if (s->market == MARKET_SPOT) {
		struct balance *b = find_balance(s, base, true), *q = find_balance(s, quote, true);
		if (!b || !q)
			return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		bool sell = r->side == SIDE_SELL;
		struct dec proceeds;
		if ((sell ? dec_sub(notional, fee, &proceeds) : dec_add(notional, fee, &proceeds)) ||
		    (sell ? dec_sub(b->qty, qty, &b->qty) : dec_add(b->qty, qty, &b->qty)) ||
		    (sell ? dec_add(q->qty, proceeds, &q->qty) : dec_sub(q->qty, proceeds, &q->qty)))
			return rk_err_set(err, RK_EOVERFLOW, "sim: balance overflows");
		return RK_OK;
	}

	struct position *p = find_position(s, r->symbol, true);
	if (!p)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	struct dec signed_qty = r->side == SIDE_BUY ? qty : dec_neg(qty), nq;
	if (dec_add(p->qty, signed_qty, &nq))
		return rk_err_set(err, RK_EOVERFLOW, "sim: position overflows");
	if (dec_is_zero(nq)) {
		p->entry = dec_zero();
	} else if (dec_is_zero(p->qty) || dec_sign(p->qty) == dec_sign(signed_qty)) {
		/* Increasing: the entry is the size-weighted average. */
		struct dec old_cost, cost, size;
		if (dec_mul(dec_abs(p->qty), p->entry, DEC_ROUND_HALF_EVEN, &old_cost) ||
		    dec_add(old_cost, notional, &cost) || dec_add(dec_abs(p->qty), qty, &size) ||
		    dec_div(cost, size, DEC_ROUND_HALF_EVEN, &p->entry))
			return rk_err_set(err, RK_EOVERFLOW, "sim: entry price overflows");
	} else if (dec_sign(nq) != dec_sign(p->qty)) {
		p->entry = price; /* flipped through zero: the rest opened at this price */
	}
	p->qty = nq;
	return RK_OK;
}

/* Futures: is there a position that an order on `side` would reduce? */
static bool faces_position(struct sim *s, const char *symbol, enum side side)
{
	struct position *p = find_position(s, symbol, false);
	return p && !dec_is_zero(p->qty) && (side == SIDE_SELL) == (dec_sign(p->qty) > 0);
}

/*
 * How much of `o` may execute now. Futures reduce-only orders are capped by
 * the opposing position (close_position takes all of it); spot sells by the
 * base balance. Zero means the order can no longer execute.
 */
static struct dec executable_qty(struct sim *s, const struct sim_order *o)
{
	struct dec rem = remaining(&o->rec);
	if (s->market == MARKET_FUTURES) {
		if (!o->rec.reduce_only && !o->close_position)
			return rem;
		if (!faces_position(s, o->rec.symbol, o->rec.side))
			return dec_zero();
		struct position *p = find_position(s, o->rec.symbol, false);
		return o->close_position ? dec_abs(p->qty) : dec_min(rem, dec_abs(p->qty));
	}
	if (o->rec.side == SIDE_SELL) {
		char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
		if (!symbol_split(o->rec.symbol, base, quote))
			return dec_zero();
		struct balance *b = find_balance(s, base, false);
		return b ? dec_max(dec_zero(), dec_min(rem, b->qty)) : dec_zero();
	}
	return rem;
}

/* Executes `o` at `price` as far as it can; an order that cannot execute
 * (nothing left to reduce) expires. */
static enum rk_rc execute(struct sim *s, struct sim_order *o, struct dec price, enum liquidity liq,
			  struct rk_err *err)
{
	struct dec q = executable_qty(s, o);
	if (o->close_position && dec_sign(q) > 0)
		dec_add(o->rec.filled_qty, q, &o->rec.qty); /* closes the whole position */
	if (dec_sign(q) <= 0) {
		o->rec.status = OSTATUS_EXPIRED;
		return RK_OK;
	}
	enum rk_rc rc = apply_fill(s, o, q, price, liq, err);
	if (rc == RK_OK && o->rec.status == OSTATUS_PARTIALLY_FILLED &&
	    (o->rec.reduce_only || o->close_position))
		o->rec.status = OSTATUS_EXPIRED; /* the rest has nothing to reduce */
	return rc;
}

static bool at_or_above(struct dec a, struct dec b) { return dec_cmp(a, b) >= 0; }
static bool at_or_below(struct dec a, struct dec b) { return dec_cmp(a, b) <= 0; }

/* Would a limit order at `limit` trade against `last`? */
static bool limit_crosses(enum side side, struct dec limit, struct dec last)
{
	return side == SIDE_SELL ? at_or_above(last, limit) : at_or_below(last, limit);
}

/* Has the price reached a stop-loss trigger (sell: at or below)? */
static bool stop_reached(enum side side, struct dec stop, struct dec last)
{
	return side == SIDE_SELL ? at_or_below(last, stop) : at_or_above(last, stop);
}

/* Matches one open order against the current price `last`. */
static enum rk_rc match_order(struct sim *s, struct sim_order *o, struct dec last,
			      struct rk_err *err)
{
	struct order_rec *r = &o->rec;
	switch (r->type) {
	case OTYPE_LIMIT:
		if (limit_crosses(r->side, r->price, last))
			return execute(s, o, r->price, LIQ_MAKER, err);
		return RK_OK;
	case OTYPE_STOP_LIMIT:
		if (!o->triggered) {
			if (!stop_reached(r->side, r->stop_price, last))
				return RK_OK;
			o->triggered = true;
			/* Just became a limit order: marketable ones take the price. */
			if (limit_crosses(r->side, r->price, last))
				return execute(s, o, last, LIQ_TAKER, err);
			return RK_OK;
		}
		if (limit_crosses(r->side, r->price, last))
			return execute(s, o, r->price, LIQ_MAKER, err);
		return RK_OK;
	case OTYPE_STOP_MARKET:
		if (stop_reached(r->side, r->stop_price, last))
			return execute(s, o, last, LIQ_TAKER, err);
		return RK_OK;
	case OTYPE_TAKE_PROFIT:
		if (limit_crosses(r->side, r->stop_price, last))
			return execute(s, o, last, LIQ_TAKER, err);
		return RK_OK;
	case OTYPE_BRACKET:
		/* One order, two legs: whichever fires completes it (OCO). */
		if (limit_crosses(r->side, r->price, last))
			return execute(s, o, r->price, LIQ_MAKER, err);
		if (stop_reached(r->side, r->stop_price, last))
			return execute(s, o, last, LIQ_TAKER, err);
		return RK_OK;
	default:
		return RK_OK;
	}
}

/* Matches every open order, in creation order, against its symbol's price. */
static enum rk_rc match_all(struct sim *s, const char *only_symbol, struct rk_err *err)
{
	for (size_t i = 0; i < s->orders.n; i++) {
		struct sim_order *o = &s->orders.v[i];
		struct dec last;
		if (!order_status_is_open(o->rec.status))
			continue;
		if (only_symbol && strcmp(o->rec.symbol, only_symbol) != 0)
			continue;
		if (!current_price(s, o->rec.symbol, &last))
			continue;
		enum rk_rc rc = match_order(s, o, last, err);
		if (rc)
			return rc;
	}
	return RK_OK;
}

/* ---- spot holds ---------------------------------------------------------- */

/* What open orders hold of `asset`: sells hold base quantity, buys hold
 * quote at their limit (or trigger) price. */
static struct dec held(const struct sim *s, const char *asset)
{
	struct dec total = dec_zero();
	for (size_t i = 0; i < s->orders.n; i++) {
		const struct sim_order *o = &s->orders.v[i];
		char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
		if (!order_status_is_open(o->rec.status) ||
		    !symbol_split(o->rec.symbol, base, quote))
			continue;
		struct dec rem = remaining(&o->rec), amt = dec_zero(), t;
		if (o->rec.side == SIDE_SELL && strcmp(base, asset) == 0) {
			amt = rem;
		} else if (o->rec.side == SIDE_BUY && strcmp(quote, asset) == 0) {
			struct dec px = o->rec.has_price ? o->rec.price : o->rec.stop_price;
			if (o->rec.has_price && o->rec.has_stop_price)
				px = dec_max(o->rec.price, o->rec.stop_price);
			if (dec_mul(rem, px, DEC_ROUND_CEIL, &amt))
				continue;
		}
		if (dec_add(total, amt, &t) == DEC_OK)
			total = t;
	}
	return total;
}

static struct dec free_balance(struct sim *s, const char *asset)
{
	struct balance *b = find_balance(s, asset, false);
	struct dec bal = b ? b->qty : dec_zero(), out = dec_zero();
	dec_sub(bal, held(s, asset), &out);
	return out;
}

/* ---- placement ----------------------------------------------------------- */

/* Fills in a refusal. Binance answers with a code and message, Coinbase
 * with a failure_reason; the sim speaks like the venue it impersonates. */
static void refuse(struct sim *s, struct venue_place_result *out, enum venue_reject rej,
		   int code, const char *binance_msg, const char *coinbase_reason)
{
	out->outcome = VOUT_REJECTED;
	out->reject = rej;
	out->order_id[0] = '\0';
	out->status = OSTATUS_REJECTED;
	if (is_binance(s)) {
		out->venue_code = code;
		copy_str(out->reason, sizeof out->reason, binance_msg);
	} else {
		out->venue_code = 0;
		copy_str(out->reason, sizeof out->reason, coinbase_reason);
	}
}

static bool is_multiple(struct dec x, struct dec inc)
{
	struct dec q;
	if (dec_sign(inc) <= 0)
		return true;
	return dec_quantize(x, inc, DEC_ROUND_DOWN, &q) == DEC_OK && dec_eq(q, x);
}

/* Does the placement trade at once (a market order, or a limit already
 * through the price)? */
static bool marketable_now(const struct venue_order_req *req, bool have_last, struct dec last)
{
	if (req->type == OTYPE_MARKET)
		return true;
	return req->type == OTYPE_LIMIT && have_last && limit_crosses(req->side, req->price, last);
}

/* The price that values the order for min_notional and quote holds. */
static struct dec reference_price(const struct venue_order_req *req, struct dec last)
{
	switch (req->type) {
	case OTYPE_LIMIT:
	case OTYPE_STOP_LIMIT:
		return req->price;
	case OTYPE_STOP_MARKET:
	case OTYPE_TAKE_PROFIT:
		return req->stop_price;
	case OTYPE_BRACKET:
		return dec_min(req->price, req->stop_price);
	default:
		return last;
	}
}

/*
 * Checks a placement against the venue's rules. Returns true when it may be
 * placed; otherwise *out holds the refusal.
 */
static bool placement_allowed(struct sim *s, const struct venue_order_req *req, bool have_last,
			      struct dec last, struct venue_place_result *out)
{
	const struct instrument *ins = find_instrument(s, req->symbol);
	bool futures = s->market == MARKET_FUTURES;
	bool closing = futures && req->close_position;
	struct dec qty = req->qty;

	if (!ins) {
		refuse(s, out, VREJ_INVALID, -1121, "Invalid symbol.", "UNKNOWN_PRODUCT_ID");
		return false;
	}
	if (req->side != SIDE_BUY && req->side != SIDE_SELL) {
		refuse(s, out, VREJ_INVALID, -1102, "Mandatory parameter 'side' was not sent.",
		       "INVALID_SIDE");
		return false;
	}
	bool needs_price = req->type == OTYPE_LIMIT || req->type == OTYPE_STOP_LIMIT ||
			   req->type == OTYPE_BRACKET;
	bool needs_stop = req->type == OTYPE_STOP_MARKET || req->type == OTYPE_STOP_LIMIT ||
			  req->type == OTYPE_TAKE_PROFIT || req->type == OTYPE_BRACKET;
	if (req->type != OTYPE_MARKET && !needs_price && !needs_stop) {
		refuse(s, out, VREJ_INVALID, -1116, "Invalid orderType.",
		       "UNSUPPORTED_ORDER_CONFIGURATION");
		return false;
	}
	if ((req->type == OTYPE_BRACKET && futures) ||
	    (closing && req->type != OTYPE_STOP_MARKET && req->type != OTYPE_TAKE_PROFIT)) {
		refuse(s, out, VREJ_INVALID, -1116, "Invalid orderType.",
		       "UNSUPPORTED_ORDER_CONFIGURATION");
		return false;
	}
	if ((needs_price && (!req->has_price || dec_sign(req->price) <= 0)) ||
	    (needs_stop && (!req->has_stop_price || dec_sign(req->stop_price) <= 0))) {
		refuse(s, out, VREJ_INVALID, -1102, "Mandatory parameter 'price' was not sent.",
		       "INVALID_LIMIT_PRICE");
		return false;
	}
	if ((needs_price && !is_multiple(req->price, ins->tick_size)) ||
	    (needs_stop && !is_multiple(req->stop_price, ins->tick_size))) {
		refuse(s, out, VREJ_INVALID, -4014, "Price not increased by tick size.",
		       "INVALID_PRICE_PRECISION");
		return false;
	}
	if (!have_last && (req->type == OTYPE_MARKET || needs_stop)) {
		refuse(s, out, VREJ_OTHER, -1003, "No market price.", "NO_MARKET_PRICE");
		return false;
	}

	if (closing) {
		if (!faces_position(s, req->symbol, req->side)) {
			refuse(s, out, VREJ_INVALID, -2022, "ReduceOnly Order is rejected.", "");
			return false;
		}
	} else {
		if (dec_sign(qty) <= 0 || !is_multiple(qty, ins->step_size)) {
			refuse(s, out, VREJ_INVALID, -1111,
			       "Precision is over the maximum defined for this asset.",
			       "INVALID_SIZE_PRECISION");
			return false;
		}
		if (dec_cmp(qty, ins->min_qty) < 0) {
			refuse(s, out, VREJ_INVALID, -4003, "Quantity less than minimum quantity.",
			       "INVALID_BASE_SIZE_TOO_SMALL");
			return false;
		}
		struct dec notional;
		bool exempt = futures && req->reduce_only; /* Binance: reduce only may be small */
		if (!exempt && dec_sign(ins->min_notional) > 0 &&
		    (dec_mul(qty, reference_price(req, last), DEC_ROUND_HALF_EVEN, &notional) ||
		     dec_cmp(notional, ins->min_notional) < 0)) {
			refuse(s, out, VREJ_INVALID, -4164,
			       "Order's notional must be no smaller than the minimum.",
			       "INVALID_QUOTE_SIZE_TOO_SMALL");
			return false;
		}
	}

	/* A stop whose trigger is already through the price would fire at once:
	 * Binance refuses it (-2021), and so does the sim on every market. */
	if ((req->type == OTYPE_STOP_MARKET || req->type == OTYPE_STOP_LIMIT ||
	     req->type == OTYPE_BRACKET) &&
	    stop_reached(req->side, req->stop_price, last)) {
		refuse(s, out, VREJ_WOULD_TRIGGER, SIM_WOULD_TRIGGER_CODE, SIM_WOULD_TRIGGER_MSG,
		       SIM_WOULD_TRIGGER_MSG);
		out->venue_code = SIM_WOULD_TRIGGER_CODE;
		return false;
	}
	if (req->type == OTYPE_TAKE_PROFIT && limit_crosses(req->side, req->stop_price, last)) {
		refuse(s, out, VREJ_WOULD_TRIGGER, SIM_WOULD_TRIGGER_CODE, SIM_WOULD_TRIGGER_MSG,
		       SIM_WOULD_TRIGGER_MSG);
		out->venue_code = SIM_WOULD_TRIGGER_CODE;
		return false;
	}
	if (req->type == OTYPE_BRACKET && limit_crosses(req->side, req->price, last)) {
		refuse(s, out, VREJ_INVALID, -4014, "Take profit already through the price.",
		       "INVALID_LIMIT_PRICE");
		return false;
	}

	if (futures) {
		/* Immediate reduce-only orders must face a position; resting
		 * conditional ones are checked when they trigger. */
		if (req->reduce_only && marketable_now(req, have_last, last) &&
		    !faces_position(s, req->symbol, req->side)) {
			refuse(s, out, VREJ_INVALID, -2022, "ReduceOnly Order is rejected.", "");
			return false;
		}
		return true;
	}

	/* Spot: the balance must be free of other orders' holds. */
	char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
	if (!symbol_split(req->symbol, base, quote)) {
		refuse(s, out, VREJ_INVALID, -1121, "Invalid symbol.", "UNKNOWN_PRODUCT_ID");
		return false;
	}
	struct dec need = qty;
	const char *asset = base;
	if (req->side == SIDE_BUY) {
		asset = quote;
		struct dec px = reference_price(req, last);
		if (req->type == OTYPE_BRACKET)
			px = dec_max(req->price, req->stop_price);
		if (dec_mul(qty, px, DEC_ROUND_CEIL, &need))
			need = dec_from_int(INT64_MAX);
	}
	if (dec_cmp(free_balance(s, asset), need) < 0) {
		refuse(s, out, VREJ_INSUFFICIENT_FUNDS, -2019, "Margin is insufficient.",
		       "INSUFFICIENT_FUND");
		return false;
	}
	return true;
}

/* Books an accepted placement as a new order; *created (OUT) points at it. */
static enum rk_rc create_order(struct sim *s, const struct venue_order_req *req,
			       struct sim_order **created, struct rk_err *err)
{
	struct sim_order *o = PUSH(s->orders);
	if (!o)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	memset(o, 0, sizeof *o);
	struct order_rec *r = &o->rec;
	rtime_format(now_us(s), r->ts);
	r->venue = s->base.kind;
	copy_str(r->account, sizeof r->account, s->account);
	copy_str(r->symbol, sizeof r->symbol, req->symbol);
	do {
		snprintf(r->order_id, sizeof r->order_id, "sim-%s-%" PRIu64, s->name,
			 ++s->next_order_no);
	} while (find_order(s, r->order_id) != o);
	copy_str(r->client_order_id, sizeof r->client_order_id, req->client_order_id);
	r->side = req->side;
	r->type = req->type;
	r->status = OSTATUS_OPEN;
	r->purpose = req->purpose;
	o->close_position = s->market == MARKET_FUTURES && req->close_position;
	r->reduce_only = s->market == MARKET_FUTURES && (req->reduce_only || o->close_position);
	r->qty = req->qty;
	if (o->close_position) {
		struct position *p = find_position(s, req->symbol, false);
		r->qty = p ? dec_abs(p->qty) : req->qty;
	}
	r->has_price = req->has_price && req->type != OTYPE_MARKET &&
		       req->type != OTYPE_STOP_MARKET && req->type != OTYPE_TAKE_PROFIT;
	r->price = r->has_price ? req->price : dec_zero();
	r->has_stop_price = req->has_stop_price && req->type != OTYPE_MARKET &&
			    req->type != OTYPE_LIMIT;
	r->stop_price = r->has_stop_price ? req->stop_price : dec_zero();
	r->has_filled_qty = true;
	r->filled_qty = dec_zero();
	*created = o;
	return RK_OK;
}

static enum rk_rc sim_place(struct venue *v, const struct venue_order_req *req,
			    struct venue_place_result *out, struct rk_err *err)
{
	struct sim *s = as_sim(v);
	struct sim_order *o = NULL;
	struct fault *f;
	struct dec last = dec_zero();
	enum rk_rc rc;

	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	if ((rc = log_call(s, SIM_CALL_PLACE, req->symbol, NULL, req->client_order_id, err)))
		return rc;
	s->log.v[s->log.n - 1].type = req->type;
	s->log.v[s->log.n - 1].side = req->side;

	/* Idempotent on client order id, as Coinbase is: the first order stands. */
	if ((o = find_order_by_client(s, req->client_order_id))) {
		out->outcome = VOUT_OK;
		copy_str(out->order_id, sizeof out->order_id, o->rec.order_id);
		out->status = o->rec.status;
		out->has_order = true;
		out->order = o->rec;
		snprintf(out->reason, sizeof out->reason,
			 "client order id already used: existing order returned");
		return RK_OK;
	}

	if ((f = fault_take(s, FAULT_PLACE_FAILS, req->symbol, NULL, req->client_order_id))) {
		out->outcome = VOUT_REJECTED;
		out->reject = f->reject;
		out->venue_code = f->code;
		out->status = OSTATUS_REJECTED;
		copy_str(out->reason, sizeof out->reason,
			 f->reason[0] ? f->reason : "refused (scripted)");
		return RK_OK;
	}
	if ((f = fault_take(s, FAULT_PLACE_WOULD_TRIGGER, req->symbol, NULL,
			    req->client_order_id))) {
		out->outcome = VOUT_REJECTED;
		out->reject = VREJ_WOULD_TRIGGER;
		out->venue_code = SIM_WOULD_TRIGGER_CODE;
		out->status = OSTATUS_REJECTED;
		copy_str(out->reason, sizeof out->reason,
			 f->reason[0] ? f->reason : SIM_WOULD_TRIGGER_MSG);
		return RK_OK;
	}
	struct fault *unknown = fault_take(s, FAULT_PLACE_UNKNOWN, req->symbol, NULL,
					   req->client_order_id);
	if (unknown && !unknown->happened) {
		out->outcome = VOUT_UNKNOWN;
		copy_str(out->reason, sizeof out->reason,
			 unknown->reason[0] ? unknown->reason : "timeout (scripted): order not placed");
		return RK_OK;
	}

	bool have_last = current_price(s, req->symbol, &last);
	if (!placement_allowed(s, req, have_last, last, out)) {
		if (unknown) { /* the answer was lost; the refusal stands on the venue */
			out->outcome = VOUT_UNKNOWN;
			out->reject = VREJ_NONE;
			out->venue_code = 0;
			copy_str(out->reason, sizeof out->reason, "timeout (scripted)");
		}
		return RK_OK;
	}
	if ((rc = create_order(s, req, &o, err)))
		return rc;
	/* Market orders, and limits already through the price, trade at once. */
	if (marketable_now(req, have_last, last)) {
		if ((rc = execute(s, o, last, LIQ_TAKER, err)))
			return rc;
	}

	out->outcome = VOUT_OK;
	copy_str(out->order_id, sizeof out->order_id, o->rec.order_id);
	out->status = o->rec.status;
	out->has_order = true;
	out->order = o->rec;
	if (unknown) {
		out->outcome = VOUT_UNKNOWN;
		out->order_id[0] = '\0';
		out->has_order = false;
		copy_str(out->reason, sizeof out->reason,
			 unknown->reason[0] ? unknown->reason : "timeout (scripted)");
	} else if ((f = fault_take(s, FAULT_PLACE_NO_ORDER_ID, req->symbol, NULL,
				   req->client_order_id))) {
		/* "success" with no id: venue_place reports it as unknown. */
		out->order_id[0] = '\0';
		out->has_order = false;
		copy_str(out->reason, sizeof out->reason, f->reason);
	}
	return RK_OK;
}

/* ---- cancel, get_order, order_fills ------------------------------------- */

/* Is `o` the order the caller means, given an optional symbol? */
static bool symbol_ok(const struct sim_order *o, const char *symbol)
{
	return !symbol || !symbol[0] || strcmp(o->rec.symbol, symbol) == 0;
}

static void cancel_one(struct sim *s, const char *symbol, const char *id,
		       struct venue_cancel_result *r)
{
	struct sim_order *o = find_order(s, id);
	struct fault *f;

	copy_str(r->order_id, sizeof r->order_id, id);
	r->reject = VREJ_NONE;
	r->venue_code = 0;
	r->reason[0] = '\0';
	if ((f = fault_take(s, FAULT_CANCEL_UNKNOWN, symbol, id, o ? o->rec.client_order_id : ""))) {
		if (f->happened && o && order_status_is_open(o->rec.status))
			o->rec.status = OSTATUS_CANCELLED;
		r->outcome = VOUT_UNKNOWN;
		copy_str(r->reason, sizeof r->reason, f->reason[0] ? f->reason : "timeout (scripted)");
		return;
	}
	if ((f = fault_take(s, FAULT_CANCEL_FAILS, symbol, id, o ? o->rec.client_order_id : ""))) {
		r->outcome = VOUT_REJECTED;
		r->reject = f->reject;
		r->venue_code = f->code;
		copy_str(r->reason, sizeof r->reason, f->reason[0] ? f->reason : "UNKNOWN_CANCEL_FAILURE_REASON");
		return;
	}
	if (!o || !symbol_ok(o, symbol)) {
		r->outcome = VOUT_NOT_FOUND;
		r->reject = VREJ_UNKNOWN_ORDER;
		r->venue_code = is_binance(s) ? -2011 : 0;
		copy_str(r->reason, sizeof r->reason,
			 is_binance(s) ? "Unknown order sent." : "UNKNOWN_CANCEL_ORDER");
		return;
	}
	if (!order_status_is_open(o->rec.status)) {
		r->outcome = VOUT_REJECTED;
		r->reject = VREJ_ALREADY_DONE;
		snprintf(r->reason, sizeof r->reason, "order is already %s",
			 order_status_name(o->rec.status));
		return;
	}
	o->rec.status = OSTATUS_CANCELLED;
	r->outcome = VOUT_OK;
}

static enum rk_rc sim_cancel(struct venue *v, const char *symbol, const char *const *order_ids,
			     size_t n, struct venue_cancel_result *out, struct rk_err *err)
{
	struct sim *s = as_sim(v);
	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	for (size_t i = 0; i < n; i++) {
		const char *id = order_ids[i] ? order_ids[i] : "";
		enum rk_rc rc = log_call(s, SIM_CALL_CANCEL, symbol, id, NULL, err);
		if (rc)
			return rc;
		cancel_one(s, symbol, id, &out[i]);
	}
	return RK_OK;
}

static enum rk_rc sim_get_order(struct venue *v, const char *symbol, const char *order_id,
				const char *client_order_id, struct venue_order_result *out,
				struct rk_err *err)
{
	struct sim *s = as_sim(v);
	struct sim_order *o;
	enum rk_rc rc;
	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	bool by_id = order_id && order_id[0];
	if (!by_id && !(client_order_id && client_order_id[0]))
		return rk_err_set(err, RK_EINVAL, "sim: get_order needs an order id or client order id");
	if ((rc = log_call(s, SIM_CALL_GET_ORDER, symbol, order_id, client_order_id, err)))
		return rc;
	o = by_id ? find_order(s, order_id) : find_order_by_client(s, client_order_id);
	if (fault_take(s, FAULT_GET_ORDER_UNKNOWN, symbol, by_id ? order_id : (o ? o->rec.order_id : ""),
		       by_id ? (o ? o->rec.client_order_id : "") : client_order_id)) {
		out->outcome = VOUT_UNKNOWN;
		copy_str(out->reason, sizeof out->reason, "timeout (scripted)");
		return RK_OK;
	}
	if (!o || !symbol_ok(o, symbol)) {
		out->outcome = VOUT_NOT_FOUND;
		copy_str(out->reason, sizeof out->reason,
			 is_binance(s) ? "Order does not exist." : "order not found");
		return RK_OK;
	}
	out->outcome = VOUT_OK;
	out->order = o->rec;
	return RK_OK;
}

static enum rk_rc sim_order_fills(struct venue *v, const char *symbol, const char *order_id,
				  struct fill_rec **fills, size_t *n, struct rk_err *err)
{
	struct sim *s = as_sim(v);
	enum rk_rc rc;
	size_t count = 0, k = 0;
	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	if ((rc = log_call(s, SIM_CALL_ORDER_FILLS, symbol, order_id, NULL, err)))
		return rc;
	if (fault_take(s, FAULT_ORDER_FILLS_FAILS, symbol, order_id, NULL))
		return rk_err_set(err, RK_EUNKNOWN, "sim: order fills request timed out (scripted)");
	for (size_t i = 0; i < s->fills.n; i++)
		if (strcmp(s->fills.v[i].rec.order_id, order_id) == 0)
			count++;
	if (count == 0)
		return RK_OK;
	*fills = calloc(count, sizeof **fills);
	if (!*fills)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	for (size_t i = 0; i < s->fills.n; i++)
		if (strcmp(s->fills.v[i].rec.order_id, order_id) == 0)
			(*fills)[k++] = s->fills.v[i].rec;
	*n = count;
	return RK_OK;
}

static enum rk_rc sim_last_price(struct venue *v, const char *symbol, struct dec *price,
				 struct rk_err *err)
{
	struct sim *s = as_sim(v);
	enum rk_rc rc;
	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	if ((rc = log_call(s, SIM_CALL_LAST_PRICE, symbol, NULL, NULL, err)))
		return rc;
	if (fault_take(s, FAULT_LAST_PRICE_FAILS, symbol, NULL, NULL))
		return rk_err_set(err, RK_EUNKNOWN, "sim: price request timed out (scripted)");
	if (!current_price(s, symbol, price))
		return rk_err_set(err, RK_EUNKNOWN, "sim: %s has no price", symbol);
	return RK_OK;
}

/* ---- snapshot ------------------------------------------------------------ */

static const char *part_name(int part)
{
	switch (part) {
	case PART_ORDERS: return "orders";
	case PART_POSITIONS: return "positions";
	case PART_FILLS: return "fills";
	case PART_PRICES: return "prices";
	default: return "instruments";
	}
}

/* Allocates `n` elements (at least one, so a zero-length part is still a
 * valid pointer to free). */
static void *alloc_n(size_t n, size_t elem)
{
	return calloc(n ? n : 1, elem);
}

/* The instrument a spot asset is held under: the first with that base. */
static const struct instrument *instrument_of_base(const struct sim *s, const char *asset)
{
	for (size_t i = 0; i < s->instruments.n; i++) {
		char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
		if (symbol_split(s->instruments.v[i].symbol, base, quote) &&
		    strcmp(base, asset) == 0)
			return &s->instruments.v[i];
	}
	return NULL;
}

static enum rk_rc parse_cursor(const char *text, uint64_t *out, struct rk_err *err)
{
	*out = 0;
	if (!text || !text[0])
		return RK_OK;
	char *end = NULL;
	unsigned long long v = strtoull(text, &end, 10);
	if (!end || *end || text[0] == '-')
		return rk_err_set(err, RK_EINVAL, "sim: bad fills cursor '%s'", text);
	*out = (uint64_t)v;
	return RK_OK;
}

static enum rk_rc snap_orders(struct sim *s, struct venue_snapshot *out, struct rk_err *err)
{
	size_t nopen = sim_venue_open_order_count(&s->base);
	size_t pages = (nopen + s->page_size - 1) / s->page_size;
	size_t lost = SIZE_MAX;
	struct fault *f = fault_take(s, FAULT_PAGE_MISSING, NULL, NULL, NULL);
	if (f) {
		lost = (size_t)f->page;
		if (pages == 0)
			lost = 0;
		else if (lost >= pages)
			lost = pages - 1;
		if (f->reason[0])
			venue_snapshot_mark_incomplete(out, "%s", f->reason);
		else
			venue_snapshot_mark_incomplete(out, "open orders: page %zu of %zu missing",
						       lost + 1, pages ? pages : (size_t)1);
	}
	out->orders = alloc_n(nopen, sizeof *out->orders);
	if (!out->orders)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	size_t k = 0, idx = 0;
	for (size_t i = 0; i < s->orders.n; i++) {
		if (!order_status_is_open(s->orders.v[i].rec.status))
			continue;
		if (idx++ / s->page_size != lost)
			out->orders[k++] = s->orders.v[i].rec;
	}
	out->norders = k;
	return RK_OK;
}

static enum rk_rc snap_positions(struct sim *s, struct venue_snapshot *out, struct rk_err *err)
{
	size_t n = s->market == MARKET_SPOT ? s->balances.n : s->positions.n;
	out->positions = alloc_n(n, sizeof *out->positions);
	if (!out->positions)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	size_t k = 0;
	if (s->market == MARKET_FUTURES) {
		for (size_t i = 0; i < s->positions.n; i++) {
			struct venue_position *p = &out->positions[k++];
			copy_str(p->symbol, sizeof p->symbol, s->positions.v[i].symbol);
			p->qty = s->positions.v[i].qty;
			p->has_entry = !dec_is_zero(p->qty);
			p->entry_price = p->has_entry ? s->positions.v[i].entry : dec_zero();
		}
	} else {
		for (size_t i = 0; i < s->balances.n; i++) {
			const struct instrument *ins = instrument_of_base(s, s->balances.v[i].asset);
			if (!ins)
				continue; /* a quote currency, not a holding */
			struct venue_position *p = &out->positions[k++];
			copy_str(p->symbol, sizeof p->symbol, ins->symbol);
			p->qty = s->balances.v[i].qty;
		}
	}
	out->npositions = k;
	return RK_OK;
}

static enum rk_rc snap_fills(struct sim *s, uint64_t since, struct venue_snapshot *out,
			     struct rk_err *err)
{
	size_t n = 0, k = 0;
	uint64_t last = since;
	for (size_t i = 0; i < s->fills.n; i++)
		if (s->fills.v[i].seq > since)
			n++;
	out->fills = alloc_n(n, sizeof *out->fills);
	if (!out->fills)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	for (size_t i = 0; i < s->fills.n; i++) {
		if (s->fills.v[i].seq <= since)
			continue;
		out->fills[k++] = s->fills.v[i].rec;
		if (s->fills.v[i].seq > last)
			last = s->fills.v[i].seq;
	}
	out->nfills = k;
	snprintf(out->fills_cursor, sizeof out->fills_cursor, "%" PRIu64, last);
	return RK_OK;
}

static enum rk_rc snap_prices(struct sim *s, struct venue_snapshot *out, struct rk_err *err)
{
	out->prices = alloc_n(s->paths.n, sizeof *out->prices);
	if (!out->prices)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	size_t k = 0;
	for (size_t i = 0; i < s->paths.n; i++) {
		struct dec last;
		if (!current_price(s, s->paths.v[i].symbol, &last))
			continue;
		copy_str(out->prices[k].symbol, sizeof out->prices[k].symbol, s->paths.v[i].symbol);
		out->prices[k++].last = last;
	}
	out->nprices = k;
	return RK_OK;
}

static enum rk_rc sim_snapshot(struct venue *v, const char *account, const char *fills_cursor,
			       struct venue_snapshot *out, struct rk_err *err)
{
	struct sim *s = as_sim(v);
	enum rk_rc rc;
	uint64_t since = 0;
	int failed = 0;
	char reason[VENUE_REASON_MAX] = "";
	(void)account; /* one account per sim venue */

	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	if ((rc = parse_cursor(fills_cursor, &since, err)))
		return rc;
	if ((rc = log_call(s, SIM_CALL_SNAPSHOT, NULL, NULL, NULL, err)))
		return rc;
	memset(out, 0, sizeof *out);
	out->complete = true;
	out->taken_at_us = now_us(s);

	/* Every snapshot_fails fault due now fires (several parts may fail). */
	for (size_t i = 0; i < s->faults.n; i++) {
		struct fault *f = &s->faults.v[i];
		if (!fault_fires(s, f, FAULT_SNAPSHOT_FAILS, NULL, NULL, NULL))
			continue;
		if (!reason[0]) {
			if (f->reason[0])
				copy_str(reason, sizeof reason, f->reason);
			else
				snprintf(reason, sizeof reason, "%s request failed (scripted fault)",
					 part_name(f->part));
		}
		failed |= f->part;
	}
	if (failed)
		venue_snapshot_mark_incomplete(out, "%s", reason);

	if (!(failed & PART_ORDERS) && (rc = snap_orders(s, out, err)))
		goto out;
	if (!(failed & PART_POSITIONS) && (rc = snap_positions(s, out, err)))
		goto out;
	if (failed & PART_FILLS)
		snprintf(out->fills_cursor, sizeof out->fills_cursor, "%s",
			 fills_cursor ? fills_cursor : "");
	else if ((rc = snap_fills(s, since, out, err)))
		goto out;
	if (!(failed & PART_PRICES) && (rc = snap_prices(s, out, err)))
		goto out;
	if (!(failed & PART_INSTRUMENTS)) {
		out->instruments = alloc_n(s->instruments.n, sizeof *out->instruments);
		if (!out->instruments) {
			rc = rk_err_set(err, RK_ENOMEM, "sim: out of memory");
			goto out;
		}
		if (s->instruments.n)
			memcpy(out->instruments, s->instruments.v,
			       s->instruments.n * sizeof *out->instruments);
		out->ninstruments = s->instruments.n;
	}
out:
	if (rc)
		venue_snapshot_free(out);
	return rc;
}

static void sim_destroy(struct venue *v)
{
	struct sim *s = as_sim(v);
	if (!s)
		return;
	for (size_t i = 0; i < s->paths.n; i++)
		free(s->paths.v[i].steps);
	free(s->instruments.v);
	free(s->balances.v);
	free(s->positions.v);
	free(s->orders.v);
	free(s->fills.v);
	free(s->paths.v);
	free(s->faults.v);
	free(s->log.v);
	free(s);
}

static const struct venue_ops SIM_OPS = {
	.snapshot = sim_snapshot,
	.place = sim_place,
	.cancel = sim_cancel,
	.get_order = sim_get_order,
	.order_fills = sim_order_fills,
	.destroy = sim_destroy,
	.last_price = sim_last_price,
};

/* ---- scenario parsing ---------------------------------------------------- */

/* Checks that `obj` is an object with no key outside `allowed` (NULL-ended). */
static enum rk_rc check_object(const cJSON *obj, const char *const *allowed, const char *path,
			       struct rk_err *err)
{
	if (!cJSON_IsObject(obj))
		return rk_err_set(err, RK_EINVAL, "%s: must be an object", path);
	for (const cJSON *it = obj->child; it; it = it->next) {
		bool ok = false;
		for (size_t i = 0; allowed[i] && !ok; i++)
			ok = strcmp(it->string, allowed[i]) == 0;
		if (!ok)
			return rk_err_set(err, RK_EINVAL, "%s: unknown key '%s'", path, it->string);
	}
	return RK_OK;
}

static enum rk_rc get_str(const cJSON *obj, const char *key, bool required, char *buf, size_t cap,
			  const char *path, struct rk_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	buf[0] = '\0';
	if (!it || cJSON_IsNull(it)) {
		if (required)
			return rk_err_set(err, RK_EINVAL, "%s.%s: missing", path, key);
		return RK_OK;
	}
	if (!cJSON_IsString(it) || !it->valuestring[0])
		return rk_err_set(err, RK_EINVAL, "%s.%s: must be a non-empty string", path, key);
	if (strlen(it->valuestring) >= cap)
		return rk_err_set(err, RK_EINVAL, "%s.%s: too long", path, key);
	copy_str(buf, cap, it->valuestring);
	return RK_OK;
}

/* A decimal amount, written as a string. *present (may be NULL) says whether
 * it was there; absent gives zero. */
static enum rk_rc get_dec(const cJSON *obj, const char *key, bool required, bool *present,
			  struct dec *out, const char *path, struct rk_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = dec_zero();
	if (present)
		*present = false;
	if (!it || cJSON_IsNull(it)) {
		if (required)
			return rk_err_set(err, RK_EINVAL, "%s.%s: missing", path, key);
		return RK_OK;
	}
	if (!cJSON_IsString(it))
		return rk_err_set(err, RK_EINVAL, "%s.%s: must be a decimal string such as \"0.5\"",
				  path, key);
	enum dec_status st = dec_parse_cstr(it->valuestring, out);
	if (st != DEC_OK)
		return rk_err_set(err, RK_EINVAL, "%s.%s: '%s': %s", path, key, it->valuestring,
				  dec_status_str(st));
	if (present)
		*present = true;
	return RK_OK;
}

static enum rk_rc get_bool(const cJSON *obj, const char *key, bool dflt, bool *out,
			   const char *path, struct rk_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = dflt;
	if (!it || cJSON_IsNull(it))
		return RK_OK;
	if (!cJSON_IsBool(it))
		return rk_err_set(err, RK_EINVAL, "%s.%s: must be true or false", path, key);
	*out = cJSON_IsTrue(it);
	return RK_OK;
}

static enum rk_rc get_long(const cJSON *obj, const char *key, long dflt, long min, long *out,
			   const char *path, struct rk_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = dflt;
	if (!it || cJSON_IsNull(it))
		return RK_OK;
	if (!cJSON_IsNumber(it) || it->valuedouble < (double)min || it->valuedouble > 1e9 ||
	    it->valuedouble != (double)(long)it->valuedouble)
		return rk_err_set(err, RK_EINVAL, "%s.%s: must be a whole number >= %ld", path, key,
				  min);
	*out = (long)it->valuedouble;
	return RK_OK;
}

static enum rk_rc get_array(const cJSON *obj, const char *key, const cJSON **out,
			    const char *path, struct rk_err *err)
{
	const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
	*out = NULL;
	if (!it || cJSON_IsNull(it))
		return RK_OK;
	if (!cJSON_IsArray(it))
		return rk_err_set(err, RK_EINVAL, "%s.%s: must be an array", path, key);
	*out = it;
	return RK_OK;
}

static enum rk_rc positive(struct dec v, const char *path, const char *key, struct rk_err *err)
{
	if (dec_sign(v) <= 0)
		return rk_err_set(err, RK_EINVAL, "%s.%s: must be greater than zero", path, key);
	return RK_OK;
}

static enum rk_rc parse_instrument(struct sim *s, const cJSON *j, const char *path,
				   struct rk_err *err)
{
	static const char *const KEYS[] = {"symbol", "tick_size", "step_size", "min_qty",
					   "min_notional", NULL};
	struct instrument ins;
	char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
	enum rk_rc rc;
	memset(&ins, 0, sizeof ins);
	if ((rc = check_object(j, KEYS, path, err)) ||
	    (rc = get_str(j, "symbol", true, ins.symbol, sizeof ins.symbol, path, err)) ||
	    (rc = get_dec(j, "tick_size", false, NULL, &ins.tick_size, path, err)) ||
	    (rc = get_dec(j, "step_size", false, NULL, &ins.step_size, path, err)) ||
	    (rc = get_dec(j, "min_qty", false, NULL, &ins.min_qty, path, err)) ||
	    (rc = get_dec(j, "min_notional", false, NULL, &ins.min_notional, path, err)))
		return rc;
	if (!symbol_split(ins.symbol, base, quote))
		return rk_err_set(err, RK_EINVAL, "%s.symbol: cannot tell base from quote in '%s'",
				  path, ins.symbol);
	if (dec_sign(ins.tick_size) < 0 || dec_sign(ins.step_size) < 0 ||
	    dec_sign(ins.min_qty) < 0 || dec_sign(ins.min_notional) < 0)
		return rk_err_set(err, RK_EINVAL, "%s: rules must not be negative", path);
	if (find_instrument(s, ins.symbol))
		return rk_err_set(err, RK_EINVAL, "%s.symbol: '%s' listed twice", path, ins.symbol);
	struct instrument *dst = PUSH(s->instruments);
	if (!dst)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	*dst = ins;
	return RK_OK;
}

static enum rk_rc parse_balance(struct sim *s, const cJSON *j, const char *path, struct rk_err *err)
{
	static const char *const KEYS[] = {"asset", "symbol", "qty", NULL};
	char asset[MODEL_SYM_MAX], symbol[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
	struct dec qty;
	enum rk_rc rc;
	if ((rc = check_object(j, KEYS, path, err)) ||
	    (rc = get_str(j, "asset", false, asset, sizeof asset, path, err)) ||
	    (rc = get_str(j, "symbol", false, symbol, sizeof symbol, path, err)) ||
	    (rc = get_dec(j, "qty", true, NULL, &qty, path, err)))
		return rc;
	if (!asset[0] == !symbol[0])
		return rk_err_set(err, RK_EINVAL, "%s: give exactly one of 'asset' or 'symbol'", path);
	if (symbol[0] && !symbol_split(symbol, asset, quote))
		return rk_err_set(err, RK_EINVAL, "%s.symbol: cannot split '%s'", path, symbol);
	if (dec_sign(qty) < 0)
		return rk_err_set(err, RK_EINVAL, "%s.qty: a spot balance cannot be negative", path);
	if (find_balance(s, asset, false))
		return rk_err_set(err, RK_EINVAL, "%s: asset '%s' listed twice", path, asset);
	struct balance *b = find_balance(s, asset, true);
	if (!b)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	b->qty = qty;
	return RK_OK;
}

static enum rk_rc parse_position(struct sim *s, const cJSON *j, const char *path,
				 struct rk_err *err)
{
	static const char *const KEYS[] = {"symbol", "qty", "entry_price", NULL};
	char symbol[MODEL_SYM_MAX];
	struct dec qty, entry;
	bool has_entry;
	enum rk_rc rc;
	if ((rc = check_object(j, KEYS, path, err)) ||
	    (rc = get_str(j, "symbol", true, symbol, sizeof symbol, path, err)) ||
	    (rc = get_dec(j, "qty", true, NULL, &qty, path, err)) ||
	    (rc = get_dec(j, "entry_price", false, &has_entry, &entry, path, err)))
		return rc;
	if (!find_instrument(s, symbol))
		return rk_err_set(err, RK_EINVAL, "%s.symbol: '%s' is not an instrument", path, symbol);
	if (!dec_is_zero(qty) && (!has_entry || dec_sign(entry) <= 0))
		return rk_err_set(err, RK_EINVAL, "%s.entry_price: required (> 0) for an open position",
				  path);
	if (find_position(s, symbol, false))
		return rk_err_set(err, RK_EINVAL, "%s: '%s' listed twice", path, symbol);
	struct position *p = find_position(s, symbol, true);
	if (!p)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	p->qty = qty;
	p->entry = dec_is_zero(qty) ? dec_zero() : entry;
	return RK_OK;
}

/* Reads an enum-valued string through a model parse function. */
#define READ_ENUM(key, parse, none, dst, required)                                           \
	do {                                                                                 \
		char tmp_[40];                                                               \
		if ((rc = get_str(j, key, required, tmp_, sizeof tmp_, path, err)))          \
			return rc;                                                           \
		dst = parse(tmp_);                                                           \
		if (tmp_[0] && dst == none)                                                  \
			return rk_err_set(err, RK_EINVAL, "%s.%s: unknown value '%s'", path, \
					  key, tmp_);                                        \
	} while (0)

static enum rk_rc parse_order(struct sim *s, const cJSON *j, bool history, const char *path,
			      struct rk_err *err)
{
	static const char *const KEYS[] = {
		"order_id", "client_order_id", "symbol", "side", "order_type", "qty", "price",
		"stop_price", "reduce_only", "close_position", "filled_qty", "status", "ts",
		"triggered", NULL};
	struct sim_order o;
	struct order_rec *r = &o.rec;
	char ts[64];
	enum rk_rc rc;

	memset(&o, 0, sizeof o);
	if ((rc = check_object(j, KEYS, path, err)) ||
	    (rc = get_str(j, "order_id", true, r->order_id, sizeof r->order_id, path, err)) ||
	    (rc = get_str(j, "client_order_id", false, r->client_order_id,
			  sizeof r->client_order_id, path, err)) ||
	    (rc = get_str(j, "symbol", true, r->symbol, sizeof r->symbol, path, err)))
		return rc;
	READ_ENUM("side", side_parse, SIDE_NONE, r->side, true);
	READ_ENUM("order_type", order_type_parse, OTYPE_NONE, r->type, true);
	READ_ENUM("status", order_status_parse, OSTATUS_NONE, r->status, history);
	if ((rc = get_dec(j, "qty", true, NULL, &r->qty, path, err)) ||
	    (rc = get_dec(j, "price", false, &r->has_price, &r->price, path, err)) ||
	    (rc = get_dec(j, "stop_price", false, &r->has_stop_price, &r->stop_price, path, err)) ||
	    (rc = get_dec(j, "filled_qty", false, NULL, &r->filled_qty, path, err)) ||
	    (rc = get_bool(j, "reduce_only", false, &r->reduce_only, path, err)) ||
	    (rc = get_bool(j, "close_position", false, &o.close_position, path, err)) ||
	    (rc = get_bool(j, "triggered", false, &o.triggered, path, err)) ||
	    (rc = get_str(j, "ts", false, ts, sizeof ts, path, err)))
		return rc;
	if ((rc = positive(r->qty, path, "qty", err)))
		return rc;
	if (!find_instrument(s, r->symbol))
		return rk_err_set(err, RK_EINVAL, "%s.symbol: '%s' is not an instrument", path,
				  r->symbol);
	if ((r->type == OTYPE_LIMIT || r->type == OTYPE_STOP_LIMIT || r->type == OTYPE_BRACKET) &&
	    (!r->has_price || dec_sign(r->price) <= 0))
		return rk_err_set(err, RK_EINVAL, "%s.price: required for a %s order", path,
				  order_type_name(r->type));
	if (order_type_is_stop(r->type) && r->type != OTYPE_TRAILING_STOP &&
	    (!r->has_stop_price || dec_sign(r->stop_price) <= 0))
		return rk_err_set(err, RK_EINVAL, "%s.stop_price: required for a %s order", path,
				  order_type_name(r->type));
	if (r->type == OTYPE_TAKE_PROFIT && !r->has_stop_price)
		return rk_err_set(err, RK_EINVAL, "%s.stop_price: required for a take_profit order",
				  path);
	if (dec_sign(r->filled_qty) < 0 || dec_cmp(r->filled_qty, r->qty) > 0)
		return rk_err_set(err, RK_EINVAL, "%s.filled_qty: must be between 0 and qty", path);
	if (history) {
		if (!order_status_is_terminal(r->status))
			return rk_err_set(err, RK_EINVAL,
					  "%s.status: order_history holds terminal orders only", path);
	} else {
		if (r->status == OSTATUS_NONE)
			r->status = dec_is_zero(r->filled_qty) ? OSTATUS_OPEN
							       : OSTATUS_PARTIALLY_FILLED;
		if (!order_status_is_open(r->status))
			return rk_err_set(err, RK_EINVAL,
					  "%s.status: open_orders holds open orders only", path);
	}
	if (ts[0]) {
		int64_t us;
		if ((rc = rtime_parse(ts, &us, err)))
			return rk_err_prefix(err, "%s.ts", path);
		rtime_format(us, r->ts);
	} else {
		rtime_format(s->now0_us, r->ts);
	}
	if (find_order(s, r->order_id))
		return rk_err_set(err, RK_EINVAL, "%s.order_id: '%s' listed twice", path, r->order_id);
	if (find_order_by_client(s, r->client_order_id))
		return rk_err_set(err, RK_EINVAL, "%s.client_order_id: '%s' listed twice", path,
				  r->client_order_id);
	if (s->market == MARKET_SPOT && (r->reduce_only || o.close_position))
		return rk_err_set(err, RK_EINVAL, "%s: reduce_only/close_position are futures-only",
				  path);
	r->venue = s->base.kind;
	copy_str(r->account, sizeof r->account, s->account);
	r->has_filled_qty = true;
	if (o.close_position)
		r->reduce_only = true;
	struct sim_order *dst = PUSH(s->orders);
	if (!dst)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	*dst = o;
	return RK_OK;
}

static enum rk_rc parse_fill(struct sim *s, const cJSON *j, const char *path, struct rk_err *err)
{
	static const char *const KEYS[] = {"fill_id", "order_id", "symbol", "side", "qty", "price",
					   "fee", "fee_currency", "liquidity", "ts", NULL};
	struct sim_fill f;
	struct fill_rec *r = &f.rec;
	char ts[64];
	enum rk_rc rc;
	memset(&f, 0, sizeof f);
	if ((rc = check_object(j, KEYS, path, err)) ||
	    (rc = get_str(j, "fill_id", true, r->fill_id, sizeof r->fill_id, path, err)) ||
	    (rc = get_str(j, "order_id", true, r->order_id, sizeof r->order_id, path, err)) ||
	    (rc = get_str(j, "symbol", true, r->symbol, sizeof r->symbol, path, err)) ||
	    (rc = get_str(j, "fee_currency", false, r->fee_currency, sizeof r->fee_currency, path,
			  err)) ||
	    (rc = get_str(j, "ts", false, ts, sizeof ts, path, err)))
		return rc;
	READ_ENUM("side", side_parse, SIDE_NONE, r->side, true);
	READ_ENUM("liquidity", liquidity_parse, LIQ_NONE, r->liquidity, false);
	if ((rc = get_dec(j, "qty", true, NULL, &r->qty, path, err)) ||
	    (rc = get_dec(j, "price", true, NULL, &r->price, path, err)) ||
	    (rc = get_dec(j, "fee", false, NULL, &r->fee, path, err)) ||
	    (rc = positive(r->qty, path, "qty", err)) || (rc = positive(r->price, path, "price", err)))
		return rc;
	if (dec_sign(r->fee) < 0)
		return rk_err_set(err, RK_EINVAL, "%s.fee: must not be negative", path);
	if (ts[0]) {
		int64_t us;
		if ((rc = rtime_parse(ts, &us, err)))
			return rk_err_prefix(err, "%s.ts", path);
		rtime_format(us, r->ts);
	} else {
		rtime_format(s->now0_us, r->ts);
	}
	for (size_t i = 0; i < s->fills.n; i++)
		if (strcmp(s->fills.v[i].rec.fill_id, r->fill_id) == 0)
			return rk_err_set(err, RK_EINVAL, "%s.fill_id: '%s' listed twice", path,
					  r->fill_id);
	r->venue = s->base.kind;
	copy_str(r->account, sizeof r->account, s->account);
	f.seq = ++s->fill_seq;
	struct sim_fill *dst = PUSH(s->fills);
	if (!dst)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	*dst = f;
	return RK_OK;
}

static enum rk_rc parse_prices(struct sim *s, const cJSON *j, const char *path, struct rk_err *err)
{
	if (!cJSON_IsObject(j))
		return rk_err_set(err, RK_EINVAL, "%s: must be an object of symbol -> [prices]", path);
	for (const cJSON *it = j->child; it; it = it->next) {
		char p[SIM_PATH_MAX + MODEL_SYM_MAX];
		snprintf(p, sizeof p, "%s.%s", path, it->string);
		if (!cJSON_IsArray(it) || cJSON_GetArraySize(it) < 1)
			return rk_err_set(err, RK_EINVAL, "%s: must be a non-empty array of prices", p);
		if (strlen(it->string) >= MODEL_SYM_MAX || find_path(s, it->string))
			return rk_err_set(err, RK_EINVAL, "%s: bad or repeated symbol", p);
		struct path *dst = PUSH(s->paths);
		if (!dst)
			return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		memset(dst, 0, sizeof *dst);
		copy_str(dst->symbol, sizeof dst->symbol, it->string);
		size_t n = (size_t)cJSON_GetArraySize(it);
		dst->steps = calloc(n, sizeof *dst->steps);
		if (!dst->steps)
			return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		for (const cJSON *px = it->child; px; px = px->next) {
			struct dec d;
			if (!cJSON_IsString(px) || dec_parse_cstr(px->valuestring, &d) != DEC_OK ||
			    dec_sign(d) <= 0)
				return rk_err_set(err, RK_EINVAL,
						  "%s[%zu]: must be a positive decimal string", p,
						  dst->n);
			dst->steps[dst->n++] = d;
		}
	}
	return RK_OK;
}

static enum rk_rc parse_fault(struct sim *s, const cJSON *j, const char *path, struct rk_err *err)
{
	static const char *const KEYS[] = {"kind", "count", "at_call", "symbol", "order_id",
					   "client_order_id", "part", "page", "reason", "reject",
					   "code", "placed", "cancelled", "note", NULL};
	struct fault f;
	char kind[40], part[32], reject[40];
	long code = 0;
	enum rk_rc rc;
	memset(&f, 0, sizeof f);
	if ((rc = check_object(j, KEYS, path, err)) ||
	    (rc = get_str(j, "kind", true, kind, sizeof kind, path, err)) ||
	    (rc = get_long(j, "count", 1, -1, &f.count, path, err)) ||
	    (rc = get_long(j, "at_call", 0, 0, &f.at_call, path, err)) ||
	    (rc = get_str(j, "symbol", false, f.symbol, sizeof f.symbol, path, err)) ||
	    (rc = get_str(j, "order_id", false, f.order_id, sizeof f.order_id, path, err)) ||
	    (rc = get_str(j, "client_order_id", false, f.client_order_id,
			  sizeof f.client_order_id, path, err)) ||
	    (rc = get_str(j, "part", false, part, sizeof part, path, err)) ||
	    (rc = get_long(j, "page", 1, 0, &f.page, path, err)) ||
	    (rc = get_str(j, "reason", false, f.reason, sizeof f.reason, path, err)) ||
	    (rc = get_str(j, "reject", false, reject, sizeof reject, path, err)) ||
	    (rc = get_long(j, "code", 0, -100000, &code, path, err)))
		return rc;
	f.kind = FAULT_KIND_COUNT;
	for (int k = 0; k < FAULT_KIND_COUNT; k++)
		if (strcmp(kind, FAULT_NAMES[k]) == 0)
			f.kind = (enum fault_kind)k;
	if (f.kind == FAULT_KIND_COUNT)
		return rk_err_set(err, RK_EINVAL, "%s.kind: unknown fault '%s'", path, kind);
	if (f.count == 0)
		return rk_err_set(err, RK_EINVAL, "%s.count: 0 would never fire (use -1 for always)",
				  path);
	f.code = (int)code;
	bool placed = true, cancelled = true;
	if ((rc = get_bool(j, "placed", true, &placed, path, err)) ||
	    (rc = get_bool(j, "cancelled", true, &cancelled, path, err)))
		return rc;
	f.happened = f.kind == FAULT_PLACE_UNKNOWN ? placed : cancelled;
	if (f.kind == FAULT_SNAPSHOT_FAILS) {
		static const int PARTS[] = {PART_ORDERS, PART_POSITIONS, PART_FILLS, PART_PRICES,
					    PART_INSTRUMENTS};
		for (size_t i = 0; i < sizeof PARTS / sizeof PARTS[0]; i++)
			if (strcmp(part, part_name(PARTS[i])) == 0)
				f.part = PARTS[i];
		if (!f.part)
			return rk_err_set(err, RK_EINVAL,
					  "%s.part: want orders, positions, fills, prices or instruments",
					  path);
	}
	f.reject = VREJ_OTHER;
	if (reject[0]) {
		static const enum venue_reject REJ[] = {
			VREJ_OTHER, VREJ_WOULD_TRIGGER, VREJ_INSUFFICIENT_FUNDS, VREJ_UNKNOWN_ORDER,
			VREJ_ALREADY_DONE, VREJ_INVALID};
		f.reject = VREJ_NONE;
		for (size_t i = 0; i < sizeof REJ / sizeof REJ[0]; i++)
			if (strcmp(reject, venue_reject_name(REJ[i])) == 0)
				f.reject = REJ[i];
		if (f.reject == VREJ_NONE)
			return rk_err_set(err, RK_EINVAL, "%s.reject: unknown reject '%s'", path, reject);
	}
	struct fault *dst = PUSH(s->faults);
	if (!dst)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	*dst = f;
	return RK_OK;
}

/* Runs `fn` over every element of an optional array member. */
typedef enum rk_rc (*elem_fn)(struct sim *, const cJSON *, const char *, struct rk_err *);

static enum rk_rc each(struct sim *s, const cJSON *obj, const char *key, const char *path,
		       elem_fn fn, struct rk_err *err)
{
	const cJSON *arr;
	enum rk_rc rc = get_array(obj, key, &arr, path, err);
	size_t i = 0;
	if (rc || !arr)
		return rc;
	for (const cJSON *it = arr->child; it; it = it->next, i++) {
		char p[SIM_PATH_MAX + 64];
		snprintf(p, sizeof p, "%s.%s[%zu]", path, key, i);
		if ((rc = fn(s, it, p, err)))
			return rc;
	}
	return RK_OK;
}

static enum rk_rc parse_open_order(struct sim *s, const cJSON *j, const char *path,
				   struct rk_err *err)
{
	return parse_order(s, j, false, path, err);
}

static enum rk_rc parse_history_order(struct sim *s, const cJSON *j, const char *path,
				      struct rk_err *err)
{
	return parse_order(s, j, true, path, err);
}

/* Spot: open sells must not hold more than the balance (a scenario typo). */
static enum rk_rc check_holds(struct sim *s, const char *path, struct rk_err *err)
{
	for (size_t i = 0; i < s->balances.n; i++) {
		struct dec h = held(s, s->balances.v[i].asset);
		if (dec_cmp(h, s->balances.v[i].qty) > 0) {
			char a[DEC_STR_MAX], b[DEC_STR_MAX];
			return rk_err_set(err, RK_EINVAL,
					  "%s: open orders hold %s %s but the balance is %s", path,
					  dec_format(h, a), s->balances.v[i].asset,
					  dec_format(s->balances.v[i].qty, b));
		}
	}
	return RK_OK;
}

static enum rk_rc parse_venue(struct sim *s, const cJSON *j, const char *path, struct rk_err *err)
{
	static const char *const KEYS[] = {
		"description", "market", "account", "page_size", "fee_rate", "instruments",
		"balances", "positions", "open_orders", "order_history", "fills", "prices",
		"faults", NULL};
	char market[16];
	long page_size;
	enum rk_rc rc;

	if ((rc = check_object(j, KEYS, path, err)) ||
	    (rc = get_str(j, "market", false, market, sizeof market, path, err)) ||
	    (rc = get_str(j, "account", false, s->account, sizeof s->account, path, err)) ||
	    (rc = get_long(j, "page_size", SIM_DEFAULT_PAGE_SIZE, 1, &page_size, path, err)) ||
	    (rc = get_dec(j, "fee_rate", false, NULL, &s->fee_rate, path, err)))
		return rc;
	if (!s->account[0])
		copy_str(s->account, sizeof s->account, "default");
	s->page_size = (size_t)page_size;
	if (dec_sign(s->fee_rate) < 0)
		return rk_err_set(err, RK_EINVAL, "%s.fee_rate: must not be negative", path);
	if (!market[0])
		s->market = s->base.kind == VENUE_BINANCE_USDM ? MARKET_FUTURES : MARKET_SPOT;
	else if (strcmp(market, "spot") == 0)
		s->market = MARKET_SPOT;
	else if (strcmp(market, "futures") == 0)
		s->market = MARKET_FUTURES;
	else
		return rk_err_set(err, RK_EINVAL, "%s.market: want spot or futures", path);

	const cJSON *bal = cJSON_GetObjectItemCaseSensitive(j, "balances");
	const cJSON *pos = cJSON_GetObjectItemCaseSensitive(j, "positions");
	if (s->market == MARKET_SPOT && pos)
		return rk_err_set(err, RK_EINVAL, "%s.positions: a spot venue holds balances", path);
	if (s->market == MARKET_FUTURES && bal)
		return rk_err_set(err, RK_EINVAL, "%s.balances: a futures venue holds positions", path);

	if ((rc = each(s, j, "instruments", path, parse_instrument, err)) ||
	    (rc = each(s, j, "balances", path, parse_balance, err)) ||
	    (rc = each(s, j, "positions", path, parse_position, err)) ||
	    (rc = each(s, j, "open_orders", path, parse_open_order, err)) ||
	    (rc = each(s, j, "order_history", path, parse_history_order, err)) ||
	    (rc = each(s, j, "fills", path, parse_fill, err)) ||
	    (rc = each(s, j, "faults", path, parse_fault, err)))
		return rc;
	const cJSON *prices = cJSON_GetObjectItemCaseSensitive(j, "prices");
	if (prices) {
		char p[SIM_PATH_MAX];
		snprintf(p, sizeof p, "%s.prices", path);
		if ((rc = parse_prices(s, prices, p, err)))
			return rc;
	}
	if (s->market == MARKET_SPOT)
		return check_holds(s, path, err);
	return RK_OK;
}

enum rk_rc sim_venue_create(const char *scenario_json, const char *venue_name,
			    struct venue **out, struct rk_err *err)
{
	static const char *const KEYS[] = {"description", "now", "step_seconds", "journal",
					   "venues", NULL};
	cJSON *root = NULL;
	struct sim *s = NULL;
	enum rk_rc rc = RK_OK;
	char now_text[64], path[SIM_PATH_MAX];
	long step_seconds;

	*out = NULL;
	enum venue_kind kind = venue_parse(venue_name);
	if (kind == VENUE_UNKNOWN)
		return rk_err_set(err, RK_EINVAL, "sim: unknown venue '%s' (want coinbase, "
				  "binance-usdm or sim)", venue_name ? venue_name : "(null)");
	if (!scenario_json)
		return rk_err_set(err, RK_EINVAL, "sim: no scenario text");
	root = cJSON_Parse(scenario_json);
	if (!root) {
		rc = rk_err_set(err, RK_EINVAL, "scenario: not valid JSON");
		goto out;
	}
	if ((rc = check_object(root, KEYS, "scenario", err)) ||
	    (rc = get_str(root, "now", false, now_text, sizeof now_text, "scenario", err)) ||
	    (rc = get_long(root, "step_seconds", 60, 0, &step_seconds, "scenario", err)))
		goto out;
	const cJSON *venues = cJSON_GetObjectItemCaseSensitive(root, "venues");
	if (!cJSON_IsObject(venues)) {
		rc = rk_err_set(err, RK_EINVAL, "scenario.venues: missing or not an object");
		goto out;
	}
	const cJSON *vj = cJSON_GetObjectItemCaseSensitive(venues, venue_name);
	if (!vj) {
		rc = rk_err_set(err, RK_ENOTFOUND, "scenario.venues: no venue '%s'", venue_name);
		goto out;
	}
	s = calloc(1, sizeof *s);
	if (!s) {
		rc = rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		goto out;
	}
	s->base.ops = &SIM_OPS;
	s->base.kind = kind;
	s->base.impl = s;
	copy_str(s->name, sizeof s->name, venue_name);
	s->step_us = (int64_t)step_seconds * 1000000;
	if ((rc = rtime_parse(now_text[0] ? now_text : SIM_DEFAULT_NOW, &s->now0_us, err))) {
		rk_err_prefix(err, "scenario.now");
		goto out;
	}
	snprintf(path, sizeof path, "scenario.venues.%s", venue_name);
	if ((rc = parse_venue(s, vj, path, err)))
		goto out;
	s->base.caps.is_futures = s->market == MARKET_FUTURES;
	s->base.caps.orders_hold_balance = s->market == MARKET_SPOT;
	s->base.caps.has_bracket = s->market == MARKET_SPOT;
	*out = &s->base;
	s = NULL;
out:
	if (s)
		sim_destroy(&s->base);
	cJSON_Delete(root);
	return rc;
}

const char *sim_scenario_text(const char *name)
{
	const struct embedded_file *f =
		name ? embedded_find(EMBEDDED_SCENARIOS, EMBEDDED_SCENARIOS_COUNT, name) : NULL;
	return f ? f->text : NULL;
}

void sim_lines_free(char **lines, size_t n)
{
	if (!lines)
		return;
	for (size_t i = 0; i < n; i++)
		free(lines[i]);
	free(lines);
}

enum rk_rc sim_scenario_journal(const char *scenario_json, char ***lines, size_t *n,
				struct rk_err *err)
{
	cJSON *root = NULL;
	char **out = NULL;
	size_t k = 0, count = 0;
	enum rk_rc rc = RK_OK;

	*lines = NULL;
	*n = 0;
	root = scenario_json ? cJSON_Parse(scenario_json) : NULL;
	if (!root) {
		rc = rk_err_set(err, RK_EINVAL, "scenario: not valid JSON");
		goto out;
	}
	const cJSON *journal;
	if ((rc = get_array(root, "journal", &journal, "scenario", err)) || !journal)
		goto out;
	count = (size_t)cJSON_GetArraySize(journal);
	if (count == 0)
		goto out;
	out = calloc(count, sizeof *out);
	if (!out) {
		rc = rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		goto out;
	}
	for (const cJSON *it = journal->child; it; it = it->next, k++) {
		if (cJSON_IsString(it))
			out[k] = strdup(it->valuestring);
		else if (cJSON_IsObject(it))
			out[k] = cJSON_PrintUnformatted(it);
		else {
			rc = rk_err_set(err, RK_EINVAL,
					"scenario.journal[%zu]: must be an object or a string", k);
			goto out;
		}
		if (!out[k]) {
			rc = rk_err_set(err, RK_ENOMEM, "sim: out of memory");
			goto out;
		}
	}
	*lines = out;
	*n = count;
	out = NULL;
out:
	sim_lines_free(out, count);
	cJSON_Delete(root);
	return rc;
}

/* ---- driving the simulation and looking inside --------------------------- */

bool sim_venue_is_sim(const struct venue *v)
{
	return as_sim(v) != NULL;
}

enum rk_rc sim_venue_advance(struct venue *v, int steps, struct rk_err *err)
{
	struct sim *s = as_sim(v);
	if (!s || steps < 0)
		return rk_err_set(err, RK_EINVAL, "sim: advance needs a sim venue and steps >= 0");
	for (int i = 0; i < steps; i++) {
		s->step++;
		enum rk_rc rc = match_all(s, NULL, err);
		if (rc)
			return rc;
	}
	return RK_OK;
}

enum rk_rc sim_venue_set_price(struct venue *v, const char *symbol, struct dec price,
			       struct rk_err *err)
{
	struct sim *s = as_sim(v);
	if (!s || !symbol || strlen(symbol) >= MODEL_SYM_MAX)
		return rk_err_set(err, RK_EINVAL, "sim: set_price needs a sim venue and a symbol");
	if (dec_sign(price) <= 0)
		return rk_err_set(err, RK_EINVAL, "sim: a price must be greater than zero");
	struct path *p = find_path(s, symbol);
	if (!p) {
		p = PUSH(s->paths);
		if (!p)
			return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		memset(p, 0, sizeof *p);
		copy_str(p->symbol, sizeof p->symbol, symbol);
	}
	if (s->step >= p->n) {
		/* Extend the path up to the current step, holding its last value. */
		struct dec *ns = realloc(p->steps, (s->step + 1) * sizeof *ns);
		if (!ns)
			return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		for (size_t i = p->n; i <= s->step; i++)
			ns[i] = p->n ? ns[p->n - 1] : price;
		p->steps = ns;
		p->n = s->step + 1;
	}
	p->steps[s->step] = price;
	return match_all(s, symbol, err);
}

bool sim_venue_price(const struct venue *v, const char *symbol, struct dec *out)
{
	const struct sim *s = as_sim(v);
	return s && symbol && current_price(s, symbol, out);
}

size_t sim_venue_step(const struct venue *v)
{
	const struct sim *s = as_sim(v);
	return s ? s->step : 0;
}

int64_t sim_venue_now_us(const struct venue *v)
{
	const struct sim *s = as_sim(v);
	return s ? now_us(s) : 0;
}

size_t sim_venue_open_order_count(const struct venue *v)
{
	const struct sim *s = as_sim(v);
	size_t n = 0;
	for (size_t i = 0; s && i < s->orders.n; i++)
		if (order_status_is_open(s->orders.v[i].rec.status))
			n++;
	return n;
}

bool sim_venue_find_order(const struct venue *v, const char *order_id, struct order_rec *out)
{
	const struct sim *s = as_sim(v);
	const struct sim_order *o = s && order_id ? find_order(s, order_id) : NULL;
	if (o && out)
		*out = o->rec;
	return o != NULL;
}

bool sim_venue_find_order_by_client(const struct venue *v, const char *client_order_id,
				    struct order_rec *out)
{
	const struct sim *s = as_sim(v);
	const struct sim_order *o = s ? find_order_by_client(s, client_order_id) : NULL;
	if (o && out)
		*out = o->rec;
	return o != NULL;
}

bool sim_venue_position(const struct venue *v, const char *symbol, struct dec *qty)
{
	struct sim *s = as_sim(v);
	if (!s || !symbol)
		return false;
	*qty = dec_zero();
	if (s->market == MARKET_FUTURES) {
		struct position *p = find_position(s, symbol, false);
		if (p)
			*qty = p->qty;
		return p || find_instrument(s, symbol);
	}
	char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
	if (!find_instrument(s, symbol) || !symbol_split(symbol, base, quote))
		return false;
	struct balance *b = find_balance(s, base, false);
	if (b)
		*qty = b->qty;
	return true;
}

bool sim_venue_balance(const struct venue *v, const char *asset, struct dec *qty)
{
	struct sim *s = as_sim(v);
	if (!s || !asset || s->market != MARKET_SPOT)
		return false;
	struct balance *b = find_balance(s, asset, false);
	*qty = b ? b->qty : dec_zero();
	return true;
}

size_t sim_venue_fill_count(const struct venue *v)
{
	const struct sim *s = as_sim(v);
	return s ? s->fills.n : 0;
}

long sim_venue_calls(const struct venue *v, enum sim_call_kind kind)
{
	const struct sim *s = as_sim(v);
	if (!s || (int)kind < 0 || kind >= SIM_CALL_KIND_COUNT)
		return 0;
	return s->calls[kind];
}

size_t sim_venue_log_count(const struct venue *v)
{
	const struct sim *s = as_sim(v);
	return s ? s->log.n : 0;
}

bool sim_venue_log_entry(const struct venue *v, size_t i, struct sim_call *out)
{
	const struct sim *s = as_sim(v);
	if (!s || i >= s->log.n)
		return false;
	*out = s->log.v[i];
	return true;
}

bool sim_venue_cancel_requested(const struct venue *v, const char *order_id)
{
	const struct sim *s = as_sim(v);
	for (size_t i = 0; s && order_id && i < s->log.n; i++)
		if (s->log.v[i].kind == SIM_CALL_CANCEL &&
		    strcmp(s->log.v[i].order_id, order_id) == 0)
			return true;
	return false;
}

/* Adds a record's canonical JSON (from record.c, freed here) to an array,
 * which then owns the parsed item. */
static bool add_record(cJSON *arr, char *json)
{
	cJSON *item = json ? cJSON_Parse(json) : NULL;
	free(json);
	if (item && cJSON_AddItemToArray(arr, item))
		return true;
	cJSON_Delete(item);
	return false;
}

static bool add_dec(cJSON *o, const char *key, struct dec d)
{
	char buf[DEC_STR_MAX];
	return cJSON_AddStringToObject(o, key, dec_format(d, buf)) != NULL;
}

char *sim_venue_dump(const struct venue *v)
{
	const struct sim *s = as_sim(v);
	cJSON *root = NULL, *arr, *o;
	char *text = NULL, ts[RTIME_STR_MAX];
	bool ok;
	if (!s)
		return NULL;
	root = cJSON_CreateObject();
	ok = root && cJSON_AddStringToObject(root, "venue", s->name) &&
	     cJSON_AddNumberToObject(root, "step", (double)s->step) &&
	     cJSON_AddStringToObject(root, "now", rtime_format(now_us(s), ts));
	if (ok && (ok = (arr = cJSON_AddArrayToObject(root, "orders")) != NULL))
		for (size_t i = 0; ok && i < s->orders.n; i++)
			ok = add_record(arr, record_order_json(&s->orders.v[i].rec));
	if (ok && (ok = (arr = cJSON_AddArrayToObject(root, "fills")) != NULL))
		for (size_t i = 0; ok && i < s->fills.n; i++)
			ok = add_record(arr, record_fill_json(&s->fills.v[i].rec));
	if (ok && (ok = (arr = cJSON_AddArrayToObject(root, "positions")) != NULL))
		for (size_t i = 0; ok && i < s->positions.n; i++) {
			ok = (o = cJSON_CreateObject()) && cJSON_AddItemToArray(arr, o) &&
			     cJSON_AddStringToObject(o, "symbol", s->positions.v[i].symbol) &&
			     add_dec(o, "qty", s->positions.v[i].qty) &&
			     add_dec(o, "entry_price", s->positions.v[i].entry);
		}
	if (ok && (ok = (arr = cJSON_AddArrayToObject(root, "balances")) != NULL))
		for (size_t i = 0; ok && i < s->balances.n; i++) {
			ok = (o = cJSON_CreateObject()) && cJSON_AddItemToArray(arr, o) &&
			     cJSON_AddStringToObject(o, "asset", s->balances.v[i].asset) &&
			     add_dec(o, "qty", s->balances.v[i].qty);
		}
	if (ok)
		text = cJSON_Print(root);
	cJSON_Delete(root);
	return text;
}
