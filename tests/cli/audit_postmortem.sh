#!/usr/bin/env bash
# Acceptance of the post-mortem commands (issue 12) on the journal `reckon
# demo` leaves: `audit gaps` prints the overall total first and lists each
# demo position unprotected from its first sighting (its fill) to its stop's
# acknowledgement (UNFI, the dust holding, until the pass reports it dust),
# and none after; its times and options are checked.
# Run by ctest with RECKON_BIN set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
db=$tmp/demo.db
"$bin" demo --db "$db" > "$tmp/demo.out" || fail "demo exited $?"

# ---- gaps ----------------------------------------------------------------------
"$bin" audit gaps --db "$db" > "$tmp/gaps" || fail "audit gaps exited $?"
head -1 "$tmp/gaps" | grep -q '^unprotected: 10d 17:27:04.409500 in total, 10 intervals over 10 positions' \
  || fail "the total first: $(head -1 "$tmp/gaps")"
"$bin" audit gaps --db "$db" --json > "$tmp/gaps.json" || fail "audit gaps --json exited $?"
jqg() { jq -r "$1" "$tmp/gaps.json"; }
[ "$(jqg '.intervals | length')" = 10 ] || fail "want 10 intervals: $(cat "$tmp/gaps.json")"
[ "$(jqg '[.intervals[] | select(.open)] | length')" = 0 ] || fail "an interval is still open after the reconciliation"
grep -c 'still open' "$tmp/gaps" > /dev/null && fail "text says still open"
# Each coinbase position: from its fill to 03:06:00, the pass that placed its stop.
for s in TOWNS ELA UNI CLANKER ZORA ATOM TRUST; do
  line=$(jqg ".intervals[] | select(.symbol == \"$s-USD\") | \"\(.start) \(.end) \(.start_cause) \(.end_cause)\"")
  fill_ts=$(sqlite3 "$db" "SELECT min(ts) FROM fills WHERE symbol = '$s-USD'")
  [ "$line" = "$fill_ts 2025-11-23T03:06:00.000000Z fill stop_acknowledged" ] || fail "$s-USD: '$line' (fill $fill_ts)"
  grep -q "^  $fill_ts  2025-11-23T03:06:00.000000Z .* $s-USD  *fill  *stop_acknowledged\$" "$tmp/gaps" || fail "$s-USD text"
done
[ "$(jqg '.intervals[] | select(.symbol == "UNFI-USD") | .end_cause')" = dust ] || fail "UNFI ends as dust"
# The bot's own stops: acknowledged a fraction of a second after the fills.
[ "$(jqg '.intervals[] | select(.symbol == "ATOMUSDT") | "\(.start) \(.end) \(.duration_us)"')" = \
  "2025-11-23T03:03:42.265500Z 2025-11-23T03:03:42.391000Z 125500" ] || fail "ATOMUSDT"
[ "$(jqg '.intervals[] | select(.symbol == "ICXUSDT") | "\(.start) \(.end)"')" = \
  "2025-11-23T02:41:10.118000Z 2025-11-23T02:41:10.402000Z" ] || fail "ICXUSDT"
# The total is the sum of the intervals; per position in the text.
[ "$(jqg '.total_us')" = "$(jqg '[.intervals[].duration_us] | add')" ] || fail "total is not the sum"
grep -q '^  coinbase       default    TOWNS-USD            2d 12:53:53.000000  1 interval$' "$tmp/gaps" || fail "per position"
# Nothing unprotected after the reconciliation.
"$bin" audit gaps --db "$db" --from 2025-11-23T03:06:00Z | head -1 | grep -q '^unprotected: 00:00:00.000000 in total, 0 intervals' \
  || fail "gaps after the reconciliation"
# A symbol and a window: clipped, JSON.
"$bin" audit gaps --db "$db" --symbol TOWNS-USD --from 2025-11-23T00:00:00+01:00 --json > "$tmp/g.json"
[ "$(jq -r '.intervals | length' "$tmp/g.json")" = 1 ] || fail "json: $(cat "$tmp/g.json")"
[ "$(jq -r '.intervals[0].start' "$tmp/g.json")" = 2025-11-22T23:00:00.000000Z ] || fail "clipped start: $(cat "$tmp/g.json")"
[ "$(jq -r '.total_us' "$tmp/g.json")" = $(( (4 * 3600 + 6 * 60) * 1000000 )) ] || fail "total_us: $(cat "$tmp/g.json")"
# Times are RFC 3339; errors name the option.
rc=0; "$bin" audit gaps --db "$db" --from yesterday 2> "$tmp/err" || rc=$?
[ $rc = 64 ] && grep -q -- "--from: not an RFC 3339 time" "$tmp/err" || fail "bad --from: $rc $(cat "$tmp/err")"
rc=0; "$bin" audit gaps --db "$db" --at 2025-11-23T03:06:00Z 2> "$tmp/err" || rc=$?
[ $rc = 64 ] && grep -q -- "gaps does not take --at" "$tmp/err" || fail "--at on gaps: $rc"
rc=0; "$bin" audit gaps --db "$tmp/none.db" 2> /dev/null || rc=$?
[ $rc = 66 ] || fail "missing journal: $rc"
echo ok
