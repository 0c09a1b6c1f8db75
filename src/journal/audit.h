/*
 * audit.h — proving the journal is what reckon wrote, without trusting
 * anything the file itself could have been given to fool the check:
 *
 *   0. the file's PRAGMA application_id is reckon's (journal.h);
 *   1. SQLite's own integrity check;
 *   2. the SHA-256 hash chain over every event;
 *   3. the schema: every table, index, view and trigger the migrations
 *      created is there with exactly the SQL they created (so an append-only
 *      trigger replaced by a same-named no-op is found), and there is no
 *      other table, index, trigger or view at all (SQLite's own ANALYZE
 *      statistics tables, sqlite_stat*, aside);
 *   4. journal_meta holds exactly the journal identity, well formed
 *      (journal_identity), which client order ids are derived from;
 *   5. the materialized tables equal a replay of the events into a SEPARATE,
 *      temporary database that holds only reckon's own schema: triggers or
 *      views in the file never run during the check, so an edited row that
 *      a trigger would re-apply during a replay is still found.
 *
 * Snapshot: every read of the journal happens in ONE deferred read
 * transaction, so the checks see one consistent state even while another
 * process appends; in WAL mode that reader never blocks a writer. Nothing is
 * written to the journal and no write lock is taken; the replay database is a
 * private temporary file, deleted on return.
 *
 * Projections must be functions of the events alone (events_apply never
 * reads `events`), which is what makes the separate replay possible.
 *
 * Full and incremental. The above is the FULL verify (AUDIT_FULL, and the
 * only one audit_verify runs; events_verify (events.h) is its replay and
 * table comparison alone). It streams: the replay is a temporary file
 * on disk, each table is compared in primary-key order with two cursors side
 * by side, so memory is bounded by SQLite's page caches, not by the journal.
 *
 * A checkpoint (audit_record_checkpoint) is an `audit_checkpoint` event
 * {"seq":S,"hash":H,"mode":...,"from":P}: events 1..S were verified and
 * event S's hash was H. With it, a verify can keep the replay it made as a
 * REPLICA file (the tables as a replay of events 1..S makes them, and S, H
 * and the journal's identity), and AUDIT_AUTO then verifies INCREMENTALLY
 * from the latest checkpoint, in time proportional to the new events:
 *   - checks 0, 3 and 4 as above (they are cheap);
 *   - event S's stored hash is H, and the chain from S+1 to the end is
 *     recomputed: the new events were not altered and link to the verified
 *     prefix (the checkpoint event itself is one of them);
 *   - the new events are replayed onto the replica, and every table row
 *     that replay wrote (inserted, updated or deleted) equals the journal's
 *     row with the same primary key.
 * It does NOT check: events 1..S (their hashes are not recomputed), rows no
 * new event wrote (an old row edited, a row inserted under a key no event
 * wrote), SQLite's integrity check; and it trusts the replica file (reckon
 * alone writes it, but whoever can edit both files can make them agree).
 * --full checks all of that and trusts only the events. When the replica is
 * missing or does not match the latest checkpoint (S, H, identity, schema
 * version), AUDIT_AUTO runs the full verify instead and says why
 * (audit_result.fallback).
 */
#ifndef RECKON_AUDIT_H
#define RECKON_AUDIT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "rk_clock.h"

enum audit_mode {
	AUDIT_AUTO = 0, /* incremental from the latest checkpoint when its replica
			   is usable, else full */
	AUDIT_FULL      /* every check on every event and row */
};

struct audit_opts {
	enum audit_mode mode;
	const char *replica; /* path of the replica file (journal path + ".audit");
				NULL: none, so always full, and nothing is kept */
	bool keep;           /* leave the replica at the state verified, for a
				checkpoint to be recorded (needs `replica`) */
};

struct audit_result {
	int64_t events;        /* events in the snapshot that was checked */
	int64_t first_bad_seq; /* 0 when the chain is sound */
	char head_hash[JOURNAL_HASH_HEX]; /* hash of event `events` ("" if none) */
	bool incremental;      /* checked only what an incremental verify checks */
	int64_t from_seq;      /* incremental: S, the checkpoint's verified prefix */
	int64_t checkpoint_seq; /* incremental: the audit_checkpoint event used */
	int64_t rows_checked;  /* incremental: table rows the new events wrote */
	char fallback[200];    /* AUDIT_AUTO ran in full although a checkpoint
				  exists: why ("" otherwise) */
	bool kept;             /* the replica now holds the verified state */
};

/*
 * The full verify on one snapshot, stopping at the first failure; no
 * replica. RK_OK when sound; RK_ECORRUPT with err naming the first bad
 * event, the foreign or altered schema object, or the table, row and column
 * that differ from the replay; RK_EDB/RK_EIO/RK_ENOMEM when the check itself
 * could not run. Changes nothing in `j`.
 */
enum rk_rc audit_verify(struct journal *j, struct audit_result *res /* OUT */, struct rk_err *err);

/*
 * As audit_verify, full or incremental as `o` says (see above). Reads `j`
 * in one read transaction and writes nothing to it; writes only the replica
 * (o->keep: committed at the verified state; otherwise an incremental
 * replay is rolled back, and a full one goes to a private temporary file).
 * Errors as audit_verify; a replica that cannot be used is a fallback, not
 * an error.
 */
enum rk_rc audit_verify_opts(struct journal *j, const struct audit_opts *o,
			     struct audit_result *res /* OUT */, struct rk_err *err);

/*
 * Appends the audit_checkpoint event for a verify that succeeded with `res`
 * (res->events, res->head_hash; mode and `from` from res) to `w`, a journal
 * opened for writing, stamped ts by `clock`, in its own short transaction (the write lock is held
 * only for this append). *seq (OUT, may be NULL) is the event's seq. Errors
 * as events_append; RK_EINVAL for an empty journal.
 */
enum rk_rc audit_record_checkpoint(struct journal *w, const struct audit_result *res,
				   struct rk_clock clock, int64_t *seq /* OUT, may be NULL */,
				   struct rk_err *err);

#endif
