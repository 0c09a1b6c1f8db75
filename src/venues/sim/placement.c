/*
 * placement.c — venue_place on the simulated venue: the placement rules,
 * checked in order from a table, and the booking of an accepted order
 * (contract in sim.h).
 */
#include "sim_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "rtime.h"

/* ---- what the rules look at --------------------------------------------- */

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
	return req->type == OTYPE_LIMIT && have_last && sim_limit_crosses(req->side, req->price, last);
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

static bool is_stop_loss(enum order_type t)
{
	return t == OTYPE_STOP_MARKET || t == OTYPE_STOP_LIMIT || t == OTYPE_BRACKET;
}

struct sim_placement sim_placement_of(struct sim *s, const struct venue_order_req *req)
{
	enum order_type t = req->type;
	struct sim_placement p = {.s = s, .req = req, .last = dec_zero()};
	p.have_last = sim_current_price(s, req->symbol, &p.last);
	p.ins = sim_find_instrument(s, req->symbol);
	p.futures = s->market == MARKET_FUTURES;
	p.closing = p.futures && req->close_position;
	p.needs_price = t == OTYPE_LIMIT || t == OTYPE_STOP_LIMIT || t == OTYPE_BRACKET;
	p.needs_stop = t == OTYPE_STOP_MARKET || t == OTYPE_STOP_LIMIT || t == OTYPE_TAKE_PROFIT ||
		       t == OTYPE_BRACKET;
	return p;
}

/* ---- the rules, one predicate each (true: the rule refuses) --------------- */

static bool unknown_symbol(const struct sim_placement *p) { return !p->ins; }

static bool bad_side(const struct sim_placement *p)
{
	return p->req->side != SIDE_BUY && p->req->side != SIDE_SELL;
}

static bool unsupported_type(const struct sim_placement *p)
{
	return p->req->type != OTYPE_MARKET && !p->needs_price && !p->needs_stop;
}

/* Futures have no bracket; closePosition exists only on stop and take profit. */
static bool unsupported_on_market(const struct sim_placement *p)
{
	enum order_type t = p->req->type;
	return (t == OTYPE_BRACKET && p->futures) ||
	       (p->closing && t != OTYPE_STOP_MARKET && t != OTYPE_TAKE_PROFIT);
}

static bool missing_price(const struct sim_placement *p)
{
	const struct venue_order_req *r = p->req;
	return (p->needs_price && (!r->has_price || dec_sign(r->price) <= 0)) ||
	       (p->needs_stop && (!r->has_stop_price || dec_sign(r->stop_price) <= 0));
}

static bool off_tick(const struct sim_placement *p)
{
	const struct venue_order_req *r = p->req;
	return (p->needs_price && !is_multiple(r->price, p->ins->tick_size)) ||
	       (p->needs_stop && !is_multiple(r->stop_price, p->ins->tick_size));
}

static bool no_market_price(const struct sim_placement *p)
{
	return !p->have_last && (p->req->type == OTYPE_MARKET || p->needs_stop);
}

static bool close_without_position(const struct sim_placement *p)
{
	return p->closing && !sim_faces_position(p->s, p->req->symbol, p->req->side);
}

static bool bad_size(const struct sim_placement *p)
{
	return !p->closing &&
	       (dec_sign(p->req->qty) <= 0 || !is_multiple(p->req->qty, p->ins->step_size));
}

static bool below_min_qty(const struct sim_placement *p)
{
	return !p->closing && dec_cmp(p->req->qty, p->ins->min_qty) < 0;
}

static bool below_min_notional(const struct sim_placement *p)
{
	struct dec notional;
	bool exempt = p->futures && p->req->reduce_only; /* Binance: reduce only may be small */
	if (p->closing || exempt || dec_sign(p->ins->min_notional) <= 0)
		return false;
	return dec_mul(p->req->qty, reference_price(p->req, p->last), DEC_ROUND_HALF_EVEN,
		       &notional) ||
	       dec_cmp(notional, p->ins->min_notional) < 0;
}

/* A stop whose trigger is already through the price would fire at once:
 * Binance refuses it (-2021), and so does the sim on every market. */
static bool stop_would_trigger(const struct sim_placement *p)
{
	return is_stop_loss(p->req->type) && sim_stop_reached(p->req->side, p->req->stop_price, p->last);
}

static bool take_profit_would_trigger(const struct sim_placement *p)
{
	return p->req->type == OTYPE_TAKE_PROFIT &&
	       sim_limit_crosses(p->req->side, p->req->stop_price, p->last);
}

static bool bracket_take_profit_through(const struct sim_placement *p)
{
	return p->req->type == OTYPE_BRACKET &&
	       sim_limit_crosses(p->req->side, p->req->price, p->last);
}

/* Immediate reduce-only orders must face a position; resting conditional
 * ones are checked when they trigger. */
static bool reduce_only_without_position(const struct sim_placement *p)
{
	return p->futures && p->req->reduce_only &&
	       marketable_now(p->req, p->have_last, p->last) &&
	       !sim_faces_position(p->s, p->req->symbol, p->req->side);
}

/* Spot: the balance must be free of other orders' holds. (An instrument's
 * symbol always splits: the scenario parser refuses one that does not.) */
static bool insufficient_funds(const struct sim_placement *p)
{
	const struct venue_order_req *r = p->req;
	char base[MODEL_SYM_MAX] = "", quote[MODEL_SYM_MAX] = "";
	if (p->futures)
		return false;
	symbol_split(r->symbol, base, quote);
	struct dec need = r->qty;
	if (r->side == SIDE_BUY) {
		struct dec px = r->type == OTYPE_BRACKET ? dec_max(r->price, r->stop_price)
							 : reference_price(r, p->last);
		if (dec_mul(r->qty, px, DEC_ROUND_CEIL, &need))
			need = dec_from_int(INT64_MAX);
	}
	return dec_cmp(sim_free_balance(p->s, r->side == SIDE_BUY ? quote : base), need) < 0;
}

#define WOULD_TRIGGER VREJ_WOULD_TRIGGER, SIM_WOULD_TRIGGER_CODE, true, SIM_WOULD_TRIGGER_MSG, \
		      SIM_WOULD_TRIGGER_MSG

/* Checked in this order; the first rule that refuses answers. Rules after
 * unknown_symbol may read p->ins; rules after no_market_price may read
 * p->last for every order that needs it. */
const struct sim_placement_rule SIM_PLACEMENT_RULES[] = {
	{"unknown_symbol", unknown_symbol, VREJ_INVALID, -1121, false, "Invalid symbol.",
	 "UNKNOWN_PRODUCT_ID"},
	{"bad_side", bad_side, VREJ_INVALID, -1102, false,
	 "Mandatory parameter 'side' was not sent.", "INVALID_SIDE"},
	{"unsupported_type", unsupported_type, VREJ_INVALID, -1116, false, "Invalid orderType.",
	 "UNSUPPORTED_ORDER_CONFIGURATION"},
	{"unsupported_on_market", unsupported_on_market, VREJ_INVALID, -1116, false,
	 "Invalid orderType.", "UNSUPPORTED_ORDER_CONFIGURATION"},
	{"missing_price", missing_price, VREJ_INVALID, -1102, false,
	 "Mandatory parameter 'price' was not sent.", "INVALID_LIMIT_PRICE"},
	{"off_tick", off_tick, VREJ_INVALID, -4014, false, "Price not increased by tick size.",
	 "INVALID_PRICE_PRECISION"},
	{"no_market_price", no_market_price, VREJ_OTHER, -1003, false, "No market price.",
	 "NO_MARKET_PRICE"},
	{"close_without_position", close_without_position, VREJ_INVALID, -2022, false,
	 "ReduceOnly Order is rejected.", ""},
	{"bad_size", bad_size, VREJ_INVALID, -1111, false,
	 "Precision is over the maximum defined for this asset.", "INVALID_SIZE_PRECISION"},
	{"below_min_qty", below_min_qty, VREJ_INVALID, -4003, false,
	 "Quantity less than minimum quantity.", "INVALID_BASE_SIZE_TOO_SMALL"},
	{"below_min_notional", below_min_notional, VREJ_INVALID, -4164, false,
	 "Order's notional must be no smaller than the minimum.", "INVALID_QUOTE_SIZE_TOO_SMALL"},
	{"stop_would_trigger", stop_would_trigger, WOULD_TRIGGER},
	{"take_profit_would_trigger", take_profit_would_trigger, WOULD_TRIGGER},
	{"bracket_take_profit_through", bracket_take_profit_through, VREJ_INVALID, -4014, false,
	 "Take profit already through the price.", "INVALID_LIMIT_PRICE"},
	{"reduce_only_without_position", reduce_only_without_position, VREJ_INVALID, -2022, false,
	 "ReduceOnly Order is rejected.", ""},
	{"insufficient_funds", insufficient_funds, VREJ_INSUFFICIENT_FUNDS, -2019, false,
	 "Margin is insufficient.", "INSUFFICIENT_FUND"},
};
const size_t SIM_PLACEMENT_RULE_COUNT = sizeof SIM_PLACEMENT_RULES / sizeof SIM_PLACEMENT_RULES[0];

/* Fills in the refusal of `rule`. Binance answers with a code and message,
 * Coinbase with a failure_reason; the sim speaks like the venue it
 * impersonates. */
static void refuse(const struct sim *s, const struct sim_placement_rule *rule,
		   struct venue_place_result *out)
{
	bool binance = sim_is_binance(s);
	out->outcome = VOUT_REJECTED;
	out->reject = rule->reject;
	out->order_id[0] = '\0';
	out->status = OSTATUS_REJECTED;
	out->venue_code = binance || rule->code_everywhere ? rule->code : 0;
	sim_copy_str(out->reason, sizeof out->reason,
		     binance ? rule->binance_msg : rule->coinbase_reason);
}

const struct sim_placement_rule *sim_placement_refusal(const struct sim_placement *p)
{
	for (size_t i = 0; i < SIM_PLACEMENT_RULE_COUNT; i++)
		if (SIM_PLACEMENT_RULES[i].refused(p))
			return &SIM_PLACEMENT_RULES[i];
	return NULL;
}

/* Books an accepted placement as a new order; *created (OUT) points at it. */
static enum rk_rc create_order(struct sim *s, const struct venue_order_req *req,
			       struct sim_order **created, struct rk_err *err)
{
	struct sim_order *o = rk_array_push(&s->orders);
	if (!o)
		return rk_err_set(err, RK_ENOMEM, "sim: out of memory");
	memset(o, 0, sizeof *o);
	struct order_rec *r = &o->rec;
	rtime_format(sim_now_us(s), r->ts);
	r->venue = s->base.kind;
	sim_copy_str(r->account, sizeof r->account, s->account);
	sim_copy_str(r->symbol, sizeof r->symbol, req->symbol);
	do {
		snprintf(r->order_id, sizeof r->order_id, "sim-%s-%" PRIu64, s->name,
			 ++s->next_order_no);
	} while (sim_find_order(s, r->order_id)); /* o is not indexed yet */
	sim_copy_str(r->client_order_id, sizeof r->client_order_id, req->client_order_id);
	r->side = req->side;
	r->type = req->type;
	r->status = OSTATUS_OPEN;
	r->purpose = req->purpose;
	o->close_position = s->market == MARKET_FUTURES && req->close_position;
	r->reduce_only = s->market == MARKET_FUTURES && (req->reduce_only || o->close_position);
	r->qty = req->qty;
	if (o->close_position) {
		struct position *p = sim_find_position(s, req->symbol, false);
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
	enum rk_rc rc_ix = sim_indexed(s, &s->orders, err);
	if (rc_ix) {
		s->orders.n--;
		return rc_ix;
	}
	*created = o;
	return RK_OK;
}

enum rk_rc sim_place(struct venue *v, const struct venue_order_req *req,
			    struct venue_place_result *out, struct rk_err *err)
{
	struct sim *s = sim_of(v);
	struct sim_order *o = NULL;
	struct fault *f;
	enum rk_rc rc;

	if (!s)
		return rk_err_set(err, RK_EINVAL, "sim: not a sim venue");
	if ((rc = sim_log_call(s, SIM_CALL_PLACE, req->symbol, NULL, req->client_order_id, err)))
		return rc;
	s->log.v[s->log.n - 1].type = req->type;
	s->log.v[s->log.n - 1].side = req->side;

	/* Idempotent on client order id, as Coinbase is: the first order stands. */
	if ((o = sim_find_order_by_client(s, req->client_order_id))) {
		out->outcome = VOUT_OK;
		sim_copy_str(out->order_id, sizeof out->order_id, o->rec.order_id);
		out->status = o->rec.status;
		out->has_order = true;
		out->order = o->rec;
		snprintf(out->reason, sizeof out->reason,
			 "client order id already used: existing order returned");
		return RK_OK;
	}

	if ((f = sim_fault_take(s, FAULT_PLACE_FAILS, req->symbol, NULL, req->client_order_id))) {
		out->outcome = VOUT_REJECTED;
		out->reject = f->reject;
		out->venue_code = f->code;
		out->status = OSTATUS_REJECTED;
		sim_copy_str(out->reason, sizeof out->reason,
			     f->reason[0] ? f->reason : "refused (scripted)");
		return RK_OK;
	}
	if ((f = sim_fault_take(s, FAULT_PLACE_WOULD_TRIGGER, req->symbol, NULL,
				req->client_order_id))) {
		out->outcome = VOUT_REJECTED;
		out->reject = VREJ_WOULD_TRIGGER;
		out->venue_code = SIM_WOULD_TRIGGER_CODE;
		out->status = OSTATUS_REJECTED;
		sim_copy_str(out->reason, sizeof out->reason,
			     f->reason[0] ? f->reason : SIM_WOULD_TRIGGER_MSG);
		return RK_OK;
	}
	struct fault *unknown = sim_fault_take(s, FAULT_PLACE_UNKNOWN, req->symbol, NULL,
					       req->client_order_id);
	if (unknown && !unknown->happened) {
		out->outcome = VOUT_UNKNOWN;
		sim_copy_str(out->reason, sizeof out->reason,
			     unknown->reason[0] ? unknown->reason : "timeout (scripted): order not placed");
		return RK_OK;
	}

	const struct sim_placement p = sim_placement_of(s, req);
	const struct sim_placement_rule *refusal = sim_placement_refusal(&p);
	if (refusal) {
		refuse(s, refusal, out);
		if (unknown) { /* the answer was lost; the refusal stands on the venue */
			out->outcome = VOUT_UNKNOWN;
			out->reject = VREJ_NONE;
			out->venue_code = 0;
			sim_copy_str(out->reason, sizeof out->reason, "timeout (scripted)");
		}
		return RK_OK;
	}
	if ((rc = create_order(s, req, &o, err)))
		return rc;
	/* Market orders, and limits already through the price, trade at once. */
	if (marketable_now(req, p.have_last, p.last)) {
		if ((rc = sim_execute(s, o, p.last, LIQ_TAKER, err)))
			return rc;
	}

	out->outcome = VOUT_OK;
	sim_copy_str(out->order_id, sizeof out->order_id, o->rec.order_id);
	out->status = o->rec.status;
	out->has_order = true;
	out->order = o->rec;
	if (unknown) {
		out->outcome = VOUT_UNKNOWN;
		out->order_id[0] = '\0';
		out->has_order = false;
		sim_copy_str(out->reason, sizeof out->reason,
			     unknown->reason[0] ? unknown->reason : "timeout (scripted)");
	} else if ((f = sim_fault_take(s, FAULT_PLACE_NO_ORDER_ID, req->symbol, NULL,
				       req->client_order_id))) {
		/* "success" with no id: venue_place reports it as unknown. */
		out->order_id[0] = '\0';
		out->has_order = false;
		sim_copy_str(out->reason, sizeof out->reason, f->reason);
	}
	return RK_OK;
}
