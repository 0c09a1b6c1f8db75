/*
 * test_sim.c — the simulated venue (src/venues/sim/) against its contract:
 * the demo scenario reproduces the incidents, every scripted fault reads as
 * the venue contract says it must (incomplete, rejected, unknown — never a
 * silent success), spot balances are held by open sells, orders match over
 * a price path, and the same calls always give the same venue.
 *
 * Scenarios come from scenarios/ through the embedded table, as the demo
 * reads them: demo.json (the incidents), faults.json (one fault of each
 * kind), matching.json (a price path through every order type).
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

#include "embedded.h"
#include "record.h"
#include "rtime.h"
#include "testutil.h"
#include "venue.h"
#include "sim.h"
#include "sim/sim_internal.h" /* the placement rules table */

/* ---- helpers ------------------------------------------------------------- */

static struct venue *open_sim(const char *scenario, const char *venue)
{
	struct venue *v = NULL;
	struct rk_err err = {0};
	const char *text = sim_scenario_text(scenario);
	if (!text)
		fail_msg("scenario %s is not embedded", scenario);
	if (sim_venue_create(text, venue, &v, &err) != RK_OK)
		fail_msg("sim_venue_create(%s, %s): %s", scenario, venue, err.msg);
	return v;
}

static void snapshot(struct venue *v, const char *cursor, struct venue_snapshot *s)
{
	struct rk_err err = {0};
	if (venue_snapshot(v, "default", cursor, s, &err) != RK_OK)
		fail_msg("venue_snapshot: %s", err.msg);
}

/* A placement request; price/stop "" = absent. */
static struct venue_order_req req(const char *cid, const char *symbol, enum side side,
				  enum order_type type, const char *qty, const char *price,
				  const char *stop)
{
	struct venue_order_req r;
	memset(&r, 0, sizeof r);
	snprintf(r.client_order_id, sizeof r.client_order_id, "%s", cid);
	snprintf(r.symbol, sizeof r.symbol, "%s", symbol);
	r.side = side;
	r.type = type;
	r.purpose = PURPOSE_STOP_LOSS;
	r.qty = tu_dec(qty);
	if (price[0]) {
		r.has_price = true;
		r.price = tu_dec(price);
	}
	if (stop[0]) {
		r.has_stop_price = true;
		r.stop_price = tu_dec(stop);
	}
	return r;
}

static struct venue_place_result place(struct venue *v, const struct venue_order_req *r)
{
	struct venue_place_result res;
	struct rk_err err = {0};
	if (venue_place(v, r, &res, &err) != RK_OK)
		fail_msg("venue_place: %s", err.msg);
	return res;
}

static struct venue_cancel_result cancel_one(struct venue *v, const char *symbol, const char *id)
{
	struct venue_cancel_result res;
	struct rk_err err = {0};
	const char *ids[] = {id};
	if (venue_cancel_orders(v, symbol, ids, 1, &res, &err) != RK_OK)
		fail_msg("venue_cancel_orders: %s", err.msg);
	return res;
}

static struct venue_order_result get_order(struct venue *v, const char *id, const char *cid)
{
	struct venue_order_result res;
	struct rk_err err = {0};
	if (venue_get_order(v, NULL, id, cid, &res, &err) != RK_OK)
		fail_msg("venue_get_order: %s", err.msg);
	return res;
}

static void advance(struct venue *v, int steps)
{
	struct rk_err err = {0};
	if (sim_venue_advance(v, steps, &err) != RK_OK)
		fail_msg("sim_venue_advance: %s", err.msg);
}

static struct order_rec order_of(struct venue *v, const char *id)
{
	struct order_rec o;
	if (!sim_venue_find_order(v, id, &o))
		fail_msg("order %s not on the venue", id);
	return o;
}

static size_t fills_of(struct venue *v, const char *order_id, struct fill_rec *first)
{
	struct fill_rec *f = NULL;
	size_t n = 0;
	struct rk_err err = {0};
	if (venue_order_fills(v, NULL, order_id, &f, &n, &err) != RK_OK)
		fail_msg("venue_order_fills: %s", err.msg);
	if (n && first)
		*first = f[0];
	free(f);
	return n;
}

static struct dec position(struct venue *v, const char *symbol)
{
	struct dec q;
	assert_true(sim_venue_position(v, symbol, &q));
	return q;
}

static struct dec balance(struct venue *v, const char *asset)
{
	struct dec q;
	assert_true(sim_venue_balance(v, asset, &q));
	return q;
}

/* ---- the demo scenario --------------------------------------------------- */

static void test_demo_coinbase_snapshot_is_complete_with_every_holding(void **state)
{
	struct venue *v = open_sim("demo.json", "coinbase");
	struct venue_snapshot s;
	int64_t now;
	assert_int_equal(rtime_parse("2025-11-23T03:05:00Z", &now, NULL), RK_OK);
	snapshot(v, "", &s);

	assert_true(s.complete);
	assert_string_equal(s.incomplete_reason, "");
	assert_true(s.taken_at_us == now);
	assert_int_equal(v->kind, VENUE_COINBASE);
	assert_true(v->caps.orders_hold_balance && v->caps.has_bracket && !v->caps.is_futures);
	assert_int_equal(s.norders, 6);   /* the six blocking exits, all pages */
	assert_int_equal(s.npositions, 8); /* the eight holdings; USD is not one */
	assert_int_equal(s.nprices, 8);
	assert_int_equal(s.ninstruments, 8);
	assert_int_equal(s.nfills, 8);    /* the entry buys, same ids as the journal */
	assert_dec(venue_snapshot_position(&s, "TOWNS-USD")->qty, "536.6");
	assert_dec(venue_snapshot_position(&s, "CLANKER-USD")->qty, "0.4542");
	assert_dec(venue_snapshot_position(&s, "ZORA-USD")->qty, "497");
	for (size_t i = 0; i < s.norders; i++) {
		assert_int_equal(s.orders[i].side, SIDE_SELL);
		assert_int_equal(s.orders[i].type, OTYPE_LIMIT);
		const struct venue_position *p = venue_snapshot_position(&s, s.orders[i].symbol);
		assert_non_null(p);
		assert_true(dec_eq(s.orders[i].qty, p->qty)); /* each holds the whole balance */
		assert_true(dec_cmp(s.orders[i].price, venue_snapshot_price(&s, s.orders[i].symbol)->last) > 0);
	}
	venue_snapshot_free(&s);
	venue_destroy(v);
}

static void test_demo_binance_snapshot_has_both_positions_and_stops(void **state)
{
	struct venue *v = open_sim("demo.json", "binance-usdm");
	struct venue_snapshot s;
	snapshot(v, "", &s);

	assert_true(s.complete);
	assert_int_equal(v->kind, VENUE_BINANCE_USDM);
	assert_true(!v->caps.orders_hold_balance && !v->caps.has_bracket && v->caps.is_futures);
	assert_int_equal(s.norders, 2);
	assert_int_equal(s.npositions, 2);
	const struct venue_position *atom = venue_snapshot_position(&s, "ATOMUSDT");
	assert_dec(atom->qty, "-494.07");
	assert_true(atom->has_entry);
	assert_dec(atom->entry_price, "2.529");
	assert_dec(venue_snapshot_position(&s, "ICXUSDT")->qty, "2630");
	venue_snapshot_free(&s);
	venue_destroy(v);
}

/* The ATOM short's stop is above the price (working); the ICX long's stop is
 * above the price too, which for a sell stop means it was gapped through. */
static void test_demo_icx_stop_is_through_the_price_and_atom_stop_is_not(void **state)
{
	struct venue *v = open_sim("demo.json", "binance-usdm");
	struct order_rec icx = order_of(v, "64740263"), atom = order_of(v, "8389765904");
	struct dec last;

	assert_true(sim_venue_price(v, "ICXUSDT", &last));
	assert_int_equal(icx.type, OTYPE_STOP_LIMIT);
	assert_int_equal(icx.side, SIDE_SELL);
	assert_true(dec_cmp(icx.stop_price, last) > 0);
	assert_true(sim_venue_price(v, "ATOMUSDT", &last));
	assert_int_equal(atom.type, OTYPE_STOP_MARKET);
	assert_int_equal(atom.side, SIDE_BUY);
	assert_true(atom.reduce_only);
	assert_true(dec_cmp(atom.stop_price, last) > 0);
	venue_destroy(v);
}

/* (last - entry) / entry, as a percentage with two decimals. */
static void loss_pct(struct dec entry, struct dec last, char out[DEC_STR_MAX])
{
	struct dec diff, r, pct;
	assert_int_equal(dec_sub(last, entry, &diff), DEC_OK);
	assert_int_equal(dec_muldiv(diff, dec_from_int(100), entry, DEC_ROUND_HALF_EVEN, &r), DEC_OK);
	assert_int_equal(dec_quantize(r, tu_dec("0.01"), DEC_ROUND_HALF_EVEN, &pct), DEC_OK);
	dec_format(pct, out);
}

static void test_demo_journal_puts_holdings_at_the_incident_losses(void **state)
{
	static const struct { const char *symbol, *pct; } WANT[] = {
		{"TOWNS-USD", "-76.19"}, {"CLANKER-USD", "-21.73"}, {"ELA-USD", "-19.02"},
		{"UNI-USD", "-15.46"},   {"ZORA-USD", "-13"},       {"ATOM-USD", "-3.04"},
		{"UNFI-USD", "-7.14"},   {"TRUST-USD", "-4.05"}};
	struct venue *v = open_sim("demo.json", "coinbase");
	char **lines = NULL;
	size_t n = 0, seen = 0;
	struct rk_err err = {0};

	assert_int_equal(sim_scenario_journal(sim_scenario_text("demo.json"), &lines, &n, &err), RK_OK);
	for (size_t i = 0; i < n; i++) {
		struct jsonin in;
		enum record_type type;
		struct fill_rec f;
		assert_int_equal(jsonin_parse(lines[i], strlen(lines[i]), &in, &err), RK_OK);
		assert_int_equal(record_type_of(&in, &type, &err), RK_OK);
		if (type == RECORD_FILL) {
			assert_int_equal(record_fill_read(&in, &f, &err), RK_OK);
			for (size_t k = 0; k < sizeof WANT / sizeof WANT[0]; k++) {
				struct dec last;
				char pct[DEC_STR_MAX];
				if (strcmp(WANT[k].symbol, f.symbol) != 0)
					continue;
				assert_int_equal(f.side, SIDE_BUY);
				assert_true(sim_venue_price(v, f.symbol, &last));
				loss_pct(f.price, last, pct);
				assert_string_equal(pct, WANT[k].pct);
				seen++;
			}
		}
		jsonin_close(&in);
	}
	assert_int_equal(seen, 8);
	sim_lines_free(lines, n);
	venue_destroy(v);
}

static void test_demo_journal_lines_are_accepted_by_ingest(void **state)
{
	char path[128], reason[512];
	char **lines = NULL;
	size_t n = 0;
	struct rk_err err = {0};
	struct journal *j = tu_open_temp_journal(path, sizeof path);

	assert_int_equal(sim_scenario_journal(sim_scenario_text("demo.json"), &lines, &n, &err), RK_OK);
	assert_true(n >= 28);
	for (size_t i = 0; i < n; i++) {
		enum ingest_outcome oc = tu_ingest(j, lines[i], reason, sizeof reason);
		if (oc != INGEST_ACCEPTED)
			fail_msg("journal line %zu refused: %s\n%s", i, reason, lines[i]);
	}
	/* The bot's view agrees with the venue's holdings, and still counts the
	 * six exits (and the two futures stops) as its own open orders. */
	char qty[64], entry[64];
	tu_query_text(j, "SELECT qty FROM positions WHERE symbol = 'TOWNS-USD'", qty, sizeof qty);
	tu_query_text(j, "SELECT avg_entry FROM positions WHERE symbol = 'TOWNS-USD'", entry,
		      sizeof entry);
	assert_string_equal(qty, "536.6");
	assert_string_equal(entry, "0.0336");
	tu_query_text(j, "SELECT qty FROM positions WHERE symbol = 'ATOMUSDT'", qty, sizeof qty);
	assert_string_equal(qty, "-494.07");
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM positions"), 10);
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM orders WHERE status = 'open'"
					 " AND purpose = 'exit' AND side = 'sell'"), 6);
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM orders WHERE status = 'open'"
					 " AND purpose = 'stop_loss'"), 2);
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM orders WHERE status = 'filled'"
					 " AND purpose = 'entry'"), 10);
	sim_lines_free(lines, n);
	journal_close(j);
	tu_remove_db(path);
}

/* UNFI: 12.0 at 0.0650 is 0.78 USD, under the venue's 1 USD minimum. */
static void test_demo_unfi_is_dust(void **state)
{
	struct venue *v = open_sim("demo.json", "coinbase");
	struct venue_snapshot s;
	struct dec value;
	snapshot(v, "", &s);
	const struct instrument *ins = venue_snapshot_instrument(&s, "UNFI-USD");
	assert_int_equal(dec_mul(venue_snapshot_position(&s, "UNFI-USD")->qty,
				 venue_snapshot_price(&s, "UNFI-USD")->last, DEC_ROUND_HALF_EVEN, &value),
			 DEC_OK);
	assert_dec(value, "0.78");
	assert_true(dec_cmp(value, ins->min_notional) < 0);
	venue_snapshot_free(&s);
	venue_destroy(v);
}

/* ---- snapshot faults ----------------------------------------------------- */

static void test_snapshot_fails_returns_incomplete_with_reason(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_snapshot s;
	snapshot(v, "", &s); /* call 1: the positions request fails */

	assert_false(s.complete);
	assert_non_null(strstr(s.incomplete_reason, "positions"));
	assert_int_equal(s.npositions, 0); /* nothing made up in its place */
	assert_int_equal(s.norders, 5);
	venue_snapshot_free(&s);
	venue_destroy(v);
}

static void test_page_missing_loses_orders_and_marks_incomplete(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_snapshot s;
	snapshot(v, "", &s);
	venue_snapshot_free(&s);
	snapshot(v, "", &s); /* call 2: page 2 of 3 is lost */

	assert_false(s.complete);
	assert_string_equal(s.incomplete_reason, "open orders: page 2 of 3 missing");
	assert_int_equal(s.norders, 3);
	assert_string_equal(s.orders[0].order_id, "o-btc");
	assert_string_equal(s.orders[1].order_id, "o-eth");
	assert_string_equal(s.orders[2].order_id, "o-doge");
	assert_int_equal(s.npositions, 5);
	venue_snapshot_free(&s);
	venue_destroy(v);
}

static void test_snapshot_is_complete_once_faults_are_spent(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_snapshot s;
	for (int i = 0; i < 3; i++) {
		snapshot(v, "", &s);
		if (i < 2)
			venue_snapshot_free(&s);
	}
	assert_true(s.complete);
	assert_int_equal(s.norders, 5);
	assert_int_equal(s.npositions, 5);
	assert_int_equal(sim_venue_calls(v, SIM_CALL_SNAPSHOT), 3);
	venue_snapshot_free(&s);
	venue_destroy(v);
}

/* ---- cancel -------------------------------------------------------------- */

static void test_cancel_failure_is_reported_per_order(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_cancel_result res[2];
	struct rk_err err = {0};
	const char *ids[] = {"o-eth", "o-sol"};

	assert_int_equal(venue_cancel_orders(v, NULL, ids, 2, res, &err), RK_OK);
	assert_string_equal(res[0].order_id, "o-eth");
	assert_int_equal(res[0].outcome, VOUT_REJECTED);
	assert_string_equal(res[0].reason, "UNKNOWN_CANCEL_ORDER");
	assert_int_equal(order_of(v, "o-eth").status, OSTATUS_OPEN); /* still working */
	assert_string_equal(res[1].order_id, "o-sol");
	assert_int_equal(res[1].outcome, VOUT_OK);
	assert_int_equal(order_of(v, "o-sol").status, OSTATUS_CANCELLED);
	assert_int_equal(sim_venue_open_order_count(v), 4);
	venue_destroy(v);
}

static void test_cancel_of_unknown_order_is_not_found(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_cancel_result r = cancel_one(v, "BTC-USD", "no-such-order");
	assert_int_equal(r.outcome, VOUT_NOT_FOUND);
	assert_int_equal(r.reject, VREJ_UNKNOWN_ORDER);
	assert_int_equal(sim_venue_open_order_count(v), 5);
	venue_destroy(v);
}

static void test_cancel_of_filled_order_is_already_done(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_cancel_result r = cancel_one(v, "BTC-USD", "o-btc-old");
	assert_int_equal(r.outcome, VOUT_REJECTED);
	assert_int_equal(r.reject, VREJ_ALREADY_DONE);
	assert_int_equal(order_of(v, "o-btc-old").status, OSTATUS_FILLED);
	venue_destroy(v);
}

static void test_cancel_timeout_is_unknown_even_when_it_happened(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_cancel_result r = cancel_one(v, "ADA-USD", "o-ada");
	assert_int_equal(r.outcome, VOUT_UNKNOWN);
	/* Only a lookup tells what happened. */
	struct venue_order_result g = get_order(v, "o-ada", NULL);
	assert_int_equal(g.outcome, VOUT_OK);
	assert_int_equal(g.order.status, OSTATUS_CANCELLED);
	venue_destroy(v);
}

/* ---- placement ----------------------------------------------------------- */

static void test_place_would_trigger_fault_rejects_with_2021(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	/* BTC free is 0.05; a stop well below 85000 would normally be fine. */
	struct venue_order_req r = req("rk-btc-1", "BTC-USD", SIDE_SELL, OTYPE_STOP_MARKET, "0.05", "",
				       "80000.00");
	struct venue_place_result p = place(v, &r);
	assert_int_equal(p.outcome, VOUT_REJECTED);
	assert_int_equal(p.reject, VREJ_WOULD_TRIGGER);
	assert_int_equal(p.venue_code, -2021);
	assert_string_equal(p.reason, "Order would immediately trigger.");
	assert_string_equal(p.order_id, "");
	assert_int_equal(sim_venue_open_order_count(v), 5);
	/* The fault fired once; the same stop is accepted next time. */
	snprintf(r.client_order_id, sizeof r.client_order_id, "rk-btc-2");
	assert_int_equal(place(v, &r).outcome, VOUT_OK);
	venue_destroy(v);
}

static void test_futures_stop_through_price_is_rejected_would_trigger(void **state)
{
	struct venue *v = open_sim("demo.json", "binance-usdm");
	/* Re-arming the ICX stop at its old level: already through 0.0712. */
	struct venue_order_req r = req("rk-icx-1", "ICXUSDT", SIDE_SELL, OTYPE_STOP_MARKET, "2630", "",
				       "0.0745");
	r.reduce_only = true;
	struct venue_place_result p = place(v, &r);
	assert_int_equal(p.outcome, VOUT_REJECTED);
	assert_int_equal(p.reject, VREJ_WOULD_TRIGGER);
	assert_int_equal(p.venue_code, -2021);
	/* Below the price it is a working stop. */
	r.stop_price = tu_dec("0.0676");
	snprintf(r.client_order_id, sizeof r.client_order_id, "rk-icx-2");
	p = place(v, &r);
	assert_int_equal(p.outcome, VOUT_OK);
	assert_int_equal(p.status, OSTATUS_OPEN);
	venue_destroy(v);
}

static void test_spot_stop_through_price_is_rejected_would_trigger(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_order_req r = req("rk-eth-1", "ETH-USD", SIDE_SELL, OTYPE_STOP_LIMIT, "0.5",
				       "2840.00", "2850.00");
	struct venue_place_result p = place(v, &r);
	assert_int_equal(p.outcome, VOUT_REJECTED);
	assert_int_equal(p.reject, VREJ_WOULD_TRIGGER);
	assert_int_equal(p.venue_code, -2021);
	venue_destroy(v);
}

static void test_place_without_order_id_is_unknown_and_found_by_client_id(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_order_req r = req("rk-ada-1", "ADA-USD", SIDE_SELL, OTYPE_STOP_MARKET, "400", "",
				       "0.3500");
	struct venue_place_result p = place(v, &r);
	/* "Valid" without an id is never success (venue_place's rule). */
	assert_int_equal(p.outcome, VOUT_UNKNOWN);
	assert_string_equal(p.order_id, "");
	struct venue_order_result g = get_order(v, NULL, "rk-ada-1");
	assert_int_equal(g.outcome, VOUT_OK);
	assert_int_equal(g.order.status, OSTATUS_OPEN);
	assert_string_equal(g.order.client_order_id, "rk-ada-1");
	assert_int_equal(sim_venue_open_order_count(v), 6);
	venue_destroy(v);
}

static void test_place_timeout_not_placed_is_not_found(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_order_req r = req("rk-doge-1", "DOGE-USD", SIDE_SELL, OTYPE_STOP_MARKET, "1000",
				       "", "0.12000");
	assert_int_equal(place(v, &r).outcome, VOUT_UNKNOWN);
	assert_int_equal(get_order(v, NULL, "rk-doge-1").outcome, VOUT_NOT_FOUND);
	assert_int_equal(sim_venue_open_order_count(v), 5);
	venue_destroy(v);
}

static void test_place_timeout_placed_is_found_by_client_id(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_order_req r = req("rk-sol-1", "SOL-USD", SIDE_SELL, OTYPE_STOP_MARKET, "5", "",
				       "120.00");
	assert_int_equal(place(v, &r).outcome, VOUT_UNKNOWN);
	struct venue_order_result g = get_order(v, NULL, "rk-sol-1");
	assert_int_equal(g.outcome, VOUT_OK);
	assert_int_equal(g.order.status, OSTATUS_OPEN);
	/* Retrying with the same client id finds it rather than placing twice. */
	struct venue_place_result p = place(v, &r);
	assert_int_equal(p.outcome, VOUT_OK);
	assert_string_equal(p.order_id, g.order.order_id);
	assert_int_equal(sim_venue_open_order_count(v), 6);
	venue_destroy(v);
}

static void test_duplicate_client_order_id_places_once(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_order_req r = req("dup-1", "ETH-USD", SIDE_SELL, OTYPE_STOP_MARKET, "0.5", "",
				       "2600.00");
	struct venue_place_result a = place(v, &r), b = place(v, &r);
	assert_int_equal(a.outcome, VOUT_OK);
	assert_int_equal(b.outcome, VOUT_OK);
	assert_string_equal(a.order_id, b.order_id);
	assert_string_equal(a.order_id, "sim-coinbase-1");
	assert_int_equal(sim_venue_calls(v, SIM_CALL_PLACE), 2);
	assert_int_equal(sim_venue_open_order_count(v), 6);
	venue_destroy(v);
}

static void test_get_order_timeout_is_unknown_then_answers(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	assert_int_equal(get_order(v, "o-btc", NULL).outcome, VOUT_UNKNOWN);
	struct venue_order_result g = get_order(v, "o-btc", NULL);
	assert_int_equal(g.outcome, VOUT_OK);
	assert_int_equal(g.order.status, OSTATUS_OPEN);
	assert_int_equal(get_order(v, "never-existed", NULL).outcome, VOUT_NOT_FOUND);
	assert_int_equal(sim_venue_calls(v, SIM_CALL_GET_ORDER), 3);
	venue_destroy(v);
}

static void test_order_fills_timeout_is_an_error_then_answers(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct fill_rec *f = NULL;
	size_t n = 0;
	struct rk_err err = {0};
	assert_int_equal(venue_order_fills(v, "BTC-USD", "o-btc-old", &f, &n, &err), RK_EUNKNOWN);
	assert_null(f);
	struct fill_rec first;
	assert_int_equal(fills_of(v, "o-btc-old", &first), 1);
	assert_string_equal(first.fill_id, "f-btc-old");
	assert_dec(first.price, "84000");
	venue_destroy(v);
}

static void test_placement_increments_and_minimums_are_enforced(void **state)
{
	struct venue *v = open_sim("faults.json", "coinbase");
	struct venue_order_req bad_step = req("i1", "ETH-USD", SIDE_SELL, OTYPE_STOP_MARKET,
					      "0.000000001", "", "2600.00");
	struct venue_order_req bad_tick = req("i2", "ETH-USD", SIDE_SELL, OTYPE_STOP_MARKET, "0.5", "",
					      "2600.005");
	struct venue_order_req too_small = req("i3", "ETH-USD", SIDE_SELL, OTYPE_STOP_MARKET,
					       "0.0003", "", "2600.00"); /* 0.78 USD */
	struct venue_order_req unknown = req("i4", "XRP-USD", SIDE_SELL, OTYPE_LIMIT, "1", "3.00", "");
	assert_int_equal(place(v, &bad_step).reject, VREJ_INVALID);
	assert_int_equal(place(v, &bad_tick).reject, VREJ_INVALID);
	assert_int_equal(place(v, &too_small).reject, VREJ_INVALID);
	assert_int_equal(place(v, &unknown).reject, VREJ_INVALID);
	assert_int_equal(sim_venue_open_order_count(v), 5);
	venue_destroy(v);
}

/* The Coinbase incident: the exit SELL holds the whole TOWNS balance, so the
 * stop can only go on after it is cancelled. */
static void test_spot_stop_refused_while_limit_sell_holds_balance(void **state)
{
	struct venue *v = open_sim("demo.json", "coinbase");
	struct venue_snapshot s;
	const char *exit_id = NULL;
	snapshot(v, "", &s);
	for (size_t i = 0; i < s.norders; i++)
		if (strcmp(s.orders[i].symbol, "TOWNS-USD") == 0)
			exit_id = s.orders[i].order_id;
	assert_non_null(exit_id);

	struct venue_order_req r = req("rk-towns-1", "TOWNS-USD", SIDE_SELL, OTYPE_STOP_MARKET,
				       "536.6", "", "0.00760");
	struct venue_place_result p = place(v, &r);
	assert_int_equal(p.outcome, VOUT_REJECTED);
	assert_int_equal(p.reject, VREJ_INSUFFICIENT_FUNDS);

	assert_int_equal(cancel_one(v, "TOWNS-USD", exit_id).outcome, VOUT_OK);
	snprintf(r.client_order_id, sizeof r.client_order_id, "rk-towns-2");
	p = place(v, &r);
	assert_int_equal(p.outcome, VOUT_OK);
	assert_int_equal(order_of(v, p.order_id).type, OTYPE_STOP_MARKET);
	assert_int_equal(sim_venue_open_order_count(v), 6);
	venue_snapshot_free(&s);
	venue_destroy(v);
}

static void test_market_order_fills_at_once_and_moves_balances(void **state)
{
	struct venue *v = open_sim("demo.json", "coinbase");
	struct venue_order_req r = req("rk-atom-close", "ATOM-USD", SIDE_SELL, OTYPE_MARKET, "38.45",
				       "", "");
	struct venue_place_result p = place(v, &r);
	struct fill_rec f;
	assert_int_equal(p.outcome, VOUT_OK);
	assert_int_equal(p.status, OSTATUS_FILLED);
	assert_int_equal(fills_of(v, p.order_id, &f), 1);
	assert_dec(f.price, "2.522");
	assert_dec(f.qty, "38.45");
	assert_int_equal(f.liquidity, LIQ_TAKER);
	assert_dec(position(v, "ATOM-USD"), "0");
	assert_dec(balance(v, "USD"), "346.9709"); /* 250 + 38.45 * 2.522 */
	venue_destroy(v);
}

/* ---- matching over the price path ---------------------------------------- */

static void test_limit_sell_fills_at_its_price_when_reached(void **state)
{
	struct venue *v = open_sim("matching.json", "coinbase");
	struct fill_rec f;
	advance(v, 1); /* 3050 */
	assert_int_equal(order_of(v, "m-limit").status, OSTATUS_OPEN);
	advance(v, 1); /* 3120: through 3100 */
	assert_int_equal(order_of(v, "m-limit").status, OSTATUS_FILLED);
	assert_int_equal(fills_of(v, "m-limit", &f), 1);
	assert_dec(f.price, "3100");
	assert_int_equal(f.liquidity, LIQ_MAKER);
	assert_dec(balance(v, "ETH"), "2");
	assert_dec(balance(v, "USD"), "8100");
	assert_int_equal(order_of(v, "m-stop").status, OSTATUS_OPEN);
	venue_destroy(v);
}

static void test_limit_buy_fills_when_price_falls_to_it(void **state)
{
	struct venue *v = open_sim("matching.json", "coinbase");
	struct fill_rec f;
	advance(v, 3); /* 2980 */
	assert_int_equal(order_of(v, "m-buy").status, OSTATUS_OPEN);
	advance(v, 1); /* 2940 */
	assert_int_equal(fills_of(v, "m-buy", &f), 1);
	assert_dec(f.price, "2950");
	assert_dec(f.qty, "0.5");
	venue_destroy(v);
}

static void test_stop_market_triggers_and_fills_at_the_path_price(void **state)
{
	struct venue *v = open_sim("matching.json", "coinbase");
	struct fill_rec f;
	advance(v, 4); /* 2940: above the 2900 stop */
	assert_int_equal(order_of(v, "m-stop").status, OSTATUS_OPEN);
	advance(v, 1); /* 2890: gapped below it */
	assert_int_equal(order_of(v, "m-stop").status, OSTATUS_FILLED);
	assert_int_equal(fills_of(v, "m-stop", &f), 1);
	assert_dec(f.price, "2890"); /* a stop fills at the market, not its trigger */
	assert_int_equal(f.liquidity, LIQ_TAKER);
	venue_destroy(v);
}

static void test_bracket_take_profit_completes_the_order_once(void **state)
{
	struct venue *v = open_sim("matching.json", "coinbase");
	struct fill_rec f;
	advance(v, 6); /* 3350: through the 3300 take profit */
	assert_int_equal(order_of(v, "m-bracket").status, OSTATUS_FILLED);
	advance(v, 1); /* 2600: through the 2700 stop leg, which must not fire */
	assert_int_equal(fills_of(v, "m-bracket", &f), 1);
	assert_dec(f.price, "3300");
	assert_dec(order_of(v, "m-bracket").filled_qty, "1");
	assert_dec(balance(v, "ETH"), "0.5");
	assert_dec(balance(v, "USD"), "12815"); /* 5000 + 3100 - 1475 + 2890 + 3300 */
	assert_int_equal(sim_venue_open_order_count(v), 0);
	venue_destroy(v);
}

static void test_bracket_stop_leg_fills_and_take_profit_never_does(void **state)
{
	struct venue *v = open_sim("matching.json", "coinbase");
	struct fill_rec f;
	assert_int_equal(cancel_one(v, "ETH-USD", "m-bracket").outcome, VOUT_OK);
	struct venue_order_req r = req("rk-bracket", "ETH-USD", SIDE_SELL, OTYPE_BRACKET, "1",
				       "3500.00", "2950.00");
	struct venue_place_result p = place(v, &r);
	assert_int_equal(p.outcome, VOUT_OK);
	advance(v, 7); /* 2940 fires the stop leg; the later 3350 is under 3500 anyway */
	assert_int_equal(order_of(v, p.order_id).status, OSTATUS_FILLED);
	assert_int_equal(fills_of(v, p.order_id, &f), 1);
	assert_dec(f.price, "2940");
	venue_destroy(v);
}

/* The ICX incident: a stop-limit gapped through rests as a limit above the
 * market and does not protect; it fills only if the price comes back. */
static void test_stop_limit_triggers_then_rests_as_limit(void **state)
{
	struct venue *v = open_sim("demo.json", "binance-usdm");
	struct rk_err err = {0};
	struct fill_rec f;
	advance(v, 1); /* 0.0709: triggered, limit 0.0740 is above the market */
	assert_int_equal(order_of(v, "64740263").status, OSTATUS_OPEN);
	assert_int_equal(fills_of(v, "64740263", NULL), 0);
	assert_dec(position(v, "ICXUSDT"), "2630");

	assert_int_equal(sim_venue_set_price(v, "ICXUSDT", tu_dec("0.0741"), &err), RK_OK);
	assert_int_equal(order_of(v, "64740263").status, OSTATUS_FILLED);
	assert_int_equal(fills_of(v, "64740263", &f), 1);
	assert_dec(f.price, "0.074");
	assert_dec(position(v, "ICXUSDT"), "0");
	/* The ATOM stop (2.534) never came close. */
	assert_int_equal(order_of(v, "8389765904").status, OSTATUS_OPEN);
	venue_destroy(v);
}

static void test_futures_close_position_stop_flattens_the_short(void **state)
{
	struct venue *v = open_sim("matching.json", "binance-usdm");
	struct fill_rec f;
	advance(v, 2); /* 3120: through the 3100 buy stop */
	assert_int_equal(order_of(v, "f-stop").status, OSTATUS_FILLED);
	assert_int_equal(fills_of(v, "f-stop", &f), 1);
	assert_dec(f.qty, "2");
	assert_dec(f.price, "3120");
	assert_dec(position(v, "ETHUSDT"), "0");
	advance(v, 1); /* 2700: the take profit has nothing left to reduce */
	assert_int_equal(order_of(v, "f-tp").status, OSTATUS_EXPIRED);
	assert_int_equal(fills_of(v, "f-tp", NULL), 0);
	venue_destroy(v);
}

static void test_fills_cursor_returns_only_new_fills(void **state)
{
	struct venue *v = open_sim("matching.json", "coinbase");
	struct venue_snapshot s;
	char cursor[MODEL_ID_MAX];
	snapshot(v, "", &s);
	assert_int_equal(s.nfills, 0);
	snprintf(cursor, sizeof cursor, "%s", s.fills_cursor);
	venue_snapshot_free(&s);

	advance(v, 2);
	snapshot(v, cursor, &s);
	assert_int_equal(s.nfills, 1);
	assert_string_equal(s.fills[0].order_id, "m-limit");
	assert_string_equal(s.fills[0].fill_id, "sim-coinbase-fill-1");
	snprintf(cursor, sizeof cursor, "%s", s.fills_cursor);
	venue_snapshot_free(&s);

	snapshot(v, cursor, &s);
	assert_int_equal(s.nfills, 0);
	assert_string_equal(s.fills_cursor, cursor);
	venue_snapshot_free(&s);
	venue_destroy(v);
}

static void test_terminal_orders_stay_retrievable(void **state)
{
	struct venue *v = open_sim("matching.json", "coinbase");
	advance(v, 2);
	assert_int_equal(cancel_one(v, "ETH-USD", "m-stop").outcome, VOUT_OK);
	struct venue_order_result filled = get_order(v, "m-limit", NULL);
	struct venue_order_result cancelled = get_order(v, "m-stop", NULL);
	assert_int_equal(filled.outcome, VOUT_OK);
	assert_int_equal(filled.order.status, OSTATUS_FILLED);
	assert_dec(filled.order.filled_qty, "1");
	assert_int_equal(cancelled.outcome, VOUT_OK);
	assert_int_equal(cancelled.order.status, OSTATUS_CANCELLED);
	venue_destroy(v);
}

/* ---- the request log, determinism, scenario errors ----------------------- */

static void test_request_log_records_what_was_sent(void **state)
{
	struct venue *v = open_sim("demo.json", "binance-usdm");
	struct venue_snapshot s;
	struct sim_call c;
	snapshot(v, "", &s);
	venue_snapshot_free(&s);
	struct venue_order_req r = req("rk-icx-close", "ICXUSDT", SIDE_SELL, OTYPE_MARKET, "2630", "",
				       "");
	r.reduce_only = true;
	assert_int_equal(place(v, &r).outcome, VOUT_OK);

	assert_int_equal(sim_venue_calls(v, SIM_CALL_SNAPSHOT), 1);
	assert_int_equal(sim_venue_calls(v, SIM_CALL_PLACE), 1);
	assert_int_equal(sim_venue_calls(v, SIM_CALL_CANCEL), 0);
	assert_false(sim_venue_cancel_requested(v, "8389765904")); /* the ATOM stop was left alone */
	assert_int_equal(sim_venue_log_count(v), 2);
	assert_true(sim_venue_log_entry(v, 1, &c));
	assert_int_equal(c.kind, SIM_CALL_PLACE);
	assert_string_equal(c.client_order_id, "rk-icx-close");
	assert_int_equal(c.type, OTYPE_MARKET);

	cancel_one(v, "ICXUSDT", "64740263");
	assert_true(sim_venue_cancel_requested(v, "64740263"));
	assert_int_equal(sim_venue_calls(v, SIM_CALL_CANCEL), 1);
	venue_destroy(v);
}

/* Runs one fixed script of calls; returns the venue's dump (caller frees). */
static char *scripted_run(void)
{
	struct venue *v = open_sim("matching.json", "coinbase");
	struct rk_err err = {0};
	struct venue_snapshot s;
	cancel_one(v, "ETH-USD", "m-bracket");
	struct venue_order_req r = req("det-1", "ETH-USD", SIDE_SELL, OTYPE_STOP_LIMIT, "1", "2880.00",
				       "2900.00");
	place(v, &r);
	advance(v, 3);
	assert_int_equal(sim_venue_set_price(v, "ETH-USD", tu_dec("2500.00"), &err), RK_OK);
	advance(v, 10);
	snapshot(v, "", &s);
	venue_snapshot_free(&s);
	char *dump = sim_venue_dump(v);
	assert_non_null(dump);
	venue_destroy(v);
	return dump;
}

static void test_same_calls_give_the_same_venue(void **state)
{
	char *a = scripted_run(), *b = scripted_run();
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "\"det-1\""));
	free(a);
	free(b);
}

static void test_scenario_errors_name_the_json_path(void **state)
{
	struct venue *v = NULL;
	struct rk_err err = {0};
	const char *typo = "{\"venues\":{\"coinbase\":{\"instruments\":[{\"symbol\":\"A-USD\","
			   "\"tick\":\"0.01\"}]}}}";
	const char *number = "{\"venues\":{\"coinbase\":{\"balances\":[{\"asset\":\"A\",\"qty\":0.1}]}}}";

	assert_int_equal(sim_venue_create(typo, "coinbase", &v, &err), RK_EINVAL);
	assert_string_equal(err.msg, "scenario.venues.coinbase.instruments[0]: unknown key 'tick'");
	assert_int_equal(sim_venue_create(number, "coinbase", &v, &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "scenario.venues.coinbase.balances[0].qty"));
	assert_int_equal(sim_venue_create(typo, "binance-usdm", &v, &err), RK_ENOTFOUND);
	assert_int_equal(sim_venue_create(typo, "kraken", &v, &err), RK_EINVAL);
	assert_null(v);
}

/* Every scenario shipped in the binary loads for every venue it describes. */
static void test_embedded_scenarios_all_load(void **state)
{
	size_t loaded = 0;
	for (size_t i = 0; i < EMBEDDED_SCENARIOS_COUNT; i++) {
		cJSON *root = cJSON_Parse(EMBEDDED_SCENARIOS[i].text);
		assert_non_null(root);
		const cJSON *venues = cJSON_GetObjectItemCaseSensitive(root, "venues");
		for (const cJSON *it = venues ? venues->child : NULL; it; it = it->next) {
			struct venue *v = NULL;
			struct rk_err err = {0};
			if (sim_venue_create(EMBEDDED_SCENARIOS[i].text, it->string, &v, &err) != RK_OK)
				fail_msg("%s / %s: %s", EMBEDDED_SCENARIOS[i].name, it->string, err.msg);
			venue_destroy(v);
			loaded++;
		}
		cJSON_Delete(root);
	}
	assert_true(loaded >= 5);
	assert_non_null(sim_scenario_text("demo.json"));
	assert_null(sim_scenario_text("nope.json"));
}

/* ---- issue 8: fresh prices, answers that carry the order, ladders ------- */

/* Test JSON is written with ' for " so it reads cleanly in C. */
static struct venue *open_text(const char *quoted, const char *venue)
{
	struct venue *v = NULL;
	struct rk_err err = {0};
	char *s = strdup(quoted);
	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	if (sim_venue_create(s, venue, &v, &err) != RK_OK)
		fail_msg("sim_venue_create: %s", err.msg);
	free(s);
	return v;
}

#define TOK_SPOT(orders, history, faults) \
	"{'venues': {'coinbase': {'market': 'spot', 'instruments': [{'symbol': 'TOK-USD'," \
	" 'tick_size': '0.01', 'step_size': '1', 'min_qty': '1', 'min_notional': '1'}]," \
	" 'balances': [{'asset': 'TOK', 'qty': '100'}, {'asset': 'USD', 'qty': '1000'}]," \
	" 'open_orders': [" orders "], 'order_history': [" history "]," \
	" 'prices': {'TOK-USD': ['100.00', '120.00', '85.00']}, 'faults': [" faults "]}}}"

static void test_last_price_is_asked_now_and_can_fail(void **state)
{
	struct venue *v = open_text(TOK_SPOT("", "", "{'kind': 'last_price_fails', 'at_call': 2}"),
				    "coinbase");
	struct dec px;
	struct rk_err err = {0};
	assert_int_equal(venue_last_price(v, "TOK-USD", &px, &err), RK_OK);
	assert_dec(px, "100");
	advance(v, 1);
	assert_int_equal(venue_last_price(v, "TOK-USD", &px, &err), RK_EUNKNOWN);
	assert_true(dec_is_zero(px));
	assert_int_equal(venue_last_price(v, "TOK-USD", &px, &err), RK_OK);
	assert_dec(px, "120");
	assert_int_equal(venue_last_price(v, "NOPE-USD", &px, &err), RK_EUNKNOWN);
	assert_int_equal(sim_venue_calls(v, SIM_CALL_LAST_PRICE), 4);
	venue_destroy(v);
}

/* The answer to a placement describes the order it names; for a client order
 * id already used, that is the existing order as it is now — here a stop
 * cancelled long ago (Coinbase answers so). */
static void test_placement_answer_carries_the_order_even_a_cancelled_one(void **state)
{
	struct venue *v = open_text(
		TOK_SPOT("", "{'order_id': 'o-old', 'client_order_id': 'c-old', 'symbol': 'TOK-USD',"
			     " 'side': 'sell', 'order_type': 'stop_limit', 'qty': '100', 'price': '89.00',"
			     " 'stop_price': '90.00', 'status': 'cancelled'}", ""),
		"coinbase");
	struct venue_order_req r = req("c-new", "TOK-USD", SIDE_SELL, OTYPE_STOP_LIMIT, "100",
				       "94.00", "95.00");
	struct venue_place_result p = place(v, &r);
	assert_int_equal(p.outcome, VOUT_OK);
	assert_true(p.has_order);
	assert_string_equal(p.order.order_id, p.order_id);
	assert_int_equal(p.order.status, OSTATUS_OPEN);
	assert_dec(p.order.stop_price, "95");
	r = req("c-old", "TOK-USD", SIDE_SELL, OTYPE_STOP_LIMIT, "50", "94.00", "95.00");
	p = place(v, &r);
	assert_int_equal(p.outcome, VOUT_OK);
	assert_string_equal(p.order_id, "o-old");
	assert_true(p.has_order);
	assert_int_equal(p.order.status, OSTATUS_CANCELLED);
	assert_dec(p.order.qty, "100");
	venue_destroy(v);
}

static void test_place_fails_fault_refuses_with_its_reason(void **state)
{
	struct venue *v = open_text(TOK_SPOT("", "", "{'kind': 'place_fails', 'reason':"
						 " 'INSUFFICIENT_FUND', 'reject': 'insufficient_funds'}"),
				    "coinbase");
	struct venue_order_req r = req("c-1", "TOK-USD", SIDE_SELL, OTYPE_STOP_LIMIT, "100", "94.00",
				       "95.00");
	struct venue_place_result p = place(v, &r);
	assert_int_equal(p.outcome, VOUT_REJECTED);
	assert_int_equal(p.reject, VREJ_INSUFFICIENT_FUNDS);
	assert_string_equal(p.reason, "INSUFFICIENT_FUND");
	assert_false(p.has_order);
	assert_int_equal(sim_venue_open_order_count(v), 0);
	assert_int_equal(place(v, &r).outcome, VOUT_OK); /* spent */
	venue_destroy(v);
}

/* Issue 8 point 7: exchanges report filled quantities whose fill records
 * never arrive; the sim can too. */
static void test_filled_quantity_without_fill_records(void **state)
{
	struct venue *v = open_text(
		TOK_SPOT("{'order_id': 'o-part', 'symbol': 'TOK-USD', 'side': 'sell',"
			 " 'order_type': 'limit', 'qty': '10', 'price': '130.00', 'filled_qty': '4'}",
			 "", ""),
		"coinbase");
	struct venue_snapshot s;
	snapshot(v, "", &s);
	assert_true(s.complete);
	assert_int_equal(s.norders, 1);
	assert_int_equal(s.orders[0].status, OSTATUS_PARTIALLY_FILLED);
	assert_dec(s.orders[0].filled_qty, "4");
	assert_int_equal(s.nfills, 0);
	venue_snapshot_free(&s);
	assert_int_equal(fills_of(v, "o-part", NULL), 0);
	venue_destroy(v);
}

/* Issue 8 point 8: a take-profit ladder kept as one bracket per leg, each
 * with the stop, on one spot holding: each leg holds its own size, the first
 * take profit fills only its leg, and the stop still covers the rest. */
static void test_one_bracket_per_leg_share_the_holding(void **state)
{
	struct venue *v = open_text(TOK_SPOT("", "", ""), "coinbase");
	struct venue_order_req a = req("leg-1", "TOK-USD", SIDE_SELL, OTYPE_BRACKET, "30", "120.00",
				       "90.00"),
			       b = req("leg-2", "TOK-USD", SIDE_SELL, OTYPE_BRACKET, "70", "150.00",
				       "90.00"),
			       c = req("leg-3", "TOK-USD", SIDE_SELL, OTYPE_BRACKET, "1", "150.00",
				       "90.00");
	struct venue_place_result pa = place(v, &a), pb = place(v, &b), pc = place(v, &c);
	assert_int_equal(pa.outcome, VOUT_OK);
	assert_int_equal(pb.outcome, VOUT_OK);
	assert_string_not_equal(pa.order_id, pb.order_id);
	assert_int_equal(pc.outcome, VOUT_REJECTED); /* the two legs hold all 100 */
	assert_int_equal(pc.reject, VREJ_INSUFFICIENT_FUNDS);
	advance(v, 1); /* 120: the first take profit */
	assert_int_equal(order_of(v, pa.order_id).status, OSTATUS_FILLED);
	assert_int_equal(order_of(v, pb.order_id).status, OSTATUS_OPEN);
	assert_dec(balance(v, "TOK"), "70");
	advance(v, 1); /* 85: the second leg's stop */
	assert_int_equal(order_of(v, pb.order_id).status, OSTATUS_FILLED);
	assert_dec(balance(v, "TOK"), "0");
	venue_destroy(v);
}

/* Orders are looked up by index (rk_index): a placement's generated id skips
 * ids the scenario already uses, each order is found by its id and its
 * client id after many placements moved the array, and a scenario repeating
 * an order id or a client id is refused. */
static void test_lookups_find_every_order_and_ids_never_repeat(void **state)
{
	struct venue *v = open_text(
		TOK_SPOT("{'order_id': 'sim-coinbase-1', 'client_order_id': 'c-0', 'symbol': 'TOK-USD',"
			 " 'side': 'sell', 'order_type': 'limit', 'qty': '1', 'price': '150.00'}",
			 "", ""),
		"coinbase");
	char cid[32];
	for (int i = 1; i <= 40; i++) {
		snprintf(cid, sizeof cid, "c-%d", i);
		struct venue_order_req r = req(cid, "TOK-USD", SIDE_BUY, OTYPE_LIMIT, "1", "10.00", "");
		struct venue_place_result p = place(v, &r);
		assert_int_equal(p.outcome, VOUT_OK);
		assert_string_not_equal(p.order_id, "sim-coinbase-1");
	}
	for (int i = 0; i <= 40; i++) {
		snprintf(cid, sizeof cid, "c-%d", i);
		struct venue_order_result g = get_order(v, NULL, cid);
		assert_int_equal(g.outcome, VOUT_OK);
		assert_string_equal(order_of(v, g.order.order_id).client_order_id, cid);
	}
	assert_string_equal(order_of(v, "sim-coinbase-1").client_order_id, "c-0");
	venue_destroy(v);

	struct rk_err err = {0};
	const char *twice[] = {
		TOK_SPOT("{'order_id': 'a', 'symbol': 'TOK-USD', 'side': 'sell', 'order_type': 'limit',"
			 " 'qty': '1', 'price': '150.00'}, {'order_id': 'a', 'symbol': 'TOK-USD',"
			 " 'side': 'sell', 'order_type': 'limit', 'qty': '1', 'price': '151.00'}", "", ""),
		TOK_SPOT("{'order_id': 'a', 'client_order_id': 'k', 'symbol': 'TOK-USD', 'side': 'sell',"
			 " 'order_type': 'limit', 'qty': '1', 'price': '150.00'}, {'order_id': 'b',"
			 " 'client_order_id': 'k', 'symbol': 'TOK-USD', 'side': 'sell',"
			 " 'order_type': 'limit', 'qty': '1', 'price': '151.00'}", "", "")};
	for (size_t i = 0; i < 2; i++) {
		char *s = strdup(twice[i]);
		assert_non_null(s);
		for (char *q = s; *q; q++)
			if (*q == '\'')
				*q = '"';
		v = NULL;
		assert_int_equal(sim_venue_create(s, "coinbase", &v, &err), RK_EINVAL);
		assert_non_null(strstr(err.msg, "listed twice"));
		assert_null(v);
		free(s);
	}
}

/* ---- the placement rules ------------------------------------------------- */

#define BN_FUT                                                                                 \
	"{'venues': {'binance-usdm': {'instruments': ["                                        \
	"{'symbol': 'TOK-USDT', 'tick_size': '0.01', 'step_size': '1', 'min_qty': '2',"        \
	" 'min_notional': '5'}, {'symbol': 'NOP-USDT', 'tick_size': '0.01', 'step_size': '1'}]," \
	" 'positions': [{'symbol': 'TOK-USDT', 'qty': '10', 'entry_price': '100'}],"            \
	" 'prices': {'TOK-USDT': ['100.00']}}}}"

struct rule_case {
	const char *rule;    /* the rule of SIM_PLACEMENT_RULES that must refuse */
	bool binance;        /* BN_FUT as binance-usdm, else TOK_SPOT as coinbase */
	const char *symbol;
	enum side side;
	enum order_type type;
	const char *qty, *price, *stop;
	bool reduce_only, close_position;
	enum venue_reject reject; /* what the refusal says */
	int code;
	const char *reason;
};

static const struct rule_case RULE_CASES[] = {
	{"unknown_symbol", false, "NOPE-USD", SIDE_BUY, OTYPE_MARKET, "1", "", "", false, false,
	 VREJ_INVALID, 0, "UNKNOWN_PRODUCT_ID"},
	{"unknown_symbol", true, "NOPE-USDT", SIDE_BUY, OTYPE_MARKET, "1", "", "", false, false,
	 VREJ_INVALID, -1121, "Invalid symbol."},
	{"bad_side", false, "TOK-USD", SIDE_NONE, OTYPE_MARKET, "1", "", "", false, false,
	 VREJ_INVALID, 0, "INVALID_SIDE"},
	{"unsupported_type", false, "TOK-USD", SIDE_SELL, OTYPE_TRAILING_STOP, "1", "", "", false,
	 false, VREJ_INVALID, 0, "UNSUPPORTED_ORDER_CONFIGURATION"},
	{"unsupported_on_market", true, "TOK-USDT", SIDE_SELL, OTYPE_BRACKET, "2", "120.00",
	 "90.00", false, false, VREJ_INVALID, -1116, "Invalid orderType."},
	{"missing_price", false, "TOK-USD", SIDE_BUY, OTYPE_LIMIT, "1", "", "", false, false,
	 VREJ_INVALID, 0, "INVALID_LIMIT_PRICE"},
	{"off_tick", true, "TOK-USDT", SIDE_BUY, OTYPE_LIMIT, "2", "90.001", "", false, false,
	 VREJ_INVALID, -4014, "Price not increased by tick size."},
	{"no_market_price", true, "NOP-USDT", SIDE_BUY, OTYPE_MARKET, "2", "", "", false, false,
	 VREJ_OTHER, -1003, "No market price."},
	{"close_without_position", true, "TOK-USDT", SIDE_BUY, OTYPE_STOP_MARKET, "0", "",
	 "110.00", false, true, VREJ_INVALID, -2022, "ReduceOnly Order is rejected."},
	{"bad_size", false, "TOK-USD", SIDE_SELL, OTYPE_LIMIT, "1.5", "130.00", "", false, false,
	 VREJ_INVALID, 0, "INVALID_SIZE_PRECISION"},
	{"below_min_qty", true, "TOK-USDT", SIDE_BUY, OTYPE_LIMIT, "1", "90.00", "", false, false,
	 VREJ_INVALID, -4003, "Quantity less than minimum quantity."},
	{"below_min_notional", false, "TOK-USD", SIDE_BUY, OTYPE_LIMIT, "1", "0.50", "", false,
	 false, VREJ_INVALID, 0, "INVALID_QUOTE_SIZE_TOO_SMALL"},
	{"stop_would_trigger", false, "TOK-USD", SIDE_SELL, OTYPE_STOP_MARKET, "1", "", "101.00",
	 false, false, VREJ_WOULD_TRIGGER, -2021, "Order would immediately trigger."},
	{"take_profit_would_trigger", true, "TOK-USDT", SIDE_SELL, OTYPE_TAKE_PROFIT, "2", "",
	 "99.00", true, false, VREJ_WOULD_TRIGGER, -2021, "Order would immediately trigger."},
	{"bracket_take_profit_through", false, "TOK-USD", SIDE_SELL, OTYPE_BRACKET, "1", "99.00",
	 "90.00", false, false, VREJ_INVALID, 0, "INVALID_LIMIT_PRICE"},
	{"reduce_only_without_position", true, "TOK-USDT", SIDE_BUY, OTYPE_MARKET, "2", "", "",
	 true, false, VREJ_INVALID, -2022, "ReduceOnly Order is rejected."},
	{"insufficient_funds", false, "TOK-USD", SIDE_SELL, OTYPE_LIMIT, "101", "200.00", "", false,
	 false, VREJ_INSUFFICIENT_FUNDS, 0, "INSUFFICIENT_FUND"},
};
#define NRULE_CASES (sizeof RULE_CASES / sizeof RULE_CASES[0])

/* Each case is refused by its rule, in the words of the venue the sim
 * plays, and places nothing. */
static void test_each_placement_rule_refuses_in_the_venues_words(void **state)
{
	for (size_t i = 0; i < NRULE_CASES; i++) {
		const struct rule_case *c = &RULE_CASES[i];
		struct venue *v = c->binance ? open_text(BN_FUT, "binance-usdm")
					     : open_text(TOK_SPOT("", "", ""), "coinbase");
		struct venue_order_req r =
			req("c-rule", c->symbol, c->side, c->type, c->qty, c->price, c->stop);
		r.reduce_only = c->reduce_only;
		r.close_position = c->close_position;
		const struct sim_placement sp = sim_placement_of(sim_of(v), &r);
		const struct sim_placement_rule *rule = sim_placement_refusal(&sp);
		if (!rule || strcmp(rule->name, c->rule) != 0)
			fail_msg("%s: refused by %s", c->rule, rule ? rule->name : "no rule");
		struct venue_place_result p = place(v, &r);
		if (p.outcome != VOUT_REJECTED || p.reject != c->reject || p.venue_code != c->code ||
		    strcmp(p.reason, c->reason) != 0)
			fail_msg("%s: outcome %d reject %d code %d reason '%s'", c->rule, p.outcome,
				 p.reject, p.venue_code, p.reason);
		assert_int_equal(sim_venue_open_order_count(v), 0);
		assert_false(sim_venue_find_order_by_client(v, "c-rule", NULL));
		venue_destroy(v);
	}
}

/* Every rule of the table has a case above (a new rule needs one), and the
 * cases name only rules of the table. */
static void test_every_placement_rule_is_reachable(void **state)
{
	for (size_t k = 0; k < SIM_PLACEMENT_RULE_COUNT; k++) {
		bool covered = false;
		for (size_t i = 0; i < NRULE_CASES && !covered; i++)
			covered = strcmp(RULE_CASES[i].rule, SIM_PLACEMENT_RULES[k].name) == 0;
		if (!covered)
			fail_msg("placement rule %s has no case", SIM_PLACEMENT_RULES[k].name);
	}
	for (size_t i = 0; i < NRULE_CASES; i++) {
		bool known = false;
		for (size_t k = 0; k < SIM_PLACEMENT_RULE_COUNT && !known; k++)
			known = strcmp(RULE_CASES[i].rule, SIM_PLACEMENT_RULES[k].name) == 0;
		if (!known)
			fail_msg("case %s names no rule", RULE_CASES[i].rule);
	}
}

/* The first rule that refuses answers: an unknown symbol with no side is an
 * unknown symbol. */
static void test_placement_rules_apply_in_order(void **state)
{
	struct venue *v = open_text(TOK_SPOT("", "", ""), "coinbase");
	struct venue_order_req r = req("c-1", "NOPE-USD", SIDE_NONE, OTYPE_LIMIT, "0", "", "");
	assert_string_equal(place(v, &r).reason, "UNKNOWN_PRODUCT_ID");
	venue_destroy(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_demo_coinbase_snapshot_is_complete_with_every_holding),
		cmocka_unit_test(test_demo_binance_snapshot_has_both_positions_and_stops),
		cmocka_unit_test(test_demo_icx_stop_is_through_the_price_and_atom_stop_is_not),
		cmocka_unit_test(test_demo_journal_puts_holdings_at_the_incident_losses),
		cmocka_unit_test(test_demo_journal_lines_are_accepted_by_ingest),
		cmocka_unit_test(test_demo_unfi_is_dust),
		cmocka_unit_test(test_snapshot_fails_returns_incomplete_with_reason),
		cmocka_unit_test(test_page_missing_loses_orders_and_marks_incomplete),
		cmocka_unit_test(test_snapshot_is_complete_once_faults_are_spent),
		cmocka_unit_test(test_cancel_failure_is_reported_per_order),
		cmocka_unit_test(test_cancel_of_unknown_order_is_not_found),
		cmocka_unit_test(test_cancel_of_filled_order_is_already_done),
		cmocka_unit_test(test_cancel_timeout_is_unknown_even_when_it_happened),
		cmocka_unit_test(test_place_would_trigger_fault_rejects_with_2021),
		cmocka_unit_test(test_futures_stop_through_price_is_rejected_would_trigger),
		cmocka_unit_test(test_spot_stop_through_price_is_rejected_would_trigger),
		cmocka_unit_test(test_place_without_order_id_is_unknown_and_found_by_client_id),
		cmocka_unit_test(test_place_timeout_not_placed_is_not_found),
		cmocka_unit_test(test_place_timeout_placed_is_found_by_client_id),
		cmocka_unit_test(test_duplicate_client_order_id_places_once),
		cmocka_unit_test(test_get_order_timeout_is_unknown_then_answers),
		cmocka_unit_test(test_order_fills_timeout_is_an_error_then_answers),
		cmocka_unit_test(test_placement_increments_and_minimums_are_enforced),
		cmocka_unit_test(test_spot_stop_refused_while_limit_sell_holds_balance),
		cmocka_unit_test(test_market_order_fills_at_once_and_moves_balances),
		cmocka_unit_test(test_limit_sell_fills_at_its_price_when_reached),
		cmocka_unit_test(test_limit_buy_fills_when_price_falls_to_it),
		cmocka_unit_test(test_stop_market_triggers_and_fills_at_the_path_price),
		cmocka_unit_test(test_bracket_take_profit_completes_the_order_once),
		cmocka_unit_test(test_bracket_stop_leg_fills_and_take_profit_never_does),
		cmocka_unit_test(test_stop_limit_triggers_then_rests_as_limit),
		cmocka_unit_test(test_futures_close_position_stop_flattens_the_short),
		cmocka_unit_test(test_fills_cursor_returns_only_new_fills),
		cmocka_unit_test(test_terminal_orders_stay_retrievable),
		cmocka_unit_test(test_request_log_records_what_was_sent),
		cmocka_unit_test(test_same_calls_give_the_same_venue),
		cmocka_unit_test(test_scenario_errors_name_the_json_path),
		cmocka_unit_test(test_embedded_scenarios_all_load),
		cmocka_unit_test(test_last_price_is_asked_now_and_can_fail),
		cmocka_unit_test(test_placement_answer_carries_the_order_even_a_cancelled_one),
		cmocka_unit_test(test_lookups_find_every_order_and_ids_never_repeat),
		cmocka_unit_test(test_place_fails_fault_refuses_with_its_reason),
		cmocka_unit_test(test_filled_quantity_without_fill_records),
		cmocka_unit_test(test_one_bracket_per_leg_share_the_holding),
		cmocka_unit_test(test_each_placement_rule_refuses_in_the_venues_words),
		cmocka_unit_test(test_every_placement_rule_is_reachable),
		cmocka_unit_test(test_placement_rules_apply_in_order),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
