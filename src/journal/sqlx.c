/* sqlx.c — SQLite helpers for reckon's types (see sqlx.h). */
#include "sqlx.h"

void sqlx_bind_dec(sqlite3_stmt *st, int i, struct dec v)
{
	char buf[DEC_STR_MAX];
	sqlite3_bind_text(st, i, dec_format(v, buf), -1, SQLITE_TRANSIENT);
}

void sqlx_bind_opt_dec(sqlite3_stmt *st, int i, bool has, struct dec v)
{
	if (has)
		sqlx_bind_dec(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

void sqlx_bind_opt_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s && s[0])
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

enum rk_rc sqlx_col_dec(sqlite3_stmt *st, int i, bool *has, struct dec *out, struct rk_err *err)
{
	bool null = sqlite3_column_type(st, i) == SQLITE_NULL;
	*out = dec_zero();
	if (has)
		*has = !null;
	if (null && has)
		return RK_OK;
	const char *s = (const char *)sqlite3_column_text(st, i);
	if (!s || dec_parse_cstr(s, out) != DEC_OK)
		return rk_err_set(err, RK_ECORRUPT, "column %s holds '%.40s', not a decimal",
				  sqlite3_column_name(st, i), s ? s : "NULL");
	return RK_OK;
}

const char *sqlx_col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

enum rk_rc sqlx_error(sqlite3 *db, struct rk_err *err, const char *what)
{
	return rk_err_set(err, RK_EDB, "%s: %s", what, sqlite3_errmsg(db));
}

enum rk_rc sqlx_step_row(sqlite3_stmt *st, bool *row, const char *what, struct rk_err *err)
{
	int rc = sqlite3_step(st);
	*row = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW)
		return RK_OK;
	/* The error is read before the reset, which would report it again. */
	enum rk_rc out = rc == SQLITE_DONE ? RK_OK : sqlx_error(sqlite3_db_handle(st), err, what);
	sqlite3_reset(st);
	return out;
}

enum rk_rc sqlx_step_done(sqlite3_stmt *st, const char *what, struct rk_err *err)
{
	int rc = sqlite3_step(st);
	enum rk_rc out = rc == SQLITE_DONE ? RK_OK : sqlx_error(sqlite3_db_handle(st), err, what);
	sqlite3_reset(st);
	return out;
}

enum rk_rc sqlx_exec(sqlite3 *db, const char *sql, struct rk_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return RK_OK;
	enum rk_rc rc = rk_err_set(err, RK_EDB, "%s", msg ? msg : sqlite3_errmsg(db));
	sqlite3_free(msg);
	return rc;
}

enum rk_rc sqlx_read_begin(sqlite3 *db, bool *began, struct rk_err *err)
{
	*began = false;
	if (!sqlite3_get_autocommit(db))
		return RK_OK;
	enum rk_rc rc = sqlx_exec(db, "BEGIN DEFERRED;", err);
	*began = rc == RK_OK;
	return rc;
}

void sqlx_read_end(sqlite3 *db, bool began)
{
	if (began)
		sqlx_rollback(db);
}

void sqlx_rollback(sqlite3 *db)
{
	sqlite3_exec(db, "ROLLBACK;", NULL, NULL, NULL);
}
