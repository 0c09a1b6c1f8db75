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
 * read from the daily roll-up alone. Checked: exit 0 and the output's shape
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
	       const char *day, const char *format, const char *tz, double base_ms)
{
	char out[PATH_MAX], err[PATH_MAX], name[96], v[32], tail[400];
	struct run r;
	char *argv[] = {(char *)o->reckon, "report", "daily", "--db", (char *)big->db, "--date",
			(char *)day, "--tz", (char *)tz, "--format", (char *)format, "--out", out, NULL};
	path_in(out, sizeof out, o, "report-%s-%s.out", format, strcmp(tz, "UTC") ? "tz" : "utc");
	path_in(err, sizeof err, o, "report-%s-%s.err", format, strcmp(tz, "UTC") ? "tz" : "utc");
	snprintf(name, sizeof name, "report.daily.%s.%s@%s", format, tz, sz);
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

int bench_report(const struct opts *o, const struct ingest_result *big)
{
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
	    one(o, big, sz, meta.last_day, "text", "UTC", base) ||
	    one(o, big, sz, meta.last_day, "eml", "UTC", base) ||
	    one(o, big, sz, meta.last_day, "eml", "Europe/Berlin", base))
		return -1;
	return 0;
}
