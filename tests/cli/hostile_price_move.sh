#!/usr/bin/env bash
# Hostile: the price moves between the snapshot and the placements. The
# Coinbase pass is held in its last read before it acts (best_bid_ask,
# answered after 2 s) while every coin's price falls 20% on the fake, so
# each stop reckon planned from the snapshot's prices would trigger at once:
# the venue refuses them. Then:
#   - no position is left unprotected: each has exactly one open stop, on
#     the fake as in the journal, below the price it fell to (or is closed);
#   - every refusal is journaled (failed, would trigger) with its follow-up
#     after it, an action of its own, placed from a price asked afresh;
#   - the next pass has nothing to do, the journal verifies.
# Run by ctest with RECKON_BIN, RECKON_SOURCE_DIR and RECKON_BINARY_DIR set.
set -euo pipefail
. "$(dirname "$0")/lib/fakex.sh"

# The scenario's price of SYMBOL now (the fake is at step 0 of its path).
scenario_price() {
	sqlite3 :memory: "SELECT json_extract(readfile('$src/scenarios/demo.json'),
	                    '\$.venues.coinbase.prices.\"$1\"[0]')"
}

test_price_falls_between_snapshot_and_placement() {
	local s p low n bad refused
	fx_start
	db=$tmp/move.db
	fx_seed "$db"
	fx_fault '{"kind":"slow","venue":"coinbase","method":"GET","path":"/api/v3/brokerage/best_bid_ask","delay_ms":2000}'
	"$bin" reconcile --once --venue coinbase --base-url "$cb_url" --db "$db" \
		> "$tmp/last.out" 2> "$tmp/last.err" &
	bg_pid=$!
	for _ in $(seq 200); do
		fx_requests
		grep -q '"path":"/api/v3/brokerage/best_bid_ask"' "$tmp/requests.jsonl" && break
		sleep 0.02
	done
	grep -q '"path":"/api/v3/brokerage/best_bid_ask"' "$tmp/requests.jsonl" || fail "the pass never asked for prices"
	grep -q '"method":"POST"' "$tmp/requests.jsonl" && fail "the pass acted before the price moved"
	# The snapshot is taken: every price falls 20%.
	for s in ATOM CLANKER ELA TOWNS TRUST UNI ZORA UNFI; do
		p=$(scenario_price "$s-USD")
		[ -n "$p" ] || fail "no price for $s-USD in the scenario"
		low=$(awk -v p="$p" 'BEGIN { printf "%.6g", p * 0.8 }')
		[ "$(ctl POST "price?venue=coinbase&symbol=$s-USD&price=$low")" = 200 ] \
			|| fail "moving $s-USD to $low: $(cat "$tmp/body")"
		echo "$s-USD $p -> $low" >> "$tmp/moved"
	done
	local rc=0
	wait "$bg_pid" || rc=$?
	bg_pid=
	[ "$rc" = 0 ] || fail "the pass exited $rc: $(cat "$tmp/last.err")"
	# The stops planned from the old prices were refused as would-trigger.
	refused=$(q "$db" "SELECT count(*) FROM actions WHERE kind = 'place_stop' AND status = 'failed'
	                   AND json_extract(response, '\$.reject') = 'would_trigger'")
	[ "$refused" -ge 1 ] || fail "no placement was refused: the price move missed the pass: $(q "$db" \
		"SELECT id, kind, symbol, status, response FROM actions")"
	# Each refusal has its follow-up after it, journaled, and it succeeded.
	bad=$(q "$db" "SELECT a.id || ' ' || a.symbol FROM actions a
	       WHERE a.kind = 'place_stop' AND a.status = 'failed'
	         AND NOT EXISTS (SELECT 1 FROM actions f WHERE f.id > a.id AND f.symbol = a.symbol
	                         AND f.status = 'succeeded' AND f.kind IN ('place_stop', 'emergency_close'))")
	[ -z "$bad" ] || fail "refused without a successful follow-up: $bad"
	# A fresh price was asked after the first refusal.
	fx_requests
	n=$(grep -n -m 1 '"method":"POST","path":"/api/v3/brokerage/orders",' "$tmp/requests.jsonl" | cut -d: -f1)
	tail -n +"$n" "$tmp/requests.jsonl" | grep '"path":"/api/v3/brokerage/best_bid_ask"\|"path":"/api/v3/brokerage/products/' > /dev/null \
		|| fail "no price asked after the refusal"
	# Nothing bare: one stop per position, below the price it fell to.
	assert_protected "$db" coinbase 7
	fx_state
	bad=$(sqlite3 :memory: "WITH o AS (SELECT json_extract(value, '\$.symbol') AS symbol,
	        json_extract(value, '\$.stop_price') AS stop, json_extract(value, '\$.status') AS status
	      FROM json_each(readfile('$tmp/state.json'), '\$.coinbase.orders')),
	    p(symbol, last) AS (VALUES $(awk -v q="'" '{ printf "%s(%s%s%s, %s)", (NR > 1 ? ", " : ""), q, $1, q, $4 }' "$tmp/moved"))
	    SELECT o.symbol || ' stop ' || o.stop || ' last ' || p.last FROM o JOIN p USING (symbol)
	    WHERE o.status = 'open' AND o.stop IS NOT NULL AND CAST(o.stop AS REAL) >= p.last")
	[ -z "$bad" ] || fail "stops at or above the market: $bad"
	[ "$(sqlite3 :memory: "SELECT count(*) FROM json_each(readfile('$tmp/state.json'), '\$.coinbase.orders')
	      WHERE json_extract(value, '\$.status') = 'open' AND json_extract(value, '\$.stop_price') IS NOT NULL")" = 7 ] \
		|| fail "want 7 open stops on the fake"
	bad=$(q "$db" "SELECT id || ' ' || kind || ' ' || status FROM actions WHERE status IN ('planned', 'sent')
	               OR (status = 'failed' AND NOT (kind = 'place_stop'
	                   AND json_extract(response, '\$.reject') = 'would_trigger'))")
	[ -z "$bad" ] || fail "actions left or failed otherwise: $bad"
	assert_second_pass_clean "$db" coinbase
	assert_audit_ok "$db"
}

fx_init
test_price_falls_between_snapshot_and_placement
echo "hostile_price_move: all checks passed"
