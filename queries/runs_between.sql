-- runs_between: the reconciliation passes started between two instants
--
-- Answers: how often did reckon reconcile in a period (a local day), and
-- which passes could not complete their venue snapshot? One row per pass
-- (recon_runs) started in the period, oldest first: venue, account, start
-- and end (empty: still running, or crashed), complete (1: the snapshot was
-- complete; 0: destructive actions were withheld, reason says why), dry_run.
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Example:
--   reckon query runs_between --db reckon.db --param from_ts=2025-11-22T00:00:00.000000Z \
--                             --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-22T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/runs_between.sql
SELECT id          AS run_id,
       venue,
       account,
       started_at,
       finished_at,
       COALESCE(complete, 0) AS complete,
       reason,
       dry_run
FROM recon_runs
WHERE started_at >= COALESCE(:from_ts, '')
  AND started_at < COALESCE(:to_ts, '9999')
ORDER BY id;
