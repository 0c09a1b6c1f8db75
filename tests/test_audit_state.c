/*
 * test_audit_state.c — the journal as it knew things at a moment
 * (src/journal/audit_state.c): over random event streams, the tables
 * replayed up to the moment each event was journaled equal the materialized
 * tables as they stood right then (the journal's end included: they equal
 * the tables), one symbol's replay equals the whole replay's rows of that
 * symbol, and the journal itself is never written.
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

/* Every row of the materialized tables (of `symbol` when not NULL), as
 * sorted text lines joined: what two databases must agree on. */
static char *dump(struct journal *j, const char *symbol)
{
	struct rk_buf out = {0};
	for (size_t t = 0; EVENTS_TABLES[t]; t++) {
		char sql[256];
		sqlite3_stmt *st;
		line_list lines = {0};
		snprintf(sql, sizeof sql, "SELECT * FROM %s", EVENTS_TABLES[t]);
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
			rk_buf_addf(&row, "%s:", EVENTS_TABLES[t]);
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

static struct journal *state_at(struct journal *j, int64_t at, const char *symbol,
				struct audit_state_info *info)
{
	struct journal *s = NULL;
	struct rk_err err = {0};
	if (audit_state_at(j, at, symbol, &s, info, &err))
		fail_msg("audit_state_at: %s", err.msg);
	return s;
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
	/* Fewer streams under valgrind (tools/valgrind-tests.sh). */
	uint64_t seeds = getenv("RECKON_TEST_SCALE") ? 3 : 12;
	for (uint64_t seed = 1; seed <= seeds; seed++) {
		journal_close(fx->j);
		tu_remove_db(fx->path);
		fx->j = tu_open_temp_journal(fx->path, sizeof fx->path);
		sqlite3_exec(journal_db(fx->j), "PRAGMA synchronous = OFF", 0, 0, 0);
		journal_set_clock(fx->j, rk_clock_manual(&fx->now));
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
	assert_int_equal(audit_state_at(fx->j, fx->now, NULL, &s, &info, &err), RK_EVERSION);
	assert_non_null(strstr(err.msg, "replaying event 1"));
	assert_null(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_state_at_every_moment_equals_the_tables_then_on_random_streams),
		T(test_state_before_the_first_event_is_empty_and_names_the_next),
		T(test_event_that_does_not_replay_is_an_error_naming_it),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
