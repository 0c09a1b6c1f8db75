/*
 * test_audit_timeline.c — `reckon audit timeline` with a time window and no
 * symbol (src/journal/audit_timeline.c): the window is read through
 * events_ts and what its events cite is looked up by seq, and that gives
 * exactly the entries of the full walk restricted to the window, chains
 * included, over random streams where the reconciler's findings, actions,
 * requests and answers interleave with the bots' events, timestamps go
 * backwards and some are written with an offset. A payload integer that is
 * not exact stops the walk naming its event.
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

#include "audit_sql.h"
#include "audit_timeline.h"
#include "journal.h"
#include "rk_array.h"
#include "rk_clock.h"
#include "rtime.h"
#include "testutil.h"
#include "tu_events.h"

struct fixture {
	char path[128];
	struct journal *j;
	int64_t now; /* the journal's clock: recorded_at */
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	assert_non_null(fx);
	fx->j = tu_open_temp_journal(fx->path, sizeof fx->path);
	sqlite3_exec(journal_db(fx->j), "PRAGMA synchronous = OFF", 0, 0, 0);
	fx->now = tu_us("2025-06-01T00:00:00Z");
	journal_set_clock(fx->j, rk_clock_manual(&fx->now));
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

typedef RK_ARRAY(struct audit_tl_entry) entry_list;

static enum rk_rc collect(void *ctx, const struct audit_tl_entry *e, struct rk_err *err)
{
	(void)err;
	struct audit_tl_entry *p = rk_array_push((entry_list *)ctx);
	assert_non_null(p);
	*p = *e;
	return RK_OK;
}

static entry_list timeline(struct journal *j, int64_t from, int64_t to)
{
	entry_list got = {0};
	struct audit_tl_filter f = {NULL, NULL, from, to};
	struct rk_err err = {0};
	if (audit_timeline(j, &f, collect, &got, &err))
		fail_msg("audit_timeline: %s", err.msg);
	return got;
}

/* Every field of two entries, naming the first that differs. */
static void assert_same_entry(const struct audit_tl_entry *a, const struct audit_tl_entry *b)
{
	assert_int_equal(a->seq, b->seq);
	assert_string_equal(a->ts, b->ts);
	assert_string_equal(a->type, b->type);
	assert_string_equal(a->who, b->who);
	assert_string_equal(a->venue, b->venue);
	assert_string_equal(a->account, b->account);
	assert_string_equal(a->symbol, b->symbol);
	assert_string_equal(a->order_id, b->order_id);
	assert_int_equal(a->cites, b->cites);
	assert_int_equal(a->depth, b->depth);
	assert_string_equal(a->what, b->what);
}

/* The window's entries equal the full walk's entries whose ts is in it. */
static void assert_window_is_the_full_walk_restricted(struct journal *j, const entry_list *full,
						      int64_t from, int64_t to)
{
	entry_list got = timeline(j, from, to);
	size_t k = 0;
	for (size_t i = 0; i < full->n; i++) {
		int64_t us = 0;
		struct rk_err err = {0};
		assert_int_equal(rtime_parse(full->v[i].ts, &us, &err), RK_OK);
		if ((from && us < from) || (to && us >= to))
			continue;
		if (k >= got.n)
			fail_msg("window [%lld, %lld): event %lld missing", (long long)from,
				 (long long)to, (long long)full->v[i].seq);
		assert_same_entry(&full->v[i], &got.v[k++]);
	}
	if (k != got.n)
		fail_msg("window [%lld, %lld): %zu entries, the full walk has %zu", (long long)from,
			 (long long)to, got.n, k);
	free(got.v);
}

/* ---- a reconciler executing actions, interleaved with the random stream ---- */

struct exec {
	int stage;            /* 0 idle, then finding, action, sent, proof, answer, resolved */
	int64_t finding, action, n;
	char sym[16], oid[32];
};

static uint64_t rng_next(uint64_t *r)
{
	*r = *r * 6364136223846793005ULL + 1442695040888963407ULL;
	return *r >> 33;
}

/* A reconciler's event; now and then its ts is written another way (an
 * offset, a lower-case 't': the same instant), as a venue adapter's record
 * may be. */
static int64_t recon(struct tu_gen *g, uint64_t *r, const char *type, const char *sym,
		     const char *payload)
{
	char ts[RTIME_STR_MAX + 8];
	int64_t us = tu_us("2025-01-01T00:00:00Z") + g->t * 1000000;
	uint64_t form = rng_next(r) % 6;
	rtime_format(us, ts);
	if (form == 0) { /* the same instant, at +01:00 */
		rtime_format(us + 3600 * (int64_t)1000000, ts);
		snprintf(ts + 19, sizeof ts - 19, "+01:00");
	} else if (form == 1) { /* a lower-case 't': sorts after the date's other ts */
		ts[10] = 't';
	}
	return tu_recon_event(g->j, type, ts, sym, payload);
}

/* Advances the executor by one event: finding, action, sent, the order it
 * placed (the reconciler's), the answer, the resolution; a request may stay
 * out (no answer) while the stream goes on. */
static void exec_step(struct tu_gen *g, struct exec *x, uint64_t *r)
{
	char p[1024], at[RTIME_STR_MAX];
	rtime_format(tu_us("2025-01-01T00:00:00Z") + g->t * 1000000, at);
	if (!g->run)
		g->run = tu_run_start(g->j, at);
	switch (x->stage) {
	case 0:
		snprintf(x->sym, sizeof x->sym, "%s", TU_SYMS[rng_next(r) % TU_NSYM]);
		snprintf(p, sizeof p,
			 "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\",\"run_id\":%lld,"
			 "\"kind\":\"missing_stop\",\"symbol\":\"%s\",\"key\":\"missing_stop:coinbase:"
			 "default:%s\",\"detail\":\"{}\"}",
			 at, (long long)g->run, x->sym, x->sym);
		x->finding = recon(g, r, "finding", x->sym, p);
		break;
	case 1:
		snprintf(p, sizeof p,
			 "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\",\"run_id\":%lld,"
			 "\"finding_id\":%lld,\"kind\":\"place_stop\",\"status\":\"planned\","
			 "\"symbol\":\"%s\",\"client_order_id\":\"rk-%lld\",\"note\":\"stop\"}",
			 at, (long long)g->run, (long long)x->finding, x->sym, (long long)++x->n);
		x->action = recon(g, r, "action", x->sym, p);
		break;
	case 2:
	case 4:
		snprintf(p, sizeof p,
			 "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\",\"action_id\":%lld,"
			 "\"status\":\"%s\"%s}",
			 at, (long long)x->action,
			 x->stage == 2 ? "sent" : rng_next(r) % 3 ? "succeeded" : "failed",
			 x->stage == 2 ? "" : ",\"response\":\"{}\"");
		recon(g, r, "action_update", x->sym, p);
		break;
	case 3:
		snprintf(x->oid, sizeof x->oid, "stop-%lld", (long long)x->n);
		snprintf(p, sizeof p,
			 "{\"type\":\"order\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"account\":\"default\","
			 "\"symbol\":\"%s\",\"order_id\":\"%s\",\"client_order_id\":\"rk-%lld\","
			 "\"side\":\"sell\",\"order_type\":\"stop_limit\",\"status\":\"open\","
			 "\"purpose\":\"stop_loss\",\"qty\":\"1\",\"price\":\"1\",\"stop_price\":\"1\"}",
			 at, x->sym, x->oid, (long long)x->n);
		tu_recon_event(g->j, "order", at, x->sym, p);
		break;
	default:
		snprintf(p, sizeof p,
			 "{\"venue\":\"coinbase\",\"account\":\"default\",\"at\":\"%s\",\"finding_id\":%lld,"
			 "\"key\":\"missing_stop:coinbase:default:%s\",\"run_id\":%lld,\"reason\":"
			 "\"action_succeeded\",\"action_id\":%lld}",
			 at, (long long)x->finding, x->sym, (long long)g->run, (long long)x->action);
		recon(g, r, "finding_resolved", x->sym, p);
	}
	x->stage = (x->stage + 1) % 6;
}

static void test_window_equals_the_full_walk_restricted_to_it_on_random_streams(void **state)
{
	struct fixture *fx = *state;
	uint64_t seeds = tu_small_scale() ? 3 : 10;
	for (uint64_t seed = 1; seed <= seeds; seed++) {
		journal_close(fx->j);
		tu_remove_db(fx->path);
		fx->j = tu_open_temp_journal(fx->path, sizeof fx->path);
		sqlite3_exec(journal_db(fx->j), "PRAGMA synchronous = OFF", 0, 0, 0);
		journal_set_clock(fx->j, rk_clock_manual(&fx->now));
		struct tu_gen g = {fx->j, seed, 0, 0, 0, 0};
		struct exec x = {0};
		uint64_t r = seed * 7919;
		for (int step = 0; step < 240; step++) {
			fx->now += 1000000;
			if (rng_next(&r) % 3 == 0)
				exec_step(&g, &x, &r);
			else
				tu_gen_step(&g);
		}
		entry_list full = timeline(fx->j, 0, 0);
		assert_true(full.n > 100);
		size_t chained = 0, proofs = 0;
		for (size_t i = 0; i < full.n; i++) {
			chained += full.v[i].cites != 0;
			proofs += full.v[i].depth >= 3; /* an order the request out placed */
		}
		assert_true(chained > 20);
		assert_true(proofs > 0);
		/* Windows: between two events' times, short and long, one-sided. */
		int64_t t0 = tu_us("2025-01-01T00:00:00Z");
		for (int k = 0; k < 40; k++) {
			int64_t a = t0 + (int64_t)(rng_next(&r) % (uint64_t)(g.t + 120)) * 1000000;
			int64_t len = (int64_t)(1 + rng_next(&r) % 600) * 1000000;
			assert_window_is_the_full_walk_restricted(fx->j, &full, a, a + len);
		}
		assert_window_is_the_full_walk_restricted(fx->j, &full, t0 + g.t * 500000, 0);
		assert_window_is_the_full_walk_restricted(fx->j, &full, 0, t0 + g.t * 500000);
		free(full.v);
	}
}

/* A finding and its action long before the window; in the window, the
 * request's answer and the order it placed still cite them, at their depth. */
static void test_window_shows_the_chain_of_a_finding_outside_it(void **state)
{
	struct fixture *fx = *state;
	struct tu_gen g = {fx->j, 1, 0, 0, 0, 0};
	struct exec x = {0};
	uint64_t r = 2; /* no offset ts for these (rng % 5 != 0 below is checked) */
	int64_t t0 = tu_us("2025-01-01T00:00:00Z");
	for (int stage = 0; stage < 6; stage++) {
		g.t = stage < 2 ? 10 + stage : 3600 + stage; /* finding, action: an hour before */
		exec_step(&g, &x, &r);
		for (int i = 0; i < 5; i++) /* the bots go on in between */
			tu_order(fx->j, "2025-01-01T00:30:00Z", "BTC-USD", "b1", "buy", "limit", "open",
				 "1");
	}
	entry_list got = timeline(fx->j, t0 + 3000 * (int64_t)1000000, 0);
	int64_t sent = 0;
	const struct audit_tl_entry *order = NULL, *answer = NULL, *resolved = NULL;
	for (size_t i = 0; i < got.n; i++) {
		const struct audit_tl_entry *e = &got.v[i];
		assert_true(e->seq != x.finding && e->seq != x.action); /* outside the window */
		if (strcmp(e->type, "action_update") == 0 && strstr(e->what, " sent"))
			sent = e->seq;
		else if (strcmp(e->type, "action_update") == 0)
			answer = e;
		else if (strcmp(e->type, "order") == 0 && strcmp(e->order_id, x.oid) == 0)
			order = e;
		else if (strcmp(e->type, "finding_resolved") == 0)
			resolved = e;
	}
	assert_true(sent && order && answer && resolved);
	/* finding (0) -> action (1) -> request and answer (2) -> order placed (3) */
	assert_int_equal(order->cites, x.action);
	assert_int_equal(order->depth, 3);
	assert_string_equal(order->who, "venue");
	assert_int_equal(answer->cites, x.action);
	assert_int_equal(answer->depth, 2);
	assert_int_equal(resolved->cites, x.finding);
	assert_int_equal(resolved->depth, 1);
	free(got.v);
}

/* Raw rows, as a damaged or hostile journal may hold them. */
static void insert_event(struct journal *j, int64_t seq, const char *ts, const char *type,
			 const char *payload)
{
	char *sql = sqlite3_mprintf(
		"INSERT INTO events (seq, ts, recorded_at, type, source, venue, account, symbol,"
		" payload, prev_hash, hash) VALUES (%lld, %Q, %Q, %Q, 'reconcile', 'coinbase',"
		" 'default', '', %Q, '', '')",
		(long long)seq, ts, ts, type, payload);
	char *msg = NULL;
	if (sqlite3_exec(journal_db(j), sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
	sqlite3_free(sql);
}

static void test_inexact_integer_or_bad_payload_stops_the_walk_naming_the_event(void **state)
{
	struct fixture *fx = *state;
	const char *const bad[] = {"9007199254740993", "1.5", "-1", "\"7\""};
	sqlite3_exec(journal_db(fx->j), "DROP TRIGGER events_no_delete", 0, 0, 0); /* to undo a row */
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		char p[256];
		int64_t seq = 100 + (int64_t)i;
		snprintf(p, sizeof p, "{\"action_id\":%s,\"status\":\"sent\"}", bad[i]);
		insert_event(fx->j, seq, "2025-01-01T00:00:00.000000Z", "action_update", p);
		entry_list got = {0};
		struct rk_err err = {0};
		struct audit_tl_filter f = {NULL, NULL, tu_us("2025-01-01T00:00:00Z"),
					    tu_us("2025-01-02T00:00:00Z")};
		assert_int_equal(audit_timeline(fx->j, &f, collect, &got, &err), RK_ECORRUPT);
		char want[64];
		snprintf(want, sizeof want, "event %lld", (long long)seq);
		if (!strstr(err.msg, want) || !strstr(err.msg, "action_id"))
			fail_msg("error names neither the event nor the field: %s", err.msg);
		free(got.v);
		char *del = sqlite3_mprintf("DELETE FROM events WHERE seq = %lld", (long long)seq);
		sqlite3_exec(journal_db(fx->j), del, 0, 0, 0);
		sqlite3_free(del);
	}
	/* A payload that is not a JSON object, or repeats a member. */
	const char *const broken[] = {"{\"action_id\":1,", "[1]", "{\"action_id\":1,\"action_id\":2}"};
	for (size_t i = 0; i < sizeof broken / sizeof broken[0]; i++) {
		insert_event(fx->j, 150, "2025-01-01T00:00:00.000000Z", "action_update", broken[i]);
		entry_list got = {0};
		struct rk_err err = {0};
		struct audit_tl_filter f = {NULL, NULL, tu_us("2025-01-01T00:00:00Z"), 0};
		assert_int_equal(audit_timeline(fx->j, &f, collect, &got, &err), RK_ECORRUPT);
		if (!strstr(err.msg, "event 150: action_update payload is not a JSON object"))
			fail_msg("%s", err.msg);
		free(got.v);
		sqlite3_exec(journal_db(fx->j), "DELETE FROM events WHERE seq = 150", 0, 0, 0);
	}
	/* The exact limit itself reads. */
	insert_event(fx->j, 200, "2025-01-01T00:00:00.000000Z", "action_update",
		     "{\"action_id\":9007199254740992,\"status\":\"failed\"}");
	entry_list got = timeline(fx->j, tu_us("2025-01-01T00:00:00Z"), 0);
	assert_int_equal(got.n, 1);
	assert_int_equal(got.v[0].cites, 9007199254740992LL);
	free(got.v);
}

/* The window's statements seek through events_ts and the primary key. */
static void test_window_reads_through_events_ts_and_the_primary_key(void **state)
{
	struct journal *j = ((struct fixture *)*state)->j;
	const struct {
		const char *sql, *want;
	} plans[] = {
		{AUDIT_SQL_TIMELINE_WINDOW, "SEARCH events USING INDEX events_ts (ts>? AND ts<?)"},
		{AUDIT_SQL_TIMELINE_CITED, "SEARCH events USING INTEGER PRIMARY KEY (rowid=?)"},
		{AUDIT_SQL_TIMELINE_FLIGHT, "SEARCH events USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)"},
	};
	for (size_t i = 0; i < sizeof plans / sizeof plans[0]; i++) {
		char *eqp = sqlite3_mprintf("EXPLAIN QUERY PLAN %s", plans[i].sql);
		sqlite3_stmt *plan = NULL;
		bool found = false;
		int rc;
		assert_int_equal(sqlite3_prepare_v2(journal_db(j), eqp, -1, &plan, NULL), SQLITE_OK);
		while ((rc = sqlite3_step(plan)) == SQLITE_ROW) {
			const char *d = (const char *)sqlite3_column_text(plan, 3);
			if (strncmp(d, "SCAN ", 5) == 0)
				fail_msg("%s\nscans: %s", plans[i].sql, d);
			found = found || strcmp(d, plans[i].want) == 0;
		}
		assert_int_equal(rc, SQLITE_DONE);
		if (!found)
			fail_msg("%s\ndoes not %s", plans[i].sql, plans[i].want);
		sqlite3_finalize(plan);
		sqlite3_free(eqp);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
		T(test_window_equals_the_full_walk_restricted_to_it_on_random_streams),
		T(test_window_shows_the_chain_of_a_finding_outside_it),
		T(test_inexact_integer_or_bad_payload_stops_the_walk_naming_the_event),
		T(test_window_reads_through_events_ts_and_the_primary_key),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
