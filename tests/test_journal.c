/* test_journal.c — the SQLite journal: migrations, refusal of foreign or newer
 * databases, append-only events, the hash chain, replay equality, audit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "embedded.h"
#include "journal.h"
#include "project.h"
#include "testutil.h"

static const char *ORDER1 =
	"{\"type\":\"order\",\"ts\":\"2025-11-22T10:00:00Z\",\"venue\":\"coinbase\",\"symbol\":"
	"\"TOWNS-USD\",\"order_id\":\"o1\",\"side\":\"buy\",\"order_type\":\"limit\",\"status\":"
	"\"open\",\"qty\":\"536.6\",\"price\":\"0.05\",\"purpose\":\"entry\"}";
static const char *FILL1 =
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:01Z\",\"venue\":\"coinbase\",\"symbol\":"
	"\"TOWNS-USD\",\"fill_id\":\"f1\",\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"200\","
	"\"price\":\"0.05\",\"fee\":\"0.01\",\"fee_currency\":\"USD\"}";
static const char *FILL2 =
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:02Z\",\"venue\":\"coinbase\",\"symbol\":"
	"\"TOWNS-USD\",\"fill_id\":\"f2\",\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"336.6\","
	"\"price\":\"0.04\"}";

static void write_file(const char *path, const char *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, n, f), n);
	fclose(f);
}

static void test_open_migrates_to_current_version(void **state)
{
	char path[128];
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	assert_int_equal(tu_query_int(j, "PRAGMA user_version"), journal_schema_version());
	assert_int_equal(journal_schema_version(), (int)EMBEDDED_MIGRATIONS_COUNT);
	char mode[32];
	tu_query_text(j, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	assert_int_equal(tu_query_int(j, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(tu_query_int(j, "PRAGMA foreign_keys"), 1);
	journal_close(j);
	/* Reopening an up-to-date database changes nothing and succeeds. */
	struct rk_err err = {0};
	assert_int_equal(journal_open(path, &j, &err), RK_OK);
	journal_close(j);
	tu_remove_db(path);
}

static void test_newer_database_is_refused_unmodified(void **state)
{
	char path[128];
	sqlite3 *db;
	tu_temp_db_path(path, sizeof path);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE x(a); PRAGMA user_version = 999;", 0, 0, 0),
			 SQLITE_OK);
	sqlite3_close(db);

	struct journal *j = NULL;
	struct rk_err err = {0};
	assert_int_equal(journal_open(path, &j, &err), RK_EVERSION);
	assert_null(j);
	assert_non_null(strstr(err.msg, "newer"));
	assert_non_null(strstr(err.msg, "999"));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_master WHERE name = 'events'", -1, &st, 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	tu_remove_db(path);
}

static void test_non_database_file_is_refused_unmodified(void **state)
{
	char path[128];
	const char junk[] = "this is not a database, it is a text file with some bytes in it....";
	tu_temp_db_path(path, sizeof path);
	write_file(path, junk, sizeof junk);
	struct journal *j = NULL;
	struct rk_err err = {0};
	assert_int_not_equal(journal_open(path, &j, &err), RK_OK);
	assert_null(j);
	assert_non_null(strstr(err.msg, "not a usable SQLite database"));
	char back[sizeof junk];
	FILE *f = fopen(path, "rb");
	assert_int_equal(fread(back, 1, sizeof back, f), sizeof junk);
	fclose(f);
	assert_memory_equal(back, junk, sizeof junk);
	tu_remove_db(path);
}

static void test_failed_migration_leaves_database_as_it_was(void **state)
{
	char path[128];
	sqlite3 *db;
	tu_temp_db_path(path, sizeof path);
	/* A table in the way makes 0001's CREATE TABLE orders fail half-way. */
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "CREATE TABLE orders(x);", 0, 0, 0), SQLITE_OK);
	sqlite3_close(db);
	struct journal *j = NULL;
	struct rk_err err = {0};
	assert_int_equal(journal_open(path, &j, &err), RK_EDB);
	assert_non_null(strstr(err.msg, "0001_journal.sql"));
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(db, "SELECT (SELECT count(*) FROM sqlite_master WHERE name='events'),"
			       " (SELECT user_version FROM pragma_user_version)", -1, &st, 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 0); /* events was rolled back */
	assert_int_equal(sqlite3_column_int(st, 1), 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	tu_remove_db(path);
}

static void test_events_refuse_update_and_delete(void **state)
{
	char path[128];
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	assert_int_equal(tu_ingest(j, ORDER1, NULL, 0), INGEST_ACCEPTED);
	char *msg = NULL;
	assert_int_not_equal(sqlite3_exec(journal_db(j), "UPDATE events SET payload = '{}'", 0, 0, &msg),
			     SQLITE_OK);
	assert_non_null(strstr(msg, "append-only"));
	sqlite3_free(msg);
	assert_int_not_equal(sqlite3_exec(journal_db(j), "DELETE FROM events", 0, 0, &msg), SQLITE_OK);
	assert_non_null(strstr(msg, "append-only"));
	sqlite3_free(msg);
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM events"), 1);
	journal_close(j);
	tu_remove_db(path);
}

static void test_hash_chain_links_each_event_to_the_previous(void **state)
{
	char path[128], h1[80], p2[80], p1[80], recomputed[JOURNAL_HASH_HEX];
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	assert_int_equal(tu_ingest(j, ORDER1, NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(j, FILL1, NULL, 0), INGEST_ACCEPTED);
	tu_query_text(j, "SELECT hash FROM events WHERE seq = 1", h1, sizeof h1);
	tu_query_text(j, "SELECT prev_hash FROM events WHERE seq = 1", p1, sizeof p1);
	tu_query_text(j, "SELECT prev_hash FROM events WHERE seq = 2", p2, sizeof p2);
	assert_string_equal(p1, "0000000000000000000000000000000000000000000000000000000000000000");
	assert_string_equal(p2, h1);
	/* The stored hash is exactly the documented function of the row. */
	sqlite3_stmt *st;
	sqlite3_prepare_v2(journal_db(j), "SELECT seq, ts, recorded_at, type, source, venue, account,"
			   " symbol, payload, dedup_key, prev_hash, hash FROM events WHERE seq = 2", -1, &st, 0);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
#define C(i) ((const char *)sqlite3_column_text(st, i))
	journal_event_hash(2, C(1), C(2), C(3), C(4), C(5), C(6), C(7), C(8), C(9), C(10), recomputed);
	assert_string_equal(recomputed, C(11));
#undef C
	sqlite3_finalize(st);
	journal_close(j);
	tu_remove_db(path);
}

static void test_same_dedup_key_with_other_content_conflicts(void **state)
{
	char path[128], reason[256];
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	assert_int_equal(tu_ingest(j, FILL1, NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(j, FILL1, NULL, 0), INGEST_DUPLICATE);
	char other[1024];
	snprintf(other, sizeof other, "%s", FILL1);
	char *q = strstr(other, "\"200\"");
	memcpy(q, "\"201\"", 5);
	assert_int_equal(tu_ingest(j, other, reason, sizeof reason), INGEST_REJECTED);
	assert_non_null(strstr(reason, "different content"));
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM events"), 1);
	journal_close(j);
	tu_remove_db(path);
}

static const char SCHEMA_SQL[] =
	"SELECT type || ' ' || name || ' ' || tbl_name || ': ' || sql FROM sqlite_master"
	" WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name";

static char *schema_listing(sqlite3 *db)
{
	sqlite3_stmt *st;
	size_t len = 0, cap = 1 << 16;
	char *out = calloc(1, cap);
	assert_int_equal(sqlite3_prepare_v2(db, SCHEMA_SQL, -1, &st, 0), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *s = (const char *)sqlite3_column_text(st, 0);
		size_t n = strlen(s);
		while (len + n + 2 > cap)
			out = realloc(out, cap *= 2);
		memcpy(out + len, s, n);
		len += n;
		out[len++] = '\n';
		out[len] = '\0';
	}
	sqlite3_finalize(st);
	return out;
}

static void test_schema_file_equals_what_migrations_produce(void **state)
{
	char path[128];
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	char *schema = tu_read_file(RECKON_SOURCE_DIR "/schema/schema.sql", NULL);
	sqlite3 *mem;
	assert_int_equal(sqlite3_open(":memory:", &mem), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(mem, schema, 0, 0, &msg) != SQLITE_OK)
		fail_msg("schema/schema.sql does not run: %s", msg);
	char *want = schema_listing(journal_db(j));
	char *got = schema_listing(mem);
	if (strcmp(want, got) != 0)
		fail_msg("schema/schema.sql is out of date: run tools/dump-schema.sh\n--- migrations:\n%s\n--- schema.sql:\n%s",
			 want, got);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(mem, "PRAGMA user_version", -1, &st, 0);
	sqlite3_step(st);
	assert_int_equal(sqlite3_column_int(st, 0), journal_schema_version());
	sqlite3_finalize(st);
	free(want);
	free(got);
	free(schema);
	sqlite3_close(mem);
	journal_close(j);
	tu_remove_db(path);
}

static void test_replay_reproduces_materialized_tables(void **state)
{
	char path[128];
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	assert_int_equal(tu_ingest(j, ORDER1, NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(j, FILL1, NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(j, FILL2, NULL, 0), INGEST_ACCEPTED);
	char *before = tu_dump_tables(j);
	struct rk_err err = {0};
	assert_int_equal(project_verify(j, &err), RK_OK);
	/* An explicit rebuild yields byte-identical rows. */
	assert_int_equal(journal_begin(j, &err), RK_OK);
	assert_int_equal(project_rebuild(j, &err), RK_OK);
	assert_int_equal(journal_commit(j, &err), RK_OK);
	char *after = tu_dump_tables(j);
	assert_string_equal(before, after);
	/* A hand-edited materialized row no longer equals the replay. */
	assert_int_equal(sqlite3_exec(journal_db(j), "UPDATE positions SET qty = '1'", 0, 0, 0), SQLITE_OK);
	assert_int_equal(project_verify(j, &err), RK_ECORRUPT);
	assert_non_null(strstr(err.msg, "positions"));
	free(before);
	free(after);
	journal_close(j);
	tu_remove_db(path);
}

static void test_audit_names_the_edited_event(void **state)
{
	char path[128];
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	assert_int_equal(tu_ingest(j, ORDER1, NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(j, FILL1, NULL, 0), INGEST_ACCEPTED);
	assert_int_equal(tu_ingest(j, FILL2, NULL, 0), INGEST_ACCEPTED);
	struct audit_result res;
	struct rk_err err = {0};
	assert_int_equal(audit_verify(j, &res, &err), RK_OK);
	assert_int_equal(res.events, 3);
	assert_int_equal(sqlite3_exec(journal_db(j),
		"DROP TRIGGER events_no_update;"
		"UPDATE events SET payload = replace(payload, '\"200\"', '\"300\"') WHERE seq = 2;", 0, 0, 0),
		SQLITE_OK);
	assert_int_equal(audit_verify(j, &res, &err), RK_ECORRUPT);
	assert_int_equal(res.first_bad_seq, 2);
	assert_non_null(strstr(err.msg, "event 2"));
	journal_close(j);
	tu_remove_db(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_migrates_to_current_version),
		cmocka_unit_test(test_newer_database_is_refused_unmodified),
		cmocka_unit_test(test_non_database_file_is_refused_unmodified),
		cmocka_unit_test(test_failed_migration_leaves_database_as_it_was),
		cmocka_unit_test(test_events_refuse_update_and_delete),
		cmocka_unit_test(test_hash_chain_links_each_event_to_the_previous),
		cmocka_unit_test(test_same_dedup_key_with_other_content_conflicts),
		cmocka_unit_test(test_schema_file_equals_what_migrations_produce),
		cmocka_unit_test(test_replay_reproduces_materialized_tables),
		cmocka_unit_test(test_audit_names_the_edited_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
