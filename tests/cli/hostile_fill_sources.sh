#!/usr/bin/env bash
# Hostile: the same fill from three sources. On Binance the ICXUSDT
# emergency close is a market order; its fill reaches the journal
#   1. with the action's answer (the executor asks for the order's fills),
#   2. from the bot, which ingests the trade it saw (same venue trade id),
#   3. in the venue's fill listing of the next pass's snapshot,
# and once more from the bot, replayed after that pass. One fill row, one
# position change (flat, not short again), the bot's lines are duplicates,
# the next pass has nothing to do, the journal verifies.
# Run by ctest with RECKON_BIN, RECKON_SOURCE_DIR and RECKON_BINARY_DIR set.
set -euo pipefail
. "$(dirname "$0")/lib/fakex.sh"

# The journal's fills of ORDER as bot lines (the README's ingest contract).
bot_lines() {
	q "$db" "SELECT json_object('type', 'fill', 'ts', ts, 'venue', venue, 'account', account,
	           'symbol', symbol, 'fill_id', fill_id, 'order_id', order_id, 'side', side,
	           'qty', qty, 'price', price, 'fee', fee, 'fee_currency', fee_currency,
	           'liquidity', liquidity)
	         FROM fills WHERE venue = 'binance-usdm' AND order_id = '$1' ORDER BY fill_id"
}

state() { # what must not move: the close's fills, all fills, the position, its lots
	q "$db" "SELECT (SELECT count(*) || ':' || ifnull(decimal_sum(qty), '') FROM fills
	                   WHERE order_id = '$1'),
	                (SELECT count(*) FROM fills),
	                (SELECT qty FROM positions WHERE venue = 'binance-usdm' AND symbol = 'ICXUSDT'),
	                (SELECT status || ' ' || filled_qty FROM orders WHERE order_id = '$1')"
}

test_one_fill_from_three_sources() {
	local close before line
	fx_start
	db=$tmp/fills.db
	fx_seed "$db"
	# 1. the action's answer
	rk binance-usdm "$db"
	[ "$rk_rc" = 0 ] || fail "first pass exited $rk_rc"
	close=$(q "$db" "SELECT order_id FROM actions WHERE kind = 'emergency_close' AND status = 'succeeded'")
	[ -n "$close" ] || fail "no emergency close"
	[ "$(q "$db" "SELECT count(*) FROM fills WHERE order_id = '$close'")" -ge 1 ] \
		|| fail "the close's fill did not come with its answer"
	before=$(state "$close")
	[[ "$before" == *"|0|filled 2630" ]] || fail "after the close: $before"
	# 2. the bot
	bot_lines "$close" > "$tmp/bot.jsonl"
	"$bin" ingest --db "$db" "$tmp/bot.jsonl" > "$tmp/ingest.out" 2>&1 \
		|| fail "the bot's lines: $(cat "$tmp/ingest.out")"
	grep -qx "accepted 0, duplicates $(wc -l < "$tmp/bot.jsonl"), stale 0, rejected 0" "$tmp/ingest.out" \
		|| fail "the bot's lines are not duplicates: $(cat "$tmp/ingest.out")"
	[ "$(state "$close")" = "$before" ] || fail "the bot's copy changed $before to $(state "$close")"
	# 3. the venue's fill listing: the trade is in the next snapshot
	rk binance-usdm "$db"
	[ "$rk_rc" = 0 ] && [ "$(last_run "$db" binance-usdm)" = "1|" ] || fail "second pass: $rk_rc"
	fx_requests
	grep -q '"path":"/fapi/v1/userTrades","query":"symbol=ICXUSDT&startTime' "$tmp/requests.jsonl" \
		|| fail "the second pass did not list the venue's fills"
	[ "$(state "$close")" = "$before" ] || fail "the snapshot's copy changed $before to $(state "$close")"
	[ "$(q "$db" "SELECT count(*) FROM actions WHERE run_id = (SELECT max(id) FROM recon_runs)")" = 0 ] \
		|| fail "the second pass acted"
	# ... and the bot again, after it
	"$bin" ingest --db "$db" "$tmp/bot.jsonl" > "$tmp/ingest.out" 2>&1 || fail "replay: $(cat "$tmp/ingest.out")"
	[ "$(state "$close")" = "$before" ] || fail "the replayed copy changed $before to $(state "$close")"
	# The same trade under another content is refused, not added.
	line=$(head -n 1 "$tmp/bot.jsonl" | sed 's/"qty":"[^"]*"/"qty":"1"/')
	printf '%s\n' "$line" > "$tmp/other.jsonl"
	if "$bin" ingest --db "$db" "$tmp/other.jsonl" > "$tmp/ingest.out" 2>&1; then
		fail "a different fill under the same id was accepted: $(cat "$tmp/ingest.out")"
	fi
	[ "$(state "$close")" = "$before" ] || fail "a refused copy changed $before to $(state "$close")"
	assert_binance_demo_end_state "$db"
	assert_audit_ok "$db"
}

fx_init
test_one_fill_from_three_sources
echo "hostile_fill_sources: all checks passed"
