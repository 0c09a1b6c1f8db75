-- closes_between: closing fills won and lost per quote between two instants
--
-- Answers: how many closing fills of a period (a local day) won, and how
-- many lost? One row per quote currency (as pnl_by_day derives it) with
-- closing fills in the period, from lot_closes (v_realized_pnl): closing
-- fills, those with unknown cost (unmatched sells: neither won nor lost),
-- wins (realized_pnl above zero) and losses (below). Reads every close of
-- the period: meant for a day. The P&L itself is pnl_between's.
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- The sign of an amount is read from its canonical text (a leading '-', a
-- digit other than 0), exactly, without arithmetic.
--
-- Example:
--   reckon query closes_between --db reckon.db --param from_ts=2025-11-22T00:00:00.000000Z \
--                               --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-22T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/closes_between.sql
SELECT CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END AS quote,
       COUNT(*)                               AS closing_fills,
       COUNT(*) - COUNT(realized_pnl)         AS unmatched_fills,
       SUM(realized_pnl NOT LIKE '-%' AND ltrim(realized_pnl, '0.') <> '') AS wins,
       SUM(realized_pnl LIKE '-%' AND ltrim(realized_pnl, '-0.') <> '')    AS losses
FROM v_realized_pnl
WHERE closed_at >= COALESCE(:from_ts, '')
  AND closed_at < COALESCE(:to_ts, '9999')
GROUP BY quote
ORDER BY quote;
