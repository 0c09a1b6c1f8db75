#!/usr/bin/env bash
# Acceptance of `reckon audit verify` (issue 8, point 15) through the real
# binary: tampering done with the plain sqlite3 shell is found and named
# (exit 65) — an edited fill with a trigger that would repeat the edit during
# a replay, append-only triggers swapped for same-named no-ops, a foreign
# view, table or index, a foreign application_id, a missing, malformed or
# doubled journal identity — and on a big journal, `reckon ingest` keeps
# succeeding while verify --full holds its snapshot (even stopped inside it),
# and verify reports the events of the snapshot it read.
# Incremental (issue 10): after `verify --checkpoint`, a verify checks the new
# events and the rows they wrote, says what it did not check, finds a tampered
# new event or row of a new event (65), and leaves tampering before the
# checkpoint to --full, which finds it.
# Run by ctest with RECKON_BIN set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
tmp=$(mktemp -d)
verify_pid=
cleanup() {
	[ -n "$verify_pid" ] && kill "$verify_pid" 2>/dev/null && kill -CONT "$verify_pid" 2>/dev/null \
		&& wait "$verify_pid" 2>/dev/null
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 > /dev/null || fail "sqlite3 is needed by this test"

# fills N FROM: N fill lines (fill ids FROM..FROM+N-1) over 20 symbols.
fills() {
	awk -v n="$1" -v from="$2" 'BEGIN { for (i = from; i < from + n; i++)
		printf "{\"type\":\"fill\",\"ts\":\"2025-11-22T10:00:00.%06dZ\",\"venue\":\"coinbase\",\"symbol\":\"S%d-USD\",\"fill_id\":\"f%d\",\"order_id\":\"o%d\",\"side\":\"buy\",\"qty\":\"1.5\",\"price\":\"%d.25\",\"fee\":\"0.01\",\"fee_currency\":\"USD\"}\n", i % 1000000, i % 20, i, i, 100 + i % 7 }'
}

# ---- tampering from inside the database ----------------------------------------
fills 50 1 | "$bin" ingest --db "$tmp/small.db" - > /dev/null || fail "ingest"
"$bin" audit verify --db "$tmp/small.db" | grep -qx 'ok: 50 events' || fail "a sound journal"

# expect_found NAME SQL MESSAGE: tampering with SQL makes verify exit 65 naming MESSAGE.
expect_found() {
	local db=$tmp/$1.db rc=0
	cp "$tmp/small.db" "$db"
	sqlite3 "$db" "$2" || fail "$1: tampering failed"
	"$bin" audit verify --db "$db" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" = 65 ] || fail "$1: verify exit $rc, want 65: $(cat "$tmp/out" "$tmp/err")"
	grep -qF -- "$3" "$tmp/err" || fail "$1: message '$(cat "$tmp/err")' lacks '$3'"
}
expect_found repeated_edit \
	"UPDATE fills SET price = '1' WHERE fill_id = 'f7';
	 CREATE TRIGGER keep AFTER INSERT ON fills BEGIN
	   UPDATE fills SET price = '1' WHERE fill_id = 'f7'; END;" \
	"foreign trigger 'keep' on table fills"
expect_found edited_row "UPDATE fills SET price = '1' WHERE fill_id = 'f7';" \
	"table fills differs from a replay of the events: price is '1' in the journal, '100.25' in the replay"
expect_found noop_triggers \
	"DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;
	 CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT 1; END;
	 CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT 1; END;" \
	"differs from what reckon's migrations created (the append-only guard was replaced)"
expect_found foreign_view "CREATE VIEW cheap AS SELECT * FROM fills WHERE price < '2';" \
	"foreign view 'cheap'"

# The journal's identity (issue 8, point 6): no client deletes or changes it,
# and verify finds it gone, malformed or doubled, a foreign application_id, and
# tables or indexes the migrations never created.
if sqlite3 "$tmp/small.db" "DELETE FROM journal_meta" 2>/dev/null; then fail "journal_meta DELETE allowed"; fi
if sqlite3 "$tmp/small.db" "UPDATE journal_meta SET value = 'x'" 2>/dev/null; then fail "journal_meta UPDATE allowed"; fi
"$bin" audit verify --db "$tmp/small.db" | grep -qx 'ok: 50 events' || fail "after the refused edits"
guards="CREATE TRIGGER journal_meta_no_update BEFORE UPDATE ON journal_meta
BEGIN SELECT RAISE(ABORT, 'journal_meta is append-only: UPDATE refused'); END;
CREATE TRIGGER journal_meta_no_delete BEFORE DELETE ON journal_meta
BEGIN SELECT RAISE(ABORT, 'journal_meta is append-only: DELETE refused'); END;"
unguard="DROP TRIGGER journal_meta_no_update; DROP TRIGGER journal_meta_no_delete;"
expect_found no_identity "$unguard DELETE FROM journal_meta; $guards" "journal_meta holds no journal_id"
expect_found bad_identity "$unguard UPDATE journal_meta SET value = 'not-hex'; $guards" \
	"journal_meta's journal_id 'not-hex' is not 32 lowercase hex digits"
expect_found two_rows "INSERT INTO journal_meta VALUES ('second', 'x');" "journal_meta holds more than one row"
expect_found no_guard "DROP TRIGGER journal_meta_no_update;" "trigger journal_meta_no_update is missing"
expect_found app_id "PRAGMA application_id = 0;" "PRAGMA application_id is 0x00000000, not reckon's"
expect_found extra_table "CREATE TABLE notes(x);" "foreign table 'notes': reckon's migrations never created it"
expect_found extra_index "CREATE INDEX fills_price ON fills(price);" "foreign index 'fills_price' on table fills"

# ---- a big journal, written to while verify runs ---------------------------------
big=${RECKON_AUDIT_EVENTS:-60000}
db=$tmp/big.db
fills "$big" 100 | "$bin" ingest --db "$db" - > "$tmp/ingest.out" || fail "ingest: $(cat "$tmp/ingest.out")"
now_ms() { echo $(($(date +%s%N) / 1000000)); }

# verify --full --checkpoint builds its replay in "$db.audit.new.<its pid>",
# created after its snapshot is fixed (the read transaction's first read):
# that file, not a sleep, says the snapshot is taken.
"$bin" audit verify --full --checkpoint --db "$db" > "$tmp/verify.out" 2> "$tmp/verify.err" &
verify_pid=$!
while [ ! -e "$db.audit.new.$verify_pid" ]; do
	kill -0 "$verify_pid" 2>/dev/null || fail "verify ended before its replay was seen: $(cat "$tmp/verify.out" "$tmp/verify.err")"
	sleep 0.01
done
done_during=0 slowest=0 next=$((big + 1000))
ingest_one() { # one fill line through its own `reckon ingest`, timed into $t
	local t0 rc=0
	t0=$(now_ms)
	fills 1 "$next" | timeout 30 "$bin" ingest --db "$db" - > "$tmp/one.out" 2>&1 || rc=$?
	t=$(($(now_ms) - t0))
	[ "$rc" = 0 ] || fail "ingest during verify exited $rc after ${t} ms: $(cat "$tmp/one.out")"
	[ "$t" -gt "$slowest" ] && slowest=$t
	next=$((next + 1))
}
# The reader stopped inside its read transaction: a writer that waited on it
# would wait forever and fail at the 5 s busy timeout (exit 74). These three
# commit while the snapshot is certainly held, whatever the machine's load.
kill -STOP "$verify_pid"
for _ in 1 2 3; do
	ingest_one
	done_during=$((done_during + 1))
done
kill -CONT "$verify_pid"
# And while it runs.
while kill -0 "$verify_pid" 2>/dev/null && [ "$done_during" -lt 500 ]; do
	ingest_one
	kill -0 "$verify_pid" 2>/dev/null && done_during=$((done_during + 1))
done
rc=0
wait "$verify_pid" || rc=$?
verify_pid=
[ "$rc" = 0 ] || fail "verify during ingest exited $rc: $(cat "$tmp/verify.out" "$tmp/verify.err")"
# It reports the events of its snapshot, not the ones committed since.
grep -qx "ok: $big events" "$tmp/verify.out" || fail "verify should report its snapshot's $big events: $(cat "$tmp/verify.out")"
cp_seq=$(sed -n 's/^checkpoint: event \([0-9]*\) records events 1..'"$big"' verified (hash [0-9a-f]\{64\})$/\1/p' "$tmp/verify.out")
[ -n "$cp_seq" ] || fail "no checkpoint line: $(cat "$tmp/verify.out")"
[ "$cp_seq" -gt $((big + 3)) ] || fail "the checkpoint is event $cp_seq, before the 3 ingests done during the verify"
added=$(sqlite3 "$db" "SELECT count(*) - $big - 1 FROM events") # less the checkpoint
[ "$added" -ge "$done_during" ] || fail "only $added events added"
"$bin" audit verify --full --db "$db" | grep -qx "ok: $((big + added + 1)) events" || fail "verify after the ingests"

# ---- incremental, from a checkpoint ------------------------------------------------
inc=$tmp/inc.db
fills 40 1 | "$bin" ingest --db "$inc" - > /dev/null || fail "ingest inc"
"$bin" audit verify --checkpoint --db "$inc" > "$tmp/out" || fail "verify --checkpoint: $(cat "$tmp/out")"
grep -qx 'ok: 40 events' "$tmp/out" || fail "checkpoint verify: $(cat "$tmp/out")"
grep -q '^checkpoint: event 41 records events 1..40 verified (hash [0-9a-f]\{64\})$' "$tmp/out" \
	|| fail "checkpoint line: $(cat "$tmp/out")"
[ -s "$inc.audit" ] || fail "no replica kept"
[ "$(sqlite3 "$inc" "SELECT type || ' ' || source FROM events WHERE seq = 41")" = "audit_checkpoint audit" ] \
	|| fail "the checkpoint is not event 41"
fills 10 41 | "$bin" ingest --db "$inc" - > /dev/null || fail "ingest after the checkpoint"
"$bin" audit verify --db "$inc" > "$tmp/out" 2> "$tmp/err" || fail "incremental: $(cat "$tmp/out" "$tmp/err")"
grep -qx 'ok: 51 events' "$tmp/out" || fail "incremental ok: $(cat "$tmp/out")"
grep -q '^incremental: events 41..51 re-hashed and linked to event 40, verified before (audit checkpoint event 41); the [0-9]* table rows they wrote equal a replay' "$tmp/out" \
	|| fail "incremental says what it checked: $(cat "$tmp/out")"
grep -q "^not re-checked: events 1..40, rows no new event wrote, SQLite's integrity check" "$tmp/out" \
	|| fail "incremental says what it did not check: $(cat "$tmp/out")"
# expect_inc NAME SQL MESSAGE: on a copy, tampering with SQL after the
# checkpoint makes the incremental verify exit 65 naming MESSAGE.
expect_inc() {
	local db=$tmp/$1.db rc=0
	cp "$inc" "$db"
	cp "$inc.audit" "$db.audit"
	sqlite3 "$db" "$2" || fail "$1: tampering failed"
	"$bin" audit verify --db "$db" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" = 65 ] || fail "$1: verify exit $rc, want 65: $(cat "$tmp/out" "$tmp/err")"
	grep -qF -- "$3" "$tmp/err" || fail "$1: message '$(cat "$tmp/err")' lacks '$3'"
}
expect_inc new_event "DROP TRIGGER events_no_update; UPDATE events SET payload = replace(payload, '1.5', '2.5') WHERE seq = 45;" \
	"event 45: hash mismatch"
expect_inc new_row "UPDATE fills SET price = '1' WHERE fill_id = 'f45';" \
	"table fills differs from a replay of the events: price is '1' in the journal"
# Before the checkpoint: only --full looks.
old=$tmp/old_edit.db
cp "$inc" "$old"
cp "$inc.audit" "$old.audit"
sqlite3 "$old" "UPDATE fills SET price = '1' WHERE fill_id = 'f7';
	DROP TRIGGER events_no_update; UPDATE events SET payload = replace(payload, '1.5', '2.5') WHERE seq = 3;
	CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events is append-only: UPDATE refused'); END;"
"$bin" audit verify --db "$old" | grep -qx 'ok: 51 events' || fail "incremental should not look before the checkpoint"
rc=0
"$bin" audit verify --full --db "$old" > "$tmp/out" 2> "$tmp/err" || rc=$?
[ "$rc" = 65 ] && grep -q "event 3: hash mismatch" "$tmp/err" || fail "--full: exit $rc, $(cat "$tmp/err")"
# A replica that is gone: a full verify, said on stderr.
rm "$old.audit"
rc=0
"$bin" audit verify --db "$old" > "$tmp/out" 2> "$tmp/err" || rc=$?
[ "$rc" = 65 ] && grep -q "running the full verify: no replica" "$tmp/err" || fail "fallback: exit $rc, $(cat "$tmp/err")"

# The incremental verify with ingest committing meanwhile, and the checkpoint
# it records, on the big journal.
"$bin" audit verify --checkpoint --db "$db" > "$tmp/out" || fail "checkpoint on big: $(cat "$tmp/out")"
fills 2000 500000 | "$bin" ingest --db "$db" - > /dev/null || fail "ingest 2000 more"
( for i in 1 2 3 4 5; do fills 1 $((600000 + i)) | "$bin" ingest --db "$db" - > /dev/null || exit 1; done ) &
writer=$!
"$bin" audit verify --checkpoint --db "$db" > "$tmp/out" 2> "$tmp/err" || fail "incremental during ingest: $(cat "$tmp/out" "$tmp/err")"
wait "$writer" || fail "ingest during the incremental verify"
grep -q '^incremental: ' "$tmp/out" || fail "not incremental: $(cat "$tmp/out" "$tmp/err")"
"$bin" audit verify --db "$db" | grep -q '^incremental: ' || fail "after the second checkpoint"
"$bin" audit verify --full --db "$db" | grep -qx "ok: $(sqlite3 "$db" 'SELECT count(*) FROM events') events" || fail "full at the end"
echo "audit: all checks passed ($done_during ingests during verify, slowest ${slowest} ms, not asserted)"
