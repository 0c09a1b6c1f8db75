/*
 * recon_exec.h — one reconciliation pass against a live venue: the I/O shell
 * around the pure planner (reconcile.h).
 *
 *  1. resolve actions left `sent` by an earlier crash, by looking their
 *     client order id (or order) up — never by sending again (rule 2b);
 *  2. take the venue snapshot; load the local state from the journal;
 *  3. plan (pure); journal the run, its findings and its planned actions;
 *  4. execute in order: for each action the `sent` status is committed before
 *     the request leaves, and the verified answer is journaled after it, with
 *     the orders and fills it proves; dependents of a failed action are
 *     skipped. Placements:
 *      - a 5xx or timeout is an unknown outcome: the client order id is looked
 *        up; when the venue confirms it does not have the order, the same
 *        request (same id) is sent again, up to policy protect_retries times
 *        with protect_retry_backoff_ms (doubled each time; the wait is the
 *        seam recon_exec_set_sleep); a lookup without an answer leaves the
 *        action `sent` for the next pass, never sending again;
 *      - an answer naming an order that is terminal, or not the order
 *        requested (symbol, side, client id, quantity or stop beyond the
 *        venue's increment), is a failed placement, never protection (a venue
 *        may answer a reused client order id with an old cancelled stop);
 *      - a placement that failed for good takes the decision of follow_up.h,
 *        journaled as a new action and run at once: after a refusal as
 *        "would trigger" a price is always fetched from the venue first, and
 *        the stop the planner's rules give at that price is placed (or an
 *        exit, where the policy leads there); an answer that is not the
 *        order requested is sent again under the next attempt's client order
 *        id; otherwise an emergency close or an alert where reckon left the
 *        position bare. What depends on the failed action (a futures
 *        replacement's cancel of the old stop) runs when the follow-ups
 *        succeeded in its place;
 *     Notes that cite another action (the breaker's "depends on action N")
 *     name its journal id ("action #51"), as the report does;
 *  5. journal the end of the run (and the fill cursor when it is safe to
 *     advance).
 *
 * With dry_run, steps 1 and 4 send nothing: actions are journaled `dry_run`.
 */
#ifndef RECKON_RECON_EXEC_H
#define RECKON_RECON_EXEC_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "journal.h"
#include "policy.h"
#include "reconcile.h"
#include "venue.h"

struct recon_outcome {
	int64_t run_id;
	bool complete;                       /* snapshot was complete */
	char reason[VENUE_REASON_MAX];       /* why not, or "" */
	size_t nfindings;
	size_t nactions;                     /* including follow-ups */
	size_t by_status[ASTAT_SKIPPED + 1]; /* final status counts */
	size_t resolved_pending;             /* earlier `sent` actions resolved */
};

/*
 * Runs one pass for `account` on venue `v`. Writes a readable report of
 * findings and actions to `report` (may be NULL). Returns non-OK only when
 * the journal fails (including any failed read of the local state, which
 * ends the pass before anything is planned); venue failures are outcomes,
 * recorded in the journal.
 */
enum rk_rc recon_run_pass(struct journal *j, struct venue *v, const char *account,
			  const struct policy *policy, bool dry_run, FILE *report,
			  struct recon_outcome *out /* OUT */, struct rk_err *err);

/* Replaces how the executor waits between two sends of a placement (NULL:
 * the real sleep). For tests: a fake clock's sleep. Process-wide. */
void recon_exec_set_sleep(void (*sleep_ms)(int64_t ms));

#endif
