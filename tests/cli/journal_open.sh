#!/usr/bin/env bash
# Which files reckon opens, and how (issue 8, points 13, 14, 17 and 22):
#   - processes creating the same new journal at once all succeed;
#   - another application's database, or a file that is not a database, is
#     refused (65) byte-identical, with no -wal/-shm/-journal left next to it;
#   - read-only commands never migrate or write, and work on a read-only file,
#     directory and filesystem; an older journal gets the command that
#     upgrades it;
#   - only ingest, demo and init create a journal; the others say "no such
#     journal" (66);
#   - a read-only directory or filesystem is named in the message (77);
#   - `reckon help` lists every exit code the source uses.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
src=${RECKON_SOURCE_DIR:?RECKON_SOURCE_DIR not set}
tmp=$(mktemp -d)
chmod 755 "$tmp" # traversable by the unprivileged user of the read-only cases
cleanup() {
	chmod -R u+w "$tmp" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

APP_ID=1380666954 # 0x524b4e4a, "RKNJ"
versions=$(ls "$src"/migrations/*.sql | wc -l)
line='{"type":"order","ts":"2025-11-22T10:00:00Z","venue":"coinbase","symbol":"TOWNS-USD","order_id":"o1","side":"buy","order_type":"limit","status":"open","qty":"5","price":"0.05"}'
echo "$line" > "$tmp/line.jsonl"

# expect RC PATTERN CMD...: runs CMD, checks its exit code and that stderr
# matches PATTERN (grep -E); stdout in $tmp/out, stderr in $tmp/err.
expect() {
	local want=$1 pattern=$2 rc=0
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || fail "'$*' exited $rc, want $want: $(cat "$tmp/err")"
	grep -Eq -- "$pattern" "$tmp/err" || fail "'$*': stderr lacks '$pattern': $(cat "$tmp/err")"
}

# The file's bytes, and whether SQLite companions exist next to it.
state() { echo "$(sha256sum < "$1") $(ls "$1"-wal "$1"-shm "$1"-journal 2>/dev/null | wc -l)"; }

# Every command that takes --db, as it would be run on FILE.
all_commands() {
	local f=$1
	printf '%s\n' "ingest --db $f $tmp/line.jsonl" "init --db $f" "init --sim --db $f" \
		"reconcile --once --sim demo.json --db $f" "reconcile --once --venue coinbase --db $f" \
		"fifo rebuild --db $f" "query open_orders --db $f" "audit verify --db $f"
}

# ---- point 13: concurrent first open of a new journal -----------------------
for round in $(seq 20); do
	db=$tmp/new.db
	rm -f "$db" "$db"-wal "$db"-shm
	pids=()
	for k in $(seq 8); do
		if [ $((k % 2)) = 0 ]; then
			"$bin" init --db "$db" > "$tmp/c$k.out" 2> "$tmp/c$k.err" &
		else
			"$bin" ingest --db "$db" "$tmp/line.jsonl" > "$tmp/c$k.out" 2> "$tmp/c$k.err" &
		fi
		pids+=($!)
	done
	for k in $(seq 8); do
		wait "${pids[$((k - 1))]}" || fail "round $round: process $k of 8 failed: $(cat "$tmp/c$k.err")"
	done
	got=$(sqlite3 "$db" "PRAGMA user_version; PRAGMA application_id; PRAGMA journal_mode;
	                     SELECT count(*) FROM events" | tr '\n' ' ')
	[ "$got" = "$versions $APP_ID wal 1 " ] || fail "round $round: version/app id/mode/events: $got"
done

# ---- point 14: another application's database is never written ---------------
foreign=$tmp/foreign.db
sqlite3 "$foreign" "CREATE TABLE orders(id INTEGER PRIMARY KEY, what TEXT);
                    INSERT INTO orders(what) VALUES ('theirs');"
before=$(state "$foreign")
while read -r cmd; do
	# shellcheck disable=SC2086
	expect 65 "foreign.db is not a reckon journal: .*not modified" "$bin" $cmd
	[ "$(state "$foreign")" = "$before" ] || fail "'$cmd' changed the foreign database"
done < <(all_commands "$foreign")
[ "$(sqlite3 "$foreign" 'PRAGMA journal_mode')" = delete ] || fail "journal mode changed"

# Another application's WAL database whose last changes are still in its -wal
# (the writer died before a checkpoint): the main file and the -wal stay
# byte-identical; SQLite's checkpoint on close would fold one into the other.
if command -v python3 > /dev/null; then
	walfor=$tmp/walforeign.db
	python3 - "$walfor" <<'PY'
import os, sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("PRAGMA journal_mode=WAL")
c.execute("PRAGMA wal_autocheckpoint=0")
c.execute("CREATE TABLE t(x)")
c.execute("INSERT INTO t VALUES ('theirs')")
c.commit()
os._exit(0)  # no close: no checkpoint, the -wal keeps the table
PY
	[ -s "$walfor-wal" ] || fail "the foreign WAL database has no -wal to keep"
	walstate() { echo "$(sha256sum < "$walfor") $(sha256sum < "$walfor-wal")"; }
	before=$(walstate)
	while read -r cmd; do
		# shellcheck disable=SC2086
		expect 65 "walforeign.db is not a reckon journal: .*not modified" "$bin" $cmd
		[ -e "$walfor-wal" ] || fail "'$cmd' removed the foreign database's -wal"
		[ "$(walstate)" = "$before" ] || fail "'$cmd' changed the foreign WAL database"
	done < <(all_commands "$walfor")
else
	echo "note: no python3: the foreign WAL database case was not run" >&2
fi

theirs=$tmp/theirs.db # another application's id, even with reckon's tables
sqlite3 "$theirs" "PRAGMA application_id = 1195724871;" < "$src/migrations/0001_journal.sql"
sqlite3 "$theirs" "PRAGMA user_version = 1; PRAGMA application_id = 1195724871;"
before=$(state "$theirs")
while read -r cmd; do
	# shellcheck disable=SC2086
	expect 65 "application_id 0x47455047 belongs to another application" "$bin" $cmd
done < <(all_commands "$theirs")
[ "$(state "$theirs")" = "$before" ] || fail "a command changed the other application's database"

# ---- point 22: a file that is not a database: 65, and no SQL in the message --
junk=$tmp/junk.db
head -c 4096 /dev/urandom > "$junk"
before=$(state "$junk")
while read -r cmd; do
	# shellcheck disable=SC2086
	expect 65 "junk.db is not a reckon journal: not an SQLite database" "$bin" $cmd
	grep -Eqi 'pragma|select|sqlite_master|user_version' "$tmp/err" \
		&& fail "'$cmd' leaks SQL text: $(cat "$tmp/err")"
	[ "$(state "$junk")" = "$before" ] || fail "'$cmd' changed the file"
done < <(all_commands "$junk")

# ---- point 14: read-only commands never upgrade an older journal -------------
old=$tmp/old.db # as the reckon before the application_id left it, at version 1
sqlite3 "$old" < "$src/migrations/0001_journal.sql"
sqlite3 "$old" "PRAGMA user_version = 1; PRAGMA journal_mode = WAL;" > /dev/null
# A WAL reader (any SQLite client) creates the -shm index and an empty -wal
# when they are missing: only the journal's own bytes are compared here.
before=$(sha256sum < "$old")
expect 65 "schema version 1, older .*upgrade it with 'reckon init --db $old'" \
	"$bin" audit verify --db "$old"
expect 65 "upgrade it with 'reckon init --db $old'" "$bin" query open_orders --db "$old"
[ "$(sha256sum < "$old")" = "$before" ] || fail "a read-only command changed the older journal"
[ "$(sqlite3 "$old" 'PRAGMA user_version')" = 1 ] || fail "a read-only command migrated"
"$bin" init --db "$old" > "$tmp/out" || fail "init on the older journal"
grep -qx "upgraded journal $old from schema version 1 to $versions" "$tmp/out" \
	|| fail "init: $(cat "$tmp/out")"
[ "$(sqlite3 "$old" 'PRAGMA application_id')" = "$APP_ID" ] || fail "init did not stamp the id"
"$bin" audit verify --db "$old" > /dev/null || fail "audit after the upgrade"
"$bin" init --db "$old" | grep -qx "journal $old is up to date (schema version $versions)" \
	|| fail "a second init"

# ---- point 17: only ingest, demo and init create a journal --------------------
missing=$tmp/missing.db
for cmd in "reconcile --once --sim demo.json --db $missing" "fifo rebuild --db $missing" \
	"query open_orders --db $missing" "audit verify --db $missing"; do
	# shellcheck disable=SC2086
	expect 66 "reckon: no such journal: $missing\$" "$bin" $cmd
	[ ! -e "$missing" ] || fail "'$cmd' created $missing"
done
: > "$tmp/empty.db"
expect 66 "no such journal: $tmp/empty.db is an empty file" \
	"$bin" reconcile --once --sim demo.json --db "$tmp/empty.db"
[ ! -s "$tmp/empty.db" ] || fail "reconcile wrote into an empty file"
"$bin" init --db "$tmp/empty.db" | grep -qx "created journal $tmp/empty.db (schema version $versions)" \
	|| fail "init into an empty file"
"$bin" init --db "$missing" > /dev/null || fail "init of a new journal"
"$bin" ingest --db "$tmp/by-ingest.db" "$tmp/line.jsonl" > /dev/null || fail "ingest creates"
expect 66 "no such directory $tmp/nodir" "$bin" init --db "$tmp/nodir/j.db"

# ---- point 14/22: read-only file, directory and filesystem ---------------------
# Tests run as root, for whom permission bits do not stop writes: the
# permission cases run as nobody (setpriv), which proves them for real; the
# read-only filesystem case needs a private mount namespace (unshare -m).
as_user() { if [ "$(id -u)" = 0 ]; then setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; else "$@"; fi; }
can_drop=1
if [ "$(id -u)" = 0 ] && ! command -v setpriv > /dev/null; then can_drop=0; fi
ro=$tmp/ro
mkdir "$ro"
"$bin" ingest --db "$ro/j.db" "$tmp/line.jsonl" > /dev/null || fail "ingest into ro/"
if [ "$can_drop" = 1 ]; then
	chmod 0444 "$ro/j.db"
	chmod 0555 "$ro"
	before=$(state "$ro/j.db")
	as_user "$bin" query open_orders --db "$ro/j.db" --format csv > "$tmp/out" 2> "$tmp/err" \
		|| fail "query on a read-only file in a read-only directory: $(cat "$tmp/err")"
	grep -q '^coinbase,default,TOWNS-USD,o1,' "$tmp/out" || fail "query output: $(cat "$tmp/out")"
	as_user "$bin" audit verify --db "$ro/j.db" > "$tmp/out" 2> "$tmp/err" \
		|| fail "audit on a read-only file in a read-only directory: $(cat "$tmp/err")"
	grep -qx 'ok: 1 events' "$tmp/out" || fail "audit output: $(cat "$tmp/out")"
	expect 77 "cannot write journal $ro/j.db: the file is read-only" \
		as_user "$bin" ingest --db "$ro/j.db" "$tmp/line.jsonl"
	chmod 0666 "$ro/j.db"
	expect 77 "cannot write journal $ro/j.db: directory $ro is read-only" \
		as_user "$bin" ingest --db "$ro/j.db" "$tmp/line.jsonl"
	expect 77 "cannot write journal $ro/new.db: directory $ro is read-only" \
		as_user "$bin" init --db "$ro/new.db"
	chmod 0444 "$ro/j.db"
	[ "$(state "$ro/j.db")" = "$before" ] || fail "the read-only journal changed"
	chmod 0755 "$ro"
	chmod 0644 "$ro/j.db"
else
	echo "SKIP: read-only file and directory (root without setpriv)"
fi

if [ "$(id -u)" = 0 ] && unshare -m true 2> /dev/null; then
	mkdir "$tmp/rofs"
	RO_DB=$ro/j.db RO_FS=$tmp/rofs bin=$bin unshare -m bash -c '
		set -e
		mount -t tmpfs tmpfs "$RO_FS"
		cp "$RO_DB" "$RO_FS/j.db"
		mount -o remount,ro "$RO_FS"
		"$bin" query open_orders --db "$RO_FS/j.db" --format csv | grep -q TOWNS-USD
		"$bin" audit verify --db "$RO_FS/j.db" | grep -qx "ok: 1 events"
		rc=0; "$bin" ingest --db "$RO_FS/j.db" /dev/null 2> "$RO_FS.err" || rc=$?
		[ "$rc" = 77 ] && grep -q "$RO_FS is on a read-only filesystem" "$RO_FS.err"
	' > "$tmp/rofs.out" 2>&1 || fail "read-only filesystem: $(cat "$tmp/rofs.out" "$tmp/rofs.err" 2>/dev/null)"
else
	echo "SKIP: read-only filesystem (needs root and unshare -m)"
fi

# ---- point 22: `reckon help` lists every exit code the source uses -------------
"$bin" help > "$tmp/help"
names=$(grep -rohE --include='*.c' '\bEX_[A-Z]+\b' "$src/src" | sort -u)
[ -n "$names" ] || fail "found no EX_ exit codes under $src/src (did the tree move?)"
for name in $names; do
	n=$(awk -v n="$name" '$1 == "#define" && $2 == n { print $3 }' /usr/include/sysexits.h)
	[ -n "$n" ] || fail "$name is not in sysexits.h"
	grep -Eq "^  $n  " "$tmp/help" || fail "reckon help does not list exit code $n ($name)"
done
grep -Eq "^  0   ok" "$tmp/help" || fail "reckon help does not list exit code 0"
echo "journal_open: all checks passed"
