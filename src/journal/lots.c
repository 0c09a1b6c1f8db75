/* lots.c — the FIFO lot projection over SQLite (see lots.h; the arithmetic
 * is fifo.c's). */
#include "lots.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fifo.h"
#include "rk_array.h"
#include "sqlx.h"

/*
 * The projection allocates FIFO. LIFO would only change SQL_LOTS_OPEN's
 * ORDER BY to DESC; HIFO needs every open lot loaded (unit_cost is TEXT).
 */
#define LOTS_POLICY FIFO_POLICY_FIFO

#define LOTS_MAX_PARAM 13 /* the most parameters a statement here has */

/* One venue + account + symbol being allocated: its position and scratch. */
struct sym {
	struct journal *j;
	char venue[MODEL_NAME_MAX];
	char account[MODEL_NAME_MAX];
	char symbol[MODEL_SYM_MAX];
	struct fifo_params params;
	bool found;                  /* lot_positions had a row */
	struct fifo_position pos;
	char last_ts[MODEL_TS_MAX];  /* newest fill allocated */
	int64_t last_seq;
	RK_ARRAY(struct fifo_lot) lots;   /* scratch: open lots loaded for one close */
	RK_ARRAY(struct fifo_lot *) ptrs; /* to each of them, as fifo_execute takes them */
	struct fifo_step step;
	/* Decimals bound to a statement, by parameter number: bound
	 * SQLITE_STATIC, so SQLite neither copies nor frees them. Valid until
	 * the statement has stepped (the statements run one at a time). */
	char dec_buf[LOTS_MAX_PARAM + 1][DEC_STR_MAX];
};

/* A fill as the projection needs it: the core's view plus its order. */
struct lfill {
	struct fifo_fill f;
	const char *order_id;
};

static void sym_init(struct sym *s, struct journal *j, const char *venue, const char *account,
		     const char *symbol)
{
	memset(s, 0, sizeof *s);
	s->j = j;
	snprintf(s->venue, sizeof s->venue, "%s", venue);
	snprintf(s->account, sizeof s->account, "%s", account);
	snprintf(s->symbol, sizeof s->symbol, "%s", symbol);
	fifo_params_init(&s->params, venue_parse(venue), symbol, LOTS_POLICY);
	s->pos.qty = s->pos.cost = dec_zero();
}

static void sym_free(struct sym *s)
{
	free(s->lots.v);
	free(s->ptrs.v);
	fifo_step_free(&s->step);
}

/* ---- SQLite helpers ---------------------------------------------------- */

static void bind_key(const struct sym *s, sqlite3_stmt *st)
{
	sqlite3_bind_text(st, 1, s->venue, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, s->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s->symbol, -1, SQLITE_STATIC);
}

/* sqlx_bind_dec without SQLite's copy: formats v into s->dec_buf[i]. */
static void bind_dec(struct sym *s, sqlite3_stmt *st, int i, struct dec v)
{
	sqlite3_bind_text(st, i, dec_format(v, s->dec_buf[i]), -1, SQLITE_STATIC);
}

static void bind_opt_dec(struct sym *s, sqlite3_stmt *st, int i, bool has, struct dec v)
{
	if (has)
		bind_dec(s, st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* Reads a fill row (SQL_FILLS_FROM / SQL_FILLS_ALL from column c); its qty is
 * what the lots hold of it: qty - superseded_qty (zero: nothing to allocate). */
static enum rk_rc col_fill(sqlite3_stmt *st, int c, struct lfill *out, struct rk_err *err)
{
	enum rk_rc rc;
	struct dec superseded;
	memset(out, 0, sizeof *out);
	out->f.seq = sqlite3_column_int64(st, c);
	out->f.ts = (const char *)sqlite3_column_text(st, c + 1);
	out->f.fill_id = (const char *)sqlite3_column_text(st, c + 2);
	out->order_id = (const char *)sqlite3_column_text(st, c + 3);
	out->f.side = side_parse((const char *)sqlite3_column_text(st, c + 4));
	if ((rc = sqlx_col_dec(st, c + 5, NULL, &out->f.qty, err)) ||
	    (rc = sqlx_col_dec(st, c + 6, NULL, &out->f.price, err)) ||
	    (rc = sqlx_col_dec(st, c + 7, NULL, &out->f.fee, err)))
		return rc;
	out->f.fee_currency = (const char *)sqlite3_column_text(st, c + 8);
	/* An inferred fill holds only what real fills have not superseded. */
	if ((rc = sqlx_col_dec(st, c + 9, NULL, &superseded, err)))
		return rc;
	if (dec_sub(out->f.qty, superseded, &out->f.qty) != DEC_OK || dec_sign(out->f.qty) < 0)
		return rk_err_set(err, RK_ECORRUPT, "fill row %lld: superseded_qty exceeds qty",
				  (long long)out->f.seq);
	if (!out->f.ts || !out->f.fill_id)
		return rk_err_set(err, RK_ECORRUPT, "fill row %lld lacks ts or fill_id",
				  (long long)out->f.seq);
	return RK_OK;
}

/* ---- lot_positions ------------------------------------------------------ */

static const char SQL_POS_GET[] =
	"SELECT qty, cost_basis, open_lots, last_ts, last_seq FROM lot_positions"
	" WHERE venue = ?1 AND account = ?2 AND symbol = ?3";
static const char SQL_POS_PUT[] =
	"INSERT INTO lot_positions(venue, account, symbol, qty, cost_basis, avg_entry, open_lots,"
	" last_ts, last_seq) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	" ON CONFLICT(venue, account, symbol) DO UPDATE SET qty = excluded.qty,"
	" cost_basis = excluded.cost_basis, avg_entry = excluded.avg_entry,"
	" open_lots = excluded.open_lots, last_ts = excluded.last_ts, last_seq = excluded.last_seq";

static const char SQL_POS_UPDATE[] =
	"UPDATE lot_positions SET qty = ?4, cost_basis = ?5, avg_entry = ?6, open_lots = ?7,"
	" last_ts = ?8, last_seq = ?9 WHERE venue = ?1 AND account = ?2 AND symbol = ?3";

static enum rk_rc pos_load(struct sym *s, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(s->j, SQL_POS_GET, &st, err);
	if (rc)
		return rc;
	bind_key(s, st);
	if ((rc = sqlx_step_row(st, &s->found, "reading lot position", err)) || !s->found)
		return rc;
	if (!(rc = sqlx_col_dec(st, 0, NULL, &s->pos.qty, err)))
		rc = sqlx_col_dec(st, 1, NULL, &s->pos.cost, err);
	s->pos.open_lots = sqlite3_column_int64(st, 2);
	snprintf(s->last_ts, sizeof s->last_ts, "%s", sqlite3_column_text(st, 3));
	s->last_seq = sqlite3_column_int64(st, 4);
	sqlite3_reset(st);
	return rc;
}

/* An UPDATE when pos_load found the row (one seek instead of the upsert's
 * failed insert and update), else the upsert. */
static enum rk_rc pos_store(struct sym *s, struct rk_err *err)
{
	sqlite3_stmt *st;
	struct dec avg;
	enum rk_rc rc = journal_stmt(s->j, s->found ? SQL_POS_UPDATE : SQL_POS_PUT, &st, err);
	if (rc)
		return rc;
	bind_key(s, st);
	bind_dec(s, st, 4, s->pos.qty);
	bind_dec(s, st, 5, s->pos.cost);
	bind_opt_dec(s, st, 6, fifo_position_avg_entry(&s->pos, &avg), avg);
	sqlite3_bind_int64(st, 7, s->pos.open_lots);
	sqlite3_bind_text(st, 8, s->last_ts, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 9, s->last_seq);
	return sqlx_step_done(st, "writing lot position", err);
}

/* ---- lots --------------------------------------------------------------- */

/* FIFO: (opened_at, lot_id) is the order the fills were allocated in. */
static const char SQL_LOTS_OPEN[] =
	"SELECT lot_id, side, qty, cost, qty_remaining, cost_remaining FROM lots"
	" WHERE venue = ?1 AND account = ?2 AND symbol = ?3 AND is_open = 1"
	" ORDER BY opened_at, lot_id";
static const char SQL_LOT_GET[] =
	"SELECT lot_id, side, qty, cost, qty_remaining, cost_remaining FROM lots WHERE lot_id = ?1";
static const char SQL_LOT_INSERT[] =
	"INSERT INTO lots(lot_id, venue, account, symbol, fill_id, opened_at, side, qty, cost,"
	" qty_remaining, cost_remaining, unit_cost, is_open)"
	" VALUES (?4, ?1, ?2, ?3, ?5, ?6, ?7, ?8, ?9, ?8, ?9, ?10, 1)";
static const char SQL_LOT_UPDATE[] =
	"UPDATE lots SET qty_remaining = ?2, cost_remaining = ?3, unit_cost = ?4, is_open = ?5"
	" WHERE lot_id = ?1";
/* The same for a lot that stays open: is_open not in the SET list, so SQLite
 * leaves the partial index lots_open alone instead of rewriting its entry. */
static const char SQL_LOT_UPDATE_OPEN[] =
	"UPDATE lots SET qty_remaining = ?2, cost_remaining = ?3, unit_cost = ?4 WHERE lot_id = ?1";
static const char SQL_LOT_DELETE[] = "DELETE FROM lots WHERE lot_id = ?1";

/* Reads a row of SQL_LOTS_OPEN / SQL_LOT_GET. */
static enum rk_rc col_lot(sqlite3_stmt *st, struct fifo_lot *lot, struct rk_err *err)
{
	enum rk_rc rc;
	lot->lot_id = sqlite3_column_int64(st, 0);
	int dir = fifo_dir_parse((const char *)sqlite3_column_text(st, 1));
	if (!dir)
		return rk_err_set(err, RK_ECORRUPT, "lot %lld has no side", (long long)lot->lot_id);
	lot->dir = dir;
	if ((rc = sqlx_col_dec(st, 2, NULL, &lot->qty, err)) || (rc = sqlx_col_dec(st, 3, NULL, &lot->cost, err)) ||
	    (rc = sqlx_col_dec(st, 4, NULL, &lot->qty_remaining, err)))
		return rc;
	return sqlx_col_dec(st, 5, NULL, &lot->cost_remaining, err);
}

/* Loads open lots in FIFO order until they hold `need` (or run out); *n
 * (OUT) of them, in s->lots with s->ptrs pointing at each. */
static enum rk_rc lots_load(struct sym *s, struct dec need, size_t *n, struct rk_err *err)
{
	sqlite3_stmt *st;
	struct dec have = dec_zero();
	enum rk_rc rc;
	bool row = false;
	*n = 0;
	s->lots.n = s->ptrs.n = 0;
	if (dec_sign(need) <= 0)
		return RK_OK;
	if ((rc = journal_stmt(s->j, SQL_LOTS_OPEN, &st, err)))
		return rc;
	bind_key(s, st);
	while (dec_cmp(have, need) < 0 &&
	       !(rc = sqlx_step_row(st, &row, "reading open lots", err)) && row) {
		struct fifo_lot *lot = rk_array_push(&s->lots);
		if (!lot)
			rc = rk_err_set(err, RK_ENOMEM, "out of memory");
		else if (!(rc = col_lot(st, lot, err)) &&
			 dec_add(have, lot->qty_remaining, &have) != DEC_OK)
			rc = rk_err_set(err, RK_EOVERFLOW, "open lots of %s overflow", s->symbol);
		if (rc)
			break;
	}
	if (row)
		sqlite3_reset(st);
	if (!rc && !rk_array_grow(&s->ptrs, s->lots.n))
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
	for (size_t i = 0; !rc && i < s->lots.n; i++) /* after the last push */
		s->ptrs.v[s->ptrs.n++] = &s->lots.v[i];
	*n = rc ? 0 : s->lots.n;
	return rc;
}

/* Writes lot's remaining quantity and cost; `was_open`: the row's is_open
 * before. */
static enum rk_rc lot_update(struct sym *s, const struct fifo_lot *lot, bool was_open,
			     struct rk_err *err)
{
	sqlite3_stmt *st;
	struct dec unit;
	bool open = dec_sign(lot->qty_remaining) > 0;
	enum rk_rc rc = journal_stmt(s->j, open && was_open ? SQL_LOT_UPDATE_OPEN : SQL_LOT_UPDATE,
				     &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, lot->lot_id);
	bind_dec(s, st, 2, lot->qty_remaining);
	bind_dec(s, st, 3, lot->cost_remaining);
	bind_opt_dec(s, st, 4, fifo_lot_unit_cost(lot, &unit), unit);
	if (!(open && was_open))
		sqlite3_bind_int(st, 5, open);
	return sqlx_step_done(st, "updating lot", err);
}

static enum rk_rc lot_insert(struct sym *s, const struct lfill *lf, const struct fifo_lot *lot,
			     struct rk_err *err)
{
	sqlite3_stmt *st;
	struct dec unit;
	enum rk_rc rc = journal_stmt(s->j, SQL_LOT_INSERT, &st, err);
	if (rc)
		return rc;
	bind_key(s, st);
	sqlite3_bind_int64(st, 4, lot->lot_id);
	sqlite3_bind_text(st, 5, lf->f.fill_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, lf->f.ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, fifo_dir_name(lot->dir), -1, SQLITE_STATIC);
	bind_dec(s, st, 8, lot->qty);
	bind_dec(s, st, 9, lot->cost);
	bind_opt_dec(s, st, 10, fifo_lot_unit_cost(lot, &unit), unit);
	return sqlx_step_done(st, "writing lot", err);
}

/* ---- closes, allocations, findings --------------------------------------- */

static const char SQL_CLOSE_INSERT[] =
	"INSERT INTO lot_closes(close_seq, venue, account, symbol, fill_id, closed_at, side, qty,"
	" proceeds, fees, cost_basis, realized_pnl, unmatched_qty)"
	" VALUES (?4, ?1, ?2, ?3, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
static const char SQL_ALLOC_INSERT[] =
	"INSERT INTO lot_allocations(close_seq, part, lot_id, venue, account, symbol, qty,"
	" cost_basis, proceeds, fees, realized_pnl)"
	" VALUES (?4, ?5, ?6, ?1, ?2, ?3, ?7, ?8, ?9, ?10, ?11)";
static const char SQL_FINDING_INSERT[] =
	"INSERT INTO findings(id, run_id, kind, venue, account, symbol, order_id, finding_key,"
	" detail, created_at) VALUES (?4, NULL, '" LOTS_FINDING_KIND "', ?1, ?2, ?3, ?5, ?6, ?7, ?8)";
static const char SQL_OTHER_FEE_INSERT[] =
	"INSERT INTO lot_other_fees(seq, venue, account, symbol, fill_id, ts, fee, fee_currency)"
	" VALUES (?4, ?1, ?2, ?3, ?5, ?6, ?7, ?8)";

static enum rk_rc close_insert(struct sym *s, const struct lfill *lf, const struct fifo_close *c,
			       struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(s->j, SQL_CLOSE_INSERT, &st, err);
	if (rc)
		return rc;
	bind_key(s, st);
	sqlite3_bind_int64(st, 4, c->seq);
	sqlite3_bind_text(st, 5, lf->f.fill_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, lf->f.ts, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, fifo_dir_name(c->dir), -1, SQLITE_STATIC);
	bind_dec(s, st, 8, c->qty);
	bind_dec(s, st, 9, c->proceeds);
	bind_dec(s, st, 10, c->fees);
	bind_opt_dec(s, st, 11, c->has_cost, c->cost_basis);
	bind_opt_dec(s, st, 12, c->has_cost, c->realized_pnl);
	bind_dec(s, st, 13, c->unmatched_qty);
	return sqlx_step_done(st, "writing closing fill", err);
}

static enum rk_rc alloc_insert(struct sym *s, const struct fifo_alloc *a, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(s->j, SQL_ALLOC_INSERT, &st, err);
	if (rc)
		return rc;
	bind_key(s, st);
	sqlite3_bind_int64(st, 4, a->close_seq);
	sqlite3_bind_int(st, 5, a->part);
	if (a->matched)
		sqlite3_bind_int64(st, 6, a->lot_id);
	else
		sqlite3_bind_null(st, 6);
	bind_dec(s, st, 7, a->qty);
	bind_opt_dec(s, st, 8, a->matched, a->cost_basis);
	bind_dec(s, st, 9, a->proceeds);
	bind_dec(s, st, 10, a->fees);
	bind_opt_dec(s, st, 11, a->matched, a->realized_pnl);
	return sqlx_step_done(st, "writing lot allocation", err);
}

static enum rk_rc finding_insert(struct sym *s, const struct lfill *lf, const struct fifo_close *c,
				 struct rk_err *err)
{
	sqlite3_stmt *st;
	char key[MODEL_ID_MAX + 32], q[DEC_STR_MAX], u[DEC_STR_MAX];
	char *detail = NULL;
	enum rk_rc rc = RK_OK;
	cJSON *o = cJSON_CreateObject();
	if (!o || !cJSON_AddStringToObject(o, "fill_id", lf->f.fill_id) ||
	    !cJSON_AddStringToObject(o, "qty", dec_format(c->qty, q)) ||
	    !cJSON_AddStringToObject(o, "unmatched_qty", dec_format(c->unmatched_qty, u)) ||
	    !(detail = cJSON_PrintUnformatted(o))) {
		rc = rk_err_set(err, RK_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(key, sizeof key, LOTS_FINDING_KIND ":%s", lf->f.fill_id);
	if ((rc = journal_stmt(s->j, SQL_FINDING_INSERT, &st, err)))
		goto out;
	bind_key(s, st);
	sqlite3_bind_int64(st, 4, c->seq);
	if (lf->order_id)
		sqlite3_bind_text(st, 5, lf->order_id, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 5);
	sqlite3_bind_text(st, 6, key, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, detail, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, lf->f.ts, -1, SQLITE_STATIC);
	rc = sqlx_step_done(st, "writing unmatched_sell finding", err);
out:
	cJSON_free(detail);
	cJSON_Delete(o);
	return rc;
}

static enum rk_rc other_fee_insert(struct sym *s, const struct lfill *lf, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(s->j, SQL_OTHER_FEE_INSERT, &st, err);
	if (rc)
		return rc;
	bind_key(s, st);
	sqlite3_bind_int64(st, 4, lf->f.seq);
	sqlite3_bind_text(st, 5, lf->f.fill_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, lf->f.ts, -1, SQLITE_STATIC);
	bind_dec(s, st, 7, lf->f.fee);
	sqlite3_bind_text(st, 8, lf->f.fee_currency ? lf->f.fee_currency : "", -1, SQLITE_STATIC);
	return sqlx_step_done(st, "writing other-currency fee", err);
}

/* ---- allocating one fill in order ------------------------------------------ */

/* Writes what fifo_execute decided for one fill. */
static enum rk_rc step_write(struct sym *s, const struct lfill *lf, struct rk_err *err)
{
	const struct fifo_step *step = &s->step;
	enum rk_rc rc = RK_OK;
	if (step->has_close) {
		const struct fifo_close *c = &step->close;
		for (size_t i = 0; i < step->n_allocs && !rc; i++) {
			const struct fifo_alloc *a = &step->allocs[i];
			if (!a->matched)
				continue;
			struct fifo_lot after = {.lot_id = a->lot_id, .dir = c->dir,
						 .qty_remaining = a->lot_qty_after,
						 .cost_remaining = a->lot_cost_after};
			rc = lot_update(s, &after, true, err); /* loaded from the open lots */
		}
		if (!rc)
			rc = close_insert(s, lf, c, err);
		for (size_t i = 0; i < step->n_allocs && !rc; i++)
			rc = alloc_insert(s, &step->allocs[i], err);
		if (!rc && dec_sign(c->unmatched_qty) > 0)
			rc = finding_insert(s, lf, c, err);
	}
	if (!rc && step->has_open)
		rc = lot_insert(s, lf, &step->open, err);
	return rc;
}

/* Allocates a fill that is not older than anything allocated for s. */
static enum rk_rc step_in_order(struct sym *s, const struct lfill *lf, struct rk_err *err)
{
	struct fifo_plan plan;
	size_t n = 0;
	enum rk_rc rc = fifo_plan(&s->params, &lf->f, &s->pos, &plan, err);
	if (rc || (rc = lots_load(s, dec_min(plan.close_qty, plan.open_before), &n, err)) ||
	    (rc = fifo_execute(&s->params, &plan, &lf->f, s->ptrs.v, n, &s->pos, &s->step, err)) ||
	    (rc = step_write(s, lf, err)))
		return rc;
	snprintf(s->last_ts, sizeof s->last_ts, "%s", lf->f.ts);
	s->last_seq = lf->f.seq;
	return RK_OK;
}

/* ---- re-allocating after a late fill ------------------------------------- */

static const char SQL_FILLS_FROM_DESC[] =
	"SELECT seq FROM fills WHERE venue = ?1 AND account = ?2 AND symbol = ?3"
	" AND ts >= ?4 AND (ts > ?4 OR seq >= ?5) ORDER BY ts DESC, seq DESC";
static const char SQL_FILLS_FROM[] =
	"SELECT seq, ts, fill_id, order_id, side, qty, price, fee, fee_currency, superseded_qty"
	" FROM fills"
	" WHERE venue = ?1 AND account = ?2 AND symbol = ?3 AND ts >= ?4 AND (ts > ?4 OR seq >= ?5)"
	" ORDER BY ts, seq";
static const char SQL_ALLOCS_OF[] =
	"SELECT lot_id, qty, cost_basis FROM lot_allocations WHERE close_seq = ?1 AND lot_id IS NOT NULL";
static const char SQL_ALLOCS_DELETE[] = "DELETE FROM lot_allocations WHERE close_seq = ?1";
static const char SQL_CLOSE_DELETE[] = "DELETE FROM lot_closes WHERE close_seq = ?1";
static const char SQL_FINDING_DELETE[] =
	"DELETE FROM findings WHERE id = ?1 AND kind = '" LOTS_FINDING_KIND "' AND run_id IS NULL";
static const char SQL_FINDINGS_CLEAR_SYMBOL[] =
	"DELETE FROM findings WHERE venue = ?1 AND account = ?2 AND symbol = ?3"
	" AND kind = '" LOTS_FINDING_KIND "' AND run_id IS NULL";

static enum rk_rc exec_seq(struct sym *s, const char *sql, int64_t seq, const char *what,
			   struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(s->j, sql, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	return sqlx_step_done(st, what, err);
}

/* Reads lot `lot_id` into *lot; *found false when there is none. */
static enum rk_rc lot_get(struct sym *s, int64_t lot_id, struct fifo_lot *lot, bool *found,
			  struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(s->j, SQL_LOT_GET, &st, err);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, lot_id);
	if ((rc = sqlx_step_row(st, found, "reading lot", err)) || !*found)
		return rc;
	rc = col_lot(st, lot, err);
	sqlite3_reset(st);
	return rc;
}

/* Undoes the lot fill `seq` opened. Later fills are undone already, so
 * nothing of it is allocated any more. */
static enum rk_rc undo_open(struct sym *s, int64_t seq, struct rk_err *err)
{
	struct fifo_lot lot;
	bool found;
	enum rk_rc rc = lot_get(s, seq, &lot, &found, err);
	if (rc || !found)
		return rc;
	if (!dec_eq(lot.qty_remaining, lot.qty) || !dec_eq(lot.cost_remaining, lot.cost))
		return rk_err_set(err, RK_ECORRUPT, "lot %lld is still allocated while undoing it",
				  (long long)seq);
	if (dec_sub(s->pos.qty, lot.dir == FIFO_SHORT ? dec_neg(lot.qty) : lot.qty, &s->pos.qty) ||
	    dec_sub(s->pos.cost, lot.cost, &s->pos.cost))
		return rk_err_set(err, RK_EOVERFLOW, "position of %s overflows", s->symbol);
	s->pos.open_lots--;
	return exec_seq(s, SQL_LOT_DELETE, seq, "deleting lot", err);
}

/* Gives back to their lots what closing fill `seq` took, and forgets it. */
static enum rk_rc undo_close(struct sym *s, int64_t seq, struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(s->j, SQL_ALLOCS_OF, &st, err);
	bool row = false;
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	while (!(rc = sqlx_step_row(st, &row, "reading allocations", err)) && row) {
		struct fifo_lot lot;
		struct dec q, c;
		bool found;
		if ((rc = sqlx_col_dec(st, 1, NULL, &q, err)) || (rc = sqlx_col_dec(st, 2, NULL, &c, err)) ||
		    (rc = lot_get(s, sqlite3_column_int64(st, 0), &lot, &found, err)))
			break;
		if (!found) {
			rc = rk_err_set(err, RK_ECORRUPT, "allocation of fill %lld names a missing lot",
					(long long)seq);
			break;
		}
		bool was_open = !dec_is_zero(lot.qty_remaining);
		if (!was_open)
			s->pos.open_lots++;
		if (dec_add(lot.qty_remaining, q, &lot.qty_remaining) ||
		    dec_add(lot.cost_remaining, c, &lot.cost_remaining) ||
		    dec_add(s->pos.qty, lot.dir == FIFO_SHORT ? dec_neg(q) : q, &s->pos.qty) ||
		    dec_add(s->pos.cost, c, &s->pos.cost)) {
			rc = rk_err_set(err, RK_EOVERFLOW, "lot %lld overflows", (long long)lot.lot_id);
			break;
		}
		if ((rc = lot_update(s, &lot, was_open, err)))
			break;
	}
	if (row)
		sqlite3_reset(st);
	if (!rc)
		rc = exec_seq(s, SQL_ALLOCS_DELETE, seq, "deleting allocations", err);
	if (!rc)
		rc = exec_seq(s, SQL_CLOSE_DELETE, seq, "deleting closing fill", err);
	if (!rc)
		rc = exec_seq(s, SQL_FINDING_DELETE, seq, "deleting finding", err);
	return rc;
}

/* Undoes every fill of s at or after (ts, seq), newest first: the state
 * returns to exactly what allocating the fills before it in order left
 * (every change is an exact addition, and unit costs are a function of the
 * remaining). A fill not allocated yet (the one being applied) has nothing
 * to undo. */
static enum rk_rc undo_from(struct sym *s, const char *ts, int64_t seq, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt(s->j, SQL_FILLS_FROM_DESC, &st, err);
	if (rc)
		return rc;
	bind_key(s, st);
	sqlite3_bind_text(st, 4, ts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, seq);
	while (!(rc = sqlx_step_row(st, &row, "reading later fills", err)) && row) {
		int64_t later = sqlite3_column_int64(st, 0);
		if ((rc = undo_open(s, later, err)) || (rc = undo_close(s, later, err)))
			break;
	}
	if (row)
		sqlite3_reset(st);
	return rc;
}

/* Allocates, in order, every fill of s at or after (ts, seq). */
static enum rk_rc replay_from(struct sym *s, const char *ts, int64_t seq, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row = false;
	enum rk_rc rc = journal_stmt(s->j, SQL_FILLS_FROM, &st, err);
	if (rc)
		return rc;
	bind_key(s, st);
	sqlite3_bind_text(st, 4, ts, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 5, seq);
	while (!(rc = sqlx_step_row(st, &row, "reading fills to re-allocate", err)) && row) {
		struct lfill lf;
		if ((rc = col_fill(st, 0, &lf, err)) ||
		    (!dec_is_zero(lf.f.qty) && (rc = step_in_order(s, &lf, err))))
			break;
	}
	if (row)
		sqlite3_reset(st);
	return rc;
}

/* ---- entry points ------------------------------------------------------- */

enum rk_rc lots_apply_fill(struct journal *j, int64_t seq, const struct fill_rec *f,
			   struct rk_err *err)
{
	return lots_apply_fill_from(j, seq, f, NULL, 0, err);
}

enum rk_rc lots_apply_fill_from(struct journal *j, int64_t seq, const struct fill_rec *f,
				const char *from_ts, int64_t from_seq, struct rk_err *err)
{
	struct sym s;
	struct lfill lf = {.f = {.seq = seq, .ts = f->ts, .fill_id = f->fill_id, .side = f->side,
				 .qty = f->qty, .price = f->price, .fee = f->fee,
				 .fee_currency = f->fee_currency},
			   .order_id = f->order_id};
	enum rk_rc rc;

	sym_init(&s, j, venue_name(f->venue), f->account, f->symbol);
	if ((rc = pos_load(&s, err)))
		goto out;
	/* First fill of the symbol since the tables were emptied (replay): no
	 * finding of ours may survive from before. */
	if (!s.found) {
		sqlite3_stmt *st;
		if ((rc = journal_stmt(j, SQL_FINDINGS_CLEAR_SYMBOL, &st, err)))
			goto out;
		bind_key(&s, st);
		if ((rc = sqlx_step_done(st, "clearing unmatched_sell findings", err)))
			goto out;
	}
	if (fifo_fee_is_other(&s.params, &lf.f) && (rc = other_fee_insert(&s, &lf, err)))
		goto out;
	if (s.found && from_ts && strcmp(from_ts, f->ts) <= 0) {
		/* A fill it superseded lost quantity: from that one on. */
		if ((rc = undo_from(&s, from_ts, from_seq, err)) ||
		    (rc = replay_from(&s, from_ts, from_seq, err)))
			goto out;
	} else if (s.found && (strcmp(f->ts, s.last_ts) < 0 || from_ts)) {
		/* Late: this fill belongs before fills already allocated. */
		if ((rc = undo_from(&s, f->ts, seq, err)) || (rc = replay_from(&s, f->ts, seq, err)))
			goto out;
	} else if ((rc = step_in_order(&s, &lf, err))) {
		goto out;
	}
	rc = pos_store(&s, err);
out:
	if (rc)
		rk_err_prefix(err, "allocating fill %s to lots", f->fill_id);
	sym_free(&s);
	return rc;
}

static const char SQL_CLEAR_ALL[] =
	"DELETE FROM lot_allocations; DELETE FROM lot_closes; DELETE FROM lots;"
	" DELETE FROM lot_positions; DELETE FROM lot_other_fees;"
	" DELETE FROM findings WHERE kind = '" LOTS_FINDING_KIND "' AND run_id IS NULL;";
static const char SQL_FILLS_ALL[] =
	"SELECT venue, account, symbol, seq, ts, fill_id, order_id, side, qty, price, fee,"
	" fee_currency, superseded_qty FROM fills ORDER BY venue, account, symbol, ts, seq";

enum rk_rc lots_rebuild(struct journal *j, struct lots_counts *counts, struct rk_err *err)
{
	sqlite3_stmt *st = NULL;
	struct sym s;
	bool have = false, row;
	enum rk_rc rc = sqlx_exec(journal_db(j), SQL_CLEAR_ALL, err);

	memset(&s, 0, sizeof s);
	if (rc)
		goto out;
	/* Prepared apart: project and lots statements stay free for the steps. */
	if (sqlite3_prepare_v2(journal_db(j), SQL_FILLS_ALL, -1, &st, NULL) != SQLITE_OK) {
		rc = sqlx_error(journal_db(j), err, "reading fills");
		goto out;
	}
	while (!(rc = sqlx_step_row(st, &row, "reading fills", err)) && row) {
		const char *v = (const char *)sqlite3_column_text(st, 0);
		const char *a = (const char *)sqlite3_column_text(st, 1);
		const char *y = (const char *)sqlite3_column_text(st, 2);
		struct lfill lf;
		if (!v || !a || !y) {
			rc = rk_err_set(err, RK_ECORRUPT, "a fill row lacks venue, account or symbol");
			goto out;
		}
		if (!have || strcmp(v, s.venue) || strcmp(a, s.account) || strcmp(y, s.symbol)) {
			if (have && (rc = pos_store(&s, err)))
				goto out;
			sym_free(&s);
			sym_init(&s, j, v, a, y);
			have = true;
		}
		if ((rc = col_fill(st, 3, &lf, err)))
			goto out;
		if (fifo_fee_is_other(&s.params, &lf.f) && (rc = other_fee_insert(&s, &lf, err)))
			goto out;
		if (!dec_is_zero(lf.f.qty) && (rc = step_in_order(&s, &lf, err))) {
			rk_err_prefix(err, "allocating fill %s", lf.f.fill_id);
			goto out;
		}
	}
	if (rc || (have && (rc = pos_store(&s, err))))
		goto out;
	if (counts)
		rc = lots_count(j, counts, err);
out:
	sqlite3_finalize(st);
	sym_free(&s);
	return rc;
}

static const char SQL_COUNTS[] =
	"SELECT (SELECT count(*) FROM fills), (SELECT count(*) FROM lots),"
	" (SELECT count(*) FROM lots WHERE is_open = 1), (SELECT count(*) FROM lot_closes),"
	" (SELECT count(*) FROM lot_allocations),"
	" (SELECT count(*) FROM findings WHERE kind = '" LOTS_FINDING_KIND "' AND run_id IS NULL"
	"  AND resolved_at IS NULL)";

enum rk_rc lots_count(struct journal *j, struct lots_counts *out, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool row;
	enum rk_rc rc = journal_stmt(j, SQL_COUNTS, &st, err);
	memset(out, 0, sizeof *out);
	if (rc || (rc = sqlx_step_row(st, &row, "counting lots", err)))
		return rc;
	if (!row) /* counts always have their row */
		return rk_err_set(err, RK_EDB, "counting lots: no row");
	int64_t *v[] = {&out->fills, &out->lots, &out->open_lots, &out->closes, &out->allocations,
			&out->unmatched};
	for (int i = 0; i < 6; i++)
		*v[i] = sqlite3_column_int64(st, i);
	sqlite3_reset(st);
	return rc;
}
