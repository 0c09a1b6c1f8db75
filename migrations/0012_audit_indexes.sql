-- 0012_audit_indexes: the post-mortem commands (reckon audit gaps, state,
-- timeline; src/journal/audit_*.c) read one symbol's events, and the events
-- of no symbol (runs, the exchange's positions), in seq order: an index seek
-- whatever the length of the journal, instead of a scan of every event.
CREATE INDEX IF NOT EXISTS events_symbol ON events(symbol, seq);
