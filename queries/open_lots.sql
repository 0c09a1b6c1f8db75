-- open_lots: lots not yet fully closed, in FIFO order
--
-- Answers: which opening fills still make up the positions, how much of each
-- remains and at what cost? One row per open lot from v_open_lots, oldest
-- first within each venue, account and symbol: the next closing fill
-- consumes the first row.
--
-- Parameters (all optional; an unset parameter means "all"):
--   :venue    'coinbase', 'binance-usdm' or 'sim'
--   :account  account name
--   :symbol   e.g. 'BTC-USD'
--
-- Amounts: qty_remaining, cost_remaining and unit_cost are the view's exact
-- decimal TEXT, unchanged (no arithmetic here).
--
-- Example:
--   reckon query open_lots --db reckon.db --param symbol=BTC-USD
--   sqlite3 reckon.db
--     sqlite> .parameter set :symbol "'BTC-USD'"
--     sqlite> .read queries/open_lots.sql
SELECT venue,
       account,
       symbol,
       lot_id,
       fill_id,
       opened_at,
       side,
       qty_remaining,
       cost_remaining,
       unit_cost
FROM v_open_lots
WHERE venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND symbol = COALESCE(:symbol, symbol)
ORDER BY venue, account, symbol, opened_at, lot_id;
