-- open_orders: orders that may still trade (open or partially filled)
--
-- Answers: what does reckon believe is resting on the venues? One row per
-- order whose last known status is open or partially_filled, from the orders
-- table, oldest first within each venue, account and symbol. Protective
-- orders show their purpose (stop_loss, take_profit) and stop_price.
--
-- Parameters (all optional; an unset parameter means "all"):
--   :venue    'coinbase', 'binance-usdm' or 'sim'
--   :account  account name
--   :symbol   e.g. 'BTC-USD'
--
-- Amounts: qty, filled_qty, price and stop_price are the exact decimal TEXT
-- as journaled (no arithmetic here).
--
-- Example:
--   reckon query open_orders --db reckon.db --param venue=coinbase
--   sqlite3 reckon.db
--     sqlite> .parameter set :venue "'coinbase'"
--     sqlite> .read queries/open_orders.sql
--
-- Two statements, one per shape of the parameters, so that each reads the
-- partial index of the open orders (orders_open_only) as far as it must: the
-- first runs when venue, account and symbol are all given (a seek), the
-- second otherwise; a guard on the parameters makes the other one return
-- nothing (also in the shell).
SELECT venue,
       account,
       symbol,
       order_id,
       client_order_id,
       side,
       order_type,
       purpose,
       reduce_only,
       status,
       qty,
       filled_qty,
       price,
       stop_price,
       first_seen,
       last_seen
FROM orders
WHERE status IN ('open', 'partially_filled')
  AND :venue IS NOT NULL AND :account IS NOT NULL AND :symbol IS NOT NULL
  AND venue = :venue
  AND account = :account
  AND symbol = :symbol
ORDER BY venue, account, symbol, first_seen, order_id;
SELECT venue,
       account,
       symbol,
       order_id,
       client_order_id,
       side,
       order_type,
       purpose,
       reduce_only,
       status,
       qty,
       filled_qty,
       price,
       stop_price,
       first_seen,
       last_seen
FROM orders
WHERE status IN ('open', 'partially_filled')
  AND (:venue IS NULL OR :account IS NULL OR :symbol IS NULL)
  AND venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND symbol = COALESCE(:symbol, symbol)
ORDER BY venue, account, symbol, first_seen, order_id;
