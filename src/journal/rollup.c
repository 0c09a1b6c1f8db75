/* rollup.c — the report roll-ups fee_days and pnl_days (see rollup.h). The
 * statements are those of migrations/0009_report_rollups.sql, with a WHERE
 * that picks the rows one fill changed. */
#include "rollup.h"

#include <stdio.h>
#include <string.h>

#include <sqlite3.h>

#include "sqlx.h"

/* Adds the `fills` rows that COND selects (with a fee currency) to fee_days
 * (KEY day, LEN 10) or fee_hours (KEY hour, LEN 13), in seq order. */
#define FEE_ADD_TO(TABLE, KEY, LEN, COND)                                                  \
	"INSERT INTO " TABLE " (" KEY ", venue, account, fee_currency, fills, fees)"         \
	" SELECT substr(ts, 1, " LEN "), venue, account, fee_currency, 1, decimal_add('0', fee)" \
	" FROM fills WHERE " COND " AND fee_currency IS NOT NULL AND fee_currency <> ''"    \
	" ORDER BY seq"                                                                    \
	" ON CONFLICT (" KEY ", venue, account, fee_currency) DO UPDATE SET"               \
	" fills = fills + 1, fees = decimal_add(fees, excluded.fees)"
#define FEE_ADD(COND) FEE_ADD_TO("fee_days", "day", "10", COND)
#define FEE_HOUR_ADD(COND) FEE_ADD_TO("fee_hours", "hour", "13", COND)

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

/* A decimal X in its shortest form: no trailing zeros after the point, no
 * point without digits after it, no sign on a zero ('-1.500' -> '-1.5',
 * '2.00' -> '2', '-0.00' -> '0'). The text of a sum is then a function of
 * its value alone, whatever order its terms were added in. X is evaluated
 * more than once: a column, not a computation. */
#define SHORTEST(X)                                                                         \
	"CASE WHEN ltrim(" X ", '-0.') = '' THEN '0' WHEN instr(" X ", '.') = 0 THEN " X      \
	" ELSE rtrim(rtrim(" X ", '0'), '.') END"

/* What the lots and closes that COND_LOT / COND_CLOSE select moved each
 * position by: (venue, account, symbol, ts, q, c), q the signed quantity
 * (short < 0) and c the cost (signed as lots.cost). A lot adds its qty and
 * cost when opened; a close takes from the lots what its allocations say.
 * Lots are reached through their opening fill (lot_id = the fill's seq,
 * opened_at = its ts), whose indexes (fills_symbol_ts, fills_ts) the lots
 * table lacks. */
#define MOVES(FROM_LOT, COND_LOT, COND_CLOSE)                                               \
	"SELECT l.venue, l.account, l.symbol, l.opened_at AS ts,"                           \
	" CASE l.side WHEN 'short' THEN decimal_sub('0', l.qty) ELSE l.qty END AS q,"        \
	" l.cost AS c FROM " FROM_LOT " WHERE " COND_LOT                                     \
	" UNION ALL SELECT a.venue, a.account, a.symbol, c.closed_at,"                        \
	" CASE c.side WHEN 'short' THEN a.qty ELSE decimal_sub('0', a.qty) END,"             \
	" decimal_sub('0', a.cost_basis)"                                                    \
	" FROM lot_closes AS c JOIN lot_allocations AS a ON a.close_seq = c.close_seq"       \
	" WHERE a.lot_id IS NOT NULL AND " COND_CLOSE

/* In order, fill ?1 (venue ?2, account ?3, symbol ?4, ts ?5) is the newest
 * of its symbol: the lot engine's position after it (lot_positions) is the
 * position at the end of its hour so far. Written when the fill moved the
 * position (opened a lot, or took from one); its value is the running sum
 * of the moves a rebuild adds up (the lot engine keeps both exact). */
static const char SQL_POS_ONE[] =
	"INSERT INTO position_hours (venue, account, symbol, hour, qty, cost_basis)"
	" SELECT venue, account, symbol, substr(?5, 1, 13), " SHORTEST("qty") ", "
	SHORTEST("cost_basis")
	" FROM lot_positions WHERE venue = ?2 AND account = ?3 AND symbol = ?4"
	"   AND (EXISTS (SELECT 1 FROM lots WHERE lot_id = ?1)"
	"        OR EXISTS (SELECT 1 FROM lot_allocations WHERE close_seq = ?1 AND lot_id IS NOT NULL))"
	" ON CONFLICT (venue, account, symbol, hour) DO UPDATE SET"
	" qty = excluded.qty, cost_basis = excluded.cost_basis";
static const char SQL_POS_DROP_FROM[] =
	"DELETE FROM position_hours WHERE venue = ?1 AND account = ?2 AND symbol = ?3 AND hour >= ?4";
/* The symbol's rows from hour ?4 ('YYYY-MM-DDTHH') on: the row before it
 * plus the running sum of each hour's moves. */
static const char SQL_POS_SYMBOL_FROM[] =
	"INSERT INTO position_hours (venue, account, symbol, hour, qty, cost_basis)"
	" SELECT ?1, ?2, ?3, hour, " SHORTEST("q") ", " SHORTEST("c")
	" FROM (SELECT d.hour, decimal_add(b.q, decimal_sum(d.dq) OVER w) AS q,"
	"              decimal_add(b.c, decimal_sum(d.dc) OVER w) AS c"
	"       FROM (SELECT substr(ts, 1, 13) AS hour, decimal_sum(q) AS dq, decimal_sum(c) AS dc"
	"             FROM (" MOVES("fills AS f JOIN lots AS l ON l.lot_id = f.seq",
				  "f.venue = ?1 AND f.account = ?2 AND f.symbol = ?3 AND f.ts >= ?4",
				  "c.venue = ?1 AND c.account = ?2 AND c.symbol = ?3 AND c.closed_at >= ?4")
	")            GROUP BY hour) AS d,"
	"            (SELECT COALESCE(max(qty), '0') AS q, COALESCE(max(cost_basis), '0') AS c"
	"             FROM (SELECT qty, cost_basis FROM position_hours"
	"                   WHERE venue = ?1 AND account = ?2 AND symbol = ?3 AND hour < ?4"
	"                   ORDER BY hour DESC LIMIT 1)) AS b"
	"       WINDOW w AS (ORDER BY d.hour))";

/* The quote currency of symbol column S, as the named queries derive it
 * ('BTC-USD' -> 'USD', 'ETHUSDT' -> 'USDT'), '' for none. */
#define QUOTE_OF(S)                                                                         \
	"COALESCE(CASE WHEN instr(" S ", '-') > 0 THEN substr(" S ", instr(" S ", '-') + 1)"  \
	" WHEN length(" S ") > 5 AND substr(" S ", -5) = 'FDUSD' THEN 'FDUSD'"                \
	" WHEN length(" S ") > 4 AND substr(" S ", -4) IN ('USDT', 'USDC', 'BUSD')"            \
	" THEN substr(" S ", -4)"                                                            \
	" WHEN length(" S ") > 3 AND substr(" S ", -3) IN ('BTC', 'ETH', 'BNB')"               \
	" THEN substr(" S ", -3) END, '')"
#define IS_WIN(P) "(" P " NOT LIKE '-%' AND ltrim(" P ", '0.') <> '')"
#define IS_LOSS(P) "(" P " LIKE '-%' AND ltrim(" P ", '-0.') <> '')"

/* The columns of pnl_minutes and pnl_hours, after the period's key. */
#define BUCKET_COLS "quote, closing_fills, unmatched_fills, fees, realized_pnl, wins, losses"
/* A sum of the known values of COL only, NULL while none (as pnl_days). */
#define KNOWN_ADD(COL)                                                                      \
	" " COL " = CASE WHEN excluded." COL " IS NULL THEN " COL " WHEN " COL " IS NULL"   \
	" THEN excluded." COL " ELSE " SHORTEST("decimal_add(" COL ", excluded." COL ")") " END"
/* Adds close ?1 to its minute (LEN 16) or hour (LEN 13) in TABLE (KEY). */
#define BUCKET_ADD(TABLE, KEY, LEN)                                                         \
	"INSERT INTO " TABLE " (" KEY ", " BUCKET_COLS ")"                                    \
	" SELECT substr(closed_at, 1, " LEN "), " QUOTE_OF("symbol") ", 1, realized_pnl IS NULL," \
	" " SHORTEST("fees") ", CASE WHEN realized_pnl IS NOT NULL THEN " SHORTEST("realized_pnl") \
	" END, COALESCE(" IS_WIN("realized_pnl") ", 0), COALESCE(" IS_LOSS("realized_pnl") ", 0)"   \
	" FROM lot_closes WHERE close_seq = ?1"                                             \
	" ON CONFLICT (" KEY ", quote) DO UPDATE SET closing_fills = closing_fills + 1,"       \
	" unmatched_fills = unmatched_fills + excluded.unmatched_fills,"                     \
	" fees = " SHORTEST("decimal_add(fees, excluded.fees)") ","                          \
	KNOWN_ADD("realized_pnl") ","                                                        \
	" wins = wins + excluded.wins, losses = losses + excluded.losses"
static const char SQL_MINUTE_ONE[] = BUCKET_ADD("pnl_minutes", "minute", "16");
static const char SQL_HOUR_ONE[] = BUCKET_ADD("pnl_hours", "hour", "13");

/* The minutes (LEN 16) or hours (LEN 13) of the fills of symbol ?3 from ?4
 * on: every close the lot engine re-allocated from ?4 was, and is, one of
 * those fills. */
#define SYMBOL_PERIODS(LEN)                                                                 \
	"SELECT DISTINCT substr(ts, 1, " LEN ") AS k FROM fills"                             \
	" WHERE venue = ?1 AND account = ?2 AND symbol = ?3 AND ts >= ?4"
/* The sums of a bucket over the rows R (of lot_closes, or of pnl_minutes for
 * an hour: N is 1 a close, or the minute's count). */
#define BUCKET_SUMS(N, U, R)                                                                \
	" sum(" N "), sum(" U "), " SHORTEST("decimal_sum(" R ".fees)")                       \
	", CASE WHEN count(" R ".realized_pnl) > 0 THEN "                                    \
	SHORTEST("decimal_sum(" R ".realized_pnl)") " END"
static const char SQL_MINUTE_DROP[] =
	"DELETE FROM pnl_minutes WHERE quote = " QUOTE_OF("?3") " AND minute IN ("
	SYMBOL_PERIODS("16") ")";
/* Those minutes of the symbol's quote counted again from lot_closes (every
 * symbol of that quote). */
static const char SQL_MINUTE_COUNT[] =
	"INSERT INTO pnl_minutes (minute, " BUCKET_COLS ")"
	" SELECT m.k, " QUOTE_OF("?3") "," BUCKET_SUMS("1", "c.realized_pnl IS NULL", "c")
	", COALESCE(sum" IS_WIN("c.realized_pnl") ", 0), COALESCE(sum" IS_LOSS("c.realized_pnl") ", 0)"
	" FROM (" SYMBOL_PERIODS("16") ") AS m"
	" JOIN lot_closes AS c ON c.closed_at >= m.k AND c.closed_at < m.k || ';'"
	" WHERE " QUOTE_OF("c.symbol") " = " QUOTE_OF("?3")
	" GROUP BY m.k";
static const char SQL_HOUR_DROP[] =
	"DELETE FROM pnl_hours WHERE quote = " QUOTE_OF("?3") " AND hour IN ("
	SYMBOL_PERIODS("13") ")";
/* Those hours of the symbol's quote added up again from their minutes. */
static const char SQL_HOUR_COUNT[] =
	"INSERT INTO pnl_hours (hour, " BUCKET_COLS ")"
	" SELECT h.k, " QUOTE_OF("?3") ","
	BUCKET_SUMS("m.closing_fills", "m.unmatched_fills", "m") ", sum(m.wins), sum(m.losses)"
	" FROM (" SYMBOL_PERIODS("13") ") AS h"
	" JOIN pnl_minutes AS m ON m.minute >= h.k AND m.minute < h.k || ';'"
	" WHERE m.quote = " QUOTE_OF("?3")
	" GROUP BY h.k";

static const char SQL_FEE_ONE[] = FEE_ADD("venue = ?1 AND fill_id = ?2");
static const char SQL_FEE_HOUR_ONE[] = FEE_HOUR_ADD("venue = ?1 AND fill_id = ?2");
static const char SQL_PNL_ONE[] = PNL_ADD("close_seq = ?1");
/* Is there a fill of the symbol after ts ?4? Then this one came late. */
static const char SQL_LATER_FILL[] =
	"SELECT 1 FROM fills WHERE venue = ?1 AND account = ?2 AND symbol = ?3 AND ts > ?4"
	" LIMIT 1";
static const char SQL_PNL_DROP_FROM[] =
	"DELETE FROM pnl_days WHERE venue = ?1 AND account = ?2 AND symbol = ?3 AND day >= ?4";
static const char SQL_PNL_SYMBOL_FROM[] =
	PNL_ADD("venue = ?1 AND account = ?2 AND symbol = ?3 AND closed_at >= ?4");
/* Every position's hours, every minute and hour: the statements of
 * migration 0015. */
static const char SQL_POS_ALL[] =
	"INSERT INTO position_hours (venue, account, symbol, hour, qty, cost_basis)"
	" SELECT venue, account, symbol, hour, " SHORTEST("q") ", " SHORTEST("c")
	" FROM (SELECT venue, account, symbol, hour,"
	"              decimal_sum(dq) OVER w AS q, decimal_sum(dc) OVER w AS c"
	"       FROM (SELECT venue, account, symbol, substr(ts, 1, 13) AS hour,"
	"                    decimal_sum(q) AS dq, decimal_sum(c) AS dc"
	"             FROM (" MOVES("lots AS l", "true", "true") ")"
	"             GROUP BY venue, account, symbol, hour)"
	"       WINDOW w AS (PARTITION BY venue, account, symbol ORDER BY hour))";
static const char SQL_MINUTE_ALL[] =
	"INSERT INTO pnl_minutes (minute, " BUCKET_COLS ")"
	" SELECT substr(c.closed_at, 1, 16) AS minute, " QUOTE_OF("c.symbol") " AS quote,"
	BUCKET_SUMS("1", "c.realized_pnl IS NULL", "c")
	", COALESCE(sum" IS_WIN("c.realized_pnl") ", 0), COALESCE(sum" IS_LOSS("c.realized_pnl") ", 0)"
	" FROM lot_closes AS c GROUP BY minute, quote";
static const char SQL_HOUR_ALL[] =
	"INSERT INTO pnl_hours (hour, " BUCKET_COLS ")"
	" SELECT substr(m.minute, 1, 13) AS hour, m.quote,"
	BUCKET_SUMS("m.closing_fills", "m.unmatched_fills", "m") ", sum(m.wins), sum(m.losses)"
	" FROM pnl_minutes AS m GROUP BY hour, m.quote";
static const char SQL_REBUILD[] =
	"DELETE FROM fee_days; DELETE FROM pnl_days; DELETE FROM position_hours;"
	" DELETE FROM pnl_minutes; DELETE FROM pnl_hours; DELETE FROM fee_hours;" FEE_ADD("true")
	";" FEE_HOUR_ADD("true") ";" PNL_ADD("true") ";";

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

/* Runs `drop` then `add`, each bound to f's symbol and `from` (?4). */
static enum rk_rc recount(struct journal *j, const struct fill_rec *f, const char *from,
			  const char *drop_sql, const char *add_sql, const char *what,
			  struct rk_err *err)
{
	sqlite3_stmt *drop, *add;
	enum rk_rc rc;
	if ((rc = journal_stmt(j, drop_sql, &drop, err)) || (rc = journal_stmt(j, add_sql, &add, err)))
		return rc;
	bind_symbol(drop, f);
	sqlite3_bind_text(drop, 4, from, -1, SQLITE_STATIC);
	bind_symbol(add, f);
	sqlite3_bind_text(add, 4, from, -1, SQLITE_STATIC);
	if ((rc = sqlx_step_done(drop, what, err)))
		return rc;
	return sqlx_step_done(add, what, err);
}

/* Counts the symbol's pnl_days again from the UTC day of `ts` on, its
 * position_hours from the hour of `ts` on, and the minutes and hours of its
 * quote in which it has fills from `ts` on. */
static enum rk_rc recount_symbol(struct journal *j, const struct fill_rec *f, const char *ts,
				 struct rk_err *err)
{
	char day[11], hour[14];
	enum rk_rc rc;
	snprintf(day, sizeof day, "%s", ts);
	snprintf(hour, sizeof hour, "%s", ts);
	if ((rc = recount(j, f, day, SQL_PNL_DROP_FROM, SQL_PNL_SYMBOL_FROM,
			  "counting the symbol's pnl_days", err)) ||
	    (rc = recount(j, f, hour, SQL_POS_DROP_FROM, SQL_POS_SYMBOL_FROM,
			  "counting the symbol's position_hours", err)))
		return rc;
	if ((rc = recount(j, f, ts, SQL_MINUTE_DROP, SQL_MINUTE_COUNT,
			  "counting the pnl_minutes of the symbol's fills", err)))
		return rc;
	return recount(j, f, ts, SQL_HOUR_DROP, SQL_HOUR_COUNT,
		       "counting the pnl_hours of the symbol's fills", err);
}

/* In order: the fill's position and close added to its hour and minute. */
static enum rk_rc add_fill(struct journal *j, int64_t seq, const struct fill_rec *f,
			   struct rk_err *err)
{
	sqlite3_stmt *st;
	enum rk_rc rc;
	if ((rc = journal_stmt(j, SQL_PNL_ONE, &st, err)))
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	if ((rc = sqlx_step_done(st, "adding the fill's close to pnl_days", err)) ||
	    (rc = journal_stmt(j, SQL_POS_ONE, &st, err)))
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	sqlite3_bind_text(st, 2, venue_name(f->venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, f->account, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->symbol, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, f->ts, -1, SQLITE_STATIC);
	if ((rc = sqlx_step_done(st, "adding the fill to position_hours", err)) ||
	    (rc = journal_stmt(j, SQL_MINUTE_ONE, &st, err)))
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	if ((rc = sqlx_step_done(st, "adding the fill's close to pnl_minutes", err)) ||
	    (rc = journal_stmt(j, SQL_HOUR_ONE, &st, err)))
		return rc;
	sqlite3_bind_int64(st, 1, seq);
	return sqlx_step_done(st, "adding the fill's close to pnl_hours", err);
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
	    (rc = journal_stmt(j, SQL_FEE_HOUR_ONE, &st, err)))
		return rc;
	sqlite3_bind_text(st, 1, venue_name(f->venue), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f->fill_id, -1, SQLITE_STATIC);
	if ((rc = sqlx_step_done(st, "adding the fill to fee_hours", err)) ||
	    (rc = came_late(j, f, &late, err)))
		return rc;
	if (late || from_ts) {
		const char *ts = from_ts && strcmp(from_ts, f->ts) < 0 ? from_ts : f->ts;
		return recount_symbol(j, f, ts, err);
	}
	return add_fill(j, seq, f, err);
}

enum rk_rc rollup_rebuild(struct journal *j, struct rk_err *err)
{
	enum rk_rc rc = sqlx_exec(journal_db(j), SQL_REBUILD, err);
	if (!rc)
		rc = sqlx_exec(journal_db(j), SQL_POS_ALL, err);
	if (!rc)
		rc = sqlx_exec(journal_db(j), SQL_MINUTE_ALL, err);
	return rc ? rc : sqlx_exec(journal_db(j), SQL_HOUR_ALL, err);
}
