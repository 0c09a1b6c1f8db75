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
--
-- Two statements, one per shape of the parameters, so that each reads the
-- partial index of the open lots (lots_open) as far as it must: the
-- first runs when venue, account and symbol are all given (a seek), the
-- second otherwise; a guard on the parameters makes the other one return
-- nothing (also in the shell).
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
WHERE :venue IS NOT NULL AND :account IS NOT NULL AND :symbol IS NOT NULL
  AND venue = :venue
  AND account = :account
  AND symbol = :symbol
ORDER BY venue, account, symbol, opened_at, lot_id;
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
WHERE (:venue IS NULL OR :account IS NULL OR :symbol IS NULL)
  AND venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND symbol = COALESCE(:symbol, symbol)
ORDER BY venue, account, symbol, opened_at, lot_id;
