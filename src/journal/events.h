/*
 * events.h — appending an event and applying it: the one place where the
 * journal's event types meet the projections that build the materialized
 * tables from them.
 *
 * The store (journal.h) keeps the hash-chained `events` table and knows no
 * event type. Here one dispatch table (events.c) maps each type to its
 * projection: `order` and `fill` to project.h, the reconciler's types to
 * recon_project.h; after `order`, `fill`, `finding`, `recon_run_end` and
 * `exchange_positions`, the protection-gap projection (protect_project.h)
 * judges the positions the event moved, at the event's ts. events_append
 * stores an event and applies it in the caller's transaction, so both
 * happen or neither does; events_rebuild replays every event through the
 * same table, and so do the migrations (events_open gives the store
 * events_rebuild) and audit's separate replay (events_apply): live appends
 * and replays cannot disagree.
 *
 * Event types of the journal itself: `audit_checkpoint` (audit.h) records a
 * verify that passed; `report_sent` (daily.h) a report mail sent. Neither
 * projects anything.
 *
 * Adding an event type: write its projection, a function of the event's seq
 * and payload and of the materialized tables alone (never reading `events`,
 * so audit can replay it elsewhere), with the signature of project_order;
 * add one line for it to EVENT_TYPES in events.c (and any table it writes to
 * EVENTS_TABLES, in dependency order); then append it with events_append
 * from a writer such as recon_journal.h. A type the table lacks is refused
 * on apply (RK_EVERSION): it was written by a newer reckon.
 *
 * Orders and fills are appended here too (events_append_order / _fill),
 * under their dedup keys, for ingest (engine/ingest.h validates bots' lines
 * first) and for the reconciler (recon_journal.h) alike.
 *
 * Everything here runs on the caller's journal and transaction; one journal
 * per thread.
 */
#ifndef RECKON_EVENTS_H
#define RECKON_EVENTS_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "model.h"

enum events_result {
	EVENTS_APPENDED = 0, /* journaled and applied */
	EVENTS_DUPLICATE,    /* already journaled: nothing written */
	EVENTS_STALE         /* journaled, but behind what the journal holds: it
				changed no order's state (project_order) */
};

/*
 * journal_open with events_rebuild as the replay a migration may need: how
 * every command opens a journal. Same modes, kinds, errors and ownership
 * (*out closed with journal_close).
 */
enum rk_rc events_open(const char *path, enum journal_mode mode, enum journal_kind kind,
		       struct journal **out /* OUT */, struct rk_err *err);

/*
 * Appends `ev` (journal_append) and applies it (events_apply). Must be
 * called inside journal_begin. A duplicate (same dedup_key, same payload) is
 * EVENTS_DUPLICATE with *seq the earlier event's, and applies nothing; the
 * same key with another payload is RK_ECONFLICT naming the earlier seq. A
 * stale order report is appended as EVENTS_STALE, with the reason in
 * err->msg (err->rc RK_OK). A projection's refusal (e.g. a fill of the wrong
 * side) is its error, after the event was stored: the caller rolls back.
 */
enum rk_rc events_append(struct journal *j, const struct journal_event *ev,
			 enum events_result *res /* OUT */, int64_t *seq /* OUT, may be NULL */,
			 struct rk_err *err);

/*
 * Journals an already validated order report / fill from `source` (who said
 * so: "ingest", "reconcile", ...). An order report's dedup key is the
 * SHA-256 of its canonical JSON (the same report twice is a duplicate, a new
 * state is a new event), filed under the order ("order:VENUE:ORDER_ID",
 * journal.h's dedup_group); a fill's is its venue and fill id. The event's
 * ts, venue, account and symbol are the record's. The record itself is
 * projected (project_order_rec / project_fill_rec), not its payload parsed
 * again; one whose ts is not in canonical form (built by hand, not read) is
 * projected from its payload, as a replay does. Errors as events_append, and
 * RK_ENOMEM when building or hashing the payload fails.
 */
enum rk_rc events_append_order(struct journal *j, const struct order_rec *o, const char *source,
			       enum events_result *res /* OUT */, struct rk_err *err);
enum rk_rc events_append_fill(struct journal *j, const struct fill_rec *f, const char *source,
			      enum events_result *res /* OUT */, struct rk_err *err);
/* The same, also giving the event's seq in *seq (OUT, may be NULL): the new
 * event's, or for a duplicate the earlier event's; 0 on error. */
enum rk_rc events_append_order_seq(struct journal *j, const struct order_rec *o,
				   const char *source, enum events_result *res /* OUT */,
				   int64_t *seq /* OUT */, struct rk_err *err);
enum rk_rc events_append_fill_seq(struct journal *j, const struct fill_rec *f, const char *source,
				  enum events_result *res /* OUT */, int64_t *seq /* OUT */,
				  struct rk_err *err);

/*
 * Applies event `seq` of `type` with canonical `payload`, stamped `ts` (the
 * event's ts column, read with rtime_parse: the protection-gap projection's
 * times), to the materialized tables through the dispatch table, in the
 * caller's transaction. A ts that does not read is RK_EINVAL "event SEQ: ts:
 * ..." for the types whose projection uses it. *stale
 * (OUT, may be NULL) as project_order says; the projection's refusals are
 * its errors (project.h, recon_project.h). An unknown type is RK_EVERSION:
 * "event SEQ has type 'TYPE', unknown to this reckon".
 */
enum rk_rc events_apply(struct journal *j, int64_t seq, const char *ts, const char *type,
			const char *payload, bool *stale /* OUT, may be NULL */,
			struct rk_err *err);

/* Empties every materialized table (EVENTS_TABLES) and replays all events
 * in seq order. Must run inside a transaction. An event's error is prefixed
 * "replaying event SEQ". Reports its progress through the hook below. */
enum rk_rc events_rebuild(struct journal *j, struct rk_err *err);

/* Progress of a long replay (events_rebuild, e.g. a migration that changes
 * the projections): `fn` is called with the events replayed so far and the
 * journal's total every `every` events, and once at the end, when the
 * journal holds at least `every` events. The hook only reports (it cannot
 * stop the replay). Process-wide: set it once, before any journal is opened
 * (the CLI prints it on stderr every EVENTS_PROGRESS_EVERY); NULL, the
 * default, reports nothing. */
#define EVENTS_PROGRESS_EVERY 100000
typedef void events_progress_fn(int64_t done, int64_t total, void *ctx);
void events_set_progress(events_progress_fn *fn, int64_t every, void *ctx);

/*
 * Checks that the materialized tables equal a fresh replay, changing nothing:
 * the events of one snapshot (a read transaction, or the caller's) are
 * replayed into a separate temporary database file and each table is
 * compared with it in primary-key order, two cursors side by side (audit.c,
 * which defines it: the full audit without its schema and integrity checks).
 * Takes no write lock. RK_ECORRUPT with the first differing table, row and
 * column named when they differ, or the first event that breaks the chain.
 */
enum rk_rc events_verify(struct journal *j, struct rk_err *err);

/* Names of the materialized tables the projections write, in dependency
 * order (NULL-terminated). */
extern const char *const EVENTS_TABLES[];

#endif
