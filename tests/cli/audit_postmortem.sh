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
# py FILE EXPR: EXPR on the JSON document in FILE (as d), printed.
py() { python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"; }
jqg() { py "$tmp/gaps.json" "$1"; }
iv() { echo "[i for i in d['intervals'] if i['symbol'] == '$1']"; }
[ "$(jqg "len(d['intervals'])")" = 10 ] || fail "want 10 intervals: $(cat "$tmp/gaps.json")"
[ "$(jqg "len([i for i in d['intervals'] if i['open']])")" = 0 ] || fail "an interval is still open after the reconciliation"
grep -c 'still open' "$tmp/gaps" > /dev/null && fail "text says still open"
# Each coinbase position: from its fill to 03:06:00, the pass that placed its stop.
for s in TOWNS ELA UNI CLANKER ZORA ATOM TRUST; do
  line=$(jqg "' '.join(i['start'] + ' ' + i['end'] + ' ' + i['start_cause'] + ' ' + i['end_cause'] for i in $(iv $s-USD))")
  fill_ts=$(sqlite3 "$db" "SELECT min(ts) FROM fills WHERE symbol = '$s-USD'")
  [ "$line" = "$fill_ts 2025-11-23T03:06:00.000000Z fill stop_acknowledged" ] || fail "$s-USD: '$line' (fill $fill_ts)"
  grep -q "^  $fill_ts  2025-11-23T03:06:00.000000Z .* $s-USD  *fill  *stop_acknowledged\$" "$tmp/gaps" || fail "$s-USD text"
done
[ "$(jqg "$(iv UNFI-USD)[0]['end_cause']")" = dust ] || fail "UNFI ends as dust"
# The bot's own stops: acknowledged a fraction of a second after the fills.
[ "$(jqg "' '.join(str(x) for i in $(iv ATOMUSDT) for x in (i['start'], i['end'], i['duration_us']))")" = \
  "2025-11-23T03:03:42.265500Z 2025-11-23T03:03:42.391000Z 125500" ] || fail "ATOMUSDT"
[ "$(jqg "' '.join(i['start'] + ' ' + i['end'] for i in $(iv ICXUSDT))")" = \
  "2025-11-23T02:41:10.118000Z 2025-11-23T02:41:10.402000Z" ] || fail "ICXUSDT"
# The total is the sum of the intervals; per position in the text.
[ "$(jqg "d['total_us'] == sum(i['duration_us'] for i in d['intervals']) and d['total_us'] > 0")" = True ] || fail "total is not the sum"
grep -q '^  coinbase       default    TOWNS-USD            2d 12:53:53.000000  1 interval$' "$tmp/gaps" || fail "per position"
# Nothing unprotected after the reconciliation.
"$bin" audit gaps --db "$db" --from 2025-11-23T03:06:00Z | head -1 | grep -q '^unprotected: 00:00:00.000000 in total, 0 intervals' \
  || fail "gaps after the reconciliation"
# A symbol and a window: clipped, JSON.
"$bin" audit gaps --db "$db" --symbol TOWNS-USD --from 2025-11-23T00:00:00+01:00 --json > "$tmp/g.json"
[ "$(py "$tmp/g.json" "len(d['intervals'])")" = 1 ] || fail "json: $(cat "$tmp/g.json")"
[ "$(py "$tmp/g.json" "d['intervals'][0]['start']")" = 2025-11-22T23:00:00.000000Z ] || fail "clipped start: $(cat "$tmp/g.json")"
[ "$(py "$tmp/g.json" "d['total_us']")" = $(( (4 * 3600 + 6 * 60) * 1000000 )) ] || fail "total_us: $(cat "$tmp/g.json")"
# ---- state ---------------------------------------------------------------------
# Before the reconciliation (journaled at 03:06:00): the six blocking SELL
# limit orders open, no stop on coinbase, every coinbase position UNPROTECTED.
"$bin" audit state --db "$db" --at 2025-11-23T03:05:30Z --json > "$tmp/s1.json" || fail "state before"
py "$tmp/s1.json" 1 > /dev/null || fail "state --json is not JSON"
sells="len([o for o in d['open_orders'] if o['venue'] == 'coinbase' and o['side'] == 'sell' and o['order_type'] == 'limit'])"
stops="len([o for o in d['open_orders'] if o['venue'] == 'coinbase' and o['purpose'] == 'stop_loss'])"
[ "$(py "$tmp/s1.json" "$sells")" = 6 ] \
  || fail "six blocking sells before: $(cat "$tmp/s1.json")"
[ "$(py "$tmp/s1.json" "$stops")" = 0 ] \
  || fail "stops before the reconciliation"
[ "$(py "$tmp/s1.json" "len([p for p in d['positions'] if p['venue'] == 'coinbase' and p['state'] == 'UNPROTECTED'])")" = 8 ] \
  || fail "coinbase positions before: $(cat "$tmp/s1.json")"
# After: the stops, each protecting its position; the blocking orders gone.
"$bin" audit state --db "$db" --at 2025-11-23T03:06:30Z --json > "$tmp/s2.json" || fail "state after"
[ "$(py "$tmp/s2.json" "$sells")" = 0 ] \
  || fail "blocking sells after"
[ "$(py "$tmp/s2.json" "$stops")" = 7 ] \
  || fail "seven stops after: $(cat "$tmp/s2.json")"
[ "$(py "$tmp/s2.json" "' '.join(p['state'] + ' ' + p['stop_order_ids'] for p in d['positions'] if p['symbol'] == 'TOWNS-USD')")" = "protected sim-coinbase-4" ] \
  || fail "TOWNS protected by its stop after"
# One symbol, as text.
"$bin" audit state --db "$db" --at 2025-11-23T03:06:30Z --symbol TOWNS-USD > "$tmp/s3" || fail "state --symbol"
grep -q '^state at 2025-11-23T03:06:30.000000Z: ' "$tmp/s3" || fail "state header: $(head -1 "$tmp/s3")"
grep -q 'sim-coinbase-4' "$tmp/s3" && ! grep -q 'ELA-USD' "$tmp/s3" || fail "state --symbol shows other symbols"
# The journal's end agrees with the materialized tables (the demo's own check).
"$bin" audit state --db "$db" --at 2030-01-01T00:00:00Z --json > "$tmp/end.json"
"$bin" query protection --db "$db" --format json > "$tmp/tables.json"
[ "$(py "$tmp/end.json" "json.dumps(d['positions'])")" = "$(py "$tmp/tables.json" "json.dumps(d)")" ] || fail "state at the end differs from the tables"
# Each of those answers is the replay's (--replay, the reference) byte for byte.
for args in "--at 2025-11-23T03:05:30Z --json" "--at 2025-11-23T03:06:30Z --json" \
	"--at 2025-11-23T03:06:30Z --symbol TOWNS-USD" "--at 2030-01-01T00:00:00Z --json"; do
	# shellcheck disable=SC2086
	"$bin" audit state --db "$db" $args > "$tmp/fast" || fail "state $args"
	# shellcheck disable=SC2086
	"$bin" audit state --db "$db" $args --replay > "$tmp/replay" || fail "state $args --replay"
	cmp -s "$tmp/fast" "$tmp/replay" || fail "state $args differs from --replay: $(diff "$tmp/fast" "$tmp/replay" | head -5)"
done
rc=0; "$bin" audit state --db "$db" 2> "$tmp/err" || rc=$?
[ $rc = 64 ] && grep -q -- "--at" "$tmp/err" || fail "state without --at: $rc"

# ---- timeline ------------------------------------------------------------------
# TOWNS-USD: the blocking order found, its cancel request, the verified cancel
# result, the stop placement and its acknowledgement, in that order.
"$bin" audit timeline --db "$db" --symbol TOWNS-USD > "$tmp/tl" || fail "timeline exited $?"
blocking=3661647f-bc6f-57bc-9370-69cb15b988d9
at() { { grep -n -E -- "$1" "$tmp/tl" || true; } | head -1 | cut -d: -f1; }
f=$(at "reconciler  #[0-9]+ +finding #[0-9]+ blocking_order order $blocking")
cancel=$(sed -n -E "s/.* action #([0-9]+) cancel_order planned order $blocking .*/\1/p" "$tmp/tl")
place=$(sed -n -E 's/.* action #([0-9]+) place_stop planned .*/\1/p' "$tmp/tl")
[ -n "$f" ] && [ -n "$cancel" ] && [ -n "$place" ] || fail "timeline lacks the finding or the actions: $(cat "$tmp/tl")"
steps=("$f"
  "$(at "action #$cancel cancel_order planned")"
  "$(at "action #$cancel sent: the request left  \(<- #$cancel\)")"
  "$(at "venue .* order $blocking sell limit cancelled .*\(<- #$cancel\)")"
  "$(at "action #$cancel succeeded order $blocking answer \{\"outcome\":\"ok\"")"
  "$(at "action #$place place_stop planned")"
  "$(at "action #$place sent")"
  "$(at "venue .* order sim-coinbase-4 sell bracket open .*stop_loss.*\(<- #$place\)")"
  "$(at "action #$place succeeded order sim-coinbase-4 answer")")
prev=0
for i in "${!steps[@]}"; do
  n=${steps[$i]}
  [ -n "$n" ] || fail "timeline step $i missing: $(cat "$tmp/tl")"
  [ "$n" -gt "$prev" ] || [ "$i" = 5 ] || fail "timeline step $i (line $n) before step $((i - 1)) (line $prev)"
  prev=$n
done
# The cancel is requested before the placement (planned together, sent in turn).
[ "$(at "action #$cancel sent")" -lt "$(at "action #$place sent")" ] || fail "cancel sent after the placement"
grep -q 'ELA-USD\|ATOMUSDT' "$tmp/tl" && fail "timeline --symbol shows other symbols"
# --order: the blocking order's own story; JSON carries who and the chain.
"$bin" audit timeline --db "$db" --order $blocking --json > "$tmp/tl.json"
[ "$(py "$tmp/tl.json" "','.join(sorted(set(e['who'] for e in d)))")" = "bot,reconciler,venue" ] || fail "who: $(cat "$tmp/tl.json")"
[ "$(py "$tmp/tl.json" "[e['cites'] for e in d if 'cancel_order planned' in e['what']]")" = \
  "$(py "$tmp/tl.json" "[e['seq'] for e in d if e['type'] == 'finding']")" ] || fail "the cancel cites its finding"
[ "$(py "$tmp/tl.json" "len([e for e in d if e['symbol'] != 'TOWNS-USD'])")" = 0 ] || fail "--order strays"
# A window on ts.
"$bin" audit timeline --db "$db" --from 2025-11-23T03:07:00Z --to 2025-11-23T03:08:00Z --json > "$tmp/w.json"
n=$(py "$tmp/w.json" "len([e for e in d if e['ts'] < '2025-11-23T03:07:00' or e['ts'] >= '2025-11-23T03:08:00']) if d else 'empty'")
[ "$n" = 0 ] || fail "timeline window"

# ---- export, and verify --export ------------------------------------------------
"$bin" audit export --db "$db" --from 2025-11-23T03:06:00Z --to 2025-11-23T03:07:00Z --out "$tmp/slice.jsonl" \
  | grep -q '^exported events 29\.\.104 (76 events)' || fail "export"
[ ! -e "$tmp/slice.jsonl.tmp" ] || fail "export left its temporary file"
"$bin" audit verify --export "$tmp/slice.jsonl" | grep -q '^ok: events 29\.\.104 (76 events) are intact' || fail "verify --export"
head -1 "$tmp/slice.jsonl" > "$tmp/header.json"
[ "$(py "$tmp/header.json" "d['chain_from']")" = "$(sqlite3 "$db" 'SELECT hash FROM events WHERE seq = 28')" ] \
  || fail "the slice chains from event 28's hash"
# A modified slice fails (65) and names the row.
sed '5s/blocking_order/blocking_ordeR/' "$tmp/slice.jsonl" > "$tmp/bad.jsonl"
cmp -s "$tmp/slice.jsonl" "$tmp/bad.jsonl" && fail "the tampering changed nothing"
rc=0; "$bin" audit verify --export "$tmp/bad.jsonl" 2> "$tmp/err" || rc=$?
[ $rc = 65 ] && grep -q 'line 5 (event 32): content does not match its hash' "$tmp/err" || fail "tampered slice: $rc $(cat "$tmp/err")"
sed '3d' "$tmp/slice.jsonl" > "$tmp/bad.jsonl"
rc=0; "$bin" audit verify --export "$tmp/bad.jsonl" 2> "$tmp/err" || rc=$?
[ $rc = 65 ] && grep -q 'line 3 (event 31): expected event 30' "$tmp/err" || fail "dropped line: $rc $(cat "$tmp/err")"
rc=0; "$bin" audit verify --export "$tmp/none.jsonl" 2> /dev/null || rc=$?
[ $rc = 66 ] || fail "missing export: $rc"
rc=0; "$bin" audit export --db "$db" --from 2025-11-23T03:06:00Z --out "$tmp/x.jsonl" 2> /dev/null || rc=$?
[ $rc = 64 ] || fail "export without --to: $rc"
# audit verify keeps its role.
"$bin" audit verify --db "$db" | grep -qx "ok: $(sqlite3 "$db" 'SELECT count(*) FROM events') events" || fail "audit verify"

# Times are RFC 3339; errors name the option.
rc=0; "$bin" audit gaps --db "$db" --from yesterday 2> "$tmp/err" || rc=$?
[ $rc = 64 ] && grep -q -- "--from: not an RFC 3339 time" "$tmp/err" || fail "bad --from: $rc $(cat "$tmp/err")"
rc=0; "$bin" audit gaps --db "$db" --at 2025-11-23T03:06:00Z 2> "$tmp/err" || rc=$?
[ $rc = 64 ] && grep -q -- "gaps does not take --at" "$tmp/err" || fail "--at on gaps: $rc"
rc=0; "$bin" audit gaps --db "$tmp/none.db" 2> /dev/null || rc=$?
[ $rc = 66 ] || fail "missing journal: $rc"
echo ok
