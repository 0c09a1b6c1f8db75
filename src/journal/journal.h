/*
 * journal.h — reckon's SQLite journal store: the append-only, hash-chained
 * `events` table, opening and migrating the file that holds it, cached
 * statements and transactions. It knows no event type and no projection:
 * events.h appends an event and applies it to the materialized tables, and
 * gives this store the replay a migration may need (journal_open's
 * `rebuild`). Below it is only sqlx.h.
 *
 * Which files reckon writes. Only two kinds of file are ever written: an
 * empty one (missing or 0 bytes, when the caller asked to create a journal)
 * and reckon's own journal. A journal is recognised by its PRAGMA
 * application_id (JOURNAL_APP_ID or JOURNAL_APP_ID_SIM, set when it is
 * created), or, for journals of reckon versions before the application_id
 * existed, by user_version > 0 together with reckon's hash-chained `events`
 * table; the first writing open stamps those with JOURNAL_APP_ID. Anything
 * else (a file that is not a database, another application's database) is
 * refused with RK_EFOREIGN, and nothing touches it: it is classified first
 * through an `immutable` read-only connection (no lock, no -wal or -shm, no
 * hot-journal rollback), then again under the write lock before anything is
 * written. Until a file is known to be reckon's, its connection does not
 * checkpoint on close, so a WAL database's -wal is never folded into it.
 *
 * Opening for writing runs, in order: busy timeout, a read transaction that
 * looks at the file, the migrations if any are missing, then synchronous=FULL
 * (an acknowledged event survives power loss), foreign keys, and WAL last.
 * An up-to-date journal is opened without taking the write lock. Each
 * migration is one BEGIN IMMEDIATE transaction that re-reads user_version and
 * the application_id under the write lock and applies only the next missing
 * step with its version bump, so processes opening the same new journal at
 * once serialize: one migrates, the others find the versions applied. A
 * migration that changes how events are projected (0006, 0007) also has
 * every event replayed into the materialized tables, through the caller's
 * `rebuild`, in its transaction. A database newer than this binary is
 * refused (RK_EVERSION) unmodified.
 *
 * Opening read-only (JOURNAL_READONLY) uses SQLITE_OPEN_READONLY, never
 * migrates, never changes the journal mode and never stamps the
 * application_id; a journal older than this binary is refused (RK_EVERSION)
 * with the command that upgrades it. On a read-only directory or filesystem,
 * where SQLite cannot create the -shm file WAL readers need, the journal is
 * read as `immutable` provided no -wal file holds changes.
 *
 * A simulation journal (JOURNAL_SIM) is one created for the simulated venue
 * (`reckon demo`, `reckon init --sim`); its application_id says so, and a
 * caller asking for one kind refuses the other (RK_ECONFLICT) before writing,
 * so simulated results and real venues' events never share a journal.
 *
 * Appending an event (journal_append) checks its dedup key, computes its
 * hash from the previous event's (the chain's tail is read once per write
 * transaction and kept in memory while it lasts) and inserts it, stamped recorded_at by the
 * journal's clock (journal_set_clock; the system clock unless set). Applying
 * it is the caller's: events_append does both in one transaction.
 *
 * Threads: one journal per thread; SQLite's locks serialize processes.
 */
#ifndef RECKON_JOURNAL_H
#define RECKON_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "rk_clock.h"

/* SQLite's handles, opaque here: only journal/ sources include <sqlite3.h>,
 * so the layers above never see SQLite through this header. */
struct sqlite3;
struct sqlite3_stmt;

struct journal; /* opaque */

#define JOURNAL_HASH_HEX 65 /* 64 hex digits + NUL */

/* PRAGMA application_id of reckon's journals ("RKNJ") and of simulation
 * journals ("RKNS"). */
#define JOURNAL_APP_ID 0x524b4e4a
#define JOURNAL_APP_ID_SIM 0x524b4e53

/* How a command opens the journal. */
enum journal_mode {
	JOURNAL_CREATE,  /* create it when the file is missing or 0 bytes, else open
			    an existing journal; migrates */
	JOURNAL_WRITE,   /* the journal must exist (RK_ENOTFOUND otherwise); migrates */
	JOURNAL_READONLY /* must exist at this binary's schema version; opened
			    SQLITE_OPEN_READONLY, never written */
};

/* Which journal the caller accepts; journal_kind() reports JOURNAL_REAL or
 * JOURNAL_SIM. */
enum journal_kind {
	JOURNAL_ANY = 0, /* either; a journal created here is JOURNAL_REAL */
	JOURNAL_REAL,    /* events of real venues (or reckon-fakex) and of bots */
	JOURNAL_SIM      /* results of the simulated venue */
};

/*
 * Empties the materialized tables and replays every event into them, inside
 * the caller's transaction (events_rebuild). journal_open runs it once, in
 * the migrations' transaction, after a migration that changes how events are
 * projected, so a journal never commits at a version whose tables a replay
 * has not made; its error rolls the migrations back.
 */
typedef enum rk_rc journal_rebuild_fn(struct journal *j, struct rk_err *err);

/*
 * Opens the journal at `path` as `mode` says (":memory:" and "" give a
 * private database, created as with JOURNAL_CREATE). A journal created
 * here is of `kind` (JOURNAL_ANY creates JOURNAL_REAL); an existing journal
 * of the other kind is refused with RK_ECONFLICT before anything is written.
 * `rebuild` replays the events after a migration that needs it (events_open
 * passes events_rebuild; a new journal needs it too, for migrations 0006
 * and 0007); NULL there is RK_EINVAL and nothing is migrated.
 * Errors: RK_ENOTFOUND "no such journal" (missing, or an empty file outside
 * JOURNAL_CREATE); RK_EFOREIGN (not a database, another application's
 * database); RK_EVERSION (newer than this binary; older, for
 * JOURNAL_READONLY); RK_EPERM (a read-only file, directory or filesystem,
 * named in the message); RK_EDB/RK_EIO otherwise. Messages name the path,
 * never SQL text. *out owned by the caller, who closes it with journal_close.
 */
enum rk_rc journal_open(const char *path, enum journal_mode mode, enum journal_kind kind,
			journal_rebuild_fn *rebuild, struct journal **out /* OUT */,
			struct rk_err *err);

/* The clock that stamps recorded_at on every event appended from now on
 * (copied). A journal starts with the system clock. */
void journal_set_clock(struct journal *j, struct rk_clock clock);

/* JOURNAL_REAL or JOURNAL_SIM. */
enum journal_kind journal_kind(const struct journal *j);

/* The schema version the journal had before this open wrote anything: 0 for
 * a journal this open created, less than journal_schema_version() for one it
 * upgraded. */
int journal_opened_version(const struct journal *j);

/* The event whose projection is being written (events.c sets it around each
 * event's projection; 0 outside one), which the state history's triggers
 * stamp on the row versions they write (state_history.h). */
void journal_set_applying(struct journal *j, int64_t seq);
int64_t journal_applying(const struct journal *j);

#define JOURNAL_ID_HEX 33 /* the journal identity: 32 lowercase hex digits + NUL */

/*
 * The journal's identity: journal_meta's journal_id, made once by migration
 * 0004 and guarded by 0006's triggers, which the reconciler mixes into every
 * client order id it derives (so another journal on the same account never
 * derives the same id). Copies it into `out`. RK_ECORRUPT, naming what is
 * wrong, when journal_meta is missing or does not hold exactly one row, the
 * journal_id, of 32 lowercase hex digits: a caller that derives client
 * order ids must stop rather than derive them without it. RK_EDB when it
 * cannot be read. Reads on the journal's connection, inside the caller's
 * transaction if there is one.
 */
enum rk_rc journal_identity(struct journal *j, char out[JOURNAL_ID_HEX] /* OUT */,
			    struct rk_err *err);

/* Finalizes every cached statement and closes. NULL is a no-op. */
void journal_close(struct journal *j);

/* The underlying connection, for modules that read or project (borrowed). */
struct sqlite3 *journal_db(struct journal *j);

/* The schema version this binary migrates to (number of migrations). */
int journal_schema_version(void);

/*
 * A statement prepared once per connection and reused: `sql` must be a string
 * constant (it is cached by address). Returned reset with bindings cleared;
 * borrowed — never finalize it.
 */
enum rk_rc journal_stmt(struct journal *j, const char *sql, struct sqlite3_stmt **out /* OUT */,
			struct rk_err *err);

/* journal_stmt for the many reads scoped to one venue account: binds ?1 to
 * `venue` and ?2 to `account` (both must outlive the statement's use). */
enum rk_rc journal_stmt_account(struct journal *j, const char *sql, const char *venue,
				const char *account, struct sqlite3_stmt **out /* OUT */,
				struct rk_err *err);

/* Transactions. begin is BEGIN IMMEDIATE (the write lock is taken up front,
 * so the hash chain's tail cannot move under us). Savepoints nest inside. */
enum rk_rc journal_begin(struct journal *j, struct rk_err *err);
enum rk_rc journal_commit(struct journal *j, struct rk_err *err);
void journal_rollback(struct journal *j);
enum rk_rc journal_savepoint(struct journal *j, struct rk_err *err);
enum rk_rc journal_release(struct journal *j, struct rk_err *err);
void journal_rollback_to_savepoint(struct journal *j);

/* Rows this connection has inserted, updated or deleted since it opened
 * (sqlite3_total_changes64): a caller compares two readings to learn whether
 * anything in between wrote, e.g. before rolling a whole transaction back
 * instead of using a savepoint per step. */
int64_t journal_changes(struct journal *j);

/* One event to append. All strings borrowed. */
struct journal_event {
	const char *type;      /* "order", "fill", ... (events.h knows them) */
	const char *source;    /* "ingest", "reconcile", ... */
	const char *ts;        /* canonical timestamp of the fact */
	const char *venue;
	const char *account;
	const char *symbol;    /* "" when not symbol-specific */
	const char *payload;   /* canonical JSON */
	const char *dedup_key; /* NULL: never a duplicate */
	/* A natural key the dedup key is filed under (event_dedup, migration
	 * 0008), so that keys land near their neighbours, never at random: an
	 * order report's "order:VENUE:ORDER_ID". NULL is "". The same dedup_key
	 * must always come with the same group (derive both from the payload). */
	const char *dedup_group;
};

/*
 * Stores `ev` as the next event of the hash chain; applies nothing (the
 * caller does, in the same transaction: events_append). Must be called
 * inside journal_begin. When an event with the same dedup_key (in the same
 * dedup_group) exists:
 * identical payload -> *duplicate true and *seq its seq, nothing written;
 * different payload -> RK_ECONFLICT naming the earlier seq. RK_EDB when
 * SQLite fails, RK_ENOMEM when hashing does; the caller rolls back.
 */
enum rk_rc journal_append(struct journal *j, const struct journal_event *ev,
			  bool *duplicate /* OUT */, int64_t *seq /* OUT, may be NULL */,
			  struct rk_err *err);

/*
 * The hash of one event row: SHA-256 over a length-prefixed encoding of
 * seq, ts, recorded_at, type, source, venue, account, symbol, payload,
 * dedup_key and prev_hash. Exposed so audit can recompute it. False, with
 * out = "", when OpenSSL fails: never a hash.
 */
bool journal_event_hash(int64_t seq, const char *ts, const char *recorded_at, const char *type,
			const char *source, const char *venue, const char *account,
			const char *symbol, const char *payload, const char *dedup_key,
			const char *prev_hash, char out[JOURNAL_HASH_HEX]);

#endif
