-- closes_extreme: the largest winning and losing closes between two instants
--
-- Answers: which trades of a period (a local day) won and lost the most?
-- Up to :limit closing fills with the highest positive realized P&L (kind
-- 'winner', best first), then up to :limit with the most negative (kind
-- 'loser', worst first), from lot_closes (v_realized_pnl). Closes with
-- unknown cost (unmatched sells) have no P&L and are not listed.
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--   :limit    how many of each kind (default 5)
--
-- Amounts are the view's exact decimal TEXT; the sign is read from the
-- canonical text (a leading '-', a digit other than 0), the order comes from
-- COLLATE decimal (SQLite's decimal extension), both exact.
--
-- Example:
--   reckon query closes_extreme --db reckon.db --param from_ts=2025-11-22T00:00:00.000000Z \
--                               --param to_ts=2025-11-23T00:00:00.000000Z --param limit=3
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-22T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .parameter set :limit 3
--     sqlite> .read queries/closes_extreme.sql
SELECT * FROM (
    SELECT 'winner' AS kind, closed_at, venue, account, symbol, CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END AS quote,
           fill_id, qty, realized_pnl
    FROM v_realized_pnl
    WHERE closed_at >= COALESCE(:from_ts, '') AND closed_at < COALESCE(:to_ts, '9999')
      AND realized_pnl NOT LIKE '-%' AND ltrim(realized_pnl, '0.') <> ''
    ORDER BY realized_pnl COLLATE decimal DESC, closed_at, venue, fill_id
    LIMIT CAST(COALESCE(:limit, 5) AS INTEGER)
)
UNION ALL
SELECT * FROM (
    SELECT 'loser' AS kind, closed_at, venue, account, symbol, CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END AS quote,
           fill_id, qty, realized_pnl
    FROM v_realized_pnl
    WHERE closed_at >= COALESCE(:from_ts, '') AND closed_at < COALESCE(:to_ts, '9999')
      AND realized_pnl LIKE '-%' AND ltrim(realized_pnl, '-0.') <> ''
    ORDER BY realized_pnl COLLATE decimal, closed_at, venue, fill_id
    LIMIT CAST(COALESCE(:limit, 5) AS INTEGER)
);
