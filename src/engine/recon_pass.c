/*
 * recon_pass.c — one reconciliation pass (see recon_exec.h): crash recovery
 * (recovery.c), the snapshot and the local state, the pure plan, the run
 * with its findings and planned actions journaled before anything is sent,
 * the actions run in order (exec.c), the end of the run, and the report to
 * the caller's sink.
 */
#include "exec_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pass_lock.h"
#include "recon_journal.h"
#include "recon_store.h"
#include "txn.h"

static void real_sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * The planner's notes cite an action a skipped one depends on by its index
 * in the plan ("depends on action 2"); the journal and the report name
 * actions by their journal ids. Rewrites "action <depends_on>" (the whole
 * number) as "action #<id>".
 */
static void note_with_ids(const struct exec *x, struct action *a)
{
	char idx[32], out[sizeof a->note];
	if (a->depends_on < 0)
		return;
	int n = snprintf(idx, sizeof idx, "action %d", a->depends_on);
	for (const char *p = strstr(a->note, idx); p; p = strstr(p + 1, idx)) {
		char after = p[n];
		if (after >= '0' && after <= '9')
			continue;
		snprintf(out, sizeof out, "%.*saction #%lld%s", (int)(p - a->note), a->note,
			 (long long)x->slot[a->depends_on].id, p + n);
		memcpy(a->note, out, sizeof a->note);
		return;
	}
}

/* The request journaled with an action: a placement's order, an inferred
 * fill with its basis. Caller frees. */
static char *action_request(const struct exec *x, const struct action *a)
{
	if (exec_is_placement(a->kind))
		return exec_req_json(&a->req);
	if (a->kind != ACT_RECORD_INFERRED_FILL)
		return NULL;
	return exec_record_json(a, a->finding < x->plan->nfindings ? &x->plan->findings[a->finding] : NULL);
}

struct plan_tx {
	struct exec *x;
	bool dry_run;
	int64_t now;
};

/* Journals the run's findings (halting a symbol whose filled quantity went
 * back, rule 2c) and its planned actions, before anything is sent. */
static enum rk_rc journal_findings(struct journal *j, const struct plan_tx *t,
				   struct rk_err *err)
{
	struct exec *x = t->x;
	enum rk_rc rc = RK_OK;
	for (size_t f = 0; !rc && f < x->plan->nfindings; f++) {
		const struct finding *fd = &x->plan->findings[f];
		rc = recon_journal_finding(j, x->run_id, x->v->kind, x->account, fd, t->now,
					   &x->finding_ids[f], err);
		if (!rc && fd->kind == FIND_FILL_REGRESSION && !t->dry_run)
			rc = recon_journal_halt(j, x->v->kind, x->account, fd->symbol,
						"exchange reports less filled quantity than the journal (rule 2c)",
						t->now, err);
	}
	return rc;
}

static enum rk_rc journal_plan(struct journal *j, void *ctx, struct rk_err *err)
{
	const struct plan_tx *t = ctx;
	struct exec *x = t->x;
	enum rk_rc rc = journal_findings(j, t, err);
	for (size_t i = 0; !rc && i < x->plan->nactions; i++) {
		struct action *a = &x->plan->actions[i];
		if (t->dry_run && a->status == ASTAT_PLANNED)
			a->status = ASTAT_DRY_RUN;
		exec_slot_init(&x->slot[i], a);
		note_with_ids(x, a);
		char *req = action_request(x, a);
		int64_t dep = a->depends_on >= 0 ? x->slot[a->depends_on].id : 0;
		rc = recon_journal_action(j, x->run_id,
					  a->finding < x->plan->nfindings ? x->finding_ids[a->finding] : 0,
					  x->v->kind, x->account, a,
					  exec_is_placement(a->kind) ? a->req.client_order_id : NULL, req,
					  dep, t->now, &x->slot[i].id, err);
		if (a->status == ASTAT_SKIPPED)
			exec_result(x, i, "%.150s", a->note);
		free(req);
	}
	return rc;
}

static enum rk_rc journal_run_start(struct journal *j, void *ctx, struct rk_err *err)
{
	const struct plan_tx *t = ctx;
	return recon_journal_run_start(j, t->x->v->kind, t->x->account, t->dry_run, t->now,
				       &t->x->run_id, err);
}

/* The fill cursor moves past the snapshot's fills only when every fill the
 * journal lacked was recorded in this pass (a halted symbol's are not).
 * Matched by fill id: fills inferred from an order's filled quantity are not
 * in the listing and must not stand in for one that is. */
static bool cursor_may_advance(const struct exec *x, bool dry_run)
{
	bool all_recorded = true;
	for (size_t k = 0; all_recorded && k < x->snap->nfills; k++) {
		bool done = x->local->fill_known && x->local->fill_known[k];
		for (size_t i = 0; !done && i < x->plan->nactions; i++)
			done = x->plan->actions[i].kind == ACT_RECORD_INFERRED_FILL &&
			       x->slot[i].status == ASTAT_SUCCEEDED &&
			       strcmp(x->plan->actions[i].fill.fill_id, x->snap->fills[k].fill_id) == 0;
		all_recorded = done;
	}
	return !dry_run && x->snap->complete && !x->inferred_fill_failed && all_recorded;
}

struct run_end_tx {
	const struct exec *x;
	bool dry_run;
	const char *cursor;
};

static enum rk_rc journal_run_end(struct journal *j, void *ctx, struct rk_err *err)
{
	const struct run_end_tx *t = ctx;
	const struct exec *x = t->x;
	const struct venue_snapshot *snap = x->snap;
	return recon_journal_run_end(j, x->run_id, x->v->kind, x->account, snap->complete,
				     snap->complete ? x->plan->reason : snap->incomplete_reason,
				     cursor_may_advance(x, t->dry_run) ? snap->fills_cursor : t->cursor,
				     exec_now(x), err);
}

/* The pass's report to the sink: its findings and every action as it ended. */
static enum rk_rc report_pass(const struct exec *x, struct rk_err *err)
{
	const struct recon_plan *p = x->plan;
	const struct venue_snapshot *snap = x->snap;
	if (!x->sink.pass)
		return RK_OK;
	struct recon_action_report *acts = calloc(p->nactions + 1, sizeof *acts);
	if (!acts)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		const struct slot *s = &x->slot[i];
		acts[i] = (struct recon_action_report){.id = s->id, .kind = a->kind,
						       .symbol = a->symbol, .status = s->status,
						       .note = a->note, .result = s->result};
	}
	struct recon_pass_report r = {
		.venue = x->v->kind, .account = x->account, .run_id = x->run_id,
		.complete = snap->complete,
		.incomplete_reason = snap->complete ? "" : snap->incomplete_reason,
		.norders = snap->norders, .npositions = snap->npositions,
		.findings = p->findings, .nfindings = p->nfindings,
		.actions = acts, .nactions = p->nactions};
	x->sink.pass(x->sink.ctx, &r);
	free(acts);
	return RK_OK;
}

static void fill_outcome(const struct exec *x, struct recon_outcome *out)
{
	const struct venue_snapshot *snap = x->snap;
	out->run_id = x->run_id;
	out->complete = snap->complete;
	snprintf(out->reason, sizeof out->reason, "%s",
		 snap->complete ? x->plan->reason : snap->incomplete_reason);
	out->nfindings = x->plan->nfindings;
	out->nactions = x->plan->nactions;
	for (size_t i = 0; i < x->plan->nactions; i++)
		out->by_status[x->slot[i].status]++;
}

/* Steps 2 and 3: the snapshot (a failed one is still a run, journaled as
 * incomplete), the local state and the plan. A journal that cannot be read
 * ends the pass here, before anything is planned: an unreadable halt or
 * breaker count is not "none". */
/* Microseconds of the system clock: the pass's timings only. */
static int64_t tick(void)
{
	return rk_clock_now(rk_clock_system());
}

/* Adds the time since *t0 to *acc and restarts *t0. */
static void lap(int64_t *t0, int64_t *acc)
{
	int64_t t = tick();
	*acc += t - *t0;
	*t0 = t;
}

static enum rk_rc plan_pass(struct exec *x, const char *cursor, int64_t now,
			    struct venue_snapshot *snap, struct local_state *local,
			    struct rk_err *err)
{
	struct rk_err verr = {0};
	struct recon_timings *tm = &x->out->timings;
	int64_t t0 = tick();
	enum rk_rc rc;
	if (venue_snapshot(x->v, x->account, cursor, snap, &verr) != RK_OK) {
		venue_snapshot_free(snap);
		venue_snapshot_mark_incomplete(snap, "snapshot failed: %s", verr.msg);
	}
	lap(&t0, &tm->snapshot_us);
	rc = recon_store_load(x->j, x->v->kind, x->account, snap, now, local, err);
	lap(&t0, &tm->load_us);
	if (rc || (rc = reconcile_plan(local, snap, &x->v->caps, x->policy, x->plan, err)))
		return rc;
	lap(&t0, &tm->plan_us);
	x->actions_cap = x->plan->nactions;
	x->slot_cap = x->plan->nactions + 1;
	x->finding_ids = calloc(x->plan->nfindings + 1, sizeof *x->finding_ids);
	x->slot = calloc(x->slot_cap, sizeof *x->slot);
	if (!x->finding_ids || !x->slot)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	return RK_OK;
}

enum rk_rc recon_run_pass(struct journal *j, struct venue *v, const char *account,
			  const struct recon_opts *opts, struct recon_outcome *out,
			  struct rk_err *err)
{
	struct venue_snapshot snap = {0};
	struct local_state local = {0};
	struct recon_plan plan = {0};
	struct exec x = {.j = j, .v = v, .account = account, .policy = opts->policy,
			 .clock = opts->clock, .sleep_ms = opts->sleep_ms ? opts->sleep_ms : real_sleep_ms,
			 .sink = opts->sink, .snap = &snap, .local = &local, .plan = &plan, .out = out};
	bool dry_run = opts->dry_run;
	char cursor[MODEL_ID_MAX];
	enum rk_rc rc;

	struct recon_timings *tm = &out->timings;
	int64_t start = tick(), t0 = start;
	struct pass_lock lock = {.fd = -1};
	memset(out, 0, sizeof *out);
	/* One pass at a time per journal, venue and account: two would each
	 * send the plan of the same snapshot. */
	if ((rc = pass_lock_acquire(j, venue_name(v->kind), account, &lock, err)))
		goto out;
	if (!dry_run && (rc = exec_recover(j, v, account, x.clock, &out->resolved_pending, err)))
		goto out;
	lap(&t0, &tm->recover_us);
	if ((rc = recon_store_fills_cursor(j, v->kind, account, cursor, err)))
		goto out;
	int64_t now = exec_now(&x);
	struct plan_tx pt = {.x = &x, .dry_run = dry_run, .now = now};
	if ((rc = plan_pass(&x, cursor, now, &snap, &local, err)))
		goto out;
	t0 = tick();
	if ((rc = journal_tx(j, journal_run_start, &pt, err)) ||
	    (rc = journal_tx(j, journal_plan, &pt, err)))
		goto out;
	lap(&t0, &tm->journal_us);
	/* Follow-ups are appended (and run at once) while we iterate: nactions
	 * is re-read, and an action already run is not run again. */
	for (size_t i = 0; !dry_run && i < plan.nactions; i++)
		if ((rc = exec_action(&x, i, err)))
			goto out;
	lap(&t0, &tm->execute_us);
	struct run_end_tx et = {.x = &x, .dry_run = dry_run, .cursor = cursor};
	if ((rc = journal_tx(j, journal_run_end, &et, err)) ||
	    (rc = recon_journal_settle_pass(j, x.run_id, v->kind, account, &snap, exec_now(&x),
					    NULL, err)))
		goto out;
	lap(&t0, &tm->settle_us);
	fill_outcome(&x, out);
	rc = report_pass(&x, err);
	tm->total_us = tick() - start;
out:
	pass_lock_release(&lock);
	free(x.finding_ids);
	free(x.slot);
	recon_plan_free(&plan);
	recon_store_free(&local);
	venue_snapshot_free(&snap);
	return rc;
}
