/*
 * state_history.h — the history of the rows `reckon audit state` reads
 * (migration 0016): every version of the rows of positions,
 * exchange_positions, recon_runs, findings, actions and of the open orders,
 * with the seq that wrote it and the seq that replaced it, so that the
 * state after any event S is read through index seeks (about fifty per
 * table, each reading only versions alive near S) instead of a replay from
 * the first event.
 *
 * Maintained by temporary triggers on the connection (after each INSERT,
 * UPDATE and DELETE of those tables), which stamp the event being applied
 * (journal_applying, set by events.c around each event's projection): the
 * history is written in the same transaction as the projection, and only
 * by it (a write outside an event's projection, seq 0, records nothing:
 * events_rebuild's emptying of the tables, a copy into a scratch). A
 * projection like the others: events_rebuild replays it, audit verify
 * compares it (EVENTS_TABLES). Another program writing those tables (the
 * sqlite3 shell) leaves the history behind, which audit verify reports.
 *
 * A version is [from_seq, to_seq): alive after events from_seq..to_seq-1.
 * Two writes of a row by one event leave one version. orders_history keeps
 * the versions in which the order is open or partially filled only.
 *
 * Errors: RK_EDB on a failed statement, RK_ENOMEM. One journal per thread.
 */
#ifndef RECKON_STATE_HISTORY_H
#define RECKON_STATE_HISTORY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"

/* The projection tables with a history, and their history tables, NULL-
 * terminated, in the same order. */
extern const char *const STATE_HISTORY_TABLES[];
extern const char *const STATE_HISTORY_OF[];

/* Does the journal have the history tables (migration 0016)? */
enum rk_rc state_history_present(struct journal *j, bool *has /* OUT */, struct rk_err *err);

/* Registers the triggers' SQL functions on j's connection and installs the
 * temporary triggers, when the journal has the history tables (a journal
 * older than migration 0016 opened read-only has none: nothing to do).
 * Idempotent. */
enum rk_rc state_history_install(struct journal *j, struct rk_err *err);

/* Copies into `to` (a journal with no rows in those tables) the rows of
 * `from`'s six tables as they were after event `seq` (the open orders
 * only), read from the history. Reads `from` in the caller's transaction. */
enum rk_rc state_history_copy(struct journal *from, int64_t seq, struct journal *to,
			      struct rk_err *err);

/* The statement that reads one table's versions alive after event ?1
 * (tests check its query plan seeks): the history table's name in `sql`,
 * at most `cap` bytes. */
void state_history_alive_sql(size_t table, char *sql, size_t cap);

#endif
