/*
 * suite_ingest.c — `reckon ingest` against raw inserts of the same lines
 * (suite.h).
 *
 * Per size: the generated lines (gen.h), the baseline (raw.h) in a child,
 * then `reckon ingest --db FILE LINES` in a child. Checked: reckon says
 * "accepted N, duplicates 0, stale 0, rejected 0", exits 0, and the journal
 * holds N events. When reckon reaches the time limit its journal holds the
 * batches committed so far, and its stderr must be empty (no line refused);
 * the figures then describe those events.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suite.h"

static double rate(int64_t events, const struct run *r)
{
	return r->wall_s > 0 ? (double)events / r->wall_s : 0.0;
}

static double amp(const struct run *r, int64_t size)
{
	return size > 0 ? (double)r->write_bytes / (double)size : 0.0;
}

static int generate(const struct opts *o, const char *sz, const char *file,
		    struct ingest_result *res)
{
	FILE *f = fopen(file, "w");
	if (!f) {
		fprintf(stderr, "reckon-bench: %s: %s\n", file, strerror(errno));
		return -1;
	}
	double t0 = now_s();
	int rc = gen_ingest(f, res->size, o->seed, &res->meta);
	if (fclose(f) || rc)
		return -1;
	const struct ingest_meta *m = &res->meta;
	printf("# ingest %s: %" PRId64 " lines (%" PRId64 " orders, %" PRId64 " reports, %" PRId64
	       " fills, %s..%s), %.1f MB, generated in %.1f s\n",
	       sz, m->lines, m->orders, m->reports, m->fills, m->first_day, m->last_day,
	       (double)file_size(file) / 1e6, now_s() - t0);
	return 0;
}

/* The baseline: `reckon-bench raw-insert` in a child. */
static int baseline(const struct opts *o, const char *sz, const char *file,
		    struct ingest_result *res)
{
	char db[PATH_MAX], out[PATH_MAX], err[PATH_MAX], batch[32], name[64], want[64], v[32];
	char tail[400];
	path_in(db, sizeof db, o, "raw-%s.db", sz);
	path_in(out, sizeof out, o, "raw-%s.out", sz);
	path_in(err, sizeof err, o, "raw-%s.err", sz);
	snprintf(batch, sizeof batch, "%ld", o->batch);
	char *argv[] = {(char *)o->self, "raw-insert", db, (char *)file, batch, NULL};
	if (run_step(argv, NULL, out, err, o->timeout, &res->raw))
		return -1;
	res->raw_db = db_size(db);
	snprintf(name, sizeof name, "raw_insert.rate@%s", sz);
	snprintf(want, sizeof want, "inserted %" PRId64 "\n", res->size);
	char *got = slurp(out);
	res->raw_ok = !res->raw.timed_out && res->raw.exit_code == 0 && got && !strcmp(got, want);
	free(got);
	if (res->raw.timed_out) {
		fig(name, secs(v, sizeof v, &res->raw), "s", "timeout: no baseline at this size");
	} else if (!res->raw_ok) {
		tail_of(err, tail, sizeof tail);
		bad(name, "raw insert exit %d: %s", res->raw.exit_code, tail);
	} else {
		fig(name, num(v, sizeof v, rate(res->size, &res->raw), 0), "ev/s",
		    "baseline (%.3f s, write amp %.2f, rss %.1f MB, %.0f B/event)", res->raw.wall_s,
		    amp(&res->raw, res->raw_db), (double)res->raw.maxrss_kb / 1024.0,
		    (double)res->raw_db / (double)res->size);
	}
	return 0;
}

/* reckon ingest in a child; checks what it journaled. */
static int ingest(const struct opts *o, const char *sz, const char *file,
		  struct ingest_result *res)
{
	char out[PATH_MAX], err[PATH_MAX], name[64], want[96], v[32], c[64], tail[400];
	path_in(res->db, sizeof res->db, o, "ingest-%s.db", sz);
	path_in(out, sizeof out, o, "ingest-%s.out", sz);
	path_in(err, sizeof err, o, "ingest-%s.err", sz);
	char *argv[] = {(char *)o->reckon, "ingest", "--db", res->db, (char *)file, NULL};
	if (run_step(argv, NULL, out, err, o->timeout, &res->ing))
		return -1;
	res->ing_db = db_size(res->db);
	res->events = count_events(res->db);
	int64_t n = res->size;
	double raw_rate = res->raw_ok ? rate(n, &res->raw) : 0;
	snprintf(name, sizeof name, "ingest.rate@%s", sz);
	snprintf(want, sizeof want, "accepted %" PRId64 ", duplicates 0, stale 0, rejected 0\n", n);
	char *got = slurp(out);
	if (res->ing.timed_out && file_size(err) > 0) { /* a line refused before the limit */
		tail_of(err, tail, sizeof tail);
		bad(name, "> %.0f s (timeout), and stderr says: %s", o->timeout, tail);
	} else if (res->ing.timed_out) {
		res->partial = res->events > 0;
		fig(name, num(v, sizeof v, rate(res->events > 0 ? res->events : 0, &res->ing), 0),
		    "ev/s", "%s raw; > %.0f s (timeout): %" PRId64 " of %" PRId64 " events committed",
		    raw_rate > 0 ? times(c, sizeof c, rate(res->events, &res->ing) / raw_rate) : "?x",
		    o->timeout, res->events, n);
	} else if (res->ing.exit_code != 0 || !got || strcmp(got, want) || res->events != n) {
		tail_of(err, tail, sizeof tail);
		bad(name, "exit %d, %" PRId64 " of %" PRId64 " events, stdout '%.80s', stderr: %s",
		    res->ing.exit_code, res->events, n, got ? got : "", tail);
	} else {
		res->ok = true;
		fig(name, num(v, sizeof v, rate(n, &res->ing), 0), "ev/s",
		    "%s raw (%.3f s, cpu %.3f s; raw %.3f s, cpu %.3f s; goal >= 0.3x)",
		    raw_rate > 0 ? times(c, sizeof c, rate(n, &res->ing) / raw_rate) : "?x",
		    res->ing.wall_s, res->ing.cpu_s, res->raw.wall_s, res->raw.cpu_s);
	}
	free(got);
	return 0;
}

/* Cost per event, write amplification, bytes per event and peak RSS. */
static void figures(const char *sz, const struct ingest_result *res)
{
	char name[64], v[32], c[64];
	int64_t ev = res->ok ? res->size : res->events, n = res->size;
	double us = res->ing.wall_s * 1e6 / (double)ev, raw_us = res->raw.wall_s * 1e6 / (double)n;
	double a = amp(&res->ing, res->ing_db), raw_a = amp(&res->raw, res->raw_db);
	double bpe = (double)res->ing_db / (double)ev, raw_bpe = (double)res->raw_db / (double)n;
	snprintf(name, sizeof name, "ingest.us_per_event@%s", sz);
	fig(name, num(v, sizeof v, us, 1), "us", "%s raw's %.2f us%s",
	    res->raw_ok ? times(c, sizeof c, us / raw_us) : "?x", raw_us,
	    res->partial ? " (partial)" : "");
	snprintf(name, sizeof name, "ingest.write_amp@%s", sz);
	if (res->ing.io_known && res->raw.io_known)
		fig(name, num(v, sizeof v, a, 2), "x",
		    "%s raw's %.2f; %.1f MB written for a %.1f MB journal (goal <= 3)",
		    times(c, sizeof c, raw_a > 0 ? a / raw_a : 0), raw_a,
		    (double)res->ing.write_bytes / 1e6, (double)res->ing_db / 1e6);
	else
		fig(name, "?", "x", "/proc/PID/io not read%s",
		    res->ing.timed_out ? " (killed at the time limit)" : "");
	snprintf(name, sizeof name, "ingest.bytes_per_event@%s", sz);
	fig(name, num(v, sizeof v, bpe, 0), "B", "%s raw's %.0f B",
	    times(c, sizeof c, raw_bpe > 0 ? bpe / raw_bpe : 0), raw_bpe);
	snprintf(name, sizeof name, "ingest.rss@%s", sz);
	fig(name, num(v, sizeof v, (double)res->ing.maxrss_kb / 1024.0, 1), "MB", "%s raw's %.1f MB",
	    times(c, sizeof c,
		  res->raw.maxrss_kb > 0 ? (double)res->ing.maxrss_kb / (double)res->raw.maxrss_kb
					 : 0),
	    (double)res->raw.maxrss_kb / 1024.0);
}

int bench_ingest(const struct opts *o, int64_t n, struct ingest_result *res)
{
	char sz[16], file[PATH_MAX];
	memset(res, 0, sizeof *res);
	res->size = n;
	size_name(sz, sizeof sz, n);
	path_in(file, sizeof file, o, "ingest-%s.jsonl", sz);
	if (generate(o, sz, file, res) || baseline(o, sz, file, res) || ingest(o, sz, file, res))
		return -1;
	if (res->ok || res->partial)
		figures(sz, res);
	return 0;
}

void ingest_growth(const struct ingest_result *a, const struct ingest_result *b)
{
	char name[64], sa[16], sb[16], v[32];
	int64_t eb = b->ok ? b->size : b->events;
	if (!a->ok || !(b->ok || b->partial) || !a->raw_ok || !b->raw_ok || eb <= 0)
		return;
	double g = (b->ing.wall_s / (double)eb) / (a->ing.wall_s / (double)a->size);
	double graw = (b->raw.wall_s / (double)b->size) / (a->raw.wall_s / (double)a->size);
	size_name(sa, sizeof sa, a->size);
	size_name(sb, sizeof sb, b->size);
	snprintf(name, sizeof name, "ingest.cost_growth@%s->%s", sa, sb);
	fig(name, num(v, sizeof v, g, 2), "x",
	    "%.2fx raw's growth of %.2fx (per-event time at %s / at %s; goal: flat, 1.0)%s",
	    g / graw, graw, sb, sa, b->partial ? "; partial: the events committed in time" : "");
}
