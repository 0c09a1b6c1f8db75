/* recon_exec.c — executing a reconciliation plan against a venue (see recon_exec.h). */
#include "recon_exec.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "recon_journal.h"
#include "recon_store.h"
#include "rtime.h"

struct exec {
	struct journal *j;
	struct venue *v;
	const char *account;
	const struct policy *policy;
	const struct venue_snapshot *snap;
	const struct local_state *local;
	struct recon_plan *plan;
	int64_t run_id;
	int64_t *finding_ids;       /* per plan finding */
	int64_t *action_ids;        /* per plan action */
	enum action_status *status; /* per plan action, final */
	char (*result)[160];        /* per plan action: what happened, for the report */
	struct recon_outcome *out;
	bool inferred_fill_failed;
};

/* ---- JSON for requests and responses ------------------------------------ */

static void json_dec(cJSON *o, const char *k, struct dec v)
{
	char b[DEC_STR_MAX];
	cJSON_AddStringToObject(o, k, dec_format(v, b));
}

/* Request JSON for a placement. Caller frees. */
static char *req_json(const struct venue_order_req *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "client_order_id", r->client_order_id);
	cJSON_AddStringToObject(o, "symbol", r->symbol);
	cJSON_AddStringToObject(o, "side", side_name(r->side));
	cJSON_AddStringToObject(o, "order_type", order_type_name(r->type));
	cJSON_AddStringToObject(o, "purpose", purpose_name(r->purpose));
	json_dec(o, "qty", r->qty);
	if (r->has_price)
		json_dec(o, "price", r->price);
	if (r->has_stop_price)
		json_dec(o, "stop_price", r->stop_price);
	if (r->reduce_only)
		cJSON_AddTrueToObject(o, "reduce_only");
	if (r->close_position)
		cJSON_AddTrueToObject(o, "close_position");
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* Response JSON: outcome, reject reason, code, message, order id. Caller frees. */
static char *resp_json(enum venue_outcome oc, enum venue_reject rej, int code, const char *reason,
		       const char *order_id, const char *status, int64_t unprotected_ms)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "outcome", venue_outcome_name(oc));
	if (rej != VREJ_NONE)
		cJSON_AddStringToObject(o, "reject", venue_reject_name(rej));
	if (code)
		cJSON_AddNumberToObject(o, "code", code);
	if (reason && reason[0])
		cJSON_AddStringToObject(o, "reason", reason);
	if (order_id && order_id[0])
		cJSON_AddStringToObject(o, "order_id", order_id);
	if (status && status[0])
		cJSON_AddStringToObject(o, "status", status);
	if (unprotected_ms >= 0)
		cJSON_AddNumberToObject(o, "unprotected_ms", (double)unprotected_ms);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

/* ---- journaling helpers (each its own transaction) ---------------------- */

static enum rk_rc update(struct exec *x, size_t i, enum action_status st, const char *order_id,
			 const char *response, const char *error, struct rk_err *err)
{
	enum rk_rc rc = journal_begin(x->j, err);
	if (rc)
		return rc;
	rc = recon_journal_action_update(x->j, x->action_ids[i], x->v->kind, x->account,
					 x->plan->actions[i].symbol, st, order_id, response, error,
					 rtime_now_us(), err);
	if (rc) {
		journal_rollback(x->j);
		return rc;
	}
	x->status[i] = st;
	return journal_commit(x->j, err);
}

/* Journals orders and/or fills learnt from the venue plus the action's
 * final status, atomically. */
static enum rk_rc settle(struct exec *x, size_t i, const struct order_rec *orders, size_t norders,
			 const struct fill_rec *fills, size_t nfills, enum action_status st,
			 const char *order_id, const char *response, const char *error,
			 struct rk_err *err)
{
	enum rk_rc rc = journal_begin(x->j, err);
	for (size_t k = 0; !rc && k < nfills; k++)
		rc = recon_journal_fill(x->j, &fills[k], err);
	for (size_t k = 0; !rc && k < norders; k++)
		rc = recon_journal_order(x->j, &orders[k], err);
	if (!rc)
		rc = recon_journal_action_update(x->j, x->action_ids[i], x->v->kind, x->account,
						 x->plan->actions[i].symbol, st, order_id, response,
						 error, rtime_now_us(), err);
	if (rc) {
		journal_rollback(x->j);
		return rc;
	}
	x->status[i] = st;
	return journal_commit(x->j, err);
}

static void set_result(struct exec *x, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_result(struct exec *x, size_t i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->result[i], sizeof x->result[i], fmt, ap);
	va_end(ap);
}

/* The order as reckon knows it: exchange snapshot first, then the journal. */
static bool find_order(const struct exec *x, const char *order_id, struct order_rec *out)
{
	for (size_t k = 0; k < x->snap->norders; k++)
		if (strcmp(x->snap->orders[k].order_id, order_id) == 0)
			return *out = x->snap->orders[k], true;
	for (size_t k = 0; k < x->local->norders; k++)
		if (strcmp(x->local->orders[k].rec.order_id, order_id) == 0)
			return *out = x->local->orders[k].rec, true;
	return false;
}

static void stamp(struct order_rec *o, const struct exec *x)
{
	rtime_format(rtime_now_us(), o->ts);
	o->venue = x->v->kind;
	snprintf(o->account, sizeof o->account, "%s", x->account);
}

/*
 * The order rows a verified cancel of `order_id` closes, as cancelled:
 * the order itself as reckon knows it (exchange snapshot first, then the
 * journal), and every local open order of the same symbol with the same
 * non-empty client order id under another id. A venue can report an order
 * under an id other than the one the bot journaled (Binance lists algo
 * orders as "algo:<algoId>" where the bot kept the bare number); the planner
 * matches them by client order id, so the cancel's verified result is that
 * order's too, and a row left open would linger as stale. *out (OUT) is
 * malloc'd (NULL when *n is 0); free() it.
 */
static enum rk_rc cancelled_rows(const struct exec *x, const char *order_id,
				 struct order_rec **out, size_t *n, struct rk_err *err)
{
	struct order_rec o;
	*out = NULL, *n = 0;
	if (!find_order(x, order_id, &o))
		return RK_OK;
	struct order_rec *v = malloc((x->local->norders + 1) * sizeof *v);
	if (!v)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	v[(*n)++] = o;
	for (size_t k = 0; o.client_order_id[0] && k < x->local->norders; k++) {
		const struct order_rec *l = &x->local->orders[k].rec;
		if (strcmp(l->order_id, order_id) != 0 && strcmp(l->symbol, o.symbol) == 0 &&
		    strcmp(l->client_order_id, o.client_order_id) == 0)
			v[(*n)++] = *l;
	}
	for (size_t k = 0; k < *n; k++) {
		v[k].status = OSTATUS_CANCELLED;
		stamp(&v[k], x);
	}
	*out = v;
	return RK_OK;
}

/* Fills of `order_id` the journal does not have yet. *out owned by caller.
 * RK_EUNKNOWN when the venue could not list them. */
static enum rk_rc unknown_fills(struct journal *j, struct venue *v, const char *account,
				const char *symbol, const char *order_id, struct fill_rec **out,
				size_t *n, struct dec *total, struct rk_err *err)
{
	struct fill_rec *fills = NULL;
	size_t nf = 0, keep = 0;
	*out = NULL, *n = 0, *total = dec_zero();
	struct rk_err verr = {0};
	if (venue_order_fills(v, symbol, order_id, &fills, &nf, &verr) != RK_OK)
		return RK_EUNKNOWN;
	for (size_t k = 0; k < nf; k++) {
		dec_add(*total, fills[k].qty, total);
		sqlite3_stmt *st;
		static const char SQL[] = "SELECT 1 FROM fills WHERE venue = ?1 AND fill_id = ?2";
		enum rk_rc rc = journal_stmt(j, SQL, &st, err);
		if (rc) {
			free(fills);
			return rc;
		}
		sqlite3_bind_text(st, 1, venue_name(v->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, fills[k].fill_id, -1, SQLITE_STATIC);
		bool known = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_reset(st);
		fills[k].venue = v->kind;
		snprintf(fills[k].account, sizeof fills[k].account, "%s", account);
		if (!known)
			fills[keep++] = fills[k];
	}
	*out = fills, *n = keep;
	return RK_OK;
}

/* ---- follow-ups for refused stops --------------------------------------- */

static bool grow_arrays(struct exec *x, size_t n)
{
	struct action *a = realloc(x->plan->actions, n * sizeof *a);
	if (!a)
		return false;
	x->plan->actions = a;
	int64_t *ids = realloc(x->action_ids, n * sizeof *ids);
	if (ids)
		x->action_ids = ids;
	enum action_status *st = realloc(x->status, n * sizeof *st);
	if (st)
		x->status = st;
	char(*res)[160] = realloc(x->result, n * sizeof *res);
	if (res)
		x->result = res;
	return ids && st && res;
}

/* Plans (and journals) a follow-up for placement `i` that the venue refused:
 * a re-priced stop when the policy says so and this was not already one,
 * otherwise an emergency close. Never silently drops protection (rule 4). */
static enum rk_rc plan_follow_up(struct exec *x, size_t i, bool allow_reprice, struct rk_err *err)
{
	const struct action *a = &x->plan->actions[i];
	const struct policy_rule *rule = policy_for(x->policy, x->v->kind, a->symbol);
	const struct venue_price *px = venue_snapshot_price(x->snap, a->symbol);
	const struct instrument *ins = venue_snapshot_instrument(x->snap, a->symbol);
	size_t n = x->plan->nactions;
	if (!grow_arrays(x, n + 1))
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	a = &x->plan->actions[i];
	struct action f = *a;
	char key[RECON_KEY_MAX + 16];
	bool reprice = allow_reprice && rule->on_trigger == TRIGGER_REPRICE && px &&
		       a->kind != ACT_EMERGENCY_CLOSE;
	f.status = ASTAT_PLANNED;
	f.depends_on = -1;
	if (reprice) {
		/* Stop beyond the last price by the buffer, rounded away from triggering. */
		struct dec pct, factor, level, hundred = dec_from_int(100);
		bool sell = a->req.side == SIDE_SELL;
		dec_div(rule->reprice_buffer_pct, hundred, DEC_ROUND_HALF_EVEN, &pct);
		if (sell)
			dec_sub(dec_from_int(1), pct, &factor);
		else
			dec_add(dec_from_int(1), pct, &factor);
		dec_mul(px->last, factor, DEC_ROUND_HALF_EVEN, &level);
		if (ins && dec_sign(ins->tick_size) > 0)
			dec_quantize(level, ins->tick_size, sell ? DEC_ROUND_FLOOR : DEC_ROUND_CEIL, &level);
		if (f.req.type == OTYPE_STOP_LIMIT && f.req.has_price) {
			struct dec lim;
			dec_mul(level, factor, DEC_ROUND_HALF_EVEN, &lim);
			if (ins && dec_sign(ins->tick_size) > 0)
				dec_quantize(lim, ins->tick_size, sell ? DEC_ROUND_FLOOR : DEC_ROUND_CEIL, &lim);
			f.req.price = lim;
		}
		f.req.stop_price = level;
		f.kind = ACT_PLACE_STOP;
		snprintf(key, sizeof key, "%s|reprice", a->req.client_order_id);
		snprintf(f.note, sizeof f.note,
			 "stop refused as would-trigger: re-priced from the last price with the policy buffer"
			 " (would_trigger=reprice)");
	} else {
		f.kind = ACT_EMERGENCY_CLOSE;
		f.req.type = OTYPE_MARKET;
		f.req.has_price = f.req.has_stop_price = false;
		f.req.purpose = PURPOSE_EXIT;
		f.req.reduce_only = x->v->caps.is_futures;
		f.req.close_position = false;
		snprintf(key, sizeof key, "%s|emergency", a->req.client_order_id);
		snprintf(f.note, sizeof f.note, "protection could not be placed (%s): emergency close at market",
			 x->result[i]);
	}
	reconcile_client_order_id(x->local->journal_id, key, 0, f.req.client_order_id);
	x->plan->actions[n] = f;
	x->status[n] = ASTAT_PLANNED;
	x->result[n][0] = '\0';
	x->plan->nactions = n + 1;
	char *req = req_json(&f.req);
	enum rk_rc rc = journal_begin(x->j, err);
	if (!rc)
		rc = recon_journal_action(x->j, x->run_id, x->finding_ids[f.finding], x->v->kind,
					  x->account, &f, f.req.client_order_id, req, 0, rtime_now_us(),
					  &x->action_ids[n], err);
	free(req);
	if (rc) {
		journal_rollback(x->j);
		return rc;
	}
	return journal_commit(x->j, err);
}

/* ---- executing one action ----------------------------------------------- */

static enum rk_rc exec_place(struct exec *x, size_t i, int64_t unprotected_since,
			     struct rk_err *err)
{
	struct action *a = &x->plan->actions[i];
	struct venue_place_result r;
	struct rk_err verr = {0};
	enum rk_rc rc = update(x, i, ASTAT_SENT, NULL, NULL, NULL, err);
	if (rc)
		return rc;
	if (venue_place(x->v, &a->req, &r, &verr) != RK_OK) {
		r.outcome = VOUT_UNKNOWN;
		snprintf(r.reason, sizeof r.reason, "%.200s", verr.msg);
	}
	if (r.outcome == VOUT_UNKNOWN) {
		/* It may have reached the venue: ask by client order id, never resend. */
		struct venue_order_result q;
		if (venue_get_order(x->v, a->symbol, NULL, a->req.client_order_id, &q, &verr) != RK_OK)
			q.outcome = VOUT_UNKNOWN;
		if (q.outcome == VOUT_OK) {
			r.outcome = VOUT_OK;
			snprintf(r.order_id, sizeof r.order_id, "%s", q.order.order_id);
			r.status = q.order.status;
		} else if (q.outcome == VOUT_NOT_FOUND) {
			r.outcome = VOUT_REJECTED;
			r.reject = VREJ_OTHER;
		} else {
			char *resp = resp_json(r.outcome, r.reject, r.venue_code, r.reason, NULL, NULL, -1);
			set_result(x, i, "outcome unknown (%s): resolved by client order id next pass",
				   r.reason);
			rc = update(x, i, ASTAT_SENT, NULL, resp, x->result[i], err);
			free(resp);
			return rc;
		}
	}
	int64_t unprotected_ms = unprotected_since ? (rtime_now_us() - unprotected_since) / 1000 : -1;
	if (r.outcome != VOUT_OK) {
		char *resp = resp_json(r.outcome, r.reject, r.venue_code, r.reason, NULL, NULL, unprotected_ms);
		set_result(x, i, "refused: %s%s", r.reason[0] ? r.reason : venue_reject_name(r.reject),
			   r.reject == VREJ_WOULD_TRIGGER ? " (would trigger)" : "");
		rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, x->result[i], err);
		free(resp);
		bool protective = a->kind == ACT_PLACE_STOP || a->kind == ACT_REPLACE_STOP;
		/* Rule 3/4: a refused protective placement, or one that left a position
		 * bare after its old stop was cancelled, takes the emergency path. */
		if (!rc && protective && (r.reject == VREJ_WOULD_TRIGGER || unprotected_since))
			rc = plan_follow_up(x, i, r.reject == VREJ_WOULD_TRIGGER &&
						      strstr(a->note, "re-priced") == NULL, err);
		return rc;
	}
	struct order_rec o = {0};
	stamp(&o, x);
	snprintf(o.symbol, sizeof o.symbol, "%s", a->req.symbol);
	snprintf(o.order_id, sizeof o.order_id, "%s", r.order_id);
	snprintf(o.client_order_id, sizeof o.client_order_id, "%s", a->req.client_order_id);
	o.side = a->req.side;
	o.type = a->req.type;
	o.status = r.status == OSTATUS_NONE ? OSTATUS_OPEN : r.status;
	o.purpose = a->req.purpose;
	o.reduce_only = a->req.reduce_only || a->req.close_position;
	o.qty = a->req.qty;
	o.has_price = a->req.has_price, o.price = a->req.price;
	o.has_stop_price = a->req.has_stop_price, o.stop_price = a->req.stop_price;
	/* A market order trades at once: journal the fills that prove it. Its
	 * order row is journaled open first and reaches filled through them. */
	struct fill_rec *fills = NULL;
	size_t nfills = 0;
	struct dec total;
	if (o.type == OTYPE_MARKET) {
		o.status = OSTATUS_OPEN;
		if ((rc = unknown_fills(x->j, x->v, x->account, o.symbol, o.order_id, &fills, &nfills,
					&total, err)) == RK_EUNKNOWN)
			rc = RK_OK;
		if (rc)
			return rc;
	}
	char *resp = resp_json(VOUT_OK, VREJ_NONE, 0, NULL, r.order_id, order_status_name(o.status),
			       unprotected_ms);
	enum rk_rc jrc = journal_begin(x->j, err);
	if (!jrc)
		jrc = recon_journal_order(x->j, &o, err);
	for (size_t k = 0; !jrc && k < nfills; k++)
		jrc = recon_journal_fill(x->j, &fills[k], err);
	if (!jrc)
		jrc = recon_journal_action_update(x->j, x->action_ids[i], x->v->kind, x->account,
						  a->symbol, ASTAT_SUCCEEDED, r.order_id, resp, NULL,
						  rtime_now_us(), err);
	if (jrc)
		journal_rollback(x->j);
	else
		jrc = journal_commit(x->j, err);
	if (!jrc) {
		x->status[i] = ASTAT_SUCCEEDED;
		set_result(x, i, "placed %s%s", r.order_id,
			   nfills ? " (filled)" : (unprotected_ms >= 0 ? " (after an unprotected gap)" : ""));
	}
	free(resp);
	free(fills);
	return jrc;
}

static enum rk_rc exec_cancel(struct exec *x, size_t i, struct rk_err *err)
{
	struct action *a = &x->plan->actions[i];
	struct venue_cancel_result r;
	struct rk_err verr = {0};
	const char *id = a->order_id;
	enum rk_rc rc = update(x, i, ASTAT_SENT, NULL, NULL, NULL, err);
	if (rc)
		return rc;
	if (venue_cancel_orders(x->v, a->symbol, &id, 1, &r, &verr) != RK_OK) {
		r.outcome = VOUT_UNKNOWN;
		snprintf(r.reason, sizeof r.reason, "%.200s", verr.msg);
	}
	char *resp = resp_json(r.outcome, r.reject, r.venue_code, r.reason, a->order_id, NULL, -1);
	if (r.outcome == VOUT_OK) {
		/* Only this order's own success result takes it out of the open set:
		 * under its exchange id, and under any other id the journal knows the
		 * same order by (the planner's same-order rule). */
		struct order_rec *closed = NULL;
		size_t nclosed = 0;
		if ((rc = cancelled_rows(x, a->order_id, &closed, &nclosed, err))) {
			free(resp);
			return rc;
		}
		set_result(x, i, "cancelled %s (verified)%s", a->order_id,
			   nclosed > 1 ? ", closed under its journaled id too" : "");
		rc = settle(x, i, closed, nclosed, NULL, 0, ASTAT_SUCCEEDED, a->order_id, resp, NULL, err);
		free(closed);
	} else if (r.outcome == VOUT_UNKNOWN) {
		/* No answer is not a refusal: it stays `sent` and the next pass looks
		 * the order up (resolve_pending). The order stays open meanwhile. */
		set_result(x, i, "cancel outcome unknown (%s): resolved by lookup next pass",
			   r.reason[0] ? r.reason : "no answer");
		rc = update(x, i, ASTAT_SENT, NULL, resp, x->result[i], err);
	} else {
		set_result(x, i, "cancel not verified: %s",
			   r.reason[0] ? r.reason : venue_outcome_name(r.outcome));
		rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, x->result[i], err);
	}
	free(resp);
	return rc;
}

/* Rule 2: a local order leaves the open set only on a terminal status from
 * a single-order lookup (or, when the venue no longer knows it, fills that
 * account for all of it). */
static enum rk_rc exec_close_local(struct exec *x, size_t i, struct rk_err *err)
{
	struct action *a = &x->plan->actions[i];
	struct order_rec o;
	struct venue_order_result q;
	struct rk_err verr = {0};
	struct fill_rec *fills = NULL;
	size_t nfills = 0;
	struct dec total = dec_zero();
	enum rk_rc rc = update(x, i, ASTAT_SENT, NULL, NULL, NULL, err);
	if (rc)
		return rc;
	if (!find_order(x, a->order_id, &o))
		return settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, NULL, "order not in the journal", err);
	if (venue_get_order(x->v, a->symbol, a->order_id, o.client_order_id, &q, &verr) != RK_OK)
		q.outcome = VOUT_UNKNOWN;
	char *resp = resp_json(q.outcome, VREJ_NONE, 0, q.reason[0] ? q.reason : verr.msg, a->order_id,
			       q.outcome == VOUT_OK ? order_status_name(q.order.status) : NULL, -1);
	if (q.outcome == VOUT_OK && !order_status_is_terminal(q.order.status)) {
		set_result(x, i, "still %s on the exchange: kept open", order_status_name(q.order.status));
		rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_SKIPPED, NULL, resp, x->result[i], err);
	} else if (q.outcome == VOUT_OK || q.outcome == VOUT_NOT_FOUND) {
		/* "Not found" is normal for an order that filled: its fills decide. */
		rc = unknown_fills(x->j, x->v, x->account, a->symbol, a->order_id, &fills, &nfills,
				   &total, err);
		if (rc == RK_EUNKNOWN) {
			rc = RK_OK;
			set_result(x, i, "fills of %s could not be fetched: kept open", a->order_id);
			rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, x->result[i], err);
		} else if (!rc && q.outcome == VOUT_OK) {
			o.status = q.order.status;
			if (q.order.has_filled_qty)
				o.has_filled_qty = true, o.filled_qty = q.order.filled_qty;
			stamp(&o, x);
			set_result(x, i, "exchange says %s: closed locally", order_status_name(o.status));
			rc = settle(x, i, &o, 1, fills, nfills, ASTAT_SUCCEEDED, a->order_id, resp, NULL, err);
		} else if (!rc && dec_cmp(total, o.qty) >= 0) {
			set_result(x, i, "not found, but its fills cover it: closed as filled");
			rc = settle(x, i, NULL, 0, fills, nfills, ASTAT_SUCCEEDED, a->order_id, resp, NULL, err);
		} else if (!rc) {
			set_result(x, i, "not found and no fills explain it: kept open, needs a look");
			rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, x->result[i], err);
		}
	} else {
		set_result(x, i, "lookup failed (%s): kept open", q.reason[0] ? q.reason : verr.msg);
		rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, x->result[i], err);
	}
	free(resp);
	free(fills);
	return rc;
}

static enum rk_rc exec_record(struct exec *x, size_t i, struct rk_err *err)
{
	struct action *a = &x->plan->actions[i];
	enum rk_rc rc;
	if (a->kind == ACT_ADOPT_ORDER) {
		struct order_rec o = a->order;
		o.venue = x->v->kind;
		snprintf(o.account, sizeof o.account, "%s", x->account);
		if (!o.ts[0])
			rtime_format(rtime_now_us(), o.ts);
		set_result(x, i, "adopted %s into the journal", o.order_id);
		rc = settle(x, i, &o, 1, NULL, 0, ASTAT_SUCCEEDED, o.order_id, NULL, NULL, err);
	} else {
		struct fill_rec f = a->fill;
		f.venue = x->v->kind;
		f.inferred = true;
		snprintf(f.account, sizeof f.account, "%s", x->account);
		set_result(x, i, "journaled fill %s (inferred)", f.fill_id);
		rc = settle(x, i, NULL, 0, &f, 1, ASTAT_SUCCEEDED, NULL, NULL, NULL, err);
		if (rc == RK_ECONFLICT || rc == RK_EINVAL) {
			/* The journal refused it (it contradicts what is recorded). */
			x->inferred_fill_failed = true;
			set_result(x, i, "journal refused the fill: %s", err->msg);
			rc = update(x, i, ASTAT_FAILED, NULL, NULL, x->result[i], err);
		}
	}
	return rc;
}

/* ---- crash recovery: actions left `sent` -------------------------------- */

static const char SQL_PENDING[] =
	"SELECT id, kind, symbol, order_id, client_order_id,"
	" json_extract(request, '$.purpose'), json_extract(request, '$.reduce_only'),"
	" json_extract(request, '$.close_position') FROM actions"
	" WHERE venue = ?1 AND account = ?2 AND status = 'sent' ORDER BY id";

struct pending {
	int64_t id;
	char kind[32], symbol[MODEL_SYM_MAX], order_id[MODEL_ID_MAX], client_id[MODEL_ID_MAX];
	enum purpose purpose; /* placements: what reckon placed it for (its request) */
	bool reduce_only;     /* placements: reduce-only or close-position */
};

/* Resolves one pending action by looking it up. Returns true if resolved. */
static enum rk_rc resolve_one(struct journal *j, struct venue *v, const char *account,
			      const struct pending *p, bool *resolved, struct rk_err *err)
{
	struct venue_order_result q;
	struct rk_err verr = {0};
	bool placement = strcmp(p->kind, "cancel_order") != 0 && strcmp(p->kind, "close_local_order") != 0;
	enum action_status st = ASTAT_SENT;
	const char *note = NULL;
	*resolved = false;
	if (placement && !p->client_id[0])
		return RK_OK;
	if (venue_get_order(v, p->symbol, placement ? NULL : p->order_id,
			    placement ? p->client_id : NULL, &q, &verr) != RK_OK)
		return RK_OK; /* still unknown: try again next pass */
	if (placement && q.outcome == VOUT_OK) {
		st = ASTAT_SUCCEEDED, note = NULL;
	} else if (placement && q.outcome == VOUT_NOT_FOUND) {
		st = ASTAT_FAILED, note = "never reached the venue (confirmed by client order id lookup)";
	} else if (!placement && q.outcome == VOUT_OK && order_status_is_terminal(q.order.status)) {
		/* A cancel succeeded only if the order ended cancelled; one that
		 * filled first did not (its fills are journaled all the same). */
		bool cancel = strcmp(p->kind, "cancel_order") == 0;
		st = !cancel || q.order.status == OSTATUS_CANCELLED ? ASTAT_SUCCEEDED : ASTAT_FAILED;
		note = st == ASTAT_FAILED ? "the order reached another terminal state before the cancel" : NULL;
	} else if (!placement && q.outcome == VOUT_OK) {
		st = ASTAT_FAILED, note = "order still open after the interrupted request";
	} else {
		return RK_OK;
	}
	/* An order that traded comes with the fills that prove it, journaled
	 * first: an order row claiming fills the journal lacks would make it
	 * refuse those fills when they arrive (filled beyond the order's qty). */
	struct fill_rec *fills = NULL;
	size_t nfills = 0;
	struct dec total;
	enum rk_rc rc = RK_OK;
	if (q.outcome == VOUT_OK && q.order.has_filled_qty && dec_sign(q.order.filled_qty) > 0) {
		rc = unknown_fills(j, v, account, p->symbol, q.order.order_id, &fills, &nfills, &total,
				   err);
		if (rc) {
			free(fills);
			return rc == RK_EUNKNOWN ? RK_OK : rc; /* unknown: try again next pass */
		}
	}
	rc = journal_begin(j, err);
	for (size_t k = 0; !rc && k < nfills; k++)
		rc = recon_journal_fill(j, &fills[k], err);
	free(fills);
	if (!rc && q.outcome == VOUT_OK) {
		q.order.venue = v->kind;
		snprintf(q.order.account, sizeof q.order.account, "%s", account);
		/* The venue does not know why reckon placed it; the request does, as
		 * exec_place journals it (a stop found this way is a stop_loss). */
		if (placement && q.order.purpose == PURPOSE_NONE)
			q.order.purpose = p->purpose;
		if (placement)
			q.order.reduce_only |= p->reduce_only;
		if (!q.order.ts[0])
			rtime_format(rtime_now_us(), q.order.ts);
		/* A journal that already holds a later state keeps it: the refused
		 * event is rolled back with its savepoint, never committed. */
		rc = journal_savepoint(j, err);
		if (!rc) {
			rc = recon_journal_order(j, &q.order, err);
			if (rc == RK_ECONFLICT) {
				journal_rollback_to_savepoint(j);
				rc = RK_OK;
			} else if (!rc) {
				rc = journal_release(j, err);
			}
		}
	}
	/* The verified answer replaces the "outcome unknown" one the action
	 * carried since it was interrupted. */
	char *resp = resp_json(q.outcome, VREJ_NONE, 0,
			       placement ? "resolved by client order id lookup" : "resolved by order lookup",
			       q.outcome == VOUT_OK ? q.order.order_id : NULL,
			       q.outcome == VOUT_OK ? order_status_name(q.order.status) : NULL, -1);
	if (!rc)
		rc = recon_journal_action_update(j, p->id, v->kind, account, p->symbol, st,
						 q.outcome == VOUT_OK ? q.order.order_id : NULL, resp,
						 note, rtime_now_us(), err);
	free(resp);
	if (rc) {
		journal_rollback(j);
		return rc;
	}
	*resolved = true;
	return journal_commit(j, err);
}

static const char SQL_STRANDED[] =
	"SELECT id, symbol FROM actions WHERE venue = ?1 AND account = ?2 AND status = 'planned'"
	" ORDER BY id";

/* Actions still `planned` belong to a run that was interrupted before it got
 * to them: nothing was sent, and a new pass plans afresh. Say so in the
 * journal rather than leave them looking pending forever. */
static enum rk_rc close_stranded(struct journal *j, struct venue *v, const char *account,
				 struct rk_err *err)
{
	sqlite3_stmt *st;
	int64_t ids[64];
	char syms[64][MODEL_SYM_MAX];
	size_t n = 0;
	enum rk_rc rc;
	do {
		if ((rc = journal_stmt(j, SQL_STRANDED, &st, err)))
			return rc;
		sqlite3_bind_text(st, 1, venue_name(v->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
		for (n = 0; n < 64 && sqlite3_step(st) == SQLITE_ROW; n++) {
			ids[n] = sqlite3_column_int64(st, 0);
			snprintf(syms[n], sizeof syms[n], "%s", sqlite3_column_text(st, 1));
		}
		sqlite3_reset(st);
		if (n == 0 || (rc = journal_begin(j, err)))
			return rc;
		for (size_t k = 0; !rc && k < n; k++)
			rc = recon_journal_action_update(j, ids[k], v->kind, account, syms[k], ASTAT_SKIPPED,
							 NULL, NULL,
							 "its run was interrupted before it was sent",
							 rtime_now_us(), err);
		if (rc) {
			journal_rollback(j);
			return rc;
		}
		if ((rc = journal_commit(j, err)))
			return rc;
	} while (n == 64);
	return RK_OK;
}

static enum rk_rc resolve_pending(struct journal *j, struct venue *v, const char *account,
				  size_t *count, struct rk_err *err)
{
	struct pending *list = NULL;
	size_t n = 0;
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, SQL_PENDING, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue_name(v->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct pending *nl = realloc(list, (n + 1) * sizeof *nl);
		if (!nl) {
			rc = rk_err_set(err, RK_ENOMEM, "out of memory");
			break;
		}
		list = nl;
		struct pending *p = &list[n++];
		p->id = sqlite3_column_int64(st, 0);
#define COPY(dst, col) snprintf(dst, sizeof dst, "%s", sqlite3_column_text(st, col) ? (const char *)sqlite3_column_text(st, col) : "")
		COPY(p->kind, 1);
		COPY(p->symbol, 2);
		COPY(p->order_id, 3);
		COPY(p->client_id, 4);
#undef COPY
		const unsigned char *purpose = sqlite3_column_text(st, 5);
		p->purpose = purpose ? purpose_parse((const char *)purpose) : PURPOSE_NONE;
		p->reduce_only = sqlite3_column_int(st, 6) || sqlite3_column_int(st, 7);
	}
	sqlite3_reset(st);
	for (size_t k = 0; !rc && k < n; k++) {
		bool resolved = false;
		rc = resolve_one(j, v, account, &list[k], &resolved, err);
		*count += resolved;
	}
	free(list);
	return rc;
}

/* ---- the pass ----------------------------------------------------------- */

static const char SQL_UNRESOLVED_CLIENT[] =
	"SELECT 1 FROM actions WHERE venue = ?1 AND client_order_id = ?2 AND status = 'sent' AND id <> ?3";

/* Rule 2b: while an earlier request with this client order id is unresolved,
 * nothing with that id is sent again. */
static bool client_id_unresolved(struct exec *x, size_t i)
{
	sqlite3_stmt *st;
	const char *cid = x->plan->actions[i].req.client_order_id;
	if (!cid[0] || journal_stmt(x->j, SQL_UNRESOLVED_CLIENT, &st, NULL) != RK_OK)
		return false;
	sqlite3_bind_text(st, 1, venue_name(x->v->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, x->action_ids[i]);
	bool found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_reset(st);
	return found;
}

static bool is_placement(enum action_kind k)
{
	return k == ACT_PLACE_STOP || k == ACT_REPLACE_STOP || k == ACT_EMERGENCY_CLOSE;
}

static enum rk_rc execute(struct exec *x, size_t i, int64_t *cancel_done_us, struct rk_err *err)
{
	struct action *a = &x->plan->actions[i];
	if (x->status[i] != ASTAT_PLANNED)
		return RK_OK; /* skipped by the planner (breaker, halt) */
	if (a->depends_on >= 0 && x->status[a->depends_on] != ASTAT_SUCCEEDED) {
		snprintf(x->result[i], sizeof x->result[i],
			 "skipped: depends on action #%lld, which did not succeed",
			 (long long)x->action_ids[a->depends_on]);
		return update(x, i, ASTAT_SKIPPED, NULL, NULL, x->result[i], err);
	}
	if (is_placement(a->kind) && client_id_unresolved(x, i)) {
		snprintf(x->result[i], sizeof x->result[i],
			 "skipped: an earlier request with client order id %.64s is still unresolved",
			 a->req.client_order_id);
		return update(x, i, ASTAT_SKIPPED, NULL, NULL, x->result[i], err);
	}
	switch (a->kind) {
	case ACT_PLACE_STOP:
	case ACT_REPLACE_STOP:
	case ACT_EMERGENCY_CLOSE: {
		/* A placement after a cancelled stop closes an unprotected interval. */
		int64_t since = a->depends_on >= 0 ? cancel_done_us[a->depends_on] : 0;
		return exec_place(x, i, since, err);
	}
	case ACT_CANCEL_ORDER: {
		/* Only a cancelled protective stop opens an unprotected interval; a
		 * cancelled blocking limit order protected nothing. */
		struct order_rec o;
		bool protective = find_order(x, a->order_id, &o) &&
				  (o.purpose == PURPOSE_STOP_LOSS || order_type_is_stop(o.type));
		enum rk_rc rc = exec_cancel(x, i, err);
		if (!rc && x->status[i] == ASTAT_SUCCEEDED && protective)
			cancel_done_us[i] = rtime_now_us();
		return rc;
	}
	case ACT_CLOSE_LOCAL_ORDER:
		return exec_close_local(x, i, err);
	case ACT_ADOPT_ORDER:
	case ACT_RECORD_INFERRED_FILL:
		return exec_record(x, i, err);
	case ACT_KIND_COUNT:
		break;
	}
	return rk_err_set(err, RK_EINVAL, "unknown action kind");
}

/* Journals the run, its findings and planned actions in one transaction. */
static enum rk_rc journal_plan(struct exec *x, bool dry_run, int64_t now, struct rk_err *err)
{
	enum rk_rc rc = journal_begin(x->j, err);
	if (rc)
		return rc;
	for (size_t f = 0; !rc && f < x->plan->nfindings; f++) {
		const struct finding *fd = &x->plan->findings[f];
		rc = recon_journal_finding(x->j, x->run_id, x->v->kind, x->account, fd, now,
					   &x->finding_ids[f], err);
		if (!rc && fd->kind == FIND_FILL_REGRESSION && !dry_run)
			rc = recon_journal_halt(x->j, x->v->kind, x->account, fd->symbol,
						"exchange reports less filled quantity than the journal (rule 2c)",
						now, err);
	}
	for (size_t i = 0; !rc && i < x->plan->nactions; i++) {
		struct action *a = &x->plan->actions[i];
		if (dry_run && a->status == ASTAT_PLANNED)
			a->status = ASTAT_DRY_RUN;
		x->status[i] = a->status;
		char *req = is_placement(a->kind) ? req_json(&a->req) : NULL;
		int64_t dep = a->depends_on >= 0 ? x->action_ids[a->depends_on] : 0;
		rc = recon_journal_action(x->j, x->run_id,
					  a->finding < x->plan->nfindings ? x->finding_ids[a->finding] : 0,
					  x->v->kind, x->account, a,
					  is_placement(a->kind) ? a->req.client_order_id : NULL, req, dep,
					  now, &x->action_ids[i], err);
		if (a->status == ASTAT_SKIPPED)
			snprintf(x->result[i], sizeof x->result[i], "%.150s", a->note);
		free(req);
	}
	if (rc) {
		journal_rollback(x->j);
		return rc;
	}
	return journal_commit(x->j, err);
}

static void print_report(const struct exec *x, const struct venue_snapshot *snap, FILE *out)
{
	const struct recon_plan *p = x->plan;
	fprintf(out, "\n== %s / %s: run %lld — snapshot %s", venue_name(x->v->kind), x->account,
		(long long)x->run_id, snap->complete ? "complete" : "INCOMPLETE");
	if (!snap->complete)
		fprintf(out, " (%s): no destructive action taken", snap->incomplete_reason);
	fprintf(out, "; %zu open orders, %zu positions on the exchange\n", snap->norders,
		snap->npositions);
	if (p->nfindings == 0)
		fprintf(out, "findings: none\n");
	else
		fprintf(out, "findings:\n  %-22s %-13s %-36s %s\n", "KIND", "SYMBOL", "ORDER", "DETAIL");
	for (size_t f = 0; f < p->nfindings; f++) {
		const struct finding *fd = &p->findings[f];
		fprintf(out, "  %-22s %-13s %-36s %.100s\n", finding_kind_name(fd->kind), fd->symbol,
			fd->order_id[0] ? fd->order_id : "-", fd->detail);
	}
	if (p->nactions == 0) {
		fprintf(out, "actions: none\n");
		return;
	}
	fprintf(out, "actions:\n  %-5s %-20s %-13s %-9s %s\n", "ID", "KIND", "SYMBOL", "STATUS", "WHAT HAPPENED");
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		fprintf(out, "  %-5lld %-20s %-13s %-9s %s%s%s\n", (long long)x->action_ids[i],
			action_kind_name(a->kind), a->symbol, action_status_name(x->status[i]),
			a->note, x->result[i][0] ? " -> " : "", x->result[i]);
	}
}

enum rk_rc recon_run_pass(struct journal *j, struct venue *v, const char *account,
			  const struct policy *policy, bool dry_run, FILE *report,
			  struct recon_outcome *out, struct rk_err *err)
{
	struct venue_snapshot snap = {0};
	struct local_state local = {0};
	struct recon_plan plan = {0};
	struct exec x = {.j = j, .v = v, .account = account, .policy = policy, .snap = &snap,
			 .local = &local, .plan = &plan, .out = out};
	char cursor[MODEL_ID_MAX];
	int64_t *cancel_done_us = NULL;
	enum rk_rc rc;
	struct rk_err verr = {0};

	memset(out, 0, sizeof *out);
	if (!dry_run && ((rc = close_stranded(j, v, account, err)) ||
			 (rc = resolve_pending(j, v, account, &out->resolved_pending, err))))
		goto out;
	if ((rc = recon_store_fills_cursor(j, v->kind, account, cursor, err)))
		goto out;
	int64_t now = rtime_now_us();
	if (venue_snapshot(v, account, cursor, &snap, &verr) != RK_OK) {
		/* Nothing usable: still a run, journaled as incomplete. */
		venue_snapshot_free(&snap);
		venue_snapshot_mark_incomplete(&snap, "snapshot failed: %s", verr.msg);
	}
	if ((rc = recon_store_load(j, v->kind, account, &snap, now, &local, err)))
		goto out;
	if ((rc = reconcile_plan(&local, &snap, &v->caps, policy, &plan, err)))
		goto out;
	size_t cap = plan.nactions + 1;
	x.finding_ids = calloc(plan.nfindings + 1, sizeof *x.finding_ids);
	x.action_ids = calloc(cap, sizeof *x.action_ids);
	x.status = calloc(cap, sizeof *x.status);
	x.result = calloc(cap, sizeof *x.result);
	if (!x.finding_ids || !x.action_ids || !x.status || !x.result) {
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = journal_begin(j, err)))
		goto out;
	if ((rc = recon_journal_run_start(j, v->kind, account, dry_run, now, &x.run_id, err))) {
		journal_rollback(j);
		goto out;
	}
	if ((rc = journal_commit(j, err)) || (rc = journal_plan(&x, dry_run, now, err)))
		goto out;
	/* Follow-ups may append actions while we iterate: re-read nactions and
	 * keep one cancel timestamp per action (0: no verified cancel). */
	size_t ncd = 0;
	for (size_t i = 0; !dry_run && i < plan.nactions; i++) {
		if (ncd < plan.nactions) {
			int64_t *grown = realloc(cancel_done_us, plan.nactions * sizeof *grown);
			if (!grown) {
				rc = rk_err_set(err, RK_ENOMEM, "out of memory");
				goto out;
			}
			memset(grown + ncd, 0, (plan.nactions - ncd) * sizeof *grown);
			cancel_done_us = grown, ncd = plan.nactions;
		}
		if ((rc = execute(&x, i, cancel_done_us, err)))
			goto out;
	}
	/* The fill cursor moves past the snapshot's fills only when every fill the
	 * journal lacked was recorded in this pass (a halted symbol's are not).
	 * Matched by fill id: fills inferred from an order's filled quantity are
	 * not in the listing and must not stand in for one that is. */
	bool all_recorded = true;
	for (size_t k = 0; all_recorded && k < snap.nfills; k++) {
		bool done = local.fill_known && local.fill_known[k];
		for (size_t i = 0; !done && i < plan.nactions; i++)
			done = plan.actions[i].kind == ACT_RECORD_INFERRED_FILL &&
			       x.status[i] == ASTAT_SUCCEEDED &&
			       strcmp(plan.actions[i].fill.fill_id, snap.fills[k].fill_id) == 0;
		all_recorded = done;
	}
	bool advance = !dry_run && snap.complete && !x.inferred_fill_failed && all_recorded;
	if ((rc = journal_begin(j, err)))
		goto out;
	rc = recon_journal_run_end(j, x.run_id, v->kind, account, snap.complete,
				   snap.complete ? plan.reason : snap.incomplete_reason,
				   advance ? snap.fills_cursor : cursor, rtime_now_us(), err);
	if (rc) {
		journal_rollback(j);
		goto out;
	}
	if ((rc = journal_commit(j, err)) ||
	    (rc = recon_journal_settle_pass(j, x.run_id, v->kind, account, &snap, rtime_now_us(),
					    NULL, err)))
		goto out;
	out->run_id = x.run_id;
	out->complete = snap.complete;
	snprintf(out->reason, sizeof out->reason, "%s", snap.complete ? plan.reason : snap.incomplete_reason);
	out->nfindings = plan.nfindings;
	out->nactions = plan.nactions;
	for (size_t i = 0; i < plan.nactions; i++)
		out->by_status[x.status[i]]++;
	if (report)
		print_report(&x, &snap, report);
out:
	free(cancel_done_us);
	free(x.finding_ids);
	free(x.action_ids);
	free(x.status);
	free(x.result);
	recon_plan_free(&plan);
	recon_store_free(&local);
	venue_snapshot_free(&snap);
	return rc;
}
