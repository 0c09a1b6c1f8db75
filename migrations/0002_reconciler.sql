-- 0002_reconciler: reconciliation runs, their findings and actions, halts.
--
-- Like every materialized table these are projections of `events`: ids are
-- the seq of the event that created the row, so a replay reproduces them.

CREATE TABLE recon_runs (
    id          INTEGER PRIMARY KEY,   -- seq of the recon_run_started event
    venue       TEXT NOT NULL,
    account     TEXT NOT NULL,
    started_at  TEXT NOT NULL,
    finished_at TEXT,                  -- NULL while running (or if it crashed)
    complete    INTEGER,               -- 1 if the venue snapshot was complete
    reason      TEXT,                  -- why destructive actions were withheld
    dry_run     INTEGER NOT NULL DEFAULT 0,
    fills_cursor TEXT                  -- venue's fill cursor after this run
);

CREATE TABLE findings (
    id          INTEGER PRIMARY KEY,   -- seq of the event that produced it
    run_id      INTEGER REFERENCES recon_runs(id), -- NULL for findings from FIFO
    kind        TEXT NOT NULL,         -- orphan_exchange_order, missing_stop, ...
    venue       TEXT NOT NULL,
    account     TEXT NOT NULL,
    symbol      TEXT NOT NULL DEFAULT '',
    order_id    TEXT,
    finding_key TEXT,                  -- stable identity across runs
    detail      TEXT NOT NULL DEFAULT '{}', -- JSON
    created_at  TEXT NOT NULL,
    resolved_at TEXT                   -- set when a later event resolves it
);
CREATE INDEX findings_run ON findings(run_id);
CREATE INDEX findings_key ON findings(venue, account, finding_key);

CREATE TABLE actions (
    id              INTEGER PRIMARY KEY, -- seq of the action_planned event
    run_id          INTEGER NOT NULL REFERENCES recon_runs(id),
    finding_id      INTEGER REFERENCES findings(id),
    kind            TEXT NOT NULL,       -- cancel_order, place_stop, ...
    venue           TEXT NOT NULL,
    account         TEXT NOT NULL,
    symbol          TEXT NOT NULL DEFAULT '',
    order_id        TEXT,                -- order acted on, or the one placed
    client_order_id TEXT,                -- deterministic, from the finding
    status          TEXT NOT NULL CHECK (status IN
                    ('planned','dry_run','sent','succeeded','failed','skipped')),
    request         TEXT,                -- JSON
    response        TEXT,                -- JSON
    error           TEXT,
    note            TEXT,
    finding_key     TEXT,
    depends_on      INTEGER,             -- actions.id that had to succeed first
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX actions_run ON actions(run_id);
CREATE INDEX actions_client ON actions(venue, client_order_id);
CREATE INDEX actions_status ON actions(status);

-- Symbols reckon refuses to act on until an operator looks (safety rule 2c).
CREATE TABLE halts (
    venue     TEXT NOT NULL,
    account   TEXT NOT NULL,
    symbol    TEXT NOT NULL,
    reason    TEXT NOT NULL,
    halted_at TEXT NOT NULL,
    seq       INTEGER NOT NULL,
    PRIMARY KEY (venue, account, symbol)
);
