/*
 * engine.c — the simulated venue's matching engine: its state and lookups,
 * how an execution moves balances and positions, and how open orders match
 * as the price paths move (contract in sim.h; the files of sim/ are listed
 * in sim_internal.h).
 *
 * Amounts are exact decimals throughout; the only rounding is half-even at
 * 18 decimals in products (notional, fees) and the futures entry-price
 * average.
 */
#include "sim_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rtime.h"

struct sim *sim_of(const struct venue *v)
{
	return v && v->ops == &SIM_OPS ? (struct sim *)v->impl : NULL;
}

void sim_copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

/* ---- lookups ------------------------------------------------------------- */

static const char *instrument_key(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct sim *)ctx)->instruments.v[i].symbol;
}

static const char *position_key(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct sim *)ctx)->positions.v[i].symbol;
}

static const char *path_key(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct sim *)ctx)->paths.v[i].symbol;
}

static const char *order_key(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct sim *)ctx)->orders.v[i].rec.order_id;
}

static const char *order_cid_key(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct sim *)ctx)->orders.v[i].rec.client_order_id;
}

static const char *fill_key(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct sim *)ctx)->fills.v[i].rec.fill_id;
}

void sim_index_init(struct sim *s)
{
	rk_index_init(&s->ix_instrument, 1, instrument_key, s);
	rk_index_init(&s->ix_position, 1, position_key, s);
	rk_index_init(&s->ix_path, 1, path_key, s);
	rk_index_init(&s->ix_order, 1, order_key, s);
	rk_index_init(&s->ix_order_cid, 1, order_cid_key, s);
	rk_index_init(&s->ix_fill, 1, fill_key, s);
}

enum rk_rc sim_indexed(struct sim *s, const void *array, struct rk_err *err)
{
	bool ok = true;
	if (array == &s->instruments)
		ok = rk_index_add(&s->ix_instrument, s->instruments.n - 1);
	else if (array == &s->positions)
		ok = rk_index_add(&s->ix_position, s->positions.n - 1);
	else if (array == &s->paths)
		ok = rk_index_add(&s->ix_path, s->paths.n - 1);
	else if (array == &s->fills)
		ok = rk_index_add(&s->ix_fill, s->fills.n - 1);
	else if (array == &s->orders)
		ok = rk_index_add(&s->ix_order, s->orders.n - 1) &&
		     (!s->orders.v[s->orders.n - 1].rec.client_order_id[0] ||
		      rk_index_add(&s->ix_order_cid, s->orders.n - 1));
	return ok ? RK_OK : rk_err_set(err, RK_ENOMEM, "sim: out of memory");
}

void sim_index_free(struct sim *s)
{
	rk_index_free(&s->ix_instrument);
	rk_index_free(&s->ix_position);
	rk_index_free(&s->ix_path);
	rk_index_free(&s->ix_order);
	rk_index_free(&s->ix_order_cid);
	rk_index_free(&s->ix_fill);
}

const struct instrument *sim_find_instrument(const struct sim *s, const char *symbol)
{
	size_t i = rk_index_first(&s->ix_instrument, symbol, NULL);
	return i == RK_INDEX_NONE ? NULL : &s->instruments.v[i];
}

struct balance *sim_find_balance(struct sim *s, const char *asset, bool create)
{
	for (size_t i = 0; i < s->balances.n; i++)
		if (strcmp(s->balances.v[i].asset, asset) == 0)
			return &s->balances.v[i];
	if (!create)
		return NULL;
	struct balance *b = rk_array_push(&s->balances);
	if (b) {
		sim_copy_str(b->asset, sizeof b->asset, asset);
		b->qty = dec_zero();
	}
	return b;
}

struct position *sim_find_position(struct sim *s, const char *symbol, bool create)
{
	size_t i = rk_index_first(&s->ix_position, symbol, NULL);
	struct rk_err err = {0};
	if (i != RK_INDEX_NONE)
		return &s->positions.v[i];
	if (!create)
		return NULL;
	struct position *p = rk_array_push(&s->positions);
	if (p) {
		memset(p, 0, sizeof *p);
		sim_copy_str(p->symbol, sizeof p->symbol, symbol);
		if (sim_indexed(s, &s->positions, &err)) {
			s->positions.n--; /* not there: as if the push had failed */
			return NULL;
		}
	}
	return p;
}

struct path *sim_find_path(const struct sim *s, const char *symbol)
{
	size_t i = rk_index_first(&s->ix_path, symbol, NULL);
	return i == RK_INDEX_NONE ? NULL : &s->paths.v[i];
}

bool sim_current_price(const struct sim *s, const char *symbol, struct dec *out)
{
	const struct path *p = sim_find_path(s, symbol);
	if (!p || p->n == 0)
		return false;
	*out = p->steps[s->step < p->n ? s->step : p->n - 1];
	return true;
}

struct sim_order *sim_find_order(const struct sim *s, const char *order_id)
{
	size_t i = rk_index_first(&s->ix_order, order_id, NULL);
	return i == RK_INDEX_NONE ? NULL : &s->orders.v[i];
}

struct sim_order *sim_find_order_by_client(const struct sim *s, const char *cid)
{
	if (!cid || !cid[0])
		return NULL;
	size_t i = rk_index_first(&s->ix_order_cid, cid, NULL);
	return i == RK_INDEX_NONE ? NULL : &s->orders.v[i];
}

int64_t sim_now_us(const struct sim *s)
{
	return s->now0_us + (int64_t)s->step * s->step_us;
}

struct dec sim_remaining(const struct order_rec *o)
{
	struct dec r = o->qty;
	dec_sub(o->qty, o->filled_qty, &r);
	return r;
}

/* ---- fills, balances, positions ----------------------------------------- */

bool sim_is_binance(const struct sim *s)
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

	struct sim_fill *f = rk_array_push(&s->fills);
	if (!f)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	memset(f, 0, sizeof *f);
	f->seq = ++s->fill_seq;
	rtime_format(sim_now_us(s), f->rec.ts);
	f->rec.venue = s->base.kind;
	sim_copy_str(f->rec.account, sizeof f->rec.account, s->account);
	sim_copy_str(f->rec.symbol, sizeof f->rec.symbol, r->symbol);
	snprintf(f->rec.fill_id, sizeof f->rec.fill_id, "sim-%s-fill-%" PRIu64, s->name,
		 ++s->next_fill_no);
	sim_copy_str(f->rec.order_id, sizeof f->rec.order_id, r->order_id);
	enum rk_rc rc_ix = sim_indexed(s, &s->fills, err);
	if (rc_ix) {
		s->fills.n--;
		return rc_ix;
	}
	f->rec.side = r->side;
	f->rec.qty = qty;
	f->rec.price = price;
	f->rec.fee = fee;
	sim_copy_str(f->rec.fee_currency, sizeof f->rec.fee_currency, quote);
	f->rec.liquidity = liq;

	dec_add(r->filled_qty, qty, &t);
	r->filled_qty = t;
	r->has_filled_qty = true;
	r->status = dec_cmp(r->filled_qty, r->qty) >= 0 ? OSTATUS_FILLED : OSTATUS_PARTIALLY_FILLED;

	if (s->market == MARKET_SPOT) {
		struct balance *b = sim_find_balance(s, base, true), *q = sim_find_balance(s, quote, true);
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

	struct position *p = sim_find_position(s, r->symbol, true);
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
bool sim_faces_position(struct sim *s, const char *symbol, enum side side)
{
	struct position *p = sim_find_position(s, symbol, false);
	return p && !dec_is_zero(p->qty) && (side == SIDE_SELL) == (dec_sign(p->qty) > 0);
}

/*
 * How much of `o` may execute now. Futures reduce-only orders are capped by
 * the opposing position (close_position takes all of it); spot sells by the
 * base balance. Zero means the order can no longer execute.
 */
static struct dec executable_qty(struct sim *s, const struct sim_order *o)
{
	struct dec rem = sim_remaining(&o->rec);
	if (s->market == MARKET_FUTURES) {
		if (!o->rec.reduce_only && !o->close_position)
			return rem;
		if (!sim_faces_position(s, o->rec.symbol, o->rec.side))
			return dec_zero();
		struct position *p = sim_find_position(s, o->rec.symbol, false);
		return o->close_position ? dec_abs(p->qty) : dec_min(rem, dec_abs(p->qty));
	}
	if (o->rec.side == SIDE_SELL) {
		char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
		if (!symbol_split(o->rec.symbol, base, quote))
			return dec_zero();
		struct balance *b = sim_find_balance(s, base, false);
		return b ? dec_max(dec_zero(), dec_min(rem, b->qty)) : dec_zero();
	}
	return rem;
}

/* Executes `o` at `price` as far as it can; an order that cannot execute
 * (nothing left to reduce) expires. */
enum rk_rc sim_execute(struct sim *s, struct sim_order *o, struct dec price, enum liquidity liq,
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
bool sim_limit_crosses(enum side side, struct dec limit, struct dec last)
{
	return side == SIDE_SELL ? at_or_above(last, limit) : at_or_below(last, limit);
}

/* Has the price reached a stop-loss trigger (sell: at or below)? */
bool sim_stop_reached(enum side side, struct dec stop, struct dec last)
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
		if (sim_limit_crosses(r->side, r->price, last))
			return sim_execute(s, o, r->price, LIQ_MAKER, err);
		return RK_OK;
	case OTYPE_STOP_LIMIT:
		if (!o->triggered) {
			if (!sim_stop_reached(r->side, r->stop_price, last))
				return RK_OK;
			o->triggered = true;
			/* Just became a limit order: marketable ones take the price. */
			if (sim_limit_crosses(r->side, r->price, last))
				return sim_execute(s, o, last, LIQ_TAKER, err);
			return RK_OK;
		}
		if (sim_limit_crosses(r->side, r->price, last))
			return sim_execute(s, o, r->price, LIQ_MAKER, err);
		return RK_OK;
	case OTYPE_STOP_MARKET:
		if (sim_stop_reached(r->side, r->stop_price, last))
			return sim_execute(s, o, last, LIQ_TAKER, err);
		return RK_OK;
	case OTYPE_TAKE_PROFIT:
		if (sim_limit_crosses(r->side, r->stop_price, last))
			return sim_execute(s, o, last, LIQ_TAKER, err);
		return RK_OK;
	case OTYPE_BRACKET:
		/* One order, two legs: whichever fires completes it (OCO). */
		if (sim_limit_crosses(r->side, r->price, last))
			return sim_execute(s, o, r->price, LIQ_MAKER, err);
		if (sim_stop_reached(r->side, r->stop_price, last))
			return sim_execute(s, o, last, LIQ_TAKER, err);
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
		if (!sim_current_price(s, o->rec.symbol, &last))
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
struct dec sim_held(const struct sim *s, const char *asset)
{
	struct dec total = dec_zero();
	for (size_t i = 0; i < s->orders.n; i++) {
		const struct sim_order *o = &s->orders.v[i];
		char base[MODEL_SYM_MAX], quote[MODEL_SYM_MAX];
		if (!order_status_is_open(o->rec.status) ||
		    !symbol_split(o->rec.symbol, base, quote))
			continue;
		struct dec rem = sim_remaining(&o->rec), amt = dec_zero(), t;
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

struct dec sim_free_balance(struct sim *s, const char *asset)
{
	struct balance *b = sim_find_balance(s, asset, false);
	struct dec bal = b ? b->qty : dec_zero(), out = dec_zero();
	dec_sub(bal, sim_held(s, asset), &out);
	return out;
}

/* ---- driving the simulation ---------------------------------------------- */

bool sim_venue_is_sim(const struct venue *v)
{
	return sim_of(v) != NULL;
}

enum rk_rc sim_venue_advance(struct venue *v, int steps, struct rk_err *err)
{
	struct sim *s = sim_of(v);
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
	struct sim *s = sim_of(v);
	if (!s || !symbol || strlen(symbol) >= MODEL_SYM_MAX)
		return rk_err_set(err, RK_EINVAL, "sim: set_price needs a sim venue and a symbol");
	if (dec_sign(price) <= 0)
		return rk_err_set(err, RK_EINVAL, "sim: a price must be greater than zero");
	struct path *p = sim_find_path(s, symbol);
	if (!p) {
		p = rk_array_push(&s->paths);
		if (!p)
			return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
		memset(p, 0, sizeof *p);
		sim_copy_str(p->symbol, sizeof p->symbol, symbol);
		enum rk_rc rc_ix = sim_indexed(s, &s->paths, err);
		if (rc_ix) {
			s->paths.n--;
			return rc_ix;
		}
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
