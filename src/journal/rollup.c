/* rollup.c — the report roll-ups fee_days and pnl_days (see rollup.h). The
 * statements are those of migrations/0009_report_rollups.sql, with a WHERE
 * that picks the rows one fill changed. */
#include "rollup.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "sqlx.h"

/* Adds the `fills` rows that COND selects (with a fee currency) to fee_days,
 * in seq order. */
#define FEE_ADD(COND)                                                                      \
	"INSERT INTO fee_days (day, venue, account, fee_currency, fills, fees)"            \
	" SELECT substr(ts, 1, 10), venue, account, fee_currency, 1, decimal_add('0', fee)" \
	" FROM fills WHERE " COND " AND fee_currency IS NOT NULL AND fee_currency <> ''"    \
	" ORDER BY seq"                                                                    \
	" ON CONFLICT (day, venue, account, fee_currency) DO UPDATE SET"                   \
	" fills = fills + 1, fees = decimal_add(fees, excluded.fees)"

/* Adds the `lot_closes` rows that COND selects to pnl_days, in (closed_at,
 * close_seq) order: a sum of the known values only, NULL while none. */
#define PNL_KNOWN(COL)                                                                     \
	" " COL " = CASE WHEN excluded." COL " IS NULL THEN " COL " WHEN " COL " IS NULL"   \
	" THEN excluded." COL " ELSE decimal_add(" COL ", excluded." COL ") END,"
#define PNL_ADD(COND)                                                                      \
	"INSERT INTO pnl_days (day, venue, account, symbol, closing_fills, unmatched_fills,"  \
	" qty, proceeds, cost_basis, fees, realized_pnl, first_close, last_close)"          \
	" SELECT substr(closed_at, 1, 10), venue, account, symbol, 1, realized_pnl IS NULL," \
	" decimal_add('0', qty), decimal_add('0', proceeds), decimal_add('0', cost_basis),"  \
	" decimal_add('0', fees), decimal_add('0', realized_pnl), closed_at, closed_at"     \
	" FROM lot_closes WHERE " COND " ORDER BY closed_at, close_seq"                      \
	" ON CONFLICT (day, venue, account, symbol) DO UPDATE SET"                          \
	" closing_fills = closing_fills + 1,"                                               \
	" unmatched_fills = unmatched_fills + excluded.unmatched_fills,"                    \
	" qty = decimal_add(qty, excluded.qty),"                                            \
	" proceeds = decimal_add(proceeds, excluded.proceeds),"                             \
	PNL_KNOWN("cost_basis")                                                             \
	" fees = decimal_add(fees, excluded.fees),"                                         \
	PNL_KNOWN("realized_pnl")                                                           \
	" first_close = min(first_close, excluded.first_close),"                            \
	" last_close = max(last_close, excluded.last_close)"

static const char SQL_FEE_ONE[] = FEE_ADD("venue = ?1 AND fill_id = ?2");
static const char SQL_PNL_ONE[] = PNL_ADD("close_seq = ?1");
/* Is there a fill of the symbol after ts ?4? Then this one came late. */
static const char SQL_LATER_FILL[] =
	"SELECT 1 FROM fills WHERE venue = ?1 AND account = ?2 AND symbol = ?3 AND ts > ?4"
	" LIMIT 1";
static const char SQL_PNL_DROP_FROM[] =
	"DELETE FROM pnl_days WHERE venue = ?1 AND account = ?2 AND symbol = ?3 AND day >= ?4";
static const char SQL_PNL_SYMBOL_FROM[] =
	PNL_ADD("venue = ?1 AND account = ?2 AND symbol = ?3 AND closed_at >= ?4");
static const char SQL_REBUILD[] =
	"DELETE FROM fee_days; DELETE FROM pnl_days;" FEE_ADD("true") ";" PNL_ADD("true") ";";

static void bind_symbol(sqlite3_stmt *st, const struct fill_rec *f)
{
	sqlite3_bind_text(st, 1, venue_name(f->venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->symbol, -1, SQLITE_STATIC);
}

/* Did `f` arrive after a fill of its symbol with a later timestamp (so the
 * lot engine re-allocated the symbol from f's timestamp)? */
static enum rk_rc came_late(struct journal *j, const struct fill_rec *f, bool *late,
			    struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc = journal_stmt(j, SQL_LATER_FILL, &st, err);
	if (rc)
		return rc;
	bind_symbol(st, f);
	sqlite3_bind_text(st, 4, f->ts, -1, SQLITE_STATIC);
	if ((rc = sqlx_step_row(st, late, "looking for later fills", err)) == RK_OK && *late)
		sqlite3_reset(st);
	return rc;
}

/* Counts the symbol's pnl_days again from the UTC day of `ts` on. */
static enum rk_rc recount_symbol(struct journal *j, const struct fill_rec *f, const char *ts,
				 struct rk_err *err)
{
	char day[11];
	sqlite3_stmt *drop, *add;
	enum rk_rc rc;
	snprintf(day, sizeof day, "%s", ts);
	if ((rc = journal_stmt(j, SQL_PNL_DROP_FROM, &drop, err)) ||
	    (rc = journal_stmt(j, SQL_PNL_SYMBOL_FROM, &add, err)))
		return rc;
	bind_symbol(drop, f);
	sqlite3_bind_text(drop, 4, day, -1, SQLITE_STATIC);
	bind_symbol(add, f);
	sqlite3_bind_text(add, 4, day, -1, SQLITE_STATIC);
	if ((rc = sqlx_step_done(drop, "clearing the symbol's pnl_days", err)))
		return rc;
	return sqlx_step_done(add, "counting the symbol's pnl_days", err);
}

enum rk_rc rollup_fill(struct journal *j, int64_t seq, const struct fill_rec *f,
		       const char *from_ts, struct rk_err *err)
{
	sqlite3_stmt *st;
	bool late = false;
	enum rk_rc rc;
	if ((rc = journal_stmt(j, SQL_FEE_ONE, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, venue_name(f->venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->fill_id, -1, SQLITE_STATIC);
	if ((rc = sqlx_step_done(st, "adding the fill to fee_days", err)) ||
	    (rc = came_late(j, f, &late, err)))
		return rc;
	if (late || from_ts) {
		const char *ts = from_ts && strcmp(from_ts, f->ts) < 0 ? from_ts : f->ts;
		return recount_symbol(j, f, ts, err);
	}
	if ((rc = journal_stmt(j, SQL_PNL_ONE, &st, err)))
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	return sqlx_step_done(st, "adding the fill's close to pnl_days", err);
}

enum rk_rc rollup_rebuild(struct journal *j, struct rk_err *err)
{
	return sqlx_exec(journal_db(j), SQL_REBUILD, err);
}
