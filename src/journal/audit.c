/* audit.c — journal verification on one snapshot, replayed elsewhere (see audit.h). */
#include "audit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "embedded.h"
#include "events.h"
#include "rk_array.h"
#include "rk_clock.h"
#include "rtime.h"
#include "sqldec.h"
#include "sqlx.h"

static const char *col(sqlite3_stmt *st, int i)
{
	return (const char *)sqlite3_column_text(st, i);
}

/* Reads the one row of a query that always has one. */
static enum rk_rc one_row(sqlite3_stmt *st, const char *what, struct rk_err *err)
{
	bool row;
	enum rk_rc rc = sqlx_step_row(st, &row, what, err);
	if (!rc && !row)
		rc = rk_err_set(err, RK_EDB, "%s: no row", what);
	return rc;
}

static enum rk_rc int_query(sqlite3 *db, const char *sql, int *out, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		rc = sqlx_error(db, err, sql);
	else if (!(rc = one_row(st, sql, err)))
		*out = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return rc;
}

/* ---- 1. SQLite's integrity check ------------------------------------------ */

static enum rk_rc check_integrity(sqlite3 *db, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = RK_OK;
	if (sqlite3_prepare_v2(db, "PRAGMA main.integrity_check", -1, &st, NULL) != SQLITE_OK)
		return sqlx_error(db, err, "integrity_check");
	if (!(rc = one_row(st, "integrity_check", err)) &&
	    (!col(st, 0) || strcmp(col(st, 0), "ok") != 0))
		rc = rk_err_set(err, RK_ECORRUPT, "SQLite integrity_check: %s", col(st, 0));
	sqlite3_finalize(st);
	return rc;
}

/* ---- 2. the hash chain, replaying each sound event -------------------------- */

/* The previous hash of event 1. */
static const char ZERO_HASH[] = "0000000000000000000000000000000000000000000000000000000000000000";

static const char SQL_EVENTS[] =
	"SELECT seq, ts, recorded_at, type, source, venue, account, symbol, payload, dedup_key,"
	" prev_hash, hash FROM main.events WHERE seq > ?1 ORDER BY seq";

/* Checks one event row against the chain; `prev` is the previous hash. */
static enum rk_rc check_link(sqlite3_stmt *st, int64_t expect, const char *prev,
			     struct audit_result *res, struct rk_err *err)
{
	char calc[JOURNAL_HASH_HEX];
	int64_t seq = sqlite3_column_int64(st, 0);
	const char *stored_prev = col(st, 10), *stored = col(st, 11);
	if (seq != expect) {
		res->first_bad_seq = expect;
		return rk_err_set(err, RK_ECORRUPT, "event %lld is missing (next is %lld)",
				  (long long)expect, (long long)seq);
	}
	res->first_bad_seq = seq;
	if (!stored_prev || strcmp(stored_prev, prev) != 0)
		return rk_err_set(err, RK_ECORRUPT,
				  "event %lld: prev_hash does not match event %lld's hash",
				  (long long)seq, (long long)(seq - 1));
	if (!journal_event_hash(seq, col(st, 1), col(st, 2), col(st, 3), col(st, 4), col(st, 5),
				col(st, 6), col(st, 7), col(st, 8), col(st, 9), prev, calc))
		return rk_err_set(err, RK_ENOMEM, "event %lld: computing its hash failed (OpenSSL)",
				  (long long)seq);
	if (!stored || strcmp(stored, calc) != 0)
		return rk_err_set(err, RK_ECORRUPT,
				  "event %lld: hash mismatch (the row was altered after it was written)",
				  (long long)seq);
	if (!col(st, 3) || !col(st, 8))
		return rk_err_set(err, RK_ECORRUPT, "event %lld has no type or payload",
				  (long long)seq);
	res->first_bad_seq = 0;
	return RK_OK;
}

/* Checks events after_seq+1.. against the chain from `prev` (the hash of
 * event after_seq) and replays each into `replay`; counts them in
 * res->events (which starts at after_seq) and leaves the last hash in
 * res->head_hash. */
static enum rk_rc check_chain_and_replay(sqlite3 *db, struct journal *replay, int64_t after_seq,
					 const char *prev_hash, struct audit_result *res,
					 struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = RK_OK;
	char prev[JOURNAL_HASH_HEX];
	snprintf(prev, sizeof prev, "%s", prev_hash);
	res->events = after_seq;
	if (sqlite3_prepare_v2(db, SQL_EVENTS, -1, &st, NULL) != SQLITE_OK)
		return sqlx_error(db, err, "reading events");
	sqlite3_bind_int64(st, 1, after_seq);
	bool row;
	while (!(rc = sqlx_step_row(st, &row, "reading events", err)) && row) {
		int64_t seq = sqlite3_column_int64(st, 0);
		if ((rc = check_link(st, res->events + 1, prev, res, err)))
			goto out;
		res->events++;
		if ((rc = events_apply(replay, seq, col(st, 1), col(st, 3), col(st, 8), NULL, err))) {
			rk_err_prefix(err, "replaying event %lld", (long long)seq);
			goto out;
		}
		snprintf(prev, sizeof prev, "%s", col(st, 11));
	}
	snprintf(res->head_hash, sizeof res->head_hash, "%s", res->events ? prev : "");
out:
	sqlite3_finalize(st);
	return rc;
}

/* ---- 3. the schema: exactly what the migrations created --------------------- */

struct schema_obj {
	char *type, *name, *tbl, *sql; /* sql NULL for automatic indexes */
};

struct schema {
	RK_ARRAY(struct schema_obj) obj; /* every row of sqlite_master */
};

static void schema_free(struct schema *s)
{
	for (size_t i = 0; i < s->obj.n; i++) {
		free(s->obj.v[i].type);
		free(s->obj.v[i].name);
		free(s->obj.v[i].tbl);
		free(s->obj.v[i].sql);
	}
	free(s->obj.v);
	memset(s, 0, sizeof *s);
}

static char *dup_col(sqlite3_stmt *st, int i, bool *oom)
{
	const char *s = col(st, i);
	char *d = s ? strdup(s) : NULL;
	if (s && !d)
		*oom = true;
	return d;
}

static enum rk_rc schema_load(sqlite3 *db, struct schema *out, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = RK_OK;
	bool oom = false;
	memset(out, 0, sizeof *out);
	if (sqlite3_prepare_v2(db, "SELECT type, name, tbl_name, sql FROM main.sqlite_master"
				   " ORDER BY type, name", -1, &st, NULL) != SQLITE_OK)
		return sqlx_error(db, err, "reading the schema");
	bool row;
	while (!(rc = sqlx_step_row(st, &row, "reading the schema", err)) && row) {
		struct schema_obj *o = rk_array_push(&out->obj);
		if (!o) {
			oom = true;
			break;
		}
		o->type = dup_col(st, 0, &oom);
		o->name = dup_col(st, 1, &oom);
		o->tbl = dup_col(st, 2, &oom);
		o->sql = dup_col(st, 3, &oom);
		if (!o->type || !o->name || !o->tbl)
			oom = true;
		if (oom)
			break;
	}
	if (oom)
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
	sqlite3_finalize(st);
	if (rc)
		schema_free(out);
	return rc;
}

static const struct schema_obj *schema_find(const struct schema *s, const char *type,
					    const char *name)
{
	for (size_t i = 0; i < s->obj.n; i++)
		if (strcmp(s->obj.v[i].type, type) == 0 && strcmp(s->obj.v[i].name, name) == 0)
			return &s->obj.v[i];
	return NULL;
}

static bool same_text(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

/* A private in-memory database holding what migrations 1..version create:
 * the reference for the schema and for every table's columns. *out owned by
 * the caller (sqlite3_close). */
static enum rk_rc reference_db(int version, sqlite3 **out, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	*out = NULL;
	if (version < 1 || (size_t)version > EMBEDDED_MIGRATIONS_COUNT)
		return rk_err_set(err, RK_ECORRUPT, "the journal has schema version %d, not one of"
				  " reckon's 1..%zu", version, EMBEDDED_MIGRATIONS_COUNT);
	if (sqlite3_open(":memory:", out) != SQLITE_OK)
		return rk_err_set(err, RK_ENOMEM, "cannot open an in-memory database");
	rc = sqldec_register(*out, err); /* 0009's roll-up fill calls decimal_add */
	for (int i = 0; i < version && !rc; i++)
		if ((rc = sqlx_exec(*out, EMBEDDED_MIGRATIONS[i].text, err)))
			rk_err_prefix(err, "building the reference schema (%s)",
				      EMBEDDED_MIGRATIONS[i].name);
	return rc;
}

/* SQLite's statistics tables (sqlite_stat1 and kin, made by ANALYZE): not
 * reckon's objects but SQLite's own, and they change no row any query reads. */
static bool sqlite_statistics(const struct schema_obj *o)
{
	return strcmp(o->type, "table") == 0 && strncmp(o->name, "sqlite_stat", 11) == 0;
}

/* Every object of `ref` is in the file with the same SQL, and the file has
 * no table, index, trigger or view that `ref` lacks: a foreign trigger or
 * view could rewrite rows or what a check reads, and a foreign table or
 * index is not what reckon wrote either. */
static enum rk_rc check_schema(const struct schema *file, const struct schema *ref,
			       struct rk_err *err)
{
	/* Triggers and views first: they are what could fool the check. */
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < file->obj.n; i++) {
			const struct schema_obj *o = &file->obj.v[i];
			bool executable = strcmp(o->type, "trigger") == 0 || strcmp(o->type, "view") == 0;
			bool on_table = strcmp(o->type, "trigger") == 0 || strcmp(o->type, "index") == 0;
			if (executable != (pass == 0) || schema_find(ref, o->type, o->name) ||
			    sqlite_statistics(o))
				continue;
			return rk_err_set(err, RK_ECORRUPT,
					  "foreign %s '%s'%s%s: reckon's migrations never created it%s",
					  o->type, o->name, on_table ? " on table " : "",
					  on_table ? o->tbl : "",
					  executable ? " (it could rewrite rows or what a check reads)" : "");
		}
	for (size_t i = 0; i < ref->obj.n; i++) {
		const struct schema_obj *r = &ref->obj.v[i], *o = schema_find(file, r->type, r->name);
		if (!o && strcmp(r->type, "trigger") == 0)
			return rk_err_set(err, RK_ECORRUPT,
					  "trigger %s is missing (rows of %s may have been edited)",
					  r->name, r->tbl);
		if (!o)
			return rk_err_set(err, RK_ECORRUPT, "%s %s is missing", r->type, r->name);
		if (!same_text(o->sql, r->sql) || strcmp(o->tbl, r->tbl) != 0)
			return rk_err_set(err, RK_ECORRUPT,
					  "%s %s differs from what reckon's migrations created%s", r->type,
					  r->name,
					  strcmp(r->type, "trigger") == 0
						  ? " (the append-only guard was replaced)" : "");
	}
	return RK_OK;
}

/* ---- 4. the tables against the replay ---------------------------------------- */

struct table_cols {
	sqlite3_str *list;  /* "a", "b", ... */
	sqlite3_str *order; /* primary key columns first, then the rest */
	char names[64][64];
	int n, npk, pk[64]; /* pk[k]: index of the k-th key column */
};

/* The columns of `table` as the reference (reckon's migrations) has them. */
static enum rk_rc table_columns(sqlite3 *db, const char *table, struct table_cols *c,
				struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	int rest[64], nrest = 0;
	bool row = false;
	enum rk_rc rc;
	memset(c, 0, sizeof *c);
	if (sqlite3_prepare_v2(db, "SELECT name, pk FROM pragma_table_info(?1) ORDER BY cid", -1,
			       &st, NULL) != SQLITE_OK)
		return sqlx_error(db, err, "reading table columns");
	sqlite3_bind_text(st, 1, table, -1, SQLITE_STATIC);
	int pkpos[64] = {0};
	while (!(rc = sqlx_step_row(st, &row, "reading table columns", err)) && row &&
	       c->n < 64) {
		snprintf(c->names[c->n], sizeof c->names[0], "%s", col(st, 0));
		pkpos[c->n] = sqlite3_column_int(st, 1);
		c->n++;
	}
	sqlite3_finalize(st);
	if (rc)
		return rc;
	if (row || c->n == 0) /* more than 64 columns, or none */
		return rk_err_set(err, RK_EDB, "reading the columns of %s", table);
	for (int k = 1; k <= c->n; k++)
		for (int i = 0; i < c->n; i++)
			if (pkpos[i] == k)
				c->pk[c->npk++] = i;
	for (int i = 0; i < c->n; i++)
		if (pkpos[i] == 0)
			rest[nrest++] = i;
	c->list = sqlite3_str_new(NULL);
	c->order = sqlite3_str_new(NULL);
	for (int i = 0; i < c->n; i++)
		sqlite3_str_appendf(c->list, "%s\"%w\"", i ? ", " : "", c->names[i]);
	for (int k = 0; k < c->npk + nrest; k++)
		sqlite3_str_appendf(c->order, "%s%d", k ? ", " : "",
				    1 + (k < c->npk ? c->pk[k] : rest[k - c->npk]));
	if (sqlite3_str_errcode(c->list) || sqlite3_str_errcode(c->order))
		return rk_err_set(err, RK_ENOMEM, "out of memory");
	return RK_OK;
}

static void table_cols_free(struct table_cols *c)
{
	sqlite3_free(sqlite3_str_finish(c->list));
	sqlite3_free(sqlite3_str_finish(c->order));
}

static bool same_value(sqlite3_stmt *a, sqlite3_stmt *b, int i)
{
	int t = sqlite3_column_type(a, i);
	if (t != sqlite3_column_type(b, i))
		return false;
	if (t == SQLITE_NULL)
		return true;
	if (t == SQLITE_INTEGER)
		return sqlite3_column_int64(a, i) == sqlite3_column_int64(b, i);
	const void *pa = sqlite3_column_blob(a, i), *pb = sqlite3_column_blob(b, i);
	int na = sqlite3_column_bytes(a, i), nb = sqlite3_column_bytes(b, i);
	return na == nb && (na == 0 || memcmp(pa, pb, (size_t)na) == 0);
}

/* "'text'" or NULL or a number, shortened, into buf. */
static const char *show(sqlite3_stmt *st, int i, char *buf, size_t cap)
{
	const char *t = col(st, i);
	if (!t)
		snprintf(buf, cap, "NULL");
	else if (sqlite3_column_type(st, i) == SQLITE_TEXT)
		snprintf(buf, cap, "'%.60s%s'", t, strlen(t) > 60 ? "..." : "");
	else
		snprintf(buf, cap, "%.60s", t);
	return buf;
}

/* The row's key (or first columns) as "name=value, ...", into buf. */
static const char *row_id(const struct table_cols *c, sqlite3_stmt *st, char *buf, size_t cap)
{
	size_t k = 0;
	int n = c->npk ? c->npk : (c->n < 3 ? c->n : 3);
	buf[0] = '\0';
	for (int i = 0; i < n && k < cap; i++) {
		char v[80];
		int ci = c->npk ? c->pk[i] : i;
		k += (size_t)snprintf(buf + k, cap - k, "%s%s=%s", i ? ", " : "", c->names[ci],
				      show(st, ci, v, sizeof v));
	}
	return buf;
}

/* Compares the journal's row (fa, when in_a) with the replay's row with the
 * same key (rb, when in_b): the difference is the error. */
static enum rk_rc compare_pair(const char *table, const struct table_cols *c, sqlite3_stmt *fa,
			       bool in_a, sqlite3_stmt *rb, bool in_b, struct rk_err *err)
{
	char id[200], va[80], vb[80];
	if (!in_b)
		return rk_err_set(err, RK_ECORRUPT, "table %s has a row that a replay of the"
				  " events does not produce (%s)", table, row_id(c, fa, id, sizeof id));
	if (!in_a)
		return rk_err_set(err, RK_ECORRUPT, "table %s lacks a row that a replay of the"
				  " events produces (%s)", table, row_id(c, rb, id, sizeof id));
	for (int i = 0; i < c->n; i++)
		if (!same_value(fa, rb, i))
			return rk_err_set(err, RK_ECORRUPT,
					  "table %s differs from a replay of the events: %s is %s"
					  " in the journal, %s in the replay (row %s)",
					  table, c->names[i], show(fa, i, va, sizeof va),
					  show(rb, i, vb, sizeof vb), row_id(c, rb, id, sizeof id));
	return RK_OK;
}

/* SQLite's order of two values (BINARY collation): NULL, numbers, text,
 * blobs. */
static int value_cmp(sqlite3_stmt *a, sqlite3_stmt *b, int i)
{
	static const int rank[] = {[SQLITE_NULL] = 0, [SQLITE_INTEGER] = 1, [SQLITE_FLOAT] = 1,
				   [SQLITE_TEXT] = 2, [SQLITE_BLOB] = 3};
	int ta = sqlite3_column_type(a, i), tb = sqlite3_column_type(b, i);
	if (rank[ta] != rank[tb])
		return rank[ta] < rank[tb] ? -1 : 1;
	if (ta == SQLITE_NULL)
		return 0;
	if (rank[ta] == 1) {
		if (ta == SQLITE_INTEGER && tb == SQLITE_INTEGER) {
			int64_t p = sqlite3_column_int64(a, i), q = sqlite3_column_int64(b, i);
			return p < q ? -1 : p > q;
		}
		/* Only orders keys for the merge: reckon's keys are integers or
		 * text, and equality of values is same_value's (type and bytes). */
		double x = sqlite3_column_double(a, i), y = sqlite3_column_double(b, i);
		return x < y ? -1 : x > y;
	}
	const void *pa = sqlite3_column_blob(a, i), *pb = sqlite3_column_blob(b, i);
	int na = sqlite3_column_bytes(a, i), nb = sqlite3_column_bytes(b, i);
	int k = memcmp(pa ? pa : "", pb ? pb : "", (size_t)(na < nb ? na : nb));
	return k ? k : (na < nb ? -1 : na > nb);
}

/* The order of two rows' primary keys (0 for a table without one: the rows
 * are then paired in the order the scans give them). */
static int key_cmp(const struct table_cols *c, sqlite3_stmt *a, sqlite3_stmt *b)
{
	for (int k = 0; k < c->npk; k++) {
		int d = value_cmp(a, b, c->pk[k]);
		if (d)
			return d;
	}
	return 0;
}

/* An ordered merge of the two scans, both in primary-key order: a key on
 * one side only is a row too many or too few, the same key must hold the
 * same row. The first difference is the error. */
static enum rk_rc compare_rows(const char *table, const struct table_cols *c, sqlite3_stmt *fa,
			       sqlite3_stmt *rb, struct rk_err *err)
{
	char what[100];
	bool in_a, in_b;
	enum rk_rc rc;
	snprintf(what, sizeof what, "reading table %s", table);
	if ((rc = sqlx_step_row(fa, &in_a, what, err)) ||
	    (rc = sqlx_step_row(rb, &in_b, what, err)))
		return rc;
	while (in_a || in_b) {
		int d = !in_a ? 1 : !in_b ? -1 : key_cmp(c, fa, rb);
		if ((rc = compare_pair(table, c, fa, d <= 0, rb, d >= 0, err)))
			return rc;
		if ((rc = sqlx_step_row(fa, &in_a, what, err)) ||
		    (rc = sqlx_step_row(rb, &in_b, what, err)))
			return rc;
	}
	return RK_OK;
}

static enum rk_rc compare_table(sqlite3 *file, sqlite3 *replay, sqlite3 *ref, const char *table,
				struct rk_err *err)
{
	struct table_cols c;
	sqlite3_stmt *fa = NULL, *rb = NULL;
	char *sql = NULL;
	enum rk_rc rc = table_columns(ref, table, &c, err);
	if (!rc && !(sql = sqlite3_mprintf("SELECT %s FROM main.\"%w\" ORDER BY %s",
					   sqlite3_str_value(c.list), table,
					   sqlite3_str_value(c.order))))
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
	if (!rc && sqlite3_prepare_v2(file, sql, -1, &fa, NULL) != SQLITE_OK)
		rc = sqlx_error(file, err, "reading the journal's tables");
	if (!rc && sqlite3_prepare_v2(replay, sql, -1, &rb, NULL) != SQLITE_OK)
		rc = sqlx_error(replay, err, "reading the replayed tables");
	if (!rc)
		rc = compare_rows(table, &c, fa, rb, err);
	sqlite3_finalize(fa);
	sqlite3_finalize(rb);
	sqlite3_free(sql);
	table_cols_free(&c);
	return rc;
}

/* Every projection of the events (EVENTS_TABLES): tables that are not
 * projections, such as the journal's own identity, are not replayed. */
static enum rk_rc compare_tables(sqlite3 *file, struct journal *replay, sqlite3 *refdb,
				 const struct schema *ref, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	for (size_t i = 0; EVENTS_TABLES[i] && !rc; i++)
		if (schema_find(ref, "table", EVENTS_TABLES[i])) /* older journals lack newer tables */
			rc = compare_table(file, journal_db(replay), refdb, EVENTS_TABLES[i], err);
	return rc;
}

/* ---- 4b. the dedup records (event_dedup) ----------------------------------- */

/* Ingest drops a line as a duplicate when event_dedup holds its key, so a
 * missing or altered record would let a duplicate through, and a forged one
 * must point at an event with that very key. The group is derived as
 * migration 0008 derives it. */
static const char SQL_DEDUP_MISSING[] =
	"SELECT e.seq FROM events e WHERE e.seq > ?1 AND e.dedup_key IS NOT NULL"
	" AND NOT EXISTS (SELECT 1 FROM event_dedup d"
	"  WHERE d.dedup_group = CASE WHEN e.type = 'order'"
	"   THEN 'order:' || e.venue || ':' || json_extract(e.payload, '$.order_id') ELSE '' END"
	"  AND d.dedup_key = e.dedup_key AND d.seq = e.seq)"
	" ORDER BY e.seq LIMIT 1";
static const char SQL_DEDUP_COUNTS[] =
	"SELECT (SELECT count(*) FROM event_dedup),"
	" (SELECT count(*) FROM events WHERE dedup_key IS NOT NULL)";

/* Every event after after_seq that has a dedup key has its record; with
 * `all`, event_dedup holds nothing else (a record per keyed event, each
 * distinct by its key, so equal counts leave no stray record). */
static enum rk_rc check_dedup_db(sqlite3 *db, int64_t after_seq, bool all,
				 struct audit_result *res, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = RK_OK;
	bool row;
	if (sqlite3_prepare_v2(db, SQL_DEDUP_MISSING, -1, &st, NULL) != SQLITE_OK)
		return sqlx_error(db, err, "reading the dedup records");
	sqlite3_bind_int64(st, 1, after_seq);
	if (!(rc = sqlx_step_row(st, &row, "reading the dedup records", err)) && row) {
		res->first_bad_seq = sqlite3_column_int64(st, 0);
		rc = rk_err_set(err, RK_ECORRUPT,
				"event %lld has no dedup record in event_dedup (or an altered one):"
				" the same input again would not be recognised as a duplicate",
				(long long)res->first_bad_seq);
	}
	sqlite3_finalize(st);
	if (rc || !all)
		return rc;
	if (sqlite3_prepare_v2(db, SQL_DEDUP_COUNTS, -1, &st, NULL) != SQLITE_OK)
		return sqlx_error(db, err, "counting the dedup records");
	if (!(rc = one_row(st, "counting the dedup records", err)) &&
	    sqlite3_column_int64(st, 0) != sqlite3_column_int64(st, 1))
		rc = rk_err_set(err, RK_ECORRUPT,
				"event_dedup holds %lld records for %lld events with a dedup key:"
				" a record names no event",
				(long long)sqlite3_column_int64(st, 0),
				(long long)sqlite3_column_int64(st, 1));
	sqlite3_finalize(st);
	return rc;
}

/* ---- 5. the journal's own identity ------------------------------------------ */

/* The file is reckon's by its application_id: a journal has no other (the
 * first writing open of an older one stamps it). */
static enum rk_rc check_application_id(sqlite3 *db, struct rk_err *err)
{
	int id = 0;
	enum rk_rc rc = int_query(db, "PRAGMA main.application_id", &id, err);
	if (rc || id == JOURNAL_APP_ID || id == JOURNAL_APP_ID_SIM)
		return rc;
	return rk_err_set(err, RK_ECORRUPT,
			  "PRAGMA application_id is 0x%08x, not reckon's (0x%08x, or 0x%08x for a "
			  "simulation journal)",
			  (unsigned)id, (unsigned)JOURNAL_APP_ID, (unsigned)JOURNAL_APP_ID_SIM);
}

/* journal_meta holds exactly the journal_id, well formed (journal.h), where
 * the schema version has the table; its value into id ("" without one). */
static enum rk_rc check_identity(struct journal *j, const struct schema *ref,
				 char id[JOURNAL_ID_HEX], struct rk_err *err)
{
	id[0] = '\0';
	if (!schema_find(ref, "table", "journal_meta"))
		return RK_OK;
	return journal_identity(j, id, err);
}

/* ---- 6. checkpoints and the replica ------------------------------------------ */

/* The latest audit_checkpoint, through the events_venue_symbol index. */
static const char SQL_CHECKPOINT[] =
	"SELECT seq, json_extract(payload, '$.seq'), json_extract(payload, '$.hash')"
	" FROM main.events WHERE venue = 'reckon' AND account = 'audit' AND symbol = ''"
	" AND type = 'audit_checkpoint' ORDER BY seq DESC LIMIT 1";
static const char SQL_HASH_OF[] = "SELECT hash FROM main.events WHERE seq = ?1";

struct checkpoint {
	int64_t event;                /* seq of the audit_checkpoint event; 0: none */
	int64_t seq;                  /* events 1..seq were verified */
	char hash[JOURNAL_HASH_HEX];  /* event seq's hash then */
};

static bool is_hash(const char *h)
{
	size_t n = 0;
	for (; h && h[n]; n++)
		if (!((h[n] >= '0' && h[n] <= '9') || (h[n] >= 'a' && h[n] <= 'f')))
			return false;
	return n == JOURNAL_HASH_HEX - 1;
}

static enum rk_rc latest_checkpoint(sqlite3 *db, struct checkpoint *cp, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	bool row;
	enum rk_rc rc;
	memset(cp, 0, sizeof *cp);
	if (sqlite3_prepare_v2(db, SQL_CHECKPOINT, -1, &st, NULL) != SQLITE_OK)
		return sqlx_error(db, err, "reading the latest audit checkpoint");
	if (!(rc = sqlx_step_row(st, &row, "reading the latest audit checkpoint", err)) && row) {
		cp->event = sqlite3_column_int64(st, 0);
		cp->seq = sqlite3_column_int64(st, 1);
		if (sqlite3_column_type(st, 1) != SQLITE_INTEGER || cp->seq < 1 ||
		    cp->seq >= cp->event || !is_hash(col(st, 2)))
			rc = rk_err_set(err, RK_ECORRUPT, "event %lld: a malformed audit checkpoint",
					(long long)cp->event);
		else
			snprintf(cp->hash, sizeof cp->hash, "%s", col(st, 2));
	}
	sqlite3_finalize(st);
	return rc;
}

/* The replica's own record of what it holds: one row. */
static const char SQL_STATE_TABLE[] =
	"CREATE TABLE IF NOT EXISTS main.audit_state(journal_id TEXT NOT NULL,"
	" seq INTEGER NOT NULL, hash TEXT NOT NULL, version INTEGER NOT NULL);";
static const char SQL_STATE_READ[] =
	"SELECT journal_id, seq, hash, version FROM main.audit_state";

static enum rk_rc replica_state_write(struct journal *r, const char *jid,
				      const struct audit_result *res, struct rk_err *err)
{
	sqlite3 *db = journal_db(r);
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = sqlx_exec(db, SQL_STATE_TABLE, err);
	if (!rc)
		rc = sqlx_exec(db, "DELETE FROM main.audit_state;", err);
	if (!rc && sqlite3_prepare_v2(db, "INSERT INTO main.audit_state VALUES (?1, ?2, ?3, ?4)",
				      -1, &st, NULL) != SQLITE_OK)
		rc = sqlx_error(db, err, "recording the replica's state");
	if (!rc) {
		sqlite3_bind_text(st, 1, jid, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, res->events);
		sqlite3_bind_text(st, 3, res->head_hash, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 4, journal_schema_version());
		rc = sqlx_step_done(st, "recording the replica's state", err);
	}
	sqlite3_finalize(st);
	return rc;
}

/* Opens the replica at `path` when it holds exactly the checkpoint's state
 * of this journal; otherwise *out stays NULL and `why` says why (that is a
 * fallback to the full verify, not an error). */
static void replica_open(const char *path, const char *jid, const struct checkpoint *cp,
			 struct journal **out, char *why, size_t cap)
{
	struct journal *r = NULL;
	struct rk_err e = {0};
	sqlite3_stmt *st = NULL;
	bool row = false;
	*out = NULL;
	if (access(path, F_OK) != 0) {
		snprintf(why, cap, "no replica %s (made by 'reckon audit verify --checkpoint')", path);
		return;
	}
	if (events_open(path, JOURNAL_WRITE, JOURNAL_ANY, &r, &e)) {
		snprintf(why, cap, "the replica cannot be opened: %s", e.msg);
		return;
	}
	if (journal_opened_version(r) != journal_schema_version()) {
		snprintf(why, cap, "the replica %s was made by an older reckon", path);
		goto bad;
	}
	if (sqlite3_prepare_v2(journal_db(r), SQL_STATE_READ, -1, &st, NULL) != SQLITE_OK ||
	    sqlx_step_row(st, &row, "reading the replica's state", &e) || !row) {
		snprintf(why, cap, "the replica %s records no state", path);
		goto bad;
	}
	if (!col(st, 0) || strcmp(col(st, 0), jid) != 0) {
		snprintf(why, cap, "the replica %s is another journal's", path);
		goto bad;
	}
	if (sqlite3_column_int64(st, 1) != cp->seq || !col(st, 2) ||
	    strcmp(col(st, 2), cp->hash) != 0 ||
	    sqlite3_column_int(st, 3) != journal_schema_version()) {
		snprintf(why, cap, "the replica %s holds events 1..%lld, not the latest checkpoint's"
			 " 1..%lld (event %lld)", path, (long long)sqlite3_column_int64(st, 1),
			 (long long)cp->seq, (long long)cp->event);
		goto bad;
	}
	sqlite3_finalize(st);
	*out = r;
	return;
bad:
	sqlite3_finalize(st);
	journal_close(r);
}

/* Removes a database file and its -wal and -shm. */
static void remove_db(const char *path)
{
	char side[4200];
	unlink(path);
	snprintf(side, sizeof side, "%s-wal", path);
	unlink(side);
	snprintf(side, sizeof side, "%s-shm", path);
	unlink(side);
}

/* ---- 7. the rows the new events wrote --------------------------------------- */

/* Up to four key columns: every projection table has a primary key of at
 * most four (the roll-ups: day, venue, account, currency or symbol). */
#define TOUCH_KEYS 4

/* Temporary triggers on the replica record the key of every row the replay
 * inserts, updates or deletes, in temp.rk_touched. */
static enum rk_rc track_writes(sqlite3 *replica, sqlite3 *refdb, const struct schema *ref,
			       struct rk_err *err)
{
	/* On disk beyond SQLite's cache, like the replay: memory stays bounded
	 * however much the new events rewrite (an out-of-order fill re-plays a
	 * symbol's later lots). */
	enum rk_rc rc = sqlx_exec(replica, "PRAGMA temp_store=FILE;"
				  " CREATE TEMP TABLE rk_touched(tbl TEXT NOT NULL,"
				  " k1, k2, k3, k4); CREATE INDEX temp.rk_touched_key ON"
				  " rk_touched(tbl, k1, k2, k3, k4);", err);
	for (size_t i = 0; EVENTS_TABLES[i] && !rc; i++) {
		const char *t = EVENTS_TABLES[i];
		struct table_cols c;
		if (!schema_find(ref, "table", t))
			continue;
		if ((rc = table_columns(refdb, t, &c, err)))
			break;
		if (c.npk < 1 || c.npk > TOUCH_KEYS)
			rc = rk_err_set(err, RK_EDB, "table %s has %d key columns", t, c.npk);
		static const char *const EVENT[] = {"INSERT", "UPDATE", "DELETE"};
		for (int e = 0; e < 3 && !rc; e++) {
			sqlite3_str *q = sqlite3_str_new(NULL);
			sqlite3_str_appendf(q, "CREATE TEMP TRIGGER \"rk_touch_%w_%d\" AFTER %s ON"
					    " main.\"%w\" BEGIN", t, e, EVENT[e], t);
			for (int side = 0; side < 2; side++) {
				const char *row = side ? "OLD" : "NEW";
				if ((side == 1 && e == 0) || (side == 0 && e == 2))
					continue;
				/* Every write, duplicates included (read back DISTINCT): a
				 * NOT EXISTS here could not use the index (a TEXT comparison
				 * against untyped columns), and OR IGNORE would be
				 * overridden by the projection's own conflict clause. */
				sqlite3_str_appendf(q, " INSERT INTO rk_touched VALUES (%Q", t);
				for (int k = 0; k < TOUCH_KEYS; k++)
					if (k < c.npk)
						sqlite3_str_appendf(q, ", %s.\"%w\"", row,
								    c.names[c.pk[k]]);
					else
						sqlite3_str_appendf(q, ", 0");
				sqlite3_str_appendf(q, ");");
			}
			sqlite3_str_appendf(q, " END;");
			char *sql = sqlite3_str_finish(q);
			rc = sql ? sqlx_exec(replica, sql, err) : rk_err_set(err, RK_ENOMEM, "out of memory");
			sqlite3_free(sql);
		}
		table_cols_free(&c);
	}
	return rc;
}

/* For each key the replay wrote in `table`: the journal's row equals the
 * replica's (both present with the same columns, or both absent). */
static enum rk_rc compare_touched_table(sqlite3 *file, sqlite3 *replica, sqlite3 *refdb,
					const char *table, int64_t *checked, struct rk_err *err)
{
	struct table_cols c;
	sqlite3_stmt *keys = NULL, *fa = NULL, *rb = NULL;
	sqlite3_str *q = NULL;
	char *sql = NULL, what[100];
	enum rk_rc rc = table_columns(refdb, table, &c, err);
	if (rc)
		return rc;
	snprintf(what, sizeof what, "reading table %s", table);
	q = sqlite3_str_new(NULL);
	sqlite3_str_appendf(q, "SELECT %s FROM main.\"%w\" WHERE", sqlite3_str_value(c.list), table);
	for (int k = 0; k < c.npk; k++)
		sqlite3_str_appendf(q, "%s \"%w\" = ?%d", k ? " AND" : "", c.names[c.pk[k]], k + 1);
	if (!(sql = sqlite3_str_finish(q)))
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
	if (!rc && sqlite3_prepare_v2(file, sql, -1, &fa, NULL) != SQLITE_OK)
		rc = sqlx_error(file, err, "reading the journal's tables");
	if (!rc && sqlite3_prepare_v2(replica, sql, -1, &rb, NULL) != SQLITE_OK)
		rc = sqlx_error(replica, err, "reading the replica's tables");
	if (!rc && sqlite3_prepare_v2(replica, "SELECT DISTINCT k1, k2, k3, k4 FROM"
				      " temp.rk_touched WHERE tbl = ?1 ORDER BY k1, k2, k3, k4", -1, &keys, NULL) !=
			   SQLITE_OK)
		rc = sqlx_error(replica, err, "reading the rows the replay wrote");
	if (!rc)
		sqlite3_bind_text(keys, 1, table, -1, SQLITE_STATIC);
	bool row;
	while (!rc && !(rc = sqlx_step_row(keys, &row, "reading the rows the replay wrote", err)) &&
	       row) {
		bool in_a, in_b;
		sqlite3_reset(fa);
		sqlite3_reset(rb);
		for (int k = 0; k < c.npk; k++) {
			sqlite3_bind_value(fa, k + 1, sqlite3_column_value(keys, k));
			sqlite3_bind_value(rb, k + 1, sqlite3_column_value(keys, k));
		}
		if ((rc = sqlx_step_row(fa, &in_a, what, err)) ||
		    (rc = sqlx_step_row(rb, &in_b, what, err)))
			break;
		if (in_a || in_b)
			rc = compare_pair(table, &c, fa, in_a, rb, in_b, err);
		(*checked)++;
	}
	sqlite3_finalize(keys);
	sqlite3_finalize(fa);
	sqlite3_finalize(rb);
	sqlite3_free(sql);
	table_cols_free(&c);
	return rc;
}

static enum rk_rc compare_touched(sqlite3 *file, struct journal *replica, sqlite3 *refdb,
				  const struct schema *ref, int64_t *checked, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	for (size_t i = 0; EVENTS_TABLES[i] && !rc; i++)
		if (schema_find(ref, "table", EVENTS_TABLES[i]))
			rc = compare_touched_table(file, journal_db(replica), refdb, EVENTS_TABLES[i],
						   checked, err);
	return rc;
}

/* ---- all of it, on one snapshot -------------------------------------------- */

struct run {
	struct journal *j;      /* the journal (read) */
	sqlite3 *db;            /* its connection */
	const struct audit_opts *o;
	struct audit_result *res;
	struct journal *replay; /* the replay: a replica or a private temporary file */
	sqlite3 *refdb;         /* reckon's schema at the journal's version */
	struct schema file, ref;
	char jid[JOURNAL_ID_HEX];
	char tmp[4200];         /* full run that keeps its replay: where it is built */
};

/* Event `cp->seq` still has the hash the checkpoint recorded. */
static enum rk_rc check_anchor(struct run *r, const struct checkpoint *cp, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	bool row;
	enum rk_rc rc;
	if (sqlite3_prepare_v2(r->db, SQL_HASH_OF, -1, &st, NULL) != SQLITE_OK)
		return sqlx_error(r->db, err, "reading events");
	sqlite3_bind_int64(st, 1, cp->seq);
	if (!(rc = sqlx_step_row(st, &row, "reading events", err))) {
		r->res->first_bad_seq = cp->seq;
		if (!row)
			rc = rk_err_set(err, RK_ECORRUPT, "event %lld is missing (audit checkpoint"
					" event %lld verified it)", (long long)cp->seq,
					(long long)cp->event);
		else if (!col(st, 0) || strcmp(col(st, 0), cp->hash) != 0)
			rc = rk_err_set(err, RK_ECORRUPT, "event %lld: hash differs from the one audit"
					" checkpoint event %lld recorded (the verified events were"
					" rewritten)", (long long)cp->seq, (long long)cp->event);
		else
			r->res->first_bad_seq = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

/* The dedup records, at schema versions that have them (0008 on). */
static enum rk_rc check_dedup(struct run *r, int64_t after_seq, bool all, struct rk_err *err)
{
	if (!schema_find(&r->ref, "table", "event_dedup"))
		return RK_OK;
	return check_dedup_db(r->db, after_seq, all, r->res, err);
}

/* The checks every run makes first, in the order the full verify always
 * made them: the chain (and replay), then the schema and identity. */
static enum rk_rc check_schema_and_identity(struct run *r, struct rk_err *err)
{
	enum rk_rc rc;
	if ((rc = schema_load(r->db, &r->file, err)) || (rc = check_schema(&r->file, &r->ref, err)))
		return rc;
	return check_identity(r->j, &r->ref, r->jid, err);
}

static enum rk_rc run_full(struct run *r, struct rk_err *err)
{
	enum rk_rc rc;
	if ((rc = check_integrity(r->db, err)) ||
	    (rc = check_chain_and_replay(r->db, r->replay, 0, ZERO_HASH, r->res, err)) ||
	    (rc = check_schema_and_identity(r, err)) ||
	    (rc = check_dedup(r, 0, true, err)))
		return rc;
	return compare_tables(r->db, r->replay, r->refdb, &r->ref, err);
}

static enum rk_rc run_incremental(struct run *r, const struct checkpoint *cp, struct rk_err *err)
{
	enum rk_rc rc;
	r->res->incremental = true;
	r->res->from_seq = cp->seq;
	r->res->checkpoint_seq = cp->event;
	if ((rc = check_anchor(r, cp, err)) ||
	    (rc = check_chain_and_replay(r->db, r->replay, cp->seq, cp->hash, r->res, err)) ||
	    (rc = check_schema_and_identity(r, err)) ||
	    (rc = check_dedup(r, cp->seq, false, err)))
		return rc;
	return compare_touched(r->db, r->replay, r->refdb, &r->ref, &r->res->rows_checked, err);
}

/* Opens the replay: the replica when an incremental run can use it (*cp
 * then set), else a fresh database for a full run. */
static enum rk_rc open_replay(struct run *r, struct checkpoint *cp, struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	const char *path = "";
	memset(cp, 0, sizeof *cp);
	if (r->o->replica && r->o->mode == AUDIT_AUTO) {
		char id[JOURNAL_ID_HEX];
		if ((rc = latest_checkpoint(r->db, cp, err)))
			return rc;
		/* The identity the replica must be bound to. */
		if (cp->event && !(rc = check_identity(r->j, &r->ref, id, err)))
			replica_open(r->o->replica, id, cp, &r->replay, r->res->fallback,
				     sizeof r->res->fallback);
		if (rc)
			return rc;
		if (r->replay) {
			/* The replay on top of it: temporary triggers note every row it
			 * writes; committed only when kept. */
			struct rk_err busy = {0};
			if ((rc = track_writes(journal_db(r->replay), r->refdb, &r->ref, err)) ||
			    (rc = sqlx_exec(journal_db(r->replay), "PRAGMA synchronous=NORMAL;", err)))
				return rc;
			if (!journal_begin(r->replay, &busy))
				return RK_OK;
			/* Another verify is replaying onto it: not this one. */
			snprintf(r->res->fallback, sizeof r->res->fallback,
				 "the replica %s is in use: %s", r->o->replica, busy.msg);
			journal_close(r->replay);
			r->replay = NULL;
		}
		cp->event = 0;
	}
	if (r->o->replica && r->o->keep) {
		snprintf(r->tmp, sizeof r->tmp, "%s.new.%ld", r->o->replica, (long)getpid());
		remove_db(r->tmp);
		path = r->tmp;
	}
	if ((rc = events_open(path, JOURNAL_CREATE, JOURNAL_ANY, &r->replay, err))) {
		rk_err_prefix(err, "opening the replay database");
		return rc;
	}
	/* The replay is disposable until it is complete: no fsync. */
	if ((rc = sqlx_exec(journal_db(r->replay), "PRAGMA synchronous=OFF;", err)))
		return rc;
	return journal_begin(r->replay, err);
}

/* A verified replay becomes the replica: its state recorded and committed,
 * and, for a full run, the file moved into place. */
static enum rk_rc keep_replay(struct run *r, struct rk_err *err)
{
	enum rk_rc rc;
	if ((rc = replica_state_write(r->replay, r->jid, r->res, err)) ||
	    (rc = journal_commit(r->replay, err)))
		return rc;
	if (r->tmp[0]) {
		if ((rc = sqlx_exec(journal_db(r->replay), "PRAGMA synchronous=NORMAL;", err)))
			return rc;
		journal_close(r->replay);
		r->replay = NULL;
		remove_db(r->o->replica);
		if (rename(r->tmp, r->o->replica) != 0)
			return rk_err_set(err, RK_EIO, "cannot move the replica into %s",
					  r->o->replica);
		r->tmp[0] = '\0';
	}
	r->res->kept = true;
	return RK_OK;
}

enum rk_rc audit_verify_opts(struct journal *j, const struct audit_opts *o,
			     struct audit_result *res, struct rk_err *err)
{
	struct run r = {.j = j, .db = journal_db(j), .o = o, .res = res};
	struct checkpoint cp;
	int version = 0;
	bool began = false;
	enum rk_rc rc;
	memset(res, 0, sizeof *res);
	/* One deferred read transaction: its first read fixes the snapshot. */
	if ((rc = sqlx_read_begin(r.db, &began, err))) {
		rk_err_prefix(err, "starting a read transaction");
		return rc;
	}
	if (!(rc = int_query(r.db, "PRAGMA main.user_version", &version, err)) &&
	    !(rc = check_application_id(r.db, err)) &&
	    !(rc = reference_db(version, &r.refdb, err)) &&
	    !(rc = schema_load(r.refdb, &r.ref, err)) && !(rc = open_replay(&r, &cp, err)))
		rc = cp.event ? run_incremental(&r, &cp, err) : run_full(&r, err);
	if (!rc && o->keep && o->replica)
		rc = keep_replay(&r, err);
	sqlx_read_end(r.db, began);
	schema_free(&r.file);
	schema_free(&r.ref);
	sqlite3_close(r.refdb);
	if (r.replay)
		journal_rollback(r.replay);
	journal_close(r.replay);
	if (r.tmp[0])
		remove_db(r.tmp);
	return rc;
}

enum rk_rc audit_verify(struct journal *j, struct audit_result *res, struct rk_err *err)
{
	const struct audit_opts full = {.mode = AUDIT_FULL};
	return audit_verify_opts(j, &full, res, err);
}

enum rk_rc audit_record_checkpoint(struct journal *w, const struct audit_result *res,
				   struct rk_clock clock, int64_t *seq, struct rk_err *err)
{
	char ts[RTIME_STR_MAX], payload[256];
	enum events_result out;
	int64_t at = 0;
	if (res->events < 1 || !is_hash(res->head_hash))
		return rk_err_set(err, RK_EINVAL, "no verified event to record a checkpoint of");
	rtime_format(rk_clock_now(clock), ts);
	snprintf(payload, sizeof payload, "{\"from\":%lld,\"hash\":\"%s\",\"mode\":\"%s\",\"seq\":%lld}",
		 (long long)(res->incremental ? res->from_seq : 0), res->head_hash,
		 res->incremental ? "incremental" : "full", (long long)res->events);
	struct journal_event ev = {"audit_checkpoint", "audit", ts, "reckon", "audit", "",
				   payload, NULL, NULL};
	enum rk_rc rc = journal_begin(w, err);
	if (!rc && !(rc = events_append(w, &ev, &out, &at, err)))
		rc = journal_commit(w, err);
	if (rc)
		journal_rollback(w);
	else if (seq)
		*seq = at;
	return rc;
}

enum rk_rc events_verify(struct journal *j, struct rk_err *err)
{
	const struct audit_opts o = {.mode = AUDIT_FULL};
	struct audit_result res;
	struct run r = {.j = j, .db = journal_db(j), .o = &o, .res = &res};
	struct checkpoint cp;
	int version = 0;
	bool began = false;
	enum rk_rc rc;
	memset(&res, 0, sizeof res);
	if ((rc = sqlx_read_begin(r.db, &began, err)))
		return rc;
	if (!(rc = int_query(r.db, "PRAGMA main.user_version", &version, err)) &&
	    !(rc = reference_db(version, &r.refdb, err)) &&
	    !(rc = schema_load(r.refdb, &r.ref, err)) && !(rc = open_replay(&r, &cp, err)) &&
	    !(rc = check_chain_and_replay(r.db, r.replay, 0, ZERO_HASH, &res, err)))
		rc = compare_tables(r.db, r.replay, r.refdb, &r.ref, err);
	sqlx_read_end(r.db, began);
	schema_free(&r.ref);
	sqlite3_close(r.refdb);
	if (r.replay)
		journal_rollback(r.replay);
	journal_close(r.replay);
	return rc;
}
