-- 0014_stop_orders_seen: the stop orders seen from a moment on, in an index.
--
-- The daily report of a past day shows the stops that stood at the day's end
-- (queries/stops_at.sql): the ones open now that were seen before it
-- (orders_open_only), and the ones closed since whose last report or fill
-- came at or after it. This partial index holds the stop orders only, by
-- last_seen (the time of their latest report or fill), so the second part is
-- a range read whatever the length of the journal.
CREATE INDEX IF NOT EXISTS orders_stops_seen ON orders(last_seen)
  WHERE order_type IN ('stop_market', 'stop_limit', 'bracket', 'trailing_stop');
