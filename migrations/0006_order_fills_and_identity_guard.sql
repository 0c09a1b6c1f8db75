-- 0006_order_fills_and_identity_guard: an order's reported filled quantity
-- and its fills kept apart; the journal identity made immutable.
--
-- Orders. A bot or a venue reports an order's filled_qty, and the fills come
-- on their own, in any order. Adding one to the other counted every fill
-- twice (a report "filled 100 of 100" then its fill of 100 read as 200 of
-- 100). Now fills_qty is the sum of the order's journaled fills, and
-- orders.filled_qty the larger of that and the largest filled quantity a
-- report gave.
--
-- These are projections of `events` like every orders column, and the rules
-- that compute them changed with this migration: applying it replays every
-- event into the materialized tables (journal.c), in the migration's own
-- transaction, so an upgraded journal holds what a replay gives
-- (`reckon audit verify` checks).
ALTER TABLE orders ADD COLUMN fills_qty TEXT NOT NULL DEFAULT '0'; -- sum of its fills' qty

-- journal_meta holds the journal identity that 0004 created and the
-- reconciler mixes into every client order id: it is never changed or
-- removed, from any client (`reckon audit verify` checks these triggers and
-- that exactly one well-formed journal_id is there).
CREATE TRIGGER journal_meta_no_update BEFORE UPDATE ON journal_meta
BEGIN SELECT RAISE(ABORT, 'journal_meta is append-only: UPDATE refused'); END;
CREATE TRIGGER journal_meta_no_delete BEFORE DELETE ON journal_meta
BEGIN SELECT RAISE(ABORT, 'journal_meta is append-only: DELETE refused'); END;
