-- 0008_events_unindexed_hashes: no index on a random SHA-256 in the events
-- table; dedup keys looked up in event_dedup, ordered by a natural key.
--
-- 0001 made events.hash and events.dedup_key UNIQUE. Both are SHA-256 hex
-- for most events (an order report's dedup key is "order:" and the hash of
-- its canonical JSON), so each append dirtied one random page of each of the
-- two indexes: past the page cache, about two pages written per event (twice
-- with WAL and its checkpoint) for a row of a few hundred bytes.
--
-- The chain hash needs no index: nothing looks an event up by its hash, and
-- `reckon audit verify` checks the chain by walking it in seq order. The
-- dedup keys move to event_dedup, a WITHOUT ROWID table keyed by
-- (dedup_group, dedup_key): the group is a natural key of the event (an
-- order report's 'order:VENUE:ORDER_ID', '' for the others, whose keys are
-- natural already: 'fill:VENUE:FILL_ID'), so a new key lands next to its
-- order's earlier reports instead of on a random page. A dedup key always
-- comes with the same group (it is derived from the same payload), so
-- (dedup_group, dedup_key) is unique exactly when dedup_key is.
--
-- Every event keeps its columns and values, so its hash and the chain are
-- unchanged; the events table is rebuilt only to drop the two UNIQUE
-- constraints (SQLite cannot drop a column constraint in place).
CREATE TABLE event_dedup (
    dedup_group TEXT    NOT NULL,         -- a natural key: 'order:VENUE:ORDER_ID', or ''
    dedup_key   TEXT    NOT NULL,         -- events.dedup_key of event seq
    seq         INTEGER NOT NULL,         -- the event that holds it
    PRIMARY KEY (dedup_group, dedup_key)
) WITHOUT ROWID;

INSERT INTO event_dedup(dedup_group, dedup_key, seq)
    SELECT CASE WHEN type = 'order'
                THEN 'order:' || venue || ':' || json_extract(payload, '$.order_id')
                ELSE '' END,
           dedup_key, seq
    FROM events WHERE dedup_key IS NOT NULL ORDER BY 1, 2;

CREATE TRIGGER event_dedup_no_update BEFORE UPDATE ON event_dedup
BEGIN SELECT RAISE(ABORT, 'event_dedup is append-only: UPDATE refused'); END;
CREATE TRIGGER event_dedup_no_delete BEFORE DELETE ON event_dedup
BEGIN SELECT RAISE(ABORT, 'event_dedup is append-only: DELETE refused'); END;

-- The events table again, without UNIQUE on dedup_key and hash.
ALTER TABLE events RENAME TO events_0007;
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,      -- 1, 2, 3 ... no gaps
    ts          TEXT    NOT NULL,         -- when it happened (RFC 3339 UTC, as reported)
    recorded_at TEXT    NOT NULL,         -- when reckon journaled it
    type        TEXT    NOT NULL,         -- 'order', 'fill', ...
    source      TEXT    NOT NULL,         -- who said so: 'ingest', 'reconcile', ...
    venue       TEXT    NOT NULL,
    account     TEXT    NOT NULL,
    symbol      TEXT    NOT NULL DEFAULT '',
    payload     TEXT    NOT NULL,         -- canonical JSON (amounts as decimal strings)
    dedup_key   TEXT,                     -- identical input twice is a duplicate (event_dedup)
    prev_hash   TEXT    NOT NULL,         -- hash of seq-1 (64 zeros for seq 1)
    hash        TEXT    NOT NULL          -- SHA-256 over this row's fields and prev_hash
);
INSERT INTO events SELECT * FROM events_0007 ORDER BY seq;
DROP TABLE events_0007;
CREATE INDEX events_ts ON events(ts);
CREATE INDEX events_venue_symbol ON events(venue, account, symbol, seq);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only: UPDATE refused'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only: DELETE refused'); END;
