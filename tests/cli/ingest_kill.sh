#!/usr/bin/env bash
# `reckon ingest` killed with SIGKILL in the middle of a large input leaves a
# journal that `reckon audit verify` passes: what it holds is the
# transactions committed before the kill (no half batch, no gap in the
# chain), and ingesting the same input again journals exactly the rest (the
# lines journaled before count as duplicates). Run by ctest with RECKON_BIN.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 > /dev/null || fail "sqlite3 is needed by this test"

# 60000 lines: orders with a report and a fill each, over 50 symbols.
n=20000
awk -v n=$n 'BEGIN {
	for (i = 1; i <= n; i++) {
		s = sprintf("K%02d-USD", i % 50); t = sprintf("2025-03-01T%02d:%02d:%02dZ", int(i / 3600) % 24, int(i / 60) % 60, i % 60)
		printf "{\"type\":\"order\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"%s\",\"order_id\":\"k%d\",\"side\":\"buy\",\"order_type\":\"limit\",\"qty\":\"2\",\"price\":\"3\",\"status\":\"open\"}\n", t, s, i
		printf "{\"type\":\"fill\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"%s\",\"fill_id\":\"kf%d\",\"order_id\":\"k%d\",\"side\":\"buy\",\"qty\":\"2\",\"price\":\"3\"}\n", t, s, i, i
		printf "{\"type\":\"order\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"%s\",\"order_id\":\"k%d\",\"side\":\"buy\",\"order_type\":\"limit\",\"qty\":\"2\",\"price\":\"3\",\"status\":\"filled\"}\n", t, s, i
	}
}' > "$tmp/lines"
total=$((3 * n))
db=$tmp/j.db

"$bin" ingest --db "$db" "$tmp/lines" > "$tmp/out" 2> "$tmp/err" &
pid=$!
# Kill it once it has committed something and before it is done.
for _ in $(seq 1 600); do
	sleep 0.05
	kill -0 "$pid" 2> /dev/null || break
	c=$(sqlite3 "$db" "SELECT count(*) FROM events" 2> /dev/null || echo 0)
	[ "${c:-0}" -gt 0 ] && break
done
kill -9 "$pid" 2> /dev/null || true
wait "$pid" 2> /dev/null || true

"$bin" audit verify --db "$db" > "$tmp/out" 2> "$tmp/err" ||
	fail "audit verify after kill -9: $(cat "$tmp/out" "$tmp/err")"
have=$(sqlite3 "$db" "SELECT count(*) FROM events")
grep -qx "ok: $have events" "$tmp/out" || fail "audit: $(cat "$tmp/out")"
[ "$(sqlite3 "$db" "SELECT count(*) FROM event_dedup")" = "$have" ] || fail "event_dedup and events disagree"
# Whole transactions only: the events are the first lines of the input.
[ "$have" -gt 0 ] || fail "nothing was committed before the kill"

"$bin" ingest --db "$db" "$tmp/lines" > "$tmp/out" 2> "$tmp/err" || fail "ingest again: $(cat "$tmp/err")"
grep -qx "accepted $((total - have)), duplicates $have, stale 0, rejected 0" "$tmp/out" ||
	fail "ingest again after $have events: $(cat "$tmp/out")"
"$bin" audit verify --db "$db" > "$tmp/out" || fail "audit verify at the end: $(cat "$tmp/out")"
grep -qx "ok: $total events" "$tmp/out" || fail "audit at the end: $(cat "$tmp/out")"
echo "ingest_kill: all checks passed (killed after $have of $total events)"
