/*
 * recovery.c — crash recovery, step 1 of a pass (see recon_exec.h). A pass
 * interrupted by a crash, a kill or a lost connection leaves actions behind:
 *   - `planned` ones were never sent: they are closed as skipped, and the
 *     new pass plans afresh;
 *   - `sent` ones have an unknown outcome: each is resolved by looking its
 *     client order id (placements) or its order (cancels, lookups) up, with
 *     the orders and fills the answer proves. Nothing is ever sent again
 *     here (rule 2b); a lookup without an answer leaves the action `sent`
 *     for the next pass, and the executor sends nothing under its client
 *     order id meanwhile (exec.c).
 */
#include "exec_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_store.h"
#include "recon_journal.h"
#include "recon_store.h"
#include "rtime.h"
#include "txn.h"

#define STRANDED_BATCH 64

/* What a lookup proved about one `sent` action, to journal in one go. */
struct resolution {
	const struct stored_action *p;
	struct venue *v;
	const char *account;
	struct rk_clock clock;
	bool placement;
	struct venue_order_result *q;
	enum action_status st;
	const char *note;
	const struct fill_rec *fills;
	size_t nfills;
	const struct order_rec *twins; /* a cancel's: the same order journaled under another id */
	size_t ntwins;
	const char *resp;
};

/* Journals `o` unless the journal already holds a later state of it: the
 * refused event is rolled back with its savepoint, never committed. */
static enum rk_rc journal_order_unless_later(struct journal *j, const struct order_rec *o,
					     struct rk_err *err)
{
	enum rk_rc rc = journal_savepoint(j, err);
	if (rc)
		return rc;
	rc = recon_journal_order(j, o, err);
	if (rc == RK_ECONFLICT) {
		journal_rollback_to_savepoint(j);
		return RK_OK;
	}
	return rc ? rc : journal_release(j, err);
}

/* The order the lookup found, unless the journal already holds a later
 * state. */
static enum rk_rc journal_found_order(struct journal *j, const struct resolution *r,
				      struct rk_err *err)
{
	struct order_rec *o = &r->q->order;
	o->venue = r->v->kind;
	snprintf(o->account, sizeof o->account, "%s", r->account);
	/* The venue does not know why reckon placed it; the request does, as
	 * exec_place journals it (a stop found this way is a stop_loss). */
	if (r->placement && o->purpose == PURPOSE_NONE)
		o->purpose = r->p->purpose;
	if (r->placement)
		o->reduce_only |= r->p->reduce_only;
	if (!o->ts[0])
		rtime_format(rk_clock_now(r->clock), o->ts);
	return journal_order_unless_later(j, o, err);
}

/* Fills first: an order row claiming fills the journal lacks would make it
 * refuse those fills when they arrive (filled beyond the order's qty). */
static enum rk_rc journal_resolution(struct journal *j, void *ctx, struct rk_err *err)
{
	const struct resolution *r = ctx;
	bool found = r->q->outcome == VOUT_OK;
	enum rk_rc rc = RK_OK;
	for (size_t k = 0; !rc && k < r->nfills; k++)
		rc = recon_journal_fill(j, &r->fills[k], err);
	if (!rc && found)
		rc = journal_found_order(j, r, err);
	for (size_t k = 0; !rc && k < r->ntwins; k++)
		rc = journal_order_unless_later(j, &r->twins[k], err);
	/* The verified answer replaces the "outcome unknown" one the action
	 * carried since it was interrupted. */
	if (!rc)
		rc = recon_journal_action_update(j, r->p->id, r->v->kind, r->account, r->p->symbol,
						 r->st, found ? r->q->order.order_id : NULL, r->resp,
						 r->note, rk_clock_now(r->clock), err);
	return rc;
}

/* What the lookup's answer q means for action p: *st and *note (OUT).
 * False when it leaves the outcome unknown. */
static bool resolved_status(const struct stored_action *p, bool placement,
			    const struct venue_order_result *q, enum action_status *st,
			    const char **note)
{
	*note = NULL;
	if (placement && q->outcome == VOUT_OK) {
		*st = ASTAT_SUCCEEDED;
	} else if (placement && q->outcome == VOUT_NOT_FOUND) {
		*st = ASTAT_FAILED, *note = "never reached the venue (confirmed by client order id lookup)";
	} else if (!placement && q->outcome == VOUT_OK && order_status_is_terminal(q->order.status)) {
		/* A cancel succeeded only if the order ended cancelled; one that
		 * filled first did not (its fills are journaled all the same). */
		bool cancel = strcmp(p->kind, "cancel_order") == 0;
		*st = !cancel || q->order.status == OSTATUS_CANCELLED ? ASTAT_SUCCEEDED : ASTAT_FAILED;
		*note = *st == ASTAT_FAILED ? "the order reached another terminal state before the cancel"
					    : NULL;
	} else if (!placement && q->outcome == VOUT_OK) {
		*st = ASTAT_FAILED, *note = "order still open after the interrupted request";
	} else {
		return false;
	}
	return true;
}

/*
 * A verified cancel closes the journal's open rows of the same order under
 * another id too, as the executor's cancelled_rows (exec.c) does: a venue
 * can name an order otherwise than the bot journaled it (Binance: the bot's
 * bare algoId, the venue's "algo:<algoId>"), matched by symbol and client
 * order id. Without this, a cancel resolved after a crash left the bot's row
 * open for good: no later pass can close it, the venue knows no order by
 * that id. *out (OUT) is malloc'd (NULL when *n is 0); free() it.
 */
static enum rk_rc cancelled_twins(struct journal *j, struct venue *v, const char *account,
				  struct rk_clock clock, const struct order_rec *o,
				  struct order_rec **out, size_t *n, struct rk_err *err)
{
	struct local_state local = {0};
	int64_t now = rk_clock_now(clock);
	*out = NULL, *n = 0;
	if (!o->client_order_id[0])
		return RK_OK;
	enum rk_rc rc = recon_store_load(j, v->kind, account, NULL, now, &local, err);
	if (!rc && local.norders && !(*out = malloc(local.norders * sizeof **out)))
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
	for (size_t k = 0; !rc && k < local.norders; k++) {
		const struct order_rec *l = &local.orders[k].rec;
		if (strcmp(l->order_id, o->order_id) == 0 || strcmp(l->symbol, o->symbol) != 0 ||
		    strcmp(l->client_order_id, o->client_order_id) != 0)
			continue;
		struct order_rec *t = &(*out)[(*n)++];
		*t = *l;
		t->status = OSTATUS_CANCELLED;
		rtime_format(now, t->ts);
	}
	recon_store_free(&local);
	if (rc) {
		free(*out);
		*out = NULL, *n = 0;
	}
	return rc;
}

/* Resolves one pending action by looking it up. *resolved (OUT). */
static enum rk_rc resolve_one(struct journal *j, struct venue *v, const char *account,
			      struct rk_clock clock, const struct stored_action *p, bool *resolved,
			      struct rk_err *err)
{
	struct venue_order_result q;
	struct rk_err verr = {0};
	struct resolution r = {.p = p, .v = v, .account = account, .clock = clock, .q = &q};
	r.placement = strcmp(p->kind, "cancel_order") != 0 && strcmp(p->kind, "close_local_order") != 0;
	*resolved = false;
	if (r.placement && !p->client_id[0])
		return RK_OK;
	if (venue_get_order(v, p->symbol, r.placement ? NULL : p->order_id,
			    r.placement ? p->client_id : NULL, &q, &verr) != RK_OK)
		return RK_OK; /* still unknown: try again next pass */
	if (!resolved_status(p, r.placement, &q, &r.st, &r.note))
		return RK_OK;
	/* An order that traded comes with the fills that prove it. */
	struct fill_rec *fills = NULL;
	struct order_rec *twins = NULL;
	size_t nfills = 0, ntwins = 0;
	struct dec total;
	enum rk_rc rc = RK_OK;
	if (!r.placement && q.outcome == VOUT_OK && q.order.status == OSTATUS_CANCELLED &&
	    (rc = cancelled_twins(j, v, account, clock, &q.order, &twins, &ntwins, err)))
		return rc;
	if (q.outcome == VOUT_OK && q.order.has_filled_qty && dec_sign(q.order.filled_qty) > 0) {
		rc = exec_unknown_fills(j, v, account, p->symbol, q.order.order_id, &fills, &nfills,
					&total, err);
		if (rc) {
			free(fills);
			free(twins);
			return rc == RK_EUNKNOWN ? RK_OK : rc; /* unknown: try again next pass */
		}
	}
	char *resp = exec_resp_json(&(struct resp){
		.outcome = q.outcome,
		.reason = r.placement ? "resolved by client order id lookup" : "resolved by order lookup",
		.order_id = q.outcome == VOUT_OK ? q.order.order_id : NULL,
		.status = q.outcome == VOUT_OK ? order_status_name(q.order.status) : NULL});
	r.fills = fills, r.nfills = nfills, r.resp = resp;
	r.twins = twins, r.ntwins = ntwins;
	rc = journal_tx(j, journal_resolution, &r, err);
	free(resp);
	free(fills);
	free(twins);
	*resolved = rc == RK_OK;
	return rc;
}

struct stranded_tx {
	struct venue *v;
	const char *account;
	struct rk_clock clock;
	const struct stored_action *list;
	size_t n;
};

static enum rk_rc skip_stranded(struct journal *j, void *ctx, struct rk_err *err)
{
	const struct stranded_tx *t = ctx;
	enum rk_rc rc = RK_OK;
	for (size_t k = 0; !rc && k < t->n; k++)
		rc = recon_journal_action_update(j, t->list[k].id, t->v->kind, t->account,
						 t->list[k].symbol, ASTAT_SKIPPED, NULL, NULL,
						 "its run was interrupted before it was sent",
						 rk_clock_now(t->clock), err);
	return rc;
}

/* Actions still `planned` belong to a run that was interrupted before it got
 * to them: nothing was sent, and a new pass plans afresh. Say so in the
 * journal rather than leave them looking pending forever. */
static enum rk_rc close_stranded(struct journal *j, struct venue *v, const char *account,
				 struct rk_clock clock, struct rk_err *err)
{
	struct stored_action batch[STRANDED_BATCH];
	struct stranded_tx t = {.v = v, .account = account, .clock = clock, .list = batch};
	enum rk_rc rc;
	do {
		if ((rc = exec_store_planned(j, v->kind, account, batch, STRANDED_BATCH, &t.n, err)) ||
		    t.n == 0 || (rc = journal_tx(j, skip_stranded, &t, err)))
			return rc;
	} while (t.n == STRANDED_BATCH);
	return RK_OK;
}

static enum rk_rc resolve_pending(struct journal *j, struct venue *v, const char *account,
				  struct rk_clock clock, size_t *count, struct rk_err *err)
{
	struct stored_action *list = NULL;
	size_t n = 0;
	enum rk_rc rc = exec_store_sent(j, v->kind, account, &list, &n, err);
	for (size_t k = 0; !rc && k < n; k++) {
		bool resolved = false;
		rc = resolve_one(j, v, account, clock, &list[k], &resolved, err);
		*count += resolved;
	}
	free(list);
	return rc;
}

enum rk_rc exec_recover(struct journal *j, struct venue *v, const char *account,
			struct rk_clock clock, size_t *resolved, struct rk_err *err)
{
	enum rk_rc rc = close_stranded(j, v, account, clock, err);
	return rc ? rc : resolve_pending(j, v, account, clock, resolved, err);
}
