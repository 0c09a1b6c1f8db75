-- positions_marked: open positions with their last fill price and unrealized P&L
--
-- Answers: what is held now, at what cost, and what is it worth at the last
-- price the journal knows? One row per open position (v_positions, the
-- FIFO lots: qty signed, short < 0; cost_basis signed the same way, fees
-- included), with the price of the symbol's latest fill before :to_ts as
-- last_price (the journal keeps no market price: a fill is the last price
-- it saw) and unrealized_pnl = qty x last_price - cost_basis, in the quote
-- currency. Empty last_price and unrealized_pnl when the symbol has no fill
-- before :to_ts. The positions are the journal's current ones, whatever
-- :to_ts says; the protection report judges their stops.
--
-- Parameters (optional):
--   :to_ts    the last price is taken from fills before this instant,
--             canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ' (default: any)
--
-- Amounts are exact: decimal_mul and decimal_sub (SQLite's decimal
-- extension, which reckon registers too), nothing rounded.
--
-- Example:
--   reckon query positions_marked --db reckon.db --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/positions_marked.sql
WITH marked AS (
    SELECT p.venue, p.account, p.symbol, CASE
         WHEN instr(p.symbol, '-') > 0 THEN substr(p.symbol, instr(p.symbol, '-') + 1)
         WHEN length(p.symbol) > 5 AND substr(p.symbol, -5) = 'FDUSD' THEN 'FDUSD'
         WHEN length(p.symbol) > 4 AND substr(p.symbol, -4) IN ('USDT', 'USDC', 'BUSD')
           THEN substr(p.symbol, -4)
         WHEN length(p.symbol) > 3 AND substr(p.symbol, -3) IN ('BTC', 'ETH', 'BNB')
           THEN substr(p.symbol, -3)
       END AS quote, p.qty, p.cost_basis, p.avg_entry,
           (SELECT f.price || ' ' || f.ts FROM fills AS f
            WHERE f.venue = p.venue AND f.account = p.account AND f.symbol = p.symbol
              AND f.ts < COALESCE(:to_ts, '9999')
            ORDER BY f.ts DESC, f.seq DESC LIMIT 1) AS last
    FROM v_positions AS p
    WHERE decimal_cmp(p.qty, '0') <> 0
)
SELECT venue, account, symbol, quote, qty, cost_basis, avg_entry,
       substr(last, 1, instr(last, ' ') - 1)  AS last_price,
       substr(last, instr(last, ' ') + 1)     AS last_price_at,
       CASE WHEN last IS NOT NULL
         THEN decimal_sub(decimal_mul(qty, substr(last, 1, instr(last, ' ') - 1)), cost_basis)
       END                                    AS unrealized_pnl
FROM marked
ORDER BY venue, account, symbol;
