/* follow_up.c — the decision after a placement did not protect (see follow_up.h). */
#include "follow_up.h"

#include <stdio.h>
#include <string.h>

const char *follow_up_kind_name(enum follow_up_kind k)
{
	switch (k) {
	case FOLLOW_NONE: return "none";
	case FOLLOW_REPRICE: return "reprice";
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
	if (root && root[0] && kind == FOLLOW_REPRICE && n >= 1)
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

/* price x (100 -/+ pct) / 100, rounded to the tick away from the market:
 * down for a sell (below the price), up for a buy. Exact; false when it
 * cannot be computed or does not leave the price on the right side. */
static bool beyond(struct dec price, struct dec pct, bool sell, struct dec tick, struct dec *out)
{
	struct dec hundred = dec_from_int(100), factor, v;
	enum dec_round away = sell ? DEC_ROUND_FLOOR : DEC_ROUND_CEIL;
	if ((sell ? dec_sub(hundred, pct, &factor) : dec_add(hundred, pct, &factor)) != DEC_OK ||
	    dec_muldiv(price, factor, hundred, away, &v) != DEC_OK)
		return false;
	if (dec_sign(tick) > 0 && dec_quantize(v, tick, away, &v) != DEC_OK)
		return false;
	if (dec_sign(v) <= 0 || (sell ? dec_cmp(v, price) >= 0 : dec_cmp(v, price) <= 0))
		return false;
	*out = v;
	return true;
}

/* Rule 2: the re-priced stop, or false when it cannot be computed. */
static bool reprice(const struct follow_up_in *in, const struct policy_rule *rule,
		    struct action *next)
{
	const struct venue_order_req *req = &in->failed->req;
	bool sell = req->side == SIDE_SELL;
	struct dec stop, limit;
	if (!in->has_price || !beyond(in->price, rule->reprice_buffer_pct, sell, in->tick_size, &stop))
		return false;
	next->req.stop_price = stop;
	next->req.has_stop_price = true;
	/* A stop-limit keeps its limit the buffer beyond its trigger (as the
	 * planner places it); a bracket keeps its take profit. */
	if (req->type == OTYPE_STOP_LIMIT && req->has_price) {
		if (!beyond(stop, rule->reprice_buffer_pct, sell, in->tick_size, &limit))
			return false;
		next->req.price = limit;
	}
	return true;
}

static enum rk_rc plan_next(const struct follow_up_in *in, const struct policy_rule *rule,
			    struct follow_up *out, struct rk_err *err)
{
	struct action *n = &out->next;
	char px[DEC_STR_MAX], stop[DEC_STR_MAX], buf[DEC_STR_MAX];
	enum rk_rc rc = follow_up_client_order_id(in->root_client_order_id, out->kind,
						  in->reprices + 1, n->req.client_order_id, err);
	if (rc)
		return rc;
	n->status = ASTAT_PLANNED;
	n->depends_on = -1;
	if (out->kind == FOLLOW_REPRICE) {
		n->kind = ACT_PLACE_STOP;
		snprintf(n->note, sizeof n->note,
			 "stop refused as would-trigger: re-priced %s from the fresh price %s with a %s%%"
			 " buffer (would_trigger=reprice, attempt %d of %d)",
			 dec_format(n->req.stop_price, stop), dec_format(in->price, px),
			 dec_format(rule->reprice_buffer_pct, buf), in->reprices + 1,
			 rule->reprice_max_attempts);
		return RK_OK;
	}
	n->kind = ACT_EMERGENCY_CLOSE;
	n->req.type = OTYPE_MARKET;
	n->req.has_price = n->req.has_stop_price = false;
	n->req.price = n->req.stop_price = dec_zero();
	n->req.purpose = PURPOSE_EXIT;
	n->req.reduce_only = in->is_futures;
	n->req.close_position = false;
	snprintf(n->note, sizeof n->note, "emergency close at market: %.200s", out->why);
	return RK_OK;
}

/* Rule 4's choice, and its words. */
static void on_failure(const struct follow_up_in *in, const struct policy_rule *rule,
		       const char *what, struct follow_up *out)
{
	bool close = rule->on_protect_failure == PROTECT_FAIL_EMERGENCY_CLOSE;
	out->kind = close ? FOLLOW_EMERGENCY_CLOSE : FOLLOW_ALERT;
	snprintf(out->why, sizeof out->why, "%s (%.80s)%s: %s (on_protect_failure=%s)", what,
		 in->reason && in->reason[0] ? in->reason : follow_up_cause_name(in->cause),
		 in->stop_cancelled ? " after its old stop was cancelled" : "",
		 close ? "closed at market" : "the position is left UNPROTECTED",
		 policy_protect_failure_name(rule->on_protect_failure));
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
		snprintf(out->why, sizeof out->why,
			 "the emergency close did not go through: the next pass plans again");
		return RK_OK;
	}
	bool trigger = in->cause == FOLLOW_CAUSE_WOULD_TRIGGER;
	if (trigger && rule->on_trigger == TRIGGER_REPRICE) {
		if (in->reprices < rule->reprice_max_attempts && reprice(in, rule, &out->next)) {
			out->kind = FOLLOW_REPRICE;
			snprintf(out->why, sizeof out->why, "re-priced from the fresh price");
			return plan_next(in, rule, out, err);
		}
		on_failure(in, rule,
			   !in->has_price ? "stop refused as would-trigger and no fresh price to"
					    " re-price from"
			   : in->reprices >= rule->reprice_max_attempts
				   ? "stop refused as would-trigger after every re-priced attempt"
				   : "stop refused as would-trigger and the fresh price gives no stop",
			   out);
	} else if (trigger) {
		out->kind = FOLLOW_EMERGENCY_CLOSE;
		snprintf(out->why, sizeof out->why,
			 "stop refused as would-trigger (%.80s) (would_trigger=emergency_close)",
			 in->reason && in->reason[0] ? in->reason : "the price is through it");
	} else if (in->stop_cancelled) {
		on_failure(in, rule, "protection could not be placed", out);
	} else {
		snprintf(out->why, sizeof out->why,
			 "protection could not be placed (%.80s): the position keeps what protects it"
			 " now and the next pass places a stop again",
			 in->reason && in->reason[0] ? in->reason : follow_up_cause_name(in->cause));
		return RK_OK;
	}
	return out->kind == FOLLOW_ALERT ? RK_OK : plan_next(in, rule, out, err);
}
