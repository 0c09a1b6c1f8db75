/*
 * rollup.h — the report roll-ups (migration 0009): `fee_days` and
 * `pnl_days`, exact per-day sums over `fills` and `lot_closes` that the
 * named reports read instead of aggregating all history (queries/
 * fees_by_day, pnl_by_day, pnl_by_symbol).
 *
 *   fee_days   per UTC day (of fills.ts), venue, account and fee currency,
 *              over the fills with a fee currency: their count and the sum
 *              of their fees, added in seq order;
 *   pnl_days   per UTC day (of closed_at), venue, account and symbol, over
 *              lot_closes: counts, the sums of qty, proceeds and fees, the
 *              sums of the known cost bases and realized P&L (NULL when none
 *              is known), first and last close; added in (closed_at,
 *              close_seq) order;
 *   position_hours (migration 0015) per venue, account, symbol and UTC
 *              hour in which a lot of it opened or a close took from its
 *              lots: the position at the hour's end, signed quantity (short
 *              < 0) and cost, i.e. every lot opened up to then less what
 *              every close up to then took (queries/positions_marked: the
 *              position at a moment is the row of the latest hour before
 *              its own, plus the moves of its own hour before it);
 *   pnl_minutes (migration 0015) per UTC minute (of closed_at) and quote
 *              currency ('' for none), over lot_closes: how many, those of
 *              unknown cost, the sums of fees and of the known realized P&L
 *              (NULL when none), winners and losers (queries/pnl_by_minute);
 *   pnl_hours  (migration 0015) the same per UTC hour, the sums of its
 *              minutes (queries/pnl_between, pnl_by_period);
 *   fee_hours  (migration 0015) fee_days per UTC hour (queries/fees_between).
 *
 * Sums are the decimal extension's (sqldec.h), exact, never REAL; each
 * starts from '0' and adds its terms in the order above, as decimal_sum
 * does, so a roll-up row holds exactly what decimal_sum over its rows in
 * that order gives (digits after the point and the sign of a zero
 * included). position_hours, pnl_minutes and pnl_hours add terms in an
 * order that depends on the order fills arrive in, so they write each sum
 * in its shortest form (no trailing zeros after the point, no sign on a
 * zero): its text is then a function of its value alone. Whatever order
 * fills arrive in, the tables are that function
 * of `fills` and `lot_closes`: a replay, lots_rebuild + rollup_rebuild and
 * the migration's own fill all agree row for row (audit verify compares
 * them; they are in EVENTS_TABLES).
 *
 * Cost: an in-order fill is one upsert into each table (a few index
 * seeks; its position_hours row is a copy of lot_positions). A fill older
 * than the newest of its symbol, or one that superseded inferred fills
 * (lots.h re-allocates the symbol from there), re-counts that symbol's
 * pnl_days from the day it changed on and its position_hours from the hour,
 * and the minutes and hours of its quote in which the symbol has fills from
 * then on (the closes the lot engine re-allocated are among them; an hour
 * is added up again from its minutes).
 */
#ifndef RECKON_ROLLUP_H
#define RECKON_ROLLUP_H

#include <stdint.h>

#include "err.h"
#include "journal.h"
#include "model.h"

/*
 * Brings the roll-ups up to date after fill `f` (event `seq`) was written to
 * `fills` and allocated (lots_apply_fill_from), in the caller's
 * transaction. `from_ts` (NULL: none) is the earliest timestamp the lot
 * engine re-allocated from because of superseded inferred fills. On error
 * (RK_EDB, an SQL function refusing a value) the caller rolls back.
 */
enum rk_rc rollup_fill(struct journal *j, int64_t seq, const struct fill_rec *f,
		       const char *from_ts, struct rk_err *err);

/*
 * Empties both roll-ups and computes them again from `fills` and
 * `lot_closes` (after lots_rebuild). Must run inside a transaction.
 */
enum rk_rc rollup_rebuild(struct journal *j, struct rk_err *err);

#endif
