-- 0013_protection_gaps: the protection gaps as a projection, maintained as
-- events are applied (src/journal/protect_project.c), so that `reckon audit
-- gaps` and the daily report read intervals through index seeks instead of
-- replaying every event from the start of the journal (audit_gaps.h).
--
-- One row per interval during which a non-dust position had no
-- acknowledged protective stop; end_* NULL while it is still open. Times
-- are the events' ts as integer microseconds since the epoch, UTC (the unit
-- of struct audit_gap; compared as numbers): a start or end is never earlier
-- than the position's previous one. start_seq / end_seq are the events that
-- started / ended it. Causes as audit_gaps.h names them.
CREATE TABLE IF NOT EXISTS protection_gaps (
    venue       TEXT NOT NULL,
    account     TEXT NOT NULL,
    symbol      TEXT NOT NULL,
    start_seq   INTEGER NOT NULL,
    start_us    INTEGER NOT NULL,
    start_cause TEXT NOT NULL,
    end_seq     INTEGER,              -- NULL while open
    end_us      INTEGER,              -- NULL while open
    end_cause   TEXT,                 -- NULL while open
    PRIMARY KEY (venue, account, symbol, start_seq)
) WITHOUT ROWID;
-- One symbol's gaps, and one position's gaps by start time: "the last gap
-- that started before T" and "the gaps that started in [T1, T2)" are seeks.
CREATE INDEX IF NOT EXISTS protection_gaps_start
  ON protection_gaps(symbol, venue, account, start_us);

-- What the rule needs of a position that the other tables do not hold: the
-- venue's dust mark (from a `dust` finding of run dust_run, until a fill or
-- a later run's end), the time of the position's latest start or end
-- (last_us), and the interval open now (open_start_seq, NULL when none).
-- A row exists once a position has had a gap or a dust mark.
CREATE TABLE IF NOT EXISTS protection_state (
    venue          TEXT NOT NULL,
    account        TEXT NOT NULL,
    symbol         TEXT NOT NULL,
    dust           INTEGER NOT NULL DEFAULT 0,
    dust_run       INTEGER NOT NULL DEFAULT 0,
    last_us        INTEGER NOT NULL DEFAULT 0,
    open_start_seq INTEGER,
    PRIMARY KEY (venue, account, symbol)
) WITHOUT ROWID;
