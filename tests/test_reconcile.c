/*
 * test_reconcile.c — the reconciliation pass (src/core/reconcile.h) as a
 * specification: each test builds a local state and a venue snapshot by hand,
 * runs one pass, and asserts on the findings and the planned actions. Every
 * safety rule of reconcile.h has a test here that fails if the rule breaks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "reconcile.h"
#include "rtime.h"
#include "tu_core.h"

#define NOW_US ((int64_t)1763866000 * 1000000)
#define CAP 32

/* ---- fixture ---- */

struct fx {
	struct local_state local;
	struct local_order lorders[CAP];
	struct local_position lpos[CAP];
	struct local_attempts attempts[CAP];
	struct local_leg llegs[CAP];
	struct local_inferred linferred[CAP];
	char halted[CAP][MODEL_SYM_MAX];
	bool known[CAP];

	struct venue_snapshot snap;
	struct order_rec orders[CAP];
	struct venue_position pos[CAP];
	struct fill_rec fills[CAP];
	struct venue_price prices[CAP];
	struct instrument inst[CAP];

	struct venue_caps caps;
	struct policy *pol;
	struct recon_plan plan;
};

static void use_policy(struct fx *f, const char *json)
{
	struct rk_err err;
	policy_free(f->pol);
	f->pol = NULL;
	if (policy_parse(json, &f->pol, &err) != RK_OK)
		fail_msg("policy: %s", err.msg);
}

static void fx_venue(struct fx *f, enum venue_kind v, bool hold, bool bracket, bool futures)
{
	f->local.venue = v;
	f->caps = (struct venue_caps){.orders_hold_balance = hold, .has_bracket = bracket,
				      .is_futures = futures};
}

/* Coinbase-like spot without brackets unless a test turns them on. */
static void spot(struct fx *f)
{
	fx_venue(f, VENUE_COINBASE, true, false, false);
}

static void futures(struct fx *f)
{
	fx_venue(f, VENUE_BINANCE_USDM, false, false, true);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct rk_err err;
	if (!f || policy_default(&f->pol, &err) != RK_OK)
		return -1;
	snprintf(f->local.account, sizeof f->local.account, "default");
	f->local.now_us = NOW_US;
	f->local.orders = f->lorders;
	f->local.positions = f->lpos;
	f->local.attempts = f->attempts;
	f->local.legs = f->llegs;
	f->local.inferred = f->linferred;
	f->local.halted = f->halted;
	f->local.fill_known = f->known;
	f->snap.complete = true;
	f->snap.orders = f->orders;
	f->snap.positions = f->pos;
	f->snap.fills = f->fills;
	f->snap.prices = f->prices;
	f->snap.instruments = f->inst;
	spot(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	recon_plan_free(&f->plan);
	policy_free(f->pol);
	free(f);
	return 0;
}

/* Inferred fills of an order in the journal that no real fill superseded. */
static void journal_inferred(struct fx *f, const char *order_id, const char *qty)
{
	struct local_inferred *in = &f->linferred[f->local.ninferred++];
	snprintf(in->order_id, sizeof in->order_id, "%s", order_id);
	in->qty = tu_dec(qty);
}

/* An exchange position (and its price); entry may be NULL. */
static void position(struct fx *f, const char *sym, const char *qty, const char *entry,
		     const char *last)
{
	struct venue_position *p = &f->pos[f->snap.npositions++];
	snprintf(p->symbol, sizeof p->symbol, "%s", sym);
	p->qty = tu_dec(qty);
	if (entry) {
		p->has_entry = true;
		p->entry_price = tu_dec(entry);
	}
	struct venue_price *px = &f->prices[f->snap.nprices++];
	snprintf(px->symbol, sizeof px->symbol, "%s", sym);
	px->last = tu_dec(last);
}

/* The journal's position; avg may be NULL. */
static void journal_position(struct fx *f, const char *sym, const char *qty, const char *avg)
{
	struct local_position *p = &f->lpos[f->local.npositions++];
	snprintf(p->symbol, sizeof p->symbol, "%s", sym);
	p->qty = tu_dec(qty);
	if (avg) {
		p->has_avg = true;
		p->avg_entry = tu_dec(avg);
	}
}

/* An exchange position the journal agrees with (no drift). */
static void held(struct fx *f, const char *sym, const char *qty, const char *entry,
		 const char *last)
{
	position(f, sym, qty, f->caps.is_futures ? entry : NULL, last);
	journal_position(f, sym, qty, entry);
}

static void instrument(struct fx *f, const char *sym, const char *tick, const char *step,
		       const char *min_qty, const char *min_notional)
{
	struct instrument *in = &f->inst[f->snap.ninstruments++];
	snprintf(in->symbol, sizeof in->symbol, "%s", sym);
	in->tick_size = tu_dec(tick);
	in->step_size = tu_dec(step);
	in->min_qty = tu_dec(min_qty);
	in->min_notional = tu_dec(min_notional);
}

static struct order_rec make_order(struct fx *f, const char *sym, const char *id,
				   enum side side, enum order_type type, const char *qty,
				   const char *price, const char *stop)
{
	struct order_rec o;
	memset(&o, 0, sizeof o);
	o.venue = f->local.venue;
	snprintf(o.account, sizeof o.account, "default");
	snprintf(o.symbol, sizeof o.symbol, "%s", sym);
	snprintf(o.order_id, sizeof o.order_id, "%s", id);
	o.side = side;
	o.type = type;
	o.status = OSTATUS_OPEN;
	o.qty = tu_dec(qty);
	if (price) {
		o.has_price = true;
		o.price = tu_dec(price);
	}
	if (stop) {
		o.has_stop_price = true;
		o.stop_price = tu_dec(stop);
	}
	return o;
}

/* An open order on the exchange that the journal also knows. */
static struct order_rec *known_order(struct fx *f, const char *sym, const char *id,
				     enum side side, enum order_type type, const char *qty,
				     const char *price, const char *stop)
{
	struct order_rec *o = &f->orders[f->snap.norders++];
	*o = make_order(f, sym, id, side, type, qty, price, stop);
	f->lorders[f->local.norders++].rec = *o;
	return o;
}

/* An open order on the exchange only. */
static struct order_rec *orphan_order(struct fx *f, const char *sym, const char *id,
				      enum side side, enum order_type type, const char *qty,
				      const char *price, const char *stop)
{
	struct order_rec *o = &f->orders[f->snap.norders++];
	*o = make_order(f, sym, id, side, type, qty, price, stop);
	return o;
}

/* A journaled open order the exchange no longer lists. */
static void missing_order(struct fx *f, const char *sym, const char *id, int passes,
			  int64_t since_us)
{
	struct local_order *lo = &f->lorders[f->local.norders++];
	lo->rec = make_order(f, sym, id, SIDE_BUY, OTYPE_LIMIT, "1", "10", NULL);
	lo->missing_passes = passes;
	lo->missing_since_us = since_us;
}

static struct fill_rec *exchange_fill(struct fx *f, const char *sym, const char *id,
				      enum side side, const char *qty, const char *price,
				      bool known)
{
	struct fill_rec *fl = &f->fills[f->snap.nfills];
	memset(fl, 0, sizeof *fl);
	fl->venue = f->local.venue;
	snprintf(fl->symbol, sizeof fl->symbol, "%s", sym);
	snprintf(fl->fill_id, sizeof fl->fill_id, "%s", id);
	snprintf(fl->order_id, sizeof fl->order_id, "o-%s", id);
	fl->side = side;
	fl->qty = tu_dec(qty);
	fl->price = tu_dec(price);
	f->known[f->snap.nfills++] = known;
	return fl;
}

static void run(struct fx *f)
{
	struct rk_err err = {0};
	recon_plan_free(&f->plan);
	if (reconcile_plan(&f->local, &f->snap, &f->caps, f->pol, &f->plan, &err) != RK_OK)
		fail_msg("reconcile_plan: %s", err.msg);
}

/* ---- plan queries ---- */

static size_t count_findings(const struct fx *f, enum finding_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < f->plan.nfindings; i++)
		n += f->plan.findings[i].kind == k;
	return n;
}

static const struct finding *finding_of(const struct fx *f, enum finding_kind k,
					const char *sym)
{
	for (size_t i = 0; i < f->plan.nfindings; i++)
		if (f->plan.findings[i].kind == k && strcmp(f->plan.findings[i].symbol, sym) == 0)
			return &f->plan.findings[i];
	fail_msg("no %s finding for %s", finding_kind_name(k), sym);
	return NULL;
}

static size_t count_actions(const struct fx *f, enum action_kind k)
{
	size_t n = 0;
	for (size_t i = 0; i < f->plan.nactions; i++)
		n += f->plan.actions[i].kind == k;
	return n;
}

/* Index of the nth (0-based) action of kind k; fails the test if absent. */
static int action_at(const struct fx *f, enum action_kind k, int nth)
{
	for (size_t i = 0; i < f->plan.nactions; i++)
		if (f->plan.actions[i].kind == k && nth-- == 0)
			return (int)i;
	fail_msg("no %s action", action_kind_name(k));
	return -1;
}

static const struct action *act(const struct fx *f, int i)
{
	return &f->plan.actions[i];
}

static size_t count_destructive_or_placing(const struct fx *f)
{
	size_t n = 0;
	for (size_t i = 0; i < f->plan.nactions; i++) {
		enum action_kind k = f->plan.actions[i].kind;
		n += k != ACT_ADOPT_ORDER && k != ACT_RECORD_INFERRED_FILL;
	}
	return n;
}

static void assert_dec_text(struct dec d, const char *want)
{
	char buf[DEC_STR_MAX];
	assert_string_equal(dec_format(d, buf), want);
}

/* The string value of `key` in a finding's JSON detail. */
static void assert_detail(const struct finding *fd, const char *key, const char *want)
{
	cJSON *o = cJSON_Parse(fd->detail);
	assert_non_null(o);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	if (!cJSON_IsString(v))
		fail_msg("detail %s has no string %s", fd->detail, key);
	assert_string_equal(v->valuestring, want);
	cJSON_Delete(o);
}

/* ---- rule 1: incomplete snapshot ---- */

static void test_incomplete_snapshot_plans_no_destructive_action(void **state)
{
	struct fx *f = *state;
	use_policy(f, "{\"defaults\":{\"orphans\":\"cancel\"}}");
	f->snap.complete = false;
	snprintf(f->snap.incomplete_reason, sizeof f->snap.incomplete_reason,
		 "open orders page 2: timeout");
	held(f, "TOWNS-USD", "536.6", "0.021", "0.005");
	known_order(f, "TOWNS-USD", "sell-1", SIDE_SELL, OTYPE_LIMIT, "536.6", "0.03", NULL);
	orphan_order(f, "ELA-USD", "buy-9", SIDE_BUY, OTYPE_LIMIT, "3", "1", NULL);
	missing_order(f, "UNI-USD", "gone-1", 5, NOW_US - 3600 * (int64_t)1000000);
	run(f);
	assert_false(f->plan.complete);
	assert_non_null(strstr(f->plan.reason, "open orders page 2: timeout"));
	assert_int_equal(count_destructive_or_placing(f), 0);
	/* The findings are still reported. */
	assert_int_equal(count_findings(f, FIND_MISSING_STOP), 1);
	assert_int_equal(count_findings(f, FIND_ORPHAN_EXCHANGE_ORDER), 1);
	assert_int_equal(count_findings(f, FIND_STALE_LOCAL_ORDER), 1);
}

static void test_incomplete_snapshot_still_adopts_and_records_fills(void **state)
{
	struct fx *f = *state;
	f->snap.complete = false;
	orphan_order(f, "ELA-USD", "buy-9", SIDE_BUY, OTYPE_LIMIT, "3", "1", NULL);
	exchange_fill(f, "ELA-USD", "f-1", SIDE_BUY, "2", "1", false);
	run(f);
	assert_int_equal(count_actions(f, ACT_ADOPT_ORDER), 1);
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 1);
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0);
}

/* ---- rule 2: stale local orders ---- */

static void test_stale_order_first_seen_is_finding_only(void **state)
{
	struct fx *f = *state;
	/* Even with no quiet period and one pass required, the first sighting
	 * only starts the clock. */
	use_policy(f, "{\"defaults\":{\"stale_min_passes\":1,\"stale_quiet_seconds\":0}}");
	missing_order(f, "UNI-USD", "gone-1", 0, 0);
	run(f);
	assert_int_equal(count_findings(f, FIND_STALE_LOCAL_ORDER), 1);
	assert_int_equal(f->plan.nactions, 0);
}

static void test_stale_order_not_closed_before_quiet_period(void **state)
{
	struct fx *f = *state;
	/* Enough passes (1 earlier + this one = 2), but only 30 s of the 60 s. */
	missing_order(f, "UNI-USD", "gone-1", 1, NOW_US - 30 * (int64_t)1000000);
	run(f);
	assert_int_equal(count_findings(f, FIND_STALE_LOCAL_ORDER), 1);
	assert_int_equal(count_actions(f, ACT_CLOSE_LOCAL_ORDER), 0);
}

static void test_stale_order_not_closed_before_min_passes(void **state)
{
	struct fx *f = *state;
	use_policy(f, "{\"defaults\":{\"stale_min_passes\":3}}");
	missing_order(f, "UNI-USD", "gone-1", 1, NOW_US - 600 * (int64_t)1000000);
	run(f);
	assert_int_equal(count_actions(f, ACT_CLOSE_LOCAL_ORDER), 0);
}

static void test_stale_order_closed_after_passes_and_quiet_period(void **state)
{
	struct fx *f = *state;
	missing_order(f, "UNI-USD", "gone-1", 1, NOW_US - 61 * (int64_t)1000000);
	run(f);
	int i = action_at(f, ACT_CLOSE_LOCAL_ORDER, 0);
	assert_string_equal(act(f, i)->order_id, "gone-1");
	assert_int_equal(act(f, i)->status, ASTAT_PLANNED);
	assert_int_equal(f->plan.findings[act(f, i)->finding].kind, FIND_STALE_LOCAL_ORDER);
}

static void test_stale_order_matched_by_client_order_id_is_not_stale(void **state)
{
	struct fx *f = *state;
	struct order_rec *o =
		orphan_order(f, "UNI-USD", "exch-7", SIDE_BUY, OTYPE_LIMIT, "1", "10", NULL);
	snprintf(o->client_order_id, sizeof o->client_order_id, "bot-7");
	missing_order(f, "UNI-USD", "", 3, NOW_US - 600 * (int64_t)1000000);
	snprintf(f->lorders[0].rec.client_order_id, MODEL_ID_MAX, "bot-7");
	run(f);
	assert_int_equal(f->plan.nfindings, 0);
}

/* ---- rule 2c: fill regression ---- */

static void test_fill_regression_halts_symbol(void **state)
{
	struct fx *f = *state;
	futures(f);
	held(f, "ICXUSDT", "100", "0.2", "0.19");
	struct order_rec *o =
		known_order(f, "ICXUSDT", "tp-1", SIDE_SELL, OTYPE_LIMIT, "100", "0.3", NULL);
	o->has_filled_qty = true;
	o->filled_qty = tu_dec("3");
	f->lorders[0].rec.has_filled_qty = true;
	f->lorders[0].rec.filled_qty = tu_dec("5");
	held(f, "ATOMUSDT", "10", "2.5", "2.5"); /* unprotected, not halted */
	run(f);
	const struct finding *fr = finding_of(f, FIND_FILL_REGRESSION, "ICXUSDT");
	assert_detail(fr, "journal_filled_qty", "5");
	assert_detail(fr, "exchange_filled_qty", "3");
	/* ICXUSDT is unprotected too: reported, but nothing is done there. */
	assert_int_equal(count_findings(f, FIND_MISSING_STOP), 2);
	for (size_t i = 0; i < f->plan.nactions; i++)
		assert_string_not_equal(f->plan.actions[i].symbol, "ICXUSDT");
	assert_string_equal(act(f, action_at(f, ACT_PLACE_STOP, 0))->symbol, "ATOMUSDT");
}

static void test_halted_symbol_gets_findings_but_no_actions(void **state)
{
	struct fx *f = *state;
	held(f, "TOWNS-USD", "536.6", "0.021", "0.02");
	orphan_order(f, "TOWNS-USD", "x-1", SIDE_BUY, OTYPE_LIMIT, "5", "0.01", NULL);
	snprintf(f->halted[f->local.nhalted++], MODEL_SYM_MAX, "TOWNS-USD");
	run(f);
	assert_int_equal(count_findings(f, FIND_MISSING_STOP), 1);
	assert_int_equal(count_findings(f, FIND_ORPHAN_EXCHANGE_ORDER), 1);
	assert_int_equal(f->plan.nactions, 0);
}

/* ---- orphans ---- */

static void test_orphan_adopted_by_default(void **state)
{
	struct fx *f = *state;
	orphan_order(f, "ELA-USD", "buy-9", SIDE_BUY, OTYPE_LIMIT, "3", "1", NULL);
	run(f);
	int i = action_at(f, ACT_ADOPT_ORDER, 0);
	assert_string_equal(act(f, i)->order.order_id, "buy-9");
	assert_int_equal(act(f, i)->order.purpose, PURPOSE_ENTRY);
	assert_int_equal(count_actions(f, ACT_CANCEL_ORDER), 0);
}

static void test_orphan_cancelled_per_policy(void **state)
{
	struct fx *f = *state;
	use_policy(f, "{\"defaults\":{\"orphans\":\"cancel\"}}");
	orphan_order(f, "ELA-USD", "buy-9", SIDE_BUY, OTYPE_LIMIT, "3", "1", NULL);
	run(f);
	assert_string_equal(act(f, action_at(f, ACT_CANCEL_ORDER, 0))->order_id, "buy-9");
	assert_int_equal(count_actions(f, ACT_ADOPT_ORDER), 0);
}

static void test_orphan_reported_per_policy(void **state)
{
	struct fx *f = *state;
	use_policy(f, "{\"defaults\":{\"orphans\":\"report\"}}");
	orphan_order(f, "ELA-USD", "buy-9", SIDE_BUY, OTYPE_LIMIT, "3", "1", NULL);
	run(f);
	assert_int_equal(count_findings(f, FIND_ORPHAN_EXCHANGE_ORDER), 1);
	assert_int_equal(f->plan.nactions, 0);
}

static void test_orphan_protective_stop_is_adopted_not_cancelled(void **state)
{
	struct fx *f = *state;
	futures(f);
	use_policy(f, "{\"defaults\":{\"orphans\":\"cancel\"}}");
	held(f, "ATOMUSDT", "-494.07", "2.529", "2.52");
	orphan_order(f, "ATOMUSDT", "sl-1", SIDE_BUY, OTYPE_STOP_MARKET, "494.07", NULL, "2.534");
	run(f);
	int i = action_at(f, ACT_ADOPT_ORDER, 0);
	assert_int_equal(act(f, i)->order.purpose, PURPOSE_STOP_LOSS);
	assert_int_equal(count_actions(f, ACT_CANCEL_ORDER), 0);
	assert_int_equal(f->plan.nactions, 1);
}

/* ---- rule 5: preservation and closing positions ---- */

static void test_working_stop_is_preserved(void **state)
{
	struct fx *f = *state;
	futures(f);
	held(f, "ATOMUSDT", "-494.07", "2.529", "2.52");
	known_order(f, "ATOMUSDT", "sl-1", SIDE_BUY, OTYPE_STOP_MARKET, "494.07", NULL, "2.534");
	run(f);
	assert_int_equal(f->plan.nfindings, 0);
	assert_int_equal(f->plan.nactions, 0);
}

static void test_split_stops_covering_position_are_preserved(void **state)
{
	struct fx *f = *state;
	held(f, "ATOM-USD", "38.45", "5", "4.9");
	known_order(f, "ATOM-USD", "sl-a", SIDE_SELL, OTYPE_STOP_LIMIT, "20", "4.5", "4.6");
	known_order(f, "ATOM-USD", "sl-b", SIDE_SELL, OTYPE_STOP_LIMIT, "18.45", "4.4", "4.5");
	run(f);
	assert_int_equal(f->plan.nfindings, 0);
	assert_int_equal(f->plan.nactions, 0);
}

static void test_no_stop_for_closing_position(void **state)
{
	struct fx *f = *state;
	held(f, "UNFI-USD", "12", "10", "9.5");
	/* A limit sell below the last price is marketable: the position is closing. */
	known_order(f, "UNFI-USD", "exit-1", SIDE_SELL, OTYPE_LIMIT, "12", "9.4", NULL);
	run(f);
	assert_int_equal(f->plan.nfindings, 0);
	assert_int_equal(f->plan.nactions, 0);
}

static void test_partial_exit_does_not_count_as_closing(void **state)
{
	struct fx *f = *state;
	held(f, "UNFI-USD", "12", "10", "9.5");
	known_order(f, "UNFI-USD", "exit-1", SIDE_SELL, OTYPE_MARKET, "5", NULL, NULL);
	run(f);
	assert_int_equal(count_findings(f, FIND_MISSING_STOP), 1);
}

/* ---- placing stops ---- */

static void test_missing_stop_on_spot_places_stop_limit(void **state)
{
	struct fx *f = *state;
	held(f, "ATOM-USD", "38.45", "5", "4.9");
	instrument(f, "ATOM-USD", "0.001", "0.01", "0.01", "1");
	run(f);
	assert_int_equal(count_findings(f, FIND_MISSING_STOP), 1);
	const struct action *a = act(f, action_at(f, ACT_PLACE_STOP, 0));
	assert_int_equal(a->req.type, OTYPE_STOP_LIMIT);
	assert_int_equal(a->req.side, SIDE_SELL);
	assert_int_equal(a->req.purpose, PURPOSE_STOP_LOSS);
	assert_dec_text(a->req.qty, "38.45");
	assert_dec_text(a->req.stop_price, "4.75");  /* 5 × 0.95 */
	assert_dec_text(a->req.price, "4.702");      /* 4.75 × 0.99, down to the tick */
	assert_false(a->req.reduce_only);
	assert_int_equal(a->depends_on, -1);
}

static void test_missing_stop_on_futures_places_close_position_stop(void **state)
{
	struct fx *f = *state;
	futures(f);
	held(f, "ATOMUSDT", "-494.07", "2.529", "2.52");
	run(f);
	const struct action *a = act(f, action_at(f, ACT_PLACE_STOP, 0));
	assert_int_equal(a->req.type, OTYPE_STOP_MARKET);
	assert_int_equal(a->req.side, SIDE_BUY);
	assert_true(a->req.reduce_only);
	assert_true(a->req.close_position);
	assert_dec_text(a->req.stop_price, "2.65545"); /* 2.529 × 1.05 */
}

static void test_stop_price_quantized_away_from_trigger(void **state)
{
	struct fx *f = *state;
	futures(f);
	held(f, "LONGUSDT", "10.7", "1", "1");
	instrument(f, "LONGUSDT", "0.03", "0.5", "0", "0");
	held(f, "SHORTUSDT", "-10", "1", "1");
	instrument(f, "SHORTUSDT", "0.04", "1", "0", "0");
	run(f);
	const struct action *lng = act(f, action_at(f, ACT_PLACE_STOP, 0));
	const struct action *sht = act(f, action_at(f, ACT_PLACE_STOP, 1));
	assert_string_equal(lng->symbol, "LONGUSDT");
	assert_dec_text(lng->req.stop_price, "0.93"); /* 0.95 down to 0.03 ticks */
	assert_dec_text(lng->req.qty, "10.5");        /* 10.7 down to 0.5 steps */
	assert_dec_text(sht->req.stop_price, "1.08"); /* 1.05 up to 0.04 ticks */
}

static void test_far_below_entry_stops_from_last_by_default(void **state)
{
	struct fx *f = *state;
	held(f, "TOWNS-USD", "536.6", "0.021", "0.005");
	run(f);
	const struct finding *fd = finding_of(f, FIND_MISSING_STOP, "TOWNS-USD");
	assert_detail(fd, "loss_pct", "76.19");
	const struct action *a = act(f, action_at(f, ACT_PLACE_STOP, 0));
	assert_dec_text(a->req.stop_price, "0.00475"); /* 5% below the last price */
	assert_non_null(strstr(a->note, "76.19% below entry"));
	assert_non_null(strstr(a->note, "past_stop=stop_from_last"));
	assert_int_equal(count_actions(f, ACT_EMERGENCY_CLOSE), 0);
}

static void test_far_below_entry_exits_when_policy_says(void **state)
{
	struct fx *f = *state;
	use_policy(f, "{\"defaults\":{\"past_stop\":\"exit_now\"}}");
	held(f, "TOWNS-USD", "536.6", "0.021", "0.005");
	run(f);
	const struct action *a = act(f, action_at(f, ACT_EMERGENCY_CLOSE, 0));
	assert_int_equal(a->req.type, OTYPE_MARKET);
	assert_int_equal(a->req.purpose, PURPOSE_EXIT);
	assert_dec_text(a->req.qty, "536.6");
	assert_int_equal(count_actions(f, ACT_PLACE_STOP), 0);
}

static void test_hard_stop_exits_at_market(void **state)
{
	struct fx *f = *state;
	use_policy(f, "{\"defaults\":{\"hard_stop_pct\":\"10\"}}");
	held(f, "UNI-USD", "4.158", "10", "8.454"); /* 15.46% loss */
	run(f);
	const struct action *a = act(f, action_at(f, ACT_EMERGENCY_CLOSE, 0));
	assert_non_null(strstr(a->note, "hard_stop_pct"));
}

static void test_stop_from_last_when_policy_says(void **state)
{
	struct fx *f = *state;
	use_policy(f, "{\"defaults\":{\"stop_from\":\"last\",\"stop_pct\":2}}");
	held(f, "ATOM-USD", "38.45", "5", "4");
	run(f);
	assert_dec_text(act(f, action_at(f, ACT_PLACE_STOP, 0))->req.stop_price, "3.92");
}

/* ---- rule 9: dust ---- */

static void test_dust_is_reported_not_protected(void **state)
{
	struct fx *f = *state;
	held(f, "CLANKER-USD", "0.4542", "40", "1.5");   /* worth 0.68 < 1 */
	held(f, "ZORA-USD", "497", "0.1", "0.09");
	instrument(f, "ZORA-USD", "0.0001", "1", "1000", "0"); /* below the venue minimum */
	run(f);
	assert_int_equal(count_findings(f, FIND_DUST), 2);
	assert_int_equal(count_findings(f, FIND_MISSING_STOP), 0);
	assert_int_equal(f->plan.nactions, 0);
}

/* ---- rule 3: replacing a stop ---- */

static void test_replace_on_futures_places_before_cancel(void **state)
{
	struct fx *f = *state;
	futures(f);
	held(f, "ICXUSDT", "100", "0.2", "0.2");
	known_order(f, "ICXUSDT", "sl-old", SIDE_SELL, OTYPE_STOP_MARKET, "50", NULL, "0.18");
	run(f);
	assert_int_equal(count_findings(f, FIND_STOP_SIZE_MISMATCH), 1);
	int place = action_at(f, ACT_REPLACE_STOP, 0);
	int cancel = action_at(f, ACT_CANCEL_ORDER, 0);
	assert_true(place < cancel);
	assert_int_equal(act(f, place)->depends_on, -1);
	assert_int_equal(act(f, cancel)->depends_on, place);
	assert_string_equal(act(f, cancel)->order_id, "sl-old");
	assert_dec_text(act(f, place)->req.qty, "100");
	/* The old stop is still working while the new one goes in. */
	assert_false(act(f, place)->req.close_position);
	assert_true(act(f, place)->req.reduce_only);
}

static void test_replace_on_spot_cancels_before_place(void **state)
{
	struct fx *f = *state;
	held(f, "ATOM-USD", "38.45", "5", "4.9");
	known_order(f, "ATOM-USD", "sl-old", SIDE_SELL, OTYPE_STOP_LIMIT, "20", "4.5", "4.6");
	run(f);
	int cancel = action_at(f, ACT_CANCEL_ORDER, 0);
	int place = action_at(f, ACT_REPLACE_STOP, 0);
	assert_true(cancel < place);
	assert_int_equal(act(f, cancel)->depends_on, -1);
	assert_int_equal(act(f, place)->depends_on, cancel);
	assert_dec_text(act(f, place)->req.qty, "38.45");
}

/* ---- rule 4: stops through the price ---- */

static void test_stop_through_price_takes_emergency_path(void **state)
{
	struct fx *f = *state;
	futures(f);
	held(f, "ICXUSDT", "100", "0.2", "0.185");
	known_order(f, "ICXUSDT", "sl-dead", SIDE_SELL, OTYPE_STOP_MARKET, "100", NULL, "0.19");
	run(f);
	assert_int_equal(count_findings(f, FIND_STOP_WOULD_TRIGGER), 1);
	int close = action_at(f, ACT_EMERGENCY_CLOSE, 0);
	int cancel = action_at(f, ACT_CANCEL_ORDER, 0);
	assert_true(close < cancel);
	assert_int_equal(act(f, cancel)->depends_on, close);
	assert_string_equal(act(f, cancel)->order_id, "sl-dead");
	assert_int_equal(act(f, close)->req.type, OTYPE_MARKET);
	assert_int_equal(act(f, close)->req.side, SIDE_SELL);
	assert_true(act(f, close)->req.reduce_only);
	assert_dec_text(act(f, close)->req.qty, "100");
	assert_int_equal(count_actions(f, ACT_PLACE_STOP) + count_actions(f, ACT_REPLACE_STOP), 0);
}

static void test_stop_through_price_on_spot_cancels_before_emergency_close(void **state)
{
	struct fx *f = *state;
	held(f, "ATOM-USD", "38.45", "5", "4.5");
	known_order(f, "ATOM-USD", "sl-dead", SIDE_SELL, OTYPE_STOP_LIMIT, "38.45", "4.5", "4.6");
	run(f);
	int cancel = action_at(f, ACT_CANCEL_ORDER, 0);
	int close = action_at(f, ACT_EMERGENCY_CLOSE, 0);
	assert_true(cancel < close);
	assert_int_equal(act(f, close)->depends_on, cancel);
}

static void test_stop_through_price_reprices_when_policy_says(void **state)
{
	struct fx *f = *state;
	futures(f);
	use_policy(f, "{\"defaults\":{\"would_trigger\":\"reprice\",\"reprice_buffer_pct\":1}}");
	held(f, "ICXUSDT", "100", "0.2", "0.185");
	instrument(f, "ICXUSDT", "0.0001", "1", "1", "5");
	known_order(f, "ICXUSDT", "sl-dead", SIDE_SELL, OTYPE_STOP_MARKET, "100", NULL, "0.19");
	run(f);
	assert_int_equal(count_actions(f, ACT_EMERGENCY_CLOSE), 0);
	int place = action_at(f, ACT_REPLACE_STOP, 0);
	assert_dec_text(act(f, place)->req.stop_price, "0.1831"); /* 0.18315 down to the tick */
	assert_int_equal(act(f, action_at(f, ACT_CANCEL_ORDER, 0))->depends_on, place);
}

/* ---- blocking orders ---- */

static void test_blocking_sell_is_cancelled_before_stop(void **state)
{
	struct fx *f = *state;
	held(f, "ELA-USD", "20.23", "2", "1.62");
	known_order(f, "ELA-USD", "sell-1", SIDE_SELL, OTYPE_LIMIT, "20.23", "2.5", NULL);
	run(f);
	const struct finding *b = finding_of(f, FIND_BLOCKING_ORDER, "ELA-USD");
	assert_string_equal(b->order_id, "sell-1");
	assert_int_equal(count_findings(f, FIND_MISSING_STOP), 1);
	int cancel = action_at(f, ACT_CANCEL_ORDER, 0);
	int place = action_at(f, ACT_PLACE_STOP, 0);
	assert_string_equal(act(f, cancel)->order_id, "sell-1");
	assert_true(cancel < place);
	assert_int_equal(act(f, place)->depends_on, cancel);
	assert_int_equal(act(f, place)->req.type, OTYPE_STOP_LIMIT); /* no brackets here */
}

static void test_every_blocking_cancel_precedes_the_stop(void **state)
{
	struct fx *f = *state;
	held(f, "ELA-USD", "20.23", "2", "1.62");
	known_order(f, "ELA-USD", "sell-1", SIDE_SELL, OTYPE_LIMIT, "10", "2.5", NULL);
	known_order(f, "ELA-USD", "sell-2", SIDE_SELL, OTYPE_LIMIT, "10.23", "2.6", NULL);
	run(f);
	int c1 = action_at(f, ACT_CANCEL_ORDER, 0), c2 = action_at(f, ACT_CANCEL_ORDER, 1);
	int place = action_at(f, ACT_PLACE_STOP, 0);
	/* One depends_on each: a chain, so the stop waits for both cancels. */
	assert_int_equal(act(f, c2)->depends_on, c1);
	assert_int_equal(act(f, place)->depends_on, c2);
}

static void test_blocking_take_profit_becomes_bracket(void **state)
{
	struct fx *f = *state;
	fx_venue(f, VENUE_COINBASE, true, true, false);
	held(f, "ELA-USD", "20.23", "2", "1.62");
	known_order(f, "ELA-USD", "sell-1", SIDE_SELL, OTYPE_LIMIT, "20.23", "2.5", NULL);
	run(f);
	const struct action *a = act(f, action_at(f, ACT_PLACE_STOP, 0));
	assert_int_equal(a->req.type, OTYPE_BRACKET);
	assert_dec_text(a->req.price, "2.5"); /* the user's exit intent is kept */
	assert_dec_text(a->req.qty, "20.23");
	assert_int_equal(a->req.purpose, PURPOSE_STOP_LOSS);
	/* The bracket is the exit order's leg: it answers that order's finding. */
	assert_int_equal(f->plan.findings[a->finding].kind, FIND_BLOCKING_ORDER);
	assert_detail(finding_of(f, FIND_MISSING_STOP, "ELA-USD"), "take_profit_legs", "20.23@2.5");
	assert_int_equal(count_actions(f, ACT_PLACE_STOP), 1);
}

static void test_blocking_orders_ignored_where_balance_is_not_held(void **state)
{
	struct fx *f = *state;
	futures(f);
	held(f, "ICXUSDT", "100", "0.2", "0.2");
	known_order(f, "ICXUSDT", "tp-1", SIDE_SELL, OTYPE_LIMIT, "100", "0.3", NULL);
	run(f);
	assert_int_equal(count_findings(f, FIND_BLOCKING_ORDER), 0);
	assert_int_equal(count_actions(f, ACT_CANCEL_ORDER), 0);
	assert_int_equal(act(f, action_at(f, ACT_PLACE_STOP, 0))->depends_on, -1);
}

/* ---- duplicate stops ---- */

static void test_duplicate_stop_cancels_extra(void **state)
{
	struct fx *f = *state;
	futures(f);
	held(f, "ICXUSDT", "100", "0.2", "0.2");
	known_order(f, "ICXUSDT", "sl-far", SIDE_SELL, OTYPE_STOP_MARKET, "60", NULL, "0.17");
	known_order(f, "ICXUSDT", "sl-good", SIDE_SELL, OTYPE_STOP_MARKET, "100", NULL, "0.19");
	run(f);
	const struct finding *d = finding_of(f, FIND_DUPLICATE_STOP, "ICXUSDT");
	assert_string_equal(d->order_id, "sl-far");
	assert_int_equal(f->plan.nactions, 1);
	assert_string_equal(act(f, action_at(f, ACT_CANCEL_ORDER, 0))->order_id, "sl-far");
}

static void test_stray_stop_on_flat_position_is_cancelled(void **state)
{
	struct fx *f = *state;
	futures(f);
	/* The cleanup cancel after an emergency close failed: the reduce-only stop
	 * is still there, the position is gone. A stop that could open a position
	 * (an entry stop) is not the reconciler's to cancel. */
	struct order_rec *left = known_order(f, "ICXUSDT", "sl-left", SIDE_SELL, OTYPE_STOP_MARKET,
					     "100", NULL, "0.19");
	left->reduce_only = f->lorders[0].rec.reduce_only = true;
	known_order(f, "ICXUSDT", "entry-stop", SIDE_BUY, OTYPE_STOP_MARKET, "50", NULL, "0.25");
	run(f);
	assert_string_equal(finding_of(f, FIND_STRAY_STOP, "ICXUSDT")->order_id, "sl-left");
	assert_int_equal(count_findings(f, FIND_STRAY_STOP), 1);
	assert_int_equal(count_actions(f, ACT_CANCEL_ORDER), 1);
	assert_string_equal(act(f, action_at(f, ACT_CANCEL_ORDER, 0))->order_id, "sl-left");
	/* "Flat" from an incomplete snapshot is not trusted: reported, not cancelled. */
	f->snap.complete = false;
	run(f);
	assert_int_equal(count_findings(f, FIND_STRAY_STOP), 1);
	assert_int_equal(count_actions(f, ACT_CANCEL_ORDER), 0);
}

/* ---- fills and drift ---- */

static void test_missing_fill_recorded_and_drift_after(void **state)
{
	struct fx *f = *state;
	position(f, "TRUST-USD", "94.4", NULL, "1");
	journal_position(f, "TRUST-USD", "90", "1");
	exchange_fill(f, "TRUST-USD", "f-known", SIDE_BUY, "90", "1", true);
	exchange_fill(f, "TRUST-USD", "f-new", SIDE_BUY, "4.4", "1", false);
	known_order(f, "TRUST-USD", "sl", SIDE_SELL, OTYPE_STOP_LIMIT, "94.4", "0.9", "0.95");
	run(f);
	assert_int_equal(count_findings(f, FIND_MISSING_FILL), 1);
	const struct action *a = act(f, action_at(f, ACT_RECORD_INFERRED_FILL, 0));
	assert_string_equal(a->fill.fill_id, "f-new");
	assert_true(a->fill.inferred);
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0); /* explained by the fill */

	/* One more coin on the exchange than the fills explain: drift. */
	f->pos[0].qty = tu_dec("95.4");
	f->orders[0].qty = tu_dec("95.4");
	run(f);
	const struct finding *d = finding_of(f, FIND_POSITION_DRIFT, "TRUST-USD");
	assert_detail(d, "expected_qty", "94.4");
	assert_detail(d, "exchange_qty", "95.4");
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 1);
}

static void test_drift_not_reported_on_incomplete_snapshot(void **state)
{
	struct fx *f = *state;
	journal_position(f, "TRUST-USD", "90", "1");
	f->snap.complete = false;
	run(f);
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0);
	f->snap.complete = true;
	run(f);
	assert_detail(finding_of(f, FIND_POSITION_DRIFT, "TRUST-USD"), "exchange_qty", "0");
}

/* A position only the exchange holds (its fills are older than the fill
 * listing reaches): one inferred opening fill at the entry the venue reports
 * brings the journal to it, first in the plan, so that an exit of it is
 * journaled as closing it; no drift, and the stop is planned from it. */
static void test_exchange_only_position_is_brought_into_the_journal(void **state)
{
	struct fx *f = *state;
	futures(f);
	position(f, "SOLUSDT", "60", "100", "101");
	run(f);
	assert_int_equal(act(f, 0)->kind, ACT_RECORD_INFERRED_FILL);
	const struct action *a = act(f, 0);
	assert_string_equal(a->fill.fill_id, "inferred:position:SOLUSDT:60@100");
	assert_int_equal(a->fill.side, SIDE_BUY);
	assert_dec_text(a->fill.qty, "60");
	assert_dec_text(a->fill.price, "100");
	assert_true(a->fill.inferred);
	const struct finding *fd = &f->plan.findings[a->finding];
	assert_int_equal(fd->kind, FIND_MISSING_FILL);
	assert_detail(fd, "basis", "exchange position without journal fills");
	assert_detail(fd, "price_basis", "the entry price the venue reports");
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0);
	assert_dec_text(act(f, action_at(f, ACT_PLACE_STOP, 0))->req.stop_price, "95");

	/* A short, and no entry price reported: a sell at the last price. */
	recon_plan_free(&f->plan);
	f->snap.npositions = f->snap.nprices = 0;
	memset(&f->pos[0], 0, sizeof f->pos[0]);
	position(f, "SOLUSDT", "-60", NULL, "101");
	run(f);
	assert_int_equal(act(f, 0)->fill.side, SIDE_SELL);
	assert_dec_text(act(f, 0)->fill.price, "101");
	assert_detail(&f->plan.findings[act(f, 0)->finding], "price_basis",
		      "the last price (the venue reports no entry price)");
}

/* Only a position the journal knows nothing of is inferred: a partial
 * difference stays a position_drift finding, and an incomplete snapshot
 * infers nothing. */
static void test_partial_drift_is_not_guessed_at(void **state)
{
	struct fx *f = *state;
	futures(f);
	position(f, "SOLUSDT", "60", "100", "101");
	journal_position(f, "SOLUSDT", "30", "100");
	run(f);
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 0);
	assert_detail(finding_of(f, FIND_POSITION_DRIFT, "SOLUSDT"), "difference", "30");
	f->local.npositions = 0;
	f->snap.complete = false;
	run(f);
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 0);
}

/* ---- rule 6: client order ids ---- */

static void test_client_order_id_is_deterministic_and_advances_after_failure(void **state)
{
	struct fx *f = *state;
	char a[MODEL_ID_MAX], b[MODEL_ID_MAX], c[MODEL_ID_MAX];
	const char *key = "missing_stop:binance-usdm:default:ATOMUSDT";
	reconcile_client_order_id("", key, 0, a);
	reconcile_client_order_id("", key, 0, b);
	reconcile_client_order_id("", key, 1, c);
	assert_string_equal(a, b);
	assert_string_not_equal(a, c);
	assert_int_equal(strlen(a), 27);
	assert_memory_equal(a, "rk-", 3);
	assert_int_equal(strspn(a + 3, "0123456789abcdef"), 24);

	/* In a plan: the id comes from the finding key and the failed attempts. */
	futures(f);
	held(f, "ATOMUSDT", "-494.07", "2.529", "2.52");
	run(f);
	const struct action *p = act(f, action_at(f, ACT_PLACE_STOP, 0));
	assert_string_equal(f->plan.findings[p->finding].key, key);
	assert_string_equal(p->req.client_order_id, a);
	snprintf(f->attempts[0].key, RECON_KEY_MAX, "%s", key);
	f->attempts[0].finished = 1;
	f->local.nattempts = 1;
	run(f);
	assert_string_equal(act(f, action_at(f, ACT_PLACE_STOP, 0))->req.client_order_id, c);
}

/* ---- rule 7: circuit breaker ---- */

/* Every depends_on points to an earlier action. */
static void assert_dependencies_point_back(const struct fx *f)
{
	for (size_t i = 0; i < f->plan.nactions; i++)
		assert_true(f->plan.actions[i].depends_on < (int)i);
}

static size_t count_status(const struct fx *f, enum action_kind k, enum action_status st)
{
	size_t n = 0;
	for (size_t i = 0; i < f->plan.nactions; i++)
		n += f->plan.actions[i].kind == k && f->plan.actions[i].status == st;
	return n;
}


static void test_breaker_skips_excess_destructive_actions(void **state)
{
	struct fx *f = *state;
	use_policy(f, "{\"defaults\":{\"max_destructive_per_pass\":1}}");
	held(f, "ELA-USD", "20.23", "2", "1.62");
	known_order(f, "ELA-USD", "sell-1", SIDE_SELL, OTYPE_LIMIT, "10", "2.5", NULL);
	known_order(f, "ELA-USD", "sell-2", SIDE_SELL, OTYPE_LIMIT, "10.23", "2.6", NULL);
	run(f);
	const struct action *c1 = act(f, action_at(f, ACT_CANCEL_ORDER, 0));
	const struct action *c2 = act(f, action_at(f, ACT_CANCEL_ORDER, 1));
	const struct action *pl = act(f, action_at(f, ACT_PLACE_STOP, 0));
	/* The two cancels and the stop waiting for them are one protection
	 * group: it needs 2 destructive actions, 1 is allowed, so none of it
	 * runs (the first cancel alone would free half a balance for nothing). */
	assert_int_equal(c1->status, ASTAT_SKIPPED);
	assert_int_equal(c2->status, ASTAT_SKIPPED);
	assert_non_null(strstr(c1->note, "circuit breaker"));
	assert_non_null(strstr(c1->note, "2 destructive, 1 left of max_destructive_per_pass=1"));
	assert_int_equal(pl->status, ASTAT_SKIPPED);
	assert_non_null(strstr(pl->note, "circuit breaker"));
	/* The findings say why. */
	assert_detail(finding_of(f, FIND_MISSING_STOP, "ELA-USD"), "circuit_breaker",
		      "circuit breaker: its protection group needs 2 destructive, 1 left of"
		      " max_destructive_per_pass=1: none of it runs");
	/* With room for the whole group, all of it is planned. */
	use_policy(f, "{\"defaults\":{\"max_destructive_per_pass\":2}}");
	run(f);
	assert_int_equal(count_status(f, ACT_CANCEL_ORDER, ASTAT_PLANNED), 2);
	assert_int_equal(count_status(f, ACT_PLACE_STOP, ASTAT_PLANNED), 1);
}

/* What only follows protection is not part of its group: an emergency
 * close runs within a budget of 1 and the cancel of the gapped stop after it
 * waits for a later pass; on futures a replacement stop is placed with no
 * budget at all (it destroys nothing) and the old stop's cancel waits. */
static void test_breaker_never_blocks_protection_for_its_cleanup(void **state)
{
	struct fx *f = *state;
	futures(f);
	use_policy(f, "{\"defaults\":{\"max_destructive_per_pass\":1}}");
	held(f, "ICXUSDT", "2630", "0.0761", "0.0712");
	known_order(f, "ICXUSDT", "sl-gap", SIDE_SELL, OTYPE_STOP_LIMIT, "2630", "0.0740", "0.0745");
	run(f);
	assert_int_equal(act(f, action_at(f, ACT_EMERGENCY_CLOSE, 0))->status, ASTAT_PLANNED);
	const struct action *cleanup = act(f, action_at(f, ACT_CANCEL_ORDER, 0));
	assert_int_equal(cleanup->status, ASTAT_SKIPPED);
	assert_non_null(strstr(cleanup->note, "max_destructive_per_pass=1"));

	use_policy(f, "{\"defaults\":{\"max_destructive_per_pass\":0}}");
	f->snap.norders = f->local.norders = 0;
	known_order(f, "ICXUSDT", "sl-small", SIDE_SELL, OTYPE_STOP_MARKET, "1000", NULL, "0.0700");
	run(f);
	assert_int_equal(act(f, action_at(f, ACT_REPLACE_STOP, 0))->status, ASTAT_PLANNED);
	assert_int_equal(act(f, action_at(f, ACT_CANCEL_ORDER, 0))->status, ASTAT_SKIPPED);
}

/* A take-profit ladder on spot with brackets (rule 5b): its cancels and the
 * brackets that put each leg back are one group. A budget of 1 never splits
 * it (a cancelled leg whose bracket is skipped would be lost); the smaller
 * group after it may still run. */
static void test_breaker_never_splits_a_take_profit_ladder(void **state)
{
	struct fx *f = *state;
	fx_venue(f, VENUE_COINBASE, true, true, false);
	use_policy(f, "{\"defaults\":{\"max_destructive_per_pass\":1,\"orphans\":\"cancel\"}}");
	held(f, "SOL-USD", "100", "100", "101");
	known_order(f, "SOL-USD", "tp1", SIDE_SELL, OTYPE_LIMIT, "30", "120", NULL);
	known_order(f, "SOL-USD", "tp2", SIDE_SELL, OTYPE_LIMIT, "70", "150", NULL);
	orphan_order(f, "ZZZ-USD", "buy-1", SIDE_BUY, OTYPE_LIMIT, "3", "1", NULL);
	run(f);
	for (int k = 0; k < 2; k++) {
		assert_int_equal(act(f, action_at(f, ACT_CANCEL_ORDER, k))->status, ASTAT_SKIPPED);
		assert_int_equal(act(f, action_at(f, ACT_PLACE_STOP, k))->status, ASTAT_SKIPPED);
	}
	const struct action *orphan = act(f, action_at(f, ACT_CANCEL_ORDER, 2));
	assert_string_equal(orphan->order_id, "buy-1");
	assert_int_equal(orphan->status, ASTAT_PLANNED);
	assert_dependencies_point_back(f);
}

static void test_breaker_counts_the_last_hour(void **state)
{
	struct fx *f = *state;
	use_policy(f, "{\"defaults\":{\"max_destructive_per_hour\":10,\"orphans\":\"cancel\"}}");
	f->local.destructive_last_hour = 10;
	orphan_order(f, "ELA-USD", "buy-9", SIDE_BUY, OTYPE_LIMIT, "3", "1", NULL);
	run(f);
	const struct action *c = act(f, action_at(f, ACT_CANCEL_ORDER, 0));
	assert_int_equal(c->status, ASTAT_SKIPPED);
	assert_non_null(strstr(c->note, "max_destructive_per_hour"));
}

/* ---- issue 8: protection before bookkeeping (point 2) ---- */

static void test_stale_lookups_never_starve_protection(void **state)
{
	struct fx *f = *state;
	/* Incident a: a stale tracker leaves 21 open orders the exchange no longer
	 * has, all due for a lookup; a new holding's balance is held by a limit
	 * sell the journal does not know, and it has no stop. Default policy:
	 * max_destructive_per_pass 20. */
	for (int k = 0; k < 21; k++) {
		char id[16];
		snprintf(id, sizeof id, "gone-%02d", k);
		missing_order(f, "UNI-USD", id, 1, NOW_US - 600 * (int64_t)1000000);
	}
	held(f, "ELA-USD", "20.23", "2", "1.9");
	orphan_order(f, "ELA-USD", "sell-9", SIDE_SELL, OTYPE_LIMIT, "20.23", "2.5", NULL);
	run(f);
	int cancel = action_at(f, ACT_CANCEL_ORDER, 0);
	int place = action_at(f, ACT_PLACE_STOP, 0);
	assert_string_equal(act(f, cancel)->order_id, "sell-9");
	assert_int_equal(act(f, cancel)->status, ASTAT_PLANNED);
	assert_int_equal(act(f, place)->status, ASTAT_PLANNED);
	assert_int_equal(act(f, place)->depends_on, cancel);
	/* Protection first; the lookups after it, all planned, none counted. */
	assert_int_equal(cancel, 0);
	assert_int_equal(place, 1);
	assert_true(action_at(f, ACT_CLOSE_LOCAL_ORDER, 0) > place);
	assert_int_equal(count_status(f, ACT_CLOSE_LOCAL_ORDER, ASTAT_PLANNED), 21);
	assert_dependencies_point_back(f);
	/* The order it cancels is not also adopted (the cancel journals it). */
	assert_int_equal(count_actions(f, ACT_ADOPT_ORDER), 0);
}

static void test_protective_cancels_take_the_breaker_budget_first(void **state)
{
	struct fx *f = *state;
	use_policy(f, "{\"defaults\":{\"max_destructive_per_pass\":1,\"orphans\":\"cancel\"}}");
	/* Planned earlier in the pass (orders phase, symbol sorted first). */
	orphan_order(f, "AAA-USD", "buy-1", SIDE_BUY, OTYPE_LIMIT, "3", "1", NULL);
	held(f, "ELA-USD", "20.23", "2", "1.9");
	known_order(f, "ELA-USD", "sell-1", SIDE_SELL, OTYPE_LIMIT, "20.23", "2.5", NULL);
	run(f);
	const struct action *blocking = act(f, action_at(f, ACT_CANCEL_ORDER, 0));
	const struct action *orphan = act(f, action_at(f, ACT_CANCEL_ORDER, 1));
	assert_string_equal(blocking->order_id, "sell-1");
	assert_int_equal(blocking->status, ASTAT_PLANNED);
	assert_int_equal(act(f, action_at(f, ACT_PLACE_STOP, 0))->status, ASTAT_PLANNED);
	assert_string_equal(orphan->order_id, "buy-1");
	assert_int_equal(orphan->status, ASTAT_SKIPPED);
	assert_non_null(strstr(orphan->note, "max_destructive_per_pass"));
}

static void test_protection_chain_keeps_its_order_when_ranked(void **state)
{
	struct fx *f = *state;
	/* Spot: an extra stop must go before the new full-size stop can have the
	 * balance, so its cancel is protective too and stays in the chain. */
	held(f, "ATOM-USD", "38.45", "5", "4.9");
	known_order(f, "ATOM-USD", "sl-a", SIDE_SELL, OTYPE_STOP_LIMIT, "10", "4.5", "4.6");
	known_order(f, "ATOM-USD", "sl-b", SIDE_SELL, OTYPE_STOP_LIMIT, "20", "4.4", "4.5");
	orphan_order(f, "AAA-USD", "buy-1", SIDE_BUY, OTYPE_LIMIT, "3", "1", NULL);
	use_policy(f, "{\"defaults\":{\"orphans\":\"cancel\"}}");
	run(f);
	int place = action_at(f, ACT_REPLACE_STOP, 0);
	int c0 = action_at(f, ACT_CANCEL_ORDER, 0), c1 = action_at(f, ACT_CANCEL_ORDER, 1);
	int other = action_at(f, ACT_CANCEL_ORDER, 2);
	assert_int_equal(act(f, c0)->depends_on, -1);
	assert_int_equal(act(f, c1)->depends_on, c0);
	assert_int_equal(act(f, place)->depends_on, c1);
	assert_string_equal(act(f, other)->order_id, "buy-1");
	assert_true(other > place);
	assert_dependencies_point_back(f);
}

static void test_failed_lookups_back_off(void **state)
{
	struct fx *f = *state;
	/* Three failed lookups: the next waits 60 s x 2^2 = 240 s after the last. */
	missing_order(f, "UNI-USD", "gone-1", 9, NOW_US - 3600 * (int64_t)1000000);
	f->lorders[0].lookup_failures = 3;
	f->lorders[0].last_lookup_us = NOW_US - 239 * (int64_t)1000000;
	run(f);
	assert_int_equal(count_actions(f, ACT_CLOSE_LOCAL_ORDER), 0);
	const struct finding *fd = finding_of(f, FIND_STALE_LOCAL_ORDER, "UNI-USD");
	char want[RTIME_STR_MAX];
	rtime_format(NOW_US + 1 * (int64_t)1000000, want);
	assert_detail(fd, "next_lookup_after", want);
	assert_non_null(strstr(fd->detail, "\"lookup_failures\":3"));
	assert_non_null(strstr(fd->detail, "\"lookup_backoff_seconds\":240"));

	f->lorders[0].last_lookup_us = NOW_US - 240 * (int64_t)1000000;
	run(f);
	assert_int_equal(count_status(f, ACT_CLOSE_LOCAL_ORDER, ASTAT_PLANNED), 1);

	/* The interval starts at stale_quiet_seconds when that is longer, and
	 * never exceeds a day however often the lookup failed. */
	use_policy(f, "{\"defaults\":{\"stale_quiet_seconds\":600}}");
	f->lorders[0].lookup_failures = 1;
	f->lorders[0].last_lookup_us = NOW_US - 599 * (int64_t)1000000;
	run(f);
	assert_int_equal(count_actions(f, ACT_CLOSE_LOCAL_ORDER), 0);
	f->lorders[0].lookup_failures = 1000;
	f->lorders[0].last_lookup_us = NOW_US - (24 * 3600 - 1) * (int64_t)1000000;
	run(f);
	assert_int_equal(count_actions(f, ACT_CLOSE_LOCAL_ORDER), 0);
	f->lorders[0].last_lookup_us = NOW_US - 24 * 3600 * (int64_t)1000000;
	run(f);
	assert_int_equal(count_actions(f, ACT_CLOSE_LOCAL_ORDER), 1);
}

static void test_fills_are_recorded_before_adoptions(void **state)
{
	struct fx *f = *state;
	/* An order unknown to the journal, partly filled by a fill it also lacks.
	 * The fill goes first (the journal creates the order from it), then the
	 * adoption completes the order: adopting first would count the fill twice. */
	struct order_rec *o =
		orphan_order(f, "ELA-USD", "buy-9", SIDE_BUY, OTYPE_LIMIT, "3", "1", NULL);
	o->has_filled_qty = true;
	o->filled_qty = tu_dec("2");
	struct fill_rec *fl = exchange_fill(f, "ELA-USD", "f-1", SIDE_BUY, "2", "1", false);
	snprintf(fl->order_id, sizeof fl->order_id, "buy-9");
	run(f);
	assert_true(action_at(f, ACT_RECORD_INFERRED_FILL, 0) < action_at(f, ACT_ADOPT_ORDER, 0));
}

/* ---- issue 8: protection from the state after this pass's fills (point 5) ---- */

static void test_stop_from_entry_uses_a_fill_learnt_this_pass(void **state)
{
	struct fx *f = *state;
	/* Incident a: the buy at 20.00 never reached the journal. */
	position(f, "TOWNS-USD", "10", NULL, "19.5");
	instrument(f, "TOWNS-USD", "0.01", "0.01", "0.01", "1");
	exchange_fill(f, "TOWNS-USD", "f-buy", SIDE_BUY, "10", "20.00", false);
	run(f);
	const struct action *a = act(f, action_at(f, ACT_PLACE_STOP, 0));
	assert_dec_text(a->req.stop_price, "19"); /* 5% below entry, not 18.52 below last */
	assert_detail(finding_of(f, FIND_MISSING_STOP, "TOWNS-USD"), "entry", "20");
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0);

	/* Added to a journaled position: the journal's weighted average. */
	f->pos[0].qty = tu_dec("20");
	journal_position(f, "TOWNS-USD", "10", "18.00");
	run(f);
	assert_detail(finding_of(f, FIND_MISSING_STOP, "TOWNS-USD"), "entry", "19");
	assert_dec_text(act(f, action_at(f, ACT_PLACE_STOP, 0))->req.stop_price, "18.05");
}

/* ---- issue 8: journal identity in client order ids (point 6) ---- */

static void test_client_order_ids_differ_between_journals(void **state)
{
	struct fx *f = *state;
	static const char J1[] = "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
	static const char J2[] = "9f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0";
	char a[MODEL_ID_MAX], b[MODEL_ID_MAX], legacy[MODEL_ID_MAX];
	futures(f);
	held(f, "ATOMUSDT", "-494.07", "2.529", "2.52");
	const char *key = "missing_stop:binance-usdm:default:ATOMUSDT";
	reconcile_client_order_id(J1, key, 0, a);
	reconcile_client_order_id(J2, key, 0, b);
	reconcile_client_order_id(NULL, key, 0, legacy);
	assert_string_not_equal(a, b);
	assert_string_not_equal(a, legacy);
	assert_int_equal(strlen(a), 27);

	/* A restored backup (another journal) on the same account: same finding,
	 * another id, so the venue never answers with the other journal's order. */
	snprintf(f->local.journal_id, sizeof f->local.journal_id, "%s", J1);
	run(f);
	assert_string_equal(act(f, action_at(f, ACT_PLACE_STOP, 0))->req.client_order_id, a);
	snprintf(f->local.journal_id, sizeof f->local.journal_id, "%s", J2);
	run(f);
	assert_string_equal(act(f, action_at(f, ACT_PLACE_STOP, 0))->req.client_order_id, b);
}

/* ---- issue 8: filled quantity without fill records (point 7) ---- */

static void test_unrecorded_filled_qty_is_inferred_once(void **state)
{
	struct fx *f = *state;
	/* The exchange says "filled 4 of 10"; no fill for it is listed. */
	position(f, "ELA-USD", "4", NULL, "20");
	struct order_rec *o = known_order(f, "ELA-USD", "o-1", SIDE_BUY, OTYPE_LIMIT, "10", "20", NULL);
	o->status = OSTATUS_PARTIALLY_FILLED;
	o->has_filled_qty = true;
	o->filled_qty = tu_dec("4");
	f->lorders[0].rec.has_filled_qty = true;
	f->lorders[0].rec.filled_qty = tu_dec("0");
	known_order(f, "ELA-USD", "sl-1", SIDE_SELL, OTYPE_STOP_LIMIT, "4", "18.8", "19");
	run(f);
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 1);
	const struct action *a = act(f, action_at(f, ACT_RECORD_INFERRED_FILL, 0));
	assert_string_equal(a->fill.fill_id, "inferred:o-1:4");
	assert_string_equal(a->fill.order_id, "o-1");
	assert_true(a->fill.inferred);
	assert_int_equal(a->fill.side, SIDE_BUY);
	assert_dec_text(a->fill.qty, "4");
	assert_dec_text(a->fill.price, "20"); /* the limit price: no average reported */
	const struct finding *fd = &f->plan.findings[a->finding];
	assert_int_equal(fd->kind, FIND_MISSING_FILL);
	assert_detail(fd, "basis", "exchange filled_qty 4, journal fills 0, fills listed 0");
	assert_detail(fd, "price_basis", "limit price");
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0);

	/* Next pass, the fill journaled: the journal agrees, nothing to do. */
	f->lorders[0].rec.filled_qty = tu_dec("4");
	f->lorders[0].fills_qty = tu_dec("4");
	f->lorders[0].rec.status = OSTATUS_PARTIALLY_FILLED;
	journal_inferred(f, "o-1", "4");
	journal_position(f, "ELA-USD", "4", "20");
	run(f);
	assert_int_equal(f->plan.nfindings, 0);
	assert_int_equal(f->plan.nactions, 0);
}

static void test_inferred_fill_covers_only_what_listed_fills_do_not(void **state)
{
	struct fx *f = *state;
	position(f, "ELA-USD", "4", NULL, "20");
	struct order_rec *o = known_order(f, "ELA-USD", "o-1", SIDE_BUY, OTYPE_LIMIT, "10", "20", NULL);
	o->has_filled_qty = true;
	o->filled_qty = tu_dec("4");
	o->has_avg_fill_price = true;
	o->avg_fill_price = tu_dec("19.95");
	struct fill_rec *fl = exchange_fill(f, "ELA-USD", "f-1", SIDE_BUY, "1", "19.8", false);
	snprintf(fl->order_id, sizeof fl->order_id, "o-1");
	known_order(f, "ELA-USD", "sl-1", SIDE_SELL, OTYPE_STOP_LIMIT, "4", "18.8", "19");
	run(f);
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 2);
	const struct action *a = act(f, action_at(f, ACT_RECORD_INFERRED_FILL, 1));
	assert_string_equal(a->fill.fill_id, "inferred:o-1:4");
	assert_dec_text(a->fill.qty, "3");
	assert_dec_text(a->fill.price, "19.95"); /* the venue's average fill price */
	assert_detail(&f->plan.findings[a->finding], "basis",
		      "exchange filled_qty 4, journal fills 0, fills listed 1");
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0);
}

static void test_unpriced_fill_gap_is_reported_not_recorded(void **state)
{
	struct fx *f = *state;
	position(f, "ELA-USD", "4", NULL, "20");
	struct order_rec *o =
		known_order(f, "ELA-USD", "o-1", SIDE_BUY, OTYPE_STOP_MARKET, "10", NULL, "21");
	o->has_filled_qty = true;
	o->filled_qty = tu_dec("4");
	known_order(f, "ELA-USD", "sl-1", SIDE_SELL, OTYPE_STOP_LIMIT, "4", "18.8", "19");
	run(f);
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 0);
	const struct finding *fd = finding_of(f, FIND_MISSING_FILL, "ELA-USD");
	assert_non_null(strstr(fd->detail, "no fill price known"));
	/* Nothing explains the holding: the drift stays visible. */
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 1);
}

/* ---- issue 8: inferred fills superseded by their order's real fills ---- */

/* The journal's side of a filled order o-1 of 10 ELA-USD that a bot reported
 * filled 4 of without sending the fill: reckon inferred the 4 at 20 (the
 * journal's fills explain 4, the position is 4 @ 20, the inferred 4 is not
 * superseded yet). `open` keeps o-1 open on both sides, filled `exch_filled`
 * on the exchange; otherwise it is finished and on neither list. */
static void inferred_four(struct fx *f, bool open, const char *exch_filled)
{
	instrument(f, "ELA-USD", "0.01", "0.01", "0.01", "1");
	journal_position(f, "ELA-USD", "4", "20");
	journal_inferred(f, "o-1", "4");
	if (!open)
		return;
	struct order_rec *o =
		known_order(f, "ELA-USD", "o-1", SIDE_BUY, OTYPE_LIMIT, "10", "20", NULL);
	o->status = OSTATUS_PARTIALLY_FILLED;
	o->has_filled_qty = true;
	o->filled_qty = tu_dec(exch_filled);
	f->lorders[0].rec.status = OSTATUS_PARTIALLY_FILLED;
	f->lorders[0].rec.has_filled_qty = true;
	f->lorders[0].rec.filled_qty = tu_dec("4");
	f->lorders[0].fills_qty = tu_dec("4");
}

/* A real fill of o-1 the journal lacks, listed by the venue. */
static void real_fill(struct fx *f, const char *id, const char *qty, const char *price)
{
	struct fill_rec *fl = exchange_fill(f, "ELA-USD", id, SIDE_BUY, qty, price, false);
	snprintf(fl->order_id, sizeof fl->order_id, "o-1");
}

static void test_listed_real_fill_supersedes_the_inferred_one_without_drift(void **state)
{
	struct fx *f = *state;
	inferred_four(f, false, NULL);
	position(f, "ELA-USD", "4", NULL, "19.5");
	real_fill(f, "f-real", "4", "20.5");
	run(f);
	/* The fill is journaled; it stands in the inferred one's place. */
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 1);
	assert_string_equal(act(f, action_at(f, ACT_RECORD_INFERRED_FILL, 0))->fill.fill_id,
			    "f-real");
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0); /* not 8 against 4 */
	/* Protection from the position the journal will hold: 4 @ 20 (the absorbed
	 * part keeps the inferred entry), for 4. */
	assert_detail(finding_of(f, FIND_MISSING_STOP, "ELA-USD"), "entry", "20");
	assert_int_equal(count_actions(f, ACT_PLACE_STOP), 1);
	const struct action *a = act(f, action_at(f, ACT_PLACE_STOP, 0));
	assert_true(a->has_entry);
	assert_dec_text(a->entry, "20");
	assert_dec_text(a->req.qty, "4");
	assert_dec_text(a->req.stop_price, "19"); /* 5% below 20, not below 20.25 */

	/* Next pass: the fill journaled, the inferred 4 superseded, the stop
	 * working. The journal agrees; nothing is planned again. */
	f->known[0] = true;
	f->local.ninferred = 0;
	known_order(f, "ELA-USD", "sl-1", SIDE_SELL, OTYPE_STOP_LIMIT, "4", "18.9", "19");
	run(f);
	assert_int_equal(f->plan.nfindings, 0);
	assert_int_equal(f->plan.nactions, 0);
}

static void test_two_real_fills_of_one_order_absorb_the_inferred_one_once(void **state)
{
	struct fx *f = *state;
	inferred_four(f, true, "10");
	position(f, "ELA-USD", "10", NULL, "20");
	real_fill(f, "f-a", "4", "20.5");
	real_fill(f, "f-b", "6", "21");
	run(f);
	/* 4 + (4 - 4) + 6 = 10: the second fill finds nothing left to absorb. */
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0);
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 2); /* the two listed */
	/* The journal's fills explain 10: no gap inferred. */
	assert_int_equal(count_findings(f, FIND_MISSING_FILL), 2);
	/* (4 @ 20 + 6 @ 21) / 10 */
	assert_detail(finding_of(f, FIND_MISSING_STOP, "ELA-USD"), "entry", "20.6");

	/* Both fills absorb: 2 of the inferred 4, then the other 2 and 4 more. */
	f->fills[0].qty = tu_dec("2");
	f->pos[0].qty = tu_dec("8");
	f->orders[0].filled_qty = tu_dec("8");
	run(f);
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0);
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 2);
	/* (4 @ 20 + 4 @ 21) / 8 */
	assert_detail(finding_of(f, FIND_MISSING_STOP, "ELA-USD"), "entry", "20.5");
}

static void test_gap_counts_listed_fills_less_what_they_supersede(void **state)
{
	struct fx *f = *state;
	/* Filled 10 on the exchange; the journal's fills explain 4 (all inferred),
	 * the listing shows the real 4 behind them: 6 remain unexplained. */
	inferred_four(f, true, "10");
	position(f, "ELA-USD", "10", NULL, "20");
	real_fill(f, "f-a", "4", "20");
	run(f);
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 2);
	const struct action *a = act(f, action_at(f, ACT_RECORD_INFERRED_FILL, 1));
	assert_string_equal(a->fill.fill_id, "inferred:o-1:10");
	assert_dec_text(a->fill.qty, "6");
	assert_detail(&f->plan.findings[a->finding], "basis",
		      "exchange filled_qty 10, journal fills 4, fills listed 4 (4 superseding "
		      "inferred fills)");
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0);
}

/* A bot reported "filled 4" and sent no fill: the journal's filled_qty says 4
 * but its fills explain 0 and its position is flat. The gap is measured
 * against the fills. */
static void test_reported_filled_qty_without_fills_is_inferred(void **state)
{
	struct fx *f = *state;
	position(f, "ELA-USD", "4", NULL, "20");
	struct order_rec *o = known_order(f, "ELA-USD", "o-1", SIDE_BUY, OTYPE_LIMIT, "10", "20", NULL);
	o->status = OSTATUS_PARTIALLY_FILLED;
	o->has_filled_qty = true;
	o->filled_qty = tu_dec("4");
	f->lorders[0].rec.status = OSTATUS_PARTIALLY_FILLED;
	f->lorders[0].rec.has_filled_qty = true;
	f->lorders[0].rec.filled_qty = tu_dec("4");
	f->lorders[0].fills_qty = tu_dec("0");
	known_order(f, "ELA-USD", "sl-1", SIDE_SELL, OTYPE_STOP_LIMIT, "4", "18.8", "19");
	run(f);
	assert_int_equal(count_actions(f, ACT_RECORD_INFERRED_FILL), 1);
	const struct action *a = act(f, action_at(f, ACT_RECORD_INFERRED_FILL, 0));
	assert_string_equal(a->fill.fill_id, "inferred:o-1:4");
	assert_string_equal(a->fill.order_id, "o-1");
	assert_dec_text(a->fill.qty, "4");
	const struct finding *fd = &f->plan.findings[a->finding];
	assert_detail(fd, "journal_filled_qty", "4");
	assert_detail(fd, "journal_fills_qty", "0");
	assert_int_equal(count_findings(f, FIND_POSITION_DRIFT), 0);
}

/* ---- issue 8: take-profit ladders (point 8) ---- */

static void ladder(struct fx *f, const char *holding)
{
	fx_venue(f, VENUE_COINBASE, true, true, false);
	held(f, "ETH-USD", holding, "100", "100");
	known_order(f, "ETH-USD", "tp-far", SIDE_SELL, OTYPE_LIMIT, "70", "150", NULL);
	known_order(f, "ETH-USD", "tp-near", SIDE_SELL, OTYPE_LIMIT, "30", "120", NULL);
}

static void assert_bracket(const struct action *a, const char *qty, const char *tp,
			   const char *stop)
{
	assert_int_equal(a->kind, ACT_PLACE_STOP);
	assert_int_equal(a->req.type, OTYPE_BRACKET);
	assert_dec_text(a->req.qty, qty);
	assert_dec_text(a->req.price, tp);
	assert_dec_text(a->req.stop_price, stop);
}

static void test_take_profit_ladder_keeps_every_leg(void **state)
{
	struct fx *f = *state;
	ladder(f, "100");
	run(f);
	/* Both limits hold the balance: cancelled, chained, then one bracket per
	 * leg, each with its own size and take profit and the stop. */
	int c0 = action_at(f, ACT_CANCEL_ORDER, 0), c1 = action_at(f, ACT_CANCEL_ORDER, 1);
	assert_int_equal(act(f, c1)->depends_on, c0);
	assert_int_equal(count_actions(f, ACT_PLACE_STOP), 2);
	const struct action *near = act(f, action_at(f, ACT_PLACE_STOP, 0));
	const struct action *far = act(f, action_at(f, ACT_PLACE_STOP, 1));
	assert_bracket(near, "30", "120", "95");
	assert_bracket(far, "70", "150", "95");
	assert_int_equal(near->depends_on, c1);
	assert_int_equal(far->depends_on, c1);
	assert_string_not_equal(near->req.client_order_id, far->req.client_order_id);
	assert_string_equal(f->plan.findings[near->finding].order_id, "tp-near");
	assert_detail(&f->plan.findings[far->finding], "kept_qty", "70");
	assert_detail(finding_of(f, FIND_MISSING_STOP, "ETH-USD"), "take_profit_legs",
		      "30@120, 70@150");

	/* Next pass: the two brackets cover the position; nothing to do. */
	f->snap.norders = f->local.norders = 0;
	known_order(f, "ETH-USD", "b-1", SIDE_SELL, OTYPE_BRACKET, "30", "120", "95");
	known_order(f, "ETH-USD", "b-2", SIDE_SELL, OTYPE_BRACKET, "70", "150", "95");
	run(f);
	assert_int_equal(f->plan.nactions, 0);
	assert_int_equal(f->plan.nfindings, 0);
}

static void test_take_profit_ladder_short_of_the_holding_stops_the_rest(void **state)
{
	struct fx *f = *state;
	ladder(f, "120");
	run(f);
	assert_bracket(act(f, action_at(f, ACT_PLACE_STOP, 0)), "30", "120", "95");
	assert_bracket(act(f, action_at(f, ACT_PLACE_STOP, 1)), "70", "150", "95");
	/* protect=stop: what no leg covers gets a plain stop, for the primary finding. */
	const struct action *rest = act(f, action_at(f, ACT_PLACE_STOP, 2));
	assert_int_equal(rest->req.type, OTYPE_STOP_LIMIT);
	assert_dec_text(rest->req.qty, "20");
	assert_int_equal(f->plan.findings[rest->finding].kind, FIND_MISSING_STOP);

	/* protect=bracket with a take profit: the rest is a bracket at the policy's. */
	use_policy(f, "{\"defaults\":{\"protect\":\"bracket\",\"take_profit_pct\":10}}");
	run(f);
	assert_bracket(act(f, action_at(f, ACT_PLACE_STOP, 2)), "20", "110", "95");
}

static void test_take_profit_ladder_beyond_the_holding_is_cut_nearest_first(void **state)
{
	struct fx *f = *state;
	ladder(f, "80");
	run(f);
	assert_int_equal(count_actions(f, ACT_PLACE_STOP), 2);
	assert_bracket(act(f, action_at(f, ACT_PLACE_STOP, 0)), "30", "120", "95");
	assert_bracket(act(f, action_at(f, ACT_PLACE_STOP, 1)), "50", "150", "95");
}

static void test_take_profit_rest_too_small_to_place_joins_the_farthest_leg(void **state)
{
	struct fx *f = *state;
	ladder(f, "100.05");
	instrument(f, "ETH-USD", "0.01", "0.01", "1", "10");
	run(f);
	assert_int_equal(count_actions(f, ACT_PLACE_STOP), 2);
	assert_bracket(act(f, action_at(f, ACT_PLACE_STOP, 0)), "30", "120", "95");
	assert_bracket(act(f, action_at(f, ACT_PLACE_STOP, 1)), "70.05", "150", "95");
}

static void test_take_profit_ladder_without_brackets_gives_way_to_one_stop(void **state)
{
	struct fx *f = *state;
	ladder(f, "100");
	fx_venue(f, VENUE_COINBASE, true, false, false);
	run(f);
	/* Protection wins: both limits go, one stop covers the holding, and the
	 * findings say the take profits were not kept. */
	assert_int_equal(count_actions(f, ACT_CANCEL_ORDER), 2);
	assert_int_equal(count_actions(f, ACT_PLACE_STOP), 1);
	const struct action *a = act(f, action_at(f, ACT_PLACE_STOP, 0));
	assert_int_equal(a->req.type, OTYPE_STOP_LIMIT);
	assert_dec_text(a->req.qty, "100");
	for (size_t i = 0; i < f->plan.nfindings; i++)
		if (f->plan.findings[i].kind == FIND_BLOCKING_ORDER)
			assert_non_null(strstr(f->plan.findings[i].detail, "\"take_profit_kept\":false"));
}

/* A leg reckon cancelled in an earlier pass whose bracket never came (as
 * recon_store reads it from the journal). */
static void pending_leg(struct fx *f, const char *sym, const char *id, const char *qty,
			const char *price)
{
	struct local_leg *l = &f->llegs[f->local.nlegs++];
	snprintf(l->key, sizeof l->key, "blocking_order:coinbase:default:%s:%s", sym, id);
	snprintf(l->symbol, sizeof l->symbol, "%s", sym);
	snprintf(l->order_id, sizeof l->order_id, "%s", id);
	l->side = SIDE_SELL;
	l->qty = tu_dec(qty);
	l->price = tu_dec(price);
	l->cancel_action_id = 42;
}

/* The near leg was cancelled last pass and its bracket never placed: it
 * comes back as a leg of its own (no cancel: its limit is gone) under the
 * same finding key, next to the far leg whose limit is cancelled now. */
static void test_cancelled_leg_is_placed_again_with_the_ladder(void **state)
{
	struct fx *f = *state;
	fx_venue(f, VENUE_COINBASE, true, true, false);
	held(f, "ETH-USD", "100", "100", "100");
	known_order(f, "ETH-USD", "tp-far", SIDE_SELL, OTYPE_LIMIT, "70", "150", NULL);
	pending_leg(f, "ETH-USD", "tp-near", "30", "120");
	run(f);
	assert_int_equal(count_actions(f, ACT_CANCEL_ORDER), 1);
	int cancel = action_at(f, ACT_CANCEL_ORDER, 0);
	assert_string_equal(act(f, cancel)->order_id, "tp-far");
	assert_int_equal(count_actions(f, ACT_PLACE_STOP), 2);
	const struct action *near = act(f, action_at(f, ACT_PLACE_STOP, 0));
	assert_bracket(near, "30", "120", "95");
	assert_bracket(act(f, action_at(f, ACT_PLACE_STOP, 1)), "70", "150", "95");
	const struct finding *fd = &f->plan.findings[near->finding];
	assert_string_equal(fd->key, "blocking_order:coinbase:default:ETH-USD:tp-near");
	assert_detail(fd, "status", "cancelled by reckon");
	assert_detail(fd, "kept_qty", "30");
	assert_dependencies_point_back(f);
}

/* One bracket works (70), the refused leg (30) is pending: only that leg is
 * placed, nothing is cancelled. A leg whose take profit the price has passed
 * is not placed again (the limit would have filled). */
static void test_pending_leg_alone_completes_working_brackets(void **state)
{
	struct fx *f = *state;
	fx_venue(f, VENUE_COINBASE, true, true, false);
	held(f, "ETH-USD", "100", "100", "100");
	known_order(f, "ETH-USD", "b-far", SIDE_SELL, OTYPE_BRACKET, "70", "150", "95");
	pending_leg(f, "ETH-USD", "tp-near", "30", "120");
	run(f);
	assert_int_equal(f->plan.nactions, 1);
	const struct action *a = act(f, 0);
	assert_bracket(a, "30", "120", "95");
	assert_int_equal(a->depends_on, -1);

	f->prices[0].last = tu_dec("125");
	run(f);
	for (size_t i = 0; i < f->plan.nactions; i++)
		assert_false(f->plan.actions[i].req.type == OTYPE_BRACKET &&
			     dec_eq(f->plan.actions[i].req.price, tu_dec("120")));
}

/* ---- names, details, determinism ---- */

static void test_names_are_exact(void **state)
{
	(void)state;
	static const char *const findings[] = {
		"orphan_exchange_order", "stale_local_order", "blocking_order", "missing_stop",
		"stop_size_mismatch", "stop_would_trigger", "position_drift", "duplicate_stop",
		"unmatched_sell", "dust", "missing_fill", "fill_regression", "stray_stop"};
	static const char *const actions[] = {"cancel_order", "place_stop", "replace_stop",
					      "emergency_close", "adopt_order", "close_local_order",
					      "record_inferred_fill"};
	static const char *const statuses[] = {"planned", "dry_run", "sent",
					       "succeeded", "failed", "skipped"};
	for (int k = 0; k < FIND_KIND_COUNT; k++)
		assert_string_equal(finding_kind_name((enum finding_kind)k), findings[k]);
	for (int k = 0; k < ACT_KIND_COUNT; k++)
		assert_string_equal(action_kind_name((enum action_kind)k), actions[k]);
	for (int k = 0; k <= ASTAT_SKIPPED; k++) {
		assert_string_equal(action_status_name((enum action_status)k), statuses[k]);
		assert_int_equal(action_status_parse(statuses[k]), k);
	}
	assert_int_equal(action_status_parse("bogus"), ASTAT_SENT);
	assert_true(action_kind_is_destructive(ACT_CANCEL_ORDER));
	assert_true(action_kind_is_destructive(ACT_EMERGENCY_CLOSE));
	/* A lookup and a local status change: bookkeeping (issue 8, point 2). */
	assert_false(action_kind_is_destructive(ACT_CLOSE_LOCAL_ORDER));
	assert_false(action_kind_is_destructive(ACT_PLACE_STOP));
	assert_false(action_kind_is_destructive(ACT_REPLACE_STOP));
	assert_false(action_kind_is_destructive(ACT_ADOPT_ORDER));
	assert_false(action_kind_is_destructive(ACT_RECORD_INFERRED_FILL));
}

static void test_finding_detail_is_json_with_the_numbers(void **state)
{
	struct fx *f = *state;
	futures(f);
	held(f, "ICXUSDT", "100", "0.2", "0.185");
	known_order(f, "ICXUSDT", "sl-dead", SIDE_SELL, OTYPE_STOP_MARKET, "100", NULL, "0.19");
	run(f);
	const struct finding *fd = finding_of(f, FIND_STOP_WOULD_TRIGGER, "ICXUSDT");
	assert_string_equal(fd->key, "stop_would_trigger:binance-usdm:default:ICXUSDT");
	assert_detail(fd, "exchange_qty", "100");
	assert_detail(fd, "stop_price", "0.19");
	assert_detail(fd, "last", "0.185");
	assert_detail(fd, "entry", "0.2");
	assert_detail(fd, "loss_pct", "7.5");
}

static void test_plan_is_deterministic_and_sorted_by_symbol(void **state)
{
	struct fx *f = *state;
	held(f, "ZORA-USD", "497", "0.1", "0.087");
	held(f, "ATOM-USD", "38.45", "5", "4.9");
	run(f);
	struct recon_plan first = f->plan;
	memset(&f->plan, 0, sizeof f->plan);
	run(f);
	assert_int_equal(first.nfindings, f->plan.nfindings);
	assert_int_equal(first.nactions, f->plan.nactions);
	assert_memory_equal(first.findings, f->plan.findings,
			    first.nfindings * sizeof *first.findings);
	assert_memory_equal(first.actions, f->plan.actions, first.nactions * sizeof *first.actions);
	assert_string_equal(f->plan.findings[0].symbol, "ATOM-USD");
	assert_string_equal(f->plan.findings[1].symbol, "ZORA-USD");
	recon_plan_free(&first);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_incomplete_snapshot_plans_no_destructive_action),
		T(test_incomplete_snapshot_still_adopts_and_records_fills),
		T(test_stale_order_first_seen_is_finding_only),
		T(test_stale_order_not_closed_before_quiet_period),
		T(test_stale_order_not_closed_before_min_passes),
		T(test_stale_order_closed_after_passes_and_quiet_period),
		T(test_stale_order_matched_by_client_order_id_is_not_stale),
		T(test_fill_regression_halts_symbol),
		T(test_halted_symbol_gets_findings_but_no_actions),
		T(test_orphan_adopted_by_default),
		T(test_orphan_cancelled_per_policy),
		T(test_orphan_reported_per_policy),
		T(test_orphan_protective_stop_is_adopted_not_cancelled),
		T(test_working_stop_is_preserved),
		T(test_split_stops_covering_position_are_preserved),
		T(test_no_stop_for_closing_position),
		T(test_partial_exit_does_not_count_as_closing),
		T(test_missing_stop_on_spot_places_stop_limit),
		T(test_missing_stop_on_futures_places_close_position_stop),
		T(test_stop_price_quantized_away_from_trigger),
		T(test_far_below_entry_stops_from_last_by_default),
		T(test_far_below_entry_exits_when_policy_says),
		T(test_hard_stop_exits_at_market),
		T(test_stop_from_last_when_policy_says),
		T(test_dust_is_reported_not_protected),
		T(test_replace_on_futures_places_before_cancel),
		T(test_replace_on_spot_cancels_before_place),
		T(test_stop_through_price_takes_emergency_path),
		T(test_stop_through_price_on_spot_cancels_before_emergency_close),
		T(test_stop_through_price_reprices_when_policy_says),
		T(test_blocking_sell_is_cancelled_before_stop),
		T(test_every_blocking_cancel_precedes_the_stop),
		T(test_blocking_take_profit_becomes_bracket),
		T(test_blocking_orders_ignored_where_balance_is_not_held),
		T(test_duplicate_stop_cancels_extra),
		T(test_stray_stop_on_flat_position_is_cancelled),
		T(test_missing_fill_recorded_and_drift_after),
		T(test_drift_not_reported_on_incomplete_snapshot),
		T(test_exchange_only_position_is_brought_into_the_journal),
		T(test_partial_drift_is_not_guessed_at),
		T(test_client_order_id_is_deterministic_and_advances_after_failure),
		T(test_breaker_skips_excess_destructive_actions),
		T(test_breaker_never_splits_a_take_profit_ladder),
		T(test_breaker_never_blocks_protection_for_its_cleanup),
		T(test_cancelled_leg_is_placed_again_with_the_ladder),
		T(test_pending_leg_alone_completes_working_brackets),
		T(test_breaker_counts_the_last_hour),
		T(test_stale_lookups_never_starve_protection),
		T(test_protective_cancels_take_the_breaker_budget_first),
		T(test_protection_chain_keeps_its_order_when_ranked),
		T(test_failed_lookups_back_off),
		T(test_fills_are_recorded_before_adoptions),
		T(test_stop_from_entry_uses_a_fill_learnt_this_pass),
		T(test_client_order_ids_differ_between_journals),
		T(test_unrecorded_filled_qty_is_inferred_once),
		T(test_inferred_fill_covers_only_what_listed_fills_do_not),
		T(test_unpriced_fill_gap_is_reported_not_recorded),
		T(test_listed_real_fill_supersedes_the_inferred_one_without_drift),
		T(test_two_real_fills_of_one_order_absorb_the_inferred_one_once),
		T(test_gap_counts_listed_fills_less_what_they_supersede),
		T(test_reported_filled_qty_without_fills_is_inferred),
		T(test_take_profit_ladder_keeps_every_leg),
		T(test_take_profit_ladder_short_of_the_holding_stops_the_rest),
		T(test_take_profit_ladder_beyond_the_holding_is_cut_nearest_first),
		T(test_take_profit_rest_too_small_to_place_joins_the_farthest_leg),
		T(test_take_profit_ladder_without_brackets_gives_way_to_one_stop),
		T(test_names_are_exact),
		T(test_finding_detail_is_json_with_the_numbers),
		T(test_plan_is_deterministic_and_sorted_by_symbol),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
