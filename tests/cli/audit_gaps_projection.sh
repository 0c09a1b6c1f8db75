#!/usr/bin/env bash
# The protection-gap projection (migration 0013, src/journal/protect_project.h)
# from the command line: `reckon audit gaps` reads protection_gaps and prints
# exactly what `--replay` (the reference, from the events) prints, with and
# without a selection; `audit verify` fails on a gap row changed, deleted or
# added by hand, naming the table; an older journal (the v7 demo fixture)
# gets its gaps backfilled by the upgrade's replay. The same for `audit
# state` and its state history (migration 0016, src/journal/state_history.h):
# the default prints what --replay prints, a tampered history row fails
# verify, an upgrade backfills it; --replay belongs to gaps and state only.
# Run by ctest with RECKON_BIN and RECKON_SOURCE_DIR set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
src=${RECKON_SOURCE_DIR:?RECKON_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
command -v sqlite3 > /dev/null || fail "sqlite3 is needed by this test"

# same DB ARGS...: the projection and the replay print the same bytes.
same() {
	local db=$1; shift
	"$bin" audit gaps --db "$db" "$@" > "$tmp/p" || fail "audit gaps $* exited $?"
	"$bin" audit gaps --db "$db" --replay "$@" > "$tmp/r" || fail "audit gaps --replay $* exited $?"
	cmp -s "$tmp/p" "$tmp/r" || fail "gaps $* differ from the replay: $(diff "$tmp/p" "$tmp/r" | head -5)"
}

db=$tmp/demo.db
"$bin" demo --db "$db" > /dev/null || fail "demo exited $?"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM protection_gaps')" = 10 ] ||
	fail "want the demo's 10 intervals as rows: $(sqlite3 "$db" 'SELECT * FROM protection_gaps')"
[ "$(sqlite3 "$db" 'SELECT count(*) FROM protection_gaps WHERE end_seq IS NULL')" = 0 ] ||
	fail "an interval is still open after the reconciliation"
for args in "" "--json" "--symbol TOWNS-USD" "--symbol UNFI-USD --json" \
	"--from 2025-11-23T03:05:00Z" "--to 2025-11-23T03:05:00Z --json" \
	"--from 2025-11-23T03:00:00Z --to 2025-11-23T03:05:30Z" \
	"--symbol ELA-USD --from 2025-11-23T03:05:00Z --to 2025-11-23T03:07:00Z --json" \
	"--from 2025-11-24T00:00:00Z"; do
	# shellcheck disable=SC2086
	same "$db" $args
done

# same_state DB ARGS...: the state history and the replay print the same bytes.
same_state() {
	local db=$1; shift
	"$bin" audit state --db "$db" "$@" > "$tmp/p" || fail "audit state $* exited $?"
	"$bin" audit state --db "$db" --replay "$@" > "$tmp/r" || fail "audit state --replay $* exited $?"
	cmp -s "$tmp/p" "$tmp/r" || fail "state $* differs from the replay: $(diff "$tmp/p" "$tmp/r" | head -5)"
}
for args in "--at 2025-11-23T03:05:30Z" "--at 2025-11-23T03:05:30Z --json" \
	"--at 2025-11-23T03:06:00Z" "--at 2025-11-23T03:06:30Z --json" \
	"--at 2025-11-23T03:06:30Z --symbol TOWNS-USD" "--at 2025-11-23T03:06:00Z --symbol ELA-USD --json" \
	"--at 2025-11-20T00:00:00Z" "--at 2030-01-01T00:00:00Z --json"; do
	# shellcheck disable=SC2086
	same_state "$db" $args
done

# --replay is gaps' and state's only.
set +e
"$bin" audit timeline --db "$db" --replay > /dev/null 2> "$tmp/err"
code=$?
set -e
[ "$code" = 64 ] || fail "audit timeline --replay: exit $code, want 64"
grep -q 'does not take --replay' "$tmp/err" || fail "the refusal: $(cat "$tmp/err")"

# A tampered gap row, or row version of the state history (an order made
# to look open longer), fails verify, naming the table; the untouched copy
# passes.
"$bin" audit verify --db "$db" --full > /dev/null || fail "verify of the demo journal failed"
for case in "protection_gaps|UPDATE protection_gaps SET end_us = end_us - 1000000 WHERE symbol = 'TOWNS-USD'" \
	"protection_gaps|DELETE FROM protection_gaps WHERE symbol = 'ELA-USD'" \
	"protection_gaps|INSERT INTO protection_gaps VALUES ('coinbase', 'default', 'BTC-USD', 1, 0, 'fill', NULL, NULL, NULL)" \
	"orders_history|UPDATE orders_history SET to_seq = to_seq + 5 WHERE to_seq IS NOT NULL AND order_type = 'limit' AND symbol = 'TOWNS-USD'" \
	"positions_history|DELETE FROM positions_history WHERE symbol = 'ELA-USD'"; do
	table=${case%%|*} sql=${case#*|}
	cp "$db" "$tmp/t.db"
	sqlite3 "$tmp/t.db" "$sql"
	set +e
	"$bin" audit verify --db "$tmp/t.db" --full > "$tmp/out" 2>&1
	code=$?
	set -e
	[ "$code" = 65 ] || fail "verify after '$sql': exit $code: $(cat "$tmp/out")"
	grep -q "$table" "$tmp/out" || fail "verify after '$sql' names: $(cat "$tmp/out")"
done

# An old journal's gaps are backfilled when it is upgraded.
old=$tmp/old.db
sqlite3 "$old" < "$src/tests/fixtures/journal-v7-demo.sql"
"$bin" init --db "$old" > /dev/null || fail "init (the upgrade) exited $?"
[ "$(sqlite3 "$old" 'SELECT count(*) FROM protection_gaps')" -gt 0 ] || fail "no gap backfilled"
same "$old"
same "$old" --json --symbol TOWNS-USD
[ "$(sqlite3 "$old" 'SELECT count(*) FROM orders_history')" -gt 0 ] || fail "no state history backfilled"
same_state "$old" --at 2025-11-23T03:05:30Z
same_state "$old" --at 2030-01-01T00:00:00Z --json
"$bin" audit verify --db "$old" --full > /dev/null || fail "verify after the upgrade failed"
echo "ok"
