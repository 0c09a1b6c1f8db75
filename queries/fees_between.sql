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
-- Amounts are exact (decimal_sum, decimal_sub: SQLite's decimal extension).
--
-- How it reads: the period [from, to) is [from, F0) + [F0, T0) + [T0, to),
-- F0 and T0 being the UTC midnights nearest to from and to. The whole UTC
-- days [F0, T0) come from the roll-up fee_days (migration 0009, kept
-- exact as fills arrive), the two pieces from fills, added where a
-- piece runs forward and subtracted where it runs back (a day starting at
-- 23:00 UTC is that UTC day's roll-up minus its last hour plus the hour
-- before it). So a day or a month in any zone reads at most twelve hours of
-- rows at each end, whatever the journal's size; in UTC none.
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
WITH b AS (
    SELECT COALESCE(:from_ts, '2000-01-01T00:00:00.000000Z') AS f,
           COALESCE(:to_ts, '2200-01-01T00:00:00.000000Z') AS t
),
r AS (  -- the UTC midnights nearest to f and t, as days and as instants
    SELECT f, t, f0, t0, f0 || 'T00:00:00.000000Z' AS fm, t0 || 'T00:00:00.000000Z' AS tm
    FROM (SELECT f, t,
                 CASE WHEN substr(f, 12, 2) < '12' THEN substr(f, 1, 10)
                      ELSE date(substr(f, 1, 10), '+1 day') END AS f0,
                 CASE WHEN substr(t, 12, 2) < '12' THEN substr(t, 1, 10)
                      ELSE date(substr(t, 1, 10), '+1 day') END AS t0
          FROM b)
),
parts AS (  -- sign 1: added, -1: subtracted; fills with a fee currency only
    SELECT 1 AS sign, d.fee_currency AS cur, d.fills AS n, d.fees
    FROM r, fee_days AS d WHERE d.day >= r.f0 AND d.day < r.t0
    UNION ALL
    SELECT -1, d.fee_currency, d.fills, d.fees
    FROM r, fee_days AS d WHERE d.day >= r.t0 AND d.day < r.f0
    UNION ALL
    SELECT 1, x.fee_currency, 1, x.fee FROM r, fills AS x
    WHERE x.ts >= r.f AND x.ts < r.fm AND x.fee_currency IS NOT NULL AND x.fee_currency <> ''
    UNION ALL
    SELECT -1, x.fee_currency, 1, x.fee FROM r, fills AS x
    WHERE x.ts >= r.fm AND x.ts < r.f AND x.fee_currency IS NOT NULL AND x.fee_currency <> ''
    UNION ALL
    SELECT 1, x.fee_currency, 1, x.fee FROM r, fills AS x
    WHERE x.ts >= r.tm AND x.ts < r.t AND x.fee_currency IS NOT NULL AND x.fee_currency <> ''
    UNION ALL
    SELECT -1, x.fee_currency, 1, x.fee FROM r, fills AS x
    WHERE x.ts >= r.t AND x.ts < r.tm AND x.fee_currency IS NOT NULL AND x.fee_currency <> ''
),
charged AS (
    SELECT cur AS fee_currency, SUM(sign * n) AS fills,
           decimal_sum(CASE sign WHEN 1 THEN fees ELSE decimal_sub('0', fees) END) AS fees
    FROM parts
    GROUP BY cur
    HAVING SUM(sign * n) <> 0
),
everything AS (
    SELECT COUNT(*) AS n FROM r, fills AS x WHERE x.ts >= r.f AND x.ts < r.t
)
SELECT fee_currency, fills, fees FROM charged
UNION ALL
SELECT '', n - (SELECT COALESCE(SUM(fills), 0) FROM charged), '0' FROM everything
WHERE n > (SELECT COALESCE(SUM(fills), 0) FROM charged)
ORDER BY fee_currency;
