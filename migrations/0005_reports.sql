-- 0005_reports: what the reports need from reconciliation passes, kept as
-- projections of events like every materialized table.
--
-- A finding is resolved by a `finding_resolved` event, journaled at the end
-- of a pass: the finding's last action succeeded, or a later complete pass
-- no longer found its key. resolved_by is the run that journaled it.
ALTER TABLE findings ADD COLUMN resolved_by INTEGER;   -- recon_runs.id
ALTER TABLE findings ADD COLUMN resolution TEXT;       -- 'action_succeeded' or 'gone'
CREATE INDEX findings_unresolved ON findings(venue, account, resolved_at);
CREATE INDEX actions_finding ON actions(finding_id);

-- The positions (spot: holdings) a venue and account reported in its latest
-- complete reconciliation snapshot, from `exchange_positions` events: what
-- the planner protected then, including positions the journal's fills never
-- showed. Replaced as a whole by each complete pass.
CREATE TABLE exchange_positions (
    venue       TEXT NOT NULL,
    account     TEXT NOT NULL,
    symbol      TEXT NOT NULL,
    qty         TEXT NOT NULL,          -- signed (short < 0), exact decimal TEXT
    orderable_qty TEXT NOT NULL,        -- |qty| rounded down to the venue's step size:
                                        -- a stop set this size also protects it
    entry_price TEXT,                   -- as the venue reported it (futures)
    run_id      INTEGER NOT NULL,       -- the complete run whose snapshot it is
    as_of       TEXT NOT NULL,          -- when that run journaled it
    PRIMARY KEY (venue, account, symbol)
);
