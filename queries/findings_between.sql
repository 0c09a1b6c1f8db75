-- findings_between: findings per kind between two instants
--
-- Answers: what did reconciliation find in a period (a local day)? One row
-- per finding kind with findings created in the period: how many, how many
-- of them are resolved by now, and how many the circuit breaker held back
-- (their detail carries "circuit_breaker": the budget of destructive
-- actions was spent, so their actions were skipped).
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Example:
--   reckon query findings_between --db reckon.db --param from_ts=2025-11-22T00:00:00.000000Z \
--                                 --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-22T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/findings_between.sql
SELECT kind,
       COUNT(*)                                                        AS findings,
       COUNT(resolved_at)                                              AS resolved,
       SUM(json_valid(detail) AND json_type(detail, '$.circuit_breaker') IS NOT NULL)
                                                                       AS circuit_breaker
FROM findings
WHERE created_at >= COALESCE(:from_ts, '')
  AND created_at < COALESCE(:to_ts, '9999')
GROUP BY kind
ORDER BY kind;
