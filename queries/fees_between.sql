-- fees_between: fills and fees per fee currency between two instants
--
-- Answers: how many fills did the bot make in a period (a local day), and
-- what did they cost in fees, in each currency the venue charged? One row
-- per fee currency (empty for fills without a fee), from the fills table:
-- every fill counts, opening and closing, inferred ones included. Fees in
-- different currencies are listed apart, never converted.
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Amounts are exact (decimal_sum, SQLite's decimal extension).
--
-- Example:
--   reckon query fees_between --db reckon.db --param from_ts=2025-11-22T00:00:00.000000Z \
--                             --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-22T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/fees_between.sql
SELECT COALESCE(fee_currency, '') AS fee_currency,
       COUNT(*)                   AS fills,
       decimal_sum(fee)           AS fees
FROM fills
WHERE ts >= COALESCE(:from_ts, '')
  AND ts < COALESCE(:to_ts, '9999')
GROUP BY COALESCE(fee_currency, '')
ORDER BY fee_currency;
