/* journal.c — SQLite journal: open sequence, migrations, statement cache and
 * the hash-chained append (see journal.h). */
#include "journal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "embedded.h"
#include "project.h"
#include "rtime.h"
#include "sqldec.h"

#define STMT_CACHE_SIZE 256 /* power of two; far more than reckon's constants */

struct stmt_slot {
	const char *sql; /* key: address of a string constant */
	sqlite3_stmt *stmt;
};

struct journal {
	sqlite3 *db;
	struct stmt_slot cache[STMT_CACHE_SIZE];
};

static const char ZERO_HASH[] = "0000000000000000000000000000000000000000000000000000000000000000";

int journal_schema_version(void) { return (int)EMBEDDED_MIGRATIONS_COUNT; }

sqlite3 *journal_db(struct journal *j) { return j->db; }

enum rk_rc journal_sql_error(struct journal *j, struct rk_err *err, const char *what)
{
	return rk_err_set(err, RK_EDB, "%s: %s", what, sqlite3_errmsg(j->db));
}

static enum rk_rc exec(struct journal *j, const char *sql, struct rk_err *err)
{
	char *msg = NULL;
	if (sqlite3_exec(j->db, sql, NULL, NULL, &msg) == SQLITE_OK)
		return RK_OK;
	enum rk_rc rc = rk_err_set(err, RK_EDB, "%s", msg ? msg : sqlite3_errmsg(j->db));
	sqlite3_free(msg);
	return rc;
}

static enum rk_rc pragma_int(struct journal *j, const char *sql, int *out, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = RK_OK;
	if (sqlite3_prepare_v2(j->db, sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW)
		rc = journal_sql_error(j, err, sql);
	else
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc;
}

/* Applies migrations (from+1 .. N), one transaction each, version bump
 * included, so a failure leaves the database at the last good version. */
static enum rk_rc migrate(struct journal *j, int from, struct rk_err *err)
{
	for (size_t i = (size_t)from; i < EMBEDDED_MIGRATIONS_COUNT; i++) {
		const struct embedded_file *m = &EMBEDDED_MIGRATIONS[i];
		int want = (int)i + 1;
		if (atoi(m->name) != want)
			return rk_err_set(err, RK_ECORRUPT, "migration %s is out of sequence (expected %04d_...)",
					  m->name, want);
		char bump[64];
		snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", want);
		enum rk_rc rc = exec(j, "BEGIN IMMEDIATE;", err);
		if (!rc)
			rc = exec(j, m->text, err);
		if (!rc)
			rc = exec(j, bump, err);
		if (!rc)
			rc = exec(j, "COMMIT;", err);
		if (rc) {
			sqlite3_exec(j->db, "ROLLBACK;", NULL, NULL, NULL);
			return rk_err_prefix(err, "migration %s failed (database left at version %d)",
					     m->name, want - 1);
		}
	}
	return RK_OK;
}

enum rk_rc journal_open(const char *path, struct journal **out, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	struct journal *j = calloc(1, sizeof *j);
	int version = 0;
	*out = NULL;
	if (!j)
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	if (sqlite3_open_v2(path, &j->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		rc = rk_err_set(err, RK_EIO, "cannot open database %s: %s", path,
				j->db ? sqlite3_errmsg(j->db) : "out of memory");
		goto out;
	}
	sqlite3_busy_timeout(j->db, 5000);
	if ((rc = sqldec_register(j->db, err)))
		goto out;
	/* The first real read tells a non-database file apart. */
	if ((rc = pragma_int(j, "PRAGMA user_version;", &version, err))) {
		rk_err_prefix(err, "%s is not a usable SQLite database", path);
		goto out;
	}
	if (version > journal_schema_version()) {
		rc = rk_err_set(err, RK_EVERSION,
				"database %s has schema version %d, newer than this reckon knows (%d): "
				"upgrade reckon; the database was not modified",
				path, version, journal_schema_version());
		goto out;
	}
	/* A 16 MiB page cache and in-memory temp tables keep large ingest batches
	 * and replays from spilling to disk mid-transaction. */
	if ((rc = exec(j, "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
			  " PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;",
		       err)))
		goto out;
	rc = migrate(j, version, err);
out:
	if (rc) {
		journal_close(j);
		return rc;
	}
	*out = j;
	return RK_OK;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	for (size_t i = 0; i < STMT_CACHE_SIZE; i++)
		sqlite3_finalize(j->cache[i].stmt);
	sqlite3_close(j->db);
	free(j);
}

enum rk_rc journal_stmt(struct journal *j, const char *sql, sqlite3_stmt **out, struct rk_err *err)
{
	size_t h = ((uintptr_t)sql >> 3) & (STMT_CACHE_SIZE - 1);
	for (size_t n = 0; n < STMT_CACHE_SIZE; n++, h = (h + 1) & (STMT_CACHE_SIZE - 1)) {
		struct stmt_slot *s = &j->cache[h];
		if (s->sql == sql) {
			sqlite3_reset(s->stmt);
			sqlite3_clear_bindings(s->stmt);
			*out = s->stmt;
			return RK_OK;
		}
		if (!s->sql) {
			if (sqlite3_prepare_v3(j->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->stmt,
					       NULL) != SQLITE_OK) {
				s->stmt = NULL;
				return journal_sql_error(j, err, "preparing statement");
			}
			s->sql = sql;
			*out = s->stmt;
			return RK_OK;
		}
	}
	return rk_err_set(err, RK_ENOMEM, "statement cache full");
}

enum rk_rc journal_begin(struct journal *j, struct rk_err *err) { return exec(j, "BEGIN IMMEDIATE;", err); }
enum rk_rc journal_commit(struct journal *j, struct rk_err *err) { return exec(j, "COMMIT;", err); }
void journal_rollback(struct journal *j) { sqlite3_exec(j->db, "ROLLBACK;", NULL, NULL, NULL); }
enum rk_rc journal_savepoint(struct journal *j, struct rk_err *err) { return exec(j, "SAVEPOINT rk_line;", err); }
enum rk_rc journal_release(struct journal *j, struct rk_err *err) { return exec(j, "RELEASE rk_line;", err); }
void journal_rollback_to_savepoint(struct journal *j)
{
	sqlite3_exec(j->db, "ROLLBACK TO rk_line; RELEASE rk_line;", NULL, NULL, NULL);
}

static void hash_field(EVP_MD_CTX *ctx, const char *s)
{
	char len[24];
	size_t n = s ? strlen(s) : 0;
	/* NULL and "" differ: NULL is written as length -1. */
	int k = s ? snprintf(len, sizeof len, "%zu:", n) : snprintf(len, sizeof len, "-1:");
	EVP_DigestUpdate(ctx, len, (size_t)k);
	if (n)
		EVP_DigestUpdate(ctx, s, n);
	EVP_DigestUpdate(ctx, "\n", 1);
}

void journal_event_hash(int64_t seq, const char *ts, const char *recorded_at, const char *type,
			const char *source, const char *venue, const char *account,
			const char *symbol, const char *payload, const char *dedup_key,
			const char *prev_hash, char out[JOURNAL_HASH_HEX])
{
	unsigned char md[32];
	unsigned int mdlen = 0;
	char seqs[24];
	snprintf(seqs, sizeof seqs, "%lld", (long long)seq);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestUpdate(ctx, "reckon-event-v1\n", 16);
	const char *fields[] = {seqs, ts, recorded_at, type, source, venue, account, symbol, payload};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		hash_field(ctx, fields[i]);
	hash_field(ctx, dedup_key);
	hash_field(ctx, prev_hash);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static const char SQL_FIND_DEDUP[] = "SELECT seq, payload FROM events WHERE dedup_key = ?1";
static const char SQL_TAIL[] = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";
static const char SQL_INSERT_EVENT[] =
	"INSERT INTO events(seq, ts, recorded_at, type, source, venue, account, symbol, payload,"
	" dedup_key, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

enum rk_rc journal_append(struct journal *j, const struct journal_event *ev,
			  enum journal_append_result *res, int64_t *seq_out, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc;
	int64_t seq = 1;
	char prev[JOURNAL_HASH_HEX], hash[JOURNAL_HASH_HEX], recorded[RTIME_STR_MAX];

	*res = JOURNAL_APPENDED;
	if (ev->dedup_key) {
		if ((rc = journal_stmt(j, SQL_FIND_DEDUP, &st, err)))
			return rc;
		sqlite3_bind_text(st, 1, ev->dedup_key, -1, SQLITE_STATIC);
		int step = sqlite3_step(st);
		if (step == SQLITE_ROW) {
			long long old = sqlite3_column_int64(st, 0);
			bool same = strcmp((const char *)sqlite3_column_text(st, 1), ev->payload) == 0;
			sqlite3_reset(st);
			if (same) {
				*res = JOURNAL_DUPLICATE;
				if (seq_out)
					*seq_out = old;
				return RK_OK;
			}
			return rk_err_set(err, RK_ECONFLICT,
					  "already journaled as event %lld with different content", old);
		}
		sqlite3_reset(st);
		if (step != SQLITE_DONE)
			return journal_sql_error(j, err, "looking up duplicate");
	}
	if ((rc = journal_stmt(j, SQL_TAIL, &st, err)))
		return rc;
	memcpy(prev, ZERO_HASH, sizeof prev);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		seq = sqlite3_column_int64(st, 0) + 1;
		const char *h = (const char *)sqlite3_column_text(st, 1);
		snprintf(prev, sizeof prev, "%s", h ? h : "");
	} else if (step != SQLITE_DONE) {
		sqlite3_reset(st);
		return journal_sql_error(j, err, "reading journal tail");
	}
	sqlite3_reset(st);

	rtime_format(rtime_now_us(), recorded);
	journal_event_hash(seq, ev->ts, recorded, ev->type, ev->source, ev->venue, ev->account,
			   ev->symbol, ev->payload, ev->dedup_key, prev, hash);
	if ((rc = journal_stmt(j, SQL_INSERT_EVENT, &st, err)))
		return rc;
	const char *vals[] = {ev->ts, recorded, ev->type, ev->source, ev->venue, ev->account,
			      ev->symbol ? ev->symbol : "", ev->payload, ev->dedup_key, prev, hash};
	sqlite3_bind_int64(st, 1, seq);
	for (int i = 0; i < 11; i++)
		sqlite3_bind_text(st, i + 2, vals[i], -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	sqlite3_reset(st);
	if (step != SQLITE_DONE)
		return journal_sql_error(j, err, "appending event");
	if (seq_out)
		*seq_out = seq;
	return project_apply(j, seq, ev->type, ev->payload, err);
}
