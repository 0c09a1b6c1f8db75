/*
 * test_recon_store.c — reading the reconciler's local state (src/recon_store.c):
 * what it reads, that it fails closed, and that it reads one consistent view.
 *
 * The journal is written through the same functions the reconciler uses
 * (ingest lines, recon_journal_*), then read back with recon_store_load. Read
 * failures come from SQLite itself, through the progress-handler seam of
 * tests/support/readfault.h.
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

#include "audit.h"
#include "events.h"
#include "ingest.h"
#include "readfault.h"
#include "recon_journal.h"
#include "recon_store.h"
#include "rtime.h"
#include "testutil.h"

#define T0_TEXT "2025-11-22T18:00:00Z"

struct fx {
	char db[128];
	struct journal *j;
	int64_t now;
	struct venue_snapshot snap; /* two fills: one journaled, one not */
	struct fill_rec fills[2];
};

/* Test JSON is written with ' for " so it reads cleanly in C. */
static void ingest(struct fx *f, const char *quoted)
{
	char *s = strdup(quoted), reason[256] = "";
	assert_non_null(s);
	for (char *p = s; *p; p++)
		if (*p == '\'')
			*p = '"';
	if (tu_ingest(f->j, s, reason, sizeof reason) != INGEST_ACCEPTED)
		fail_msg("not accepted: %s (%s)", reason, s);
	free(s);
}

#define FILL(sym, id, qty, px) \
	"{'type': 'fill', 'ts': '2025-11-22T12:00:00Z', 'venue': 'coinbase', 'account': 'default'," \
	" 'symbol': '" sym "', 'fill_id': '" id "', 'order_id': 'o-" id "', 'side': 'buy'," \
	" 'qty': '" qty "', 'price': '" px "', 'liquidity': 'maker'}"
#define ORDER(sym, id, side, qty, px) \
	"{'type': 'order', 'ts': '2025-11-22T13:00:00Z', 'venue': 'coinbase', 'account': 'default'," \
	" 'symbol': '" sym "', 'order_id': '" id "', 'client_order_id': 'c-" id "', 'side': '" side "'," \
	" 'order_type': 'limit', 'status': 'open', 'purpose': 'exit', 'qty': '" qty "'," \
	" 'price': '" px "', 'filled_qty': '0'}"

/* Journals an ETH-USD buy fill of `order_id` as the reconciler does
 * (fills.inferred = 1): "inferred:..." ids stand in for unexplained quantity,
 * others are listed fills it recorded. */
static void reconciler_fill(struct fx *f, const char *fill_id, const char *order_id,
			    const char *qty)
{
	struct fill_rec fill;
	struct rk_err err = {0};
	enum events_result res;
	memset(&fill, 0, sizeof fill);
	snprintf(fill.ts, sizeof fill.ts, "2025-11-22T14:00:00Z");
	fill.venue = VENUE_COINBASE;
	snprintf(fill.account, sizeof fill.account, "default");
	snprintf(fill.symbol, sizeof fill.symbol, "ETH-USD");
	snprintf(fill.fill_id, sizeof fill.fill_id, "%s", fill_id);
	snprintf(fill.order_id, sizeof fill.order_id, "%s", order_id);
	fill.side = SIDE_BUY;
	fill.qty = tu_dec(qty);
	fill.price = tu_dec("3000");
	fill.inferred = true;
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	assert_int_equal(events_append_fill(f->j, &fill, "reconcile", &res, &err), RK_OK);
	assert_int_equal(journal_commit(f->j, &err), RK_OK);
	assert_int_equal(res, EVENTS_APPENDED);
}

static int64_t run(struct fx *f, bool complete, int64_t at)
{
	struct rk_err err = {0};
	int64_t id = 0;
	assert_int_equal(recon_journal_run_start(f->j, VENUE_COINBASE, "default", false, at, &id, &err),
			 RK_OK);
	assert_int_equal(recon_journal_run_end(f->j, id, VENUE_COINBASE, "default", complete, NULL,
					       NULL, at, &err), RK_OK);
	return id;
}

static int64_t finding(struct fx *f, int64_t run_id, enum finding_kind kind, const char *symbol,
		       const char *order_id, const char *key, int64_t at)
{
	struct rk_err err = {0};
	struct finding fd = {.kind = kind};
	int64_t id = 0;
	snprintf(fd.symbol, sizeof fd.symbol, "%s", symbol);
	snprintf(fd.order_id, sizeof fd.order_id, "%s", order_id);
	snprintf(fd.key, sizeof fd.key, "%s", key);
	assert_int_equal(recon_journal_finding(f->j, run_id, VENUE_COINBASE, "default", &fd, at, &id,
					       &err), RK_OK);
	return id;
}

/* An action journaled planned, then `sent`, then `final` at `at`. */
static void action(struct fx *f, int64_t run_id, int64_t finding_id, enum action_kind kind,
		   const char *symbol, const char *order_id, const char *cid,
		   enum action_status final, int64_t at)
{
	struct rk_err err = {0};
	struct action a = {.kind = kind, .status = ASTAT_PLANNED, .depends_on = -1};
	int64_t id = 0;
	snprintf(a.symbol, sizeof a.symbol, "%s", symbol);
	snprintf(a.order_id, sizeof a.order_id, "%s", order_id);
	assert_int_equal(recon_journal_action(f->j, run_id, finding_id, VENUE_COINBASE, "default", &a,
					      cid, NULL, 0, at, &id, &err), RK_OK);
	assert_int_equal(recon_journal_action_update(f->j, id, VENUE_COINBASE, "default", symbol,
						     ASTAT_SENT, NULL, NULL, NULL, at, &err), RK_OK);
	assert_int_equal(recon_journal_action_update(f->j, id, VENUE_COINBASE, "default", symbol,
						     final, NULL, "{\"outcome\":\"unknown\"}", NULL,
						     at, &err), RK_OK);
}

/*
 * The journal: ETH and SOL bought; an ETH exit and a BTC buy open; two
 * complete runs that found the BTC order missing, each with a failed lookup
 * of it (close_local_order) and, in the last hour, one verified cancel; a
 * failed stop placement for ETH; SOL halted. An ETH buy o-done of 5, filled:
 * reckon inferred 2 and then 3 of it, and a real fill of 4 superseded the 2
 * and 2 of the 3 (1 left); a listed fill reckon recorded for another order.
 */
static int fx_setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct rk_err err = {0};
	if (!f)
		return -1;
	*state = f;
	f->j = tu_open_temp_journal(f->db, sizeof f->db);
	assert_int_equal(rtime_parse(T0_TEXT, &f->now, &err), RK_OK);
	ingest(f, FILL("ETH-USD", "f-eth", "2", "3000"));
	ingest(f, FILL("SOL-USD", "f-sol", "10", "130"));
	ingest(f, ORDER("ETH-USD", "o-exit", "sell", "2", "3200"));
	ingest(f, ORDER("BTC-USD", "o-gone", "buy", "0.01", "79000"));
	ingest(f, ORDER("ETH-USD", "o-done", "buy", "5", "3000"));
	reconciler_fill(f, "inferred:o-done:2", "o-done", "2");
	reconciler_fill(f, "inferred:o-done:5", "o-done", "3");
	ingest(f, "{'type': 'fill', 'ts': '2025-11-22T15:00:00Z', 'venue': 'coinbase',"
		  " 'account': 'default', 'symbol': 'ETH-USD', 'fill_id': 'f-real',"
		  " 'order_id': 'o-done', 'side': 'buy', 'qty': '4', 'price': '3001'}");
	reconciler_fill(f, "f-listed", "o-listed", "1");

	const int64_t min = 60LL * 1000000;
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	int64_t r = 0;
	for (int k = 0; k < 2; k++) {
		int64_t at = f->now - (50 - 10 * k) * min;
		r = run(f, true, at);
		int64_t fd = finding(f, r, FIND_STALE_LOCAL_ORDER, "BTC-USD", "o-gone",
				     "stale_local_order:coinbase:default:BTC-USD:o-gone", at);
		action(f, r, fd, ACT_CLOSE_LOCAL_ORDER, "BTC-USD", "o-gone", NULL, ASTAT_FAILED, at);
	}
	/* The second run also cancelled an order and failed to place a stop. */
	action(f, r, 0, ACT_CANCEL_ORDER, "ETH-USD", "o-other", NULL, ASTAT_SUCCEEDED,
	       f->now - 40 * min);
	int64_t fd = finding(f, r, FIND_MISSING_STOP, "ETH-USD", "", "missing_stop:coinbase:default:ETH-USD",
			     f->now - 40 * min);
	action(f, r, fd, ACT_PLACE_STOP, "ETH-USD", "", "rk-attempt-0", ASTAT_FAILED, f->now - 40 * min);
	assert_int_equal(recon_journal_halt(f->j, VENUE_COINBASE, "default", "SOL-USD", "test halt",
					    f->now - 10 * min, &err), RK_OK);
	assert_int_equal(journal_commit(f->j, &err), RK_OK);

	f->snap.complete = true;
	f->snap.fills = f->fills;
	f->snap.nfills = 2;
	snprintf(f->fills[0].fill_id, sizeof f->fills[0].fill_id, "f-eth");
	snprintf(f->fills[1].fill_id, sizeof f->fills[1].fill_id, "f-unknown");
	return 0;
}

static int fx_teardown(void **state)
{
	struct fx *f = *state;
	rf_disarm(journal_db(f->j));
	journal_close(f->j);
	tu_remove_db(f->db);
	free(f);
	return 0;
}

static enum rk_rc load(struct fx *f, struct local_state *s, struct rk_err *err)
{
	return recon_store_load(f->j, VENUE_COINBASE, "default", &f->snap, f->now, s, err);
}

/* The whole state as text, to compare two loads. Caller frees. */
static char *state_text(const struct local_state *s, size_t nfills)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *o = open_memstream(&buf, &len);
	char a[DEC_STR_MAX], b[DEC_STR_MAX];
	assert_non_null(o);
	fprintf(o, "id=%s hour=%d\n", s->journal_id, s->destructive_last_hour);
	for (size_t i = 0; i < s->norders; i++) {
		const struct local_order *lo = &s->orders[i];
		fprintf(o, "order %s %s qty=%s fills=%s missing=%d/%lld lookups=%d/%lld\n",
			lo->rec.order_id, lo->rec.symbol, dec_format(lo->rec.qty, a),
			dec_format(lo->fills_qty, b), lo->missing_passes,
			(long long)lo->missing_since_us, lo->lookup_failures,
			(long long)lo->last_lookup_us);
	}
	for (size_t i = 0; i < s->npositions; i++)
		fprintf(o, "position %s %s avg=%s\n", s->positions[i].symbol,
			dec_format(s->positions[i].qty, a), dec_format(s->positions[i].avg_entry, b));
	for (size_t i = 0; i < nfills; i++)
		fprintf(o, "fill %zu known=%d\n", i, s->fill_known ? s->fill_known[i] : -1);
	for (size_t i = 0; i < s->ninferred; i++)
		fprintf(o, "inferred %s %s\n", s->inferred[i].order_id,
			dec_format(s->inferred[i].qty, a));
	for (size_t i = 0; i < s->nhalted; i++)
		fprintf(o, "halt %s\n", s->halted[i]);
	for (size_t i = 0; i < s->nattempts; i++)
		fprintf(o, "attempts %s %d\n", s->attempts[i].key, s->attempts[i].finished);
	fclose(o);
	return buf;
}

/* ---- what is read ---------------------------------------------------------- */

/* Issue 8 point 2: a close_local_order is a lookup, not a destructive
 * request: the hourly breaker counts only the cancel. Its failures are
 * counted per order (since the last success) with the time of the latest. */
static void test_lookups_are_not_destructive_and_their_failures_are_counted(void **state)
{
	struct fx *f = *state;
	struct local_state s;
	struct rk_err err = {0};
	assert_int_equal(load(f, &s, &err), RK_OK);
	assert_int_equal(s.destructive_last_hour, 1);
	assert_int_equal(s.norders, 2);
	const struct local_order *gone = strcmp(s.orders[0].rec.order_id, "o-gone") == 0
						 ? &s.orders[0] : &s.orders[1];
	assert_string_equal(gone->rec.order_id, "o-gone");
	assert_int_equal(gone->lookup_failures, 2);
	assert_int_equal(gone->last_lookup_us, f->now - 40LL * 60 * 1000000);
	assert_int_equal(gone->missing_passes, 2);
	const struct local_order *exit = gone == &s.orders[0] ? &s.orders[1] : &s.orders[0];
	assert_int_equal(exit->lookup_failures, 0);
	assert_int_equal(exit->last_lookup_us, 0);
	recon_store_free(&s);
}

static void test_everything_the_planner_needs_is_read(void **state)
{
	struct fx *f = *state;
	struct local_state s;
	struct rk_err err = {0};
	char id[80];
	assert_int_equal(load(f, &s, &err), RK_OK);
	tu_query_text(f->j, "SELECT value FROM journal_meta WHERE key = 'journal_id'", id, sizeof id);
	assert_int_equal(strlen(id), 32);
	assert_string_equal(s.journal_id, id);
	assert_int_equal(s.npositions, 2);
	assert_int_equal(s.nhalted, 1);
	assert_string_equal(s.halted[0], "SOL-USD");
	assert_int_equal(s.nattempts, 1);
	assert_string_equal(s.attempts[0].key, "missing_stop:coinbase:default:ETH-USD");
	assert_true(s.fill_known[0]);
	assert_false(s.fill_known[1]);
	recon_store_free(&s);
}

/* What the journal's fills explain of an order (fills_qty) is read apart from
 * its reported filled quantity, and the inferred quantity real fills have not
 * superseded yet is read for every order, open or finished (a real fill
 * listed later supersedes it: reconcile.h). */
static void test_fills_qty_and_unsuperseded_inferred_fills_are_read(void **state)
{
	struct fx *f = *state;
	struct local_state s;
	struct rk_err err = {0};
	char q[DEC_STR_MAX];
	/* A bot reported filled 4 of 10 and sent only a fill of 1. */
	ingest(f, "{'type': 'order', 'ts': '2025-11-22T16:00:00Z', 'venue': 'coinbase',"
		  " 'account': 'default', 'symbol': 'ADA-USD', 'order_id': 'o-part', 'side': 'buy',"
		  " 'order_type': 'limit', 'status': 'partially_filled', 'qty': '10', 'price': '1',"
		  " 'filled_qty': '4'}");
	ingest(f, "{'type': 'fill', 'ts': '2025-11-22T16:00:01Z', 'venue': 'coinbase',"
		  " 'account': 'default', 'symbol': 'ADA-USD', 'fill_id': 'f-ada',"
		  " 'order_id': 'o-part', 'side': 'buy', 'qty': '1', 'price': '1'}");
	assert_int_equal(load(f, &s, &err), RK_OK);
	const struct local_order *part = NULL;
	for (size_t i = 0; i < s.norders; i++)
		if (strcmp(s.orders[i].rec.order_id, "o-part") == 0)
			part = &s.orders[i];
	assert_non_null(part);
	assert_string_equal(dec_format(part->rec.filled_qty, q), "4");
	assert_string_equal(dec_format(part->fills_qty, q), "1");
	/* o-done is finished (not among the open orders) and still listed; the
	 * listed fill f-listed stands in for nothing. */
	assert_int_equal(s.ninferred, 1);
	assert_string_equal(s.inferred[0].order_id, "o-done");
	assert_string_equal(dec_format(s.inferred[0].qty, q), "1");
	recon_store_free(&s);
	assert_null(s.inferred);

	/* A superseded_qty beyond qty is a corrupt journal, not a negative amount. */
	assert_int_equal(sqlite3_exec(journal_db(f->j),
				      "UPDATE fills SET superseded_qty = '9'"
				      " WHERE fill_id = 'inferred:o-done:5'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(load(f, &s, &err), RK_ECORRUPT);
	assert_non_null(strstr(err.msg, "inferred:o-done:5"));
	assert_null(s.inferred);
}

/* ---- issue 8 point 6: the journal's identity -------------------------------- */

/* Created once by the migration, kept across reopening, different in every
 * journal, and audit verify is still satisfied with the journal. */
static void test_journal_identity_is_created_once_and_kept(void **state)
{
	struct fx *f = *state;
	struct rk_err err = {0};
	char before[80], after[80], other_id[80], other_db[128];
	tu_query_text(f->j, "SELECT value FROM journal_meta WHERE key = 'journal_id'", before,
		      sizeof before);
	journal_close(f->j);
	assert_int_equal(events_open(f->db, JOURNAL_WRITE, JOURNAL_ANY, &f->j, &err), RK_OK);
	tu_query_text(f->j, "SELECT value FROM journal_meta WHERE key = 'journal_id'", after,
		      sizeof after);
	assert_string_equal(before, after);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM journal_meta"), 1);

	struct journal *other = tu_open_temp_journal(other_db, sizeof other_db);
	tu_query_text(other, "SELECT value FROM journal_meta WHERE key = 'journal_id'", other_id,
		      sizeof other_id);
	journal_close(other);
	tu_remove_db(other_db);
	assert_int_equal(strlen(other_id), 32);
	assert_string_not_equal(other_id, before);

	struct audit_result res;
	if (audit_verify(f->j, &res, &err) != RK_OK)
		fail_msg("audit verify: %s", err.msg);
	assert_string_equal(after, (tu_query_text(f->j, "SELECT value FROM journal_meta", before,
						  sizeof before), before));
}

/* A journal whose identity was removed or mangled (its triggers dropped from
 * outside) is refused: client order ids are never derived without it. */
static void test_missing_or_malformed_journal_identity_refuses_the_load(void **state)
{
	struct fx *f = *state;
	struct rk_err err = {0};
	struct local_state s = {0};
	assert_int_equal(sqlite3_exec(journal_db(f->j),
				      "DROP TRIGGER journal_meta_no_update;"
				      " UPDATE journal_meta SET value = 'not-hex';",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(load(f, &s, &err), RK_ECORRUPT);
	assert_non_null(strstr(err.msg, "journal_id"));
	recon_store_free(&s);
	assert_int_equal(sqlite3_exec(journal_db(f->j),
				      "DROP TRIGGER journal_meta_no_delete;"
				      " DELETE FROM journal_meta;",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	assert_int_equal(load(f, &s, &err), RK_ECORRUPT);
	assert_non_null(strstr(err.msg, "journal_id"));
	recon_store_free(&s);
}

/* ---- issue 8 point 1: fail closed, one consistent view ---------------------- */

/* With every read failing, the load is an error naming what it read, and
 * leaves nothing behind that a caller could plan from. */
static void test_failed_reads_are_an_error_not_an_empty_state(void **state)
{
	struct fx *f = *state;
	struct local_state s;
	struct rk_err err = {0};
	rf_arm(journal_db(f->j), RF_ALL_READS_FAIL, 0, false);
	enum rk_rc rc = load(f, &s, &err);
	rf_disarm(journal_db(f->j));
	assert_int_equal(rc, RK_EDB);
	assert_true(rf_reads_failed() > 0);
	assert_non_null(strstr(err.msg, "reading"));
	assert_int_equal(s.norders + s.npositions + s.nhalted + s.nattempts, 0);
	assert_null(s.orders);
	/* The read transaction was ended: the journal takes writes again. */
	assert_int_equal(journal_begin(f->j, &err), RK_OK);
	journal_rollback(f->j);
}

/*
 * Whichever single read fails — the nth VM step of any SELECT, for every n
 * until the load runs through without meeting the fault — the load either
 * returns an error or the complete state; never a part of it.
 */
static void test_any_failed_read_aborts_the_load_never_a_partial_state(void **state)
{
	struct fx *f = *state;
	struct local_state s;
	struct rk_err err = {0};
	assert_int_equal(load(f, &s, &err), RK_OK);
	char *want = state_text(&s, f->snap.nfills);
	recon_store_free(&s);

	long errors = 0, n;
	for (n = 1;; n++) {
		memset(&err, 0, sizeof err);
		rf_arm(journal_db(f->j), RF_NTH_READ_FAILS, n, false);
		enum rk_rc rc = load(f, &s, &err);
		long failed = rf_reads_failed();
		rf_disarm(journal_db(f->j));
		if (failed == 0) {
			/* The load ended before its nth read step: every read was faulted once. */
			assert_int_equal(rc, RK_OK);
			free(state_text(&s, f->snap.nfills));
			recon_store_free(&s);
			break;
		}
		if (rc == RK_OK) {
			char *have = state_text(&s, f->snap.nfills);
			if (strcmp(have, want) != 0)
				fail_msg("read step %ld failed and the load returned a partial state:\n%s\n"
					 "instead of\n%s", n, have, want);
			free(have);
		} else {
			errors++;
			assert_int_equal(s.norders + s.npositions + s.nhalted + s.nattempts, 0);
		}
		recon_store_free(&s);
	}
	free(want);
	assert_true(n > 50);
	assert_int_equal(errors, n - 1); /* a failed step is never swallowed */
}

/* A writer commits a halt (from another connection) after the load has read
 * the orders and before it reads the halts. The load reads one snapshot, the
 * one its first read saw: the halt is not in it (a pass that planned from
 * orders of one moment and halts of another could act on a symbol halted
 * because of an order it never saw). */
static struct {
	const char *db;
	bool done;
} g_writer;

static void write_between_reads(const char *sql, void *arg)
{
	(void)arg;
	struct journal *other = NULL;
	struct rk_err err = {0};
	if (g_writer.done || !strstr(sql, "FROM positions"))
		return;
	g_writer.done = true;
	assert_int_equal(events_open(g_writer.db, JOURNAL_WRITE, JOURNAL_ANY, &other, &err), RK_OK);
	assert_int_equal(journal_begin(other, &err), RK_OK);
	assert_int_equal(recon_journal_halt(other, VENUE_COINBASE, "default", "ADA-USD", "concurrent",
					    0, &err), RK_OK);
	assert_int_equal(journal_commit(other, &err), RK_OK);
	journal_close(other);
}

static void test_local_state_is_one_consistent_view(void **state)
{
	struct fx *f = *state;
	struct local_state s;
	struct rk_err err = {0};
	g_writer.db = f->db;
	g_writer.done = false;
	rf_arm(journal_db(f->j), RF_NTH_READ_FAILS, 0, false); /* observe only */
	rf_set_hook(write_between_reads, NULL);
	enum rk_rc rc = load(f, &s, &err);
	rf_disarm(journal_db(f->j));
	assert_int_equal(rc, RK_OK);
	assert_true(g_writer.done);
	/* The halt was committed after the load's first read: not in its view. */
	assert_int_equal(s.nhalted, 1);
	assert_string_equal(s.halted[0], "SOL-USD");
	recon_store_free(&s);
	/* The next load sees it. */
	assert_int_equal(load(f, &s, &err), RK_OK);
	assert_int_equal(s.nhalted, 2);
	recon_store_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
#define TEST(name) cmocka_unit_test_setup_teardown(name, fx_setup, fx_teardown)
		TEST(test_lookups_are_not_destructive_and_their_failures_are_counted),
		TEST(test_everything_the_planner_needs_is_read),
		TEST(test_fills_qty_and_unsuperseded_inferred_fills_are_read),
		TEST(test_journal_identity_is_created_once_and_kept),
		TEST(test_missing_or_malformed_journal_identity_refuses_the_load),
		TEST(test_failed_reads_are_an_error_not_an_empty_state),
		TEST(test_any_failed_read_aborts_the_load_never_a_partial_state),
		TEST(test_local_state_is_one_consistent_view),
#undef TEST
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
