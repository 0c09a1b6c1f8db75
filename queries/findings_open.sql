-- findings_open: open problems: unresolved findings, once per finding key
--
-- Answers: what still needs attention? A reconciliation finding is resolved
-- (resolved_at set by a finding_resolved event at the end of a pass) when
-- its last action succeeded, or when a later complete pass no longer finds
-- its key. Until then each pass that finds the problem again adds a finding,
-- so this report shows each open problem once: its latest finding, when it
-- was first seen and by how many passes. FIFO findings such as
-- unmatched_sell (run_id empty) are listed too; the lot engine removes them
-- when a later buy covers the sell.
--
-- Parameters (all optional; an unset parameter means "all"):
--   :venue    'coinbase', 'binance-usdm' or 'sim'
--   :account  account name
--   :symbol   e.g. 'BTC-USD'
--   :kind     finding kind, e.g. 'unmatched_sell'
--
-- Example:
--   reckon query findings_open --db reckon.db --param kind=unmatched_sell
--   sqlite3 reckon.db
--     sqlite> .parameter set :kind "'unmatched_sell'"
--     sqlite> .read queries/findings_open.sql
WITH open AS (
    SELECT *, COALESCE(finding_key, 'finding ' || id) AS problem
    FROM findings
    WHERE resolved_at IS NULL
      AND venue = COALESCE(:venue, venue)
      AND account = COALESCE(:account, account)
      AND symbol = COALESCE(:symbol, symbol)
      AND kind = COALESCE(:kind, kind)
),
problems AS (
    SELECT venue, account, problem, max(id) AS latest, min(created_at) AS first_seen,
           count(*) AS passes
    FROM open
    GROUP BY venue, account, problem
)
SELECT o.id          AS finding_id,
       p.first_seen,
       o.created_at  AS last_seen,
       p.passes,
       o.venue,
       o.account,
       o.symbol,
       o.kind,
       o.order_id,
       o.run_id,
       o.finding_key,
       o.detail
FROM problems AS p
JOIN open AS o ON o.id = p.latest
ORDER BY p.first_seen, o.id;
