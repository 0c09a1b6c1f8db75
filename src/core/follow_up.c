/* follow_up.c — the decision after a placement did not protect (see follow_up.h). */
#include "follow_up.h"

#include <stdio.h>
#include <string.h>

#include "rk_buf.h"
#include "stop_level.h"

const char *follow_up_kind_name(enum follow_up_kind k)
{
	switch (k) {
	case FOLLOW_NONE: return "none";
	case FOLLOW_PLACE_AGAIN: return "place_again";
	case FOLLOW_RESEND: return "resend";
	case FOLLOW_EMERGENCY_CLOSE: return "emergency_close";
	case FOLLOW_ALERT: return "alert";
	}
	return "";
}

const char *follow_up_cause_name(enum follow_up_cause c)
{
	switch (c) {
	case FOLLOW_CAUSE_WOULD_TRIGGER: return "would trigger";
	case FOLLOW_CAUSE_REFUSED: return "refused";
	case FOLLOW_CAUSE_NO_ANSWER: return "no answer after every retry";
	case FOLLOW_CAUSE_NOT_PROTECTION: return "answered with an order that is not protection";
	}
	return "";
}

enum rk_rc follow_up_client_order_id(const char *root, enum follow_up_kind kind, int n,
				     char out[MODEL_ID_MAX], struct rk_err *err)
{
	int len = -1;
	out[0] = '\0';
	if (root && root[0] && kind == FOLLOW_PLACE_AGAIN && n >= 1)
		len = snprintf(out, MODEL_ID_MAX, "%s-r%d", root, n);
	else if (root && root[0] && kind == FOLLOW_EMERGENCY_CLOSE)
		len = snprintf(out, MODEL_ID_MAX, "%s-e", root);
	if (len < 0 || len >= MODEL_ID_MAX) {
		out[0] = '\0';
		return rk_err_set(err, RK_EINVAL, "follow-up: no client order id from '%.40s'",
				  root ? root : "");
	}
	return RK_OK;
}

static const char *reason_of(const struct follow_up_in *in)
{
	return in->reason && in->reason[0] ? in->reason : follow_up_cause_name(in->cause);
}

/* Did reckon leave the position without working protection (see the header)? */
static bool bare(const struct follow_up_in *in)
{
	return in->stop_cancelled || in->failed->through_stop;
}

/* Makes out->next the emergency close of the failed placement's size. */
static enum rk_rc plan_close(const struct follow_up_in *in, struct follow_up *out,
			     struct rk_err *err)
{
	struct action *n = &out->next;
	out->kind = FOLLOW_EMERGENCY_CLOSE;
	enum rk_rc rc = follow_up_client_order_id(in->root_client_order_id, out->kind, 0,
						  n->req.client_order_id, err);
	if (rc)
		return rc;
	n->kind = ACT_EMERGENCY_CLOSE;
	n->status = ASTAT_PLANNED;
	n->depends_on = -1;
	n->req.type = OTYPE_MARKET;
	n->req.has_price = n->req.has_stop_price = false;
	n->req.price = n->req.stop_price = dec_zero();
	n->req.purpose = PURPOSE_EXIT;
	n->req.reduce_only = in->is_futures;
	n->req.close_position = false;
	snprintf(n->note, sizeof n->note, "emergency close at market: %.200s", out->why);
	return RK_OK;
}

/* Rule 4 (and the end of rules 2 and 3): a bare position follows
 * on_protect_failure; another keeps what it has until the next pass. */
static enum rk_rc on_lost(const struct follow_up_in *in, const struct policy_rule *rule,
			  const char *what, struct follow_up *out, struct rk_err *err)
{
	bool close = rule->on_protect_failure == PROTECT_FAIL_EMERGENCY_CLOSE;
	if (!bare(in)) {
		rk_fmt(out->why, sizeof out->why,
		       "%s (%.80s): the position keeps what protects it now and the next pass"
		       " places a stop again",
		       what, reason_of(in));
		return RK_OK;
	}
	out->kind = close ? FOLLOW_EMERGENCY_CLOSE : FOLLOW_ALERT;
	rk_fmt(out->why, sizeof out->why, "%s (%.80s)%s: %s (on_protect_failure=%s)", what,
	       reason_of(in),
	       in->stop_cancelled ? " after its old stop was cancelled"
				  : " while its stop is through the price",
	       close ? "closed at market" : "the position is left UNPROTECTED",
	       policy_protect_failure_name(rule->on_protect_failure));
	return close ? plan_close(in, out, err) : RK_OK;
}

/* Rule 2 without a stop to place: nothing at market. A bare position, or
 * one that had no stop, is reported UNPROTECTED until the next pass. */
static enum rk_rc no_stop_now(const struct follow_up_in *in, const char *what,
			      struct follow_up *out)
{
	bool had_none = in->failed->kind == ACT_PLACE_STOP && !in->stop_cancelled;
	out->kind = bare(in) || had_none ? FOLLOW_ALERT : FOLLOW_NONE;
	rk_fmt(out->why, sizeof out->why, "%s: nothing is sent at market; %s", what,
	       out->kind == FOLLOW_ALERT ? "the position is left UNPROTECTED until the next pass"
					 : "the position keeps its stop until the next pass");
	return RK_OK;
}

/* Rule 2 with attempts left and a fresh price: what the planner would plan
 * at that price. False in *placed when no level comes of it. */
static enum rk_rc replace_at_fresh_price(const struct follow_up_in *in,
					 const struct policy_rule *rule, struct follow_up *out,
					 bool *placed, struct rk_err *err)
{
	const struct venue_order_req *req = &in->failed->req;
	struct stop_level_in li = {.is_long = req->side == SIDE_SELL, .price = in->price,
				   .has_entry = in->failed->has_entry, .entry = in->failed->entry,
				   .through_stop = in->failed->through_stop,
				   .tick_size = in->tick_size, .price_name = "fresh price",
				   .with_limit = req->type == OTYPE_STOP_LIMIT && req->has_price};
	struct stop_level lv;
	char px[DEC_STR_MAX];
	struct rk_err lerr = {0};
	*placed = false;
	if (stop_level_decide(rule, &li, &lv, &lerr) != RK_OK)
		return RK_OK; /* an amount out of range: as no price */
	if (lv.exit) {
		rk_fmt(out->why, sizeof out->why,
		       "at the fresh price %s after a would-trigger refusal: %.170s",
		       dec_format(in->price, px), lv.why);
		*placed = true;
		return plan_close(in, out, err);
	}
	if (dec_sign(lv.stop) <= 0 || stop_level_through(li.is_long, lv.stop, in->price))
		return RK_OK;
	struct action *n = &out->next;
	out->kind = FOLLOW_PLACE_AGAIN;
	enum rk_rc rc = follow_up_client_order_id(in->root_client_order_id, out->kind,
						  in->replaced + 1, n->req.client_order_id, err);
	if (rc)
		return rc;
	*placed = true;
	n->kind = ACT_PLACE_STOP;
	n->status = ASTAT_PLANNED;
	n->depends_on = -1;
	n->req.stop_price = lv.stop;
	if (li.with_limit)
		n->req.price = lv.limit;
	rk_fmt(out->why, sizeof out->why, "re-placed from the fresh price %s",
	       dec_format(in->price, px));
	snprintf(n->note, sizeof n->note,
		 "stop refused as would-trigger; at the fresh price %s: %.150s (attempt %d of %d)",
		 px, lv.why, in->replaced + 1, rule->reprice_max_attempts);
	return RK_OK;
}

/* Rule 2. */
static enum rk_rc after_would_trigger(const struct follow_up_in *in,
				      const struct policy_rule *rule, struct follow_up *out,
				      struct rk_err *err)
{
	char what[200], px[DEC_STR_MAX];
	bool placed = false;
	enum rk_rc rc;
	if (in->replaced >= rule->reprice_max_attempts) {
		snprintf(what, sizeof what, "stop refused as would-trigger after %d re-placed stop%s"
			 " (reprice_max_attempts=%d)%s%s", in->replaced, in->replaced == 1 ? "" : "s",
			 rule->reprice_max_attempts, in->has_price ? ", fresh price " : "",
			 in->has_price ? dec_format(in->price, px) : "");
		if (bare(in))
			return on_lost(in, rule, what, out, err);
		return no_stop_now(in, what, out);
	}
	if (!in->has_price) {
		snprintf(what, sizeof what, "stop refused as would-trigger (%.80s) and no fresh price"
			 " to decide from", reason_of(in));
		return no_stop_now(in, what, out);
	}
	if ((rc = replace_at_fresh_price(in, rule, out, &placed, err)) || placed)
		return rc;
	snprintf(what, sizeof what, "stop refused as would-trigger (%.80s) and the fresh price %s"
		 " gives no stop", reason_of(in), dec_format(in->price, px));
	return no_stop_now(in, what, out);
}

/* Rule 3: the same request under the next attempt's client order id. */
static enum rk_rc resend_fresh(const struct follow_up_in *in, const struct policy_rule *rule,
			       struct follow_up *out, struct rk_err *err)
{
	struct action *n = &out->next;
	if (!in->finding_key || !in->finding_key[0])
		return rk_err_set(err, RK_EINVAL, "follow-up: no finding key to derive a new id from");
	reconcile_client_order_id(in->journal_id, in->finding_key, in->failed->attempt + 1,
				  n->req.client_order_id);
	if (!n->req.client_order_id[0])
		return rk_err_set(err, RK_ENOMEM, "follow-up: cannot hash a client order id");
	out->kind = FOLLOW_RESEND;
	n->attempt = in->failed->attempt + 1;
	n->status = ASTAT_PLANNED;
	n->depends_on = -1;
	rk_fmt(out->why, sizeof out->why,
	       "sent again under the next attempt's client order id (re-send %d of %d)",
	       in->resent + 1, rule->protect_retries);
	snprintf(n->note, sizeof n->note,
		 "answered with an order that is not the one requested (its client order id was"
		 " used before, e.g. by the journal this one was copied from): the same request"
		 " under the next attempt's client order id (re-send %d of %d)",
		 in->resent + 1, rule->protect_retries);
	return RK_OK;
}

enum rk_rc follow_up_decide(const struct follow_up_in *in, const struct policy_rule *rule,
			    struct follow_up *out, struct rk_err *err)
{
	memset(out, 0, sizeof *out);
	if (!in || !in->failed || !rule)
		return rk_err_set(err, RK_EINVAL, "follow-up: missing input");
	enum action_kind k = in->failed->kind;
	if (k != ACT_PLACE_STOP && k != ACT_REPLACE_STOP && k != ACT_EMERGENCY_CLOSE)
		return rk_err_set(err, RK_EINVAL, "follow-up: action %s is not a placement",
				  action_kind_name(k));
	out->next = *in->failed;
	if (k == ACT_EMERGENCY_CLOSE) {
		rk_fmt(out->why, sizeof out->why,
		       "the emergency close did not go through: the next pass plans again");
		return RK_OK;
	}
	if (in->cause == FOLLOW_CAUSE_WOULD_TRIGGER)
		return after_would_trigger(in, rule, out, err);
	if (in->cause == FOLLOW_CAUSE_NOT_PROTECTION && in->resent < rule->protect_retries)
		return resend_fresh(in, rule, out, err);
	return on_lost(in, rule, "protection could not be placed", out, err);
}
