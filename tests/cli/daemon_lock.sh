#!/usr/bin/env bash
# One `reckon run` per journal, and a hung venue holds only itself (issue 11
# acceptance 4 and 5): a second daemon on the same journal exits 69 naming
# the first's pid; while reckon-fakex answers binance's openOrders only
# after 8 s, socket acknowledgements stay fast (the max of 100 is measured,
# bound 200 ms), the control socket and `reckon status` answer with the pass
# running, and the
# other venue's pass runs and finishes meanwhile.
set -euo pipefail
source "$(dirname "$0")/lib/fakex.sh"
source "$(dirname "$0")/lib/daemon.sh"
fx_init
fx_start
fx_seed "$tmp/j.db"
cfg=$tmp/reckon.json
dm_config "$cfg" '[{"venue": "binance-usdm", "base_url": "'$bn_url'", "interval_s": 1, "timeout_ms": 10000},
                   {"venue": "coinbase", "base_url": "'$cb_url'", "interval_s": 3600}]'
dm_start "$cfg"

# ---- 5. a second daemon on the journal ------------------------------------------
rc=0
"$bin" run --config "$cfg" > "$tmp/second.out" 2> "$tmp/second.err" || rc=$?
[ "$rc" = 69 ] || fail "second reckon run exited $rc, want 69: $(cat "$tmp/second.err")"
grep -q "journal $tmp/j.db is in use by another reckon run (pid $bg_pid)" "$tmp/second.err" \
	|| fail "second reckon run: $(cat "$tmp/second.err")"
kill -0 "$bg_pid" || fail "the first daemon died"
# Another journal, the same socket path: the live socket is not taken over.
printf '{"db": "other.db", "socket": "r.sock", "venues": [{"venue": "binance-usdm", "base_url": "%s"}]}\n' "$bn_url" > "$tmp/other.json"
rc=0
"$bin" run --config "$tmp/other.json" > /dev/null 2> "$tmp/other.err" || rc=$?
[ "$rc" = 74 ] && grep -q "socket $tmp/r.sock: another process listens on it" "$tmp/other.err" \
	|| fail "a daemon on another journal took the socket: exit $rc, $(cat "$tmp/other.err")"
echo '{"type":"bogus"}' > "$tmp/bogus"
dmc send "$tmp/r.sock" "$tmp/bogus" | grep -q '"ok":false' || fail "the first daemon lost its socket"

# ---- 4. a hung venue ---------------------------------------------------------
fx_fault '{"kind":"slow","venue":"binance","path":"/fapi/v1/openOrders","count":1,"delay_ms":8000}'
# The next timer pass (every second) hangs in its snapshot.
running=
for _ in $(seq 60); do
	dmc status "$tmp/r.sock.ctl" > "$tmp/status"
	grep -q '"venue":"binance-usdm"[^}]*"pass_running":true' "$tmp/status" && running=1
	[ -n "$running" ] && sleep 0.5 && dmc status "$tmp/r.sock.ctl" > "$tmp/status" &&
		grep -q '"venue":"binance-usdm"[^}]*"pass_running":true' "$tmp/status" && break
	running=
	sleep 0.1
done
[ -n "$running" ] || fail "no hung binance pass seen in the status: $(cat "$tmp/status")"
hung_at=$(date +%s%N)
# `reckon status` itself answers from the live daemon while the pass hangs.
rc=0
"$bin" status --config "$cfg" > "$tmp/status.txt" 2> "$tmp/status.err" || rc=$?
[ "$rc" = 0 ] || fail "reckon status exited $rc during the hung pass: $(cat "$tmp/status.err")"
grep -q 'binance-usdm' "$tmp/status.txt" && grep -qi 'running' "$tmp/status.txt" \
	|| fail "reckon status does not show the running pass: $(cat "$tmp/status.txt")"
"$bin" status --config "$cfg" --json > "$tmp/status.json" \
	&& grep -q '"venue":"binance-usdm"[^}]*"pass_running":true' "$tmp/status.json" \
	|| fail "reckon status --json: $(cat "$tmp/status.json")"
# Acknowledgements while it hangs: order reports (they trigger no pass).
awk 'BEGIN { for (i = 1; i <= 100; i++)
	printf "{\"type\":\"order\",\"ts\":\"2025-03-01T00:00:%02dZ\",\"venue\":\"coinbase\",\"symbol\":\"H-USD\",\"order_id\":\"h%d\",\"side\":\"buy\",\"order_type\":\"limit\",\"qty\":\"1\",\"price\":\"2\",\"status\":\"open\"}\n", i % 60, i }' > "$tmp/orders"
dmc oneby "$tmp/r.sock" "$tmp/orders" "$tmp/replies" > "$tmp/lat"
[ "$(grep -c '"ok":true,"seq"' "$tmp/replies")" = 100 ] || fail "replies: $(head -3 "$tmp/replies")"
max=$(sed 's/.*max_ms=\([0-9.]*\).*/\1/' "$tmp/lat")
awk -v m="$max" 'BEGIN { exit !(m + 0 < 200) }' || fail "an ack took $max ms during the hung pass"
# The other venue works meanwhile: a coinbase fill triggers its pass.
echo '{"type":"fill","ts":"2025-03-01T00:00:00Z","venue":"coinbase","symbol":"H-USD","fill_id":"hf1","order_id":"h1","side":"buy","qty":"1","price":"2"}' > "$tmp/fill"
dmc send "$tmp/r.sock" "$tmp/fill" | grep -q '"ok":true' || fail "coinbase fill"
dm_wait "$tmp/daemon.err" 'event=pass venue=coinbase .*reason=fill' 3
dmc status "$tmp/r.sock.ctl" > "$tmp/status"
grep -q '"venue":"binance-usdm"[^}]*"pass_running":true' "$tmp/status" \
	|| fail "the coinbase pass waited for the hung one (binance no longer running)"
done_at=$(date +%s%N)
[ $(((done_at - hung_at) / 1000000)) -lt 7000 ] || fail "the checks outlasted the hang"
dm_wait "$tmp/daemon.err" 'event=pass venue=binance-usdm .*duration_us=[0-9]{7}' 10
dm_stop
echo "daemon_lock: all checks passed (max ack ${max} ms while a pass hung)"
