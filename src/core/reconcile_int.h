/*
 * reconcile_int.h — private to the planner (reconcile_plan.c and
 * reconcile_protect.c): the context one pass builds its plan in, and the
 * helpers every phase uses to add findings and actions. Not a contract for
 * anyone else: reconcile.h is the module's public interface.
 *
 * reconcile_plan.c runs the pass and the bookkeeping phases (orders, fills,
 * positions); reconcile_protect.c plans protection per exchange position and
 * then orders the plan and applies the circuit breaker. The two gates
 * (may_record, may_change) and the finding/action builders live here so
 * every phase applies them the same way.
 *
 * Ownership: a plan_ctx borrows its inputs; the arrays it allocates (halt,
 * cancel_of, adopt_of, fills, inferred) are freed by reconcile_plan. The
 * builders grow c->plan's findings and actions; on error the caller frees
 * the plan. Errors: RK_ENOMEM / RK_EOVERFLOW in c->err.
 */
#ifndef RECKON_RECONCILE_INT_H
#define RECKON_RECONCILE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "jsonout.h"
#include "reconcile.h"
#include "rk_index.h"

/* The lookups of one pass, built once by recon_index_build
 * (reconcile_index.c). Every index returns items in array order. */
struct recon_index {
	bool built;
	struct rk_index snap_oid;    /* snapshot orders by order_id (every one) */
	struct rk_index snap_cid;    /* snapshot orders by non-empty client_order_id */
	struct rk_index snap_osym;   /* snapshot orders by symbol */
	struct rk_index local_oid;   /* local orders by non-empty order_id */
	struct rk_index local_cid;   /* local orders by non-empty client_order_id */
	struct rk_index snap_pos;    /* snapshot positions, prices, instruments by symbol */
	struct rk_index snap_px;
	struct rk_index snap_inst;
	struct rk_index local_pos;   /* local positions by symbol */
	struct rk_index local_halt;  /* local->halted */
	struct rk_index pass_halt;   /* c->halt, as it grows */
	struct rk_index attempts;    /* local attempts by key */
	struct rk_index legs;        /* local legs by symbol */
	struct rk_index inferred;    /* c->inferred by order_id */
	struct rk_index fill_sym;    /* this pass's fills by symbol, as they are added */
	struct rk_index fill_oid;    /* ... and by order_id */
	struct rk_index missing_fill_sym; /* missing_fill findings by symbol, as added */
};

struct plan_ctx {
	const struct local_state *local;
	const struct venue_snapshot *snap;
	const struct venue_caps *caps;
	const struct policy *pol;
	struct recon_plan *plan;
	size_t fcap, acap;
	const char *venue;              /* venue_name(local->venue) */
	char (*halt)[MODEL_SYM_MAX];    /* symbols halted by a regression this pass */
	size_t nhalt, haltcap;
	int *cancel_of;                 /* per snapshot order: its planned cancel, or -1 */
	int *adopt_of;                  /* per snapshot order: its orphan finding to adopt, or -1 */
	struct pass_fill *fills;        /* this pass's fills: missing, then inferred */
	size_t nfills, fillcap;
	struct local_inferred *inferred;/* a working copy of local->inferred: what the
					 * pass's real fills have not absorbed yet */
	struct recon_index ix;
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

/* ---- a finding's detail (jd): a failed add marks it bad, checked once ---- */

static inline void jd_init(struct jd *j)
{
	j->o = cJSON_CreateObject();
	j->bad = j->o == NULL;
}

static inline void jd_str(struct jd *j, const char *k, const char *v)
{
	if (!j->bad && !cJSON_AddStringToObject(j->o, k, v))
		j->bad = true;
}

static inline void jd_dec(struct jd *j, const char *k, struct dec d)
{
	char buf[DEC_STR_MAX];
	jd_str(j, k, dec_format(d, buf));
}

static inline void jd_int(struct jd *j, const char *k, int64_t v)
{
	if (!j->bad && !jsonout_add_int(j->o, k, v))
		j->bad = true;
}

static inline void jd_bool(struct jd *j, const char *k, bool v)
{
	if (!j->bad && !cJSON_AddBoolToObject(j->o, k, v))
		j->bad = true;
}

/* Adds an order's identity and amounts under their usual names. */
void recon_jd_order(struct jd *j, const struct order_rec *o);

/* ---- building the plan ---- */

/* RK_ENOMEM / RK_EOVERFLOW in c->err, returned. */
enum rk_rc recon_oom(struct plan_ctx *c);
enum rk_rc recon_calc_failed(struct plan_ctx *c, const char *symbol, const char *what);

/* Appends a finding. Its key is "KIND:VENUE:ACCOUNT:SYMBOL" plus ":TAIL" for
 * findings about one order or fill. Consumes d->o in every case. */
enum rk_rc recon_add_finding(struct plan_ctx *c, enum finding_kind kind, const char *symbol,
			     const char *order_id, const char *tail, struct jd *d,
			     size_t *idx /* OUT */);
/* Appends a PLANNED action for finding `fi`; *idx is its index. */
enum rk_rc recon_add_action(struct plan_ctx *c, enum action_kind kind, size_t fi,
			    const char *symbol, int depends_on, size_t *idx /* OUT */);
/* Appends a cancel_order for snapshot order `oi`, remembering it in cancel_of. */
enum rk_rc recon_add_cancel(struct plan_ctx *c, size_t oi, size_t fi, int depends_on,
			    const char *note, size_t *idx /* OUT */);

/* ---- small predicates ---- */

static inline bool recon_pass_halted(const struct plan_ctx *c, const char *symbol)
{
	return rk_index_first(&c->ix.pass_halt, symbol, NULL) != RK_INDEX_NONE;
}

static inline bool halted(const struct plan_ctx *c, const char *symbol)
{
	return rk_index_first(&c->ix.local_halt, symbol, NULL) != RK_INDEX_NONE ||
	       recon_pass_halted(c, symbol);
}

/* adopt_order and record_inferred_fill: allowed even on an incomplete snapshot. */
static inline bool may_record(const struct plan_ctx *c, const char *symbol)
{
	return !halted(c, symbol);
}

/* Cancels, closes and placements: only on a complete snapshot (rule 1). */
static inline bool may_change(const struct plan_ctx *c, const char *symbol)
{
	return c->snap->complete && !halted(c, symbol);
}

static inline const struct policy_rule *rule_for(const struct plan_ctx *c, const char *symbol)
{
	return policy_for(c->pol, c->local->venue, symbol);
}

static inline int attempts_for(const struct plan_ctx *c, const char *key)
{
	size_t i = rk_index_first(&c->ix.attempts, key, NULL);
	return i == RK_INDEX_NONE ? 0 : c->local->attempts[i].finished;
}

static inline enum side reducing_side(struct dec position_qty)
{
	return dec_sign(position_qty) > 0 ? SIDE_SELL : SIDE_BUY;
}

/* ---- lookups (reconcile_index.c): each returns what a scan of the array
 * in order would find first ---- */

/* Builds c->ix from c->local, c->snap and c->inferred; recon_index_free
 * frees it (also after a failed build). */
enum rk_rc recon_index_build(struct plan_ctx *c);
void recon_index_free(struct plan_ctx *c);
/* The first local order that is the same order as `x` (equal symbols, equal
 * non-empty order ids or equal non-empty client order ids), or -1. */
int recon_find_local(const struct plan_ctx *c, const struct order_rec *x);
/* Does the snapshot list the same order as `x`? */
bool recon_on_exchange(const struct plan_ctx *c, const struct order_rec *x);
/* Does the snapshot list an order with this exact order_id (any symbol)? */
bool recon_order_id_listed(const struct plan_ctx *c, const char *order_id);
const struct venue_position *recon_snap_position(const struct plan_ctx *c, const char *symbol);
const struct venue_price *recon_snap_price(const struct plan_ctx *c, const char *symbol);
const struct instrument *recon_snap_instrument(const struct plan_ctx *c, const char *symbol);
const struct local_position *recon_local_position(const struct plan_ctx *c, const char *symbol);

/* A symbol to sort, with its first 8 bytes as a big-endian number so most
 * comparisons read no string, and its place in the input. */
struct sym_key {
	uint64_t prefix;
	const char *symbol;
	size_t i;
};

/* The key of `symbol` at input place i. */
struct sym_key recon_sym_key(const char *symbol, size_t i);
/* Sorts by symbol (strcmp order), then by input place: deterministic. */
void recon_sort_symbols(struct sym_key *v, size_t n);

/* ---- across phases ---- */

/* The journal's position after this pass's fills (phase 3, reconcile_plan.c):
 * protection is planned from it. */
enum rk_rc recon_position_after_pass(struct plan_ctx *c, const char *symbol,
				     struct position_state *out /* OUT */);

/* Phase 4 (reconcile_protect.c): protection per exchange position, in symbol
 * order, then stray stops. */
enum rk_rc recon_phase_protection(struct plan_ctx *c);
/* Reorders the plan so protection runs first (remapping depends_on). */
enum rk_rc recon_order_by_rank(struct plan_ctx *c);
/* The circuit breaker (rule 7) over the ranked plan. */
enum rk_rc recon_apply_breaker(struct plan_ctx *c);

#endif
