/*
 * test_recon_history.c — the open orders' history as recon_store_load reads
 * it (missing passes, missing since, failed lookups, last lookup), against
 * the per-order queries it replaced, run here as they were, one order at a
 * time. The journal has many runs, complete or not, with stale findings of
 * some orders (twice in one run, skipped runs, gaps) and close_local_order
 * lookups of every outcome, generated from a fixed seed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "recon_journal.h"
#include "recon_store.h"
#include "rtime.h"
#include "testutil.h"

#define NORDERS 8
#define NRUNS 40

/* The per-order queries of recon_store.c before they were made set-based
 * (?1 venue, ?2 account, ?3 order id, spelled out as literals here). */
#define OLD_MISSING                                                                              \
	"SELECT count(*) || '|' || coalesce(min(f.created_at), '') FROM findings f"              \
	" JOIN recon_runs r ON r.id = f.run_id"                                                  \
	" WHERE f.kind = 'stale_local_order' AND f.venue = 'coinbase' AND f.account = 'default'" \
	" AND f.order_id = '%s'"                                                                 \
	" AND r.complete = 1 AND r.id > COALESCE((SELECT max(r2.id) FROM recon_runs r2"           \
	"   WHERE r2.venue = 'coinbase' AND r2.account = 'default' AND r2.complete = 1 AND NOT EXISTS" \
	"   (SELECT 1 FROM findings f2 WHERE f2.run_id = r2.id AND f2.kind = 'stale_local_order'" \
	"    AND f2.order_id = '%s')), 0)"
#define OLD_LOOKUPS                                                                              \
	"SELECT coalesce(sum(status = 'failed' AND id > coalesce((SELECT max(s.id) FROM actions s" \
	"   WHERE s.venue = 'coinbase' AND s.account = 'default' AND s.kind = 'close_local_order'" \
	"   AND s.order_id = '%s' AND s.status = 'succeeded'), 0)), 0) || '|' ||"                  \
	" coalesce((SELECT l.updated_at FROM actions l WHERE l.venue = 'coinbase'"               \
	"   AND l.account = 'default'"                                                            \
	"   AND l.kind = 'close_local_order' AND l.order_id = '%s'"                               \
	"   AND (l.status IN ('sent', 'succeeded', 'failed') OR l.response IS NOT NULL)"          \
	"   ORDER BY l.id DESC LIMIT 1), '')"                                                      \
	" FROM actions WHERE venue = 'coinbase' AND account = 'default'"                          \
	" AND kind = 'close_local_order' AND order_id = '%s'"

static uint64_t lcg(uint64_t *s)
{
	*s = *s * 6364136223846793005u + 1442695040888963407u;
	return *s >> 33;
}

static void ingest_order(struct journal *j, const char *id)
{
	char line[512], reason[256] = "";
	snprintf(line, sizeof line,
		 "{\"type\": \"order\", \"ts\": \"2025-11-22T13:00:00Z\", \"venue\": \"coinbase\","
		 " \"account\": \"default\", \"symbol\": \"BTC-USD\", \"order_id\": \"%s\","
		 " \"client_order_id\": \"c-%s\", \"side\": \"buy\", \"order_type\": \"limit\","
		 " \"status\": \"open\", \"qty\": \"1\", \"price\": \"100\", \"filled_qty\": \"0\"}",
		 id, id);
	if (tu_ingest(j, line, reason, sizeof reason) != INGEST_ACCEPTED)
		fail_msg("not accepted: %s", reason);
}

static void lookup(struct journal *j, int64_t run_id, const char *order_id,
		   enum action_status final, bool sent, int64_t at)
{
	struct rk_err err = {0};
	struct action a = {.kind = ACT_CLOSE_LOCAL_ORDER, .status = ASTAT_PLANNED, .depends_on = -1};
	int64_t id = 0;
	snprintf(a.symbol, sizeof a.symbol, "BTC-USD");
	snprintf(a.order_id, sizeof a.order_id, "%s", order_id);
	assert_int_equal(recon_journal_action(j, run_id, 0, VENUE_COINBASE, "default", &a, NULL,
					      NULL, 0, at, &id, &err), RK_OK);
	if (sent)
		assert_int_equal(recon_journal_action_update(j, id, VENUE_COINBASE, "default",
							     "BTC-USD", ASTAT_SENT, NULL, NULL, NULL,
							     at, &err), RK_OK);
	if (final != ASTAT_PLANNED)
		assert_int_equal(recon_journal_action_update(
					 j, id, VENUE_COINBASE, "default", "BTC-USD", final, NULL,
					 sent ? "{\"outcome\":\"unknown\"}" : NULL, NULL, at, &err),
				 RK_OK);
}

static void test_history_is_what_the_per_order_queries_said(void **state)
{
	(void)state;
	char db[128], ids[NORDERS + 2][16], sql[2048], want[128], got[128];
	struct journal *j = tu_open_temp_journal(db, sizeof db);
	struct rk_err err = {0};
	uint64_t seed = 2024;
	int64_t t0;
	assert_int_equal(rtime_parse("2025-11-22T18:00:00Z", &t0, &err), RK_OK);
	for (int i = 0; i < NORDERS + 2; i++) {
		snprintf(ids[i], sizeof ids[i], "o-%d", i);
		if (i < NORDERS)
			ingest_order(j, ids[i]); /* the last two are not open orders */
	}
	assert_int_equal(journal_begin(j, &err), RK_OK);
	for (int r = 0; r < NRUNS; r++) {
		int64_t at = t0 + (int64_t)r * 60 * 1000000, run_id = 0;
		bool complete = lcg(&seed) % 5 != 0;
		assert_int_equal(recon_journal_run_start(j, VENUE_COINBASE, "default", false, at,
							 &run_id, &err), RK_OK);
		for (int i = 0; i < NORDERS + 2; i++) {
			/* Order i is missing in most runs after run 3i, with gaps. */
			unsigned dice = (unsigned)(lcg(&seed) % 10);
			if (r < 3 * i || dice < 2)
				continue;
			char key[128];
			snprintf(key, sizeof key, "stale_local_order:coinbase:default:BTC-USD:%s", ids[i]);
			struct finding fd = {.kind = FIND_STALE_LOCAL_ORDER};
			snprintf(fd.symbol, sizeof fd.symbol, "BTC-USD");
			snprintf(fd.order_id, sizeof fd.order_id, "%s", ids[i]);
			snprintf(fd.key, sizeof fd.key, "%s", key);
			int64_t fid = 0;
			for (int twice = 0; twice < (dice == 9 ? 2 : 1); twice++)
				assert_int_equal(recon_journal_finding(j, run_id, VENUE_COINBASE, "default",
								       &fd, at - twice * 1000000, &fid,
								       &err), RK_OK);
			if (dice >= 5) {
				static const enum action_status fin[] = {ASTAT_FAILED, ASTAT_SUCCEEDED,
									 ASTAT_FAILED, ASTAT_SKIPPED,
									 ASTAT_SENT, ASTAT_PLANNED};
				enum action_status f = fin[lcg(&seed) % 6];
				lookup(j, run_id, ids[i], f, f != ASTAT_SKIPPED && f != ASTAT_PLANNED, at);
			}
		}
		assert_int_equal(recon_journal_run_end(j, run_id, VENUE_COINBASE, "default", complete,
						       NULL, NULL, at, &err), RK_OK);
	}
	assert_int_equal(journal_commit(j, &err), RK_OK);

	struct local_state s;
	struct venue_snapshot snap = {.complete = true};
	assert_int_equal(recon_store_load(j, VENUE_COINBASE, "default", &snap, t0, &s, &err), RK_OK);
	assert_int_equal(s.norders, NORDERS);
	int with_passes = 0, with_lookups = 0;
	for (size_t k = 0; k < s.norders; k++) {
		const struct local_order *lo = &s.orders[k];
		const char *id = lo->rec.order_id;
		char since[RTIME_STR_MAX] = "", last[RTIME_STR_MAX] = "";
		snprintf(sql, sizeof sql, OLD_MISSING, id, id);
		tu_query_text(j, sql, want, sizeof want);
		if (lo->missing_since_us)
			rtime_format(lo->missing_since_us, since);
		snprintf(got, sizeof got, "%d|%s", lo->missing_passes, lo->missing_passes ? since : "");
		assert_string_equal(got, want);
		snprintf(sql, sizeof sql, OLD_LOOKUPS, id, id, id);
		tu_query_text(j, sql, want, sizeof want);
		if (lo->last_lookup_us)
			rtime_format(lo->last_lookup_us, last);
		snprintf(got, sizeof got, "%d|%s", lo->lookup_failures, last);
		if (!want[0]) /* no lookup at all: the old query's sum had no row */
			snprintf(want, sizeof want, "0|");
		assert_string_equal(got, want);
		with_passes += lo->missing_passes > 1;
		with_lookups += lo->lookup_failures > 0;
	}
	/* The generated history has cases of each kind. */
	assert_true(with_passes >= 2);
	assert_true(with_lookups >= 2);
	recon_store_free(&s);
	journal_close(j);
	tu_remove_db(db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_history_is_what_the_per_order_queries_said),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
