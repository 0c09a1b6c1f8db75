-- 0008_reserved_ingest10: placeholder for issue 10's ingest migration, which
-- owns number 0008 on its own branch. It changes nothing; it exists only so
-- that 0009 follows in sequence on this branch. Dropped when the branches
-- are merged (the ingest branch's 0008 takes its place).
SELECT 1;
