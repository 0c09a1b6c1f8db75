/*
 * test_report_daily.c — the daily report from a journal with known trades:
 * the figures gathered through the named queries (journal/daily.h), the
 * text and HTML (report/report_daily.h), the PNG charts, the MIME message,
 * the journal of sent reports, the schedule, local days in named zones
 * (lib/rk_tz.h), and a failed read that must abort the report.
 *
 * The trades (spot BTC-USD, FIFO unit cost 30030 after the 15 USD fee):
 *   2025-11-21 09:00:01Z  buy 0.5 @ 30000, fee 15
 *   2025-11-22 10:00Z     sell 0.2 @ 31000, fee 6.2   realizes +187.8
 *   2025-11-22 11:00Z     sell 0.1 @ 29000, fee 2.9   realizes -105.9
 *   2025-11-22 23:30Z     sell 0.1 @ 32000, fee 3.2   realizes +193.8
 *                         (00:30 on 2025-11-23 in Europe/Berlin)
 *   2025-11-22 12:00Z     ETHUSDT buy 2 @ 2000, fee 0.01 BNB, stop 1900 for 2
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "audit.h"
#include "chart.h"
#include "daily.h"
#include "daily_mail.h"
#include "dec.h"
#include "mime.h"
#include "query.h"
#include "readfault.h"
#include "report_daily.h"
#include "rk_tz.h"
#include "rtime.h"
#include "smtp.h"
#include "testutil.h"

static const char *const TRADES[] = {
	"{\"type\":\"fill\",\"ts\":\"2025-11-21T09:00:01Z\",\"venue\":\"coinbase\",\"symbol\":\"BTC-USD\","
	"\"fill_id\":\"f1\",\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"0.5\",\"price\":\"30000\","
	"\"fee\":\"15\",\"fee_currency\":\"USD\"}",
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:00Z\",\"venue\":\"coinbase\",\"symbol\":\"BTC-USD\","
	"\"fill_id\":\"f2\",\"order_id\":\"o2\",\"side\":\"sell\",\"qty\":\"0.2\",\"price\":\"31000\","
	"\"fee\":\"6.2\",\"fee_currency\":\"USD\"}",
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T11:00:00Z\",\"venue\":\"coinbase\",\"symbol\":\"BTC-USD\","
	"\"fill_id\":\"f3\",\"order_id\":\"o3\",\"side\":\"sell\",\"qty\":\"0.1\",\"price\":\"29000\","
	"\"fee\":\"2.9\",\"fee_currency\":\"USD\"}",
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T23:30:00Z\",\"venue\":\"coinbase\",\"symbol\":\"BTC-USD\","
	"\"fill_id\":\"f5\",\"order_id\":\"o6\",\"side\":\"sell\",\"qty\":\"0.1\",\"price\":\"32000\","
	"\"fee\":\"3.2\",\"fee_currency\":\"USD\"}",
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T12:00:00Z\",\"venue\":\"binance-usdm\",\"symbol\":\"ETHUSDT\","
	"\"fill_id\":\"f4\",\"order_id\":\"o4\",\"side\":\"buy\",\"qty\":\"2\",\"price\":\"2000\","
	"\"fee\":\"0.01\",\"fee_currency\":\"BNB\"}",
	"{\"type\":\"order\",\"ts\":\"2025-11-22T12:30:00Z\",\"venue\":\"binance-usdm\",\"symbol\":\"ETHUSDT\","
	"\"order_id\":\"o5\",\"side\":\"sell\",\"order_type\":\"stop_market\",\"status\":\"open\",\"qty\":\"2\","
	"\"stop_price\":\"1900\",\"purpose\":\"stop_loss\",\"reduce_only\":true}",
};

struct fx {
	struct journal *j;
	char path[128];
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	f->j = tu_open_temp_journal(f->path, sizeof f->path);
	for (size_t i = 0; i < sizeof TRADES / sizeof TRADES[0]; i++)
		assert_int_equal(tu_ingest(f->j, TRADES[i], NULL, 0), INGEST_ACCEPTED);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	journal_close(f->j);
	tu_remove_db(f->path);
	free(f);
	return 0;
}

/* ---- a fake audit_gaps: the gaps a test sets ---- */

static struct audit_gap g_gaps[4];
static size_t g_ngaps;
static int g_gaps_fail;

static enum rk_rc fake_gaps(struct journal *j, const struct audit_gap_filter *flt,
			    struct audit_gap **out, size_t *n, struct rk_err *err)
{
	(void)j;
	if (g_gaps_fail)
		return rk_err_set(err, RK_EDB, "gaps: disk on fire");
	*out = NULL;
	*n = 0;
	if (!g_ngaps)
		return RK_OK;
	*out = calloc(g_ngaps, sizeof **out);
	for (size_t i = 0; i < g_ngaps; i++)
		if ((!flt->to_us || g_gaps[i].start_us < flt->to_us) &&
		    (!g_gaps[i].end_us || g_gaps[i].end_us > flt->from_us))
			(*out)[(*n)++] = g_gaps[i];
	return RK_OK;
}

static int64_t us_of(const char *ts)
{
	int64_t us = 0;
	assert_int_equal(rtime_parse(ts, &us, NULL), RK_OK);
	return us;
}

static void gather(struct fx *f, const char *date, const char *tz, struct daily_report *r)
{
	struct rk_err err = {0};
	struct daily_opts o = {.date = date, .tz = tz, .gaps = fake_gaps,
			       .now_us = us_of("2025-11-24T07:00:00Z")};
	memset(r, 0, sizeof *r);
	enum rk_rc rc = daily_gather(f->j, &o, r, &err);
	if (rc)
		fail_msg("daily_gather: %s", err.msg);
}

/* Two decimal texts are the same amount. */
static void assert_amount(const char *got, const char *want)
{
	struct dec a, b;
	if (dec_parse_cstr(got, &a) || dec_parse_cstr(want, &b) || !dec_eq(a, b))
		fail_msg("amount '%s', want %s", got, want);
}

static char *text_of(const struct daily_report *r)
{
	struct rk_buf b = {0};
	struct rk_err err = {0};
	assert_int_equal(report_daily_text(r, &b, &err), RK_OK);
	return rk_buf_take(&b);
}

/* ---- the figures ---- */

static void test_headline_figures_of_a_utc_day(void **state)
{
	struct daily_report r;
	g_ngaps = 0, g_gaps_fail = 0;
	gather(*state, "2025-11-22", "UTC", &r);
	assert_int_equal(r.day.n, 1);
	assert_string_equal(r.day.v[0].quote, "USD");
	assert_amount(r.day.v[0].realized, "275.7"); /* 187.8 - 105.9 + 193.8 */
	assert_int_equal(r.day.v[0].closing_fills, 3);
	assert_int_equal(r.day.v[0].wins, 2);
	assert_int_equal(r.day.v[0].losses, 1);
	assert_int_equal(r.fills, 4);
	assert_int_equal(r.fees.n, 2);
	assert_string_equal(r.fees.v[0].currency, "BNB");
	assert_amount(r.fees.v[0].fees, "0.01");
	assert_amount(r.fees.v[1].fees, "12.3");
	assert_int_equal(r.month.n, 1);
	assert_amount(r.month.v[0].realized, "275.7");
	assert_string_equal(r.month_start, "2025-11-01");
	assert_int_equal(r.winners.n, 2);
	assert_amount(r.winners.v[0].realized, "193.8");
	assert_amount(r.winners.v[1].realized, "187.8");
	assert_int_equal(r.losers.n, 1);
	assert_amount(r.losers.v[0].realized, "-105.9");
	assert_int_equal(r.symbols.n, 1);
	assert_string_equal(r.symbols.v[0].symbol, "BTC-USD");
	daily_report_free(&r);
}

/* gather() with the real gaps (audit_gaps) and the clock at `now`. */
static void gather_at(struct fx *f, const char *date, const char *now, struct daily_report *r)
{
	struct rk_err err = {0};
	struct daily_opts o = {.date = date, .tz = "UTC", .gaps = audit_gaps, .now_us = us_of(now)};
	memset(r, 0, sizeof *r);
	if (daily_gather(f->j, &o, r, &err))
		fail_msg("daily_gather: %s", err.msg);
}

static void test_open_positions_with_last_price_and_stop(void **state)
{
	struct daily_report r;
	gather_at(*state, "2025-11-22", "2025-11-24T07:00:00Z", &r);
	assert_true(r.day_over);
	assert_int_equal(r.positions.n, 2);
	const struct daily_position *btc = &r.positions.v[1], *eth = &r.positions.v[0];
	assert_string_equal(btc->symbol, "BTC-USD");
	assert_amount(btc->qty, "0.1");
	assert_amount(btc->cost_basis, "3003");
	assert_amount(btc->last_price, "32000");
	assert_amount(btc->unrealized, "197");
	assert_string_equal(btc->state, "UNPROTECTED");
	assert_string_equal(btc->stop_price, "");
	assert_string_equal(eth->symbol, "ETHUSDT");
	assert_string_equal(eth->state, "protected");
	assert_string_equal(eth->stop_price, "1900");
	assert_amount(eth->stop_distance, "100");
	assert_int_equal(r.unprotected_now, 1);
	daily_report_free(&r);
}

/* A past day's positions are those of its end, whenever the report is
 * made: the fills, closes and cancels after it do not show. */
static void test_a_past_days_positions_and_stops_are_those_of_its_end(void **state)
{
	struct fx *f = *state;
	struct daily_report r;
	static const char *const LATER[] = {
		/* the ETH stop is cancelled and the position sold the next day */
		"{\"type\":\"order\",\"ts\":\"2025-11-23T08:00:00Z\",\"venue\":\"binance-usdm\","
		"\"symbol\":\"ETHUSDT\",\"order_id\":\"o5\",\"side\":\"sell\",\"order_type\":"
		"\"stop_market\",\"status\":\"cancelled\",\"qty\":\"2\",\"stop_price\":\"1900\","
		"\"purpose\":\"stop_loss\",\"reduce_only\":true}",
		"{\"type\":\"fill\",\"ts\":\"2025-11-23T09:00:00Z\",\"venue\":\"binance-usdm\","
		"\"symbol\":\"ETHUSDT\",\"fill_id\":\"f7\",\"order_id\":\"o7\",\"side\":\"sell\","
		"\"qty\":\"2\",\"price\":\"2100\"}",
		/* and the last BTC */
		"{\"type\":\"fill\",\"ts\":\"2025-11-23T10:00:00Z\",\"venue\":\"coinbase\","
		"\"symbol\":\"BTC-USD\",\"fill_id\":\"f8\",\"order_id\":\"o8\",\"side\":\"sell\","
		"\"qty\":\"0.1\",\"price\":\"33000\"}",
	};
	for (size_t i = 0; i < sizeof LATER / sizeof LATER[0]; i++)
		assert_int_equal(tu_ingest(f->j, LATER[i], NULL, 0), INGEST_ACCEPTED);

	/* 2025-11-21: the first BTC buy only, never protected */
	gather_at(f, "2025-11-21", "2025-11-24T07:00:00Z", &r);
	assert_int_equal(r.positions.n, 1);
	assert_string_equal(r.positions.v[0].symbol, "BTC-USD");
	assert_amount(r.positions.v[0].qty, "0.5");
	assert_amount(r.positions.v[0].cost_basis, "15015");
	assert_amount(r.positions.v[0].last_price, "30000");
	assert_amount(r.positions.v[0].unrealized, "-15");
	assert_string_equal(r.positions.v[0].state, "UNPROTECTED");
	char *t = text_of(&r);
	assert_non_null(strstr(t, "At the end of the day (FIFO lots)"));
	free(t);
	daily_report_free(&r);

	/* 2025-11-22: the ETH stop stood at the day's end, cancelled only later */
	gather_at(f, "2025-11-22", "2025-11-24T07:00:00Z", &r);
	assert_int_equal(r.positions.n, 2);
	const struct daily_position *btc = &r.positions.v[1], *eth = &r.positions.v[0];
	assert_string_equal(eth->symbol, "ETHUSDT");
	assert_amount(eth->qty, "2");
	assert_string_equal(eth->stop_price, "1900");
	assert_amount(eth->stop_distance, "100");
	assert_string_equal(eth->state, "protected");
	assert_string_equal(btc->symbol, "BTC-USD");
	assert_amount(btc->qty, "0.1");
	assert_amount(btc->last_price, "32000");
	assert_string_equal(btc->state, "UNPROTECTED");
	/* nothing is unprotected now: both positions are closed */
	assert_int_equal(r.unprotected_now, 0);
	daily_report_free(&r);

	/* 2025-11-23: flat at its end */
	gather_at(f, "2025-11-23", "2025-11-24T07:00:00Z", &r);
	assert_int_equal(r.positions.n, 0);
	daily_report_free(&r);

	/* a day not over yet is "now" */
	gather_at(f, "2025-11-24", "2025-11-24T07:00:00Z", &r);
	assert_false(r.day_over);
	assert_int_equal(r.positions.n, 0);
	t = text_of(&r);
	assert_non_null(strstr(t, "None: flat."));
	free(t);
	daily_report_free(&r);
}

/* The report's figures are those of the named queries for the same day. */
struct capture {
	char realized[96];
	long rows;
};

static enum rk_rc cap_cols(void *ctx, size_t n, const char *const *names, struct rk_err *err)
{
	(void)ctx, (void)n, (void)names, (void)err;
	return RK_OK;
}

static enum rk_rc cap_row(void *ctx, const struct rk_cell *c, struct rk_err *err)
{
	struct capture *k = ctx;
	(void)err;
	snprintf(k->realized, sizeof k->realized, "%s", c[4].text ? c[4].text : "");
	k->rows++;
	return RK_OK;
}

static void test_figures_equal_the_named_query(void **state)
{
	struct fx *f = *state;
	struct daily_report r;
	struct query_def q;
	struct capture k = {0};
	struct rk_err err = {0};
	struct query_arg args[2] = {{"from_ts", "2025-11-21T23:00:00.000000Z"},
				    {"to_ts", "2025-11-22T23:00:00.000000Z"}};
	struct rk_row_sink sink = {cap_cols, cap_row, &k};
	g_ngaps = 0, g_gaps_fail = 0;
	gather(f, "2025-11-22", "Europe/Berlin", &r);
	assert_int_equal(query_find("pnl_between", &q, &err), RK_OK);
	assert_int_equal(query_run(f->j, &q, args, 2, &sink, NULL, &err), RK_OK);
	assert_int_equal(k.rows, 1);
	assert_string_equal(r.day.v[0].realized, k.realized); /* the same text */
	daily_report_free(&r);
}

static void test_zone_whose_day_differs_from_utc(void **state)
{
	struct daily_report r;
	g_ngaps = 0, g_gaps_fail = 0;
	gather(*state, "2025-11-22", "Europe/Berlin", &r);
	assert_string_equal(r.from_ts, "2025-11-21T23:00:00.000000Z");
	assert_string_equal(r.to_ts, "2025-11-22T23:00:00.000000Z");
	assert_amount(r.day.v[0].realized, "81.9"); /* the 23:30Z sale is on the 23rd */
	assert_int_equal(r.day.v[0].wins, 1);
	assert_int_equal(r.day.v[0].losses, 1);
	daily_report_free(&r);

	gather(*state, "2025-11-23", "Europe/Berlin", &r);
	assert_int_equal(r.day.n, 1);
	assert_amount(r.day.v[0].realized, "193.8");
	assert_amount(r.days[DAILY_DAYS - 1].realized, "193.8");
	assert_amount(r.days[DAILY_DAYS - 2].realized, "81.9");
	assert_string_equal(r.days[DAILY_DAYS - 2].date, "2025-11-22");
	assert_amount(r.month.v[0].realized, "275.7");
	char *t = text_of(&r);
	assert_non_null(strstr(t, "Realized P&L: +193.8 USD"));
	assert_non_null(strstr(t, "00:30       BTC-USD")); /* local time of the close */
	free(t);
	daily_report_free(&r);
}

/* The roll-up plus the pieces at each end equal a plain sum over every row
 * of the period, in zones east and west of UTC, some far enough that the
 * nearest UTC midnight is the other day's. */
static void test_sums_over_local_days_equal_plain_sums(void **state)
{
	struct fx *f = *state;
	static const char *const zones[] = {"UTC", "Europe/Berlin", "America/Los_Angeles",
					    "Asia/Kolkata", "Pacific/Kiritimati", "Pacific/Pago_Pago"};
	static const char *const days[] = {"2025-11-20", "2025-11-21", "2025-11-22", "2025-11-23"};
	g_ngaps = 0, g_gaps_fail = 0;
	for (size_t z = 0; z < 6; z++)
		for (size_t d = 0; d < 4; d++) {
			struct daily_report r;
			char sql[512], want[96], fees[96], fills[32];
			gather(f, days[d], zones[z], &r);
			snprintf(sql, sizeof sql,
				 "SELECT COALESCE(decimal_sum(realized_pnl), '') || ' ' || count(*) "
				 "FROM lot_closes WHERE closed_at >= '%s' AND closed_at < '%s'",
				 r.from_ts, r.to_ts);
			tu_query_text(f->j, sql, want, sizeof want);
			char got[128];
			snprintf(got, sizeof got, "%s %ld", r.day.n ? r.day.v[0].realized : "",
				 r.day.n ? r.day.v[0].closing_fills : 0L);
			if (strcmp(want, "0") == 0 || strcmp(want, " 0") == 0)
				assert_int_equal(r.day.n, 0);
			else {
				char *sp = strchr(want, ' ');
				*sp = '\0';
				assert_amount(r.day.v[0].realized, want);
				assert_int_equal(r.day.v[0].closing_fills, atol(sp + 1));
			}
			snprintf(sql, sizeof sql,
				 "SELECT COALESCE(decimal_sum(fee), '0') FROM fills WHERE fee_currency = "
				 "'USD' AND ts >= '%s' AND ts < '%s'", r.from_ts, r.to_ts);
			tu_query_text(f->j, sql, fees, sizeof fees);
			snprintf(sql, sizeof sql, "SELECT count(*) FROM fills WHERE ts >= '%s' AND ts < '%s'",
				 r.from_ts, r.to_ts);
			tu_query_text(f->j, sql, fills, sizeof fills);
			assert_int_equal(r.fills, atol(fills));
			const char *usd = "0";
			for (size_t i = 0; i < r.fees.n; i++)
				if (strcmp(r.fees.v[i].currency, "USD") == 0)
					usd = r.fees.v[i].fees;
			assert_amount(usd, fees);
			daily_report_free(&r);
		}
}

static void test_empty_day(void **state)
{
	struct daily_report r;
	g_ngaps = 0, g_gaps_fail = 0;
	gather(*state, "2025-11-25", "UTC", &r);
	assert_int_equal(r.day.n, 0);
	assert_int_equal(r.fills, 0);
	assert_int_equal(r.winners.n + r.losers.n + r.symbols.n, 0);
	assert_int_equal(r.curve.n, 0);
	assert_true(r.gaps_available);
	char *t = text_of(&r);
	assert_non_null(strstr(t, "Realized P&L: 0 (no closing fills)"));
	assert_non_null(strstr(t, "Fills: 0. Fees: 0"));
	assert_non_null(strstr(t, "Unprotected time today: 0 \xe2\x80\x94 every position was "
				  "protected all day"));
	assert_non_null(strstr(t, "Month to date (from 2025-11-01): +275.7 USD"));
	assert_null(strstr(t, "Alerts\n------\n  ! failed"));
	free(t);
	daily_report_free(&r);
}

static void exec_sql(struct fx *f, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(journal_db(f->j), sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", sql, msg);
}

static void test_unprotected_intervals_and_failed_actions(void **state)
{
	struct fx *f = *state;
	struct daily_report r;
	/* The reconciler's projections, written directly: one incomplete pass
	 * with a failed stop placement held back partly by the breaker. */
	exec_sql(f, "INSERT INTO recon_runs(id, venue, account, started_at, finished_at, complete, "
		    "reason) VALUES (900, 'coinbase', 'default', '2025-11-22T13:00:00.000000Z', "
		    "'2025-11-22T13:00:02.000000Z', 0, 'open orders page 2 failed');"
		    "INSERT INTO findings(id, run_id, kind, venue, account, symbol, detail, created_at) "
		    "VALUES (901, 900, 'missing_stop', 'coinbase', 'default', 'BTC-USD', "
		    "'{\"circuit_breaker\":\"per pass budget spent\"}', '2025-11-22T13:00:01.000000Z');"
		    "INSERT INTO actions(id, run_id, finding_id, kind, venue, account, symbol, status, "
		    "error, created_at, updated_at) VALUES (902, 900, 901, 'place_stop', 'coinbase', "
		    "'default', 'BTC-USD', 'failed', 'INSUFFICIENT_FUND', '2025-11-22T13:00:01.000000Z', "
		    "'2025-11-22T13:00:02.000000Z');");
	g_ngaps = 2, g_gaps_fail = 0;
	memset(g_gaps, 0, sizeof g_gaps);
	g_gaps[0] = (struct audit_gap){.venue = VENUE_COINBASE, .account = "default",
				       .symbol = "BTC-USD", .start_us = us_of("2025-11-21T22:00:00Z"),
				       .end_us = us_of("2025-11-22T01:30:00Z"), .start_cause = "fill",
				       .end_cause = "stop_acknowledged"};
	g_gaps[1] = (struct audit_gap){.venue = VENUE_COINBASE, .account = "default",
				       .symbol = "BTC-USD", .start_us = us_of("2025-11-22T13:00:00Z"),
				       .start_cause = "stop_cancelled"};
	gather(f, "2025-11-22", "UTC", &r);
	assert_int_equal(r.gaps.n, 2);
	/* clipped to the day: 01:30 from midnight, then 13:00 to the day's end */
	assert_int_equal(r.gaps.v[0].duration_us, INT64_C(5400) * 1000000);
	assert_int_equal(r.gaps.v[1].end_us, 0);
	assert_int_equal(r.unprotected_us, (INT64_C(5400) + 11 * 3600) * 1000000);
	assert_int_equal(r.failed.n, 1);
	assert_int_equal(r.runs, 1);
	assert_int_equal(r.runs_incomplete, 1);
	assert_int_equal(r.breaker_trips, 1);
	char *t = text_of(&r);
	assert_non_null(strstr(t, "! failed action 902 at 13:00: place_stop coinbase BTC-USD: "
				  "INSUFFICIENT_FUND"));
	assert_non_null(strstr(t, "! circuit breaker: 1 finding of the day held back"));
	assert_non_null(strstr(t, "! incomplete pass 900 (coinbase default) at 13:00: open orders "
				  "page 2 failed"));
	assert_non_null(strstr(t, "Unprotected time today: 12 h 30 min in 2 intervals, added up over "
				  "positions"));
	assert_non_null(strstr(t, "still open"));
	assert_non_null(strstr(t, "stop_cancelled"));
	assert_non_null(strstr(t, "place_stop failed"));
	/* the alerts come before the headline */
	assert_true(strstr(t, "Alerts") < strstr(t, "Headline"));
	free(t);

	struct rk_buf h = {0};
	struct rk_err err = {0};
	assert_int_equal(report_daily_html(&r, "cid:a", "cid:b", &h, &err), RK_OK);
	assert_non_null(strstr(h.p, "INSUFFICIENT_FUND"));
	assert_non_null(strstr(h.p, "src=\"cid:a\""));
	assert_null(strstr(h.p, "<script"));
	assert_null(strstr(h.p, "http://"));
	assert_null(strstr(h.p, "https://"));
	rk_buf_free(&h);
	daily_report_free(&r);
}

static void test_gaps_that_cannot_be_read_are_said_so(void **state)
{
	struct daily_report r;
	g_ngaps = 0, g_gaps_fail = 1;
	gather(*state, "2025-11-22", "UTC", &r);
	assert_false(r.gaps_available);
	char *t = text_of(&r);
	assert_non_null(strstr(t, "Unprotected time today: unknown (gaps: disk on fire)"));
	assert_null(strstr(t, "every position was protected"));
	free(t);
	daily_report_free(&r);
	g_gaps_fail = 0;
}

static void test_a_failed_read_aborts_the_report(void **state)
{
	struct fx *f = *state;
	struct daily_report r = {0};
	struct rk_err err = {0};
	struct daily_opts o = {.date = "2025-11-22", .tz = "UTC", .gaps = fake_gaps};
	/* how many reads a whole report makes: every one of them is failed in turn */
	rf_arm(journal_db(f->j), RF_NTH_READ_FAILS, LONG_MAX, false);
	assert_int_equal(daily_gather(f->j, &o, &r, &err), RK_OK);
	long reads = rf_reads_seen();
	rf_disarm(journal_db(f->j));
	daily_report_free(&r);
	assert_true(reads > 30);
	for (long nth = 1; nth <= reads; nth += reads / 97 + 1) {
		rf_arm(journal_db(f->j), RF_NTH_READ_FAILS, nth, false);
		enum rk_rc rc = daily_gather(f->j, &o, &r, &err);
		long failed = rf_reads_failed();
		rf_disarm(journal_db(f->j));
		daily_report_free(&r);
		assert_int_equal(failed, 1);
		if (rc == RK_OK)
			fail_msg("read %ld of %ld failed, yet the report was made", nth, reads);
	}
}

static void test_html_escapes_and_has_no_external_loads(void **state)
{
	struct daily_report r;
	g_ngaps = 0, g_gaps_fail = 0;
	gather(*state, "2025-11-22", "UTC", &r);
	snprintf(r.symbols.v[0].symbol, sizeof r.symbols.v[0].symbol, "<b>X&Y</b>");
	struct rk_buf h = {0};
	struct rk_err err = {0};
	assert_int_equal(report_daily_html(&r, NULL, NULL, &h, &err), RK_OK);
	assert_non_null(strstr(h.p, "&lt;b&gt;X&amp;Y&lt;/b&gt;"));
	assert_null(strstr(h.p, "<b>X"));
	assert_null(strstr(h.p, "<img"));
	assert_null(strstr(h.p, "<link"));
	assert_null(strstr(h.p, "<style"));
	assert_non_null(strstr(h.p, "max-width:640px"));
	rk_buf_free(&h);
	daily_report_free(&r);
}

/* ---- charts ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void assert_png(const struct rk_buf *b, uint32_t w, uint32_t h)
{
	const unsigned char *p = (const unsigned char *)b->p;
	assert_true(b->len > 33);
	assert_memory_equal(p, "\x89PNG\r\n\x1a\n", 8);
	assert_memory_equal(p + 12, "IHDR", 4);
	assert_int_equal(be32(p + 16), w);
	assert_int_equal(be32(p + 20), h);
}

static void test_charts_are_pngs_of_the_declared_size(void **state)
{
	struct daily_report r;
	struct rk_buf a = {0}, b = {0};
	struct rk_err err = {0};
	g_ngaps = 0, g_gaps_fail = 0;
	gather(*state, "2025-11-22", "UTC", &r);
	assert_string_equal(r.chart_quote, "USD");
	assert_int_equal(r.curve.n, 3);
	assert_int_equal(chart_pnl_curve(&r, &a, &err), RK_OK);
	assert_int_equal(chart_pnl_days(&r, &b, &err), RK_OK);
	assert_png(&a, CHART_WIDTH, CHART_HEIGHT);
	assert_png(&b, CHART_WIDTH, CHART_HEIGHT);
	rk_buf_free(&a), rk_buf_free(&b);
	daily_report_free(&r);
	gather(*state, "2025-12-30", "UTC", &r); /* nothing in 30 days */
	assert_string_equal(r.chart_quote, "");
	assert_int_equal(chart_pnl_curve(&r, &a, &err), RK_OK);
	assert_int_equal(chart_pnl_days(&r, &b, &err), RK_OK);
	assert_png(&a, CHART_WIDTH, CHART_HEIGHT);
	assert_png(&b, CHART_WIDTH, CHART_HEIGHT);
	rk_buf_free(&a), rk_buf_free(&b);
	daily_report_free(&r);
}

/* ---- the mail ---- */

static void test_mail_has_both_parts_inline_images_and_headers(void **state)
{
	struct daily_mail m = {0};
	struct rk_err err = {0};
	const char *to[] = {"me@example.com", "Other <other@example.org>"};
	struct daily_mail_opts o = {.date = "2025-11-22", .tz = "UTC",
				    .now_us = us_of("2025-11-23T07:00:05Z"), .random = 0xabcdefULL,
				    .from = "reckon <bot@example.com>", .to = to, .nto = 2,
				    .gaps = fake_gaps};
	g_ngaps = 0, g_gaps_fail = 0;
	assert_int_equal(daily_mail_build(((struct fx *)*state)->j, &o, &m, &err), RK_OK);
	const char *e = m.eml.p;
	assert_non_null(strstr(e, "Date: Sun, 23 Nov 2025 07:00:05 +0000\r\n"));
	assert_non_null(strstr(e, "From: reckon <bot@example.com>\r\n"));
	assert_non_null(strstr(e, "To: me@example.com,\r\n Other <other@example.org>\r\n"));
	assert_non_null(strstr(e, "Subject: reckon daily 2025-11-22: P&L +275.7 USD\r\n"));
	assert_non_null(strstr(e, "Message-ID: <reckon.daily.2025-11-22."));
	assert_non_null(strstr(e, "@example.com>\r\n"));
	assert_non_null(strstr(e, "Content-Type: multipart/related; type=\"multipart/alternative\""));
	assert_non_null(strstr(e, "Content-Type: text/plain; charset=utf-8"));
	assert_non_null(strstr(e, "Content-Type: text/html; charset=utf-8"));
	assert_non_null(strstr(e, "Content-ID: <pnl-day@reckon>"));
	assert_non_null(strstr(e, "Content-ID: <pnl-30d@reckon>"));
	assert_non_null(strstr(m.html.p, "src=\"cid:pnl-day@reckon\""));
	assert_non_null(strstr(m.html.p, "src=\"cid:pnl-30d@reckon\""));
	/* no line over 76 characters in the bodies, CRLF everywhere */
	for (const char *p = e, *nl; (nl = strstr(p, "\r\n")); p = nl + 2) {
		assert_true(nl - p <= 998);
		assert_null(memchr(p, '\n', (size_t)(nl - p)));
	}
	daily_mail_free(&m);
}

static void test_mime_refuses_header_injection_and_encodes_subjects(void **state)
{
	(void)state;
	struct rk_buf b = {0};
	struct rk_err err = {0};
	const char *to[] = {"me@example.com\r\nBcc: evil@example.com"};
	struct mime_message m = {.from = "a@b.c", .to = to, .nto = 1, .subject = "s",
				 .message_id = "<x@b.c>", .boundary = "q"};
	assert_int_equal(mime_build(&m, &b, &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "To:"));
	const char *ok[] = {"me@example.com"};
	m.to = ok;
	m.subject = "P&L\nBcc: x";
	assert_int_equal(mime_build(&m, &b, &err), RK_EINVAL);
	m.subject = "Tagesbericht \xc3\xbc\xc3\xb6 \xe2\x82\xac 12,50";
	rk_buf_reset(&b);
	assert_int_equal(mime_build(&m, &b, &err), RK_OK);
	assert_non_null(strstr(b.p, "Subject: =?UTF-8?B?VGFnZXNiZXJpY2h0IMO8w7Yg4oKsIDEyLDUw?=\r\n"));
	rk_buf_free(&b);

	char a[MIME_ADDR_MAX];
	assert_int_equal(mime_addr_spec("reckon <bot@example.com>", a, &err), RK_OK);
	assert_string_equal(a, "bot@example.com");
	assert_int_equal(mime_addr_spec(" me@x.org ", a, &err), RK_OK);
	assert_string_equal(a, "me@x.org");
	assert_int_equal(mime_addr_spec("no-at-sign", a, &err), RK_EINVAL);
	assert_int_equal(mime_addr_spec("a <b@c> d", a, &err), RK_EINVAL);
	assert_int_equal(mime_addr_spec("a b@c", a, &err), RK_EINVAL);
}

static void test_base64_wraps_at_76(void **state)
{
	(void)state;
	unsigned char data[200];
	struct rk_buf b = {0};
	for (size_t i = 0; i < sizeof data; i++)
		data[i] = (unsigned char)(i * 7);
	mime_base64(data, sizeof data, 76, &b);
	const char *nl = strstr(b.p, "\r\n");
	assert_int_equal(nl - b.p, 76);
	rk_buf_reset(&b);
	mime_base64("hello", 5, 0, &b);
	assert_string_equal(b.p, "aGVsbG8=");
	rk_buf_free(&b);
}

/* ---- the journal of sent reports, the schedule ---- */

static void test_a_sent_report_is_journaled_once(void **state)
{
	struct fx *f = *state;
	struct daily_sent s;
	bool found = true;
	struct rk_err err = {0};
	assert_int_equal(daily_sent_find(f->j, "daily", "2025-11-22", &s, &found, &err), RK_OK);
	assert_false(found);
	assert_int_equal(daily_sent_record(f->j, "daily", "2025-11-22", "UTC", "<a@x>", 2,
					   us_of("2025-11-23T07:00:00Z"), &err), RK_OK);
	assert_int_equal(daily_sent_find(f->j, "daily", "2025-11-22", &s, &found, &err), RK_OK);
	assert_true(found);
	assert_string_equal(s.message_id, "<a@x>");
	assert_string_equal(s.sent_at, "2025-11-23T07:00:00.000000Z");
	/* the same day with another Message-ID: refused by the journal */
	assert_int_equal(daily_sent_record(f->j, "daily", "2025-11-22", "UTC", "<b@x>", 2,
					   us_of("2025-11-23T07:05:00Z"), &err), RK_ECONFLICT);
	assert_int_equal(daily_sent_record(f->j, "daily", "2025-11-21", "UTC", "<c@x>", 2,
					   us_of("2025-11-23T07:06:00Z"), &err), RK_OK);
	assert_int_equal(daily_sent_last(f->j, "daily", &s, &found, &err), RK_OK);
	assert_true(found);
	assert_string_equal(s.date, "2025-11-22");
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events WHERE type = 'report_sent'"), 2);
	/* the events and their dedup records pass audit */
	struct audit_result res;
	if (audit_verify(f->j, &res, &err))
		fail_msg("audit verify: %s", err.msg);
}

static void test_the_report_is_due_once_after_the_local_send_time(void **state)
{
	(void)state;
	struct config_report c = {.present = true, .daily_at_min = 7 * 60, .tz = "Europe/Berlin"};
	char day[11];
	struct rk_err err = {0};
	/* 05:59Z is 06:59 in Berlin: yesterday's report not yet due */
	assert_false(daily_mail_due(&c, "2025-11-21", us_of("2025-11-23T05:59:00Z"), day, &err));
	assert_true(daily_mail_due(&c, "2025-11-21", us_of("2025-11-23T06:00:00Z"), day, &err));
	assert_string_equal(day, "2025-11-22");
	assert_false(daily_mail_due(&c, "2025-11-22", us_of("2025-11-23T20:00:00Z"), day, &err));
	assert_true(daily_mail_due(&c, "", us_of("2025-11-23T20:00:00Z"), day, &err));
	/* 23:30Z is already the 24th in Berlin, before 07:00: the 22nd is the latest due */
	assert_false(daily_mail_due(&c, "2025-11-22", us_of("2025-11-23T23:30:00Z"), day, &err));
	c.tz = "Mars/Olympus";
	assert_false(daily_mail_due(&c, "", us_of("2025-11-23T20:00:00Z"), day, &err));
	assert_int_equal(err.rc, RK_EINVAL);
}

/* ---- time zones ---- */

static void test_local_days_in_named_zones(void **state)
{
	(void)state;
	int64_t a, b;
	char d[RK_TZ_DATE_MAX];
	int minute;
	struct rk_err err = {0};
	assert_int_equal(rk_tz_day("Europe/Berlin", "2025-03-30", &a, &b, &err), RK_OK);
	assert_int_equal(b - a, INT64_C(23) * 3600 * 1000000); /* spring forward */
	assert_int_equal(rk_tz_day("Europe/Berlin", "2025-10-26", &a, &b, &err), RK_OK);
	assert_int_equal(b - a, INT64_C(25) * 3600 * 1000000);
	assert_int_equal(rk_tz_day("America/New_York", "2025-11-22", &a, &b, &err), RK_OK);
	assert_int_equal(a, us_of("2025-11-22T05:00:00Z"));
	assert_int_equal(rk_tz_day("Asia/Kolkata", "2025-11-22", &a, &b, &err), RK_OK);
	assert_int_equal(a, us_of("2025-11-21T18:30:00Z"));
	assert_int_equal(rk_tz_local("Asia/Tokyo", us_of("2025-11-22T16:00:00Z"), d, &minute, &err),
			 RK_OK);
	assert_string_equal(d, "2025-11-23");
	assert_int_equal(minute, 60);
	assert_int_equal(rk_tz_day("Europe/Berlln", "2025-11-22", &a, &b, &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "unknown time zone 'Europe/Berlln'"));
	assert_int_equal(rk_tz_check("../../etc/passwd", &err), RK_EINVAL);
	assert_int_equal(rk_tz_check("/etc/localtime", &err), RK_EINVAL);
	assert_int_equal(rk_tz_day("UTC", "2025-02-29", &a, &b, &err), RK_EINVAL);
	assert_int_equal(rk_tz_day("UTC", "2025-1-22", &a, &b, &err), RK_EINVAL);
	assert_int_equal(rk_tz_date_add("2025-03-01", -1, d, &err), RK_OK);
	assert_string_equal(d, "2025-02-28");
	/* the process's own TZ is left as it was */
	setenv("TZ", "America/Chicago", 1);
	assert_int_equal(rk_tz_day("Asia/Tokyo", "2025-11-22", &a, &b, &err), RK_OK);
	assert_string_equal(getenv("TZ"), "America/Chicago");
	unsetenv("TZ");
}

/* ---- SMTP settings ---- */

static void test_smtp_settings_that_would_leak_are_refused(void **state)
{
	(void)state;
	const char *rcpt[] = {"me@example.com"};
	struct rk_err err = {0};
	struct smtp_opts o = {.url = "smtp://mail.example.com:25", .mail_from = "a@b.c",
			      .rcpt = rcpt, .nrcpt = 1};
	assert_int_equal(smtp_check(&o, &err), RK_EINVAL);
	assert_non_null(strstr(err.msg, "clear text"));
	o.url = "smtp://127.0.0.1:2525";
	assert_int_equal(smtp_check(&o, &err), RK_OK);
	o.username = "u", o.password = "p";
	assert_int_equal(smtp_check(&o, &err), RK_EINVAL);
	assert_null(strstr(err.msg, "p\""));
	o.starttls = true;
	assert_int_equal(smtp_check(&o, &err), RK_OK);
	o.url = "smtps://mail.example.com:465";
	assert_int_equal(smtp_check(&o, &err), RK_EINVAL); /* starttls with smtps */
	o.starttls = false;
	assert_int_equal(smtp_check(&o, &err), RK_OK);
	o.url = "smtps://u:pw@mail.example.com";
	assert_int_equal(smtp_check(&o, &err), RK_EINVAL);
	o.url = "http://mail.example.com";
	assert_int_equal(smtp_check(&o, &err), RK_EINVAL);
	o.url = "smtps://mail.example.com", o.nrcpt = 0;
	assert_int_equal(smtp_check(&o, &err), RK_EINVAL);
}

static void test_unreachable_server_is_an_error_and_nothing_is_journaled(void **state)
{
	struct fx *f = *state;
	struct daily_mail m = {0};
	struct daily_mail_result res;
	struct rk_err err = {0};
	char *to[] = {"me@example.com"};
	struct config_report c = {.present = true, .smtp_url = "smtp://127.0.0.1:1",
				  .from = "reckon <bot@example.com>", .nto = 1, .tz = "UTC"};
	c.to[0] = to[0];
	struct daily_mail_opts o = {.date = "2025-11-22", .tz = "UTC", .now_us = 1, .random = 1,
				    .from = c.from, .to = (const char *const *)c.to, .nto = 1,
				    .gaps = fake_gaps};
	g_ngaps = 0, g_gaps_fail = 0;
	assert_int_equal(daily_mail_build(f->j, &o, &m, &err), RK_OK);
	assert_int_equal(daily_mail_send(f->j, &c, NULL, &m, &res, &err), RK_EUNKNOWN);
	assert_non_null(strstr(err.msg, "smtp://127.0.0.1:1"));
	assert_false(res.sent);
	/* a malformed setting: clear text with a password */
	c.username = "bot";
	c.password_env = "RECKON_TEST_SMTP_PW";
	setenv("RECKON_TEST_SMTP_PW", "hunter2-secret", 1);
	assert_int_equal(daily_mail_send(f->j, &c, NULL, &m, &res, &err), RK_ECONFIG);
	assert_null(strstr(err.msg, "hunter2"));
	unsetenv("RECKON_TEST_SMTP_PW");
	/* no password where one is named */
	c.smtp_url = "smtps://127.0.0.1:1";
	assert_int_equal(daily_mail_send(f->j, &c, NULL, &m, &res, &err), RK_ENOTFOUND);
	assert_int_equal(tu_query_int(f->j, "SELECT count(*) FROM events WHERE type = 'report_sent'"), 0);
	daily_mail_free(&m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_headline_figures_of_a_utc_day, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_past_days_positions_and_stops_are_those_of_its_end,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_positions_with_last_price_and_stop, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_figures_equal_the_named_query, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zone_whose_day_differs_from_utc, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sums_over_local_days_equal_plain_sums, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_empty_day, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unprotected_intervals_and_failed_actions, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_gaps_that_cannot_be_read_are_said_so, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_failed_read_aborts_the_report, setup, teardown),
		cmocka_unit_test_setup_teardown(test_html_escapes_and_has_no_external_loads, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_charts_are_pngs_of_the_declared_size, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_mail_has_both_parts_inline_images_and_headers,
						setup, teardown),
		cmocka_unit_test(test_mime_refuses_header_injection_and_encodes_subjects),
		cmocka_unit_test(test_base64_wraps_at_76),
		cmocka_unit_test_setup_teardown(test_a_sent_report_is_journaled_once, setup, teardown),
		cmocka_unit_test(test_the_report_is_due_once_after_the_local_send_time),
		cmocka_unit_test(test_local_days_in_named_zones),
		cmocka_unit_test(test_smtp_settings_that_would_leak_are_refused),
		cmocka_unit_test_setup_teardown(test_unreachable_server_is_an_error_and_nothing_is_journaled,
						setup, teardown),
	};
	int failed = cmocka_run_group_tests(tests, NULL, NULL);
	chart_fonts_release();
	return failed;
}
