/*
 * test_audit_gaps.c — protection gaps from the events alone
 * (src/journal/audit_gaps.c): a position is unprotected from the fill that
 * opens it until a stop covering it is acknowledged; a cancelled or
 * triggered stop opens a gap again; the venue's dust finding ends one; the
 * selection clips and filters. And the property: over random event streams
 * (orders, fills, stops that come and go, inferred fills, reconciliation runs
 * with dust findings and the exchange's positions, timestamps that go
 * backwards), audit_gaps equals a brute-force recomputation that, after
 * every single event, judges every position from the materialized tables
 * the projections wrote.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_gaps.h"
#include "events.h"
#include "journal.h"
#include "record.h"
#include "rk_array.h"
#include "rtime.h"
#include "testutil.h"

struct fixture {
	char path[128];
	struct journal *j;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	assert_non_null(fx);
	fx->j = tu_open_temp_journal(fx->path, sizeof fx->path);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	journal_close(fx->j);
	tu_remove_db(fx->path);
	free(fx);
	return 0;
}

/* ---- a small language of events ------------------------------------------- */

static void ingest(struct journal *j, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof line, fmt, ap);
	va_end(ap);
	char why[512];
	enum ingest_outcome oc = tu_ingest(j, line, why, sizeof why);
	if (oc == INGEST_REJECTED)
		fail_msg("rejected: %s: %s", line, why);
}

static void order(struct journal *j, const char *ts, const char *sym, const char *id,
		  const char *side, const char *type, const char *status, const char *qty)
{
	ingest(j,
	       "{\"type\":\"order\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"%s\","
	       "\"order_id\":\"%s\",\"side\":\"%s\",\"order_type\":\"%s\",\"status\":\"%s\","
	       "\"qty\":\"%s\",\"price\":\"1\",\"stop_price\":\"1\"}",
	       ts, sym, id, side, type, status, qty);
}

static void fill(struct journal *j, const char *ts, const char *sym, const char *id,
		 const char *oid, const char *side, const char *qty)
{
	ingest(j,
	       "{\"type\":\"fill\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"%s\","
	       "\"fill_id\":\"%s\",\"order_id\":\"%s\",\"side\":\"%s\",\"qty\":\"%s\","
	       "\"price\":\"1\"}",
	       ts, sym, id, oid, side, qty);
}

/* Appends a reconciler's event; returns its seq. */
static int64_t recon_event(struct journal *j, const char *type, const char *ts, const char *sym,
			   const char *payload)
{
	struct rk_err err = {0};
	enum events_result res;
	int64_t seq = 0;
	struct journal_event ev = {type, "reconcile", ts, "coinbase", "default", sym, payload,
				   NULL, NULL};
	assert_int_equal(journal_begin(j, &err), RK_OK);
	if (events_append(j, &ev, &res, &seq, &err))
		fail_msg("%s: %s", type, err.msg);
	assert_int_equal(journal_commit(j, &err), RK_OK);
	return seq;
}

static int64_t run_start(struct journal *j, const char *ts)
{
	char p[256];
	snprintf(p, sizeof p, "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\","
			      "\"dry_run\":false}", ts);
	return recon_event(j, "recon_run", ts, "", p);
}

static void run_end(struct journal *j, const char *ts, int64_t run)
{
	char p[256];
	snprintf(p, sizeof p, "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\","
			      "\"run_id\":%lld,\"complete\":true}", ts, (long long)run);
	recon_event(j, "recon_run_end", ts, "", p);
}

static void dust(struct journal *j, const char *ts, int64_t run, const char *sym)
{
	char p[512];
	snprintf(p, sizeof p, "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\","
			      "\"run_id\":%lld,\"kind\":\"dust\",\"symbol\":\"%s\",\"key\":"
			      "\"dust:coinbase:default:%s\",\"detail\":\"{}\"}",
		 ts, (long long)run, sym, sym);
	recon_event(j, "finding", ts, sym, p);
}

static int64_t us(const char *ts)
{
	int64_t v = 0;
	struct rk_err err = {0};
	assert_int_equal(rtime_parse(ts, &v, &err), RK_OK);
	return v;
}

static struct audit_gap *gaps(struct journal *j, const struct audit_gap_filter *f, size_t *n)
{
	struct audit_gap *g = NULL;
	struct rk_err err = {0};
	if (audit_gaps(j, f, &g, n, &err))
		fail_msg("audit_gaps: %s", err.msg);
	return g;
}

/* ---- behaviour ---------------------------------------------------------------- */

static void test_position_is_unprotected_from_its_fill_to_its_stop_acknowledged(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	order(j, "2025-01-01T00:00:00Z", "BTC-USD", "e1", "buy", "market", "filled", "2");
	fill(j, "2025-01-01T00:00:01Z", "BTC-USD", "f1", "e1", "buy", "2");
	order(j, "2025-01-01T00:10:01Z", "BTC-USD", "s1", "sell", "stop_market", "open", "2");
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 1);
	assert_string_equal(g[0].symbol, "BTC-USD");
	assert_int_equal(g[0].start_us, us("2025-01-01T00:00:01Z"));
	assert_int_equal(g[0].end_us, us("2025-01-01T00:10:01Z"));
	assert_string_equal(g[0].start_cause, "fill");
	assert_string_equal(g[0].end_cause, "stop_acknowledged");
	assert_int_equal(g[0].start_seq, 2);
	assert_int_equal(g[0].end_seq, 3);
	free(g);
}

static void test_stop_smaller_than_the_position_does_not_protect_it(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	fill(j, "2025-01-01T00:00:01Z", "BTC-USD", "f1", "e1", "buy", "2");
	order(j, "2025-01-01T00:01:00Z", "BTC-USD", "s1", "sell", "stop_market", "open", "1");
	order(j, "2025-01-01T00:02:00Z", "BTC-USD", "s2", "buy", "stop_market", "open", "5");
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].end_us, 0); /* still open: 1 of 2 covered, s2 adds to it */
	assert_string_equal(g[0].end_cause, "");
	free(g);
}

static void test_cancelled_then_triggered_stop_each_open_a_gap(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	fill(j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "buy", "3");
	order(j, "2025-01-01T00:01:00Z", "BTC-USD", "s1", "sell", "stop_limit", "open", "3");
	order(j, "2025-01-01T00:02:00Z", "BTC-USD", "s1", "sell", "stop_limit", "cancelled", "3");
	order(j, "2025-01-01T00:03:00Z", "BTC-USD", "s2", "sell", "bracket", "open", "3");
	fill(j, "2025-01-01T00:04:00Z", "BTC-USD", "f2", "s2", "sell", "1");
	fill(j, "2025-01-01T00:05:00Z", "BTC-USD", "f3", "e1", "buy", "2");
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 3);
	assert_string_equal(g[1].start_cause, "stop_cancelled");
	assert_int_equal(g[1].start_us, us("2025-01-01T00:02:00Z"));
	assert_string_equal(g[1].end_cause, "stop_acknowledged");
	/* The stop's partial trigger leaves 2 of 2 covered; the next buy grows
	 * the position past it. */
	assert_string_equal(g[2].start_cause, "fill");
	assert_int_equal(g[2].start_us, us("2025-01-01T00:05:00Z"));
	assert_int_equal(g[2].end_us, 0);
	free(g);
}

static void test_fully_triggered_stop_closes_the_position_and_the_gap_stays_shut(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	fill(j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "sell", "3"); /* short */
	order(j, "2025-01-01T00:01:00Z", "BTC-USD", "s1", "buy", "stop_market", "open", "3");
	fill(j, "2025-01-01T00:02:00Z", "BTC-USD", "f2", "s1", "buy", "3");
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].end_us, us("2025-01-01T00:01:00Z"));
	free(g);
}

static void test_dust_finding_ends_a_gap_until_a_later_run_stops_saying_so(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	fill(j, "2025-01-01T00:00:00Z", "DOGE-USD", "f1", "e1", "buy", "3");
	int64_t r1 = run_start(j, "2025-01-01T01:00:00Z");
	dust(j, "2025-01-01T01:00:00Z", r1, "DOGE-USD");
	run_end(j, "2025-01-01T01:00:00Z", r1);
	int64_t r2 = run_start(j, "2025-01-01T02:00:00Z");
	run_end(j, "2025-01-01T02:00:00Z", r2);
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 2);
	assert_string_equal(g[0].end_cause, "dust");
	assert_int_equal(g[0].end_us, us("2025-01-01T01:00:00Z"));
	assert_string_equal(g[1].start_cause, "dust_cleared");
	assert_int_equal(g[1].start_us, us("2025-01-01T02:00:00Z"));
	free(g);
}

static void test_late_report_never_runs_an_interval_backwards(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	fill(j, "2025-01-01T05:00:00Z", "BTC-USD", "f1", "e1", "buy", "1");
	/* A venue stamping the stop's report with an earlier time. */
	order(j, "2025-01-01T04:00:00Z", "BTC-USD", "s1", "sell", "stop_market", "open", "1");
	size_t n;
	struct audit_gap *g = gaps(j, NULL, &n);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].start_us, g[0].end_us);
	free(g);
}

static void test_selection_clips_to_the_window_and_filters_the_symbol(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	fill(j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "buy", "1");
	fill(j, "2025-01-01T00:00:00Z", "ETH-USD", "f2", "e2", "buy", "1");
	order(j, "2025-01-01T10:00:00Z", "BTC-USD", "s1", "sell", "stop_market", "open", "1");
	size_t n;
	struct audit_gap_filter f = {"BTC-USD", us("2025-01-01T02:00:00Z"),
				     us("2025-01-01T05:00:00Z")};
	struct audit_gap *g = gaps(j, &f, &n);
	assert_int_equal(n, 1);
	assert_string_equal(g[0].symbol, "BTC-USD");
	assert_int_equal(g[0].start_us, us("2025-01-01T02:00:00Z"));
	assert_int_equal(g[0].end_us, 0); /* open at the window's end */
	free(g);
	f = (struct audit_gap_filter){NULL, us("2025-01-01T11:00:00Z"), 0};
	g = gaps(j, &f, &n);
	assert_int_equal(n, 1); /* BTC's interval ended before the window */
	assert_string_equal(g[0].symbol, "ETH-USD");
	free(g);
}

static void test_failed_read_aborts_instead_of_reading_as_no_gaps(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	fill(j, "2025-01-01T00:00:00Z", "BTC-USD", "f1", "e1", "buy", "1");
	/* An event whose payload is not what its type says. */
	sqlite3_exec(journal_db(j), "DROP TRIGGER events_no_update;"
				    "UPDATE events SET payload = 'x' WHERE seq = 1", NULL, NULL, NULL);
	struct audit_gap *g = NULL;
	size_t n = 99;
	struct rk_err err = {0};
	assert_int_equal(audit_gaps(j, NULL, &g, &n, &err), RK_ECORRUPT);
	assert_non_null(strstr(err.msg, "event 1"));
	assert_null(g);
	assert_int_equal(n, 0);
}

/* ---- the property: equal to a brute force over the tables --------------------- */

static uint64_t rng_state;
static unsigned rnd(unsigned n)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (unsigned)((rng_state >> 33) % n);
}

static const char *const SYMS[] = {"AAA-USD", "BBB-USD"};
#define NSYM 2

struct brute_pos {
	bool in_gap;
	int64_t last_us;
	struct audit_gap cur;
};

/* The judgement after event `seq`, from the tables alone. */
static bool brute_bare(struct journal *j, const char *sym, int64_t seq)
{
	sqlite3 *db = journal_db(j);
	sqlite3_stmt *st;
	char q[64] = "0", eq[64] = "", eo[64] = "";
	int64_t last = 0, run = -1;
	sqlite3_prepare_v2(db, "SELECT qty, last_seq FROM positions WHERE symbol = ?1", -1, &st, 0);
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(q, sizeof q, "%s", sqlite3_column_text(st, 0));
		last = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	sqlite3_prepare_v2(db, "SELECT qty, orderable_qty, run_id FROM exchange_positions"
			       " WHERE symbol = ?1", -1, &st, 0);
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		snprintf(eq, sizeof eq, "%s", sqlite3_column_text(st, 0));
		snprintf(eo, sizeof eo, "%s", sqlite3_column_text(st, 1));
		run = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	bool from_ex = eq[0] && last <= run;
	struct dec qty = tu_dec(from_ex ? eq : q), size = dec_abs(qty), sum = dec_zero();
	if (dec_is_zero(qty))
		return false;
	bool any = false;
	sqlite3_prepare_v2(db, "SELECT qty, filled_qty FROM orders WHERE symbol = ?1 AND side = ?2"
			       " AND status IN ('open', 'partially_filled') AND order_type IN"
			       " ('stop_market', 'stop_limit', 'bracket', 'trailing_stop')", -1, &st, 0);
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, dec_sign(qty) < 0 ? "buy" : "sell", -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct dec oq = tu_dec((const char *)sqlite3_column_text(st, 0)), rem;
		struct dec of = tu_dec((const char *)sqlite3_column_text(st, 1));
		any = true;
		if (dec_sub(oq, of, &rem) != DEC_OK || dec_sign(rem) < 0)
			rem = dec_zero();
		assert_int_equal(dec_add(sum, rem, &sum), DEC_OK);
	}
	sqlite3_finalize(st);
	if (any && (dec_cmp(sum, size) >= 0 || (from_ex && dec_cmp(sum, tu_dec(eo)) >= 0)))
		return false;
	/* Dust: the latest dust finding, no fill since, no later run ended. */
	sqlite3_prepare_v2(db,
			   "SELECT 1 FROM findings f WHERE f.kind = 'dust' AND f.symbol = ?1"
			   " AND f.id = (SELECT max(id) FROM findings WHERE kind = 'dust' AND symbol = ?1)"
			   " AND f.id > COALESCE((SELECT max(seq) FROM fills WHERE symbol = ?1), 0)"
			   " AND NOT EXISTS (SELECT 1 FROM recon_runs r WHERE r.id > f.run_id"
			   "  AND r.finished_at IS NOT NULL)", -1, &st, 0);
	sqlite3_bind_text(st, 1, sym, -1, SQLITE_STATIC);
	bool is_dust = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	(void)seq;
	return !is_dust;
}

typedef RK_ARRAY(struct audit_gap) gap_list;

/* After event `seq` (at `ts_us`): every position judged again. */
static void brute_step(struct journal *j, int64_t seq, int64_t ts_us, struct brute_pos *bp,
		       gap_list *out)
{
	for (int s = 0; s < NSYM; s++) {
		bool bare = brute_bare(j, SYMS[s], seq);
		if (bare == bp[s].in_gap)
			continue;
		int64_t t = ts_us > bp[s].last_us ? ts_us : bp[s].last_us;
		bp[s].last_us = t;
		bp[s].in_gap = bare;
		if (bare) {
			memset(&bp[s].cur, 0, sizeof bp[s].cur);
			snprintf(bp[s].cur.symbol, sizeof bp[s].cur.symbol, "%s", SYMS[s]);
			bp[s].cur.start_us = t;
			bp[s].cur.start_seq = seq;
		} else {
			bp[s].cur.end_us = t;
			bp[s].cur.end_seq = seq;
			struct audit_gap *g = rk_array_push(out);
			assert_non_null(g);
			*g = bp[s].cur;
		}
	}
}

struct gen {
	struct journal *j;
	int64_t t;          /* seconds after 2025-01-01 */
	int norders, nfills;
	int64_t run;        /* the run in progress, 0: none */
};

static const char *ts_of(struct gen *g, char buf[RTIME_STR_MAX])
{
	g->t += (int64_t)rnd(120) - 20; /* now and then backwards */
	return rtime_format(us("2025-01-01T00:00:00Z") + g->t * 1000000, buf);
}

static const char *qty_of(void)
{
	static const char *const Q[] = {"1", "2", "3", "0.5", "5"};
	return Q[rnd(5)];
}

/* Appends one random event, or a line the journal refuses (nothing). */
static void gen_step(struct gen *g)
{
	char ts[RTIME_STR_MAX], id[32], fid[32], line[1024], why[256];
	const char *sym = SYMS[rnd(NSYM)];
	static const char *const TYPES[] = {"stop_market", "stop_limit", "bracket", "trailing_stop",
					    "limit", "market"};
	static const char *const ST[] = {"open", "partially_filled", "filled", "cancelled",
					 "expired", "rejected"};
	unsigned what = rnd(10);
	ts_of(g, ts);
	snprintf(id, sizeof id, "o%d", what < 4 || g->norders == 0 ? ++g->norders
								    : 1 + (int)rnd((unsigned)g->norders));
	if (what < 6) { /* an order report, new or of a known order */
		snprintf(line, sizeof line,
			 "{\"type\":\"order\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"%s\","
			 "\"order_id\":\"%s\",\"side\":\"%s\",\"order_type\":\"%s\",\"status\":\"%s\","
			 "\"qty\":\"%s\",\"price\":\"1\",\"stop_price\":\"1\"}",
			 ts, sym, id, rnd(2) ? "buy" : "sell", TYPES[rnd(6)], ST[rnd(4) ? 0 : rnd(6)],
			 qty_of());
		tu_ingest(g->j, line, why, sizeof why);
	} else if (what < 9) { /* a fill, real or (1 in 4) inferred */
		snprintf(fid, sizeof fid, "%sf%d", rnd(4) ? "" : "inferred:", ++g->nfills);
		snprintf(line, sizeof line,
			 "{\"type\":\"fill\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"%s\","
			 "\"fill_id\":\"%s\",\"order_id\":\"%s\",\"side\":\"%s\",\"qty\":\"%s\","
			 "\"price\":\"1\"%s}",
			 ts, sym, fid, id, rnd(2) ? "buy" : "sell", qty_of(),
			 strncmp(fid, "inferred:", 9) == 0 ? ",\"inferred\":true" : "");
		if (strncmp(fid, "inferred:", 9) != 0) {
			tu_ingest(g->j, line, why, sizeof why);
			return;
		}
		struct fill_rec f;
		struct rk_err err = {0};
		enum events_result res;
		assert_int_equal(record_fill_from_text(line, &f, &err), RK_OK);
		assert_int_equal(journal_begin(g->j, &err), RK_OK);
		if (events_append_fill(g->j, &f, "reconcile", &res, &err))
			journal_rollback(g->j);
		else
			assert_int_equal(journal_commit(g->j, &err), RK_OK);
	} else if (!g->run) {
		g->run = run_start(g->j, ts);
	} else { /* within a run: dust, the exchange's positions, or its end */
		unsigned k = rnd(3);
		if (k == 0) {
			dust(g->j, ts, g->run, sym);
		} else if (k == 1) {
			char p[512];
			snprintf(p, sizeof p,
				 "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\","
				 "\"run_id\":%lld,\"positions\":[{\"symbol\":\"%s\",\"qty\":\"%s%s\","
				 "\"orderable_qty\":\"%s\"}]}",
				 ts, (long long)g->run, sym, rnd(2) ? "-" : "", qty_of(), qty_of());
			recon_event(g->j, "exchange_positions", ts, "", rnd(3) ? p :
				    "{\"venue\":\"coinbase\",\"account\":\"default\",\"positions\":[]}");
		} else {
			run_end(g->j, ts, g->run);
			g->run = 0;
		}
	}
}

static int gap_order(const void *a, const void *b)
{
	const struct audit_gap *x = a, *y = b;
	int c = strcmp(x->symbol, y->symbol);
	return c ? c : (x->start_seq > y->start_seq) - (x->start_seq < y->start_seq);
}

static void test_gaps_equal_a_brute_force_over_the_tables_on_random_streams(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	for (uint64_t seed = 1; seed <= 60; seed++) {
		/* A fresh journal per stream. */
		journal_close(j);
		struct fixture *fx = *state;
		tu_remove_db(fx->path);
		fx->j = j = tu_open_temp_journal(fx->path, sizeof fx->path);
		/* Thousands of one-event transactions: durability is not under test. */
		sqlite3_exec(journal_db(j), "PRAGMA synchronous = OFF", 0, 0, 0);
		rng_state = seed;
		struct gen g = {j, 0, 0, 0, 0};
		struct brute_pos bp[NSYM] = {0};
		gap_list want = {0};
		int64_t seen = 0;
		for (int step = 0; step < 200; step++) {
			gen_step(&g);
			int64_t last = tu_query_int(j, "SELECT COALESCE(max(seq), 0) FROM events");
			if (last == seen)
				continue; /* refused: nothing appended */
			assert_int_equal(last, seen + 1);
			seen = last;
			char ts[64], sql[96];
			snprintf(sql, sizeof sql, "SELECT ts FROM events WHERE seq = %lld",
				 (long long)last);
			tu_query_text(j, sql, ts, sizeof ts);
			brute_step(j, last, us(ts), bp, &want);
		}
		for (int s = 0; s < NSYM; s++)
			if (bp[s].in_gap) {
				struct audit_gap *x = rk_array_push(&want);
				assert_non_null(x);
				*x = bp[s].cur;
			}
		size_t n;
		struct audit_gap *got = gaps(j, NULL, &n);
		if (n != want.n)
			fail_msg("seed %llu: %zu gaps, brute force %zu", (unsigned long long)seed, n,
				 want.n);
		if (getenv("GAPS_DEBUG"))
			fprintf(stderr, "seed %llu: %lld events, %zu gaps\n", (unsigned long long)seed,
				(long long)seen, n);
		qsort(got, n, sizeof *got, gap_order);
		qsort(want.v, n, sizeof *want.v, gap_order);
		for (size_t i = 0; i < n; i++) {
			if (strcmp(got[i].symbol, want.v[i].symbol) || got[i].start_seq != want.v[i].start_seq ||
			    got[i].end_seq != want.v[i].end_seq || got[i].start_us != want.v[i].start_us ||
			    got[i].end_us != want.v[i].end_us)
				fail_msg("seed %llu gap %zu: %s %lld..%lld, brute force %s %lld..%lld",
					 (unsigned long long)seed, i, got[i].symbol,
					 (long long)got[i].start_seq, (long long)got[i].end_seq,
					 want.v[i].symbol, (long long)want.v[i].start_seq,
					 (long long)want.v[i].end_seq);
			assert_true(got[i].start_cause[0] != '\0');
			assert_true(got[i].end_seq == 0 || got[i].end_cause[0] != '\0');
		}
		/* One symbol's selection is the same intervals of that symbol. */
		struct audit_gap_filter f = {SYMS[0], 0, 0};
		size_t ns, k = 0;
		struct audit_gap *one = gaps(j, &f, &ns);
		for (size_t i = 0; i < n; i++)
			if (strcmp(got[i].symbol, SYMS[0]) == 0)
				k++;
		assert_int_equal(ns, k);
		free(one);
		free(got);
		free(want.v);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_position_is_unprotected_from_its_fill_to_its_stop_acknowledged),
		T(test_stop_smaller_than_the_position_does_not_protect_it),
		T(test_cancelled_then_triggered_stop_each_open_a_gap),
		T(test_fully_triggered_stop_closes_the_position_and_the_gap_stays_shut),
		T(test_dust_finding_ends_a_gap_until_a_later_run_stops_saying_so),
		T(test_late_report_never_runs_an_interval_backwards),
		T(test_selection_clips_to_the_window_and_filters_the_symbol),
		T(test_failed_read_aborts_instead_of_reading_as_no_gaps),
		T(test_gaps_equal_a_brute_force_over_the_tables_on_random_streams),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
