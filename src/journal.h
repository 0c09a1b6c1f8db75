/*
 * journal.h — reckon's SQLite journal: the append-only, hash-chained `events`
 * table plus the materialized tables that project it.
 *
 * Opening runs, in order: busy timeout, WAL, synchronous=FULL (an
 * acknowledged event survives power loss), foreign keys, then every embedded
 * migration newer than the file's PRAGMA user_version, each in its own
 * transaction with its version bump. A database newer than this binary is
 * refused (RK_EVERSION); a file that is not a reckon/SQLite database is
 * refused (RK_EDB) without being modified.
 *
 * Appending an event computes its hash, inserts it, and applies it to the
 * materialized tables (project.h) in the caller's transaction: either both
 * happen or neither does.
 */
#ifndef RECKON_JOURNAL_H
#define RECKON_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

#include "err.h"

struct journal; /* opaque */

#define JOURNAL_HASH_HEX 65 /* 64 hex digits + NUL */

/* Opens (creating if needed) and migrates. *out owned by the caller, who
 * closes it with journal_close. */
enum rk_rc journal_open(const char *path, struct journal **out /* OUT */, struct rk_err *err);

/* Finalizes every cached statement and closes. NULL is a no-op. */
void journal_close(struct journal *j);

/* The underlying connection, for modules that read or project (borrowed). */
sqlite3 *journal_db(struct journal *j);

/* The schema version this binary migrates to (number of migrations). */
int journal_schema_version(void);

/*
 * A statement prepared once per connection and reused: `sql` must be a string
 * constant (it is cached by address). Returned reset with bindings cleared;
 * borrowed — never finalize it.
 */
enum rk_rc journal_stmt(struct journal *j, const char *sql, sqlite3_stmt **out /* OUT */,
			struct rk_err *err);

/* Translates the connection's last SQLite error into `err` with a prefix. */
enum rk_rc journal_sql_error(struct journal *j, struct rk_err *err, const char *what);

/* Transactions. begin is BEGIN IMMEDIATE (the write lock is taken up front,
 * so the hash chain's tail cannot move under us). Savepoints nest inside. */
enum rk_rc journal_begin(struct journal *j, struct rk_err *err);
enum rk_rc journal_commit(struct journal *j, struct rk_err *err);
void journal_rollback(struct journal *j);
enum rk_rc journal_savepoint(struct journal *j, struct rk_err *err);
enum rk_rc journal_release(struct journal *j, struct rk_err *err);
void journal_rollback_to_savepoint(struct journal *j);

/* One event to append. All strings borrowed. */
struct journal_event {
	const char *type;      /* "order", "fill", ... (project.h knows them) */
	const char *source;    /* "ingest", "reconcile", ... */
	const char *ts;        /* canonical timestamp of the fact */
	const char *venue;
	const char *account;
	const char *symbol;    /* "" when not symbol-specific */
	const char *payload;   /* canonical JSON */
	const char *dedup_key; /* NULL: never a duplicate */
};

enum journal_append_result { JOURNAL_APPENDED = 0, JOURNAL_DUPLICATE };

/*
 * Appends `ev` and applies it to the materialized tables. Must be called
 * inside journal_begin. When an event with the same dedup_key exists:
 * identical payload -> JOURNAL_DUPLICATE, nothing written; different payload
 * -> RK_ECONFLICT naming the earlier seq. A projection refusal (e.g. an
 * impossible order transition) returns its error; the caller rolls back.
 */
enum rk_rc journal_append(struct journal *j, const struct journal_event *ev,
			  enum journal_append_result *res /* OUT */, int64_t *seq /* OUT, may be NULL */,
			  struct rk_err *err);

/*
 * The hash of one event row: SHA-256 over a length-prefixed encoding of
 * seq, ts, recorded_at, type, source, venue, account, symbol, payload,
 * dedup_key and prev_hash. Exposed so audit can recompute it.
 */
void journal_event_hash(int64_t seq, const char *ts, const char *recorded_at, const char *type,
			const char *source, const char *venue, const char *account,
			const char *symbol, const char *payload, const char *dedup_key,
			const char *prev_hash, char out[JOURNAL_HASH_HEX]);

#endif
