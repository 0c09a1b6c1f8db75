#!/usr/bin/env bash
# The simulated venue never writes into a real journal (issue 8, point 17):
#   - `reckon reconcile` without --venue no longer runs the built-in demo
#     scenario: it is a usage error (64), and the journal is untouched;
#   - the simulated venue runs only with --sim, only into a simulation journal
#     (`reckon init --sim`, `reckon demo`): a journal of real venues refuses
#     it, and a simulation journal refuses a real venue (65), unchanged;
#   - every line a simulated pass prints says so ("[simulated] ").
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { sqlite3 "$1" "$2"; }

SIM_ID=1380666963 # 0x524b4e53, "RKNS"
line='{"type":"order","ts":"2025-11-22T10:00:00Z","venue":"coinbase","symbol":"TOWNS-USD","order_id":"o1","side":"sell","order_type":"limit","status":"open","qty":"536.6","price":"0.0125","purpose":"exit"}'

# expect RC PATTERN CMD...: exit code and a stderr pattern (grep -E).
expect() {
	local want=$1 pattern=$2 rc=0
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, want $want: $(cat "$tmp/err")"
	grep -Eq -- "$pattern" "$tmp/err" || fail "'$*': stderr lacks '$pattern': $(cat "$tmp/err")"
}
snapshot() { sqlite3 "$1" .dump | sha256sum; }

# A real journal: the bot's own order.
real=$tmp/real.db
echo "$line" | "$bin" ingest --db "$real" - > /dev/null || fail "ingest"
before=$(snapshot "$real")

# Forgetting --venue is a usage error, not a simulated pass into the journal.
expect 64 "--venue NAME is required \(or --sim SCENARIO" "$bin" reconcile --once --db "$real"
[ "$(snapshot "$real")" = "$before" ] || fail "reconcile without --venue changed the journal"
[ "$(q "$real" 'SELECT count(*) FROM events')" = 1 ] || fail "events were journaled"

# --sim into a journal of real venues is refused before anything is written.
expect 65 "journal of real venues: the simulated venue's results never go into it; create a simulation journal with 'reckon init --sim" \
	"$bin" reconcile --once --sim demo.json --db "$real"
expect 65 "journal of real venues" "$bin" reconcile --once --sim demo.json --venue coinbase --db "$real"
expect 65 "journal of real venues" "$bin" init --sim --db "$real"
[ "$(snapshot "$real")" = "$before" ] || fail "a refused simulated pass changed the journal"

# A simulation journal takes the simulated venue, and every line says so.
sim=$tmp/sim.db
"$bin" init --sim --db "$sim" > "$tmp/out" || fail "init --sim"
grep -qx "created simulation journal $sim (schema version [0-9]*)" "$tmp/out" || fail "init: $(cat "$tmp/out")"
[ "$(q "$sim" 'PRAGMA application_id')" = "$SIM_ID" ] || fail "not marked as a simulation journal"
echo "$line" | "$bin" ingest --db "$sim" - > /dev/null || fail "ingest into a simulation journal"
"$bin" reconcile --once --sim demo.json --db "$sim" > "$tmp/pass" 2> "$tmp/err" \
	|| fail "simulated pass: $(cat "$tmp/err")"
[ "$(wc -l < "$tmp/pass")" -gt 10 ] || fail "the pass printed too little: $(cat "$tmp/pass")"
unmarked=$(grep -v '^\[simulated\] ' "$tmp/pass" || true)
[ -z "$unmarked" ] || fail "lines of a simulated pass without the mark: $unmarked"
grep -q '^\[simulated\] coinbase run [0-9]*: ' "$tmp/pass" || fail "no coinbase summary"
[ "$(q "$sim" "SELECT count(*) FROM events WHERE source = 'reconcile'")" -gt 0 ] \
	|| fail "the simulated pass journaled nothing"

# A real venue never writes into a simulation journal (refused before the
# venue is even contacted, so no credentials are needed to see it).
before=$(snapshot "$sim")
expect 65 "is a simulation journal \(results of the simulated venue\): a real venue's results never go into it" \
	"$bin" reconcile --once --venue coinbase --base-url http://127.0.0.1:9 --db "$sim"
[ "$(snapshot "$sim")" = "$before" ] || fail "a refused real pass changed the simulation journal"

# The demo's journal is a simulation journal, and its passes are marked too.
"$bin" demo --db "$tmp/demo.db" > "$tmp/demo.out" || fail "demo"
[ "$(q "$tmp/demo.db" 'PRAGMA application_id')" = "$SIM_ID" ] || fail "the demo's journal is not marked"
awk '/^# Pass 1/ { on = 1; next } /^# Final protection/ { on = 0 }
     on && !/^\[simulated\] / && !/^# Pass / && !/^$/ { print; bad = 1 } END { exit bad }' \
	"$tmp/demo.out" > "$tmp/unmarked" || fail "demo pass lines without the mark: $(cat "$tmp/unmarked")"
grep -q '^\[simulated\] pass 2 on binance-usdm: ' "$tmp/demo.out" || fail "demo pass summary"
expect 65 "is a simulation journal" \
	"$bin" reconcile --once --venue binance-usdm --base-url http://127.0.0.1:9 --db "$tmp/demo.db"
echo "sim_journal: all checks passed"
