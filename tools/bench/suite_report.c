/*
 * suite_report.c — `reckon report daily` on the big journal (suite.h): the
 * whole report (every named query of the day, the 30 days, the protection
 * gaps, two PNG charts, the MIME message) against issue 13's goal of
 * 200 ms on a journal of one million fills, with a same-run baseline: one
 * of its queries alone, `reckon query pnl_by_minute` for the same day (the
 * one that reads every close of the day), process start included in both.
 *
 * Run for the journal's last day (its busiest: the generator's lines run up
 * to it) as text in UTC, as a mail (eml) in UTC, and as a mail in
 * Europe/Berlin, whose days are not UTC days, so the 30 days' P&L cannot be
 * read from the daily roll-up alone; then for the day in the middle of the
 * journal (half the journal after it: the positions and stops at its end
 * are a past moment's) as a mail in UTC and in America/Los_Angeles, whose
 * day ends at 08:00 UTC. Checked: exit 0 and the output's shape
 * (the title, the two inline images).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

#define REPORT_GOAL_MS 200.0

static int baseline(const struct opts *o, const struct ingest_result *big, const char *day,
		    double *ms)
{
	char out[PATH_MAX], err[PATH_MAX], from[64], to[64], v[32];
	struct run r;
	snprintf(from, sizeof from, "from_ts=%sT00:00:00.000000Z", day);
	snprintf(to, sizeof to, "to_ts=%sT23:59:59.999999Z", day);
	char *argv[] = {(char *)o->reckon, "query", "pnl_by_minute", "--db", (char *)big->db,
			"--param", from, "--param", to, "--format", "csv", NULL};
	path_in(out, sizeof out, o, "report-baseline.csv");
	path_in(err, sizeof err, o, "report-baseline.err");
	if (run_step(argv, NULL, out, err, o->timeout, &r))
		return -1;
	*ms = r.exit_code == 0 && !r.timed_out ? r.wall_s * 1000.0 : 0.0;
	if (*ms > 0)
		fig("report.baseline", num(v, sizeof v, *ms, 1), "ms",
		    "'reckon query pnl_by_minute' for %s: the day's closes read once", day);
	else
		bad("report.baseline", "reckon query pnl_by_minute: exit %d", r.exit_code);
	return 0;
}

static int one(const struct opts *o, const struct ingest_result *big, const char *sz,
	       const char *day, const char *which, const char *format, const char *tz,
	       double base_ms)
{
	char out[PATH_MAX], err[PATH_MAX], name[96], v[32], tail[400];
	struct run r;
	char *argv[] = {(char *)o->reckon, "report", "daily", "--db", (char *)big->db, "--date",
			(char *)day, "--tz", (char *)tz, "--format", (char *)format, "--out", out, NULL};
	path_in(out, sizeof out, o, "report-%s-%s.out", format, strcmp(tz, "UTC") ? "tz" : "utc");
	path_in(err, sizeof err, o, "report-%s-%s.err", format, strcmp(tz, "UTC") ? "tz" : "utc");
	snprintf(name, sizeof name, "report.daily%s.%s.%s@%s", which, format, tz, sz);
	if (run_step(argv, NULL, NULL, err, o->timeout, &r))
		return -1;
	char *got = slurp(out);
	bool shape = got && (strcmp(format, "eml")
				     ? strstr(got, "reckon daily report: ") != NULL
				     : strstr(got, "Content-ID: <pnl-day@reckon>") &&
					       strstr(got, "Content-ID: <pnl-30d@reckon>"));
	if (r.timed_out) {
		fig(name, secs(v, sizeof v, &r), "s", "> %.0f s (timeout)", o->timeout);
	} else if (r.exit_code != 0 || !shape) {
		tail_of(err, tail, sizeof tail);
		bad(name, "exit %d, output %s: %s", r.exit_code, shape ? "ok" : "not a report", tail);
	} else {
		fig(name, num(v, sizeof v, r.wall_s * 1000.0, 1), "ms",
		    "%.2fx the goal of %.0f ms; %.1fx the baseline; cpu %.0f ms, rss %.1f MB",
		    r.wall_s * 1000.0 / REPORT_GOAL_MS, REPORT_GOAL_MS,
		    base_ms > 0 ? r.wall_s * 1000.0 / base_ms : 0.0, r.cpu_s * 1000.0,
		    (double)r.maxrss_kb / 1024.0);
	}
	free(got);
	return 0;
}

/* Days since 1970-01-01 of the civil date y-m-d (proleptic Gregorian). */
static long civil_days(int y, int m, int d)
{
	y -= m <= 2;
	long era = (y >= 0 ? y : y - 399) / 400;
	long yoe = y - era * 400, doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

/* The day halfway between `first` and `last` (YYYY-MM-DD): a past day in
 * the middle of the journal, whose report reads as much history after it
 * as before it. */
static void middle_day(const char *first, const char *last, char out[11])
{
	int y1, m1, d1, y2, m2, d2;
	snprintf(out, 11, "%s", last);
	if (sscanf(first, "%d-%d-%d", &y1, &m1, &d1) != 3 ||
	    sscanf(last, "%d-%d-%d", &y2, &m2, &d2) != 3)
		return;
	long z = (civil_days(y1, m1, d1) + civil_days(y2, m2, d2)) / 2 + 719468;
	long era = (z >= 0 ? z : z - 146096) / 146097, doe = z - era * 146097;
	long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	long doy = doe - (365 * yoe + yoe / 4 - yoe / 100), mp = (5 * doy + 2) / 153;
	int d = (int)(doy - (153 * mp + 2) / 5 + 1), m = (int)(mp < 10 ? mp + 3 : mp - 9);
	snprintf(out, 11, "%04d-%02d-%02d", (int)(yoe + era * 400 + (m <= 2)), m, d);
}

int bench_report(const struct opts *o, const struct ingest_result *big)
{
	char mid[11];
	struct ingest_meta meta;
	char sz[16];
	double base = 0;
	int64_t events = big->ok ? big->size : big->events;
	size_name(sz, sizeof sz, big->size);
	if (big->ok)
		meta = big->meta;
	else if (gen_ingest(NULL, events, o->seed, &meta))
		return -1;
	printf("# the daily report on the %s journal (%" PRId64 " fills): %s\n", sz, meta.fills,
	       meta.last_day);
	if (baseline(o, big, meta.last_day, &base) ||
	    one(o, big, sz, meta.last_day, "", "text", "UTC", base) ||
	    one(o, big, sz, meta.last_day, "", "eml", "UTC", base) ||
	    one(o, big, sz, meta.last_day, "", "eml", "Europe/Berlin", base))
		return -1;
	/* A day in the middle of the journal: its positions, stops and
	 * P&L are those of a moment half the journal ago; in Los Angeles its
	 * end is 08:00 UTC, eight hours from the roll-ups' midnight. */
	middle_day(meta.first_day, meta.last_day, mid);
	printf("# the daily report of a day in the middle of the journal: %s\n", mid);
	if (one(o, big, sz, mid, ".middle", "eml", "UTC", base) ||
	    one(o, big, sz, mid, ".middle", "eml", "America/Los_Angeles", base))
		return -1;
	return 0;
}
