/*
 * test_recon_expos.c — the projection of `exchange_positions` events
 * (recon_project_exchange_positions), which writes only the rows that
 * changed, leaves the table as clearing the venue and account's rows and
 * inserting the event's list would:
 *   - a new symbol is added, a changed one rewritten, a vanished one deleted,
 *     and every listed row carries the event's run and time, unchanged ones
 *     included;
 *   - another account's rows are left alone;
 *   - a symbol listed twice fails the event, as the second insert did, and
 *     the rolled-back transaction leaves the rows as they were;
 *   - the events replay to the same table (audit verify).
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
#include "events.h"
#include "journal.h"
#include "testutil.h"

struct fx {
	char db[128];
	struct journal *j;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	assert_non_null(f);
	f->j = tu_open_temp_journal(f->db, sizeof f->db);
	assert_non_null(f->j);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	journal_close(f->j);
	tu_remove_db(f->db);
	free(f);
	return 0;
}

/* Journals an exchange_positions event of run `run` at `at` for `account`
 * with the positions `list` (a JSON array); its rc. */
static enum rk_rc expos(struct fx *f, const char *account, int run, const char *at,
			const char *list)
{
	char payload[1024];
	struct rk_err err = {0};
	enum events_result res;
	snprintf(payload, sizeof payload,
		 "{\"venue\":\"binance-usdm\",\"account\":\"%s\",\"at\":\"%s\",\"run_id\":%d,"
		 "\"positions\":%s}",
		 account, at, run, list);
	struct journal_event ev = {"exchange_positions", "reconcile", at, "binance-usdm",
				   account, "", payload, NULL, NULL};
	enum rk_rc rc = journal_begin(f->j, &err);
	assert_int_equal(rc, RK_OK);
	rc = events_append(f->j, &ev, &res, NULL, &err);
	if (rc)
		journal_rollback(f->j);
	else
		assert_int_equal(journal_commit(f->j, &err), RK_OK);
	return rc;
}

/* The rows of `account`, by symbol: symbol qty orderable entry run as_of. */
static const char *rows(struct fx *f, const char *account)
{
	static char buf[1024];
	char sql[512];
	snprintf(sql, sizeof sql,
		 "SELECT coalesce(group_concat(r, ';'), '') FROM (SELECT symbol || ' ' || qty || ' '"
		 " || orderable_qty || ' ' || coalesce(entry_price, '-') || ' ' || run_id || ' ' ||"
		 " as_of AS r FROM exchange_positions WHERE venue = 'binance-usdm' AND account = '%s'"
		 " ORDER BY symbol)",
		 account);
	tu_query_text(f->j, sql, buf, sizeof buf);
	return buf;
}

static void assert_replays(struct fx *f)
{
	struct audit_result res;
	struct rk_err err = {0};
	if (audit_verify(f->j, &res, &err) != RK_OK)
		fail_msg("audit verify: %s", err.msg);
	assert_int_equal(res.first_bad_seq, 0);
}

#define P(sym, qty, ord, entry)                                                                   \
	"{\"symbol\":\"" sym "\",\"qty\":\"" qty "\",\"orderable_qty\":\"" ord "\",\"entry_price\":" \
	entry "}"

static void test_rows_become_the_list_with_its_run_and_time(void **state)
{
	struct fx *f = *state;
	assert_int_equal(expos(f, "other", 1, "2025-11-22T18:00:00Z", "[" P("ETHUSDT", "1", "1", "null") "]"),
			 RK_OK);
	assert_int_equal(expos(f, "default", 2, "2025-11-22T18:01:00Z",
			       "[" P("BTCUSDT", "0.5", "0.5", "\"60000\"") "," P("ETHUSDT", "-2", "2",
										       "null") "," P("SOLUSDT", "10", "10", "\"130\"") "]"),
			 RK_OK);
	assert_string_equal(rows(f, "default"),
			    "BTCUSDT 0.5 0.5 60000 2 2025-11-22T18:01:00Z;"
			    "ETHUSDT -2 2 - 2 2025-11-22T18:01:00Z;"
			    "SOLUSDT 10 10 130 2 2025-11-22T18:01:00Z");
	/* BTC unchanged, ETH's entry now known, SOL gone, XRP new. */
	assert_int_equal(expos(f, "default", 3, "2025-11-22T18:02:00Z",
			       "[" P("XRPUSDT", "100", "100", "\"0.5\"") "," P("BTCUSDT", "0.5", "0.5",
										     "\"60000\"") "," P("ETHUSDT", "-2", "2", "\"3000\"") "]"),
			 RK_OK);
	assert_string_equal(rows(f, "default"),
			    "BTCUSDT 0.5 0.5 60000 3 2025-11-22T18:02:00Z;"
			    "ETHUSDT -2 2 3000 3 2025-11-22T18:02:00Z;"
			    "XRPUSDT 100 100 0.5 3 2025-11-22T18:02:00Z");
	/* Nothing changed but the run: every row carries it. */
	assert_int_equal(expos(f, "default", 4, "2025-11-22T18:03:00Z",
			       "[" P("BTCUSDT", "0.5", "0.5", "\"60000\"") "," P("ETHUSDT", "-2", "2",
										       "\"3000\"") "," P("XRPUSDT", "100", "100", "\"0.5\"") "]"),
			 RK_OK);
	assert_string_equal(rows(f, "default"),
			    "BTCUSDT 0.5 0.5 60000 4 2025-11-22T18:03:00Z;"
			    "ETHUSDT -2 2 3000 4 2025-11-22T18:03:00Z;"
			    "XRPUSDT 100 100 0.5 4 2025-11-22T18:03:00Z");
	/* An entry price no longer reported; then no positions at all. */
	assert_int_equal(expos(f, "default", 5, "2025-11-22T18:04:00Z",
			       "[" P("BTCUSDT", "0.5", "0.5", "null") "]"),
			 RK_OK);
	assert_string_equal(rows(f, "default"), "BTCUSDT 0.5 0.5 - 5 2025-11-22T18:04:00Z");
	assert_int_equal(expos(f, "default", 6, "2025-11-22T18:05:00Z", "[]"), RK_OK);
	assert_string_equal(rows(f, "default"), "");
	assert_string_equal(rows(f, "other"), "ETHUSDT 1 1 - 1 2025-11-22T18:00:00Z");
	assert_replays(f);
}

static void test_symbol_listed_twice_fails_and_changes_nothing(void **state)
{
	struct fx *f = *state;
	const char *before = "BTCUSDT 0.5 0.5 - 1 2025-11-22T18:00:00Z";
	assert_int_equal(expos(f, "default", 1, "2025-11-22T18:00:00Z",
			       "[" P("BTCUSDT", "0.5", "0.5", "null") "]"),
			 RK_OK);
	/* Twice, already there and unchanged. */
	assert_int_not_equal(expos(f, "default", 2, "2025-11-22T18:01:00Z",
				   "[" P("BTCUSDT", "0.5", "0.5", "null") "," P("BTCUSDT", "1", "1",
										   "null") "]"),
			     RK_OK);
	assert_string_equal(rows(f, "default"), before);
	/* Twice, new. */
	assert_int_not_equal(expos(f, "default", 3, "2025-11-22T18:02:00Z",
				   "[" P("ETHUSDT", "1", "1", "null") "," P("ETHUSDT", "1", "1",
									       "null") "]"),
			     RK_OK);
	assert_string_equal(rows(f, "default"), before);
	/* A position without a quantity fails as its insert did. */
	assert_int_not_equal(expos(f, "default", 4, "2025-11-22T18:03:00Z",
				   "[{\"symbol\":\"BTCUSDT\",\"orderable_qty\":\"0.5\"}]"),
			     RK_OK);
	assert_string_equal(rows(f, "default"), before);
	assert_replays(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_rows_become_the_list_with_its_run_and_time,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_symbol_listed_twice_fails_and_changes_nothing,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
