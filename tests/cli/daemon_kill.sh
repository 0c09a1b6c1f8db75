#!/usr/bin/env bash
# kill -9 of `reckon run` while 8 clients stream lines into its socket
# (issue 11 acceptance 2): every line the daemon acknowledged is in the
# journal under the seq its reply named, none twice; the restarted daemon
# (the kernel released the lock) answers the acknowledged lines as
# duplicates and journals the rest; `reckon audit verify` passes.
set -euo pipefail
source "$(dirname "$0")/lib/fakex.sh"
source "$(dirname "$0")/lib/daemon.sh"
fx_init
fx_start
cfg=$tmp/reckon.json
dm_config "$cfg" '[{"venue": "binance-usdm", "base_url": "'$bn_url'", "interval_s": 3600}]'
n=400 # lines per client
for c in $(seq 8); do
	awk -v n=$n -v c=$c 'BEGIN {
		for (i = 1; i <= n; i++) {
			t = sprintf("2025-03-01T%02d:%02d:%02dZ", c, int(i / 60) % 60, i % 60)
			if (i % 2)
				printf "{\"type\":\"order\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"K%d-USD\",\"order_id\":\"c%d-%d\",\"side\":\"buy\",\"order_type\":\"limit\",\"qty\":\"2\",\"price\":\"3\",\"status\":\"open\"}\n", t, c, c, i
			else
				printf "{\"type\":\"fill\",\"ts\":\"%s\",\"venue\":\"coinbase\",\"symbol\":\"K%d-USD\",\"fill_id\":\"f%d-%d\",\"order_id\":\"c%d-%d\",\"side\":\"buy\",\"qty\":\"2\",\"price\":\"3\"}\n", t, c, c, i, c, i - 1
		}
	}' > "$tmp/lines.$c"
done
cat "$tmp/lines".* > "$tmp/all"
: > "$tmp/acked"
dm_start "$cfg"
pids=()
for c in $(seq 8); do
	dmc stream "$tmp/r.sock" "$tmp/lines.$c" "$tmp/acked" &
	pids+=($!)
done
for _ in $(seq 400); do
	[ "$(wc -l < "$tmp/acked")" -ge 300 ] && break
	sleep 0.01
done
kill -KILL "$bg_pid"
wait "$bg_pid" 2> /dev/null || true
bg_pid=
for p in "${pids[@]}"; do wait "$p" || true; done
acked=$(wc -l < "$tmp/acked")
[ "$acked" -ge 300 ] || fail "only $acked lines acknowledged before the kill"
[ "$acked" -lt $((8 * n)) ] || fail "every line was acknowledged before the kill: kill earlier"

# Every acknowledged line is the event its reply named.
check_acked() {
	sqlite3 "$tmp/j.db" > "$tmp/missing" <<SQL
CREATE TEMP TABLE acked (seq INTEGER, line TEXT);
.mode tabs
.import $tmp/acked acked
SELECT a.seq FROM acked a LEFT JOIN events e ON e.seq = a.seq
 WHERE e.seq IS NULL OR e.type <> json_extract(a.line, '\$.type')
    OR coalesce(json_extract(e.payload, '\$.fill_id'), json_extract(e.payload, '\$.order_id'))
       <> coalesce(json_extract(a.line, '\$.fill_id'), json_extract(a.line, '\$.order_id'));
SQL
	[ ! -s "$tmp/missing" ] || fail "acknowledged but not journaled as replied: $(head "$tmp/missing")"
}
check_acked
have=$(q "$tmp/j.db" "SELECT count(*) FROM events WHERE venue = 'coinbase'")
assert_audit_ok "$tmp/j.db"

# Restart: the lock died with the process. Everything again: the
# acknowledged lines are duplicates, the rest journaled once.
dm_start "$cfg"
dmc send "$tmp/r.sock" "$tmp/all" > "$tmp/replies"
[ "$(wc -l < "$tmp/replies")" = $((8 * n)) ] || fail "replies: $(wc -l < "$tmp/replies")"
grep -m 3 -v '"ok":true' "$tmp/replies" && fail "refused lines after the restart"
dups=$(grep -c '"duplicate":true' "$tmp/replies" || true)
[ "$dups" = "$have" ] || fail "$dups duplicates, want the $have events journaled before the kill"
[ "$(q "$tmp/j.db" "SELECT count(*) FROM events WHERE venue = 'coinbase'")" = $((8 * n)) ] \
	|| fail "events: $(q "$tmp/j.db" "SELECT count(*) FROM events WHERE venue = 'coinbase'")"
check_acked

# SIGTERM during the same kind of stream: exit 0, and again every
# acknowledged line is journaled as its reply said.
for c in $(seq 8); do sed 's/"\(order_id\|fill_id\)":"\([cf]\)/"\1":"t\2/g' "$tmp/lines.$c" > "$tmp/term.$c"; done
: > "$tmp/acked"
pids=()
for c in $(seq 8); do
	dmc stream "$tmp/r.sock" "$tmp/term.$c" "$tmp/acked" &
	pids+=($!)
done
for _ in $(seq 400); do
	[ "$(wc -l < "$tmp/acked")" -ge 300 ] && break
	sleep 0.01
done
dm_stop
for p in "${pids[@]}"; do wait "$p" || true; done
[ "$(wc -l < "$tmp/acked")" -ge 300 ] || fail "too few acknowledged before SIGTERM"
check_acked
assert_audit_ok "$tmp/j.db"
echo "daemon_kill: all checks passed ($acked acknowledged before the kill, $have journaled)"
