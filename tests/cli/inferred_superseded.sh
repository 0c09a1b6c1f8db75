#!/usr/bin/env bash
# An inferred fill is superseded by the real fill of its order, never added
# to it (issue 8, point 7), end to end through the simulated venue:
#   pass 1: the venue reports an order filled 4 of 10 with no fill record:
#           the reconciler journals inferred:o-buy:4 at the limit price;
#   pass 2: the venue's listing now has the real fill of 4: it is journaled
#           and replaces the inferred one, so the journal holds 4 (not 8),
#           the lot is the real fill's at its price, nothing is halted, and
#           neither that pass nor the next finds drift;
#   a journal of schema version 6 that added the two up is replayed by the
#   upgrade into the same tables, and `audit verify` passes.
# Run by ctest with RECKON_BIN set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 > /dev/null || fail "sqlite3 is needed by this test"
db=$tmp/sim.db
q() { sqlite3 "$db" "$1"; }

# The scenario of pass 1; pass 2 is the same book with the fill listed.
cat > "$tmp/p1.json" <<'EOF'
{
  "description": "an ETH buy limit filled 4 of 10, no fill record listed",
  "now": "2025-11-23T03:05:00Z",
  "venues": {
    "coinbase": {
      "market": "spot",
      "instruments": [{"symbol": "ETH-USD", "tick_size": "0.01", "step_size": "0.0001"}],
      "balances": [{"asset": "ETH", "qty": "4"}, {"asset": "USD", "qty": "100000"}],
      "open_orders": [{"order_id": "o-buy", "symbol": "ETH-USD", "side": "buy",
                       "order_type": "limit", "qty": "10", "price": "2900", "filled_qty": "4",
                       "status": "partially_filled", "ts": "2025-11-23T03:00:00Z"}],
      "prices": {"ETH-USD": ["2950"]}
    }
  }
}
EOF
sed 's#"prices"#"fills": [{"fill_id": "f-real-1", "order_id": "o-buy", "symbol": "ETH-USD", "side": "buy", "qty": "4", "price": "2890", "fee": "0", "ts": "2025-11-23T03:01:00Z"}],\n      "prices"#' \
	"$tmp/p1.json" > "$tmp/p2.json"
grep -q f-real-1 "$tmp/p2.json" || fail "the pass 2 scenario lacks its fill"

pass() {
	"$bin" reconcile --once --sim "$tmp/$1.json" --venue coinbase --db "$db" > "$tmp/$1.out" \
		2> "$tmp/$1.err" || fail "pass $1: $(cat "$tmp/$1.err")"
}
"$bin" init --sim --db "$db" > /dev/null || fail "init --sim"
echo '{"type":"order","ts":"2025-11-23T03:00:00Z","venue":"coinbase","symbol":"ETH-USD","order_id":"o-buy","side":"buy","order_type":"limit","status":"open","qty":"10","price":"2900"}' |
	"$bin" ingest --db "$db" - > /dev/null || fail "ingest the bot's order"

pass p1
[ "$(q "SELECT fill_id || ' ' || qty || ' ' || price || ' ' || inferred FROM fills")" = \
  "inferred:o-buy:4 4 2900 1" ] || fail "pass 1 fills: $(q 'SELECT * FROM fills')"
[ "$(q "SELECT qty FROM positions WHERE symbol = 'ETH-USD'")" = 4 ] || fail "pass 1 position"

pass p2
grep -q 'journaled fill f-real-1' "$tmp/p2.out" || fail "pass 2 did not journal the real fill: $(cat "$tmp/p2.out")"
# The planner's own view in that pass follows the same rule: no drift from
# adding the real fill to the inferred one.
! grep -q 'position_drift' "$tmp/p2.out" || fail "pass 2 saw drift: $(cat "$tmp/p2.out")"
[ "$(q "SELECT qty FROM positions WHERE symbol = 'ETH-USD'")" = 4 ] ||
	fail "the real fill was added to the inferred one: position $(q 'SELECT qty FROM positions')"
[ "$(q "SELECT status || ' ' || filled_qty || ' ' || fills_qty FROM orders WHERE order_id = 'o-buy'")" = \
  "partially_filled 4 4" ] || fail "order o-buy: $(q "SELECT * FROM orders WHERE order_id = 'o-buy'")"
[ "$(q "SELECT superseded_qty FROM fills WHERE fill_id = 'inferred:o-buy:4'")" = 4 ] || fail "superseded_qty"
[ "$(q "SELECT group_concat(fill_id || ' ' || qty_remaining || ' ' || unit_cost) FROM lots")" = \
  "f-real-1 4 2890" ] || fail "lots: $(q 'SELECT * FROM lots')"
[ "$(q 'SELECT count(*) FROM halts')" = 0 ] || fail "a halt: $(q 'SELECT * FROM halts')"

# The next pass: the journal agrees with the venue.
pass p2
! grep -Eq 'position_drift|fill_regression|missing_fill' "$tmp/p2.out" || fail "pass 3: $(cat "$tmp/p2.out")"
[ "$(q 'SELECT count(*) FROM halts')" = 0 ] || fail "a halt after pass 3"
"$bin" audit verify --db "$db" > "$tmp/out" || fail "audit verify: $(cat "$tmp/out")"
lots_before=$(q "SELECT * FROM lots; SELECT * FROM lot_positions")
"$bin" fifo rebuild --db "$db" > /dev/null || fail "fifo rebuild"
[ "$(q "SELECT * FROM lots; SELECT * FROM lot_positions")" = "$lots_before" ] || fail "fifo rebuild changed the lots"

# A journal of version 6 held the fills added up; the upgrade replays it.
q "DROP INDEX fills_open_stand_in; DROP TABLE event_dedup; ALTER TABLE fills DROP COLUMN superseded_qty; UPDATE positions SET qty = '8';
   UPDATE orders SET filled_qty = '8', fills_qty = '8' WHERE order_id = 'o-buy'; PRAGMA user_version = 6;"
"$bin" init --sim --db "$db" > "$tmp/out" 2> "$tmp/err" || fail "upgrade: $(cat "$tmp/err")"
grep -q "from schema version 6 to" "$tmp/out" || fail "upgrade: $(cat "$tmp/out")"
[ "$(q "SELECT qty FROM positions WHERE symbol = 'ETH-USD'")" = 4 ] || fail "upgraded position"
[ "$(q "SELECT fills_qty FROM orders WHERE order_id = 'o-buy'")" = 4 ] || fail "upgraded order"
"$bin" audit verify --db "$db" > "$tmp/out" || fail "audit verify after the upgrade: $(cat "$tmp/out")"
echo "inferred_superseded: all checks passed"
