-- 0010_reconcile_indexes: the reconciler's local state in index seeks
-- (src/journal/recon_store.c), whatever the length of the history.
--
-- Missing passes of the open orders: their stale_local_order findings.
CREATE INDEX IF NOT EXISTS findings_order ON findings(venue, account, kind, order_id);
-- Lookups of the open orders: their close_local_order actions, oldest first.
CREATE INDEX IF NOT EXISTS actions_order ON actions(venue, account, kind, order_id, id);
-- Inferred fills that real fills have not wholly superseded, by order: the
-- stand-ins only (PROJECT_SQL_OPEN_STAND_IN, the same terms, so the planner
-- of SQLite can use it), a few rows among all fills.
CREATE INDEX IF NOT EXISTS fills_open_stand_in ON fills(venue, account, order_id, seq)
  WHERE inferred = 1 AND substr(fill_id, 1, 9) = 'inferred:' AND qty <> superseded_qty;
