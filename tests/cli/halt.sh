#!/usr/bin/env bash
# Acceptance of `reckon halt` (issue 8, point 19) through the real binary and
# the real Coinbase client against reckon-fakex: a pass halts a symbol whose
# exchange fill count went backwards (rule 2c); `halt list` shows it;
# `halt release` journals an operator event and removes it (exit 66 when there
# is no such halt, 64 for missing arguments); a pass then plans for the
# symbol again — and, the regression still being there, halts it again.
# Run by ctest with RECKON_BIN, RECKON_SOURCE_DIR and RECKON_BINARY_DIR set.
set -euo pipefail
. "$(dirname "$0")/lib/fakex.sh"
fx_init

# The lib serves $src/scenarios/demo.json: point it at this test's scenario.
# ETH-USD: the journal has the exit half filled, the exchange says a quarter.
src=$tmp/src
mkdir -p "$src/scenarios"
cat > "$src/scenarios/demo.json" <<'JSON'
{"now": "2025-11-22T18:00:00Z",
 "journal": [
  {"type": "fill", "ts": "2025-11-22T12:00:00Z", "venue": "coinbase", "account": "default", "symbol": "ETH-USD", "fill_id": "f-eth", "order_id": "o-eth-buy", "side": "buy", "qty": "2", "price": "3000.00", "liquidity": "maker"},
  {"type": "order", "ts": "2025-11-22T13:00:00Z", "venue": "coinbase", "account": "default", "symbol": "ETH-USD", "order_id": "o-exit", "client_order_id": "c-exit", "side": "sell", "order_type": "limit", "status": "partially_filled", "purpose": "exit", "qty": "2", "price": "3200.00", "filled_qty": "1"}],
 "venues": {"coinbase": {"market": "spot",
  "instruments": [{"symbol": "ETH-USD", "tick_size": "0.01", "step_size": "0.0001", "min_qty": "0.0001", "min_notional": "1"}],
  "balances": [{"asset": "ETH", "qty": "2"}, {"asset": "USD", "qty": "10000"}],
  "open_orders": [{"order_id": "o-exit", "client_order_id": "c-exit", "symbol": "ETH-USD", "side": "sell", "order_type": "limit", "qty": "2", "price": "3200.00", "filled_qty": "0.5", "status": "partially_filled"}],
  "prices": {"ETH-USD": ["3000.00"]}}}}
JSON
fx_start
db=$tmp/halt.db
"$fx" --scenario "$src/scenarios/demo.json" --print-journal | "$bin" ingest --db "$db" - > /dev/null ||
	fail "seeding the journal"

expect_exit() { # CODE PATTERN COMMAND...
	local want=$1 pattern=$2 rc=0
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exit $rc, want $want: $(cat "$tmp/out" "$tmp/err")"
	grep -qF -- "$pattern" "$tmp/out" "$tmp/err" || fail "'$*' output: $(cat "$tmp/out" "$tmp/err")"
}

rk coinbase "$db"
[ "$rk_rc" = 0 ] || fail "first pass exited $rk_rc"
[ "$(q "$db" "SELECT symbol FROM halts WHERE venue = 'coinbase'")" = ETH-USD ] || fail "ETH-USD not halted"

expect_exit 0 "coinbase  default  ETH-USD" "$bin" halt list --db "$db"
grep -q "exchange reports less filled quantity" "$tmp/out" || fail "halt list shows no reason"
expect_exit 0 "(0 rows)" "$bin" halt list --db "$db" --venue binance-usdm
expect_exit 64 "release needs --venue, --symbol and --reason" \
	"$bin" halt release --db "$db" --venue coinbase --symbol ETH-USD
expect_exit 64 "--reason: one line of UTF-8 text" \
	"$bin" halt release --db "$db" --venue coinbase --symbol ETH-USD --reason "   "
expect_exit 64 "--reason: one line of UTF-8 text" \
	"$bin" halt release --db "$db" --venue coinbase --symbol ETH-USD --reason "$(printf 'a\nb')"
expect_exit 64 "--reason: one line of UTF-8 text" \
	"$bin" halt release --db "$db" --venue coinbase --symbol ETH-USD --reason "$(printf 'bad \xff')"
expect_exit 64 "--venue 'kraken'" \
	"$bin" halt release --db "$db" --venue kraken --symbol ETH-USD --reason x
expect_exit 66 "no halt on coinbase/default/BTC-USD" \
	"$bin" halt release --db "$db" --venue coinbase --symbol BTC-USD --reason x
expect_exit 66 "no halt on coinbase/other/ETH-USD" \
	"$bin" halt release --db "$db" --venue coinbase --account other --symbol ETH-USD --reason x
expect_exit 66 "no such journal: $tmp/none.db" \
	"$bin" halt release --db "$tmp/none.db" --venue coinbase --symbol ETH-USD --reason x
[ ! -e "$tmp/none.db" ] || fail "a missing journal was created"

before=$(q "$db" "SELECT count(*) FROM events")
expect_exit 0 "released the halt on coinbase/default/ETH-USD" \
	"$bin" halt release --db "$db" --venue coinbase --symbol ETH-USD --reason "fills checked with the desk"
[ "$(q "$db" "SELECT count(*) FROM halts")" = 0 ] || fail "the halt is still there"
[ "$(q "$db" "SELECT type || '|' || source || '|' || venue || '|' || account || '|' || symbol || '|' ||
              json_extract(payload, '\$.reason') FROM events WHERE seq > $before")" = \
  "halt_released|operator|coinbase|default|ETH-USD|fills checked with the desk" ] ||
	fail "release event: $(q "$db" "SELECT * FROM events WHERE seq > $before")"
expect_exit 66 "no halt on coinbase/default/ETH-USD" \
	"$bin" halt release --db "$db" --venue coinbase --symbol ETH-USD --reason again
assert_audit_ok "$db"

# The regression is still there: the next pass finds it again and halts again.
rk coinbase "$db"
[ "$rk_rc" = 0 ] || fail "second pass exited $rk_rc"
[ "$(q "$db" "SELECT count(*) FROM halts WHERE symbol = 'ETH-USD'")" = 1 ] || fail "not halted again"
[ "$(q "$db" "SELECT count(*) FROM events WHERE type = 'halt'")" = 2 ] || fail "want two halt events"
"$bin" help | grep -q "^  halt " || fail "help lists halt"
"$bin" help halt | grep -q -- "--reason TEXT" || fail "help halt"
echo "halt: all checks passed"
