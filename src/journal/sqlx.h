/*
 * sqlx.h — small SQLite helpers for reckon's own types, shared by every
 * module that writes the materialized tables: binding and reading exact
 * decimals as canonical TEXT, optional values as NULL, and stepping or
 * executing with errors translated into reckon's (via journal_sql_error).
 */
#ifndef RECKON_SQLX_H
#define RECKON_SQLX_H

#include <stdbool.h>

#include <sqlite3.h>

#include "dec.h"
#include "err.h"
#include "journal.h"

/* Binds `v` as its canonical decimal text. */
void sqlx_bind_dec(sqlite3_stmt *st, int i, struct dec v);
/* Binds `v` when `has`, else NULL. */
void sqlx_bind_opt_dec(sqlite3_stmt *st, int i, bool has, struct dec v);
/* Binds `s` as text, or NULL when s is NULL or "". */
void sqlx_bind_opt_text(sqlite3_stmt *st, int i, const char *s);

/* Reads a decimal column reckon wrote. NULL or anything that is not a
 * decimal is RK_ECORRUPT naming the column. */
enum rk_rc sqlx_col_dec(sqlite3_stmt *st, int i, struct dec *out /* OUT */, struct rk_err *err);
/* Reads an optional decimal column: NULL gives *has false and zero. */
enum rk_rc sqlx_col_opt_dec(sqlite3_stmt *st, int i, bool *has /* OUT */, struct dec *out /* OUT */,
			    struct rk_err *err);

/*
 * Steps a statement that reads. *row (OUT) is true for a row and false when
 * the statement is done; anything else (an I/O error, a busy or interrupted
 * database, ...) is an error naming `what`, never "no more rows". The
 * statement is reset when it is done or failed; after a row the caller steps
 * again or resets it. Every read of the reconciler goes through here.
 */
enum rk_rc sqlx_step_row(struct journal *j, sqlite3_stmt *st, bool *row /* OUT */,
			 const char *what, struct rk_err *err);

/*
 * sqlx_step_row for a connection that is not a journal's: audit's replay and
 * reference databases, a query's statements. The same contract; the error
 * (RK_EDB, "WHAT: SQLite's message") is read from `db`.
 */
enum rk_rc sqlx_db_step_row(sqlite3 *db, sqlite3_stmt *st, bool *row /* OUT */,
			    const char *what, struct rk_err *err);

/*
 * A read transaction, so that several reads see one consistent state of the
 * journal. BEGIN DEFERRED takes no write lock: in WAL mode writers go on
 * while it lasts, and it reads the snapshot of its first read. When the
 * connection is already inside a transaction that one is used and *began
 * (OUT) is false; sqlx_read_end then does nothing.
 */
enum rk_rc sqlx_read_begin(struct journal *j, bool *began /* OUT */, struct rk_err *err);
/* Ends what sqlx_read_begin began (it wrote nothing: a rollback). */
void sqlx_read_end(struct journal *j, bool began);

/* Steps a statement that returns no rows, then resets it. */
enum rk_rc sqlx_step_done(struct journal *j, sqlite3_stmt *st, const char *what,
			  struct rk_err *err);
/* Runs SQL text that is a constant of the caller (never input). */
enum rk_rc sqlx_exec(struct journal *j, const char *sql, struct rk_err *err);

#endif
