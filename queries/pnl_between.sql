-- pnl_between: realized P&L per quote currency between two instants
--
-- Answers: what did the closing fills of a period realize, for any period
-- (a local day, a month to date)? One row per quote currency (derived from
-- the symbol as pnl_by_day does: "BTC-USD" -> USD, "ETHUSDT" -> USDT) with
-- closing fills in the period, from the FIFO closes: closing fills, those
-- with unknown cost basis (unmatched sells: counted, no P&L), their fees
-- (part of the P&L) and realized_pnl (after fees; empty when no close of
-- the row has a known cost).
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Amounts are exact (decimal_sum, decimal_sub: SQLite's decimal extension,
-- which the sqlite3 shell ships and reckon registers). A sum shows as many
-- decimal places as the most precise amount it added or subtracted, and a
-- sum that comes back to exactly zero may show as -0.
--
-- How it reads: the period [from, to) is [from, F0) + [F0, T0) + [T0, to),
-- F0 and T0 being the UTC midnights nearest to from and to. The whole UTC
-- days [F0, T0) come from the roll-up pnl_days (migration 0009, kept
-- exact as fills arrive), the two pieces from lot_closes, added where a
-- piece runs forward and subtracted where it runs back (a day starting at
-- 23:00 UTC is that UTC day's roll-up minus its last hour plus the hour
-- before it). So a day or a month in any zone reads at most twelve hours of
-- rows at each end, whatever the journal's size; in UTC none.
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
r AS (  -- the UTC midnights nearest to f and t, as days and as instants
    SELECT f, t, f0, t0, f0 || 'T00:00:00.000000Z' AS fm, t0 || 'T00:00:00.000000Z' AS tm
    FROM (SELECT f, t,
                 CASE WHEN substr(f, 12, 2) < '12' THEN substr(f, 1, 10)
                      ELSE date(substr(f, 1, 10), '+1 day') END AS f0,
                 CASE WHEN substr(t, 12, 2) < '12' THEN substr(t, 1, 10)
                      ELSE date(substr(t, 1, 10), '+1 day') END AS t0
          FROM b)
),
parts AS (  -- sign 1: added, -1: subtracted
    SELECT 1 AS sign, p.venue, p.account, p.symbol, p.closing_fills AS n,
           p.unmatched_fills AS u, p.fees, p.realized_pnl
    FROM r, pnl_days AS p WHERE p.day >= r.f0 AND p.day < r.t0
    UNION ALL
    SELECT -1, p.venue, p.account, p.symbol, p.closing_fills, p.unmatched_fills, p.fees,
           p.realized_pnl
    FROM r, pnl_days AS p WHERE p.day >= r.t0 AND p.day < r.f0
    UNION ALL
    SELECT 1, c.venue, c.account, c.symbol, 1, c.realized_pnl IS NULL, c.fees, c.realized_pnl
    FROM r, lot_closes AS c WHERE c.closed_at >= r.f AND c.closed_at < r.fm
    UNION ALL
    SELECT -1, c.venue, c.account, c.symbol, 1, c.realized_pnl IS NULL, c.fees, c.realized_pnl
    FROM r, lot_closes AS c WHERE c.closed_at >= r.fm AND c.closed_at < r.f
    UNION ALL
    SELECT 1, c.venue, c.account, c.symbol, 1, c.realized_pnl IS NULL, c.fees, c.realized_pnl
    FROM r, lot_closes AS c WHERE c.closed_at >= r.tm AND c.closed_at < r.t
    UNION ALL
    SELECT -1, c.venue, c.account, c.symbol, 1, c.realized_pnl IS NULL, c.fees, c.realized_pnl
    FROM r, lot_closes AS c WHERE c.closed_at >= r.t AND c.closed_at < r.tm
)
SELECT CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END AS quote,
       SUM(sign * n)                                 AS closing_fills,
       SUM(sign * u)                                 AS unmatched_fills,
       decimal_sum(CASE sign WHEN 1 THEN fees ELSE decimal_sub('0', fees) END) AS fees,
       CASE WHEN SUM(sign * (n - u)) > 0
         THEN decimal_sum(CASE sign WHEN 1 THEN realized_pnl
                                    ELSE decimal_sub('0', realized_pnl) END) END AS realized_pnl
FROM parts
GROUP BY quote
HAVING SUM(sign * n) <> 0
ORDER BY quote;
