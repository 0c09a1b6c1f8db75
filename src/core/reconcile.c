/*
 * reconcile.c — one reconciliation pass as a pure function (see reconcile.h).
 *
 * The pass reads the journal's view (local_state) and the exchange's
 * (venue_snapshot) and writes a plan: findings first, each with a JSON detail
 * of the numbers involved, and actions in the order they must run, linked by
 * depends_on. Nothing here performs I/O, reads the clock or keeps state.
 *
 * Phases, in order: orders (fill regressions, orphans, stale local orders),
 * fills (what the journal lacks), positions (drift after those fills), then
 * protection per exchange position, then the circuit breaker over the whole
 * plan. Two gates decide which actions may be planned at all:
 *   may_record — adopt_order, record_inferred_fill: the symbol is not halted;
 *   may_change — everything else: not halted AND the snapshot is complete.
 * A finding is reported either way; only its actions are withheld.
 *
 * All amounts are struct dec. Prices are quantized away from triggering
 * (sell stops down, buy stops up), quantities down to the step size.
 */
#include "reconcile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "digest.h"
#include "rtime.h"
#include "stop_level.h"

/* ---- names ---- */

static const char *const FINDING_NAMES[FIND_KIND_COUNT] = {
	"orphan_exchange_order", "stale_local_order", "blocking_order", "missing_stop",
	"stop_size_mismatch",    "stop_would_trigger", "position_drift", "duplicate_stop",
	"unmatched_sell",        "dust",               "missing_fill",   "fill_regression",
	"stray_stop"};
static const char *const ACTION_NAMES[ACT_KIND_COUNT] = {
	"cancel_order", "place_stop",        "replace_stop",        "emergency_close",
	"adopt_order",  "close_local_order", "record_inferred_fill"};
static const char *const STATUS_NAMES[] = {"planned",   "dry_run", "sent",
					   "succeeded", "failed",  "skipped"};
#define NSTATUS (sizeof STATUS_NAMES / sizeof STATUS_NAMES[0])

const char *finding_kind_name(enum finding_kind k)
{
	return (unsigned)k < FIND_KIND_COUNT ? FINDING_NAMES[k] : "";
}

const char *action_kind_name(enum action_kind k)
{
	return (unsigned)k < ACT_KIND_COUNT ? ACTION_NAMES[k] : "";
}

const char *action_status_name(enum action_status s)
{
	return (unsigned)s < NSTATUS ? STATUS_NAMES[s] : "";
}

enum action_status action_status_parse(const char *s)
{
	for (size_t i = 0; s && i < NSTATUS; i++)
		if (strcmp(STATUS_NAMES[i], s) == 0)
			return (enum action_status)i;
	return ASTAT_SENT; /* unreadable = outcome unknown: look it up, never resend */
}

bool action_kind_is_destructive(enum action_kind k)
{
	return k == ACT_CANCEL_ORDER || k == ACT_EMERGENCY_CLOSE;
}

/* ---- client order ids (rule 6) and other derived ids ---- */

/* prefix + the first `nhex` hex digits of SHA-256 over the concatenated
 * parts (NULL parts skipped). Writes "" if OpenSSL fails. */
static void hashed_id(const char *prefix, const char *const *parts, size_t nparts, size_t nhex,
		      char out[MODEL_ID_MAX])
{
	char digits[DIGEST_SHA256_HEX];
	struct digest d;
	size_t plen = strlen(prefix);
	out[0] = '\0';
	if (nhex >= DIGEST_SHA256_HEX || plen + nhex >= MODEL_ID_MAX)
		return;
	digest_begin(&d);
	for (size_t i = 0; i < nparts; i++)
		if (parts[i])
			digest_update(&d, parts[i], strlen(parts[i]));
	if (digest_end_hex(&d, digits, nhex))
		snprintf(out, MODEL_ID_MAX, "%s%s", prefix, digits);
}

void reconcile_client_order_id(const char *journal_id, const char *key, int attempt,
			       char out[MODEL_ID_MAX])
{
	char suffix[24];
	bool journal = journal_id && journal_id[0];
	snprintf(suffix, sizeof suffix, "#%d", attempt);
	const char *parts[] = {journal ? journal_id : NULL, journal ? "|" : NULL, key, suffix};
	hashed_id("rk-", parts, 4, 24, out);
}

/* ---- plan building ---- */

struct plan_ctx {
	const struct local_state *local;
	const struct venue_snapshot *snap;
	const struct venue_caps *caps;
	const struct policy *pol;
	struct recon_plan *plan;
	size_t fcap, acap;
	const char *venue;              /* venue_name(local->venue) */
	char (*halt)[MODEL_SYM_MAX];    /* symbols halted by a regression this pass */
	size_t nhalt;
	int *cancel_of;                 /* per snapshot order: its planned cancel, or -1 */
	int *adopt_of;                  /* per snapshot order: its orphan finding to adopt, or -1 */
	struct pass_fill *fills;        /* this pass's fills: missing, then inferred */
	size_t nfills, fillcap;
	struct local_inferred *inferred;/* a working copy of local->inferred: what the
					 * pass's real fills have not absorbed yet */
	struct rk_err *err;
};

/* A fill this pass journals (or would, were its symbol not halted), with the
 * quantity of its order's inferred fills it supersedes when journaled (model.h). */
struct pass_fill {
	struct fill_rec f;
	struct dec absorbed;            /* of f.qty; zero for a stand-in */
	bool listed;                    /* from the venue's fill listing */
};

/* A finding's JSON detail under construction; `bad` records a failed add. */
struct jd {
	cJSON *o;
	bool bad;
};

static void jd_init(struct jd *j)
{
	j->o = cJSON_CreateObject();
	j->bad = j->o == NULL;
}

static void jd_str(struct jd *j, const char *k, const char *v)
{
	if (!j->bad && !cJSON_AddStringToObject(j->o, k, v))
		j->bad = true;
}

static void jd_dec(struct jd *j, const char *k, struct dec d)
{
	char buf[DEC_STR_MAX];
	jd_str(j, k, dec_format(d, buf));
}

static void jd_int(struct jd *j, const char *k, int64_t v)
{
	if (!j->bad && !cJSON_AddNumberToObject(j->o, k, (double)v))
		j->bad = true;
}

static void jd_bool(struct jd *j, const char *k, bool v)
{
	if (!j->bad && !cJSON_AddBoolToObject(j->o, k, v))
		j->bad = true;
}

/* Adds an order's identity and amounts under their usual names. */
static void jd_order(struct jd *j, const struct order_rec *o)
{
	jd_str(j, "order_id", o->order_id);
	if (o->client_order_id[0])
		jd_str(j, "client_order_id", o->client_order_id);
	jd_str(j, "side", side_name(o->side));
	jd_str(j, "type", order_type_name(o->type));
	if (o->purpose != PURPOSE_NONE)
		jd_str(j, "purpose", purpose_name(o->purpose));
	if (o->reduce_only)
		jd_bool(j, "reduce_only", true);
	jd_dec(j, "order_qty", o->qty);
	if (o->has_price)
		jd_dec(j, "price", o->price);
	if (o->has_stop_price)
		jd_dec(j, "stop_price", o->stop_price);
	if (o->has_filled_qty)
		jd_dec(j, "filled_qty", o->filled_qty);
}

static enum rk_rc oom(struct plan_ctx *c)
{
	return rk_err_set(c->err, RK_ENOMEM, "reconcile: out of memory");
}

static enum rk_rc calc_failed(struct plan_ctx *c, const char *symbol, const char *what)
{
	return rk_err_set(c->err, RK_EOVERFLOW, "reconcile %s: arithmetic out of range (%s)",
			  symbol, what);
}

static bool grow(void **arr, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return true;
	size_t n = *cap ? *cap * 2 : 16;
	while (n < need)
		n *= 2;
	void *p = realloc(*arr, n * elem);
	if (!p)
		return false;
	*arr = p;
	*cap = n;
	return true;
}

/*
 * Appends a finding. Its key is "KIND:VENUE:ACCOUNT:SYMBOL" plus ":TAIL" for
 * findings about one order or fill. Consumes d->o in every case.
 */
static enum rk_rc add_finding(struct plan_ctx *c, enum finding_kind kind, const char *symbol,
			      const char *order_id, const char *tail, struct jd *d, size_t *idx)
{
	struct recon_plan *p = c->plan;
	char *text = NULL;
	enum rk_rc rc = RK_OK;
	if (d->bad || !(text = cJSON_PrintUnformatted(d->o)) ||
	    !grow((void **)&p->findings, &c->fcap, p->nfindings + 1, sizeof *p->findings)) {
		rc = oom(c);
		goto out;
	}
	struct finding *f = &p->findings[p->nfindings];
	memset(f, 0, sizeof *f);
	f->kind = kind;
	snprintf(f->symbol, sizeof f->symbol, "%s", symbol);
	snprintf(f->order_id, sizeof f->order_id, "%s", order_id ? order_id : "");
	snprintf(f->key, sizeof f->key, "%s:%s:%s:%s%s%s", finding_kind_name(kind), c->venue,
		 c->local->account, symbol, tail && tail[0] ? ":" : "", tail ? tail : "");
	if (strlen(text) >= sizeof f->detail)
		snprintf(f->detail, sizeof f->detail, "{\"truncated\":true}");
	else
		memcpy(f->detail, text, strlen(text) + 1);
	*idx = p->nfindings++;
out:
	free(text);
	cJSON_Delete(d->o);
	d->o = NULL;
	return rc;
}

/* Appends a PLANNED action for finding `fi`; *idx is its index. */
static enum rk_rc add_action(struct plan_ctx *c, enum action_kind kind, size_t fi,
			     const char *symbol, int depends_on, size_t *idx)
{
	struct recon_plan *p = c->plan;
	if (!grow((void **)&p->actions, &c->acap, p->nactions + 1, sizeof *p->actions))
		return oom(c);
	struct action *a = &p->actions[p->nactions];
	memset(a, 0, sizeof *a);
	a->kind = kind;
	a->status = ASTAT_PLANNED;
	a->finding = fi;
	a->depends_on = depends_on;
	snprintf(a->symbol, sizeof a->symbol, "%s", symbol);
	*idx = p->nactions++;
	return RK_OK;
}

static void set_note(struct action *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_note(struct action *a, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->note, sizeof a->note, fmt, ap);
	va_end(ap);
}

/* Appends a cancel_order for snapshot order `oi`, remembering it. */
static enum rk_rc add_cancel(struct plan_ctx *c, size_t oi, size_t fi, int depends_on,
			     const char *note, size_t *idx)
{
	const struct order_rec *o = &c->snap->orders[oi];
	enum rk_rc rc = add_action(c, ACT_CANCEL_ORDER, fi, o->symbol, depends_on, idx);
	if (rc)
		return rc;
	struct action *a = &c->plan->actions[*idx];
	snprintf(a->order_id, sizeof a->order_id, "%s", o->order_id);
	a->order = *o;
	set_note(a, "%s", note);
	c->cancel_of[oi] = (int)*idx;
	return RK_OK;
}

/* ---- small predicates ---- */

static bool symbol_in(const char (*list)[MODEL_SYM_MAX], size_t n, const char *symbol)
{
	for (size_t i = 0; list && i < n; i++)
		if (strcmp(list[i], symbol) == 0)
			return true;
	return false;
}

static bool halted(const struct plan_ctx *c, const char *symbol)
{
	return symbol_in((const char (*)[MODEL_SYM_MAX])c->local->halted, c->local->nhalted,
			 symbol) ||
	       symbol_in((const char (*)[MODEL_SYM_MAX])c->halt, c->nhalt, symbol);
}

/* adopt_order and record_inferred_fill: allowed even on an incomplete snapshot. */
static bool may_record(const struct plan_ctx *c, const char *symbol)
{
	return !halted(c, symbol);
}

/* Cancels, closes and placements: only on a complete snapshot (rule 1). */
static bool may_change(const struct plan_ctx *c, const char *symbol)
{
	return c->snap->complete && !halted(c, symbol);
}

/* Same order: equal exchange ids, or equal non-empty client order ids. */
static bool same_order(const struct order_rec *a, const struct order_rec *b)
{
	if (strcmp(a->symbol, b->symbol) != 0)
		return false;
	if (a->order_id[0] && strcmp(a->order_id, b->order_id) == 0)
		return true;
	return a->client_order_id[0] && strcmp(a->client_order_id, b->client_order_id) == 0;
}

static int find_local(const struct plan_ctx *c, const struct order_rec *x)
{
	for (size_t j = 0; j < c->local->norders; j++)
		if (same_order(&c->local->orders[j].rec, x))
			return (int)j;
	return -1;
}

static bool on_exchange(const struct plan_ctx *c, const struct order_rec *x)
{
	for (size_t i = 0; i < c->snap->norders; i++)
		if (same_order(&c->snap->orders[i], x))
			return true;
	return false;
}

/* The venue reports less filled than the journal holds (rule 2c). */
static bool fill_regressed(const struct order_rec *exch, const struct order_rec *journal)
{
	return exch->has_filled_qty && journal->has_filled_qty &&
	       dec_cmp(exch->filled_qty, journal->filled_qty) < 0;
}

static const struct policy_rule *rule_for(const struct plan_ctx *c, const char *symbol)
{
	return policy_for(c->pol, c->local->venue, symbol);
}

static int attempts_for(const struct plan_ctx *c, const char *key)
{
	for (size_t i = 0; i < c->local->nattempts; i++)
		if (strcmp(c->local->attempts[i].key, key) == 0)
			return c->local->attempts[i].finished;
	return 0;
}

/* ---- phase 1: orders ---- */

/* Collects the symbols whose orders regressed, so no action for them is planned
 * anywhere in this pass, whichever phase would have planned it. */
static enum rk_rc collect_regressions(struct plan_ctx *c)
{
	for (size_t i = 0; i < c->snap->norders; i++) {
		const struct order_rec *o = &c->snap->orders[i];
		int j = find_local(c, o);
		if (j < 0 || !fill_regressed(o, &c->local->orders[j].rec) ||
		    symbol_in((const char (*)[MODEL_SYM_MAX])c->halt, c->nhalt, o->symbol))
			continue;
		char(*grown)[MODEL_SYM_MAX] = realloc(c->halt, (c->nhalt + 1) * sizeof *c->halt);
		if (!grown)
			return oom(c);
		c->halt = grown;
		snprintf(c->halt[c->nhalt++], MODEL_SYM_MAX, "%s", o->symbol);
	}
	return RK_OK;
}

static enum rk_rc report_regression(struct plan_ctx *c, const struct order_rec *o,
				    const struct order_rec *journal)
{
	struct jd d;
	size_t fi;
	jd_init(&d);
	jd_order(&d, o);
	jd_dec(&d, "journal_filled_qty", journal->filled_qty);
	jd_dec(&d, "exchange_filled_qty", o->filled_qty);
	jd_bool(&d, "halt", true);
	return add_finding(c, FIND_FILL_REGRESSION, o->symbol, o->order_id, o->order_id, &d, &fi);
}

static enum side reducing_side(struct dec position_qty)
{
	return dec_sign(position_qty) > 0 ? SIDE_SELL : SIDE_BUY;
}

/* Is `o` on the side that reduces a non-zero exchange position? */
static bool reduces_position(const struct plan_ctx *c, const struct order_rec *o)
{
	const struct venue_position *pos = venue_snapshot_position(c->snap, o->symbol);
	return pos && !dec_is_zero(pos->qty) && o->side == reducing_side(pos->qty);
}

/* What an adopted order is for: triggers protect, others follow their side. */
static enum purpose adopted_purpose(const struct order_rec *o)
{
	if (o->purpose != PURPOSE_NONE)
		return o->purpose;
	if (order_type_is_stop(o->type))
		return PURPOSE_STOP_LOSS;
	if (o->type == OTYPE_TAKE_PROFIT)
		return PURPOSE_TAKE_PROFIT;
	if (o->reduce_only)
		return PURPOSE_EXIT;
	return o->side == SIDE_SELL ? PURPOSE_EXIT : PURPOSE_ENTRY;
}

/*
 * What to do with an exchange order the journal does not know. Policy adopts,
 * cancels or reports it, with two exceptions that keep positions protected: a
 * stop on the reducing side of a position is adopted, never cancelled (rule
 * 5), and where orders hold the balance a reducing non-stop order is left to
 * the protection step, which cancels it as a blocking order only if the stop
 * it plans needs the size (and then makes the stop depend on that cancel).
 * *why explains an exception ("" when the policy applies as written).
 */
static enum orphan_choice orphan_choice(const struct plan_ctx *c, const struct order_rec *o,
					const char **why)
{
	enum orphan_choice choice = rule_for(c, o->symbol)->orphans;
	bool reducing = reduces_position(c, o);
	bool protective = reducing && order_type_is_stop(o->type);
	*why = "";
	if (choice == ORPHAN_CANCEL && protective) {
		*why = "a stop protecting the position is adopted, never cancelled";
		return ORPHAN_ADOPT;
	}
	if (choice == ORPHAN_CANCEL && reducing && c->caps->orders_hold_balance) {
		*why = "holds the position's balance: cancelled as a blocking order if a stop needs it";
		return ORPHAN_REPORT;
	}
	return choice;
}

/* Reports an orphan; plans its cancel when the policy says so. Adoption is
 * bookkeeping and waits for plan_adoptions, after protection. */
static enum rk_rc plan_orphan(struct plan_ctx *c, size_t oi)
{
	const struct order_rec *o = &c->snap->orders[oi];
	const char *why;
	enum orphan_choice choice = orphan_choice(c, o, &why);
	struct jd d;
	size_t fi, ai;
	enum rk_rc rc;

	jd_init(&d);
	jd_order(&d, o);
	jd_str(&d, "policy_orphans", policy_orphan_name(rule_for(c, o->symbol)->orphans));
	if (why[0])
		jd_str(&d, "handling", why);
	if ((rc = add_finding(c, FIND_ORPHAN_EXCHANGE_ORDER, o->symbol, o->order_id, o->order_id,
			      &d, &fi)))
		return rc;
	if (choice == ORPHAN_ADOPT && may_record(c, o->symbol))
		c->adopt_of[oi] = (int)fi;
	else if (choice == ORPHAN_CANCEL && may_change(c, o->symbol))
		rc = add_cancel(c, oi, fi, -1, "cancel an order unknown to the journal, per policy "
					       "orphans=cancel", &ai);
	return rc;
}

/*
 * Adopts the orphans the policy adopts, except those this pass cancels (as a
 * blocking order or a stray stop): a verified cancel journals the order as
 * cancelled, and an adoption after it would try to reopen a terminal order.
 */
static enum rk_rc plan_adoptions(struct plan_ctx *c)
{
	for (size_t oi = 0; oi < c->snap->norders; oi++) {
		const struct order_rec *o = &c->snap->orders[oi];
		const char *why;
		size_t ai;
		if (c->adopt_of[oi] < 0 || c->cancel_of[oi] >= 0)
			continue;
		(void)orphan_choice(c, o, &why);
		enum rk_rc rc = add_action(c, ACT_ADOPT_ORDER, (size_t)c->adopt_of[oi], o->symbol, -1,
					   &ai);
		if (rc)
			return rc;
		struct action *a = &c->plan->actions[ai];
		snprintf(a->order_id, sizeof a->order_id, "%s", o->order_id);
		a->order = *o;
		a->order.purpose = adopted_purpose(o);
		set_note(a, "adopt the exchange's %s %s order as %s%s%s", side_name(o->side),
			 order_type_name(o->type), purpose_name(a->order.purpose), why[0] ? ": " : "",
			 why);
	}
	return RK_OK;
}

#define LOOKUP_BACKOFF_MIN_US ((int64_t)60 * 1000000)
#define LOOKUP_BACKOFF_MAX_US ((int64_t)24 * 3600 * 1000000)

/*
 * How long after the last failed lookup of a stale order the next one may
 * go: max(stale_quiet_seconds, 60 s), doubled for each further consecutive
 * failure, at most 24 h. 0 when the last lookup did not fail.
 */
static int64_t lookup_backoff_us(const struct local_order *lo, const struct policy_rule *r)
{
	int64_t us = (int64_t)r->stale_quiet_seconds * 1000000;
	if (lo->lookup_failures <= 0)
		return 0;
	if (us < LOOKUP_BACKOFF_MIN_US)
		us = LOOKUP_BACKOFF_MIN_US;
	for (int k = 1; k < lo->lookup_failures && us < LOOKUP_BACKOFF_MAX_US; k++)
		us *= 2;
	return us < LOOKUP_BACKOFF_MAX_US ? us : LOOKUP_BACKOFF_MAX_US;
}

/* Adds the backoff state to a stale order's detail; *due says whether a
 * lookup may go now. */
static void stale_backoff(const struct plan_ctx *c, const struct local_order *lo,
			  const struct policy_rule *r, struct jd *d, bool *due)
{
	int64_t wait = lookup_backoff_us(lo, r), next = lo->last_lookup_us + wait;
	char ts[RTIME_STR_MAX];
	*due = wait == 0 || lo->last_lookup_us == 0 || c->local->now_us >= next;
	if (lo->lookup_failures <= 0)
		return;
	jd_int(d, "lookup_failures", lo->lookup_failures);
	jd_int(d, "lookup_backoff_seconds", wait / 1000000);
	if (lo->last_lookup_us)
		jd_str(d, "next_lookup_after", rtime_format(next, ts));
}

/*
 * A journaled open order the exchange no longer lists (rule 2): a finding at
 * once; close_local_order only on a complete snapshot, after stale_min_passes
 * passes and stale_quiet_seconds since it was first missed, and, after failed
 * lookups, only once the backoff has passed (a lookup that can never be
 * resolved is retried ever more rarely, not every pass). The executor still
 * needs a terminal status from a single-order lookup before journaling.
 */
static enum rk_rc plan_stale(struct plan_ctx *c, const struct local_order *lo)
{
	const struct order_rec *o = &lo->rec;
	const struct policy_rule *r = rule_for(c, o->symbol);
	int passes = lo->missing_passes + 1;
	int64_t missing_us = lo->missing_since_us ? c->local->now_us - lo->missing_since_us : 0;
	bool quiet = lo->missing_since_us != 0 &&
		     missing_us >= (int64_t)r->stale_quiet_seconds * 1000000;
	bool eligible = c->snap->complete && quiet && passes >= r->stale_min_passes, due;
	struct jd d;
	size_t fi, ai;
	enum rk_rc rc;

	jd_init(&d);
	jd_order(&d, o);
	jd_int(&d, "missing_passes", passes);
	jd_int(&d, "missing_seconds", missing_us / 1000000);
	jd_int(&d, "stale_min_passes", r->stale_min_passes);
	jd_int(&d, "stale_quiet_seconds", r->stale_quiet_seconds);
	jd_bool(&d, "snapshot_complete", c->snap->complete);
	stale_backoff(c, lo, r, &d, &due);
	if ((rc = add_finding(c, FIND_STALE_LOCAL_ORDER, o->symbol, o->order_id, o->order_id, &d,
			      &fi)))
		return rc;
	if (!eligible || !due || !may_change(c, o->symbol))
		return RK_OK;
	if ((rc = add_action(c, ACT_CLOSE_LOCAL_ORDER, fi, o->symbol, -1, &ai)))
		return rc;
	struct action *a = &c->plan->actions[ai];
	snprintf(a->order_id, sizeof a->order_id, "%s", o->order_id);
	a->order = *o;
	set_note(a, "missing from the open orders for %d passes over %lld s: journal the terminal "
		    "status a single-order lookup confirms%s",
		 passes, (long long)(missing_us / 1000000),
		 lo->lookup_failures > 0 ? " (retry after failed lookups)" : "");
	return RK_OK;
}

static enum rk_rc phase_orders(struct plan_ctx *c)
{
	enum rk_rc rc = collect_regressions(c);
	for (size_t i = 0; i < c->snap->norders && rc == RK_OK; i++) {
		const struct order_rec *o = &c->snap->orders[i];
		int j = find_local(c, o);
		if (j < 0)
			rc = plan_orphan(c, i);
		else if (fill_regressed(o, &c->local->orders[j].rec))
			rc = report_regression(c, o, &c->local->orders[j].rec);
	}
	for (size_t j = 0; j < c->local->norders && rc == RK_OK; j++)
		if (!on_exchange(c, &c->local->orders[j].rec))
			rc = plan_stale(c, &c->local->orders[j]);
	return rc;
}

/* ---- phase 2: fills ---- */

/* The signed quantity a fill adds to the position, by the journal's own rule. */
static enum rk_rc fill_delta(struct plan_ctx *c, const struct fill_rec *f, struct dec *delta)
{
	if (f->side != SIDE_BUY && f->side != SIDE_SELL)
		return rk_err_set(c->err, RK_EINVAL, "reconcile: fill %s has no side", f->fill_id);
	if (!fill_position_delta(f, delta))
		return calc_failed(c, f->symbol, "fill quantity less fee");
	return RK_OK;
}

static bool fill_missing(const struct plan_ctx *c, size_t i)
{
	return !c->local->fill_known[i];
}

/*
 * What a fill journaled now supersedes, by the journal's rule (model.h): a
 * real fill absorbs its order's inferred quantity that no real fill has
 * absorbed yet, up to its qty; a stand-in (an inferred fill, as journaled:
 * record_inferred_fill journals every fill flagged inferred) absorbs nothing.
 * Takes it from the pass's working copy, so the next fill of the order in
 * this pass (journaled after this one) absorbs only what is left.
 */
static enum rk_rc absorb_inferred(struct plan_ctx *c, const struct fill_rec *f,
				  struct dec *absorbed)
{
	struct fill_rec journaled = *f;
	struct dec left = f->qty;
	journaled.inferred = true;
	*absorbed = dec_zero();
	if (fill_stands_in(&journaled))
		return RK_OK;
	for (size_t i = 0; i < c->local->ninferred && dec_sign(left) > 0; i++) {
		struct local_inferred *in = &c->inferred[i];
		if (strcmp(in->order_id, f->order_id) != 0 || dec_sign(in->qty) <= 0)
			continue;
		struct dec take = dec_min(in->qty, left);
		if (dec_sub(in->qty, take, &in->qty) != DEC_OK || dec_sub(left, take, &left) != DEC_OK ||
		    dec_add(*absorbed, take, absorbed) != DEC_OK)
			return calc_failed(c, f->symbol, "fill superseding inferred fills");
	}
	return RK_OK;
}

/* Remembers a fill this pass will journal (or would, were it not halted),
 * in the order it is journaled: drift and protection are computed with it. */
static enum rk_rc add_pass_fill(struct plan_ctx *c, const struct fill_rec *f, bool listed)
{
	struct dec delta;
	enum rk_rc rc = fill_delta(c, f, &delta);
	if (rc)
		return rc;
	if (!grow((void **)&c->fills, &c->fillcap, c->nfills + 1, sizeof *c->fills))
		return oom(c);
	struct pass_fill *p = &c->fills[c->nfills];
	p->f = *f;
	p->listed = listed;
	if ((rc = absorb_inferred(c, f, &p->absorbed)))
		return rc;
	c->nfills++;
	return RK_OK;
}

/* The signed quantity pass fill `p` moves the position by: its own delta less
 * what the inferred fills it supersedes already added (project.c). */
static enum rk_rc pass_fill_delta(struct plan_ctx *c, const struct pass_fill *p,
				  struct dec *delta)
{
	enum rk_rc rc = fill_delta(c, &p->f, delta);
	if (rc)
		return rc;
	if (dec_sub(*delta, p->f.side == SIDE_BUY ? p->absorbed : dec_neg(p->absorbed), delta) !=
	    DEC_OK)
		return calc_failed(c, p->f.symbol, "fill superseding inferred fills");
	return RK_OK;
}


/* Plans record_inferred_fill for `f` under finding `fi`, unless halted. */
static enum rk_rc add_record_fill(struct plan_ctx *c, size_t fi, const struct fill_rec *f,
				  const char *note)
{
	size_t ai;
	enum rk_rc rc;
	if (!may_record(c, f->symbol))
		return RK_OK;
	if ((rc = add_action(c, ACT_RECORD_INFERRED_FILL, fi, f->symbol, -1, &ai)))
		return rc;
	struct action *a = &c->plan->actions[ai];
	snprintf(a->order_id, sizeof a->order_id, "%s", f->order_id);
	a->fill = *f;
	a->fill.inferred = true;
	set_note(a, "%s", note);
	return RK_OK;
}

static enum rk_rc plan_missing_fill(struct plan_ctx *c, const struct fill_rec *f)
{
	struct jd d;
	size_t fi;
	char note[256];
	enum rk_rc rc;
	jd_init(&d);
	jd_str(&d, "fill_id", f->fill_id);
	jd_str(&d, "order_id", f->order_id);
	jd_str(&d, "side", side_name(f->side));
	jd_dec(&d, "qty", f->qty);
	jd_dec(&d, "price", f->price);
	jd_dec(&d, "fee", f->fee);
	if (f->fee_currency[0])
		jd_str(&d, "fee_currency", f->fee_currency);
	jd_str(&d, "ts", f->ts);
	if ((rc = add_finding(c, FIND_MISSING_FILL, f->symbol, f->order_id, f->fill_id, &d, &fi)) ||
	    (rc = add_pass_fill(c, f, true)))
		return rc;
	snprintf(note, sizeof note, "record fill %.128s reported by the exchange but missing from "
				    "the journal", f->fill_id);
	return add_record_fill(c, fi, f, note);
}

/* The listed fills of an order (by either of its ids) that the journal lacks,
 * recorded this pass: their quantity (*listed) and how much of it supersedes
 * the order's inferred fills (*absorbed), which adds nothing to its fills. */
static enum rk_rc listed_missing_qty(struct plan_ctx *c, const struct order_rec *exch,
				     const struct order_rec *journal, struct dec *listed,
				     struct dec *absorbed)
{
	*listed = *absorbed = dec_zero();
	for (size_t i = 0; i < c->nfills; i++) {
		const struct pass_fill *p = &c->fills[i];
		if (!p->listed || strcmp(p->f.symbol, exch->symbol) != 0 ||
		    (strcmp(p->f.order_id, exch->order_id) != 0 &&
		     strcmp(p->f.order_id, journal->order_id) != 0))
			continue;
		if (dec_add(*listed, p->f.qty, listed) != DEC_OK ||
		    dec_add(*absorbed, p->absorbed, absorbed) != DEC_OK)
			return calc_failed(c, exch->symbol, "listed fills");
	}
	return RK_OK;
}

/* "inferred:<order id>:<exchange filled qty>", hashed when it would not fit. */
static void inferred_fill_id(const char *order_id, struct dec filled, char out[MODEL_ID_MAX])
{
	char qty[DEC_STR_MAX];
	dec_format(filled, qty);
	if ((size_t)snprintf(out, MODEL_ID_MAX, "inferred:%s:%s", order_id, qty) < MODEL_ID_MAX)
		return;
	const char *parts[] = {order_id, ":", qty};
	hashed_id("inferred:", parts, 3, 32, out);
}

/* An inferred fill's price: the venue's average fill price, else the limit
 * price. Returns the basis ("" when no price is known). */
static const char *inferred_price(const struct order_rec *o, struct dec *price)
{
	if (o->has_avg_fill_price && dec_sign(o->avg_fill_price) > 0) {
		*price = o->avg_fill_price;
		return "average fill price";
	}
	if (o->has_price && dec_sign(o->price) > 0) {
		*price = o->price;
		return "limit price";
	}
	return "";
}

/* The inferred fill of `gap` for a journaled order, stamped with this pass's
 * time (when reckon learnt it). Returns its price basis ("" when unpriced). */
static const char *inferred_fill(const struct plan_ctx *c, const struct order_rec *o,
				 const struct order_rec *journal, struct dec gap,
				 struct fill_rec *f)
{
	memset(f, 0, sizeof *f);
	f->venue = c->local->venue;
	snprintf(f->account, sizeof f->account, "%s", c->local->account);
	snprintf(f->symbol, sizeof f->symbol, "%s", journal->symbol);
	/* The journal's id: the fill must complete the order the journal holds. */
	snprintf(f->order_id, sizeof f->order_id, "%s", journal->order_id);
	inferred_fill_id(journal->order_id, o->filled_qty, f->fill_id);
	rtime_format(c->local->now_us, f->ts);
	f->side = journal->side;
	f->qty = gap;
	f->inferred = true;
	return inferred_price(o, &f->price);
}

/* The fill an exchange order's filled_qty implies beyond what the journal's
 * fills explain (fills_qty: a reported filled_qty moves no position) and what
 * the listed fills add to them (less what they supersede): qty = gap (zero
 * gap: none). */
static enum rk_rc unrecorded_gap(struct plan_ctx *c, const struct order_rec *o,
				 const struct local_order *lo, struct dec *listed,
				 struct dec *absorbed, struct dec *gap)
{
	struct dec known;
	enum rk_rc rc = listed_missing_qty(c, o, &lo->rec, listed, absorbed);
	*gap = dec_zero();
	if (rc || !o->has_filled_qty)
		return rc;
	if (dec_add(lo->fills_qty, *listed, &known) != DEC_OK ||
	    dec_sub(known, *absorbed, &known) != DEC_OK ||
	    dec_sub(o->filled_qty, known, gap) != DEC_OK)
		return calc_failed(c, o->symbol, "unrecorded fill");
	if (dec_sign(*gap) < 0)
		*gap = dec_zero();
	return RK_OK;
}

/* The words of an inferred fill's basis: "exchange filled_qty 10, journal
 * fills 4, fills listed 4 (4 superseding inferred fills)". */
static void gap_basis(const struct order_rec *o, const struct local_order *lo, struct dec listed,
		      struct dec absorbed, char *out, size_t n)
{
	char a[DEC_STR_MAX], b[DEC_STR_MAX], c[DEC_STR_MAX], d[DEC_STR_MAX], sup[80] = "";
	if (!dec_is_zero(absorbed))
		snprintf(sup, sizeof sup, " (%s superseding inferred fills)", dec_format(absorbed, d));
	snprintf(out, n, "exchange filled_qty %s, journal fills %s, fills listed %s%s",
		 dec_format(o->filled_qty, a), dec_format(lo->fills_qty, b), dec_format(listed, c),
		 sup);
}

/*
 * An order the exchange reports filled further than the journal's fills and
 * the listed fills explain ("filled 4 of 10", no fill record; or a bot that
 * reported filled 4 and sent no fill) is settled once by one inferred fill for
 * the difference, priced at the venue's average fill price or the order's
 * limit price; the next pass finds the journal agreeing. Without a price, or
 * past the journaled order size, it is reported and nothing is recorded.
 */
static enum rk_rc plan_unrecorded_fill(struct plan_ctx *c, const struct order_rec *o,
				       const struct local_order *lo)
{
	const struct order_rec *journal = &lo->rec;
	struct fill_rec f;
	struct dec listed, absorbed, gap;
	char a[DEC_STR_MAX], basis[240], note[256];
	struct jd d;
	size_t fi;
	enum rk_rc rc = unrecorded_gap(c, o, lo, &listed, &absorbed, &gap);
	if (rc || dec_is_zero(gap))
		return rc;
	const char *price_basis = inferred_fill(c, o, journal, gap, &f);
	const char *why = !price_basis[0] ? "no fill price known (no average fill price, no limit "
					    "price): nothing recorded"
			  : dec_cmp(o->filled_qty, journal->qty) > 0
				  ? "exchange filled_qty exceeds the journaled order qty: nothing recorded"
				  : "";
	gap_basis(o, lo, listed, absorbed, basis, sizeof basis);
	jd_init(&d);
	jd_order(&d, o);
	jd_str(&d, "fill_id", f.fill_id);
	jd_bool(&d, "inferred", true);
	if (journal->has_filled_qty)
		jd_dec(&d, "journal_filled_qty", journal->filled_qty);
	jd_dec(&d, "journal_fills_qty", lo->fills_qty);
	jd_dec(&d, "listed_fills_qty", listed);
	jd_dec(&d, "listed_superseding_qty", absorbed);
	jd_dec(&d, "qty", gap);
	jd_str(&d, "basis", basis);
	if (price_basis[0]) {
		jd_dec(&d, "price", f.price);
		jd_str(&d, "price_basis", price_basis);
	}
	if (why[0])
		jd_str(&d, "reason", why);
	if ((rc = add_finding(c, FIND_MISSING_FILL, f.symbol, f.order_id, f.fill_id, &d, &fi)) ||
	    why[0] || (rc = add_pass_fill(c, &f, false)))
		return rc;
	snprintf(note, sizeof note, "record a fill of %s at the %s, inferred from %.160s",
		 dec_format(gap, a), price_basis, basis);
	return add_record_fill(c, fi, &f, note);
}

/* Missing listed fills first, then fills inferred from filled quantities
 * (which count the listed ones), in the order they will be journaled. */
static enum rk_rc phase_fills(struct plan_ctx *c)
{
	enum rk_rc rc = RK_OK;
	if (c->snap->nfills && !c->local->fill_known)
		return rk_err_set(c->err, RK_EINVAL, "reconcile: fill_known missing for %zu fills",
				  c->snap->nfills);
	for (size_t i = 0; i < c->snap->nfills && rc == RK_OK; i++)
		if (fill_missing(c, i))
			rc = plan_missing_fill(c, &c->snap->fills[i]);
	for (size_t i = 0; i < c->snap->norders && rc == RK_OK; i++) {
		const struct order_rec *o = &c->snap->orders[i];
		int j = find_local(c, o);
		if (j >= 0 && !fill_regressed(o, &c->local->orders[j].rec))
			rc = plan_unrecorded_fill(c, o, &c->local->orders[j]);
	}
	return rc;
}

/* ---- phase 3: positions ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every symbol the journal or the exchange has a position, holding or pass
 * fill for, sorted and unique. *out (caller frees) points into the inputs. */
static enum rk_rc position_symbols(struct plan_ctx *c, const char ***out, size_t *n)
{
	const struct local_state *l = c->local;
	const struct venue_snapshot *s = c->snap;
	size_t cap = l->npositions + s->npositions + c->nfills, k = 0;
	const char **syms = malloc((cap ? cap : 1) * sizeof *syms);
	if (!syms)
		return oom(c);
	for (size_t i = 0; i < l->npositions; i++)
		syms[k++] = l->positions[i].symbol;
	for (size_t i = 0; i < s->npositions; i++)
		syms[k++] = s->positions[i].symbol;
	for (size_t i = 0; i < c->nfills; i++)
		syms[k++] = c->fills[i].f.symbol;
	qsort(syms, k, sizeof *syms, cmp_str);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || strcmp(syms[u - 1], syms[i]) != 0)
			syms[u++] = syms[i];
	*out = syms;
	*n = u;
	return RK_OK;
}

static const struct local_position *local_position(const struct plan_ctx *c, const char *symbol)
{
	for (size_t i = 0; i < c->local->npositions; i++)
		if (strcmp(c->local->positions[i].symbol, symbol) == 0)
			return &c->local->positions[i];
	return NULL;
}

/* Journal quantity plus the deltas of this pass's fills (missing and
 * inferred), less what they supersede (*superseding: that quantity). */
static enum rk_rc expected_qty(struct plan_ctx *c, const char *symbol, struct dec *journal,
			       struct dec *missing, struct dec *superseding)
{
	const struct local_position *lp = local_position(c, symbol);
	*journal = lp ? lp->qty : dec_zero();
	*missing = *superseding = dec_zero();
	for (size_t i = 0; i < c->nfills; i++) {
		const struct pass_fill *p = &c->fills[i];
		struct dec delta;
		enum rk_rc rc;
		if (strcmp(p->f.symbol, symbol) != 0)
			continue;
		if ((rc = pass_fill_delta(c, p, &delta)))
			return rc;
		if (dec_add(*missing, delta, missing) != DEC_OK ||
		    dec_add(*superseding, p->absorbed, superseding) != DEC_OK)
			return calc_failed(c, symbol, "missing fills");
	}
	return RK_OK;
}

/* The journal's position after this pass's fills, by the journal's own
 * average rule: protection is planned from it (an entry learnt from a missing
 * fill gives the stop its level; a fill superseding inferred quantity keeps
 * their entry for that part: position_apply_superseding). */
static enum rk_rc position_after_pass(struct plan_ctx *c, const char *symbol,
				      struct position_state *out)
{
	const struct local_position *lp = local_position(c, symbol);
	out->qty = lp ? lp->qty : dec_zero();
	out->has_avg = lp && lp->has_avg;
	out->avg = out->has_avg ? lp->avg_entry : dec_zero();
	for (size_t i = 0; i < c->nfills; i++)
		if (strcmp(c->fills[i].f.symbol, symbol) == 0 &&
		    !position_apply_superseding(out, &c->fills[i].f, c->fills[i].absorbed))
			return calc_failed(c, symbol, "position after this pass's fills");
	return RK_OK;
}

static enum rk_rc check_drift(struct plan_ctx *c, const char *symbol)
{
	const struct venue_position *vp = venue_snapshot_position(c->snap, symbol);
	struct dec exch = vp ? vp->qty : dec_zero(), journal, missing, superseding, expected, diff;
	struct jd d;
	size_t fi;
	enum rk_rc rc = expected_qty(c, symbol, &journal, &missing, &superseding);
	if (rc)
		return rc;
	if (dec_add(journal, missing, &expected) != DEC_OK ||
	    dec_sub(exch, expected, &diff) != DEC_OK)
		return calc_failed(c, symbol, "position drift");
	if (dec_is_zero(diff))
		return RK_OK;
	jd_init(&d);
	jd_dec(&d, "journal_qty", journal);
	jd_dec(&d, "missing_fills_qty", missing);
	if (!dec_is_zero(superseding))
		jd_dec(&d, "superseded_inferred_qty", superseding);
	jd_dec(&d, "expected_qty", expected);
	jd_dec(&d, "exchange_qty", exch);
	jd_dec(&d, "difference", diff);
	jd_str(&d, "basis", c->caps->is_futures ? "signed position" : "base-asset holding");
	return add_finding(c, FIND_POSITION_DRIFT, symbol, "", "", &d, &fi);
}

/* Does this pass know of a fill of `symbol` the journal lacks: one it
 * journals, or a gap it reports (an order filled further than its fills)? */
static bool has_pass_fill(const struct plan_ctx *c, const char *symbol)
{
	for (size_t i = 0; i < c->nfills; i++)
		if (strcmp(c->fills[i].f.symbol, symbol) == 0)
			return true;
	for (size_t i = 0; i < c->plan->nfindings; i++)
		if (c->plan->findings[i].kind == FIND_MISSING_FILL &&
		    strcmp(c->plan->findings[i].symbol, symbol) == 0)
			return true;
	return false;
}

/* The opening fill an exchange-only position implies, priced at the entry
 * the venue reports, else the last price; its id is
 * "inferred:position:SYMBOL:QTY@PRICE" (hashed when too long), the same in
 * every pass that sees the same position. Returns the price basis ("" when
 * no price is known). */
static const char *opening_fill(const struct plan_ctx *c, const struct venue_position *vp,
				struct fill_rec *f)
{
	const struct venue_price *px = venue_snapshot_price(c->snap, vp->symbol);
	const char *basis = "";
	char q[DEC_STR_MAX], p[DEC_STR_MAX];
	memset(f, 0, sizeof *f);
	f->venue = c->local->venue;
	snprintf(f->account, sizeof f->account, "%s", c->local->account);
	snprintf(f->symbol, sizeof f->symbol, "%s", vp->symbol);
	rtime_format(c->local->now_us, f->ts);
	f->side = dec_sign(vp->qty) > 0 ? SIDE_BUY : SIDE_SELL;
	f->qty = dec_abs(vp->qty);
	f->inferred = true;
	if (vp->has_entry && dec_sign(vp->entry_price) > 0)
		f->price = vp->entry_price, basis = "the entry price the venue reports";
	else if (px && dec_sign(px->last) > 0)
		f->price = px->last, basis = "the last price (the venue reports no entry price)";
	if (!basis[0])
		return basis;
	dec_format(f->qty, q);
	dec_format(f->price, p);
	const char *parts[] = {vp->symbol, ":", q, "@", p};
	if ((size_t)snprintf(f->fill_id, sizeof f->fill_id, "inferred:position:%s:%s@%s", vp->symbol,
			     q, p) >= sizeof f->fill_id)
		hashed_id("inferred:position:", parts, 5, 32, f->fill_id);
	snprintf(f->order_id, sizeof f->order_id, "%s", f->fill_id);
	return basis;
}

/*
 * A position the exchange holds and the journal has no trace of (no
 * position, no fill of it known this pass): its fills are older than the venue's
 * fill listing reaches, or it came from elsewhere. The journal is brought to
 * it first, by one inferred opening fill at the entry price the venue
 * reports (else the last price), flagged inferred with its basis, so that a
 * later exit of it (an emergency close) is journaled as closing it, not as
 * opening the opposite side. Without any price it stays a position_drift.
 * Partial differences are not guessed at: they stay position_drift.
 */
static enum rk_rc plan_exchange_only(struct plan_ctx *c, const struct venue_position *vp)
{
	struct fill_rec f;
	struct jd d;
	size_t fi;
	char q[DEC_STR_MAX], px[DEC_STR_MAX], note[256];
	enum rk_rc rc;
	if (dec_is_zero(vp->qty) || local_position(c, vp->symbol) || has_pass_fill(c, vp->symbol) ||
	    !may_record(c, vp->symbol))
		return RK_OK;
	const char *price_basis = opening_fill(c, vp, &f);
	if (!price_basis[0])
		return RK_OK;
	jd_init(&d);
	jd_str(&d, "fill_id", f.fill_id);
	jd_str(&d, "side", side_name(f.side));
	jd_dec(&d, "qty", f.qty);
	jd_dec(&d, "price", f.price);
	jd_str(&d, "price_basis", price_basis);
	jd_bool(&d, "inferred", true);
	jd_dec(&d, "exchange_qty", vp->qty);
	jd_str(&d, "journal_qty", "0");
	jd_str(&d, "basis", "exchange position without journal fills");
	if ((rc = add_finding(c, FIND_MISSING_FILL, f.symbol, f.order_id, f.fill_id, &d, &fi)) ||
	    (rc = add_pass_fill(c, &f, false)))
		return rc;
	snprintf(note, sizeof note, "record the opening %s of %s at %s (%.60s), inferred: exchange"
		 " position without journal fills", side_name(f.side), dec_format(f.qty, q),
		 dec_format(f.price, px), price_basis);
	return add_record_fill(c, fi, &f, note);
}

/* Drift is an absence-sensitive comparison: only on a complete snapshot. */
static enum rk_rc phase_positions(struct plan_ctx *c)
{
	const char **syms = NULL;
	size_t n = 0;
	enum rk_rc rc = RK_OK;
	if (!c->snap->complete)
		return RK_OK;
	for (size_t i = 0; i < c->snap->npositions && rc == RK_OK; i++)
		rc = plan_exchange_only(c, &c->snap->positions[i]);
	if (rc || (rc = position_symbols(c, &syms, &n)))
		goto out;
	for (size_t i = 0; i < n && rc == RK_OK; i++)
		rc = check_drift(c, syms[i]);
out:
	free(syms);
	return rc;
}

/* ---- phase 4: protection ---- */

/* A take-profit limit kept as a bracket of its own size (rule 5b). */
struct leg {
	size_t oi;                      /* the limit (snapshot order index); SIZE_MAX: pending */
	const struct local_leg *pending;/* a limit reckon cancelled earlier whose bracket was
					 * never placed (local_state.legs), else NULL */
	const char *order_id;           /* the limit's id */
	struct dec price;               /* its take profit */
	struct dec qty;                 /* the bracket's size; zero: not kept */
	size_t fi;                      /* its blocking_order finding */
};

/* Everything known about one exchange position while planning its protection. */
struct prot {
	const char *sym;
	const struct venue_position *pos;
	const struct policy_rule *rule;
	const struct instrument *inst;  /* NULL: no trading rules known */
	bool is_long;
	enum side reduce;               /* the side that reduces the position */
	struct dec abs;                 /* |position| */
	struct dec target;              /* abs rounded down to the step size */
	bool has_last;
	struct dec last;
	bool has_entry;
	struct dec entry;
	bool has_loss;
	struct dec loss_pct;            /* loss from entry, percent (negative = profit) */

	size_t *stops, nstops;          /* protective stops (snapshot order indices) */
	size_t *blockers, nblockers;    /* other reducing orders */
	bool closing;                   /* a marketable exit working for the full size */
	struct dec covered;             /* sum of the stops' remaining size */
	int keeper;                     /* the stop that best covers, -1 none */

	/* The decision. */
	enum finding_kind kind;
	bool exit;                      /* emergency close instead of a stop */
	struct dec stop_price, limit_price;
	bool bracket;                   /* the rest carries the policy's take profit */
	struct dec take_profit;
	struct leg *legs;               /* take-profit legs kept as brackets (rule 5b) */
	size_t nlegs;
	struct dec rest;                /* size of the placement for the primary finding */
	char why[256];
};

/* base × (1 + dir × pct/100), dir = ±1. */
static enum dec_status pct_move(struct dec base, struct dec pct, int dir, struct dec *out)
{
	struct dec factor;
	enum dec_status st =
		dir < 0 ? dec_sub(dec_from_int(100), pct, &factor) : dec_add(dec_from_int(100), pct, &factor);
	return st ? st : dec_muldiv(base, factor, dec_from_int(100), DEC_ROUND_HALF_EVEN, out);
}

/* Away from the position's side: further below for a long, above for a short. */
static int away(const struct prot *p)
{
	return p->is_long ? -1 : 1;
}

/* Is a take-profit level strictly on the profitable side of the last price? */
static bool beyond_market(const struct prot *p, struct dec level)
{
	int k = dec_cmp(level, p->last);
	return p->is_long ? k > 0 : k < 0;
}

/* Rounds a price to the tick: down when `down`, else up. */
static enum dec_status tick_round(const struct prot *p, struct dec x, bool down, struct dec *out)
{
	if (!p->inst || dec_sign(p->inst->tick_size) <= 0) {
		*out = x;
		return DEC_OK;
	}
	return dec_quantize(x, p->inst->tick_size, down ? DEC_ROUND_FLOOR : DEC_ROUND_CEIL, out);
}

/* Remaining size of a stop; a zero-size stop (close-position) covers it all. */
static struct dec remaining(const struct prot *p, const struct order_rec *o)
{
	struct dec r = o->qty;
	if (dec_is_zero(o->qty))
		return p->abs;
	if (o->has_filled_qty && dec_sub(o->qty, o->filled_qty, &r) != DEC_OK)
		r = o->qty;
	return dec_sign(r) < 0 ? dec_zero() : r;
}

static bool right_size(const struct prot *p, struct dec qty)
{
	return dec_eq(qty, p->abs) || dec_eq(qty, p->target);
}

/* The price is at or through the stop: it would trigger now. */
static bool through_price(const struct prot *p, const struct order_rec *o)
{
	return o->has_stop_price && p->has_last &&
	       stop_level_through(p->is_long, o->stop_price, p->last);
}

/* A market order, or a limit at or through the last price. */
static bool marketable(const struct prot *p, const struct order_rec *o)
{
	if (o->type == OTYPE_MARKET)
		return true;
	if (o->type != OTYPE_LIMIT || !o->has_price || !p->has_last)
		return false;
	int k = dec_cmp(o->price, p->last);
	return p->is_long ? k <= 0 : k >= 0;
}

static enum rk_rc prot_init(struct plan_ctx *c, const struct venue_position *pos, struct prot *p)
{
	const struct venue_price *px = venue_snapshot_price(c->snap, pos->symbol);
	struct position_state lp;
	enum rk_rc rc = position_after_pass(c, pos->symbol, &lp);
	memset(p, 0, sizeof *p);
	if (rc)
		return rc;
	p->sym = pos->symbol;
	p->pos = pos;
	p->rule = rule_for(c, pos->symbol);
	p->inst = venue_snapshot_instrument(c->snap, pos->symbol);
	p->is_long = dec_sign(pos->qty) > 0;
	p->reduce = reducing_side(pos->qty);
	p->abs = dec_abs(pos->qty);
	p->target = p->abs;
	p->keeper = -1;
	p->has_last = px && dec_sign(px->last) > 0;
	p->last = px ? px->last : dec_zero();
	if (lp.has_avg && dec_sign(lp.avg) > 0)
		p->has_entry = true, p->entry = lp.avg;
	else if (pos->has_entry && dec_sign(pos->entry_price) > 0)
		p->has_entry = true, p->entry = pos->entry_price;
	if (p->inst && dec_sign(p->inst->step_size) > 0 &&
	    dec_quantize(p->abs, p->inst->step_size, DEC_ROUND_DOWN, &p->target) != DEC_OK)
		return calc_failed(c, p->sym, "step size");
	p->rest = p->target;
	if (p->has_entry && p->has_last) {
		if (!stop_level_loss_pct(p->is_long, p->entry, p->last, &p->loss_pct))
			return calc_failed(c, p->sym, "loss from entry");
		p->has_loss = true;
	}
	return RK_OK;
}

/* Sorts the symbol's open orders into stops, blockers and a closing exit. */
static enum rk_rc classify_orders(struct plan_ctx *c, struct prot *p)
{
	size_t n = c->snap->norders;
	p->stops = malloc((n ? n : 1) * sizeof *p->stops);
	p->blockers = malloc((n ? n : 1) * sizeof *p->blockers);
	if (!p->stops || !p->blockers)
		return oom(c);
	p->covered = dec_zero();
	for (size_t i = 0; i < n; i++) {
		const struct order_rec *o = &c->snap->orders[i];
		if (strcmp(o->symbol, p->sym) != 0 || o->side != p->reduce || c->cancel_of[i] >= 0)
			continue;
		if (order_type_is_stop(o->type)) {
			p->stops[p->nstops++] = i;
			if (dec_add(p->covered, remaining(p, o), &p->covered) != DEC_OK)
				return calc_failed(c, p->sym, "stop coverage");
			continue;
		}
		struct dec rem = remaining(p, o);
		if (marketable(p, o) && dec_cmp(rem, p->target) >= 0)
			p->closing = true;
		p->blockers[p->nblockers++] = i;
	}
	return RK_OK;
}

/* Better keeper: not through the price, then the right size, then closest. */
static bool better_keeper(struct plan_ctx *c, const struct prot *p, size_t a, size_t b)
{
	const struct order_rec *oa = &c->snap->orders[a], *ob = &c->snap->orders[b];
	bool sa = !through_price(p, oa), sb = !through_price(p, ob);
	if (sa != sb)
		return sa;
	struct dec ra = remaining(p, oa), rb = remaining(p, ob), da, db;
	bool xa = right_size(p, ra), xb = right_size(p, rb);
	if (xa != xb)
		return xa;
	if (dec_sub(ra, p->abs, &da) || dec_sub(rb, p->abs, &db))
		return false;
	return dec_cmp(dec_abs(da), dec_abs(db)) < 0;
}

static void pick_keeper(struct plan_ctx *c, struct prot *p)
{
	for (size_t k = 0; k < p->nstops; k++)
		if (p->keeper < 0 || better_keeper(c, p, p->stops[k], (size_t)p->keeper))
			p->keeper = (int)p->stops[k];
}

static bool stop_is_sound(struct plan_ctx *c, const struct prot *p, size_t oi)
{
	const struct order_rec *o = &c->snap->orders[oi];
	return !through_price(p, o) && right_size(p, remaining(p, o));
}

static bool all_stops_sane(struct plan_ctx *c, const struct prot *p)
{
	for (size_t k = 0; k < p->nstops; k++)
		if (through_price(p, &c->snap->orders[p->stops[k]]))
			return false;
	return true;
}

/* Can an order of `qty` be placed: non-zero, and at least the venue's
 * minimum size and minimum value at the last price? */
static enum rk_rc placeable(struct plan_ctx *c, const struct prot *p, struct dec qty, bool *ok)
{
	const struct instrument *in = p->inst;
	struct dec value = dec_zero();
	if (p->has_last && dec_mul(qty, p->last, DEC_ROUND_HALF_EVEN, &value))
		return calc_failed(c, p->sym, "notional");
	*ok = !dec_is_zero(qty) && !(in && dec_sign(in->min_qty) > 0 && dec_cmp(qty, in->min_qty) < 0) &&
	      !(p->has_last && in && dec_sign(in->min_notional) > 0 &&
		dec_cmp(value, in->min_notional) < 0);
	return RK_OK;
}

/* Too small to protect: below the dust value or the venue's minimums. */
static enum rk_rc check_dust(struct plan_ctx *c, struct prot *p, bool *dust)
{
	struct dec value = dec_zero();
	const struct instrument *in = p->inst;
	bool ok;
	enum rk_rc rc = placeable(c, p, p->target, &ok);
	if (rc)
		return rc;
	if (p->has_last && dec_mul(p->abs, p->last, DEC_ROUND_HALF_EVEN, &value))
		return calc_failed(c, p->sym, "notional");
	*dust = !ok || (p->has_last && dec_cmp(value, p->rule->dust_notional) < 0);
	if (!*dust)
		return RK_OK;
	struct jd d;
	size_t fi;
	jd_init(&d);
	jd_dec(&d, "qty", p->pos->qty);
	jd_dec(&d, "orderable_qty", p->target);
	if (p->has_last) {
		jd_dec(&d, "last", p->last);
		jd_dec(&d, "value", value);
	}
	jd_dec(&d, "dust_notional", p->rule->dust_notional);
	if (in) {
		jd_dec(&d, "min_qty", in->min_qty);
		jd_dec(&d, "min_notional", in->min_notional);
		jd_dec(&d, "step_size", in->step_size);
	}
	return add_finding(c, FIND_DUST, p->sym, "", "", &d, &fi);
}

/* ---- deciding the new protection ---- */

static void why(struct prot *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void why(struct prot *p, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(p->why, sizeof p->why, fmt, ap);
	va_end(ap);
}

/*
 * Chooses the stop level (or an exit) for a position that needs new
 * protection, explaining the choice in p->why: stop_level.h decides, the
 * same rules the follow-up applies at a fresh price after a refusal.
 * `trigger` is true when the kept stop is through the price.
 */
static enum rk_rc decide_level(struct plan_ctx *c, struct prot *p, bool trigger)
{
	struct stop_level_in in = {.is_long = p->is_long, .price = p->last,
				   .has_entry = p->has_entry, .entry = p->entry,
				   .through_stop = trigger, .with_limit = !c->caps->is_futures,
				   .tick_size = p->inst ? p->inst->tick_size : dec_zero()};
	struct stop_level lv;
	enum rk_rc rc = stop_level_decide(p->rule, &in, &lv, c->err);
	if (rc)
		return rk_err_prefix(c->err, "reconcile %s", p->sym);
	p->exit = lv.exit;
	p->stop_price = lv.stop;
	p->limit_price = lv.limit;
	why(p, "%s", lv.why);
	return RK_OK;
}

/* A limit (or take profit) beyond the market: an exit the user set. */
static bool is_take_profit(const struct prot *p, const struct order_rec *o)
{
	return (o->type == OTYPE_LIMIT || o->type == OTYPE_TAKE_PROFIT) && o->has_price &&
	       beyond_market(p, o->price);
}

/* Is leg a's take profit nearer the market than b's? */
static bool nearer_leg(const struct prot *p, const struct leg *a, const struct leg *b)
{
	int k = dec_cmp(a->price, b->price);
	return p->is_long ? k < 0 : k > 0;
}

static void insert_leg(struct prot *p, struct leg l)
{
	size_t j = p->nlegs++;
	for (; j > 0 && nearer_leg(p, &l, &p->legs[j - 1]); j--)
		p->legs[j] = p->legs[j - 1];
	p->legs[j] = l;
}

/* Is local leg `l` one of this position's: its symbol, the reducing side, a
 * take profit still beyond the market (one the price passed would have
 * filled), and not an order the exchange still lists? */
static bool pending_leg_applies(const struct plan_ctx *c, const struct prot *p,
				const struct local_leg *l)
{
	if (strcmp(l->symbol, p->sym) != 0 || l->side != p->reduce || dec_sign(l->qty) <= 0 ||
	    !beyond_market(p, l->price))
		return false;
	for (size_t i = 0; i < c->snap->norders; i++)
		if (strcmp(c->snap->orders[i].order_id, l->order_id) == 0)
			return false;
	return true;
}

/* Collects the blocking take-profit limits and the legs reckon cancelled
 * earlier without placing their brackets (pending), nearest the market first. */
static enum rk_rc collect_legs(struct plan_ctx *c, struct prot *p)
{
	size_t cap = p->nblockers + c->local->nlegs;
	if (!(p->legs = malloc((cap ? cap : 1) * sizeof *p->legs)))
		return oom(c);
	for (size_t k = 0; k < p->nblockers; k++) {
		const struct order_rec *o = &c->snap->orders[p->blockers[k]];
		if (is_take_profit(p, o))
			insert_leg(p, (struct leg){.oi = p->blockers[k], .order_id = o->order_id,
						   .price = o->price, .qty = remaining(p, o)});
	}
	for (size_t k = 0; k < c->local->nlegs; k++) {
		const struct local_leg *l = &c->local->legs[k];
		if (pending_leg_applies(c, p, l))
			insert_leg(p, (struct leg){.oi = SIZE_MAX, .pending = l, .order_id = l->order_id,
						   .price = l->price, .qty = l->qty});
	}
	return RK_OK;
}

/* Sizes one leg from what is `left`: its own size at most, down to the step;
 * zero when that is below the venue minimum. */
static enum rk_rc size_leg(struct plan_ctx *c, const struct prot *p, struct leg *l,
			   struct dec *left)
{
	bool ok;
	enum rk_rc rc;
	l->qty = dec_min(l->qty, *left);
	if (p->inst && dec_sign(p->inst->step_size) > 0 &&
	    dec_quantize(l->qty, p->inst->step_size, DEC_ROUND_DOWN, &l->qty) != DEC_OK)
		return calc_failed(c, p->sym, "take-profit leg step");
	if ((rc = placeable(c, p, l->qty, &ok)))
		return rc;
	if (!ok)
		l->qty = dec_zero();
	else if (dec_sub(*left, l->qty, left) != DEC_OK)
		return calc_failed(c, p->sym, "take-profit leg");
	return RK_OK;
}

/*
 * A take-profit ladder (rule 5b). Where orders hold the balance, a stop for the
 * whole position needs every exit limit cancelled; with brackets each limit
 * comes back as a bracket of its own size and price carrying the stop, so
 * every leg of the user's exit is kept and the whole position is protected.
 * Legs take the orderable size nearest take profit first (a leg beyond what
 * is left is cut, one that would fall below the venue minimum is dropped);
 * what no leg covers is p->rest, the primary finding's placement, or is added
 * to the farthest kept leg when it is too small to place alone.
 */
static enum rk_rc plan_legs(struct plan_ctx *c, struct prot *p)
{
	struct dec left = p->target;
	struct leg *last = NULL;
	bool ok;
	enum rk_rc rc;
	if (p->exit || dec_sign(p->stop_price) <= 0 || !c->caps->has_bracket ||
	    !c->caps->orders_hold_balance)
		return RK_OK;
	if ((rc = collect_legs(c, p)))
		return rc;
	for (size_t k = 0; k < p->nlegs; k++) {
		struct leg *l = &p->legs[k];
		if ((rc = size_leg(c, p, l, &left)))
			return rc;
		if (!dec_is_zero(l->qty))
			last = l;
	}
	if ((rc = placeable(c, p, left, &ok)))
		return rc;
	if (last && !dec_is_zero(left) && !ok) {
		if (dec_add(last->qty, left, &last->qty) != DEC_OK)
			return calc_failed(c, p->sym, "take-profit leg");
		left = dec_zero();
	}
	p->rest = left;
	return RK_OK;
}

static struct leg *leg_of(const struct prot *p, size_t oi)
{
	for (size_t k = 0; k < p->nlegs; k++)
		if (!p->legs[k].pending && p->legs[k].oi == oi)
			return &p->legs[k];
	return NULL;
}

/*
 * The placement for what no take-profit leg covers is a bracket where the
 * venue has brackets and protect=bracket sets take_profit_pct (from entry, or
 * from the last price when the entry-based level is already passed).
 */
static enum rk_rc decide_bracket(struct plan_ctx *c, struct prot *p)
{
	const struct policy_rule *r = p->rule;
	struct dec level;
	if (p->exit || !c->caps->has_bracket || r->style != PROTECT_BRACKET || !r->has_take_profit)
		return RK_OK;
	if (pct_move(p->has_entry ? p->entry : p->last, r->take_profit_pct, -away(p), &level) ||
	    (!beyond_market(p, level) && pct_move(p->last, r->take_profit_pct, -away(p), &level)))
		return calc_failed(c, p->sym, "take profit");
	/* Round the take profit away from filling at once. */
	if (tick_round(p, level, !p->is_long, &p->take_profit))
		return calc_failed(c, p->sym, "take profit tick");
	p->bracket = true;
	return RK_OK;
}

/* ---- findings and actions for one position ---- */

/* The kept take-profit legs as "QTY@PRICE, ..." and the size none covers. */
static void jd_legs(struct jd *d, const struct prot *p)
{
	char text[RECON_DETAIL_MAX / 2] = "", q[DEC_STR_MAX], px[DEC_STR_MAX];
	size_t n = 0, kept = 0;
	for (size_t k = 0; k < p->nlegs; k++) {
		if (dec_is_zero(p->legs[k].qty))
			continue;
		int w = snprintf(text + n, sizeof text - n, "%s%s@%s", kept++ ? ", " : "",
				 dec_format(p->legs[k].qty, q), dec_format(p->legs[k].price, px));
		if (w < 0 || (size_t)w >= sizeof text - n)
			break;
		n += (size_t)w;
	}
	if (!kept)
		return;
	jd_str(d, "take_profit_legs", text);
	jd_dec(d, "rest_qty", p->rest);
}

static void jd_prot(struct plan_ctx *c, struct jd *d, const struct prot *p)
{
	char buf[DEC_STR_MAX];
	jd_dec(d, "qty", p->pos->qty);
	jd_str(d, "exchange_qty", dec_format(p->pos->qty, buf));
	jd_dec(d, "orderable_qty", p->target);
	if (p->has_last)
		jd_dec(d, "last", p->last);
	if (p->has_entry)
		jd_dec(d, "entry", p->entry);
	if (p->has_loss)
		jd_str(d, "loss_pct", stop_level_pct_text(p->loss_pct, buf));
	jd_dec(d, "stop_pct", p->rule->stop_pct);
	jd_int(d, "stops", (int64_t)p->nstops);
	jd_dec(d, "covered_qty", p->covered);
	if (p->keeper >= 0) {
		const struct order_rec *k = &c->snap->orders[p->keeper];
		jd_str(d, "stop_order_id", k->order_id);
		if (k->has_stop_price)
			jd_dec(d, "stop_price", k->stop_price);
		jd_dec(d, "stop_qty", remaining(p, k));
	}
	if (p->exit) {
		jd_str(d, "plan", "emergency_close");
	} else if (dec_sign(p->stop_price) > 0) {
		jd_dec(d, "new_stop_price", p->stop_price);
		if (p->bracket && !dec_is_zero(p->rest))
			jd_dec(d, "take_profit", p->take_profit);
		jd_legs(d, p);
	}
	if (p->why[0])
		jd_str(d, "reason", p->why);
}

static enum rk_rc report_order_finding(struct plan_ctx *c, const struct prot *p,
				       enum finding_kind kind, size_t oi, size_t *fi)
{
	const struct order_rec *o = &c->snap->orders[oi];
	struct jd d;
	jd_init(&d);
	jd_order(&d, o);
	jd_dec(&d, "remaining_qty", remaining(p, o));
	jd_dec(&d, "position_qty", p->pos->qty);
	if (p->has_last)
		jd_dec(&d, "last", p->last);
	if (kind == FIND_BLOCKING_ORDER) {
		const struct leg *l = leg_of(p, oi);
		bool kept = l && !dec_is_zero(l->qty);
		jd_bool(&d, "take_profit_kept", kept);
		if (kept)
			jd_dec(&d, "kept_qty", l->qty);
	}
	return add_finding(c, kind, p->sym, o->order_id, o->order_id, &d, fi);
}

/* Fills in the placement request for the decided protection: `qty` of it,
 * a bracket when tp is not NULL. */
static enum rk_rc build_request(struct plan_ctx *c, const struct prot *p, size_t fi,
				struct dec qty, const struct dec *tp, struct venue_order_req *req)
{
	const char *key = c->plan->findings[fi].key;
	memset(req, 0, sizeof *req);
	reconcile_client_order_id(c->local->journal_id, key, attempts_for(c, key),
				  req->client_order_id);
	if (!req->client_order_id[0])
		return rk_err_set(c->err, RK_ENOMEM, "reconcile %s: cannot hash a client order id",
				  p->sym);
	snprintf(req->symbol, sizeof req->symbol, "%s", p->sym);
	req->side = p->reduce;
	req->qty = qty;
	req->reduce_only = c->caps->is_futures;
	if (p->exit) {
		req->type = OTYPE_MARKET;
		req->purpose = PURPOSE_EXIT;
		return RK_OK;
	}
	req->purpose = PURPOSE_STOP_LOSS;
	req->has_stop_price = true;
	req->stop_price = p->stop_price;
	if (c->caps->is_futures) {
		/* close_position only when no other stop stays working: Binance allows
		 * one close-position stop per side (-4130). */
		req->type = OTYPE_STOP_MARKET;
		req->close_position = p->nstops == 0;
	} else if (tp) {
		req->type = OTYPE_BRACKET;
		req->has_price = true;
		req->price = *tp;
	} else {
		req->type = OTYPE_STOP_LIMIT;
		req->has_price = true;
		req->price = p->limit_price;
	}
	return RK_OK;
}

/* What a placement's follow-up needs to decide again at a fresh price
 * (follow_up.h): the attempt its client order id derives from, and what
 * the level was derived from. */
static void set_placement_basis(struct plan_ctx *c, const struct prot *p, size_t fi,
				struct action *a)
{
	a->attempt = attempts_for(c, c->plan->findings[fi].key);
	a->through_stop = p->kind == FIND_STOP_WOULD_TRIGGER;
	a->has_entry = p->has_entry;
	a->entry = p->has_entry ? p->entry : dec_zero();
}

/* The placement for the primary finding: the rest of the position. */
static enum rk_rc add_placement(struct plan_ctx *c, const struct prot *p, size_t fi,
				int depends_on, size_t *idx)
{
	enum action_kind kind = p->exit ? ACT_EMERGENCY_CLOSE
				: p->keeper >= 0 ? ACT_REPLACE_STOP : ACT_PLACE_STOP;
	struct venue_order_req req;
	enum rk_rc rc = build_request(c, p, fi, p->rest, p->bracket ? &p->take_profit : NULL, &req);
	if (rc || (rc = add_action(c, kind, fi, p->sym, depends_on, idx)))
		return rc;
	struct action *a = &c->plan->actions[*idx];
	a->req = req;
	set_placement_basis(c, p, fi, a);
	set_note(a, "%s", p->why);
	return RK_OK;
}

/* A kept take-profit leg's bracket, answering its blocking_order finding. */
static enum rk_rc add_leg_placement(struct plan_ctx *c, const struct prot *p,
				    const struct leg *l, int depends_on)
{
	char q[DEC_STR_MAX], px[DEC_STR_MAX];
	struct venue_order_req req;
	size_t idx;
	enum rk_rc rc = build_request(c, p, l->fi, l->qty, &l->price, &req);
	if (rc || (rc = add_action(c, ACT_PLACE_STOP, l->fi, p->sym, depends_on, &idx)))
		return rc;
	struct action *a = &c->plan->actions[idx];
	a->req = req;
	set_placement_basis(c, p, l->fi, a);
	set_note(a, "take-profit leg %s@%s (was %.40s%s) kept as a bracket with the stop: %.130s",
		 dec_format(l->qty, q), dec_format(l->price, px), l->order_id,
		 l->pending ? ", cancelled earlier" : "", p->why);
	return RK_OK;
}

/* Every placement of the decision, each waiting for `depends_on`: the kept
 * legs nearest first, then the rest when there is one. */
static enum rk_rc add_placements(struct plan_ctx *c, const struct prot *p, size_t fi,
				 int depends_on)
{
	size_t idx;
	enum rk_rc rc = RK_OK;
	for (size_t k = 0; k < p->nlegs && rc == RK_OK; k++)
		if (!dec_is_zero(p->legs[k].qty))
			rc = add_leg_placement(c, p, &p->legs[k], depends_on);
	if (rc == RK_OK && !dec_is_zero(p->rest))
		rc = add_placement(c, p, fi, depends_on, &idx);
	return rc;
}

/* The orders a placement needs gone, each with its finding. */
struct removal {
	size_t oi;
	size_t fi;
	const char *note;
};

/*
 * Plans the removals and the placements in a safe order (rule 3):
 *  - orders hold the balance (spot): cancel every removal first, chained so
 *    each waits for the previous, then every placement (the take-profit legs'
 *    brackets and the rest) waits for the last;
 *  - otherwise (futures): the placement first, then each cancel waits for it,
 *    so the old stop stays until the new protection is acknowledged.
 */
static enum rk_rc plan_removals_and_placement(struct plan_ctx *c, const struct prot *p,
					      size_t fi, const struct removal *rm, size_t nrm)
{
	size_t idx = 0;
	int prev = -1;
	enum rk_rc rc = RK_OK;
	if (c->caps->orders_hold_balance) {
		for (size_t k = 0; k < nrm && rc == RK_OK; k++) {
			rc = add_cancel(c, rm[k].oi, rm[k].fi, prev, rm[k].note, &idx);
			prev = (int)idx;
		}
		return rc ? rc : add_placements(c, p, fi, prev);
	}
	if ((rc = add_placement(c, p, fi, -1, &idx)))
		return rc;
	prev = (int)idx;
	for (size_t k = 0; k < nrm && rc == RK_OK; k++)
		rc = add_cancel(c, rm[k].oi, rm[k].fi, prev, rm[k].note, &idx);
	return rc;
}

/* The keeper is sound and only extra stops need to go: cancel them, nothing
 * else (the keeper keeps protecting while they are cancelled). */
static enum rk_rc plan_duplicates_only(struct plan_ctx *c, const struct prot *p, bool act)
{
	enum rk_rc rc = RK_OK;
	for (size_t k = 0; k < p->nstops && rc == RK_OK; k++) {
		size_t oi = p->stops[k], fi, ai;
		if ((int)oi == p->keeper)
			continue;
		rc = report_order_finding(c, p, FIND_DUPLICATE_STOP, oi, &fi);
		if (rc == RK_OK && act)
			rc = add_cancel(c, oi, fi, -1, "cancel a duplicate stop: another stop covers "
						       "the whole position", &ai);
	}
	return rc;
}

/* A leg reckon cancelled earlier whose bracket was never placed is reported
 * again under its blocking_order finding's key: the bracket answers the same
 * finding (its client order id moves on with the attempts), and while the
 * key is reported the leg stays pending. */
static enum rk_rc report_pending_leg(struct plan_ctx *c, const struct prot *p, struct leg *l)
{
	struct jd d;
	jd_init(&d);
	jd_str(&d, "order_id", l->order_id);
	jd_str(&d, "side", side_name(p->reduce));
	jd_dec(&d, "price", l->price);
	jd_str(&d, "status", "cancelled by reckon");
	jd_int(&d, "cancelled_by_action", l->pending->cancel_action_id);
	jd_dec(&d, "position_qty", p->pos->qty);
	if (p->has_last)
		jd_dec(&d, "last", p->last);
	jd_bool(&d, "take_profit_kept", true);
	jd_dec(&d, "kept_qty", l->qty);
	jd_str(&d, "reason", "a take-profit limit reckon cancelled to free a stop's balance whose"
			     " bracket was never placed: placed again as a bracket with the stop");
	return add_finding(c, FIND_BLOCKING_ORDER, p->sym, l->order_id, l->order_id, &d, &l->fi);
}

static enum rk_rc report_pending_legs(struct plan_ctx *c, struct prot *p)
{
	enum rk_rc rc = RK_OK;
	for (size_t k = 0; k < p->nlegs && rc == RK_OK; k++)
		if (p->legs[k].pending && !dec_is_zero(p->legs[k].qty))
			rc = report_pending_leg(c, p, &p->legs[k]);
	return rc;
}

/*
 * The working stops are sound and, with the legs reckon cancelled earlier
 * and never placed again, cover the position exactly (a leg's bracket was
 * refused while the others went through): place those legs, nothing else.
 * *done says whether this applied.
 */
static enum rk_rc plan_pending_legs_only(struct plan_ctx *c, struct prot *p, bool act,
					 bool *done)
{
	struct dec sum = p->covered;
	enum rk_rc rc = RK_OK;
	*done = false;
	if (p->nstops == 0 || p->nblockers > 0 || !c->caps->has_bracket ||
	    !c->caps->orders_hold_balance || !all_stops_sane(c, p))
		return RK_OK;
	for (size_t k = 0; k < c->local->nlegs; k++)
		if (pending_leg_applies(c, p, &c->local->legs[k]) &&
		    dec_add(sum, c->local->legs[k].qty, &sum) != DEC_OK)
			return calc_failed(c, p->sym, "take-profit legs");
	if (dec_eq(sum, p->covered) || !right_size(p, sum))
		return RK_OK;
	/* Otherwise the general path decides again from the start. */
	if ((rc = decide_level(c, p, false)) || p->exit || dec_sign(p->stop_price) <= 0)
		return rc;
	if ((rc = plan_legs(c, p)) || (rc = report_pending_legs(c, p)))
		return rc;
	*done = true;
	for (size_t k = 0; act && k < p->nlegs && rc == RK_OK; k++)
		if (!dec_is_zero(p->legs[k].qty))
			rc = add_leg_placement(c, p, &p->legs[k], -1);
	return rc;
}

/*
 * New protection is needed (missing, wrong size, or through the price):
 * report the primary finding, the extra stops and the blocking orders, then
 * plan removals and the placement.
 */
static enum rk_rc plan_new_protection(struct plan_ctx *c, struct prot *p, bool act)
{
	bool trigger = p->keeper >= 0 && through_price(p, &c->snap->orders[p->keeper]);
	bool hold = c->caps->orders_hold_balance;
	struct removal *rm = NULL;
	size_t nrm = 0, fi, sub;
	struct jd d;
	enum rk_rc rc;

	p->kind = trigger ? FIND_STOP_WOULD_TRIGGER
		  : p->keeper >= 0 ? FIND_STOP_SIZE_MISMATCH : FIND_MISSING_STOP;
	if ((rc = decide_level(c, p, trigger)) || (rc = plan_legs(c, p)) ||
	    (rc = decide_bracket(c, p)))
		return rc;
	jd_init(&d);
	jd_prot(c, &d, p);
	if ((rc = add_finding(c, p->kind, p->sym, "", "", &d, &fi)))
		return rc;
	if (!(rm = malloc((p->nstops + p->nblockers + 1) * sizeof *rm)))
		return oom(c);
	for (size_t k = 0; hold && k < p->nblockers && rc == RK_OK; k++) {
		struct leg *l = leg_of(p, p->blockers[k]);
		rc = report_order_finding(c, p, FIND_BLOCKING_ORDER, p->blockers[k], &sub);
		if (l)
			l->fi = sub;
		rm[nrm++] = (struct removal){p->blockers[k], sub,
					     l && !dec_is_zero(l->qty)
						     ? "cancel a take-profit limit holding the balance: "
						       "placed again as a bracket with the stop"
						     : "cancel an order holding the balance the stop needs"};
	}
	if (rc == RK_OK)
		rc = report_pending_legs(c, p);
	for (size_t k = 0; k < p->nstops && rc == RK_OK; k++) {
		if ((int)p->stops[k] == p->keeper)
			continue;
		rc = report_order_finding(c, p, FIND_DUPLICATE_STOP, p->stops[k], &sub);
		rm[nrm++] = (struct removal){p->stops[k], sub, "cancel an extra stop replaced by one "
							       "full-size stop"};
	}
	if (p->keeper >= 0)
		rm[nrm++] = (struct removal){(size_t)p->keeper, fi,
					     trigger ? "cancel the stop that is through the price"
						     : "cancel the wrongly sized stop"};
	if (rc == RK_OK && act && (p->exit || dec_sign(p->stop_price) > 0))
		rc = plan_removals_and_placement(c, p, fi, rm, nrm);
	free(rm);
	return rc;
}

/* A position with no last price: nothing can be judged or placed safely. */
static enum rk_rc report_unpriced(struct plan_ctx *c, struct prot *p)
{
	struct jd d;
	size_t fi;
	if (p->nstops > 0 || p->closing)
		return RK_OK;
	why(p, "no last price in the snapshot: nothing placed");
	jd_init(&d);
	jd_prot(c, &d, p);
	return add_finding(c, FIND_MISSING_STOP, p->sym, "", "", &d, &fi);
}

/*
 * Protection for one exchange position (the exchange is the truth for what
 * needs protecting). Dust gets a finding and nothing else; a closing
 * position gets nothing; a sound stop set is preserved untouched (rule 5).
 */
static enum rk_rc protect_position(struct plan_ctx *c, const struct venue_position *pos)
{
	struct prot p;
	bool dust = false, act = may_change(c, pos->symbol), done = false;
	enum rk_rc rc = prot_init(c, pos, &p);
	if (rc || (rc = check_dust(c, &p, &dust)) || dust)
		goto out;
	if ((rc = classify_orders(c, &p)))
		goto out;
	if (!p.has_last) {
		rc = report_unpriced(c, &p);
		goto out;
	}
	if (p.closing)
		goto out;
	if (p.nstops > 0 && all_stops_sane(c, &p) && right_size(&p, p.covered))
		goto out; /* working protection: preserved as it is */
	if ((rc = plan_pending_legs_only(c, &p, act, &done)) || done)
		goto out;
	pick_keeper(c, &p);
	if (p.keeper >= 0 && stop_is_sound(c, &p, (size_t)p.keeper))
		rc = plan_duplicates_only(c, &p, act);
	else
		rc = plan_new_protection(c, &p, act);
out:
	free(p.stops);
	free(p.blockers);
	free(p.legs);
	return rc;
}

/* Orders that can only reduce a position, resting where there is none. */
static bool is_stray_stop(const struct plan_ctx *c, const struct order_rec *o)
{
	const struct venue_position *pos = venue_snapshot_position(c->snap, o->symbol);
	if (pos && !dec_is_zero(pos->qty))
		return false;
	return o->reduce_only || o->purpose == PURPOSE_STOP_LOSS;
}

static enum rk_rc plan_stray_stops(struct plan_ctx *c)
{
	/* Only with a complete positions listing can "flat" be trusted (rule 1). */
	for (size_t i = 0; i < c->snap->norders; i++) {
		const struct order_rec *o = &c->snap->orders[i];
		size_t fi, ai;
		if (c->cancel_of[i] >= 0 || !is_stray_stop(c, o))
			continue;
		struct jd d;
		jd_init(&d);
		jd_order(&d, o);
		jd_str(&d, "why", "no position on the exchange: the order protects nothing");
		enum rk_rc rc = add_finding(c, FIND_STRAY_STOP, o->symbol, o->order_id, o->order_id,
					    &d, &fi);
		if (rc)
			return rc;
		if (may_change(c, o->symbol) &&
		    (rc = add_cancel(c, i, fi, -1, "cancel a protective order left on a flat position",
				     &ai)))
			return rc;
	}
	return RK_OK;
}

static enum rk_rc phase_protection(struct plan_ctx *c)
{
	size_t n = c->snap->npositions, *order = malloc((n ? n : 1) * sizeof *order);
	enum rk_rc rc = RK_OK;
	if (!order)
		return oom(c);
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	/* Insertion sort by symbol: deterministic, no shared state for qsort. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && strcmp(c->snap->positions[order[j - 1]].symbol,
						   c->snap->positions[order[j]].symbol) > 0; j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	for (size_t i = 0; i < n && rc == RK_OK; i++)
		if (!dec_is_zero(c->snap->positions[order[i]].qty))
			rc = protect_position(c, &c->snap->positions[order[i]]);
	free(order);
	return rc ? rc : plan_stray_stops(c);
}

/* ---- order of work and the circuit breaker (rule 7) ---- */

/* What an action is for, in the order the plan runs them: protection never
 * waits behind (nor loses its breaker budget to) anything else. */
enum rank {
	RANK_RECORD = 0,    /* fills the journal lacks: journal-only, so the pass's own fills
			     * (an emergency close's) land after the fills they close */
	RANK_PROTECT,       /* placements, emergency closes, and the cancels they need */
	RANK_OTHER,         /* other cancels: orphans, stray and duplicate stops */
	RANK_BOOKKEEPING,   /* lookups and adoptions: close_local_order, adopt_order */
	RANK_COUNT
};

static enum rank base_rank(const struct plan_ctx *c, const struct action *a)
{
	enum finding_kind k = c->plan->findings[a->finding].kind;
	switch (a->kind) {
	case ACT_PLACE_STOP:
	case ACT_REPLACE_STOP:
	case ACT_EMERGENCY_CLOSE:
		return RANK_PROTECT;
	case ACT_CANCEL_ORDER:
		/* A blocking order's cancel frees the stop's balance; the primary
		 * finding's cancel takes out the stop being replaced. */
		return k == FIND_BLOCKING_ORDER || k == FIND_MISSING_STOP ||
				       k == FIND_STOP_SIZE_MISMATCH || k == FIND_STOP_WOULD_TRIGGER
			       ? RANK_PROTECT
			       : RANK_OTHER;
	case ACT_RECORD_INFERRED_FILL:
		return RANK_RECORD;
	default:
		return RANK_BOOKKEEPING;
	}
}

/*
 * Reorders the plan by rank, keeping the order within a rank. An action that
 * a higher-ranked one depends on takes that rank (an extra stop cancelled on
 * spot so the new stop has the balance is protective), so every depends_on
 * still points to an earlier action; the indices are remapped.
 */
static enum rk_rc order_by_rank(struct plan_ctx *c)
{
	size_t n = c->plan->nactions, k = 0;
	unsigned char *rank = malloc(n ? n : 1);
	size_t *to = malloc((n ? n : 1) * sizeof *to);
	struct action *sorted = malloc((n ? n : 1) * sizeof *sorted);
	enum rk_rc rc = RK_OK;
	if (!rank || !to || !sorted) {
		rc = oom(c);
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		rank[i] = (unsigned char)base_rank(c, &c->plan->actions[i]);
	for (size_t i = n; i-- > 0;) {
		int d = c->plan->actions[i].depends_on;
		if (d >= 0 && rank[d] > rank[i])
			rank[d] = rank[i];
	}
	for (unsigned r = 0; r < RANK_COUNT; r++)
		for (size_t i = 0; i < n; i++)
			if (rank[i] == r)
				to[i] = k++;
	for (size_t i = 0; i < n; i++) {
		struct action *a = &sorted[to[i]];
		*a = c->plan->actions[i];
		if (a->depends_on >= 0)
			a->depends_on = (int)to[a->depends_on];
	}
	if (n)
		memcpy(c->plan->actions, sorted, n * sizeof *sorted);
out:
	free(rank);
	free(to);
	free(sorted);
	return rc;
}

static void skip_action(struct action *a, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void skip_action(struct action *a, const char *fmt, ...)
{
	char reason[160], old[sizeof a->note];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof reason, fmt, ap);
	va_end(ap);
	memcpy(old, a->note, sizeof old);
	a->status = ASTAT_SKIPPED;
	snprintf(a->note, sizeof a->note, "circuit breaker: %.140s (planned: %.85s)", reason, old);
}

/* Adds "circuit_breaker": why to a finding's detail (the first reason stays). */
static void finding_says_breaker(struct plan_ctx *c, size_t fi, const char *why)
{
	struct finding *fd = fi < c->plan->nfindings ? &c->plan->findings[fi] : NULL;
	cJSON *o = fd ? cJSON_Parse(fd->detail) : NULL;
	char *text = NULL;
	if (o && !cJSON_GetObjectItemCaseSensitive(o, "circuit_breaker") &&
	    cJSON_AddStringToObject(o, "circuit_breaker", why) &&
	    (text = cJSON_PrintUnformatted(o)) && strlen(text) < sizeof fd->detail)
		memcpy(fd->detail, text, strlen(text) + 1);
	free(text);
	cJSON_Delete(o);
}

/* Why a group needing `need` destructive actions does not fit, or "" when
 * it does; `count` were already taken in this pass. */
static void breaker_reason(const struct plan_ctx *c, const struct policy_rule *r, int need,
			   int count, char *why, size_t cap)
{
	int hour_left = r->breaker_per_hour - c->local->destructive_last_hour - count;
	why[0] = '\0';
	if (count + need > r->breaker_per_pass)
		snprintf(why, cap, "%d destructive, %d left of max_destructive_per_pass=%d", need,
			 r->breaker_per_pass - count > 0 ? r->breaker_per_pass - count : 0,
			 r->breaker_per_pass);
	else if (need > hour_left)
		snprintf(why, cap, "%d destructive, %d left of max_destructive_per_hour=%d (%d in the"
			 " last hour)", need, hour_left > 0 ? hour_left : 0, r->breaker_per_hour,
			 c->local->destructive_last_hour);
}

static bool is_placement_kind(enum action_kind k)
{
	return k == ACT_PLACE_STOP || k == ACT_REPLACE_STOP || k == ACT_EMERGENCY_CLOSE;
}

/* Skips every essential action of the group rooted at `r` (the others follow
 * through their dependency), saying why in the notes and the findings. */
static void skip_group(struct plan_ctx *c, size_t r, const size_t *root, const bool *essential,
		       const char *why)
{
	char group[256];
	snprintf(group, sizeof group, "circuit breaker: its protection group needs %.150s: none of"
		 " it runs", why);
	for (size_t k = r; k < c->plan->nactions; k++) {
		struct action *a = &c->plan->actions[k];
		if (root[k] != r || !essential[k])
			continue;
		if (k == r)
			skip_action(a, "its protection group needs %s: none of it runs", why);
		else
			skip_action(a, "depends on action %d, skipped: its protection group needs %s",
				    a->depends_on, why);
		finding_says_breaker(c, a->finding, group);
	}
}

/* One action outside a protection group: skipped when what it depends on was,
 * or when it is destructive and does not fit; else it takes its budget. */
static void budget_one(struct plan_ctx *c, const struct policy_rule *r, struct action *a,
		       int *count)
{
	char why[160];
	if (a->status == ASTAT_SKIPPED)
		return;
	if (a->depends_on >= 0 && c->plan->actions[a->depends_on].status == ASTAT_SKIPPED) {
		skip_action(a, "depends on action %d, which was skipped", a->depends_on);
		return;
	}
	if (!action_kind_is_destructive(a->kind))
		return;
	breaker_reason(c, r, 1, *count, why, sizeof why);
	if (!why[0]) {
		(*count)++;
		return;
	}
	skip_action(a, "%s", why);
	char text[sizeof why + 20];
	snprintf(text, sizeof text, "circuit breaker: %s", why);
	finding_says_breaker(c, a->finding, text);
}

/*
 * The circuit breaker (rule 7) over the ranked plan, so protective actions
 * take the budget first. A protection group — a placement or emergency close
 * and everything it waits for (the chain of cancels that frees a stop's
 * balance), with every other placement waiting on the same chain — runs
 * whole or not at all: half of it would cancel a take-profit leg whose
 * bracket then never comes. Groups are found through depends_on (always
 * pointing back, so a group's first action comes first); a group whose
 * destructive actions (cancel_order, emergency_close) do not fit the budget
 * left for this pass or hour is skipped entirely, and its findings say why.
 * What only follows a placement (a futures replacement's cancel of the old
 * stop, an emergency close's cleanup of a stop) is not needed by it: budgeted
 * one by one after it, like every action outside a group.
 */
static enum rk_rc apply_breaker(struct plan_ctx *c)
{
	const struct policy_rule *r = policy_for(c->pol, c->local->venue, NULL);
	size_t n = c->plan->nactions, *root = malloc((n ? n : 1) * sizeof *root);
	int *need = calloc(n ? n : 1, sizeof *need), count = 0;
	bool *essential = calloc(n ? n : 1, sizeof *essential);
	char why[160];
	if (!root || !need || !essential) {
		free(root);
		free(need);
		free(essential);
		return oom(c);
	}
	for (size_t i = 0; i < n; i++) {
		const struct action *a = &c->plan->actions[i];
		root[i] = a->depends_on >= 0 ? root[a->depends_on] : i;
		for (int k = (int)i; is_placement_kind(a->kind) && k >= 0 && !essential[k];
		     k = c->plan->actions[k].depends_on)
			essential[k] = true;
	}
	for (size_t i = 0; i < n; i++)
		need[root[i]] += essential[i] && action_kind_is_destructive(c->plan->actions[i].kind);
	for (size_t i = 0; i < n; i++) {
		if (!essential[i]) {
			budget_one(c, r, &c->plan->actions[i], &count);
			continue;
		}
		if (root[i] != i || need[i] == 0)
			continue; /* decided with its group's first action */
		breaker_reason(c, r, need[i], count, why, sizeof why);
		if (why[0])
			skip_group(c, i, root, essential, why);
		else
			count += need[i];
	}
	free(root);
	free(need);
	free(essential);
	return RK_OK;
}

/* ---- the pass ---- */

enum rk_rc reconcile_plan(const struct local_state *local, const struct venue_snapshot *snap,
			  const struct venue_caps *caps, const struct policy *policy,
			  struct recon_plan *out, struct rk_err *err)
{
	struct plan_ctx c = {.local = local, .snap = snap, .caps = caps, .pol = policy,
			     .plan = out, .err = err};
	enum rk_rc rc = RK_OK;
	memset(out, 0, sizeof *out);
	if (!local || !snap || !caps || !policy)
		return rk_err_set(err, RK_EINVAL, "reconcile: missing input");
	c.venue = venue_name(local->venue);
	out->complete = snap->complete;
	if (!snap->complete)
		snprintf(out->reason, sizeof out->reason,
			 "snapshot incomplete (%.160s): no cancel, close or placement planned",
			 snap->incomplete_reason[0] ? snap->incomplete_reason : "no reason given");
	c.cancel_of = malloc((snap->norders ? snap->norders : 1) * sizeof *c.cancel_of);
	c.adopt_of = malloc((snap->norders ? snap->norders : 1) * sizeof *c.adopt_of);
	c.inferred = malloc((local->ninferred ? local->ninferred : 1) * sizeof *c.inferred);
	if (!c.cancel_of || !c.adopt_of || !c.inferred) {
		rc = oom(&c);
		goto out;
	}
	for (size_t i = 0; i < snap->norders; i++)
		c.cancel_of[i] = c.adopt_of[i] = -1;
	if (local->ninferred && !local->inferred) {
		rc = rk_err_set(err, RK_EINVAL, "reconcile: inferred missing for %zu orders",
				local->ninferred);
		goto out;
	}
	if (local->ninferred)
		memcpy(c.inferred, local->inferred, local->ninferred * sizeof *c.inferred);
	if ((rc = phase_orders(&c)) || (rc = phase_fills(&c)) || (rc = phase_positions(&c)) ||
	    (rc = phase_protection(&c)) || (rc = plan_adoptions(&c)) || (rc = order_by_rank(&c)) ||
	    (rc = apply_breaker(&c)))
		goto out;
out:
	free(c.cancel_of);
	free(c.adopt_of);
	free(c.fills);
	free(c.inferred);
	free(c.halt);
	if (rc)
		recon_plan_free(out);
	return rc;
}

void recon_plan_free(struct recon_plan *p)
{
	if (!p)
		return;
	free(p->findings);
	free(p->actions);
	memset(p, 0, sizeof *p);
}
