/* journal.c — SQLite journal: recognising and opening a journal, migrations,
 * statement cache and the hash-chained append (see journal.h). */
#include "journal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>


#include "digest.h"
#include "embedded.h"
#include "rtime.h"
#include "sqldec.h"
#include "sqlx.h"

#define STMT_CACHE_SIZE 256 /* power of two; far more than reckon's constants */
#define BUSY_TIMEOUT_MS 5000
/* Paths reach SQLite only after stat() accepted them, so they fit PATH_MAX;
 * a URI percent-encodes at most every byte. */
#define PATH_BYTES 4096
#define URI_BYTES (3 * PATH_BYTES + 64)

struct stmt_slot {
	const char *sql; /* key: address of a string constant */
	sqlite3_stmt *stmt;
};

struct journal {
	sqlite3 *db;
	journal_rebuild_fn *rebuild; /* the replay a migration may need */
	struct rk_clock clock;       /* stamps recorded_at; zeroed: the system clock */
	enum journal_kind kind; /* JOURNAL_REAL or JOURNAL_SIM */
	int opened_version;     /* user_version before this open wrote anything */
	int64_t applying;       /* the event being projected, 0: none */
	/* The hash chain's tail as this connection last read or wrote it, so
	 * that appending does not read it again for every event. Valid only
	 * inside the write transaction that set it (chain_tail), while the
	 * database's data version (any commit, by any connection) is unchanged;
	 * forgotten on every commit, rollback and rollback to a savepoint. */
	struct {
		bool known;
		int64_t seq;
		unsigned data_version;
		char hash[JOURNAL_HASH_HEX];
	} tail;
	struct stmt_slot cache[STMT_CACHE_SIZE];
};

/* The transactions this file runs. A writer takes the write lock up front,
 * so the hash chain's tail cannot move under it. */
static const char SQL_BEGIN_READ[] = "BEGIN;";
static const char SQL_BEGIN_WRITE[] = "BEGIN IMMEDIATE;";
static const char SQL_COMMIT[] = "COMMIT;";

static const char ZERO_HASH[] = "0000000000000000000000000000000000000000000000000000000000000000";

int journal_schema_version(void) { return (int)EMBEDDED_MIGRATIONS_COUNT; }

sqlite3 *journal_db(struct journal *j) { return j->db; }

enum journal_kind journal_kind(const struct journal *j) { return j->kind; }

int journal_opened_version(const struct journal *j) { return j->opened_version; }

void journal_set_clock(struct journal *j, struct rk_clock clock) { j->clock = clock; }

void journal_set_applying(struct journal *j, int64_t seq) { j->applying = seq; }

int64_t journal_applying(const struct journal *j) { return j->applying; }

/* ---- recognising a journal ---------------------------------------------- */

/* What one look at a database file found. */
struct look {
	int app_id;     /* PRAGMA application_id */
	int version;    /* PRAGMA user_version */
	int objects;    /* schema objects (tables, indexes, triggers, views) */
	bool has_chain; /* an `events` table with reckon's hash-chain columns */
};

enum verdict { LOOK_EMPTY, LOOK_RECKON, LOOK_FOREIGN };

static const char SQL_LOOK[] =
	"SELECT (SELECT application_id FROM pragma_application_id),"
	" (SELECT user_version FROM pragma_user_version),"
	" (SELECT count(*) FROM sqlite_master),"
	" (SELECT count(*) FROM pragma_table_info('events')"
	"   WHERE name IN ('seq', 'payload', 'prev_hash', 'hash')) = 4";

/* Reads the look; returns SQLITE_OK or the extended result code. */
static int look_at(sqlite3 *db, struct look *l)
{
	sqlite3_stmt *st = NULL;
	int src = sqlite3_prepare_v2(db, SQL_LOOK, -1, &st, NULL);
	if (src == SQLITE_OK && (src = sqlite3_step(st)) == SQLITE_ROW) {
		l->app_id = sqlite3_column_int(st, 0);
		l->version = sqlite3_column_int(st, 1);
		l->objects = sqlite3_column_int(st, 2);
		l->has_chain = sqlite3_column_int(st, 3) != 0;
		src = SQLITE_OK;
	} else {
		src = sqlite3_extended_errcode(db);
	}
	sqlite3_finalize(st);
	return src;
}

/* Runs `sql`; SQLITE_OK or the extended result code. */
static int run(sqlite3 *db, const char *sql)
{
	return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? SQLITE_OK
								     : sqlite3_extended_errcode(db);
}

static enum verdict judge(const struct look *l)
{
	if (l->app_id == JOURNAL_APP_ID || l->app_id == JOURNAL_APP_ID_SIM)
		return LOOK_RECKON;
	if (l->app_id != 0)
		return LOOK_FOREIGN;
	/* A journal of a reckon from before the application_id. */
	if (l->version > 0 && l->has_chain)
		return LOOK_RECKON;
	return l->version == 0 && l->objects == 0 ? LOOK_EMPTY : LOOK_FOREIGN;
}

static enum rk_rc foreign_error(const char *path, const struct look *l, struct rk_err *err)
{
	if (l->app_id != 0)
		return rk_err_set(err, RK_EFOREIGN,
				  "%s is not a reckon journal: its application_id 0x%08x belongs to "
				  "another application; it was not modified",
				  path, (unsigned)l->app_id);
	return rk_err_set(err, RK_EFOREIGN,
			  "%s is not a reckon journal: it is another application's SQLite database "
			  "(user_version %d, %d schema objects, no reckon events table); it was not "
			  "modified",
			  path, l->version, l->objects);
}

/* ---- why a file cannot be opened or written ------------------------------ */

static void dir_of(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(out, n, ".");
	else if (slash == path)
		snprintf(out, n, "/");
	else
		snprintf(out, n, "%.*s", (int)(slash - path), path);
}

/* Fills `err` (RK_EPERM or RK_ENOTFOUND) and returns true when `path` cannot
 * be written (or created) because of a read-only filesystem, the file's or
 * its directory's permissions, or a missing directory; false when none of
 * these explains it. */
static bool explain_unwritable(const char *path, struct rk_err *err)
{
	char dir[PATH_BYTES];
	struct statvfs vfs;
	dir_of(path, dir, sizeof dir);
	if (access(dir, F_OK) != 0)
		return rk_err_set(err, RK_ENOTFOUND, "cannot create journal %s: no such directory %s",
				  path, dir), true;
	if (statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY))
		return rk_err_set(err, RK_EPERM, "cannot write journal %s: %s is on a read-only filesystem",
				  path, dir), true;
	if (access(path, F_OK) == 0 && access(path, W_OK) != 0)
		return rk_err_set(err, RK_EPERM, "cannot write journal %s: the file is read-only (%s)",
				  path, strerror(errno)), true;
	if (access(dir, W_OK) != 0)
		return rk_err_set(err, RK_EPERM,
				  "cannot write journal %s: directory %s is read-only (SQLite creates "
				  "the journal's -wal and -shm files next to it)",
				  path, dir), true;
	return false;
}

/* Translates a failed SQLite call on the journal at `path` (`src` its result
 * code) into reckon's error, without SQL text. */
static enum rk_rc open_failure(sqlite3 *db, const char *path, int src, bool writing,
			       struct rk_err *err)
{
	switch (src & 0xff) {
	case SQLITE_NOTADB:
		return rk_err_set(err, RK_EFOREIGN,
				  "%s is not a reckon journal: not an SQLite database; it was not modified",
				  path);
	case SQLITE_CORRUPT:
		return rk_err_set(err, RK_ECORRUPT, "journal %s is damaged: %s", path,
				  sqlite3_errstr(src));
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return rk_err_set(err, RK_EIO, "journal %s stayed locked by another process for %d ms",
				  path, BUSY_TIMEOUT_MS);
	case SQLITE_READONLY:
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		if (writing && explain_unwritable(path, err))
			return err->rc;
		if (!writing && access(path, R_OK) != 0)
			return rk_err_set(err, RK_EPERM, "cannot read journal %s: %s", path,
					  strerror(errno));
		break;
	}
	return rk_err_set(err, RK_EIO, "cannot %s journal %s: %s", writing ? "write" : "read", path,
			  db ? sqlite3_errmsg(db) : sqlite3_errstr(src));
}

/* ---- the checks made before SQLite opens the file for real --------------- */

/* Writes "file:PATH?QUERY" with PATH percent-encoded where URIs need it. */
static void file_uri(const char *path, const char *query, char *out, size_t n)
{
	size_t k = (size_t)snprintf(out, n, "file:%s", path[0] == '/' ? "//" : "");
	for (const unsigned char *p = (const unsigned char *)path; *p && k + 4 < n; p++) {
		if (*p == '%' || *p == '?' || *p == '#' || *p <= ' ' || *p >= 0x7f)
			k += (size_t)snprintf(out + k, n - k, "%%%02X", *p);
		else
			out[k++] = (char)*p;
	}
	snprintf(out + k, n - k, "?%s", query);
}

/*
 * Refuses another application's database before any locking connection
 * touches it: an `immutable` read-only look takes no lock, creates no -wal or
 * -shm and rolls back no hot journal. Only a positive "foreign" counts here;
 * anything unclear (a file being written by another process right now) is
 * decided again under SQLite's locks.
 */
static enum rk_rc probe(const char *path, struct rk_err *err)
{
	char uri[URI_BYTES];
	sqlite3 *db = NULL;
	struct look l;
	enum rk_rc rc = RK_OK;
	file_uri(path, "immutable=1", uri, sizeof uri);
	if (sqlite3_open_v2(uri, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, NULL) == SQLITE_OK &&
	    look_at(db, &l) == SQLITE_OK && judge(&l) == LOOK_FOREIGN)
		rc = foreign_error(path, &l, err);
	sqlite3_close(db);
	return rc;
}

static enum rk_rc precheck(const char *path, enum journal_mode mode, struct rk_err *err)
{
	struct stat sb;
	if (stat(path, &sb) != 0) {
		if (errno == ENOENT && mode == JOURNAL_CREATE)
			return RK_OK;
		if (errno == ENOENT)
			return rk_err_set(err, RK_ENOTFOUND, "no such journal: %s", path);
		return rk_err_set(err, RK_EIO, "cannot open journal %s: %s", path, strerror(errno));
	}
	if (!S_ISREG(sb.st_mode))
		return rk_err_set(err, RK_EFOREIGN, "%s is not a reckon journal: not a regular file", path);
	if (sb.st_size == 0)
		return mode == JOURNAL_CREATE
			       ? RK_OK
			       : rk_err_set(err, RK_ENOTFOUND,
					    "no such journal: %s is an empty file (create a journal "
					    "with 'reckon init --db %s')",
					    path, path);
	return probe(path, err);
}

/* ---- accepting what the look under the lock found ------------------------ */

static enum rk_rc check_look(const char *path, const struct look *l, enum journal_mode mode,
			     enum journal_kind want, struct rk_err *err)
{
	int current = journal_schema_version();
	switch (judge(l)) {
	case LOOK_FOREIGN:
		return foreign_error(path, l, err);
	case LOOK_EMPTY:
		if (mode != JOURNAL_CREATE)
			return rk_err_set(err, RK_ENOTFOUND,
					  "no such journal: %s is an empty database (create a journal "
					  "with 'reckon init --db %s')",
					  path, path);
		return RK_OK;
	case LOOK_RECKON:
		break;
	}
	if (l->version > current)
		return rk_err_set(err, RK_EVERSION,
				  "journal %s has schema version %d, newer than this reckon knows (%d): "
				  "upgrade reckon; the journal was not modified",
				  path, l->version, current);
	if (mode == JOURNAL_READONLY && l->version < current)
		return rk_err_set(err, RK_EVERSION,
				  "journal %s has schema version %d, older than this reckon's %d; "
				  "read-only commands never upgrade a journal: upgrade it with "
				  "'reckon init --db %s'",
				  path, l->version, current, path);
	bool sim = l->app_id == JOURNAL_APP_ID_SIM;
	if (want == JOURNAL_REAL && sim)
		return rk_err_set(err, RK_ECONFLICT,
				  "%s is a simulation journal (results of the simulated venue): a real "
				  "venue's results never go into it",
				  path);
	if (want == JOURNAL_SIM && !sim)
		return rk_err_set(err, RK_ECONFLICT,
				  "%s is a journal of real venues: the simulated venue's results never go "
				  "into it; create a simulation journal with 'reckon init --sim --db NEW_FILE'",
				  path);
	return RK_OK;
}

/* ---- migrations ----------------------------------------------------------- */

/* Does migration `version` change how events are projected, so that the
 * journal's materialized tables are rebuilt by a replay once it is applied?
 * 0006: an order's reported filled quantity and its fills are kept apart.
 * 0007: an inferred fill is superseded by its order's real fills.
 * 0013: the protection gaps are projected (protection_gaps, _state).
 * 0016: the state history's row versions (state_history.h). */
static bool migration_replays(int version)
{
	return version == 6 || version == 7 || version == 13 || version == 16;
}

/* Applies migration number from+1 and its version bump, inside the caller's
 * transaction; *replay (IN/OUT) is set when it needs the replay. */
static enum rk_rc apply_migration(struct journal *j, int from, bool *replay, struct rk_err *err)
{
	const struct embedded_file *m = &EMBEDDED_MIGRATIONS[from];
	int want = from + 1;
	char bump[64];
	if (atoi(m->name) != want)
		return rk_err_set(err, RK_ECORRUPT, "migration %s is out of sequence (expected %04d_...)",
				  m->name, want);
	snprintf(bump, sizeof bump, "PRAGMA user_version = %d;", want);
	enum rk_rc rc = sqlx_exec(j->db, m->text, err);
	if (!rc)
		rc = sqlx_exec(j->db, bump, err);
	if (!rc && migration_replays(want))
		*replay = true;
	return rc;
}

/*
 * Applies every missing migration from version `from` on, inside the
 * caller's transaction, then one replay when any of them needs it. The
 * replay projects with this reckon's rules into this reckon's tables, so it
 * runs only once the schema is complete (a replay after 0006 alone would
 * miss the columns 0007 adds), and all of it commits together: a journal is
 * never left at a version whose tables a replay has not made.
 */
static enum rk_rc apply_migrations(struct journal *j, int from, struct rk_err *err)
{
	bool replay = false;
	enum rk_rc rc = RK_OK;
	/* On failure the caller rolls every step back: the journal stays at `from`. */
	for (int v = from; v < journal_schema_version(); v++)
		if ((rc = apply_migration(j, v, &replay, err)))
			return rk_err_prefix(err, "migration %s failed (journal left at version %d)",
					     EMBEDDED_MIGRATIONS[v].name, from);
	if (replay && !j->rebuild)
		return rk_err_set(err, RK_EINVAL, "migrating needs a replay of the events, and the "
				  "journal was opened without one (events_open)");
	if (replay && (rc = j->rebuild(j, err)))
		rk_err_prefix(err, "replaying the journal after migrating it (journal left at "
				   "version %d)", from);
	return rc;
}

/*
 * One step of bringing the journal up to date. `locked` false: a read
 * transaction that only looks (an up-to-date journal is opened without ever
 * taking the write lock). `locked` true: BEGIN IMMEDIATE, look again under the
 * lock (another process may have migrated meanwhile), then the missing
 * migrations, and the application_id when the file has none, committed
 * together. Sets *done when nothing is left to write.
 */
static enum rk_rc update_step(struct journal *j, const char *path, enum journal_mode mode,
			      enum journal_kind want, bool locked, bool *wrote, bool *done,
			      struct rk_err *err)
{
	struct look l;
	int src = run(j->db, locked ? SQL_BEGIN_WRITE : SQL_BEGIN_READ);
	if (src == SQLITE_OK)
		src = look_at(j->db, &l);
	if (src != SQLITE_OK) {
		enum rk_rc rc = open_failure(j->db, path, src, true, err);
		journal_rollback(j);
		return rc;
	}
	enum rk_rc rc = check_look(path, &l, mode, want, err);
	if (!*wrote)
		j->opened_version = l.version;
	j->kind = l.app_id == JOURNAL_APP_ID_SIM || (judge(&l) == LOOK_EMPTY && want == JOURNAL_SIM)
			  ? JOURNAL_SIM
			  : JOURNAL_REAL;
	*done = l.version == journal_schema_version() && l.app_id != 0;
	if (rc || !locked || *done) {
		/* Ends the read, or a write transaction that found nothing to do. */
		journal_rollback(j);
		return rc;
	}
	if (l.version < journal_schema_version())
		rc = apply_migrations(j, l.version, err);
	if (!rc && l.app_id == 0) {
		char stamp[64];
		snprintf(stamp, sizeof stamp, "PRAGMA application_id = %d;",
			 j->kind == JOURNAL_SIM ? JOURNAL_APP_ID_SIM : JOURNAL_APP_ID);
		rc = sqlx_exec(j->db, stamp, err);
	}
	if (!rc && (src = run(j->db, SQL_COMMIT)) != SQLITE_OK)
		rc = open_failure(j->db, path, src, true, err);
	if (rc)
		journal_rollback(j);
	else
		*wrote = true;
	return rc;
}

/* Connection settings; none of them writes the file (the migrations ran with
 * SQLite's defaults: foreign keys off, synchronous FULL). A 16 MiB page cache and
 * in-memory temp tables keep large ingest batches and replays from spilling
 * to disk mid-transaction. */
static enum rk_rc apply_settings(struct journal *j, bool readonly, struct rk_err *err)
{
	return sqlx_exec(j->db,
			 readonly ? "PRAGMA foreign_keys=ON; PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;"
				  : "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;"
				    " PRAGMA cache_size=-16384; PRAGMA temp_store=MEMORY;",
			 err);
}

/* WAL, once the file is known to be reckon's and up to date. Leaving
 * rollback mode needs an exclusive lock, which SQLite tries once without its
 * busy handler: while other processes still hold the new journal open (they
 * created it at the same moment), retry for up to the busy timeout. */
static enum rk_rc enable_wal(struct journal *j, const char *path, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = RK_OK;
	int src = sqlite3_prepare_v2(j->db, "PRAGMA journal_mode=WAL;", -1, &st, NULL);
	for (int waited = 0, nap = 1; src == SQLITE_OK; waited += nap, nap = nap < 64 ? nap * 2 : nap) {
		if ((src = sqlite3_step(st)) == SQLITE_ROW)
			break;
		src = sqlite3_extended_errcode(j->db);
		sqlite3_reset(st);
		if ((src & 0xff) != SQLITE_BUSY || waited >= BUSY_TIMEOUT_MS)
			break;
		sqlite3_sleep(nap);
		src = SQLITE_OK;
	}
	if (src == SQLITE_ROW) {
		const char *mode = (const char *)sqlite3_column_text(st, 0);
		if (!mode || strcmp(mode, "wal") != 0)
			rc = rk_err_set(err, RK_EIO, "journal %s: cannot switch to WAL (mode stays %s)",
					path, mode ? mode : "unknown");
	} else {
		rc = open_failure(j->db, path, src, true, err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* The rollback hook: the cached chain tail may be gone. */
static void forget_tail(void *arg)
{
	((struct journal *)arg)->tail.known = false;
}

/* Opens j->db on `name` (a path, or a URI with SQLITE_OPEN_URI) with the
 * settings every connection of a journal gets before its first read. Returns
 * SQLITE_OK or the extended result code. */
static int connect(struct journal *j, const char *name, int flags)
{
	char plain[PATH_BYTES + 3];
	/* SQLite may be built to read "file:..." as a URI even without
	 * SQLITE_OPEN_URI: a path is a path. */
	if (!(flags & SQLITE_OPEN_URI) && strncmp(name, "file:", 5) == 0) {
		snprintf(plain, sizeof plain, "./%s", name);
		name = plain;
	}
	/* One journal per thread (journal.h): SQLite's per-call mutexes only
	 * cost time. */
	int src = sqlite3_open_v2(name, &j->db, flags | SQLITE_OPEN_NOMUTEX, NULL);
	if (src != SQLITE_OK)
		return j->db ? sqlite3_extended_errcode(j->db) : src;
	sqlite3_busy_timeout(j->db, BUSY_TIMEOUT_MS);
	/* Any rollback, by reckon or by SQLite after an error, moves the tail back. */
	sqlite3_rollback_hook(j->db, forget_tail, j);
	/* Until the file is known to be reckon's, closing must not checkpoint:
	 * the last connection to close a WAL database folds its -wal into the
	 * main file and deletes it, which would change another application's
	 * database that still has changes in its -wal. open_writable turns the
	 * checkpoint back on for a journal. */
	if (sqlite3_db_config(j->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL) != SQLITE_OK)
		return sqlite3_extended_errcode(j->db);
	/* decimal_sum & co. on every connection, as the sqlite3 shell has them. */
	struct rk_err ignored = {0};
	if (sqldec_register(j->db, &ignored) != RK_OK)
		return SQLITE_NOMEM;
	return SQLITE_OK;
}

static enum rk_rc open_writable(struct journal *j, const char *path, enum journal_mode mode,
				enum journal_kind want, bool memory, struct rk_err *err)
{
	int flags = SQLITE_OPEN_READWRITE | (mode == JOURNAL_CREATE ? SQLITE_OPEN_CREATE : 0);
	int src = connect(j, path, flags);
	bool wrote = false, done = false;
	enum rk_rc rc;
	if (src != SQLITE_OK) {
		if (mode != JOURNAL_CREATE && access(path, F_OK) != 0)
			return rk_err_set(err, RK_ENOTFOUND, "no such journal: %s", path);
		return open_failure(NULL, path, src, true, err);
	}
	/* SQLite falls back to read-only when the file cannot be written. */
	if (sqlite3_db_readonly(j->db, "main") == 1)
		return open_failure(NULL, path, SQLITE_READONLY, true, err);
	rc = update_step(j, path, mode, want, false, &wrote, &done, err);
	while (!rc && !done)
		rc = update_step(j, path, mode, want, true, &wrote, &done, err);
	/* Reckon's own journal: checkpoint on close again, so it leaves no -wal. */
	if (!rc && sqlite3_db_config(j->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, (int *)NULL) !=
			   SQLITE_OK)
		rc = open_failure(j->db, path, sqlite3_extended_errcode(j->db), true, err);
	/* Settings only now: preparing even a PRAGMA reads the file. */
	if (!rc)
		rc = apply_settings(j, false, err);
	if (!rc && !memory)
		rc = enable_wal(j, path, err);
	return rc;
}

/* Is there a -wal file with content next to `path`? */
static bool wal_has_frames(const char *path)
{
	char wal[PATH_BYTES + 8];
	struct stat sb;
	snprintf(wal, sizeof wal, "%s-wal", path);
	return stat(wal, &sb) == 0 && sb.st_size > 0;
}

/* One read transaction that looks at the journal; SQLITE_OK or the extended
 * result code. */
static int read_look(struct journal *j, struct look *l)
{
	int src = run(j->db, SQL_BEGIN_READ);
	if (src == SQLITE_OK)
		src = look_at(j->db, l);
	journal_rollback(j);
	return src;
}

/* Can nothing create files next to `path` (a read-only directory or
 * filesystem)? */
static bool dir_unwritable(const char *path)
{
	char dir[PATH_BYTES];
	struct statvfs vfs;
	dir_of(path, dir, sizeof dir);
	return access(dir, W_OK) != 0 || (statvfs(dir, &vfs) == 0 && (vfs.f_flag & ST_RDONLY));
}

/*
 * SQLITE_OPEN_READONLY. A WAL journal needs its -shm file even to be read;
 * where SQLite cannot create it (a read-only directory or filesystem) the
 * journal is read as `immutable`, which is exact when no -wal file holds
 * changes (nothing can write a journal there) and refused otherwise.
 */
static enum rk_rc open_readonly(struct journal *j, const char *path, struct rk_err *err)
{
	struct look l;
	int src = connect(j, path, SQLITE_OPEN_READONLY);
	if (src == SQLITE_OK)
		src = read_look(j, &l);
	if ((src == SQLITE_CANTOPEN || src == SQLITE_READONLY_DIRECTORY ||
	     src == SQLITE_READONLY_CANTINIT) && dir_unwritable(path)) {
		char dir[PATH_BYTES], uri[URI_BYTES];
		dir_of(path, dir, sizeof dir);
		if (wal_has_frames(path))
			return rk_err_set(err, RK_EPERM,
					  "cannot read journal %s: %s is read-only, so SQLite cannot create "
					  "the -shm file it needs to read the changes in %s-wal; open it once "
					  "with a writing command where it is writable",
					  path, dir, path);
		sqlite3_close(j->db);
		file_uri(path, "immutable=1", uri, sizeof uri);
		j->db = NULL;
		src = connect(j, uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI);
		if (src == SQLITE_OK)
			src = read_look(j, &l);
	}
	if (src != SQLITE_OK)
		return open_failure(j->db, path, src, false, err);
	enum rk_rc rc = check_look(path, &l, JOURNAL_READONLY, JOURNAL_ANY, err);
	if (rc)
		return rc;
	j->opened_version = l.version;
	j->kind = l.app_id == JOURNAL_APP_ID_SIM ? JOURNAL_SIM : JOURNAL_REAL;
	return apply_settings(j, true, err);
}

enum rk_rc journal_open(const char *path, enum journal_mode mode, enum journal_kind kind,
			journal_rebuild_fn *rebuild, struct journal **out, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	bool memory = !path[0] || strcmp(path, ":memory:") == 0;
	struct journal *j = NULL;
	*out = NULL;
	if (memory)
		mode = JOURNAL_CREATE;
	else if ((rc = precheck(path, mode, err)))
		return rc;
	if (!(j = calloc(1, sizeof *j)))
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	j->rebuild = rebuild;
	rc = mode == JOURNAL_READONLY ? open_readonly(j, path, err)
				       : open_writable(j, path, mode, kind, memory, err);
	if (rc) {
		journal_close(j);
		return rc;
	}
	*out = j;
	return RK_OK;
}

/* ---- the journal's identity --------------------------------------------- */

static const char SQL_META_TABLE[] =
	"SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND name = 'journal_meta'";
static const char SQL_META_ROWS[] = "SELECT key, value, typeof(value) FROM main.journal_meta";

static bool is_journal_id(const char *v)
{
	size_t n = 0;
	for (; v[n]; n++)
		if (!((v[n] >= '0' && v[n] <= '9') || (v[n] >= 'a' && v[n] <= 'f')))
			return false;
	return n == JOURNAL_ID_HEX - 1;
}

/* Checks one row of journal_meta (the n-th, counting from 1). */
static enum rk_rc meta_row(sqlite3_stmt *st, long n, char out[JOURNAL_ID_HEX], struct rk_err *err)
{
	const char *key = (const char *)sqlite3_column_text(st, 0);
	const char *value = (const char *)sqlite3_column_text(st, 1);
	const char *type = (const char *)sqlite3_column_text(st, 2);
	if (n > 1)
		return rk_err_set(err, RK_ECORRUPT,
				  "journal_meta holds more than one row (one is '%.40s'); reckon "
				  "writes only the journal_id",
				  key ? key : "NULL");
	if (!key || strcmp(key, "journal_id") != 0)
		return rk_err_set(err, RK_ECORRUPT,
				  "journal_meta holds '%.40s' where the journal_id should be",
				  key ? key : "NULL");
	if (!value || strcmp(type ? type : "", "text") != 0 || !is_journal_id(value))
		return rk_err_set(err, RK_ECORRUPT,
				  "journal_meta's journal_id '%.70s' is not 32 lowercase hex digits",
				  value ? value : "NULL");
	memcpy(out, value, JOURNAL_ID_HEX);
	return RK_OK;
}

enum rk_rc journal_identity(struct journal *j, char out[JOURNAL_ID_HEX], struct rk_err *err)
{
	sqlite3_stmt *st;
	long n = 0;
	bool row = false;
	enum rk_rc rc = journal_stmt(j, SQL_META_TABLE, &st, err);
	out[0] = '\0';
	if (rc || (rc = sqlx_step_row(st, &row, "reading the journal identity", err)))
		return rc;
	if (!row) /* a count always has its row */
		return rk_err_set(err, RK_EDB, "reading the journal identity: no row");
	bool table = sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	if (!table)
		return rk_err_set(err, RK_ECORRUPT,
				  "the journal has no journal_meta table (its identity, which client "
				  "order ids are derived from)");
	if ((rc = journal_stmt(j, SQL_META_ROWS, &st, err)))
		return rc;
	while (!(rc = sqlx_step_row(st, &row, "reading the journal identity", err)) && row &&
	       !(rc = meta_row(st, ++n, out, err)))
		;
	if (row)
		sqlite3_reset(st);
	if (!rc && n == 0)
		rc = rk_err_set(err, RK_ECORRUPT,
				"journal_meta holds no journal_id (the journal's identity, which "
				"client order ids are derived from)");
	if (rc)
		out[0] = '\0';
	return rc;
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
				return sqlx_error(j->db, err, "preparing statement");
			}
			s->sql = sql;
			*out = s->stmt;
			return RK_OK;
		}
	}
	return rk_err_set(err, RK_ENOMEM, "statement cache full");
}

enum rk_rc journal_stmt_account(struct journal *j, const char *sql, const char *venue,
				const char *account, sqlite3_stmt **out, struct rk_err *err)
{
	enum rk_rc rc = journal_stmt(j, sql, out, err);
	if (rc)
		return rc;
	sqlite3_bind_text(*out, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(*out, 2, account, -1, SQLITE_STATIC);
	return RK_OK;
}

static const char SQL_SAVEPOINT[] = "SAVEPOINT rk_line";
static const char SQL_RELEASE[] = "RELEASE rk_line";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO rk_line";

enum rk_rc journal_begin(struct journal *j, struct rk_err *err)
{
	j->tail.known = false;
	return sqlx_exec(j->db, SQL_BEGIN_WRITE, err);
}

enum rk_rc journal_commit(struct journal *j, struct rk_err *err)
{
	j->tail.known = false;
	return sqlx_exec(j->db, SQL_COMMIT, err);
}

int64_t journal_changes(struct journal *j) { return (int64_t)sqlite3_total_changes64(j->db); }

void journal_rollback(struct journal *j)
{
	j->tail.known = false;
	sqlx_rollback(j->db);
}

/* Runs one of the savepoint statements, prepared once. */
static enum rk_rc run_cached(struct journal *j, const char *sql, const char *what,
			     struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, sql, &st, err);
	return rc ? rc : sqlx_step_done(st, what, err);
}

enum rk_rc journal_savepoint(struct journal *j, struct rk_err *err)
{
	return run_cached(j, SQL_SAVEPOINT, "opening savepoint", err);
}

enum rk_rc journal_release(struct journal *j, struct rk_err *err)
{
	return run_cached(j, SQL_RELEASE, "releasing savepoint", err);
}

void journal_rollback_to_savepoint(struct journal *j)
{
	struct rk_err ignored = {0};
	j->tail.known = false;
	/* When either fails (no such savepoint), the transaction is the
	 * caller's to roll back, as before. */
	if (run_cached(j, SQL_ROLLBACK_TO, "rolling back to savepoint", &ignored) == RK_OK)
		run_cached(j, SQL_RELEASE, "releasing savepoint", &ignored);
}

static void hash_field(struct digest *d, const char *s)
{
	char len[24];
	size_t n = s ? strlen(s) : 0;
	/* NULL and "" differ: NULL is written as length -1. */
	int k = s ? snprintf(len, sizeof len, "%zu:", n) : snprintf(len, sizeof len, "-1:");
	digest_update(d, len, (size_t)k);
	digest_update(d, s, n);
	digest_update(d, "\n", 1);
}

bool journal_event_hash(int64_t seq, const char *ts, const char *recorded_at, const char *type,
			const char *source, const char *venue, const char *account,
			const char *symbol, const char *payload, const char *dedup_key,
			const char *prev_hash, char out[JOURNAL_HASH_HEX])
{
	char seqs[24];
	struct digest d;
	snprintf(seqs, sizeof seqs, "%lld", (long long)seq);
	digest_begin(&d);
	digest_update(&d, "reckon-event-v1\n", 16);
	const char *fields[] = {seqs, ts, recorded_at, type, source, venue, account, symbol, payload};
	for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
		hash_field(&d, fields[i]);
	hash_field(&d, dedup_key);
	hash_field(&d, prev_hash);
	return digest_end_hex(&d, out, JOURNAL_HASH_HEX - 1);
}

/* The database's data version: it changes with every commit, this
 * connection's or another's (SQLITE_FCNTL_DATA_VERSION). */
static unsigned data_version(sqlite3 *db)
{
	unsigned v = 0;
	if (sqlite3_file_control(db, "main", SQLITE_FCNTL_DATA_VERSION, &v) != SQLITE_OK)
		return 0;
	return v;
}

static const char SQL_TAIL[] = "SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1";

/* The chain's tail: the last seq (0 when empty) and its hash (64 zeros when
 * empty). Read once per write transaction and kept up to date by
 * journal_append while the transaction lasts. */
static enum rk_rc chain_tail(struct journal *j, int64_t *seq, char prev[JOURNAL_HASH_HEX],
			     struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	unsigned version = data_version(j->db);
	if (j->tail.known && version == j->tail.data_version &&
	    sqlite3_get_autocommit(j->db) == 0) {
		*seq = j->tail.seq;
		memcpy(prev, j->tail.hash, JOURNAL_HASH_HEX);
		return RK_OK;
	}
	enum rk_rc rc = journal_stmt(j, SQL_TAIL, &st, err);
	bool row;
	if (rc || (rc = sqlx_step_row(st, &row, "reading journal tail", err)))
		return rc;
	*seq = 0;
	memcpy(prev, ZERO_HASH, JOURNAL_HASH_HEX);
	if (row) {
		*seq = sqlite3_column_int64(st, 0);
		const char *h = (const char *)sqlite3_column_text(st, 1);
		snprintf(prev, JOURNAL_HASH_HEX, "%s", h ? h : "");
		sqlite3_reset(st);
	}
	return RK_OK;
}

static const char SQL_FIND_DEDUP[] =
	"SELECT d.seq, e.payload FROM event_dedup d JOIN events e ON e.seq = d.seq"
	" WHERE d.dedup_group = ?1 AND d.dedup_key = ?2";
static const char SQL_INSERT_DEDUP[] =
	"INSERT INTO event_dedup(dedup_group, dedup_key, seq) VALUES (?1, ?2, ?3)";
static const char SQL_INSERT_EVENT[] =
	"INSERT INTO events(seq, ts, recorded_at, type, source, venue, account, symbol, payload,"
	" dedup_key, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)";

/* Looks `ev`'s dedup key up: *found with the earlier event's seq, and
 * RK_ECONFLICT when that event's payload differs. */
static enum rk_rc find_dedup(struct journal *j, const struct journal_event *ev, bool *found,
			     int64_t *old, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, SQL_FIND_DEDUP, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, ev->dedup_group ? ev->dedup_group : "", -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, ev->dedup_key, -1, SQLITE_STATIC);
	if ((rc = sqlx_step_row(st, found, "looking up duplicate", err)) || !*found)
		return rc;
	*old = sqlite3_column_int64(st, 0);
	const char *payload = (const char *)sqlite3_column_text(st, 1);
	bool same = payload && strcmp(payload, ev->payload) == 0;
	sqlite3_reset(st);
	if (same)
		return RK_OK;
	return rk_err_set(err, RK_ECONFLICT, "already journaled as event %lld with different content",
			  (long long)*old);
}

enum rk_rc journal_append(struct journal *j, const struct journal_event *ev, bool *duplicate,
			  int64_t *seq_out, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc;
	int64_t seq = 0;
	char prev[JOURNAL_HASH_HEX], hash[JOURNAL_HASH_HEX], recorded[RTIME_STR_MAX];

	*duplicate = false;
	if (ev->dedup_key) {
		bool found = false;
		int64_t old = 0;
		if ((rc = find_dedup(j, ev, &found, &old, err)))
			return rc;
		if (found) {
			*duplicate = true;
			if (seq_out)
				*seq_out = old;
			return RK_OK;
		}
	}
	if ((rc = chain_tail(j, &seq, prev, err)))
		return rc;
	seq++;

	rtime_format(rk_clock_now(j->clock), recorded);
	if (!journal_event_hash(seq, ev->ts, recorded, ev->type, ev->source, ev->venue, ev->account,
				ev->symbol, ev->payload, ev->dedup_key, prev, hash))
		return rk_err_set(err, RK_ENOMEM, "computing event %lld's hash failed (OpenSSL)",
				  (long long)seq);
	if ((rc = journal_stmt(j, SQL_INSERT_EVENT, &st, err)))
		return rc;
	const char *vals[] = {ev->ts, recorded, ev->type, ev->source, ev->venue, ev->account,
			      ev->symbol ? ev->symbol : "", ev->payload, ev->dedup_key, prev, hash};
	sqlite3_bind_int64(st, 1, seq);
	for (int i = 0; i < 11; i++)
		sqlite3_bind_text(st, i + 2, vals[i], -1, SQLITE_STATIC);
	if ((rc = sqlx_step_done(st, "appending event", err)))
		return rc;
	if (ev->dedup_key) {
		if ((rc = journal_stmt(j, SQL_INSERT_DEDUP, &st, err)))
			return rc;
		sqlite3_bind_text(st, 1, ev->dedup_group ? ev->dedup_group : "", -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, ev->dedup_key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 3, seq);
		if ((rc = sqlx_step_done(st, "recording the dedup key", err)))
			return rc;
	}
	/* The new tail, for the next append of this transaction. */
	j->tail.known = true;
	j->tail.seq = seq;
	j->tail.data_version = data_version(j->db);
	memcpy(j->tail.hash, hash, sizeof hash);
	if (seq_out)
		*seq_out = seq;
	return RK_OK;
}
