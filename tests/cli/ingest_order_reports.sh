#!/usr/bin/env bash
# An order's reports and its fills through the real binary (issue 8, point
# 12, as a hostile tester found it after the first fix):
#   - a report's filled_qty is never added to the order's fills: a fill of
#     an order reported filled, or partially filled, is no overfill, and the
#     fills move the position;
#   - out-of-order delivery is normal: the order's earlier reports delivered
#     after its fill, and a cancel acknowledged after the completing fill,
#     are journaled as stale, change nothing and are no error (exit 0);
#   - a report that contradicts the order (its side) is still rejected.
# Run by ctest with RECKON_BIN set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# ingest DB EXIT SUMMARY: ingests stdin into DB, checks the exit code and the
# summary line; stderr in $tmp/err.
ingest() {
	local rc=0
	"$bin" ingest --db "$1" - > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" = "$2" ] || fail "ingest into $1: exit $rc, want $2: $(cat "$tmp/out" "$tmp/err")"
	grep -qx "$3" "$tmp/out" || fail "ingest into $1: summary '$(cat "$tmp/out")', want '$3'"
}
q() { sqlite3 "$1" "$2"; }
order() { # DB ORDER_ID: "status qty filled_qty" of the order
	q "$1" "SELECT status || ' ' || qty || ' ' || filled_qty FROM orders WHERE order_id = '$2'"
}
position() { q "$1" "SELECT qty FROM positions WHERE symbol = '$2'"; }

# ---- a report's filled_qty and the fills are the same quantity ---------------
db=$tmp/m.db
ingest "$db" 0 'accepted 2, duplicates 0, stale 0, rejected 0' <<'JSON'
{"type":"order","ts":"2025-11-22T17:44:00Z","venue":"coinbase","symbol":"TOWNS-USD","order_id":"m1","side":"buy","order_type":"market","status":"filled","qty":"100","filled_qty":"100"}
{"type":"fill","ts":"2025-11-22T17:44:00Z","venue":"coinbase","symbol":"TOWNS-USD","fill_id":"mf1","order_id":"m1","side":"buy","qty":"100","price":"0.05","fee":"0.01","fee_currency":"USD"}
JSON
[ "$(order "$db" m1)" = "filled 100 100" ] || fail "m1: $(order "$db" m1)"
[ "$(position "$db" TOWNS-USD)" = 100 ] || fail "m1's position: '$(position "$db" TOWNS-USD)'"

db=$tmp/p.db
ingest "$db" 0 'accepted 3, duplicates 0, stale 0, rejected 0' <<'JSON'
{"type":"order","ts":"2025-11-22T17:44:00Z","venue":"coinbase","symbol":"UNI-USD","order_id":"p1","side":"buy","order_type":"limit","status":"partially_filled","qty":"10","price":"7","filled_qty":"5"}
{"type":"fill","ts":"2025-11-22T17:44:01Z","venue":"coinbase","symbol":"UNI-USD","fill_id":"pf1","order_id":"p1","side":"buy","qty":"5","price":"7"}
{"type":"fill","ts":"2025-11-22T17:44:02Z","venue":"coinbase","symbol":"UNI-USD","fill_id":"pf2","order_id":"p1","side":"buy","qty":"5","price":"7"}
JSON
[ "$(order "$db" p1)" = "filled 10 10" ] || fail "p1: $(order "$db" p1)"
[ "$(position "$db" UNI-USD)" = 10 ] || fail "p1's position: '$(position "$db" UNI-USD)'"

db=$tmp/f.db
ingest "$db" 0 'accepted 2, duplicates 0, stale 0, rejected 0' <<'JSON'
{"type":"order","ts":"2025-11-22T17:45:00Z","venue":"coinbase","symbol":"UNI-USD","order_id":"q1","side":"buy","order_type":"market","status":"filled","qty":"10"}
{"type":"fill","ts":"2025-11-22T17:45:01Z","venue":"coinbase","symbol":"UNI-USD","fill_id":"qf1","order_id":"q1","side":"buy","qty":"2","price":"7.1"}
JSON
[ "$(order "$db" q1)" = "filled 10 10" ] || fail "q1: a filled order is filled to its qty: $(order "$db" q1)"
[ "$(position "$db" UNI-USD)" = 2 ] || fail "q1's position: '$(position "$db" UNI-USD)'"

# ---- out-of-order delivery ------------------------------------------------------
db=$tmp/i.db
ingest "$db" 0 'accepted 1, duplicates 0, stale 3, rejected 0' <<'JSON'
{"type":"fill","ts":"2025-11-22T17:45:00Z","venue":"coinbase","symbol":"TOWNS-USD","fill_id":"if1","order_id":"i1","side":"buy","qty":"5","price":"0.05"}
{"type":"order","ts":"2025-11-22T17:44:00Z","venue":"coinbase","symbol":"TOWNS-USD","order_id":"i1","side":"buy","order_type":"limit","status":"open","qty":"5","price":"0.05"}
{"type":"order","ts":"2025-11-22T17:44:00Z","venue":"coinbase","symbol":"TOWNS-USD","order_id":"i1","side":"buy","order_type":"limit","status":"partially_filled","qty":"5","price":"0.05","filled_qty":"2"}
{"type":"order","ts":"2025-11-22T17:46:00Z","venue":"coinbase","symbol":"TOWNS-USD","order_id":"i1","side":"buy","order_type":"limit","status":"cancelled","qty":"5","price":"0.05"}
JSON
grep -q '^line 3: stale, changes nothing: order i1 is already filled; the report says partially_filled$' "$tmp/err" ||
	fail "stale line 3 not named: $(cat "$tmp/err")"
grep -q '^line 4: stale, changes nothing: order i1 is already filled; the report says cancelled$' "$tmp/err" ||
	fail "stale line 4 not named: $(cat "$tmp/err")"
[ "$(order "$db" i1)" = "filled 5 5" ] || fail "i1: $(order "$db" i1)"
[ "$(q "$db" 'SELECT count(*) FROM events')" = 4 ] || fail "stale reports are journaled"
"$bin" audit verify --db "$db" > /dev/null || fail "audit verify after stale reports"
# The same lines again are duplicates, and a contradiction is still rejected.
ingest "$db" 65 'accepted 0, duplicates 1, stale 0, rejected 1' <<'JSON'
{"type":"fill","ts":"2025-11-22T17:45:00Z","venue":"coinbase","symbol":"TOWNS-USD","fill_id":"if1","order_id":"i1","side":"buy","qty":"5","price":"0.05"}
{"type":"order","ts":"2025-11-22T17:44:00Z","venue":"coinbase","symbol":"TOWNS-USD","order_id":"i1","side":"sell","order_type":"limit","status":"open","qty":"5","price":"0.05"}
JSON
grep -q "^line 2: field 'side': order i1 is a buy, not a sell$" "$tmp/err" || fail "side: $(cat "$tmp/err")"
echo "ingest_order_reports: all checks passed"
