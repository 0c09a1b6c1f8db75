/*
 * recon_journal.h — writing the reconciler's journal: every run, finding and
 * action (and each action's status change) is an event in `events`,
 * appended through events_append (events.h) and so applied by
 * recon_project.h to recon_runs, findings, actions and halts. Row ids are
 * the seq of the event that created the row, so a replay reproduces them.
 *
 * Event types: recon_run (start), recon_run_end, finding, action,
 * action_update, halt; at the end of a pass finding_resolved and
 * exchange_positions (recon_journal_settle_pass); from the operator
 * halt_released (source "operator"). Payloads are canonical JSON built here;
 * their `at` is the caller's now_us (microseconds since the epoch, UTC),
 * which is also each event's ts. The events' source is "reconcile" unless
 * said otherwise.
 *
 * All functions but recon_journal_settle_pass must run inside a journal
 * transaction (journal_begin); callers commit at the points where
 * durability matters (before a request is sent to a venue, and after its
 * answer). Errors are the appends' (events.h): on error the caller rolls
 * back.
 */
#ifndef RECKON_RECON_JOURNAL_H
#define RECKON_RECON_JOURNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "reconcile.h"

/* Journals the start of a run; *run_id (OUT) is its id. */
enum rk_rc recon_journal_run_start(struct journal *j, enum venue_kind venue, const char *account,
				   bool dry_run, int64_t now_us, int64_t *run_id, struct rk_err *err);
enum rk_rc recon_journal_run_end(struct journal *j, int64_t run_id, enum venue_kind venue,
				 const char *account, bool complete, const char *reason,
				 const char *fills_cursor, int64_t now_us, struct rk_err *err);
enum rk_rc recon_journal_finding(struct journal *j, int64_t run_id, enum venue_kind venue,
				 const char *account, const struct finding *f, int64_t now_us,
				 int64_t *finding_id, struct rk_err *err);

/* Journals a planned action (status from a->status: planned, dry_run or
 * skipped); `request` is JSON text or NULL. *action_id (OUT). */
enum rk_rc recon_journal_action(struct journal *j, int64_t run_id, int64_t finding_id,
				enum venue_kind venue, const char *account, const struct action *a,
				const char *client_order_id, const char *request,
				int64_t depends_on_id, int64_t now_us, int64_t *action_id,
				struct rk_err *err);

/* Journals a status change of an action, with the venue's response (JSON
 * text or NULL), an error text or NULL, and the order id learnt or NULL. */
enum rk_rc recon_journal_action_update(struct journal *j, int64_t action_id, enum venue_kind venue,
				       const char *account, const char *symbol,
				       enum action_status status, const char *order_id,
				       const char *response, const char *error, int64_t now_us,
				       struct rk_err *err);

/* Halts a symbol (safety rule 2c). */
enum rk_rc recon_journal_halt(struct journal *j, enum venue_kind venue, const char *account,
			      const char *symbol, const char *reason, int64_t now_us,
			      struct rk_err *err);

/* Journals an order or fill learnt from (or placed on) a venue, through the
 * same append as ingest (events_append_order / events_append_fill, source
 * "reconcile"). Identical repeats are duplicates, not errors. */
enum rk_rc recon_journal_order(struct journal *j, const struct order_rec *o, struct rk_err *err);
enum rk_rc recon_journal_fill(struct journal *j, const struct fill_rec *f, struct rk_err *err);

/*
 * Settles a pass, in its own transaction, after the run's end is journaled:
 *   - a complete snapshot's non-zero positions, each with its size rounded
 *     down to the venue's step (what a stop can be placed for), replace the
 *     venue and account's rows of exchange_positions (event
 *     `exchange_positions`);
 *   - every unresolved finding of the venue and account whose last action
 *     succeeded, with none of its actions still planned or sent, is resolved
 *     as 'action_succeeded';
 *   - when the snapshot is complete, every unresolved finding of an earlier
 *     run whose key this run did not find is resolved as 'gone'.
 * Each resolution is a `finding_resolved` event (finding id, key, run id,
 * reason, and the action id). *resolved (OUT, may be NULL) counts them.
 */
enum rk_rc recon_journal_settle_pass(struct journal *j, int64_t run_id, enum venue_kind venue,
				     const char *account, const struct venue_snapshot *snap,
				     int64_t now_us, size_t *resolved, struct rk_err *err);

/*
 * The operator releases the halt on venue/account/symbol, giving a reason:
 * event `halt_released` (source "operator"), which removes the halts row, so
 * the planner acts on the symbol again. RK_ENOTFOUND naming it when there is
 * no such halt. Inside a journal transaction; *seq (OUT, may be NULL) is the
 * event's seq.
 */
enum rk_rc recon_journal_release_halt(struct journal *j, enum venue_kind venue,
				      const char *account, const char *symbol, const char *reason,
				      int64_t now_us, int64_t *seq, struct rk_err *err);

#endif
