/* fifo.c — the lot engine's pure core (see fifo.h for the model, the signs
 * and every rounding). */
#include "fifo.h"

#include <stdlib.h>
#include <string.h>

#include "rk_array.h"

void fifo_params_init(struct fifo_params *out, enum venue_kind venue, const char *symbol,
		      enum fifo_policy policy)
{
	memset(out, 0, sizeof *out);
	out->market = venue == VENUE_BINANCE_USDM ? FIFO_FUTURES : FIFO_SPOT;
	out->policy = policy;
	if (!symbol_split(symbol, out->base, out->quote))
		out->base[0] = out->quote[0] = '\0';
}

const char *fifo_dir_name(enum fifo_dir d) { return d == FIFO_SHORT ? "short" : "long"; }

int fifo_dir_parse(const char *s)
{
	if (s && strcmp(s, "long") == 0)
		return FIFO_LONG;
	if (s && strcmp(s, "short") == 0)
		return FIFO_SHORT;
	return 0;
}

void fifo_step_free(struct fifo_step *step)
{
	if (!step)
		return;
	free(step->allocs);
	memset(step, 0, sizeof *step);
}

/* d when dir is long, -d when short. Always in range (the range is symmetric). */
static struct dec signed_by(enum fifo_dir dir, struct dec d)
{
	return dir == FIFO_SHORT ? dec_neg(d) : d;
}

static enum rk_rc overflow(struct rk_err *err, const struct fifo_fill *f, const char *what)
{
	return rk_err_set(err, RK_EOVERFLOW, "fill %s: %s does not fit in a decimal", f->fill_id,
			  what);
}

/* ---- planning ----------------------------------------------------------- */

/* Which currency f's fee is in: 'q'uote, 'b'ase, 'o'ther, or 0 for no fee. */
static char fee_kind(const struct fifo_params *p, const struct fifo_fill *f)
{
	const char *fc = f->fee_currency ? f->fee_currency : "";
	if (dec_is_zero(f->fee))
		return 0;
	if (p->quote[0] && strcmp(fc, p->quote) == 0)
		return 'q';
	if (p->base[0] && strcmp(fc, p->base) == 0)
		return 'b';
	return 'o';
}

bool fifo_fee_is_other(const struct fifo_params *p, const struct fifo_fill *f)
{
	return fee_kind(p, f) == 'o';
}

/* Splits x between a part of `part` units out of `whole` (rounded, see
 * fifo.h rounding 2) and the exact rest. */
static enum dec_status split(struct dec x, struct dec part, struct dec whole, struct dec *first,
			     struct dec *rest)
{
	enum dec_status st;
	if (dec_eq(part, whole)) {
		*first = x, *rest = dec_zero();
		return DEC_OK;
	}
	if (dec_is_zero(part)) {
		*first = dec_zero(), *rest = x;
		return DEC_OK;
	}
	if ((st = dec_muldiv(x, part, whole, DEC_ROUND_HALF_EVEN, first)))
		return st;
	return dec_sub(x, *first, rest);
}

enum rk_rc fifo_plan(const struct fifo_params *p, const struct fifo_fill *f,
		     const struct fifo_position *pos, struct fifo_plan *out, struct rk_err *err)
{
	struct dec base_fee = dec_zero();
	char kind = fee_kind(p, f);

	memset(out, 0, sizeof *out);
	if (f->side != SIDE_BUY && f->side != SIDE_SELL)
		return rk_err_set(err, RK_EINVAL, "fill %s: side is neither buy nor sell", f->fill_id);
	if (dec_sign(f->qty) <= 0 || dec_sign(f->price) <= 0 || dec_sign(f->fee) < 0)
		return rk_err_set(err, RK_EINVAL, "fill %s: qty and price must be > 0, fee >= 0",
				  f->fill_id);
	out->dir = f->side == SIDE_BUY ? FIFO_LONG : FIFO_SHORT;
	out->quote_fee = dec_zero();
	if (kind == 'q')
		out->quote_fee = f->fee;
	else if (kind == 'b')
		base_fee = f->fee;
	out->other_fee = kind == 'o';
	/* A base-asset fee changes what actually moved (as positions do). */
	if ((out->dir == FIFO_LONG ? dec_sub(f->qty, base_fee, &out->eff)
				   : dec_add(f->qty, base_fee, &out->eff)) != DEC_OK)
		return overflow(err, f, "qty plus base-asset fee");
	if (dec_sign(out->eff) <= 0)
		return rk_err_set(err, RK_EINVAL, "fill %s: base-asset fee is not less than qty",
				  f->fill_id);
	if (dec_mul(f->qty, f->price, DEC_ROUND_HALF_EVEN, &out->notional) != DEC_OK)
		return overflow(err, f, "qty x price");

	int s = dec_sign(pos->qty);
	if (p->market == FIFO_SPOT && s < 0)
		return rk_err_set(err, RK_ECORRUPT, "fill %s: a spot position cannot be short",
				  f->fill_id);
	out->open_before = dec_abs(pos->qty);
	if (p->market == FIFO_SPOT)
		out->close_qty = out->dir == FIFO_SHORT ? out->eff : dec_zero();
	else
		out->close_qty = s == -(int)out->dir ? dec_min(out->eff, out->open_before) : dec_zero();
	if (dec_sub(out->eff, out->close_qty, &out->open_qty) != DEC_OK ||
	    split(out->notional, out->close_qty, out->eff, &out->close_notional,
		  &out->open_notional) != DEC_OK ||
	    split(out->quote_fee, out->close_qty, out->eff, &out->close_fee, &out->open_fee) !=
		    DEC_OK)
		return overflow(err, f, "the close/open split");
	return RK_OK;
}

/* ---- execution ---------------------------------------------------------- */

static struct fifo_alloc *push_alloc(struct fifo_step *step)
{
	if (!rk_array_reserve(&step->allocs, &step->cap_allocs, step->n_allocs + 1,
			      sizeof *step->allocs))
		return NULL;
	struct fifo_alloc *a = &step->allocs[step->n_allocs++];
	memset(a, 0, sizeof *a);
	return a;
}

/* Spreads the closing part's proceeds and fees over its allocations by
 * quantity; the last allocation takes the exact remainder (rounding 4). */
static enum dec_status spread(struct fifo_step *step, struct dec proceeds, struct dec fees,
			      struct dec qty)
{
	struct dec left_p = proceeds, left_f = fees;
	enum dec_status st = DEC_OK;
	for (size_t i = 0; i < step->n_allocs && !st; i++) {
		struct fifo_alloc *a = &step->allocs[i];
		if (i + 1 == step->n_allocs) {
			a->proceeds = left_p, a->fees = left_f;
		} else if (!(st = dec_muldiv(proceeds, a->qty, qty, DEC_ROUND_HALF_EVEN, &a->proceeds)) &&
			   !(st = dec_muldiv(fees, a->qty, qty, DEC_ROUND_HALF_EVEN, &a->fees)) &&
			   !(st = dec_sub(left_p, a->proceeds, &left_p))) {
			st = dec_sub(left_f, a->fees, &left_f);
		}
		if (!st && a->matched) {
			struct dec net;
			if (!(st = dec_sub(a->proceeds, a->fees, &net)))
				st = dec_sub(net, a->cost_basis, &a->realized_pnl);
		}
	}
	return st;
}

/* Allocates the closing part against lots[0..n). */
static enum rk_rc execute_close(const struct fifo_params *p, const struct fifo_plan *plan,
				const struct fifo_fill *f, struct fifo_lot *const *lots, size_t n,
				struct fifo_position *pos, struct fifo_step *step,
				struct rk_err *err)
{
	enum fifo_dir cdir = plan->dir == FIFO_LONG ? FIFO_SHORT : FIFO_LONG;
	struct dec rem = plan->close_qty, cost_sum = dec_zero(), matched, moved;
	struct fifo_close *c = &step->close;

	for (size_t i = 0; i < n && dec_sign(rem) > 0; i++) {
		struct fifo_lot *lot = lots[i];
		if (lot->dir != cdir || dec_sign(lot->qty_remaining) <= 0)
			return rk_err_set(err, RK_ECORRUPT,
					  "fill %s: lot %lld handed to the allocator is not open on the %s side",
					  f->fill_id, (long long)lot->lot_id, fifo_dir_name(cdir));
		struct fifo_alloc *a = push_alloc(step);
		if (!a)
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		struct dec q = dec_min(rem, lot->qty_remaining), cost;
		/* Rounding 3: pro rata, the emptying allocation takes the exact rest. */
		if (dec_eq(q, lot->qty_remaining))
			cost = lot->cost_remaining;
		else if (dec_muldiv(lot->cost_remaining, q, lot->qty_remaining, DEC_ROUND_HALF_EVEN,
				    &cost) != DEC_OK)
			return overflow(err, f, "a lot's cost share");
		if (dec_sub(lot->qty_remaining, q, &lot->qty_remaining) ||
		    dec_sub(lot->cost_remaining, cost, &lot->cost_remaining) ||
		    dec_sub(rem, q, &rem) || dec_add(cost_sum, cost, &cost_sum) ||
		    dec_sub(pos->cost, cost, &pos->cost))
			return overflow(err, f, "a lot's remaining");
		if (dec_is_zero(lot->qty_remaining))
			pos->open_lots--;
		*a = (struct fifo_alloc){.close_seq = f->seq, .part = (int)step->n_allocs - 1,
					 .matched = true, .lot_id = lot->lot_id, .qty = q,
					 .cost_basis = cost, .lot_qty_after = lot->qty_remaining,
					 .lot_cost_after = lot->cost_remaining};
	}
	if (dec_sub(plan->close_qty, rem, &matched) != DEC_OK)
		return overflow(err, f, "matched quantity");
	if (!dec_eq(matched, dec_min(plan->close_qty, plan->open_before)) ||
	    (p->market == FIFO_FUTURES && dec_sign(rem) > 0))
		return rk_err_set(err, RK_ECORRUPT,
				  "fill %s: the open lots handed to the allocator do not cover the position",
				  f->fill_id);
	if (dec_sign(rem) > 0) {
		/* Spot: sold more than reckon saw bought. Unknown cost, never zero. */
		struct fifo_alloc *a = push_alloc(step);
		if (!a)
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		a->close_seq = f->seq;
		a->part = (int)step->n_allocs - 1;
		a->qty = rem;
	}
	moved = signed_by(cdir, matched);
	if (dec_sub(pos->qty, moved, &pos->qty) != DEC_OK)
		return overflow(err, f, "the position");

	*c = (struct fifo_close){.seq = f->seq, .dir = cdir, .qty = plan->close_qty,
				 .proceeds = signed_by(cdir, plan->close_notional),
				 .fees = plan->close_fee, .unmatched_qty = rem,
				 .has_cost = dec_is_zero(rem), .cost_basis = cost_sum};
	struct dec net;
	if (spread(step, c->proceeds, c->fees, c->qty) != DEC_OK ||
	    dec_sub(c->proceeds, c->fees, &net) != DEC_OK ||
	    dec_sub(net, c->cost_basis, &c->realized_pnl) != DEC_OK)
		return overflow(err, f, "realized P&L");
	if (!c->has_cost)
		c->cost_basis = c->realized_pnl = dec_zero(); /* unknown, not zero: has_cost */
	step->has_close = true;
	return RK_OK;
}

enum rk_rc fifo_execute(const struct fifo_params *p, const struct fifo_plan *plan,
			const struct fifo_fill *f, struct fifo_lot *const *lots, size_t n,
			struct fifo_position *pos, struct fifo_step *step, struct rk_err *err)
{
	enum rk_rc rc;
	step->plan = *plan;
	step->has_close = step->has_open = false;
	step->n_allocs = 0;
	memset(&step->close, 0, sizeof step->close);
	memset(&step->open, 0, sizeof step->open);
	if (dec_sign(plan->close_qty) > 0 &&
	    (rc = execute_close(p, plan, f, lots, n, pos, step, err)))
		return rc;
	if (dec_sign(plan->open_qty) > 0) {
		struct fifo_lot *lot = &step->open;
		lot->lot_id = f->seq;
		lot->dir = plan->dir;
		lot->qty = lot->qty_remaining = plan->open_qty;
		if (dec_add(signed_by(plan->dir, plan->open_notional), plan->open_fee, &lot->cost) ||
		    dec_add(pos->qty, signed_by(plan->dir, plan->open_qty), &pos->qty) ||
		    dec_add(pos->cost, lot->cost, &pos->cost))
			return overflow(err, f, "the new lot");
		lot->cost_remaining = lot->cost;
		pos->open_lots++;
		step->has_open = true;
	}
	return RK_OK;
}

bool fifo_lot_unit_cost(const struct fifo_lot *lot, struct dec *out)
{
	if (dec_sign(lot->qty_remaining) <= 0)
		return false;
	return dec_div(lot->cost_remaining, signed_by(lot->dir, lot->qty_remaining),
		       DEC_ROUND_HALF_EVEN, out) == DEC_OK;
}

bool fifo_position_avg_entry(const struct fifo_position *pos, struct dec *out)
{
	if (dec_is_zero(pos->qty))
		return false;
	return dec_div(pos->cost, pos->qty, DEC_ROUND_HALF_EVEN, out) == DEC_OK;
}

/* ---- the in-memory book (fifo_allocate) ---------------------------------- */

/* Open lots in opening order: lots[head..n). */
struct book {
	const struct fifo_params *p;
	struct fifo_lot *lots;
	size_t head, n, cap;
	struct fifo_lot **cand; /* scratch: lots in policy order */
	size_t cand_cap;
	struct fifo_position pos;
};

static void book_free(struct book *b)
{
	free(b->lots);
	free(b->cand);
}

/* HIFO: highest signed unit cost first; ties in opening order. */
static int cmp_hifo(const void *pa, const void *pb)
{
	const struct fifo_lot *a = *(struct fifo_lot *const *)pa, *b = *(struct fifo_lot *const *)pb;
	struct dec ua, ub;
	bool ha = dec_div(a->cost_remaining, a->qty_remaining, DEC_ROUND_HALF_EVEN, &ua) == DEC_OK;
	bool hb = dec_div(b->cost_remaining, b->qty_remaining, DEC_ROUND_HALF_EVEN, &ub) == DEC_OK;
	int c = ha && hb ? -dec_cmp(ua, ub) : (int)hb - (int)ha;
	return c ? c : (a < b ? -1 : a > b); /* same array: address is opening order */
}

static enum rk_rc book_candidates(struct book *b, struct dec need, size_t *n, struct rk_err *err)
{
	size_t open = b->n - b->head, k = 0;
	struct dec have = dec_zero();
	*n = 0;
	if (dec_sign(need) <= 0)
		return RK_OK;
	if (!rk_array_reserve(&b->cand, &b->cand_cap, open, sizeof *b->cand))
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	if (b->p->policy == FIFO_POLICY_HIFO) {
		for (size_t i = 0; i < open; i++)
			b->cand[i] = &b->lots[b->head + i];
		qsort(b->cand, open, sizeof *b->cand, cmp_hifo);
		*n = open;
		return RK_OK;
	}
	for (; k < open && dec_cmp(have, need) < 0; k++) {
		size_t i = b->p->policy == FIFO_POLICY_LIFO ? b->n - 1 - k : b->head + k;
		b->cand[k] = &b->lots[i];
		if (dec_add(have, b->lots[i].qty_remaining, &have) != DEC_OK)
			return rk_err_set(err, RK_EOVERFLOW, "open lots overflow");
	}
	*n = k;
	return RK_OK;
}

/* Drops emptied lots, keeping opening order. */
static void book_compact(struct book *b)
{
	while (b->head < b->n && dec_is_zero(b->lots[b->head].qty_remaining))
		b->head++;
	while (b->n > b->head && dec_is_zero(b->lots[b->n - 1].qty_remaining))
		b->n--;
	if (b->p->policy == FIFO_POLICY_HIFO) {
		size_t w = b->head;
		for (size_t r = b->head; r < b->n; r++)
			if (!dec_is_zero(b->lots[r].qty_remaining))
				b->lots[w++] = b->lots[r];
		b->n = w;
	}
}

static enum rk_rc book_push(struct book *b, const struct fifo_lot *lot, struct rk_err *err)
{
	if (b->n == b->cap && b->head > 0) {
		memmove(b->lots, b->lots + b->head, (b->n - b->head) * sizeof *b->lots);
		b->n -= b->head;
		b->head = 0;
	}
	if (!rk_array_reserve(&b->lots, &b->cap, b->n + 1, sizeof *b->lots))
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	b->lots[b->n++] = *lot;
	return RK_OK;
}

static enum rk_rc book_apply(struct book *b, const struct fifo_fill *f, struct fifo_step *step,
			     struct rk_err *err)
{
	struct fifo_plan plan;
	size_t n = 0;
	enum rk_rc rc = fifo_plan(b->p, f, &b->pos, &plan, err);
	if (rc || (rc = book_candidates(b, dec_min(plan.close_qty, plan.open_before), &n, err)) ||
	    (rc = fifo_execute(b->p, &plan, f, b->cand, n, &b->pos, step, err)))
		return rc;
	book_compact(b);
	return step->has_open ? book_push(b, &step->open, err) : RK_OK;
}

/* ---- fifo_allocate -------------------------------------------------------- */

static int cmp_fill_order(const void *pa, const void *pb)
{
	const struct fifo_fill *a = *(const struct fifo_fill *const *)pa;
	const struct fifo_fill *b = *(const struct fifo_fill *const *)pb;
	int c = strcmp(a->ts, b->ts);
	return c ? c : (a->seq > b->seq) - (a->seq < b->seq);
}

enum rk_rc fifo_allocate(const struct fifo_params *p, const struct fifo_fill *fills, size_t n,
			 struct fifo_result *out, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	const struct fifo_fill **ord = NULL;
	struct book b = {.p = p};
	struct fifo_step step = {0};
	size_t cap_lots = 0, cap_closes = 0, cap_allocs = 0, cap_other = 0;

	memset(out, 0, sizeof *out);
	if (n && !(ord = malloc(n * sizeof *ord))) {
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		ord[i] = &fills[i];
	if (n)
		qsort(ord, n, sizeof *ord, cmp_fill_order);
	for (size_t i = 0; i < n; i++) {
		if ((rc = book_apply(&b, ord[i], &step, err)))
			goto out;
		if (step.plan.other_fee) {
			if (!rk_array_reserve(&out->other_fee_seqs, &cap_other, out->n_other_fees + 1,
					      sizeof *out->other_fee_seqs))
				goto nomem;
			out->other_fee_seqs[out->n_other_fees++] = ord[i]->seq;
		}
		if (step.has_close) {
			if (!rk_array_reserve(&out->closes, &cap_closes, out->n_closes + 1,
					      sizeof *out->closes) ||
			    !rk_array_reserve(&out->allocs, &cap_allocs, out->n_allocs + step.n_allocs,
					      sizeof *out->allocs))
				goto nomem;
			out->closes[out->n_closes++] = step.close;
			memcpy(out->allocs + out->n_allocs, step.allocs,
			       step.n_allocs * sizeof *step.allocs);
			out->n_allocs += step.n_allocs;
		}
		if (step.has_open) {
			if (!rk_array_reserve(&out->lots, &cap_lots, out->n_lots + 1, sizeof *out->lots))
				goto nomem;
			out->lots[out->n_lots++] = step.open;
		}
	}
	/* Final state: the book's open lots are a subsequence of out->lots (both
	 * in opening order); every other lot was emptied. */
	for (size_t i = 0, k = b.head; i < out->n_lots; i++) {
		struct fifo_lot *l = &out->lots[i];
		if (k < b.n && b.lots[k].lot_id == l->lot_id) {
			*l = b.lots[k++];
		} else {
			l->qty_remaining = l->cost_remaining = dec_zero();
		}
	}
	out->position = b.pos;
	goto out;
nomem:
	rc = rk_err_set(err, RK_ENOMEM, "out of memory");
out:
	if (rc)
		fifo_result_free(out);
	fifo_step_free(&step);
	book_free(&b);
	free(ord);
	return rc;
}

void fifo_result_free(struct fifo_result *r)
{
	if (!r)
		return;
	free(r->lots);
	free(r->closes);
	free(r->allocs);
	free(r->other_fee_seqs);
	memset(r, 0, sizeof *r);
}
