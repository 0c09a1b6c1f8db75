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
 *        seam opts->sleep_ms); a lookup without an answer leaves the
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
 *
 * The executor prints nothing: it reports through a sink (struct
 * recon_sink) — each action's journaled status change as it is committed,
 * and the pass's findings and actions once at its end — and returns counts in
 * struct recon_outcome. recon_text.h renders the report as the CLI shows it;
 * a daemon logs it instead.
 *
 * Files (all under src/engine/, sharing the private exec_int.h):
 *   recon_pass.c  the pass: steps 2, 3 and 5, and the report to the sink;
 *   recovery.c    step 1, crash recovery;
 *   exec.c        step 4: each action journaled before and after it is sent;
 *   exec_place.c  placements: unknown outcomes, retries, verifying the answer;
 *   followup.c    a failed placement turned into follow_up.h's decision, run;
 *   exec_json.c   the request and response JSON the actions carry.
 * Every journal write is one journal_tx (txn.h); every read is exec_store.h
 * or recon_store.h: no SQL here.
 *
 * Time: every "now" is read from opts->clock (a zeroed clock is the system
 * clock). Threads: one pass at a time per journal connection. Processes: one
 * pass at a time per journal, venue and account, across processes and
 * threads (pass_lock.h): a pass that finds another one running returns
 * RK_ECONFLICT before it recovers, reads or sends anything.
 */
#ifndef RECKON_RECON_EXEC_H
#define RECKON_RECON_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "policy.h"
#include "reconcile.h"
#include "rk_clock.h"
#include "venue.h"

/* Where a pass's time went, in microseconds of the system clock (wall
 * time, whatever opts->clock says): for `RECKON_TIMINGS=1` and benchmarks. */
struct recon_timings {
	int64_t recover_us;   /* step 1: crash recovery */
	int64_t snapshot_us;  /* step 2: the venue snapshot */
	int64_t load_us;      /* step 2: the local state from the journal */
	int64_t plan_us;      /* step 3: the planner */
	int64_t journal_us;   /* step 3: journaling the run, findings and actions */
	int64_t execute_us;   /* step 4 */
	int64_t settle_us;    /* step 5: the end of the run, resolved findings */
	int64_t total_us;     /* the whole of recon_run_pass */
};

struct recon_outcome {
	int64_t run_id;
	bool complete;                       /* snapshot was complete */
	char reason[VENUE_REASON_MAX];       /* why not, or "" */
	size_t nfindings;
	size_t nactions;                     /* including follow-ups */
	size_t by_status[ASTAT_SKIPPED + 1]; /* final status counts */
	size_t resolved_pending;             /* earlier `sent` actions resolved */
	struct recon_timings timings;
};

/* One action of the pass as reported. Strings are borrowed: valid during the
 * callback only. */
struct recon_action_report {
	int64_t id;                 /* the action's journal id */
	enum action_kind kind;
	const char *symbol;
	enum action_status status;  /* as journaled (`sent` while its outcome is unknown) */
	const char *note;           /* the planner's reason (follow-ups: which action they answer) */
	const char *result;         /* what happened, "" when nothing did yet */
};

/* The pass as reported at its end. Everything borrowed for the callback. */
struct recon_pass_report {
	enum venue_kind venue;
	const char *account;
	int64_t run_id;
	bool complete;                       /* the snapshot was complete */
	const char *incomplete_reason;       /* why not, "" when complete */
	size_t norders, npositions;          /* open orders and positions in the snapshot */
	const struct finding *findings;      /* the plan's findings, in order */
	size_t nfindings;
	const struct recon_action_report *actions; /* by plan order, follow-ups last */
	size_t nactions;
};

/* Where the executor reports. Every callback may be NULL; a zeroed sink
 * reports nothing. Called on the caller's thread, in order; a callback must
 * not use the journal connection of the pass. */
struct recon_sink {
	/* Each committed status change of an action of the plan (or of a
	 * follow-up): first `sent` (before the request leaves), then what it
	 * ended as — or `sent` again, with a result, when the outcome is
	 * unknown. Journal-only actions report their outcome only. */
	void (*action)(void *ctx, const struct recon_action_report *a);
	/* Once, when the whole pass is journaled (never after a journal error). */
	void (*pass)(void *ctx, const struct recon_pass_report *r);
	void *ctx;
};

struct recon_opts {
	const struct policy *policy; /* borrowed; required */
	bool dry_run;                /* send nothing: actions journaled `dry_run` */
	struct rk_clock clock;       /* the executor's "now"; zeroed: the system clock */
	/* How the executor waits between two sends of a placement (NULL: the
	 * real sleep). For tests: a fake clock's sleep. */
	void (*sleep_ms)(int64_t ms);
	struct recon_sink sink;      /* zeroed: reports nothing */
};

/*
 * Runs one pass for `account` on venue `v` as `opts` say (borrowed for the
 * call). Reports through opts->sink. Returns non-OK only when the journal
 * fails (including any failed read of the local state, which ends the pass
 * before anything is planned); venue failures are outcomes, recorded in the
 * journal. *out (OUT) is filled when the pass returns RK_OK.
 */
enum rk_rc recon_run_pass(struct journal *j, struct venue *v, const char *account,
			  const struct recon_opts *opts, struct recon_outcome *out /* OUT */,
			  struct rk_err *err);

#endif
