/*
 * sqlx.h — the bottom of the journal layer: small SQLite helpers for
 * reckon's own types and status codes, shared by the store (journal.h), the
 * projections, the reconciler's store, audit and the query catalogue.
 * Binding and reading exact decimals as canonical TEXT, optional values as
 * NULL, and stepping or executing with SQLite's errors translated into
 * reckon's.
 *
 * It works on SQLite's own handles (sqlite3 *, sqlite3_stmt *) and knows
 * nothing of the journal above it: a statement's errors are read from its
 * own connection (sqlite3_db_handle).
 *
 * Errors: a failed step or exec is RK_EDB with "WHAT: SQLite's message"
 * (sqlx_error), read before a reset could report it again; a decimal column
 * that does not hold one is RK_ECORRUPT naming the column. Nothing here
 * allocates or keeps state; threads as SQLite's connection allows.
 */
#ifndef RECKON_SQLX_H
#define RECKON_SQLX_H

#include <stdbool.h>

#include <sqlite3.h>

#include "dec.h"
#include "err.h"

/* Binds `v` as its canonical decimal text. */
void sqlx_bind_dec(sqlite3_stmt *st, int i, struct dec v);
/* Binds `v` when `has`, else NULL. */
void sqlx_bind_opt_dec(sqlite3_stmt *st, int i, bool has, struct dec v);
/* Binds `s` as text, or NULL when s is NULL or "". */
void sqlx_bind_opt_text(sqlite3_stmt *st, int i, const char *s);

/*
 * Reads a decimal column reckon wrote: the one reader of amounts. With
 * `has` NULL the column must hold a decimal; with `has` set, NULL is allowed
 * and gives *has false and *out zero. Anything else that is not a decimal
 * (NULL where one is required, text that does not parse) is RK_ECORRUPT:
 * "column NAME holds 'VALUE', not a decimal".
 */
enum rk_rc sqlx_col_dec(sqlite3_stmt *st, int i, bool *has /* OUT, may be NULL */,
			struct dec *out /* OUT */, struct rk_err *err);

/* A text column, "" for NULL (borrowed: valid until the next step, reset or
 * column read of the same column as another type). */
const char *sqlx_col_text(sqlite3_stmt *st, int i);

/* Records SQLite's last error on `db` as RK_EDB "WHAT: message" and returns
 * RK_EDB. */
enum rk_rc sqlx_error(sqlite3 *db, struct rk_err *err, const char *what);

/*
 * Steps a statement that reads. *row (OUT) is true for a row and false when
 * the statement is done; anything else (an I/O error, a busy or interrupted
 * database, ...) is an error naming `what`, never "no more rows". The
 * statement is reset when it is done or failed; after a row the caller steps
 * again or resets it. Every read of the journal goes through here.
 */
enum rk_rc sqlx_step_row(sqlite3_stmt *st, bool *row /* OUT */, const char *what,
			 struct rk_err *err);

/* Steps a statement that returns no rows, then resets it. An error names
 * `what`. sqlite3_changes() of its connection still counts its rows after. */
enum rk_rc sqlx_step_done(sqlite3_stmt *st, const char *what, struct rk_err *err);

/* Runs SQL text that is a constant of the caller (never input). RK_EDB with
 * SQLite's message. */
enum rk_rc sqlx_exec(sqlite3 *db, const char *sql, struct rk_err *err);

/*
 * A read transaction, so that several reads see one consistent state of the
 * database. BEGIN DEFERRED takes no write lock: in WAL mode writers go on
 * while it lasts, and it reads the snapshot of its first read. When the
 * connection is already inside a transaction that one is used and *began
 * (OUT) is false; sqlx_read_end then does nothing.
 */
enum rk_rc sqlx_read_begin(sqlite3 *db, bool *began /* OUT */, struct rk_err *err);
/* Ends what sqlx_read_begin began (it wrote nothing: a rollback). */
void sqlx_read_end(sqlite3 *db, bool began);

/* Rolls back the connection's transaction, if any. It cannot fail in a way
 * the caller could act on: SQLite rolls back even a failed transaction. */
void sqlx_rollback(sqlite3 *db);

#endif
