/*
 * txn.h — one write transaction on the journal, as one call: begin, run the
 * caller's writes, commit, or roll back when any of it failed. Every
 * transaction the executor writes goes through here, so the
 * begin/rollback/commit pattern (and its error paths) lives in one place.
 *
 * Errors: the error of whatever failed is returned and kept in `err` — the
 * rollback never overwrites it. A failed COMMIT leaves nothing open (SQLite
 * rolls some failures back itself; whatever it kept open is rolled back).
 * Misuse is refused with RK_EINVAL before anything is written: no function,
 * or a connection already inside a transaction (transactions do not nest;
 * the callback uses savepoints for that). A callback that ends the
 * transaction itself (COMMIT or ROLLBACK of its own) makes the call fail
 * with RK_EINVAL: its writes may or may not have been kept.
 * Threads: as the journal (one connection, one thread at a time).
 */
#ifndef RECKON_TXN_H
#define RECKON_TXN_H

#include <stdbool.h>

#include "err.h"
#include "journal.h"

/* The writes of one transaction; RK_OK to commit them, anything else (with
 * err set) to roll them back. */
typedef enum rk_rc (*journal_tx_fn)(struct journal *j, void *ctx, struct rk_err *err);

/*
 * Runs fn(j, ctx, err) inside journal_begin (BEGIN IMMEDIATE) and commits
 * when it returns RK_OK; otherwise rolls back and returns its code.
 */
enum rk_rc journal_tx(struct journal *j, journal_tx_fn fn, void *ctx, struct rk_err *err);

/* Is the connection inside a transaction (its own or a caller's)? */
bool journal_in_tx(struct journal *j);

#endif
