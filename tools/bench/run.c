/*
 * run.c — one measured, time-limited child process (run.h).
 */
#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void redirect(const char *path, int fd, int flags)
{
	int f = open(path ? path : "/dev/null", flags, 0644);
	if (f < 0 || dup2(f, fd) < 0) {
		fprintf(stderr, "reckon-bench: %s: %s\n", path ? path : "/dev/null", strerror(errno));
		_exit(127);
	}
	close(f);
}

static void read_io(pid_t pid, struct run *r)
{
	char path[64], line[128];
	snprintf(path, sizeof path, "/proc/%ld/io", (long)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof line, f)) {
		unsigned long long v;
		if (sscanf(line, "write_bytes: %llu", &v) == 1) {
			r->write_bytes = v;
			r->io_known = true;
		} else if (sscanf(line, "wchar: %llu", &v) == 1) {
			r->wchar = v;
		}
	}
	fclose(f);
}

/* Waits until the child has exited (leaving it a zombie) or the deadline
 * passes. Returns 1 when it exited, 0 on timeout, -1 on error. */
static int wait_exit(pid_t pid, double deadline)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	for (;;) {
		siginfo_t si;
		memset(&si, 0, sizeof si);
		if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0) {
			if (errno == EINTR)
				continue;
			if (pidfd >= 0)
				close(pidfd);
			return -1;
		}
		if (si.si_pid == pid) {
			if (pidfd >= 0)
				close(pidfd);
			return 1;
		}
		double left = deadline - now_s();
		if (left <= 0) {
			if (pidfd >= 0)
				close(pidfd);
			return 0;
		}
		if (pidfd >= 0) {
			struct pollfd p = {.fd = pidfd, .events = POLLIN};
			double ms = left * 1000.0 + 1.0;
			(void)poll(&p, 1, ms > 1000.0 ? 1000 : (int)ms);
		} else {
			struct timespec ts = {0, 2000000}; /* no pidfd: poll every 2 ms */
			nanosleep(&ts, NULL);
		}
	}
}

int run_step(char *const argv[], const char *in, const char *out, const char *err,
	     double timeout_s, struct run *r)
{
	memset(r, 0, sizeof *r);
	fflush(stdout);
	fflush(stderr);
	double t0 = now_s();
	pid_t pid = fork();
	if (pid < 0) {
		fprintf(stderr, "reckon-bench: fork: %s\n", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		setpgid(0, 0);
		redirect(in, 0, O_RDONLY);
		redirect(out, 1, O_WRONLY | O_CREAT | O_TRUNC);
		redirect(err, 2, O_WRONLY | O_CREAT | O_TRUNC);
		execv(argv[0], argv);
		fprintf(stderr, "reckon-bench: %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	setpgid(pid, pid); /* both sides, so the group exists before a kill */
	int w = wait_exit(pid, t0 + timeout_s);
	r->wall_s = now_s() - t0;
	if (w == 0) {
		r->timed_out = true;
		read_io(pid, r); /* what it wrote until now */
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	} else if (w == 1) {
		read_io(pid, r);
	}
	int st = 0;
	struct rusage ru;
	memset(&ru, 0, sizeof ru);
	while (wait4(pid, &st, 0, &ru) < 0) {
		if (errno != EINTR) {
			fprintf(stderr, "reckon-bench: wait4: %s\n", strerror(errno));
			return -1;
		}
	}
	r->maxrss_kb = ru.ru_maxrss;
	r->cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
		   (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	if (WIFEXITED(st)) {
		r->exit_code = WEXITSTATUS(st);
	} else {
		r->exit_code = -1;
		r->signal = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	}
	if (r->exit_code == 127) {
		fprintf(stderr, "reckon-bench: could not run %s (see %s)\n", argv[0],
			err ? err : "its stderr");
		return -1;
	}
	return 0;
}
