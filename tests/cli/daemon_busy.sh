#!/usr/bin/env bash
# A fill's pass that finds another pass of its journal, venue and account
# running (a `reckon reconcile --once` beside the daemon holds the pass lock,
# src/journal/pass_lock.h) sends nothing then, and runs again a second later
# rather than at the next interval (3600 s here): the stop still reaches the
# exchange shortly after the other pass ends.
set -euo pipefail
source "$(dirname "$0")/lib/fakex.sh"
source "$(dirname "$0")/lib/daemon.sh"
fx_init
fx_start
fx_seed "$tmp/j.db"
cfg=$tmp/reckon.json
dm_config "$cfg" '[{"venue": "binance-usdm", "base_url": "'$bn_url'", "interval_s": 3600}]' \
	'"policy": {"defaults": {"stop_pct": "5"}}'
dm_start "$cfg"
[ "$(fx_position ICXUSDT)" = 0 ] || fail "ICXUSDT not flat after the start pass"

stops() {
	fx_requests
	grep '"method":"POST","path":"/fapi/v1/algoOrder"' "$tmp/requests.jsonl" > "$tmp/stops" || true
	grep -c 'symbol=ICXUSDT' "$tmp/stops" || true
}

[ "$(bn_signed POST /fapi/v1/order "symbol=ICXUSDT&side=BUY&type=MARKET&quantity=1000")" = 200 ] \
	|| fail "market buy: $(cat "$tmp/body")"
oid=$(sqlite3 :memory: "SELECT json_extract(readfile('$tmp/body'), '\$.orderId')")
[ "$(bn_signed GET /fapi/v1/userTrades symbol=ICXUSDT)" = 200 ] || fail "userTrades"
sqlite3 :memory: "SELECT json_object('type', 'fill',
    'ts', strftime('%Y-%m-%dT%H:%M:%fZ', json_extract(value, '\$.time') / 1000.0, 'unixepoch'),
    'venue', 'binance-usdm', 'symbol', 'ICXUSDT', 'fill_id', CAST(json_extract(value, '\$.id') AS TEXT),
    'order_id', '$oid', 'side', 'buy', 'qty', json_extract(value, '\$.qty'),
    'price', json_extract(value, '\$.price'))
  FROM json_each(readfile('$tmp/body')) WHERE json_extract(value, '\$.orderId') = $oid" > "$tmp/fill"
[ "$(wc -l < "$tmp/fill")" = 1 ] || fail "the buy's fill: $(cat "$tmp/body")"

# Another pass holds the lock of (binance-usdm, default) for 3 s.
h=$(printf '%s' default | sha256sum | cut -c1-16)
lock="$tmp/j.db-reconcile-binance-usdm-$h.lock"
before=$(stops)
flock -n "$lock" sleep 3 &
holder=$!
sleep 0.3
kill -0 "$holder" || fail "could not hold the pass lock $lock"
dmc send "$tmp/r.sock" "$tmp/fill" | grep -q '"ok":true,"seq"' || fail "fill not acknowledged"
dm_wait "$tmp/daemon.err" 'event=pass .*reason=fill .*another' 5
[ "$(stops)" = "$before" ] || fail "a stop was sent while another pass held the lock"
wait "$holder"
# Released: the fill's pass runs within a couple of seconds, not in an hour.
for _ in $(seq 60); do
	[ "$(stops)" -gt "$before" ] && break
	sleep 0.1
done
[ "$(stops)" -gt "$before" ] || fail "no stop after the other pass ended: $(tail -5 "$tmp/daemon.err")"
[ "$(dm_count "$tmp/daemon.err" 'event=pass .*reason=timer')" = 0 ] || fail "a timer pass ran"
dm_stop
echo "daemon_busy: all checks passed"
