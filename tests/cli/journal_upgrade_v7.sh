#!/usr/bin/env bash
# A journal made by reckon at schema version 7 upgrades through migration
# 0008 (events rebuilt without UNIQUE on hash and dedup_key, the dedup keys
# moved to event_dedup under a natural key) to one `reckon audit verify`
# passes: every event keeps its columns, so its hash and the chain hold.
# tests/fixtures/journal-v7-demo.sql is that reckon's `reckon demo` journal
# plus tests/fixtures/journal-v7-lines.jsonl ingested twice. After the
# upgrade the same lines are still duplicates (orders and fills), a new
# report of a known order and a fill with a journaled id but other content
# are told apart, and nothing but the schema changed. Run by ctest with
# RECKON_BIN and RECKON_SOURCE_DIR set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
src=${RECKON_SOURCE_DIR:?RECKON_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 > /dev/null || fail "sqlite3 is needed by this test"

db=$tmp/old.db
lines=$src/tests/fixtures/journal-v7-lines.jsonl
sqlite3 "$db" < "$src/tests/fixtures/journal-v7-demo.sql"
[ "$(sqlite3 "$db" 'PRAGMA user_version')" = 7 ] || fail "the fixture is not at version 7"
q() { sqlite3 "$db" "$1"; }
[ "$(q "SELECT count(*) FROM sqlite_master WHERE name = 'event_dedup'")" = 0 ] ||
	fail "the fixture already has event_dedup"
versions=$(ls "$src"/migrations/*.sql | wc -l)

# Every row of every table the v7 journal has, events included: the upgrade
# changes none of them (tables later migrations add are checked by their own
# tests and by audit verify below).
tables=$(q "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
            ORDER BY name")
dump() {
	for t in $tables; do
		echo "== $t"
		q "SELECT * FROM $t" | LC_ALL=C sort
	done
}
dump > "$tmp/before"
events=$(q "SELECT count(*) FROM events")
keys=$(q "SELECT count(*) FROM events WHERE dedup_key IS NOT NULL")

"$bin" init --sim --db "$db" > "$tmp/out" 2> "$tmp/err" || fail "init (upgrade): $(cat "$tmp/err")"
grep -qx "upgraded simulation journal $db from schema version 7 to $versions" "$tmp/out" ||
	fail "init: $(cat "$tmp/out")"
dump > "$tmp/after"
diff "$tmp/before" "$tmp/after" > "$tmp/diff" || fail "the upgrade changed rows: $(cat "$tmp/diff")"
"$bin" audit verify --db "$db" > "$tmp/out" 2> "$tmp/err" ||
	fail "audit verify of the upgraded journal: $(cat "$tmp/out" "$tmp/err")"
grep -qx "ok: $events events" "$tmp/out" || fail "audit: $(cat "$tmp/out")"

# No UNIQUE index on a hash is left; every dedup key moved, under its group.
[ "$(q "SELECT count(*) FROM sqlite_master WHERE tbl_name = 'events' AND name LIKE 'sqlite_autoindex%'")" = 0 ] ||
	fail "events still has an automatic (UNIQUE) index"
[ "$(q "SELECT count(*) FROM event_dedup")" = "$keys" ] || fail "event_dedup holds $(q "SELECT count(*) FROM event_dedup") of $keys keys"
[ "$(q "SELECT count(*) FROM event_dedup d JOIN events e ON e.seq = d.seq AND e.dedup_key = d.dedup_key")" = "$keys" ] ||
	fail "an event_dedup row names the wrong event"
[ "$(q "SELECT dedup_group FROM event_dedup d JOIN events e USING (seq) WHERE e.type = 'order'
        AND e.payload LIKE '%\"order_id\":\"u7a\"%' GROUP BY 1")" = "order:coinbase:u7a" ] ||
	fail "u7a's reports are not filed under their order"
[ "$(q "SELECT count(DISTINCT dedup_group) FROM event_dedup d JOIN events e USING (seq) WHERE e.type = 'fill'")" = 1 ] ||
	fail "fills' keys are filed under a group"

# The lines journaled before the upgrade are duplicates after it.
"$bin" ingest --db "$db" "$lines" > "$tmp/out" 2> "$tmp/err" || fail "ingest again: $(cat "$tmp/err")"
grep -qx "accepted 0, duplicates 6, stale 0, rejected 0" "$tmp/out" || fail "ingest again: $(cat "$tmp/out")"
# A fill id journaled before, with other content, is a conflict naming the event.
seq=$(q "SELECT seq FROM events WHERE dedup_key = 'fill:coinbase:u7f3'")
echo '{"type":"fill","ts":"2025-11-22T17:41:00Z","venue":"coinbase","symbol":"UNI-USD","fill_id":"u7f3","order_id":"u7b","side":"sell","qty":"2","price":"7.5"}' |
	"$bin" ingest --db "$db" - > "$tmp/out" 2> "$tmp/err" && fail "a changed fill was accepted"
grep -q "line 1: .*already journaled as event $seq with different content" "$tmp/err" ||
	fail "changed fill: $(cat "$tmp/err")"
# A new report of an order journaled before the upgrade is a new event.
echo '{"type":"order","ts":"2025-11-22T17:41:00Z","venue":"coinbase","symbol":"UNI-USD","order_id":"u7b","side":"sell","order_type":"limit","qty":"3","price":"7.5","status":"filled"}' |
	"$bin" ingest --db "$db" - > "$tmp/out" 2> "$tmp/err" || fail "u7b's report: $(cat "$tmp/err")"
grep -qx "accepted 1, duplicates 0, stale 0, rejected 0" "$tmp/out" || fail "u7b's report: $(cat "$tmp/out")"
"$bin" audit verify --db "$db" > "$tmp/out" 2> "$tmp/err" || fail "audit verify after ingest: $(cat "$tmp/out" "$tmp/err")"
grep -qx "ok: $((events + 1)) events" "$tmp/out" || fail "audit after ingest: $(cat "$tmp/out")"
echo "journal_upgrade_v7: all checks passed"
