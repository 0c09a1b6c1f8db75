#!/usr/bin/env bash
# Acceptance of findings resolution and the protection report on the demo
# journal (issue 8, points 18 and 21): after `reckon demo`, every finding the
# first pass fixed is resolved by a finding_resolved event, findings_open
# lists only what is still open (the dust holding, once), the protection
# report judges every position the exchange holds by the planner's coverage
# rule, and the journal still audits clean. Run by ctest with RECKON_BIN set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/demo.db
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { sqlite3 "$db" "$1"; }

"$bin" demo --db "$db" > "$tmp/out" || fail "demo exited $?: $(tail -5 "$tmp/out")"

# Still open: only the dust holding, which both passes found (one row, 2 passes).
"$bin" query findings_open --db "$db" --format csv | tr -d '\r' > "$tmp/open.csv"
[ "$(wc -l < "$tmp/open.csv")" = 2 ] || fail "findings_open: $(cat "$tmp/open.csv")"
grep -q ',2,coinbase,default,UNFI-USD,dust,' "$tmp/open.csv" || fail "findings_open: $(cat "$tmp/open.csv")"
[ "$(q "SELECT count(*) FROM findings WHERE resolved_at IS NULL")" = 2 ] ||
	fail "unresolved: $(q "SELECT id, kind, symbol FROM findings WHERE resolved_at IS NULL")"

# Every other finding was resolved, each by one event: by its own succeeded
# action in the same run, or (a missing stop answered by a take-profit leg's
# bracket, which answers the blocking order's finding) by the second pass no
# longer finding it.
[ "$(q "SELECT count(*) FROM findings WHERE resolved_at IS NOT NULL
        AND resolution = 'action_succeeded' AND resolved_by = run_id")" = 8 ] ||
	fail "resolved by action: $(q "SELECT id, kind, resolution FROM findings")"
[ "$(q "SELECT count(*) FROM findings WHERE resolved_at IS NOT NULL
        AND resolution = 'gone' AND kind = 'missing_stop' AND resolved_by > run_id")" = 6 ] ||
	fail "resolved as gone: $(q "SELECT id, kind, resolution FROM findings")"
[ "$(q "SELECT count(*) FROM events e JOIN findings f
          ON f.id = json_extract(e.payload, '\$.finding_id')
        WHERE e.type = 'finding_resolved' AND e.source = 'reconcile'
          AND json_extract(e.payload, '\$.key') = f.finding_key
          AND json_extract(e.payload, '\$.reason') = f.resolution")" = 14 ] ||
	fail "finding_resolved events do not match the findings"

# The exchange's positions as of each venue's second (clean) pass.
[ "$(q "SELECT count(*) FROM exchange_positions e JOIN recon_runs r ON r.id = e.run_id
        WHERE r.complete = 1 AND r.id = (SELECT max(id) FROM recon_runs r2
                                         WHERE r2.venue = e.venue)")" = 9 ] ||
	fail "exchange_positions: $(q "SELECT * FROM exchange_positions")"

# Protection by the planner's rule: every position the exchange holds is
# judged, and each is protected but the dust.
"$bin" query protection --db "$db" --format csv | tr -d '\r' > "$tmp/prot.csv"
[ "$(grep -c ',exchange,protected$' "$tmp/prot.csv")" = 8 ] || fail "protection: $(cat "$tmp/prot.csv")"
grep -q '^coinbase,default,UNFI-USD,12,.*,exchange,dust$' "$tmp/prot.csv" ||
	fail "UNFI should be dust: $(cat "$tmp/prot.csv")"

"$bin" audit verify --db "$db" | grep -q '^ok: ' || fail "audit verify"
echo "findings: all checks passed"
