/*
 * exec_place.c — placements (place_stop, replace_stop, emergency_close): the
 * request is sent with its `sent` status already committed; a 5xx or a
 * timeout is an unknown outcome, resolved by client order id and retried
 * under the same id (never sent again while the lookup has no answer); the
 * order the venue answers with must be the order requested (rule 6) before
 * it counts as protection; a placement that failed for good goes to
 * followup.c. See recon_exec.h, step 4.
 */
#include "exec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The longest single wait between two sends of one placement. */
#define RETRY_WAIT_MAX_MS 60000

/*
 * Sends placement i. A 5xx or a timeout is an unknown outcome, not a refusal:
 * the client order id is looked up (rule 2b); when the venue confirms it does
 * not have the order, the same request (same id) is sent again, up to
 * protect_retries times, waiting protect_retry_backoff_ms first and twice as
 * long each next time. A lookup without an answer leaves it unknown: the
 * action stays `sent` and the next pass resolves it, never sending again.
 */
static void send_placement(struct exec *x, size_t i, struct placed *p)
{
	const struct action *a = &x->plan->actions[i];
	const struct policy_rule *rule = policy_for(x->policy, x->v->kind, a->symbol);
	int64_t wait = rule->protect_retry_backoff_ms;
	memset(p, 0, sizeof *p);
	for (int k = 0;; k++) {
		struct rk_err verr = {0};
		struct venue_order_result q;
		p->sends++;
		if (venue_place(x->v, &a->req, &p->r, &verr) != RK_OK) {
			p->r.outcome = VOUT_UNKNOWN;
			snprintf(p->r.reason, sizeof p->r.reason, "%.200s", verr.msg);
		}
		if (p->r.outcome != VOUT_UNKNOWN)
			return;
		if (venue_get_order(x->v, a->symbol, NULL, a->req.client_order_id, &q, &verr) != RK_OK)
			q.outcome = VOUT_UNKNOWN;
		if (q.outcome == VOUT_OK) {
			p->r.outcome = VOUT_OK;
			snprintf(p->r.order_id, sizeof p->r.order_id, "%s", q.order.order_id);
			p->r.status = q.order.status;
			p->r.has_order = true;
			p->r.order = q.order;
			return;
		}
		if (q.outcome != VOUT_NOT_FOUND)
			return;
		if (k >= rule->protect_retries) {
			p->absent = true;
			return;
		}
		x->sleep_ms(wait);
		wait = wait * 2 > RETRY_WAIT_MAX_MS ? RETRY_WAIT_MAX_MS : wait * 2;
	}
}

/* Is `have` within one increment of `want` (equal when there is none)? */
static bool near(struct dec have, struct dec want, struct dec inc)
{
	struct dec d;
	if (dec_sub(have, want, &d) != DEC_OK)
		return false;
	return dec_sign(inc) > 0 ? dec_cmp(dec_abs(d), inc) < 0 : dec_is_zero(d);
}

/*
 * Why the order a placement was answered with is not the order requested
 * (writes it into why, returns true), or false when it is. A venue can
 * answer a reused client order id with an older order (Coinbase does): a
 * cancelled stop, or another journal's order. A stop already terminal is not
 * protection either. Amounts may differ by the venue's rounding to its
 * increments, not more. Fields the answer leaves out are not compared.
 */
static bool not_requested(const struct exec *x, const struct venue_order_req *req,
			  const struct order_rec *o, char *why, size_t cap)
{
	const struct instrument *ins = venue_snapshot_instrument(x->snap, req->symbol);
	struct dec step = ins ? ins->step_size : dec_zero(), tick = ins ? ins->tick_size : dec_zero();
	const char *what = NULL;
	if (req->type != OTYPE_MARKET && order_status_is_terminal(o->status))
		what = order_status_name(o->status);
	else if (o->symbol[0] && strcmp(o->symbol, req->symbol) != 0)
		what = "for another symbol";
	else if (o->side != SIDE_NONE && o->side != req->side)
		what = "on the other side";
	else if (o->client_order_id[0] && strcmp(o->client_order_id, req->client_order_id) != 0)
		what = "under another client order id";
	else if (!req->close_position && dec_sign(o->qty) > 0 && !near(o->qty, req->qty, step))
		what = "for another quantity";
	else if (req->has_stop_price && o->has_stop_price && !near(o->stop_price, req->stop_price, tick))
		what = "with another stop price";
	if (what)
		snprintf(why, cap, "the venue answered with order %.64s, which is %s: not the order"
			 " requested", o->order_id, what);
	return what != NULL;
}

/* The order placement i was answered with, as the venue describes it: from
 * the answer, else by looking its id up. False when neither says. */
static bool answered_order(struct exec *x, size_t i, const struct placed *p,
			   struct order_rec *o)
{
	struct venue_order_result q;
	struct rk_err verr = {0};
	if (p->r.has_order) {
		*o = p->r.order;
		return true;
	}
	if (venue_get_order(x->v, x->plan->actions[i].symbol, p->r.order_id, NULL, &q, &verr) !=
		    RK_OK || q.outcome != VOUT_OK)
		return false;
	*o = q.order;
	return true;
}

/* The answer as journaled (exec_int.h). */
char *exec_placed_json(const struct exec *x, size_t i, const struct placed *p,
			 const char *status)
{
	int64_t since = x->slot[i].bare_since_us;
	struct resp r = {.outcome = p->r.outcome, .reject = p->r.reject, .code = p->r.venue_code,
			 .reason = p->r.reason, .order_id = p->r.order_id, .status = status,
			 .unprotected = since > 0, .unprotected_ms = (exec_now(x) - since) / 1000,
			 .sends = p->sends};
	return exec_resp_json(&r);
}

/* The order row of placement i: as requested (the venue does not know why
 * reckon placed it), under the id and status the venue answered. */
static void placed_order_row(const struct exec *x, size_t i, const struct placed *p,
			     struct order_rec *o)
{
	const struct venue_order_req *req = &x->plan->actions[i].req;
	memset(o, 0, sizeof *o);
	exec_stamp(o, x);
	snprintf(o->symbol, sizeof o->symbol, "%s", req->symbol);
	snprintf(o->order_id, sizeof o->order_id, "%s", p->r.order_id);
	snprintf(o->client_order_id, sizeof o->client_order_id, "%s", req->client_order_id);
	o->side = req->side;
	o->type = req->type;
	o->status = p->r.status == OSTATUS_NONE ? OSTATUS_OPEN : p->r.status;
	o->purpose = req->purpose;
	o->reduce_only = req->reduce_only || req->close_position;
	o->qty = req->qty;
	o->has_price = req->has_price, o->price = req->price;
	o->has_stop_price = req->has_stop_price, o->stop_price = req->stop_price;
}

/* Journals placement i as succeeded: its order and, for a market order, the
 * fills that prove it traded. */
static enum rk_rc placement_succeeded(struct exec *x, size_t i, const struct placed *p,
				      struct rk_err *err)
{
	struct order_rec o;
	struct fill_rec *fills = NULL;
	size_t nfills = 0;
	struct dec total;
	enum rk_rc rc = RK_OK;
	placed_order_row(x, i, p, &o);
	/* A market order trades at once: journal the fills that prove it. Its
	 * order row is journaled open first and reaches filled through them. */
	if (o.type == OTYPE_MARKET) {
		o.status = OSTATUS_OPEN;
		rc = exec_unknown_fills(x->j, x->v, x->account, o.symbol, o.order_id, &fills, &nfills,
					&total, err);
		if (rc == RK_EUNKNOWN)
			rc = RK_OK;
		if (rc)
			return rc;
	}
	char *resp = exec_placed_json(x, i, p, order_status_name(o.status));
	struct settlement s = {.status = ASTAT_SUCCEEDED, .orders = &o, .norders = 1, .fills = fills,
			       .nfills = nfills, .orders_first = true, .order_id = p->r.order_id,
			       .response = resp};
	exec_result(x, i, "placed %s%s%s", p->r.order_id, nfills ? " (filled)" : "",
		    p->sends > 1 ? " (sent again after no answer)"
		    : x->slot[i].bare_since_us ? " (after an unprotected gap)" : "");
	rc = exec_settle(x, i, &s, err);
	free(resp);
	free(fills);
	return rc;
}

enum rk_rc exec_place(struct exec *x, size_t i, struct rk_err *err)
{
	struct placed p;
	struct order_rec o;
	char why[300];
	enum rk_rc rc = exec_update(x, i, ASTAT_SENT, NULL, NULL, NULL, err);
	if (rc)
		return rc;
	send_placement(x, i, &p);
	if (p.r.outcome == VOUT_UNKNOWN && !p.absent) {
		char *resp = exec_placed_json(x, i, &p, NULL);
		exec_result(x, i, "outcome unknown (%.100s): resolved by client order id next pass",
			    p.r.reason);
		rc = exec_update(x, i, ASTAT_SENT, NULL, resp, x->slot[i].result, err);
		free(resp);
		return rc;
	}
	if (p.absent) {
		snprintf(why, sizeof why, "no answer (%.150s) and not found by client order id, %d"
			 " send%s", p.r.reason, p.sends, p.sends > 1 ? "s" : "");
		return exec_placement_failed(x, i, &p, FOLLOW_CAUSE_NO_ANSWER, why, err);
	}
	if (p.r.outcome != VOUT_OK) {
		snprintf(why, sizeof why, "refused: %.200s%s",
			 p.r.reason[0] ? p.r.reason : venue_reject_name(p.r.reject),
			 p.r.reject == VREJ_WOULD_TRIGGER ? " (would trigger)" : "");
		return exec_placement_failed(x, i, &p, p.r.reject == VREJ_WOULD_TRIGGER
							  ? FOLLOW_CAUSE_WOULD_TRIGGER : FOLLOW_CAUSE_REFUSED,
					why, err);
	}
	/* Rule 6: only the order requested protects; a venue answering a reused
	 * client order id with another order (a cancelled stop) does not. */
	if (answered_order(x, i, &p, &o) &&
	    not_requested(x, &x->plan->actions[i].req, &o, why, sizeof why))
		return exec_placement_failed(x, i, &p, FOLLOW_CAUSE_NOT_PROTECTION, why, err);
	return placement_succeeded(x, i, &p, err);
}
