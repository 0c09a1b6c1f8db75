-- protection: every open position with the stop orders protecting it
--
-- Answers: is every position protected right now? One row per non-zero
-- position in the journal, with the open orders whose purpose is stop_loss
-- for the same venue, account and symbol. `state` is:
--   protected    exactly one stop_loss order, for exactly the position size
--   dust         the latest reconciliation run reported it as dust (too
--                small to protect); it is reported, not protected
--   UNPROTECTED  anything else: no stop, several, or a size mismatch
--
-- Parameters (all optional; an unset parameter means "all"):
--   :venue    'coinbase', 'binance-usdm' or 'sim'
--   :account  account name
--
-- Amounts: qty, stop_qty and stop_price are exact decimal TEXT; sizes are
-- compared as canonical text, which is exact.
--
-- Example:
--   reckon query protection --db reckon.db --param venue=coinbase
--   sqlite3 reckon.db
--     sqlite> .parameter set :venue "'coinbase'"
--     sqlite> .read queries/protection.sql
WITH stops AS (
    SELECT venue, account, symbol, count(*) AS n,
           group_concat(order_id, ' ') AS order_ids,
           group_concat(qty, ' ') AS qtys,
           group_concat(COALESCE(stop_price, ''), ' ') AS stop_prices
    FROM orders
    WHERE status IN ('open', 'partially_filled') AND purpose = 'stop_loss'
    GROUP BY venue, account, symbol
),
latest AS (
    SELECT venue, account, max(id) AS run_id FROM recon_runs GROUP BY venue, account
)
SELECT p.venue, p.account, p.symbol, p.qty, p.avg_entry,
       COALESCE(s.n, 0) AS stops, s.order_ids AS stop_order_ids, s.qtys AS stop_qty,
       s.stop_prices AS stop_price,
       CASE
         WHEN s.n = 1 AND s.qtys = ltrim(p.qty, '-') THEN 'protected'
         WHEN EXISTS (SELECT 1 FROM findings f JOIN latest l
                        ON l.venue = f.venue AND l.account = f.account AND f.run_id = l.run_id
                      WHERE f.kind = 'dust' AND f.venue = p.venue AND f.account = p.account
                        AND f.symbol = p.symbol) THEN 'dust'
         ELSE 'UNPROTECTED'
       END AS state
FROM positions p
LEFT JOIN stops s ON s.venue = p.venue AND s.account = p.account AND s.symbol = p.symbol
WHERE p.qty <> '0'
  AND p.venue = COALESCE(:venue, p.venue)
  AND p.account = COALESCE(:account, p.account)
ORDER BY p.venue, p.account, p.symbol;
