-- actions_recent: the reconciler's most recent actions, newest first
--
-- Answers: what did reckon do (or plan, or withhold) on the venues lately?
-- One row per action (cancel_order, place_stop, ...) from the actions table,
-- newest first, with its status, the order acted on or placed, and the
-- error or note. The request and response JSON are left out (see the actions
-- table for them).
--
-- Parameters (all optional):
--   :limit    how many rows (default 50)
--   :venue    'coinbase', 'binance-usdm' or 'sim' (default: all)
--   :account  account name (default: all)
--   :status   planned, dry_run, sent, succeeded, failed or skipped (default: all)
--   :kind     action kind, e.g. 'cancel_order' (default: all)
--
-- Example:
--   reckon query actions_recent --db reckon.db --param status=failed --param limit=20
--   sqlite3 reckon.db
--     sqlite> .parameter set :status "'failed'"
--     sqlite> .parameter set :limit 20
--     sqlite> .read queries/actions_recent.sql
SELECT id           AS action_id,
       created_at,
       updated_at,
       venue,
       account,
       symbol,
       kind,
       status,
       order_id,
       client_order_id,
       run_id,
       finding_id,
       depends_on,
       error,
       note
FROM actions
WHERE venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND status = COALESCE(:status, status)
  AND kind = COALESCE(:kind, kind)
ORDER BY id DESC
LIMIT CAST(COALESCE(:limit, 50) AS INTEGER);
