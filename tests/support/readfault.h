/*
 * readfault.h — a fault seam for SQLite reads, for the tests of issue 8
 * point 1 ("a failed read is not 'no rows'").
 *
 * It makes SQLite itself fail, rather than mocking reckon's code: a progress
 * handler (called after every VM instruction) on the journal's connection
 * answers "interrupt" while a SELECT is running, so that statement's
 * sqlite3_step returns SQLITE_INTERRUPT exactly as a real I/O error or a
 * corrupt page would surface mid-read. Transaction control (BEGIN DEFERRED,
 * ROLLBACK) and writes are never failed.
 *
 * The seam is armed for one "read phase": with stop_at_write, the first
 * write (BEGIN IMMEDIATE, or any statement that is not read-only) disarms it,
 * so a whole reconciliation pass can be faulted in its reads of the local
 * state only. One seam at a time (process-global state, like the test clock).
 */
#ifndef RECKON_TEST_READFAULT_H
#define RECKON_TEST_READFAULT_H

#include <stdbool.h>

#include <sqlite3.h>

enum rf_mode {
	RF_ALL_READS_FAIL = 0, /* every read callback fails */
	RF_NTH_READ_FAILS      /* only the nth read callback (1-based) fails */
};

/* Called at every read callback while armed, before the decision, with the
 * SQL of the running statement (e.g. to write from another connection in
 * the middle of a read). */
typedef void (*rf_hook)(const char *sql, void *arg);

/* Installs the handler on `db` and arms it. */
void rf_arm(sqlite3 *db, enum rf_mode mode, long nth, bool stop_at_write);
/* Sets (or clears, with NULL) the hook. Cleared by rf_disarm. */
void rf_set_hook(rf_hook hook, void *arg);
/* Removes the handler. */
void rf_disarm(sqlite3 *db);
/* Read callbacks seen while armed, and how many of them were failed. */
long rf_reads_seen(void);
long rf_reads_failed(void);
bool rf_armed(void);

#endif
