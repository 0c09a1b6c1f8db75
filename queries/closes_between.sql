-- closes_between: the closing fills of a period per quote, with wins and losses
--
-- Answers: how many closing fills won and lost between two instants, and
-- what did they realize? One row per quote currency (as pnl_by_day derives
-- it) from lot_closes (v_realized_pnl): closing fills, those with unknown
-- cost (unmatched sells: no P&L), wins (realized_pnl > 0), losses (< 0),
-- fees and realized_pnl after fees (empty when no close has a known cost).
-- Reads every close of the period: meant for a day (pnl_between reads the
-- roll-up for longer periods, with the same sums).
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Amounts are exact: decimal_sum and decimal_cmp, the functions of SQLite's
-- decimal extension that the sqlite3 shell ships and reckon registers.
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
       COUNT(*)                                                      AS closing_fills,
       COUNT(*) - COUNT(realized_pnl)                                AS unmatched_fills,
       SUM(realized_pnl IS NOT NULL AND decimal_cmp(realized_pnl, '0') > 0) AS wins,
       SUM(realized_pnl IS NOT NULL AND decimal_cmp(realized_pnl, '0') < 0) AS losses,
       decimal_sum(fees)                                             AS fees,
       CASE WHEN COUNT(realized_pnl) > 0
         THEN decimal_sum(realized_pnl) END                          AS realized_pnl
FROM v_realized_pnl
WHERE closed_at >= COALESCE(:from_ts, '')
  AND closed_at < COALESCE(:to_ts, '9999')
GROUP BY quote
ORDER BY quote;
