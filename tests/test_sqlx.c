/* test_sqlx.c — the bottom of the journal layer on a plain SQLite connection
 * (no journal): the one decimal-column reader, and steps that tell row,
 * done and error apart. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>

#include <string.h>

#include "sqlx.h"

static int setup(void **state)
{
	sqlite3 *db = NULL;
	assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db,
				      "CREATE TABLE t(name TEXT NOT NULL, amount TEXT);"
				      "INSERT INTO t VALUES ('a', '1.50'), ('b', NULL), ('c', 'abc');",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	*state = db;
	return 0;
}

static int teardown(void **state)
{
	sqlite3_close(*state);
	return 0;
}

/* Prepares `sql` on the fixture and steps to its first row. */
static sqlite3_stmt *first_row(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	return st;
}

static void test_decimal_column_reads_its_canonical_value(void **state)
{
	struct rk_err err = {0};
	struct dec d;
	bool has = false;
	char buf[DEC_STR_MAX];
	sqlite3_stmt *st = first_row(*state, "SELECT amount FROM t WHERE name = 'a'");
	assert_int_equal(sqlx_col_dec(st, 0, NULL, &d, &err), RK_OK);
	assert_string_equal(dec_format(d, buf), "1.5");
	assert_int_equal(sqlx_col_dec(st, 0, &has, &d, &err), RK_OK);
	assert_true(has);
	assert_string_equal(dec_format(d, buf), "1.5");
	sqlite3_finalize(st);
}

static void test_required_decimal_column_refuses_null(void **state)
{
	struct rk_err err = {0};
	struct dec d;
	sqlite3_stmt *st = first_row(*state, "SELECT amount FROM t WHERE name = 'b'");
	assert_int_equal(sqlx_col_dec(st, 0, NULL, &d, &err), RK_ECORRUPT);
	assert_string_equal(err.msg, "column amount holds 'NULL', not a decimal");
	sqlite3_finalize(st);
}

static void test_optional_decimal_column_reads_null_as_absent_zero(void **state)
{
	struct rk_err err = {0};
	struct dec d = {0};
	bool has = true;
	sqlite3_stmt *st = first_row(*state, "SELECT amount FROM t WHERE name = 'b'");
	assert_int_equal(sqlx_col_dec(st, 0, &has, &d, &err), RK_OK);
	assert_false(has);
	assert_true(dec_is_zero(d));
	sqlite3_finalize(st);
}

static void test_decimal_column_refuses_text_that_is_not_one_either_way(void **state)
{
	struct rk_err err = {0};
	struct dec d;
	bool has;
	sqlite3_stmt *st = first_row(*state, "SELECT amount FROM t WHERE name = 'c'");
	assert_int_equal(sqlx_col_dec(st, 0, NULL, &d, &err), RK_ECORRUPT);
	assert_string_equal(err.msg, "column amount holds 'abc', not a decimal");
	assert_int_equal(sqlx_col_dec(st, 0, &has, &d, &err), RK_ECORRUPT);
	sqlite3_finalize(st);
}

static void test_step_row_tells_rows_from_done(void **state)
{
	struct rk_err err = {0};
	sqlite3_stmt *st = NULL;
	bool row = false;
	int rows = 0;
	assert_int_equal(sqlite3_prepare_v2(*state, "SELECT name FROM t", -1, &st, NULL), SQLITE_OK);
	while (sqlx_step_row(st, &row, "reading t", &err) == RK_OK && row)
		rows++;
	assert_int_equal(rows, 3);
	assert_false(row);
	assert_int_equal(err.rc, RK_OK);
	sqlite3_finalize(st);
}

static void test_step_row_reports_an_error_never_done(void **state)
{
	struct rk_err err = {0};
	sqlite3_stmt *st = NULL;
	bool row = true;
	/* abs() of the smallest integer fails while stepping. */
	assert_int_equal(sqlite3_prepare_v2(*state, "SELECT abs(-9223372036854775807 - 1)", -1, &st,
					    NULL),
			 SQLITE_OK);
	assert_int_equal(sqlx_step_row(st, &row, "reading abs", &err), RK_EDB);
	assert_false(row);
	assert_string_equal(err.msg, "reading abs: integer overflow");
	sqlite3_finalize(st);
}

static void test_step_done_names_what_failed(void **state)
{
	struct rk_err err = {0};
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(*state, "INSERT INTO t(name) VALUES (?1)", -1, &st, NULL),
			 SQLITE_OK);
	assert_int_equal(sqlx_step_done(st, "writing t", &err), RK_EDB);
	assert_string_equal(err.msg, "writing t: NOT NULL constraint failed: t.name");
	sqlite3_bind_text(st, 1, "d", -1, SQLITE_STATIC);
	assert_int_equal(sqlx_step_done(st, "writing t", &err), RK_OK);
	assert_int_equal(sqlite3_changes(*state), 1);
	sqlite3_finalize(st);
}

static void test_exec_translates_the_error(void **state)
{
	struct rk_err err = {0};
	assert_int_equal(sqlx_exec(*state, "DELETE FROM nowhere;", &err), RK_EDB);
	assert_string_equal(err.msg, "no such table: nowhere");
}

static void test_read_transaction_reuses_the_callers(void **state)
{
	struct rk_err err = {0};
	bool began = false;
	sqlite3 *db = *state;
	assert_int_equal(sqlx_read_begin(db, &began, &err), RK_OK);
	assert_true(began);
	assert_false(sqlite3_get_autocommit(db));
	sqlx_read_end(db, began);
	assert_true(sqlite3_get_autocommit(db));
	assert_int_equal(sqlx_exec(db, "BEGIN;", &err), RK_OK);
	assert_int_equal(sqlx_read_begin(db, &began, &err), RK_OK);
	assert_false(began);
	sqlx_read_end(db, began);
	assert_false(sqlite3_get_autocommit(db)); /* the caller's is still open */
	assert_int_equal(sqlx_exec(db, "ROLLBACK;", &err), RK_OK);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_decimal_column_reads_its_canonical_value),
		T(test_required_decimal_column_refuses_null),
		T(test_optional_decimal_column_reads_null_as_absent_zero),
		T(test_decimal_column_refuses_text_that_is_not_one_either_way),
		T(test_step_row_tells_rows_from_done),
		T(test_step_row_reports_an_error_never_done),
		T(test_step_done_names_what_failed),
		T(test_exec_translates_the_error),
		T(test_read_transaction_reuses_the_callers),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
