/*
 * raw.c — the raw-SQLite baseline (raw.h).
 */
#include "raw.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The text of "key":"VALUE" in a line, copied into buf (our generator's
 * lines only: no escapes inside these fields). "" when absent. */
static const char *field(const char *line, const char *key, char *buf, size_t cap)
{
	char pat[32];
	snprintf(pat, sizeof pat, "\"%s\":\"", key);
	const char *p = strstr(line, pat);
	buf[0] = '\0';
	if (!p)
		return buf;
	p += strlen(pat);
	const char *e = strchr(p, '"');
	size_t n = e ? (size_t)(e - p) : 0;
	if (n >= cap)
		n = cap - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return buf;
}

static int exec(sqlite3 *db, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "raw-insert: %s: %s\n", sql, msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int raw_insert_main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: reckon-bench raw-insert DB FILE BATCH\n");
		return 1;
	}
	const char *path = argv[2];
	long batch = strtol(argv[4], NULL, 10);
	if (batch <= 0 || access(path, F_OK) == 0) {
		fprintf(stderr, "raw-insert: bad batch, or %s exists\n", path);
		return 1;
	}
	FILE *in = fopen(argv[3], "r");
	if (!in) {
		perror(argv[3]);
		return 1;
	}
	sqlite3 *db = NULL;
	sqlite3_stmt *ins = NULL;
	char *line = NULL;
	size_t cap = 0;
	long long n = 0;
	int rc = 1;
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		fprintf(stderr, "raw-insert: %s: %s\n", path, db ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	if (exec(db, "PRAGMA journal_mode=WAL") || exec(db, "PRAGMA synchronous=FULL") ||
	    exec(db, "CREATE TABLE events(seq INTEGER PRIMARY KEY, ts TEXT NOT NULL, "
		     "type TEXT NOT NULL, venue TEXT NOT NULL, account TEXT NOT NULL, "
		     "symbol TEXT NOT NULL, payload TEXT NOT NULL)"))
		goto out;
	if (sqlite3_prepare_v2(db,
			       "INSERT INTO events(ts, type, venue, account, symbol, payload) "
			       "VALUES (?, ?, ?, ?, ?, ?)",
			       -1, &ins, NULL) != SQLITE_OK) {
		fprintf(stderr, "raw-insert: prepare: %s\n", sqlite3_errmsg(db));
		goto out;
	}
	if (exec(db, "BEGIN"))
		goto out;
	ssize_t len;
	while ((len = getline(&line, &cap, in)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		char ts[40], type[16], venue[32], account[64], symbol[32];
		field(line, "account", account, sizeof account);
		sqlite3_bind_text(ins, 1, field(line, "ts", ts, sizeof ts), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 2, field(line, "type", type, sizeof type), -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 3, field(line, "venue", venue, sizeof venue), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 4, account[0] ? account : "default", -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 5, field(line, "symbol", symbol, sizeof symbol), -1,
				  SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 6, line, (int)len, SQLITE_STATIC);
		int s = sqlite3_step(ins);
		if (s != SQLITE_DONE) {
			fprintf(stderr, "raw-insert: insert: %s\n", sqlite3_errmsg(db));
			goto out;
		}
		sqlite3_reset(ins);
		if (++n % batch == 0 && (exec(db, "COMMIT") || exec(db, "BEGIN")))
			goto out;
	}
	if (ferror(in)) {
		perror(argv[3]);
		goto out;
	}
	if (exec(db, "COMMIT"))
		goto out;
	printf("inserted %lld\n", n);
	rc = 0;
out:
	sqlite3_finalize(ins);
	if (db && sqlite3_close(db) != SQLITE_OK) {
		fprintf(stderr, "raw-insert: close: %s\n", sqlite3_errmsg(db));
		rc = 1;
	}
	free(line);
	fclose(in);
	return rc;
}
