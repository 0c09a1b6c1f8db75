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
-- Amounts: fees is a sum of the exact decimal TEXT column fills.fee computed
-- as CAST(fee AS REAL): for display only, never for accounting.
--
-- Example:
--   reckon query fees_by_day --db reckon.db --param from=2025-11-22 --param currency=BNB
--   sqlite3 reckon.db
--     sqlite> .parameter set :from "'2025-11-22'"
--     sqlite> .parameter set :currency "'BNB'"
--     sqlite> .read queries/fees_by_day.sql
--   (the shell strips one level of quotes, then reads the value as SQL:
--   "'2025-11-22'" is the text, a bare 2025-11-22 would be the number 1992)
SELECT substr(ts, 1, 10)           AS day,
       venue,
       account,
       fee_currency,
       COUNT(*)                    AS fills,
       SUM(CAST(fee AS REAL))      AS fees
FROM fills
WHERE fee_currency IS NOT NULL AND fee_currency <> ''
  AND substr(ts, 1, 10) >= COALESCE(:from, '')
  AND substr(ts, 1, 10) <= COALESCE(:to, '9999-12-31')
  AND venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND fee_currency = COALESCE(:currency, fee_currency)
GROUP BY day, venue, account, fee_currency
ORDER BY day, venue, account, fee_currency;
