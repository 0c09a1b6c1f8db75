/*
 * reconcile_protect.c — phase 4 of a reconciliation pass: protection for
 * each exchange position (missing, mis-sized, duplicate or triggering stops,
 * stop levels, take-profit brackets and legs, stray stops), then the order of
 * work and the circuit breaker over the whole plan (see reconcile.h for the
 * rules, reconcile_int.h for the shared context).
 *
 * Safety rules that live here: protection is ranked before every other
 * action and takes the breaker's budget first (recon_order_by_rank,
 * recon_apply_breaker); a protection group runs whole or not at all; a
 * placement or cancel is only planned through may_change, so never on an
 * incomplete snapshot or a halted symbol.
 *
 * Pure like the rest of the planner: no I/O, no clock, no state.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "reconcile_int.h"
#include "rk_buf.h"
#include "stop_level.h"

/* ---- phase 4: protection ---- */

/* A take-profit limit kept as a bracket of its own size (rule 5b). */
struct leg {
	size_t oi;                      /* the limit (snapshot order index); SIZE_MAX: pending */
	const struct local_leg *pending;/* a limit reckon cancelled earlier whose bracket was
					 * never placed (local_state.legs), else NULL */
	const char *order_id;           /* the limit's id */
	struct dec price;               /* its take profit */
	struct dec qty;                 /* the bracket's size; zero: not kept */
	size_t fi;                      /* its blocking_order finding */
};

/* Everything known about one exchange position while planning its protection. */
struct prot {
	const char *sym;
	const struct venue_position *pos;
	const struct policy_rule *rule;
	const struct instrument *inst;  /* NULL: no trading rules known */
	bool is_long;
	enum side reduce;               /* the side that reduces the position */
	struct dec abs;                 /* |position| */
	struct dec target;              /* abs rounded down to the step size */
	bool has_last;
	struct dec last;
	bool has_entry;
	struct dec entry;
	bool has_loss;
	struct dec loss_pct;            /* loss from entry, percent (negative = profit) */

	size_t *stops, nstops;          /* protective stops (snapshot order indices) */
	size_t *blockers, nblockers;    /* other reducing orders */
	bool closing;                   /* a marketable exit working for the full size */
	struct dec covered;             /* sum of the stops' remaining size */
	int keeper;                     /* the stop that best covers, -1 none */

	/* The decision. */
	enum finding_kind kind;
	bool exit;                      /* emergency close instead of a stop */
	struct dec stop_price, limit_price;
	bool bracket;                   /* the rest carries the policy's take profit */
	struct dec take_profit;
	struct leg *legs;               /* take-profit legs kept as brackets (rule 5b) */
	size_t nlegs;
	struct dec rest;                /* size of the placement for the primary finding */
	char why[256];
};

/* base × (1 + dir × pct/100), dir = ±1. */
static enum dec_status pct_move(struct dec base, struct dec pct, int dir, struct dec *out)
{
	struct dec factor;
	enum dec_status st =
		dir < 0 ? dec_sub(dec_from_int(100), pct, &factor) : dec_add(dec_from_int(100), pct, &factor);
	return st ? st : dec_muldiv(base, factor, dec_from_int(100), DEC_ROUND_HALF_EVEN, out);
}

/* Away from the position's side: further below for a long, above for a short. */
static int away(const struct prot *p)
{
	return p->is_long ? -1 : 1;
}

/* Is a take-profit level strictly on the profitable side of the last price? */
static bool beyond_market(const struct prot *p, struct dec level)
{
	int k = dec_cmp(level, p->last);
	return p->is_long ? k > 0 : k < 0;
}

/* Rounds a price to the tick: down when `down`, else up. */
static enum dec_status tick_round(const struct prot *p, struct dec x, bool down, struct dec *out)
{
	if (!p->inst || dec_sign(p->inst->tick_size) <= 0) {
		*out = x;
		return DEC_OK;
	}
	return dec_quantize(x, p->inst->tick_size, down ? DEC_ROUND_FLOOR : DEC_ROUND_CEIL, out);
}

/* Remaining size of a stop; a zero-size stop (close-position) covers it all. */
static struct dec remaining(const struct prot *p, const struct order_rec *o)
{
	struct dec r = o->qty;
	if (dec_is_zero(o->qty))
		return p->abs;
	if (o->has_filled_qty && dec_sub(o->qty, o->filled_qty, &r) != DEC_OK)
		r = o->qty;
	return dec_sign(r) < 0 ? dec_zero() : r;
}

static bool right_size(const struct prot *p, struct dec qty)
{
	return dec_eq(qty, p->abs) || dec_eq(qty, p->target);
}

/* The price is at or through the stop: it would trigger now. */
static bool through_price(const struct prot *p, const struct order_rec *o)
{
	return o->has_stop_price && p->has_last &&
	       stop_level_through(p->is_long, o->stop_price, p->last);
}

/* A market order, or a limit at or through the last price. */
static bool marketable(const struct prot *p, const struct order_rec *o)
{
	if (o->type == OTYPE_MARKET)
		return true;
	if (o->type != OTYPE_LIMIT || !o->has_price || !p->has_last)
		return false;
	int k = dec_cmp(o->price, p->last);
	return p->is_long ? k <= 0 : k >= 0;
}

static enum rk_rc prot_init(struct plan_ctx *c, const struct venue_position *pos, struct prot *p)
{
	const struct venue_price *px = recon_snap_price(c, pos->symbol);
	struct position_state lp;
	enum rk_rc rc = recon_position_after_pass(c, pos->symbol, &lp);
	memset(p, 0, sizeof *p);
	if (rc)
		return rc;
	p->sym = pos->symbol;
	p->pos = pos;
	p->rule = rule_for(c, pos->symbol);
	p->inst = recon_snap_instrument(c, pos->symbol);
	p->is_long = dec_sign(pos->qty) > 0;
	p->reduce = reducing_side(pos->qty);
	p->abs = dec_abs(pos->qty);
	p->target = p->abs;
	p->keeper = -1;
	p->has_last = px && dec_sign(px->last) > 0;
	p->last = px ? px->last : dec_zero();
	if (lp.has_avg && dec_sign(lp.avg) > 0)
		p->has_entry = true, p->entry = lp.avg;
	else if (pos->has_entry && dec_sign(pos->entry_price) > 0)
		p->has_entry = true, p->entry = pos->entry_price;
	if (p->inst && dec_sign(p->inst->step_size) > 0 &&
	    dec_quantize(p->abs, p->inst->step_size, DEC_ROUND_DOWN, &p->target) != DEC_OK)
		return recon_calc_failed(c, p->sym, "step size");
	p->rest = p->target;
	if (p->has_entry && p->has_last) {
		if (!stop_level_loss_pct(p->is_long, p->entry, p->last, &p->loss_pct))
			return recon_calc_failed(c, p->sym, "loss from entry");
		p->has_loss = true;
	}
	return RK_OK;
}

/* Sorts the symbol's open orders into stops, blockers and a closing exit. */
static enum rk_rc classify_orders(struct plan_ctx *c, struct prot *p)
{
	const struct rk_index *ix = &c->ix.snap_osym;
	size_t n = 0, first = rk_index_first(ix, p->sym, NULL);
	for (size_t i = first; i != RK_INDEX_NONE; i = rk_index_next(ix, i))
		n++;
	p->stops = malloc((n ? n : 1) * sizeof *p->stops);
	p->blockers = malloc((n ? n : 1) * sizeof *p->blockers);
	if (!p->stops || !p->blockers)
		return recon_oom(c);
	p->covered = dec_zero();
	/* The symbol's orders, in snapshot order. */
	for (size_t i = first; i != RK_INDEX_NONE; i = rk_index_next(ix, i)) {
		const struct order_rec *o = &c->snap->orders[i];
		if (o->side != p->reduce || c->cancel_of[i] >= 0)
			continue;
		if (order_type_is_stop(o->type)) {
			p->stops[p->nstops++] = i;
			if (dec_add(p->covered, remaining(p, o), &p->covered) != DEC_OK)
				return recon_calc_failed(c, p->sym, "stop coverage");
			continue;
		}
		struct dec rem = remaining(p, o);
		if (marketable(p, o) && dec_cmp(rem, p->target) >= 0)
			p->closing = true;
		p->blockers[p->nblockers++] = i;
	}
	return RK_OK;
}

/* Better keeper: not through the price, then the right size, then closest. */
static bool better_keeper(struct plan_ctx *c, const struct prot *p, size_t a, size_t b)
{
	const struct order_rec *oa = &c->snap->orders[a], *ob = &c->snap->orders[b];
	bool sa = !through_price(p, oa), sb = !through_price(p, ob);
	if (sa != sb)
		return sa;
	struct dec ra = remaining(p, oa), rb = remaining(p, ob), da, db;
	bool xa = right_size(p, ra), xb = right_size(p, rb);
	if (xa != xb)
		return xa;
	if (dec_sub(ra, p->abs, &da) || dec_sub(rb, p->abs, &db))
		return false;
	return dec_cmp(dec_abs(da), dec_abs(db)) < 0;
}

static void pick_keeper(struct plan_ctx *c, struct prot *p)
{
	for (size_t k = 0; k < p->nstops; k++)
		if (p->keeper < 0 || better_keeper(c, p, p->stops[k], (size_t)p->keeper))
			p->keeper = (int)p->stops[k];
}

static bool stop_is_sound(struct plan_ctx *c, const struct prot *p, size_t oi)
{
	const struct order_rec *o = &c->snap->orders[oi];
	return !through_price(p, o) && right_size(p, remaining(p, o));
}

static bool all_stops_sane(struct plan_ctx *c, const struct prot *p)
{
	for (size_t k = 0; k < p->nstops; k++)
		if (through_price(p, &c->snap->orders[p->stops[k]]))
			return false;
	return true;
}

/* Can an order of `qty` be placed: non-zero, and at least the venue's
 * minimum size and minimum value at the last price? */
static enum rk_rc placeable(struct plan_ctx *c, const struct prot *p, struct dec qty, bool *ok)
{
	const struct instrument *in = p->inst;
	struct dec value = dec_zero();
	if (p->has_last && dec_mul(qty, p->last, DEC_ROUND_HALF_EVEN, &value))
		return recon_calc_failed(c, p->sym, "notional");
	*ok = !dec_is_zero(qty) && !(in && dec_sign(in->min_qty) > 0 && dec_cmp(qty, in->min_qty) < 0) &&
	      !(p->has_last && in && dec_sign(in->min_notional) > 0 &&
		dec_cmp(value, in->min_notional) < 0);
	return RK_OK;
}

/* Too small to protect: below the dust value or the venue's minimums. */
static enum rk_rc check_dust(struct plan_ctx *c, struct prot *p, bool *dust)
{
	struct dec value = dec_zero();
	const struct instrument *in = p->inst;
	bool ok;
	enum rk_rc rc = placeable(c, p, p->target, &ok);
	if (rc)
		return rc;
	if (p->has_last && dec_mul(p->abs, p->last, DEC_ROUND_HALF_EVEN, &value))
		return recon_calc_failed(c, p->sym, "notional");
	*dust = !ok || (p->has_last && dec_cmp(value, p->rule->dust_notional) < 0);
	if (!*dust)
		return RK_OK;
	struct jd d;
	size_t fi;
	jd_init(&d);
	jd_dec(&d, "qty", p->pos->qty);
	jd_dec(&d, "orderable_qty", p->target);
	if (p->has_last) {
		jd_dec(&d, "last", p->last);
		jd_dec(&d, "value", value);
	}
	jd_dec(&d, "dust_notional", p->rule->dust_notional);
	if (in) {
		jd_dec(&d, "min_qty", in->min_qty);
		jd_dec(&d, "min_notional", in->min_notional);
		jd_dec(&d, "step_size", in->step_size);
	}
	return recon_add_finding(c, FIND_DUST, p->sym, "", "", &d, &fi);
}

/* ---- deciding the new protection ---- */

/*
 * Chooses the stop level (or an exit) for a position that needs new
 * protection, explaining the choice in p->why: stop_level.h decides, the
 * same rules the follow-up applies at a fresh price after a refusal.
 * `trigger` is true when the kept stop is through the price.
 */
static enum rk_rc decide_level(struct plan_ctx *c, struct prot *p, bool trigger)
{
	struct stop_level_in in = {.is_long = p->is_long, .price = p->last,
				   .has_entry = p->has_entry, .entry = p->entry,
				   .through_stop = trigger, .with_limit = !c->caps->is_futures,
				   .tick_size = p->inst ? p->inst->tick_size : dec_zero()};
	struct stop_level lv;
	enum rk_rc rc = stop_level_decide(p->rule, &in, &lv, c->err);
	if (rc)
		return rk_err_prefix(c->err, "reconcile %s", p->sym);
	p->exit = lv.exit;
	p->stop_price = lv.stop;
	p->limit_price = lv.limit;
	rk_fmt(p->why, sizeof p->why, "%s", lv.why);
	return RK_OK;
}

/* A limit (or take profit) beyond the market: an exit the user set. */
static bool is_take_profit(const struct prot *p, const struct order_rec *o)
{
	return (o->type == OTYPE_LIMIT || o->type == OTYPE_TAKE_PROFIT) && o->has_price &&
	       beyond_market(p, o->price);
}

/* Is leg a's take profit nearer the market than b's? */
static bool nearer_leg(const struct prot *p, const struct leg *a, const struct leg *b)
{
	int k = dec_cmp(a->price, b->price);
	return p->is_long ? k < 0 : k > 0;
}

static void insert_leg(struct prot *p, struct leg l)
{
	size_t j = p->nlegs++;
	for (; j > 0 && nearer_leg(p, &l, &p->legs[j - 1]); j--)
		p->legs[j] = p->legs[j - 1];
	p->legs[j] = l;
}

/* Is local leg `l` one of this position's: its symbol, the reducing side, a
 * take profit still beyond the market (one the price passed would have
 * filled), and not an order the exchange still lists? */
static bool pending_leg_applies(const struct plan_ctx *c, const struct prot *p,
				const struct local_leg *l)
{
	if (strcmp(l->symbol, p->sym) != 0 || l->side != p->reduce || dec_sign(l->qty) <= 0 ||
	    !beyond_market(p, l->price))
		return false;
	return !recon_order_id_listed(c, l->order_id);
}

/* Collects the blocking take-profit limits and the legs reckon cancelled
 * earlier without placing their brackets (pending), nearest the market first. */
static enum rk_rc collect_legs(struct plan_ctx *c, struct prot *p)
{
	const struct rk_index *ix = &c->ix.legs;
	size_t cap = p->nblockers, first = rk_index_first(ix, p->sym, NULL);
	for (size_t k = first; k != RK_INDEX_NONE; k = rk_index_next(ix, k))
		cap++;
	if (!(p->legs = malloc((cap ? cap : 1) * sizeof *p->legs)))
		return recon_oom(c);
	for (size_t k = 0; k < p->nblockers; k++) {
		const struct order_rec *o = &c->snap->orders[p->blockers[k]];
		if (is_take_profit(p, o))
			insert_leg(p, (struct leg){.oi = p->blockers[k], .order_id = o->order_id,
						   .price = o->price, .qty = remaining(p, o)});
	}
	for (size_t k = first; k != RK_INDEX_NONE; k = rk_index_next(ix, k)) {
		const struct local_leg *l = &c->local->legs[k];
		if (pending_leg_applies(c, p, l))
			insert_leg(p, (struct leg){.oi = SIZE_MAX, .pending = l, .order_id = l->order_id,
						   .price = l->price, .qty = l->qty});
	}
	return RK_OK;
}

/* Sizes one leg from what is `left`: its own size at most, down to the step;
 * zero when that is below the venue minimum. */
static enum rk_rc size_leg(struct plan_ctx *c, const struct prot *p, struct leg *l,
			   struct dec *left)
{
	bool ok;
	enum rk_rc rc;
	l->qty = dec_min(l->qty, *left);
	if (p->inst && dec_sign(p->inst->step_size) > 0 &&
	    dec_quantize(l->qty, p->inst->step_size, DEC_ROUND_DOWN, &l->qty) != DEC_OK)
		return recon_calc_failed(c, p->sym, "take-profit leg step");
	if ((rc = placeable(c, p, l->qty, &ok)))
		return rc;
	if (!ok)
		l->qty = dec_zero();
	else if (dec_sub(*left, l->qty, left) != DEC_OK)
		return recon_calc_failed(c, p->sym, "take-profit leg");
	return RK_OK;
}

/*
 * A take-profit ladder (rule 5b). Where orders hold the balance, a stop for the
 * whole position needs every exit limit cancelled; with brackets each limit
 * comes back as a bracket of its own size and price carrying the stop, so
 * every leg of the user's exit is kept and the whole position is protected.
 * Legs take the orderable size nearest take profit first (a leg beyond what
 * is left is cut, one that would fall below the venue minimum is dropped);
 * what no leg covers is p->rest, the primary finding's placement, or is added
 * to the farthest kept leg when it is too small to place alone.
 */
static enum rk_rc plan_legs(struct plan_ctx *c, struct prot *p)
{
	struct dec left = p->target;
	struct leg *last = NULL;
	bool ok;
	enum rk_rc rc;
	if (p->exit || dec_sign(p->stop_price) <= 0 || !c->caps->has_bracket ||
	    !c->caps->orders_hold_balance)
		return RK_OK;
	if ((rc = collect_legs(c, p)))
		return rc;
	for (size_t k = 0; k < p->nlegs; k++) {
		struct leg *l = &p->legs[k];
		if ((rc = size_leg(c, p, l, &left)))
			return rc;
		if (!dec_is_zero(l->qty))
			last = l;
	}
	if ((rc = placeable(c, p, left, &ok)))
		return rc;
	if (last && !dec_is_zero(left) && !ok) {
		if (dec_add(last->qty, left, &last->qty) != DEC_OK)
			return recon_calc_failed(c, p->sym, "take-profit leg");
		left = dec_zero();
	}
	p->rest = left;
	return RK_OK;
}

static struct leg *leg_of(const struct prot *p, size_t oi)
{
	for (size_t k = 0; k < p->nlegs; k++)
		if (!p->legs[k].pending && p->legs[k].oi == oi)
			return &p->legs[k];
	return NULL;
}

/*
 * The placement for what no take-profit leg covers is a bracket where the
 * venue has brackets and protect=bracket sets take_profit_pct (from entry, or
 * from the last price when the entry-based level is already passed).
 */
static enum rk_rc decide_bracket(struct plan_ctx *c, struct prot *p)
{
	const struct policy_rule *r = p->rule;
	struct dec level;
	if (p->exit || !c->caps->has_bracket || r->style != PROTECT_BRACKET || !r->has_take_profit)
		return RK_OK;
	if (pct_move(p->has_entry ? p->entry : p->last, r->take_profit_pct, -away(p), &level) ||
	    (!beyond_market(p, level) && pct_move(p->last, r->take_profit_pct, -away(p), &level)))
		return recon_calc_failed(c, p->sym, "take profit");
	/* Round the take profit away from filling at once. */
	if (tick_round(p, level, !p->is_long, &p->take_profit))
		return recon_calc_failed(c, p->sym, "take profit tick");
	p->bracket = true;
	return RK_OK;
}

/* ---- findings and actions for one position ---- */

/* The kept take-profit legs as "QTY@PRICE, ..." and the size none covers. */
static void jd_legs(struct jd *d, const struct prot *p)
{
	char text[RECON_DETAIL_MAX / 2] = "", q[DEC_STR_MAX], px[DEC_STR_MAX];
	size_t n = 0, kept = 0;
	for (size_t k = 0; k < p->nlegs; k++) {
		if (dec_is_zero(p->legs[k].qty))
			continue;
		int w = snprintf(text + n, sizeof text - n, "%s%s@%s", kept++ ? ", " : "",
				 dec_format(p->legs[k].qty, q), dec_format(p->legs[k].price, px));
		if (w < 0 || (size_t)w >= sizeof text - n)
			break;
		n += (size_t)w;
	}
	if (!kept)
		return;
	jd_str(d, "take_profit_legs", text);
	jd_dec(d, "rest_qty", p->rest);
}

static void jd_prot(struct plan_ctx *c, struct jd *d, const struct prot *p)
{
	char buf[DEC_STR_MAX];
	jd_dec(d, "qty", p->pos->qty);
	jd_str(d, "exchange_qty", dec_format(p->pos->qty, buf));
	jd_dec(d, "orderable_qty", p->target);
	if (p->has_last)
		jd_dec(d, "last", p->last);
	if (p->has_entry)
		jd_dec(d, "entry", p->entry);
	if (p->has_loss)
		jd_str(d, "loss_pct", stop_level_pct_text(p->loss_pct, buf));
	jd_dec(d, "stop_pct", p->rule->stop_pct);
	jd_int(d, "stops", (int64_t)p->nstops);
	jd_dec(d, "covered_qty", p->covered);
	if (p->keeper >= 0) {
		const struct order_rec *k = &c->snap->orders[p->keeper];
		jd_str(d, "stop_order_id", k->order_id);
		if (k->has_stop_price)
			jd_dec(d, "stop_price", k->stop_price);
		jd_dec(d, "stop_qty", remaining(p, k));
	}
	if (p->exit) {
		jd_str(d, "plan", "emergency_close");
	} else if (dec_sign(p->stop_price) > 0) {
		jd_dec(d, "new_stop_price", p->stop_price);
		if (p->bracket && !dec_is_zero(p->rest))
			jd_dec(d, "take_profit", p->take_profit);
		jd_legs(d, p);
	}
	if (p->why[0])
		jd_str(d, "reason", p->why);
}

static enum rk_rc report_order_finding(struct plan_ctx *c, const struct prot *p,
				       enum finding_kind kind, size_t oi, size_t *fi)
{
	const struct order_rec *o = &c->snap->orders[oi];
	struct jd d;
	jd_init(&d);
	recon_jd_order(&d, o);
	jd_dec(&d, "remaining_qty", remaining(p, o));
	jd_dec(&d, "position_qty", p->pos->qty);
	if (p->has_last)
		jd_dec(&d, "last", p->last);
	if (kind == FIND_BLOCKING_ORDER) {
		const struct leg *l = leg_of(p, oi);
		bool kept = l && !dec_is_zero(l->qty);
		jd_bool(&d, "take_profit_kept", kept);
		if (kept)
			jd_dec(&d, "kept_qty", l->qty);
	}
	return recon_add_finding(c, kind, p->sym, o->order_id, o->order_id, &d, fi);
}

/* Fills in the placement request for the decided protection: `qty` of it,
 * a bracket when tp is not NULL. */
static enum rk_rc build_request(struct plan_ctx *c, const struct prot *p, size_t fi,
				struct dec qty, const struct dec *tp, struct venue_order_req *req)
{
	const char *key = c->plan->findings[fi].key;
	memset(req, 0, sizeof *req);
	reconcile_client_order_id(c->local->journal_id, key, attempts_for(c, key),
				  req->client_order_id);
	if (!req->client_order_id[0])
		return rk_err_set(c->err, RK_ENOMEM, "reconcile %s: cannot hash a client order id",
				  p->sym);
	snprintf(req->symbol, sizeof req->symbol, "%s", p->sym);
	req->side = p->reduce;
	req->qty = qty;
	req->reduce_only = c->caps->is_futures;
	if (p->exit) {
		req->type = OTYPE_MARKET;
		req->purpose = PURPOSE_EXIT;
		return RK_OK;
	}
	req->purpose = PURPOSE_STOP_LOSS;
	req->has_stop_price = true;
	req->stop_price = p->stop_price;
	if (c->caps->is_futures) {
		/* close_position only when no other stop stays working: Binance allows
		 * one close-position stop per side (-4130). */
		req->type = OTYPE_STOP_MARKET;
		req->close_position = p->nstops == 0;
	} else if (tp) {
		req->type = OTYPE_BRACKET;
		req->has_price = true;
		req->price = *tp;
	} else {
		req->type = OTYPE_STOP_LIMIT;
		req->has_price = true;
		req->price = p->limit_price;
	}
	return RK_OK;
}

/* What a placement's follow-up needs to decide again at a fresh price
 * (follow_up.h): the attempt its client order id derives from, and what
 * the level was derived from. */
static void set_placement_basis(struct plan_ctx *c, const struct prot *p, size_t fi,
				struct action *a)
{
	a->attempt = attempts_for(c, c->plan->findings[fi].key);
	a->through_stop = p->kind == FIND_STOP_WOULD_TRIGGER;
	a->has_entry = p->has_entry;
	a->entry = p->has_entry ? p->entry : dec_zero();
}

/* The placement for the primary finding: the rest of the position. */
static enum rk_rc add_placement(struct plan_ctx *c, const struct prot *p, size_t fi,
				int depends_on, size_t *idx)
{
	enum action_kind kind = p->exit ? ACT_EMERGENCY_CLOSE
				: p->keeper >= 0 ? ACT_REPLACE_STOP : ACT_PLACE_STOP;
	struct venue_order_req req;
	enum rk_rc rc = build_request(c, p, fi, p->rest, p->bracket ? &p->take_profit : NULL, &req);
	if (rc || (rc = recon_add_action(c, kind, fi, p->sym, depends_on, idx)))
		return rc;
	struct action *a = &c->plan->actions[*idx];
	a->req = req;
	set_placement_basis(c, p, fi, a);
	rk_fmt(a->note, sizeof a->note, "%s", p->why);
	return RK_OK;
}

/* A kept take-profit leg's bracket, answering its blocking_order finding. */
static enum rk_rc add_leg_placement(struct plan_ctx *c, const struct prot *p,
				    const struct leg *l, int depends_on)
{
	char q[DEC_STR_MAX], px[DEC_STR_MAX];
	struct venue_order_req req;
	size_t idx;
	enum rk_rc rc = build_request(c, p, l->fi, l->qty, &l->price, &req);
	if (rc || (rc = recon_add_action(c, ACT_PLACE_STOP, l->fi, p->sym, depends_on, &idx)))
		return rc;
	struct action *a = &c->plan->actions[idx];
	a->req = req;
	set_placement_basis(c, p, l->fi, a);
	rk_fmt(a->note, sizeof a->note,
	       "take-profit leg %s@%s (was %.40s%s) kept as a bracket with the stop: %.130s",
	       dec_format(l->qty, q), dec_format(l->price, px), l->order_id,
	       l->pending ? ", cancelled earlier" : "", p->why);
	return RK_OK;
}

/* Every placement of the decision, each waiting for `depends_on`: the kept
 * legs nearest first, then the rest when there is one. */
static enum rk_rc add_placements(struct plan_ctx *c, const struct prot *p, size_t fi,
				 int depends_on)
{
	size_t idx;
	enum rk_rc rc = RK_OK;
	for (size_t k = 0; k < p->nlegs && rc == RK_OK; k++)
		if (!dec_is_zero(p->legs[k].qty))
			rc = add_leg_placement(c, p, &p->legs[k], depends_on);
	if (rc == RK_OK && !dec_is_zero(p->rest))
		rc = add_placement(c, p, fi, depends_on, &idx);
	return rc;
}

/* The orders a placement needs gone, each with its finding. */
struct removal {
	size_t oi;
	size_t fi;
	const char *note;
};

/*
 * Plans the removals and the placements in a safe order (rule 3):
 *  - orders hold the balance (spot): cancel every removal first, chained so
 *    each waits for the previous, then every placement (the take-profit legs'
 *    brackets and the rest) waits for the last;
 *  - otherwise (futures): the placement first, then each cancel waits for it,
 *    so the old stop stays until the new protection is acknowledged.
 */
static enum rk_rc plan_removals_and_placement(struct plan_ctx *c, const struct prot *p,
					      size_t fi, const struct removal *rm, size_t nrm)
{
	size_t idx = 0;
	int prev = -1;
	enum rk_rc rc = RK_OK;
	if (c->caps->orders_hold_balance) {
		for (size_t k = 0; k < nrm && rc == RK_OK; k++) {
			rc = recon_add_cancel(c, rm[k].oi, rm[k].fi, prev, rm[k].note, &idx);
			prev = (int)idx;
		}
		return rc ? rc : add_placements(c, p, fi, prev);
	}
	if ((rc = add_placement(c, p, fi, -1, &idx)))
		return rc;
	prev = (int)idx;
	for (size_t k = 0; k < nrm && rc == RK_OK; k++)
		rc = recon_add_cancel(c, rm[k].oi, rm[k].fi, prev, rm[k].note, &idx);
	return rc;
}

/* The keeper is sound and only extra stops need to go: cancel them, nothing
 * else (the keeper keeps protecting while they are cancelled). */
static enum rk_rc plan_duplicates_only(struct plan_ctx *c, const struct prot *p, bool act)
{
	enum rk_rc rc = RK_OK;
	for (size_t k = 0; k < p->nstops && rc == RK_OK; k++) {
		size_t oi = p->stops[k], fi, ai;
		if ((int)oi == p->keeper)
			continue;
		rc = report_order_finding(c, p, FIND_DUPLICATE_STOP, oi, &fi);
		if (rc == RK_OK && act)
			rc = recon_add_cancel(c, oi, fi, -1,
					      "cancel a duplicate stop: another stop covers "
					      "the whole position",
					      &ai);
	}
	return rc;
}

/* A leg reckon cancelled earlier whose bracket was never placed is reported
 * again under its blocking_order finding's key: the bracket answers the same
 * finding (its client order id moves on with the attempts), and while the
 * key is reported the leg stays pending. */
static enum rk_rc report_pending_leg(struct plan_ctx *c, const struct prot *p, struct leg *l)
{
	struct jd d;
	jd_init(&d);
	jd_str(&d, "order_id", l->order_id);
	jd_str(&d, "side", side_name(p->reduce));
	jd_dec(&d, "price", l->price);
	jd_str(&d, "status", "cancelled by reckon");
	jd_int(&d, "cancelled_by_action", l->pending->cancel_action_id);
	jd_dec(&d, "position_qty", p->pos->qty);
	if (p->has_last)
		jd_dec(&d, "last", p->last);
	jd_bool(&d, "take_profit_kept", true);
	jd_dec(&d, "kept_qty", l->qty);
	jd_str(&d, "reason", "a take-profit limit reckon cancelled to free a stop's balance whose"
			     " bracket was never placed: placed again as a bracket with the stop");
	return recon_add_finding(c, FIND_BLOCKING_ORDER, p->sym, l->order_id, l->order_id, &d,
				 &l->fi);
}

static enum rk_rc report_pending_legs(struct plan_ctx *c, struct prot *p)
{
	enum rk_rc rc = RK_OK;
	for (size_t k = 0; k < p->nlegs && rc == RK_OK; k++)
		if (p->legs[k].pending && !dec_is_zero(p->legs[k].qty))
			rc = report_pending_leg(c, p, &p->legs[k]);
	return rc;
}

/*
 * The working stops are sound and, with the legs reckon cancelled earlier
 * and never placed again, cover the position exactly (a leg's bracket was
 * refused while the others went through): place those legs, nothing else.
 * *done says whether this applied.
 */
static enum rk_rc plan_pending_legs_only(struct plan_ctx *c, struct prot *p, bool act,
					 bool *done)
{
	struct dec sum = p->covered;
	enum rk_rc rc = RK_OK;
	*done = false;
	if (p->nstops == 0 || p->nblockers > 0 || !c->caps->has_bracket ||
	    !c->caps->orders_hold_balance || !all_stops_sane(c, p))
		return RK_OK;
	for (size_t k = rk_index_first(&c->ix.legs, p->sym, NULL); k != RK_INDEX_NONE;
	     k = rk_index_next(&c->ix.legs, k))
		if (pending_leg_applies(c, p, &c->local->legs[k]) &&
		    dec_add(sum, c->local->legs[k].qty, &sum) != DEC_OK)
			return recon_calc_failed(c, p->sym, "take-profit legs");
	if (dec_eq(sum, p->covered) || !right_size(p, sum))
		return RK_OK;
	/* Otherwise the general path decides again from the start. */
	if ((rc = decide_level(c, p, false)) || p->exit || dec_sign(p->stop_price) <= 0)
		return rc;
	if ((rc = plan_legs(c, p)) || (rc = report_pending_legs(c, p)))
		return rc;
	*done = true;
	for (size_t k = 0; act && k < p->nlegs && rc == RK_OK; k++)
		if (!dec_is_zero(p->legs[k].qty))
			rc = add_leg_placement(c, p, &p->legs[k], -1);
	return rc;
}

/*
 * New protection is needed (missing, wrong size, or through the price):
 * report the primary finding, the extra stops and the blocking orders, then
 * plan removals and the placement.
 */
static enum rk_rc plan_new_protection(struct plan_ctx *c, struct prot *p, bool act)
{
	bool trigger = p->keeper >= 0 && through_price(p, &c->snap->orders[p->keeper]);
	bool hold = c->caps->orders_hold_balance;
	struct removal *rm = NULL;
	size_t nrm = 0, fi, sub;
	struct jd d;
	enum rk_rc rc;

	p->kind = trigger ? FIND_STOP_WOULD_TRIGGER
		  : p->keeper >= 0 ? FIND_STOP_SIZE_MISMATCH : FIND_MISSING_STOP;
	if ((rc = decide_level(c, p, trigger)) || (rc = plan_legs(c, p)) ||
	    (rc = decide_bracket(c, p)))
		return rc;
	jd_init(&d);
	jd_prot(c, &d, p);
	if ((rc = recon_add_finding(c, p->kind, p->sym, "", "", &d, &fi)))
		return rc;
	if (!(rm = malloc((p->nstops + p->nblockers + 1) * sizeof *rm)))
		return recon_oom(c);
	for (size_t k = 0; hold && k < p->nblockers && rc == RK_OK; k++) {
		struct leg *l = leg_of(p, p->blockers[k]);
		rc = report_order_finding(c, p, FIND_BLOCKING_ORDER, p->blockers[k], &sub);
		if (l)
			l->fi = sub;
		rm[nrm++] = (struct removal){p->blockers[k], sub,
					     l && !dec_is_zero(l->qty)
						     ? "cancel a take-profit limit holding the balance: "
						       "placed again as a bracket with the stop"
						     : "cancel an order holding the balance the stop needs"};
	}
	if (rc == RK_OK)
		rc = report_pending_legs(c, p);
	for (size_t k = 0; k < p->nstops && rc == RK_OK; k++) {
		if ((int)p->stops[k] == p->keeper)
			continue;
		rc = report_order_finding(c, p, FIND_DUPLICATE_STOP, p->stops[k], &sub);
		rm[nrm++] = (struct removal){p->stops[k], sub, "cancel an extra stop replaced by one "
							       "full-size stop"};
	}
	if (p->keeper >= 0)
		rm[nrm++] = (struct removal){(size_t)p->keeper, fi,
					     trigger ? "cancel the stop that is through the price"
						     : "cancel the wrongly sized stop"};
	if (rc == RK_OK && act && (p->exit || dec_sign(p->stop_price) > 0))
		rc = plan_removals_and_placement(c, p, fi, rm, nrm);
	free(rm);
	return rc;
}

/* A position with no last price: nothing can be judged or placed safely. */
static enum rk_rc report_unpriced(struct plan_ctx *c, struct prot *p)
{
	struct jd d;
	size_t fi;
	if (p->nstops > 0 || p->closing)
		return RK_OK;
	rk_fmt(p->why, sizeof p->why, "no last price in the snapshot: nothing placed");
	jd_init(&d);
	jd_prot(c, &d, p);
	return recon_add_finding(c, FIND_MISSING_STOP, p->sym, "", "", &d, &fi);
}

/*
 * Protection for one exchange position (the exchange is the truth for what
 * needs protecting). Dust gets a finding and nothing else; a closing
 * position gets nothing; a sound stop set is preserved untouched (rule 5).
 */
static enum rk_rc protect_position(struct plan_ctx *c, const struct venue_position *pos)
{
	struct prot p;
	bool dust = false, act = may_change(c, pos->symbol), done = false;
	enum rk_rc rc = prot_init(c, pos, &p);
	if (rc || (rc = check_dust(c, &p, &dust)) || dust)
		goto out;
	if ((rc = classify_orders(c, &p)))
		goto out;
	if (!p.has_last) {
		rc = report_unpriced(c, &p);
		goto out;
	}
	if (p.closing)
		goto out;
	if (p.nstops > 0 && all_stops_sane(c, &p) && right_size(&p, p.covered))
		goto out; /* working protection: preserved as it is */
	if ((rc = plan_pending_legs_only(c, &p, act, &done)) || done)
		goto out;
	pick_keeper(c, &p);
	if (p.keeper >= 0 && stop_is_sound(c, &p, (size_t)p.keeper))
		rc = plan_duplicates_only(c, &p, act);
	else
		rc = plan_new_protection(c, &p, act);
out:
	free(p.stops);
	free(p.blockers);
	free(p.legs);
	return rc;
}

/* Orders that can only reduce a position, resting where there is none. */
static bool is_stray_stop(const struct plan_ctx *c, const struct order_rec *o)
{
	const struct venue_position *pos = recon_snap_position(c, o->symbol);
	if (pos && !dec_is_zero(pos->qty))
		return false;
	return o->reduce_only || o->purpose == PURPOSE_STOP_LOSS;
}

static enum rk_rc plan_stray_stops(struct plan_ctx *c)
{
	/* Only with a complete positions listing can "flat" be trusted (rule 1). */
	for (size_t i = 0; i < c->snap->norders; i++) {
		const struct order_rec *o = &c->snap->orders[i];
		size_t fi = 0, ai = 0;
		if (c->cancel_of[i] >= 0 || !is_stray_stop(c, o))
			continue;
		struct jd d;
		jd_init(&d);
		recon_jd_order(&d, o);
		jd_str(&d, "why", "no position on the exchange: the order protects nothing");
		enum rk_rc rc = recon_add_finding(c, FIND_STRAY_STOP, o->symbol, o->order_id,
						  o->order_id, &d, &fi);
		if (rc)
			return rc;
		if (may_change(c, o->symbol) &&
		    (rc = recon_add_cancel(c, i, fi, -1,
					   "cancel a protective order left on a flat position",
					   &ai)))
			return rc;
	}
	return RK_OK;
}

enum rk_rc recon_phase_protection(struct plan_ctx *c)
{
	size_t n = c->snap->npositions;
	struct sym_key *order = malloc((n ? n : 1) * sizeof *order);
	enum rk_rc rc = RK_OK;
	if (!order)
		return recon_oom(c);
	for (size_t i = 0; i < n; i++)
		order[i] = recon_sym_key(c->snap->positions[i].symbol, i);
	/* By symbol, then snapshot place: deterministic. */
	recon_sort_symbols(order, n);
	for (size_t i = 0; i < n && rc == RK_OK; i++)
		if (!dec_is_zero(c->snap->positions[order[i].i].qty))
			rc = protect_position(c, &c->snap->positions[order[i].i]);
	free(order);
	return rc ? rc : plan_stray_stops(c);
}

/* ---- order of work and the circuit breaker (rule 7) ---- */

/* What an action is for, in the order the plan runs them: protection never
 * waits behind (nor loses its breaker budget to) anything else. */
enum rank {
	RANK_RECORD = 0,    /* fills the journal lacks: journal-only, so the pass's own fills
			     * (an emergency close's) land after the fills they close */
	RANK_PROTECT,       /* placements, emergency closes, and the cancels they need */
	RANK_OTHER,         /* other cancels: orphans, stray and duplicate stops */
	RANK_BOOKKEEPING,   /* lookups and adoptions: close_local_order, adopt_order */
	RANK_COUNT
};

static enum rank base_rank(const struct plan_ctx *c, const struct action *a)
{
	enum finding_kind k = c->plan->findings[a->finding].kind;
	switch (a->kind) {
	case ACT_PLACE_STOP:
	case ACT_REPLACE_STOP:
	case ACT_EMERGENCY_CLOSE:
		return RANK_PROTECT;
	case ACT_CANCEL_ORDER:
		/* A blocking order's cancel frees the stop's balance; the primary
		 * finding's cancel takes out the stop being replaced. */
		return k == FIND_BLOCKING_ORDER || k == FIND_MISSING_STOP ||
				       k == FIND_STOP_SIZE_MISMATCH || k == FIND_STOP_WOULD_TRIGGER
			       ? RANK_PROTECT
			       : RANK_OTHER;
	case ACT_RECORD_INFERRED_FILL:
		return RANK_RECORD;
	default:
		return RANK_BOOKKEEPING;
	}
}

/*
 * Reorders the plan by rank, keeping the order within a rank. An action that
 * a higher-ranked one depends on takes that rank (an extra stop cancelled on
 * spot so the new stop has the balance is protective), so every depends_on
 * still points to an earlier action; the indices are remapped.
 */
enum rk_rc recon_order_by_rank(struct plan_ctx *c)
{
	size_t n = c->plan->nactions, k = 0;
	unsigned char *rank = malloc(n ? n : 1);
	size_t *to = malloc((n ? n : 1) * sizeof *to);
	struct action *sorted = malloc((n ? n : 1) * sizeof *sorted);
	enum rk_rc rc = RK_OK;
	if (!rank || !to || !sorted) {
		rc = recon_oom(c);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		rank[i] = (unsigned char)base_rank(c, &c->plan->actions[i]);
	for (size_t i = n; i-- > 0;) {
		int d = c->plan->actions[i].depends_on;
		if (d >= 0 && rank[d] > rank[i])
			rank[d] = rank[i];
	}
	for (unsigned r = 0; r < RANK_COUNT; r++)
		for (size_t i = 0; i < n; i++)
			if (rank[i] == r)
				to[i] = k++;
	for (size_t i = 0; i < n; i++) {
		struct action *a = &sorted[to[i]];
		*a = c->plan->actions[i];
		if (a->depends_on >= 0)
			a->depends_on = (int)to[a->depends_on];
	}
	if (n)
		memcpy(c->plan->actions, sorted, n * sizeof *sorted);
out:
	free(rank);
	free(to);
	free(sorted);
	return rc;
}

static void skip_action(struct action *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void skip_action(struct action *a, const char *fmt, ...)
{
	char reason[160], old[sizeof a->note];
	va_list ap;
	va_start(ap, fmt);
	rk_vfmt(reason, sizeof reason, fmt, ap);
	va_end(ap);
	memcpy(old, a->note, sizeof old);
	a->status = ASTAT_SKIPPED;
	snprintf(a->note, sizeof a->note, "circuit breaker: %.140s (planned: %.85s)", reason, old);
}

/* Adds "circuit_breaker": why to a finding's detail (the first reason stays). */
static void finding_says_breaker(struct plan_ctx *c, size_t fi, const char *why)
{
	struct finding *fd = fi < c->plan->nfindings ? &c->plan->findings[fi] : NULL;
	cJSON *o = fd ? cJSON_Parse(fd->detail) : NULL;
	char *text = NULL;
	if (o && !cJSON_GetObjectItemCaseSensitive(o, "circuit_breaker") &&
	    cJSON_AddStringToObject(o, "circuit_breaker", why) &&
	    (text = cJSON_PrintUnformatted(o)) && strlen(text) < sizeof fd->detail)
		memcpy(fd->detail, text, strlen(text) + 1);
	free(text);
	cJSON_Delete(o);
}

/* Why a group needing `need` destructive actions does not fit, or "" when
 * it does; `count` were already taken in this pass. */
static void breaker_reason(const struct plan_ctx *c, const struct policy_rule *r, int need,
			   int count, char *why, size_t cap)
{
	int hour_left = r->breaker_per_hour - c->local->destructive_last_hour - count;
	why[0] = '\0';
	if (count + need > r->breaker_per_pass)
		snprintf(why, cap, "%d destructive, %d left of max_destructive_per_pass=%d", need,
			 r->breaker_per_pass - count > 0 ? r->breaker_per_pass - count : 0,
			 r->breaker_per_pass);
	else if (need > hour_left)
		snprintf(why, cap, "%d destructive, %d left of max_destructive_per_hour=%d (%d in the"
			 " last hour)", need, hour_left > 0 ? hour_left : 0, r->breaker_per_hour,
			 c->local->destructive_last_hour);
}

static bool is_placement_kind(enum action_kind k)
{
	return k == ACT_PLACE_STOP || k == ACT_REPLACE_STOP || k == ACT_EMERGENCY_CLOSE;
}

/* Skips every essential action of the group rooted at `r` (the others follow
 * through their dependency), saying why in the notes and the findings. */
static void skip_group(struct plan_ctx *c, size_t r, const size_t *root, const bool *essential,
		       const char *why)
{
	char group[256];
	snprintf(group, sizeof group, "circuit breaker: its protection group needs %.150s: none of"
		 " it runs", why);
	for (size_t k = r; k < c->plan->nactions; k++) {
		struct action *a = &c->plan->actions[k];
		if (root[k] != r || !essential[k])
			continue;
		if (k == r)
			skip_action(a, "its protection group needs %s: none of it runs", why);
		else
			skip_action(a, "depends on action %d, skipped: its protection group needs %s",
				    a->depends_on, why);
		finding_says_breaker(c, a->finding, group);
	}
}

/* One action outside a protection group: skipped when what it depends on was,
 * or when it is destructive and does not fit; else it takes its budget. */
static void budget_one(struct plan_ctx *c, const struct policy_rule *r, struct action *a,
		       int *count)
{
	char why[160];
	if (a->status == ASTAT_SKIPPED)
		return;
	if (a->depends_on >= 0 && c->plan->actions[a->depends_on].status == ASTAT_SKIPPED) {
		skip_action(a, "depends on action %d, which was skipped", a->depends_on);
		return;
	}
	if (!action_kind_is_destructive(a->kind))
		return;
	breaker_reason(c, r, 1, *count, why, sizeof why);
	if (!why[0]) {
		(*count)++;
		return;
	}
	skip_action(a, "%s", why);
	char text[sizeof why + 20];
	snprintf(text, sizeof text, "circuit breaker: %s", why);
	finding_says_breaker(c, a->finding, text);
}

/*
 * The circuit breaker (rule 7) over the ranked plan, so protective actions
 * take the budget first. A protection group — a placement or emergency close
 * and everything it waits for (the chain of cancels that frees a stop's
 * balance), with every other placement waiting on the same chain — runs
 * whole or not at all: half of it would cancel a take-profit leg whose
 * bracket then never comes. Groups are found through depends_on (always
 * pointing back, so a group's first action comes first); a group whose
 * destructive actions (cancel_order, emergency_close) do not fit the budget
 * left for this pass or hour is skipped entirely, and its findings say why.
 * What only follows a placement (a futures replacement's cancel of the old
 * stop, an emergency close's cleanup of a stop) is not needed by it: budgeted
 * one by one after it, like every action outside a group.
 */
enum rk_rc recon_apply_breaker(struct plan_ctx *c)
{
	const struct policy_rule *r = policy_for(c->pol, c->local->venue, NULL);
	size_t n = c->plan->nactions, *root = malloc((n ? n : 1) * sizeof *root);
	int *need = calloc(n ? n : 1, sizeof *need), count = 0;
	bool *essential = calloc(n ? n : 1, sizeof *essential);
	char why[160];
	if (!root || !need || !essential) {
		free(root);
		free(need);
		free(essential);
		return recon_oom(c);
	}
	for (size_t i = 0; i < n; i++) {
		const struct action *a = &c->plan->actions[i];
		root[i] = a->depends_on >= 0 ? root[a->depends_on] : i;
		for (int k = (int)i; is_placement_kind(a->kind) && k >= 0 && !essential[k];
		     k = c->plan->actions[k].depends_on)
			essential[k] = true;
	}
	for (size_t i = 0; i < n; i++)
		need[root[i]] += essential[i] && action_kind_is_destructive(c->plan->actions[i].kind);
	for (size_t i = 0; i < n; i++) {
		if (!essential[i]) {
			budget_one(c, r, &c->plan->actions[i], &count);
			continue;
		}
		if (root[i] != i || need[i] == 0)
			continue; /* decided with its group's first action */
		breaker_reason(c, r, need[i], count, why, sizeof why);
		if (why[0])
			skip_group(c, i, root, essential, why);
		else
			count += need[i];
	}
	free(root);
	free(need);
	free(essential);
	return RK_OK;
}
