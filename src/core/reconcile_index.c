/*
 * reconcile_index.c — the lookups of one pass (reconcile_int.h): every join
 * between the journal's view and the snapshot goes through an rk_index built
 * once per pass, so a pass is O(N) in its inputs instead of a scan of one
 * array per item of another. Each lookup returns what the linear scan it
 * replaces returned: the FIRST matching item in array order (items are added
 * in array order, and rk_index keeps that order per key).
 */
#include "reconcile_int.h"

#include <stdlib.h>

/* ---- key functions (ctx: the plan_ctx) ---- */

static const char *snap_order_id(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->snap->orders[i].order_id;
}

static const char *snap_order_cid(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->snap->orders[i].client_order_id;
}

static const char *snap_order_symbol(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->snap->orders[i].symbol;
}

static const char *local_order_id(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->local->orders[i].rec.order_id;
}

static const char *local_order_cid(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->local->orders[i].rec.client_order_id;
}

static const char *snap_position_symbol(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->snap->positions[i].symbol;
}

static const char *snap_price_symbol(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->snap->prices[i].symbol;
}

static const char *snap_instrument_symbol(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->snap->instruments[i].symbol;
}

static const char *local_position_symbol(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->local->positions[i].symbol;
}

static const char *local_halted_symbol(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->local->halted[i];
}

static const char *pass_halted_symbol(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->halt[i];
}

static const char *attempt_key(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->local->attempts[i].key;
}

static const char *leg_symbol(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->local->legs[i].symbol;
}

static const char *inferred_order_id(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->inferred[i].order_id;
}

static const char *pass_fill_symbol(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->fills[i].f.symbol;
}

static const char *pass_fill_order_id(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->fills[i].f.order_id;
}

static const char *finding_symbol(const void *ctx, size_t i, unsigned part)
{
	(void)part;
	return ((const struct plan_ctx *)ctx)->plan->findings[i].symbol;
}

/* ---- building ---- */

/* Adds items [0, n) to ix; with `nonempty`, only those whose key is not "". */
static bool add_all(struct rk_index *ix, size_t n, bool nonempty)
{
	for (size_t i = 0; i < n; i++)
		if ((!nonempty || ix->key(ix->ctx, i, 0)[0]) && !rk_index_add(ix, i))
			return false;
	return true;
}

enum rk_rc recon_index_build(struct plan_ctx *c)
{
	struct recon_index *x = &c->ix;
	const struct local_state *l = c->local;
	const struct venue_snapshot *s = c->snap;
	rk_index_init(&x->snap_oid, 1, snap_order_id, c);
	rk_index_init(&x->snap_cid, 1, snap_order_cid, c);
	rk_index_init(&x->snap_osym, 1, snap_order_symbol, c);
	rk_index_init(&x->local_oid, 1, local_order_id, c);
	rk_index_init(&x->local_cid, 1, local_order_cid, c);
	rk_index_init(&x->snap_pos, 1, snap_position_symbol, c);
	rk_index_init(&x->snap_px, 1, snap_price_symbol, c);
	rk_index_init(&x->snap_inst, 1, snap_instrument_symbol, c);
	rk_index_init(&x->local_pos, 1, local_position_symbol, c);
	rk_index_init(&x->local_halt, 1, local_halted_symbol, c);
	rk_index_init(&x->pass_halt, 1, pass_halted_symbol, c);
	rk_index_init(&x->attempts, 1, attempt_key, c);
	rk_index_init(&x->legs, 1, leg_symbol, c);
	rk_index_init(&x->inferred, 1, inferred_order_id, c);
	rk_index_init(&x->fill_sym, 1, pass_fill_symbol, c);
	rk_index_init(&x->fill_oid, 1, pass_fill_order_id, c);
	rk_index_init(&x->missing_fill_sym, 1, finding_symbol, c);
	x->built = true;
	if (!add_all(&x->snap_oid, s->norders, false) || !add_all(&x->snap_cid, s->norders, true) ||
	    !add_all(&x->snap_osym, s->norders, false) ||
	    !add_all(&x->local_oid, l->norders, true) || !add_all(&x->local_cid, l->norders, true) ||
	    !add_all(&x->snap_pos, s->npositions, false) ||
	    !add_all(&x->snap_px, s->nprices, false) ||
	    !add_all(&x->snap_inst, s->ninstruments, false) ||
	    !add_all(&x->local_pos, l->npositions, false) ||
	    !add_all(&x->local_halt, l->halted ? l->nhalted : 0, false) ||
	    !add_all(&x->attempts, l->nattempts, false) || !add_all(&x->legs, l->nlegs, false) ||
	    !add_all(&x->inferred, l->ninferred, false))
		return recon_oom(c);
	return RK_OK;
}

void recon_index_free(struct plan_ctx *c)
{
	struct recon_index *x = &c->ix;
	struct rk_index *all[] = {&x->snap_oid,   &x->snap_cid,  &x->snap_osym, &x->local_oid,
				  &x->local_cid,  &x->snap_pos,  &x->snap_px,   &x->snap_inst,
				  &x->local_pos,  &x->local_halt, &x->pass_halt, &x->attempts,
				  &x->legs,       &x->inferred,  &x->fill_sym,  &x->fill_oid,
				  &x->missing_fill_sym};
	if (!x->built)
		return;
	for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
		rk_index_free(all[i]);
	x->built = false;
}

/* ---- lookups ---- */

/* The first item of chain `i` (of an order index) whose order has `symbol`. */
static size_t first_with_symbol(const struct rk_index *ix, size_t i, const struct order_rec *base,
				size_t stride, const char *symbol)
{
	for (; i != RK_INDEX_NONE; i = rk_index_next(ix, i)) {
		const struct order_rec *o =
			(const struct order_rec *)(const void *)((const char *)base + i * stride);
		if (strcmp(o->symbol, symbol) == 0)
			return i;
	}
	return RK_INDEX_NONE;
}

/* Same order as `x` (equal symbols, and equal non-empty exchange ids or
 * equal non-empty client ids): the first such item of one side, or NONE. */
static size_t first_same_order(const struct rk_index *by_id, const struct rk_index *by_cid,
			       const struct order_rec *base, size_t stride,
			       const struct order_rec *x)
{
	size_t a = RK_INDEX_NONE, b = RK_INDEX_NONE;
	if (x->order_id[0])
		a = first_with_symbol(by_id, rk_index_first(by_id, x->order_id, NULL), base, stride,
				      x->symbol);
	if (x->client_order_id[0])
		b = first_with_symbol(by_cid, rk_index_first(by_cid, x->client_order_id, NULL), base,
				      stride, x->symbol);
	return a < b ? a : b;
}

int recon_find_local(const struct plan_ctx *c, const struct order_rec *x)
{
	size_t j = first_same_order(&c->ix.local_oid, &c->ix.local_cid,
				    c->local->norders ? &c->local->orders[0].rec : NULL,
				    sizeof *c->local->orders, x);
	return j == RK_INDEX_NONE ? -1 : (int)j;
}

bool recon_on_exchange(const struct plan_ctx *c, const struct order_rec *x)
{
	return first_same_order(&c->ix.snap_oid, &c->ix.snap_cid, c->snap->orders,
				sizeof *c->snap->orders, x) != RK_INDEX_NONE;
}

bool recon_order_id_listed(const struct plan_ctx *c, const char *order_id)
{
	return rk_index_first(&c->ix.snap_oid, order_id, NULL) != RK_INDEX_NONE;
}

const struct venue_position *recon_snap_position(const struct plan_ctx *c, const char *symbol)
{
	size_t i = rk_index_first(&c->ix.snap_pos, symbol, NULL);
	return i == RK_INDEX_NONE ? NULL : &c->snap->positions[i];
}

const struct venue_price *recon_snap_price(const struct plan_ctx *c, const char *symbol)
{
	size_t i = rk_index_first(&c->ix.snap_px, symbol, NULL);
	return i == RK_INDEX_NONE ? NULL : &c->snap->prices[i];
}

const struct instrument *recon_snap_instrument(const struct plan_ctx *c, const char *symbol)
{
	size_t i = rk_index_first(&c->ix.snap_inst, symbol, NULL);
	return i == RK_INDEX_NONE ? NULL : &c->snap->instruments[i];
}

const struct local_position *recon_local_position(const struct plan_ctx *c, const char *symbol)
{
	size_t i = rk_index_first(&c->ix.local_pos, symbol, NULL);
	return i == RK_INDEX_NONE ? NULL : &c->local->positions[i];
}

/* ---- sorting symbols ---- */

struct sym_key recon_sym_key(const char *symbol, size_t i)
{
	struct sym_key k = {.prefix = 0, .symbol = symbol, .i = i};
	size_t n = 0;
	for (; n < 8 && symbol[n]; n++)
		k.prefix = k.prefix << 8 | (unsigned char)symbol[n];
	k.prefix <<= 8 * (8 - n); /* shorter sorts first, as strcmp's NUL does */
	return k;
}

static int cmp_sym_key(const void *a, const void *b)
{
	const struct sym_key *x = a, *y = b;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	int k = strcmp(x->symbol, y->symbol);
	return k ? k : (x->i > y->i) - (x->i < y->i);
}

void recon_sort_symbols(struct sym_key *v, size_t n)
{
	if (n > 1)
		qsort(v, n, sizeof *v, cmp_sym_key);
}
