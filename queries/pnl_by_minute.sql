-- pnl_by_minute: realized P&L per minute and quote between two instants
--
-- Answers: when in a period (a local day) was the P&L realized, and how
-- many closes won and lost? One row per UTC minute ('YYYY-MM-DDTHH:MM') and
-- quote currency with a closing fill of known cost, oldest first, from
-- lot_closes (v_realized_pnl): its closing fills, wins (realized_pnl above
-- zero), losses (below), and the sum of its realized_pnl. The daily report
-- draws its running total through the day from these rows and adds up
-- their wins and losses. Reads every close of the period: meant for a day
-- (pnl_between reads the roll-up for longer periods).
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Amounts are exact (decimal_sum, SQLite's decimal extension); the sign of
-- an amount is read from its canonical text (a leading '-', a digit other
-- than 0), exactly, without arithmetic.
--
-- Example:
--   reckon query pnl_by_minute --db reckon.db --param from_ts=2025-11-22T00:00:00.000000Z \
--                              --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-22T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/pnl_by_minute.sql
SELECT substr(closed_at, 1, 16)   AS minute,
       CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END AS quote,
       COUNT(*)                   AS closing_fills,
       SUM(realized_pnl NOT LIKE '-%' AND ltrim(realized_pnl, '0.') <> '') AS wins,
       SUM(realized_pnl LIKE '-%' AND ltrim(realized_pnl, '-0.') <> '')    AS losses,
       decimal_sum(realized_pnl)  AS realized_pnl
FROM v_realized_pnl
WHERE closed_at >= COALESCE(:from_ts, '')
  AND closed_at < COALESCE(:to_ts, '9999')
  AND realized_pnl IS NOT NULL
GROUP BY minute, quote
ORDER BY minute, quote;
