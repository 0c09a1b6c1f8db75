/* audit.c — journal verification on one snapshot, replayed elsewhere (see audit.h). */
#include "audit.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedded.h"
#include "events.h"
#include "rk_array.h"
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

static const char SQL_EVENTS[] =
	"SELECT seq, ts, recorded_at, type, source, venue, account, symbol, payload, dedup_key,"
	" prev_hash, hash FROM main.events ORDER BY seq";

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

static enum rk_rc check_chain_and_replay(sqlite3 *db, struct journal *replay,
					 struct audit_result *res, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = RK_OK;
	char prev[JOURNAL_HASH_HEX];
	memset(prev, '0', 64);
	prev[64] = '\0';
	if (sqlite3_prepare_v2(db, SQL_EVENTS, -1, &st, NULL) != SQLITE_OK)
		return sqlx_error(db, err, "reading events");
	bool row;
	while (!(rc = sqlx_step_row(st, &row, "reading events", err)) && row) {
		int64_t seq = sqlite3_column_int64(st, 0);
		if ((rc = check_link(st, res->events + 1, prev, res, err)))
			goto out;
		res->events++;
		if ((rc = events_apply(replay, seq, col(st, 3), col(st, 8), NULL, err))) {
			rk_err_prefix(err, "replaying event %lld", (long long)seq);
			goto out;
		}
		snprintf(prev, sizeof prev, "%s", col(st, 11));
	}
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

/* Steps both ordered scans in lockstep; the first difference is the error. */
static enum rk_rc compare_rows(const char *table, const struct table_cols *c, sqlite3_stmt *fa,
			       sqlite3_stmt *rb, struct rk_err *err)
{
	char id[200], va[80], vb[80], what[100];
	snprintf(what, sizeof what, "reading table %s", table);
	for (;;) {
		bool in_a, in_b;
		enum rk_rc rc;
		if ((rc = sqlx_step_row(fa, &in_a, what, err)) ||
		    (rc = sqlx_step_row(rb, &in_b, what, err)))
			return rc;
		if (!in_a && !in_b)
			return RK_OK;
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
	}
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
 * the schema version has the table. */
static enum rk_rc check_identity(struct journal *j, const struct schema *ref, struct rk_err *err)
{
	char id[JOURNAL_ID_HEX];
	if (!schema_find(ref, "table", "journal_meta"))
		return RK_OK;
	return journal_identity(j, id, err);
}

/* ---- all of it, on one snapshot -------------------------------------------- */

enum rk_rc audit_verify(struct journal *j, struct audit_result *res, struct rk_err *err)
{
	sqlite3 *db = journal_db(j);
	struct journal *replay = NULL;
	sqlite3 *refdb = NULL;
	struct schema file = {0}, ref = {0};
	int version = 0;
	bool began = false;
	enum rk_rc rc;
	memset(res, 0, sizeof *res);
	/* A private temporary database with reckon's schema and nothing else. */
	if ((rc = events_open("", JOURNAL_CREATE, JOURNAL_ANY, &replay, err))) {
		rk_err_prefix(err, "opening the replay database");
		return rc;
	}
	if ((rc = journal_begin(replay, err)))
		goto done;
	/* One deferred read transaction: its first read fixes the snapshot. */
	if ((rc = sqlx_read_begin(db, &began, err))) {
		rk_err_prefix(err, "starting a read transaction");
		goto done;
	}
	if (!(rc = int_query(db, "PRAGMA main.user_version", &version, err)) &&
	    !(rc = check_application_id(db, err)) && !(rc = check_integrity(db, err)) &&
	    !(rc = check_chain_and_replay(db, replay, res, err)) &&
	    !(rc = schema_load(db, &file, err)) && !(rc = reference_db(version, &refdb, err)) &&
	    !(rc = schema_load(refdb, &ref, err)) && !(rc = check_schema(&file, &ref, err)) &&
	    !(rc = check_identity(j, &ref, err)))
		rc = compare_tables(db, replay, refdb, &ref, err);
	sqlx_read_end(db, began);
done:
	schema_free(&file);
	schema_free(&ref);
	sqlite3_close(refdb);
	journal_rollback(replay);
	journal_close(replay);
	return rc;
}
