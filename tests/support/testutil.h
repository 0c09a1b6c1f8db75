/*
 * testutil.h — helpers shared by reckon's cmocka tests of the journal and
 * above: temporary database paths, feeding ingest lines, and reading single
 * values back (tests of the pure core use tu_core.h alone).
 * Every helper fails the current test (cmocka assert) on error.
 */
#ifndef RECKON_TESTUTIL_H
#define RECKON_TESTUTIL_H

#include <stddef.h>

#include "ingest.h"
#include "journal.h"
#include "tu_core.h" /* the pure helpers: tu_dec, assert_dec, tu_read_file */

/* Writes a fresh temporary path ("/tmp/reckon-test-XXXXXX.db", not yet
 * existing) into buf (at least 64 bytes). */
void tu_temp_db_path(char *buf, size_t cap);

/* Removes a database file and its -wal/-shm companions. */
void tu_remove_db(const char *path);

/* Opens a fresh journal on a temporary file; path written to path_out. */
struct journal *tu_open_temp_journal(char *path_out, size_t cap);

/* Ingests one line in its own transaction; returns the outcome and copies
 * the reason a line was rejected or found stale (if so) into reason (may be
 * NULL). */
enum ingest_outcome tu_ingest(struct journal *j, const char *line, char *reason, size_t cap);

/* Runs a query returning one value; copies it as text ("" for NULL) into
 * out. The SQL is a test constant, never input. */
void tu_query_text(struct journal *j, const char *sql, char *out, size_t cap);
long long tu_query_int(struct journal *j, const char *sql);

/* A text dump of every row of every non-sqlite table, in a stable order, for
 * "nothing changed" assertions. Caller frees. */
char *tu_dump_tables(struct journal *j);

#endif
