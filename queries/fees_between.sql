-- fees_between: fills and fees per fee currency between two instants
--
-- Answers: how many fills did the bot make in a period (a local day), and
-- what did they cost in fees, in each currency the venue charged? One row
-- per fee currency with fills in the period, and one with an empty
-- currency for the fills without a fee; every fill counts, opening and
-- closing, inferred ones included. Fees in different currencies are listed
-- apart, never converted.
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Amounts are exact (decimal_sum: SQLite's decimal extension).
--
-- How it reads: the whole UTC hours of the period come from the roll-up
-- fee_hours (migration 0015, kept exact as fills arrive), the minutes left
-- at either end (none for a period on the hour, as a local day is in every
-- zone but a few) from fills. So a day or a month in any zone reads some 24
-- rows a day and fee currency, whatever the number of fills.
-- The fills without a fee are all the period's fills (counted on the fills_ts
-- index) less those with one.
--
-- Example:
--   reckon query fees_between --db reckon.db --param from_ts=2025-11-22T00:00:00.000000Z \
--                             --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-22T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/fees_between.sql
WITH r AS (  -- the period, its first whole hour and the hour it ends in, as instants
    SELECT f, t, fh || ':00:00.000000Z' AS fi, th || ':00:00.000000Z' AS ti, fh, th
    FROM (SELECT f, t,
                 CASE WHEN substr(f, 14) = ':00:00.000000Z' THEN substr(f, 1, 13)
                      ELSE strftime('%Y-%m-%dT%H', substr(f, 1, 16), '+1 hour') END AS fh,
                 substr(t, 1, 13) AS th
          FROM (SELECT COALESCE(:from_ts, '2000-01-01T00:00:00.000000Z') AS f,
                       COALESCE(:to_ts, '2200-01-01T00:00:00.000000Z') AS t))
),
parts AS (  -- fills with a fee currency only
    -- the whole hours
    SELECT d.fee_currency AS cur, d.fills AS n, d.fees
    FROM r, fee_hours AS d WHERE d.hour >= r.fh AND d.hour < r.th
    UNION ALL
    -- the fills before the first whole hour, and from the last one on
    SELECT x.fee_currency, 1, x.fee FROM r, fills AS x
    WHERE x.ts >= r.f AND x.ts < min(r.fi, r.t)
      AND x.fee_currency IS NOT NULL AND x.fee_currency <> ''
    UNION ALL
    SELECT x.fee_currency, 1, x.fee FROM r, fills AS x
    WHERE x.ts >= max(r.ti, r.fi, r.f) AND x.ts < r.t
      AND x.fee_currency IS NOT NULL AND x.fee_currency <> ''
),
charged AS (
    SELECT cur AS fee_currency, SUM(n) AS fills, decimal_sum(fees) AS fees
    FROM parts
    GROUP BY cur
),
everything AS (
    SELECT COUNT(*) AS n FROM r, fills AS x WHERE x.ts >= r.f AND x.ts < r.t
)
SELECT fee_currency, fills, fees FROM charged
UNION ALL
SELECT '', n - (SELECT COALESCE(SUM(fills), 0) FROM charged), '0' FROM everything
WHERE n > (SELECT COALESCE(SUM(fills), 0) FROM charged)
ORDER BY fee_currency;
