/*
 * reckon_bench.c — the benchmark suite of issue 10 (see BENCHMARKS.md).
 *
 *   reckon-bench [--quick] [--timeout S] [--setup-timeout S] [--batch N]
 *                [--seed N] [--dir DIR] [--keep] [--reckon PATH]
 *                [--ingest N,N,..] [--positions N,N,..]
 *   reckon-bench gen-ingest N FILE [SEED]
 *   reckon-bench gen-recon N JOURNAL CLEAN.json DIRTY.json [SEED]
 *   reckon-bench raw-insert DB FILE BATCH
 *
 * Drives the `reckon` binary through its CLI only (ingest, reconcile --sim,
 * query, audit verify) and measures each step as a child process (run.h);
 * the baseline is raw.c, the same rows plainly inserted with libsqlite3, in
 * the same run. Prints one line per figure with its ratio to the baseline
 * (or to its goal from issue 10 where no baseline applies).
 *
 * Every step checks its result (counts ingested, no rejection, a clean pass
 * with nothing to do, the dirty pass's findings, query row counts, audit ok).
 * Exit 0 when every result was right, 1 when one was wrong (named on
 * stderr and as a "WRONG" line), 2 on a usage or set-up error. A slow or
 * timed-out step is a figure ("> T s (timeout)"), never a failure.
 */
#include <errno.h>
#include <inttypes.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "gen.h"
#include "raw.h"
#include "suite.h"

#define SEED_DEFAULT 20251202u

/* The 1-minute load average: how busy the (shared) machine was. */
static double loadavg(void)
{
	double load = -1;
	FILE *f = fopen("/proc/loadavg", "r");
	if (f) {
		if (fscanf(f, "%lf", &load) != 1)
			load = -1;
		fclose(f);
	}
	return load;
}

/* The header: when, where, with what. */
static void machine(const struct opts *o)
{
	char cpu[512] = "?", line[512];
	FILE *f = fopen("/proc/cpuinfo", "r");
	while (f && fgets(line, sizeof line, f))
		if (!strncmp(line, "model name", 10)) {
			char *p = strchr(line, ':');
			snprintf(cpu, sizeof cpu, "%s", p ? p + 2 : line);
			cpu[strcspn(cpu, "\n")] = '\0';
			break;
		}
	if (f)
		fclose(f);
	time_t t = time(NULL);
	struct tm tm;
	char date[64];
	gmtime_r(&t, &tm);
	strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tm);
	printf("# reckon-bench %s: %s, nproc %ld, %s, load %.2f\n", o->quick ? "--quick" : "full",
	       date, sysconf(_SC_NPROCESSORS_ONLN), cpu, loadavg());
	printf("# reckon %s; step timeout %.0f s (set-up %.0f s); batch %ld; seed %" PRIu64
	       "; sqlite %s; dir %s\n",
	       o->reckon, o->timeout, o->setup_timeout, o->batch, o->seed, sqlite3_libversion(),
	       o->dir);
	printf("%-34s %14s %-5s  %s\n", "# figure", "value", "unit", "compared with");
}

static int parse_sizes(const char *s, int64_t *out, size_t *n)
{
	*n = 0;
	while (*s && *n < SUITE_MAX_SIZES) {
		char *end;
		long long v = strtoll(s, &end, 10);
		if (end == s || v <= 0)
			return -1;
		if (*end == 'k' || *end == 'K')
			v *= 1000, end++;
		else if (*end == 'M' || *end == 'm')
			v *= 1000000, end++;
		out[(*n)++] = v;
		if (*end == ',')
			end++;
		else if (*end)
			return -1;
		s = end;
	}
	return *n ? 0 : -1;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: reckon-bench [--quick] [--timeout S] [--setup-timeout S] [--batch N]\n"
		"                    [--seed N] [--dir DIR] [--keep] [--reckon PATH]\n"
		"                    [--ingest N,N,..] [--positions N,N,..] [--fills N]\n"
		"       reckon-bench gen-ingest N FILE [SEED]\n"
		"       reckon-bench gen-recon N JOURNAL CLEAN.json DIRTY.json [SEED]\n"
		"       reckon-bench raw-insert DB FILE BATCH\n\n"
		"Runs the benchmark suite against the reckon binary (default: $RECKON_BIN, else the\n"
		"'reckon' next to this program) and prints one line per figure with its ratio to\n"
		"the baseline measured in the same run (see BENCHMARKS.md).\n\n"
		"  --quick          smallest sizes only (ingest 10k, reconcile 1k), under a minute\n"
		"  --timeout S      time limit of each step, seconds (default 120); a step that\n"
		"                   reaches it is killed and reported as '> S s (timeout)'\n"
		"  --setup-timeout S\n"
		"                   time limit of a set-up step (ingesting a reconcile\n"
		"                   journal; default 3x --timeout)\n"
		"  --batch N        lines per commit of the raw baseline: reckon ingest's (50000)\n"
		"  --seed N         generator seed (default %u)\n"
		"  --ingest LIST    ingest sizes (default 10k,100k,1M); queries and audit run\n"
		"                   on the last one\n"
		"  --positions LIST reconcile sizes (default 1k,10k,100k)\n"
		"  --fills N        fills through `reckon run` for its protection latency\n"
		"                   (default 200; --quick 20; 0 skips it)\n"
		"  --dir DIR        work directory (default: a new /tmp/reckon-bench.XXXXXX,\n"
		"                   removed at the end unless --keep)\n\n"
		"Exit 0 when every result was right (however slow), 1 when one was wrong,\n"
		"2 on a usage or set-up error.\n",
		SEED_DEFAULT);
}

static int gen_main(int argc, char **argv)
{
	if (!strcmp(argv[1], "gen-ingest") && (argc == 4 || argc == 5)) {
		FILE *f = fopen(argv[3], "w");
		struct ingest_meta m;
		uint64_t seed = argc == 5 ? strtoull(argv[4], NULL, 10) : SEED_DEFAULT;
		int rc = f ? gen_ingest(f, strtoll(argv[2], NULL, 10), seed, &m) : -1;
		if ((f && fclose(f)) || rc)
			return 1;
		printf("%" PRId64 " lines: %" PRId64 " orders, %" PRId64 " reports, %" PRId64
		       " fills, %" PRId64 " open at the end; %s %s on %s: %" PRId64
		       " fills, %" PRId64 " open\n",
		       m.lines, m.orders, m.reports, m.fills, m.open_orders, m.check_venue,
		       m.check_symbol, m.check_day, m.check_day_fills, m.check_open_orders);
		return 0;
	}
	if (!strcmp(argv[1], "gen-recon") && (argc == 6 || argc == 7)) {
		FILE *j = fopen(argv[3], "w"), *c = fopen(argv[4], "w"), *d = fopen(argv[5], "w");
		struct recon_meta m;
		uint64_t seed = argc == 7 ? strtoull(argv[6], NULL, 10) : SEED_DEFAULT;
		int rc = j && c && d ? gen_recon(j, c, d, strtoll(argv[2], NULL, 10), seed, &m) : -1;
		if ((j && fclose(j)) || (c && fclose(c)) || (d && fclose(d)) || rc)
			return 1;
		printf("%" PRId64 " positions, %" PRId64 " journal lines; dirty: %" PRId64
		       " missing stops, %" PRId64 " orphans\n",
		       m.positions, m.journal_lines, m.dirty_missing_stop, m.dirty_orphans);
		return 0;
	}
	usage(stderr);
	return 2;
}

/* Removes what the suite wrote: the whole temporary directory, or in a
 * --dir the journals (a journal left from an earlier run would turn the
 * lines into duplicates). */
static int clean_dir(const struct opts *o, bool before)
{
	char cmd[PATH_MAX * 3 + 64];
	if (before && o->dir_given)
		snprintf(cmd, sizeof cmd, "rm -f '%s'/*.db '%s'/*.db-wal '%s'/*.db-shm", o->dir, o->dir,
			 o->dir);
	else if (!before && !o->keep && !o->dir_given)
		snprintf(cmd, sizeof cmd, "rm -rf '%s'", o->dir);
	else
		return 0;
	if (system(cmd) != 0) {
		fprintf(stderr, "reckon-bench: could not clean %s\n", o->dir);
		return -1;
	}
	return 0;
}

/* Options into *o. Returns -1 to go on, else the exit code. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	const char *ingest = NULL, *positions = NULL;
	o->timeout = 120;
	o->setup_timeout = -1;
	o->batch = 50000; /* INGEST_BATCH */
	o->seed = SEED_DEFAULT;
	o->fills = -1;
	bool ok = true;
	for (int i = 1; ok && i < argc; i++) {
		const char *a = argv[i];
		if (!strcmp(a, "--quick")) {
			o->quick = true;
			continue;
		}
		if (!strcmp(a, "--keep")) {
			o->keep = true;
			continue;
		}
		if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
			usage(stdout);
			return 0;
		}
		const char *val = i + 1 < argc ? argv[++i] : NULL;
		if (!val)
			ok = false;
		else if (!strcmp(a, "--timeout"))
			o->timeout = strtod(val, NULL);
		else if (!strcmp(a, "--setup-timeout"))
			o->setup_timeout = strtod(val, NULL);
		else if (!strcmp(a, "--batch"))
			o->batch = strtol(val, NULL, 10);
		else if (!strcmp(a, "--seed"))
			o->seed = strtoull(val, NULL, 10);
		else if (!strcmp(a, "--dir"))
			o->dir_given = snprintf(o->dir, sizeof o->dir, "%s", val) > 0;
		else if (!strcmp(a, "--reckon"))
			snprintf(o->reckon, sizeof o->reckon, "%s", val);
		else if (!strcmp(a, "--ingest"))
			ingest = val;
		else if (!strcmp(a, "--positions"))
			positions = val;
		else if (!strcmp(a, "--fills"))
			o->fills = strtol(val, NULL, 10);
		else
			ok = false;
	}
	if (o->setup_timeout < 0)
		o->setup_timeout = 3 * o->timeout;
	if (o->fills < 0)
		o->fills = o->quick ? 20 : 200;
	if (!ok || !(o->timeout > 0) || !(o->setup_timeout > 0) || o->batch <= 0 ||
	    parse_sizes(ingest ? ingest : o->quick ? "10k" : "10k,100k,1M", o->ingest, &o->n_ingest) ||
	    parse_sizes(positions ? positions : o->quick ? "1k" : "1k,10k,100k", o->positions,
			&o->n_positions)) {
		usage(stderr);
		return 2;
	}
	return -1;
}

/* The binary under test, this program's path, the work directory. 0, or
 * -1 printed. */
static int locate(struct opts *o)
{
	ssize_t k = readlink("/proc/self/exe", o->self, sizeof o->self - 1);
	if (k <= 0) {
		fprintf(stderr, "reckon-bench: cannot find its own path\n");
		return -1;
	}
	o->self[k] = '\0';
	if (!o->reckon[0]) {
		const char *env = getenv("RECKON_BIN");
		char d[PATH_MAX];
		snprintf(d, sizeof d, "%s", o->self);
		if (env && *env)
			snprintf(o->reckon, sizeof o->reckon, "%s", env);
		else
			snprintf(o->reckon, sizeof o->reckon, "%s/reckon", dirname(d));
	}
	if (access(o->reckon, X_OK) != 0) {
		fprintf(stderr, "reckon-bench: no reckon binary at %s (--reckon PATH)\n", o->reckon);
		return -1;
	}
	if (!o->dir_given)
		snprintf(o->dir, sizeof o->dir, "/tmp/reckon-bench.XXXXXX");
	if (o->dir_given ? mkdir(o->dir, 0755) != 0 && errno != EEXIST : !mkdtemp(o->dir)) {
		fprintf(stderr, "reckon-bench: %s: %s\n", o->dir, strerror(errno));
		return -1;
	}
	return 0;
}

/* Every part in turn. 0, or -1 on a set-up error. */
static int suite(const struct opts *o, struct ingest_result *ing, struct recon_result *rec)
{
	const struct ingest_result *big = NULL;
	for (size_t i = 0; i < o->n_ingest; i++) {
		if (bench_ingest(o, o->ingest[i], &ing[i]))
			return -1;
		if (ing[i].ok || ing[i].partial)
			big = &ing[i]; /* the largest journal that holds events */
	}
	if (o->n_ingest > 1)
		ingest_growth(&ing[0], &ing[o->n_ingest - 1]);
	if (big && bench_queries(o, big))
		return -1;
	if (big && bench_report(o, big))
		return -1;
	if (bench_lots(o, o->quick ? 10000 : 100000))
		return -1;
	for (size_t i = 0; i < o->n_positions; i++) {
		if (i > 0 && !recon_worth_running(o, &rec[i - 1], o->positions[i]))
			break;
		if (bench_recon(o, o->positions[i], &rec[i]))
			return -1;
		if (i > 0)
			recon_ratio(&rec[i - 1], &rec[i]);
	}
	if (o->fills > 0 && bench_daemon(o, (int)o->fills))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	memset(&o, 0, sizeof o);
	if (argc >= 2 && !strcmp(argv[1], "raw-insert"))
		return raw_insert_main(argc, argv);
	if (argc >= 2 && !strncmp(argv[1], "gen-", 4))
		return gen_main(argc, argv);
	int rc = parse_args(argc, argv, &o);
	if (rc >= 0)
		return rc;
	if (locate(&o) || clean_dir(&o, true))
		return 2;
	double t0 = now_s();
	machine(&o);
	struct ingest_result *ing = calloc(o.n_ingest, sizeof *ing);
	struct recon_result *rec = calloc(o.n_positions, sizeof *rec);
	rc = ing && rec ? suite(&o, ing, rec) : -1;
	int wrong = suite_wrong();
	struct rusage self;
	memset(&self, 0, sizeof self);
	getrusage(RUSAGE_SELF, &self);
	printf("# done in %.0f s, load %.2f, reckon-bench's own peak RSS %.1f MB (a floor under each "
	       "child's: a child's count starts from the fork): %s\n",
	       now_s() - t0, loadavg(), (double)self.ru_maxrss / 1024.0,
	       rc ? "set-up error" : wrong ? "SOME RESULTS WRONG" : "every result checked and right");
	free(ing);
	free(rec);
	if (rc || wrong)
		fprintf(stderr, "reckon-bench: inputs and outputs kept in %s\n", o.dir);
	else
		clean_dir(&o, false);
	return rc ? 2 : wrong ? 1 : 0;
}
