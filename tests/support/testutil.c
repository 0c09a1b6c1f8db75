/* testutil.c — shared test helpers (see testutil.h). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "testutil.h"

#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "events.h"

void tu_temp_db_path(char *buf, size_t cap)
{
	char tmpl[] = "/tmp/reckon-test-XXXXXX";
	int fd = mkstemp(tmpl);
	assert_true(fd >= 0);
	close(fd);
	unlink(tmpl);
	snprintf(buf, cap, "%s.db", tmpl);
}

void tu_remove_db(const char *path)
{
	char p[512];
	unlink(path);
	snprintf(p, sizeof p, "%s-wal", path);
	unlink(p);
	snprintf(p, sizeof p, "%s-shm", path);
	unlink(p);
}

struct journal *tu_open_temp_journal(char *path_out, size_t cap)
{
	struct journal *j = NULL;
	struct rk_err err = {0};
	tu_temp_db_path(path_out, cap);
	if (events_open(path_out, JOURNAL_CREATE, JOURNAL_ANY, &j, &err) != RK_OK)
		fail_msg("journal_open: %s", err.msg);
	return j;
}

enum ingest_outcome tu_ingest(struct journal *j, const char *line, char *reason, size_t cap)
{
	struct rk_err err = {0};
	enum ingest_outcome oc;
	assert_int_equal(journal_begin(j, &err), RK_OK);
	enum rk_rc rc = ingest_line(j, line, strlen(line), "test", &oc, &err);
	if (rc != RK_OK)
		fail_msg("ingest_line failed hard: %s", err.msg);
	assert_int_equal(journal_commit(j, &err), RK_OK);
	if (reason)
		snprintf(reason, cap, "%s", oc == INGEST_REJECTED || oc == INGEST_STALE ? err.msg : "");
	return oc;
}

void tu_query_text(struct journal *j, const char *sql, char *out, size_t cap)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(journal_db(j), sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("prepare %s: %s", sql, sqlite3_errmsg(journal_db(j)));
	out[0] = '\0';
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(out, cap, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
}

long long tu_query_int(struct journal *j, const char *sql)
{
	char buf[64];
	tu_query_text(j, sql, buf, sizeof buf);
	return atoll(buf);
}

static void append(char **buf, size_t *len, size_t *cap, const char *s)
{
	size_t n = strlen(s);
	if (*len + n + 1 > *cap) {
		*cap = (*len + n + 1) * 2;
		*buf = realloc(*buf, *cap);
		assert_non_null(*buf);
	}
	memcpy(*buf + *len, s, n + 1);
	*len += n;
}

char *tu_dump_tables(struct journal *j)
{
	sqlite3 *db = journal_db(j);
	sqlite3_stmt *tables = NULL;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	append(&buf, &len, &cap, "");
	assert_int_equal(sqlite3_prepare_v2(db,
		"SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
		" ORDER BY name", -1, &tables, NULL), SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		char sql[256];
		const char *name = (const char *)sqlite3_column_text(tables, 0);
		append(&buf, &len, &cap, name);
		append(&buf, &len, &cap, ":\n");
		/* Table names come from sqlite_master, not from input. Ordered by
		 * the first four columns (or all, for a narrower table). */
		sqlite3_stmt *rows = NULL;
		snprintf(sql, sizeof sql, "SELECT * FROM \"%s\"", name);
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &rows, NULL), SQLITE_OK);
		int ncols = sqlite3_column_count(rows);
		sqlite3_finalize(rows);
		snprintf(sql, sizeof sql, "SELECT * FROM \"%s\" ORDER BY 1%s%s%s", name,
			 ncols > 1 ? ", 2" : "", ncols > 2 ? ", 3" : "", ncols > 3 ? ", 4" : "");
		assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &rows, NULL), SQLITE_OK);
		while (sqlite3_step(rows) == SQLITE_ROW) {
			for (int c = 0; c < sqlite3_column_count(rows); c++) {
				const char *v = (const char *)sqlite3_column_text(rows, c);
				append(&buf, &len, &cap, v ? v : "NULL");
				append(&buf, &len, &cap, "|");
			}
			append(&buf, &len, &cap, "\n");
		}
		sqlite3_finalize(rows);
	}
	sqlite3_finalize(tables);
	return buf;
}
