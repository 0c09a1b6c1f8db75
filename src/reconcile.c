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
#include <openssl/evp.h>

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
	return k == ACT_CANCEL_ORDER || k == ACT_EMERGENCY_CLOSE || k == ACT_CLOSE_LOCAL_ORDER;
}

/* ---- client order ids (rule 6) ---- */

void reconcile_client_order_id(const char *key, int attempt, char out[MODEL_ID_MAX])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	char suffix[24];
	int n = snprintf(suffix, sizeof suffix, "#%d", attempt);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	out[0] = '\0';
	if (!ctx)
		return;
	if (EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(ctx, key, strlen(key)) == 1 &&
	    EVP_DigestUpdate(ctx, suffix, (size_t)n) == 1 &&
	    EVP_DigestFinal_ex(ctx, md, &mdlen) == 1 && mdlen >= 12) {
		memcpy(out, "rk-", 3);
		for (size_t i = 0; i < 12; i++) {
			out[3 + 2 * i] = hex[md[i] >> 4];
			out[4 + 2 * i] = hex[md[i] & 15];
		}
		out[27] = '\0';
	}
	EVP_MD_CTX_free(ctx);
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
	struct rk_err *err;
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
 * An exchange order the journal does not know. Policy adopts, cancels or
 * reports it, with two exceptions that keep positions protected: a stop on
 * the reducing side of a position is adopted, never cancelled (rule 5), and
 * where orders hold the balance a reducing non-stop order is left to the
 * protection step, which cancels it as a blocking order only if the stop it
 * plans needs the size (and then makes the stop depend on that cancel).
 */
static enum rk_rc plan_orphan(struct plan_ctx *c, size_t oi)
{
	const struct order_rec *o = &c->snap->orders[oi];
	const struct policy_rule *r = rule_for(c, o->symbol);
	enum orphan_choice choice = r->orphans;
	bool reducing = reduces_position(c, o);
	bool protective = reducing && order_type_is_stop(o->type);
	bool deferred = choice == ORPHAN_CANCEL && reducing && !protective &&
			c->caps->orders_hold_balance;
	const char *why = "";
	struct jd d;
	size_t fi, ai;
	enum rk_rc rc;

	if (choice == ORPHAN_CANCEL && protective) {
		choice = ORPHAN_ADOPT;
		why = "a stop protecting the position is adopted, never cancelled";
	} else if (deferred) {
		choice = ORPHAN_REPORT;
		why = "holds the position's balance: cancelled as a blocking order if a stop needs it";
	}
	jd_init(&d);
	jd_order(&d, o);
	jd_str(&d, "policy_orphans", policy_orphan_name(r->orphans));
	if (why[0])
		jd_str(&d, "handling", why);
	if ((rc = add_finding(c, FIND_ORPHAN_EXCHANGE_ORDER, o->symbol, o->order_id, o->order_id,
			      &d, &fi)))
		return rc;

	if (choice == ORPHAN_ADOPT && may_record(c, o->symbol)) {
		if ((rc = add_action(c, ACT_ADOPT_ORDER, fi, o->symbol, -1, &ai)))
			return rc;
		struct action *a = &c->plan->actions[ai];
		snprintf(a->order_id, sizeof a->order_id, "%s", o->order_id);
		a->order = *o;
		a->order.purpose = adopted_purpose(o);
		set_note(a, "adopt the exchange's %s %s order as %s%s%s", side_name(o->side),
			 order_type_name(o->type), purpose_name(a->order.purpose), why[0] ? ": " : "",
			 why);
	} else if (choice == ORPHAN_CANCEL && may_change(c, o->symbol)) {
		rc = add_cancel(c, oi, fi, -1, "cancel an order unknown to the journal, per policy "
					       "orphans=cancel", &ai);
	}
	return rc;
}

/*
 * A journaled open order the exchange no longer lists (rule 2): a finding at
 * once; close_local_order only on a complete snapshot, after stale_min_passes
 * passes and stale_quiet_seconds since it was first missed. The executor
 * still needs a terminal status from a single-order lookup before journaling.
 */
static enum rk_rc plan_stale(struct plan_ctx *c, const struct local_order *lo)
{
	const struct order_rec *o = &lo->rec;
	const struct policy_rule *r = rule_for(c, o->symbol);
	int passes = lo->missing_passes + 1;
	int64_t missing_us = lo->missing_since_us ? c->local->now_us - lo->missing_since_us : 0;
	bool quiet = lo->missing_since_us != 0 &&
		     missing_us >= (int64_t)r->stale_quiet_seconds * 1000000;
	bool eligible = c->snap->complete && quiet && passes >= r->stale_min_passes;
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
	if ((rc = add_finding(c, FIND_STALE_LOCAL_ORDER, o->symbol, o->order_id, o->order_id, &d,
			      &fi)))
		return rc;
	if (!eligible || !may_change(c, o->symbol))
		return RK_OK;
	if ((rc = add_action(c, ACT_CLOSE_LOCAL_ORDER, fi, o->symbol, -1, &ai)))
		return rc;
	struct action *a = &c->plan->actions[ai];
	snprintf(a->order_id, sizeof a->order_id, "%s", o->order_id);
	a->order = *o;
	set_note(a, "missing from the open orders for %d passes over %lld s: journal the terminal "
		    "status a single-order lookup confirms",
		 passes, (long long)(missing_us / 1000000));
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

static enum rk_rc plan_missing_fill(struct plan_ctx *c, const struct fill_rec *f)
{
	struct jd d;
	size_t fi, ai;
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
	if ((rc = add_finding(c, FIND_MISSING_FILL, f->symbol, f->order_id, f->fill_id, &d, &fi)))
		return rc;
	if (!may_record(c, f->symbol))
		return RK_OK;
	if ((rc = add_action(c, ACT_RECORD_INFERRED_FILL, fi, f->symbol, -1, &ai)))
		return rc;
	struct action *a = &c->plan->actions[ai];
	snprintf(a->order_id, sizeof a->order_id, "%s", f->order_id);
	a->fill = *f;
	a->fill.inferred = true;
	set_note(a, "record fill %s reported by the exchange but missing from the journal",
		 f->fill_id);
	return RK_OK;
}

static enum rk_rc phase_fills(struct plan_ctx *c)
{
	enum rk_rc rc = RK_OK;
	if (c->snap->nfills && !c->local->fill_known)
		return rk_err_set(c->err, RK_EINVAL, "reconcile: fill_known missing for %zu fills",
				  c->snap->nfills);
	for (size_t i = 0; i < c->snap->nfills && rc == RK_OK; i++)
		if (fill_missing(c, i))
			rc = plan_missing_fill(c, &c->snap->fills[i]);
	return rc;
}

/* ---- phase 3: positions ---- */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Every symbol the journal or the exchange has a position, holding or missing
 * fill for, sorted and unique. *out (caller frees) points into the inputs. */
static enum rk_rc position_symbols(struct plan_ctx *c, const char ***out, size_t *n)
{
	const struct local_state *l = c->local;
	const struct venue_snapshot *s = c->snap;
	size_t cap = l->npositions + s->npositions + s->nfills, k = 0;
	const char **syms = malloc((cap ? cap : 1) * sizeof *syms);
	if (!syms)
		return oom(c);
	for (size_t i = 0; i < l->npositions; i++)
		syms[k++] = l->positions[i].symbol;
	for (size_t i = 0; i < s->npositions; i++)
		syms[k++] = s->positions[i].symbol;
	for (size_t i = 0; i < s->nfills; i++)
		if (fill_missing(c, i))
			syms[k++] = s->fills[i].symbol;
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

/* Journal quantity plus the deltas of this pass's missing fills. */
static enum rk_rc expected_qty(struct plan_ctx *c, const char *symbol, struct dec *journal,
			       struct dec *missing)
{
	const struct local_position *lp = local_position(c, symbol);
	*journal = lp ? lp->qty : dec_zero();
	*missing = dec_zero();
	for (size_t i = 0; i < c->snap->nfills; i++) {
		const struct fill_rec *f = &c->snap->fills[i];
		struct dec delta;
		enum rk_rc rc;
		if (!fill_missing(c, i) || strcmp(f->symbol, symbol) != 0)
			continue;
		if ((rc = fill_delta(c, f, &delta)))
			return rc;
		if (dec_add(*missing, delta, missing) != DEC_OK)
			return calc_failed(c, symbol, "missing fills");
	}
	return RK_OK;
}

static enum rk_rc check_drift(struct plan_ctx *c, const char *symbol)
{
	const struct venue_position *vp = venue_snapshot_position(c->snap, symbol);
	struct dec exch = vp ? vp->qty : dec_zero(), journal, missing, expected, diff;
	struct jd d;
	size_t fi;
	enum rk_rc rc = expected_qty(c, symbol, &journal, &missing);
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
	jd_dec(&d, "expected_qty", expected);
	jd_dec(&d, "exchange_qty", exch);
	jd_dec(&d, "difference", diff);
	jd_str(&d, "basis", c->caps->is_futures ? "signed position" : "base-asset holding");
	return add_finding(c, FIND_POSITION_DRIFT, symbol, "", "", &d, &fi);
}

/* Drift is an absence-sensitive comparison: only on a complete snapshot. */
static enum rk_rc phase_positions(struct plan_ctx *c)
{
	const char **syms = NULL;
	size_t n = 0;
	enum rk_rc rc = RK_OK;
	if (!c->snap->complete)
		return RK_OK;
	if ((rc = position_symbols(c, &syms, &n)))
		goto out;
	for (size_t i = 0; i < n && rc == RK_OK; i++)
		rc = check_drift(c, syms[i]);
out:
	free(syms);
	return rc;
}

/* ---- phase 4: protection ---- */

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
	bool bracket;
	struct dec take_profit;
	char why[256];
};

static const char *below_word(const struct prot *p)
{
	return p->is_long ? "below" : "above";
}

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

/* Is a stop level already at or through the last price? */
static bool level_through(const struct prot *p, struct dec level)
{
	int k = dec_cmp(level, p->last);
	return p->is_long ? k >= 0 : k <= 0;
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
	return o->has_stop_price && p->has_last && level_through(p, o->stop_price);
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
	const struct local_position *lp = local_position(c, pos->symbol);
	memset(p, 0, sizeof *p);
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
	if (lp && lp->has_avg && dec_sign(lp->avg_entry) > 0)
		p->has_entry = true, p->entry = lp->avg_entry;
	else if (pos->has_entry && dec_sign(pos->entry_price) > 0)
		p->has_entry = true, p->entry = pos->entry_price;
	if (p->inst && dec_sign(p->inst->step_size) > 0 &&
	    dec_quantize(p->abs, p->inst->step_size, DEC_ROUND_DOWN, &p->target) != DEC_OK)
		return calc_failed(c, p->sym, "step size");
	if (p->has_entry && p->has_last) {
		struct dec diff;
		if ((p->is_long ? dec_sub(p->entry, p->last, &diff) : dec_sub(p->last, p->entry, &diff)) ||
		    dec_muldiv(diff, dec_from_int(100), p->entry, DEC_ROUND_HALF_EVEN, &p->loss_pct))
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

/* Too small to protect: below the dust value or the venue's minimums. */
static enum rk_rc check_dust(struct plan_ctx *c, struct prot *p, bool *dust)
{
	struct dec value = dec_zero(), tvalue = dec_zero();
	const struct instrument *in = p->inst;
	if (p->has_last && (dec_mul(p->abs, p->last, DEC_ROUND_HALF_EVEN, &value) ||
			    dec_mul(p->target, p->last, DEC_ROUND_HALF_EVEN, &tvalue)))
		return calc_failed(c, p->sym, "notional");
	*dust = dec_is_zero(p->target) ||
		(p->has_last && dec_cmp(value, p->rule->dust_notional) < 0) ||
		(in && dec_sign(in->min_qty) > 0 && dec_cmp(p->target, in->min_qty) < 0) ||
		(p->has_last && in && dec_sign(in->min_notional) > 0 &&
		 dec_cmp(tvalue, in->min_notional) < 0);
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

/* Percent rounded to two decimals, for people ("76.19"). */
static char *pct_text(struct dec pct, char buf[DEC_STR_MAX])
{
	struct dec hundredth, q;
	if (dec_parse_cstr("0.01", &hundredth) == DEC_OK &&
	    dec_quantize(pct, hundredth, DEC_ROUND_HALF_EVEN, &q) == DEC_OK)
		pct = q;
	return dec_format(pct, buf);
}

/* A working stop is through the price (rule 4): close, or re-price it. */
static enum rk_rc trigger_level(struct plan_ctx *c, struct prot *p, struct dec *level)
{
	const struct policy_rule *r = p->rule;
	char a[DEC_STR_MAX], b[DEC_STR_MAX];
	if (r->on_trigger == TRIGGER_EMERGENCY_CLOSE) {
		p->exit = true;
		why(p, "the stop is through the last price %s: emergency close, per policy "
		       "would_trigger=emergency_close", dec_format(p->last, a));
		return RK_OK;
	}
	if (pct_move(p->last, r->reprice_buffer_pct, away(p), level))
		return calc_failed(c, p->sym, "reprice");
	why(p, "the stop is through the last price %s: re-priced %s%% %s it, per policy "
	       "would_trigger=reprice", dec_format(p->last, a), dec_format(r->reprice_buffer_pct, b),
	    below_word(p));
	return RK_OK;
}

/* The policy's level: stop_pct from entry (or from last when asked, or when
 * entry is unknown); an entry-based level already passed follows past_stop. */
static enum rk_rc policy_level(struct plan_ctx *c, struct prot *p, struct dec *level)
{
	const struct policy_rule *r = p->rule;
	char a[DEC_STR_MAX], b[DEC_STR_MAX], e[DEC_STR_MAX];
	bool from_entry = r->stop_ref == STOP_REF_ENTRY && p->has_entry;
	if (from_entry && pct_move(p->entry, r->stop_pct, away(p), level))
		return calc_failed(c, p->sym, "stop from entry");
	if (from_entry && !level_through(p, *level)) {
		why(p, "stop %s%% %s entry %s", dec_format(r->stop_pct, b), below_word(p),
		    dec_format(p->entry, e));
		return RK_OK;
	}
	if (from_entry && r->far == FAR_EXIT_NOW) {
		p->exit = true;
		why(p, "price already %s%% %s entry %s, past the %s%% stop: market exit, per policy "
		       "past_stop=exit_now", pct_text(dec_abs(p->loss_pct), a), below_word(p),
		    dec_format(p->entry, e), dec_format(r->stop_pct, b));
		return RK_OK;
	}
	if (pct_move(p->last, r->stop_pct, away(p), level))
		return calc_failed(c, p->sym, "stop from last");
	if (from_entry)
		why(p, "price already %s%% %s entry: stop placed %s%% %s last price, per policy "
		       "past_stop=stop_from_last", pct_text(dec_abs(p->loss_pct), a), below_word(p),
		    dec_format(r->stop_pct, b), below_word(p));
	else
		why(p, "stop %s%% %s last price%s", dec_format(r->stop_pct, b), below_word(p),
		    p->has_entry ? ", per policy stop_from=last" : " (entry price unknown)");
	return RK_OK;
}

/*
 * Chooses the stop level (or an exit) for a position that needs new
 * protection, explaining the choice in p->why. `trigger` is true when the
 * kept stop is through the price. hard_stop_pct overrides everything.
 */
static enum rk_rc decide_level(struct plan_ctx *c, struct prot *p, bool trigger)
{
	const struct policy_rule *r = p->rule;
	char a[DEC_STR_MAX], b[DEC_STR_MAX];
	struct dec level;
	enum rk_rc rc;
	if (r->has_hard_stop && p->has_loss && dec_cmp(p->loss_pct, r->hard_stop_pct) >= 0) {
		p->exit = true;
		why(p, "loss %s%% from entry is past hard_stop_pct %s: market exit",
		    pct_text(p->loss_pct, a), dec_format(r->hard_stop_pct, b));
		return RK_OK;
	}
	rc = trigger ? trigger_level(c, p, &level) : policy_level(c, p, &level);
	if (rc || p->exit)
		return rc;
	/* Round away from triggering: sell stops down, buy stops up. */
	if (tick_round(p, level, p->is_long, &p->stop_price))
		return calc_failed(c, p->sym, "stop tick");
	if (dec_sign(p->stop_price) <= 0) {
		why(p, "the stop level rounds to zero at this tick size: nothing placed");
		return RK_OK;
	}
	if (c->caps->is_futures)
		return RK_OK;
	if (pct_move(p->stop_price, r->reprice_buffer_pct, away(p), &level) ||
	    tick_round(p, level, p->is_long, &p->limit_price))
		return calc_failed(c, p->sym, "stop limit price");
	return RK_OK;
}

/* A take-profit-like limit beyond the market among the blocking orders. */
static const struct order_rec *blocking_take_profit(struct plan_ctx *c, const struct prot *p)
{
	for (size_t k = 0; k < p->nblockers; k++) {
		const struct order_rec *o = &c->snap->orders[p->blockers[k]];
		if ((o->type == OTYPE_LIMIT || o->type == OTYPE_TAKE_PROFIT) && o->has_price &&
		    beyond_market(p, o->price))
			return o;
	}
	return NULL;
}

/*
 * Bracket instead of stop-only where the venue has brackets and there is a
 * take profit to carry: the blocking order's own limit (the user's exit
 * intent), else policy take_profit_pct when protect=bracket (from entry, or
 * from the last price when the entry-based level is already passed).
 */
static enum rk_rc decide_bracket(struct plan_ctx *c, struct prot *p)
{
	const struct policy_rule *r = p->rule;
	const struct order_rec *tp;
	struct dec level;
	if (p->exit || !c->caps->has_bracket)
		return RK_OK;
	tp = c->caps->orders_hold_balance ? blocking_take_profit(c, p) : NULL;
	if (tp) {
		p->take_profit = tp->price;
		p->bracket = true;
		return RK_OK;
	}
	if (r->style != PROTECT_BRACKET || !r->has_take_profit)
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
		jd_str(d, "loss_pct", pct_text(p->loss_pct, buf));
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
		if (p->bracket)
			jd_dec(d, "take_profit", p->take_profit);
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
	if (kind == FIND_BLOCKING_ORDER)
		jd_bool(&d, "take_profit_kept", p->bracket && o->has_price &&
						     dec_eq(o->price, p->take_profit));
	return add_finding(c, kind, p->sym, o->order_id, o->order_id, &d, fi);
}

/* Fills in the placement request for the decided protection. */
static enum rk_rc build_request(struct plan_ctx *c, const struct prot *p, size_t fi,
				struct venue_order_req *req)
{
	const char *key = c->plan->findings[fi].key;
	memset(req, 0, sizeof *req);
	reconcile_client_order_id(key, attempts_for(c, key), req->client_order_id);
	if (!req->client_order_id[0])
		return rk_err_set(c->err, RK_ENOMEM, "reconcile %s: cannot hash a client order id",
				  p->sym);
	snprintf(req->symbol, sizeof req->symbol, "%s", p->sym);
	req->side = p->reduce;
	req->qty = p->target;
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
	} else if (p->bracket) {
		req->type = OTYPE_BRACKET;
		req->has_price = true;
		req->price = p->take_profit;
	} else {
		req->type = OTYPE_STOP_LIMIT;
		req->has_price = true;
		req->price = p->limit_price;
	}
	return RK_OK;
}

static enum rk_rc add_placement(struct plan_ctx *c, const struct prot *p, size_t fi,
				int depends_on, size_t *idx)
{
	enum action_kind kind = p->exit ? ACT_EMERGENCY_CLOSE
				: p->keeper >= 0 ? ACT_REPLACE_STOP : ACT_PLACE_STOP;
	struct venue_order_req req;
	enum rk_rc rc = build_request(c, p, fi, &req);
	if (rc || (rc = add_action(c, kind, fi, p->sym, depends_on, idx)))
		return rc;
	struct action *a = &c->plan->actions[*idx];
	a->req = req;
	set_note(a, "%s", p->why);
	return RK_OK;
}

/* The orders a placement needs gone, each with its finding. */
struct removal {
	size_t oi;
	size_t fi;
	const char *note;
};

/*
 * Plans the removals and the placement in a safe order (rule 3):
 *  - orders hold the balance (spot): cancel every removal first, chained so
 *    each waits for the previous, then the placement waits for the last;
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
		return rc ? rc : add_placement(c, p, fi, prev, &idx);
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
	if ((rc = decide_level(c, p, trigger)) || (rc = decide_bracket(c, p)))
		return rc;
	jd_init(&d);
	jd_prot(c, &d, p);
	if ((rc = add_finding(c, p->kind, p->sym, "", "", &d, &fi)))
		return rc;
	if (!(rm = malloc((p->nstops + p->nblockers + 1) * sizeof *rm)))
		return oom(c);
	for (size_t k = 0; hold && k < p->nblockers && rc == RK_OK; k++) {
		rc = report_order_finding(c, p, FIND_BLOCKING_ORDER, p->blockers[k], &sub);
		rm[nrm++] = (struct removal){p->blockers[k], sub,
					     "cancel an order holding the balance the stop needs"};
	}
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
	bool dust = false, act = may_change(c, pos->symbol);
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
	pick_keeper(c, &p);
	if (p.keeper >= 0 && stop_is_sound(c, &p, (size_t)p.keeper))
		rc = plan_duplicates_only(c, &p, act);
	else
		rc = plan_new_protection(c, &p, act);
out:
	free(p.stops);
	free(p.blockers);
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

/* ---- circuit breaker (rule 7) ---- */

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
	snprintf(a->note, sizeof a->note, "circuit breaker: %.100s (planned: %.120s)", reason, old);
}

/* Skips destructive actions past the per-pass or per-hour limit, and every
 * action that depends on a skipped one. depends_on always points backwards. */
static void apply_breaker(struct plan_ctx *c)
{
	const struct policy_rule *r = policy_for(c->pol, c->local->venue, NULL);
	int per_hour_left = r->breaker_per_hour - c->local->destructive_last_hour, count = 0;
	for (size_t i = 0; i < c->plan->nactions; i++) {
		struct action *a = &c->plan->actions[i];
		if (a->depends_on >= 0 && c->plan->actions[a->depends_on].status == ASTAT_SKIPPED) {
			skip_action(a, "depends on action %d, which was skipped", a->depends_on);
			continue;
		}
		if (!action_kind_is_destructive(a->kind))
			continue;
		if (count >= r->breaker_per_pass)
			skip_action(a, "more than max_destructive_per_pass=%d destructive actions in "
				       "this pass", r->breaker_per_pass);
		else if (count >= per_hour_left)
			skip_action(a, "%d destructive actions in the last hour + %d in this pass "
				       "reach max_destructive_per_hour=%d",
				    c->local->destructive_last_hour, count, r->breaker_per_hour);
		else
			count++;
	}
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
	if (!c.cancel_of) {
		rc = oom(&c);
		goto out;
	}
	for (size_t i = 0; i < snap->norders; i++)
		c.cancel_of[i] = -1;
	if ((rc = phase_orders(&c)) || (rc = phase_fills(&c)) || (rc = phase_positions(&c)) ||
	    (rc = phase_protection(&c)))
		goto out;
	apply_breaker(&c);
out:
	free(c.cancel_of);
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
