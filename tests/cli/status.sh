#!/usr/bin/env bash
# `reckon status --config FILE [--json]` (issue 11) against a fake daemon: a
# python3 server on the config's control socket that answers with
# tests/cli/data/status.json (the document test_stats renders, so the CLI
# reads what the daemon writes) or misbehaves. Checks the readable view
# figure by figure, --json byte for byte, and exit 69 with a clear message
# for every way a daemon can fail to answer: no socket, a socket nobody
# listens on, silence (5 s timeout), an empty, cut or foreign answer.
# Config errors are 66 (no file) and 78 (invalid, naming the JSON path).
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
src=${RECKON_SOURCE_DIR:?}
doc=$src/tests/cli/data/status.json
tmp=$(mktemp -d)
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2> /dev/null && wait "$srv_pid" 2> /dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*" >&2
	[ -s "$tmp/out" ] && sed 's/^/stdout: /' "$tmp/out" >&2
	[ -s "$tmp/err" ] && sed 's/^/stderr: /' "$tmp/err" >&2
	exit 1
}

cat > "$tmp/reckon.json" << 'JSON'
{"db": "journal.db", "socket": "ingest.sock", "control": "ctl.sock",
 "venues": [{"venue": "coinbase", "base_url": "http://127.0.0.1:1"}]}
JSON
ctl=$tmp/ctl.sock

cat > "$tmp/fake.py" << 'PY'
import socket, sys, time
path, mode, doc = sys.argv[1], sys.argv[2], open(sys.argv[3], "rb").read()
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
if mode == "stale":          # a socket file nobody listens on
    s.close()
    sys.exit(0)
s.listen(8)
while True:
    c, _ = s.accept()
    if mode == "ok":
        c.sendall(doc)
    elif mode == "slow":     # the document in pieces, well within 5 s
        for i in range(0, len(doc), 700):
            c.sendall(doc[i:i + 700])
            time.sleep(0.05)
    elif mode == "partial":
        c.sendall(doc[: len(doc) // 2])
    elif mode == "garbage":
        c.sendall(b"HTTP/1.0 400 Bad Request\r\n\r\n")
    elif mode == "other_json":
        c.sendall(b'{"ok":false,"error":"line 1: field \'type\': missing"}\n')
    elif mode == "silent":
        time.sleep(30)
    c.close()
PY

serve() { # MODE: (re)start the fake daemon and wait for its socket
	[ -n "$srv_pid" ] && { kill "$srv_pid" 2> /dev/null; wait "$srv_pid" 2> /dev/null || true; }
	srv_pid=
	rm -f "$ctl"
	python3 "$tmp/fake.py" "$ctl" "$1" "$doc" &
	srv_pid=$!
	for _ in $(seq 100); do [ -S "$ctl" ] && return 0; sleep 0.05; done
	fail "fake daemon ($1) did not start"
}

expect() { # CODE PATTERN ARGS...: reckon ARGS exits CODE and prints PATTERN
	local want=$1 pattern=$2 rc=0
	shift 2
	"$bin" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "reckon $* exit $rc, want $want"
	grep -qF -- "$pattern" "$tmp/out" "$tmp/err" || fail "reckon $*: no '$pattern'"
}
has() { grep -qF -- "$1" "$tmp/out" || fail "status output lacks: $1"; }

# --- a daemon that answers ----------------------------------------------------
serve ok
expect 0 "reckon 0" status --config "$tmp/reckon.json"
has "up 1h 00m (started 2025-12-02T10:40:00.000000Z)"
has "config loaded 2025-12-02 10:50:00Z (50m 00s ago); reloads: 2 ok, 1 failed"
has "  last reload refused: venues[1].interval_s: must be a whole number from 1 to 86400"
has "ingest: 40 accepted, 3 duplicates, 2 stale, 1 rejected; 2 clients now, 5 connections, 7 commits"
has "  coinbase/default (every 30s)"
has "    last pass 2025-12-02 11:38:20Z (1m 40s ago): INCOMPLETE (fills endpoint timed out), 4 findings, 2 actions"
has "    passes: 110 complete, 5 incomplete, 1 failed; breaker ok, 3 of 100 destructive actions this hour"
has "  sim/desk \"A\"\\2?x (every 5s): a pass is running"
has "    no pass finished yet"
has "breaker TRIPPED"
has "unprotected now: 2 positions"
has "  coinbase/default TOWNS-USD since 2025-12-02 11:39:50Z (10s ago)"
has "  sim/default X-USD since 2025-12-02 10:39:10Z (1h 00m ago)"
has "unprotected time since start (all positions): 1h 00m"
has "findings since start: orphan_exchange_order 1, missing_stop 6"
has "actions since start: cancel_order sent 2, place_stop succeeded 5, place_stop failed 1"
has "protection latency: 3 fills, mean 1666.73 ms, median <= 0.25 ms, p99 > 1 s"
has "daily report: last sent 2025-12-02 07:40:00Z (4h 00m ago) for 2025-12-01 as <reckon.daily.2025-12-01.1@example.com>"
has "  1 sent since start, 3 failed attempts, FAILING: 2 in a row"
has "  last error 2025-12-02 11:39:00Z (1m 00s ago): smtp://127.0.0.1:2525: Couldn't connect to server"
has "  next attempt 2025-12-02 11:41:00Z (in 1m 00s)"
# Without a "report" section the daemon sends null: said so, not an error.
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); d["report"]=None; print(json.dumps(d))' \
	"$doc" > "$tmp/noreport.json"

# --json: the document as the daemon sent it.
expect 0 '"uptime_s":3600' status --config "$tmp/reckon.json" --json
cmp -s "$tmp/out" "$doc" || fail "--json is not the daemon's document"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/out" || fail "--json does not parse"

# An answer that arrives in pieces is read whole.
serve slow
expect 0 '"uptime_s":3600' status --config "$tmp/reckon.json" --json
cmp -s "$tmp/out" "$doc" || fail "a slow answer was not read whole"

# A daemon without a "report" section.
full=$doc
doc=$tmp/noreport.json
serve ok
expect 0 'daily report: off (no "report" section)' status --config "$tmp/reckon.json"
doc=$full

# --- no daemon answers: exit 69, saying why -------------------------------------
kill "$srv_pid"; wait "$srv_pid" 2> /dev/null || true; srv_pid=
rm -f "$ctl"
expect 69 "reckon: no daemon answers on $ctl: no such socket (is \`reckon run\` running?)" \
	status --config "$tmp/reckon.json"
[ ! -s "$tmp/out" ] || fail "something printed on stdout without a daemon"

python3 "$tmp/fake.py" "$ctl" stale "$doc"
[ -S "$ctl" ] || fail "no stale socket"
expect 69 "no daemon answers on $ctl: connection refused" status --config "$tmp/reckon.json"

for mode in partial garbage other_json; do
	serve "$mode"
	expect 69 "no daemon answers on $ctl: the answer is not a reckon status document" \
		status --config "$tmp/reckon.json" --json
	[ ! -s "$tmp/out" ] || fail "$mode: --json printed a document that is not one"
done

serve silent
start=$(date +%s%N)
expect 69 "no daemon answers on $ctl: no answer within 5 s" status --config "$tmp/reckon.json"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$ms" -ge 4900 ] && [ "$ms" -lt 9000 ] || fail "timeout after $ms ms, want about 5000"

# A daemon that closes without a word.
cat > "$tmp/empty.py" << 'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
c, _ = s.accept(); c.close()
PY
kill "$srv_pid"; wait "$srv_pid" 2> /dev/null || true; srv_pid=
rm -f "$ctl"
python3 "$tmp/empty.py" "$ctl" & srv_pid=$!
for _ in $(seq 100); do [ -S "$ctl" ] && break; sleep 0.05; done
expect 69 "no daemon answers on $ctl: the connection closed without an answer" \
	status --config "$tmp/reckon.json"

# --- usage and configuration ------------------------------------------------------
expect 64 "--config FILE is required" status
expect 64 "unexpected argument 'now'" status --config "$tmp/reckon.json" now
expect 66 "cannot read $tmp/none.json" status --config "$tmp/none.json"
echo '{"db":"j","socket":"s","venues":[{"venue":"coinbase","interval_s":0}]}' > "$tmp/bad.json"
expect 78 "$tmp/bad.json: venues[0].interval_s: must be a whole number from 1 to 86400" \
	status --config "$tmp/bad.json"
expect 0 "reckon status --config FILE [--json]" help status
"$bin" help | grep -q "^  status " || fail "status missing from reckon help"
echo "status: ok"
