-- 0009_reserved_reports10: placeholder for issue 10's reports migration, which
-- owns number 0009 on its own branch. It changes nothing; it exists only so
-- that 0010 follows in sequence on this branch. Dropped when the branches
-- are merged (the reports branch's 0009 takes its place).
SELECT 1;
