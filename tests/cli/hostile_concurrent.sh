#!/usr/bin/env bash
# Hostile: two `reckon reconcile --once` on the same journal and venue at
# once, against reckon-fakex. Without a lock both planned from the same
# snapshot and both sent their plan: on Coinbase every blocking order was
# cancelled twice and a second ATOM-USD stop was sent under another client
# order id (refused only for the balance the first one held); on Binance the
# ICXUSDT emergency close (a market order) went out twice. Now a pass holds
# a lock per journal, venue and account (src/journal/pass_lock.h) and:
#   - a pass started while another runs exits 65 at once, naming the other
#     pass, having sent nothing and journaled nothing;
#   - two passes started together send the demo's fixes exactly once (six
#     cancels and seven placements on Coinbase; one cancel, one close on
#     Binance), every action reaches a verified end, the end state is the
#     demo's, and the journal verifies;
#   - the lock dies with its holder: after a kill -9 the next pass runs.
# Run by ctest with RECKON_BIN, RECKON_SOURCE_DIR and RECKON_BINARY_DIR set.
set -euo pipefail
. "$(dirname "$0")/lib/fakex.sh"

# pass VENUE OUT: a reconcile pass in the background; its pid in $!.
pass() {
	"$bin" reconcile --once --venue "$1" --base-url "$(venue_url "$1")" --db "$db" \
		> "$tmp/$2.out" 2> "$tmp/$2.err" &
}

# The mutations, without what differs between two sends of one request.
mutations_once() {
	fx_mutations | sed -E 's/timestamp=[0-9]+//; s/"status":[0-9]+.*//' | sort | uniq -d
}

# The fake saw every mutation of VENUE's demo fixes exactly once.
assert_sent_once() {
	local venue=$1 dup
	dup=$(mutations_once)
	[ -z "$dup" ] || fail "requests sent twice: $dup"
	fx_mutations > "$tmp/mut"
	if [ "$venue" = coinbase ]; then
		[ "$(grep -c '/api/v3/brokerage/orders/batch_cancel' "$tmp/mut")" = 6 ] \
			&& [ "$(grep -c '"path":"/api/v3/brokerage/orders",' "$tmp/mut")" = 7 ] \
			|| fail "want 6 cancels and 7 placements: $(cat "$tmp/mut")"
	else
		[ "$(grep -c '"method":"DELETE"' "$tmp/mut")" = 1 ] \
			&& [ "$(grep -c '"path":"/fapi/v1/order",' "$tmp/mut")" = 1 ] \
			|| fail "want one cancel and one close: $(cat "$tmp/mut")"
	fi
}

assert_end_state() {
	if [ "$1" = coinbase ]; then
		assert_coinbase_demo_end_state "$db"
	else
		assert_binance_demo_end_state "$db"
	fi
	assert_actions_finished "$db" "$1"
	assert_audit_ok "$db"
}

# A pass is held inside its first listing (answered after 2 s); a second one
# started meanwhile refuses at once.
test_second_pass_refused_while_one_runs() {
	local venue=$1 first_path=$2 a b rc_a=0 rc_b=0 events
	fx_start
	db=$tmp/held-$venue.db
	fx_seed "$db"
	fx_fault "{\"kind\":\"slow\",\"venue\":\"$venue\",\"method\":\"GET\",\"path\":\"$first_path\",\"delay_ms\":2000}"
	pass "$venue" a
	a=$!
	bg_pid=$a
	for _ in $(seq 200); do
		fx_requests
		grep -q "\"path\":\"$first_path\"" "$tmp/requests.jsonl" && break
		sleep 0.05
	done
	grep -q "\"path\":\"$first_path\"" "$tmp/requests.jsonl" || fail "the first pass never listed"
	fx_log_reset
	events=$(q "$db" "SELECT count(*) FROM events")
	pass "$venue" b
	b=$!
	wait "$b" || rc_b=$?
	# The first is still inside its slow listing: the refusal did not wait.
	kill -0 "$a" 2>/dev/null || fail "the first pass ended before the second was refused"
	[ "$rc_b" = 65 ] || fail "second pass exited $rc_b, want 65: $(cat "$tmp/b.out" "$tmp/b.err")"
	grep -q "another reconcile pass on $venue/default is running on this journal" "$tmp/b.err" \
		|| fail "the refusal does not say why: $(cat "$tmp/b.err")"
	[ "$(q "$db" "SELECT count(*) FROM events")" = "$events" ] || fail "the refused pass journaled"
	fx_requests
	[ ! -s "$tmp/requests.jsonl" ] || fail "the refused pass sent: $(cat "$tmp/requests.jsonl")"
	wait "$a" || rc_a=$?
	bg_pid=
	[ "$rc_a" = 0 ] || fail "the first pass exited $rc_a: $(cat "$tmp/a.out" "$tmp/a.err")"
	assert_end_state "$venue"
	ls "$db"-reconcile-* > /dev/null 2>&1 && fail "a lock file is left: $(ls "$db"-reconcile-*)"
	return 0
}

# Started together, N times over on fresh exchanges: the fixes go out once.
test_two_passes_at_once_send_once() {
	local venue=$1 round a b rc_a rc_b
	for round in 1 2 3; do
		fx_start
		db=$tmp/both-$venue-$round.db
		fx_seed "$db"
		pass "$venue" a
		a=$!
		pass "$venue" b
		b=$!
		rc_a=0 rc_b=0
		wait "$a" || rc_a=$?
		wait "$b" || rc_b=$?
		# Each exits 0 (it ran, alone) or 65 (refused while the other ran).
		[[ "$rc_a $rc_b" =~ ^(0|65)\ (0|65)$ ]] && [ "$rc_a $rc_b" != "65 65" ] \
			|| fail "round $round: exits $rc_a $rc_b: $(cat "$tmp/a.err" "$tmp/b.err")"
		assert_sent_once "$venue"
		assert_end_state "$venue"
	done
}

# kill -9 while holding the lock: the kernel drops it, the next pass runs.
test_lock_dies_with_its_holder() {
	local a
	fx_start
	db=$tmp/killed.db
	fx_seed "$db"
	fx_fault '{"kind":"slow","venue":"coinbase","method":"GET","path":"/api/v3/brokerage/accounts","delay_ms":20000}'
	pass coinbase a
	a=$!
	bg_pid=$a
	for _ in $(seq 200); do
		fx_requests
		grep -q '"path":"/api/v3/brokerage/accounts"' "$tmp/requests.jsonl" && break
		sleep 0.05
	done
	grep -q '"path":"/api/v3/brokerage/accounts"' "$tmp/requests.jsonl" || fail "no pass in flight"
	ls "$db"-reconcile-coinbase-*.lock > /dev/null || fail "no lock file while a pass runs"
	kill -KILL "$a"
	wait "$a" 2>/dev/null || true
	bg_pid=
	fx_faults_clear
	rk coinbase "$db"
	[ "$rk_rc" = 0 ] || fail "the pass after a killed one exited $rk_rc: $(cat "$tmp/last.err")"
	assert_end_state coinbase
}

fx_init
test_second_pass_refused_while_one_runs coinbase /api/v3/brokerage/orders/historical/batch
test_second_pass_refused_while_one_runs binance-usdm /fapi/v1/openOrders
test_two_passes_at_once_send_once coinbase
test_two_passes_at_once_send_once binance-usdm
test_lock_dies_with_its_holder
echo "hostile_concurrent: all checks passed"
