/*
 * suite_audit.c — the post-mortem commands (issue 12) on the big journal
 * (suite.h): `reckon audit gaps`, `state` and `timeline` with a symbol
 * selected (the goal: under a second on a million events, through
 * an index), gaps over the whole journal and over one day in its middle
 * (read from the protection-gap projection, migration 0013: the goal of a
 * second too), the same gaps replayed from the events (`--replay`, the
 * reference implementation: the cost the projection removes, reported),
 * `audit state` with no symbol (read from the state history, migration
 * 0016: the goal of a second too; its --replay takes minutes at a million
 * events and is measured by hand, BENCHMARKS.md), and `audit export` of a
 * slice and `audit verify --export` of it.
 *
 * Baseline, same run: the floor any per-symbol command stands on, reading
 * that symbol's events (and the events of no symbol) in seq order through
 * events_symbol with libsqlite3, in this process. `audit timeline` over a
 * five-minute window of ts with no symbol (audit.timeline.window) has its
 * own: the raw read of the window's events through events_ts, in seq
 * order. Checked: exit 0 and the first line each command prints; the
 * export's event count, and its verify; the window's line count.
 */
#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

#define AUDIT_GOAL_MS 1000.0

/* What the baseline and the export window need from the journal, read with
 * libsqlite3: the symbol's events timed, and two recorded_at values. */
struct audit_probe {
	int64_t symbol_events;
	double read_ms;
	char from[40], to[40]; /* recorded_at of the middle event and 10,000 later */
	char at[40];           /* the last event's recorded_at */
	char day_from[40], day_to[40]; /* the middle event's UTC day, as [from, to) */
	int64_t window_events; /* events recorded in [from, to) */
	char tl_from[40], tl_to[40]; /* ts of the middle event and five minutes later */
	int64_t tl_events;           /* events whose ts is in [tl_from, tl_to) */
	double tl_read_ms;           /* reading them through events_ts */
};

static int probe(const char *db, const char *symbol, struct audit_probe *p)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	int rc = -1;
	memset(p, 0, sizeof *p);
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		goto out;
	double t0 = now_s();
	if (sqlite3_prepare_v2(h, "SELECT seq, length(payload) FROM events WHERE symbol IN (?1, '')"
				  " ORDER BY seq", -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(s, 1, symbol, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		p->symbol_events++;
	p->read_ms = (now_s() - t0) * 1000.0;
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(h, "SELECT (SELECT recorded_at FROM events WHERE seq = m.mid),"
				  " (SELECT recorded_at FROM events WHERE seq = min(m.mid + 10000, m.hi)),"
				  " (SELECT recorded_at FROM events WHERE seq = m.hi)"
				  " FROM (SELECT max(seq) / 2 AS mid, max(seq) AS hi FROM events) m",
			       -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW ||
	    !sqlite3_column_text(s, 0))
		goto out;
	snprintf(p->from, sizeof p->from, "%s", (const char *)sqlite3_column_text(s, 0));
	snprintf(p->to, sizeof p->to, "%s", (const char *)sqlite3_column_text(s, 1));
	snprintf(p->at, sizeof p->at, "%s", (const char *)sqlite3_column_text(s, 2));
	sqlite3_finalize(s);
	/* The UTC day (of the events' ts, what --from/--to select) of the
	 * middle event. */
	if (sqlite3_prepare_v2(h, "SELECT substr(ts, 1, 10), date(substr(ts, 1, 10), '+1 day')"
				  " FROM events WHERE seq = (SELECT max(seq) / 2 FROM events)",
			       -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW ||
	    !sqlite3_column_text(s, 1))
		goto out;
	snprintf(p->day_from, sizeof p->day_from, "%sT00:00:00Z",
		 (const char *)sqlite3_column_text(s, 0));
	snprintf(p->day_to, sizeof p->day_to, "%sT00:00:00Z", (const char *)sqlite3_column_text(s, 1));
	sqlite3_finalize(s);
	if (sqlite3_prepare_v2(h, "SELECT count(*) FROM events WHERE recorded_at >= ?1"
				  " AND recorded_at < ?2", -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(s, 1, p->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p->to, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		p->window_events = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	/* Five minutes of ts from the middle event's (canonical: the fraction kept). */
	if (sqlite3_prepare_v2(h, "SELECT ts, strftime('%Y-%m-%dT%H:%M:%S', ts, '+5 minutes') ||"
				  " substr(ts, 20) FROM events WHERE seq = (SELECT max(seq) / 2 FROM events)",
			       -1, &s, NULL) != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW ||
	    !sqlite3_column_text(s, 1))
		goto out;
	snprintf(p->tl_from, sizeof p->tl_from, "%s", (const char *)sqlite3_column_text(s, 0));
	snprintf(p->tl_to, sizeof p->tl_to, "%s", (const char *)sqlite3_column_text(s, 1));
	sqlite3_finalize(s);
	t0 = now_s();
	if (sqlite3_prepare_v2(h, "SELECT seq, length(payload) FROM events WHERE ts >= ?1 AND ts < ?2"
				  " ORDER BY seq", -1, &s, NULL) != SQLITE_OK)
		goto out;
	sqlite3_bind_text(s, 1, p->tl_from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, p->tl_to, -1, SQLITE_STATIC);
	while (sqlite3_step(s) == SQLITE_ROW)
		p->tl_events++;
	p->tl_read_ms = (now_s() - t0) * 1000.0;
	rc = 0;
out:
	if (rc)
		fprintf(stderr, "reckon-bench: reading %s: %s\n", db, h ? sqlite3_errmsg(h) : "no memory");
	sqlite3_finalize(s);
	sqlite3_close(h);
	return rc;
}

/* Runs one audit command; checks exit 0 and that stdout starts with
 * `want`; prints its figure against the goal and the baseline. */
static int step(const struct opts *o, const char *name, char *const argv[], const char *want,
		const struct audit_probe *p, bool goal, bool window)
{
	char out[PATH_MAX], err[PATH_MAX], v[32], tail[400];
	struct run r;
	path_in(out, sizeof out, o, "%s.out", name);
	path_in(err, sizeof err, o, "%s.err", name);
	if (run_step(argv, NULL, out, err, o->timeout, &r))
		return -1;
	char *got = slurp(out);
	if (r.timed_out) {
		fig(name, secs(v, sizeof v, &r), "s", "> %.0f s (timeout)", o->timeout);
	} else if (r.exit_code != 0 || !got || strncmp(got, want, strlen(want)) != 0) {
		tail_of(err, tail, sizeof tail);
		bad(name, "exit %d, stdout '%.60s' (want '%s...'): %s", r.exit_code, got ? got : "",
		    want, tail);
	} else if (goal && window) {
		fig(name, num(v, sizeof v, r.wall_s * 1000.0, 1), "ms",
		    "%.2fx the goal of %.0f ms; %.1fx the raw read of the window's %" PRId64
		    " events through events_ts (%.1f ms); rss %.1f MB",
		    r.wall_s * 1000.0 / AUDIT_GOAL_MS, AUDIT_GOAL_MS,
		    p->tl_read_ms > 0 ? r.wall_s * 1000.0 / p->tl_read_ms : 0.0, p->tl_events,
		    p->tl_read_ms, (double)r.maxrss_kb / 1024.0);
	} else if (goal) {
		fig(name, num(v, sizeof v, r.wall_s * 1000.0, 1), "ms",
		    "%.2fx the goal of %.0f ms; %.1fx the raw read of the symbol's %" PRId64
		    " events (%.1f ms); rss %.1f MB",
		    r.wall_s * 1000.0 / AUDIT_GOAL_MS, AUDIT_GOAL_MS,
		    p->read_ms > 0 ? r.wall_s * 1000.0 / p->read_ms : 0.0, p->symbol_events,
		    p->read_ms, (double)r.maxrss_kb / 1024.0);
	} else {
		fig(name, num(v, sizeof v, r.wall_s * 1000.0, 1), "ms", "no goal (no selection); rss %.1f MB",
		    (double)r.maxrss_kb / 1024.0);
	}
	free(got);
	return 0;
}

int bench_audit(const struct opts *o, const struct ingest_result *res)
{
	struct audit_probe p;
	struct ingest_meta meta = res->meta; /* of the lines journaled */
	if (!res->ok && gen_ingest(NULL, res->events, o->seed, &meta))
		return -1;
	const char *symbol = meta.check_symbol;
	char name[96], sz[16], slice[PATH_MAX], want[96];
	char *db = (char *)res->db, *sym = (char *)symbol, *rk = (char *)o->reckon;
	size_name(sz, sizeof sz, res->ok ? res->size : res->events);
	if (probe(db, symbol, &p))
		return -1;
	printf("# post-mortem audit on the %s journal: %s has %" PRId64 " events (with those of no"
	       " symbol); the day in the middle: %.10s\n", sz, symbol, p.symbol_events, p.day_from);
	char *gaps_sym[] = {rk, "audit", "gaps", "--db", db, "--symbol", sym, NULL};
	char *gaps_all[] = {rk, "audit", "gaps", "--db", db, NULL};
	char *gaps_day[] = {rk, "audit", "gaps", "--db", db, "--from", p.day_from, "--to", p.day_to,
			    NULL};
	char *gaps_replay[] = {rk, "audit", "gaps", "--db", db, "--replay", NULL};
	char *state[] = {rk, "audit", "state", "--db", db, "--at", p.at, "--symbol", sym, NULL};
	char *state_all[] = {rk, "audit", "state", "--db", db, "--at", p.at, NULL};
	char *timeline[] = {rk, "audit", "timeline", "--db", db, "--symbol", sym, NULL};
	char *window[] = {rk, "audit", "timeline", "--db", db, "--from", p.tl_from, "--to", p.tl_to,
			  NULL};
	path_in(slice, sizeof slice, o, "audit-slice.jsonl");
	char *export[] = {rk, "audit", "export", "--db", db, "--from", p.from, "--to", p.to,
			  "--out", slice, NULL};
	char *verify[] = {rk, "audit", "verify", "--export", slice, NULL};
	struct {
		const char *what;
		char *const *argv;
		const char *want;
		bool goal, window;
	} steps[] = {
		{"audit.gaps.symbol", gaps_sym, "unprotected: ", true, false},
		{"audit.state.symbol", state, "state at ", true, false},
		{"audit.state.all", state_all, "state at ", true, false},
		{"audit.timeline.symbol", timeline, "", true, false},
		{"audit.timeline.window", window, "", true, true},
		{"audit.gaps.all", gaps_all, "unprotected: ", true, false},
		{"audit.gaps.day", gaps_day, "unprotected: ", true, false},
		{"audit.gaps.all.replay", gaps_replay, "unprotected: ", false, false},
		{"audit.export.10k", export, want, true, false},
		{"audit.verify_export.10k", verify, "ok: events ", true, false},
	};
	snprintf(want, sizeof want, "exported events ");
	for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++) {
		snprintf(name, sizeof name, "%s@%s", steps[i].what, sz);
		if (step(o, name, steps[i].argv, steps[i].want, &p, steps[i].goal, steps[i].window))
			return -1;
	}
	/* The window's timeline: a line per event whose ts is in it. */
	char tl_out[PATH_MAX];
	snprintf(name, sizeof name, "audit.timeline.window@%s", sz);
	path_in(tl_out, sizeof tl_out, o, "%s.out", name);
	char *tl_text = slurp(tl_out);
	int64_t tl_lines = 0;
	for (const char *c = tl_text; c && *c; c++)
		tl_lines += *c == '\n';
	free(tl_text);
	if (tl_lines != p.tl_events)
		bad("audit.timeline.window.lines", "%" PRId64 " lines, want the window's %" PRId64
		    " events", tl_lines, p.tl_events);
	/* The slice holds the events recorded in the window, each on a line. */
	char *text = slurp(slice);
	int64_t lines = 0;
	for (const char *c = text; c && *c; c++)
		lines += *c == '\n';
	free(text);
	if (lines != p.window_events + 1)
		bad("audit.export.lines", "%" PRId64 " lines, want the header and %" PRId64 " events",
		    lines, p.window_events);
	return 0;
}
