/* state_history.c — the row versions of audit state's tables (see
 * state_history.h and migrations/0016_state_history.sql). */
#include "state_history.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "sqlx.h"

/* One table with a history: its key (the primary key, up to three columns)
 * and every column, as in schema/schema.sql; `keep`, when not NULL, the
 * condition on NEW under which a version is kept. */
static const struct hist {
	const char *table, *history;
	const char *keys[3];
	const char *cols;
	const char *keep;
} HIST[] = {
	{"orders", "orders_history", {"venue", "order_id"},
	 "venue, account, symbol, order_id, client_order_id, side, order_type, purpose,"
	 " reduce_only, qty, price, stop_price, filled_qty, status, from_fill, first_seen,"
	 " last_seen, first_seq, last_seq, fills_qty",
	 "NEW.status IN ('open', 'partially_filled')"},
	{"positions", "positions_history", {"venue", "account", "symbol"},
	 "venue, account, symbol, qty, avg_entry, updated_at, last_seq", NULL},
	{"exchange_positions", "exchange_positions_history", {"venue", "account", "symbol"},
	 "venue, account, symbol, qty, orderable_qty, entry_price, run_id, as_of", NULL},
	{"recon_runs", "recon_runs_history", {"id"},
	 "id, venue, account, started_at, finished_at, complete, reason, dry_run, fills_cursor",
	 NULL},
	{"findings", "findings_history", {"id"},
	 "id, run_id, kind, venue, account, symbol, order_id, finding_key, detail, created_at,"
	 " resolved_at, resolved_by, resolution",
	 NULL},
	{"actions", "actions_history", {"id"},
	 "id, run_id, finding_id, kind, venue, account, symbol, order_id, client_order_id,"
	 " status, request, response, error, note, finding_key, depends_on, created_at,"
	 " updated_at",
	 NULL},
};
#define NHIST (sizeof HIST / sizeof HIST[0])

const char *const STATE_HISTORY_TABLES[] = {"orders", "positions", "exchange_positions",
					    "recon_runs", "findings", "actions", NULL};
const char *const STATE_HISTORY_OF[] = {"orders_history", "positions_history",
					"exchange_positions_history", "recon_runs_history",
					"findings_history", "actions_history", NULL};

/* Levels of the interval tree: seqs below 2^48. */
#define LEVELS 48

/* reckon_applying_seq(): the event being projected (0: none). */
static void fn_applying(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc, (void)argv;
	sqlite3_result_int64(ctx, journal_applying(sqlite3_user_data(ctx)));
}

/* reckon_seq_node(from_seq, to_seq): the node of the closed version
 * [from_seq, to_seq - 1] (0016's comment); NULL for anything else. */
static void fn_node(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	if (sqlite3_value_type(argv[0]) != SQLITE_INTEGER ||
	    sqlite3_value_type(argv[1]) != SQLITE_INTEGER) {
		sqlite3_result_null(ctx);
		return;
	}
	sqlite3_int64 a = sqlite3_value_int64(argv[0]), b = sqlite3_value_int64(argv[1]) - 1;
	if (a < 0 || b < a || b >= (sqlite3_int64)1 << LEVELS) {
		sqlite3_result_null(ctx);
		return;
	}
	unsigned long long x = (unsigned long long)(a ^ b);
	int level = 0;
	while (x) {
		level++;
		x >>= 1;
	}
	sqlite3_result_int64(ctx, ((sqlite3_int64)level << LEVELS) + (a >> level));
}

/* "k1 = ROW.k1 AND ..." */
static void key_match(sqlite3_str *q, const struct hist *h, const char *row)
{
	for (int k = 0; k < 3 && h->keys[k]; k++)
		sqlite3_str_appendf(q, "%s%s = %s.%s", k ? " AND " : "", h->keys[k], row,
				    h->keys[k]);
}

/* The version of ROW's key alive before this event: one written by this
 * event is dropped (the event writes the row again, or deletes it), an
 * older one closed at this event. */
static void close_version(sqlite3_str *q, const struct hist *h, const char *row)
{
	sqlite3_str_appendf(q, " DELETE FROM %s WHERE ", h->history);
	key_match(q, h, row);
	sqlite3_str_appendf(q, " AND from_seq = reckon_applying_seq();"
			       " UPDATE %s SET to_seq = reckon_applying_seq(),"
			       " node = reckon_seq_node(from_seq, reckon_applying_seq()) WHERE ",
			    h->history);
	key_match(q, h, row);
	sqlite3_str_appendf(q, " AND to_seq IS NULL AND from_seq = (SELECT max(from_seq) FROM %s"
			       " WHERE ", h->history);
	key_match(q, h, row);
	sqlite3_str_appendf(q, ");");
}

/* NEW as a new version from this event on. */
static void open_version(sqlite3_str *q, const struct hist *h)
{
	sqlite3_str_appendf(q, " INSERT INTO %s(%s, from_seq) SELECT ", h->history, h->cols);
	/* Not strtok: journals open on several threads (the daemon's). */
	for (const char *c = h->cols; *c;) {
		size_t n = strcspn(c, ",");
		sqlite3_str_appendf(q, "NEW.%.*s, ", (int)n, c);
		c += n;
		c += strspn(c, ", ");
	}
	sqlite3_str_appendf(q, "reckon_applying_seq()%s%s;", h->keep ? " WHERE " : "",
			    h->keep ? h->keep : "");
}

static const char SQL_HAS_HISTORY[] =
	"SELECT count(*) FROM main.sqlite_master WHERE type = 'table' AND name = 'orders_history'";

enum rk_rc state_history_present(struct journal *j, bool *has, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	*has = false;
	enum rk_rc rc = journal_stmt(j, SQL_HAS_HISTORY, &st, err);
	if (rc || (rc = sqlx_step_row(st, &row, "looking for the state history", err)))
		return rc;
	if (!row)
		return rk_err_set(err, RK_EDB, "looking for the state history: no row");
	*has = sqlite3_column_int(st, 0) > 0;
	sqlite3_reset(st);
	return RK_OK;
}

enum rk_rc state_history_install(struct journal *j, struct rk_err *err)
{
	sqlite3 *db = journal_db(j);
	bool has = false;
	if (sqlite3_create_function(db, "reckon_applying_seq", 0, SQLITE_UTF8, j, fn_applying,
				    NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "reckon_seq_node", 2,
				    SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, fn_node, NULL,
				    NULL) != SQLITE_OK)
		return sqlx_error(db, err, "registering the state history's functions");
	enum rk_rc rc = state_history_present(j, &has, err);
	if (rc || !has)
		return rc;
	for (size_t i = 0; i < NHIST && !rc; i++) {
		const struct hist *h = &HIST[i];
		static const char *const EVENT[] = {"INSERT", "UPDATE", "DELETE"};
		for (int e = 0; e < 3 && !rc; e++) {
			sqlite3_str *q = sqlite3_str_new(NULL);
			sqlite3_str_appendf(q, "CREATE TEMP TRIGGER IF NOT EXISTS %s_%d AFTER %s ON"
					       " main.%s WHEN reckon_applying_seq() > 0 BEGIN",
					    h->history, e, EVENT[e], h->table);
			/* An INSERT closes too: a REPLACE deletes without the
			 * DELETE trigger. */
			close_version(q, h, e == 0 ? "NEW" : "OLD");
			if (e < 2)
				open_version(q, h);
			sqlite3_str_appendf(q, " END;");
			char *sql = sqlite3_str_finish(q);
			if (!sql)
				return rk_err_set(err, RK_ENOMEM, "out of memory");
			rc = sqlx_exec(db, sql, err);
			sqlite3_free(sql);
		}
	}
	return rc ? rk_err_prefix(err, "installing the state history's triggers") : RK_OK;
}

void state_history_alive_sql(size_t table, char *sql, size_t cap)
{
	const struct hist *h = &HIST[table];
	/* Still open and written by S; or closed, at the node of each level
	 * that holds S, and containing it. */
	snprintf(sql, cap,
		 "WITH RECURSIVE lv(l) AS (SELECT 0 UNION ALL SELECT l + 1 FROM lv WHERE l < %d)"
		 " SELECT %s FROM %s WHERE node IS NULL AND from_seq <= ?1"
		 " UNION ALL"
		 " SELECT %s FROM lv JOIN %s AS h ON h.node = (lv.l << %d) + (?1 >> lv.l)"
		 " WHERE h.from_seq <= ?1 AND h.to_seq > ?1",
		 LEVELS, h->cols, h->history, h->cols, h->history, LEVELS);
}

/* Copies table i's rows alive after `seq` from `from` into `to`. */
static enum rk_rc copy_table(sqlite3 *from, sqlite3 *to, size_t i, int64_t seq,
			     struct rk_err *err)
{
	const struct hist *h = &HIST[i];
	char sql[2048];
	sqlite3_stmt *rd = NULL, *wr = NULL;
	enum rk_rc rc = RK_OK;
	bool row = false;
	state_history_alive_sql(i, sql, sizeof sql);
	if (sqlite3_prepare_v2(from, sql, -1, &rd, NULL) != SQLITE_OK) {
		rc = sqlx_error(from, err, "reading the state history");
		goto out;
	}
	int n = sqlite3_column_count(rd);
	int len = snprintf(sql, sizeof sql, "INSERT INTO main.%s(%s) VALUES (", h->table, h->cols);
	for (int c = 0; c < n; c++)
		len += snprintf(sql + len, sizeof sql - (size_t)len, "%s?", c ? ", " : "");
	snprintf(sql + len, sizeof sql - (size_t)len, ")");
	if (sqlite3_prepare_v2(to, sql, -1, &wr, NULL) != SQLITE_OK) {
		rc = sqlx_error(to, err, "writing the state");
		goto out;
	}
	sqlite3_bind_int64(rd, 1, seq);
	while (!(rc = sqlx_step_row(rd, &row, "reading the state history", err)) && row) {
		for (int c = 0; c < n; c++)
			sqlite3_bind_value(wr, c + 1, sqlite3_column_value(rd, c));
		if ((rc = sqlx_step_done(wr, "writing the state", err)))
			break;
	}
out:
	sqlite3_finalize(rd);
	sqlite3_finalize(wr);
	return rc ? rk_err_prefix(err, "%s", h->table) : RK_OK;
}

enum rk_rc state_history_copy(struct journal *from, int64_t seq, struct journal *to,
			      struct rk_err *err)
{
	enum rk_rc rc = RK_OK;
	for (size_t i = 0; i < NHIST && !rc; i++)
		rc = copy_table(journal_db(from), journal_db(to), i, seq, err);
	return rc;
}
