#!/usr/bin/env bash
# `reckon run` protects a fresh position on the fill's arrival, not on its
# timer (issue 11 acceptance 1), and SIGHUP reloads the policy (acceptance
# 3): a market buy placed and filled on reckon-fakex through its real API,
# the same fill sent through the ingest socket, and the protective stop
# request reaches the exchange within a second while interval_s is 3600;
# then a changed stop_pct moves the next placement's stop, and a broken
# config file is refused with its JSON path while the daemon keeps running.
set -euo pipefail
source "$(dirname "$0")/lib/fakex.sh"
source "$(dirname "$0")/lib/daemon.sh"
fx_init
fx_start
fx_seed "$tmp/j.db"
cfg=$tmp/reckon.json
venues='[{"venue": "binance-usdm", "account": "default", "base_url": "'$bn_url'", "interval_s": 3600}]'
mport=$((20000 + RANDOM % 20000))
metrics='"metrics": {"listen": "127.0.0.1:'$mport'"}'
dm_config "$cfg" "$venues" '"policy": {"defaults": {"stop_pct": "5"}}, '"$metrics"
dm_start "$cfg"
# The start pass fixed the demo's incidents (ICXUSDT closed): a clean slate.
[ "$(fx_position ICXUSDT)" = 0 ] || fail "ICXUSDT not flat after the start pass"

# buy QTY: a market buy of ICXUSDT on the fake, through its API; its fill as
# an ingest line in $tmp/fill.
buy() {
	[ "$(bn_signed POST /fapi/v1/order "symbol=ICXUSDT&side=BUY&type=MARKET&quantity=$1")" = 200 ] \
		|| fail "market buy: $(cat "$tmp/body")"
	local oid
	oid=$(sqlite3 :memory: "SELECT json_extract(readfile('$tmp/body'), '\$.orderId')")
	[ "$(bn_signed GET /fapi/v1/userTrades symbol=ICXUSDT)" = 200 ] || fail "userTrades"
	sqlite3 :memory: "SELECT json_object('type', 'fill',
	    'ts', strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(value, '\$.time') / 1000.0, 'unixepoch'),
	    'venue', 'binance-usdm', 'symbol', 'ICXUSDT', 'fill_id', CAST(json_extract(value, '\$.id') AS TEXT),
	    'order_id', '$oid', 'side', 'buy', 'qty', json_extract(value, '\$.qty'),
	    'price', json_extract(value, '\$.price'))
	  FROM json_each(readfile('$tmp/body')) WHERE json_extract(value, '\$.orderId') = $oid" > "$tmp/fill"
	[ "$(wc -l < "$tmp/fill")" = 1 ] || fail "the buy's fill: $(cat "$tmp/body")"
}

# The stop prices of the protective placements the fake received.
stops_placed() {
	fx_requests
	grep '"method":"POST","path":"/fapi/v1/algoOrder"' "$tmp/requests.jsonl" | grep 'symbol=ICXUSDT' \
		| grep -o 'triggerPrice=[0-9.]*' | cut -d= -f2 || true
}

# The fake's log time (ms) of the last protective placement for ICXUSDT.
last_stop_ms() {
	fx_requests
	local ts
	ts=$(grep '"method":"POST","path":"/fapi/v1/algoOrder"' "$tmp/requests.jsonl" \
		| grep 'symbol=ICXUSDT' | tail -1 | sed 's/^{"ts":"\([^"]*\)".*/\1/')
	echo $(($(date -d "$ts" +%s%N) / 1000000))
}

# ---- 1. protection within a second of the fill's acknowledgement ----------
buy 1000
before=$(stops_placed | wc -l)
dmc sendt "$tmp/r.sock" "$tmp/fill" > "$tmp/reply"
grep -qE '^[0-9]+	\{"ok":true,"seq":[0-9]+\}$' "$tmp/reply" || fail "fill reply: $(cat "$tmp/reply")"
ack_ms=$(cut -f1 "$tmp/reply")
for _ in $(seq 100); do
	[ "$(stops_placed | wc -l)" -gt "$before" ] && break
	sleep 0.05
done
[ "$(stops_placed | wc -l)" -gt "$before" ] || fail "no stop reached the fake exchange"
# From the reply read by the bot to the request logged by the exchange.
took=$(($(last_stop_ms) - ack_ms))
[ "$took" -lt 1000 ] || fail "the stop reached the exchange $took ms after the acknowledgement"
dm_wait "$tmp/daemon.err" 'event=protect .*symbol=ICXUSDT .*protect_latency_us=[0-9]+ venue_us=[0-9]+ engine_us=-?[0-9]+'
# It was the fill's pass, not the timer's: the only passes are the start and the fill's.
[ "$(dm_count "$tmp/daemon.err" 'event=pass .*reason=timer')" = 0 ] || fail "a timer pass ran"
[ "$(dm_count "$tmp/daemon.err" 'event=pass .*reason=fill')" -ge 1 ] || fail "no fill pass"
stop5=$(stops_placed | tail -1)
# stop_pct 5 below the entry (0.0712): 0.0676
[ "$stop5" = 0.0676 ] || fail "stop at $stop5, want 0.0676 (5% below 0.0712)"
[ "$(q "$tmp/j.db" "SELECT count(*) FROM actions WHERE symbol = 'ICXUSDT' AND kind = 'place_stop'
                      AND status = 'succeeded'")" -ge 1 ] || fail "no journaled place_stop"
# The same line again: a duplicate, and no pass for it.
dmc send "$tmp/r.sock" "$tmp/fill" > "$tmp/reply"
grep -qE '^\{"ok":true,"duplicate":true,"seq":[0-9]+\}$' "$tmp/reply" || fail "dup reply: $(cat "$tmp/reply")"

# ---- 3. SIGHUP: a broken file is refused, a good one applies --------------
passes=$(dm_count "$tmp/daemon.err" 'event=pass ')
cp "$cfg" "$tmp/good.json"
dm_config "$cfg" "$venues" '"policy": {"defaults": {"stop_pct": "five"}}, '"$metrics"
kill -HUP "$bg_pid"
dm_wait "$tmp/daemon.err" 'event=reload_failed .*policy\.defaults\.stop_pct'
kill -0 "$bg_pid" || fail "the daemon died on a broken config"
dmc status "$tmp/r.sock.ctl" > "$tmp/status"
grep -q '"reloads":{"ok":0,"failed":1,' "$tmp/status" || fail "status: $(cat "$tmp/status")"
dm_config "$cfg" "${venues/3600/0}" "$metrics"
kill -HUP "$bg_pid"
dm_wait "$tmp/daemon.err" 'event=reload_failed .*venues\[0\]\.interval_s'
kill -0 "$bg_pid" || fail "the daemon died on a broken config"

dm_config "$cfg" "$venues" '"policy": {"defaults": {"stop_pct": "10"}}, '"$metrics"
kill -HUP "$bg_pid"
dm_wait "$tmp/daemon.err" 'event=reloaded'
buy 1000
before=$(stops_placed | wc -l)
dmc send "$tmp/r.sock" "$tmp/fill" > "$tmp/reply"
grep -qE '^\{"ok":true,"seq":[0-9]+\}$' "$tmp/reply" || fail "second fill reply: $(cat "$tmp/reply")"
for _ in $(seq 200); do
	[ "$(stops_placed | wc -l)" -gt "$before" ] && break
	sleep 0.01
done
stop10=$(stops_placed | tail -1)
# 10% below an entry of about 0.071: at most 0.0641 (5% would be 0.0676)
awk -v s="$stop10" 'BEGIN { exit !(s + 0 > 0.06 && s + 0 < 0.0645) }' \
	|| fail "after the reload the stop is at '$stop10', want 10% below the entry"
dm_wait "$tmp/daemon.err" 'event=protect .*symbol=ICXUSDT .*protect_latency_us='
[ "$(dm_count "$tmp/daemon.err" 'event=pass .*reason=timer')" = 0 ] || fail "a timer pass ran"
# The same figures on /metrics: two measured fills, the fill passes counted.
curl -sf "http://127.0.0.1:$mport/metrics" > "$tmp/metrics" || fail "GET /metrics"
grep -q '^reckon_protect_latency_seconds_count 2$' "$tmp/metrics" \
	|| fail "latency count: $(grep protect_latency "$tmp/metrics")"
grep -qE '^reckon_passes_total\{venue="binance-usdm",account="default",result="complete"\} 3$' "$tmp/metrics" \
	|| fail "passes: $(grep passes_total "$tmp/metrics")"
grep -q '^reckon_config_reloads_total{result="failed"} 2$' "$tmp/metrics" \
	|| fail "reloads: $(grep reloads "$tmp/metrics")"

# ---- reload: a venue added starts at once, a venue removed stops ------------
two='[{"venue": "binance-usdm", "base_url": "'$bn_url'", "interval_s": 3600},
      {"venue": "coinbase", "base_url": "'$cb_url'", "interval_s": 3600}]'
dm_config "$cfg" "$two" '"policy": {"defaults": {"stop_pct": "10"}}, '"$metrics"
kill -HUP "$bg_pid"
dm_wait "$tmp/daemon.err" 'event=pass venue=coinbase account=default reason=start .*complete=true'
dm_config "$cfg" "$venues" '"policy": {"defaults": {"stop_pct": "10"}}, '"$metrics"
kill -HUP "$bg_pid"
dm_wait "$tmp/daemon.err" 'event=worker_stopped venue=coinbase'
[ "$(dm_count "$tmp/daemon.err" 'event=worker_stopped venue=binance-usdm')" = 0 ] \
	|| fail "the kept venue's worker stopped"
dmc status "$tmp/r.sock.ctl" > "$tmp/status"
grep -q '"venues":\[{"venue":"binance-usdm"[^]]*\],"unprotected"' "$tmp/status" \
	&& ! grep -q '"venue":"coinbase"' "$tmp/status" || fail "status after removal: $(cat "$tmp/status")"
dm_stop
assert_audit_ok "$tmp/j.db"
echo "daemon_protect: all checks passed (stop $took ms after the ack; stops $stop5 then $stop10)"
