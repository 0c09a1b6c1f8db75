/*
 * suite.h — the parts of the benchmark suite (tools/bench), and what they
 * share: options, how a figure is printed, small file helpers.
 *
 * Every figure is one line: name, value, unit, then what it is compared
 * with (its baseline measured in the same run, or its goal from issue 10).
 * A result that is wrong (a count, a check) is a "WRONG" line, counted by
 * suite_wrong(); the suite then exits 1. Slowness is never wrong.
 *
 * Each bench_* function returns 0 when it ran (its results printed, right
 * or wrong), -1 on a set-up error (a file that cannot be written, a child
 * that cannot be started), printed on stderr.
 */
#ifndef RECKON_BENCH_SUITE_H
#define RECKON_BENCH_SUITE_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gen.h"
#include "run.h"

#define SUITE_MAX_SIZES 8

struct opts {
	char reckon[PATH_MAX]; /* the binary under test */
	char self[PATH_MAX];   /* this program, for its raw-insert child */
	char dir[PATH_MAX];    /* work directory */
	bool dir_given, keep, quick;
	double timeout;       /* each measured step, seconds */
	double setup_timeout; /* each set-up step (ingesting a reconcile journal) */
	long batch;           /* lines per commit of the raw baseline */
	uint64_t seed;
	int64_t ingest[SUITE_MAX_SIZES];
	size_t n_ingest;
	int64_t positions[SUITE_MAX_SIZES];
	size_t n_positions;
	long fills;           /* through `reckon run` (suite_daemon.c); 0: skipped */
};

/* ---- output ---- */

/* One figure line; fmt.. is what it is compared with. */
void fig(const char *name, const char *value, const char *unit, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* A wrong result: a "WRONG" line, the same on stderr, and counted. */
void bad(const char *name, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int suite_wrong(void);

/* Formatting into the caller's buffer, which each returns. */
const char *size_name(char *buf, size_t cap, int64_t n);          /* 10000 -> "10k" */
const char *num(char *buf, size_t cap, double v, int decimals);  /* "%.*f" */
const char *secs(char *buf, size_t cap, const struct run *r);    /* "1.234", ">120" */
const char *times(char *buf, size_t cap, double ratio);          /* "27x", "0.1x (1/10)" */

/* ---- files ---- */

/* DIR/NAME for a name formatted from fmt.. */
void path_in(char *out, size_t cap, const struct opts *o, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int64_t file_size(const char *path);  /* 0 when missing */
int64_t db_size(const char *path);    /* the file plus its -wal */
/* The whole file, NUL-terminated, to free(); NULL when unreadable. */
char *slurp(const char *path);
/* The end of a child's stderr on one line, for a WRONG line. */
void tail_of(const char *path, char *out, size_t cap);
/* Copies a database and its -wal, if any. 0, or -1 printed. */
int copy_db(const char *from, const char *to);
/* count(*) of a journal's events, read with libsqlite3; -1 on error. */
int64_t count_events(const char *db);

/* ---- the parts ---- */

struct ingest_result {
	int64_t size;   /* lines generated */
	bool raw_ok;    /* the baseline ran and inserted every line */
	bool ok;        /* reckon journaled every line, checked */
	bool partial;   /* reckon timed out; `events` lines were journaled */
	int64_t events; /* events in reckon's journal afterwards */
	struct run raw, ing;
	int64_t raw_db, ing_db; /* bytes on disk afterwards */
	char db[PATH_MAX];      /* reckon's journal */
	struct ingest_meta meta;
};

/* Generates `n` lines, inserts them raw (the baseline), ingests them with
 * reckon, prints the figures. */
int bench_ingest(const struct opts *o, int64_t n, struct ingest_result *res);
/* Per-event cost growth from a to b (b may be partial), against raw's. */
void ingest_growth(const struct ingest_result *a, const struct ingest_result *b);
/* Every named query, then audit verify, on a journal bench_ingest made. */
int bench_queries(const struct opts *o, const struct ingest_result *big);

/* `reckon report daily` on a journal bench_ingest made (suite_report.c). */
int bench_report(const struct opts *o, const struct ingest_result *big);

/* tools/bench_fifo on `fills` fills, when it was built next to this
 * program: the lot engine against plain inserts. */
int bench_lots(const struct opts *o, int64_t fills);

/* What `reckon reconcile` prints with RECKON_TIMINGS=1 (seconds). */
struct recon_timings_s {
	bool known;         /* the lines were there */
	double open;        /* opening the venue: parsing the scenario (not engine time) */
	double recover, snapshot, load, plan, journal, execute, settle;
	double engine;      /* the whole pass */
};

struct recon_result {
	int64_t n;          /* positions */
	bool ran[2];        /* clean, dirty: a pass ran (or timed out), checked */
	struct run pass[2]; /* clean, dirty */
	struct recon_timings_s t[2];
};

/* One reconcile pass on n positions, clean and 1% dirty. The engine time
 * (RECKON_TIMINGS=1) is printed beside the process's wall time. */
int bench_recon(const struct opts *o, int64_t n, struct recon_result *res);
/* t(b)/t(a) of the passes, against linear, N log N and quadratic. */
void recon_ratio(const struct recon_result *a, const struct recon_result *b);
/* Is a clean pass of `n` positions, after `a`, worth running: does t(a)
 * scaled by (n / a->n)^2 fit the time limit, or was a fast (< 2 s)? */
bool recon_worth_running(const struct opts *o, const struct recon_result *a, int64_t n);

/* `reckon run` against reckon-fakex: protect latency and engine time,
 * median and p99 over `fills` fills, beside one durable commit
 * (suite_daemon.c). Skipped when reckon-fakex was not built. */
int bench_daemon(const struct opts *o, int fills);

#endif
