-- findings_latest: what the latest reconciliation run found, per venue and account
--
-- Answers: after the most recent `reckon reconcile` on each venue and
-- account, what disagreed? One row per finding of the latest run (highest
-- recon_runs.id) of each venue and account, with the run's start, end and
-- whether its venue snapshot was complete. A run still in progress (or one
-- that crashed) shows an empty run_finished_at. resolved_at and resolution
-- ('action_succeeded', or 'gone': a later complete pass no longer found it)
-- say whether the finding has been resolved since. Findings from the FIFO
-- lot engine belong to no run: see findings_open.
--
-- Parameters (all optional; an unset parameter means "all"):
--   :venue    'coinbase', 'binance-usdm' or 'sim'
--   :account  account name
--   :kind     finding kind, e.g. 'missing_stop'
--
-- Example:
--   reckon query findings_latest --db reckon.db --param venue=binance-usdm
--   sqlite3 reckon.db
--     sqlite> .parameter set :venue "'binance-usdm'"
--     sqlite> .read queries/findings_latest.sql
SELECT r.venue,
       r.account,
       r.id            AS run_id,
       r.started_at    AS run_started_at,
       r.finished_at   AS run_finished_at,
       r.complete      AS run_complete,
       r.dry_run       AS run_dry_run,
       f.id            AS finding_id,
       f.kind,
       f.symbol,
       f.order_id,
       f.finding_key,
       f.detail,
       f.created_at,
       f.resolved_at,
       f.resolution
FROM recon_runs AS r
JOIN findings AS f ON f.run_id = r.id
WHERE r.id = (SELECT MAX(r2.id) FROM recon_runs AS r2
              WHERE r2.venue = r.venue AND r2.account = r.account)
  AND r.venue = COALESCE(:venue, r.venue)
  AND r.account = COALESCE(:account, r.account)
  AND f.kind = COALESCE(:kind, f.kind)
ORDER BY r.venue, r.account, f.id;
