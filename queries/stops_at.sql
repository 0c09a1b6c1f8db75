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
-- Reads the open orders (a partial index) and the stop orders seen from
-- :to_ts on (orders_stops_seen, migration 0014).
--
-- Example:
--   reckon query stops_at --db reckon.db --param to_ts=2025-11-23T00:00:00.000000Z
--   sqlite3 reckon.db
--     sqlite> .parameter set :to_ts "'2025-11-23T00:00:00.000000Z'"
--     sqlite> .read queries/stops_at.sql
SELECT venue, account, symbol, order_id, side, order_type, status, qty, filled_qty,
       stop_price, first_seen, last_seen
FROM orders
WHERE status IN ('open', 'partially_filled')
  AND order_type IN ('stop_market', 'stop_limit', 'bracket', 'trailing_stop')
  AND first_seen < COALESCE(:to_ts, '9999')
UNION ALL
SELECT venue, account, symbol, order_id, side, order_type, status, qty, filled_qty,
       stop_price, first_seen, last_seen
FROM orders
WHERE order_type IN ('stop_market', 'stop_limit', 'bracket', 'trailing_stop')
  AND last_seen >= COALESCE(:to_ts, '9999')
  AND status NOT IN ('open', 'partially_filled')
  AND first_seen < COALESCE(:to_ts, '9999')
ORDER BY venue, account, symbol, stop_price, order_id;
