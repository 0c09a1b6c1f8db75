-- 0004_journal_identity: a random identity for this journal, created once.
--
-- The reconciler mixes it into every client order id it derives, so that a
-- second journal on the same account, a reinstall or a journal restored from
-- a backup never derives an id a venue already knows from another journal
-- (Coinbase answers a reused client order id with the existing order, which
-- may be a cancelled stop). It is created here, in the migration's own
-- transaction, and never changed: it is not a projection of `events`, so a
-- replay (audit verify, fifo rebuild) leaves it alone.
CREATE TABLE journal_meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

INSERT INTO journal_meta(key, value) VALUES ('journal_id', lower(hex(randomblob(16))));

