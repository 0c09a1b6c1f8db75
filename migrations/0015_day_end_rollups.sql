-- 0015_day_end_rollups: the daily report of any past day reads roll-ups and
-- short index ranges, not the history since that day.
--
-- Measured on a journal of one million fills (BENCHMARKS.md, issue 13): a
-- day in the middle of a month took 0.9 s to report, 0.6 s of it rebuilding
-- the positions at the day's end from every close since, 0.12 s listing the
-- stops seen since, 0.07 s adding up the day's closes minute by minute.
--
-- Roll-ups, kept by src/journal/rollup.c in the transaction of each fill
-- (as fee_days and pnl_days, migration 0009), rebuilt by a replay like
-- every other projection (EVENTS_TABLES), so audit verify compares them:
--   position_days  one row per venue, account, symbol and UTC day on which
--                  the lot engine opened a lot or allocated a close of that
--                  symbol: the position at the end of that day, i.e. the
--                  signed sum (short < 0) of the quantity of every lot
--                  opened up to then less what every close up to then took
--                  from lots, and the same for their cost (fees included,
--                  signed as lots.cost). The position at a moment T is the
--                  row of the latest day before T's day plus the lots and
--                  closes of T's day before T (queries/positions_marked).
--   pnl_minutes    one row per UTC minute (of closed_at) and quote currency
--                  with closes of known cost: how many, the winners and the
--                  losers, and the exact sum of their realized P&L
--                  (queries/pnl_by_minute). quote is '' where the symbol
--                  names none (the query shows NULL, as before).
-- Every amount is a decimal sum (sqldec.h), exact, never REAL, written in
-- its shortest form: no trailing zeros after the point, no sign on a zero
-- ('-1.500' -> '-1.5', '-0.00' -> '0'). Its text is then a function of its
-- value alone, whichever order the terms were added in (fills arrive out of
-- order): the incremental upkeep, a rebuild and a replay agree byte for
-- byte.
--
-- Index:
--   orders_stops_first  stop orders by first_seen: the stops that stood at a
--                       moment T and lived less than a day started in the
--                       day before T (queries/stops_at)
--   orders_stops_long   the stop orders that lived a day or more (as of
--                       their latest report) by last_seen: the rest
-- They replace orders_stops_seen (0014), which listed every stop seen since
-- T: a range that grows with the time since T.
--
-- The statements below fill the roll-ups for an existing journal: they are
-- the ones rollup.c runs, over every row.
CREATE TABLE IF NOT EXISTS position_days (
    venue      TEXT NOT NULL,
    account    TEXT NOT NULL,
    symbol     TEXT NOT NULL,
    day        TEXT NOT NULL,           -- UTC 'YYYY-MM-DD'
    qty        TEXT NOT NULL,           -- signed position at the day's end (short < 0)
    cost_basis TEXT NOT NULL,           -- its cost, fees included, signed as lots.cost
    PRIMARY KEY (venue, account, symbol, day)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS pnl_minutes (
    minute        TEXT    NOT NULL,     -- substr(closed_at, 1, 16), UTC
    quote         TEXT    NOT NULL,     -- as the named queries derive it; '' for none
    closing_fills INTEGER NOT NULL,     -- closes with a known realized_pnl
    wins          INTEGER NOT NULL,     -- of which realized_pnl > 0
    losses        INTEGER NOT NULL,     -- of which realized_pnl < 0
    realized_pnl  TEXT    NOT NULL,     -- their exact sum
    PRIMARY KEY (minute, quote)
) WITHOUT ROWID;

DROP INDEX IF EXISTS orders_stops_seen;
CREATE INDEX IF NOT EXISTS orders_stops_first ON orders(first_seen)
  WHERE order_type IN ('stop_market', 'stop_limit', 'bracket', 'trailing_stop');
CREATE INDEX IF NOT EXISTS orders_stops_long ON orders(last_seen)
  WHERE order_type IN ('stop_market', 'stop_limit', 'bracket', 'trailing_stop')
    AND julianday(last_seen) - julianday(first_seen) >= 0.99;

DELETE FROM position_days;
DELETE FROM pnl_minutes;

INSERT INTO position_days (venue, account, symbol, day, qty, cost_basis)
SELECT venue, account, symbol, day,
       CASE WHEN ltrim(q, '-0.') = '' THEN '0' WHEN instr(q, '.') = 0 THEN q
            ELSE rtrim(rtrim(q, '0'), '.') END,
       CASE WHEN ltrim(c, '-0.') = '' THEN '0' WHEN instr(c, '.') = 0 THEN c
            ELSE rtrim(rtrim(c, '0'), '.') END
FROM (SELECT venue, account, symbol, day,
             decimal_sum(dq) OVER w AS q, decimal_sum(dc) OVER w AS c
      FROM (SELECT venue, account, symbol, substr(ts, 1, 10) AS day,
                   decimal_sum(q) AS dq, decimal_sum(c) AS dc
            FROM (SELECT venue, account, symbol, opened_at AS ts,
                         CASE side WHEN 'short' THEN decimal_sub('0', qty) ELSE qty END AS q,
                         cost AS c
                  FROM lots
                  UNION ALL
                  SELECT a.venue, a.account, a.symbol, c.closed_at,
                         CASE c.side WHEN 'short' THEN a.qty ELSE decimal_sub('0', a.qty) END,
                         decimal_sub('0', a.cost_basis)
                  FROM lot_closes AS c JOIN lot_allocations AS a ON a.close_seq = c.close_seq
                  WHERE a.lot_id IS NOT NULL)
            GROUP BY venue, account, symbol, day)
      WINDOW w AS (PARTITION BY venue, account, symbol ORDER BY day));

INSERT INTO pnl_minutes (minute, quote, closing_fills, wins, losses, realized_pnl)
SELECT minute, quote, n, w, l, CASE WHEN ltrim(p, '-0.') = '' THEN '0' WHEN instr(p, '.') = 0 THEN p
            ELSE rtrim(rtrim(p, '0'), '.') END
FROM (SELECT substr(closed_at, 1, 16) AS minute, COALESCE(CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END, '') AS quote,
             count(*) AS n,
             sum(realized_pnl NOT LIKE '-%' AND ltrim(realized_pnl, '0.') <> '') AS w,
             sum(realized_pnl LIKE '-%' AND ltrim(realized_pnl, '-0.') <> '') AS l,
             decimal_sum(realized_pnl) AS p
      FROM lot_closes
      WHERE realized_pnl IS NOT NULL
      GROUP BY minute, quote);
