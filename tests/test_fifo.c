/*
 * test_fifo.c — specification of the pure lot allocator (src/fifo.c).
 *
 * Every expected amount is exact text worked by hand (the working is in the
 * comments). Spot streams use coinbase BTC-USD, futures binance-usdm
 * ATOMUSDT. A closing random-stream test checks the invariants the
 * projection relies on: cash is conserved exactly, lots never go negative,
 * a lot's allocated costs plus its remaining cost equal its cost.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fifo.h"
#include "tu_core.h"

/* A fill at second `sec` of the test day. Timestamps live in a static ring
 * (enough for every test's fills). */
static struct fifo_fill F(int64_t seq, int sec, enum side side, const char *qty, const char *price,
			  const char *fee, const char *fee_ccy)
{
	static char ts[64][48];
	static int next;
	char *t = ts[next++ % 64];
	snprintf(t, 48, "2025-03-01T00:%02d:%02d.000000Z", sec / 60 % 60, sec % 60);
	return (struct fifo_fill){.seq = seq, .ts = t, .fill_id = "f", .side = side, .qty = tu_dec(qty),
				  .price = tu_dec(price), .fee = tu_dec(fee ? fee : "0"),
				  .fee_currency = fee_ccy ? fee_ccy : ""};
}

static struct fifo_params SPOT, FUT;

static int setup(void **state)
{
	(void)state;
	fifo_params_init(&SPOT, VENUE_COINBASE, "BTC-USD", FIFO_POLICY_FIFO);
	fifo_params_init(&FUT, VENUE_BINANCE_USDM, "ATOMUSDT", FIFO_POLICY_FIFO);
	return 0;
}

static void run(const struct fifo_params *p, const struct fifo_fill *fills, size_t n,
		struct fifo_result *r)
{
	struct rk_err err = {0};
	enum rk_rc rc = fifo_allocate(p, fills, n, r, &err);
	if (rc)
		fail_msg("fifo_allocate: %s", err.msg);
}
#define RUN(p, fills, r) run((p), (fills), sizeof(fills) / sizeof(fills)[0], (r))

static const struct fifo_lot *lot_by_id(const struct fifo_result *r, int64_t id)
{
	for (size_t i = 0; i < r->n_lots; i++)
		if (r->lots[i].lot_id == id)
			return &r->lots[i];
	fail_msg("no lot %lld", (long long)id);
	return NULL;
}

/* ---- spot --------------------------------------------------------------- */

static void test_two_buys_then_a_sell_spanning_both_lots(void **state)
{
	(void)state;
	struct fifo_fill fills[] = {F(1, 1, SIDE_BUY, "1", "100", 0, 0),
				    F(2, 2, SIDE_BUY, "2", "110", 0, 0),
				    F(3, 3, SIDE_SELL, "2", "120", 0, 0)};
	struct fifo_result r;
	RUN(&SPOT, fills, &r);
	assert_int_equal(r.n_closes, 1);
	assert_int_equal(r.n_allocs, 2);
	/* lot 1 wholly: 1 x 120 - 100 = 20; lot 2 half: 120 - 220/2 = 10. */
	assert_int_equal(r.allocs[0].lot_id, 1);
	assert_dec(r.allocs[0].qty, "1");
	assert_dec(r.allocs[0].cost_basis, "100");
	assert_dec(r.allocs[0].proceeds, "120");
	assert_dec(r.allocs[0].realized_pnl, "20");
	assert_int_equal(r.allocs[1].lot_id, 2);
	assert_dec(r.allocs[1].qty, "1");
	assert_dec(r.allocs[1].cost_basis, "110");
	assert_dec(r.allocs[1].realized_pnl, "10");
	assert_dec(r.closes[0].proceeds, "240");
	assert_dec(r.closes[0].cost_basis, "210");
	assert_dec(r.closes[0].realized_pnl, "30");
	assert_true(r.closes[0].has_cost);
	assert_dec(lot_by_id(&r, 1)->qty_remaining, "0");
	assert_dec(lot_by_id(&r, 1)->cost_remaining, "0");
	assert_dec(lot_by_id(&r, 2)->qty_remaining, "1");
	assert_dec(lot_by_id(&r, 2)->cost_remaining, "110");
	assert_dec(r.position.qty, "1");
	assert_dec(r.position.cost, "110");
	assert_int_equal(r.position.open_lots, 1);
	fifo_result_free(&r);
}

static void test_partial_fills_split_lots_pro_rata(void **state)
{
	(void)state;
	struct fifo_fill fills[] = {F(1, 1, SIDE_BUY, "0.5", "100", 0, 0),
				    F(2, 2, SIDE_BUY, "0.25", "104", 0, 0),
				    F(3, 3, SIDE_SELL, "0.3", "110", 0, 0),
				    F(4, 4, SIDE_SELL, "0.45", "90", 0, 0)};
	struct fifo_result r;
	RUN(&SPOT, fills, &r);
	assert_int_equal(r.n_closes, 2);
	assert_int_equal(r.n_allocs, 3);
	/* Sell 0.3 of lot 1 (cost 50): 50 x 0.3 / 0.5 = 30; proceeds 33. */
	assert_dec(r.allocs[0].cost_basis, "30");
	assert_dec(r.allocs[0].proceeds, "33");
	assert_dec(r.allocs[0].realized_pnl, "3");
	/* Sell 0.45 for 40.5: lot 1's last 0.2 (cost 20) gets 40.5 x 0.2/0.45 = 18,
	 * lot 2 (0.25, cost 26) the remaining 22.5. */
	assert_int_equal(r.allocs[1].close_seq, 4);
	assert_int_equal(r.allocs[1].part, 0);
	assert_dec(r.allocs[1].qty, "0.2");
	assert_dec(r.allocs[1].cost_basis, "20");
	assert_dec(r.allocs[1].proceeds, "18");
	assert_dec(r.allocs[1].realized_pnl, "-2");
	assert_int_equal(r.allocs[2].part, 1);
	assert_dec(r.allocs[2].cost_basis, "26");
	assert_dec(r.allocs[2].proceeds, "22.5");
	assert_dec(r.allocs[2].realized_pnl, "-3.5");
	assert_dec(r.closes[1].realized_pnl, "-5.5");
	assert_dec(r.position.qty, "0");
	assert_dec(r.position.cost, "0");
	assert_int_equal(r.position.open_lots, 0);
	fifo_result_free(&r);
}

static void test_quote_fees_add_to_cost_and_reduce_proceeds(void **state)
{
	(void)state;
	struct fifo_fill fills[] = {F(1, 1, SIDE_BUY, "2", "100", "0.2", "USD"),
				    F(2, 2, SIDE_SELL, "1", "110", "0.11", "USD")};
	struct fifo_result r;
	RUN(&SPOT, fills, &r);
	/* Lot cost 200 + 0.2; half of it 100.1. P&L 110 - 0.11 - 100.1. */
	assert_dec(r.lots[0].cost, "200.2");
	assert_dec(r.allocs[0].cost_basis, "100.1");
	assert_dec(r.allocs[0].fees, "0.11");
	assert_dec(r.closes[0].fees, "0.11");
	assert_dec(r.closes[0].realized_pnl, "9.79");
	assert_dec(r.lots[0].cost_remaining, "100.1");
	struct dec unit;
	assert_true(fifo_lot_unit_cost(&r.lots[0], &unit));
	assert_dec(unit, "100.1");
	assert_int_equal(r.n_other_fees, 0);
	fifo_result_free(&r);
}

static void test_base_asset_fee_on_a_buy_reduces_the_lot_qty(void **state)
{
	(void)state;
	struct fifo_fill fills[] = {F(1, 1, SIDE_BUY, "1", "100", "0.001", "BTC"),
				    F(2, 2, SIDE_SELL, "0.999", "110", 0, 0)};
	struct fifo_result r;
	RUN(&SPOT, fills, &r);
	/* Received 0.999 BTC for 100 USD. */
	assert_dec(r.lots[0].qty, "0.999");
	assert_dec(r.lots[0].cost, "100");
	/* 0.999 x 110 = 109.89; P&L 9.89; nothing left open. */
	assert_dec(r.closes[0].proceeds, "109.89");
	assert_dec(r.closes[0].realized_pnl, "9.89");
	assert_dec(r.position.qty, "0");
	assert_int_equal(r.n_closes, 1);
	assert_dec(r.closes[0].unmatched_qty, "0");
	fifo_result_free(&r);
}

static void test_base_asset_fee_not_below_qty_is_refused(void **state)
{
	(void)state;
	struct fifo_fill fills[] = {F(1, 1, SIDE_BUY, "1", "100", "1", "BTC")};
	struct fifo_result r;
	struct rk_err err = {0};
	assert_int_equal(fifo_allocate(&SPOT, fills, 1, &r, &err), RK_EINVAL);
	assert_null(r.lots);
}

static void test_other_currency_fee_is_recorded_apart_never_converted(void **state)
{
	(void)state;
	struct fifo_fill fills[] = {F(7, 1, SIDE_BUY, "1", "100", "0.01", "BNB"),
				    F(8, 2, SIDE_SELL, "1", "101", "0.02", "BNB")};
	struct fifo_result r;
	RUN(&SPOT, fills, &r);
	assert_dec(r.lots[0].cost, "100");
	assert_dec(r.closes[0].fees, "0");
	assert_dec(r.closes[0].realized_pnl, "1");
	assert_int_equal(r.n_other_fees, 2);
	assert_int_equal(r.other_fee_seqs[0], 7);
	assert_int_equal(r.other_fee_seqs[1], 8);
	fifo_result_free(&r);
}

static void test_sell_exceeding_open_lots_leaves_unmatched_part_without_cost(void **state)
{
	(void)state;
	struct fifo_fill fills[] = {F(1, 1, SIDE_BUY, "1", "100", 0, 0),
				    F(2, 2, SIDE_SELL, "1.5", "110", "0.15", "USD")};
	struct fifo_result r;
	RUN(&SPOT, fills, &r);
	assert_int_equal(r.n_allocs, 2);
	/* 165 proceeds and 0.15 fees spread 1 : 0.5. */
	assert_true(r.allocs[0].matched);
	assert_dec(r.allocs[0].proceeds, "110");
	assert_dec(r.allocs[0].fees, "0.1");
	assert_dec(r.allocs[0].realized_pnl, "9.9");
	assert_false(r.allocs[1].matched);
	assert_int_equal(r.allocs[1].part, 1);
	assert_dec(r.allocs[1].qty, "0.5");
	assert_dec(r.allocs[1].proceeds, "55");
	assert_dec(r.allocs[1].fees, "0.05");
	assert_false(r.closes[0].has_cost); /* unknown, not zero */
	assert_dec(r.closes[0].unmatched_qty, "0.5");
	/* Never a negative lot: the position is flat and no short lot exists. */
	assert_dec(r.position.qty, "0");
	assert_int_equal(r.n_lots, 1);
	fifo_result_free(&r);
}

static void test_spot_sell_with_no_lots_is_wholly_unmatched(void **state)
{
	(void)state;
	struct fifo_fill fills[] = {F(1, 1, SIDE_SELL, "2", "50", 0, 0)};
	struct fifo_result r;
	RUN(&SPOT, fills, &r);
	assert_int_equal(r.n_lots, 0);
	assert_int_equal(r.n_allocs, 1);
	assert_false(r.allocs[0].matched);
	assert_dec(r.allocs[0].proceeds, "100");
	assert_dec(r.closes[0].unmatched_qty, "2");
	fifo_result_free(&r);
}

static void test_late_buy_is_allocated_in_timestamp_order(void **state)
{
	(void)state;
	/* Journal order: the sell (seq 1, second 5) before the buy it sold
	 * (seq 2, second 1). Allocation follows the timestamps. */
	struct fifo_fill fills[] = {F(1, 5, SIDE_SELL, "1", "120", 0, 0),
				    F(2, 1, SIDE_BUY, "1", "100", 0, 0)};
	struct fifo_result r;
	RUN(&SPOT, fills, &r);
	assert_int_equal(r.n_allocs, 1);
	assert_true(r.allocs[0].matched);
	assert_int_equal(r.allocs[0].lot_id, 2);
	assert_dec(r.closes[0].realized_pnl, "20");
	fifo_result_free(&r);
}

static void test_late_out_of_order_fill_changes_which_lots_a_sell_took(void **state)
{
	(void)state;
	/* A 1@100 (s1), B 1@120 (s3), sell 1.5@130 (s4), then C 1@110 arrives
	 * with seq 5 but second 2: FIFO is A, C, B, so the sell takes A and
	 * half of C (55), not half of B. */
	struct fifo_fill fills[] = {F(1, 1, SIDE_BUY, "1", "100", 0, 0),
				    F(3, 3, SIDE_BUY, "1", "120", 0, 0),
				    F(4, 4, SIDE_SELL, "1.5", "130", 0, 0),
				    F(5, 2, SIDE_BUY, "1", "110", 0, 0)};
	struct fifo_result r;
	RUN(&SPOT, fills, &r);
	assert_int_equal(r.n_allocs, 2);
	assert_int_equal(r.allocs[0].lot_id, 1);
	assert_int_equal(r.allocs[1].lot_id, 5);
	assert_dec(r.allocs[1].cost_basis, "55");
	assert_dec(r.closes[0].realized_pnl, "40"); /* 195 - 155 */
	assert_dec(lot_by_id(&r, 3)->qty_remaining, "1");
	assert_dec(lot_by_id(&r, 5)->qty_remaining, "0.5");
	fifo_result_free(&r);
}

static void test_same_timestamp_falls_back_to_journal_seq(void **state)
{
	(void)state;
	struct fifo_fill fills[] = {F(2, 1, SIDE_BUY, "1", "200", 0, 0),
				    F(1, 1, SIDE_BUY, "1", "100", 0, 0),
				    F(3, 1, SIDE_SELL, "1", "150", 0, 0)};
	struct fifo_result r;
	RUN(&SPOT, fills, &r);
	assert_int_equal(r.allocs[0].lot_id, 1);
	fifo_result_free(&r);
}

static void test_thirds_of_a_lot_cost_sum_exactly_to_its_cost(void **state)
{
	(void)state;
	/* Lot cost 3 x 3 + 1 = 10, sold a third at a time:
	 *   10 x 1/3            = 3.333333333333333333|33 -> ...333
	 *   6.666666666666666667 x 1/2 = 3.333333333333333333|5 -> half-even ...334
	 *   the exact rest       = 3.333333333333333333
	 * 3.333333333333333333 + 3.333333333333333334 + 3.333333333333333333 = 10. */
	struct fifo_fill fills[] = {F(1, 1, SIDE_BUY, "3", "3", "1", "USD"),
				    F(2, 2, SIDE_SELL, "1", "4", 0, 0),
				    F(3, 3, SIDE_SELL, "1", "4", 0, 0),
				    F(4, 4, SIDE_SELL, "1", "4", 0, 0)};
	struct fifo_result r;
	RUN(&SPOT, fills, &r);
	assert_int_equal(r.n_allocs, 3);
	assert_dec(r.allocs[0].cost_basis, "3.333333333333333333");
	assert_dec(r.allocs[1].cost_basis, "3.333333333333333334");
	assert_dec(r.allocs[2].cost_basis, "3.333333333333333333");
	struct dec sum = dec_zero();
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(dec_add(sum, r.allocs[i].cost_basis, &sum), DEC_OK);
	assert_dec(sum, "10");
	assert_dec(r.lots[0].cost_remaining, "0");
	assert_dec(r.allocs[1].realized_pnl, "0.666666666666666666");
	fifo_result_free(&r);
}

/* ---- futures ------------------------------------------------------------ */

static void test_futures_long_flips_to_short_through_zero(void **state)
{
	(void)state;
	struct fifo_fill fills[] = {F(1, 1, SIDE_BUY, "1", "100", "0.1", "USDT"),
				    F(2, 2, SIDE_SELL, "3", "90", "0.27", "USDT"),
				    F(3, 3, SIDE_BUY, "2", "80", "0.16", "USDT")};
	struct fifo_result r;
	RUN(&FUT, fills, &r);
	/* Sell 3 @ 90 (notional 270, fee 0.27) closes the 1 long: 90 and 0.09;
	 * P&L 90 - 0.09 - 100.1 = -10.19. The other 2 open a short lot whose
	 * cost is 0.18 - 180 = -179.82 (entry proceeds 179.82). */
	assert_int_equal(r.n_closes, 2);
	assert_int_equal(r.closes[0].dir, FIFO_LONG);
	assert_dec(r.closes[0].qty, "1");
	assert_dec(r.closes[0].proceeds, "90");
	assert_dec(r.closes[0].fees, "0.09");
	assert_dec(r.closes[0].realized_pnl, "-10.19");
	const struct fifo_lot *s = lot_by_id(&r, 2);
	assert_int_equal(s->dir, FIFO_SHORT);
	assert_dec(s->qty, "2");
	assert_dec(s->cost, "-179.82");
	/* Buy 2 @ 80 back: proceeds -160, fee 0.16, cost -179.82:
	 * P&L -160 - 0.16 + 179.82 = 19.66. */
	assert_int_equal(r.closes[1].dir, FIFO_SHORT);
	assert_dec(r.closes[1].proceeds, "-160");
	assert_dec(r.closes[1].cost_basis, "-179.82");
	assert_dec(r.closes[1].realized_pnl, "19.66");
	assert_dec(r.position.qty, "0");
	assert_int_equal(r.n_lots, 2);
	fifo_result_free(&r);
}

static void test_futures_short_position_reports_positive_entry(void **state)
{
	(void)state;
	struct fifo_fill fills[] = {F(1, 1, SIDE_SELL, "2", "50", "0.1", "USDT")};
	struct fifo_result r;
	RUN(&FUT, fills, &r);
	struct dec unit, avg;
	assert_dec(r.position.qty, "-2");
	assert_dec(r.position.cost, "-99.9");
	assert_true(fifo_lot_unit_cost(&r.lots[0], &unit));
	assert_dec(unit, "49.95");
	assert_true(fifo_position_avg_entry(&r.position, &avg));
	assert_dec(avg, "49.95");
	assert_int_equal(r.n_closes, 0);
	fifo_result_free(&r);
}

/* ---- policies and contracts ----------------------------------------------- */

static void test_lifo_policy_consumes_the_newest_lot_first(void **state)
{
	(void)state;
	struct fifo_params p;
	fifo_params_init(&p, VENUE_COINBASE, "BTC-USD", FIFO_POLICY_LIFO);
	struct fifo_fill fills[] = {F(1, 1, SIDE_BUY, "1", "100", 0, 0),
				    F(2, 2, SIDE_BUY, "1", "90", 0, 0),
				    F(3, 3, SIDE_BUY, "1", "110", 0, 0),
				    F(4, 4, SIDE_SELL, "1.5", "120", 0, 0)};
	struct fifo_result r;
	RUN(&p, fills, &r);
	assert_int_equal(r.allocs[0].lot_id, 3);
	assert_int_equal(r.allocs[1].lot_id, 2);
	assert_dec(r.allocs[1].cost_basis, "45");
	assert_dec(lot_by_id(&r, 1)->qty_remaining, "1");
	fifo_result_free(&r);
}

static void test_hifo_policy_consumes_the_costliest_lot_first(void **state)
{
	(void)state;
	struct fifo_params p;
	fifo_params_init(&p, VENUE_COINBASE, "BTC-USD", FIFO_POLICY_HIFO);
	struct fifo_fill fills[] = {F(1, 1, SIDE_BUY, "1", "100", 0, 0),
				    F(2, 2, SIDE_BUY, "1", "130", 0, 0),
				    F(3, 3, SIDE_BUY, "1", "90", 0, 0),
				    F(4, 4, SIDE_SELL, "1.5", "120", 0, 0),
				    F(5, 5, SIDE_SELL, "1", "120", 0, 0)};
	struct fifo_result r;
	RUN(&p, fills, &r);
	/* 1 of lot 2 (130), half of lot 1 (100); then lot 1's other half, and
	 * half of lot 3. */
	assert_int_equal(r.allocs[0].lot_id, 2);
	assert_int_equal(r.allocs[1].lot_id, 1);
	assert_int_equal(r.allocs[2].lot_id, 1);
	assert_int_equal(r.allocs[3].lot_id, 3);
	assert_dec(lot_by_id(&r, 3)->qty_remaining, "0.5");
	assert_dec(r.position.cost, "45");
	fifo_result_free(&r);
}

static void test_execute_refuses_lots_that_do_not_cover_the_position(void **state)
{
	(void)state;
	struct fifo_position pos = {.qty = tu_dec("2"), .cost = tu_dec("200"), .open_lots = 2};
	struct fifo_lot l1 = {.lot_id = 1, .dir = FIFO_LONG, .qty = tu_dec("1"), .cost = tu_dec("100"),
			      .qty_remaining = tu_dec("1"), .cost_remaining = tu_dec("100")};
	struct fifo_lot *lots[] = {&l1};
	struct fifo_fill f = F(3, 3, SIDE_SELL, "2", "100", 0, 0);
	struct fifo_plan plan;
	struct fifo_step step = {0};
	struct rk_err err = {0};
	assert_int_equal(fifo_plan(&SPOT, &f, &pos, &plan, &err), RK_OK);
	assert_dec(plan.close_qty, "2");
	assert_int_equal(fifo_execute(&SPOT, &plan, &f, lots, 1, &pos, &step, &err), RK_ECORRUPT);
	fifo_step_free(&step);
}

static void test_unsplittable_symbol_treats_any_fee_as_other(void **state)
{
	(void)state;
	struct fifo_params p;
	fifo_params_init(&p, VENUE_SIM, "WEIRD", FIFO_POLICY_FIFO);
	struct fifo_fill f = F(1, 1, SIDE_BUY, "1", "1", "0.1", "USD");
	assert_true(fifo_fee_is_other(&p, &f));
	assert_false(fifo_fee_is_other(&SPOT, &f));
	assert_int_equal(p.market, FIFO_SPOT);
	assert_int_equal(FUT.market, FIFO_FUTURES);
}

/* ---- invariants on random streams ----------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
	/* splitmix64: deterministic, seeded per test. */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static void random_amount(char *buf, size_t n, unsigned whole, unsigned frac_digits)
{
	unsigned long long frac = 1;
	for (unsigned i = 0; i < frac_digits; i++)
		frac *= 10;
	snprintf(buf, n, "%llu.%0*llu", (unsigned long long)(rnd() % whole), (int)frac_digits,
		 (unsigned long long)(rnd() % frac));
}

static void test_random_streams_conserve_cash_and_never_go_negative(void **state)
{
	(void)state;
	enum { STREAMS = 3000, MAXF = 40 };
	static char text[MAXF][4][40];
	static char ts[MAXF][32];
	struct fifo_fill fills[MAXF];
	rng_state = 20250301;
	for (int s = 0; s < STREAMS; s++) {
		const struct fifo_params *p = s % 2 ? &FUT : &SPOT;
		const char *quote = s % 2 ? "USDT" : "USD", *base = s % 2 ? "ATOM" : "BTC";
		size_t n = 1 + rnd() % MAXF;
		struct dec cash = dec_zero();
		for (size_t i = 0; i < n; i++) {
			const char *ccy = "";
			random_amount(text[i][0], 40, 5, 3);
			if (strcmp(text[i][0], "0.000") == 0)
				strcpy(text[i][0], "0.001");
			random_amount(text[i][1], 40, 200, 2);
			if (strncmp(text[i][1], "0.", 2) == 0)
				strcpy(text[i][1], "1.01");
			random_amount(text[i][2], 40, 1, 4);
			switch (rnd() % 4) {
			case 0: ccy = quote; break;
			case 1: ccy = "BNB"; break;
			case 2: ccy = base; strcpy(text[i][2], "0.0001"); break;
			default: strcpy(text[i][2], "0");
			}
			snprintf(ts[i], 32, "2025-03-01T00:00:%02d.000000Z", (int)(rnd() % 30));
			fills[i] = (struct fifo_fill){.seq = (int64_t)i + 1, .ts = ts[i], .fill_id = "r",
						      .side = rnd() % 2 ? SIDE_BUY : SIDE_SELL,
						      .qty = tu_dec(text[i][0]), .price = tu_dec(text[i][1]),
						      .fee = tu_dec(text[i][2]), .fee_currency = ccy};
			if (fills[i].side == SIDE_BUY && strcmp(ccy, base) == 0 &&
			    dec_cmp(fills[i].fee, fills[i].qty) >= 0)
				fills[i].fee = dec_zero();
			/* Cash: sells bring notional in, buys pay it; quote fees cost. */
			struct dec notional, fee = strcmp(ccy, quote) == 0 ? fills[i].fee : dec_zero();
			assert_int_equal(dec_mul(fills[i].qty, fills[i].price, DEC_ROUND_HALF_EVEN,
						 &notional), DEC_OK);
			if (fills[i].side == SIDE_BUY)
				notional = dec_neg(notional);
			assert_int_equal(dec_add(cash, notional, &cash), DEC_OK);
			assert_int_equal(dec_sub(cash, fee, &cash), DEC_OK);
		}
		struct fifo_result r;
		run(p, fills, n, &r);
		/* realized + unmatched net - open cost == cash, exactly. */
		struct dec sum = dec_zero(), open = dec_zero();
		for (size_t i = 0; i < r.n_allocs; i++) {
			const struct fifo_alloc *a = &r.allocs[i];
			struct dec v = a->realized_pnl;
			if (!a->matched)
				assert_int_equal(dec_sub(a->proceeds, a->fees, &v), DEC_OK);
			assert_int_equal(dec_add(sum, v, &sum), DEC_OK);
		}
		for (size_t i = 0; i < r.n_lots; i++) {
			const struct fifo_lot *l = &r.lots[i];
			assert_true(dec_sign(l->qty_remaining) >= 0);
			assert_true(dec_cmp(l->qty_remaining, l->qty) <= 0);
			assert_true(dec_sign(l->qty) > 0);
			if (dec_is_zero(l->qty_remaining))
				assert_true(dec_is_zero(l->cost_remaining));
			assert_int_equal(dec_add(open, l->cost_remaining, &open), DEC_OK);
			/* A lot's allocated costs + what remains == its cost. */
			struct dec got = l->cost_remaining;
			for (size_t k = 0; k < r.n_allocs; k++)
				if (r.allocs[k].matched && r.allocs[k].lot_id == l->lot_id)
					assert_int_equal(dec_add(got, r.allocs[k].cost_basis, &got),
							 DEC_OK);
			assert_true(dec_eq(got, l->cost));
		}
		assert_true(dec_eq(open, r.position.cost));
		assert_int_equal(dec_sub(sum, open, &sum), DEC_OK);
		if (!dec_eq(sum, cash)) {
			char a[DEC_STR_MAX], b[DEC_STR_MAX];
			fail_msg("stream %d: realized - open cost = %s, cash = %s", s,
				 dec_format(sum, a), dec_format(cash, b));
		}
		if (p->market == FIFO_SPOT)
			assert_true(dec_sign(r.position.qty) >= 0);
		fifo_result_free(&r);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_buys_then_a_sell_spanning_both_lots),
		cmocka_unit_test(test_partial_fills_split_lots_pro_rata),
		cmocka_unit_test(test_quote_fees_add_to_cost_and_reduce_proceeds),
		cmocka_unit_test(test_base_asset_fee_on_a_buy_reduces_the_lot_qty),
		cmocka_unit_test(test_base_asset_fee_not_below_qty_is_refused),
		cmocka_unit_test(test_other_currency_fee_is_recorded_apart_never_converted),
		cmocka_unit_test(test_sell_exceeding_open_lots_leaves_unmatched_part_without_cost),
		cmocka_unit_test(test_spot_sell_with_no_lots_is_wholly_unmatched),
		cmocka_unit_test(test_late_buy_is_allocated_in_timestamp_order),
		cmocka_unit_test(test_late_out_of_order_fill_changes_which_lots_a_sell_took),
		cmocka_unit_test(test_same_timestamp_falls_back_to_journal_seq),
		cmocka_unit_test(test_thirds_of_a_lot_cost_sum_exactly_to_its_cost),
		cmocka_unit_test(test_futures_long_flips_to_short_through_zero),
		cmocka_unit_test(test_futures_short_position_reports_positive_entry),
		cmocka_unit_test(test_lifo_policy_consumes_the_newest_lot_first),
		cmocka_unit_test(test_hifo_policy_consumes_the_costliest_lot_first),
		cmocka_unit_test(test_execute_refuses_lots_that_do_not_cover_the_position),
		cmocka_unit_test(test_unsplittable_symbol_treats_any_fee_as_other),
		cmocka_unit_test(test_random_streams_conserve_cash_and_never_go_negative),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
