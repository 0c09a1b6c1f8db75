/*
 * test_recon_journal_oom.c — the reconciler's events are all or nothing
 * under allocation failure (recon_journal.c): cJSON's allocator fails at its
 * Nth call, for N = 0, 1, 2, ... until a writer succeeds, and each writer
 * either
 *   - fails (its caller rolls back) and the journal's tables are exactly as
 *     before: no event appended, nothing projected; or
 *   - succeeds with the very payload it journals when nothing fails (never
 *     an event with a member silently missing, hashed into the chain);
 * and the journal verifies (audit) at the end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "audit.h"
#include "recon_journal.h"
#include "testutil.h"

/* ---- a cJSON allocator that fails once, at its Nth call -------------------- */

/* One failure, later calls succeed again: the case that hides a dropped
 * member (a failure that persisted would also fail the final print). */
static long g_fail_at = -1; /* calls left before the one that fails; -1: never */
static long g_failed;       /* allocations refused since arming */

static void *failing_malloc(size_t n)
{
	if (g_fail_at < 0)
		return malloc(n);
	if (g_fail_at-- > 0)
		return malloc(n);
	g_failed++;
	return NULL;
}

static void arm(long n)
{
	g_fail_at = n;
	g_failed = 0;
}

static void disarm(void)
{
	g_fail_at = -1;
}

static int install_hooks(void **state)
{
	(void)state;
	cJSON_Hooks h = {failing_malloc, free};
	cJSON_InitHooks(&h);
	return 0;
}

static int remove_hooks(void **state)
{
	(void)state;
	cJSON_InitHooks(NULL);
	return 0;
}

/* ---- the writers under test ---------------------------------------------- */

#define NOW_US 1763830800000000LL /* 2025-11-22T17:00:00Z */

struct ids {
	int64_t run, finding, action;
};

/* One writer call; `outer` says whether it runs inside the caller's
 * transaction (every writer but settle_pass, which has its own). */
struct writer {
	const char *name;
	bool outer;
	enum rk_rc (*setup)(struct journal *j, struct ids *ids, struct rk_err *err);
	enum rk_rc (*step)(struct journal *j, struct ids *ids, struct rk_err *err);
};

static enum rk_rc no_setup(struct journal *j, struct ids *ids, struct rk_err *err)
{
	(void)j, (void)ids, (void)err;
	return RK_OK;
}

static enum rk_rc run_start(struct journal *j, struct ids *ids, struct rk_err *err)
{
	return recon_journal_run_start(j, VENUE_COINBASE, "default", false, NOW_US, &ids->run, err);
}

static enum rk_rc run_end(struct journal *j, struct ids *ids, struct rk_err *err)
{
	return recon_journal_run_end(j, ids->run, VENUE_COINBASE, "default", false,
				     "orders page 2 failed", "cursor-17", NOW_US, err);
}

static void a_finding(struct finding *f)
{
	memset(f, 0, sizeof *f);
	f->kind = FIND_MISSING_STOP;
	snprintf(f->symbol, sizeof f->symbol, "ETH-USD");
	snprintf(f->order_id, sizeof f->order_id, "o-eth");
	snprintf(f->key, sizeof f->key, "missing_stop:ETH-USD");
	snprintf(f->detail, sizeof f->detail, "{\"qty\":\"2\"}");
}

static enum rk_rc finding(struct journal *j, struct ids *ids, struct rk_err *err)
{
	struct finding f;
	a_finding(&f);
	return recon_journal_finding(j, ids->run, VENUE_COINBASE, "default", &f, NOW_US,
				     &ids->finding, err);
}

static enum rk_rc run_and_finding(struct journal *j, struct ids *ids, struct rk_err *err)
{
	enum rk_rc rc = run_start(j, ids, err);
	return rc ? rc : finding(j, ids, err);
}

static enum rk_rc action(struct journal *j, struct ids *ids, struct rk_err *err)
{
	struct action a;
	memset(&a, 0, sizeof a);
	a.kind = ACT_CANCEL_ORDER;
	a.status = ASTAT_PLANNED;
	snprintf(a.symbol, sizeof a.symbol, "ETH-USD");
	snprintf(a.order_id, sizeof a.order_id, "o-eth");
	snprintf(a.note, sizeof a.note, "holds the size the stop needs");
	return recon_journal_action(j, ids->run, ids->finding, VENUE_COINBASE, "default", &a,
				    "rk-1-abc", "{\"order_id\":\"o-eth\"}", 0, NOW_US, &ids->action,
				    err);
}

static enum rk_rc run_finding_action(struct journal *j, struct ids *ids, struct rk_err *err)
{
	enum rk_rc rc = run_and_finding(j, ids, err);
	return rc ? rc : action(j, ids, err);
}

static enum rk_rc action_update(struct journal *j, struct ids *ids, struct rk_err *err)
{
	return recon_journal_action_update(j, ids->action, VENUE_COINBASE, "default", "ETH-USD",
					   ASTAT_SUCCEEDED, "o-eth", "{\"outcome\":\"ok\"}",
					   "not an error", NOW_US, err);
}

static enum rk_rc halt(struct journal *j, struct ids *ids, struct rk_err *err)
{
	(void)ids;
	return recon_journal_halt(j, VENUE_COINBASE, "default", "ETH-USD", "circuit breaker",
				  NOW_US, err);
}

static enum rk_rc release_halt(struct journal *j, struct ids *ids, struct rk_err *err)
{
	int64_t seq;
	(void)ids;
	return recon_journal_release_halt(j, VENUE_COINBASE, "default", "ETH-USD", "checked",
					  NOW_US, &seq, err);
}

/* A complete snapshot with two non-zero positions (one with an entry
 * price) and a zero one, which exchange_positions leaves out. */
static enum rk_rc settle(struct journal *j, struct ids *ids, struct rk_err *err)
{
	struct instrument ins[1];
	struct venue_position pos[3];
	struct venue_snapshot s;
	size_t resolved;
	memset(ins, 0, sizeof ins);
	memset(pos, 0, sizeof pos);
	memset(&s, 0, sizeof s);
	snprintf(ins[0].symbol, sizeof ins[0].symbol, "ETH-USD");
	ins[0].step_size = tu_dec("0.01");
	snprintf(pos[0].symbol, sizeof pos[0].symbol, "ETH-USD");
	pos[0].qty = tu_dec("2.005");
	snprintf(pos[1].symbol, sizeof pos[1].symbol, "SOL-USD");
	pos[1].qty = tu_dec("-10");
	pos[1].has_entry = true;
	pos[1].entry_price = tu_dec("130.5");
	snprintf(pos[2].symbol, sizeof pos[2].symbol, "ATOM-USD");
	s.complete = true;
	s.instruments = ins;
	s.ninstruments = 1;
	s.positions = pos;
	s.npositions = 3;
	return recon_journal_settle_pass(j, ids->run, VENUE_COINBASE, "default", &s, NOW_US,
					 &resolved, err);
}

/* ---- the harness ----------------------------------------------------------- */

static const char SQL_EVENTS[] = "SELECT count(*) FROM events";
static const char SQL_LAST_PAYLOAD[] = "SELECT payload FROM events ORDER BY seq DESC LIMIT 1";

/* Runs w's setup then its step (in a transaction when w->outer), unarmed
 * when fail_at < 0. */
static enum rk_rc run_writer(struct journal *j, const struct writer *w, struct ids *ids,
			     long fail_at, struct rk_err *err)
{
	enum rk_rc rc;
	if (w->outer)
		assert_int_equal(journal_begin(j, err), RK_OK);
	arm(fail_at);
	rc = w->step(j, ids, err);
	disarm();
	if (!w->outer)
		return rc;
	if (rc)
		journal_rollback(j);
	else
		assert_int_equal(journal_commit(j, err), RK_OK);
	return rc;
}

static struct journal *fresh(const struct writer *w, char *path, struct ids *ids)
{
	struct rk_err err = {0};
	struct journal *j = tu_open_temp_journal(path, 128);
	memset(ids, 0, sizeof *ids);
	assert_int_equal(journal_begin(j, &err), RK_OK);
	if (w->setup(j, ids, &err) != RK_OK)
		fail_msg("%s setup: %s", w->name, err.msg);
	assert_int_equal(journal_commit(j, &err), RK_OK);
	return j;
}

static void check_writer(const struct writer *w)
{
	char ref_path[128], path[128], want[4096], got[4096];
	struct rk_err err = {0};
	struct ids ids;
	long failures = 0, n;

	/* What the writer journals when nothing fails. */
	struct journal *j = fresh(w, ref_path, &ids);
	long long before = tu_query_int(j, SQL_EVENTS);
	if (run_writer(j, w, &ids, -1, &err) != RK_OK)
		fail_msg("%s: %s", w->name, err.msg);
	long long added = tu_query_int(j, SQL_EVENTS) - before;
	assert_true(added >= 1);
	tu_query_text(j, SQL_LAST_PAYLOAD, want, sizeof want);
	journal_close(j);
	tu_remove_db(ref_path);

	j = fresh(w, path, &ids);
	for (n = 0; n < 10000; n++) {
		char *tables = tu_dump_tables(j);
		long long count = tu_query_int(j, SQL_EVENTS);
		enum rk_rc rc = run_writer(j, w, &ids, n, &err);
		if (rc == RK_OK) {
			/* Whatever failed was recovered from: the payload is whole. */
			free(tables);
			tu_query_text(j, SQL_LAST_PAYLOAD, got, sizeof got);
			if (strcmp(got, want) != 0)
				fail_msg("%s: allocation %ld failed and the event was journaled as\n"
					 "  %s\ninstead of\n  %s", w->name, n, got, want);
			if (g_failed == 0)
				break; /* the writer makes fewer than n allocations */
			continue;
		}
		assert_true(g_failed > 0); /* it failed because an allocation did */
		/* The builder says RK_ENOMEM; the projection's own parse of the
		 * payload (recon_project.c), failing the same way, still reads
		 * as a payload that is not an object (RK_ECORRUPT). */
		if (rc != RK_ENOMEM && !(rc == RK_ECORRUPT && strstr(err.msg, "not a JSON object")))
			fail_msg("%s at %ld: rc %d: %s", w->name, n, rc, err.msg);
		failures += rc == RK_ENOMEM;
		assert_int_equal(tu_query_int(j, SQL_EVENTS), count);
		char *after = tu_dump_tables(j);
		assert_string_equal(after, tables);
		free(after);
		free(tables);
	}
	/* Allocations of the payload itself failed, and were refused. */
	assert_true(failures >= 4);
	tu_query_text(j, SQL_LAST_PAYLOAD, got, sizeof got);
	assert_string_equal(got, want);

	struct audit_result res;
	if (audit_verify(j, &res, &err) != RK_OK)
		fail_msg("%s: audit: %s", w->name, err.msg);
	assert_int_equal(res.first_bad_seq, 0);
	journal_close(j);
	tu_remove_db(path);
}

static const struct writer WRITERS[] = {
	{"recon_run", true, no_setup, run_start},
	{"recon_run_end", true, run_start, run_end},
	{"finding", true, run_start, finding},
	{"action", true, run_and_finding, action},
	{"action_update", true, run_finding_action, action_update},
	{"halt", true, no_setup, halt},
	{"halt_released", true, halt, release_halt},
	{"exchange_positions", false, run_start, settle},
};

#define WRITER_TEST(i, name)                                            \
	static void test_##name##_event_whole_or_not_at_all(void **state) \
	{                                                                 \
		(void)state;                                              \
		check_writer(&WRITERS[i]);                                \
	}
WRITER_TEST(0, recon_run)
WRITER_TEST(1, recon_run_end)
WRITER_TEST(2, finding)
WRITER_TEST(3, action)
WRITER_TEST(4, action_update)
WRITER_TEST(5, halt)
WRITER_TEST(6, halt_released)
WRITER_TEST(7, exchange_positions)

#define T(name) cmocka_unit_test(test_##name##_event_whole_or_not_at_all)
int main(void)
{
	const struct CMUnitTest tests[] = {
		T(recon_run), T(recon_run_end), T(finding),      T(action),
		T(action_update), T(halt), T(halt_released), T(exchange_positions),
	};
	return cmocka_run_group_tests(tests, install_hooks, remove_hooks);
}
