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
 */
#ifndef RECKON_AUDIT_H
#define RECKON_AUDIT_H

#include <stdint.h>

#include "err.h"
#include "journal.h"

struct audit_result {
	int64_t events;        /* events in the snapshot that was checked */
	int64_t first_bad_seq; /* 0 when the chain is sound */
};

/*
 * Runs every check on one snapshot, stopping at the first failure. RK_OK
 * when sound; RK_ECORRUPT with err naming the first bad event, the foreign
 * or altered schema object, or the table, row and column that differ from
 * the replay; RK_EDB/RK_EIO/RK_ENOMEM when the check itself could not run.
 * Changes nothing in `j`.
 */
enum rk_rc audit_verify(struct journal *j, struct audit_result *res /* OUT */, struct rk_err *err);

#endif
