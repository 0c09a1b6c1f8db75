/*
 * test_txn.c — journal_tx (src/journal/txn.h), the one way the executor
 * writes a transaction: its writes are committed when the callback says OK,
 * rolled back (keeping the callback's error) when it fails, a failed COMMIT
 * leaves nothing open, and misuse — nesting, no callback, a callback that
 * ends the transaction itself — is refused.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "testutil.h"
#include "txn.h"

struct fx {
	char db[128];
	struct journal *j;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	if (!f)
		return -1;
	f->j = tu_open_temp_journal(f->db, sizeof f->db);
	if (sqlite3_exec(journal_db(f->j), "CREATE TEMP TABLE t(x INTEGER)", NULL, NULL, NULL))
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	journal_close(f->j);
	tu_remove_db(f->db);
	free(f);
	return 0;
}

static long long rows(struct fx *f) { return tu_query_int(f->j, "SELECT count(*) FROM temp.t"); }

/* What a callback does: inserts `n` rows, then returns `rc` (with a message
 * when it fails), or runs `sql` first when given. */
struct writes {
	int n;
	enum rk_rc rc;
	const char *sql;
	int calls;
	bool in_tx; /* was it called inside a transaction? */
};

static enum rk_rc write_rows(struct journal *j, void *ctx, struct rk_err *err)
{
	struct writes *w = ctx;
	w->calls++;
	w->in_tx = journal_in_tx(j);
	for (int k = 0; k < w->n; k++)
		if (sqlite3_exec(journal_db(j), "INSERT INTO temp.t VALUES (1)", NULL, NULL, NULL))
			return rk_err_set(err, RK_EDB, "insert failed");
	if (w->sql && sqlite3_exec(journal_db(j), w->sql, NULL, NULL, NULL))
		return rk_err_set(err, RK_EDB, "%s failed", w->sql);
	if (w->rc)
		return rk_err_set(err, w->rc, "the callback's own reason");
	return RK_OK;
}

static void test_writes_are_committed_when_the_callback_succeeds(void **state)
{
	struct fx *f = *state;
	struct writes w = {.n = 3};
	struct rk_err err = {0};
	assert_int_equal(journal_tx(f->j, write_rows, &w, &err), RK_OK);
	assert_int_equal(w.calls, 1);
	assert_true(w.in_tx);
	assert_false(journal_in_tx(f->j));
	assert_int_equal(rows(f), 3);
}

static void test_writes_are_rolled_back_and_the_callback_error_kept(void **state)
{
	struct fx *f = *state;
	struct writes w = {.n = 2, .rc = RK_ECONFLICT};
	struct rk_err err = {0};
	assert_int_equal(journal_tx(f->j, write_rows, &w, &err), RK_ECONFLICT);
	assert_int_equal(err.rc, RK_ECONFLICT);
	assert_string_equal(err.msg, "the callback's own reason");
	assert_false(journal_in_tx(f->j));
	assert_int_equal(rows(f), 0);
	/* The connection is usable again at once. */
	w = (struct writes){.n = 1};
	assert_int_equal(journal_tx(f->j, write_rows, &w, &err), RK_OK);
	assert_int_equal(rows(f), 1);
}

static int refuse_commit(void *ctx)
{
	(void)ctx;
	return 1;
}

static void test_a_failed_commit_keeps_nothing_and_leaves_nothing_open(void **state)
{
	struct fx *f = *state;
	struct writes w = {.n = 2};
	struct rk_err err = {0};
	sqlite3_commit_hook(journal_db(f->j), refuse_commit, NULL);
	assert_int_not_equal(journal_tx(f->j, write_rows, &w, &err), RK_OK);
	sqlite3_commit_hook(journal_db(f->j), NULL, NULL);
	assert_true(err.msg[0] != '\0');
	assert_false(journal_in_tx(f->j));
	assert_int_equal(rows(f), 0);
}

static void test_nesting_is_refused_and_the_outer_transaction_untouched(void **state)
{
	struct fx *f = *state;
	struct writes outer = {.n = 1}, inner = {.n = 5};
	struct rk_err err = {0};
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	assert_int_equal(write_rows(f->j, &outer, &err), RK_OK);
	assert_int_equal(journal_tx(f->j, write_rows, &inner, &err), RK_EINVAL);
	assert_int_equal(inner.calls, 0);
	assert_non_null(strstr(err.msg, "already inside a transaction"));
	assert_true(journal_in_tx(f->j));
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	assert_int_equal(rows(f), 1);
}

static void test_no_callback_is_refused(void **state)
{
	struct fx *f = *state;
	struct rk_err err = {0};
	assert_int_equal(journal_tx(f->j, NULL, NULL, &err), RK_EINVAL);
	assert_false(journal_in_tx(f->j));
}

static void test_a_callback_that_ends_the_transaction_itself_fails(void **state)
{
	struct fx *f = *state;
	struct rk_err err = {0};
	struct writes commits = {.n = 1, .sql = "COMMIT"}, rolls_back = {.n = 1, .sql = "ROLLBACK"};
	assert_int_equal(journal_tx(f->j, write_rows, &commits, &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "ended inside its own writes"));
	assert_false(journal_in_tx(f->j));
	assert_int_equal(journal_tx(f->j, write_rows, &rolls_back, &err), RK_EINVAL);
	assert_false(journal_in_tx(f->j));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		TEST(test_writes_are_committed_when_the_callback_succeeds),
		TEST(test_writes_are_rolled_back_and_the_callback_error_kept),
		TEST(test_a_failed_commit_keeps_nothing_and_leaves_nothing_open),
		TEST(test_nesting_is_refused_and_the_outer_transaction_untouched),
		TEST(test_no_callback_is_refused),
		TEST(test_a_callback_that_ends_the_transaction_itself_fails),
#undef TEST
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
