-- fees_by_day: fees paid per UTC day, venue, account and fee currency
--
-- Answers: what did trading cost each day, in each currency the venue
-- charged? One row per day (UTC date of the fill's ts), venue, account and
-- fee_currency, from the fills table. Fees in different currencies (USD,
-- USDT, BNB, the base asset...) are listed separately, never converted.
-- Fills without a fee (fee '0', no fee_currency) are left out.
--
-- Parameters (all optional; an unset parameter means "all"):
--   :from      first day included, 'YYYY-MM-DD'
--   :to        last day included, 'YYYY-MM-DD'
--   :venue     'coinbase', 'binance-usdm' or 'sim'
--   :account   account name
--   :currency  fee currency, e.g. 'USDT' or 'BNB'
--
-- Amounts are exact: fees is decimal_sum(fee), the function of SQLite's decimal
-- extension that the sqlite3 shell ships and that reckon registers on its
-- own exact decimals, so this file prints the same figures in `reckon query`
-- and in the shell. A sum shows as many decimal places as its most precise
-- term (6200 + 2900.5 = 9100.5), and a sum that comes back to zero from
-- below shows as -0 (or -0.0), as in the shell.
--
-- Example:
--   reckon query fees_by_day --db reckon.db --param from=2025-11-22 --param currency=BNB
--   sqlite3 reckon.db
--     sqlite> .parameter set :from "'2025-11-22'"
--     sqlite> .parameter set :currency "'BNB'"
--     sqlite> .read queries/fees_by_day.sql
--   (the shell strips one level of quotes, then reads the value as SQL:
--   "'2025-11-22'" is the text, a bare 2025-11-22 would be the number 1992)
--
-- Reads the roll-up fee_days (migration 0009), which reckon keeps exact and
-- up to date as fills arrive: a day's sum is decimal_sum of its fees in
-- journal order. It holds the same figures as
--   SELECT substr(ts, 1, 10) AS day, venue, account, fee_currency,
--          COUNT(*) AS fills, decimal_sum(fee) AS fees
--   FROM fills WHERE fee_currency IS NOT NULL AND fee_currency <> ''
--   GROUP BY day, venue, account, fee_currency
-- without reading every fill.
SELECT day,
       venue,
       account,
       fee_currency,
       fills,
       fees
FROM fee_days
WHERE day >= COALESCE(:from, '')
  AND day <= COALESCE(:to, '9999-12-31')
  AND venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND fee_currency = COALESCE(:currency, fee_currency)
ORDER BY day, venue, account, fee_currency;
