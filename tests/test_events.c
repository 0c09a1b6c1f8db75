/* test_events.c — the events module: an event is stored and applied in one
 * step through the dispatch table; duplicates and stale reports are told
 * apart; unknown types are refused; a replay gives the same tables. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "journal.h"
#include "model.h"
#include "testutil.h"

struct fixture {
	char path[128];
	struct journal *j;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);
	f->j = tu_open_temp_journal(f->path, sizeof f->path);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	journal_close(f->j);
	tu_remove_db(f->path);
	free(f);
	return 0;
}

static struct order_rec order(const char *id, enum order_status status, const char *filled)
{
	struct order_rec o = {0};
	o.venue = VENUE_COINBASE;
	snprintf(o.account, sizeof o.account, "default");
	snprintf(o.symbol, sizeof o.symbol, "UNI-USD");
	snprintf(o.order_id, sizeof o.order_id, "%s", id);
	snprintf(o.ts, sizeof o.ts, "2025-11-22T10:00:00.000000Z");
	o.side = SIDE_BUY;
	o.type = OTYPE_LIMIT;
	o.status = status;
	o.qty = tu_dec("10");
	o.has_price = true;
	o.price = tu_dec("5");
	o.has_filled_qty = true;
	o.filled_qty = tu_dec(filled);
	return o;
}

static struct fill_rec fill(const char *id, enum side side)
{
	struct fill_rec f = {0};
	f.venue = VENUE_COINBASE;
	snprintf(f.account, sizeof f.account, "default");
	snprintf(f.symbol, sizeof f.symbol, "UNI-USD");
	snprintf(f.fill_id, sizeof f.fill_id, "%s", id);
	snprintf(f.order_id, sizeof f.order_id, "o1");
	snprintf(f.ts, sizeof f.ts, "2025-11-22T10:00:01.000000Z");
	f.side = side;
	f.qty = tu_dec("4");
	f.price = tu_dec("5");
	f.fee = tu_dec("0");
	return f;
}

/* Appends in its own transaction; returns the append's status. */
static enum rk_rc append_order(struct journal *j, const struct order_rec *o,
			       enum events_result *res, struct rk_err *err)
{
	assert_int_equal(journal_begin(j, err), RK_OK);
	enum rk_rc rc = events_append_order(j, o, "test", res, err);
	if (rc)
		journal_rollback(j);
	else
		assert_int_equal(journal_commit(j, err), RK_OK);
	return rc;
}

static enum rk_rc append_fill(struct journal *j, const struct fill_rec *fl,
			      enum events_result *res, struct rk_err *err)
{
	assert_int_equal(journal_begin(j, err), RK_OK);
	enum rk_rc rc = events_append_fill(j, fl, "test", res, err);
	if (rc)
		journal_rollback(j);
	else
		assert_int_equal(journal_commit(j, err), RK_OK);
	return rc;
}

static void test_an_appended_event_is_stored_and_applied(void **state)
{
	struct fixture *f = *state;
	struct rk_err err = {0};
	enum events_result res;
	struct order_rec o = order("o1", OSTATUS_OPEN, "0");
	struct fill_rec fl = fill("f1", SIDE_BUY);
	assert_int_equal(append_order(f->j, &o, &res, &err), RK_OK);
	assert_int_equal(res, EVENTS_APPENDED);
	assert_int_equal(append_fill(f->j, &fl, &res, &err), RK_OK);
	assert_int_equal(res, EVENTS_APPENDED);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), 2);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM fills WHERE fill_id = 'f1' AND seq = 2"), 1);
	char status[32];
	tu_query_text(f->j, "SELECT status || ' ' || fills_qty FROM orders WHERE order_id = 'o1'",
		      status, sizeof status);
	assert_string_equal(status, "partially_filled 4");
}

static void test_a_duplicate_is_neither_stored_nor_applied_again(void **state)
{
	struct fixture *f = *state;
	struct rk_err err = {0};
	enum events_result res;
	int64_t again = 0;
	char payload[2048];
	struct fill_rec fl = fill("f1", SIDE_BUY);
	assert_int_equal(append_fill(f->j, &fl, &res, &err), RK_OK);
	assert_int_equal(append_fill(f->j, &fl, &res, &err), RK_OK);
	assert_int_equal(res, EVENTS_DUPLICATE);
	/* The same event through events_append reports the earlier seq. */
	tu_query_text(f->j, "SELECT payload FROM events WHERE seq = 1", payload, sizeof payload);
	struct journal_event ev = {"fill", "test", fl.ts, "coinbase", "default", "UNI-USD", payload,
				   "fill:coinbase:f1", NULL};
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	assert_int_equal(events_append(f->j, &ev, &res, &again, &err), RK_OK);
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	assert_int_equal(res, EVENTS_DUPLICATE);
	assert_int_equal(again, 1);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), 1);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM fills"), 1);
	assert_int_equal(tu_query_int(f->j, "SELECT fills_qty FROM orders WHERE order_id = 'o1'"), 4);
}

static void test_a_stale_report_is_stored_but_changes_no_state(void **state)
{
	struct fixture *f = *state;
	struct rk_err err = {0};
	enum events_result res;
	struct order_rec filled = order("o1", OSTATUS_FILLED, "10");
	struct order_rec open = order("o1", OSTATUS_OPEN, "0");
	assert_int_equal(append_order(f->j, &filled, &res, &err), RK_OK);
	assert_int_equal(append_order(f->j, &open, &res, &err), RK_OK);
	assert_int_equal(res, EVENTS_STALE);
	assert_non_null(strstr(err.msg, "stale"));
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), 2);
	char status[32];
	tu_query_text(f->j, "SELECT status FROM orders WHERE order_id = 'o1'", status, sizeof status);
	assert_string_equal(status, "filled");
}

static void test_a_projection_refusal_is_the_appends_error(void **state)
{
	struct fixture *f = *state;
	struct rk_err err = {0};
	enum events_result res;
	struct order_rec o = order("o1", OSTATUS_OPEN, "0");
	struct fill_rec sell = fill("f1", SIDE_SELL);
	assert_int_equal(append_order(f->j, &o, &res, &err), RK_OK);
	assert_int_equal(append_fill(f->j, &sell, &res, &err), RK_ECONFLICT);
	assert_non_null(strstr(err.msg, "field 'side'"));
	/* The caller rolled back: neither the event nor a row stays. */
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), 1);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM fills"), 0);
}

static void test_an_unknown_event_type_is_refused_as_newer(void **state)
{
	struct fixture *f = *state;
	struct rk_err err = {0};
	enum events_result res;
	struct journal_event ev = {"from_the_future", "test", "2025-11-22T10:00:00.000000Z",
				   "coinbase", "default", "", "{}", NULL, NULL};
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	assert_int_equal(events_apply(f->j, 7, "2025-11-22T10:00:00.000000Z", "from_the_future",
				      "{}", NULL, &err),
			 RK_EVERSION);
	assert_string_equal(err.msg, "event 7 has type 'from_the_future', unknown to this reckon");
	assert_int_equal(events_append(f->j, &ev, &res, NULL, &err), RK_EVERSION);
	journal_rollback(f->j);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), 0);
}

/* The reconciler's ids are event seqs: one that is not a whole number a
 * double holds exactly (a fraction, beyond 2^53, a string) is refused
 * naming the member, never read as another id (or as none). */
static void test_a_reconciler_id_that_is_not_an_exact_integer_is_refused(void **state)
{
	struct fixture *f = *state;
	struct rk_err err = {0};
	static const char *const bad[] = {
		"{\"run_id\": 1.5, \"at\": \"2025-11-22T10:00:00Z\"}",
		"{\"run_id\": 9007199254740993, \"at\": \"2025-11-22T10:00:00Z\"}",
		"{\"run_id\": \"7\", \"at\": \"2025-11-22T10:00:00Z\"}",
	};
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(events_apply(f->j, 9, "2025-11-22T10:00:00.000000Z", "recon_run_end",
					      bad[i], NULL, &err),
				 RK_ECORRUPT);
		if (!strstr(err.msg, "event 9: recon_run_end payload") || !strstr(err.msg, "run_id"))
			fail_msg("%s: %s", bad[i], err.msg);
	}
	/* The same member as a whole number is read. */
	assert_int_equal(events_apply(f->j, 4, "2025-11-22T10:00:00.000000Z", "recon_run",
				      "{\"venue\": \"coinbase\", \"account\": \"default\", \"at\": "
				      "\"2025-11-22T10:00:00Z\"}",
				      NULL, &err),
			 RK_OK);
	err.msg[0] = '\0';
	enum rk_rc frc = events_apply(f->j, 9, "2025-11-22T10:00:00.000000Z", "finding",
				      "{\"run_id\": 4, \"kind\": \"orphan_order\", \"venue\": "
				      "\"coinbase\", \"account\": \"default\", \"detail\": \"{}\", "
				      "\"at\": \"2025-11-22T10:00:00Z\"}",
				      NULL, &err);
	if (frc)
		fail_msg("%s", err.msg);
	assert_int_equal(tu_query_int(f->j, "SELECT run_id FROM findings WHERE id = 9"), 4);
	/* The protection-gap projection needs the event's ts: one that does not
	 * read is refused, naming the event. */
	assert_int_equal(events_apply(f->j, 10, "yesterday", "finding", "{\"kind\": \"dust\"}",
				      NULL, &err),
			 RK_EINVAL);
	assert_non_null(strstr(err.msg, "event 10: ts"));
	journal_rollback(f->j);
}

static void test_a_rebuild_reproduces_every_table(void **state)
{
	struct fixture *f = *state;
	struct rk_err err = {0};
	enum events_result res;
	struct order_rec o = order("o1", OSTATUS_OPEN, "0");
	struct fill_rec f1 = fill("f1", SIDE_BUY), f2 = fill("f2", SIDE_BUY);
	assert_int_equal(append_order(f->j, &o, &res, &err), RK_OK);
	assert_int_equal(append_fill(f->j, &f1, &res, &err), RK_OK);
	assert_int_equal(append_fill(f->j, &f2, &res, &err), RK_OK);
	char *before = tu_dump_tables(f->j);
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	assert_int_equal(events_rebuild(f->j, &err), RK_OK);
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	char *after = tu_dump_tables(f->j);
	assert_string_equal(before, after);
	assert_int_equal(events_verify(f->j, &err), RK_OK);
	free(before);
	free(after);
}

/* What the progress hook heard: each call's (done, total). */
static int64_t heard[8][2];
static int nheard;

static void hear(int64_t done, int64_t total, void *ctx)
{
	(void)ctx;
	if (nheard < 8) {
		heard[nheard][0] = done;
		heard[nheard][1] = total;
	}
	nheard++;
}

/* A long replay says how far it is: every `every` events and at its end,
 * against the journal's total; a journal smaller than `every` says nothing. */
static void test_a_rebuild_reports_its_progress(void **state)
{
	struct fixture *f = *state;
	struct rk_err err = {0};
	enum events_result res;
	struct order_rec o = order("o1", OSTATUS_OPEN, "0"), o2 = order("o2", OSTATUS_OPEN, "0"),
			 o3 = order("o3", OSTATUS_OPEN, "0");
	struct fill_rec f1 = fill("f1", SIDE_BUY), f2 = fill("f2", SIDE_BUY);
	assert_int_equal(append_order(f->j, &o, &res, &err), RK_OK);
	assert_int_equal(append_fill(f->j, &f1, &res, &err), RK_OK);
	assert_int_equal(append_fill(f->j, &f2, &res, &err), RK_OK);
	assert_int_equal(append_order(f->j, &o2, &res, &err), RK_OK);
	assert_int_equal(append_order(f->j, &o3, &res, &err), RK_OK);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events"), 5);
	nheard = 0;
	events_set_progress(hear, 2, NULL);
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	assert_int_equal(events_rebuild(f->j, &err), RK_OK);
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	assert_int_equal(nheard, 3); /* 2, 4, then the end: 5 */
	assert_int_equal(heard[0][0], 2);
	assert_int_equal(heard[1][0], 4);
	assert_int_equal(heard[2][0], 5);
	for (int i = 0; i < 3; i++)
		assert_int_equal(heard[i][1], 5);
	nheard = 0;
	events_set_progress(hear, 6, NULL); /* more than the journal holds */
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	assert_int_equal(events_rebuild(f->j, &err), RK_OK);
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	assert_int_equal(nheard, 0);
	events_set_progress(NULL, 0, NULL);
	assert_int_equal(events_verify(f->j, &err), RK_OK);
}

static void test_every_materialized_table_is_named_once(void **state)
{
	struct fixture *f = *state;
	size_t n = 0;
	for (; EVENTS_TABLES[n]; n++) {
		char sql[160];
		snprintf(sql, sizeof sql,
			 "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = '%s'",
			 EVENTS_TABLES[n]);
		assert_int_equal(tu_query_int(f->j, sql), 1);
		for (size_t k = 0; k < n; k++)
			assert_string_not_equal(EVENTS_TABLES[k], EVENTS_TABLES[n]);
	}
	assert_true(n > 0);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_an_appended_event_is_stored_and_applied),
		T(test_a_duplicate_is_neither_stored_nor_applied_again),
		T(test_a_stale_report_is_stored_but_changes_no_state),
		T(test_a_projection_refusal_is_the_appends_error),
		T(test_an_unknown_event_type_is_refused_as_newer),
		T(test_a_reconciler_id_that_is_not_an_exact_integer_is_refused),
		T(test_a_rebuild_reproduces_every_table),
		T(test_a_rebuild_reports_its_progress),
		T(test_every_materialized_table_is_named_once),
	};
#undef T
	return cmocka_run_group_tests(tests, NULL, NULL);
}
