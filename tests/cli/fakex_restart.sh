#!/usr/bin/env bash
# Issue 5: a restart in the middle of a corrective action. A placement
# reaches the exchange but its answer does not reach reckon, so the action is
# left `sent` (rule 2b: intent before action). The next `reckon reconcile
# --once` resolves it by looking its client order id up: the exchange saw
# exactly one placement with that id, and the end state is protected.
#
#   Coinbase: the placement answers after the client timeout and the lookup
#             that follows fails too (the process keeps running).
#   Binance:  reckon is killed (SIGKILL) while its placement is in flight.
set -euo pipefail
. "$(dirname "$0")/lib/fakex.sh"

# The one action left `sent` on VENUE: "id|kind|symbol|client_order_id".
sent_action() {
	q "$db" "SELECT id || '|' || kind || '|' || symbol || '|' || client_order_id FROM actions
	         WHERE venue = '$1' AND status = 'sent'"
}

# ACTION_ID was resolved by lookup, and the exchange saw ONE placement of CID.
assert_resolved_once() {
	local venue=$1 id=$2 cid=$3 n
	[ "$(q "$db" "SELECT status || ' ' || json_extract(response, '\$.outcome') || ' '
	              || json_extract(response, '\$.reason') FROM actions WHERE id = $id")" \
		= "succeeded ok resolved by client order id lookup" ] \
		|| fail "action $id not resolved by lookup: $(q "$db" "SELECT * FROM actions WHERE id = $id")"
	fx_requests
	n=$(grep -E '"method":"POST"' "$tmp/requests.jsonl" | grep -c -- "$cid" || true)
	[ "$n" = 1 ] || fail "want exactly one placement with $cid on $venue, the fake saw $n"
	[ -z "$(sent_action "$venue")" ] || fail "an action is still sent: $(sent_action "$venue")"
	# The order the lookup found is journaled under the exchange's id.
	local oid
	oid=$(q "$db" "SELECT order_id FROM actions WHERE id = $id")
	[ -n "$oid" ] && [ "$(q "$db" "SELECT client_order_id FROM orders WHERE order_id = '$oid'")" = "$cid" ] \
		|| fail "order $oid of action $id not journaled"
}

test_coinbase_timed_out_placement_resolved_by_client_id() {
	fx_start
	db=$tmp/cb.db
	fx_seed "$db"
	# The first placement (the ATOM-USD stop) is served but answered after
	# 4 s, past the 1 s client timeout; the lookup then fails: the snapshot's three open-order pages go
	# through, every later listing answers 500.
	fx_fault '[{"kind":"slow","venue":"coinbase","method":"POST","path":"/api/v3/brokerage/orders","delay_ms":4000},
	           {"kind":"server_error","venue":"coinbase","method":"GET",
	            "path":"/api/v3/brokerage/orders/historical/batch","skip":3,"count":-1}]'
	rk coinbase "$db" --timeout-ms 1000
	[ "$rk_rc" = 0 ] && [ "$(last_run "$db" coinbase)" = "1|" ] || fail "interrupted pass: exit $rk_rc"
	local sent id kind symbol cid
	sent=$(sent_action coinbase)
	IFS='|' read -r id kind symbol cid <<< "$sent"
	[ "$kind $symbol" = "place_stop ATOM-USD" ] || fail "want the ATOM-USD stop left sent, got '$sent'"
	grep -q "outcome unknown.*no answer within 1000 ms.*resolved by client order id next pass" "$tmp/last.out" \
		|| fail "the report does not say the outcome is unknown"
	# It did reach the exchange; the journal does not know it yet.
	[ "$(fx_orders coinbase "client_order_id = '$cid'" | cut -d'|' -f3)" = open ] \
		|| fail "the slow placement did not reach the fake"
	[ "$(q "$db" "SELECT count(*) FROM orders WHERE client_order_id = '$cid'")" = 0 ] \
		|| fail "an order with an unknown outcome was journaled"
	# The restart: the fault is gone, the next pass looks the client id up.
	fx_faults_clear
	rk coinbase "$db"
	[ "$rk_rc" = 0 ] || fail "resolving pass exited $rk_rc"
	assert_resolved_once coinbase "$id" "$cid"
	[ "$(q "$db" "SELECT count(*) FROM actions WHERE run_id = (SELECT max(id) FROM recon_runs
	               WHERE venue = 'coinbase')")" = 0 ] || fail "the resolving pass planned actions again"
	assert_coinbase_demo_end_state "$db"
	assert_actions_finished "$db" coinbase
	assert_audit_ok "$db"
}

test_binance_killed_placement_resolved_by_client_id() {
	fx_start
	db=$tmp/bn.db
	fx_seed "$db"
	# The emergency close of ICXUSDT is served, then answered only after 20 s.
	fx_fault '{"kind":"slow","venue":"binance","method":"POST","path":"/fapi/v1/order","delay_ms":20000}'
	"$bin" reconcile --once --venue binance-usdm --base-url "$bn_url" --db "$db" \
		> "$tmp/killed.out" 2> "$tmp/killed.err" &
	bg_pid=$!
	local _
	for _ in $(seq 200); do
		fx_requests
		grep -q '"method":"POST","path":"/fapi/v1/order"' "$tmp/requests.jsonl" && break
		sleep 0.05
	done
	grep -q '"method":"POST","path":"/fapi/v1/order"' "$tmp/requests.jsonl" || fail "no placement in flight"
	kill -KILL "$bg_pid"
	wait "$bg_pid" 2>/dev/null || true
	bg_pid=
	# The journal of a killed process holds no secret either (its WAL included,
	# read before anything else opens the database and checkpoints it).
	[ -s "$db-wal" ] || fail "no WAL left by the killed process"
	for f in "$db"* "$tmp/killed.out" "$tmp/killed.err"; do
		for secret in "$RECKON_BINANCE_API_SECRET" "$RECKON_BINANCE_API_KEY" "$(sed -n 2p "$tmp/cb.pem")"; do
			! grep -aqF -- "$secret" "$f" || fail "a secret is in $f"
		done
	done
	local sent id kind symbol cid
	sent=$(sent_action binance-usdm)
	IFS='|' read -r id kind symbol cid <<< "$sent"
	[ "$kind $symbol" = "emergency_close ICXUSDT" ] || fail "want the ICXUSDT close left sent, got '$sent'"
	[ "$(fx_position ICXUSDT)" = 0 ] || fail "the killed placement did not reach the fake"
	# The restart.
	rk binance-usdm "$db"
	[ "$rk_rc" = 0 ] || fail "resolving pass exited $rk_rc"
	assert_resolved_once binance-usdm "$id" "$cid"
	# The market order's fills came with it: flat in the journal, as on the fake.
	[ "$(q "$db" "SELECT qty FROM positions WHERE venue = 'binance-usdm' AND symbol = 'ICXUSDT'")" = 0 ] \
		|| fail "ICXUSDT not flat in the journal"
	[ "$(q "$db" "SELECT status FROM orders WHERE client_order_id = '$cid'")" = filled ] \
		|| fail "the emergency close is not journaled filled"
	assert_protected "$db" binance-usdm 1
	[ "$(fx_orders binance-usdm "order_id = '8389765904'" | cut -d'|' -f3)" = open ] || fail "ATOMUSDT stop"
	assert_audit_ok "$db"
}

fx_init
test_coinbase_timed_out_placement_resolved_by_client_id
test_binance_killed_placement_resolved_by_client_id
echo "fakex_restart: all checks passed"
