#!/usr/bin/env bash
# `reckon reconcile --once --sim demo.json --config FILE --db FILE [--dry-run]`
# on the embedded simulated venue (issue 4), in a simulation journal: a dry run
# plans and journals but sends and changes nothing; a pass protects every
# position; the journal it leaves reads cleanly through audit and every named
# query.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
src=${RECKON_SOURCE_DIR:?}
fakex=${RECKON_BINARY_DIR:?}/reckon-fakex
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/r.db
cfg=$src/config/policy.example.json
fail() { echo "FAIL: $*" >&2; exit 1; }
q() { sqlite3 "$db" "$1"; }

[ -x "$fakex" ] || fail "reckon-fakex not built (needed to print the scenario's journal)"
"$bin" init --sim --db "$db" > /dev/null
"$fakex" --scenario demo.json --print-journal | "$bin" ingest --db "$db" - > /dev/null

open_before=$(q "SELECT count(*) FROM orders WHERE status IN ('open','partially_filled')")
"$bin" reconcile --once --sim demo.json --config "$cfg" --db "$db" --dry-run > "$tmp/dry" \
  || fail "dry run exit $?"
grep -q 'missing_stop' "$tmp/dry" || fail "dry run printed no findings table"
grep -q 'dry run: nothing sent' "$tmp/dry" || fail "dry run summary"
[ "$(q "SELECT count(*) FROM actions WHERE status <> 'dry_run' AND status <> 'skipped'")" = 0 ] \
  || fail "a dry run action was not journaled as dry_run"
[ "$(q "SELECT count(*) FROM actions")" -gt 0 ] || fail "dry run planned nothing"
[ "$(q "SELECT count(*) FROM events WHERE type IN ('order','fill') AND source = 'reconcile'")" = 0 ] \
  || fail "a dry run journaled orders or fills"
[ "$(q "SELECT count(*) FROM orders WHERE status IN ('open','partially_filled')")" = "$open_before" ] \
  || fail "a dry run changed the open orders"

"$bin" reconcile --once --sim demo.json --config "$cfg" --db "$db" > "$tmp/real" \
  || fail "pass exit $?"
grep -q 'coinbase run' "$tmp/real" && grep -q 'binance-usdm run' "$tmp/real" \
  || fail "--sim without --venue reconciles both venues of the scenario"
"$bin" query protection --db "$db" --format csv > "$tmp/prot.csv"
grep -q UNPROTECTED "$tmp/prot.csv" && fail "unprotected after the pass: $(grep UNPROTECTED "$tmp/prot.csv")"
"$bin" audit verify --db "$db" | grep -q '^ok: ' || fail "audit verify"
for name in $("$bin" query --list | awk '{print $1}'); do
  for fmt in table csv json; do
    "$bin" query "$name" --db "$db" --format "$fmt" > /dev/null || fail "query $name --format $fmt"
  done
done

# Errors: a bad policy names the JSON path (78); a bad venue is a usage error (64).
echo '{"defaults":{"stop_pct":"250"}}' > "$tmp/bad.json"
set +e
"$bin" reconcile --once --sim demo.json --config "$tmp/bad.json" --db "$db" 2> "$tmp/err"; rc=$?
set -e
[ "$rc" -eq 78 ] || fail "bad policy exit $rc, want 78"
grep -q 'stop_pct' "$tmp/err" || fail "bad policy message does not name the key: $(cat "$tmp/err")"
set +e
"$bin" reconcile --once --db "$db" --venue kraken 2>/dev/null; rc=$?
set -e
[ "$rc" -eq 64 ] || fail "unknown venue exit $rc, want 64"
echo "reconcile: all checks passed"
