#!/usr/bin/env bash
# Acceptance of the foundation through the real binary and the sqlite3 shell:
# mixed ingest, idempotent re-run, append-only events, audit naming an edited
# row, help and exit codes. Run by ctest with RECKON_BIN set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/j.db
fail() { echo "FAIL: $*" >&2; exit 1; }

cat > "$tmp/mixed.jsonl" <<'JSON'
{"type":"order","ts":"2025-11-22T10:00:00Z","venue":"coinbase","symbol":"TOWNS-USD","order_id":"o1","side":"buy","order_type":"limit","status":"open","qty":"536.6","price":"0.0500","purpose":"entry"}
{"type":"fill","ts":"2025-11-22T10:00:01Z","venue":"coinbase","symbol":"TOWNS-USD","fill_id":"f1","order_id":"o1","side":"buy","qty":"536.6","price":"0.05","fee":"0.1","fee_currency":"USD","liquidity":"maker"}
{"type":"fill","ts":"2025-11-22T10:00:02Z","venue":"coinbase","symbol":"UNI-USD","fill_id":"f2","order_id":"o2","side":"buy","qty":"-4","price":"7.5"}
{"type":"fill","ts":"2025-11-22T10:00:03Z","venue":"binance-usdm","symbol":"ATOMUSDT","fill_id":"f3","order_id":"o3","side":"sell","qty":494.07,"price":2.529}
{"type":"unknown_thing","ts":"2025-11-22T10:00:03Z"}
{"type":"fill","ts":"2025-11-22T10:00:02Z","venue":"coinbase","symbol":"UNI-USD","fill_id":"f4","order_id":"o2","side":"buy","price":"7.5"}
{not json
JSON

set +e
"$bin" ingest --db "$db" "$tmp/mixed.jsonl" >"$tmp/out1" 2>"$tmp/err1"; rc=$?
set -e
[ "$rc" -eq 65 ] || fail "first ingest exit $rc, want 65"
grep -qx 'accepted 3, duplicates 0, stale 0, rejected 4' "$tmp/out1" || fail "summary: $(cat "$tmp/out1")"
grep -q "^line 3: field 'qty': must not be negative" "$tmp/err1" || fail "line 3 error: $(cat "$tmp/err1")"
grep -q "^line 5: field 'type': unknown event type" "$tmp/err1" || fail "line 5 error"
grep -q "^line 6: field 'qty': missing" "$tmp/err1" || fail "line 6 error"
grep -q "^line 7: malformed JSON" "$tmp/err1" || fail "line 7 error"
[ "$(wc -l < "$tmp/err1")" -eq 4 ] || fail "want exactly one error per bad line"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM events')" = 3 ] || fail "events count"
[ "$(sqlite3 "$db" "SELECT qty || '@' || avg_entry FROM positions WHERE symbol='ATOMUSDT'")" = "-494.07@2.529" ] \
  || fail "short position from JSON numbers"

dump() { sqlite3 "$db" .dump | grep -v '^INSERT INTO sqlite_stat'; }
dump > "$tmp/before.sql"
set +e
"$bin" ingest --db "$db" < "$tmp/mixed.jsonl" >"$tmp/out2" 2>"$tmp/err2"; rc=$?
set -e
[ "$rc" -eq 65 ] || fail "second ingest exit $rc"
grep -qx 'accepted 0, duplicates 3, stale 0, rejected 4' "$tmp/out2" || fail "second summary: $(cat "$tmp/out2")"
dump > "$tmp/after.sql"
cmp -s "$tmp/before.sql" "$tmp/after.sql" || fail "second run changed rows"

out=$("$bin" audit verify --db "$db") || fail "audit verify on a sound journal"
[ "$out" = "ok: 3 events" ] || fail "audit output: $out"

# The events table is append-only from any client, including the sqlite3 shell.
if sqlite3 "$db" "UPDATE events SET payload='{}' WHERE seq=1" 2>/dev/null; then fail "UPDATE allowed"; fi
if sqlite3 "$db" "DELETE FROM events WHERE seq=1" 2>/dev/null; then fail "DELETE allowed"; fi

# With the triggers dropped, an edited payload byte is caught and its row named.
sqlite3 "$db" "DROP TRIGGER events_no_update; UPDATE events SET payload = replace(payload, '536.6', '536.7') WHERE seq = 2;"
set +e
"$bin" audit verify --db "$db" >"$tmp/out3" 2>"$tmp/err3"; rc=$?
set -e
[ "$rc" -ne 0 ] || fail "audit passed a tampered journal"
grep -q "event 2: hash mismatch" "$tmp/err3" || fail "audit did not name event 2: $(cat "$tmp/err3")"

# A journal newer than this binary (reckon's by its application_id, 'RKNJ')
# is refused and left alone.
sqlite3 "$tmp/new.db" "CREATE TABLE t(x); PRAGMA user_version=4242; PRAGMA application_id=1380666954;"
set +e
"$bin" ingest --db "$tmp/new.db" /dev/null 2>"$tmp/err4"; rc=$?
set -e
[ "$rc" -eq 65 ] || fail "newer db exit $rc"
grep -q "newer than this reckon" "$tmp/err4" || fail "newer db message"

# The README's examples are ingestible as printed, one line each, and agree:
# the fill completes the order. (Every line of a json block in its "Ingest
# contract" section.)
awk '/^## / { contract = /^## Ingest contract/ } /^```json$/ { on = contract; next } /^```$/ { on = 0 } on' \
  "$(dirname "$0")/../../README.md" > "$tmp/readme.jsonl"
n=$(wc -l < "$tmp/readme.jsonl")
[ "$n" -ge 2 ] || fail "README has $n JSON example lines, want an order and a fill"
if grep -qv '^{"type":"\(order\|fill\)".*}$' "$tmp/readme.jsonl"; then
  fail "README JSON example is not one whole line: $(grep -v '^{"type":"\(order\|fill\)".*}$' "$tmp/readme.jsonl" | head -1)"
fi
"$bin" ingest --db "$tmp/readme.db" "$tmp/readme.jsonl" >"$tmp/out5" 2>"$tmp/err5" \
  || fail "README examples rejected: $(cat "$tmp/err5")"
grep -qx "accepted $n, duplicates 0, stale 0, rejected 0" "$tmp/out5" || fail "README summary: $(cat "$tmp/out5")"
[ "$(sqlite3 "$tmp/readme.db" "SELECT side || ' ' || status || ' ' || qty || ' ' || filled_qty FROM orders WHERE order_id = 'abc'")" \
  = "buy filled 536.6 536.6" ] || fail "README order row: $(sqlite3 "$tmp/readme.db" 'SELECT * FROM orders')"
[ "$(sqlite3 "$tmp/readme.db" "SELECT qty FROM positions WHERE symbol = 'TOWNS-USD'")" = "536.6" ] \
  || fail "README position"

# Help and usage errors.
"$bin" help | grep -q "ingest" || fail "help lists ingest"
"$bin" ingest --help | grep -q -- "--db FILE" || fail "ingest --help"
set +e
"$bin" ingest "$tmp/mixed.jsonl" 2>/dev/null; [ $? -eq 64 ] || fail "missing --db must exit 64"
"$bin" frobnicate 2>/dev/null; [ $? -eq 64 ] || fail "unknown command must exit 64"
"$bin" ingest --db "$db" "$tmp/nope.jsonl" 2>/dev/null; [ $? -eq 66 ] || fail "missing input must exit 66"
# A directory as input is named as one (66), and no journal is created.
"$bin" ingest --db "$tmp/dir.db" "$tmp" 2>"$tmp/err6"; rc=$?
[ "$rc" -eq 66 ] || fail "a directory as input: exit $rc, want 66"
grep -qx "reckon: cannot read $tmp: is a directory" "$tmp/err6" || fail "directory message: $(cat "$tmp/err6")"
[ ! -e "$tmp/dir.db" ] || fail "a directory as input created the journal"
set -e
echo "foundation: all checks passed"
