#!/usr/bin/env bash
# Hostile: `reckon reconcile --once` killed with SIGKILL at many moments of a
# pass with several actions (the Coinbase demo: six cancels, seven stops;
# Binance: a cancel and an emergency close), then one more pass. Two ways to
# pick the moment:
#   - at the k-th request that changes the exchange, for every k: the fake
#     serves it and holds the answer, so reckon dies with that action `sent`
#     and its effect real on the exchange;
#   - after a delay, over a range of delays: wherever the pass happens to be
#     (journaling, between two actions, inside a lookup).
# After the next pass: every action left `sent` was resolved by a lookup
# (done, or confirmed never arrived; the exchange saw no request twice), nothing is left planned or sent, each fix
# went out exactly once, the end state is the demo's, the journal verifies.
# Run by ctest with RECKON_BIN, RECKON_SOURCE_DIR and RECKON_BINARY_DIR set.
set -euo pipefail
. "$(dirname "$0")/lib/fakex.sh"

# The mutations, without what differs between two sends of one request.
mutations_twice() {
	fx_mutations | sed -E 's/timestamp=[0-9]+//; s/"status":[0-9]+.*//' | sort | uniq -d
}

assert_recovered() {
	local venue=$1 what=$2 left dup id
	fx_faults_clear
	rk "$venue" "$db"
	[ "$rk_rc" = 0 ] || fail "$what: the pass after the kill exited $rk_rc: $(cat "$tmp/last.err")"
	[ "$(last_run "$db" "$venue")" = "1|" ] || fail "$what: $(last_run "$db" "$venue")"
	# Resolved by a lookup: it took effect (succeeded), or the venue
	# confirmed it never arrived (failed; the new pass planned it again).
	for id in $sent_ids; do
		[[ "$(q "$db" "SELECT status || ' ' || json_extract(response, '\$.reason')
		                FROM actions WHERE id = $id")" =~ ^(succeeded|failed)\ resolved\ by\ (client\ )?order\ (id\ )?lookup$ ]] \
			|| fail "$what: action $id, sent when killed: $(q "$db" "SELECT * FROM actions WHERE id = $id")"
	done
	left=$(q "$db" "SELECT id || ' ' || kind || ' ' || status FROM actions
	                WHERE venue = '$venue' AND status IN ('planned', 'sent')")
	[ -z "$left" ] || fail "$what: actions left: $left"
	dup=$(mutations_twice)
	[ -z "$dup" ] || fail "$what: sent twice: $dup"
	fx_mutations > "$tmp/mut"
	if [ "$venue" = coinbase ]; then
		[ "$(grep -c '/api/v3/brokerage/orders/batch_cancel' "$tmp/mut")" = 6 ] \
			&& [ "$(grep -c '"path":"/api/v3/brokerage/orders",' "$tmp/mut")" = 7 ] \
			|| fail "$what: want 6 cancels and 7 placements: $(cat "$tmp/mut")"
		assert_coinbase_demo_end_state "$db"
	else
		[ "$(grep -c '"method":"DELETE"' "$tmp/mut")" = 1 ] \
			&& [ "$(grep -c '"path":"/fapi/v1/order",' "$tmp/mut")" = 1 ] \
			|| fail "$what: want one cancel and one close: $(cat "$tmp/mut")"
		assert_binance_demo_end_state "$db"
	fi
	assert_audit_ok "$db"
}

start_pass() { # VENUE
	fx_start
	db=$tmp/kill.db
	fx_seed "$db"
}

run_bg() { # VENUE
	"$bin" reconcile --once --venue "$1" --base-url "$(venue_url "$1")" --db "$db" \
		> "$tmp/killed.out" 2> "$tmp/killed.err" &
	bg_pid=$!
}

kill_bg() {
	kill -KILL "$bg_pid" 2>/dev/null || true
	wait "$bg_pid" 2>/dev/null || true
	bg_pid=
	sent_ids=$(q "$db" "SELECT id FROM actions WHERE status = 'sent'")
}

# kill_at_mutation VENUE METHOD PATH K: killed while the K-th METHOD PATH
# request is served and its answer held back.
kill_at_mutation() {
	local venue=$1 method=$2 path=$3 k=$4 n=0
	start_pass "$venue"
	fx_fault "{\"kind\":\"slow\",\"venue\":\"$venue\",\"method\":\"$method\",\"path\":\"$path\",
	           \"skip\":$((k - 1)),\"delay_ms\":30000}"
	run_bg "$venue"
	for _ in $(seq 300); do
		fx_requests
		n=$(grep -c "\"method\":\"$method\",\"path\":\"$path" "$tmp/requests.jsonl" || true)
		[ "$n" -ge "$k" ] && break
		kill -0 "$bg_pid" 2>/dev/null || fail "$venue $method #$k: the pass ended first: $(cat "$tmp/killed.err")"
		sleep 0.05
	done
	[ "$n" -ge "$k" ] || fail "$venue: request $method $path #$k never came"
	kill_bg
	[ -n "$sent_ids" ] || fail "$venue $method #$k: no action left sent by the kill"
	assert_recovered "$venue" "killed at $method $path #$k"
}

test_killed_at_every_mutation() {
	local k
	for k in 1 2 3 4 5 6 7 8 9 10 11 12 13; do
		kill_at_mutation coinbase POST /api/v3/brokerage/orders "$k"
	done
	kill_at_mutation binance-usdm DELETE /fapi/v1/algoOrder 1
	kill_at_mutation binance-usdm POST /fapi/v1/order 1
}

test_killed_after_a_delay() {
	local ms venue
	for venue in coinbase binance-usdm; do
		for ms in 0 20 40 60 80 100 130 160 200 250 300 400; do
			start_pass "$venue"
			run_bg "$venue"
			sleep "$(printf '0.%03d' "$ms")"
			kill_bg
			assert_recovered "$venue" "killed after ${ms} ms"
		done
	done
}

fx_init
test_killed_at_every_mutation
test_killed_after_a_delay
echo "hostile_kill: all checks passed"
