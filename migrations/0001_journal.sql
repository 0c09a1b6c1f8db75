-- 0001_journal: the append-only event log and the first materialized tables.
--
-- `events` is the source of truth. Every other table in this migration is a
-- projection of it, written in the same transaction as the event, and can be
-- rebuilt by replaying `events` in seq order (`reckon audit verify` checks).

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
    dedup_key   TEXT    UNIQUE,           -- identical input twice is a duplicate, not a new event
    prev_hash   TEXT    NOT NULL,         -- hash of seq-1 (64 zeros for seq 1)
    hash        TEXT    NOT NULL UNIQUE   -- SHA-256 over this row's fields and prev_hash
);
CREATE INDEX events_ts ON events(ts);
CREATE INDEX events_venue_symbol ON events(venue, account, symbol, seq);

CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only: UPDATE refused'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only: DELETE refused'); END;

-- Current state of every order reckon has heard of. Amounts are canonical
-- decimal TEXT; CAST(x AS REAL) is fine for reports, never for accounting.
CREATE TABLE orders (
    venue           TEXT NOT NULL,
    account         TEXT NOT NULL,
    symbol          TEXT NOT NULL,
    order_id        TEXT NOT NULL,          -- the exchange's order id
    client_order_id TEXT,
    side            TEXT NOT NULL CHECK (side IN ('buy','sell')),
    order_type      TEXT,                   -- NULL when only known from a fill
    purpose         TEXT CHECK (purpose IN ('entry','exit','stop_loss','take_profit')),
    reduce_only     INTEGER NOT NULL DEFAULT 0,
    qty             TEXT,
    price           TEXT,
    stop_price      TEXT,
    filled_qty      TEXT NOT NULL DEFAULT '0',
    status          TEXT NOT NULL CHECK (status IN
                    ('open','partially_filled','filled','cancelled','rejected','expired')),
    from_fill       INTEGER NOT NULL DEFAULT 0, -- 1: row was created from a fill only
    first_seen      TEXT NOT NULL,
    last_seen       TEXT NOT NULL,
    first_seq       INTEGER NOT NULL,
    last_seq        INTEGER NOT NULL,
    PRIMARY KEY (venue, order_id)
);
CREATE INDEX orders_open ON orders(venue, account, symbol, status);
CREATE INDEX orders_client ON orders(venue, client_order_id);

CREATE TABLE fills (
    venue        TEXT NOT NULL,
    account      TEXT NOT NULL,
    symbol       TEXT NOT NULL,
    fill_id      TEXT NOT NULL,
    order_id     TEXT NOT NULL,
    side         TEXT NOT NULL CHECK (side IN ('buy','sell')),
    qty          TEXT NOT NULL,
    price        TEXT NOT NULL,
    fee          TEXT NOT NULL DEFAULT '0',
    fee_currency TEXT,
    liquidity    TEXT CHECK (liquidity IN ('maker','taker')),
    ts           TEXT NOT NULL,
    inferred     INTEGER NOT NULL DEFAULT 0, -- 1: reconstructed by the reconciler
    seq          INTEGER NOT NULL,
    PRIMARY KEY (venue, fill_id)
);
CREATE INDEX fills_symbol_ts ON fills(venue, account, symbol, ts, seq);
CREATE INDEX fills_order ON fills(venue, order_id);

-- Net position per venue, account and symbol, from fills: signed quantity
-- (short < 0) and average entry price of the open quantity.
CREATE TABLE positions (
    venue      TEXT NOT NULL,
    account    TEXT NOT NULL,
    symbol     TEXT NOT NULL,
    qty        TEXT NOT NULL,
    avg_entry  TEXT,                     -- NULL when flat
    updated_at TEXT NOT NULL,
    last_seq   INTEGER NOT NULL,
    PRIMARY KEY (venue, account, symbol)
);
