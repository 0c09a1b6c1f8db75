/*
 * suite_recon.c — one `reckon reconcile --once --sim` pass on N positions,
 * clean and 1% dirty (suite.h).
 *
 * Per N: the journal lines and two scenarios (gen.h); a simulation journal
 * (`reckon init --sim`) that ingests the lines (set-up: timed for context,
 * under the set-up time limit); one copy of it per scenario, so both passes
 * start from the same journal; then the pass, on binance-usdm. Checked: the
 * clean pass reports 0 findings and 0 actions; the dirty pass one
 * missing_stop per stop removed and one orphan_exchange_order per order
 * added, and no failed action.
 *
 * The pass runs with RECKON_TIMINGS=1: besides the process's wall time (which
 * includes start-up and parsing the scenario), the figure of each pass is
 * its engine time as reckon measures it, with where it went.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

struct recon_files {
	char sz[16];
	char journal[PATH_MAX], scenario[2][PATH_MAX], base[PATH_MAX], err[PATH_MAX];
	struct recon_meta meta;
};

static const char *const KIND[2] = {"clean", "dirty"};

static int generate(const struct opts *o, int64_t n, struct recon_files *f)
{
	path_in(f->journal, sizeof f->journal, o, "recon-%s.jsonl", f->sz);
	path_in(f->base, sizeof f->base, o, "recon-%s.db", f->sz);
	path_in(f->err, sizeof f->err, o, "recon-%s.err", f->sz);
	for (int d = 0; d < 2; d++)
		path_in(f->scenario[d], sizeof f->scenario[d], o, "recon-%s-%s.json", f->sz, KIND[d]);
	FILE *j = fopen(f->journal, "w"), *c = fopen(f->scenario[0], "w");
	FILE *d = fopen(f->scenario[1], "w");
	int rc = j && c && d ? gen_recon(j, c, d, n, o->seed, &f->meta) : -1;
	if ((j && fclose(j)) || (c && fclose(c)) || (d && fclose(d)) || rc) {
		fprintf(stderr, "reckon-bench: writing the %s scenario failed\n", f->sz);
		return -1;
	}
	printf("# reconcile %s: %" PRId64 " futures positions with stops, %" PRId64
	       " journal lines, scenario %.1f MB; dirty: %" PRId64 " stops gone, %" PRId64
	       " orphan orders\n",
	       f->sz, n, f->meta.journal_lines, (double)file_size(f->scenario[0]) / 1e6,
	       f->meta.dirty_missing_stop, f->meta.dirty_orphans);
	return 0;
}

/* The bot's journal in a simulation journal. 1 when it is there, 0 when not
 * (printed), -1 on a set-up error. */
static int setup(const struct opts *o, struct recon_files *f)
{
	char out[PATH_MAX], name[96], want[96], v[32], tail[400];
	struct run r;
	char *init[] = {(char *)o->reckon, "init", "--sim", "--db", f->base, NULL};
	if (run_step(init, NULL, NULL, f->err, o->timeout, &r))
		return -1;
	if (r.exit_code != 0) {
		tail_of(f->err, tail, sizeof tail);
		bad("reconcile.init", "reckon init --sim: exit %d: %s", r.exit_code, tail);
		return 0;
	}
	path_in(out, sizeof out, o, "recon-%s-ingest.out", f->sz);
	char *ing[] = {(char *)o->reckon, "ingest", "--db", f->base, f->journal, NULL};
	if (run_step(ing, NULL, out, f->err, o->setup_timeout, &r))
		return -1;
	snprintf(name, sizeof name, "reconcile.setup_ingest@%s", f->sz);
	snprintf(want, sizeof want, "accepted %" PRId64 ", duplicates 0, stale 0, rejected 0\n",
		 f->meta.journal_lines);
	char *got = slurp(out);
	int ok = 0;
	if (r.timed_out) {
		fig(name, secs(v, sizeof v, &r), "s",
		    "> %.0f s (set-up time limit): no reconcile figure at this size", o->setup_timeout);
	} else if (r.exit_code != 0 || !got || strcmp(got, want)) {
		tail_of(f->err, tail, sizeof tail);
		bad(name, "exit %d, stdout '%.80s': %s", r.exit_code, got ? got : "", tail);
	} else {
		ok = 1;
		fig(name, num(v, sizeof v, r.wall_s, 3), "s", "set-up, for context: %" PRId64
		    " lines, %.0f ev/s", f->meta.journal_lines, (double)f->meta.journal_lines / r.wall_s);
	}
	free(got);
	return ok;
}

/* Parses "binance-usdm run R: F findings, A actions (S succeeded, X failed,
 * K skipped" out of a pass's report. */
static int parse_pass(const char *report, long *findings, long *actions, long *failed)
{
	const char *p = report ? strstr(report, "binance-usdm run ") : NULL;
	long run, succeeded, skipped;
	return p && sscanf(p, "binance-usdm run %ld: %ld findings, %ld actions (%ld succeeded, "
			      "%ld failed, %ld skipped",
			   &run, findings, actions, &succeeded, failed, &skipped) == 6
		       ? 0
		       : -1;
}

/* The RECKON_TIMINGS=1 lines of a pass's stderr (cmd_reconcile.c):
 *   timings: open S s
 *   timings binance-usdm: recover S s, snapshot S s, load S s, plan S s,
 *     journal S s, execute S s, settle S s, engine S s */
static void parse_timings(const char *errs, struct recon_timings_s *t)
{
	const char *o = errs ? strstr(errs, "timings: open ") : NULL;
	const char *p = errs ? strstr(errs, "timings binance-usdm: ") : NULL;
	memset(t, 0, sizeof *t);
	t->known = o && p && sscanf(o, "timings: open %lf s", &t->open) == 1 &&
		   sscanf(p, "timings binance-usdm: recover %lf s, snapshot %lf s, load %lf s, "
			     "plan %lf s, journal %lf s, execute %lf s, settle %lf s, engine %lf s",
			  &t->recover, &t->snapshot, &t->load, &t->plan, &t->journal, &t->execute,
			  &t->settle, &t->engine) == 8;
}

/* Findings of a kind in a pass's report: its KIND column. */
static int64_t count_kind(const char *report, const char *kind)
{
	char pat[64];
	int64_t n = 0;
	snprintf(pat, sizeof pat, "  %s ", kind);
	for (const char *p = report; p && (p = strstr(p, pat)); p += strlen(pat))
		n++;
	return n;
}

/* The engine time of a pass (name.engine), with where it went. */
static void print_engine(const char *name, const struct recon_timings_s *t)
{
	char en[112], v[32];
	snprintf(en, sizeof en, "%s.engine", name);
	if (!t->known) {
		fig(en, "?", "s", "no RECKON_TIMINGS lines on the pass's stderr");
		return;
	}
	fig(en, num(v, sizeof v, t->engine, 3), "s",
	    "snapshot %.3f, load %.3f, plan %.3f, journal %.3f, execute %.3f, settle %.3f "
	    "(+ open %.3f: scenario parsing, not engine); goal: 100k in < 1 s",
	    t->snapshot, t->load, t->plan, t->journal, t->execute, t->settle, t->open);
}

/* Is the pass's report what the scenario calls for? Prints the figure or
 * why not. */
static void judge(const struct recon_files *f, int d, const struct run *r, const char *out,
		  const char *name, bool *ran, const struct recon_timings_s *t)
{
	char v[32], tail[400];
	long fi = -1, ac = -1, failed = -1;
	char *report = slurp(out);
	int64_t missing = count_kind(report, "missing_stop");
	int64_t orphans = count_kind(report, "orphan_exchange_order");
	if (r->exit_code != 0 || parse_pass(report, &fi, &ac, &failed)) {
		tail_of(f->err, tail, sizeof tail);
		bad(name, "exit %d, no pass summary: %s", r->exit_code, tail);
	} else if (d == 0 && (fi != 0 || ac != 0)) {
		bad(name, "the clean pass: %ld findings, %ld actions, want none (see %s)", fi, ac, out);
	} else if (d == 1 && (failed != 0 || missing != f->meta.dirty_missing_stop ||
			      orphans != f->meta.dirty_orphans)) {
		bad(name, "%" PRId64 " missing_stop (want %" PRId64 "), %" PRId64
			  " orphan_exchange_order (want %" PRId64 "), %ld failed actions (see %s)",
		    missing, f->meta.dirty_missing_stop, orphans, f->meta.dirty_orphans, failed, out);
	} else {
		*ran = true;
		fig(name, num(v, sizeof v, r->wall_s, 3), "s",
		    "%ld findings, %ld actions (checked); cpu %.3f s; rss %.1f MB; the process, "
		    "scenario parsing included", fi, ac, r->cpu_s, (double)r->maxrss_kb / 1024.0);
		print_engine(name, t);
	}
	free(report);
}

static int pass(const struct opts *o, const struct recon_files *f, int d, struct recon_result *res)
{
	char db[PATH_MAX], out[PATH_MAX], name[96], v[32];
	path_in(db, sizeof db, o, "recon-%s-%s.db", f->sz, KIND[d]);
	path_in(out, sizeof out, o, "recon-%s-%s.out", f->sz, KIND[d]);
	if (copy_db(f->base, db))
		return -1;
	char *argv[] = {(char *)o->reckon, "reconcile", "--once", "--db", db, "--sim",
			(char *)f->scenario[d], "--venue", "binance-usdm", NULL};
	if (setenv("RECKON_TIMINGS", "1", 1) ||
	    run_step(argv, NULL, out, f->err, o->timeout, &res->pass[d])) {
		unsetenv("RECKON_TIMINGS");
		return -1;
	}
	unsetenv("RECKON_TIMINGS");
	char *errs = slurp(f->err);
	parse_timings(errs, &res->t[d]);
	free(errs);
	snprintf(name, sizeof name, "reconcile.%s@%s", KIND[d], f->sz);
	if (res->pass[d].timed_out) {
		res->ran[d] = true;
		fig(name, secs(v, sizeof v, &res->pass[d]), "s",
		    "> %.0f s (timeout); the goal: 1 s at 100k", o->timeout);
		return 0;
	}
	judge(f, d, &res->pass[d], out, name, &res->ran[d], &res->t[d]);
	return 0;
}

int bench_recon(const struct opts *o, int64_t n, struct recon_result *res)
{
	struct recon_files f;
	memset(&f, 0, sizeof f);
	memset(res, 0, sizeof *res);
	res->n = n;
	size_name(f.sz, sizeof f.sz, n);
	if (generate(o, n, &f))
		return -1;
	int ok = setup(o, &f);
	for (int d = 0; ok == 1 && d < 2; d++)
		if (pass(o, &f, d, res))
			return -1;
	return ok < 0 ? -1 : 0;
}

void recon_ratio(const struct recon_result *a, const struct recon_result *b)
{
	char name[96], sa[16], sb[16], v[32];
	size_name(sa, sizeof sa, a->n);
	size_name(sb, sizeof sb, b->n);
	double k = (double)b->n / (double)a->n;
	double nlogn = k * log((double)b->n) / log((double)a->n);
	for (int d = 0; d < 2; d++) {
		if (!a->ran[d] || !b->ran[d] || a->pass[d].timed_out)
			continue;
		double ratio = b->pass[d].wall_s / a->pass[d].wall_s;
		snprintf(name, sizeof name, "reconcile.%s.ratio@%s/%s", KIND[d], sb, sa);
		snprintf(v, sizeof v, "%s%.1f", b->pass[d].timed_out ? ">" : "", ratio);
		char cpu[64] = "";
		if (!b->pass[d].timed_out && a->pass[d].cpu_s > 0)
			snprintf(cpu, sizeof cpu, "; CPU time ratio %.1f",
				 b->pass[d].cpu_s / a->pass[d].cpu_s);
		fig(name, v, "x",
		    "t(%s)/t(%s)%s; linear %.0f, N log N %.1f, quadratic %.0f (goal <= 12)", sb, sa,
		    cpu, k, nlogn, k * k);
		if (b->pass[d].timed_out || !a->t[d].known || !b->t[d].known || a->t[d].engine <= 0)
			continue;
		snprintf(name, sizeof name, "reconcile.%s.engine_ratio@%s/%s", KIND[d], sb, sa);
		snprintf(v, sizeof v, "%.1f", b->t[d].engine / a->t[d].engine);
		fig(name, v, "x", "engine time t(%s)/t(%s); linear %.0f, N log N %.1f, quadratic %.0f"
		    " (goal <= 12)", sb, sa, k, nlogn, k * k);
	}
}

bool recon_worth_running(const struct opts *o, const struct recon_result *a, int64_t n)
{
	char sz[16], sa[16], name[96];
	double k = (double)n / (double)a->n, t = a->pass[0].wall_s;
	if (a->ran[0] && !a->pass[0].timed_out && (t < 2.0 || t * k * k <= o->timeout))
		return true;
	size_name(sz, sizeof sz, n);
	size_name(sa, sizeof sa, a->n);
	snprintf(name, sizeof name, "reconcile@%s", sz);
	fig(name, "-", "s", "not run: the %s clean pass took %s%.1f s, too slow to try %s", sa,
	    a->pass[0].timed_out ? ">" : "", t, sz);
	return false;
}
