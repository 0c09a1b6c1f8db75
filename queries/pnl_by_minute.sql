-- pnl_by_minute: realized P&L per minute and quote between two instants
--
-- Answers: when in a period (a local day) was the P&L realized, and how
-- many closes won and lost? One row per UTC minute ('YYYY-MM-DDTHH:MM') and
-- quote currency with a closing fill of known cost, oldest first: its
-- closing fills, wins (realized_pnl above zero), losses (below), and the
-- sum of its realized_pnl. The minutes wholly inside the period come from
-- the roll-up pnl_minutes (migration 0015, kept exact as fills arrive), the
-- parts of a minute at either end (an instant that is not on a minute)
-- from lot_closes (v_realized_pnl). The daily report draws its running
-- total through the day from these rows and adds up their wins and losses.
--
-- Parameters (optional; an unset one means "from the beginning" / "to the end"):
--   :from_ts  first instant included, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--   :to_ts    first instant excluded, same form
-- The daily report passes its local day as these two instants (a day in
-- Europe/Berlin is e.g. 2025-11-21T23:00:00.000000Z to 2025-11-22T23:00:00.000000Z).
--
-- Amounts are exact (decimal_sum, SQLite's decimal extension), in their
-- shortest form (no trailing zeros after the point, 0 never -0: the
-- roll-up's text does not depend on the order fills arrived in). The sign of an
-- amount is read from its canonical text (a leading '-', a digit other
-- than 0), exactly, without arithmetic.
--
-- Example:
--   reckon query pnl_by_minute --db reckon.db --param from_ts=2025-11-22T00:00:00.000000Z \
--                              --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :from_ts "'2025-11-22T00:00:00.000000Z'"
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/pnl_by_minute.sql
WITH r AS (  -- the period, its first whole minute and the minute it ends in
    SELECT f, t,
           CASE WHEN f = '' OR substr(f, 17) = ':00.000000Z' THEN substr(f, 1, 16)
                ELSE strftime('%Y-%m-%dT%H:%M', substr(f, 1, 16), '+1 minute') END AS fm,
           substr(t, 1, 16) AS tm
    FROM (SELECT COALESCE(:from_ts, '') AS f, COALESCE(:to_ts, '9999') AS t)
),
edges AS (  -- the closes of the parts of a minute at either end
    SELECT c.closed_at, c.symbol, c.realized_pnl
    FROM r, v_realized_pnl AS c
    WHERE c.closed_at >= r.f AND c.closed_at < min(r.fm, r.t) AND c.realized_pnl IS NOT NULL
    UNION ALL
    SELECT c.closed_at, c.symbol, c.realized_pnl
    FROM r, v_realized_pnl AS c
    WHERE c.closed_at >= max(r.tm, r.fm, r.f) AND c.closed_at < r.t
      AND c.realized_pnl IS NOT NULL
)
SELECT m.minute, NULLIF(m.quote, '') AS quote, m.closing_fills - m.unmatched_fills AS closing_fills,
       m.wins,
       m.losses, m.realized_pnl
FROM r, pnl_minutes AS m
WHERE m.minute >= r.fm AND m.minute < r.tm AND m.closing_fills > m.unmatched_fills
UNION ALL
SELECT minute, quote, closing_fills, wins, losses,
       CASE WHEN ltrim(p, '-0.') = '' THEN '0' WHEN instr(p, '.') = 0 THEN p
            ELSE rtrim(rtrim(p, '0'), '.') END
FROM (SELECT substr(closed_at, 1, 16)   AS minute,
       CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END AS quote,
       COUNT(*)                   AS closing_fills,
       SUM(realized_pnl NOT LIKE '-%' AND ltrim(realized_pnl, '0.') <> '') AS wins,
       SUM(realized_pnl LIKE '-%' AND ltrim(realized_pnl, '-0.') <> '')    AS losses,
       decimal_sum(realized_pnl)  AS p
      FROM edges
      GROUP BY minute, quote)
ORDER BY minute, quote;
