#!/usr/bin/env bash
# A group commit that fails (another process holds the journal's write lock
# past the busy timeout) acknowledges nothing: every line of it is answered
# "not journaled", nothing of it is in the journal, the daemon keeps running,
# and the same lines sent again once the lock is gone are journaled once.
set -euo pipefail
source "$(dirname "$0")/lib/fakex.sh"
source "$(dirname "$0")/lib/daemon.sh"
fx_init
fx_start
cfg=$tmp/reckon.json
dm_config "$cfg" '[{"venue": "binance-usdm", "base_url": "'$bn_url'", "interval_s": 3600}]'
dm_start "$cfg"
for k in 1 2 3; do
	printf '{"type":"order","ts":"2025-03-01T00:00:00Z","venue":"coinbase","symbol":"L-USD","order_id":"l%d","side":"buy","order_type":"limit","qty":"1","price":"2","status":"open"}\n' "$k"
done > "$tmp/lines"
# Hold the write lock for 7 s (the journal's busy timeout is 5 s).
: > "$tmp/lock.out"
python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=10)
c.execute("BEGIN IMMEDIATE")
print("locked", flush=True)
time.sleep(7)
c.execute("ROLLBACK")
' "$tmp/j.db" > "$tmp/lock.out" &
lock_pid=$!
for _ in $(seq 100); do grep -q locked "$tmp/lock.out" && break; sleep 0.05; done
dmc send "$tmp/r.sock" "$tmp/lines" > "$tmp/replies"
[ "$(grep -c '^{"ok":false,"error":"line [123]: not journaled: ' "$tmp/replies")" = 3 ] \
	|| fail "replies under a held lock: $(cat "$tmp/replies")"
dm_wait "$tmp/daemon.err" 'level=error event=commit_failed lines=3'
wait "$lock_pid"
kill -0 "$bg_pid" || fail "the daemon died"
[ "$(q "$tmp/j.db" "SELECT count(*) FROM events WHERE venue = 'coinbase'")" = 0 ] \
	|| fail "a line answered 'not journaled' is in the journal"
dmc send "$tmp/r.sock" "$tmp/lines" > "$tmp/replies"
[ "$(grep -cE '^\{"ok":true,"seq":[0-9]+\}$' "$tmp/replies")" = 3 ] || fail "resent: $(cat "$tmp/replies")"
dmc status "$tmp/r.sock.ctl" > "$tmp/status"
grep -q '"ingest":{"accepted":3,"duplicate":0,"stale":0,"rejected":3,' "$tmp/status" \
	|| fail "status: $(cat "$tmp/status")"
dm_stop
[ "$(q "$tmp/j.db" "SELECT count(*) FROM events WHERE venue = 'coinbase'")" = 3 ] || fail "events"
assert_audit_ok "$tmp/j.db"
echo "daemon_commit_fail: all checks passed"
