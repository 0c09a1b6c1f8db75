#!/usr/bin/env bash
# Issue 5: every fault of the fake exchange, on the Coinbase client. Each case
# starts a fresh reckon-fakex (demo scenario) and a fresh journal.
#
# Listing faults (429 with Retry-After, 500, slow past the client timeout,
# malformed JSON, a missing page): the pass is journaled incomplete with the
# reason, sends no cancel and no placement, closes no local order; a later
# clean pass fixes every incident. Action faults (cancel failures with
# Coinbase's failure reasons): each order whose cancel failed stays open, in
# the journal and on the exchange; nothing depending on it is sent; a later
# pass retries and ends protected.
set -euo pipefail
. "$(dirname "$0")/lib/fakex.sh"

V=coinbase
OPEN_ORDERS=/api/v3/brokerage/orders/historical/batch

test_429_retry_after_is_honoured() {
	fx_case t429a
	fx_fault "{\"kind\":\"rate_limit\",\"venue\":\"coinbase\",\"path\":\"$OPEN_ORDERS\",\"retry_after\":1}"
	local t0
	t0=$(now_ms)
	rk $V "$db"
	[ $(($(now_ms) - t0)) -ge 1000 ] || fail "the client did not wait Retry-After: 1"
	fx_requests
	grep -m 2 "\"path\":\"$OPEN_ORDERS\"" "$tmp/requests.jsonl" > "$tmp/two"
	grep -q '"status":429,"fault":"rate_limit"' <(head -1 "$tmp/two") \
		&& grep -q '"status":200' <(tail -1 "$tmp/two") || fail "want a 429 then a 200: $(cat "$tmp/two")"
	[ "$rk_rc" = 0 ] && [ "$(last_run "$db" $V)" = "1|" ] || fail "a retried 429 should complete"
	assert_coinbase_demo_end_state "$db"
}

test_429_retry_after_too_long_is_incomplete() {
	fx_case t429b
	fx_fault "{\"kind\":\"rate_limit\",\"venue\":\"coinbase\",\"path\":\"$OPEN_ORDERS\",\"retry_after\":120}"
	rk $V "$db"
	assert_incomplete_and_harmless $V "HTTP 429"
	[ "$(grep -c "\"path\":\"$OPEN_ORDERS\"" "$tmp/requests.jsonl")" = 1 ] \
		|| fail "a 429 asking for 120 s was retried at once"
	assert_clean_pass_fixes $V
}

test_500_is_incomplete() {
	fx_case t500
	fx_fault '{"kind":"server_error","venue":"coinbase","path":"/api/v3/brokerage/accounts","count":-1}'
	rk $V "$db"
	assert_incomplete_and_harmless $V "HTTP 500"
	[ "$(grep -c '"path":"/api/v3/brokerage/accounts".*"status":500' "$tmp/requests.jsonl")" = 4 ] \
		|| fail "a read must be retried 3 times"
	assert_clean_pass_fixes $V
}

test_slow_past_timeout_is_incomplete() {
	fx_case tslow
	fx_fault '{"kind":"slow","venue":"coinbase","path":"/api/v3/brokerage/best_bid_ask","count":-1,"delay_ms":2000}'
	rk $V "$db" --timeout-ms 400
	assert_incomplete_and_harmless $V "no answer within 400 ms"
	assert_clean_pass_fixes $V --timeout-ms 2000
}

test_malformed_json_is_incomplete() {
	fx_case tbad
	fx_fault "{\"kind\":\"malformed\",\"venue\":\"coinbase\",\"path\":\"$OPEN_ORDERS\"}"
	rk $V "$db"
	assert_incomplete_and_harmless $V "malformed JSON"
	assert_clean_pass_fixes $V
}

test_missing_page_is_incomplete() {
	fx_case tpage
	fx_fault "{\"kind\":\"missing_page\",\"venue\":\"coinbase\",\"path\":\"$OPEN_ORDERS\",\"status\":404}"
	rk $V "$db"
	assert_incomplete_and_harmless $V "page 2"
	# The first page was read: its orders are still not touched.
	grep -q 'INCOMPLETE.*2 open orders' "$tmp/last.out" || fail "page 1 should have been kept"
	assert_clean_pass_fixes $V
}

# Cancels refused with Coinbase's reasons: per-order results are the truth.
test_cancel_failures_keep_orders_open() {
	fx_case tcancel
	local towns=3661647f-bc6f-57bc-9370-69cb15b988d9 ela=a3d14964-51ad-579b-8240-d50bfb3dfea9
	local zora=a6f452eb-d32c-5c19-a140-55f7dd725a35 id s
	fx_fault "[{\"kind\":\"cancel_fails\",\"venue\":\"coinbase\",\"order_id\":\"$towns\",\"reason\":\"UNKNOWN_CANCEL_ORDER\"},
	           {\"kind\":\"cancel_fails\",\"venue\":\"coinbase\",\"order_id\":\"$ela\",\"reason\":\"ORDER_IS_FULLY_FILLED\"},
	           {\"kind\":\"cancel_fails\",\"venue\":\"coinbase\",\"order_id\":\"$zora\",\"reason\":\"COMMANDER_REJECTED_CANCEL_ORDER\"}]"
	rk $V "$db"
	[ "$rk_rc" = 0 ] && [ "$(last_run "$db" $V)" = "1|" ] || fail "cancel failures: exit $rk_rc"
	for pair in "$towns:UNKNOWN_CANCEL_ORDER:not_found" "$ela:ORDER_IS_FULLY_FILLED:rejected" \
		"$zora:COMMANDER_REJECTED_CANCEL_ORDER:rejected"; do
		IFS=: read -r id reason outcome <<< "$pair"
		[ "$(q "$db" "SELECT status || ' ' || json_extract(response, '\$.outcome') || ' '
		              || json_extract(response, '\$.reason') FROM actions
		              WHERE kind = 'cancel_order' AND order_id = '$id'")" = "failed $outcome $reason" ] \
			|| fail "cancel of $id: $(q "$db" "SELECT status, response FROM actions WHERE order_id = '$id'")"
		# Not wrongly closed: open in the journal and on the exchange.
		[ "$(q "$db" "SELECT status FROM orders WHERE order_id = '$id'")" = open ] \
			|| fail "$id closed locally although its cancel failed"
		[ "$(fx_orders $V "order_id = '$id'" | cut -d'|' -f3)" = open ] || fail "$id not open on the fake"
	done
	# The stops that needed those balances were not sent; the others were.
	for s in TOWNS ELA ZORA; do
		[ "$(q "$db" "SELECT status FROM actions WHERE kind = 'place_stop' AND symbol = '$s-USD'")" = skipped ] \
			|| fail "$s stop should wait for its cancel"
	done
	[ "$(fx_mutations | grep -c '"path":"/api/v3/brokerage/orders",')" = 4 ] \
		|| fail "want 4 placements (ATOM, CLANKER, TRUST, UNI)"
	# A later pass retries the cancels and ends protected, as the demo does.
	rk $V "$db"
	[ "$rk_rc" = 0 ] || fail "retry pass exited $rk_rc"
	[ "$(q "$db" "SELECT count(*) FROM actions WHERE run_id = (SELECT max(id) FROM recon_runs
	               WHERE venue = '$V') AND status = 'succeeded'")" = 6 ] || fail "retry pass: $(cat "$tmp/last.out")"
	assert_protected "$db" $V 7
	assert_same_as_demo "$db" $V --ignore-ids
	assert_second_pass_clean "$db" $V
	assert_audit_ok "$db"
}

# Issue 8 point 4: a placement answered HTTP 500 is an unknown outcome, not a
# refusal. The lookup by client order id finds nothing, so the same request
# (same client order id) is sent again after the backoff and places the stop;
# nothing is sold at market.
PLACE=/api/v3/brokerage/orders
test_500_on_a_placement_is_sent_again_not_liquidated() {
	fx_case tplace500
	fx_fault "{\"kind\":\"server_error\",\"venue\":\"coinbase\",\"method\":\"POST\",\"path\":\"$PLACE\"}"
	rk $V "$db"
	[ "$rk_rc" = 0 ] && [ "$(last_run "$db" $V)" = "1|" ] || fail "500 on a placement: exit $rk_rc"
	local cid
	cid=$(q "$db" "SELECT client_order_id FROM actions WHERE json_extract(response, '\$.sends') = 2")
	[ -n "$cid" ] || fail "no placement was sent twice: $(cat "$tmp/last.out")"
	[ "$(q "$db" "SELECT kind || ' ' || status FROM actions WHERE client_order_id = '$cid'")" \
		= "place_stop succeeded" ] || fail "the retried placement did not succeed"
	fx_requests
	[ "$(grep "\"method\":\"POST\",\"path\":\"$PLACE\"," "$tmp/requests.jsonl" | grep -c "$cid")" = 2 ] \
		|| fail "want the same client order id sent twice"
	grep -m 1 "\"method\":\"POST\",\"path\":\"$PLACE\"," "$tmp/requests.jsonl" | grep -q '"status":500' \
		|| fail "the first placement was not the one answered 500"
	grep -q '"method":"GET","path":"/api/v3/brokerage/orders/historical/batch".*OPEN' "$tmp/requests.jsonl" \
		|| fail "no lookup by client order id between the sends"
	grep '"method":"POST"' "$tmp/requests.jsonl" | grep market_market_ioc > /dev/null \
		&& fail "a market order was sent after a transient error"
	[ "$(q "$db" "SELECT count(*) FROM actions WHERE kind = 'emergency_close'")" = 0 ] \
		|| fail "an emergency close was planned"
	assert_coinbase_demo_end_state "$db"
	assert_audit_ok "$db"
}

# Every send unanswered (1 + protect_retries): the placement failed. The
# position had no stop that reckon removed, so nothing is sold; the next pass
# places it under a new client order id.
test_placement_failing_every_retry_sells_nothing() {
	fx_case tplace500x3
	fx_fault "{\"kind\":\"server_error\",\"venue\":\"coinbase\",\"method\":\"POST\",\"path\":\"$PLACE\",\"count\":3}"
	rk $V "$db"
	[ "$rk_rc" = 0 ] || fail "exit $rk_rc"
	[ "$(q "$db" "SELECT status || ' ' || json_extract(response, '\$.sends') FROM actions
	              WHERE kind = 'place_stop' AND status = 'failed'")" = "failed 3" ] \
		|| fail "want one placement failed after 3 sends: $(cat "$tmp/last.out")"
	fx_requests
	grep '"method":"POST"' "$tmp/requests.jsonl" | grep market_market_ioc > /dev/null \
		&& fail "a market order was sent"
	rk $V "$db"
	[ "$rk_rc" = 0 ] || fail "next pass exit $rk_rc"
	assert_protected "$db" $V 7
	assert_same_as_demo "$db" $V --ignore-ids
}

# Issue 8, hostile review D: a journal restored from a backup keeps its
# identity and attempt counts, so it derives client order ids its original
# already used. Coinbase answers a reused id with the old order — here the
# TOWNS bracket's id names a stop the original placed and that was cancelled
# since. That answer is not protection: the same bracket is sent again at
# once, in the same pass, under the next attempt's id, and TOWNS ends
# protected with its take profit, as in the demo.
test_restored_backup_reused_id_is_sent_again_under_a_fresh_id() {
	db=$tmp/restored.db
	fx_seed "$db"
	local jid key cid
	jid=$(q "$db" "SELECT value FROM journal_meta WHERE key = 'journal_id'")
	key='blocking_order:coinbase:default:TOWNS-USD:3661647f-bc6f-57bc-9370-69cb15b988d9'
	cid=rk-$(printf '%s' "$jid|$key#0" | openssl dgst -sha256 | sed 's/^.*= //' | cut -c1-24)
	sqlite3 :memory: "SELECT json_insert(readfile('$src/scenarios/demo.json'),
	  '\$.venues.coinbase.order_history[#]', json('{\"order_id\": \"old-stop-towns\",
	  \"client_order_id\": \"$cid\", \"symbol\": \"TOWNS-USD\", \"side\": \"sell\",
	  \"order_type\": \"stop_limit\", \"qty\": \"536.6\", \"price\": \"0.00752\",
	  \"stop_price\": \"0.0076\", \"status\": \"cancelled\", \"ts\": \"2025-11-23T02:00:00Z\"}'))" \
		> "$tmp/reuse.json" || fail "building the scenario"
	fx_start --scenario "$tmp/reuse.json"
	rk $V "$db"
	[ "$rk_rc" = 0 ] || fail "exit $rk_rc"
	[ "$(q "$db" "SELECT group_concat(status || ' ' || (client_order_id = '$cid'), ',') FROM
	      (SELECT * FROM actions WHERE symbol = 'TOWNS-USD' AND kind = 'place_stop' ORDER BY id)")" \
		= "failed 1,succeeded 0" ] \
		|| fail "want the reused id refused as protection, then a fresh one: $(q "$db" "SELECT id, status, client_order_id, error FROM actions WHERE symbol = 'TOWNS-USD'")"
	q "$db" "SELECT error FROM actions WHERE client_order_id = '$cid'" | grep -q 'old-stop-towns, which is cancelled' \
		|| fail "the failure does not name the old order"
	[ "$(q "$db" "SELECT count(*) FROM orders WHERE order_id = 'old-stop-towns'")" = 0 ] \
		|| fail "the old order was journaled as reckon's"
	[ "$(q "$db" "SELECT count(*) FROM actions WHERE kind = 'emergency_close'")" = 0 ] || fail "sold"
	[ "$(fx_orders coinbase "symbol = 'TOWNS-USD' AND status = 'open' AND order_type = 'bracket'" | wc -l)" = 1 ] \
		|| fail "TOWNS has no open bracket on the fake: $(fx_orders coinbase "symbol = 'TOWNS-USD'")"
	assert_coinbase_demo_end_state "$db"
}

fx_init
test_429_retry_after_is_honoured
test_429_retry_after_too_long_is_incomplete
test_500_is_incomplete
test_slow_past_timeout_is_incomplete
test_malformed_json_is_incomplete
test_missing_page_is_incomplete
test_cancel_failures_keep_orders_open
test_500_on_a_placement_is_sent_again_not_liquidated
test_placement_failing_every_retry_sells_nothing
test_restored_backup_reused_id_is_sent_again_under_a_fresh_id
echo "fakex_faults_coinbase: all checks passed"
