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

enum rk_rc sqlx_col_dec(sqlite3_stmt *st, int i, struct dec *out, struct rk_err *err)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	if (!s || dec_parse_cstr(s, out) != DEC_OK)
		return rk_err_set(err, RK_ECORRUPT, "column %s holds '%s', not a decimal",
				  sqlite3_column_name(st, i), s ? s : "NULL");
	return RK_OK;
}

enum rk_rc sqlx_col_opt_dec(sqlite3_stmt *st, int i, bool *has, struct dec *out,
			    struct rk_err *err)
{
	*has = sqlite3_column_type(st, i) != SQLITE_NULL;
	*out = dec_zero();
	return *has ? sqlx_col_dec(st, i, out, err) : RK_OK;
}

enum rk_rc sqlx_step_done(struct journal *j, sqlite3_stmt *st, const char *what,
			  struct rk_err *err)
{
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? RK_OK : journal_sql_error(j, err, what);
}

enum rk_rc sqlx_db_step_row(sqlite3 *db, sqlite3_stmt *st, bool *row, const char *what,
			    struct rk_err *err)
{
	int rc = sqlite3_step(st);
	*row = rc == SQLITE_ROW;
	if (rc == SQLITE_ROW)
		return RK_OK;
	/* The error is read before the reset, which would report it again. */
	enum rk_rc out = rc == SQLITE_DONE
				 ? RK_OK
				 : rk_err_set(err, RK_EDB, "%s: %s", what, sqlite3_errmsg(db));
	sqlite3_reset(st);
	return out;
}

enum rk_rc sqlx_step_row(struct journal *j, sqlite3_stmt *st, bool *row, const char *what,
			 struct rk_err *err)
{
	/* journal_sql_error's message is the connection's, as here. */
	return sqlx_db_step_row(journal_db(j), st, row, what, err);
}

enum rk_rc sqlx_read_begin(struct journal *j, bool *began, struct rk_err *err)
{
	*began = false;
	if (!sqlite3_get_autocommit(journal_db(j)))
		return RK_OK;
	enum rk_rc rc = sqlx_exec(j, "BEGIN DEFERRED;", err);
	*began = rc == RK_OK;
	return rc;
}

void sqlx_read_end(struct journal *j, bool began)
{
	if (began)
		sqlite3_exec(journal_db(j), "ROLLBACK;", NULL, NULL, NULL);
}

enum rk_rc sqlx_exec(struct journal *j, const char *sql, struct rk_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(journal_db(j), sql, NULL, NULL, &msg) == SQLITE_OK)
		return RK_OK;
	enum rk_rc rc = rk_err_set(err, RK_EDB, "%s", msg ? msg : "unknown SQLite error");
	sqlite3_free(msg);
	return rc;
}
