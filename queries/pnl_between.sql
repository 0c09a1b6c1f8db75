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
-- Amounts are exact (decimal_sum: SQLite's decimal extension, which the
-- sqlite3 shell ships and reckon registers), in their shortest form: no
-- trailing zeros after the point, 0 never -0 (the roll-ups' text does not
-- depend on the order the fills arrived in).
--
-- How it reads: the period [from, to) is its whole UTC hours, read from the
-- roll-up pnl_hours (migration 0015: per hour and quote, kept exact as
-- fills arrive), the whole minutes left at either end from pnl_minutes, and
-- the closes of the seconds left (an instant off the minute) from
-- lot_closes. So a day in any zone is some 24 rows a quote, a month some
-- 750, whatever the number of closes; a period that starts or ends on the
-- minute reads no close at all.
--
-- Example:
--   reckon query pnl_between --db reckon.db --param from_ts=2025-11-01T00:00:00.000000Z \
--                            --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-01T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/pnl_between.sql
WITH r AS (  -- the period, its first whole minute and hour, the minute and hour it ends in
    SELECT f, t,
           CASE WHEN f = '' OR substr(f, 17) = ':00.000000Z' THEN substr(f, 1, 16)
                ELSE strftime('%Y-%m-%dT%H:%M', substr(f, 1, 16), '+1 minute') END AS fm,
           CASE WHEN f = '' OR substr(f, 14) = ':00:00.000000Z' THEN substr(f, 1, 13)
                ELSE strftime('%Y-%m-%dT%H', substr(f, 1, 16), '+1 hour') END AS fh,
           substr(t, 1, 16) AS tm, substr(t, 1, 13) AS th
    FROM (SELECT COALESCE(:from_ts, '') AS f, COALESCE(:to_ts, '9999') AS t)
),
parts AS (
    -- the whole hours
    SELECT h.quote, h.closing_fills AS n, h.unmatched_fills AS u, h.fees, h.realized_pnl
    FROM r, pnl_hours AS h WHERE h.hour >= r.fh AND h.hour < r.th
    UNION ALL
    -- the whole minutes before the first whole hour, and from the last one on
    SELECT m.quote, m.closing_fills, m.unmatched_fills, m.fees, m.realized_pnl
    FROM r, pnl_minutes AS m WHERE m.minute >= r.fm AND m.minute < min(r.fh, r.tm)
    UNION ALL
    SELECT m.quote, m.closing_fills, m.unmatched_fills, m.fees, m.realized_pnl
    FROM r, pnl_minutes AS m WHERE m.minute >= max(r.th, r.fm, r.fh) AND m.minute < r.tm
    UNION ALL
    -- the closes of the seconds before the first whole minute, and from the last one on
    SELECT COALESCE(CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END, ''),
           1, realized_pnl IS NULL, fees, realized_pnl
    FROM (SELECT c.symbol, c.fees, c.realized_pnl
          FROM r, lot_closes AS c WHERE c.closed_at >= r.f AND c.closed_at < min(r.fm, r.t)
          UNION ALL
          SELECT c.symbol, c.fees, c.realized_pnl
          FROM r, lot_closes AS c WHERE c.closed_at >= max(r.tm, r.fm, r.f) AND c.closed_at < r.t)
)
SELECT quote, closing_fills, unmatched_fills,
       CASE WHEN ltrim(fees, '-0.') = '' THEN '0' WHEN instr(fees, '.') = 0 THEN fees
              ELSE rtrim(rtrim(fees, '0'), '.') END AS fees,
       CASE WHEN k > 0 THEN CASE WHEN ltrim(p, '-0.') = '' THEN '0' WHEN instr(p, '.') = 0 THEN p
              ELSE rtrim(rtrim(p, '0'), '.') END END AS realized_pnl
FROM (SELECT NULLIF(quote, '') AS quote, SUM(n) AS closing_fills, SUM(u) AS unmatched_fills,
             decimal_sum(fees) AS fees, SUM(n - u) AS k, decimal_sum(realized_pnl) AS p
      FROM parts
      GROUP BY quote
      HAVING SUM(n) <> 0)
ORDER BY quote;
