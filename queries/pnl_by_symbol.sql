-- pnl_by_symbol: realized P&L per venue, account and symbol
--
-- Answers: which symbols made or lost money? One row per venue, account and
-- symbol with at least one closing fill in the period, from the FIFO view
-- v_realized_pnl; amounts are in the symbol's quote currency.
--
-- Parameters (all optional; an unset parameter means "all"):
--   :from     first day included, 'YYYY-MM-DD' (UTC date of closed_at)
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
--   reckon query pnl_by_symbol --db reckon.db --param from=2025-11-01 --param to=2025-11-30
--   sqlite3 reckon.db
--     sqlite> .parameter set :from "'2025-11-01'"
--     sqlite> .parameter set :to "'2025-11-30'"
--     sqlite> .read queries/pnl_by_symbol.sql
--   (the shell strips one level of quotes, then reads the value as SQL:
--   "'2025-11-22'" is the text, a bare 2025-11-22 would be the number 1992)
--
-- Reads the roll-up pnl_days (migration 0009: per day, venue, account and
-- symbol, kept exact and up to date as fills arrive), not every closing
-- fill: the figures of the same sums over v_realized_pnl grouped by venue,
-- account and symbol (a sum that comes back to exactly zero may show its
-- sign differently: the roll-up adds each day first).
SELECT venue,
       account,
       symbol,
       SUM(closing_fills)                AS closing_fills,
       SUM(unmatched_fills)              AS unmatched_fills,
       decimal_sum(qty)                  AS qty,
       decimal_sum(proceeds)             AS proceeds,
       CASE WHEN COUNT(cost_basis) > 0
         THEN decimal_sum(cost_basis) END AS cost_basis,
       decimal_sum(fees)                 AS fees,
       CASE WHEN COUNT(realized_pnl) > 0
         THEN decimal_sum(realized_pnl) END AS realized_pnl,
       MIN(first_close)                  AS first_close,
       MAX(last_close)                   AS last_close
FROM pnl_days
WHERE day >= COALESCE(:from, '')
  AND day <= COALESCE(:to, '9999-12-31')
  AND venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND symbol = COALESCE(:symbol, symbol)
GROUP BY venue, account, symbol
ORDER BY venue, account, symbol;
