-- pnl_by_symbol_between: realized P&L per symbol between two instants
--
-- Answers: which symbols made or lost money in a period (a local day)? One
-- row per venue, account and symbol with a closing fill in the period, from
-- lot_closes (v_realized_pnl), best first: closing fills, fees, and
-- realized_pnl after fees (empty when no close has a known cost), in the
-- symbol's quote currency (quote, as pnl_by_day derives it).
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Amounts are exact (decimal_sum; the order by COLLATE decimal).
--
-- Example:
--   reckon query pnl_by_symbol_between --db reckon.db \
--         --param from_ts=2025-11-22T00:00:00.000000Z --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-22T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/pnl_by_symbol_between.sql
SELECT venue,
       account,
       symbol,
       CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END AS quote,
       COUNT(*)                             AS closing_fills,
       decimal_sum(fees)                    AS fees,
       CASE WHEN COUNT(realized_pnl) > 0
         THEN decimal_sum(realized_pnl) END AS realized_pnl
FROM v_realized_pnl
WHERE closed_at >= COALESCE(:from_ts, '')
  AND closed_at < COALESCE(:to_ts, '9999')
GROUP BY venue, account, symbol
ORDER BY COALESCE(realized_pnl, '0') COLLATE decimal DESC, venue, account, symbol;
