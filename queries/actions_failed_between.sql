-- actions_failed_between: the corrective actions that failed between two instants
--
-- Answers: which of reckon's actions failed in a period (a local day), and
-- why? One row per action planned in the period whose status is failed,
-- oldest first: its id, when it was last updated, the venue, symbol and
-- kind, and the error (the venue's answer or reckon's reason).
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Example:
--   reckon query actions_failed_between --db reckon.db \
--         --param from_ts=2025-11-22T00:00:00.000000Z --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-22T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/actions_failed_between.sql
SELECT id AS action_id,
       updated_at,
       venue,
       account,
       symbol,
       kind,
       COALESCE(error, note, '') AS error
FROM actions
WHERE status = 'failed'
  AND created_at >= COALESCE(:from_ts, '')
  AND created_at < COALESCE(:to_ts, '9999')
ORDER BY id;
