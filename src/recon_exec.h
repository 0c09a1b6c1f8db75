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
 *     skipped; a stop placement refused as "would trigger" takes the policy's
 *     path (re-priced stop or emergency close) as a follow-up action;
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
 * the journal fails; venue failures are outcomes, recorded in the journal.
 */
enum rk_rc recon_run_pass(struct journal *j, struct venue *v, const char *account,
			  const struct policy *policy, bool dry_run, FILE *report,
			  struct recon_outcome *out /* OUT */, struct rk_err *err);

#endif
