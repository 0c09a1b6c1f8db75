-- protection: every open position with the stop orders protecting it
--
-- Answers: is every position protected right now, by the planner's own rule?
-- One row per venue, account and symbol held in the journal (positions, from
-- fills) or on the exchange (exchange_positions: what the latest complete
-- reconciliation pass saw there, including positions no fill showed).
--
-- qty is the position judged: the exchange's as of that pass (what the
-- planner protects), unless the journal has learnt a fill of the symbol
-- since the pass began (the pass's own emergency close, a fill ingested
-- later) or the pass did not see the position: then the journal's. qty_from
-- says which; journal_qty and exchange_qty show both sides (a difference the
-- next pass does not explain is a position_drift finding). Flat rows are left
-- out.
--
-- The stops are the open stop orders (stop_market, stop_limit, bracket,
-- trailing_stop) on the side that reduces the position (sell for a long, buy
-- for a short), as the planner (src/reconcile.c) counts them. Each covers
-- its remaining size, qty - filled_qty; a stop of size 0 (close-position)
-- covers the whole position. covered_qty is their sum. `state` is:
--   protected    the stops cover exactly the position: covered_qty equals
--                |qty|, or the exchange's size rounded down to the venue's
--                step (orderable_qty); any number of stops (30 + 20 for 50);
--                and the latest complete reconciliation run did not judge
--                them at risk (below)
--   at_risk      the stops cover the position by size, but the latest
--                complete run of its venue and account found a stop the
--                price is already through (a stop_would_trigger finding it
--                did not resolve), or the last protective action it took for
--                the symbol (place_stop, replace_stop, emergency_close)
--                failed: e.g. a gapped stop reckon could not replace and
--                journaled "left UNPROTECTED". A stop through the price
--                protects nothing: act on it
--   dust         the latest reconciliation run reported it as dust (too
--                small to protect); it is reported, not protected
--   UNPROTECTED  anything else: no stop, or stops that cover more or less
-- The journal keeps no last price: whether a stop is through the price is
-- known only from the latest complete run (at_risk). The planner also
-- leaves a position alone while a marketable exit for its full size works;
-- that shows as the coverage says.
--
-- Parameters (all optional; an unset parameter means "all"):
--   :venue    'coinbase', 'binance-usdm' or 'sim'
--   :account  account name
--
-- Amounts are exact decimal TEXT. Sizes are added and compared with the
-- decimal extension's functions (decimal_sub, decimal_sum), which the
-- sqlite3 shell ships and reckon registers on its own decimals: two sizes
-- are equal when every digit of their difference is 0.
--
-- Example:
--   reckon query protection --db reckon.db --param venue=coinbase
--   sqlite3 reckon.db
--     sqlite> .parameter set :venue "'coinbase'"
--     sqlite> .read queries/protection.sql
WITH journal AS (
    SELECT venue, account, symbol, qty, avg_entry, last_seq FROM positions
    WHERE venue = COALESCE(:venue, venue) AND account = COALESCE(:account, account)
),
exchange AS (
    SELECT venue, account, symbol, qty, orderable_qty, entry_price, run_id
    FROM exchange_positions
    WHERE venue = COALESCE(:venue, venue) AND account = COALESCE(:account, account)
),
held AS (
    SELECT venue, account, symbol FROM journal WHERE decimal_cmp(qty, '0') <> 0
    UNION
    SELECT venue, account, symbol FROM exchange
),
sides AS (
    SELECT h.venue, h.account, h.symbol,
           CASE WHEN e.qty IS NULL OR j.last_seq > e.run_id THEN 'journal'
                ELSE 'exchange' END AS qty_from,
           j.qty AS journal_qty, e.qty AS exchange_qty, e.orderable_qty,
           COALESCE(j.avg_entry, e.entry_price) AS avg_entry
    FROM held AS h
    LEFT JOIN journal AS j ON j.venue = h.venue AND j.account = h.account AND j.symbol = h.symbol
    LEFT JOIN exchange AS e ON e.venue = h.venue AND e.account = h.account AND e.symbol = h.symbol
),
judged AS (
    SELECT venue, account, symbol, qty_from, journal_qty, exchange_qty, avg_entry,
           CASE qty_from WHEN 'journal' THEN journal_qty ELSE exchange_qty END AS qty,
           CASE qty_from WHEN 'exchange' THEN orderable_qty END AS orderable_qty
    FROM sides
    WHERE decimal_cmp(CASE qty_from WHEN 'journal' THEN journal_qty ELSE exchange_qty END,
                      '0') <> 0
),
stop_orders AS (
    SELECT p.venue, p.account, p.symbol, o.order_id, o.stop_price,
           CASE WHEN decimal_cmp(COALESCE(o.qty, '0'), '0') = 0 THEN ltrim(p.qty, '-')
                WHEN decimal_sub(o.qty, o.filled_qty) LIKE '-%' THEN '0'
                ELSE decimal_sub(o.qty, o.filled_qty) END AS remaining
    FROM judged AS p
    JOIN orders AS o ON o.venue = p.venue AND o.account = p.account AND o.symbol = p.symbol
    WHERE o.status IN ('open', 'partially_filled')
      AND o.order_type IN ('stop_market', 'stop_limit', 'bracket', 'trailing_stop')
      AND o.side = CASE WHEN p.qty LIKE '-%' THEN 'buy' ELSE 'sell' END
    ORDER BY o.order_id
),
stops AS (
    SELECT venue, account, symbol, count(*) AS n,
           group_concat(order_id, ' ') AS order_ids,
           group_concat(remaining, ' ') AS qtys,
           group_concat(COALESCE(stop_price, ''), ' ') AS stop_prices,
           decimal_sum(remaining) AS covered
    FROM stop_orders
    GROUP BY venue, account, symbol
),
latest AS (
    SELECT venue, account, max(id) AS run_id FROM recon_runs GROUP BY venue, account
),
latest_complete AS (
    SELECT venue, account, max(id) AS run_id FROM recon_runs WHERE complete = 1
    GROUP BY venue, account
),
at_risk AS (
    SELECT f.venue, f.account, f.symbol FROM findings AS f
    JOIN latest_complete AS l ON l.venue = f.venue AND l.account = f.account
                             AND f.run_id = l.run_id
    WHERE f.kind = 'stop_would_trigger' AND f.resolved_at IS NULL
    UNION
    SELECT a.venue, a.account, a.symbol FROM actions AS a
    JOIN latest_complete AS l ON l.venue = a.venue AND l.account = a.account
                             AND a.run_id = l.run_id
    WHERE a.status = 'failed'
      AND a.id = (SELECT max(b.id) FROM actions AS b
                  WHERE b.run_id = a.run_id AND b.venue = a.venue AND b.account = a.account
                    AND b.symbol = a.symbol
                    AND b.kind IN ('place_stop', 'replace_stop', 'emergency_close'))
)
SELECT p.venue, p.account, p.symbol, p.qty, p.avg_entry,
       COALESCE(s.n, 0) AS stops, s.order_ids AS stop_order_ids, s.qtys AS stop_qty,
       s.stop_prices AS stop_price, s.covered AS covered_qty,
       p.journal_qty, p.exchange_qty, p.qty_from,
       CASE
         WHEN s.n > 0 AND (ltrim(decimal_sub(s.covered, ltrim(p.qty, '-')), '-0.') = ''
                           OR ltrim(decimal_sub(s.covered, p.orderable_qty), '-0.') = '')
           THEN CASE WHEN EXISTS (SELECT 1 FROM at_risk AS r WHERE r.venue = p.venue
                                    AND r.account = p.account AND r.symbol = p.symbol)
                     THEN 'at_risk' ELSE 'protected' END
         WHEN EXISTS (SELECT 1 FROM findings f JOIN latest l
                        ON l.venue = f.venue AND l.account = f.account AND f.run_id = l.run_id
                      WHERE f.kind = 'dust' AND f.venue = p.venue AND f.account = p.account
                        AND f.symbol = p.symbol) THEN 'dust'
         ELSE 'UNPROTECTED'
       END AS state
FROM judged AS p
LEFT JOIN stops AS s ON s.venue = p.venue AND s.account = p.account AND s.symbol = p.symbol
ORDER BY p.venue, p.account, p.symbol;
