-- positions_marked: open positions at a moment, their last fill price and unrealized P&L
--
-- Answers: what was held at :to_ts (default: now), at what cost, and what
-- was it worth at the last price the journal knew then? One row per
-- position not flat at :to_ts, rebuilt from the FIFO lots: the lot engine's
-- position now (lot_positions), less the lots opened at or after :to_ts
-- that are still open, plus what the closes at or after :to_ts took from
-- lots opened before it (lot_allocations). So qty (signed, short < 0) and
-- cost_basis (signed the same way, fees included) are exactly what the lot
-- engine held at that moment, as it allocated the closes. last_price is the
-- price of the symbol's latest fill before :to_ts (the journal keeps no
-- market price: a fill is the last price it saw), and unrealized_pnl =
-- qty x last_price - cost_basis, in the quote currency; both empty when the
-- symbol has no fill before :to_ts. avg_entry (cost_basis / qty) is the lot
-- engine's own when the position is still the same now, else empty: the
-- shell's decimal extension has no division.
--
-- Parameters (optional):
--   :to_ts    the moment, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--             (default: now, the journal's current positions)
--
-- Amounts are exact: decimal_sum, decimal_mul and decimal_sub (SQLite's
-- decimal extension, which reckon registers too), nothing rounded. Reads
-- one row per position, the open lots (a partial index) and the closes
-- from :to_ts on (lot_closes_time): the later the moment, the less it reads.
--
-- Example:
--   reckon query positions_marked --db reckon.db --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/positions_marked.sql
WITH moved AS (
    -- now: the lot engine's positions
    SELECT venue, account, symbol, qty, cost_basis AS cost FROM lot_positions
    UNION ALL
    -- less the lots opened at or after :to_ts that are still open
    SELECT venue, account, symbol,
           CASE side WHEN 'short' THEN q ELSE decimal_sub('0', q) END, decimal_sub('0', c)
    FROM (SELECT venue, account, symbol, side, decimal_sum(qty_remaining) AS q,
                 decimal_sum(cost_remaining) AS c
          FROM lots
          WHERE is_open = 1 AND opened_at >= COALESCE(:to_ts, '9999')
          GROUP BY venue, account, symbol, side)
    UNION ALL
    -- plus what the closes at or after :to_ts took from lots opened before it
    -- (summed per position and side first: one sign change per group)
    SELECT venue, account, symbol,
           CASE side WHEN 'short' THEN decimal_sub('0', q) ELSE q END, c
    FROM (SELECT l.venue, l.account, l.symbol, l.side, decimal_sum(a.qty) AS q,
                 decimal_sum(a.cost_basis) AS c
          FROM lot_closes AS c
          CROSS JOIN lot_allocations AS a ON a.close_seq = c.close_seq
          CROSS JOIN lots AS l ON l.lot_id = a.lot_id
          WHERE c.closed_at >= COALESCE(:to_ts, '9999') AND l.opened_at < COALESCE(:to_ts, '9999')
          GROUP BY l.venue, l.account, l.symbol, l.side)
),
held AS (
    SELECT venue, account, symbol, decimal_sum(qty) AS qty, decimal_sum(cost) AS cost_basis
    FROM moved
    GROUP BY venue, account, symbol
),
marked AS (
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
              AND decimal_cmp(n.qty, p.qty) = 0
              AND decimal_cmp(n.cost_basis, p.cost_basis) = 0) AS avg_entry,
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
