-- fills_of_day: every fill of one UTC day, in time order
--
-- Answers: what traded on a given day? One row per fill whose timestamp
-- falls on :day (UTC), oldest first, from the fills table. inferred = 1
-- marks a fill the reconciler reconstructed rather than one reported.
--
-- Parameters:
--   :day      the UTC day, 'YYYY-MM-DD' (optional; default: today, UTC)
--   :venue    'coinbase', 'binance-usdm' or 'sim' (optional; default: all)
--   :account  account name (optional; default: all)
--   :symbol   e.g. 'BTC-USD' (optional; default: all)
--
-- Amounts: qty, price and fee are the exact decimal TEXT as journaled.
-- notional = qty x price, exact: decimal_mul, the function of SQLite's
-- decimal extension that the sqlite3 shell ships and reckon registers too
-- (same figures in both). It keeps every significant digit, up to the 36
-- places of two 18-place amounts, but at least as many places as the
-- shorter of qty and price has (2 x 2000 = 4000; 536.6 x 0.0525 = 28.1715).
--
-- Example:
--   reckon query fills_of_day --db reckon.db --param day=2025-11-22
--   sqlite3 reckon.db
--     sqlite> .parameter set :day "'2025-11-22'"
--     sqlite> .read queries/fills_of_day.sql
--   (the shell strips one level of quotes, then reads the value as SQL:
--   "'2025-11-22'" is the text, a bare 2025-11-22 would be the number 1992)
--
-- Two statements, one per shape of the parameters, so that each reads an
-- index (fills_symbol_ts or fills_ts): the first runs when venue, account
-- and symbol are all given, the second otherwise; a guard on the
-- parameters makes the other one return nothing (also in the shell).
SELECT ts,
       venue,
       account,
       symbol,
       side,
       qty,
       price,
       decimal_mul(qty, price)     AS notional,
       fee,
       fee_currency,
       liquidity,
       fill_id,
       order_id,
       inferred
FROM fills
WHERE ts >= COALESCE(:day, date('now'))
  AND ts < date(COALESCE(:day, date('now')), '+1 day')
  AND :venue IS NOT NULL AND :account IS NOT NULL AND :symbol IS NOT NULL
  AND venue = :venue
  AND account = :account
  AND symbol = :symbol
ORDER BY ts, seq;
SELECT ts,
       venue,
       account,
       symbol,
       side,
       qty,
       price,
       decimal_mul(qty, price)     AS notional,
       fee,
       fee_currency,
       liquidity,
       fill_id,
       order_id,
       inferred
FROM fills
WHERE (:venue IS NULL OR :account IS NULL OR :symbol IS NULL)
  AND ts >= COALESCE(:day, date('now'))
  AND ts < date(COALESCE(:day, date('now')), '+1 day')
  AND venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND symbol = COALESCE(:symbol, symbol)
ORDER BY ts, seq;
