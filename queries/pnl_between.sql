-- pnl_between: realized P&L per quote currency between two instants
--
-- Answers: what did the closing fills of a period realize, for any period
-- (a local day, a month to date)? One row per quote currency (derived from
-- the symbol as pnl_by_day does: "BTC-USD" -> USD, "ETHUSDT" -> USDT), from
-- the FIFO closes: closing fills, those with unknown cost basis (unmatched
-- sells: counted, no P&L), their fees (part of the P&L) and realized_pnl
-- (after fees; empty when no close of the row has a known cost).
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Amounts are exact (decimal_sum, as in pnl_by_day). Whole UTC days inside
-- the period are read from the roll-up pnl_days, the partial days at its
-- ends from lot_closes, so a month costs some 30 roll-up rows per symbol
-- plus two days of closes (a sum that comes back to exactly zero may show
-- its sign differently from a sum over every close).
--
-- Example:
--   reckon query pnl_between --db reckon.db --param from_ts=2025-11-01T00:00:00.000000Z \
--                            --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-01T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/pnl_between.sql
WITH b AS (
    SELECT COALESCE(:from_ts, '2000-01-01T00:00:00.000000Z') AS f,
           COALESCE(:to_ts, '2200-01-01T00:00:00.000000Z') AS t
),
days AS (  -- whole UTC days [d0, d1) inside [f, t)
    SELECT f, t,
           CASE WHEN substr(f, 11) = 'T00:00:00.000000Z' THEN substr(f, 1, 10)
                ELSE date(substr(f, 1, 10), '+1 day') END AS d0,
           substr(t, 1, 10) AS d1
    FROM b
),
parts AS (
    SELECT p.symbol, p.closing_fills, p.unmatched_fills, p.fees, p.realized_pnl
    FROM pnl_days AS p, days
    WHERE p.day >= days.d0 AND p.day < days.d1
    UNION ALL
    SELECT c.symbol, 1, c.realized_pnl IS NULL, c.fees, c.realized_pnl
    FROM lot_closes AS c, days
    WHERE c.closed_at >= days.f AND c.closed_at < days.t
      AND (c.closed_at < days.d0 OR c.closed_at >= days.d1)
)
SELECT CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END AS quote,
       SUM(closing_fills)                  AS closing_fills,
       SUM(unmatched_fills)                AS unmatched_fills,
       decimal_sum(fees)                   AS fees,
       CASE WHEN COUNT(realized_pnl) > 0
         THEN decimal_sum(realized_pnl) END AS realized_pnl
FROM parts
GROUP BY quote
ORDER BY quote;
