/*
 * test_audit_gaps.c — protection gaps (src/journal/audit_gaps.c), read from
 * the projection (protection_gaps, kept by src/journal/protect_project.c)
 * and replayed from the events alone, which must give the same intervals
 * with the same causes in every test: a position is unprotected from the fill that
 * opens it until a stop covering it is acknowledged; a cancelled or
 * triggered stop opens a gap again; the venue's dust finding ends one; the
 * selection clips and filters. And the property: over random event streams
 * (orders, fills, stops that come and go, inferred fills, reconciliation runs
 * with dust findings and the exchange's positions, timestamps that go
 * backwards), audit_gaps (the projection) equals audit_gaps_replay and a
 * brute-force recomputation that, after every single event, judges every
 * position from the materialized tables the projections wrote — and still
 * does after events_rebuild, in any window. audit verify fails on a
 * modified, deleted or added protection_gaps row.
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

#include "audit_gaps.h"
#include "audit_sql.h"
#include "events.h"
#include "journal.h"
#include "readfault.h"
#include "record.h"
#include "rk_array.h"
#include "rtime.h"
#include "testutil.h"
#include "tu_events.h"

struct fixture {
	char path[128];
	struct journal *j;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	assert_non_null(fx);
	fx->j = tu_open_temp_journal(fx->path, sizeof fx->path);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	journal_close(fx->j);
	tu_remove_db(fx->path);
	free(fx);
	return 0;
}

/* Fails unless the two lists are the same gaps, field by field, in order. */
static void assert_same_gaps(const struct audit_gap *a, size_t na, const struct audit_gap *b,
			     size_t nb, const char *what)
{
	if (na != nb)
		fail_msg("%s: %zu gaps, the replay %zu", what, na, nb);
	for (size_t i = 0; i < na; i++) {
		const struct audit_gap *x = &a[i], *y = &b[i];
		if (x->venue != y->venue || strcmp(x->account, y->account) ||
		    strcmp(x->symbol, y->symbol) || x->start_us != y->start_us ||
		    x->end_us != y->end_us || x->start_seq != y->start_seq ||
		    x->end_seq != y->end_seq || strcmp(x->start_cause, y->start_cause) ||
		    strcmp(x->end_cause, y->end_cause))
			fail_msg("%s gap %zu: %s #%lld %lld %s .. #%lld %lld %s; the replay %s #%lld"
				 " %lld %s .. #%lld %lld %s",
				 what, i, x->symbol, (long long)x->start_seq, (long long)x->start_us,
				 x->start_cause, (long long)x->end_seq, (long long)x->end_us,
				 x->end_cause, y->symbol, (long long)y->start_seq,
				 (long long)y->start_us, y->start_cause, (long long)y->end_seq,
				 (long long)y->end_us, y->end_cause);
	}
}

/* The projection's gaps, after checking that the replay gives the same. */
static struct audit_gap *gaps(struct journal *j, const struct audit_gap_filter *f, size_t *n)
{
	struct audit_gap *g = NULL, *r = NULL;
	struct rk_err err = {0};
	size_t nr = 0;
	if (audit_gaps(j, f, &g, n, &err))
		fail_msg("audit_gaps: %s", err.msg);
	if (audit_gaps_replay(j, f, &r, &nr, &err))
		fail_msg("audit_gaps_replay: %s", err.msg);
	assert_same_gaps(g, *n, r, nr, "projection");
	free(r);
	return g;
}

/* ---- behaviour ---------------------------------------------------------------- */

static void test_position_is_unprotected_from_its_fill_to_its_stop_acknowledged(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	tu_order(j, "2025-01-01T00:00:00Z", "BTC-USD", "e1", "buy", "market", "filled", "2");
	tu_fill(j, "2025-01-01T00:00:01Z", "BTC-USD", "f1", "e1", "buy", "2");
	tu_order(j, "2025-01-01T00:10:01Z", "BTC-USD", "s1", "sell", "stop_market", "open", "2");
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 1);
	assert_string_equal(g[0].symbol, "BTC-USD");
	assert_int_equal(g[0].start_us, tu_us("2025-01-01T00:00:01Z"));
	assert_int_equal(g[0].end_us, tu_us("2025-01-01T00:10:01Z"));
	assert_string_equal(g[0].start_cause, "fill");
	assert_string_equal(g[0].end_cause, "stop_acknowledged");
	assert_int_equal(g[0].start_seq, 2);
	assert_int_equal(g[0].end_seq, 3);
	free(g);
}

static void test_stop_smaller_than_the_position_does_not_protect_it(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	tu_fill(j, "2025-01-01T00:00:01Z", "BTC-USD", "f1", "e1", "buy", "2");
	tu_order(j, "2025-01-01T00:01:00Z", "BTC-USD", "s1", "sell", "stop_market", "open", "1");
	tu_order(j, "2025-01-01T00:02:00Z", "BTC-USD", "s2", "buy", "stop_market", "open", "5");
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].end_us, 0); /* still open: 1 of 2 covered, s2 adds to it */
	assert_string_equal(g[0].end_cause, "");
	free(g);
}

static void test_cancelled_then_triggered_stop_each_open_a_gap(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	tu_fill(j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "buy", "3");
	tu_order(j, "2025-01-01T00:01:00Z", "BTC-USD", "s1", "sell", "stop_limit", "open", "3");
	tu_order(j, "2025-01-01T00:02:00Z", "BTC-USD", "s1", "sell", "stop_limit", "cancelled", "3");
	tu_order(j, "2025-01-01T00:03:00Z", "BTC-USD", "s2", "sell", "bracket", "open", "3");
	tu_fill(j, "2025-01-01T00:04:00Z", "BTC-USD", "f2", "s2", "sell", "1");
	tu_fill(j, "2025-01-01T00:05:00Z", "BTC-USD", "f3", "e1", "buy", "2");
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 3);
	assert_string_equal(g[1].start_cause, "stop_cancelled");
	assert_int_equal(g[1].start_us, tu_us("2025-01-01T00:02:00Z"));
	assert_string_equal(g[1].end_cause, "stop_acknowledged");
	/* The stop's partial trigger leaves 2 of 2 covered; the next buy grows
	 * the position past it. */
	assert_string_equal(g[2].start_cause, "fill");
	assert_int_equal(g[2].start_us, tu_us("2025-01-01T00:05:00Z"));
	assert_int_equal(g[2].end_us, 0);
	free(g);
}

static void test_fully_triggered_stop_closes_the_position_and_the_gap_stays_shut(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	tu_fill(j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "sell", "3"); /* short */
	tu_order(j, "2025-01-01T00:01:00Z", "BTC-USD", "s1", "buy", "stop_market", "open", "3");
	tu_fill(j, "2025-01-01T00:02:00Z", "BTC-USD", "f2", "s1", "buy", "3");
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].end_us, tu_us("2025-01-01T00:01:00Z"));
	free(g);
}

static void test_dust_finding_ends_a_gap_until_a_later_run_stops_saying_so(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	tu_fill(j, "2025-01-01T00:00:00Z", "DOGE-USD", "f1", "e1", "buy", "3");
	int64_t r1 = tu_run_start(j, "2025-01-01T01:00:00Z");
	tu_dust(j, "2025-01-01T01:00:00Z", r1, "DOGE-USD");
	tu_run_end(j, "2025-01-01T01:00:00Z", r1);
	int64_t r2 = tu_run_start(j, "2025-01-01T02:00:00Z");
	tu_run_end(j, "2025-01-01T02:00:00Z", r2);
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 2);
	assert_string_equal(g[0].end_cause, "dust");
	assert_int_equal(g[0].end_us, tu_us("2025-01-01T01:00:00Z"));
	assert_string_equal(g[1].start_cause, "dust_cleared");
	assert_int_equal(g[1].start_us, tu_us("2025-01-01T02:00:00Z"));
	free(g);
}

/* A report that retypes the stop into a plain order unprotects the position
 * (the projection judges a report of an order that was a stop before it,
 * not only of one that is a stop after); reports of other orders change
 * nothing. */
static void test_a_stop_retyped_to_a_plain_order_opens_a_gap(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	tu_fill(j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "buy", "2");
	tu_order(j, "2025-01-01T00:01:00Z", "BTC-USD", "s1", "sell", "stop_market", "open", "2");
	tu_order(j, "2025-01-01T00:02:00Z", "BTC-USD", "x1", "sell", "limit", "open", "2");
	tu_order(j, "2025-01-01T00:03:00Z", "BTC-USD", "x1", "sell", "limit", "cancelled", "2");
	tu_order(j, "2025-01-01T00:04:00Z", "BTC-USD", "s1", "sell", "limit", "open", "2");
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 2);
	assert_int_equal(g[0].end_us, tu_us("2025-01-01T00:01:00Z"));
	assert_int_equal(g[1].start_us, tu_us("2025-01-01T00:04:00Z"));
	assert_string_equal(g[1].start_cause, "order_changed");
	assert_int_equal(g[1].end_us, 0);
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM protection_gaps WHERE end_seq IS NULL"),
			 1);
	free(g);
}

static void test_late_report_never_runs_an_interval_backwards(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	tu_fill(j, "2025-01-01T05:00:00Z", "BTC-USD", "f1", "e1", "buy", "1");
	/* A venue stamping the stop's report with an earlier time. */
	tu_order(j, "2025-01-01T04:00:00Z", "BTC-USD", "s1", "sell", "stop_market", "open", "1");
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].start_us, g[0].end_us);
	free(g);
}

static void test_selection_clips_to_the_window_and_filters_the_symbol(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	tu_fill(j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "buy", "1");
	tu_fill(j, "2025-01-01T00:00:00Z", "ETH-USD", "f2", "e2", "buy", "1");
	tu_order(j, "2025-01-01T10:00:00Z", "BTC-USD", "s1", "sell", "stop_market", "open", "1");
	size_t n;
	struct audit_gap_filter f = {"BTC-USD", tu_us("2025-01-01T02:00:00Z"),
				     tu_us("2025-01-01T05:00:00Z")};
	struct audit_gap *g = gaps(j, &f, &n);
	assert_int_equal(n, 1);
	assert_string_equal(g[0].symbol, "BTC-USD");
	assert_int_equal(g[0].start_us, tu_us("2025-01-01T02:00:00Z"));
	assert_int_equal(g[0].end_us, 0); /* open at the window's end */
	free(g);
	f = (struct audit_gap_filter){NULL, tu_us("2025-01-01T11:00:00Z"), 0};
	g = gaps(j, &f, &n);
	assert_int_equal(n, 1); /* BTC's interval ended before the window */
	assert_string_equal(g[0].symbol, "ETH-USD");
	free(g);
}

static void test_failed_read_aborts_instead_of_reading_as_no_gaps(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	tu_fill(j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "buy", "1");
	tu_fill(j, "2025-01-01T00:00:00Z", "ETH-USD", "f2", "e2", "buy", "1");
	tu_order(j, "2025-01-01T01:00:00Z", "BTC-USD", "s1", "sell", "stop_market", "open", "1");
	tu_order(j, "2025-01-01T02:00:00Z", "BTC-USD", "s1", "sell", "stop_market", "cancelled", "1");
	struct audit_gap_filter window = {NULL, tu_us("2025-01-01T00:30:00Z"),
					  tu_us("2025-01-01T03:00:00Z")};
	size_t want;
	free(gaps(j, &window, &want));
	assert_int_equal(want, 3);
	/* The projection: whichever of its reads fails, the answer is that
	 * error, never fewer gaps. */
	for (long nth = 1;; nth++) {
		struct audit_gap *g = NULL;
		size_t n = 99;
		struct rk_err err = {0};
		rf_arm(journal_db(j), RF_NTH_READ_FAILS, nth, false);
		enum rk_rc rc = audit_gaps(j, &window, &g, &n, &err);
		long failed = rf_reads_failed();
		rf_disarm(journal_db(j));
		if (!failed) {
			assert_int_equal(rc, RK_OK);
			assert_int_equal(n, want);
			free(g);
			assert_true(nth > 3); /* the seam reached several reads */
			break;
		}
		assert_int_equal(rc, RK_EDB);
		assert_null(g);
		assert_int_equal(n, 0);
	}
	/* The replay: an event whose payload is not what its type says. */
	sqlite3_exec(journal_db(j), "DROP TRIGGER events_no_update;"
				    "UPDATE events SET payload = 'x' WHERE seq = 1", NULL, NULL, NULL);
	struct audit_gap *g = NULL;
	size_t n = 99;
	struct rk_err err = {0};
	assert_int_equal(audit_gaps_replay(j, NULL, &g, &n, &err), RK_ECORRUPT);
	assert_non_null(strstr(err.msg, "event 1"));
	assert_null(g);
	assert_int_equal(n, 0);
}

/* audit verify replays the events into a scratch database and compares
 * every projection table with it: a gap row changed, deleted or added by
 * hand (to hide an unprotected interval, say) fails it, naming the table. */
static void test_verify_fails_on_a_tampered_protection_gap(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	tu_fill(j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "buy", "1");
	tu_order(j, "2025-01-01T01:00:00Z", "BTC-USD", "s1", "sell", "stop_market", "open", "1");
	tu_fill(j, "2025-01-01T02:00:00Z", "ETH-USD", "f2", "e2", "buy", "1");
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM protection_gaps"), 2);
	struct rk_err err = {0};
	assert_int_equal(events_verify(j, &err), RK_OK);
	static const char *const tamper[] = {
		"UPDATE protection_gaps SET end_us = start_us + 1 WHERE symbol = 'BTC-USD'",
		"UPDATE protection_gaps SET end_cause = 'stop_acknowledged', end_seq = 3,"
		" end_us = start_us WHERE symbol = 'ETH-USD'",
		"DELETE FROM protection_gaps WHERE symbol = 'ETH-USD'",
		"INSERT INTO protection_gaps VALUES ('coinbase', 'default', 'BTC-USD', 9, 0,"
		" 'fill', NULL, NULL, NULL)",
		"UPDATE protection_state SET open_start_seq = NULL WHERE symbol = 'ETH-USD'",
	};
	for (size_t i = 0; i < sizeof tamper / sizeof tamper[0]; i++) {
		assert_int_equal(journal_begin(j, &err), RK_OK);
		assert_int_equal(sqlite3_exec(journal_db(j), tamper[i], NULL, NULL, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_changes(journal_db(j)), 1);
		assert_int_equal(events_verify(j, &err), RK_ECORRUPT);
		if (!strstr(err.msg, "protection_"))
			fail_msg("%s: %s", tamper[i], err.msg);
		journal_rollback(j);
	}
	assert_int_equal(events_verify(j, &err), RK_OK);
}

/* ---- the property: equal to a brute force over the tables --------------------- */


struct brute_pos {
	bool in_gap;
	int64_t last_us;
	struct audit_gap cur;
};

/* The judgement after event `seq`, from the tables alone. */
static bool brute_bare(struct journal *j, const char *sym, int64_t seq)
{
	sqlite3 *db = journal_db(j);
	sqlite3_stmt *st;
	char q[64] = "0", eq[64] = "", eo[64] = "";
	int64_t last = 0, run = -1;
	sqlite3_prepare_v2(db, "SELECT qty, last_seq FROM positions WHERE symbol = ?1", -1, &st, 0);
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(q, sizeof q, "%s", sqlite3_column_text(st, 0));
		last = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "SELECT qty, orderable_qty, run_id FROM exchange_positions"
			       " WHERE symbol = ?1", -1, &st, 0);
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(eq, sizeof eq, "%s", sqlite3_column_text(st, 0));
		snprintf(eo, sizeof eo, "%s", sqlite3_column_text(st, 1));
		run = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	bool from_ex = eq[0] && last <= run;
	struct dec qty = tu_dec(from_ex ? eq : q), size = dec_abs(qty), sum = dec_zero();
	if (dec_is_zero(qty))
		return false;
	bool any = false;
	sqlite3_prepare_v2(db, "SELECT qty, filled_qty FROM orders WHERE symbol = ?1 AND side = ?2"
			       " AND status IN ('open', 'partially_filled') AND order_type IN"
			       " ('stop_market', 'stop_limit', 'bracket', 'trailing_stop')", -1, &st, 0);
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dec_sign(qty) < 0 ? "buy" : "sell", -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct dec oq = tu_dec((const char *)sqlite3_column_text(st, 0)), rem;
		struct dec of = tu_dec((const char *)sqlite3_column_text(st, 1));
		any = true;
		if (dec_sub(oq, of, &rem) != DEC_OK || dec_sign(rem) < 0)
			rem = dec_zero();
		assert_int_equal(dec_add(sum, rem, &sum), DEC_OK);
	}
	sqlite3_finalize(st);
	if (any && (dec_cmp(sum, size) >= 0 || (from_ex && dec_cmp(sum, tu_dec(eo)) >= 0)))
		return false;
	/* Dust: the latest dust finding, no fill since, no later run ended. */
	sqlite3_prepare_v2(db,
			   "SELECT 1 FROM findings f WHERE f.kind = 'dust' AND f.symbol = ?1"
			   " AND f.id = (SELECT max(id) FROM findings WHERE kind = 'dust' AND symbol = ?1)"
			   " AND f.id > COALESCE((SELECT max(seq) FROM fills WHERE symbol = ?1), 0)"
			   " AND NOT EXISTS (SELECT 1 FROM recon_runs r WHERE r.id > f.run_id"
			   "  AND r.finished_at IS NOT NULL)", -1, &st, 0);
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	bool is_dust = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	(void)seq;
	return !is_dust;
}

typedef RK_ARRAY(struct audit_gap) gap_list;

/* After event `seq` (at `ts_us`): every position judged again. */
static void brute_step(struct journal *j, int64_t seq, int64_t ts_us, struct brute_pos *bp,
		       gap_list *out)
{
	for (int s = 0; s < TU_NSYM; s++) {
		bool bare = brute_bare(j, TU_SYMS[s], seq);
		if (bare == bp[s].in_gap)
			continue;
		int64_t t = ts_us > bp[s].last_us ? ts_us : bp[s].last_us;
		bp[s].last_us = t;
		bp[s].in_gap = bare;
		if (bare) {
			memset(&bp[s].cur, 0, sizeof bp[s].cur);
			snprintf(bp[s].cur.symbol, sizeof bp[s].cur.symbol, "%s", TU_SYMS[s]);
			bp[s].cur.start_us = t;
			bp[s].cur.start_seq = seq;
		} else {
			bp[s].cur.end_us = t;
			bp[s].cur.end_seq = seq;
			struct audit_gap *g = rk_array_push(out);
			assert_non_null(g);
			*g = bp[s].cur;
		}
	}
}

static int gap_order(const void *a, const void *b)
{
	const struct audit_gap *x = a, *y = b;
	int c = strcmp(x->symbol, y->symbol);
	return c ? c : (x->start_seq > y->start_seq) - (x->start_seq < y->start_seq);
}

static void test_gaps_equal_a_brute_force_over_the_tables_on_random_streams(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	/* Fewer streams under valgrind (tools/valgrind-tests.sh). */
	uint64_t seeds = tu_small_scale() ? 8 : 60;
	for (uint64_t seed = 1; seed <= seeds; seed++) {
		/* A fresh journal per stream. */
		journal_close(j);
		struct fixture *fx = *state;
		tu_remove_db(fx->path);
		fx->j = j = tu_open_temp_journal(fx->path, sizeof fx->path);
		/* Thousands of one-event transactions: durability is not under test. */
		sqlite3_exec(journal_db(j), "PRAGMA synchronous = OFF", 0, 0, 0);
		struct tu_gen g = {j, seed, 0, 0, 0, 0};
		struct brute_pos bp[TU_NSYM] = {0};
		gap_list want = {0};
		int64_t seen = 0;
		for (int step = 0; step < 200; step++) {
			tu_gen_step(&g);
			int64_t last = tu_query_int(j, "SELECT COALESCE(max(seq), 0) FROM events");
			if (last == seen)
				continue; /* refused: nothing appended */
			assert_int_equal(last, seen + 1);
			seen = last;
			char ts[64], sql[96];
			snprintf(sql, sizeof sql, "SELECT ts FROM events WHERE seq = %lld",
				 (long long)last);
			tu_query_text(j, sql, ts, sizeof ts);
			brute_step(j, last, tu_us(ts), bp, &want);
		}
		for (int s = 0; s < TU_NSYM; s++)
			if (bp[s].in_gap) {
				struct audit_gap *x = rk_array_push(&want);
				assert_non_null(x);
				*x = bp[s].cur;
			}
		size_t n;
		struct audit_gap *got = gaps(j, NULL, &n);
		if (n != want.n)
			fail_msg("seed %llu: %zu gaps, brute force %zu", (unsigned long long)seed, n,
				 want.n);
		if (getenv("GAPS_DEBUG"))
			fprintf(stderr, "seed %llu: %lld events, %zu gaps\n", (unsigned long long)seed,
				(long long)seen, n);
		if (n) {
			qsort(got, n, sizeof *got, gap_order);
			qsort(want.v, n, sizeof *want.v, gap_order);
		}
		for (size_t i = 0; i < n; i++) {
			if (strcmp(got[i].symbol, want.v[i].symbol) || got[i].start_seq != want.v[i].start_seq ||
			    got[i].end_seq != want.v[i].end_seq || got[i].start_us != want.v[i].start_us ||
			    got[i].end_us != want.v[i].end_us)
				fail_msg("seed %llu gap %zu: %s %lld..%lld, brute force %s %lld..%lld",
					 (unsigned long long)seed, i, got[i].symbol,
					 (long long)got[i].start_seq, (long long)got[i].end_seq,
					 want.v[i].symbol, (long long)want.v[i].start_seq,
					 (long long)want.v[i].end_seq);
			assert_true(got[i].start_cause[0] != '\0');
			assert_true(got[i].end_seq == 0 || got[i].end_cause[0] != '\0');
		}
		/* One symbol's selection is the same intervals of that symbol. */
		struct audit_gap_filter f = {TU_SYMS[0], 0, 0};
		size_t ns, k = 0;
		struct audit_gap *one = gaps(j, &f, &ns);
		for (size_t i = 0; i < n; i++)
			if (strcmp(got[i].symbol, TU_SYMS[0]) == 0)
				k++;
		assert_int_equal(ns, k);
		free(one);
		/* Windows anywhere in the stream, with and without a symbol: the
		 * projection's seeks clip as the replay does (gaps() compares). */
		int64_t t0 = tu_us("2025-01-01T00:00:00Z");
		for (int w = 0; w < 6; w++) {
			/* The stream spans about 10,000 s. */
			int64_t a = t0 + (int64_t)((seed * 7919 + (uint64_t)w * 1237) % 9000) * 1000000;
			int64_t len = (int64_t)((seed * 31 + (uint64_t)w * 577) % 3000 + 1) * 1000000;
			int64_t from = w % 3 == 2 ? 0 : a, to = w % 3 == 1 ? 0 : a + len;
			struct audit_gap_filter wf = {w < 3 ? NULL : TU_SYMS[1], from, to};
			free(gaps(j, &wf, &ns));
		}
		/* A rebuild from the events gives the same rows. */
		struct rk_err err = {0};
		assert_int_equal(journal_begin(j, &err), RK_OK);
		assert_int_equal(events_rebuild(j, &err), RK_OK);
		assert_int_equal(journal_commit(j, &err), RK_OK);
		size_t nb;
		struct audit_gap *rebuilt = gaps(j, NULL, &nb);
		if (nb)
			qsort(rebuilt, nb, sizeof *rebuilt, gap_order);
		assert_same_gaps(rebuilt, nb, got, n, "after events_rebuild");
		free(rebuilt);
		free(got);
		free(want.v);
	}
}

/* Every statement that answers a selection seeks through an index: no plan
 * line scans the events, orders or gaps, or sorts them. The projection's
 * window is two seeks per position on protection_gaps_start (symbol, venue,
 * account, start_us): the last gap before `from` read backwards, LIMIT 1,
 * and those starting in [from, to) — a day in the middle of the history
 * reads none of the later gaps. */
static void test_selections_seek_through_indexes_instead_of_scanning(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	const char *const sqls[] = {AUDIT_SQL_GAPS_SYMBOL,      AUDIT_SQL_STATE_SYMBOL,
				    AUDIT_SQL_TIMELINE_SYMBOL,  AUDIT_SQL_TIMELINE_ORDER,
				    AUDIT_SQL_EXPORT_RECORDED,  AUDIT_SQL_EXPORT_SLICE,
				    AUDIT_SQL_GAPS_PROJ_SYMBOL, AUDIT_SQL_GAPS_PROJ_BEFORE,
				    AUDIT_SQL_GAPS_PROJ_WINDOW, AUDIT_SQL_STATE_SYMBOL_COUNT,
				    AUDIT_SQL_STATE_SYMBOL_NEXT};
	for (size_t i = 0; i < sizeof sqls / sizeof sqls[0]; i++) {
		char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", sqls[i]);
		sqlite3_stmt *plan = NULL;
		bool searched = false;
		int rc;
		assert_int_equal(sqlite3_prepare_v2(journal_db(j), eqp, -1, &plan, NULL), SQLITE_OK);
		while ((rc = sqlite3_step(plan)) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(plan, 3);
			if (strncmp(d, "SCAN ", 5) == 0)
				fail_msg("%s\nscans: %s", sqls[i], d);
			if (i >= 6 && strstr(d, "TEMP B-TREE")) /* the projection's */
				fail_msg("%s\nsorts: %s", sqls[i], d);
			searched = searched || strstr(d, "SEARCH events USING INDEX events_symbol") ||
				   strstr(d, "SEARCH events USING COVERING INDEX events_symbol") ||
				   strstr(d, "USING INTEGER PRIMARY KEY") ||
				   strstr(d, "SEARCH orders USING INDEX sqlite_autoindex_orders_1") ||
				   strstr(d, "SEARCH protection_gaps USING INDEX protection_gaps_start");
		}
		assert_int_equal(rc, SQLITE_DONE);
		if (!searched)
			fail_msg("%s\nseeks through no index", sqls[i]);
		sqlite3_finalize(plan);
		sqlite3_free(eqp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_position_is_unprotected_from_its_fill_to_its_stop_acknowledged),
		T(test_stop_smaller_than_the_position_does_not_protect_it),
		T(test_cancelled_then_triggered_stop_each_open_a_gap),
		T(test_fully_triggered_stop_closes_the_position_and_the_gap_stays_shut),
		T(test_dust_finding_ends_a_gap_until_a_later_run_stops_saying_so),
		T(test_a_stop_retyped_to_a_plain_order_opens_a_gap),
		T(test_late_report_never_runs_an_interval_backwards),
		T(test_selection_clips_to_the_window_and_filters_the_symbol),
		T(test_failed_read_aborts_instead_of_reading_as_no_gaps),
		T(test_verify_fails_on_a_tampered_protection_gap),
		T(test_gaps_equal_a_brute_force_over_the_tables_on_random_streams),
		T(test_selections_seek_through_indexes_instead_of_scanning),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
