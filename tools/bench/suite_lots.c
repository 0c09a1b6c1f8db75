/*
 * suite_lots.c — the lot engine against plain inserts, by running the
 * existing tools/bench_fifo (suite.h).
 *
 * bench_fifo links reckon's journal library (its internal API), so the suite
 * only runs it when the `bench` target built it next to reckon-bench; when
 * it is absent the figure says so. It measures in one process: fills
 * plainly inserted into `fills`, then the same fills through
 * lots_apply_fill, and prints the ratio of their times, which is the figure
 * (issue 10's goal: <= 2). Checked: exit 0 and both rate lines present.
 */
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suite.h"

int bench_lots(const struct opts *o, int64_t fills)
{
	char exe[PATH_MAX], dir[PATH_MAX], out[PATH_MAX], err[PATH_MAX], n[32], name[64], sz[16];
	char v[32], tail[400];
	struct run r;
	snprintf(dir, sizeof dir, "%s", o->self);
	snprintf(exe, sizeof exe, "%s/bench_fifo", dirname(dir));
	size_name(sz, sizeof sz, fills);
	snprintf(name, sizeof name, "lots.fifo_vs_insert@%s", sz);
	if (access(exe, X_OK) != 0) {
		fig(name, "-", "", "not run: no bench_fifo next to reckon-bench (cmake --build B "
				   "--target bench builds it)");
		return 0;
	}
	snprintf(n, sizeof n, "%lld", (long long)fills);
	path_in(out, sizeof out, o, "bench_fifo.out");
	path_in(err, sizeof err, o, "bench_fifo.err");
	char *argv[] = {exe, n, "0", NULL};
	if (run_step(argv, NULL, out, err, o->timeout, &r))
		return -1;
	char *got = slurp(out);
	const char *base = got ? strstr(got, "  baseline ") : NULL;
	const char *fifo = got ? strstr(got, "  fifo ") : NULL;
	double base_rate = 0, fifo_rate = 0, ratio = 0;
	bool parsed = base && fifo &&
		      sscanf(base, " baseline plain prepared INSERT into fills %lf", &base_rate) == 1 &&
		      sscanf(fifo, " fifo INSERT + lots_apply_fill %lf fills/s (%*f s) ratio %lf",
			     &fifo_rate, &ratio) == 2;
	if (r.timed_out) {
		fig(name, secs(v, sizeof v, &r), "s", "> %.0f s (timeout)", o->timeout);
	} else if (r.exit_code != 0) {
		tail_of(err, tail, sizeof tail);
		bad(name, "bench_fifo exit %d: %s", r.exit_code, tail);
	} else if (!parsed) {
		bad(name, "bench_fifo printed no baseline and fifo rates (see %s)", out);
	} else {
		fig(name, num(v, sizeof v, ratio, 2), "x",
		    "time of lots_apply_fill + INSERT vs the plain INSERT (%.0f vs %.0f fills/s, "
		    "in-process, bench_fifo; goal <= 2); rss %.1f MB",
		    fifo_rate, base_rate, (double)r.maxrss_kb / 1024.0);
	}
	free(got);
	return 0;
}
