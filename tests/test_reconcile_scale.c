/*
 * test_reconcile_scale.c — the planner on a large generated input: the plan
 * it makes is the plan it made before its lookups were indexed, and what it
 * only looks up (positions, prices, instruments, attempts, halts, legs) may
 * come in any order without changing the plan.
 *
 * The input has a few thousand symbols, each in one of the situations
 * test_reconcile.c specifies one at a time (a sound stop, none, a wrong size,
 * a stop through the price, duplicates, orphans, stale orders, orders known
 * only by client id, fill regressions, missing and inferred fills,
 * exchange-only and journal-only positions, stray stops, halted symbols,
 * earlier attempts, take-profit legs, order ids reused across symbols), with
 * the orders of every symbol interleaved. Each plan is written out as text
 * (every finding and action field that reaches the journal or the venue) and
 * hashed. The expected hashes were computed by the planner as it was before
 * its lookups were indexed (commit 95b8d11, where every join was a scan); a
 * change to them is a change of behaviour, not of speed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "reconcile.h"
#include "rk_buf.h"
#include "tu_core.h"

#define NOW_US ((int64_t)1763866000 * 1000000)
#define NSYM 3000
#define CASES 20

struct big {
	struct local_state local;
	struct venue_snapshot snap;
	struct venue_caps caps;
	struct recon_plan plan;
	size_t cap;
};

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005u + 1442695040888963407u;
	return *s >> 33;
}

static void big_alloc(struct big *b, size_t cap)
{
	memset(b, 0, sizeof *b);
	b->cap = cap;
	b->local.orders = calloc(cap, sizeof *b->local.orders);
	b->local.positions = calloc(cap, sizeof *b->local.positions);
	b->local.attempts = calloc(cap, sizeof *b->local.attempts);
	b->local.legs = calloc(cap, sizeof *b->local.legs);
	b->local.inferred = calloc(cap, sizeof *b->local.inferred);
	b->local.halted = calloc(cap, sizeof *b->local.halted);
	b->local.fill_known = calloc(cap, sizeof *b->local.fill_known);
	b->snap.orders = calloc(cap, sizeof *b->snap.orders);
	b->snap.positions = calloc(cap, sizeof *b->snap.positions);
	b->snap.fills = calloc(cap, sizeof *b->snap.fills);
	b->snap.prices = calloc(cap, sizeof *b->snap.prices);
	b->snap.instruments = calloc(cap, sizeof *b->snap.instruments);
	assert_true(b->local.orders && b->local.positions && b->local.attempts && b->local.legs &&
		    b->local.inferred && b->local.halted && b->local.fill_known && b->snap.orders &&
		    b->snap.positions && b->snap.fills && b->snap.prices && b->snap.instruments);
}

static void big_free(struct big *b)
{
	free(b->local.orders);
	free(b->local.positions);
	free(b->local.attempts);
	free(b->local.legs);
	free(b->local.inferred);
	free(b->local.halted);
	free((void *)b->local.fill_known);
	free(b->snap.orders);
	free(b->snap.positions);
	free(b->snap.fills);
	free(b->snap.prices);
	free(b->snap.instruments);
	recon_plan_free(&b->plan);
}

/* ---- building the input ---- */

static void put_position(struct big *b, const char *sym, const char *qty, const char *entry)
{
	struct venue_position *p = &b->snap.positions[b->snap.npositions++];
	snprintf(p->symbol, sizeof p->symbol, "%s", sym);
	p->qty = tu_dec(qty);
	if (entry) {
		p->has_entry = true;
		p->entry_price = tu_dec(entry);
	}
}

static void put_price(struct big *b, const char *sym, const char *last)
{
	struct venue_price *px = &b->snap.prices[b->snap.nprices++];
	snprintf(px->symbol, sizeof px->symbol, "%s", sym);
	px->last = tu_dec(last);
}

static void put_instrument(struct big *b, const char *sym)
{
	struct instrument *in = &b->snap.instruments[b->snap.ninstruments++];
	snprintf(in->symbol, sizeof in->symbol, "%s", sym);
	in->tick_size = tu_dec("0.01");
	in->step_size = tu_dec("0.001");
	in->min_qty = tu_dec("0.001");
	in->min_notional = tu_dec("5");
}

static void put_local_position(struct big *b, const char *sym, const char *qty, const char *avg)
{
	struct local_position *p = &b->local.positions[b->local.npositions++];
	snprintf(p->symbol, sizeof p->symbol, "%s", sym);
	p->qty = tu_dec(qty);
	if (avg) {
		p->has_avg = true;
		p->avg_entry = tu_dec(avg);
	}
}

static struct order_rec order(const struct big *b, const char *sym, const char *id,
			      const char *cid, enum side side, enum order_type type, const char *qty,
			      const char *price, const char *stop)
{
	struct order_rec o;
	memset(&o, 0, sizeof o);
	o.venue = b->local.venue;
	snprintf(o.account, sizeof o.account, "default");
	snprintf(o.symbol, sizeof o.symbol, "%s", sym);
	snprintf(o.order_id, sizeof o.order_id, "%s", id);
	snprintf(o.client_order_id, sizeof o.client_order_id, "%s", cid ? cid : "");
	o.side = side;
	o.type = type;
	o.status = OSTATUS_OPEN;
	o.qty = tu_dec(qty);
	if (price) {
		o.has_price = true;
		o.price = tu_dec(price);
	}
	if (stop) {
		o.has_stop_price = true;
		o.stop_price = tu_dec(stop);
	}
	return o;
}

static struct order_rec *exch_order(struct big *b, struct order_rec o)
{
	struct order_rec *x = &b->snap.orders[b->snap.norders++];
	*x = o;
	return x;
}

static struct local_order *local_order(struct big *b, struct order_rec o)
{
	struct local_order *lo = &b->local.orders[b->local.norders++];
	memset(lo, 0, sizeof *lo);
	lo->rec = o;
	lo->fills_qty = o.has_filled_qty ? o.filled_qty : dec_zero();
	return lo;
}

static void both(struct big *b, struct order_rec o)
{
	exch_order(b, o);
	local_order(b, o);
}

static void exch_fill(struct big *b, const char *sym, const char *id, const char *order_id,
		      enum side side, const char *qty, bool known)
{
	struct fill_rec *f = &b->snap.fills[b->snap.nfills];
	memset(f, 0, sizeof *f);
	f->venue = b->local.venue;
	snprintf(f->account, sizeof f->account, "default");
	snprintf(f->symbol, sizeof f->symbol, "%s", sym);
	snprintf(f->fill_id, sizeof f->fill_id, "%s", id);
	snprintf(f->order_id, sizeof f->order_id, "%s", order_id);
	snprintf(f->ts, sizeof f->ts, "2025-11-23T02:00:00Z");
	f->side = side;
	f->qty = tu_dec(qty);
	f->price = tu_dec("100");
	((bool *)b->local.fill_known)[b->snap.nfills++] = known;
}

/* A long of 2 at 100 the journal agrees with, priced at `last`. */
static void held(struct big *b, const char *sym, const char *last)
{
	put_position(b, sym, "2", b->caps.is_futures ? "100" : NULL);
	put_price(b, sym, last);
	put_local_position(b, sym, "2", "100");
}

static enum order_type stop_type(const struct big *b)
{
	return b->caps.is_futures ? OTYPE_STOP_MARKET : OTYPE_STOP_LIMIT;
}

static void stop(struct big *b, const char *sym, const char *id, const char *qty,
		 const char *level)
{
	both(b, order(b, sym, id, NULL, SIDE_SELL, stop_type(b), qty,
		      b->caps.is_futures ? NULL : level, level));
}

/* Symbol i in situation i % CASES. */
static void symbol_case(struct big *b, size_t i)
{
	char sym[MODEL_SYM_MAX], id[MODEL_ID_MAX], id2[MODEL_ID_MAX], cid[MODEL_ID_MAX];
	const char *quote = b->caps.is_futures ? "USDT" : "-USD";
	snprintf(sym, sizeof sym, "S%05zu%s", (i * 7919) % 100000, quote);
	snprintf(id, sizeof id, "o%zu", i);
	snprintf(id2, sizeof id2, "p%zu", i);
	snprintf(cid, sizeof cid, "c%zu", i);
	if (i % 5 != 0)
		put_instrument(b, sym);
	switch (i % CASES) {
	case 0: /* a sound stop */
		held(b, sym, "100");
		stop(b, sym, id, "2", "90");
		break;
	case 1: /* no stop */
		held(b, sym, "101");
		break;
	case 2: /* a stop of the wrong size */
		held(b, sym, "100");
		stop(b, sym, id, "1", "90");
		break;
	case 3: /* an orphan beside a sound stop */
		held(b, sym, "100");
		stop(b, sym, id, "2", "90");
		exch_order(b, order(b, sym, id2, NULL, i % 2 ? SIDE_BUY : SIDE_SELL, OTYPE_LIMIT,
				    "1", "95", NULL));
		break;
	case 4: { /* a stale local order */
		held(b, sym, "100");
		stop(b, sym, id, "2", "90");
		struct local_order *lo =
			local_order(b, order(b, sym, id2, NULL, SIDE_BUY, OTYPE_LIMIT, "1", "95", NULL));
		lo->missing_passes = (int)(i % 4);
		lo->missing_since_us = i % 3 ? NOW_US - (int64_t)(i % 3) * 3600 * 1000000 : 0;
		lo->lookup_failures = (int)(i % 2);
		lo->last_lookup_us = lo->lookup_failures ? NOW_US - 30 * 1000000 : 0;
		break;
	}
	case 5: { /* a stop the journal knows by client order id only */
		held(b, sym, "100");
		struct order_rec o = order(b, sym, id, cid, SIDE_SELL, stop_type(b), "2",
					   b->caps.is_futures ? NULL : "90", "90");
		exch_order(b, o);
		snprintf(o.order_id, sizeof o.order_id, "%s", id2);
		local_order(b, o);
		break;
	}
	case 6: { /* a fill regression: the symbol halts */
		held(b, sym, "100");
		struct order_rec o = order(b, sym, id, NULL, SIDE_BUY, OTYPE_LIMIT, "3", "95", NULL);
		o.has_filled_qty = true;
		o.filled_qty = tu_dec("1");
		exch_order(b, o);
		o.filled_qty = tu_dec("2");
		local_order(b, o);
		break;
	}
	case 7: /* a listed fill the journal lacks */
		put_position(b, sym, "3", b->caps.is_futures ? "100" : NULL);
		put_price(b, sym, "100");
		put_local_position(b, sym, "2", "100");
		exch_fill(b, sym, id2, id, SIDE_BUY, "1", false);
		exch_fill(b, sym, cid, id, SIDE_BUY, "2", true);
		break;
	case 8: { /* filled further than the journal's fills: an inferred fill */
		held(b, sym, "100");
		stop(b, sym, id2, "2", "90");
		struct order_rec o = order(b, sym, id, NULL, SIDE_SELL, OTYPE_LIMIT, "3", "120", NULL);
		o.has_filled_qty = true;
		o.filled_qty = tu_dec("1");
		local_order(b, o)->fills_qty = dec_zero();
		o.filled_qty = tu_dec("2");
		exch_order(b, o);
		break;
	}
	case 9: /* an exchange-only position */
		put_position(b, sym, i % 2 ? "-4" : "4", i % 3 ? "50" : NULL);
		put_price(b, sym, "55");
		break;
	case 10: /* a journal-only position */
		put_local_position(b, sym, "1.5", "80");
		break;
	case 11: /* a stray stop on a flat position */
		exch_order(b, order(b, sym, id, NULL, SIDE_SELL, stop_type(b), "1",
				    b->caps.is_futures ? NULL : "90", "90"));
		b->snap.orders[b->snap.norders - 1].reduce_only = true;
		break;
	case 12: /* duplicate stops */
		held(b, sym, "100");
		stop(b, sym, id, "2", "90");
		stop(b, sym, id2, "2", "91");
		break;
	case 13: /* halted by an earlier regression, and no stop */
		held(b, sym, "100");
		snprintf(b->local.halted[b->local.nhalted++], MODEL_SYM_MAX, "%s", sym);
		break;
	case 14: { /* a listed fill superseding the order's inferred fill */
		put_position(b, sym, "2", b->caps.is_futures ? "100" : NULL);
		put_price(b, sym, "100");
		put_local_position(b, sym, "2", "100");
		struct local_inferred *in = &b->local.inferred[b->local.ninferred++];
		snprintf(in->order_id, sizeof in->order_id, "%s", id);
		in->qty = tu_dec("1");
		exch_fill(b, sym, id2, id, SIDE_BUY, "1.5", false);
		break;
	}
	case 15: { /* earlier attempts, and an order id another symbol uses too */
		held(b, sym, "100");
		struct local_attempts *a = &b->local.attempts[b->local.nattempts++];
		snprintf(a->key, sizeof a->key, "missing_stop:%s:default:%s",
			 venue_name(b->local.venue), sym);
		a->finished = (int)(i % 3) + 1;
		struct order_rec o = order(b, sym, "shared-id", NULL, SIDE_BUY, OTYPE_LIMIT, "2", "90",
					   NULL);
		o.has_filled_qty = true;
		o.filled_qty = tu_dec("0.5");
		local_order(b, o)->fills_qty = tu_dec("0.5");
		o.filled_qty = tu_dec("1.5");
		exch_order(b, o);
		exch_fill(b, sym, id2, "shared-id", SIDE_BUY, "0.25", false);
		break;
	}
	case 16: /* a stop the price is through */
		held(b, sym, "100");
		stop(b, sym, id, "2", "105");
		break;
	case 17: /* a take-profit limit holding the balance, no stop */
		held(b, sym, "100");
		both(b, order(b, sym, id, NULL, SIDE_SELL, OTYPE_LIMIT, "1", "120", NULL));
		break;
	case 18: { /* a leg reckon cancelled whose bracket never came */
		held(b, sym, "100");
		stop(b, sym, id, "1", "90");
		struct local_leg *l = &b->local.legs[b->local.nlegs++];
		snprintf(l->key, sizeof l->key, "blocking_order:%s:default:%s:%s",
			 venue_name(b->local.venue), sym, id2);
		snprintf(l->symbol, sizeof l->symbol, "%s", sym);
		snprintf(l->order_id, sizeof l->order_id, "%s", id2);
		l->side = SIDE_SELL;
		l->qty = tu_dec("1");
		l->price = tu_dec("130");
		l->cancel_action_id = (int64_t)i;
		break;
	}
	case 19: /* no stop, and an unknown market exit for the whole position */
		held(b, sym, "100");
		exch_order(b, order(b, sym, id, NULL, SIDE_SELL, OTYPE_MARKET, "2", NULL, NULL));
		break;
	}
}

static void shuffle(void *v, size_t n, size_t size, uint64_t *seed);

/* The whole input for one venue shape, its orders interleaved. */
static void generate(struct big *b, bool futures)
{
	uint64_t seed = futures ? 7 : 11;
	big_alloc(b, 4 * NSYM + 8);
	b->local.venue = futures ? VENUE_BINANCE_USDM : VENUE_COINBASE;
	snprintf(b->local.account, sizeof b->local.account, "default");
	snprintf(b->local.journal_id, sizeof b->local.journal_id, "%s", "ab12");
	b->local.now_us = NOW_US;
	b->local.destructive_last_hour = 3;
	b->snap.complete = true;
	b->snap.taken_at_us = NOW_US;
	b->caps = (struct venue_caps){.is_futures = futures, .orders_hold_balance = !futures,
				      .has_bracket = !futures};
	for (size_t i = 0; i < NSYM; i++)
		symbol_case(b, i);
	shuffle(b->snap.orders, b->snap.norders, sizeof *b->snap.orders, &seed);
	shuffle(b->local.orders, b->local.norders, sizeof *b->local.orders, &seed);
}

/* ---- the plan as text ---- */

static void dec_text(struct rk_buf *t, const char *name, struct dec d)
{
	char s[DEC_STR_MAX];
	rk_buf_addf(t, " %s=%s", name, dec_format(d, s));
}

static void order_text(struct rk_buf *t, const struct order_rec *o)
{
	rk_buf_addf(t, " order[%s %s %s %s %s %s %d %d %d]", o->symbol, o->order_id,
		    o->client_order_id, side_name(o->side), order_type_name(o->type),
		    purpose_name(o->purpose), (int)o->status, o->reduce_only, o->has_price);
	dec_text(t, "qty", o->qty);
	dec_text(t, "price", o->price);
	dec_text(t, "stop", o->stop_price);
	dec_text(t, "filled", o->filled_qty);
}

static void req_text(struct rk_buf *t, const struct venue_order_req *r)
{
	rk_buf_addf(t, " req[%s %s %s %s %s %d %d %d %d]", r->symbol, r->client_order_id,
		    side_name(r->side), order_type_name(r->type), purpose_name(r->purpose),
		    r->reduce_only, r->close_position, r->has_price, r->has_stop_price);
	dec_text(t, "qty", r->qty);
	dec_text(t, "price", r->price);
	dec_text(t, "stop", r->stop_price);
}

/* SHA-256 (hex) of every field of the plan that reaches the journal or a venue. */
static void plan_hash(const struct recon_plan *p, char hex[DIGEST_SHA256_HEX])
{
	struct rk_buf t = {0};
	rk_buf_addf(&t, "complete=%d reason=%s\n", p->complete, p->reason);
	for (size_t i = 0; i < p->nfindings; i++) {
		const struct finding *f = &p->findings[i];
		rk_buf_addf(&t, "F %s %s %s %s %s\n", finding_kind_name(f->kind), f->symbol,
			    f->order_id, f->key, f->detail);
	}
	for (size_t i = 0; i < p->nactions; i++) {
		const struct action *a = &p->actions[i];
		rk_buf_addf(&t, "A %s %s %zu %d %s %s %d %d %d", action_kind_name(a->kind),
			    action_status_name(a->status), a->finding, a->depends_on, a->symbol,
			    a->order_id, a->attempt, a->through_stop, a->has_entry);
		dec_text(&t, "entry", a->entry);
		req_text(&t, &a->req);
		order_text(&t, &a->order);
		rk_buf_addf(&t, " fill[%s %s %s %s %s %d]", a->fill.symbol, a->fill.fill_id,
			    a->fill.order_id, a->fill.ts, side_name(a->fill.side), a->fill.inferred);
		dec_text(&t, "qty", a->fill.qty);
		dec_text(&t, "price", a->fill.price);
		rk_buf_addf(&t, " note=%s\n", a->note);
	}
	struct rk_err err = {0};
	if (rk_buf_status(&t, &err) != RK_OK)
		fail_msg("%s", err.msg);
	assert_true(digest_sha256_hex(rk_buf_str(&t), t.len, hex));
	rk_buf_free(&t);
}

static void plan_with(struct big *b, const char *policy_json, struct recon_plan *out)
{
	struct policy *pol = NULL;
	struct rk_err err = {0};
	if ((policy_json ? policy_parse(policy_json, &pol, &err) : policy_default(&pol, &err)) !=
	    RK_OK)
		fail_msg("policy: %s", err.msg);
	if (reconcile_plan(&b->local, &b->snap, &b->caps, pol, out, &err) != RK_OK)
		fail_msg("reconcile_plan: %s", err.msg);
	policy_free(pol);
}

static const char *const LENIENT =
	"{\"defaults\":{\"max_destructive_per_pass\":100000,\"max_destructive_per_hour\":100000,"
	"\"orphans\":\"cancel\",\"stale_min_passes\":1,\"stale_quiet_seconds\":0}}";

/* Prints the hashes (to update the expectations after a deliberate change). */
static void check(const char *what, const struct recon_plan *p, const char *want)
{
	char hex[DIGEST_SHA256_HEX];
	plan_hash(p, hex);
	printf("# %s: %zu findings, %zu actions, plan %s\n", what, p->nfindings, p->nactions, hex);
	assert_string_equal(hex, want);
}

/* ---- tests ---- */

/* Expected: the planner of commit 95b8d11 (every join a scan) on this input. */
#define WANT_FUTURES_DEFAULT "3f4ebe2cad282f04fff6ac53cec5dd0497bf873ff5c4482aa0b284717cf12269"
#define WANT_FUTURES_LENIENT "3aebdbea4d19a43da7809aa9f8cea37100879d5cc43eaef5d563a52ca89b0828"
#define WANT_SPOT_DEFAULT "606e41587b4f18d7b88da1d5ad3ea98d5a173d200d0bfec9a62ff50203038e1b"
#define WANT_SPOT_LENIENT "5cc7d257d92e357ea441e072ace1b0cc41a4e8f09453b64631ee74d9045b97e6"

static void test_large_plan_is_the_plan_before_indexing(void **state)
{
	(void)state;
	for (int futures = 1; futures >= 0; futures--) {
		struct big b;
		struct recon_plan lenient = {0};
		generate(&b, futures);
		plan_with(&b, NULL, &b.plan);
		plan_with(&b, LENIENT, &lenient);
		assert_true(b.plan.nfindings > NSYM / 2);
		assert_true(lenient.nactions > NSYM / 4);
		check(futures ? "futures, default policy" : "spot, default policy", &b.plan,
		      futures ? WANT_FUTURES_DEFAULT : WANT_SPOT_DEFAULT);
		check(futures ? "futures, lenient policy" : "spot, lenient policy", &lenient,
		      futures ? WANT_FUTURES_LENIENT : WANT_SPOT_LENIENT);
		recon_plan_free(&lenient);
		big_free(&b);
	}
}

/* Fisher-Yates over n elements of `size` bytes. */
static void shuffle(void *v, size_t n, size_t size, uint64_t *seed)
{
	char *a = v, *t = malloc(size ? size : 1);
	assert_non_null(t);
	for (size_t i = n; i > 1; i--) {
		size_t j = (size_t)(lcg(seed) % i);
		memcpy(t, a + (i - 1) * size, size);
		memcpy(a + (i - 1) * size, a + j * size, size);
		memcpy(a + j * size, t, size);
	}
	free(t);
}

#define SHUFFLE(v, n, seed) shuffle((v), (n), sizeof *(v), (seed))

/* What the planner only looks up by key may come in any order. */
static void test_lookup_only_inputs_in_any_order_give_the_same_plan(void **state)
{
	(void)state;
	for (int futures = 1; futures >= 0; futures--) {
		struct big b;
		struct recon_plan shuffled = {0};
		char h1[DIGEST_SHA256_HEX], h2[DIGEST_SHA256_HEX];
		uint64_t seed = 99;
		generate(&b, futures);
		plan_with(&b, LENIENT, &b.plan);
		SHUFFLE(b.local.positions, b.local.npositions, &seed);
		SHUFFLE(b.snap.prices, b.snap.nprices, &seed);
		SHUFFLE(b.snap.instruments, b.snap.ninstruments, &seed);
		SHUFFLE(b.local.attempts, b.local.nattempts, &seed);
		SHUFFLE(b.local.halted, b.local.nhalted, &seed);
		SHUFFLE(b.local.legs, b.local.nlegs, &seed);
		plan_with(&b, LENIENT, &shuffled);
		plan_hash(&b.plan, h1);
		plan_hash(&shuffled, h2);
		assert_string_equal(h1, h2);
		recon_plan_free(&shuffled);
		big_free(&b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_large_plan_is_the_plan_before_indexing),
		cmocka_unit_test(test_lookup_only_inputs_in_any_order_give_the_same_plan),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
