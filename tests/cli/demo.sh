#!/usr/bin/env bash
# Acceptance of `reckon demo` (issue 4): asserts the end state on the journal
# the demo leaves behind, through SQL and the named queries.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/demo.db
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { sqlite3 "$db" "$1"; }

"$bin" demo --db "$db" > "$tmp/out" || fail "demo exited $? : $(tail -5 "$tmp/out")"

# Every non-dust position has exactly one open stop_loss order covering its size.
"$bin" query protection --db "$db" --format csv > "$tmp/prot.csv"
grep -q UNPROTECTED "$tmp/prot.csv" && fail "unprotected positions: $(grep UNPROTECTED "$tmp/prot.csv")"
[ "$(grep -c ',protected' "$tmp/prot.csv")" -eq 8 ] || fail "want 8 protected positions: $(cat "$tmp/prot.csv")"
[ "$(grep -c ',dust' "$tmp/prot.csv")" -eq 1 ] || fail "want UNFI as the one dust holding"
grep -q '^coinbase,default,UNFI-USD,.*,dust' "$tmp/prot.csv" || fail "UNFI should be dust"
# Independently of the query: one open stop per non-dust position, qty equal to |position|.
bad=$(q "SELECT p.symbol FROM positions p WHERE p.qty <> '0' AND p.symbol <> 'UNFI-USD' AND
          (SELECT count(*) FROM orders o WHERE o.venue = p.venue AND o.symbol = p.symbol
             AND o.status IN ('open','partially_filled') AND o.purpose = 'stop_loss'
             AND o.qty = ltrim(p.qty, '-')) <> 1")
[ -z "$bad" ] || fail "positions without exactly one covering stop: $bad"

# The six blocking SELL orders were cancelled, each on a verified per-order result.
for s in TOWNS ELA CLANKER ZORA UNI TRUST; do
  st=$(q "SELECT status FROM orders WHERE venue='coinbase' AND symbol='$s-USD' AND side='sell' AND order_type='limit'")
  [ "$st" = cancelled ] || fail "$s limit sell is '$st', want cancelled"
  ok=$(q "SELECT count(*) FROM actions a JOIN orders o ON o.order_id = a.order_id
          WHERE a.kind='cancel_order' AND a.status='succeeded' AND o.symbol='$s-USD'
            AND json_extract(a.response, '$.outcome') = 'ok'")
  [ "$ok" = 1 ] || fail "$s cancel not verified by the venue's result"
done

# The ATOMUSDT stop is the same order as before, untouched.
[ "$(q "SELECT status || ' ' || purpose FROM orders WHERE order_id='8389765904'")" = "open stop_loss" ] \
  || fail "ATOMUSDT stop not preserved"
[ "$(q "SELECT count(*) FROM actions WHERE symbol='ATOMUSDT'")" = 0 ] || fail "an action touched ATOMUSDT"

# ICXUSDT went through the emergency path and is flat.
[ "$(q "SELECT count(*) FROM actions WHERE symbol='ICXUSDT' AND kind='emergency_close' AND status='succeeded'")" = 1 ] \
  || fail "ICXUSDT emergency close"
[ "$(q "SELECT qty FROM positions WHERE symbol='ICXUSDT'")" = 0 ] || fail "ICXUSDT not flat"

# Every action was journaled before (sent) and after (its result) it was sent.
[ "$(q "SELECT count(*) FROM actions WHERE status NOT IN ('succeeded','skipped')")" = 0 ] || fail "unfinished actions"
n_sent=$(q "SELECT count(*) FROM events WHERE type='action_update' AND json_extract(payload,'$.status')='sent'")
n_done=$(q "SELECT count(*) FROM actions WHERE status='succeeded' AND kind <> 'adopt_order' AND kind <> 'record_inferred_fill'")
[ "$n_sent" = "$n_done" ] || fail "sent events ($n_sent) != venue actions ($n_done)"

# A second pass finds nothing to do: the latest run of each venue planned no action.
for v in coinbase binance-usdm; do
  n=$(q "SELECT count(*) FROM actions WHERE run_id = (SELECT max(id) FROM recon_runs WHERE venue='$v')")
  [ "$n" = 0 ] || fail "last pass on $v still had $n actions"
done
grep -q 'nothing left to do' "$tmp/out" || fail "demo output lacks the second-pass verdict"
grep -q 'past_stop=stop_from_last' "$tmp/out" || fail "the far-below-entry policy choice is not visible"

# The journal reads cleanly: audit and every named query.
"$bin" audit verify --db "$db" | grep -q '^ok: ' || fail "audit verify"
for name in $("$bin" query --list | awk '{print $1}'); do
  "$bin" query "$name" --db "$db" --format json > /dev/null || fail "query $name on the demo journal"
done

# A second demo into the same file is refused; without --db it makes a new file here.
set +e; "$bin" demo --db "$db" >/dev/null 2>&1; rc=$?; set -e
[ "$rc" -eq 73 ] || fail "demo over an existing journal exited $rc, want 73"
(cd "$tmp" && "$bin" demo > out2) || fail "demo without --db"
ls "$tmp"/reckon-demo-*.db >/dev/null || fail "no reckon-demo-*.db in the current directory"
echo "demo: all checks passed"
