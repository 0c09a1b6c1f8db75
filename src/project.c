/* project.c — applying events to the materialized tables (see project.h). */
#include "project.h"

#include <stdio.h>
#include <string.h>

#include "lots.h"
#include "model.h"
#include "recon_journal.h"
#include "record.h"
#include "sqlx.h"

const char *const PROJECT_TABLES[] = {"orders", "fills", "positions", "lots", "lot_closes",
				      "lot_allocations", "lot_positions", "lot_other_fees",
				      "recon_runs", "findings", "actions", "halts",
				      "exchange_positions", NULL};

/* Reads a decimal column written by reckon; NULL reads as zero. */
static struct dec col_dec(sqlite3_stmt *st, int i)
{
	struct dec v = dec_zero();
	const char *s = (const char *)sqlite3_column_text(st, i);
	if (s)
		dec_parse_cstr(s, &v);
	return v;
}

/* ---- orders ------------------------------------------------------------- */

struct order_row {
	bool found;
	char account[MODEL_NAME_MAX];
	char symbol[MODEL_SYM_MAX];
	enum side side;
	enum order_status status;
	bool from_fill;
	bool has_qty;
	struct dec qty, filled;
};

static const char SQL_ORDER_GET[] =
	"SELECT account, symbol, side, status, from_fill, qty, filled_qty FROM orders"
	" WHERE venue = ?1 AND order_id = ?2";

static enum rk_rc order_get(struct journal *j, const char *venue, const char *order_id,
			    struct order_row *row, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, SQL_ORDER_GET, &st, err);
	memset(row, 0, sizeof *row);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, order_id, -1, SQLITE_STATIC);
	int step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		row->found = true;
		snprintf(row->account, sizeof row->account, "%s", sqlite3_column_text(st, 0));
		snprintf(row->symbol, sizeof row->symbol, "%s", sqlite3_column_text(st, 1));
		row->side = side_parse((const char *)sqlite3_column_text(st, 2));
		row->status = order_status_parse((const char *)sqlite3_column_text(st, 3));
		row->from_fill = sqlite3_column_int(st, 4) != 0;
		row->has_qty = sqlite3_column_type(st, 5) != SQLITE_NULL;
		row->qty = col_dec(st, 5);
		row->filled = col_dec(st, 6);
	}
	sqlite3_reset(st);
	return step == SQLITE_ROW || step == SQLITE_DONE ? RK_OK
							 : journal_sql_error(j, err, "reading order");
}

static const char SQL_ORDER_UPSERT[] =
	"INSERT INTO orders(venue, account, symbol, order_id, client_order_id, side, order_type,"
	" purpose, reduce_only, qty, price, stop_price, filled_qty, status, from_fill,"
	" first_seen, last_seen, first_seq, last_seq)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 0, ?15, ?15, ?16, ?16)"
	" ON CONFLICT(venue, order_id) DO UPDATE SET"
	" client_order_id = COALESCE(excluded.client_order_id, orders.client_order_id),"
	" side = excluded.side, order_type = excluded.order_type,"
	" purpose = COALESCE(excluded.purpose, orders.purpose), reduce_only = excluded.reduce_only,"
	" qty = excluded.qty, price = excluded.price, stop_price = excluded.stop_price,"
	" filled_qty = excluded.filled_qty, status = excluded.status, from_fill = 0,"
	" last_seen = excluded.last_seen, last_seq = excluded.last_seq";

static enum rk_rc apply_order(struct journal *j, int64_t seq, const struct order_rec *o,
			      struct rk_err *err)
{
	struct order_row row;
	const char *venue = venue_name(o->venue);
	enum rk_rc rc = order_get(j, venue, o->order_id, &row, err);
	if (rc)
		return rc;
	struct dec filled = o->has_filled_qty ? o->filled_qty : dec_zero();
	if (row.found) {
		if (strcmp(row.symbol, o->symbol) != 0 || strcmp(row.account, o->account) != 0)
			return rk_err_set(err, RK_ECONFLICT,
					  "order %s is already journaled for %s/%s, not %s/%s", o->order_id,
					  row.account, row.symbol, o->account, o->symbol);
		if (!row.from_fill && !order_status_transition_ok(row.status, o->status))
			return rk_err_set(err, RK_ECONFLICT, "order %s: impossible transition %s -> %s",
					  o->order_id, order_status_name(row.status),
					  order_status_name(o->status));
		/* Fills already journaled are facts; a report never un-fills them. */
		filled = dec_max(filled, row.filled);
	}
	if (dec_cmp(filled, o->qty) > 0)
		return rk_err_set(err, RK_ECONFLICT, "order %s: qty %s is less than already filled",
				  o->order_id, "reported");
	sqlite3_stmt *st;
	if ((rc = journal_stmt(j, SQL_ORDER_UPSERT, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, o->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, o->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, o->order_id, -1, SQLITE_STATIC);
	sqlx_bind_opt_text(st, 5, o->client_order_id);
	sqlite3_bind_text(st, 6, side_name(o->side), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, order_type_name(o->type), -1, SQLITE_STATIC);
	sqlx_bind_opt_text(st, 8, purpose_name(o->purpose));
	sqlite3_bind_int(st, 9, o->reduce_only);
	sqlx_bind_dec(st, 10, o->qty);
	sqlx_bind_opt_dec(st, 11, o->has_price, o->price);
	sqlx_bind_opt_dec(st, 12, o->has_stop_price, o->stop_price);
	sqlx_bind_dec(st, 13, filled);
	sqlite3_bind_text(st, 14, order_status_name(o->status), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 15, o->ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 16, seq);
	return sqlx_step_done(j, st, "writing order", err);
}

/* ---- fills -------------------------------------------------------------- */

static const char SQL_FILL_INSERT[] =
	"INSERT INTO fills(venue, account, symbol, fill_id, order_id, side, qty, price, fee,"
	" fee_currency, liquidity, ts, inferred, seq)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)";
static const char SQL_ORDER_FROM_FILL[] =
	"INSERT INTO orders(venue, account, symbol, order_id, side, qty, filled_qty, status,"
	" from_fill, first_seen, last_seen, first_seq, last_seq)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, 'filled', 1, ?7, ?7, ?8, ?8)";
static const char SQL_ORDER_FILLED[] =
	"UPDATE orders SET qty = ?3, filled_qty = ?4, status = ?5, last_seen = max(last_seen, ?6),"
	" last_seq = ?7 WHERE venue = ?1 AND order_id = ?2";

static enum rk_rc fill_update_order(struct journal *j, int64_t seq, const struct fill_rec *f,
				    struct rk_err *err)
{
	struct order_row row;
	sqlite3_stmt *st;
	const char *venue = venue_name(f->venue);
	enum rk_rc rc = order_get(j, venue, f->order_id, &row, err);
	if (rc)
		return rc;
	if (!row.found) {
		/* Many bots report only fills: the fill tells us the order existed. */
		if ((rc = journal_stmt(j, SQL_ORDER_FROM_FILL, &st, err)))
			return rc;
		sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, f->account, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, f->symbol, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, f->order_id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 5, side_name(f->side), -1, SQLITE_STATIC);
		sqlx_bind_dec(st, 6, f->qty);
		sqlite3_bind_text(st, 7, f->ts, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, 8, seq);
		return sqlx_step_done(j, st, "creating order from fill", err);
	}
	if (strcmp(row.symbol, f->symbol) != 0 || strcmp(row.account, f->account) != 0 ||
	    row.side != f->side)
		return rk_err_set(err, RK_ECONFLICT,
				  "fill %s: order %s is %s %s/%s, the fill says %s %s/%s", f->fill_id,
				  f->order_id, side_name(row.side), row.account, row.symbol,
				  side_name(f->side), f->account, f->symbol);
	struct dec filled, qty = row.qty;
	if (dec_add(row.filled, f->qty, &filled) != DEC_OK)
		return rk_err_set(err, RK_EOVERFLOW, "fill %s: filled quantity overflows", f->fill_id);
	enum order_status status = row.status;
	if (row.from_fill) {
		qty = filled; /* the order is only known through its fills */
	} else if (row.has_qty && dec_cmp(filled, row.qty) > 0) {
		char a[DEC_STR_MAX], b[DEC_STR_MAX];
		return rk_err_set(err, RK_ECONFLICT, "fill %s: order %s would be filled %s of qty %s",
				  f->fill_id, f->order_id, dec_format(filled, a), dec_format(row.qty, b));
	} else if (order_status_is_open(status)) {
		status = dec_eq(filled, row.qty) ? OSTATUS_FILLED : OSTATUS_PARTIALLY_FILLED;
	}
	if ((rc = journal_stmt(j, SQL_ORDER_FILLED, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->order_id, -1, SQLITE_STATIC);
	sqlx_bind_dec(st, 3, qty);
	sqlx_bind_dec(st, 4, filled);
	sqlite3_bind_text(st, 5, order_status_name(status), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, f->ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, seq);
	return sqlx_step_done(j, st, "updating order from fill", err);
}

static const char SQL_POS_GET[] =
	"SELECT qty, avg_entry FROM positions WHERE venue = ?1 AND account = ?2 AND symbol = ?3";
static const char SQL_POS_PUT[] =
	"INSERT INTO positions(venue, account, symbol, qty, avg_entry, updated_at, last_seq)"
	" VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(venue, account, symbol) DO UPDATE SET"
	" qty = excluded.qty, avg_entry = excluded.avg_entry,"
	" updated_at = max(positions.updated_at, excluded.updated_at), last_seq = excluded.last_seq";

/*
 * Average entry of the open quantity: weighted when adding to the same side,
 * unchanged when reducing, the fill price when flipping through zero. The
 * weighted mean is rounded half-even to 18 decimals (the one rounding here).
 */
static enum rk_rc apply_position(struct journal *j, int64_t seq, const struct fill_rec *f,
				 struct rk_err *err)
{
	sqlite3_stmt *st;
	const char *venue = venue_name(f->venue);
	struct dec old = dec_zero(), avg = dec_zero(), delta, now;
	bool has_avg = false;
	if (!fill_position_delta(f, &delta))
		return rk_err_set(err, RK_EINVAL, "fill %s: base-asset fee is not less than qty",
				  f->fill_id);
	enum rk_rc rc = journal_stmt(j, SQL_POS_GET, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->symbol, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		old = col_dec(st, 0);
		has_avg = sqlite3_column_type(st, 1) != SQLITE_NULL;
		avg = col_dec(st, 1);
	}
	sqlite3_reset(st);
	if (dec_add(old, delta, &now) != DEC_OK)
		return rk_err_set(err, RK_EOVERFLOW, "fill %s: position overflows", f->fill_id);
	if (dec_is_zero(now)) {
		has_avg = false;
	} else if (dec_is_zero(old) || dec_sign(old) != dec_sign(now)) {
		avg = f->price, has_avg = true;
	} else if (dec_sign(delta) == dec_sign(old)) {
		struct dec cost_old, cost_new, total;
		if (dec_mul(dec_abs(old), avg, DEC_ROUND_HALF_EVEN, &cost_old) ||
		    dec_mul(dec_abs(delta), f->price, DEC_ROUND_HALF_EVEN, &cost_new) ||
		    dec_add(cost_old, cost_new, &total) ||
		    dec_div(total, dec_abs(now), DEC_ROUND_HALF_EVEN, &avg))
			return rk_err_set(err, RK_EOVERFLOW, "fill %s: average entry overflows",
					  f->fill_id);
		has_avg = true;
	}
	if ((rc = journal_stmt(j, SQL_POS_PUT, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->symbol, -1, SQLITE_STATIC);
	sqlx_bind_dec(st, 4, now);
	sqlx_bind_opt_dec(st, 5, has_avg, avg);
	sqlite3_bind_text(st, 6, f->ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, seq);
	return sqlx_step_done(j, st, "writing position", err);
}

static enum rk_rc apply_fill(struct journal *j, int64_t seq, const struct fill_rec *f,
			     struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = fill_update_order(j, seq, f, err);
	if (rc || (rc = journal_stmt(j, SQL_FILL_INSERT, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, venue_name(f->venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->fill_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->order_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, side_name(f->side), -1, SQLITE_STATIC);
	sqlx_bind_dec(st, 7, f->qty);
	sqlx_bind_dec(st, 8, f->price);
	sqlx_bind_dec(st, 9, f->fee);
	sqlx_bind_opt_text(st, 10, f->fee_currency);
	sqlx_bind_opt_text(st, 11, liquidity_name(f->liquidity));
	sqlite3_bind_text(st, 12, f->ts, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 13, f->inferred);
	sqlite3_bind_int64(st, 14, seq);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_reset(st);
		return journal_sql_error(j, err, "writing fill");
	}
	sqlite3_reset(st);
	if ((rc = apply_position(j, seq, f, err)))
		return rc;
	return lots_apply_fill(j, seq, f, err);
}

/* ---- dispatch, rebuild, verify ------------------------------------------ */

enum rk_rc project_apply(struct journal *j, int64_t seq, const char *type, const char *payload,
			 struct rk_err *err)
{
	enum rk_rc rc;
	if (strcmp(type, "order") == 0) {
		struct order_rec o;
		if ((rc = record_order_from_text(payload, &o, err)))
			return rc;
		return apply_order(j, seq, &o, err);
	}
	if (strcmp(type, "fill") == 0) {
		struct fill_rec f;
		if ((rc = record_fill_from_text(payload, &f, err)))
			return rc;
		return apply_fill(j, seq, &f, err);
	}
	rc = recon_journal_project(j, seq, type, payload, err);
	if (rc != RK_ENOTFOUND)
		return rc;
	return rk_err_set(err, RK_EVERSION, "event %lld has type '%s', unknown to this reckon",
			  (long long)seq, type);
}

/* Empties every materialized table. Names come from PROJECT_TABLES, never
 * from input. Reverse order: later tables may reference earlier ones. */
static enum rk_rc clear_tables(struct journal *j, struct rk_err *err)
{
	size_t n = 0;
	while (PROJECT_TABLES[n])
		n++;
	while (n-- > 0) {
		char sql[128];
		snprintf(sql, sizeof sql, "DELETE FROM main.%s;", PROJECT_TABLES[n]);
		enum rk_rc rc = sqlx_exec(j, sql, err);
		if (rc)
			return rc;
	}
	return RK_OK;
}

static const char SQL_REPLAY[] = "SELECT seq, type, payload FROM events ORDER BY seq";

enum rk_rc project_rebuild(struct journal *j, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	enum rk_rc rc = clear_tables(j, err);
	if (rc)
		return rc;
	/* Prepared separately: the cached statements are used by project_apply. */
	if (sqlite3_prepare_v2(journal_db(j), SQL_REPLAY, -1, &st, NULL) != SQLITE_OK)
		return journal_sql_error(j, err, "reading events");
	int step;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t seq = sqlite3_column_int64(st, 0);
		rc = project_apply(j, seq, (const char *)sqlite3_column_text(st, 1),
				   (const char *)sqlite3_column_text(st, 2), err);
		if (rc) {
			rk_err_prefix(err, "replaying event %lld", (long long)seq);
			goto out;
		}
	}
	if (step != SQLITE_DONE)
		rc = journal_sql_error(j, err, "reading events");
out:
	sqlite3_finalize(st);
	return rc;
}

static enum rk_rc count_diff(struct journal *j, const char *table, long long *diff,
			     struct rk_err *err)
{
	char sql[512];
	sqlite3_stmt *st = NULL;
	snprintf(sql, sizeof sql,
		 "SELECT (SELECT count(*) FROM (SELECT * FROM main.%s EXCEPT SELECT * FROM temp.rk_%s))"
		 " + (SELECT count(*) FROM (SELECT * FROM temp.rk_%s EXCEPT SELECT * FROM main.%s))",
		 table, table, table, table);
	if (sqlite3_prepare_v2(journal_db(j), sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return journal_sql_error(j, err, "comparing tables");
	}
	*diff = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return RK_OK;
}

enum rk_rc project_verify(struct journal *j, struct rk_err *err)
{
	enum rk_rc rc = journal_begin(j, err);
	if (rc)
		return rc;
	/* Snapshot the current tables, replay into main, compare, roll back. */
	for (size_t i = 0; PROJECT_TABLES[i] && !rc; i++) {
		char sql[256];
		snprintf(sql, sizeof sql,
			 "DROP TABLE IF EXISTS temp.rk_%s; CREATE TEMP TABLE rk_%s AS SELECT * FROM main.%s;",
			 PROJECT_TABLES[i], PROJECT_TABLES[i], PROJECT_TABLES[i]);
		rc = sqlx_exec(j, sql, err);
	}
	if (!rc)
		rc = project_rebuild(j, err);
	for (size_t i = 0; PROJECT_TABLES[i] && !rc; i++) {
		long long diff = 0;
		rc = count_diff(j, PROJECT_TABLES[i], &diff, err);
		if (!rc && diff)
			rc = rk_err_set(err, RK_ECORRUPT,
					"table %s differs from a replay of events (%lld rows)",
					PROJECT_TABLES[i], diff);
	}
	journal_rollback(j);
	return rc;
}
