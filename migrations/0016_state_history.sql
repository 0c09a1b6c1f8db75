-- 0016_state_history: the history of the rows `reckon audit state` reads, so
-- that the state at a moment is read through index seeks instead of
-- replaying every event from the start of the journal (audit_state.h).
--
-- One table per projection table that queries/protection.sql and
-- queries/open_orders.sql read, with its columns, and each row version's
-- life in seq: from_seq is the event that wrote it, to_seq the event that
-- replaced or deleted it (NULL: it is the row now). The version alive after
-- event S is the one with from_seq <= S < to_seq. orders_history keeps the
-- versions of an order while it is open or partially filled only (the two
-- queries read no other). Written in the same transaction as each event's
-- projection, by temporary triggers reckon installs on its connection
-- (src/journal/state_history.c); rebuilt by a replay, compared by
-- `audit verify` like every projection.
--
-- node places a closed version [from_seq, to_seq - 1] in a static interval
-- tree over seqs: level L = the bit length of from_seq XOR (to_seq - 1),
-- node = L * 2^48 + (from_seq >> L). The versions alive after S are those
-- still open (node NULL) written at or before S, and, for each level L, the
-- ones at node L * 2^48 + (S >> L) that contain S: 49 index seeks, each
-- reading only versions whose interval crosses that node's midpoint.
CREATE TABLE IF NOT EXISTS orders_history (
    venue TEXT NOT NULL, account TEXT NOT NULL, symbol TEXT NOT NULL,
    order_id TEXT NOT NULL, client_order_id TEXT, side TEXT NOT NULL,
    order_type TEXT, purpose TEXT, reduce_only INTEGER NOT NULL, qty TEXT, price TEXT,
    stop_price TEXT, filled_qty TEXT NOT NULL, status TEXT NOT NULL,
    from_fill INTEGER NOT NULL, first_seen TEXT NOT NULL, last_seen TEXT NOT NULL,
    first_seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, fills_qty TEXT NOT NULL,
    from_seq INTEGER NOT NULL, to_seq INTEGER, node INTEGER,
    PRIMARY KEY (venue, order_id, from_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS orders_history_node ON orders_history(node, from_seq);

CREATE TABLE IF NOT EXISTS positions_history (
    venue TEXT NOT NULL, account TEXT NOT NULL, symbol TEXT NOT NULL,
    qty TEXT NOT NULL, avg_entry TEXT, updated_at TEXT NOT NULL, last_seq INTEGER NOT NULL,
    from_seq INTEGER NOT NULL, to_seq INTEGER, node INTEGER,
    PRIMARY KEY (venue, account, symbol, from_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS positions_history_node ON positions_history(node, from_seq);

CREATE TABLE IF NOT EXISTS exchange_positions_history (
    venue TEXT NOT NULL, account TEXT NOT NULL, symbol TEXT NOT NULL,
    qty TEXT NOT NULL, orderable_qty TEXT NOT NULL, entry_price TEXT,
    run_id INTEGER NOT NULL, as_of TEXT NOT NULL,
    from_seq INTEGER NOT NULL, to_seq INTEGER, node INTEGER,
    PRIMARY KEY (venue, account, symbol, from_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS exchange_positions_history_node
  ON exchange_positions_history(node, from_seq);

CREATE TABLE IF NOT EXISTS recon_runs_history (
    id INTEGER NOT NULL, venue TEXT NOT NULL, account TEXT NOT NULL,
    started_at TEXT NOT NULL, finished_at TEXT, complete INTEGER, reason TEXT,
    dry_run INTEGER NOT NULL, fills_cursor TEXT,
    from_seq INTEGER NOT NULL, to_seq INTEGER, node INTEGER,
    PRIMARY KEY (id, from_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS recon_runs_history_node ON recon_runs_history(node, from_seq);

CREATE TABLE IF NOT EXISTS findings_history (
    id INTEGER NOT NULL, run_id INTEGER, kind TEXT NOT NULL, venue TEXT NOT NULL,
    account TEXT NOT NULL, symbol TEXT NOT NULL, order_id TEXT, finding_key TEXT,
    detail TEXT NOT NULL, created_at TEXT NOT NULL, resolved_at TEXT,
    resolved_by INTEGER, resolution TEXT,
    from_seq INTEGER NOT NULL, to_seq INTEGER, node INTEGER,
    PRIMARY KEY (id, from_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS findings_history_node ON findings_history(node, from_seq);

CREATE TABLE IF NOT EXISTS actions_history (
    id INTEGER NOT NULL, run_id INTEGER NOT NULL, finding_id INTEGER, kind TEXT NOT NULL,
    venue TEXT NOT NULL, account TEXT NOT NULL, symbol TEXT NOT NULL, order_id TEXT,
    client_order_id TEXT, status TEXT NOT NULL, request TEXT, response TEXT, error TEXT,
    note TEXT, finding_key TEXT, depends_on INTEGER, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    from_seq INTEGER NOT NULL, to_seq INTEGER, node INTEGER,
    PRIMARY KEY (id, from_seq)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS actions_history_node ON actions_history(node, from_seq);
