/*
 * recon_project.h — the projections of the reconciler's event types into
 * recon_runs, findings, actions, halts and exchange_positions. The events
 * are written by recon_journal.h; each function here is one entry of
 * events.c's dispatch table (events.h), called for live events and replays
 * alike.
 *
 * Payloads are the canonical JSON objects recon_journal.c builds. Row ids
 * are the seq of the event that created the row, so a replay reproduces
 * them. Each function runs in the caller's transaction and reads only the
 * materialized tables, never `events`. Errors: RK_ECORRUPT when a payload is
 * not a JSON object; RK_ECONFLICT when an event resolves a finding that is
 * not open or releases a halt that does not exist; RK_EDB, naming the event
 * type, when SQLite fails. None of these events is ever stale: `stale` is
 * untouched.
 */
#ifndef RECKON_RECON_PROJECT_H
#define RECKON_RECON_PROJECT_H

#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"

/* recon_run: a recon_runs row (id = seq). */
enum rk_rc recon_project_run(struct journal *j, int64_t seq, const char *payload, bool *stale,
			     struct rk_err *err);
/* recon_run_end: the run's finished_at, complete, reason and fills_cursor. */
enum rk_rc recon_project_run_end(struct journal *j, int64_t seq, const char *payload,
				 bool *stale, struct rk_err *err);
/* finding: a findings row (id = seq). */
enum rk_rc recon_project_finding(struct journal *j, int64_t seq, const char *payload,
				 bool *stale, struct rk_err *err);
/* action: an actions row (id = seq), keyed by its finding's key. */
enum rk_rc recon_project_action(struct journal *j, int64_t seq, const char *payload,
				bool *stale, struct rk_err *err);
/* action_update: an action's status, order id, response and error. */
enum rk_rc recon_project_action_update(struct journal *j, int64_t seq, const char *payload,
				       bool *stale, struct rk_err *err);
/* halt: the halts row of a venue, account and symbol (rule 2c). */
enum rk_rc recon_project_halt(struct journal *j, int64_t seq, const char *payload, bool *stale,
			      struct rk_err *err);
/* finding_resolved: marks an open finding resolved. */
enum rk_rc recon_project_finding_resolved(struct journal *j, int64_t seq, const char *payload,
					  bool *stale, struct rk_err *err);
/* exchange_positions: replaces the venue and account's exchange_positions. */
enum rk_rc recon_project_exchange_positions(struct journal *j, int64_t seq, const char *payload,
					    bool *stale, struct rk_err *err);
/* halt_released: removes the halts row. */
enum rk_rc recon_project_halt_released(struct journal *j, int64_t seq, const char *payload,
				       bool *stale, struct rk_err *err);

#endif
