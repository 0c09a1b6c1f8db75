-- pnl_by_day: realized P&L per UTC day, venue, account and quote currency
--
-- Answers: how much did the closing fills of each day realize? One row per
-- day (UTC date of closed_at), venue, account and quote currency, from the
-- FIFO view v_realized_pnl. P&L is in the symbol's quote currency, so days
-- are split by quote (USD and USDT are never added together). The quote is
-- derived from the symbol the way symbol_split() in src/model.c does it:
-- "BTC-USD" -> USD; "ETHUSDT" -> USDT (suffixes FDUSD USDT USDC BUSD BTC ETH BNB).
--
-- Parameters (all optional; an unset parameter means "all"):
--   :from     first day included, 'YYYY-MM-DD'
--   :to       last day included, 'YYYY-MM-DD'
--   :venue    'coinbase', 'binance-usdm' or 'sim'
--   :account  account name
--   :symbol   e.g. 'BTC-USD'
--
-- unmatched_fills counts closing fills whose cost basis is unknown (sold
-- beyond the open lots, see findings_open): their proceeds and fees are in
-- the sums, but they add nothing to cost_basis and realized_pnl (empty when
-- no fill of the row has a known cost).
--
-- Amounts are exact: sums use decimal_sum, the function of SQLite's decimal
-- extension that the sqlite3 shell ships and that reckon registers on its
-- own exact decimals, so this file prints the same figures in `reckon query`
-- and in the shell. A sum shows as many decimal places as its most precise
-- term (6200 + 2900.5 = 9100.5), and a sum that comes back to zero from
-- below shows as -0 (or -0.0), as in the shell.
--
-- Example:
--   reckon query pnl_by_day --db reckon.db --param from=2025-11-01 --param venue=coinbase
--   sqlite3 reckon.db
--     sqlite> .parameter set :from "'2025-11-01'"
--     sqlite> .parameter set :venue "'coinbase'"
--     sqlite> .read queries/pnl_by_day.sql
--   (the shell strips one level of quotes, then reads the value as SQL:
--   "'2025-11-22'" is the text, a bare 2025-11-22 would be the number 1992)
--
-- Reads the roll-up pnl_days (migration 0009: per day, venue, account and
-- symbol, kept exact and up to date as fills arrive), not every closing
-- fill. It gives the figures of
--   SELECT substr(closed_at, 1, 10) AS day, venue, account, <quote>,
--          COUNT(*), COUNT(*) - COUNT(realized_pnl), decimal_sum(proceeds),
--          CASE WHEN COUNT(cost_basis) > 0 THEN decimal_sum(cost_basis) END,
--          decimal_sum(fees),
--          CASE WHEN COUNT(realized_pnl) > 0 THEN decimal_sum(realized_pnl) END
--   FROM v_realized_pnl GROUP BY day, venue, account, quote
-- (a sum that comes back to exactly zero may show its sign differently:
-- the roll-up adds each symbol's day first).
SELECT day,
       venue,
       account,
       CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END                                       AS quote,
       SUM(closing_fills)                        AS closing_fills,
       SUM(unmatched_fills)                      AS unmatched_fills,
       decimal_sum(proceeds)                     AS proceeds,
       CASE WHEN COUNT(cost_basis) > 0
         THEN decimal_sum(cost_basis) END        AS cost_basis,
       decimal_sum(fees)                         AS fees,
       CASE WHEN COUNT(realized_pnl) > 0
         THEN decimal_sum(realized_pnl) END      AS realized_pnl
FROM pnl_days
WHERE day >= COALESCE(:from, '')
  AND day <= COALESCE(:to, '9999-12-31')
  AND venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND symbol = COALESCE(:symbol, symbol)
GROUP BY day, venue, account, quote
ORDER BY day, venue, account, quote;
