/*
 * suite_query.c — every named query and `reckon audit verify` on the big
 * journal (suite.h).
 *
 * The reports are those `reckon query --list` names, each run once with
 * typical parameters (every filter it has given) and once over all history
 * (no filter; fills_of_day keeps its day), CSV to a file. Checked:
 * exit 0; fills_of_day and open_orders return the rows the generator made
 * (gen.h's check day and symbol); audit verify says "ok: N events" for the
 * N events the journal holds. When the ingest was cut by its time limit,
 * the expectations are those of the lines it committed (the generator's
 * prefixes are stable).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

#define MAX_PARAMS 8
#define QUERY_GOAL_MS 50.0

struct big {
	const struct ingest_result *res;
	int64_t events;
	struct ingest_meta meta; /* of the lines journaled */
	char sz[16];
};

/* Typical parameters of each named report (issue 10: "with every filter
 * given"). A report this table does not know runs without any. `all`: the
 * other shape, over all history: no filter but fills_of_day's day. */
static int query_params(const char *q, const struct ingest_meta *m, bool all, char p[][96])
{
	int n = 0;
	if (all) {
		if (!strcmp(q, "fills_of_day"))
			snprintf(p[n++], 96, "day=%s", m->check_day);
		return n;
	}
	bool sym = !strcmp(q, "fills_of_day") || !strcmp(q, "open_orders") ||
		   !strcmp(q, "open_lots") || !strcmp(q, "open_positions") ||
		   !strcmp(q, "pnl_by_symbol") || !strcmp(q, "largest_losers");
	bool range = !strcmp(q, "fees_by_day") || !strcmp(q, "pnl_by_day") ||
		     !strcmp(q, "pnl_by_symbol") || !strcmp(q, "largest_losers");
	bool venue = sym || range || !strcmp(q, "protection") || !strcmp(q, "halts");
	if (!strcmp(q, "fills_of_day"))
		snprintf(p[n++], 96, "day=%s", m->check_day);
	if (range) {
		snprintf(p[n++], 96, "from=%s", m->check_day);
		snprintf(p[n++], 96, "to=%s", m->check_day);
	}
	if (venue) {
		snprintf(p[n++], 96, "venue=%s", m->check_venue);
		snprintf(p[n++], 96, "account=default");
	}
	if (sym)
		snprintf(p[n++], 96, "symbol=%s", m->check_symbol);
	if (!strcmp(q, "actions_recent"))
		snprintf(p[n++], 96, "limit=50");
	return n;
}

static int64_t csv_rows(const char *path)
{
	char *t = slurp(path);
	if (!t)
		return -1;
	int64_t lines = 0;
	for (const char *p = t; *p; p++)
		lines += *p == '\n';
	free(t);
	return lines > 0 ? lines - 1 : 0; /* the header */
}

/* One run of report q; `all`: over all history (query_params), as
 * query.NAME.all@S, its rows unchecked but for fills_of_day's. */
static int one_query(const struct opts *o, const struct big *b, const char *q, bool all)
{
	char params[MAX_PARAMS][96], out[PATH_MAX], err[PATH_MAX], name[96], v[32], tail[400];
	char *argv[8 + 2 * MAX_PARAMS];
	int np = query_params(q, &b->meta, all, params), k = 0;
	struct run r;
	argv[k++] = (char *)o->reckon;
	argv[k++] = "query";
	argv[k++] = (char *)q;
	argv[k++] = "--db";
	argv[k++] = (char *)b->res->db;
	argv[k++] = "--format";
	argv[k++] = "csv";
	for (int p = 0; p < np; p++) {
		argv[k++] = "--param";
		argv[k++] = params[p];
	}
	argv[k] = NULL;
	path_in(out, sizeof out, o, "query-%s%s.csv", q, all ? "-all" : "");
	path_in(err, sizeof err, o, "query-%s%s.err", q, all ? "-all" : "");
	snprintf(name, sizeof name, "query.%s%s@%s", q, all ? ".all" : "", b->sz);
	if (run_step(argv, NULL, out, err, o->timeout, &r))
		return -1;
	int64_t rows = csv_rows(out);
	int64_t want = all ? -1
		       : !strcmp(q, "fills_of_day") ? b->meta.check_day_fills
		       : !strcmp(q, "open_orders")  ? b->meta.check_open_orders
						    : -1;
	if (r.timed_out) {
		fig(name, secs(v, sizeof v, &r), "s", "> %.0f s (timeout)", o->timeout);
	} else if (r.exit_code != 0) {
		tail_of(err, tail, sizeof tail);
		bad(name, "exit %d: %s", r.exit_code, tail);
	} else if (want >= 0 && rows != want) {
		bad(name, "%" PRId64 " rows, the generator made %" PRId64 " (see %s)", rows, want, out);
	} else {
		fig(name, num(v, sizeof v, r.wall_s * 1000.0, 1), "ms",
		    "%.2fx the goal of %.0f ms; %" PRId64 " rows%s, %d params, rss %.1f MB",
		    r.wall_s * 1000.0 / QUERY_GOAL_MS, QUERY_GOAL_MS, rows,
		    want >= 0 ? " (checked)" : "", np, (double)r.maxrss_kb / 1024.0);
	}
	return 0;
}

/* `reckon query --list`: timed as the start-up floor, and read for names. */
static char *query_list(const struct opts *o)
{
	char out[PATH_MAX], err[PATH_MAX], v[32];
	struct run r;
	path_in(out, sizeof out, o, "query-list.out");
	path_in(err, sizeof err, o, "query-list.err");
	char *argv[] = {(char *)o->reckon, "query", "--list", NULL};
	if (run_step(argv, NULL, out, err, o->timeout, &r))
		return NULL;
	char *list = r.exit_code == 0 ? slurp(out) : NULL;
	if (!list) {
		bad("query.list", "reckon query --list: exit %d", r.exit_code);
		return NULL;
	}
	fig("reckon.startup", num(v, sizeof v, r.wall_s * 1000.0, 1), "ms",
	    "'reckon query --list': the process start included in every query time");
	return list;
}

static int audit(const struct opts *o, const struct big *b)
{
	char out[PATH_MAX], err[PATH_MAX], name[64], want[64], v[32], c[64], tail[400];
	struct run r;
	char *argv[] = {(char *)o->reckon, "audit", "verify", "--db", (char *)b->res->db, NULL};
	path_in(out, sizeof out, o, "audit.out");
	path_in(err, sizeof err, o, "audit.err");
	snprintf(name, sizeof name, "audit.verify@%s", b->sz);
	if (run_step(argv, NULL, out, err, o->timeout, &r))
		return -1;
	snprintf(want, sizeof want, "ok: %" PRId64 " events", b->events);
	char *got = slurp(out);
	if (r.timed_out) {
		fig(name, secs(v, sizeof v, &r), "s", "> %.0f s (timeout)", o->timeout);
	} else if (r.exit_code != 0 || !got || !strstr(got, want)) {
		tail_of(err, tail, sizeof tail);
		bad(name, "exit %d, stdout '%.80s' (want '%s'): %s", r.exit_code, got ? got : "",
		    want, tail);
	} else {
		fig(name, num(v, sizeof v, r.wall_s, 3), "s",
		    "%s its ingest time; %.0f events/s; cpu %.3f s",
		    times(c, sizeof c, r.wall_s / b->res->ing.wall_s), (double)b->events / r.wall_s,
		    r.cpu_s);
		snprintf(name, sizeof name, "audit.verify_rss@%s", b->sz);
		fig(name, num(v, sizeof v, (double)r.maxrss_kb / 1024.0, 1), "MB",
		    "%s the journal's %.1f MB (goal: bounded)",
		    times(c, sizeof c, (double)r.maxrss_kb * 1024.0 / (double)b->res->ing_db),
		    (double)b->res->ing_db / 1e6);
	}
	free(got);
	return 0;
}

int bench_queries(const struct opts *o, const struct ingest_result *res)
{
	struct big b = {.res = res, .events = res->ok ? res->size : res->events};
	size_name(b.sz, sizeof b.sz, res->size);
	if (res->ok)
		b.meta = res->meta;
	else if (gen_ingest(NULL, b.events, o->seed, &b.meta))
		return -1;
	printf("# queries and audit on the %s journal: %" PRId64 " events%s; %s %s on %s\n", b.sz,
	       b.events, res->ok ? "" : " (the lines committed before the time limit)",
	       b.meta.check_venue, b.meta.check_symbol, b.meta.check_day);
	char *list = query_list(o);
	int rc = 0;
	char *save = NULL;
	for (char *line = list ? strtok_r(list, "\n", &save) : NULL; line && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char q[64];
		if (sscanf(line, "%63s", q) == 1 && !(rc = one_query(o, &b, q, false)))
			rc = one_query(o, &b, q, true);
	}
	free(list);
	return rc ? rc : audit(o, &b);
}
