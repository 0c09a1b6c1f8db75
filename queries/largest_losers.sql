-- largest_losers: the closing fills that lost the most
--
-- Answers: which trades hurt most? The :limit closing fills with the most
-- negative realized P&L (v_realized_pnl), worst first. A closing fill whose
-- cost basis is unknown (an unmatched sell) has no realized_pnl and is not
-- listed; see the unmatched_sell findings (findings_open).
--
-- Parameters (all optional):
--   :limit    how many rows (default 10)
--   :from     first day included, 'YYYY-MM-DD' (UTC date of closed_at; default: all)
--   :to       last day included, 'YYYY-MM-DD' (default: all)
--   :venue    'coinbase', 'binance-usdm' or 'sim' (default: all)
--   :account  account name (default: all)
--   :symbol   e.g. 'BTC-USD' (default: all)
--
-- Amounts: every amount column is the view's exact decimal TEXT. The sign
-- test (decimal_cmp) and the ranking (COLLATE decimal) are exact: both come
-- from SQLite's decimal extension, which the sqlite3 shell ships and reckon
-- registers on its own decimals.
--
-- Example:
--   reckon query largest_losers --db reckon.db --param limit=5
--   sqlite3 reckon.db
--     sqlite> .parameter set :limit 5
--     sqlite> .read queries/largest_losers.sql
--
-- Three statements, one per shape of the parameters, so that each reads an
-- index of lot_closes: the first runs when venue, account and symbol are all
-- given (by symbol and time), the second when a period is given without them
-- (by time), the third when neither narrows (the losing closes in rank
-- order, lot_closes_losses: only the first :limit rows are read); a guard
-- on the parameters makes the others return nothing (also in the shell).
-- A loss is realized_pnl < 0: a canonical decimal is negative exactly when
-- its text starts with '-', which is the partial index's own term.
-- closed_at >= :from and closed_at < :to || 'U' bound the index range (a
-- canonical timestamp has 'T' after its day); the substr tests keep the
-- meaning exact.
SELECT closed_at,
       venue,
       account,
       symbol,
       fill_id,
       qty,
       proceeds,
       cost_basis,
       fees,
       realized_pnl
FROM v_realized_pnl
WHERE decimal_cmp(realized_pnl, '0') < 0
  AND closed_at >= COALESCE(:from, '')
  AND closed_at < COALESCE(:to, '9999-12-31') || 'U'
  AND substr(closed_at, 1, 10) >= COALESCE(:from, '')
  AND substr(closed_at, 1, 10) <= COALESCE(:to, '9999-12-31')
  AND :venue IS NOT NULL AND :account IS NOT NULL AND :symbol IS NOT NULL
  AND venue = :venue
  AND account = :account
  AND symbol = :symbol
ORDER BY realized_pnl COLLATE decimal, closed_at, venue, fill_id
LIMIT CAST(COALESCE(:limit, 10) AS INTEGER);
SELECT closed_at,
       venue,
       account,
       symbol,
       fill_id,
       qty,
       proceeds,
       cost_basis,
       fees,
       realized_pnl
FROM v_realized_pnl
WHERE (:venue IS NULL OR :account IS NULL OR :symbol IS NULL)
  AND (:from IS NOT NULL OR :to IS NOT NULL)
  AND closed_at >= COALESCE(:from, '')
  AND closed_at < COALESCE(:to, '9999-12-31') || 'U'
  AND substr(closed_at, 1, 10) >= COALESCE(:from, '')
  AND substr(closed_at, 1, 10) <= COALESCE(:to, '9999-12-31')
  AND decimal_cmp(realized_pnl, '0') < 0
  AND venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND symbol = COALESCE(:symbol, symbol)
ORDER BY realized_pnl COLLATE decimal, closed_at, venue, fill_id
LIMIT CAST(COALESCE(:limit, 10) AS INTEGER);
SELECT closed_at,
       venue,
       account,
       symbol,
       fill_id,
       qty,
       proceeds,
       cost_basis,
       fees,
       realized_pnl
FROM v_realized_pnl
WHERE (:venue IS NULL OR :account IS NULL OR :symbol IS NULL)
  AND :from IS NULL AND :to IS NULL
  AND substr(realized_pnl, 1, 1) = '-'
  AND venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND symbol = COALESCE(:symbol, symbol)
ORDER BY realized_pnl COLLATE decimal, closed_at, venue, fill_id
LIMIT CAST(COALESCE(:limit, 10) AS INTEGER);
