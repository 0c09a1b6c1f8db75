/*
 * reconcile_plan.c — one reconciliation pass as a pure function (see
 * reconcile.h, the module's contract).
 *
 * The pass reads the journal's view (local_state) and the exchange's
 * (venue_snapshot) and writes a plan: findings first, each with a JSON detail
 * of the numbers involved, and actions in the order they must run, linked by
 * depends_on. Nothing here performs I/O, reads the clock or keeps state.
 *
 * Phases, in order: orders (fill regressions, orphans, stale local orders),
 * fills (what the journal lacks), positions (drift after those fills), then
 * protection per exchange position, then the circuit breaker over the whole
 * plan. This file runs the pass and the first three phases; protection, the
 * order of work and the breaker are in reconcile_protect.c, and the context
 * they share is reconcile_int.h. Two gates decide which actions may be planned at all:
 *   may_record — adopt_order, record_inferred_fill: the symbol is not halted;
 *   may_change — everything else: not halted AND the snapshot is complete.
 * A finding is reported either way; only its actions are withheld.
 *
 * All amounts are struct dec. Prices are quantized away from triggering
 * (sell stops down, buy stops up), quantities down to the step size.
 */
#include "reconcile_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "digest.h"
#include "rk_array.h"
#include "rk_buf.h"
#include "rtime.h"

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

/* Adds an order's identity and amounts under their usual names. */
void recon_jd_order(struct jd *j, const struct order_rec *o)
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

enum rk_rc recon_oom(struct plan_ctx *c)
{
	return rk_err_set(c->err, RK_ENOMEM, "reconcile: out of memory");
}

enum rk_rc recon_calc_failed(struct plan_ctx *c, const char *symbol, const char *what)
{
	return rk_err_set(c->err, RK_EOVERFLOW, "reconcile %s: arithmetic out of range (%s)",
			  symbol, what);
}

/*
 * Appends a finding. Its key is "KIND:VENUE:ACCOUNT:SYMBOL" plus ":TAIL" for
 * findings about one order or fill. Consumes d->o in every case.
 */
enum rk_rc recon_add_finding(struct plan_ctx *c, enum finding_kind kind, const char *symbol,
			     const char *order_id, const char *tail, struct jd *d, size_t *idx)
{
	struct recon_plan *p = c->plan;
	char *text = NULL;
	enum rk_rc rc = RK_OK;
	if (d->bad || !(text = cJSON_PrintUnformatted(d->o)) ||
	    !rk_array_reserve(&p->findings, &c->fcap, p->nfindings + 1, sizeof *p->findings)) {
		rc = recon_oom(c);
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
	if (kind == FIND_MISSING_FILL && !rk_index_add(&c->ix.missing_fill_sym, *idx))
		rc = recon_oom(c);
out:
	free(text);
	cJSON_Delete(d->o);
	d->o = NULL;
	return rc;
}

/* Appends a PLANNED action for finding `fi`; *idx is its index. */
enum rk_rc recon_add_action(struct plan_ctx *c, enum action_kind kind, size_t fi,
			    const char *symbol, int depends_on, size_t *idx)
{
	struct recon_plan *p = c->plan;
	if (!rk_array_reserve(&p->actions, &c->acap, p->nactions + 1, sizeof *p->actions))
		return recon_oom(c);
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

/* Appends a cancel_order for snapshot order `oi`, remembering it. */
enum rk_rc recon_add_cancel(struct plan_ctx *c, size_t oi, size_t fi, int depends_on,
			    const char *note, size_t *idx)
{
	const struct order_rec *o = &c->snap->orders[oi];
	enum rk_rc rc = recon_add_action(c, ACT_CANCEL_ORDER, fi, o->symbol, depends_on, idx);
	if (rc)
		return rc;
	struct action *a = &c->plan->actions[*idx];
	snprintf(a->order_id, sizeof a->order_id, "%s", o->order_id);
	a->order = *o;
	rk_fmt(a->note, sizeof a->note, "%s", note);
	c->cancel_of[oi] = (int)*idx;
	return RK_OK;
}

/* ---- small predicates ---- */

/* The venue reports less filled than the journal holds (rule 2c). */
static bool fill_regressed(const struct order_rec *exch, const struct order_rec *journal)
{
	return exch->has_filled_qty && journal->has_filled_qty &&
	       dec_cmp(exch->filled_qty, journal->filled_qty) < 0;
}

/* ---- phase 1: orders ---- */

/* Collects the symbols whose orders regressed, so no action for them is planned
 * anywhere in this pass, whichever phase would have planned it. */
static enum rk_rc collect_regressions(struct plan_ctx *c)
{
	for (size_t i = 0; i < c->snap->norders; i++) {
		const struct order_rec *o = &c->snap->orders[i];
		int j = recon_find_local(c, o);
		if (j < 0 || !fill_regressed(o, &c->local->orders[j].rec) ||
		    recon_pass_halted(c, o->symbol))
			continue;
		if (!rk_array_reserve(&c->halt, &c->haltcap, c->nhalt + 1, sizeof *c->halt))
			return recon_oom(c);
		snprintf(c->halt[c->nhalt], MODEL_SYM_MAX, "%s", o->symbol);
		if (!rk_index_add(&c->ix.pass_halt, c->nhalt))
			return recon_oom(c);
		c->nhalt++;
	}
	return RK_OK;
}

static enum rk_rc report_regression(struct plan_ctx *c, const struct order_rec *o,
				    const struct order_rec *journal)
{
	struct jd d;
	size_t fi;
	jd_init(&d);
	recon_jd_order(&d, o);
	jd_dec(&d, "journal_filled_qty", journal->filled_qty);
	jd_dec(&d, "exchange_filled_qty", o->filled_qty);
	jd_bool(&d, "halt", true);
	return recon_add_finding(c, FIND_FILL_REGRESSION, o->symbol, o->order_id, o->order_id, &d,
				 &fi);
}

/* Is `o` on the side that reduces a non-zero exchange position? */
static bool reduces_position(const struct plan_ctx *c, const struct order_rec *o)
{
	const struct venue_position *pos = recon_snap_position(c, o->symbol);
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
	size_t fi = 0, ai = 0;
	enum rk_rc rc;

	jd_init(&d);
	recon_jd_order(&d, o);
	jd_str(&d, "policy_orphans", policy_orphan_name(rule_for(c, o->symbol)->orphans));
	if (why[0])
		jd_str(&d, "handling", why);
	if ((rc = recon_add_finding(c, FIND_ORPHAN_EXCHANGE_ORDER, o->symbol, o->order_id,
				    o->order_id, &d, &fi)))
		return rc;
	if (choice == ORPHAN_ADOPT && may_record(c, o->symbol))
		c->adopt_of[oi] = (int)fi;
	else if (choice == ORPHAN_CANCEL && may_change(c, o->symbol))
		rc = recon_add_cancel(c, oi, fi, -1,
				      "cancel an order unknown to the journal, per policy "
				      "orphans=cancel",
				      &ai);
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
		size_t ai = 0;
		if (c->adopt_of[oi] < 0 || c->cancel_of[oi] >= 0)
			continue;
		(void)orphan_choice(c, o, &why);
		enum rk_rc rc = recon_add_action(c, ACT_ADOPT_ORDER, (size_t)c->adopt_of[oi],
						 o->symbol, -1, &ai);
		if (rc)
			return rc;
		struct action *a = &c->plan->actions[ai];
		snprintf(a->order_id, sizeof a->order_id, "%s", o->order_id);
		a->order = *o;
		a->order.purpose = adopted_purpose(o);
		rk_fmt(a->note, sizeof a->note, "adopt the exchange's %s %s order as %s%s%s",
		       side_name(o->side), order_type_name(o->type), purpose_name(a->order.purpose),
		       why[0] ? ": " : "", why);
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
	size_t fi = 0, ai = 0;
	enum rk_rc rc;

	jd_init(&d);
	recon_jd_order(&d, o);
	jd_int(&d, "missing_passes", passes);
	jd_int(&d, "missing_seconds", missing_us / 1000000);
	jd_int(&d, "stale_min_passes", r->stale_min_passes);
	jd_int(&d, "stale_quiet_seconds", r->stale_quiet_seconds);
	jd_bool(&d, "snapshot_complete", c->snap->complete);
	stale_backoff(c, lo, r, &d, &due);
	if ((rc = recon_add_finding(c, FIND_STALE_LOCAL_ORDER, o->symbol, o->order_id, o->order_id,
				    &d, &fi)))
		return rc;
	if (!eligible || !due || !may_change(c, o->symbol))
		return RK_OK;
	if ((rc = recon_add_action(c, ACT_CLOSE_LOCAL_ORDER, fi, o->symbol, -1, &ai)))
		return rc;
	struct action *a = &c->plan->actions[ai];
	snprintf(a->order_id, sizeof a->order_id, "%s", o->order_id);
	a->order = *o;
	rk_fmt(a->note, sizeof a->note,
	       "missing from the open orders for %d passes over %lld s: journal the terminal "
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
		int j = recon_find_local(c, o);
		if (j < 0)
			rc = plan_orphan(c, i);
		else if (fill_regressed(o, &c->local->orders[j].rec))
			rc = report_regression(c, o, &c->local->orders[j].rec);
	}
	for (size_t j = 0; j < c->local->norders && rc == RK_OK; j++)
		if (!recon_on_exchange(c, &c->local->orders[j].rec))
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
		return recon_calc_failed(c, f->symbol, "fill quantity less fee");
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
	for (size_t i = rk_index_first(&c->ix.inferred, f->order_id, NULL);
	     i != RK_INDEX_NONE && dec_sign(left) > 0; i = rk_index_next(&c->ix.inferred, i)) {
		struct local_inferred *in = &c->inferred[i];
		if (dec_sign(in->qty) <= 0)
			continue;
		struct dec take = dec_min(in->qty, left);
		if (dec_sub(in->qty, take, &in->qty) != DEC_OK || dec_sub(left, take, &left) != DEC_OK ||
		    dec_add(*absorbed, take, absorbed) != DEC_OK)
			return recon_calc_failed(c, f->symbol, "fill superseding inferred fills");
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
	if (!rk_array_reserve(&c->fills, &c->fillcap, c->nfills + 1, sizeof *c->fills))
		return recon_oom(c);
	struct pass_fill *p = &c->fills[c->nfills];
	p->f = *f;
	p->listed = listed;
	if ((rc = absorb_inferred(c, f, &p->absorbed)))
		return rc;
	if (!rk_index_add(&c->ix.fill_sym, c->nfills) || !rk_index_add(&c->ix.fill_oid, c->nfills))
		return recon_oom(c);
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
		return recon_calc_failed(c, p->f.symbol, "fill superseding inferred fills");
	return RK_OK;
}


/* Plans record_inferred_fill for `f` under finding `fi`, unless halted. */
static enum rk_rc add_record_fill(struct plan_ctx *c, size_t fi, const struct fill_rec *f,
				  const char *note)
{
	size_t ai = 0;
	enum rk_rc rc;
	if (!may_record(c, f->symbol))
		return RK_OK;
	if ((rc = recon_add_action(c, ACT_RECORD_INFERRED_FILL, fi, f->symbol, -1, &ai)))
		return rc;
	struct action *a = &c->plan->actions[ai];
	snprintf(a->order_id, sizeof a->order_id, "%s", f->order_id);
	a->fill = *f;
	a->fill.inferred = true;
	rk_fmt(a->note, sizeof a->note, "%s", note);
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
	if ((rc = recon_add_finding(c, FIND_MISSING_FILL, f->symbol, f->order_id, f->fill_id, &d,
				    &fi)) ||
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
	const struct rk_index *ix = &c->ix.fill_oid;
	size_t a = rk_index_first(ix, exch->order_id, NULL), b = RK_INDEX_NONE;
	if (strcmp(exch->order_id, journal->order_id) != 0)
		b = rk_index_first(ix, journal->order_id, NULL);
	*listed = *absorbed = dec_zero();
	/* The fills of either id, merged back into the order they were added in. */
	while (a != RK_INDEX_NONE || b != RK_INDEX_NONE) {
		size_t i = a < b ? a : b;
		if (i == a)
			a = rk_index_next(ix, a);
		else
			b = rk_index_next(ix, b);
		const struct pass_fill *p = &c->fills[i];
		if (!p->listed || strcmp(p->f.symbol, exch->symbol) != 0)
			continue;
		if (dec_add(*listed, p->f.qty, listed) != DEC_OK ||
		    dec_add(*absorbed, p->absorbed, absorbed) != DEC_OK)
			return recon_calc_failed(c, exch->symbol, "listed fills");
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
		return recon_calc_failed(c, o->symbol, "unrecorded fill");
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
	recon_jd_order(&d, o);
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
	if ((rc = recon_add_finding(c, FIND_MISSING_FILL, f.symbol, f.order_id, f.fill_id, &d,
				    &fi)) ||
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
		int j = recon_find_local(c, o);
		if (j >= 0 && !fill_regressed(o, &c->local->orders[j].rec))
			rc = plan_unrecorded_fill(c, o, &c->local->orders[j]);
	}
	return rc;
}

/* ---- phase 3: positions ---- */

/* Every symbol the journal or the exchange has a position, holding or pass
 * fill for, sorted and unique. *out (caller frees) points into the inputs. */
static enum rk_rc position_symbols(struct plan_ctx *c, const char ***out, size_t *n)
{
	const struct local_state *l = c->local;
	const struct venue_snapshot *s = c->snap;
	size_t cap = l->npositions + s->npositions + c->nfills, k = 0;
	const char **syms = malloc((cap ? cap : 1) * sizeof *syms);
	struct sym_key *keys = malloc((cap ? cap : 1) * sizeof *keys);
	if (!syms || !keys) {
		free(syms);
		free(keys);
		return recon_oom(c);
	}
	for (size_t i = 0; i < l->npositions; i++, k++)
		keys[k] = recon_sym_key(l->positions[i].symbol, k);
	for (size_t i = 0; i < s->npositions; i++, k++)
		keys[k] = recon_sym_key(s->positions[i].symbol, k);
	for (size_t i = 0; i < c->nfills; i++, k++)
		keys[k] = recon_sym_key(c->fills[i].f.symbol, k);
	recon_sort_symbols(keys, k);
	size_t u = 0;
	for (size_t i = 0; i < k; i++)
		if (u == 0 || strcmp(syms[u - 1], keys[i].symbol) != 0)
			syms[u++] = keys[i].symbol;
	free(keys);
	*out = syms;
	*n = u;
	return RK_OK;
}

/* Journal quantity plus the deltas of this pass's fills (missing and
 * inferred), less what they supersede (*superseding: that quantity). */
static enum rk_rc expected_qty(struct plan_ctx *c, const char *symbol, struct dec *journal,
			       struct dec *missing, struct dec *superseding)
{
	const struct local_position *lp = recon_local_position(c, symbol);
	*journal = lp ? lp->qty : dec_zero();
	*missing = *superseding = dec_zero();
	for (size_t i = rk_index_first(&c->ix.fill_sym, symbol, NULL); i != RK_INDEX_NONE;
	     i = rk_index_next(&c->ix.fill_sym, i)) {
		const struct pass_fill *p = &c->fills[i];
		struct dec delta;
		enum rk_rc rc;
		if ((rc = pass_fill_delta(c, p, &delta)))
			return rc;
		if (dec_add(*missing, delta, missing) != DEC_OK ||
		    dec_add(*superseding, p->absorbed, superseding) != DEC_OK)
			return recon_calc_failed(c, symbol, "missing fills");
	}
	return RK_OK;
}

/* The journal's position after this pass's fills, by the journal's own
 * average rule: protection is planned from it (an entry learnt from a missing
 * fill gives the stop its level; a fill superseding inferred quantity keeps
 * their entry for that part: position_apply_superseding). */
enum rk_rc recon_position_after_pass(struct plan_ctx *c, const char *symbol,
				     struct position_state *out)
{
	const struct local_position *lp = recon_local_position(c, symbol);
	out->qty = lp ? lp->qty : dec_zero();
	out->has_avg = lp && lp->has_avg;
	out->avg = out->has_avg ? lp->avg_entry : dec_zero();
	for (size_t i = rk_index_first(&c->ix.fill_sym, symbol, NULL); i != RK_INDEX_NONE;
	     i = rk_index_next(&c->ix.fill_sym, i))
		if (!position_apply_superseding(out, &c->fills[i].f, c->fills[i].absorbed))
			return recon_calc_failed(c, symbol, "position after this pass's fills");
	return RK_OK;
}

static enum rk_rc check_drift(struct plan_ctx *c, const char *symbol)
{
	const struct venue_position *vp = recon_snap_position(c, symbol);
	struct dec exch = vp ? vp->qty : dec_zero(), journal, missing, superseding, expected, diff;
	struct jd d;
	size_t fi;
	enum rk_rc rc = expected_qty(c, symbol, &journal, &missing, &superseding);
	if (rc)
		return rc;
	if (dec_add(journal, missing, &expected) != DEC_OK ||
	    dec_sub(exch, expected, &diff) != DEC_OK)
		return recon_calc_failed(c, symbol, "position drift");
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
	return recon_add_finding(c, FIND_POSITION_DRIFT, symbol, "", "", &d, &fi);
}

/* Does this pass know of a fill of `symbol` the journal lacks: one it
 * journals, or a gap it reports (an order filled further than its fills)? */
static bool has_pass_fill(const struct plan_ctx *c, const char *symbol)
{
	return rk_index_first(&c->ix.fill_sym, symbol, NULL) != RK_INDEX_NONE ||
	       rk_index_first(&c->ix.missing_fill_sym, symbol, NULL) != RK_INDEX_NONE;
}

/* The opening fill an exchange-only position implies, priced at the entry
 * the venue reports, else the last price; its id is
 * "inferred:position:SYMBOL:QTY@PRICE" (hashed when too long), the same in
 * every pass that sees the same position. Returns the price basis ("" when
 * no price is known). */
static const char *opening_fill(const struct plan_ctx *c, const struct venue_position *vp,
				struct fill_rec *f)
{
	const struct venue_price *px = recon_snap_price(c, vp->symbol);
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
	if (dec_is_zero(vp->qty) || recon_local_position(c, vp->symbol) || has_pass_fill(c, vp->symbol) ||
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
	if ((rc = recon_add_finding(c, FIND_MISSING_FILL, f.symbol, f.order_id, f.fill_id, &d,
				    &fi)) ||
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
		rc = recon_oom(&c);
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
	if ((rc = recon_index_build(&c)))
		goto out;
	if ((rc = phase_orders(&c)) || (rc = phase_fills(&c)) || (rc = phase_positions(&c)) ||
	    (rc = recon_phase_protection(&c)) || (rc = plan_adoptions(&c)) ||
	    (rc = recon_order_by_rank(&c)) || (rc = recon_apply_breaker(&c)))
		goto out;
out:
	recon_index_free(&c);
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
