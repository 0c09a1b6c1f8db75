-- stops_at: the stop orders that stood at a moment
--
-- Answers: which stop orders were working at :to_ts (default: now), at
-- what level? One row per stop order (stop_market, stop_limit, bracket,
-- trailing_stop) first seen before :to_ts that was open then: it is open
-- now, or it was closed (filled, cancelled, expired, rejected) by a report
-- or fill at or after :to_ts. An order's last_seen is the time of its latest
-- report or fill; a report that arrived for an order already closed before
-- :to_ts but is stamped after it would count it as standing, so read the
-- protection state from the gaps (reckon audit gaps), which follow every
-- event: this query tells the levels. qty and filled_qty are the order's
-- now. The daily report of a past day takes its stop levels from here.
--
-- Parameters (optional):
--   :to_ts    the moment, canonical UTC 'YYYY-MM-DDTHH:MM:SS.ffffffZ'
--             (default: now, the stops open now)
--
-- Reads the open orders (a partial index), the stop orders first seen in
-- the day before :to_ts (orders_stops_first, migration 0015) and those that
-- lived a day or more seen from :to_ts on (orders_stops_long): a closed
-- stop that stood at :to_ts either started in the day before it or lived
-- longer than a day. The same ranges whatever the time since :to_ts.
--
-- Example:
--   reckon query stops_at --db reckon.db --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/stops_at.sql
WITH r AS (  -- :to_ts, and a second before the day before it (to the second)
    SELECT t, strftime('%Y-%m-%dT%H:%M:%S', t, '-1 day', '-1 second') || '.000000Z' AS b
    FROM (SELECT COALESCE(:to_ts, '9999') AS t)
)
SELECT venue, account, symbol, order_id, side, order_type, status, qty, filled_qty,
       stop_price, first_seen, last_seen
FROM orders
WHERE status IN ('open', 'partially_filled')
  AND order_type IN ('stop_market', 'stop_limit', 'bracket', 'trailing_stop')
  AND first_seen < COALESCE(:to_ts, '9999')
UNION ALL
-- closed since :to_ts, first seen in the day before it
SELECT o.venue, o.account, o.symbol, o.order_id, o.side, o.order_type, o.status, o.qty,
       o.filled_qty, o.stop_price, o.first_seen, o.last_seen
FROM r, orders AS o
WHERE o.order_type IN ('stop_market', 'stop_limit', 'bracket', 'trailing_stop')
  AND o.first_seen >= r.b AND o.first_seen < r.t
  AND o.last_seen >= r.t
  AND o.status NOT IN ('open', 'partially_filled')
UNION ALL
-- closed since :to_ts, first seen before that: it lived longer than a day
SELECT o.venue, o.account, o.symbol, o.order_id, o.side, o.order_type, o.status, o.qty,
       o.filled_qty, o.stop_price, o.first_seen, o.last_seen
FROM r, orders AS o
WHERE o.order_type IN ('stop_market', 'stop_limit', 'bracket', 'trailing_stop')
  AND julianday(o.last_seen) - julianday(o.first_seen) >= 0.99
  AND o.last_seen >= r.t
  AND o.first_seen < r.b
  AND o.status NOT IN ('open', 'partially_filled')
ORDER BY venue, account, symbol, stop_price, order_id;
