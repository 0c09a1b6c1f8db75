#!/usr/bin/env bash
# A journal made by the previous reckon (schema version 5) upgrades to one
# that `reckon audit verify` passes. tests/fixtures/journal-v5-demo.sql is
# that reckon's `reckon demo` journal plus four ingested lines whose order
# reports carried filled_qty before their fills, which it added together (p1
# "filled 10 of 10" with fills of 5, q1 "filled 2 of 10"). The upgrade's
# migration replays the events with the new rule, so the tables agree with a
# replay, p1 is partially filled and takes its second fill, and nothing else
# the demo journaled changes. Run by ctest with RECKON_BIN and
# RECKON_SOURCE_DIR set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
src=${RECKON_SOURCE_DIR:?RECKON_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 > /dev/null || fail "sqlite3 is needed by this test"

db=$tmp/old.db
sqlite3 "$db" < "$src/tests/fixtures/journal-v5-demo.sql"
[ "$(sqlite3 "$db" 'PRAGMA user_version')" = 5 ] || fail "the fixture is not at version 5"
versions=$(ls "$src"/migrations/*.sql | wc -l)
q() { sqlite3 "$db" "$1"; }
order() { q "SELECT status || ' ' || qty || ' ' || filled_qty FROM orders WHERE order_id = '$1'"; }
[ "$(order p1)" = "filled 10 10" ] || fail "the fixture's p1 is not the old, added-up row: $(order p1)"

# What the upgrade must not change: every table the demo journaled but orders.
keep() {
	for t in events fills positions lots lot_closes lot_allocations findings actions halts \
		recon_runs exchange_positions journal_meta; do
		echo "== $t"
		sqlite3 "$db" "SELECT * FROM $t" | LC_ALL=C sort
	done
	# orders, without the columns the new rule recomputes.
	sqlite3 "$db" "SELECT venue, order_id, account, symbol, side, order_type, qty, price,
	               stop_price, client_order_id, purpose, first_seq FROM orders ORDER BY 1, 2"
}
keep > "$tmp/before"

"$bin" init --sim --db "$db" > "$tmp/out" 2> "$tmp/err" || fail "init (upgrade): $(cat "$tmp/err")"
grep -qx "upgraded simulation journal $db from schema version 5 to $versions" "$tmp/out" ||
	fail "init: $(cat "$tmp/out")"
keep > "$tmp/after"
diff "$tmp/before" "$tmp/after" > "$tmp/diff" || fail "the upgrade changed more than orders: $(cat "$tmp/diff")"

"$bin" audit verify --db "$db" > "$tmp/out" 2> "$tmp/err" ||
	fail "audit verify of the upgraded journal: $(cat "$tmp/out" "$tmp/err")"
grep -qx "ok: 135 events" "$tmp/out" || fail "audit: $(cat "$tmp/out")"

[ "$(order p1)" = "partially_filled 10 5" ] || fail "p1 after the upgrade: $(order p1)"
[ "$(order q1)" = "filled 10 10" ] || fail "q1 after the upgrade: $(order q1)"
[ "$(q "SELECT fills_qty FROM orders WHERE order_id = 'q1'")" = 2 ] || fail "q1's fills_qty"
# Every order the demo journaled: its fills_qty is the sum of its fills.
bad=$(q "SELECT order_id FROM orders o WHERE fills_qty <> COALESCE((SELECT decimal_sum(qty) FROM fills f
        WHERE f.venue = o.venue AND f.order_id = o.order_id), '0')" 2>&1) || fail "fills_qty check: $bad"
[ -z "$bad" ] || fail "orders whose fills_qty is not the sum of their fills: $bad"

# p1 takes its second fill now (the old rule called it an overfill).
echo '{"type":"fill","ts":"2025-11-22T17:44:02Z","venue":"coinbase","symbol":"UNI-USD","fill_id":"pf2","order_id":"p1","side":"buy","qty":"5","price":"7"}' |
	"$bin" ingest --db "$db" - > "$tmp/out" 2> "$tmp/err" || fail "p1's second fill: $(cat "$tmp/err")"
[ "$(order p1)" = "filled 10 10" ] || fail "p1 after its second fill: $(order p1)"
"$bin" audit verify --db "$db" > /dev/null || fail "audit verify after the second fill"
echo "journal_upgrade: all checks passed"
