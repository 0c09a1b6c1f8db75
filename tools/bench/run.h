/*
 * run.h — run one benchmark step as a child process, with a time limit, and
 * measure it (tools/bench).
 *
 * The child runs in its own process group. Its wall time is measured from
 * fork to exit; its CPU time and peak RSS come from wait4's rusage, and its
 * I/O from /proc/PID/io, read while the child is a zombie (waitid WNOWAIT),
 * so the figures are the child's own, whatever else the machine is doing.
 * A child still running when the time limit passes is killed (SIGKILL to its
 * group) and reported as timed out; that is a figure, not an error.
 */
#ifndef RECKON_BENCH_RUN_H
#define RECKON_BENCH_RUN_H

#include <stdbool.h>
#include <stdint.h>

struct run {
	double wall_s;
	bool timed_out;
	int exit_code;        /* 0..255; -1 when killed by a signal (timed out included) */
	int signal;           /* the signal that ended it, 0 if it exited */
	double cpu_s;         /* user + system CPU time (less sensitive to a busy machine) */
	long maxrss_kb;       /* peak resident set size */
	uint64_t write_bytes; /* /proc/PID/io: bytes it caused to be sent to storage */
	uint64_t wchar;       /* /proc/PID/io: bytes passed to write(2) and the like */
	bool io_known;        /* /proc/PID/io could be read */
};

/* Runs argv (argv[0] a path, argv NULL-terminated) with stdin from `in`
 * (NULL: /dev/null), stdout to `out` and stderr to `err` (NULL: /dev/null),
 * at most timeout_s seconds. Returns 0 when the child ran (whatever its exit
 * status: see *r), -1 when it could not be started (printed on stderr). */
int run_step(char *const argv[], const char *in, const char *out, const char *err,
	     double timeout_s, struct run *r);

/* Monotonic seconds. */
double now_s(void);

#endif
