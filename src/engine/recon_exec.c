/* recon_exec.c — executing a reconciliation plan against a venue (see recon_exec.h). */
#include "recon_exec.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "follow_up.h"
#include "recon_journal.h"
#include "recon_store.h"
#include "rtime.h"
#include "sqlx.h"

/* The longest single wait between two sends of one placement. */
#define RETRY_WAIT_MAX_MS 60000

/* What the executor knows of one action of the plan (follow-ups included). */
struct slot {
	int64_t id;                /* the action's journal id */
	enum action_status status; /* final (or `sent` while its outcome is unknown) */
	char result[160];          /* what happened, for the report */
	int64_t cancel_done_us;    /* cancels: when a protective stop's cancel was verified, else 0 */
	int64_t bare_since_us;     /* placements: since when the position has had no stop because
				    * this pass cancelled it; 0 when it did not */
	int next;                  /* the follow-up that answered this action's failure, -1 none */
	int replaced;              /* placements: stops re-placed before this one in its chain
				    * after would-trigger refusals */
	int resent;                /* placements: fresh-id re-sends before this one in its chain */
	char root[MODEL_ID_MAX];   /* placements: the client order id of its chain's first (or of
				    * its latest fresh-id re-send) */
};

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
	struct slot *slot;          /* per plan action, grown with the follow-ups */
	struct recon_outcome *out;
	bool inferred_fill_failed;
};

/* ---- the sleep between retries (a seam for tests) ----------------------- */

static void real_sleep_ms(int64_t ms)
{
	struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000};
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static void (*g_sleep_ms)(int64_t ms) = real_sleep_ms;

void recon_exec_set_sleep(void (*sleep_ms)(int64_t ms))
{
	g_sleep_ms = sleep_ms ? sleep_ms : real_sleep_ms;
}

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

/* Request JSON of a record_inferred_fill: the fill reckon will journal as
 * inferred, and its basis (why reckon believes it happened): the finding's
 * "basis" when it gives one, else the action's note. Caller frees. */
static char *record_json(const struct action *a, const struct finding *fd)
{
	const struct fill_rec *f = &a->fill;
	cJSON *detail = fd ? cJSON_Parse(fd->detail) : NULL;
	const cJSON *basis = cJSON_GetObjectItemCaseSensitive(detail, "basis");
	cJSON *o = cJSON_CreateObject();
	if (!o) {
		cJSON_Delete(detail);
		return NULL;
	}
	cJSON_AddStringToObject(o, "fill_id", f->fill_id);
	cJSON_AddStringToObject(o, "order_id", f->order_id);
	cJSON_AddStringToObject(o, "side", side_name(f->side));
	json_dec(o, "qty", f->qty);
	json_dec(o, "price", f->price);
	cJSON_AddTrueToObject(o, "inferred");
	cJSON_AddStringToObject(o, "basis", cJSON_IsString(basis) ? basis->valuestring
					    : a->note[0] ? a->note : "reported by the venue");
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	cJSON_Delete(detail);
	return s;
}

/* A venue's answer, as journaled in actions.response. */
struct resp {
	enum venue_outcome outcome;
	enum venue_reject reject;
	int code;                /* the venue's own code, 0 none */
	const char *reason;      /* may be NULL */
	const char *order_id;    /* may be NULL */
	const char *status;      /* the order's status, may be NULL */
	bool unprotected;        /* a placement after this pass cancelled the position's stop */
	int64_t unprotected_ms;  /* how long it has been bare, when `unprotected` */
	int sends;               /* placements: requests sent; shown when more than one */
};

/* Caller frees. */
static char *resp_json(const struct resp *r)
{
	cJSON *o = cJSON_CreateObject();
	if (!o)
		return NULL;
	cJSON_AddStringToObject(o, "outcome", venue_outcome_name(r->outcome));
	if (r->reject != VREJ_NONE)
		cJSON_AddStringToObject(o, "reject", venue_reject_name(r->reject));
	if (r->code)
		cJSON_AddNumberToObject(o, "code", r->code);
	if (r->reason && r->reason[0])
		cJSON_AddStringToObject(o, "reason", r->reason);
	if (r->order_id && r->order_id[0])
		cJSON_AddStringToObject(o, "order_id", r->order_id);
	if (r->status && r->status[0])
		cJSON_AddStringToObject(o, "status", r->status);
	if (r->unprotected)
		cJSON_AddNumberToObject(o, "unprotected_ms", (double)r->unprotected_ms);
	if (r->sends > 1)
		cJSON_AddNumberToObject(o, "sends", r->sends);
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
	rc = recon_journal_action_update(x->j, x->slot[i].id, x->v->kind, x->account,
					 x->plan->actions[i].symbol, st, order_id, response, error,
					 rtime_now_us(), err);
	if (rc) {
		journal_rollback(x->j);
		return rc;
	}
	x->slot[i].status = st;
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
		rc = recon_journal_action_update(x->j, x->slot[i].id, x->v->kind, x->account,
						 x->plan->actions[i].symbol, st, order_id, response,
						 error, rtime_now_us(), err);
	if (rc) {
		journal_rollback(x->j);
		return rc;
	}
	x->slot[i].status = st;
	return journal_commit(x->j, err);
}

static void set_result(struct exec *x, size_t i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void set_result(struct exec *x, size_t i, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(x->slot[i].result, sizeof x->slot[i].result, fmt, ap);
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

static const char SQL_FILL_KNOWN[] = "SELECT 1 FROM fills WHERE venue = ?1 AND fill_id = ?2";

/* Fills of `order_id` the journal does not have yet, and the quantity of all
 * of them. *out owned by the caller. RK_EUNKNOWN when the venue could not
 * list them; a journal error is returned as such. */
static enum rk_rc unknown_fills(struct journal *j, struct venue *v, const char *account,
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
		sqlite3_stmt *st;
		bool known = false;
		if (dec_add(*total, fills[k].qty, total) != DEC_OK)
			rc = rk_err_set(err, RK_EINVAL, "fills of %s: their quantities overflow", order_id);
		else if (!(rc = journal_stmt(j, SQL_FILL_KNOWN, &st, err))) {
			sqlite3_bind_text(st, 1, venue_name(v->kind), -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, fills[k].fill_id, -1, SQLITE_STATIC);
			rc = sqlx_step_row(st, &known, "reading known fills", err);
			sqlite3_reset(st);
		}
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

/* ---- slots and follow-ups ------------------------------------------------- */

static void slot_init(struct slot *s, const struct action *a)
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

static enum rk_rc execute(struct exec *x, size_t i, struct rk_err *err);

/* Journals follow-up `f` of action i and runs it at once, so that what
 * depends on i sees how the chain ended. */
static enum rk_rc run_follow_up(struct exec *x, size_t i, const struct follow_up *f,
				struct rk_err *err)
{
	size_t n = x->plan->nactions;
	struct action *grown = realloc(x->plan->actions, (n + 1) * sizeof *grown);
	if (!grown)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	x->plan->actions = grown;
	struct slot *slots = realloc(x->slot, (n + 1) * sizeof *slots);
	if (!slots)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	x->slot = slots;
	struct action *a = &x->plan->actions[n];
	*a = f->next;
	/* Its note names the action it answers, by journal id. */
	char note[sizeof a->note];
	snprintf(note, sizeof note, "follow-up of action #%lld: %s", (long long)x->slot[i].id,
		 f->next.note);
	memcpy(a->note, note, sizeof a->note);
	slot_init(&x->slot[n], a);
	/* A fresh-id re-send starts a new root: ids derived from the old one may
	 * be in use elsewhere too. */
	if (f->kind != FOLLOW_RESEND)
		memcpy(x->slot[n].root, x->slot[i].root, sizeof x->slot[n].root); /* n > i */
	x->slot[n].replaced = x->slot[i].replaced + (f->kind == FOLLOW_PLACE_AGAIN);
	x->slot[n].resent = x->slot[i].resent + (f->kind == FOLLOW_RESEND);
	x->slot[n].bare_since_us = x->slot[i].bare_since_us;
	x->slot[i].next = (int)n;
	x->plan->nactions = n + 1;

	char *req = req_json(&a->req);
	enum rk_rc rc = journal_begin(x->j, err);
	if (!rc)
		rc = recon_journal_action(x->j, x->run_id, x->finding_ids[a->finding], x->v->kind,
					  x->account, a, a->req.client_order_id, req, 0,
					  rtime_now_us(), &x->slot[n].id, err);
	free(req);
	if (rc) {
		journal_rollback(x->j);
		return rc;
	}
	if ((rc = journal_commit(x->j, err)))
		return rc;
	return execute(x, n, err);
}

/* ---- placements ------------------------------------------------------------ */

/* One placement's answer, after the retries of an unknown outcome. */
struct placed {
	struct venue_place_result r; /* the last answer; VOUT_OK also when found by lookup */
	int sends;                   /* placement requests sent */
	bool absent;                 /* no answer, and the venue confirmed it has no such order */
};

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
		g_sleep_ms(wait);
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

/* The answer as journaled. Caller frees. */
static char *placed_json(const struct exec *x, size_t i, const struct placed *p,
			 const char *status)
{
	int64_t since = x->slot[i].bare_since_us;
	struct resp r = {.outcome = p->r.outcome, .reject = p->r.reject, .code = p->r.venue_code,
			 .reason = p->r.reason, .order_id = p->r.order_id, .status = status,
			 .unprotected = since > 0, .unprotected_ms = (rtime_now_us() - since) / 1000,
			 .sends = p->sends};
	return resp_json(&r);
}

/*
 * Journals placement i as failed and decides what follows (follow_up.h).
 * A refusal as would-trigger says the snapshot's price is stale: a price is
 * always asked from the venue first, whatever follows. The failed action's
 * error says why and what follows; a follow-up is journaled and run at once.
 */
static enum rk_rc placement_failed(struct exec *x, size_t i, const struct placed *p,
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
	set_result(x, i, "%.70s -> %s: %.70s", why, follow_up_kind_name(f.kind), f.why);
	char error[600];
	snprintf(error, sizeof error, "%s; %s", why, f.why);
	if (cause == FOLLOW_CAUSE_WOULD_TRIGGER && !in.has_price)
		snprintf(error + strlen(error), sizeof error - strlen(error),
			 " (price request: %.100s)", verr.msg[0] ? verr.msg : "no positive price");
	char *resp = placed_json(x, i, p, NULL);
	rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, error, err);
	free(resp);
	if (rc || f.kind == FOLLOW_NONE || f.kind == FOLLOW_ALERT)
		return rc;
	return run_follow_up(x, i, &f, err);
}

/* The order row of placement i: as requested (the venue does not know why
 * reckon placed it), under the id and status the venue answered. */
static void placed_order_row(const struct exec *x, size_t i, const struct placed *p,
			     struct order_rec *o)
{
	const struct venue_order_req *req = &x->plan->actions[i].req;
	memset(o, 0, sizeof *o);
	stamp(o, x);
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
	const struct action *a = &x->plan->actions[i];
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
		rc = unknown_fills(x->j, x->v, x->account, o.symbol, o.order_id, &fills, &nfills,
				   &total, err);
		if (rc == RK_EUNKNOWN)
			rc = RK_OK;
		if (rc)
			return rc;
	}
	char *resp = placed_json(x, i, p, order_status_name(o.status));
	rc = journal_begin(x->j, err);
	if (!rc)
		rc = recon_journal_order(x->j, &o, err);
	for (size_t k = 0; !rc && k < nfills; k++)
		rc = recon_journal_fill(x->j, &fills[k], err);
	if (!rc)
		rc = recon_journal_action_update(x->j, x->slot[i].id, x->v->kind, x->account,
						 a->symbol, ASTAT_SUCCEEDED, p->r.order_id, resp, NULL,
						 rtime_now_us(), err);
	if (rc)
		journal_rollback(x->j);
	else
		rc = journal_commit(x->j, err);
	if (!rc) {
		x->slot[i].status = ASTAT_SUCCEEDED;
		set_result(x, i, "placed %s%s%s", p->r.order_id, nfills ? " (filled)" : "",
			   p->sends > 1 ? " (sent again after no answer)"
			   : x->slot[i].bare_since_us ? " (after an unprotected gap)" : "");
	}
	free(resp);
	free(fills);
	return rc;
}

static enum rk_rc exec_place(struct exec *x, size_t i, struct rk_err *err)
{
	struct placed p;
	struct order_rec o;
	char why[300];
	enum rk_rc rc = update(x, i, ASTAT_SENT, NULL, NULL, NULL, err);
	if (rc)
		return rc;
	send_placement(x, i, &p);
	if (p.r.outcome == VOUT_UNKNOWN && !p.absent) {
		char *resp = placed_json(x, i, &p, NULL);
		set_result(x, i, "outcome unknown (%.100s): resolved by client order id next pass",
			   p.r.reason);
		rc = update(x, i, ASTAT_SENT, NULL, resp, x->slot[i].result, err);
		free(resp);
		return rc;
	}
	if (p.absent) {
		snprintf(why, sizeof why, "no answer (%.150s) and not found by client order id, %d"
			 " send%s", p.r.reason, p.sends, p.sends > 1 ? "s" : "");
		return placement_failed(x, i, &p, FOLLOW_CAUSE_NO_ANSWER, why, err);
	}
	if (p.r.outcome != VOUT_OK) {
		snprintf(why, sizeof why, "refused: %.200s%s",
			 p.r.reason[0] ? p.r.reason : venue_reject_name(p.r.reject),
			 p.r.reject == VREJ_WOULD_TRIGGER ? " (would trigger)" : "");
		return placement_failed(x, i, &p, p.r.reject == VREJ_WOULD_TRIGGER
							  ? FOLLOW_CAUSE_WOULD_TRIGGER : FOLLOW_CAUSE_REFUSED,
					why, err);
	}
	/* Rule 6: only the order requested protects; a venue answering a reused
	 * client order id with another order (a cancelled stop) does not. */
	if (answered_order(x, i, &p, &o) &&
	    not_requested(x, &x->plan->actions[i].req, &o, why, sizeof why))
		return placement_failed(x, i, &p, FOLLOW_CAUSE_NOT_PROTECTION, why, err);
	return placement_succeeded(x, i, &p, err);
}

/* ---- cancels, lookups, records ------------------------------------------- */

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
	char *resp = resp_json(&(struct resp){.outcome = r.outcome, .reject = r.reject,
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
		set_result(x, i, "cancelled %s (verified)%s", a->order_id,
			   nclosed > 1 ? ", closed under its journaled id too" : "");
		rc = settle(x, i, closed, nclosed, NULL, 0, ASTAT_SUCCEEDED, a->order_id, resp, NULL, err);
		free(closed);
	} else if (r.outcome == VOUT_UNKNOWN) {
		/* No answer is not a refusal: it stays `sent` and the next pass looks
		 * the order up (resolve_pending). The order stays open meanwhile. */
		set_result(x, i, "cancel outcome unknown (%s): resolved by lookup next pass",
			   r.reason[0] ? r.reason : "no answer");
		rc = update(x, i, ASTAT_SENT, NULL, resp, x->slot[i].result, err);
	} else {
		set_result(x, i, "cancel not verified: %s",
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
	enum rk_rc rc = update(x, i, ASTAT_SENT, NULL, NULL, NULL, err);
	if (rc)
		return rc;
	if (!find_order(x, a->order_id, &o))
		return settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, NULL, "order not in the journal", err);
	if (venue_get_order(x->v, a->symbol, a->order_id, o.client_order_id, &q, &verr) != RK_OK)
		q.outcome = VOUT_UNKNOWN;
	char *resp = resp_json(&(struct resp){
		.outcome = q.outcome, .reason = q.reason[0] ? q.reason : verr.msg,
		.order_id = a->order_id,
		.status = q.outcome == VOUT_OK ? order_status_name(q.order.status) : NULL});
	if (q.outcome == VOUT_OK && !order_status_is_terminal(q.order.status)) {
		set_result(x, i, "still %s on the exchange: kept open", order_status_name(q.order.status));
		rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_SKIPPED, NULL, resp, result, err);
	} else if (q.outcome == VOUT_OK || q.outcome == VOUT_NOT_FOUND) {
		/* "Not found" is normal for an order that filled: its fills decide. */
		rc = unknown_fills(x->j, x->v, x->account, a->symbol, a->order_id, &fills, &nfills,
				   &total, err);
		if (rc == RK_EUNKNOWN) {
			set_result(x, i, "fills of %s could not be fetched: kept open", a->order_id);
			rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, result, err);
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
			rc = settle(x, i, NULL, 0, NULL, 0, ASTAT_FAILED, NULL, resp, result, err);
		}
	} else {
		set_result(x, i, "lookup failed (%s): kept open", q.reason[0] ? q.reason : verr.msg);
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
			rtime_format(rtime_now_us(), o.ts);
		set_result(x, i, "adopted %s into the journal", o.order_id);
		return settle(x, i, &o, 1, NULL, 0, ASTAT_SUCCEEDED, o.order_id, NULL, NULL, err);
	}
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
		rc = update(x, i, ASTAT_FAILED, NULL, NULL, x->slot[i].result, err);
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
	char *resp = resp_json(&(struct resp){
		.outcome = q.outcome,
		.reason = placement ? "resolved by client order id lookup" : "resolved by order lookup",
		.order_id = q.outcome == VOUT_OK ? q.order.order_id : NULL,
		.status = q.outcome == VOUT_OK ? order_status_name(q.order.status) : NULL});
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

#define STRANDED_BATCH 64

/* Actions still `planned` belong to a run that was interrupted before it got
 * to them: nothing was sent, and a new pass plans afresh. Say so in the
 * journal rather than leave them looking pending forever. */
static enum rk_rc close_stranded(struct journal *j, struct venue *v, const char *account,
				 struct rk_err *err)
{
	sqlite3_stmt *st;
	int64_t ids[STRANDED_BATCH];
	char syms[STRANDED_BATCH][MODEL_SYM_MAX];
	size_t n = 0;
	bool row = false;
	enum rk_rc rc;
	do {
		if ((rc = journal_stmt(j, SQL_STRANDED, &st, err)))
			return rc;
		sqlite3_bind_text(st, 1, venue_name(v->kind), -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
		for (n = 0; n < STRANDED_BATCH &&
			    !(rc = sqlx_step_row(st, &row, "reading planned actions", err)) && row;
		     n++) {
			ids[n] = sqlite3_column_int64(st, 0);
			snprintf(syms[n], sizeof syms[n], "%s", sqlite3_column_text(st, 1));
		}
		sqlite3_reset(st);
		if (rc || n == 0 || (rc = journal_begin(j, err)))
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
	} while (n == STRANDED_BATCH);
	return RK_OK;
}

static const char *col_text(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	return s ? s : "";
}

/* Reads every action left `sent`. *out (OUT) malloc'd; free(). */
static enum rk_rc read_pending(struct journal *j, struct venue *v, const char *account,
			       struct pending **out, size_t *n, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt(j, SQL_PENDING, &st, err);
	*out = NULL, *n = 0;
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue_name(v->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, account, -1, SQLITE_STATIC);
	while (!(rc = sqlx_step_row(st, &row, "reading sent actions", err)) && row) {
		struct pending *nl = realloc(*out, (*n + 1) * sizeof *nl);
		if (!nl) {
			sqlite3_reset(st);
			return rk_err_set(err, RK_ENOMEM, "out of memory");
		}
		*out = nl;
		struct pending *p = &nl[(*n)++];
		p->id = sqlite3_column_int64(st, 0);
		snprintf(p->kind, sizeof p->kind, "%s", col_text(st, 1));
		snprintf(p->symbol, sizeof p->symbol, "%s", col_text(st, 2));
		snprintf(p->order_id, sizeof p->order_id, "%s", col_text(st, 3));
		snprintf(p->client_id, sizeof p->client_id, "%s", col_text(st, 4));
		const unsigned char *purpose = sqlite3_column_text(st, 5);
		p->purpose = purpose ? purpose_parse((const char *)purpose) : PURPOSE_NONE;
		p->reduce_only = sqlite3_column_int(st, 6) || sqlite3_column_int(st, 7);
	}
	return rc;
}

static enum rk_rc resolve_pending(struct journal *j, struct venue *v, const char *account,
				  size_t *count, struct rk_err *err)
{
	struct pending *list = NULL;
	size_t n = 0;
	enum rk_rc rc = read_pending(j, v, account, &list, &n, err);
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
 * nothing with that id is sent again. *found (OUT). */
static enum rk_rc client_id_unresolved(struct exec *x, size_t i, bool *found, struct rk_err *err)
{
	sqlite3_stmt *st;
	const char *cid = x->plan->actions[i].req.client_order_id;
	enum rk_rc rc;
	*found = false;
	if (!cid[0])
		return RK_OK;
	if ((rc = journal_stmt(x->j, SQL_UNRESOLVED_CLIENT, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, venue_name(x->v->kind), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, cid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, x->slot[i].id);
	rc = sqlx_step_row(st, found, "reading unresolved requests", err);
	sqlite3_reset(st);
	return rc;
}

static bool is_placement(enum action_kind k)
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
	bool protective = find_order(x, a->order_id, &o) &&
			  (o.purpose == PURPOSE_STOP_LOSS || order_type_is_stop(o.type));
	enum rk_rc rc = exec_cancel(x, i, err);
	if (!rc && x->slot[i].status == ASTAT_SUCCEEDED)
		x->slot[i].cancel_done_us = earlier ? earlier : protective ? rtime_now_us() : 0;
	return rc;
}

static enum rk_rc execute(struct exec *x, size_t i, struct rk_err *err)
{
	const struct action *a = &x->plan->actions[i];
	bool unresolved = false;
	enum rk_rc rc;
	if (x->slot[i].status != ASTAT_PLANNED)
		return RK_OK; /* skipped by the planner (breaker, halt), or a follow-up already run */
	if (a->depends_on >= 0 && !chain_succeeded(x, a->depends_on)) {
		set_result(x, i, "skipped: depends on action #%lld, which did not succeed",
			   (long long)x->slot[a->depends_on].id);
		return update(x, i, ASTAT_SKIPPED, NULL, NULL, x->slot[i].result, err);
	}
	if (is_placement(a->kind) && (rc = client_id_unresolved(x, i, &unresolved, err)))
		return rc;
	if (unresolved) {
		set_result(x, i, "skipped: an earlier request with client order id %.64s is still unresolved",
			   a->req.client_order_id);
		return update(x, i, ASTAT_SKIPPED, NULL, NULL, x->slot[i].result, err);
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
	if (is_placement(a->kind))
		return req_json(&a->req);
	if (a->kind != ACT_RECORD_INFERRED_FILL)
		return NULL;
	return record_json(a, a->finding < x->plan->nfindings ? &x->plan->findings[a->finding] : NULL);
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
		slot_init(&x->slot[i], a);
		note_with_ids(x, a);
		char *req = action_request(x, a);
		int64_t dep = a->depends_on >= 0 ? x->slot[a->depends_on].id : 0;
		rc = recon_journal_action(x->j, x->run_id,
					  a->finding < x->plan->nfindings ? x->finding_ids[a->finding] : 0,
					  x->v->kind, x->account, a,
					  is_placement(a->kind) ? a->req.client_order_id : NULL, req, dep,
					  now, &x->slot[i].id, err);
		if (a->status == ASTAT_SKIPPED)
			set_result(x, i, "%.150s", a->note);
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
		const struct slot *s = &x->slot[i];
		fprintf(out, "  %-5lld %-20s %-13s %-9s %s%s%s\n", (long long)s->id,
			action_kind_name(a->kind), a->symbol, action_status_name(s->status), a->note,
			s->result[0] ? " -> " : "", s->result);
	}
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

static enum rk_rc journal_run_end(struct exec *x, bool dry_run, const char *cursor,
				  struct rk_err *err)
{
	const struct venue_snapshot *snap = x->snap;
	enum rk_rc rc = journal_begin(x->j, err);
	if (rc)
		return rc;
	rc = recon_journal_run_end(x->j, x->run_id, x->v->kind, x->account, snap->complete,
				   snap->complete ? x->plan->reason : snap->incomplete_reason,
				   cursor_may_advance(x, dry_run) ? snap->fills_cursor : cursor,
				   rtime_now_us(), err);
	if (rc) {
		journal_rollback(x->j);
		return rc;
	}
	return journal_commit(x->j, err);
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
	/* A journal that cannot be read ends the pass here, before anything is
	 * planned: an unreadable halt or breaker count is not "none". */
	if ((rc = recon_store_load(j, v->kind, account, &snap, now, &local, err)))
		goto out;
	if ((rc = reconcile_plan(&local, &snap, &v->caps, policy, &plan, err)))
		goto out;
	x.finding_ids = calloc(plan.nfindings + 1, sizeof *x.finding_ids);
	x.slot = calloc(plan.nactions + 1, sizeof *x.slot);
	if (!x.finding_ids || !x.slot) {
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
	/* Follow-ups are appended (and run at once) while we iterate: nactions
	 * is re-read, and an action already run is not run again. */
	for (size_t i = 0; !dry_run && i < plan.nactions; i++)
		if ((rc = execute(&x, i, err)))
			goto out;
	if ((rc = journal_run_end(&x, dry_run, cursor, err)) ||
	    (rc = recon_journal_settle_pass(j, x.run_id, v->kind, account, &snap, rtime_now_us(),
					    NULL, err)))
		goto out;
	out->run_id = x.run_id;
	out->complete = snap.complete;
	snprintf(out->reason, sizeof out->reason, "%s", snap.complete ? plan.reason : snap.incomplete_reason);
	out->nfindings = plan.nfindings;
	out->nactions = plan.nactions;
	for (size_t i = 0; i < plan.nactions; i++)
		out->by_status[x.slot[i].status]++;
	if (report)
		print_report(&x, &snap, report);
out:
	free(x.finding_ids);
	free(x.slot);
	recon_plan_free(&plan);
	recon_store_free(&local);
	venue_snapshot_free(&snap);
	return rc;
}
