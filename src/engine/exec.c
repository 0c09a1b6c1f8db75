/*
 * exec.c — step 4 of a pass: running the plan's actions in order. Each
 * action's `sent` status is committed before its request leaves, and the
 * verified answer is journaled after it with the orders and fills it proves
 * (exec_settle, one journal_tx each); an unknown outcome leaves it `sent` for
 * crash recovery. Cancels, lookups of local orders and journal-only records
 * live here; placements in exec_place.c. See recon_exec.h.
 */
#include "exec_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_store.h"
#include "recon_journal.h"
#include "rk_buf.h"
#include "rtime.h"
#include "txn.h"

int64_t exec_now(const struct exec *x)
{
	return rk_clock_now(x->clock);
}

/* ---- journaling an action's status (each its own transaction) ----------- */

struct settle_tx {
	const struct exec *x;
	size_t i;
	const struct settlement *s;
};

static enum rk_rc journal_orders(struct journal *j, const struct settlement *s,
				 struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	for (size_t k = 0; !rc && k < s->norders; k++)
		rc = recon_journal_order(j, &s->orders[k], err);
	return rc;
}

static enum rk_rc journal_fills(struct journal *j, const struct settlement *s,
				struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	for (size_t k = 0; !rc && k < s->nfills; k++)
		rc = recon_journal_fill(j, &s->fills[k], err);
	return rc;
}

/* Orders and/or fills learnt from the venue (fills first: an order row
 * claiming fills the journal lacks would refuse them; a placed market order
 * goes first and reaches filled through its fills), then the status. */
static enum rk_rc settle_writes(struct journal *j, void *ctx, struct rk_err *err)
{
	const struct settle_tx *t = ctx;
	const struct settlement *s = t->s;
	const struct exec *x = t->x;
	enum rk_rc rc = s->orders_first ? journal_orders(j, s, err) : journal_fills(j, s, err);
	if (!rc)
		rc = s->orders_first ? journal_fills(j, s, err) : journal_orders(j, s, err);
	if (!rc)
		rc = recon_journal_action_update(j, x->slot[t->i].id, x->v->kind, x->account,
						 x->plan->actions[t->i].symbol, s->status, s->order_id,
						 s->response, s->error, exec_now(x), err);
	return rc;
}

static void report_action(const struct exec *x, size_t i)
{
	const struct action *a = &x->plan->actions[i];
	const struct slot *s = &x->slot[i];
	struct recon_action_report r = {.id = s->id, .kind = a->kind, .symbol = a->symbol,
					.status = s->status, .note = a->note, .result = s->result};
	if (x->sink.action)
		x->sink.action(x->sink.ctx, &r);
}

enum rk_rc exec_settle(struct exec *x, size_t i, const struct settlement *s, struct rk_err *err)
{
	struct settle_tx t = {.x = x, .i = i, .s = s};
	enum rk_rc rc = journal_tx(x->j, settle_writes, &t, err);
	if (rc)
		return rc;
	x->slot[i].status = s->status;
	report_action(x, i);
	return RK_OK;
}

enum rk_rc exec_update(struct exec *x, size_t i, enum action_status st, const char *order_id,
		       const char *response, const char *error, struct rk_err *err)
{
	struct settlement s = {.status = st, .order_id = order_id, .response = response,
			       .error = error};
	return exec_settle(x, i, &s, err);
}

/* Journals orders and/or fills learnt from the venue plus the action's
 * final status, atomically. */
static enum rk_rc settle(struct exec *x, size_t i, const struct order_rec *orders, size_t norders,
			 const struct fill_rec *fills, size_t nfills, enum action_status st,
			 const char *order_id, const char *response, const char *error,
			 struct rk_err *err)
{
	struct settlement s = {.status = st, .orders = orders, .norders = norders, .fills = fills,
			       .nfills = nfills, .order_id = order_id, .response = response,
			       .error = error};
	return exec_settle(x, i, &s, err);
}

void exec_result(struct exec *x, size_t i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	rk_vfmt(x->slot[i].result, sizeof x->slot[i].result, fmt, ap);
	va_end(ap);
}

/* The order as reckon knows it: exchange snapshot first, then the journal. */
bool exec_find_order(const struct exec *x, const char *order_id, struct order_rec *out)
{
	for (size_t k = 0; k < x->snap->norders; k++)
		if (strcmp(x->snap->orders[k].order_id, order_id) == 0)
			return *out = x->snap->orders[k], true;
	for (size_t k = 0; k < x->local->norders; k++)
		if (strcmp(x->local->orders[k].rec.order_id, order_id) == 0)
			return *out = x->local->orders[k].rec, true;
	return false;
}

void exec_stamp(struct order_rec *o, const struct exec *x)
{
	rtime_format(exec_now(x), o->ts);
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
	if (!exec_find_order(x, order_id, &o))
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
		exec_stamp(&v[k], x);
	}
	*out = v;
	return RK_OK;
}

enum rk_rc exec_unknown_fills(struct journal *j, struct venue *v, const char *account,
			      const char *symbol, const char *order_id, struct fill_rec **out,
			      size_t *n, struct dec *total, struct rk_err *err)
{
	struct fill_rec *fills = NULL;
	size_t nf = 0, keep = 0;
	enum rk_rc rc = RK_OK;
	*out = NULL, *n = 0, *total = dec_zero();
	struct rk_err verr = {0};
	if (venue_order_fills(v, symbol, order_id, &fills, &nf, &verr) != RK_OK)
		return RK_EUNKNOWN;
	for (size_t k = 0; !rc && k < nf; k++) {
		bool known = false;
		if (dec_add(*total, fills[k].qty, total) != DEC_OK)
			rc = rk_err_set(err, RK_EINVAL, "fills of %s: their quantities overflow", order_id);
		else
			rc = exec_store_fill_known(j, v->kind, fills[k].fill_id, &known, err);
		fills[k].venue = v->kind;
		snprintf(fills[k].account, sizeof fills[k].account, "%s", account);
		if (!known)
			fills[keep++] = fills[k];
	}
	if (rc) {
		free(fills);
		return rc;
	}
	*out = fills, *n = keep;
	return RK_OK;
}

/* ---- slots ---------------------------------------------------------------- */

void exec_slot_init(struct slot *s, const struct action *a)
{
	memset(s, 0, sizeof *s);
	s->status = a->status;
	s->next = -1;
	snprintf(s->root, sizeof s->root, "%s", a->req.client_order_id);
}

/* Did action d succeed — itself, or through the follow-ups that answered
 * its failure (a re-priced stop, an emergency close)? What depends on it
 * (a futures replacement's cancel of the old stop) runs only then. */
static bool chain_succeeded(const struct exec *x, int d)
{
	while (x->slot[d].next >= 0)
		d = x->slot[d].next;
	return x->slot[d].status == ASTAT_SUCCEEDED;
}


/* ---- cancels, lookups, records ------------------------------------------- */

static enum rk_rc exec_cancel(struct exec *x, size_t i, struct rk_err *err)
{
	struct action *a = &x->plan->actions[i];
	struct venue_cancel_result r;
	struct rk_err verr = {0};
	const char *id = a->order_id;
	enum rk_rc rc = exec_update(x, i, ASTAT_SENT, NULL, NULL, NULL, err);
	if (rc)
		return rc;
	if (venue_cancel_orders(x->v, a->symbol, &id, 1, &r, &verr) != RK_OK) {
		r.outcome = VOUT_UNKNOWN;
		snprintf(r.reason, sizeof r.reason, "%.200s", verr.msg);
	}
	char *resp = exec_resp_json(&(struct resp){.outcome = r.outcome, .reject = r.reject,
					      .code = r.venue_code, .reason = r.reason,
					      .order_id = a->order_id});
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
		exec_result(x, i, "cancelled %s (verified)%s", a->order_id,
			    nclosed > 1 ? ", closed under its journaled id too" : "");
		rc = settle(x, i, closed, nclosed, NULL, 0, ASTAT_SUCCEEDED, a->order_id, resp, NULL, err);
		free(closed);
	} else if (r.outcome == VOUT_UNKNOWN) {
		/* No answer is not a refusal: it stays `sent` and the next pass looks
		 * the order up (resolve_pending). The order stays open meanwhile. */
		exec_result(x, i, "cancel outcome unknown (%s): resolved by lookup next pass",
			    r.reason[0] ? r.reason : "no answer");
		rc = exec_update(x, i, ASTAT_SENT, NULL, resp, x->slot[i].result, err);
	} else {
		exec_result(x, i, "cancel not verified: %s",
			    r.reason[0] ? r.reason : venue_outcome_name(r.outcome));
		rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, x->slot[i].result, err);
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
	const char *result = x->slot[i].result;
	enum rk_rc rc = exec_update(x, i, ASTAT_SENT, NULL, NULL, NULL, err);
	if (rc)
		return rc;
	if (!exec_find_order(x, a->order_id, &o))
		return settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, NULL, "order not in the journal", err);
	if (venue_get_order(x->v, a->symbol, a->order_id, o.client_order_id, &q, &verr) != RK_OK)
		q.outcome = VOUT_UNKNOWN;
	char *resp = exec_resp_json(&(struct resp){
		.outcome = q.outcome, .reason = q.reason[0] ? q.reason : verr.msg,
		.order_id = a->order_id,
		.status = q.outcome == VOUT_OK ? order_status_name(q.order.status) : NULL});
	if (q.outcome == VOUT_OK && !order_status_is_terminal(q.order.status)) {
		exec_result(x, i, "still %s on the exchange: kept open", order_status_name(q.order.status));
		rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_SKIPPED, NULL, resp, result, err);
	} else if (q.outcome == VOUT_OK || q.outcome == VOUT_NOT_FOUND) {
		/* "Not found" is normal for an order that filled: its fills decide. */
		rc = exec_unknown_fills(x->j, x->v, x->account, a->symbol, a->order_id, &fills, &nfills,
					&total, err);
		if (rc == RK_EUNKNOWN) {
			exec_result(x, i, "fills of %s could not be fetched: kept open", a->order_id);
			rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, result, err);
		} else if (!rc && q.outcome == VOUT_OK) {
			o.status = q.order.status;
			if (q.order.has_filled_qty)
				o.has_filled_qty = true, o.filled_qty = q.order.filled_qty;
			exec_stamp(&o, x);
			exec_result(x, i, "exchange says %s: closed locally", order_status_name(o.status));
			rc = settle(x, i, &o, 1, fills, nfills, ASTAT_SUCCEEDED, a->order_id, resp, NULL, err);
		} else if (!rc && dec_cmp(total, o.qty) >= 0) {
			exec_result(x, i, "not found, but its fills cover it: closed as filled");
			rc = settle(x, i, NULL, 0, fills, nfills, ASTAT_SUCCEEDED, a->order_id, resp, NULL, err);
		} else if (!rc) {
			exec_result(x, i, "not found and no fills explain it: kept open, needs a look");
			rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, result, err);
		}
	} else {
		exec_result(x, i, "lookup failed (%s): kept open", q.reason[0] ? q.reason : verr.msg);
		rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, result, err);
	}
	free(resp);
	free(fills);
	return rc;
}

/* adopt_order, record_inferred_fill: journal writes only. An inferred fill
 * is journaled inferred (fills.inferred = 1); its basis is in the action's
 * request (journal_plan). */
static enum rk_rc exec_record(struct exec *x, size_t i, struct rk_err *err)
{
	struct action *a = &x->plan->actions[i];
	enum rk_rc rc;
	if (a->kind == ACT_ADOPT_ORDER) {
		struct order_rec o = a->order;
		o.venue = x->v->kind;
		snprintf(o.account, sizeof o.account, "%s", x->account);
		if (!o.ts[0])
			rtime_format(exec_now(x), o.ts);
		exec_result(x, i, "adopted %s into the journal", o.order_id);
		return settle(x, i, &o, 1, NULL, 0, ASTAT_SUCCEEDED, o.order_id, NULL, NULL, err);
	}
	struct fill_rec f = a->fill;
	f.venue = x->v->kind;
	f.inferred = true;
	snprintf(f.account, sizeof f.account, "%s", x->account);
	exec_result(x, i, "journaled fill %s (inferred)", f.fill_id);
	rc = settle(x, i, NULL, 0, &f, 1, ASTAT_SUCCEEDED, NULL, NULL, NULL, err);
	if (rc == RK_ECONFLICT || rc == RK_EINVAL) {
		/* The journal refused it (it contradicts what is recorded). */
		x->inferred_fill_failed = true;
		exec_result(x, i, "journal refused the fill: %s", err->msg);
		rc = exec_update(x, i, ASTAT_FAILED, NULL, NULL, x->slot[i].result, err);
	}
	return rc;
}

/* ---- running one action ------------------------------------------------- */

/* Rule 2b: while an earlier request with this client order id is unresolved,
 * nothing with that id is sent again. *found (OUT). */
static enum rk_rc client_id_unresolved(struct exec *x, size_t i, bool *found, struct rk_err *err)
{
	const char *cid = x->plan->actions[i].req.client_order_id;
	*found = false;
	if (!cid[0])
		return RK_OK;
	return exec_store_client_id_unresolved(x->j, x->v->kind, cid, x->slot[i].id, found, err);
}

bool exec_is_placement(enum action_kind k)
{
	return k == ACT_PLACE_STOP || k == ACT_REPLACE_STOP || k == ACT_EMERGENCY_CLOSE;
}

/* Only a cancelled protective stop opens an unprotected interval; a
 * cancelled blocking limit order protected nothing. Cancels are chained
 * (each depends on the previous one, the placement on the last): the
 * interval opened by a stop's cancel early in the chain is carried along. */
static enum rk_rc exec_cancel_noting_gap(struct exec *x, size_t i, struct rk_err *err)
{
	struct order_rec o;
	const struct action *a = &x->plan->actions[i];
	int64_t earlier = a->depends_on >= 0 ? x->slot[a->depends_on].cancel_done_us : 0;
	bool protective = exec_find_order(x, a->order_id, &o) &&
			  (o.purpose == PURPOSE_STOP_LOSS || order_type_is_stop(o.type));
	enum rk_rc rc = exec_cancel(x, i, err);
	if (!rc && x->slot[i].status == ASTAT_SUCCEEDED)
		x->slot[i].cancel_done_us = earlier ? earlier : protective ? exec_now(x) : 0;
	return rc;
}

enum rk_rc exec_action(struct exec *x, size_t i, struct rk_err *err)
{
	const struct action *a = &x->plan->actions[i];
	bool unresolved = false;
	enum rk_rc rc;
	if (x->slot[i].status != ASTAT_PLANNED)
		return RK_OK; /* skipped by the planner (breaker, halt), or a follow-up already run */
	if (a->depends_on >= 0 && !chain_succeeded(x, a->depends_on)) {
		exec_result(x, i, "skipped: depends on action #%lld, which did not succeed",
			    (long long)x->slot[a->depends_on].id);
		return exec_update(x, i, ASTAT_SKIPPED, NULL, NULL, x->slot[i].result, err);
	}
	if (exec_is_placement(a->kind) && (rc = client_id_unresolved(x, i, &unresolved, err)))
		return rc;
	if (unresolved) {
		exec_result(x, i, "skipped: an earlier request with client order id %.64s is still unresolved",
			    a->req.client_order_id);
		return exec_update(x, i, ASTAT_SKIPPED, NULL, NULL, x->slot[i].result, err);
	}
	switch (a->kind) {
	case ACT_PLACE_STOP:
	case ACT_REPLACE_STOP:
	case ACT_EMERGENCY_CLOSE:
		/* A placement after its position's stop was cancelled closes an
		 * unprotected interval (follow-ups inherit it). */
		if (a->depends_on >= 0 && x->slot[a->depends_on].cancel_done_us)
			x->slot[i].bare_since_us = x->slot[a->depends_on].cancel_done_us;
		return exec_place(x, i, err);
	case ACT_CANCEL_ORDER:
		return exec_cancel_noting_gap(x, i, err);
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
