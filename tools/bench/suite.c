/*
 * suite.c — figures and file helpers shared by the parts of the suite
 * (suite.h).
 */
#include "suite.h"

#include <errno.h>
#include <inttypes.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int wrong;

void fig(const char *name, const char *value, const char *unit, const char *fmt, ...)
{
	char cmp[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmp, sizeof cmp, fmt, ap);
	va_end(ap);
	printf("%-34s %14s %-5s  %s\n", name, value, unit, cmp);
	fflush(stdout);
}

void bad(const char *name, const char *fmt, ...)
{
	char why[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	wrong++;
	printf("%-34s %14s %-5s  %s\n", name, "WRONG", "", why);
	fflush(stdout);
	fprintf(stderr, "reckon-bench: %s: WRONG: %s\n", name, why);
}

int suite_wrong(void) { return wrong; }

const char *size_name(char *buf, size_t cap, int64_t n)
{
	if (n >= 1000000 && n % 1000000 == 0)
		snprintf(buf, cap, "%" PRId64 "M", n / 1000000);
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(buf, cap, "%" PRId64 "k", n / 1000);
	else
		snprintf(buf, cap, "%" PRId64, n);
	return buf;
}

const char *num(char *buf, size_t cap, double v, int decimals)
{
	snprintf(buf, cap, "%.*f", decimals, v);
	return buf;
}

const char *secs(char *buf, size_t cap, const struct run *r)
{
	if (r->timed_out)
		snprintf(buf, cap, ">%.0f", r->wall_s);
	else
		snprintf(buf, cap, "%.3f", r->wall_s);
	return buf;
}

const char *times(char *buf, size_t cap, double ratio)
{
	if (ratio >= 1.0)
		snprintf(buf, cap, "%.3gx", ratio);
	else
		snprintf(buf, cap, "%.3gx (1/%.3g)", ratio, ratio > 0 ? 1.0 / ratio : 0.0);
	return buf;
}

void path_in(char *out, size_t cap, const struct opts *o, const char *fmt, ...)
{
	char name[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(name, sizeof name, fmt, ap);
	va_end(ap);
	snprintf(out, cap, "%s/%s", o->dir, name);
}

int64_t file_size(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 ? (int64_t)st.st_size : 0;
}

int64_t db_size(const char *path)
{
	char wal[PATH_MAX + 8];
	snprintf(wal, sizeof wal, "%s-wal", path);
	return file_size(path) + file_size(wal);
}

char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	size_t cap = 4096, n = 0;
	char *buf = malloc(cap);
	while (buf) {
		n += fread(buf + n, 1, cap - n - 1, f);
		if (n + 1 < cap)
			break;
		char *nb = realloc(buf, cap *= 2);
		if (!nb)
			free(buf);
		buf = nb;
	}
	if (buf && ferror(f)) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		buf[n] = '\0';
	return buf;
}

void tail_of(const char *path, char *out, size_t cap)
{
	char *t = slurp(path);
	out[0] = '\0';
	if (!t)
		return;
	size_t n = strlen(t);
	while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == ' '))
		t[--n] = '\0';
	snprintf(out, cap, "%s", n > 300 ? t + n - 300 : t);
	for (char *c = out; *c; c++)
		if (*c == '\n')
			*c = '|';
	free(t);
}

static int copy_file(const char *from, const char *to)
{
	FILE *a = fopen(from, "rb"), *b = fopen(to, "wb");
	char buf[1 << 16];
	size_t k;
	int rc = a && b ? 0 : -1;
	while (rc == 0 && (k = fread(buf, 1, sizeof buf, a)) > 0)
		if (fwrite(buf, 1, k, b) != k)
			rc = -1;
	if (a && ferror(a))
		rc = -1;
	if (a)
		fclose(a);
	if (b && fclose(b))
		rc = -1;
	if (rc)
		fprintf(stderr, "reckon-bench: copying %s to %s: %s\n", from, to, strerror(errno));
	return rc;
}

int copy_db(const char *from, const char *to)
{
	char a[PATH_MAX + 8], b[PATH_MAX + 8];
	snprintf(a, sizeof a, "%s-wal", from);
	snprintf(b, sizeof b, "%s-wal", to);
	unlink(b);
	if (copy_file(from, to) || (access(a, F_OK) == 0 && copy_file(a, b)))
		return -1;
	return 0;
}

int64_t count_events(const char *db)
{
	sqlite3 *h = NULL;
	sqlite3_stmt *s = NULL;
	int64_t n = -1;
	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
	    sqlite3_prepare_v2(h, "SELECT count(*) FROM events", -1, &s, NULL) == SQLITE_OK &&
	    sqlite3_step(s) == SQLITE_ROW)
		n = sqlite3_column_int64(s, 0);
	else
		fprintf(stderr, "reckon-bench: counting the events of %s: %s\n", db,
			h ? sqlite3_errmsg(h) : "out of memory");
	sqlite3_finalize(s);
	sqlite3_close(h);
	return n;
}
