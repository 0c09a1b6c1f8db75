/*
 * test_audit.c — `reckon audit verify` (src/audit.c) cannot be fooled from
 * inside the database and does not get in a writer's way: an edited row
 * that a trigger would re-apply during a replay, append-only triggers
 * replaced by same-named no-ops, foreign triggers, views, tables and
 * indexes, a foreign application_id and a missing, extra or malformed
 * journal identity are each found and named; the check reads one snapshot, counts the events of that
 * snapshot, lets another connection append meanwhile, and writes nothing.
 *
 * Incremental (issue 10): after a checkpoint, a verify re-hashes only the
 * new events and compares only the rows they wrote, and finds a tampered new
 * event, a tampered or missing row of a new event and a rewritten verified
 * prefix; tampering before the checkpoint is left to the full verify, which
 * finds it; a replica that does not match falls back to the full verify.
 */
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
#include "events.h"
#include "journal.h"
#include "rk_clock.h"
#include "testutil.h"

static const char *const LINES[] = {
	"{\"type\":\"order\",\"ts\":\"2025-11-22T09:00:00Z\",\"venue\":\"coinbase\",\"symbol\":"
	"\"BTC-USD\",\"order_id\":\"o1\",\"side\":\"buy\",\"order_type\":\"limit\",\"status\":"
	"\"open\",\"qty\":\"1\",\"price\":\"30000\"}",
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T09:00:01Z\",\"venue\":\"coinbase\",\"symbol\":"
	"\"BTC-USD\",\"fill_id\":\"f1\",\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"0.4\","
	"\"price\":\"30000\",\"fee\":\"12\",\"fee_currency\":\"USD\"}",
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T09:00:02Z\",\"venue\":\"coinbase\",\"symbol\":"
	"\"BTC-USD\",\"fill_id\":\"f2\",\"order_id\":\"o1\",\"side\":\"buy\",\"qty\":\"0.6\","
	"\"price\":\"30010\"}",
};

/* A fill appended by another process while the audit runs. */
static const char *LATE_FILL =
	"{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:00Z\",\"venue\":\"coinbase\",\"symbol\":"
	"\"ETH-USD\",\"fill_id\":\"late\",\"order_id\":\"o9\",\"side\":\"buy\",\"qty\":\"1\","
	"\"price\":\"2000\"}";

struct fixture {
	char path[128];
	struct journal *j;
};

static int setup(void **state)
{
	struct fixture *fx = calloc(1, sizeof *fx);
	assert_non_null(fx);
	fx->j = tu_open_temp_journal(fx->path, sizeof fx->path);
	for (size_t i = 0; i < sizeof LINES / sizeof LINES[0]; i++)
		assert_int_equal(tu_ingest(fx->j, LINES[i], NULL, 0), INGEST_ACCEPTED);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;
	char replica[160], tmp[190];
	snprintf(replica, sizeof replica, "%s.audit", fx->path);
	snprintf(tmp, sizeof tmp, "%s.new.%ld", replica, (long)getpid());
	journal_close(fx->j);
	tu_remove_db(fx->path);
	tu_remove_db(replica);
	tu_remove_db(tmp);
	free(fx);
	return 0;
}

/* Tampers with the journal through its own connection, as any SQLite client could. */
static void tamper(struct fixture *fx, const char *sql)
{
	char *msg = NULL;
	if (sqlite3_exec(journal_db(fx->j), sql, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("tampering: %s", msg);
}

/* Runs the audit, which must fail with RK_ECORRUPT naming `what`. */
static void expect_found(struct fixture *fx, const char *what)
{
	struct audit_result res;
	struct rk_err err = {0};
	enum rk_rc rc = audit_verify(fx->j, &res, &err);
	if (rc != RK_ECORRUPT || !strstr(err.msg, what))
		fail_msg("audit_verify = %d (%s), want RK_ECORRUPT naming \"%s\"", rc, err.msg, what);
}

static void test_sound_journal_verifies_with_its_event_count(void **state)
{
	struct fixture *fx = *state;
	struct audit_result res;
	struct rk_err err = {0};
	if (audit_verify(fx->j, &res, &err) != RK_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(res.events, 3);
	assert_int_equal(res.first_bad_seq, 0);
}

static void test_edit_repeated_by_a_trigger_during_the_check_is_found(void **state)
{
	struct fixture *fx = *state;
	/* The edit, and a trigger that re-applies it whenever fills are rebuilt. */
	tamper(fx, "UPDATE fills SET price = '1' WHERE fill_id = 'f1';"
		   "CREATE TRIGGER keep_price AFTER INSERT ON fills BEGIN"
		   " UPDATE fills SET price = '1' WHERE fill_id = 'f1'; END;");
	expect_found(fx, "foreign trigger 'keep_price' on table fills");
}

static void test_edited_row_differs_from_the_separate_replay(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, "UPDATE fills SET price = '1' WHERE fill_id = 'f1';");
	expect_found(fx, "table fills differs from a replay of the events: price is '1' in the"
			 " journal, '30000' in the replay (row venue='coinbase', fill_id='f1')");
}

/* Ingest recognises a duplicate by its record in event_dedup: a record
 * removed (behind re-created triggers) or one that names no event is found. */
static void test_a_missing_dedup_record_is_found(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, "DROP TRIGGER event_dedup_no_delete;"
		   " DELETE FROM event_dedup WHERE seq = (SELECT max(seq) FROM event_dedup);"
		   " CREATE TRIGGER event_dedup_no_delete BEFORE DELETE ON event_dedup\n"
		   "BEGIN SELECT RAISE(ABORT, 'event_dedup is append-only: DELETE refused'); END;");
	expect_found(fx, "has no dedup record in event_dedup");
}

static void test_a_stray_dedup_record_is_found(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, "INSERT INTO event_dedup VALUES ('', 'fill:coinbase:never-journaled', 1);");
	expect_found(fx, "a record names no event");
}


static void test_same_named_noop_append_only_triggers_are_found(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;"
		   "CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT 1; END;"
		   "CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT 1; END;");
	expect_found(fx, "trigger events_no_");
	expect_found(fx, "differs from what reckon's migrations created");
}

static void test_foreign_view_is_refused(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, "CREATE VIEW my_fills AS SELECT * FROM fills;");
	expect_found(fx, "foreign view 'my_fills'");
}

static void test_unknown_trigger_on_any_table_is_refused(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, "CREATE TABLE notes(x); CREATE TRIGGER notes_ins AFTER INSERT ON notes BEGIN"
		   " DELETE FROM halts; END;");
	expect_found(fx, "foreign trigger 'notes_ins' on table notes");
}

static void test_dropped_index_is_found(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, "DROP INDEX fills_order;");
	expect_found(fx, "index fills_order is missing");
}

static void test_extra_row_in_a_projection_is_found(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, "INSERT INTO halts(venue, account, symbol, reason, halted_at, seq)"
		   " VALUES ('coinbase', 'default', 'BTC-USD', 'x', 'y', 2);");
	expect_found(fx, "table halts has a row that a replay of the events does not produce"
			 " (venue='coinbase', account='default', symbol='BTC-USD')");
}

/* ---- the journal's own identity -------------------------------------------- */

static void test_journal_meta_refuses_update_and_delete(void **state)
{
	struct fixture *fx = *state;
	char *msg = NULL;
	char before[64], after[64];
	tu_query_text(fx->j, "SELECT value FROM journal_meta WHERE key = 'journal_id'", before, sizeof before);
	assert_int_not_equal(sqlite3_exec(journal_db(fx->j), "UPDATE journal_meta SET value = 'x'", NULL,
					  NULL, &msg), SQLITE_OK);
	assert_non_null(strstr(msg, "journal_meta is append-only: UPDATE refused"));
	sqlite3_free(msg);
	assert_int_not_equal(sqlite3_exec(journal_db(fx->j), "DELETE FROM journal_meta", NULL, NULL, &msg),
			     SQLITE_OK);
	assert_non_null(strstr(msg, "journal_meta is append-only: DELETE refused"));
	sqlite3_free(msg);
	tu_query_text(fx->j, "SELECT value FROM journal_meta WHERE key = 'journal_id'", after, sizeof after);
	assert_string_equal(before, after);
}

/* journal_meta's guards exactly as migration 0006 creates them: tampering
 * that puts them back is found by what it did to the rows. */
#define META_GUARDS                                                                                \
	"CREATE TRIGGER journal_meta_no_update BEFORE UPDATE ON journal_meta\n"                       \
	"BEGIN SELECT RAISE(ABORT, 'journal_meta is append-only: UPDATE refused'); END;"              \
	"CREATE TRIGGER journal_meta_no_delete BEFORE DELETE ON journal_meta\n"                       \
	"BEGIN SELECT RAISE(ABORT, 'journal_meta is append-only: DELETE refused'); END;"
#define META_UNGUARD "DROP TRIGGER journal_meta_no_update; DROP TRIGGER journal_meta_no_delete;"

static void test_missing_journal_identity_is_found(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, META_UNGUARD "DELETE FROM journal_meta;" META_GUARDS);
	expect_found(fx, "journal_meta holds no journal_id");
}

static void test_removed_journal_meta_guard_is_found(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, "DROP TRIGGER journal_meta_no_update;");
	expect_found(fx, "trigger journal_meta_no_update is missing (rows of journal_meta may have been edited)");
}

static void test_malformed_or_extra_journal_identity_is_found(void **state)
{
	struct fixture *fx = *state;
	char id[JOURNAL_ID_HEX];
	struct rk_err err = {0};
	assert_int_equal(journal_identity(fx->j, id, &err), RK_OK);
	assert_int_equal(strlen(id), 32);
	tamper(fx, "INSERT INTO journal_meta(key, value) VALUES ('other', 'x');");
	expect_found(fx, "journal_meta holds more than one row");
	tamper(fx, META_UNGUARD "DELETE FROM journal_meta WHERE key = 'other';"
		   "UPDATE journal_meta SET value = upper(value);" META_GUARDS);
	expect_found(fx, "is not 32 lowercase hex digits");
	assert_int_equal(journal_identity(fx->j, id, &err), RK_ECORRUPT);
	assert_string_equal(id, "");
}

static void test_foreign_application_id_is_found(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, "PRAGMA application_id = 0;");
	expect_found(fx, "PRAGMA application_id is 0x00000000, not reckon's");
}

static void test_foreign_table_and_index_are_found(void **state)
{
	struct fixture *fx = *state;
	tamper(fx, "CREATE INDEX fills_price ON fills(price);");
	expect_found(fx, "foreign index 'fills_price' on table fills: reckon's migrations never created it");
	tamper(fx, "DROP INDEX fills_price; CREATE TABLE notes(x);");
	expect_found(fx, "foreign table 'notes': reckon's migrations never created it");
	/* SQLite's own statistics are not the journal's content. */
	tamper(fx, "DROP TABLE notes; ANALYZE;");
	struct audit_result res;
	struct rk_err err = {0};
	if (audit_verify(fx->j, &res, &err) != RK_OK)
		fail_msg("after ANALYZE: %s", err.msg);
}

/* ---- one snapshot, no lock ------------------------------------------------- */

struct writer {
	const char *path;
	const char *line; /* NULL: LATE_FILL */
	int calls;
	bool done;
	enum rk_rc rc;
	char msg[RK_ERR_MSG_MAX];
};

/* Called by SQLite while the audit is reading: another connection appends. */
static int append_meanwhile(void *arg)
{
	struct writer *w = arg;
	if (w->done || ++w->calls < 3)
		return 0;
	w->done = true;
	struct journal *other = NULL;
	struct rk_err err = {0};
	enum ingest_outcome oc;
	w->rc = events_open(w->path, JOURNAL_WRITE, JOURNAL_ANY, &other, &err);
	if (!w->rc)
		w->rc = journal_begin(other, &err);
	const char *line = w->line ? w->line : LATE_FILL;
	if (!w->rc)
		w->rc = ingest_line(other, line, strlen(line), "test", &oc, &err);
	if (!w->rc)
		w->rc = journal_commit(other, &err);
	snprintf(w->msg, sizeof w->msg, "%s", err.msg);
	journal_close(other);
	return 0;
}

static void test_verify_reads_one_snapshot_and_never_blocks_a_writer(void **state)
{
	struct fixture *fx = *state;
	struct writer w = {.path = fx->path};
	struct audit_result res;
	struct rk_err err = {0};
	sqlite3_progress_handler(journal_db(fx->j), 200, append_meanwhile, &w);
	enum rk_rc rc = audit_verify(fx->j, &res, &err);
	sqlite3_progress_handler(journal_db(fx->j), 0, NULL, NULL);
	assert_true(w.done);
	if (w.rc != RK_OK)
		fail_msg("the append during the audit failed: %s", w.msg);
	if (rc != RK_OK)
		fail_msg("audit: %s", err.msg);
	/* It verified the snapshot it started from, not the event appended since. */
	assert_int_equal(res.events, 3);
	assert_int_equal(tu_query_int(fx->j, "SELECT count(*) FROM events"), 4);
	assert_int_equal(audit_verify(fx->j, &res, &err), RK_OK);
	assert_int_equal(res.events, 4);
}

static void test_verify_writes_nothing_to_the_journal(void **state)
{
	struct fixture *fx = *state;
	char wal[160];
	struct audit_result res;
	struct rk_err err = {0};
	snprintf(wal, sizeof wal, "%s-wal", fx->path);
	size_t n1 = 0, w1 = 0, n2 = 0, w2 = 0;
	char *db1 = tu_read_file(fx->path, &n1), *wal1 = tu_read_file(wal, &w1);
	long long changes = sqlite3_total_changes64(journal_db(fx->j));
	assert_int_equal(audit_verify(fx->j, &res, &err), RK_OK);
	assert_int_equal(sqlite3_total_changes64(journal_db(fx->j)), changes);
	char *db2 = tu_read_file(fx->path, &n2), *wal2 = tu_read_file(wal, &w2);
	assert_true(n1 == n2 && memcmp(db1, db2, n1) == 0);
	assert_true(w1 == w2 && memcmp(wal1, wal2, w1) == 0);
	free(db1);
	free(db2);
	free(wal1);
	free(wal2);
}


/* ---- incremental, from a checkpoint (issue 10) --------------------------------- */

/* Verifies as `mode` with the fixture's replica, keeping it when `keep`. */
static enum rk_rc verify_as(struct fixture *fx, enum audit_mode mode, bool keep,
			    struct audit_result *res, struct rk_err *err)
{
	char replica[160];
	snprintf(replica, sizeof replica, "%s.audit", fx->path);
	struct audit_opts o = {mode, replica, keep};
	return audit_verify_opts(fx->j, &o, res, err);
}

/* A full verify that keeps its replica and records the checkpoint, then the
 * late fill appended: events 1..3 verified, 4 the checkpoint, 5 new. */
static void checkpoint_then_append(struct fixture *fx)
{
	struct audit_result res;
	struct rk_err err = {0};
	int64_t seq = 0;
	if (verify_as(fx, AUDIT_FULL, true, &res, &err) != RK_OK)
		fail_msg("%s", err.msg);
	assert_true(res.kept);
	assert_false(res.incremental);
	if (audit_record_checkpoint(fx->j, &res, rk_clock_system(), &seq, &err) != RK_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(seq, 4);
	assert_int_equal(tu_ingest(fx->j, LATE_FILL, NULL, 0), INGEST_ACCEPTED);
}

static void expect_incremental_finds(struct fixture *fx, const char *what)
{
	struct audit_result res;
	struct rk_err err = {0};
	enum rk_rc rc = verify_as(fx, AUDIT_AUTO, false, &res, &err);
	if (rc != RK_ECORRUPT || !strstr(err.msg, what))
		fail_msg("incremental verify = %d (%s), want RK_ECORRUPT naming \"%s\"", rc, err.msg,
			 what);
	assert_true(res.incremental);
}

static void test_incremental_verify_checks_the_new_events_and_their_rows(void **state)
{
	struct fixture *fx = *state;
	struct audit_result res;
	struct rk_err err = {0};
	checkpoint_then_append(fx);
	if (verify_as(fx, AUDIT_AUTO, false, &res, &err) != RK_OK)
		fail_msg("%s", err.msg);
	assert_true(res.incremental);
	assert_int_equal(res.events, 5);
	assert_int_equal(res.from_seq, 3);
	assert_int_equal(res.checkpoint_seq, 4);
	assert_string_equal(res.fallback, "");
	/* The late fill wrote its fill, its order (from the fill), position,
	 * lot and lot position: those rows, not the others. */
	assert_true(res.rows_checked >= 3 && res.rows_checked < 10);
	/* Not kept: the next run starts from the same checkpoint. */
	assert_int_equal(verify_as(fx, AUDIT_AUTO, false, &res, &err), RK_OK);
	assert_int_equal(res.from_seq, 3);
	/* Kept and recorded: the next run starts after event 5. */
	int64_t seq = 0;
	assert_int_equal(verify_as(fx, AUDIT_AUTO, true, &res, &err), RK_OK);
	assert_int_equal(audit_record_checkpoint(fx->j, &res, rk_clock_system(), &seq, &err), RK_OK);
	assert_int_equal(seq, 6);
	assert_int_equal(verify_as(fx, AUDIT_AUTO, false, &res, &err), RK_OK);
	assert_true(res.incremental);
	assert_int_equal(res.from_seq, 5);
	assert_int_equal(res.events, 6);
	assert_int_equal(res.rows_checked, 0);
}

static void test_incremental_verify_finds_a_tampered_new_event(void **state)
{
	struct fixture *fx = *state;
	checkpoint_then_append(fx);
	tamper(fx, "DROP TRIGGER events_no_update;"
		   " UPDATE events SET payload = replace(payload, '2000', '2001') WHERE seq = 5;");
	expect_incremental_finds(fx, "event 5: hash mismatch");
}

static void test_incremental_verify_finds_a_tampered_checkpoint(void **state)
{
	struct fixture *fx = *state;
	checkpoint_then_append(fx);
	tamper(fx, "DROP TRIGGER events_no_update;"
		   " UPDATE events SET payload = replace(payload, '\"mode\":\"full\"', '\"mode\":\"x\"')"
		   " WHERE seq = 4;");
	expect_incremental_finds(fx, "event 4: hash mismatch");
}

static void test_incremental_verify_finds_a_tampered_row_of_a_new_event(void **state)
{
	struct fixture *fx = *state;
	checkpoint_then_append(fx);
	tamper(fx, "UPDATE fills SET price = '1' WHERE fill_id = 'late';");
	expect_incremental_finds(fx, "table fills differs from a replay of the events: price is '1'"
				     " in the journal, '2000' in the replay (row venue='coinbase',"
				     " fill_id='late')");
}

static void test_incremental_verify_finds_a_deleted_row_of_a_new_event(void **state)
{
	struct fixture *fx = *state;
	checkpoint_then_append(fx);
	tamper(fx, "DELETE FROM lot_positions WHERE symbol = 'ETH-USD';");
	expect_incremental_finds(fx, "table lot_positions lacks a row that a replay of the events"
				     " produces (venue='coinbase', account='default', symbol='ETH-USD')");
}

static void test_incremental_verify_finds_a_rewritten_verified_prefix(void **state)
{
	struct fixture *fx = *state;
	checkpoint_then_append(fx);
	/* Event 3 re-hashed (as a forger re-writing the prefix would leave it). */
	tamper(fx, "DROP TRIGGER events_no_update;"
		   " UPDATE events SET hash = replace(hash, substr(hash, 1, 1), 'x') WHERE seq = 3;");
	expect_incremental_finds(fx, "event 3: hash differs from the one audit checkpoint event 4"
				     " recorded");
}

static void test_tampering_before_the_checkpoint_is_left_to_the_full_verify(void **state)
{
	struct fixture *fx = *state;
	struct audit_result res;
	struct rk_err err = {0};
	checkpoint_then_append(fx);
	tamper(fx, "UPDATE fills SET price = '1' WHERE fill_id = 'f1';"
		   "DROP TRIGGER events_no_update;"
		   "UPDATE events SET payload = replace(payload, '30010', '30011') WHERE seq = 3;"
		   "CREATE TRIGGER events_no_update BEFORE UPDATE ON events\n"
		   "BEGIN SELECT RAISE(ABORT, 'events is append-only: UPDATE refused'); END;");
	/* The incremental run does not look there, and says what it checked. */
	assert_int_equal(verify_as(fx, AUDIT_AUTO, false, &res, &err), RK_OK);
	assert_true(res.incremental);
	assert_int_equal(res.from_seq, 3);
	/* The full one finds both, the event first. */
	assert_int_equal(verify_as(fx, AUDIT_FULL, false, &res, &err), RK_ECORRUPT);
	assert_non_null(strstr(err.msg, "event 3: hash mismatch"));
	assert_int_equal(res.first_bad_seq, 3);
}

static void test_old_row_edit_is_found_by_the_full_verify(void **state)
{
	struct fixture *fx = *state;
	struct audit_result res;
	struct rk_err err = {0};
	checkpoint_then_append(fx);
	tamper(fx, "UPDATE fills SET price = '1' WHERE fill_id = 'f1';");
	assert_int_equal(verify_as(fx, AUDIT_AUTO, false, &res, &err), RK_OK);
	assert_int_equal(verify_as(fx, AUDIT_FULL, false, &res, &err), RK_ECORRUPT);
	assert_non_null(strstr(err.msg, "table fills differs from a replay of the events: price is"
				       " '1' in the journal, '30000' in the replay"));
}

static void test_a_replica_that_does_not_match_falls_back_to_the_full_verify(void **state)
{
	struct fixture *fx = *state;
	struct audit_result res;
	struct rk_err err = {0};
	char replica[160];
	snprintf(replica, sizeof replica, "%s.audit", fx->path);
	checkpoint_then_append(fx);
	/* A checkpoint recorded with no replica kept for it. */
	assert_int_equal(verify_as(fx, AUDIT_FULL, false, &res, &err), RK_OK);
	assert_int_equal(audit_record_checkpoint(fx->j, &res, rk_clock_system(), NULL, &err), RK_OK);
	assert_int_equal(verify_as(fx, AUDIT_AUTO, false, &res, &err), RK_OK);
	assert_false(res.incremental);
	assert_non_null(strstr(res.fallback, "not the latest checkpoint's 1..5 (event 6)"));
	assert_int_equal(res.events, 6);
	/* No replica at all. */
	tu_remove_db(replica);
	assert_int_equal(verify_as(fx, AUDIT_AUTO, false, &res, &err), RK_OK);
	assert_false(res.incremental);
	assert_non_null(strstr(res.fallback, "no replica"));
	/* A full verify finds what it always found, whatever the checkpoints. */
	tamper(fx, "UPDATE fills SET price = '1' WHERE fill_id = 'late';");
	assert_int_equal(verify_as(fx, AUDIT_AUTO, false, &res, &err), RK_ECORRUPT);
	assert_non_null(strstr(err.msg, "table fills differs"));
}

static void test_incremental_verify_never_blocks_a_writer(void **state)
{
	struct fixture *fx = *state;
	struct writer w = {.path = fx->path};
	struct audit_result res;
	struct rk_err err = {0};
	checkpoint_then_append(fx);
	/* The late fill again would be a duplicate: another one. */
	static const char *OTHER =
		"{\"type\":\"fill\",\"ts\":\"2025-11-22T11:00:00Z\",\"venue\":\"coinbase\",\"symbol\":"
		"\"ETH-USD\",\"fill_id\":\"later\",\"order_id\":\"o9\",\"side\":\"buy\",\"qty\":\"1\","
		"\"price\":\"2100\"}";
	w.line = OTHER;
	sqlite3_progress_handler(journal_db(fx->j), 5, append_meanwhile, &w);
	enum rk_rc rc = verify_as(fx, AUDIT_AUTO, true, &res, &err);
	sqlite3_progress_handler(journal_db(fx->j), 0, NULL, NULL);
	assert_true(w.done);
	if (w.rc != RK_OK)
		fail_msg("the append during the audit failed: %s", w.msg);
	if (rc != RK_OK)
		fail_msg("audit: %s", err.msg);
	assert_true(res.incremental);
	assert_int_equal(res.events, 5);
	assert_int_equal(audit_record_checkpoint(fx->j, &res, rk_clock_system(), NULL, &err), RK_OK);
	/* The event appended meanwhile is checked by the next run. */
	assert_int_equal(verify_as(fx, AUDIT_AUTO, false, &res, &err), RK_OK);
	assert_int_equal(res.from_seq, 5);
	assert_int_equal(res.events, 7);
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_sound_journal_verifies_with_its_event_count),
		T(test_edit_repeated_by_a_trigger_during_the_check_is_found),
		T(test_edited_row_differs_from_the_separate_replay),
		T(test_same_named_noop_append_only_triggers_are_found),
		T(test_foreign_view_is_refused),
		T(test_unknown_trigger_on_any_table_is_refused),
		T(test_dropped_index_is_found),
		T(test_extra_row_in_a_projection_is_found),
		T(test_journal_meta_refuses_update_and_delete),
		T(test_missing_journal_identity_is_found),
		T(test_removed_journal_meta_guard_is_found),
		T(test_malformed_or_extra_journal_identity_is_found),
		T(test_foreign_application_id_is_found),
		T(test_foreign_table_and_index_are_found),
		T(test_verify_reads_one_snapshot_and_never_blocks_a_writer),
		T(test_verify_writes_nothing_to_the_journal),
		T(test_incremental_verify_checks_the_new_events_and_their_rows),
		T(test_incremental_verify_finds_a_tampered_new_event),
		T(test_incremental_verify_finds_a_tampered_checkpoint),
		T(test_incremental_verify_finds_a_tampered_row_of_a_new_event),
		T(test_incremental_verify_finds_a_deleted_row_of_a_new_event),
		T(test_incremental_verify_finds_a_rewritten_verified_prefix),
		T(test_tampering_before_the_checkpoint_is_left_to_the_full_verify),
		T(test_old_row_edit_is_found_by_the_full_verify),
		T(test_a_replica_that_does_not_match_falls_back_to_the_full_verify),
		T(test_incremental_verify_never_blocks_a_writer),
		T(test_a_missing_dedup_record_is_found),
		T(test_a_stray_dedup_record_is_found),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
