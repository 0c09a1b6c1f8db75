-- open_positions: open positions with their FIFO cost basis and average entry
--
-- Answers: what is held right now, and at what cost? One row per venue,
-- account and symbol whose FIFO position (v_positions) is not flat. qty is
-- signed (a short is negative); side spells it out. cost_basis is the cost
-- of the open lots, opening fees included (for a short it is negative: the
-- entry proceeds net of fees), and avg_entry = cost_basis / qty, both as
-- computed exactly by the lot engine (see migrations/0003_lots.sql).
--
-- Parameters (all optional; an unset parameter means "all"):
--   :venue    'coinbase', 'binance-usdm' or 'sim'
--   :account  account name
--   :symbol   e.g. 'BTC-USD'
--
-- Amounts: qty, cost_basis and avg_entry are the view's exact decimal TEXT,
-- unchanged; the zero test is decimal_cmp (SQLite's decimal extension, in
-- the sqlite3 shell and registered by reckon).
--
-- Example:
--   reckon query open_positions --db reckon.db --param venue=binance-usdm
--   sqlite3 reckon.db
--     sqlite> .parameter set :venue "'binance-usdm'"
--     sqlite> .read queries/open_positions.sql
SELECT venue,
       account,
       symbol,
       CASE WHEN qty LIKE '-%' THEN 'short' ELSE 'long' END AS side,
       qty,
       cost_basis,
       avg_entry
FROM v_positions
WHERE decimal_cmp(qty, '0') <> 0
  AND venue = COALESCE(:venue, venue)
  AND account = COALESCE(:account, account)
  AND symbol = COALESCE(:symbol, symbol)
ORDER BY venue, account, symbol;
