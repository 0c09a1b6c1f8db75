-- 0015_report_rollups_hours: the daily report of any day, in any time
-- zone, reads roll-ups by the hour and short index ranges, not the history
-- since that day nor the hours between its ends and UTC midnight.
--
-- Measured on a journal of one million fills (BENCHMARKS.md, issue 13): a
-- day in the middle of a month took 0.9 s to report in UTC, 0.6 s of it
-- rebuilding the positions at the day's end from every close since, 0.12 s
-- listing the stops seen since, 0.07 s adding up the day's closes minute by
-- minute; in Los Angeles 1.1 s, 0.6 s of it reading the ends of the 30 days
-- of the chart (seven hours of closes each) from lot_closes.
--
-- Roll-ups, kept by src/journal/rollup.c in the transaction of each fill
-- (as fee_days and pnl_days, migration 0009), rebuilt by a replay like
-- every other projection (EVENTS_TABLES), so audit verify compares them:
--   position_hours one row per venue, account, symbol and UTC hour in which
--                  the lot engine opened a lot or allocated a close of that
--                  symbol: the position at the end of that hour, i.e. the
--                  signed sum (short < 0) of the quantity of every lot
--                  opened up to then less what every close up to then took
--                  from lots, and the same for their cost (fees included,
--                  signed as lots.cost). The position at a moment T is the
--                  row of the latest hour before T's hour plus the lots and
--                  closes of T's hour before T (queries/positions_marked):
--                  none at all when T is on the hour.
--   pnl_minutes    one row per UTC minute (of closed_at) and quote currency
--                  with closes: how many, those of unknown cost (unmatched
--                  sells), the sum of their fees, the sum of the known
--                  realized P&L (NULL when none is known), the winners and
--                  the losers (queries/pnl_by_minute). quote is '' where the
--                  symbol names none (the queries show NULL, as before).
--   pnl_hours      the same per UTC hour, the sum of its minutes: a period
--                  (a local day, a month, the report's 30 days) is its whole
--                  hours, the whole minutes left at either end and the
--                  closes of the seconds left (queries/pnl_between,
--                  pnl_by_period), a few dozen rows a day whatever the
--                  number of closes and the time zone.
--   fee_hours      fee_days per UTC hour: the fills with a fee currency,
--                  their count and the sum of their fees, in seq order
--                  (queries/fees_between: a period's whole hours, and the
--                  fills of the minutes left at either end).
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
CREATE TABLE IF NOT EXISTS position_hours (
    venue      TEXT NOT NULL,
    account    TEXT NOT NULL,
    symbol     TEXT NOT NULL,
    hour       TEXT NOT NULL,           -- UTC 'YYYY-MM-DDTHH'
    qty        TEXT NOT NULL,           -- signed position at the hour's end (short < 0)
    cost_basis TEXT NOT NULL,           -- its cost, fees included, signed as lots.cost
    PRIMARY KEY (venue, account, symbol, hour)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS pnl_minutes (
    minute          TEXT    NOT NULL,   -- substr(closed_at, 1, 16), UTC
    quote           TEXT    NOT NULL,   -- as the named queries derive it; '' for none
    closing_fills   INTEGER NOT NULL,   -- rows of lot_closes
    unmatched_fills INTEGER NOT NULL,   -- of which realized_pnl IS NULL
    fees            TEXT    NOT NULL,   -- their fees' sum
    realized_pnl    TEXT,               -- the known realized_pnl's sum; NULL when none
    wins            INTEGER NOT NULL,   -- realized_pnl > 0
    losses          INTEGER NOT NULL,   -- realized_pnl < 0
    PRIMARY KEY (minute, quote)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS pnl_hours (
    hour            TEXT    NOT NULL,   -- substr(closed_at, 1, 13), UTC
    quote           TEXT    NOT NULL,
    closing_fills   INTEGER NOT NULL,   -- the sums of the hour's pnl_minutes
    unmatched_fills INTEGER NOT NULL,
    fees            TEXT    NOT NULL,
    realized_pnl    TEXT,
    wins            INTEGER NOT NULL,
    losses          INTEGER NOT NULL,
    PRIMARY KEY (hour, quote)
) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS fee_hours (
    hour         TEXT    NOT NULL,      -- substr(fills.ts, 1, 13), UTC
    venue        TEXT    NOT NULL,
    account      TEXT    NOT NULL,
    fee_currency TEXT    NOT NULL,      -- never NULL or '' (such fills are left out)
    fills        INTEGER NOT NULL,      -- fills counted
    fees         TEXT    NOT NULL,      -- decimal sum of their fee, in seq order
    PRIMARY KEY (hour, venue, account, fee_currency)
) WITHOUT ROWID;

DROP INDEX IF EXISTS orders_stops_seen;
CREATE INDEX IF NOT EXISTS orders_stops_first ON orders(first_seen)
  WHERE order_type IN ('stop_market', 'stop_limit', 'bracket', 'trailing_stop');
CREATE INDEX IF NOT EXISTS orders_stops_long ON orders(last_seen)
  WHERE order_type IN ('stop_market', 'stop_limit', 'bracket', 'trailing_stop')
    AND julianday(last_seen) - julianday(first_seen) >= 0.99;

DELETE FROM position_hours;
DELETE FROM pnl_minutes;
DELETE FROM pnl_hours;
DELETE FROM fee_hours;

INSERT INTO position_hours (venue, account, symbol, hour, qty, cost_basis)
SELECT venue, account, symbol, hour,
       CASE WHEN ltrim(q, '-0.') = '' THEN '0' WHEN instr(q, '.') = 0 THEN q
            ELSE rtrim(rtrim(q, '0'), '.') END,
       CASE WHEN ltrim(c, '-0.') = '' THEN '0' WHEN instr(c, '.') = 0 THEN c
            ELSE rtrim(rtrim(c, '0'), '.') END
FROM (SELECT venue, account, symbol, hour,
             decimal_sum(dq) OVER w AS q, decimal_sum(dc) OVER w AS c
      FROM (SELECT venue, account, symbol, substr(ts, 1, 13) AS hour,
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
            GROUP BY venue, account, symbol, hour)
      WINDOW w AS (PARTITION BY venue, account, symbol ORDER BY hour));

INSERT INTO pnl_minutes (minute, quote, closing_fills, unmatched_fills, fees, realized_pnl,
                         wins, losses)
SELECT minute, quote, n, u,
       CASE WHEN ltrim(f, '-0.') = '' THEN '0' WHEN instr(f, '.') = 0 THEN f
            ELSE rtrim(rtrim(f, '0'), '.') END,
       CASE WHEN k > 0 THEN CASE WHEN ltrim(p, '-0.') = '' THEN '0' WHEN instr(p, '.') = 0 THEN p
            ELSE rtrim(rtrim(p, '0'), '.') END END,
       w, l
FROM (SELECT substr(closed_at, 1, 16) AS minute, COALESCE(CASE
         WHEN instr(symbol, '-') > 0 THEN substr(symbol, instr(symbol, '-') + 1)
         WHEN length(symbol) > 5 AND substr(symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(symbol) > 4 AND substr(symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(symbol, -4)
         WHEN length(symbol) > 3 AND substr(symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(symbol, -3)
       END, '') AS quote,
             count(*) AS n, sum(realized_pnl IS NULL) AS u, decimal_sum(fees) AS f,
             count(realized_pnl) AS k, decimal_sum(realized_pnl) AS p,
             COALESCE(sum(realized_pnl NOT LIKE '-%' AND ltrim(realized_pnl, '0.') <> ''), 0) AS w,
             COALESCE(sum(realized_pnl LIKE '-%' AND ltrim(realized_pnl, '-0.') <> ''), 0) AS l
      FROM lot_closes
      GROUP BY minute, quote);

INSERT INTO pnl_hours (hour, quote, closing_fills, unmatched_fills, fees, realized_pnl, wins, losses)
SELECT hour, quote, n, u,
       CASE WHEN ltrim(f, '-0.') = '' THEN '0' WHEN instr(f, '.') = 0 THEN f
            ELSE rtrim(rtrim(f, '0'), '.') END,
       CASE WHEN k > 0 THEN CASE WHEN ltrim(p, '-0.') = '' THEN '0' WHEN instr(p, '.') = 0 THEN p
            ELSE rtrim(rtrim(p, '0'), '.') END END,
       w, l
FROM (SELECT substr(minute, 1, 13) AS hour, quote, sum(closing_fills) AS n,
             sum(unmatched_fills) AS u, decimal_sum(fees) AS f, count(realized_pnl) AS k,
             decimal_sum(realized_pnl) AS p, sum(wins) AS w, sum(losses) AS l
      FROM pnl_minutes
      GROUP BY hour, quote);

INSERT INTO fee_hours (hour, venue, account, fee_currency, fills, fees)
SELECT substr(ts, 1, 13), venue, account, fee_currency, 1, decimal_add('0', fee)
FROM fills
WHERE fee_currency IS NOT NULL AND fee_currency <> ''
ORDER BY seq
ON CONFLICT (hour, venue, account, fee_currency) DO UPDATE SET
    fills = fills + 1,
    fees = decimal_add(fees, excluded.fees);
