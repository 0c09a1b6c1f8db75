/*
 * test_recon_settle.c — what the end of a reconciliation pass and the
 * operator journal about findings, halts and the exchange's positions
 * (recon_journal_settle_pass, recon_journal_release_halt), run through real
 * passes on the simulated venue and asserted on the journal's rows:
 *   - a finding is resolved, by a finding_resolved event, when its last
 *     action succeeded or when a later complete pass no longer finds it;
 *     never by an incomplete pass;
 *   - each complete pass records the positions the exchange reported,
 *     including ones the journal's fills never showed;
 *   - an operator's halt release is journaled, and the planner acts on the
 *     symbol again;
 *   - every one of these events replays to the same tables (audit verify).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "policy.h"
#include "recon_exec.h"
#include "recon_journal.h"
#include "rtime.h"
#include "testutil.h"
#include "venue.h"
#include "sim.h"

/* ETH-USD: the bot bought 2 and placed no stop; SOL-USD: 10 held on the
 * exchange that the journal never heard of. FAULTS goes into the venue. */
#define SCENARIO(faults)                                                                          \
	"{'now': '2025-11-22T18:00:00Z', 'journal': ["                                            \
	"{'type': 'fill', 'ts': '2025-11-22T12:00:00Z', 'venue': 'coinbase', 'account': 'default'," \
	" 'symbol': 'ETH-USD', 'fill_id': 'f-eth', 'order_id': 'o-eth', 'side': 'buy',"           \
	" 'qty': '2', 'price': '3000.00', 'liquidity': 'maker'}],"                                 \
	" 'venues': {'coinbase': {'market': 'spot', 'instruments': ["                               \
	"{'symbol': 'ETH-USD', 'tick_size': '0.01', 'step_size': '0.0001', 'min_qty': '0.0001',"   \
	" 'min_notional': '1'}, {'symbol': 'SOL-USD', 'tick_size': '0.01', 'step_size': '0.001',"  \
	" 'min_qty': '0.001', 'min_notional': '1'}],"                                               \
	" 'balances': [{'asset': 'ETH', 'qty': '2'}, {'asset': 'SOL', 'qty': '10'},"               \
	" {'asset': 'USD', 'qty': '10000'}],"                                                       \
	" 'prices': {'ETH-USD': ['3000.00'], 'SOL-USD': ['130.00']}, 'faults': [" faults "]}}}"

static int64_t g_now; /* the executor's clock: rk_clock_manual(&g_now) */

struct fx {
	char db[128];
	struct journal *j;
	struct venue *sim;
	struct policy *pol;
};

static int teardown(void **state)
{
	struct fx *f = *state;
	if (f) {
		journal_close(f->j);
		tu_remove_db(f->db);
		venue_destroy(f->sim);
		policy_free(f->pol);
		free(f);
	}
	return 0;
}

/* The sim from SCENARIO(faults), its journal lines ingested, default policy. */
static struct fx *open_fx(void **state, const char *quoted)
{
	struct fx *f = calloc(1, sizeof *f);
	struct rk_err err = {0};
	char **lines = NULL, *json = strdup(quoted);
	size_t n = 0;
	assert_non_null(f);
	assert_non_null(json);
	*state = f;
	for (char *p = json; *p; p++)
		*p = *p == '\'' ? '"' : *p;
	if (sim_venue_create(json, "coinbase", &f->sim, &err) != RK_OK ||
	    sim_scenario_journal(json, &lines, &n, &err) != RK_OK ||
	    policy_default(&f->pol, &err) != RK_OK)
		fail_msg("fixture: %s", err.msg);
	f->j = tu_open_temp_journal(f->db, sizeof f->db);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(tu_ingest(f->j, lines[i], NULL, 0), INGEST_ACCEPTED);
	sim_lines_free(lines, n);
	free(json);
	g_now = sim_venue_now_us(f->sim);
	return f;
}

/* One pass (a minute later than the last); returns its run id. */
static int64_t pass(struct fx *f, bool dry_run)
{
	struct recon_outcome out;
	struct rk_err err = {0};
	struct recon_opts opts = {.policy = f->pol, .dry_run = dry_run,
				  .clock = rk_clock_manual(&g_now)};
	g_now += 60 * 1000000LL;
	if (recon_run_pass(f->j, f->sim, "default", &opts, &out, &err) != RK_OK)
		fail_msg("recon_run_pass: %s", err.msg);
	return out.run_id;
}

static long long N(struct fx *f, const char *sql) { return tu_query_int(f->j, sql); }

static const char *T(struct fx *f, const char *sql)
{
	static char buf[512];
	tu_query_text(f->j, sql, buf, sizeof buf);
	return buf;
}

static void assert_replays(struct fx *f)
{
	struct audit_result res;
	struct rk_err err = {0};
	if (audit_verify(f->j, &res, &err) != RK_OK)
		fail_msg("audit verify: %s", err.msg);
}

#define ETH_STOP_FINDINGS "FROM findings WHERE kind = 'missing_stop' AND symbol = 'ETH-USD'"

/* ---- findings resolve --------------------------------------------------------- */

static void test_finding_fixed_by_its_action_is_resolved_by_an_event(void **state)
{
	struct fx *f = open_fx(state, SCENARIO(""));
	int64_t run = pass(f, false);
	char want[64];
	snprintf(want, sizeof want, "action_succeeded|%lld", (long long)run);
	assert_int_equal(N(f, "SELECT count(*) FROM actions WHERE kind = 'place_stop'"
			      " AND symbol = 'ETH-USD' AND status = 'succeeded'"), 1);
	assert_string_equal(T(f, "SELECT resolution || '|' || resolved_by || '|' ||"
				 " (resolved_at IS NOT NULL) " ETH_STOP_FINDINGS),
			    strcat(want, "|1"));
	/* Journaled as an event naming the finding, its key and the action. */
	assert_int_equal(N(f, "SELECT count(*) FROM events e, findings f WHERE e.type = 'finding_resolved'"
			      " AND json_extract(e.payload, '$.finding_id') = f.id"
			      " AND json_extract(e.payload, '$.key') = f.finding_key"
			      " AND json_extract(e.payload, '$.reason') = 'action_succeeded'"
			      " AND json_extract(e.payload, '$.action_id') ="
			      "  (SELECT max(id) FROM actions a WHERE a.finding_id = f.id)"
			      " AND f.kind = 'missing_stop' AND f.symbol = 'ETH-USD'"), 1);
	assert_replays(f);
}

static void test_finding_no_later_complete_pass_finds_is_resolved_gone(void **state)
{
	struct fx *f = open_fx(state, SCENARIO(""));
	int64_t dry = pass(f, true);
	assert_int_equal(N(f, "SELECT count(*) " ETH_STOP_FINDINGS " AND resolved_at IS NULL"), 1);
	/* Found again (and fixed) by the next pass: the dry run's finding stays open. */
	int64_t fix = pass(f, false);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT count(*) " ETH_STOP_FINDINGS " AND run_id = %lld"
		 " AND resolved_at IS NULL", (long long)dry);
	assert_int_equal(N(f, sql), 1);
	snprintf(sql, sizeof sql, "SELECT resolution " ETH_STOP_FINDINGS " AND run_id = %lld",
		 (long long)fix);
	assert_string_equal(T(f, sql), "action_succeeded");
	/* A complete pass that no longer finds it resolves it. */
	int64_t clean = pass(f, false);
	snprintf(sql, sizeof sql, "SELECT resolution || '|' || resolved_by " ETH_STOP_FINDINGS
		 " AND run_id = %lld", (long long)dry);
	char want[64];
	snprintf(want, sizeof want, "gone|%lld", (long long)clean);
	assert_string_equal(T(f, sql), want);
	/* Nothing is left open from any pass: SOL's holding, unknown to the
	 * journal, was brought into it by the fix pass (an inferred opening fill,
	 * its missing_fill finding resolved by that action), and the dry run's
	 * finding of it, found again by the fix pass, is gone from the clean one. */
	assert_string_equal(T(f, "SELECT group_concat(kind || ' ' || symbol || ' ' || run_id)"
				 " FROM findings WHERE resolved_at IS NULL"), "");
	snprintf(sql, sizeof sql, "SELECT resolution FROM findings WHERE kind = 'missing_fill'"
		 " AND symbol = 'SOL-USD' AND run_id = %lld", (long long)dry);
	assert_string_equal(T(f, sql), "gone");
	assert_replays(f);
}

static void test_incomplete_pass_resolves_nothing_as_gone(void **state)
{
	/* The second snapshot's positions listing fails: flat cannot be trusted. */
	struct fx *f = open_fx(state, SCENARIO("{'kind': 'snapshot_fails', 'part': 'positions',"
					       " 'at_call': 2, 'reason': 'positions: HTTP 500'}"));
	int64_t dry = pass(f, true);
	int64_t failed = pass(f, false);
	assert_int_equal(N(f, "SELECT count(*) FROM recon_runs WHERE complete = 0"), 1);
	assert_int_equal(N(f, "SELECT count(*) " ETH_STOP_FINDINGS " AND resolved_at IS NULL"), 1);
	assert_int_equal(N(f, "SELECT count(*) FROM events WHERE type = 'finding_resolved'"), 0);
	/* Nor does it replace what the exchange last reported. */
	char sql[128];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM exchange_positions WHERE run_id = %lld",
		 (long long)dry);
	assert_int_equal(N(f, sql), 2);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM exchange_positions WHERE run_id = %lld",
		 (long long)failed);
	assert_int_equal(N(f, sql), 0);
}

/* ---- the exchange's positions ------------------------------------------------- */

static void test_complete_pass_records_the_exchange_positions(void **state)
{
	struct fx *f = open_fx(state, SCENARIO(""));
	pass(f, true);
	int64_t run = pass(f, true);
	char want[160];
	snprintf(want, sizeof want, "ETH-USD 2 2 %lld,SOL-USD 10 10 %lld", (long long)run,
		 (long long)run);
	/* Replaced by each complete pass, SOL included though no fill showed it. */
	assert_string_equal(T(f, "SELECT group_concat(symbol || ' ' || qty || ' ' || orderable_qty"
				 " || ' ' || run_id, ',')"
				 " FROM (SELECT * FROM exchange_positions WHERE venue = 'coinbase'"
				 " AND account = 'default' ORDER BY symbol)"),
			    want);
	assert_int_equal(N(f, "SELECT count(*) FROM positions WHERE symbol = 'SOL-USD'"), 0);
	assert_replays(f);
}

/* ---- halts ---------------------------------------------------------------- */

static void test_released_halt_lets_the_planner_protect_the_symbol(void **state)
{
	struct fx *f = open_fx(state, SCENARIO(""));
	struct rk_err err = {0};
	int64_t seq = 0;
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	assert_int_equal(recon_journal_halt(f->j, VENUE_COINBASE, "default", "ETH-USD",
					    "operator test", g_now, &err), RK_OK);
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	pass(f, false);
	assert_int_equal(N(f, "SELECT count(*) FROM actions WHERE symbol = 'ETH-USD'"
			      " AND status = 'succeeded'"), 0);

	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	if (recon_journal_release_halt(f->j, VENUE_COINBASE, "default", "ETH-USD",
				       "journal checked by hand", g_now, &seq, &err) != RK_OK)
		fail_msg("release: %s", err.msg);
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	assert_int_equal(N(f, "SELECT count(*) FROM halts"), 0);
	char sql[256];
	snprintf(sql, sizeof sql, "SELECT type || '|' || source || '|' || symbol || '|' ||"
		 " json_extract(payload, '$.reason') FROM events WHERE seq = %lld", (long long)seq);
	assert_string_equal(T(f, sql), "halt_released|operator|ETH-USD|journal checked by hand");

	pass(f, false);
	assert_int_equal(N(f, "SELECT count(*) FROM actions WHERE symbol = 'ETH-USD'"
			      " AND kind = 'place_stop' AND status = 'succeeded'"), 1);
	assert_replays(f);
}

static void test_releasing_a_symbol_that_is_not_halted_is_not_found(void **state)
{
	struct fx *f = open_fx(state, SCENARIO(""));
	struct rk_err err = {0};
	long long events = N(f, "SELECT count(*) FROM events");
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	assert_int_equal(recon_journal_release_halt(f->j, VENUE_COINBASE, "default", "ETH-USD", "x",
						    g_now, NULL, &err),
			 RK_ENOTFOUND);
	journal_rollback(f->j);
	assert_string_equal(err.msg, "no halt on coinbase/default/ETH-USD (see 'reckon halt list')");
	assert_int_equal(N(f, "SELECT count(*) FROM events"), events);
}

int main(void)
{
#define T_(name) cmocka_unit_test_teardown(name, teardown)
	const struct CMUnitTest tests[] = {
		T_(test_finding_fixed_by_its_action_is_resolved_by_an_event),
		T_(test_finding_no_later_complete_pass_finds_is_resolved_gone),
		T_(test_incomplete_pass_resolves_nothing_as_gone),
		T_(test_complete_pass_records_the_exchange_positions),
		T_(test_released_halt_lets_the_planner_protect_the_symbol),
		T_(test_releasing_a_symbol_that_is_not_halted_is_not_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
