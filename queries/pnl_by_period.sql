-- pnl_by_period: realized P&L per quote currency in consecutive periods
--
-- Answers: what did the closing fills of each of several consecutive
-- periods realize (the daily report's 30 local days, in one statement)?
-- One row per period and quote currency (as pnl_by_day derives it) with
-- closing fills in the period: the period's number (0 for the first),
-- closing fills, those with unknown cost basis (no P&L), their fees and
-- realized_pnl after fees (empty when no close has a known cost); the
-- figures pnl_between gives for each period on its own.
--
-- Parameters:
--   :bounds   a JSON array of canonical UTC instants in increasing order,
--             '["2025-11-20T23:00:00.000000Z","2025-11-21T23:00:00.000000Z",...]':
--             period i runs from element i (included) to element i+1
--             (excluded). Not set: no periods, no rows.
--
-- Amounts are exact (decimal_sum, decimal_sub: SQLite's decimal extension).
-- Each period is read as pnl_between reads one: the whole UTC days inside
-- it from the roll-up pnl_days, the pieces between its ends and the UTC
-- midnights nearest to them from lot_closes, added or subtracted.
--
-- Example:
--   reckon query pnl_by_period --db reckon.db \
--     --param 'bounds=["2025-11-21T23:00:00.000000Z","2025-11-22T23:00:00.000000Z","2025-11-23T23:00:00.000000Z"]'
--   sqlite3 reckon.db
--     sqlite> .parameter set :bounds "'[\"2025-11-21T23:00:00.000000Z\",\"2025-11-22T23:00:00.000000Z\"]'"
--     sqlite> .read queries/pnl_by_period.sql
WITH bounds AS (
    SELECT CAST(key AS INTEGER) AS i, value AS ts FROM json_each(COALESCE(:bounds, '[]'))
),
r AS (  -- each period, and the UTC midnights nearest to its ends
    SELECT period, f, t, f0, t0, f0 || 'T00:00:00.000000Z' AS fm, t0 || 'T00:00:00.000000Z' AS tm
    FROM (SELECT a.i AS period, a.ts AS f, b.ts AS t,
                 CASE WHEN substr(a.ts, 12, 2) < '12' THEN substr(a.ts, 1, 10)
                      ELSE date(substr(a.ts, 1, 10), '+1 day') END AS f0,
                 CASE WHEN substr(b.ts, 12, 2) < '12' THEN substr(b.ts, 1, 10)
                      ELSE date(substr(b.ts, 1, 10), '+1 day') END AS t0
          FROM bounds AS a JOIN bounds AS b ON b.i = a.i + 1)
),
parts AS (  -- sign 1: added, -1: subtracted
    SELECT r.period, 1 AS sign, p.symbol, p.closing_fills AS n, p.unmatched_fills AS u, p.fees,
           p.realized_pnl
    FROM r, pnl_days AS p WHERE p.day >= r.f0 AND p.day < r.t0
    UNION ALL
    SELECT r.period, -1, p.symbol, p.closing_fills, p.unmatched_fills, p.fees, p.realized_pnl
    FROM r, pnl_days AS p WHERE p.day >= r.t0 AND p.day < r.f0
    UNION ALL
    SELECT r.period, 1, c.symbol, 1, c.realized_pnl IS NULL, c.fees, c.realized_pnl
    FROM r, lot_closes AS c WHERE c.closed_at >= r.f AND c.closed_at < r.fm
    UNION ALL
    SELECT r.period, -1, c.symbol, 1, c.realized_pnl IS NULL, c.fees, c.realized_pnl
    FROM r, lot_closes AS c WHERE c.closed_at >= r.fm AND c.closed_at < r.f
    UNION ALL
    SELECT r.period, 1, c.symbol, 1, c.realized_pnl IS NULL, c.fees, c.realized_pnl
    FROM r, lot_closes AS c WHERE c.closed_at >= r.tm AND c.closed_at < r.t
    UNION ALL
    SELECT r.period, -1, c.symbol, 1, c.realized_pnl IS NULL, c.fees, c.realized_pnl
    FROM r, lot_closes AS c WHERE c.closed_at >= r.t AND c.closed_at < r.tm
)
SELECT period,
       CASE
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
GROUP BY period, quote
HAVING SUM(sign * n) <> 0
ORDER BY period, quote;
