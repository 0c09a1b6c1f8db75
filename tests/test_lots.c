/*
 * test_lots.c — specification of the FIFO lot projection (src/lots.c):
 * fills ingested through the journal (ingest_line) become lots,
 * allocations, closing fills, lot positions and unmatched_sell findings,
 * read back through the tables and the v_* views.
 *
 * The last test is the property the issue asks for: thousands of random
 * fill streams ingested in random order (so many fills arrive late) give
 * exactly what `fifo rebuild` and a replay of the journal give, agree with
 * the pure allocator, conserve cash exactly and never leave a lot negative.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fifo.h"
#include "lots.h"
#include "query.h"
#include "rtime.h"
#include "events.h"
#include "testutil.h"

struct fx {
	char path[128];
	struct journal *j;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	f->j = tu_open_temp_journal(f->path, sizeof f->path);
	/* Tests need no durability; the property test runs thousands of lines. */
	sqlite3_exec(journal_db(f->j), "PRAGMA synchronous=OFF; PRAGMA temp_store=MEMORY;", NULL, NULL, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	journal_close(f->j);
	tu_remove_db(f->path);
	free(f);
	return 0;
}

/* Ingests one fill of `account` at second `sec` of the test day; fails the
 * test when it is not accepted. */
static void fill_order(struct journal *j, const char *venue, const char *account,
		       const char *symbol, const char *id, const char *order, int sec,
		       const char *side, const char *qty, const char *price, const char *fee,
		       const char *ccy)
{
	char line[1024], reason[512];
	int n = snprintf(line, sizeof line,
			 "{\"type\":\"fill\",\"ts\":\"2025-03-01T%02d:%02d:%02d.000000Z\","
			 "\"venue\":\"%s\",\"account\":\"%s\",\"symbol\":\"%s\",\"fill_id\":\"%s\","
			 "\"order_id\":\"%s\",\"side\":\"%s\",\"qty\":\"%s\",\"price\":\"%s\"",
			 sec / 3600, sec / 60 % 60, sec % 60, venue, account, symbol, id, order, side,
			 qty, price);
	if (fee)
		n += snprintf(line + n, sizeof line - (size_t)n,
			      ",\"fee\":\"%s\",\"fee_currency\":\"%s\"", fee, ccy);
	snprintf(line + n, sizeof line - (size_t)n, "}");
	if (tu_ingest(j, line, reason, sizeof reason) != INGEST_ACCEPTED)
		fail_msg("fill %s not accepted: %s", id, reason);
}

/* A fill that is its own order ("o-<id>"). */
static void fill_acct(struct journal *j, const char *venue, const char *account,
		      const char *symbol, const char *id, int sec, const char *side, const char *qty,
		      const char *price, const char *fee, const char *ccy)
{
	char order[64];
	snprintf(order, sizeof order, "o-%s", id);
	fill_order(j, venue, account, symbol, id, order, sec, side, qty, price, fee, ccy);
}

#define SPOT(j, id, sec, side, qty, price, fee, ccy) \
	fill_acct((j), "coinbase", "default", "BTC-USD", (id), (sec), (side), (qty), (price), (fee), (ccy))
#define FUT(j, id, sec, side, qty, price, fee, ccy) \
	fill_acct((j), "binance-usdm", "default", "ATOMUSDT", (id), (sec), (side), (qty), (price), (fee), (ccy))

/* The rows of a query as "a|b|c\n..." (NULL as "NULL"). SQL is a test constant. */
static char *rows(struct journal *j, const char *sql)
{
	sqlite3_stmt *st = NULL;
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = '\0';
	if (sqlite3_prepare_v2(journal_db(j), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(journal_db(j)));
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(st); c++) {
			const char *v = (const char *)sqlite3_column_text(st, c);
			size_t n = strlen(v ? v : "NULL") + 2;
			if (len + n + 1 > cap) {
				cap = (len + n + 1) * 2;
				out = realloc(out, cap);
				assert_non_null(out);
			}
			len += (size_t)snprintf(out + len, cap - len, "%s%s", v ? v : "NULL",
						c + 1 < sqlite3_column_count(st) ? "|" : "\n");
		}
	}
	if (step != SQLITE_DONE) /* an error never reads as "no rows" */
		fail_msg("step %s: %s", sql, sqlite3_errmsg(journal_db(j)));
	sqlite3_finalize(st);
	return out;
}

static void check_rows(struct journal *j, const char *sql, const char *want, const char *file,
		       int line)
{
	char *got = rows(j, sql);
	_assert_string_equal(got, want, file, line);
	free(got);
}
#define assert_rows(j, sql, want) check_rows((j), (sql), (want), __FILE__, __LINE__)

/* `fifo rebuild` and a replay of every event must leave every table as is. */
static void check_rebuild_is_identity(struct journal *j, const char *file, int line)
{
	struct rk_err err = {0};
	struct lots_counts n;
	char *before = tu_dump_tables(j);
	_assert_int_equal(journal_begin(j, &err), RK_OK, file, line);
	if (lots_rebuild(j, &n, &err) != RK_OK)
		fail_msg("%s:%d: lots_rebuild: %s", file, line, err.msg);
	_assert_int_equal(journal_commit(j, &err), RK_OK, file, line);
	char *after = tu_dump_tables(j);
	_assert_string_equal(after, before, file, line);
	if (events_verify(j, &err) != RK_OK)
		fail_msg("%s:%d: events_verify: %s", file, line, err.msg);
	free(before);
	free(after);
}
#define assert_rebuild_is_identity(j) check_rebuild_is_identity((j), __FILE__, __LINE__)

static const char Q_ALLOCS[] =
	"SELECT close_seq, part, lot_id, qty, cost_basis, proceeds, fees, realized_pnl"
	" FROM lot_allocations ORDER BY close_seq, part";
static const char Q_PNL[] =
	"SELECT fill_id, qty, proceeds, cost_basis, fees, realized_pnl FROM v_realized_pnl"
	" ORDER BY closed_at, fill_id";
static const char Q_OPEN[] =
	"SELECT lot_id, fill_id, side, qty_remaining, cost_remaining, unit_cost FROM v_open_lots"
	" ORDER BY opened_at, lot_id";
static const char Q_POS[] = "SELECT symbol, qty, cost_basis, avg_entry FROM v_positions";
static const char Q_FINDINGS[] =
	"SELECT id, kind, symbol, order_id, finding_key, detail, created_at, resolved_at"
	" FROM findings ORDER BY id";

/* ---- behaviours --------------------------------------------------------- */

static void test_two_buys_then_a_sell_spanning_both_lots(void **state)
{
	struct fx *f = *state;
	SPOT(f->j, "b1", 1, "buy", "1", "100", NULL, NULL);
	SPOT(f->j, "b2", 2, "buy", "2", "110", NULL, NULL);
	SPOT(f->j, "s1", 3, "sell", "2", "120", NULL, NULL);
	assert_rows(f->j, Q_ALLOCS, "3|0|1|1|100|120|0|20\n3|1|2|1|110|120|0|10\n");
	assert_rows(f->j, Q_PNL, "s1|2|240|210|0|30\n");
	assert_rows(f->j, Q_OPEN, "2|b2|long|1|110|110\n");
	assert_rows(f->j, Q_POS, "BTC-USD|1|110|110\n");
	assert_rows(f->j, "SELECT lot_id, qty_remaining, cost_remaining, unit_cost, is_open FROM lots"
		    " WHERE lot_id = 1", "1|0|0|NULL|0\n");
	assert_rebuild_is_identity(f->j);
}

static void test_partial_fills_of_one_order_split_lots(void **state)
{
	struct fx *f = *state;
	/* One buy order filled in two parts, one sell order in two parts. */
	fill_order(f->j, "coinbase", "default", "BTC-USD", "b1a", "B1", 1, "buy", "0.5", "100", NULL, NULL);
	fill_order(f->j, "coinbase", "default", "BTC-USD", "b1b", "B1", 2, "buy", "0.25", "104", NULL, NULL);
	fill_order(f->j, "coinbase", "default", "BTC-USD", "s1a", "S1", 3, "sell", "0.3", "110", NULL, NULL);
	fill_order(f->j, "coinbase", "default", "BTC-USD", "s1b", "S1", 4, "sell", "0.45", "90", NULL, NULL);
	/* 0.3 of lot 1 (cost 50) = 30; then lot 1's last 0.2 (20) and lot 2
	 * (26) share 40.5 as 18 and 22.5. */
	assert_rows(f->j, Q_ALLOCS,
		    "3|0|1|0.3|30|33|0|3\n4|0|1|0.2|20|18|0|-2\n4|1|2|0.25|26|22.5|0|-3.5\n");
	assert_rows(f->j, Q_PNL, "s1a|0.3|33|30|0|3\ns1b|0.45|40.5|46|0|-5.5\n");
	assert_rows(f->j, Q_OPEN, "");
	assert_rows(f->j, Q_POS, "");
	assert_rebuild_is_identity(f->j);
}

static void test_quote_fees_on_both_sides(void **state)
{
	struct fx *f = *state;
	SPOT(f->j, "b1", 1, "buy", "2", "100", "0.2", "USD");
	SPOT(f->j, "s1", 2, "sell", "1", "110", "0.11", "USD");
	/* Lot cost 200.2; half is 100.1; P&L 110 - 0.11 - 100.1. */
	assert_rows(f->j, Q_PNL, "s1|1|110|100.1|0.11|9.79\n");
	assert_rows(f->j, Q_OPEN, "1|b1|long|1|100.1|100.1\n");
	assert_rows(f->j, "SELECT count(*) FROM lot_other_fees", "0\n");
	assert_rebuild_is_identity(f->j);
}

static void test_base_asset_fee_on_a_buy_reduces_the_lot(void **state)
{
	struct fx *f = *state;
	SPOT(f->j, "b1", 1, "buy", "1", "100", "0.001", "BTC");
	assert_rows(f->j, "SELECT qty, cost, unit_cost FROM lots",
		    "0.999|100|100.1001001001001001\n");
	SPOT(f->j, "s1", 2, "sell", "0.999", "110", NULL, NULL);
	assert_rows(f->j, Q_PNL, "s1|0.999|109.89|100|0|9.89\n");
	/* Agrees with the positions table: flat. */
	assert_rows(f->j, "SELECT qty FROM positions", "0\n");
	assert_rows(f->j, "SELECT qty, cost_basis, avg_entry FROM lot_positions", "0|0|NULL\n");
	assert_rebuild_is_identity(f->j);
}

static void test_other_currency_fee_is_recorded_apart(void **state)
{
	struct fx *f = *state;
	FUT(f->j, "b1", 1, "buy", "10", "5", "0.0015", "BNB");
	assert_rows(f->j, "SELECT seq, symbol, fill_id, fee, fee_currency FROM lot_other_fees",
		    "1|ATOMUSDT|b1|0.0015|BNB\n");
	assert_rows(f->j, Q_OPEN, "1|b1|long|10|50|5\n");
	assert_rebuild_is_identity(f->j);
}

static void test_sell_beyond_open_lots_is_unmatched_with_a_finding(void **state)
{
	struct fx *f = *state;
	SPOT(f->j, "b1", 5, "buy", "1", "100", NULL, NULL);
	SPOT(f->j, "s1", 10, "sell", "1.5", "110", "0.15", "USD");
	/* The unmatched half has unknown cost: NULL, never 0; no negative lot. */
	assert_rows(f->j, Q_ALLOCS, "2|0|1|1|100|110|0.1|9.9\n2|1|NULL|0.5|NULL|55|0.05|NULL\n");
	assert_rows(f->j, Q_PNL, "s1|1.5|165|NULL|0.15|NULL\n");
	assert_rows(f->j, "SELECT unmatched_qty FROM lot_closes", "0.5\n");
	assert_rows(f->j, "SELECT count(*) FROM lots WHERE qty_remaining LIKE '-%'", "0\n");
	assert_rows(f->j, Q_POS, "");
	assert_rows(f->j, Q_FINDINGS,
		    "2|unmatched_sell|BTC-USD|o-s1|unmatched_sell:s1|"
		    "{\"fill_id\":\"s1\",\"qty\":\"1.5\",\"unmatched_qty\":\"0.5\"}|"
		    "2025-03-01T00:00:10.000000Z|NULL\n");
	assert_rebuild_is_identity(f->j);

	/* The missing buy arrives late (second 7): the sell is re-allocated,
	 * fully matched, and the finding goes away. */
	SPOT(f->j, "b0", 7, "buy", "0.5", "96", NULL, NULL);
	assert_rows(f->j, Q_ALLOCS, "2|0|1|1|100|110|0.1|9.9\n2|1|3|0.5|48|55|0.05|6.95\n");
	assert_rows(f->j, Q_PNL, "s1|1.5|165|148|0.15|16.85\n");
	assert_rows(f->j, Q_FINDINGS, "");
	assert_rows(f->j, "SELECT count(*) FROM lots WHERE is_open = 1", "0\n");
	assert_rebuild_is_identity(f->j);
}

static void test_futures_position_flips_from_long_to_short(void **state)
{
	struct fx *f = *state;
	FUT(f->j, "b1", 1, "buy", "1", "100", "0.1", "USDT");
	FUT(f->j, "s1", 2, "sell", "3", "90", "0.27", "USDT");
	/* Closes the long (90 - 0.09 - 100.1), opens a 2 short worth -179.82. */
	assert_rows(f->j, Q_PNL, "s1|1|90|100.1|0.09|-10.19\n");
	assert_rows(f->j, Q_OPEN, "2|s1|short|2|-179.82|89.91\n");
	assert_rows(f->j, Q_POS, "ATOMUSDT|-2|-179.82|89.91\n");
	assert_rows(f->j, "SELECT qty FROM positions", "-2\n");
	FUT(f->j, "b2", 3, "buy", "2", "80", "0.16", "USDT");
	/* Entry proceeds 179.82 minus exit cost 160.16. */
	assert_rows(f->j, Q_PNL, "s1|1|90|100.1|0.09|-10.19\nb2|2|-160|-179.82|0.16|19.66\n");
	assert_rows(f->j, Q_POS, "");
	assert_rows(f->j, Q_FINDINGS, "");
	assert_rebuild_is_identity(f->j);
}

static void test_late_out_of_order_fill_reallocates_the_symbol(void **state)
{
	struct fx *f = *state;
	SPOT(f->j, "A", 1, "buy", "1", "100", NULL, NULL);
	SPOT(f->j, "B", 3, "buy", "1", "120", NULL, NULL);
	SPOT(f->j, "S", 4, "sell", "1.5", "130", NULL, NULL);
	assert_rows(f->j, Q_ALLOCS, "3|0|1|1|100|130|0|30\n3|1|2|0.5|60|65|0|5\n");
	/* C (seq 4) happened at second 2: FIFO is A, C, B. */
	SPOT(f->j, "C", 2, "buy", "1", "110", NULL, NULL);
	assert_rows(f->j, Q_ALLOCS, "3|0|1|1|100|130|0|30\n3|1|4|0.5|55|65|0|10\n");
	assert_rows(f->j, Q_OPEN, "4|C|long|0.5|55|110\n2|B|long|1|120|120\n");
	assert_rows(f->j, Q_POS, "BTC-USD|1.5|175|116.666666666666666667\n");
	assert_rows(f->j, "SELECT last_ts, last_seq FROM lot_positions",
		    "2025-03-01T00:00:04.000000Z|3\n");
	assert_rebuild_is_identity(f->j);
}

/* Lots kept open are updated without touching is_open; lots closed and
 * reopened by a late fill change it. The partial index lots_open must list
 * exactly the open rows either way. */
static void test_lots_open_index_follows_partial_closes_and_reopens(void **state)
{
	struct fx *f = *state;
	static const char Q_BY_INDEX[] =
		"SELECT lot_id, qty_remaining FROM lots INDEXED BY lots_open"
		" WHERE venue = 'coinbase' AND account = 'default' AND symbol = 'BTC-USD'"
		" AND is_open = 1 ORDER BY opened_at, lot_id";
	static const char Q_BY_TABLE[] =
		"SELECT lot_id, qty_remaining FROM lots NOT INDEXED WHERE is_open = 1"
		" ORDER BY opened_at, lot_id";
	SPOT(f->j, "A", 1, "buy", "3", "100", NULL, NULL);
	SPOT(f->j, "B", 2, "buy", "1", "110", NULL, NULL);
	SPOT(f->j, "S1", 5, "sell", "1", "120", NULL, NULL); /* A stays open */
	SPOT(f->j, "S2", 6, "sell", "1", "120", NULL, NULL); /* A stays open */
	SPOT(f->j, "S3", 7, "sell", "1.5", "120", NULL, NULL); /* A closes, B stays open */
	assert_rows(f->j, Q_BY_INDEX, "2|0.5\n");
	assert_rows(f->j, Q_BY_TABLE, "2|0.5\n");
	/* Late buy at second 4: S1..S3 are undone (A reopens) and allocated again. */
	SPOT(f->j, "C", 4, "buy", "1", "90", NULL, NULL);
	assert_rows(f->j, Q_BY_INDEX, "2|0.5\n6|1\n");
	assert_rows(f->j, Q_BY_TABLE, "2|0.5\n6|1\n");
	/* Late buy at second 0: A, B and C all end up open or partly so. */
	SPOT(f->j, "D", 0, "buy", "0.5", "80", NULL, NULL);
	assert_rows(f->j, Q_BY_INDEX, "2|1\n6|1\n");
	assert_rows(f->j, Q_BY_TABLE, "2|1\n6|1\n");
	assert_rows(f->j, "PRAGMA integrity_check", "ok\n");
	assert_rebuild_is_identity(f->j);
}

static void test_thirds_of_a_lot_sum_exactly_to_its_cost(void **state)
{
	struct fx *f = *state;
	SPOT(f->j, "b", 1, "buy", "3", "3", "1", "USD");
	SPOT(f->j, "s1", 2, "sell", "1", "4", NULL, NULL);
	SPOT(f->j, "s2", 3, "sell", "1", "4", NULL, NULL);
	SPOT(f->j, "s3", 4, "sell", "1", "4", NULL, NULL);
	assert_rows(f->j, "SELECT cost_basis FROM lot_allocations ORDER BY close_seq",
		    "3.333333333333333333\n3.333333333333333334\n3.333333333333333333\n");
	assert_rows(f->j, "SELECT cost, cost_remaining FROM lots", "10|0\n");
	assert_rebuild_is_identity(f->j);
}

static void test_symbols_and_accounts_are_allocated_apart(void **state)
{
	struct fx *f = *state;
	fill_acct(f->j, "coinbase", "a", "BTC-USD", "x1", 1, "buy", "1", "100", NULL, NULL);
	fill_acct(f->j, "coinbase", "b", "BTC-USD", "x2", 2, "sell", "1", "100", NULL, NULL);
	fill_acct(f->j, "coinbase", "a", "ETH-USD", "x3", 3, "sell", "1", "10", NULL, NULL);
	assert_rows(f->j, "SELECT account, symbol, unmatched_qty FROM lot_closes ORDER BY close_seq",
		    "b|BTC-USD|1\na|ETH-USD|1\n");
	assert_rows(f->j, "SELECT account, symbol, qty FROM v_positions", "a|BTC-USD|1\n");
	assert_rows(f->j, "SELECT count(*) FROM findings", "2\n");
	assert_rebuild_is_identity(f->j);
}

static void test_cli_fifo_rebuild_prints_counts(void **state)
{
	struct fx *f = *state;
	const char *bin = getenv("RECKON_BIN");
	if (!bin)
		skip();
	SPOT(f->j, "b1", 1, "buy", "1", "100", NULL, NULL);
	SPOT(f->j, "s1", 2, "sell", "2", "100", NULL, NULL);
	char cmd[512], out[512] = "";
	snprintf(cmd, sizeof cmd, "'%s' fifo rebuild --db '%s' 2>&1", bin, f->path);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof out - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_string_equal(out, "rebuilt: 2 fills, 1 lots (0 open), 1 closing fills,"
				 " 2 allocations, 1 unmatched sells\n");
	snprintf(cmd, sizeof cmd, "'%s' fifo frobnicate --db '%s' >/dev/null 2>&1", bin, f->path);
	assert_int_equal(WEXITSTATUS(system(cmd)), 64);
}

/* ---- the property ----------------------------------------------------------- */

static uint64_t rng_state;
static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull); /* splitmix64 */
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

enum { MAX_FILLS = 8 };
/* 2025-03-02T00:00:00Z, the first instant of the random streams. */
static const int64_t STREAMS_T0_US = INT64_C(1740873600000000);

/* Random streams in the property test: thousands normally, fewer under
 * valgrind (tools/valgrind-tests.sh sets RECKON_TEST_SCALE=small). */
static int stream_count(void)
{
	return tu_small_scale() ? 200 : 3000;
}

struct market {
	const char *venue, *symbol, *base, *quote;
};
static const struct market MARKETS[] = {{"coinbase", "BTC-USD", "BTC", "USD"},
					{"binance-usdm", "ATOMUSDT", "ATOM", "USDT"},
					{"sim", "ETH-USD", "ETH", "USD"}};

static struct dec col_d(sqlite3_stmt *st, int c)
{
	const char *s = (const char *)sqlite3_column_text(st, c);
	return s ? tu_dec(s) : dec_zero();
}

/* Statements the per-stream check reuses (test constants). */
struct checker {
	sqlite3_stmt *fills, *lot, *allocs, *pos;
};

static const char Q_STREAM_FILLS[] =
	"SELECT seq, ts, side, qty, price, fee, COALESCE(fee_currency, '') FROM fills"
	" WHERE venue = ?1 AND account = ?2 AND symbol = ?3 ORDER BY seq";
static const char Q_LOT_BY_ID[] =
	"SELECT qty_remaining, cost_remaining, venue, account, symbol FROM lots WHERE lot_id = ?1";
static const char Q_ALLOCS_BY_CLOSE[] =
	"SELECT lot_id, qty, cost_basis, proceeds, fees, realized_pnl FROM lot_allocations"
	" WHERE close_seq = ?1 ORDER BY part";
static const char Q_POS_OF[] =
	"SELECT qty, cost_basis FROM lot_positions WHERE venue = ?1 AND account = ?2 AND symbol = ?3";

/*
 * Checks stream `acct` of market m: the lots and allocations the projection
 * wrote equal the pure allocator's, and cash is conserved exactly:
 *   sum(realized) + sum(unmatched proceeds - fees) - open cost == cash flow
 * where cash flow = sells' notional - buys' notional - quote fees.
 */
static void check_stream(struct checker *c, const struct market *m, const char *acct)
{
	struct fifo_fill fills[MAX_FILLS];
	char text[MAX_FILLS][2][48];
	size_t n = 0;
	struct fifo_params p;
	struct dec cash = dec_zero(), sum = dec_zero(), open = dec_zero();
	fifo_params_init(&p, venue_parse(m->venue), m->symbol, FIFO_POLICY_FIFO);

	sqlite3_reset(c->fills);
	sqlite3_bind_text(c->fills, 1, m->venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->fills, 2, acct, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->fills, 3, m->symbol, -1, SQLITE_STATIC);
	while (sqlite3_step(c->fills) == SQLITE_ROW) {
		sqlite3_stmt *st = c->fills;
		assert_true(n < MAX_FILLS);
		snprintf(text[n][0], 48, "%s", sqlite3_column_text(st, 1));
		snprintf(text[n][1], 48, "%s", sqlite3_column_text(st, 6));
		fills[n] = (struct fifo_fill){
			.seq = sqlite3_column_int64(st, 0), .ts = text[n][0], .fill_id = "p",
			.side = side_parse((const char *)sqlite3_column_text(st, 2)),
			.qty = col_d(st, 3), .price = col_d(st, 4), .fee = col_d(st, 5),
			.fee_currency = text[n][1]};
		struct dec notional;
		assert_int_equal(dec_mul(fills[n].qty, fills[n].price, DEC_ROUND_HALF_EVEN, &notional),
				 DEC_OK);
		assert_int_equal(fills[n].side == SIDE_BUY ? dec_sub(cash, notional, &cash)
							   : dec_add(cash, notional, &cash), DEC_OK);
		if (strcmp(text[n][1], m->quote) == 0)
			assert_int_equal(dec_sub(cash, fills[n].fee, &cash), DEC_OK);
		n++;
	}
	assert_true(n > 0);

	struct fifo_result r;
	struct rk_err err = {0};
	if (fifo_allocate(&p, fills, n, &r, &err))
		fail_msg("fifo_allocate: %s", err.msg);

	/* Every fill: the lot it opened (or none) and its allocations (or none)
	 * are exactly the pure allocator's. */
	for (size_t i = 0; i < n; i++) {
		int64_t seq = fills[i].seq;
		const struct fifo_lot *want = NULL;
		for (size_t k = 0; k < r.n_lots; k++)
			if (r.lots[k].lot_id == seq)
				want = &r.lots[k];
		sqlite3_reset(c->lot);
		sqlite3_bind_int64(c->lot, 1, seq);
		if (sqlite3_step(c->lot) == SQLITE_ROW) {
			struct dec q = col_d(c->lot, 0), cost = col_d(c->lot, 1);
			if (!want)
				fail_msg("%s/%s: lot %lld is not the allocator's", m->symbol, acct,
					 (long long)seq);
			assert_true(dec_eq(q, want->qty_remaining));
			assert_true(dec_eq(cost, want->cost_remaining));
			assert_true(dec_sign(q) >= 0);
			assert_string_equal(sqlite3_column_text(c->lot, 3), acct);
			assert_int_equal(dec_add(open, cost, &open), DEC_OK);
		} else if (want) {
			fail_msg("%s/%s: lot %lld missing", m->symbol, acct, (long long)seq);
		}
		size_t k = 0;
		while (k < r.n_allocs && r.allocs[k].close_seq != seq)
			k++;
		sqlite3_reset(c->allocs);
		sqlite3_bind_int64(c->allocs, 1, seq);
		for (; sqlite3_step(c->allocs) == SQLITE_ROW; k++) {
			sqlite3_stmt *st = c->allocs;
			if (k >= r.n_allocs || r.allocs[k].close_seq != seq)
				fail_msg("%s/%s: extra allocation of fill %lld", m->symbol, acct,
					 (long long)seq);
			const struct fifo_alloc *a = &r.allocs[k];
			bool matched = sqlite3_column_type(st, 0) != SQLITE_NULL;
			struct dec v;
			assert_int_equal(matched, a->matched);
			assert_true(dec_eq(col_d(st, 1), a->qty));
			assert_true(dec_eq(col_d(st, 3), a->proceeds));
			assert_true(dec_eq(col_d(st, 4), a->fees));
			if (matched) {
				assert_int_equal(sqlite3_column_int64(st, 0), a->lot_id);
				assert_true(dec_eq(col_d(st, 2), a->cost_basis));
				v = col_d(st, 5);
				assert_true(dec_eq(v, a->realized_pnl));
			} else {
				assert_int_equal(sqlite3_column_type(st, 2), SQLITE_NULL);
				assert_int_equal(sqlite3_column_type(st, 5), SQLITE_NULL);
				assert_int_equal(dec_sub(a->proceeds, a->fees, &v), DEC_OK);
			}
			assert_int_equal(dec_add(sum, v, &sum), DEC_OK);
		}
		if (k < r.n_allocs && r.allocs[k].close_seq == seq)
			fail_msg("%s/%s: allocation of fill %lld missing", m->symbol, acct,
				 (long long)seq);
	}
	/* The position row holds the sums of the open lots. */
	sqlite3_reset(c->pos);
	sqlite3_bind_text(c->pos, 1, m->venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->pos, 2, acct, -1, SQLITE_STATIC);
	sqlite3_bind_text(c->pos, 3, m->symbol, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(c->pos), SQLITE_ROW);
	assert_true(dec_eq(col_d(c->pos, 0), r.position.qty));
	assert_true(dec_eq(col_d(c->pos, 1), open));
	if (p.market == FIFO_SPOT)
		assert_true(dec_sign(r.position.qty) >= 0);

	assert_int_equal(dec_sub(sum, open, &sum), DEC_OK);
	if (!dec_eq(sum, cash)) {
		char a[DEC_STR_MAX], b[DEC_STR_MAX];
		fail_msg("%s/%s: realized - open cost = %s, cash flow = %s", m->symbol, acct,
			 dec_format(sum, a), dec_format(cash, b));
	}
	fifo_result_free(&r);
}

struct arrival {
	uint64_t key; /* arrival order */
	char line[480];
};

static int cmp_arrival(const void *a, const void *b)
{
	uint64_t x = ((const struct arrival *)a)->key, y = ((const struct arrival *)b)->key;
	return (x > y) - (x < y);
}

/* Random fill streams (fills of account "s<N>", one of the MARKETS each),
 * in arrival order: *n lines of in[] (STREAMS * MAX_FILLS allocated). Their
 * ts lie in 2025-03-02T00:00:00Z + [0, 17.5] x unit_us / 1e6 seconds (unit_us
 * 0: one second, i.e. up to 00:00:17.5Z). */
static struct arrival *random_streams(int STREAMS, uint64_t seed, int64_t unit_us, size_t *n_out)
{
	struct arrival *in = calloc((size_t)STREAMS * MAX_FILLS, sizeof *in);
	size_t n = 0;
	assert_non_null(in);
	rng_state = seed;
	for (int s = 0; s < STREAMS; s++) {
		const struct market *m = &MARKETS[s % 3];
		int nf = 1 + (int)(rnd() % MAX_FILLS);
		uint64_t start = rnd() % 4000;
		for (int i = 0; i < nf; i++) {
			const char *side = rnd() % 5 < 2 ? "sell" : "buy";
			char fee[80] = "";
			unsigned long long q = 1 + rnd() % 3000, px = 100 + rnd() % 20000;
			switch (rnd() % 4) {
			case 0:
				snprintf(fee, sizeof fee, ",\"fee\":\"0.%04llu\",\"fee_currency\":\"%s\"",
					 (unsigned long long)(rnd() % 10000), m->quote);
				break;
			case 1:
				snprintf(fee, sizeof fee, ",\"fee\":\"0.0001\",\"fee_currency\":\"%s\"",
					 m->base);
				break;
			case 2:
				snprintf(fee, sizeof fee, ",\"fee\":\"0.003\",\"fee_currency\":\"BNB\"");
				break;
			}
			/* Time mostly moves on; jitter makes ties and inversions. */
			int sec = 2 * i + (int)(rnd() % 3);
			/* Arrival mostly in time order, interleaved across streams;
			 * one fill in three is delayed past some of its successors. */
			in[n].key = (start + (uint64_t)i * 10 + (rnd() % 3 ? 0 : rnd() % 40)) << 20 |
				    (rnd() & 0xfffff);
			char ts[RTIME_STR_MAX];
			rtime_format(STREAMS_T0_US + sec * (unit_us ? unit_us : 1000000) +
					     (int64_t)(rnd() % 2) * 500000,
				     ts);
			snprintf(in[n++].line, sizeof in[0].line,
				 "{\"type\":\"fill\",\"ts\":\"%s\",\"venue\":\"%s\","
				 "\"account\":\"s%d\",\"symbol\":\"%s\",\"fill_id\":\"s%d-%d\","
				 "\"order_id\":\"o%d-%d\",\"side\":\"%s\",\"qty\":\"%llu.%03llu\","
				 "\"price\":\"%llu.%02llu\"%s}",
				 ts, m->venue, s, m->symbol, s, i, s, i, side,
				 q / 1000, q % 1000, px / 100, px % 100, fee);
		}
	}
	qsort(in, n, sizeof *in, cmp_arrival);
	*n_out = n;
	return in;
}

static void test_random_streams_in_random_order_equal_rebuild_and_conserve_cash(void **state)
{
	struct fx *f = *state;
	struct rk_err err = {0};
	const int STREAMS = stream_count();
	size_t n = 0;
	struct arrival *in = random_streams(STREAMS, 424242, 0, &n);
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	for (size_t i = 0; i < n; i++) {
		enum ingest_outcome oc;
		assert_int_equal(ingest_line(f->j, in[i].line, strlen(in[i].line), "test", &oc, &err),
				 RK_OK);
		if (oc != INGEST_ACCEPTED)
			fail_msg("line %zu not accepted: %s\n%s", i, err.msg, in[i].line);
	}
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	free(in);
	assert_rows(f->j, "SELECT count(*) FROM lots WHERE qty_remaining LIKE '-%'"
		    " OR (is_open = 1) <> (qty_remaining <> '0')", "0\n");
	assert_rows(f->j, "SELECT count(*) FROM lot_positions p WHERE open_lots <> (SELECT count(*)"
		    " FROM lots l WHERE l.venue = p.venue AND l.account = p.account"
		    " AND l.symbol = p.symbol AND is_open = 1)", "0\n");
	/* The streams did exercise what they are for. */
	assert_true(tu_query_int(f->j, "SELECT count(*) FROM findings") > STREAMS / 20);
	assert_true(tu_query_int(f->j, "SELECT count(*) FROM lots WHERE side = 'short'") > STREAMS / 20);
	assert_true(tu_query_int(f->j, "SELECT count(*) FROM lot_other_fees") > STREAMS / 20);

	struct checker c = {0};
	sqlite3 *db = journal_db(f->j);
	assert_int_equal(sqlite3_prepare_v2(db, Q_STREAM_FILLS, -1, &c.fills, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, Q_LOT_BY_ID, -1, &c.lot, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, Q_ALLOCS_BY_CLOSE, -1, &c.allocs, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, Q_POS_OF, -1, &c.pos, NULL), SQLITE_OK);
	for (int s = 0; s < STREAMS; s++) {
		char acct[16];
		snprintf(acct, sizeof acct, "s%d", s);
		check_stream(&c, &MARKETS[s % 3], acct);
	}
	sqlite3_finalize(c.fills);
	sqlite3_finalize(c.lot);
	sqlite3_finalize(c.allocs);
	sqlite3_finalize(c.pos);
	/* fifo rebuild and a replay of the journal give the very same rows. */
	assert_rebuild_is_identity(f->j);
}


/* ---- positions at a past moment (queries/positions_marked.sql) ------------ */

/* qty|cost_basis per position (a flat one listed too: neither side may list
 * one), "venue|account|symbol|qty|cost\n", from the
 * statement `st` (positions_marked's columns: venue, account, symbol, quote,
 * qty, cost_basis), the decimals normalized through dec.h so that
 * "1.50" and "1.5" read alike. */
static char *positions_text(sqlite3_stmt *st)
{
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);
	assert_non_null(out);
	out[0] = '\0';
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		char q[DEC_STR_MAX], c[DEC_STR_MAX];
		struct dec qty = col_d(st, 4), cost = col_d(st, 5);
		if (len + 512 > cap) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		len += (size_t)snprintf(out + len, cap - len, "%s|%s|%s|%s|%s\n",
					sqlite3_column_text(st, 0), sqlite3_column_text(st, 1),
					sqlite3_column_text(st, 2), dec_format(qty, q),
					dec_format(cost, c));
	}
	assert_int_equal(step, SQLITE_DONE);
	return out;
}

/* The property: positions_marked at a moment T, on the whole journal, holds
 * exactly the positions (quantity and FIFO cost) of a journal that holds
 * only the fills before T. The lot engine allocates by fill time whatever
 * the arrival order (a late fill re-allocates its symbol), so "the whole
 * journal seen at T" and "the journal of the fills before T" agree. */
static void positions_at_moments(void **state, uint64_t seed, int64_t unit_us)
{
	struct fx *f = *state;
	struct rk_err err = {0};
	const int STREAMS = stream_count() / 10;
	size_t n = 0;
	struct arrival *in = random_streams(STREAMS, seed, unit_us, &n);
	struct query_def q;
	assert_int_equal(query_find("positions_marked", &q, &err), RK_OK);
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	for (size_t i = 0; i < n; i++) {
		enum ingest_outcome oc;
		assert_int_equal(ingest_line(f->j, in[i].line, strlen(in[i].line), "test", &oc, &err),
				 RK_OK);
		assert_int_equal(oc, INGEST_ACCEPTED);
	}
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	sqlite3_stmt *marked = NULL, *now = NULL;
	assert_int_equal(sqlite3_prepare_v2(journal_db(f->j), q.sql, -1, &marked, NULL), SQLITE_OK);
	int moments = 0, differ_from_now = 0;
	for (int sec = 0; sec <= 18; sec += 3) {
		for (int half = 0; half < 2; half++, moments++) {
			char at[RTIME_STR_MAX], path[128];
			rtime_format(STREAMS_T0_US + sec * (unit_us ? unit_us : 1000000) + half * 500000,
				     at);
			/* The journal of the fills before `at`, in their arrival order. */
			struct journal *p = tu_open_temp_journal(path, sizeof path);
			sqlite3_exec(journal_db(p), "PRAGMA synchronous=OFF;", NULL, NULL, NULL);
			assert_int_equal(journal_begin(p, &err), RK_OK);
			for (size_t i = 0; i < n; i++) {
				const char *ts = strstr(in[i].line, "\"ts\":\"") + 6;
				enum ingest_outcome oc;
				if (strncmp(ts, at, strlen(at)) >= 0)
					continue;
				assert_int_equal(ingest_line(p, in[i].line, strlen(in[i].line), "test",
							     &oc, &err), RK_OK);
			}
			assert_int_equal(journal_commit(p, &err), RK_OK);
			assert_int_equal(sqlite3_prepare_v2(journal_db(p),
				"SELECT venue, account, symbol, '', qty, cost_basis FROM v_positions"
				" ORDER BY venue, account, symbol", -1, &now, NULL), SQLITE_OK);
			char *want = positions_text(now);
			sqlite3_finalize(now);
			sqlite3_reset(marked);
			sqlite3_bind_text(marked, sqlite3_bind_parameter_index(marked, ":to_ts"), at, -1,
					  SQLITE_TRANSIENT);
			char *got = positions_text(marked);
			if (strcmp(got, want) != 0)
				fail_msg("positions at %s:\n got\n%s want\n%s", at, got, want);
			assert_int_equal(sqlite3_reset(marked), SQLITE_OK);
			sqlite3_bind_null(marked, sqlite3_bind_parameter_index(marked, ":to_ts"));
			char *cur = positions_text(marked);
			differ_from_now += strcmp(cur, got) != 0;
			free(cur);
			free(got);
			free(want);
			journal_close(p);
			tu_remove_db(path);
		}
	}
	/* The query did go back in time: at half the moments or more the
	 * positions were not the journal's end's (12 of 14 here with 300
	 * streams, 11 with RECKON_TEST_SCALE=small's 20, whose last fills come
	 * earlier). */
	if (differ_from_now < moments / 2)
		fail_msg("only %d of %d moments differ from the journal's end", differ_from_now,
			 moments);
	sqlite3_finalize(marked);
	free(in);
}

/* Within seconds of an hour's start: the position at the end of the hour
 * before (the roll-up's, position_hours) plus the moves since. */
static void test_positions_marked_at_a_moment_equal_the_fills_before_it(void **state)
{
	positions_at_moments(state, 777, 0);
}

/* Fills over three days, 3h07m apart: moments on the hour and inside it,
 * with hours between them that no fill moved, and late fills re-counting
 * the roll-up of earlier hours and days. */
static void test_positions_marked_over_days_equal_the_fills_before_it(void **state)
{
	positions_at_moments(state, 4321, INT64_C(11220000000));
}

/* ---- inferred fills superseded by real ones (issue 8, point 7) ------------ */

/* Journals a fill of order o-1 as the reconciler does (fills.inferred = 1,
 * fee 0, at second `sec`): `id` "inferred:o-1:CUM" for one inferred from the
 * order's filled quantity, a venue fill id for a listed fill it lacked. */
static void reconciler_fill(struct journal *j, const char *id, int sec, const char *side,
			    const char *qty, const char *price)
{
	struct fill_rec fill;
	struct rk_err err = {0};
	enum events_result res;
	memset(&fill, 0, sizeof fill);
	snprintf(fill.ts, sizeof fill.ts, "2025-03-01T%02d:%02d:%02d.000000Z", sec / 3600,
		 sec / 60 % 60, sec % 60);
	fill.venue = VENUE_COINBASE;
	snprintf(fill.account, sizeof fill.account, "default");
	snprintf(fill.symbol, sizeof fill.symbol, "BTC-USD");
	snprintf(fill.fill_id, sizeof fill.fill_id, "%s", id);
	snprintf(fill.order_id, sizeof fill.order_id, "o-1");
	fill.side = side_parse(side);
	fill.qty = tu_dec(qty);
	fill.price = tu_dec(price);
	fill.inferred = true;
	assert_int_equal(journal_begin(j, &err), RK_OK);
	assert_int_equal(events_append_fill(j, &fill, "reconcile", &res, &err), RK_OK);
	assert_int_equal(journal_commit(j, &err), RK_OK);
	assert_int_equal(res, EVENTS_APPENDED);
}

#define inferred(j, cum, sec, side, qty, price) \
	reconciler_fill((j), "inferred:o-1:" cum, (sec), (side), (qty), (price))

/* A real fill of order o-1 (from a bot's ingest). */
#define REAL(j, id, sec, side, qty, price) \
	fill_order((j), "coinbase", "default", "BTC-USD", (id), "o-1", (sec), (side), (qty), (price), NULL, NULL)

static void order_o1(struct journal *j, const char *side)
{
	char line[512], reason[256];
	snprintf(line, sizeof line,
		 "{\"type\":\"order\",\"ts\":\"2025-03-01T00:00:00.000000Z\",\"venue\":\"coinbase\","
		 "\"symbol\":\"BTC-USD\",\"order_id\":\"o-1\",\"side\":\"%s\",\"order_type\":\"limit\","
		 "\"status\":\"open\",\"qty\":\"10\",\"price\":\"100\"}", side);
	if (tu_ingest(j, line, reason, sizeof reason) != INGEST_ACCEPTED)
		fail_msg("order o-1 not accepted: %s", reason);
}

static const char Q_O1[] =
	"SELECT status, filled_qty, fills_qty FROM orders WHERE order_id = 'o-1'";
static const char Q_SUPERSEDED[] =
	"SELECT fill_id, qty, superseded_qty FROM fills WHERE inferred = 1 ORDER BY seq";
static const char Q_HOLDING[] = "SELECT qty, avg_entry FROM positions";

/* The exchange said "filled 4 of 10" (inferred 4 at the limit price, at
 * second 50); the real fill of 4 at 99 (second 10) arrives: it replaces the
 * inferred one, it is not added to it. */
static void test_real_fill_supersedes_an_inferred_fill_of_its_order(void **state)
{
	struct fx *f = *state;
	order_o1(f->j, "buy");
	inferred(f->j, "4", 50, "buy", "4", "100");
	assert_rows(f->j, Q_OPEN, "2|inferred:o-1:4|long|4|400|100\n");
	REAL(f->j, "F1", 10, "buy", "4", "99");
	assert_rows(f->j, Q_HOLDING, "4|100\n");
	assert_rows(f->j, Q_O1, "partially_filled|4|4\n");
	assert_rows(f->j, Q_SUPERSEDED, "inferred:o-1:4|4|4\n");
	/* One lot, the real fill's, at its price. */
	assert_rows(f->j, Q_OPEN, "3|F1|long|4|396|99\n");
	assert_rows(f->j, "SELECT count(*) FROM lots", "1\n");
	assert_rows(f->j, Q_POS, "BTC-USD|4|396|99\n");
	assert_rebuild_is_identity(f->j);
}

/* Real fills in the order they happened, arriving after the inferred one
 * (not late by ts): the inferred lot is replaced all the same. */
static void test_real_fill_after_the_inferred_ts_supersedes_it_too(void **state)
{
	struct fx *f = *state;
	order_o1(f->j, "buy");
	inferred(f->j, "4", 10, "buy", "4", "100");
	REAL(f->j, "F1", 20, "buy", "4", "99");
	assert_rows(f->j, Q_HOLDING, "4|100\n");
	assert_rows(f->j, Q_OPEN, "3|F1|long|4|396|99\n");
	assert_rows(f->j, "SELECT last_ts, last_seq FROM lot_positions",
		    "2025-03-01T00:00:20.000000Z|3\n");
	assert_rebuild_is_identity(f->j);
}

/* Inferred 4, then real 3: still 4 (1 inferred); then real 1: 4, all real. */
static void test_partial_real_fills_absorb_the_inferred_fill_piecewise(void **state)
{
	struct fx *f = *state;
	order_o1(f->j, "buy");
	inferred(f->j, "4", 50, "buy", "4", "100");
	REAL(f->j, "F1", 10, "buy", "3", "99");
	assert_rows(f->j, Q_HOLDING, "4|100\n");
	assert_rows(f->j, Q_O1, "partially_filled|4|4\n");
	assert_rows(f->j, Q_SUPERSEDED, "inferred:o-1:4|4|3\n");
	assert_rows(f->j, Q_OPEN, "3|F1|long|3|297|99\n2|inferred:o-1:4|long|1|100|100\n");
	assert_rebuild_is_identity(f->j);
	REAL(f->j, "F2", 20, "buy", "1", "98");
	assert_rows(f->j, Q_HOLDING, "4|100\n");
	assert_rows(f->j, Q_O1, "partially_filled|4|4\n");
	assert_rows(f->j, Q_SUPERSEDED, "inferred:o-1:4|4|4\n");
	assert_rows(f->j, Q_OPEN, "3|F1|long|3|297|99\n4|F2|long|1|98|98\n");
	assert_rebuild_is_identity(f->j);
}

/* Inferred 4, then real 4 and real 6: the order is filled 10, not 14. */
static void test_real_fills_beyond_the_inferred_quantity_add_only_the_rest(void **state)
{
	struct fx *f = *state;
	order_o1(f->j, "buy");
	inferred(f->j, "4", 50, "buy", "4", "100");
	REAL(f->j, "F1", 10, "buy", "4", "99");
	REAL(f->j, "F2", 60, "buy", "6", "101");
	assert_rows(f->j, Q_HOLDING, "10|100.6\n");
	assert_rows(f->j, Q_O1, "filled|10|10\n");
	assert_rows(f->j, Q_OPEN, "3|F1|long|4|396|99\n4|F2|long|6|606|101\n");
	assert_rebuild_is_identity(f->j);
}

/* A second inferred fill covers only the gap beyond the first (cum 4, then
 * cum 6): the real fills absorb both, oldest first. */
static void test_real_fills_absorb_successive_inferred_fills_oldest_first(void **state)
{
	struct fx *f = *state;
	order_o1(f->j, "buy");
	inferred(f->j, "4", 50, "buy", "4", "100");
	inferred(f->j, "6", 70, "buy", "2", "100");
	REAL(f->j, "F1", 10, "buy", "5", "99");
	assert_rows(f->j, Q_SUPERSEDED, "inferred:o-1:4|4|4\ninferred:o-1:6|2|1\n");
	assert_rows(f->j, Q_HOLDING, "6|100\n");
	REAL(f->j, "F2", 20, "buy", "1", "99");
	assert_rows(f->j, Q_SUPERSEDED, "inferred:o-1:4|4|4\ninferred:o-1:6|2|2\n");
	assert_rows(f->j, Q_O1, "partially_filled|6|6\n");
	assert_rows(f->j, Q_OPEN, "4|F1|long|5|495|99\n5|F2|long|1|99|99\n");
	assert_rebuild_is_identity(f->j);
}

/* A sell closed the inferred lot before the real buy arrived: the realized
 * P&L becomes the real fill's, as if it had come first. */
static void test_realized_pnl_is_recomputed_at_the_real_fill_price(void **state)
{
	struct fx *f = *state;
	order_o1(f->j, "buy");
	inferred(f->j, "4", 50, "buy", "4", "100");
	SPOT(f->j, "S", 60, "sell", "4", "110", NULL, NULL);
	assert_rows(f->j, Q_PNL, "S|4|440|400|0|40\n");
	REAL(f->j, "F1", 10, "buy", "4", "95");
	assert_rows(f->j, Q_PNL, "S|4|440|380|0|60\n");
	assert_rows(f->j, Q_HOLDING, "0|NULL\n");
	assert_rows(f->j, "SELECT count(*) FROM lots", "1\n");
	assert_rebuild_is_identity(f->j);
}

/* The venue's listing had the real fill; the reconciler journals it
 * (inferred = 1, its venue fill id): it is real, and supersedes. */
static void test_listed_fill_journaled_by_the_reconciler_supersedes_the_inferred_one(void **state)
{
	struct fx *f = *state;
	order_o1(f->j, "buy");
	inferred(f->j, "4", 50, "buy", "4", "100");
	reconciler_fill(f->j, "f-real-1", 10, "buy", "4", "99");
	assert_rows(f->j, Q_HOLDING, "4|100\n");
	assert_rows(f->j, Q_O1, "partially_filled|4|4\n");
	assert_rows(f->j, Q_SUPERSEDED, "inferred:o-1:4|4|4\nf-real-1|4|0\n");
	assert_rows(f->j, Q_OPEN, "3|f-real-1|long|4|396|99\n");
	assert_rebuild_is_identity(f->j);
}

/* The real fill paid its fee in the base asset: the position and the lot
 * are what that fill alone gives (4 - 0.004), as if it had come first. */
static void test_superseding_fill_with_a_base_fee_leaves_its_own_net_quantity(void **state)
{
	struct fx *f = *state;
	order_o1(f->j, "buy");
	inferred(f->j, "4", 50, "buy", "4", "100");
	fill_order(f->j, "coinbase", "default", "BTC-USD", "F1", "o-1", 10, "buy", "4", "99",
		   "0.004", "BTC");
	assert_rows(f->j, Q_HOLDING, "3.996|100\n");
	assert_rows(f->j, Q_O1, "partially_filled|4|4\n");
	assert_rows(f->j, "SELECT fill_id, qty_remaining, cost_remaining FROM lots", "F1|3.996|396\n");
	assert_rebuild_is_identity(f->j);
}

/* An inferred sell (a sell order filled 4 of 10, no record) and its real
 * fill: the holding falls by 4, once. */
static void test_real_sell_fill_supersedes_an_inferred_sell(void **state)
{
	struct fx *f = *state;
	SPOT(f->j, "B", 1, "buy", "10", "90", NULL, NULL);
	order_o1(f->j, "sell");
	inferred(f->j, "4", 50, "sell", "4", "100");
	assert_rows(f->j, Q_PNL, "inferred:o-1:4|4|400|360|0|40\n");
	REAL(f->j, "F1", 10, "sell", "4", "101");
	assert_rows(f->j, Q_HOLDING, "6|90\n");
	assert_rows(f->j, Q_PNL, "F1|4|404|360|0|44\n");
	assert_rebuild_is_identity(f->j);
}

/* A fill that contradicts its order (a sell of a buy order) is refused and
 * supersedes nothing. */
static void test_refused_fill_supersedes_nothing(void **state)
{
	struct fx *f = *state;
	char reason[256];
	order_o1(f->j, "buy");
	inferred(f->j, "4", 50, "buy", "4", "100");
	assert_int_equal(tu_ingest(f->j,
		"{\"type\":\"fill\",\"ts\":\"2025-03-01T00:00:10.000000Z\",\"venue\":\"coinbase\","
		"\"symbol\":\"BTC-USD\",\"fill_id\":\"F1\",\"order_id\":\"o-1\",\"side\":\"sell\","
		"\"qty\":\"4\",\"price\":\"99\"}", reason, sizeof reason), INGEST_REJECTED);
	assert_non_null(strstr(reason, "field 'side'"));
	assert_rows(f->j, Q_SUPERSEDED, "inferred:o-1:4|4|0\n");
	assert_rows(f->j, Q_HOLDING, "4|100\n");
	assert_rebuild_is_identity(f->j);
}

/* A real fill of another order absorbs nothing. */
static void test_real_fill_of_another_order_does_not_supersede(void **state)
{
	struct fx *f = *state;
	order_o1(f->j, "buy");
	inferred(f->j, "4", 50, "buy", "4", "100");
	SPOT(f->j, "X", 10, "buy", "4", "99", NULL, NULL);
	assert_rows(f->j, Q_HOLDING, "8|99.5\n");
	assert_rows(f->j, Q_SUPERSEDED, "inferred:o-1:4|4|0\n");
	assert_rebuild_is_identity(f->j);
}

/* ---- every read distinguishes row / done / error (issue 8, point 1) ------- */

/* The fault seam: the progress handler interrupts the statement whose SQL
 * starts with `fail_sql` while it runs, so that read's step fails
 * (SQLITE_INTERRUPT) and every other statement goes on. */
static const char *fail_sql;
static int fail_hits;

static int fail_one_read(void *db)
{
	for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
		if (sqlite3_stmt_busy(st) && strncmp(sqlite3_sql(st), fail_sql, strlen(fail_sql)) == 0) {
			fail_hits++;
			return 1;
		}
	return 0;
}

/* A late real fill of o-1, which superseded an inferred fill a sell had
 * closed, reads through every read of the fill's projection (journal tail
 * and dedup, order, position, inferred fills, lot position, later fills,
 * allocations, lots, fills to re-allocate, open lots). With any one of those
 * reads failing (or the write of what it superseded) the fill is refused
 * with that step's error, never projected as if the read had found no row,
 * and the journal keeps what it had. */
static void test_failed_read_refuses_the_fill_instead_of_reading_no_rows(void **state)
{
	static const char *const reads[] = {
		"SELECT d.seq, e.payload FROM event_dedup",
		"SELECT seq, hash FROM events",
		"SELECT account, symbol, side, status",
		"SELECT fill_id, qty, superseded_qty",
		"SELECT qty, avg_entry FROM positions",
		"SELECT qty, cost_basis, open_lots",
		"SELECT seq FROM fills",
		"SELECT lot_id, qty, cost_basis FROM lot_allocations",
		"SELECT lot_id, side, qty, cost, qty_remaining, cost_remaining FROM lots WHERE lot_id",
		"SELECT seq, ts, fill_id, order_id, side, qty, price, fee, fee_currency, superseded_qty",
		"SELECT lot_id, side, qty, cost, qty_remaining, cost_remaining FROM lots WHERE venue",
		"UPDATE fills SET superseded_qty", /* a write fails as loudly */
	};
	static const char line[] =
		"{\"type\":\"fill\",\"ts\":\"2025-03-01T00:00:10.000000Z\",\"venue\":\"coinbase\","
		"\"symbol\":\"BTC-USD\",\"fill_id\":\"F1\",\"order_id\":\"o-1\",\"side\":\"buy\","
		"\"qty\":\"5\",\"price\":\"95\"}";
	struct fx *f = *state;
	sqlite3 *db = journal_db(f->j);
	order_o1(f->j, "buy");
	inferred(f->j, "4", 50, "buy", "4", "100");
	SPOT(f->j, "S", 60, "sell", "2", "110", NULL, NULL);
	SPOT(f->j, "B", 70, "buy", "1", "105", NULL, NULL);
	char *before = tu_dump_tables(f->j);
	for (size_t i = 0; i < sizeof reads / sizeof *reads; i++) {
		struct rk_err err = {0};
		enum ingest_outcome oc = INGEST_ACCEPTED;
		fail_sql = reads[i];
		fail_hits = 0;
		sqlite3_progress_handler(db, 1, fail_one_read, db);
		assert_int_equal(journal_begin(f->j, &err), RK_OK);
		enum rk_rc rc = ingest_line(f->j, line, strlen(line), "test", &oc, &err);
		sqlite3_progress_handler(db, 0, NULL, NULL);
		journal_rollback(f->j);
		if (fail_hits == 0)
			fail_msg("read '%s' was never made", reads[i]);
		if (rc == RK_OK && oc == INGEST_ACCEPTED)
			fail_msg("read '%s' failed, yet the fill was accepted", reads[i]);
		if (!strstr(err.msg, "interrupted"))
			fail_msg("read '%s': the error does not say why: %s", reads[i], err.msg);
		char *after = tu_dump_tables(f->j);
		assert_string_equal(after, before);
		free(after);
	}
	free(before);
	/* Without the fault it goes through. */
	if (tu_ingest(f->j, line, NULL, 0) != INGEST_ACCEPTED)
		fail_msg("the fill is refused without a fault");
	assert_rows(f->j, Q_PNL, "S|2|220|190|0|30\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_two_buys_then_a_sell_spanning_both_lots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_positions_marked_at_a_moment_equal_the_fills_before_it,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_positions_marked_over_days_equal_the_fills_before_it,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_lots_open_index_follows_partial_closes_and_reopens,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_fill_supersedes_an_inferred_fill_of_its_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_fill_after_the_inferred_ts_supersedes_it_too, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_real_fills_absorb_the_inferred_fill_piecewise, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_fills_beyond_the_inferred_quantity_add_only_the_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_fills_absorb_successive_inferred_fills_oldest_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_realized_pnl_is_recomputed_at_the_real_fill_price, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_fill_of_another_order_does_not_supersede, setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_fill_supersedes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_read_refuses_the_fill_instead_of_reading_no_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_superseding_fill_with_a_base_fee_leaves_its_own_net_quantity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_real_sell_fill_supersedes_an_inferred_sell, setup, teardown),
		cmocka_unit_test_setup_teardown(test_listed_fill_journaled_by_the_reconciler_supersedes_the_inferred_one, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_fills_of_one_order_split_lots, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quote_fees_on_both_sides, setup, teardown),
		cmocka_unit_test_setup_teardown(test_base_asset_fee_on_a_buy_reduces_the_lot, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_currency_fee_is_recorded_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sell_beyond_open_lots_is_unmatched_with_a_finding, setup, teardown),
		cmocka_unit_test_setup_teardown(test_futures_position_flips_from_long_to_short, setup, teardown),
		cmocka_unit_test_setup_teardown(test_late_out_of_order_fill_reallocates_the_symbol, setup, teardown),
		cmocka_unit_test_setup_teardown(test_thirds_of_a_lot_sum_exactly_to_its_cost, setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbols_and_accounts_are_allocated_apart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cli_fifo_rebuild_prints_counts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_random_streams_in_random_order_equal_rebuild_and_conserve_cash, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
