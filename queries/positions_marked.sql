-- positions_marked: open positions at a moment, their last fill price and unrealized P&L
--
-- Answers: what was held at :to_ts (default: now), at what cost, and what
-- was it worth at the last price the journal knew then? One row per
-- position not flat at :to_ts, from the FIFO lots: qty (signed, short < 0)
-- and cost_basis (signed the same way, fees included) are exactly what the
-- lot engine held at that moment, as it allocated the closes. They are the
-- position at the end of the latest hour before :to_ts's own (the roll-up
-- position_hours, migration 0015: the position at the end of each UTC hour
-- in which a lot opened or a close took from lots) plus the lots opened and
-- the closes made in :to_ts's hour before it (none when :to_ts is on the
-- hour, as a day's end is in every zone but a few).
-- Without :to_ts, the lot engine's positions now (lot_positions).
-- last_price is the price of the symbol's latest fill before :to_ts (the
-- journal keeps no market price: a fill is the last price it saw), and
-- unrealized_pnl = qty x last_price - cost_basis, in the quote currency;
-- both empty when the symbol has no fill before :to_ts. avg_entry
-- (cost_basis / qty) is the lot engine's own when the position is still the
-- same now, else empty: the shell's decimal extension has no division.
--
-- Parameters (optional):
--   :to_ts    the moment, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--             (default: now, the journal's current positions)
--
-- Amounts are exact: decimal_sum, decimal_mul and decimal_sub (SQLite's
-- decimal extension, which reckon registers too), nothing rounded. Reads
-- one roll-up row per position (two seeks), the fills and closes of at most
-- an hour before :to_ts (fills_ts, lot_closes_time) and a seek per position
-- for its last price: the same whatever the journal's length.
--
-- Example:
--   reckon query positions_marked --db reckon.db --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/positions_marked.sql
WITH r AS (  -- :to_ts, its hour, and the hour's first instant
    SELECT t, h, h || ':00:00.000000Z' AS m
    FROM (SELECT :to_ts AS t, substr(:to_ts, 1, 13) AS h)
    WHERE t IS NOT NULL
),
moved AS (
    -- now (no :to_ts): the lot engine's positions
    SELECT venue, account, symbol, qty, cost_basis AS cost FROM lot_positions
    WHERE :to_ts IS NULL
    UNION ALL
    -- at the start of :to_ts's hour: the position at the end of its latest hour before
    SELECT p.venue, p.account, p.symbol, d.qty, d.cost_basis
    FROM r, lot_positions AS p
    JOIN position_hours AS d
      ON d.venue = p.venue AND d.account = p.account AND d.symbol = p.symbol
     AND d.hour = (SELECT max(x.hour) FROM position_hours AS x
                   WHERE x.venue = p.venue AND x.account = p.account AND x.symbol = p.symbol
                     AND x.hour < r.h)
    UNION ALL
    -- plus the lots opened in that hour before :to_ts (a lot's id is its opening fill's seq)
    SELECT l.venue, l.account, l.symbol,
           CASE l.side WHEN 'short' THEN decimal_sub('0', l.qty) ELSE l.qty END, l.cost
    FROM r, fills AS f JOIN lots AS l ON l.lot_id = f.seq
    WHERE f.ts >= r.m AND f.ts < r.t
    UNION ALL
    -- less what the closes in that hour before :to_ts took from lots
    SELECT a.venue, a.account, a.symbol,
           CASE c.side WHEN 'short' THEN a.qty ELSE decimal_sub('0', a.qty) END,
           decimal_sub('0', a.cost_basis)
    FROM r, lot_closes AS c JOIN lot_allocations AS a ON a.close_seq = c.close_seq
    WHERE c.closed_at >= r.m AND c.closed_at < r.t AND a.lot_id IS NOT NULL
),
held AS (
    SELECT venue, account, symbol, decimal_sum(qty) AS qty, decimal_sum(cost) AS cost_basis
    FROM moved
    GROUP BY venue, account, symbol
),
marked AS MATERIALIZED (  -- (so that `last` is read once a row)
    SELECT p.venue, p.account, p.symbol, CASE
         WHEN instr(p.symbol, '-') > 0 THEN substr(p.symbol, instr(p.symbol, '-') + 1)
         WHEN length(p.symbol) > 5 AND substr(p.symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(p.symbol) > 4 AND substr(p.symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(p.symbol, -4)
         WHEN length(p.symbol) > 3 AND substr(p.symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(p.symbol, -3)
       END AS quote, p.qty, p.cost_basis,
           (SELECT n.avg_entry FROM lot_positions AS n
            WHERE n.venue = p.venue AND n.account = p.account AND n.symbol = p.symbol
              AND trim(decimal_sub(n.qty, p.qty), '-0.') = ''  -- equal values, whatever
              AND trim(decimal_sub(n.cost_basis, p.cost_basis), '-0.') = '') AS avg_entry,  -- their places
           (SELECT f.price || ' ' || f.ts FROM fills AS f
            WHERE f.venue = p.venue AND f.account = p.account AND f.symbol = p.symbol
              AND f.ts < COALESCE(:to_ts, '9999')
            ORDER BY f.ts DESC, f.seq DESC LIMIT 1) AS last
    FROM held AS p
    WHERE trim(p.qty, '-0.') <> ''  -- not zero: a sum can be '-0.00', which decimal_cmp orders below 0
)
SELECT venue, account, symbol, quote, qty, cost_basis, avg_entry,
       substr(last, 1, instr(last, ' ') - 1)  AS last_price,
       substr(last, instr(last, ' ') + 1)     AS last_price_at,
       CASE WHEN last IS NOT NULL
         THEN decimal_sub(decimal_mul(qty, substr(last, 1, instr(last, ' ') - 1)), cost_basis)
       END                                    AS unrealized_pnl
FROM marked
ORDER BY venue, account, symbol;
