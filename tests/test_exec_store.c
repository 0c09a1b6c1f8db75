/*
 * test_exec_store.c — the executor's reads of the journal
 * (src/journal/exec_store.h): actions left `planned` (read in batches,
 * oldest first) and `sent` (with what crash recovery needs from their
 * request), journaled fills, and client order ids whose request is still
 * unresolved. Every read fails closed: a failing read is an error, never
 * "no rows" (readfault seam).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exec_store.h"
#include "readfault.h"
#include "recon_journal.h"
#include "testutil.h"

#define NPLANNED 70 /* more than one batch of 64 */
#define NOW 1763834400000000LL

struct fx {
	char db[128];
	struct journal *j;
	int64_t planned[NPLANNED]; /* ids of the planned cancels, oldest first */
	int64_t place_id;          /* a placement left `sent` */
	int64_t cancel_id;         /* a cancel left `sent` */
};

static int64_t journal_action(struct fx *f, int64_t run, const struct action *a, const char *cid,
			      const char *request)
{
	struct rk_err err = {0};
	int64_t id = 0;
	if (recon_journal_action(f->j, run, 0, VENUE_COINBASE, "default", a, cid, request, 0, NOW,
				 &id, &err) != RK_OK)
		fail_msg("recon_journal_action: %s", err.msg);
	return id;
}

static void mark_sent(struct fx *f, int64_t id, const char *symbol)
{
	struct rk_err err = {0};
	if (recon_journal_action_update(f->j, id, VENUE_COINBASE, "default", symbol, ASTAT_SENT, NULL,
					NULL, NULL, NOW, &err) != RK_OK)
		fail_msg("recon_journal_action_update: %s", err.msg);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct rk_err err = {0};
	int64_t run = 0;
	assert_non_null(f);
	*state = f;
	f->j = tu_open_temp_journal(f->db, sizeof f->db);
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	assert_int_equal(recon_journal_run_start(f->j, VENUE_COINBASE, "default", false, NOW, &run,
						 &err), RK_OK);
	struct action a = {.kind = ACT_CANCEL_ORDER, .status = ASTAT_PLANNED, .depends_on = -1};
	for (int k = 0; k < NPLANNED; k++) {
		snprintf(a.symbol, sizeof a.symbol, "S%d-USD", k);
		snprintf(a.order_id, sizeof a.order_id, "o-%d", k);
		f->planned[k] = journal_action(f, run, &a, NULL, NULL);
	}
	struct action p = {.kind = ACT_PLACE_STOP, .status = ASTAT_PLANNED, .depends_on = -1};
	snprintf(p.symbol, sizeof p.symbol, "ETH-USD");
	f->place_id = journal_action(f, run, &p, "rk-a",
				     "{\"client_order_id\":\"rk-a\",\"purpose\":\"stop_loss\","
				     "\"reduce_only\":true}");
	mark_sent(f, f->place_id, "ETH-USD");
	struct action c = {.kind = ACT_CANCEL_ORDER, .status = ASTAT_PLANNED, .depends_on = -1};
	snprintf(c.symbol, sizeof c.symbol, "BTC-USD");
	snprintf(c.order_id, sizeof c.order_id, "o-btc");
	f->cancel_id = journal_action(f, run, &c, NULL, NULL);
	mark_sent(f, f->cancel_id, "BTC-USD");
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	assert_int_equal(tu_ingest(f->j,
				   "{\"type\": \"fill\", \"ts\": \"2025-11-22T12:00:00Z\", \"venue\": \"coinbase\","
				   " \"account\": \"default\", \"symbol\": \"ETH-USD\", \"fill_id\": \"f-eth\","
				   " \"order_id\": \"o-eth\", \"side\": \"buy\", \"qty\": \"2\","
				   " \"price\": \"3000.00\", \"liquidity\": \"maker\"}",
				   NULL, 0), INGEST_ACCEPTED);
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	rf_disarm(journal_db(f->j));
	journal_close(f->j);
	tu_remove_db(f->db);
	free(f);
	return 0;
}

static void test_planned_actions_come_in_batches_oldest_first(void **state)
{
	struct fx *f = *state;
	struct stored_action batch[64];
	struct rk_err err = {0};
	size_t n = 0;
	assert_int_equal(exec_store_planned(f->j, VENUE_COINBASE, "default", batch, 64, &n, &err), RK_OK);
	assert_int_equal(n, 64);
	for (size_t k = 0; k < n; k++) {
		char sym[32];
		snprintf(sym, sizeof sym, "S%zu-USD", k);
		assert_int_equal(batch[k].id, f->planned[k]);
		assert_string_equal(batch[k].kind, "cancel_order");
		assert_string_equal(batch[k].symbol, sym);
	}
	/* Another account's or venue's are not this pass's. */
	assert_int_equal(exec_store_planned(f->j, VENUE_COINBASE, "other", batch, 64, &n, &err), RK_OK);
	assert_int_equal(n, 0);
	assert_int_equal(exec_store_planned(f->j, VENUE_BINANCE_USDM, "default", batch, 64, &n, &err),
			 RK_OK);
	assert_int_equal(n, 0);
}

static void test_sent_actions_carry_what_recovery_needs(void **state)
{
	struct fx *f = *state;
	struct stored_action *list = NULL;
	struct rk_err err = {0};
	size_t n = 0;
	assert_int_equal(exec_store_sent(f->j, VENUE_COINBASE, "default", &list, &n, &err), RK_OK);
	assert_int_equal(n, 2);
	assert_int_equal(list[0].id, f->place_id);
	assert_string_equal(list[0].kind, "place_stop");
	assert_string_equal(list[0].symbol, "ETH-USD");
	assert_string_equal(list[0].client_id, "rk-a");
	assert_int_equal(list[0].purpose, PURPOSE_STOP_LOSS);
	assert_true(list[0].reduce_only);
	assert_int_equal(list[1].id, f->cancel_id);
	assert_string_equal(list[1].kind, "cancel_order");
	assert_string_equal(list[1].order_id, "o-btc");
	assert_string_equal(list[1].client_id, "");
	assert_int_equal(list[1].purpose, PURPOSE_NONE);
	assert_false(list[1].reduce_only);
	free(list);
}

static void test_a_sent_client_id_is_unresolved_for_every_other_action(void **state)
{
	struct fx *f = *state;
	struct rk_err err = {0};
	bool found = false;
	assert_int_equal(exec_store_client_id_unresolved(f->j, VENUE_COINBASE, "rk-a", 0, &found, &err),
			 RK_OK);
	assert_true(found);
	assert_int_equal(exec_store_client_id_unresolved(f->j, VENUE_COINBASE, "rk-a", f->place_id,
							 &found, &err), RK_OK);
	assert_false(found);
	assert_int_equal(exec_store_client_id_unresolved(f->j, VENUE_COINBASE, "rk-b", 0, &found, &err),
			 RK_OK);
	assert_false(found);
}

static void test_fill_known_by_venue_and_id(void **state)
{
	struct fx *f = *state;
	struct rk_err err = {0};
	bool known = false;
	assert_int_equal(exec_store_fill_known(f->j, VENUE_COINBASE, "f-eth", &known, &err), RK_OK);
	assert_true(known);
	assert_int_equal(exec_store_fill_known(f->j, VENUE_COINBASE, "f-other", &known, &err), RK_OK);
	assert_false(known);
	assert_int_equal(exec_store_fill_known(f->j, VENUE_BINANCE_USDM, "f-eth", &known, &err), RK_OK);
	assert_false(known);
}

/* Every read fails: each function says so, and hands back nothing. */
static void test_a_failed_read_is_an_error_never_no_rows(void **state)
{
	struct fx *f = *state;
	struct stored_action batch[4], *list = NULL;
	struct rk_err err = {0};
	size_t n = 99;
	bool b = true;
	rf_arm(journal_db(f->j), RF_ALL_READS_FAIL, 0, false);
	assert_int_not_equal(exec_store_planned(f->j, VENUE_COINBASE, "default", batch, 4, &n, &err),
			     RK_OK);
	assert_non_null(strstr(err.msg, "reading planned actions"));
	n = 99;
	assert_int_not_equal(exec_store_sent(f->j, VENUE_COINBASE, "default", &list, &n, &err), RK_OK);
	assert_null(list);
	assert_int_equal(n, 0);
	assert_int_not_equal(exec_store_client_id_unresolved(f->j, VENUE_COINBASE, "rk-a", 0, &b, &err),
			     RK_OK);
	assert_int_not_equal(exec_store_fill_known(f->j, VENUE_COINBASE, "f-eth", &b, &err), RK_OK);
	assert_true(rf_reads_failed() >= 4);
	rf_disarm(journal_db(f->j));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define TEST(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		TEST(test_planned_actions_come_in_batches_oldest_first),
		TEST(test_sent_actions_carry_what_recovery_needs),
		TEST(test_a_sent_client_id_is_unresolved_for_every_other_action),
		TEST(test_fill_known_by_venue_and_id),
		TEST(test_a_failed_read_is_an_error_never_no_rows),
#undef TEST
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
