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
-- Amounts are exact (decimal_sum: SQLite's decimal extension), in their
-- shortest form, as pnl_between prints them. Each period is read as
-- pnl_between reads one: its whole UTC hours from the roll-up pnl_hours,
-- the whole minutes left at either end from pnl_minutes, the closes of the
-- seconds left from lot_closes. 30 local days are some 720 rows a quote.
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
r AS (  -- each period, its first whole minute and hour, the minute and hour it ends in
    SELECT period, f, t,
           CASE WHEN f = '' OR substr(f, 17) = ':00.000000Z' THEN substr(f, 1, 16)
                ELSE strftime('%Y-%m-%dT%H:%M', substr(f, 1, 16), '+1 minute') END AS fm,
           CASE WHEN f = '' OR substr(f, 14) = ':00:00.000000Z' THEN substr(f, 1, 13)
                ELSE strftime('%Y-%m-%dT%H', substr(f, 1, 16), '+1 hour') END AS fh,
           substr(t, 1, 16) AS tm, substr(t, 1, 13) AS th
    FROM (SELECT a.i AS period, a.ts AS f, b.ts AS t
          FROM bounds AS a JOIN bounds AS b ON b.i = a.i + 1)
),
parts AS (
    -- the whole hours
    SELECT r.period, h.quote, h.closing_fills AS n, h.unmatched_fills AS u, h.fees, h.realized_pnl
    FROM r, pnl_hours AS h WHERE h.hour >= r.fh AND h.hour < r.th
    UNION ALL
    -- the whole minutes before the first whole hour, and from the last one on
    SELECT r.period, m.quote, m.closing_fills, m.unmatched_fills, m.fees, m.realized_pnl
    FROM r, pnl_minutes AS m WHERE m.minute >= r.fm AND m.minute < min(r.fh, r.tm)
    UNION ALL
    SELECT r.period, m.quote, m.closing_fills, m.unmatched_fills, m.fees, m.realized_pnl
    FROM r, pnl_minutes AS m WHERE m.minute >= max(r.th, r.fm, r.fh) AND m.minute < r.tm
    UNION ALL
    -- the closes of the seconds before the first whole minute, and from the last one on
    SELECT period, COALESCE(CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END, ''),
           1, realized_pnl IS NULL, fees, realized_pnl
    FROM (SELECT r.period, c.symbol, c.fees, c.realized_pnl
          FROM r, lot_closes AS c WHERE c.closed_at >= r.f AND c.closed_at < min(r.fm, r.t)
          UNION ALL
          SELECT r.period, c.symbol, c.fees, c.realized_pnl
          FROM r, lot_closes AS c WHERE c.closed_at >= max(r.tm, r.fm, r.f) AND c.closed_at < r.t)
)
SELECT period, quote, closing_fills, unmatched_fills,
       CASE WHEN ltrim(fees, '-0.') = '' THEN '0' WHEN instr(fees, '.') = 0 THEN fees
              ELSE rtrim(rtrim(fees, '0'), '.') END AS fees,
       CASE WHEN k > 0 THEN CASE WHEN ltrim(p, '-0.') = '' THEN '0' WHEN instr(p, '.') = 0 THEN p
              ELSE rtrim(rtrim(p, '0'), '.') END END AS realized_pnl
FROM (SELECT period, NULLIF(quote, '') AS quote, SUM(n) AS closing_fills,
             SUM(u) AS unmatched_fills, decimal_sum(fees) AS fees, SUM(n - u) AS k,
             decimal_sum(realized_pnl) AS p
      FROM parts
      GROUP BY period, quote
      HAVING SUM(n) <> 0)
ORDER BY period, quote;
