/* audit.c — journal verification (see audit.h). */
#include "audit.h"

#include <string.h>

#include "project.h"

static const char SQL_EVENTS[] =
	"SELECT seq, ts, recorded_at, type, source, venue, account, symbol, payload, dedup_key,"
	" prev_hash, hash FROM events ORDER BY seq";

static enum rk_rc check_integrity(struct journal *j, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = RK_OK;
	if (sqlite3_prepare_v2(journal_db(j), "PRAGMA integrity_check", -1, &st, NULL) != SQLITE_OK)
		return journal_sql_error(j, err, "integrity_check");
	if (sqlite3_step(st) != SQLITE_ROW)
		rc = journal_sql_error(j, err, "integrity_check");
	else if (strcmp((const char *)sqlite3_column_text(st, 0), "ok") != 0)
		rc = rk_err_set(err, RK_ECORRUPT, "SQLite integrity_check: %s",
				sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return rc;
}

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

static enum rk_rc check_chain(struct journal *j, struct audit_result *res, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = RK_OK;
	char prev[JOURNAL_HASH_HEX], calc[JOURNAL_HASH_HEX];
	memset(prev, '0', 64);
	prev[64] = '\0';
	if (sqlite3_prepare_v2(journal_db(j), SQL_EVENTS, -1, &st, NULL) != SQLITE_OK)
		return journal_sql_error(j, err, "reading events");
	int step;
	int64_t expect = 1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		res->events++;
		if (seq != expect) {
			res->first_bad_seq = expect;
			rc = rk_err_set(err, RK_ECORRUPT, "event %lld is missing (next is %lld)",
					(long long)expect, (long long)seq);
			goto out;
		}
		const char *stored_prev = col(st, 10), *stored = col(st, 11);
		if (!stored_prev || strcmp(stored_prev, prev) != 0) {
			res->first_bad_seq = seq;
			rc = rk_err_set(err, RK_ECORRUPT,
					"event %lld: prev_hash does not match event %lld's hash",
					(long long)seq, (long long)(seq - 1));
			goto out;
		}
		journal_event_hash(seq, col(st, 1), col(st, 2), col(st, 3), col(st, 4), col(st, 5),
				   col(st, 6), col(st, 7), col(st, 8), col(st, 9), prev, calc);
		if (!stored || strcmp(stored, calc) != 0) {
			res->first_bad_seq = seq;
			rc = rk_err_set(err, RK_ECORRUPT,
					"event %lld: hash mismatch (the row was altered after it was written)",
					(long long)seq);
			goto out;
		}
		memcpy(prev, stored, JOURNAL_HASH_HEX);
		expect++;
	}
	if (step != SQLITE_DONE)
		rc = journal_sql_error(j, err, "reading events");
out:
	sqlite3_finalize(st);
	return rc;
}

static enum rk_rc check_triggers(struct journal *j, struct rk_err *err)
{
	static const char *const TRIGGERS[] = {"events_no_update", "events_no_delete"};
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = RK_OK;
	if (sqlite3_prepare_v2(journal_db(j),
			       "SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = ?1", -1,
			       &st, NULL) != SQLITE_OK)
		return journal_sql_error(j, err, "reading schema");
	for (size_t i = 0; i < 2 && !rc; i++) {
		sqlite3_reset(st);
		sqlite3_bind_text(st, 1, TRIGGERS[i], -1, SQLITE_STATIC);
		if (sqlite3_step(st) != SQLITE_ROW)
			rc = rk_err_set(err, RK_ECORRUPT,
					"append-only trigger %s is missing (events may have been edited)",
					TRIGGERS[i]);
	}
	sqlite3_finalize(st);
	return rc;
}

enum rk_rc audit_verify(struct journal *j, struct audit_result *res, struct rk_err *err)
{
	enum rk_rc rc;
	memset(res, 0, sizeof *res);
	if ((rc = check_integrity(j, err)) || (rc = check_chain(j, res, err)) ||
	    (rc = check_triggers(j, err)))
		return rc;
	return project_verify(j, err);
}
