-- halts: symbols reckon refuses to act on until an operator looks
--
-- Answers: where has reckon stopped acting, since when, and why? One row per
-- halted venue, account and symbol from the halts table, oldest first.
--
-- Parameters (all optional; an unset parameter means "all"):
--   :venue    'coinbase', 'binance-usdm' or 'sim'
--   :account  account name
--
-- Example:
--   reckon query halts --db reckon.db --param venue=coinbase
--   sqlite3 reckon.db
--     sqlite> .parameter set :venue "'coinbase'"
--     sqlite> .read queries/halts.sql
SELECT venue,
       account,
       symbol,
       halted_at,
       reason
FROM halts
WHERE venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
ORDER BY halted_at, venue, account, symbol;
