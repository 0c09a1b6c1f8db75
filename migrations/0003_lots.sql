-- 0003_lots: FIFO lots, their allocations to closing fills, and the views
-- users and scripts read P&L through.
--
-- Projections of `events` like every materialized table: written by the lot
-- engine (src/lots.c, arithmetic in src/fifo.c) in the same transaction as
-- the fill, rebuilt by replay or `reckon fifo rebuild`. Every key is a
-- journal seq, so a replay reproduces every row identically.
--
-- Amounts are canonical decimal TEXT computed exactly in C; SQL never does
-- arithmetic on them (CAST(x AS REAL) is fine in reports, never for
-- accounting). Anything a view shows that is a sum is kept summed by C.
--
-- Signs: money is signed cash from the trader's side. A lot's cost is what
-- was paid to open it (long: qty x price + fee; short: fee - qty x price,
-- i.e. minus the entry proceeds net of fees). A close's proceeds are what
-- was received (selling a long: +qty x price; buying back a short:
-- -qty x price). Fees are positive. Always
--     realized_pnl = proceeds - fees - cost_basis
-- which for a short is entry proceeds minus exit cost. Quantities are
-- positive except positions (short < 0). Roundings: see src/fifo.h.

-- One row per opening fill (or the opening remainder of a futures fill that
-- crosses zero). Spot: long only. Base-asset fees on a buy reduce qty.
CREATE TABLE lots (
    lot_id         INTEGER PRIMARY KEY,  -- seq of the opening fill event
    venue          TEXT NOT NULL,
    account        TEXT NOT NULL,
    symbol         TEXT NOT NULL,
    fill_id        TEXT NOT NULL,        -- the opening fill
    opened_at      TEXT NOT NULL,        -- its ts: FIFO order is (opened_at, lot_id)
    side           TEXT NOT NULL CHECK (side IN ('long','short')),
    qty            TEXT NOT NULL,        -- as opened (> 0)
    cost           TEXT NOT NULL,        -- as opened, quote-currency fee included
    qty_remaining  TEXT NOT NULL,        -- not yet allocated (>= 0)
    cost_remaining TEXT NOT NULL,        -- cost of qty_remaining ('0' when closed)
    unit_cost      TEXT,                 -- cost_remaining / signed qty_remaining; NULL when closed
    is_open        INTEGER NOT NULL      -- 1 while qty_remaining > 0
);
-- The allocator's walk: open lots of one symbol in FIFO order.
CREATE INDEX lots_open ON lots(venue, account, symbol, opened_at, lot_id) WHERE is_open = 1;

-- One row per closing fill (or the closing part of a crossing futures fill).
CREATE TABLE lot_closes (
    close_seq     INTEGER PRIMARY KEY,   -- seq of the closing fill event
    venue         TEXT NOT NULL,
    account       TEXT NOT NULL,
    symbol        TEXT NOT NULL,
    fill_id       TEXT NOT NULL,
    closed_at     TEXT NOT NULL,         -- the fill's ts
    side          TEXT NOT NULL CHECK (side IN ('long','short')), -- side of the lots closed
    qty           TEXT NOT NULL,         -- closed quantity, unmatched part included
    proceeds      TEXT NOT NULL,         -- qty x price, signed
    fees          TEXT NOT NULL,         -- the fill's quote-currency fee (its closing share)
    cost_basis    TEXT,                  -- sum of the allocated lots' cost; NULL when unmatched_qty > 0
    realized_pnl  TEXT,                  -- proceeds - fees - cost_basis; NULL when cost is unknown
    unmatched_qty TEXT NOT NULL          -- sold beyond the open lots (spot); '0' normally
);
CREATE INDEX lot_closes_time ON lot_closes(closed_at);

-- Which lots each closing fill consumed. The parts of one close are
-- numbered in allocation order; an unmatched part (lot_id NULL, cost and
-- P&L unknown) is always the last one.
CREATE TABLE lot_allocations (
    close_seq    INTEGER NOT NULL REFERENCES lot_closes(close_seq),
    part         INTEGER NOT NULL,
    lot_id       INTEGER REFERENCES lots(lot_id), -- NULL: unmatched
    venue        TEXT NOT NULL,
    account      TEXT NOT NULL,
    symbol       TEXT NOT NULL,
    qty          TEXT NOT NULL,
    cost_basis   TEXT,                   -- the lot's cost share; NULL when unmatched
    proceeds     TEXT NOT NULL,          -- share of the close's proceeds
    fees         TEXT NOT NULL,          -- share of the close's fees
    realized_pnl TEXT,                   -- NULL when unmatched
    PRIMARY KEY (close_seq, part)
) WITHOUT ROWID;
CREATE INDEX lot_allocations_lot ON lot_allocations(lot_id);

-- Net of the open lots per symbol, and the newest fill allocated (a fill
-- older than that re-allocates the symbol from its timestamp).
CREATE TABLE lot_positions (
    venue      TEXT NOT NULL,
    account    TEXT NOT NULL,
    symbol     TEXT NOT NULL,
    qty        TEXT NOT NULL,            -- signed sum of qty_remaining (short < 0)
    cost_basis TEXT NOT NULL,            -- sum of cost_remaining
    avg_entry  TEXT,                     -- cost_basis / qty (fees included); NULL when flat
    open_lots  INTEGER NOT NULL,
    last_ts    TEXT NOT NULL,
    last_seq   INTEGER NOT NULL,
    PRIMARY KEY (venue, account, symbol)
) WITHOUT ROWID;

-- Fees charged in neither the base nor the quote currency (e.g. BNB):
-- reported here as charged, never converted into cost or P&L.
CREATE TABLE lot_other_fees (
    seq          INTEGER PRIMARY KEY,    -- seq of the fill event
    venue        TEXT NOT NULL,
    account      TEXT NOT NULL,
    symbol       TEXT NOT NULL,
    fill_id      TEXT NOT NULL,
    ts           TEXT NOT NULL,
    fee          TEXT NOT NULL,
    fee_currency TEXT NOT NULL
);

CREATE VIEW v_open_lots AS
SELECT venue, account, symbol, lot_id, fill_id, opened_at, side,
       qty_remaining, cost_remaining, unit_cost
FROM lots WHERE is_open = 1;

-- One row per closing fill. cost_basis and realized_pnl are NULL when part
-- of the fill matched no lot (see the unmatched_sell finding).
CREATE VIEW v_realized_pnl AS
SELECT venue, account, symbol, fill_id, closed_at, qty, proceeds, cost_basis, fees,
       realized_pnl
FROM lot_closes;

-- Open positions as the lots see them (flat symbols omitted). Differs from
-- `positions` only when a spot sell was unmatched: lots never go negative.
CREATE VIEW v_positions AS
SELECT venue, account, symbol, qty, cost_basis, avg_entry
FROM lot_positions WHERE qty <> '0';
