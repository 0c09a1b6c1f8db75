/* test_journal.c — the SQLite journal: migrations, refusal of foreign or newer
 * databases, append-only events, the hash chain, replay equality, audit. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <sqlite3.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit.h"
#include "embedded.h"
#include "events.h"
#include "journal.h"
#include "sqldec.h"
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

/* ---- helpers for files made outside reckon ------------------------------ */

/* Runs `sql` on `path` through a plain SQLite connection (another
 * application, or an older reckon). */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db;
	char *msg = NULL;
	struct rk_err err = {0};
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	/* as the sqlite3 shell has them: migration 0009 sums with decimal_add */
	assert_int_equal(sqldec_register(db, &err), RK_OK);
	if (sqlite3_exec(db, sql, 0, 0, &msg) != SQLITE_OK)
		fail_msg("raw_exec: %s", msg);
	sqlite3_close(db);
}

static long long raw_int(const char *path, const char *sql)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, 0), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	long long v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(db);
	return v;
}

static bool file_exists(const char *path) { return access(path, F_OK) == 0; }

static bool companion_exists(const char *path, const char *suffix)
{
	char p[256];
	snprintf(p, sizeof p, "%s%s", path, suffix);
	return file_exists(p);
}

/* A reckon journal as an older reckon left it: migrations 1..version applied
 * through a plain connection, in rollback-journal mode, with the
 * application_id (0 for a journal from before it existed). */
static void make_journal_at_version(const char *path, int version, int app_id)
{
	char sql[96];
	for (int i = 0; i < version; i++)
		raw_exec(path, EMBEDDED_MIGRATIONS[i].text);
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d;", version,
		 app_id);
	raw_exec(path, sql);
}

/* Asserts that `path` holds exactly `bytes` and that no -wal, -shm or
 * -journal file appeared next to it. */
static void assert_untouched(const char *path, const char *bytes, size_t n)
{
	size_t m = 0;
	char *now = tu_read_file(path, &m);
	assert_int_equal(m, n);
	assert_memory_equal(now, bytes, n);
	free(now);
	assert_false(companion_exists(path, "-wal"));
	assert_false(companion_exists(path, "-shm"));
	assert_false(companion_exists(path, "-journal"));
}

static enum rk_rc open_fails(const char *path, enum journal_mode mode, enum journal_kind kind,
			     struct rk_err *err)
{
	struct journal *j = NULL;
	enum rk_rc rc = events_open(path, mode, kind, &j, err);
	assert_int_not_equal(rc, RK_OK);
	assert_null(j);
	return rc;
}

/* ---- opening and migrating ----------------------------------------------- */

static void test_open_migrates_to_current_version(void **state)
{
	char path[128];
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	assert_int_equal(tu_query_int(j, "PRAGMA user_version"), journal_schema_version());
	assert_int_equal(journal_schema_version(), (int)EMBEDDED_MIGRATIONS_COUNT);
	assert_int_equal(tu_query_int(j, "PRAGMA application_id"), JOURNAL_APP_ID);
	assert_int_equal(journal_opened_version(j), 0);
	assert_int_equal(journal_kind(j), JOURNAL_REAL);
	char mode[32];
	tu_query_text(j, "PRAGMA journal_mode", mode, sizeof mode);
	assert_string_equal(mode, "wal");
	assert_int_equal(tu_query_int(j, "PRAGMA synchronous"), 2); /* FULL */
	assert_int_equal(tu_query_int(j, "PRAGMA foreign_keys"), 1);
	journal_close(j);
	/* Reopening an up-to-date journal, in every mode, changes nothing. */
	struct rk_err err = {0};
	enum journal_mode modes[] = {JOURNAL_CREATE, JOURNAL_WRITE, JOURNAL_READONLY};
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(events_open(path, modes[i], JOURNAL_ANY, &j, &err), RK_OK);
		assert_int_equal(journal_opened_version(j), journal_schema_version());
		journal_close(j);
	}
	tu_remove_db(path);
}

static void test_newer_database_is_refused_unmodified(void **state)
{
	char path[128], sql[128];
	tu_temp_db_path(path, sizeof path);
	snprintf(sql, sizeof sql, "CREATE TABLE x(a); PRAGMA user_version = 999;"
		 " PRAGMA application_id = %d;", JOURNAL_APP_ID);
	raw_exec(path, sql);
	size_t n = 0;
	char *bytes = tu_read_file(path, &n);

	struct rk_err err = {0};
	assert_int_equal(open_fails(path, JOURNAL_CREATE, JOURNAL_ANY, &err), RK_EVERSION);
	assert_non_null(strstr(err.msg, "newer"));
	assert_non_null(strstr(err.msg, "999"));
	assert_int_equal(open_fails(path, JOURNAL_READONLY, JOURNAL_ANY, &err), RK_EVERSION);
	assert_untouched(path, bytes, n);
	free(bytes);
	tu_remove_db(path);
}

static void test_non_database_file_is_refused_unmodified(void **state)
{
	char path[128];
	const char junk[] = "this is not a database, it is a text file with some bytes in it....";
	tu_temp_db_path(path, sizeof path);
	write_file(path, junk, sizeof junk);
	enum journal_mode modes[] = {JOURNAL_CREATE, JOURNAL_WRITE, JOURNAL_READONLY};
	for (size_t i = 0; i < 3; i++) {
		struct rk_err err = {0};
		assert_int_equal(open_fails(path, modes[i], JOURNAL_ANY, &err), RK_EFOREIGN);
		assert_non_null(strstr(err.msg, "not an SQLite database"));
		assert_non_null(strstr(err.msg, path));
		/* The message is for people: no SQL text. */
		assert_null(strstr(err.msg, "PRAGMA"));
		assert_null(strstr(err.msg, "SELECT"));
		assert_untouched(path, junk, sizeof junk);
	}
	tu_remove_db(path);
}

static void test_failed_migration_leaves_database_as_it_was(void **state)
{
	char path[128];
	tu_temp_db_path(path, sizeof path);
	/* A reckon journal at version 1 with a table in the way of 0002. */
	make_journal_at_version(path, 1, JOURNAL_APP_ID);
	raw_exec(path, "CREATE TABLE recon_runs(x);");
	struct rk_err err = {0};
	assert_int_equal(open_fails(path, JOURNAL_WRITE, JOURNAL_ANY, &err), RK_EDB);
	assert_non_null(strstr(err.msg, EMBEDDED_MIGRATIONS[1].name));
	assert_non_null(strstr(err.msg, "left at version 1"));
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'findings'"), 0);
	assert_int_equal(raw_int(path, "PRAGMA user_version"), 1);
	tu_remove_db(path);
}

/* Every missing migration and the replay commit together: a failure at a
 * later step leaves the journal at the version it had, and says so. */
static void test_failed_later_migration_leaves_database_at_its_version(void **state)
{
	char path[128];
	tu_temp_db_path(path, sizeof path);
	/* A reckon journal at version 1 with a table in the way of 0003. */
	make_journal_at_version(path, 1, JOURNAL_APP_ID);
	raw_exec(path, "CREATE TABLE lots(x);");
	struct rk_err err = {0};
	assert_int_equal(open_fails(path, JOURNAL_WRITE, JOURNAL_ANY, &err), RK_EDB);
	assert_non_null(strstr(err.msg, EMBEDDED_MIGRATIONS[2].name));
	assert_non_null(strstr(err.msg, "left at version 1"));
	assert_int_equal(raw_int(path, "SELECT count(*) FROM sqlite_master WHERE name = 'findings'"), 0);
	assert_int_equal(raw_int(path, "PRAGMA user_version"), 1);
	tu_remove_db(path);
}

/* Issue 8 point 14: another application's SQLite file is never adopted. */
static void test_foreign_database_is_refused_byte_identical(void **state)
{
	char path[128];
	tu_temp_db_path(path, sizeof path);
	/* Its tables clash with reckon's: the old open added what did not clash,
	 * switched it to WAL, and failed half-way. */
	raw_exec(path, "CREATE TABLE orders(id INTEGER PRIMARY KEY, what TEXT);"
		       "INSERT INTO orders(what) VALUES ('theirs');");
	size_t n = 0;
	char *bytes = tu_read_file(path, &n);
	enum journal_mode modes[] = {JOURNAL_CREATE, JOURNAL_WRITE, JOURNAL_READONLY};
	for (size_t i = 0; i < 3; i++) {
		struct rk_err err = {0};
		assert_int_equal(open_fails(path, modes[i], JOURNAL_ANY, &err), RK_EFOREIGN);
		assert_non_null(strstr(err.msg, "not a reckon journal"));
		assert_non_null(strstr(err.msg, "not modified"));
		assert_untouched(path, bytes, n);
	}
	free(bytes);
	tu_remove_db(path);
}

static void test_foreign_application_id_is_refused_unmodified(void **state)
{
	char path[128];
	tu_temp_db_path(path, sizeof path);
	/* Even with reckon's tables and a version reckon knows: the id decides. */
	make_journal_at_version(path, journal_schema_version(), 0x12345678);
	size_t n = 0;
	char *bytes = tu_read_file(path, &n);
	struct rk_err err = {0};
	assert_int_equal(open_fails(path, JOURNAL_CREATE, JOURNAL_ANY, &err), RK_EFOREIGN);
	assert_non_null(strstr(err.msg, "0x12345678"));
	assert_int_equal(open_fails(path, JOURNAL_READONLY, JOURNAL_ANY, &err), RK_EFOREIGN);
	assert_untouched(path, bytes, n);
	free(bytes);
	tu_remove_db(path);
}

/* Journals of the reckon before the application_id still open; the first
 * writing open stamps them, a read-only one leaves them alone. */
static void test_journal_without_application_id_opens_and_is_stamped(void **state)
{
	char path[128];
	struct journal *j = NULL;
	struct rk_err err = {0};
	tu_temp_db_path(path, sizeof path);
	make_journal_at_version(path, journal_schema_version(), 0);
	assert_int_equal(events_open(path, JOURNAL_READONLY, JOURNAL_ANY, &j, &err), RK_OK);
	journal_close(j);
	assert_int_equal(raw_int(path, "PRAGMA application_id"), 0);
	assert_int_equal(events_open(path, JOURNAL_WRITE, JOURNAL_ANY, &j, &err), RK_OK);
	assert_int_equal(journal_kind(j), JOURNAL_REAL);
	journal_close(j);
	assert_int_equal(raw_int(path, "PRAGMA application_id"), JOURNAL_APP_ID);
	tu_remove_db(path);
}

static void test_older_journal_is_migrated_by_a_writing_open(void **state)
{
	char path[128];
	struct journal *j = NULL;
	struct rk_err err = {0};
	tu_temp_db_path(path, sizeof path);
	make_journal_at_version(path, 1, 0);
	assert_int_equal(events_open(path, JOURNAL_WRITE, JOURNAL_ANY, &j, &err), RK_OK);
	assert_int_equal(journal_opened_version(j), 1);
	assert_int_equal(tu_query_int(j, "PRAGMA user_version"), journal_schema_version());
	assert_int_equal(tu_query_int(j, "PRAGMA application_id"), JOURNAL_APP_ID);
	journal_close(j);
	tu_remove_db(path);
}

/* A read-only open never migrates: it names the command that upgrades. */
static void test_readonly_open_refuses_an_older_journal_unmodified(void **state)
{
	char path[128], cmd[192];
	tu_temp_db_path(path, sizeof path);
	make_journal_at_version(path, 1, JOURNAL_APP_ID);
	size_t n = 0;
	char *bytes = tu_read_file(path, &n);
	struct rk_err err = {0};
	assert_int_equal(open_fails(path, JOURNAL_READONLY, JOURNAL_ANY, &err), RK_EVERSION);
	assert_non_null(strstr(err.msg, "version 1"));
	snprintf(cmd, sizeof cmd, "'reckon init --db %s'", path);
	assert_non_null(strstr(err.msg, cmd));
	assert_untouched(path, bytes, n);
	free(bytes);
	tu_remove_db(path);
}

/* Read-only: SQLITE_OPEN_READONLY, and not even the journal mode changes. */
static void test_readonly_open_writes_nothing(void **state)
{
	char path[128];
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	assert_int_equal(tu_ingest(j, ORDER1, NULL, 0), INGEST_ACCEPTED);
	journal_close(j);
	raw_exec(path, "PRAGMA journal_mode = DELETE;");
	size_t n = 0;
	char *bytes = tu_read_file(path, &n);
	struct rk_err err = {0};
	assert_int_equal(events_open(path, JOURNAL_READONLY, JOURNAL_ANY, &j, &err), RK_OK);
	assert_int_equal(sqlite3_db_readonly(journal_db(j), "main"), 1);
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM events"), 1);
	assert_int_not_equal(sqlite3_exec(journal_db(j), "INSERT INTO halts DEFAULT VALUES", 0, 0, 0),
			     SQLITE_OK);
	journal_close(j);
	assert_untouched(path, bytes, n);
	free(bytes);
	tu_remove_db(path);
}

/* Only JOURNAL_CREATE creates, and only where nothing (or 0 bytes) is. */
static void test_only_create_mode_creates_a_journal(void **state)
{
	char path[128];
	struct rk_err err = {0};
	struct journal *j = NULL;
	tu_temp_db_path(path, sizeof path);
	assert_int_equal(open_fails(path, JOURNAL_WRITE, JOURNAL_ANY, &err), RK_ENOTFOUND);
	assert_non_null(strstr(err.msg, "no such journal: "));
	assert_non_null(strstr(err.msg, path));
	assert_int_equal(open_fails(path, JOURNAL_READONLY, JOURNAL_ANY, &err), RK_ENOTFOUND);
	assert_false(file_exists(path));
	write_file(path, "", 0);
	assert_int_equal(open_fails(path, JOURNAL_WRITE, JOURNAL_ANY, &err), RK_ENOTFOUND);
	assert_int_equal(open_fails(path, JOURNAL_READONLY, JOURNAL_ANY, &err), RK_ENOTFOUND);
	assert_untouched(path, "", 0);
	assert_int_equal(events_open(path, JOURNAL_CREATE, JOURNAL_ANY, &j, &err), RK_OK);
	assert_int_equal(tu_query_int(j, "PRAGMA user_version"), journal_schema_version());
	journal_close(j);
	tu_remove_db(path);
}

/* Issue 8 point 17: simulated results and real venues' events never share a
 * journal; the refusal comes before anything is written. */
static void test_simulation_and_real_journals_refuse_each_other(void **state)
{
	char sim[128], real[128];
	struct rk_err err = {0};
	struct journal *j = NULL;
	tu_temp_db_path(sim, sizeof sim);
	assert_int_equal(events_open(sim, JOURNAL_CREATE, JOURNAL_SIM, &j, &err), RK_OK);
	assert_int_equal(journal_kind(j), JOURNAL_SIM);
	assert_int_equal(tu_query_int(j, "PRAGMA application_id"), JOURNAL_APP_ID_SIM);
	journal_close(j);
	assert_int_equal(open_fails(sim, JOURNAL_WRITE, JOURNAL_REAL, &err), RK_ECONFLICT);
	assert_non_null(strstr(err.msg, "simulation journal"));
	assert_int_equal(events_open(sim, JOURNAL_WRITE, JOURNAL_SIM, &j, &err), RK_OK);
	journal_close(j);
	assert_int_equal(events_open(sim, JOURNAL_READONLY, JOURNAL_ANY, &j, &err), RK_OK);
	assert_int_equal(journal_kind(j), JOURNAL_SIM);
	journal_close(j);

	/* A real journal, and one from before the application_id, are real. */
	tu_temp_db_path(real, sizeof real);
	make_journal_at_version(real, 1, 0);
	size_t n = 0;
	char *bytes = tu_read_file(real, &n);
	assert_int_equal(open_fails(real, JOURNAL_WRITE, JOURNAL_SIM, &err), RK_ECONFLICT);
	assert_non_null(strstr(err.msg, "reckon init --sim"));
	assert_int_equal(open_fails(real, JOURNAL_CREATE, JOURNAL_SIM, &err), RK_ECONFLICT);
	assert_untouched(real, bytes, n); /* not even migrated */
	free(bytes);
	tu_remove_db(sim);
	tu_remove_db(real);
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

static void test_recorded_at_is_read_from_the_journals_clock(void **state)
{
	char path[128], recorded[64];
	int64_t now = 1764000000123456; /* 2025-11-24T16:00:00.123456Z */
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	journal_set_clock(j, rk_clock_manual(&now));
	assert_int_equal(tu_ingest(j, ORDER1, NULL, 0), INGEST_ACCEPTED);
	now += 1000000;
	assert_int_equal(tu_ingest(j, FILL1, NULL, 0), INGEST_ACCEPTED);
	tu_query_text(j, "SELECT recorded_at FROM events WHERE seq = 1", recorded, sizeof recorded);
	assert_string_equal(recorded, "2025-11-24T16:00:00.123456Z");
	tu_query_text(j, "SELECT recorded_at FROM events WHERE seq = 2", recorded, sizeof recorded);
	assert_string_equal(recorded, "2025-11-24T16:00:01.123456Z");
	journal_close(j);
	tu_remove_db(path);
}

static void test_the_store_applies_nothing(void **state)
{
	char path[128];
	struct rk_err err = {0};
	bool duplicate = true;
	int64_t seq = 0;
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	struct journal_event ev = {"order", "test", "2025-11-22T10:00:00.000000Z", "coinbase",
				   "default", "TOWNS-USD", "{}", "k1", NULL};
	assert_int_equal(journal_begin(j, &err), RK_OK);
	assert_int_equal(journal_append(j, &ev, &duplicate, &seq, &err), RK_OK);
	assert_false(duplicate);
	assert_int_equal(seq, 1);
	assert_int_equal(journal_append(j, &ev, &duplicate, &seq, &err), RK_OK);
	assert_true(duplicate);
	assert_int_equal(seq, 1);
	assert_int_equal(journal_commit(j, &err), RK_OK);
	/* The event is stored; no projection ran (its payload is no order). */
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM events"), 1);
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM orders"), 0);
	journal_close(j);
	tu_remove_db(path);
}

/* Appends an event with payload `payload` and no dedup key; its seq. */
static int64_t append_plain(struct journal *j, const char *payload)
{
	struct rk_err err = {0};
	bool duplicate = true;
	int64_t seq = 0;
	struct journal_event ev = {"note", "test", "2025-11-22T10:00:00.000000Z", "coinbase",
				   "default", "", payload, NULL, NULL};
	if (journal_append(j, &ev, &duplicate, &seq, &err) != RK_OK)
		fail_msg("append: %s", err.msg);
	assert_false(duplicate);
	return seq;
}

/* Is every event's prev_hash its predecessor's hash, seq 1, 2, 3 ...? */
static void assert_chain_whole(struct journal *j)
{
	long long n = tu_query_int(j, "SELECT count(*) FROM events");
	assert_int_equal(tu_query_int(j, "SELECT max(seq) FROM events"), n);
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM events e JOIN events p"
					 " ON p.seq = e.seq - 1 WHERE e.prev_hash = p.hash"), n - 1);
}

/* The chain's tail is kept in memory for the write transaction that read
 * it: a rollback (whole, or to a savepoint) and another connection's
 * commit between two transactions each make the next append read it again,
 * so the chain never gets a gap or a wrong prev_hash. */
static void test_the_chain_tail_follows_rollbacks_and_other_writers(void **state)
{
	(void)state;
	char path[128];
	struct rk_err err = {0};
	struct journal *j = tu_open_temp_journal(path, sizeof path);
	struct journal *other = NULL;
	assert_int_equal(journal_open(path, JOURNAL_WRITE, JOURNAL_ANY, NULL, &other, &err), RK_OK);

	assert_int_equal(journal_begin(j, &err), RK_OK);
	assert_int_equal(append_plain(j, "{\"n\":1}"), 1);
	assert_int_equal(append_plain(j, "{\"n\":2}"), 2);
	journal_rollback(j);
	assert_int_equal(journal_begin(j, &err), RK_OK);
	assert_int_equal(append_plain(j, "{\"n\":3}"), 1);
	assert_int_equal(journal_savepoint(j, &err), RK_OK);
	assert_int_equal(append_plain(j, "{\"n\":4}"), 2);
	journal_rollback_to_savepoint(j);
	assert_int_equal(append_plain(j, "{\"n\":5}"), 2);
	/* A ROLLBACK and a BEGIN the journal did not issue (the rollback hook). */
	sqlite3 *db = journal_db(j);
	assert_int_equal(sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(append_plain(j, "{\"n\":6}"), 1);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);

	/* Another connection appends between two transactions of j that the
	 * journal did not begin or commit (the data version). */
	assert_int_equal(journal_begin(other, &err), RK_OK);
	assert_int_equal(append_plain(other, "{\"n\":7}"), 2);
	assert_int_equal(journal_commit(other, &err), RK_OK);
	assert_int_equal(sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(append_plain(j, "{\"n\":8}"), 3);
	assert_int_equal(append_plain(j, "{\"n\":9}"), 4);
	assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	assert_chain_whole(j);
	assert_int_equal(tu_query_int(j, "SELECT count(*) FROM events"), 4);
	journal_close(other);
	journal_close(j);
	tu_remove_db(path);
}

static int g_rebuilds;

static enum rk_rc counting_rebuild(struct journal *j, struct rk_err *err)
{
	g_rebuilds++;
	return events_rebuild(j, err);
}

static void test_migrations_replay_through_the_callers_rebuild_once(void **state)
{
	char path[128];
	struct rk_err err = {0};
	struct journal *j = NULL;
	tu_temp_db_path(path, sizeof path);
	g_rebuilds = 0;
	assert_int_equal(journal_open(path, JOURNAL_CREATE, JOURNAL_ANY, counting_rebuild, &j, &err),
			 RK_OK);
	assert_int_equal(g_rebuilds, 1); /* 0006 and 0007 need it: one replay after both */
	journal_close(j);
	assert_int_equal(journal_open(path, JOURNAL_WRITE, JOURNAL_ANY, counting_rebuild, &j, &err),
			 RK_OK);
	assert_int_equal(g_rebuilds, 1); /* up to date: nothing to migrate */
	journal_close(j);
	tu_remove_db(path);
	/* Without a rebuild, a migration that needs one is refused, not skipped. */
	assert_int_equal(journal_open(path, JOURNAL_CREATE, JOURNAL_ANY, NULL, &j, &err), RK_EINVAL);
	assert_null(j);
	assert_non_null(strstr(err.msg, "replay"));
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
	/* The decimal functions and collation, as reckon (and the sqlite3 shell's
	 * decimal extension) have them: lot_closes_losses is ordered by it. */
	struct rk_err derr = {0};
	assert_int_equal(sqldec_register(mem, &derr), RK_OK);
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
	assert_int_equal(events_verify(j, &err), RK_OK);
	/* An explicit rebuild yields byte-identical rows. */
	assert_int_equal(journal_begin(j, &err), RK_OK);
	assert_int_equal(events_rebuild(j, &err), RK_OK);
	assert_int_equal(journal_commit(j, &err), RK_OK);
	char *after = tu_dump_tables(j);
	assert_string_equal(before, after);
	/* A hand-edited materialized row no longer equals the replay. */
	assert_int_equal(sqlite3_exec(journal_db(j), "UPDATE positions SET qty = '1'", 0, 0, 0), SQLITE_OK);
	assert_int_equal(events_verify(j, &err), RK_ECORRUPT);
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
		cmocka_unit_test(test_failed_later_migration_leaves_database_at_its_version),
		cmocka_unit_test(test_foreign_database_is_refused_byte_identical),
		cmocka_unit_test(test_foreign_application_id_is_refused_unmodified),
		cmocka_unit_test(test_journal_without_application_id_opens_and_is_stamped),
		cmocka_unit_test(test_older_journal_is_migrated_by_a_writing_open),
		cmocka_unit_test(test_readonly_open_refuses_an_older_journal_unmodified),
		cmocka_unit_test(test_readonly_open_writes_nothing),
		cmocka_unit_test(test_only_create_mode_creates_a_journal),
		cmocka_unit_test(test_simulation_and_real_journals_refuse_each_other),
		cmocka_unit_test(test_events_refuse_update_and_delete),
		cmocka_unit_test(test_hash_chain_links_each_event_to_the_previous),
		cmocka_unit_test(test_same_dedup_key_with_other_content_conflicts),
		cmocka_unit_test(test_the_chain_tail_follows_rollbacks_and_other_writers),
		cmocka_unit_test(test_recorded_at_is_read_from_the_journals_clock),
		cmocka_unit_test(test_the_store_applies_nothing),
		cmocka_unit_test(test_migrations_replay_through_the_callers_rebuild_once),
		cmocka_unit_test(test_schema_file_equals_what_migrations_produce),
		cmocka_unit_test(test_replay_reproduces_materialized_tables),
		cmocka_unit_test(test_audit_names_the_edited_event),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
