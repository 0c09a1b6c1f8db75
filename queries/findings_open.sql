-- findings_open: findings not yet resolved, from any run or the lot engine
--
-- Answers: what still needs attention? One row per finding whose
-- resolved_at is empty, oldest first: reconciliation findings (with their
-- run) and FIFO findings such as unmatched_sell (run_id empty).
--
-- Parameters (all optional; an unset parameter means "all"):
--   :venue    'coinbase', 'binance-usdm' or 'sim'
--   :account  account name
--   :symbol   e.g. 'BTC-USD'
--   :kind     finding kind, e.g. 'unmatched_sell'
--
-- Example:
--   reckon query findings_open --db reckon.db --param kind=unmatched_sell
--   sqlite3 reckon.db
--     sqlite> .parameter set :kind "'unmatched_sell'"
--     sqlite> .read queries/findings_open.sql
SELECT id          AS finding_id,
       created_at,
       venue,
       account,
       symbol,
       kind,
       order_id,
       run_id,
       finding_key,
       detail
FROM findings
WHERE resolved_at IS NULL
  AND venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND symbol = COALESCE(:symbol, symbol)
  AND kind = COALESCE(:kind, kind)
ORDER BY created_at, id;
