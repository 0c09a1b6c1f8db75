/*
 * followup.c — what follows a placement that failed for good: the failure is
 * turned into the input of the pure decision (follow_up.h), journaled with
 * what was decided, and a follow-up (a stop at a fresh price, a re-send under
 * the next attempt's id, an emergency close) is journaled as a new action and
 * run at once, so that what depends on the failed action sees how its chain
 * ended. See recon_exec.h, step 4.
 */
#include "exec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rk_array.h"
#include "recon_journal.h"
#include "txn.h"

/* Appends follow-up `f` of action i to the plan and its slots; n (OUT) is
 * its index. */
static enum rk_rc append_follow_up(struct exec *x, size_t i, const struct follow_up *f,
				   size_t *n, struct rk_err *err)
{
	*n = x->plan->nactions;
	if (!rk_array_reserve(&x->plan->actions, &x->actions_cap, *n + 1, sizeof *x->plan->actions) ||
	    !rk_array_reserve(&x->slot, &x->slot_cap, *n + 1, sizeof *x->slot))
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	struct action *a = &x->plan->actions[*n];
	struct slot *s = &x->slot[*n];
	*a = f->next;
	/* Its note names the action it answers, by journal id. */
	char note[sizeof a->note];
	snprintf(note, sizeof note, "follow-up of action #%lld: %s", (long long)x->slot[i].id,
		 f->next.note);
	memcpy(a->note, note, sizeof a->note);
	exec_slot_init(s, a);
	/* A fresh-id re-send starts a new root: ids derived from the old one may
	 * be in use elsewhere too. */
	if (f->kind != FOLLOW_RESEND)
		memcpy(s->root, x->slot[i].root, sizeof s->root); /* n > i */
	s->replaced = x->slot[i].replaced + (f->kind == FOLLOW_PLACE_AGAIN);
	s->resent = x->slot[i].resent + (f->kind == FOLLOW_RESEND);
	s->bare_since_us = x->slot[i].bare_since_us;
	x->slot[i].next = (int)*n;
	x->plan->nactions = *n + 1;
	return RK_OK;
}

struct follow_up_tx {
	struct exec *x;
	size_t n;
	const char *req;
};

static enum rk_rc journal_follow_up(struct journal *j, void *ctx, struct rk_err *err)
{
	struct follow_up_tx *t = ctx;
	struct exec *x = t->x;
	const struct action *a = &x->plan->actions[t->n];
	return recon_journal_action(j, x->run_id, x->finding_ids[a->finding], x->v->kind,
				    x->account, a, a->req.client_order_id, t->req, 0, exec_now(x),
				    &x->slot[t->n].id, err);
}

/* Journals follow-up `f` of action i and runs it at once, so that what
 * depends on i sees how the chain ended. */
static enum rk_rc run_follow_up(struct exec *x, size_t i, const struct follow_up *f,
				struct rk_err *err)
{
	struct follow_up_tx t = {.x = x};
	enum rk_rc rc = append_follow_up(x, i, f, &t.n, err);
	if (rc)
		return rc;
	char *req = exec_req_json(&x->plan->actions[t.n].req);
	t.req = req;
	rc = journal_tx(x->j, journal_follow_up, &t, err);
	free(req);
	if (rc)
		return rc;
	return exec_action(x, t.n, err);
}

/*
 * Journals placement i as failed and decides what follows (follow_up.h).
 * A refusal as would-trigger says the snapshot's price is stale: a price is
 * always asked from the venue first, whatever follows. The failed action's
 * error says why and what follows; a follow-up is journaled and run at once.
 */
enum rk_rc exec_placement_failed(struct exec *x, size_t i, const struct placed *p,
				 enum follow_up_cause cause, const char *why, struct rk_err *err)
{
	const struct action *a = &x->plan->actions[i];
	const struct policy_rule *rule = policy_for(x->policy, x->v->kind, a->symbol);
	const struct instrument *ins = venue_snapshot_instrument(x->snap, a->symbol);
	struct follow_up_in in = {.failed = a, .cause = cause, .reason = why,
				  .stop_cancelled = x->slot[i].bare_since_us > 0,
				  .tick_size = ins ? ins->tick_size : dec_zero(),
				  .replaced = x->slot[i].replaced, .resent = x->slot[i].resent,
				  .is_futures = x->v->caps.is_futures,
				  .root_client_order_id = x->slot[i].root,
				  .journal_id = x->local->journal_id,
				  .finding_key = a->finding < x->plan->nfindings
							 ? x->plan->findings[a->finding].key : ""};
	struct follow_up f;
	struct rk_err verr = {0};
	if (cause == FOLLOW_CAUSE_WOULD_TRIGGER)
		in.has_price = venue_last_price(x->v, a->symbol, &in.price, &verr) == RK_OK &&
			       dec_sign(in.price) > 0;
	enum rk_rc rc = follow_up_decide(&in, rule, &f, err);
	if (rc)
		return rc;
	exec_result(x, i, "%.70s -> %s: %.70s", why, follow_up_kind_name(f.kind), f.why);
	char error[600];
	snprintf(error, sizeof error, "%s; %s", why, f.why);
	if (cause == FOLLOW_CAUSE_WOULD_TRIGGER && !in.has_price)
		snprintf(error + strlen(error), sizeof error - strlen(error),
			 " (price request: %.100s)", verr.msg[0] ? verr.msg : "no positive price");
	char *resp = exec_placed_json(x, i, p, NULL);
	rc = exec_update(x, i, ASTAT_FAILED, NULL, resp, error, err);
	free(resp);
	if (rc || f.kind == FOLLOW_NONE || f.kind == FOLLOW_ALERT)
		return rc;
	return run_follow_up(x, i, &f, err);
}
