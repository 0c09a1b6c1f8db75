-- 0011_loss_index: the largest losses over all history in an index scan.
--
-- largest_losers with no symbol and no period ranked every closing fill
-- exactly (COLLATE decimal) in a temporary B-tree: 190k rows at 1M events.
-- This partial index holds the losing closes only (a canonical decimal is
-- negative exactly when its text starts with '-'; reckon never writes
-- "-0"), in the order the report ranks them, so the worst :limit are the
-- index's first rows. The decimal collation is registered on every
-- connection reckon opens (src/journal/sqldec.c) and ships with the sqlite3
-- shell's decimal extension, which orders canonical decimals the same way.
CREATE INDEX IF NOT EXISTS lot_closes_losses
  ON lot_closes(realized_pnl COLLATE decimal, closed_at, venue, fill_id)
  WHERE substr(realized_pnl, 1, 1) = '-';
