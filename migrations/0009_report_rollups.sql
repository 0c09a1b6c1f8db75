-- 0009_report_rollups: reports read indexes and roll-ups, not all history.
--
-- Indexes for the named queries (queries/):
--   fills_ts            fills_of_day (and any report over a time range of fills)
--   orders_open_only    open_orders, protection: only the open orders
--   lot_closes_symbol   largest_losers of one symbol; the roll-up's re-count
--                       of a symbol after a late fill (src/journal/rollup.c)
--
-- Roll-ups, kept by src/journal/rollup.c in the transaction of each fill
-- (so exactly as current as the fills and lots) and rebuilt by a replay
-- like every other projection (EVENTS_TABLES):
--   fee_days   one row per UTC day, venue, account and fee currency of the
--              fills with a fee currency: their count and the exact sum of
--              their fees, added in seq order (fees_by_day)
--   pnl_days   one row per UTC day (of closed_at), venue, account and symbol
--              of the closing fills (lot_closes): counts and the exact sums
--              of qty, proceeds, fees, and of the known cost bases and
--              realized P&L (NULL when none is known), added in (closed_at,
--              close_seq) order, and the first and last close time
--              (pnl_by_day, pnl_by_symbol)
-- Every sum is decimal_add/decimal_sum (sqldec.h): exact, never REAL. A sum
-- starts from '0' and adds its terms in that order, as decimal_sum does, so
-- a roll-up holds what decimal_sum over the same rows in the same order
-- prints.
--
-- The statements below fill them for an existing journal; they are the ones
-- rollup.c runs for each fill (with a WHERE for that fill), over every row.
-- It is written to run again on a journal that has its objects (IF NOT
-- EXISTS, the roll-ups emptied first), as on one made by hand for a test.
CREATE INDEX IF NOT EXISTS fills_ts ON fills(ts);
CREATE INDEX IF NOT EXISTS orders_open_only ON orders(venue, account, symbol, first_seen, order_id)
    WHERE status IN ('open', 'partially_filled');
CREATE INDEX IF NOT EXISTS lot_closes_symbol ON lot_closes(venue, account, symbol, closed_at);

CREATE TABLE IF NOT EXISTS fee_days (
    day          TEXT    NOT NULL,      -- substr(fills.ts, 1, 10), UTC
    venue        TEXT    NOT NULL,
    account      TEXT    NOT NULL,
    fee_currency TEXT    NOT NULL,      -- never NULL or '' (such fills are left out)
    fills        INTEGER NOT NULL,      -- fills counted
    fees         TEXT    NOT NULL,      -- decimal sum of their fee, in seq order
    PRIMARY KEY (day, venue, account, fee_currency)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS pnl_days (
    day             TEXT    NOT NULL,   -- substr(lot_closes.closed_at, 1, 10), UTC
    venue           TEXT    NOT NULL,
    account         TEXT    NOT NULL,
    symbol          TEXT    NOT NULL,
    closing_fills   INTEGER NOT NULL,   -- rows of lot_closes
    unmatched_fills INTEGER NOT NULL,   -- of which realized_pnl IS NULL
    qty             TEXT    NOT NULL,   -- decimal sums, in (closed_at, close_seq) order
    proceeds        TEXT    NOT NULL,
    cost_basis      TEXT,               -- of the known cost bases; NULL when none
    fees            TEXT    NOT NULL,
    realized_pnl    TEXT,               -- of the known realized P&L; NULL when none
    first_close     TEXT    NOT NULL,   -- MIN(closed_at)
    last_close      TEXT    NOT NULL,   -- MAX(closed_at)
    PRIMARY KEY (day, venue, account, symbol)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS pnl_days_symbol ON pnl_days(venue, account, symbol, day);

DELETE FROM fee_days;
DELETE FROM pnl_days;

INSERT INTO fee_days (day, venue, account, fee_currency, fills, fees)
SELECT substr(ts, 1, 10), venue, account, fee_currency, 1, decimal_add('0', fee)
FROM fills
WHERE fee_currency IS NOT NULL AND fee_currency <> ''
ORDER BY seq
ON CONFLICT (day, venue, account, fee_currency) DO UPDATE SET
    fills = fills + 1,
    fees = decimal_add(fees, excluded.fees);

INSERT INTO pnl_days (day, venue, account, symbol, closing_fills, unmatched_fills, qty,
                      proceeds, cost_basis, fees, realized_pnl, first_close, last_close)
SELECT substr(closed_at, 1, 10), venue, account, symbol, 1, realized_pnl IS NULL,
       decimal_add('0', qty), decimal_add('0', proceeds), decimal_add('0', cost_basis),
       decimal_add('0', fees), decimal_add('0', realized_pnl), closed_at, closed_at
FROM lot_closes
WHERE true
ORDER BY closed_at, close_seq
ON CONFLICT (day, venue, account, symbol) DO UPDATE SET
    closing_fills = closing_fills + 1,
    unmatched_fills = unmatched_fills + excluded.unmatched_fills,
    qty = decimal_add(qty, excluded.qty),
    proceeds = decimal_add(proceeds, excluded.proceeds),
    cost_basis = CASE WHEN excluded.cost_basis IS NULL THEN cost_basis
                      WHEN cost_basis IS NULL THEN excluded.cost_basis
                      ELSE decimal_add(cost_basis, excluded.cost_basis) END,
    fees = decimal_add(fees, excluded.fees),
    realized_pnl = CASE WHEN excluded.realized_pnl IS NULL THEN realized_pnl
                        WHEN realized_pnl IS NULL THEN excluded.realized_pnl
                        ELSE decimal_add(realized_pnl, excluded.realized_pnl) END,
    first_close = min(first_close, excluded.first_close),
    last_close = max(last_close, excluded.last_close);
