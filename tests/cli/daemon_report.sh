#!/usr/bin/env bash
# `reckon run` sends the daily report (issue 13, "Sending", last bullet),
# against a real SMTP server on loopback (aiosmtpd, tests/support/smtp_sink.py's
# handler) with a sim venue and daily_at 00:00 UTC, so yesterday's report is
# due at once:
#  1. it arrives once, the journal has one report_sent, status and /metrics
#     say so; a restarted daemon sends nothing more;
#  2. on a fresh journal with a server that accepts the connection and never
#     answers, the daemon keeps acknowledging ingest lines and answering
#     status while the send hangs; the server gone, the failure is logged,
#     counted (status, reckon status, /metrics), nothing journaled, retried
#     with a doubling backoff (first step 1 s: RECKON_TEST_REPORT_RETRY_S);
#     a server up again on that port gets it on a retry, once;
#  3. SIGHUP without the "report" section stops the mailer, with it starts
#     it again (nothing sent twice).
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
src=${RECKON_SOURCE_DIR:?RECKON_SOURCE_DIR not set}
tmp=$(mktemp -d)
bg_pid=
srv_pid=
fail() { echo "FAIL: $*" >&2; exit 1; }
cleanup() {
	[ -n "$bg_pid" ] && { kill -KILL "$bg_pid" 2> /dev/null; wait "$bg_pid" 2> /dev/null; }
	[ -n "$srv_pid" ] && { exec 9>&-; wait "$srv_pid" 2> /dev/null; }
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT
q() { sqlite3 "$1" "$2"; }
assert_audit_ok() {
	"$bin" audit verify --db "$1" > "$tmp/audit.out" 2>&1 || fail "audit verify: $(cat "$tmp/audit.out")"
	grep -q '^ok: ' "$tmp/audit.out" || fail "audit verify: $(cat "$tmp/audit.out")"
}
source "$(dirname "$0")/lib/daemon.sh"
cd "$tmp"

yesterday=$(date -u -d yesterday +%F)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mport=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

# server MODE DIR: on $port until fd 9 closes. MODE sink: smtp_sink.py's
# handler (DIR/N.json per message); MODE hang: accepts, never says a word
# (prints ACCEPTED per connection).
server() {
	rm -f "$tmp/srv.in" "$tmp/srv.out"
	mkfifo "$tmp/srv.in"
	cat > "$tmp/server.py" <<'PY'
import socket, sys, threading
mode, out, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
sys.path.insert(0, sys.argv[4])
if mode == "sink":
    import smtp_sink
    from aiosmtpd.controller import Controller
    c = Controller(smtp_sink.Handler(out), hostname="127.0.0.1", port=port)
    c.start()
    print("PORT %d" % port, flush=True)
    sys.stdin.read()
    c.stop()
else:
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(8)
    held = []
    def accept():
        while True:
            c, _ = s.accept()
            held.append(c)
            print("ACCEPTED", flush=True)
    threading.Thread(target=accept, daemon=True).start()
    print("PORT %d" % port, flush=True)
    sys.stdin.read()
PY
	/usr/bin/python3 "$tmp/server.py" "$1" "$2" "$port" "$src/tests/support" < "$tmp/srv.in" \
		> "$tmp/srv.out" 2> "$tmp/srv.err" &
	srv_pid=$!
	exec 9> "$tmp/srv.in"
	for _ in $(seq 100); do grep -q '^PORT' "$tmp/srv.out" 2> /dev/null && return 0; sleep 0.1; done
	fail "the $1 server did not start: $(cat "$tmp/srv.err")"
}
server_stop() { exec 9>&-; wait "$srv_pid" 2> /dev/null || true; srv_pid=; }

config() { # DB
	cat > "$tmp/reckon.json" <<EOF
{"db": "$1", "socket": "r.sock",
 "venues": [{"venue": "sim", "scenario": "$src/scenarios/demo.json", "interval_s": 3600}],
 "metrics": {"listen": "127.0.0.1:$mport"},
 "report": {"smtp_url": "smtp://127.0.0.1:$port", "from": "reckon <bot@example.com>",
            "to": ["me@example.com", "desk@example.com"], "daily_at": "00:00", "tz": "UTC"}}
EOF
}
sent() { q "$1" "SELECT count(*) FROM events WHERE type = 'report_sent'"; }
status() { dmc status "$tmp/r.sock.ctl" > "$tmp/status.json" || fail "no status"; }
st() { # a field of the status document's "report", as JSON
	python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["report"]
for k in filter(None, sys.argv[2].split(".")): d = d[k] if d is not None else None
print(json.dumps(d))' "$tmp/status.json" "$1"
}
metric() { curl -sf "http://127.0.0.1:$mport/metrics" | grep "^$1 " | cut -d' ' -f2; }

# ---- 1. sent once, at once; a restart sends nothing more ------------------------
mkdir "$tmp/mail1"
server sink "$tmp/mail1"
config j.db
dm_start "$tmp/reckon.json" "$tmp/run1.err" 9>&- # the server reads until the test alone closes fd 9
grep -q 'event=started .*report=daily' "$tmp/run1.err" || fail "start line: $(grep started "$tmp/run1.err")"
dm_wait "$tmp/run1.err" "event=report_sent date=$yesterday message_id=\"?<reckon.daily.$yesterday." 20
for _ in $(seq 50); do [ -f "$tmp/mail1/1.json" ] && break; sleep 0.1; done
[ -f "$tmp/mail1/1.json" ] || fail "the report did not arrive"
python3 - "$tmp/mail1/1.json" "$yesterday" <<'PY' || fail "the message received"
import json, sys
s, day = json.load(open(sys.argv[1])), sys.argv[2]
assert s["rcpt_tos"] == ["me@example.com", "desk@example.com"], s["rcpt_tos"]
assert s["headers"]["Subject"].startswith("reckon daily %s: P&L " % day), s["headers"]["Subject"]
assert [p["type"] for p in s["parts"]] == ["multipart/related", "multipart/alternative", "text/plain",
    "text/html", "image/png", "image/png"], s["parts"]
assert all(p["valid"] for p in s["parts"] if p["type"] == "image/png")
PY
[ "$(sent j.db)" = 1 ] || fail "journaled $(sent j.db) report_sent, want 1"
msgid=$(q j.db "SELECT json_extract(payload, '\$.message_id') FROM events WHERE type = 'report_sent'")
python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["headers"]; assert h["Message-ID"] == sys.argv[2], h' \
	"$tmp/mail1/1.json" "$msgid" || fail "the journal's Message-ID is not the mail's ($msgid)"
status
[ "$(st last_sent.date)" = "\"$yesterday\"" ] || fail "status last_sent: $(cat "$tmp/status.json")"
[ "$(st last_sent.message_id)" = "\"$msgid\"" ] || fail "status message id: $(st last_sent)"
[ "$(st sent)" = 1 ] && [ "$(st consecutive_failures)" = 0 ] && [ "$(st last_error)" = null ] \
	|| fail "status report: $(st '')"
[ "$(st next_attempt)" != null ] || fail "no next attempt: $(st '')"
[ "$(metric reckon_reports_sent_total)" = 1 ] || fail "metrics: $(curl -sf "http://127.0.0.1:$mport/metrics" | grep report)"
[ "$(metric reckon_report_failures_total)" = 0 ] || fail "failures metric"
"$bin" status --config "$tmp/reckon.json" > "$tmp/status.txt" || fail "reckon status"
grep -q "^daily report: last sent .* for $yesterday as $msgid" "$tmp/status.txt" || fail "$(cat "$tmp/status.txt")"
grep -q "^  1 sent since start, 0 failed attempts$" "$tmp/status.txt" || fail "$(cat "$tmp/status.txt")"
dm_stop

dm_start "$tmp/reckon.json" "$tmp/run2.err" 9>&-
dm_wait "$tmp/run2.err" "event=report_waiting last_sent=$yesterday next_attempt=" 20
status
[ "$(st sent)" = 0 ] && [ "$(st last_sent.date)" = "\"$yesterday\"" ] || fail "after restart: $(st '')"
dm_stop
[ ! -f "$tmp/mail1/2.json" ] || fail "a restarted daemon sent the report again"
[ "$(sent j.db)" = 1 ] || fail "journaled $(sent j.db) report_sent after the restart"
grep -q 'event=report_sent' "$tmp/run2.err" && fail "report_sent logged after the restart"
assert_audit_ok j.db
server_stop

# ---- 2. a server that hangs, then none, then one: retried, sent once -----------
server hang "$tmp/none"
config j2.db
RECKON_TEST_REPORT_RETRY_S=1 dm_start "$tmp/reckon.json" "$tmp/run3.err" 9>&-
for _ in $(seq 100); do grep -q ACCEPTED "$tmp/srv.out" && break; sleep 0.1; done
grep -q ACCEPTED "$tmp/srv.out" || fail "the mailer never connected"
# The send hangs in its SMTP greeting: the loop still acknowledges and answers.
printf '%s\n' \
	'{"type":"order","ts":"2025-11-22T10:00:00Z","venue":"coinbase","symbol":"K1-USD","order_id":"k1","side":"buy","order_type":"limit","qty":"2","price":"3","status":"open"}' \
	'{"type":"order","ts":"2025-11-22T10:00:01Z","venue":"coinbase","symbol":"K2-USD","order_id":"k2","side":"buy","order_type":"limit","qty":"2","price":"3","status":"open"}' \
	> "$tmp/lines"
start_ms=$(date +%s%3N)
timeout 5 python3 "$src/tests/cli/lib/daemon_client.py" send "$tmp/r.sock" "$tmp/lines" > "$tmp/replies" \
	|| fail "ingest blocked while the report was being sent"
[ "$(grep -c '"ok":true' "$tmp/replies")" = 2 ] || fail "replies: $(cat "$tmp/replies")"
status
took=$(( $(date +%s%3N) - start_ms ))
[ "$took" -lt 10000 ] || fail "ingest and status took $took ms while the send hung"
grep -q 'event=report_' "$tmp/run3.err" && fail "the hanging send finished: $(grep report_ "$tmp/run3.err")"
server_stop # the connection drops: the attempt fails
dm_wait "$tmp/run3.err" "event=report_failed date=$yesterday .*consecutive_failures=1 retry_in_s=1" 20
dm_wait "$tmp/run3.err" "event=report_failed .*consecutive_failures=2 retry_in_s=2" 20
status
[ "$(st sent)" = 0 ] && [ "$(st last_sent)" = null ] || fail "status: $(st '')"
[ "$(st last_error)" != null ] && [ "$(st next_attempt)" != null ] || fail "status: $(st '')"
fails=$(st consecutive_failures)
[ "$fails" -ge 2 ] || fail "consecutive failures $fails"
[ "$(metric reckon_report_consecutive_failures)" -ge 2 ] || fail "consecutive failures metric"
[ "$(metric reckon_report_failures_total)" -ge 2 ] || fail "failures metric"
"$bin" status --config "$tmp/reckon.json" > "$tmp/status.txt" || fail "reckon status"
grep -q "^daily report: none sent yet" "$tmp/status.txt" && grep -q "FAILING: [0-9]* in a row" "$tmp/status.txt" \
	&& grep -q "^  last error .*127.0.0.1" "$tmp/status.txt" || fail "$(cat "$tmp/status.txt")"
[ "$(sent j2.db)" = 0 ] || fail "a failed send was journaled"
timeout 5 python3 "$src/tests/cli/lib/daemon_client.py" send "$tmp/r.sock" "$tmp/lines" > "$tmp/replies" \
	|| fail "ingest blocked while the report was failing"
[ "$(grep -c '"duplicate":true' "$tmp/replies")" = 2 ] || fail "replies: $(cat "$tmp/replies")"

mkdir "$tmp/mail2"
server sink "$tmp/mail2"
dm_wait "$tmp/run3.err" "event=report_sent date=$yesterday " 30
for _ in $(seq 50); do [ -f "$tmp/mail2/1.json" ] && break; sleep 0.1; done
[ -f "$tmp/mail2/1.json" ] || fail "the retried report did not arrive"
status
[ "$(st sent)" = 1 ] && [ "$(st consecutive_failures)" = 0 ] && [ "$(st last_error)" = null ] \
	|| fail "status after the retry: $(st '')"
[ "$(metric reckon_report_consecutive_failures)" = 0 ] || fail "consecutive failures metric after success"
[ "$(sent j2.db)" = 1 ] || fail "journaled $(sent j2.db) report_sent"
sleep 2 # longer than the first backoff steps: no second send
[ ! -f "$tmp/mail2/2.json" ] || fail "sent twice"

# ---- 3. SIGHUP: the "report" section removed stops the mailer, added starts it --
cp "$tmp/reckon.json" "$tmp/with-report.json"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1])); del c["report"]; json.dump(c, open(sys.argv[1], "w"))' \
	"$tmp/reckon.json"
kill -HUP "$bg_pid"
dm_wait "$tmp/run3.err" 'event=report_mailer_stopped'
status
[ "$(st '')" = null ] || fail "report after its removal: $(st '')"
waits=$(dm_count "$tmp/run3.err" "event=report_waiting last_sent=$yesterday")
cp "$tmp/with-report.json" "$tmp/reckon.json"
kill -HUP "$bg_pid"
for _ in $(seq 200); do
	[ "$(dm_count "$tmp/run3.err" "event=report_waiting last_sent=$yesterday")" -gt "$waits" ] && break
	sleep 0.05
done
[ "$(dm_count "$tmp/run3.err" "event=report_waiting last_sent=$yesterday")" -gt "$waits" ] \
	|| fail "the mailer did not start again: $(tail -5 "$tmp/run3.err")"
status
[ "$(st last_sent.date)" = "\"$yesterday\"" ] && [ "$(st sent)" = 1 ] || fail "after the reload: $(st '')"
[ ! -f "$tmp/mail2/2.json" ] || fail "sent again after the reload"
dm_stop
assert_audit_ok j2.db
echo "daemon_report: all checks passed (ingest and status in $took ms while the send hung)"
