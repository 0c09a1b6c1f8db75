/*
 * test_audit_state.c — the journal as it knew things at a moment
 * (src/journal/audit_state.c): over random event streams, the tables
 * replayed up to the moment each event was journaled equal the materialized
 * tables as they stood right then (the journal's end included: they equal
 * the tables), one symbol's replay equals the whole replay's rows of that
 * symbol, and the journal itself is never written. The state read from the
 * state history (src/journal/state_history.c, the default) equals the
 * replay's at every moment (each event's recorded_at, just before it and
 * between two), with and without a symbol, in the rows of the six tables
 * and in the protection and open_orders queries' answers, also after
 * events_rebuild; a tampered history row fails audit verify, naming it;
 * each table's versions are read through index seeks.
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

#include "audit_state.h"
#include "events.h"
#include "journal.h"
#include "query.h"
#include "state_history.h"
#include "rk_array.h"
#include "rk_buf.h"
#include "rk_clock.h"
#include "testutil.h"
#include "tu_events.h"

struct fixture {
	char path[128];
	struct journal *j;
	int64_t now; /* the journal's clock: recorded_at */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	assert_non_null(fx);
	fx->j = tu_open_temp_journal(fx->path, sizeof fx->path);
	sqlite3_exec(journal_db(fx->j), "PRAGMA synchronous = OFF", 0, 0, 0);
	fx->now = tu_us("2025-06-01T00:00:00Z");
	journal_set_clock(fx->j, rk_clock_manual(&fx->now));
	*state = fx;
	return 0;
}

/* A new empty journal in place of fx->j, on fx's clock. */
static void fresh_journal(struct fixture *fx)
{
	journal_close(fx->j);
	tu_remove_db(fx->path);
	fx->j = tu_open_temp_journal(fx->path, sizeof fx->path);
	sqlite3_exec(journal_db(fx->j), "PRAGMA synchronous = OFF", 0, 0, 0);
	journal_set_clock(fx->j, rk_clock_manual(&fx->now));
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	journal_close(fx->j);
	tu_remove_db(fx->path);
	free(fx);
	return 0;
}

typedef RK_ARRAY(char *) line_list;

static int line_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every row of `tables` (of `symbol` when not NULL; orders: the open ones
 * when open_only), as sorted text lines joined: what two databases must
 * agree on. */
static char *dump_tables(struct journal *j, const char *const *tables, const char *symbol,
			 bool open_only)
{
	struct rk_buf out = {0};
	for (size_t t = 0; tables[t]; t++) {
		char sql[256];
		sqlite3_stmt *st;
		line_list lines = {0};
		snprintf(sql, sizeof sql, "SELECT * FROM %s%s", tables[t],
			 open_only && strcmp(tables[t], "orders") == 0
				 ? " WHERE status IN ('open', 'partially_filled')"
				 : "");
		assert_int_equal(sqlite3_prepare_v2(journal_db(j), sql, -1, &st, NULL), SQLITE_OK);
		int ncol = sqlite3_column_count(st), sym = -1;
		for (int c = 0; c < ncol; c++)
			if (strcmp(sqlite3_column_name(st, c), "symbol") == 0)
				sym = c;
		if (symbol && sym < 0) { /* no symbol: runs, fee days */
			sqlite3_finalize(st);
			continue;
		}
		int rc;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (symbol && strcmp((const char *)sqlite3_column_text(st, sym), symbol) != 0)
				continue;
			struct rk_buf row = {0};
			rk_buf_addf(&row, "%s:", tables[t]);
			for (int c = 0; c < ncol; c++) {
				const char *v = (const char *)sqlite3_column_text(st, c);
				rk_buf_addf(&row, " %s", v ? v : "NULL");
			}
			char **p = rk_array_push(&lines);
			assert_non_null(p);
			*p = rk_buf_take(&row);
		}
		assert_int_equal(rc, SQLITE_DONE);
		sqlite3_finalize(st);
		if (lines.n)
			qsort(lines.v, lines.n, sizeof *lines.v, line_cmp);
		for (size_t i = 0; i < lines.n; i++) {
			rk_buf_addf(&out, "%s\n", lines.v[i]);
			free(lines.v[i]);
		}
		free(lines.v);
	}
	return rk_buf_take(&out);
}

/* Every row of the materialized tables (of `symbol` when not NULL). */
static char *dump(struct journal *j, const char *symbol)
{
	return dump_tables(j, EVENTS_TABLES, symbol, false);
}

/* audit_state_replay or audit_state_at; fails the test on an error. */
typedef enum rk_rc state_fn(struct journal *j, int64_t at_us, const char *symbol,
			    struct journal **out, struct audit_state_info *info, struct rk_err *err);

static struct journal *state_with(state_fn *fn, struct journal *j, int64_t at,
				  const char *symbol, struct audit_state_info *info)
{
	struct journal *s = NULL;
	struct rk_err err = {0};
	if (fn(j, at, symbol, &s, info, &err))
		fail_msg("audit state at %lld: %s", (long long)at, err.msg);
	return s;
}

/* The reference: the replay. */
static struct journal *state_at(struct journal *j, int64_t at, const char *symbol,
				struct audit_state_info *info)
{
	return state_with(audit_state_replay, j, at, symbol, info);
}

static void assert_same(const char *what, const char *want, const char *got)
{
	if (strcmp(want, got) == 0)
		return;
	const char *a = want, *b = got;
	while (*a && *a == *b)
		a++, b++;
	fail_msg("%s differs near:\n  tables: %.200s\n  replay: %.200s", what, a, b);
}

/* Snapshots taken while the stream is written, checked at its end. */
struct snap {
	int64_t at;
	char *tables;
};

static void test_state_at_every_moment_equals_the_tables_then_on_random_streams(void **state)
{
	struct fixture *fx = *state;
	/* One stream under valgrind (tools/valgrind-tests.sh), which looks
	 * for memory errors, not for rare streams. */
	uint64_t seeds = tu_small_scale() ? 1 : 12;
	for (uint64_t seed = 1; seed <= seeds; seed++) {
		fresh_journal(fx);
		struct tu_gen g = {fx->j, seed, 0, 0, 0, 0};
		RK_ARRAY(struct snap) snaps = {0};
		for (int step = 0; step < 150; step++) {
			fx->now += 1000000;
			tu_gen_step(&g);
			if (step % 25 == 24) {
				struct snap *s = rk_array_push(&snaps);
				assert_non_null(s);
				s->at = fx->now;
				s->tables = dump(fx->j, NULL);
			}
		}
		char *before = tu_dump_tables(fx->j);
		for (size_t i = 0; i < snaps.n; i++) {
			struct audit_state_info info;
			struct journal *s = state_at(fx->j, snaps.v[i].at, NULL, &info);
			char *got = dump(s, NULL);
			assert_same("state at a moment", snaps.v[i].tables, got);
			free(got);
			journal_close(s);
			free(snaps.v[i].tables);
		}
		free(snaps.v);
		/* The journal's end: the tables themselves. */
		struct audit_state_info info;
		struct journal *s = state_at(fx->j, fx->now, NULL, &info);
		char *want = dump(fx->j, NULL), *got = dump(s, NULL);
		assert_same("state at the end", want, got);
		assert_int_equal(info.events, tu_query_int(fx->j, "SELECT count(*) FROM events"));
		assert_int_equal(info.next_seq, 0);
		free(want);
		free(got);
		/* One symbol's replay: that symbol's rows of the whole one. */
		for (int k = 0; k < TU_NSYM; k++) {
			struct journal *one = state_at(fx->j, fx->now, TU_SYMS[k], &info);
			want = dump(s, TU_SYMS[k]);
			got = dump(one, TU_SYMS[k]);
			assert_same("one symbol's state", want, got);
			free(want);
			free(got);
			journal_close(one);
		}
		journal_close(s);
		/* Nothing was written to the journal. */
		char *after = tu_dump_tables(fx->j);
		assert_string_equal(before, after);
		free(before);
		free(after);
	}
}

static void test_state_before_the_first_event_is_empty_and_names_the_next(void **state)
{
	struct fixture *fx = *state;
	tu_fill(fx->j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "buy", "1");
	struct audit_state_info info;
	struct journal *s = state_at(fx->j, fx->now - 1, NULL, &info);
	assert_int_equal(info.events, 0);
	assert_int_equal(info.last_seq, 0);
	assert_int_equal(info.next_seq, 1);
	assert_int_equal(tu_query_int(s, "SELECT count(*) FROM positions"), 0);
	journal_close(s);
	s = state_at(fx->j, fx->now, NULL, &info); /* recorded exactly then: included */
	assert_int_equal(info.events, 1);
	assert_int_equal(tu_query_int(s, "SELECT count(*) FROM positions"), 1);
	journal_close(s);
}

static void test_event_that_does_not_replay_is_an_error_naming_it(void **state)
{
	struct fixture *fx = *state;
	tu_fill(fx->j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "buy", "1");
	sqlite3_exec(journal_db(fx->j), "DROP TRIGGER events_no_update;"
					"UPDATE events SET type = 'from_the_future' WHERE seq = 1",
		     NULL, NULL, NULL);
	struct journal *s = (struct journal *)1;
	struct audit_state_info info;
	struct rk_err err = {0};
	assert_int_equal(audit_state_replay(fx->j, fx->now, NULL, &s, &info, &err), RK_EVERSION);
	assert_non_null(strstr(err.msg, "replaying event 1"));
	assert_null(s);
}


/* ---- the state history: equal to the replay --------------------------------- */

/* A query's answer as text lines (rows of `symbol` only, when not NULL). */
struct answer {
	struct rk_buf out;
	int symbol_col;
	const char *symbol;
	size_t ncols;
};

static enum rk_rc answer_columns(void *ctx, size_t ncols, const char *const *names,
				 struct rk_err *err)
{
	struct answer *a = ctx;
	(void)err;
	a->symbol_col = -1;
	a->ncols = ncols;
	for (size_t c = 0; c < ncols; c++) {
		if (strcmp(names[c], "symbol") == 0)
			a->symbol_col = (int)c;
		rk_buf_addf(&a->out, "%s%s", c ? "|" : "", names[c]);
	}
	rk_buf_addf(&a->out, "\n");
	return RK_OK;
}

static enum rk_rc answer_row(void *ctx, const struct rk_cell *cells, struct rk_err *err)
{
	struct answer *a = ctx;
	(void)err;
	if (a->symbol && a->symbol_col >= 0 && strcmp(cells[a->symbol_col].text, a->symbol) != 0)
		return RK_OK;
	for (size_t c = 0; c < a->ncols; c++)
		rk_buf_addf(&a->out, "%s%s", c ? "|" : "", cells[c].text ? cells[c].text : "NULL");
	rk_buf_addf(&a->out, "\n");
	return RK_OK;
}

/* The protection and open_orders queries on `s`, as audit state runs them. */
static char *answers(struct journal *s, const char *symbol)
{
	struct rk_buf all = {0};
	static const char *const QUERIES[] = {"protection", "open_orders"};
	for (size_t i = 0; i < 2; i++) {
		struct query_def q;
		struct rk_err err = {0};
		struct answer a = {{0}, -1, symbol, 0};
		struct query_arg arg = {"symbol", symbol};
		if (query_find(QUERIES[i], &q, &err))
			fail_msg("%s", err.msg);
		struct rk_row_sink sink = {answer_columns, answer_row, &a};
		bool by_symbol = symbol && query_has_param(&q, "symbol");
		if (query_run(s, &q, by_symbol ? &arg : NULL, by_symbol ? 1 : 0, &sink, NULL, &err))
			fail_msg("query %s: %s", QUERIES[i], err.msg);
		rk_buf_addf(&all, "%s:\n%s", QUERIES[i], a.out.p ? a.out.p : "");
		free(a.out.p);
	}
	return rk_buf_take(&all);
}

static struct journal *state_fast(struct journal *j, int64_t at, const char *symbol,
				  struct audit_state_info *info)
{
	return state_with(audit_state_at, j, at, symbol, info);
}

/* The state from the history equals the replay's at `at`: the six tables'
 * rows (of the symbol), the two queries' answers and what info counts. */
static void assert_fast_equals_replay(struct journal *j, int64_t at, const char *symbol)
{
	struct audit_state_info fi, ri;
	struct journal *f = state_fast(j, at, symbol, &fi), *r = state_at(j, at, symbol, &ri);
	char *want = dump_tables(r, STATE_HISTORY_TABLES, symbol, true);
	char *got = dump_tables(f, STATE_HISTORY_TABLES, symbol, true);
	char what[96];
	snprintf(what, sizeof what, "history vs replay at %lld (%s)", (long long)at,
		 symbol ? symbol : "all");
	assert_same(what, want, got);
	free(want);
	free(got);
	want = answers(r, symbol);
	got = answers(f, symbol);
	assert_same(what, want, got);
	free(want);
	free(got);
	assert_int_equal(fi.events, ri.events);
	assert_int_equal(fi.last_seq, ri.last_seq);
	assert_int_equal(fi.next_seq, ri.next_seq);
	journal_close(f);
	journal_close(r);
}

/* The moments to look at: before the first event, each event's recorded_at
 * (several events share one), just before it, and between two; under
 * valgrind (RECKON_TEST_SCALE=small) one recorded_at in four and the last,
 * with the same kinds of moment. */
static void assert_equal_at_every_moment(struct journal *j, int every_symbol)
{
	const size_t stride = tu_small_scale() ? 4 : 1;
	sqlite3_stmt *st;
	int n = 0;
	assert_int_equal(sqlite3_prepare_v2(journal_db(j),
					    "SELECT DISTINCT recorded_at FROM events ORDER BY 1",
					    -1, &st, NULL),
			 SQLITE_OK);
	RK_ARRAY(int64_t) moments = {0};
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t at = tu_us((const char *)sqlite3_column_text(st, 0));
		int64_t *m = rk_array_push(&moments);
		assert_non_null(m);
		*m = at;
	}
	sqlite3_finalize(st);
	assert_true(moments.n > 0);
	assert_fast_equals_replay(j, moments.v[0] - 1000000, NULL);
	for (size_t i = 0; i < moments.n; i++) {
		int64_t at = moments.v[i];
		if (i % stride != 0 && i + 1 != moments.n)
			continue;
		n++;
		assert_fast_equals_replay(j, at, NULL);
		if (i / stride % 3 == 0)
			assert_fast_equals_replay(j, at - 1, NULL);
		if (i / stride % 3 == 1)
			assert_fast_equals_replay(j, at + 500000, NULL);
		if (n % every_symbol == 1)
			for (int k = 0; k < TU_NSYM; k++)
				assert_fast_equals_replay(j, at, TU_SYMS[k]);
	}
	free(moments.v);
}

static void test_state_from_the_history_equals_the_replay_at_every_moment(void **state)
{
	struct fixture *fx = *state;
	uint64_t seeds = tu_small_scale() ? 1 : 5;
	for (uint64_t seed = 101; seed < 101 + seeds; seed++) {
		fresh_journal(fx);
		struct tu_gen g = {fx->j, seed, 0, 0, 0, 0};
		for (int step = 0; step < 120; step++) {
			/* Now and then several events at one moment. */
			if (step % 7 != 3)
				fx->now += 1000000;
			tu_gen_step(&g);
		}
		assert_equal_at_every_moment(fx->j, 5);
		/* The journal's end: the tables themselves. */
		struct audit_state_info info;
		struct journal *s = state_fast(fx->j, fx->now, NULL, &info);
		char *want = dump_tables(fx->j, STATE_HISTORY_TABLES, NULL, true);
		char *got = dump_tables(s, STATE_HISTORY_TABLES, NULL, true);
		assert_same("history at the end vs the tables", want, got);
		free(want);
		free(got);
		journal_close(s);
	}
}

/* events_rebuild (a migration's replay) writes the same history, so the
 * state read from it is the replay's still. */
static void test_state_history_after_events_rebuild_is_the_same(void **state)
{
	struct fixture *fx = *state;
	struct tu_gen g = {fx->j, 7, 0, 0, 0, 0};
	for (int step = 0; step < 100; step++) {
		fx->now += 1000000;
		tu_gen_step(&g);
	}
	char *before = dump_tables(fx->j, STATE_HISTORY_OF, NULL, false);
	assert_true(tu_query_int(fx->j, "SELECT count(*) FROM positions_history") > 0);
	assert_true(tu_query_int(fx->j, "SELECT count(*) FROM orders_history") > 0);
	struct rk_err err = {0};
	assert_int_equal(journal_begin(fx->j, &err), RK_OK);
	if (events_rebuild(fx->j, &err))
		fail_msg("events_rebuild: %s", err.msg);
	assert_int_equal(journal_commit(fx->j, &err), RK_OK);
	char *after = dump_tables(fx->j, STATE_HISTORY_OF, NULL, false);
	assert_same("history after events_rebuild", before, after);
	free(before);
	free(after);
	assert_equal_at_every_moment(fx->j, 10);
}

/* audit verify replays the events and compares every projection, the
 * history included: a row version changed, deleted or added by hand (to
 * make an order look open at some moment, say) fails it, naming the table. */
static void test_verify_fails_on_a_tampered_history_row(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	tu_order(j, "2025-01-01T00:00:00Z", "BTC-USD", "s1", "sell", "stop_market", "open", "1");
	tu_fill(j, "2025-01-01T00:01:00Z", "BTC-USD", "f1", "e1", "buy", "1");
	tu_order(j, "2025-01-01T00:02:00Z", "BTC-USD", "s1", "sell", "stop_market", "cancelled",
		 "1");
	int64_t run = tu_run_start(j, "2025-01-01T00:03:00Z");
	tu_dust(j, "2025-01-01T00:03:01Z", run, "BTC-USD");
	tu_run_end(j, "2025-01-01T00:03:02Z", run);
	struct rk_err err = {0};
	assert_int_equal(events_verify(j, &err), RK_OK);
	static const char *const tamper[] = {
		"UPDATE orders_history SET to_seq = to_seq + 1 WHERE order_id = 's1'",
		"DELETE FROM orders_history WHERE order_id = 's1'",
		"UPDATE positions_history SET qty = '2' WHERE symbol = 'BTC-USD'",
		"INSERT INTO positions_history VALUES ('coinbase', 'default', 'ETH-USD', '1', '1',"
		" '2025-01-01T00:00:00.000000Z', 1, 1, NULL, NULL)",
		"UPDATE recon_runs_history SET complete = 0 WHERE to_seq IS NULL",
		"DELETE FROM findings_history WHERE kind = 'dust'",
	};
	for (size_t i = 0; i < sizeof tamper / sizeof tamper[0]; i++) {
		assert_int_equal(journal_begin(j, &err), RK_OK);
		assert_int_equal(sqlite3_exec(journal_db(j), tamper[i], NULL, NULL, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_changes(journal_db(j)), 1);
		assert_int_equal(events_verify(j, &err), RK_ECORRUPT);
		if (!strstr(err.msg, "_history"))
			fail_msg("%s: %s", tamper[i], err.msg);
		journal_rollback(j);
	}
	assert_int_equal(events_verify(j, &err), RK_OK);
}

/* Each table's versions alive after S are read through its node index:
 * no statement scans a history table. */
static void test_state_history_is_read_through_index_seeks(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	for (size_t t = 0; STATE_HISTORY_OF[t]; t++) {
		char sql[2048], plan[2200];
		state_history_alive_sql(t, sql, sizeof sql);
		snprintf(plan, sizeof plan, "EXPLAIN QUERY PLAN %s", sql);
		sqlite3_stmt *st;
		assert_int_equal(sqlite3_prepare_v2(journal_db(j), plan, -1, &st, NULL), SQLITE_OK);
		int seeks = 0;
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(st, 3);
			if (strncmp(d, "SCAN ", 5) == 0 && strcmp(d, "SCAN lv") != 0 &&
			    strcmp(d, "SCAN CONSTANT ROW") != 0)
				fail_msg("%s: %s", STATE_HISTORY_OF[t], d);
			if (strstr(d, "_history_node"))
				seeks++;
		}
		sqlite3_finalize(st);
		assert_int_equal(seeks, 2);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_state_at_every_moment_equals_the_tables_then_on_random_streams),
		T(test_state_before_the_first_event_is_empty_and_names_the_next),
		T(test_event_that_does_not_replay_is_an_error_naming_it),
		T(test_state_from_the_history_equals_the_replay_at_every_moment),
		T(test_state_history_after_events_rebuild_is_the_same),
		T(test_verify_fails_on_a_tampered_history_row),
		T(test_state_history_is_read_through_index_seeks),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
