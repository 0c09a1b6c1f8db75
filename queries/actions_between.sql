-- actions_between: corrective actions per kind and outcome between two instants
--
-- Answers: what did reckon do about its findings in a period (a local day),
-- and how did it go? One row per action kind and status (succeeded, failed,
-- skipped, dry_run, and planned or sent when still unresolved) among the
-- actions planned in the period, with how many.
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Example:
--   reckon query actions_between --db reckon.db --param from_ts=2025-11-22T00:00:00.000000Z \
--                                --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-22T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/actions_between.sql
SELECT kind,
       status,
       COUNT(*) AS actions
FROM actions
WHERE created_at >= COALESCE(:from_ts, '')
  AND created_at < COALESCE(:to_ts, '9999')
GROUP BY kind, status
ORDER BY kind, status;
