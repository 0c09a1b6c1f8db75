#!/usr/bin/env bash
# Acceptance of `reckon report daily` through the real binary: the text,
# HTML and eml formats of a journal with known trades (figures equal to the
# named query's for the same day, a zone whose day differs from UTC, an
# empty day), --out, usage errors and their exit codes, and --send --config
# against a real SMTP server on loopback (tests/support/smtp_sink.py, on
# python3-aiosmtpd): sent and journaled once (a second run sends nothing),
# `audit verify` still passes; a malformed SMTP setting (78) or an
# unreachable server (69) journals nothing; the password never shows.
# Run by ctest with RECKON_BIN and RECKON_SOURCE_DIR set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
src=${RECKON_SOURCE_DIR:?RECKON_SOURCE_DIR not set}
tmp=$(mktemp -d)
sink_pid=
cleanup() {
	[ -n "$sink_pid" ] && { exec 9>&-; wait "$sink_pid" 2>/dev/null; }
	rm -rf "$tmp"
	return 0
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
py=/usr/bin/python3
db=$tmp/j.db

# BTC-USD: buy 0.5 @ 30000 (fee 15), sell 0.2 @ 31000 (+187.8), 0.1 @ 29000
# (-105.9) on the 22nd (UTC), 0.1 @ 32000 (+193.8) at 23:30Z: the 23rd in Berlin.
cat > "$tmp/in.jsonl" <<'JSON'
{"type":"fill","ts":"2025-11-21T09:00:01Z","venue":"coinbase","symbol":"BTC-USD","fill_id":"f1","order_id":"o1","side":"buy","qty":"0.5","price":"30000","fee":"15","fee_currency":"USD"}
{"type":"fill","ts":"2025-11-22T10:00:00Z","venue":"coinbase","symbol":"BTC-USD","fill_id":"f2","order_id":"o2","side":"sell","qty":"0.2","price":"31000","fee":"6.2","fee_currency":"USD"}
{"type":"fill","ts":"2025-11-22T11:00:00Z","venue":"coinbase","symbol":"BTC-USD","fill_id":"f3","order_id":"o3","side":"sell","qty":"0.1","price":"29000","fee":"2.9","fee_currency":"USD"}
{"type":"fill","ts":"2025-11-22T23:30:00Z","venue":"coinbase","symbol":"BTC-USD","fill_id":"f5","order_id":"o6","side":"sell","qty":"0.1","price":"32000","fee":"3.2","fee_currency":"USD"}
JSON
"$bin" ingest --db "$db" "$tmp/in.jsonl" > /dev/null || fail "ingest"

expect_exit() { # CODE TEXT CMD...: exit code CODE and TEXT on stderr
	local want=$1 text=$2 rc=0
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" = "$want" ] || fail "$* exited $rc, want $want: $(cat "$tmp/err")"
	grep -qF -- "$text" "$tmp/err" || fail "$*: stderr lacks '$text': $(cat "$tmp/err")"
}

# ---- the figures are the named query's -------------------------------------
q() { # the realized P&L pnl_between gives for [FROM, TO)
	"$bin" query pnl_between --db "$db" --param "from_ts=$1" --param "to_ts=$2" --format csv |
		tail -n 1 | tr -d '\r' | awk -F, '{ print $5 }'
}
utc=$(q 2025-11-22T00:00:00.000000Z 2025-11-23T00:00:00.000000Z)
berlin=$(q 2025-11-21T23:00:00.000000Z 2025-11-22T23:00:00.000000Z)
[ "$utc" = 275.7 ] || fail "pnl_between UTC: $utc"
[ "$berlin" = 81.9 ] || fail "pnl_between Berlin: $berlin"
"$bin" report daily --db "$db" --date 2025-11-22 > "$tmp/utc.txt" || fail "report"
grep -qF "Realized P&L: +$utc USD" "$tmp/utc.txt" || fail "UTC figure: $(cat "$tmp/utc.txt")"
grep -qF "Closing fills: 3 (2 won, 1 lost)" "$tmp/utc.txt" || fail "wins and losses"
"$bin" report daily --db "$db" --date 2025-11-22 --tz Europe/Berlin > "$tmp/ber.txt" || fail "report tz"
grep -qF "Realized P&L: +$berlin USD" "$tmp/ber.txt" || fail "Berlin figure: $(cat "$tmp/ber.txt")"
grep -qF "(Europe/Berlin)" "$tmp/ber.txt" || fail "zone not named"
"$bin" report daily --db "$db" --date 2025-11-26 > "$tmp/empty.txt" || fail "empty day"
grep -qF "Realized P&L: 0 (no closing fills)" "$tmp/empty.txt" || fail "empty day: $(cat "$tmp/empty.txt")"
grep -qF "Month to date (from 2025-11-01): +275.7 USD" "$tmp/empty.txt" || fail "month"

# ---- formats and --out ------------------------------------------------------
"$bin" report daily --db "$db" --date 2025-11-22 --format html --out "$tmp/r.html" || fail "html"
grep -q 'src="data:image/png;base64,' "$tmp/r.html" || fail "html without inline charts"
! grep -qiE '<script|https?://|<link' "$tmp/r.html" || fail "html loads something"
"$bin" report daily --db "$db" --date 2025-11-22 --format eml > "$tmp/r.eml" || fail "eml"
"$py" - "$tmp/r.eml" <<'PY' || fail "eml structure"
import email, email.policy, sys
m = email.message_from_bytes(open(sys.argv[1], "rb").read(), policy=email.policy.default)
types = [p.get_content_type() for p in m.walk()]
assert types == ["multipart/related", "multipart/alternative", "text/plain", "text/html",
                 "image/png", "image/png"], types
assert m["Subject"] == "reckon daily 2025-11-22: P&L +275.7 USD", m["Subject"]
PY

# ---- usage and input errors -------------------------------------------------
expect_exit 64 "unknown time zone 'Mars/Olympus'" "$bin" report daily --db "$db" --tz Mars/Olympus
expect_exit 64 "date '2025-13-01' is not a day" "$bin" report daily --db "$db" --date 2025-13-01
expect_exit 64 "unknown report 'weekly'" "$bin" report weekly --db "$db"
expect_exit 64 "unknown format 'pdf'" "$bin" report daily --db "$db" --format pdf
expect_exit 64 "--send needs --config FILE" "$bin" report daily --db "$db" --send
expect_exit 66 "no such journal" "$bin" report daily --db "$tmp/none.db"
"$bin" report --help | grep -q -- "--send" || fail "report --help"
"$bin" help | grep -q "^  report " || fail "help lists report"

# ---- sending ------------------------------------------------------------------
mkdir "$tmp/mail"
mkfifo "$tmp/sink.in"
"$py" "$src/tests/support/smtp_sink.py" --out "$tmp/mail" < "$tmp/sink.in" > "$tmp/sink.out" \
	2> "$tmp/sink.err" &
sink_pid=$!
exec 9> "$tmp/sink.in" # the sink serves until this closes
for _ in $(seq 100); do [ -s "$tmp/sink.out" ] && break; sleep 0.1; done
read -r _ port < "$tmp/sink.out" || fail "the SMTP sink did not start (python3-aiosmtpd?)"

config() { # SMTP_URL [extra JSON members of "report"]
	cat > "$tmp/reckon.json" <<EOF2
{"db": "j.db", "socket": "reckon.sock",
 "venues": [{"venue": "sim", "scenario": "none.json"}],
 "report": {"smtp_url": "$1", "from": "reckon <bot@example.com>",
            "to": ["me@example.com", "desk@example.com"], "tz": "UTC"${2:+, $2}}}
EOF2
}
sent() { sqlite3 "$db" "SELECT count(*) FROM events WHERE type = 'report_sent'"; }

config "smtp://mail.example.com:25"
expect_exit 78 "in clear" "$bin" report daily --db "$db" --date 2025-11-22 --send --config "$tmp/reckon.json"
config "smtp://127.0.0.1:1"
expect_exit 69 "smtp://127.0.0.1:1" "$bin" report daily --db "$db" --date 2025-11-22 --send --config "$tmp/reckon.json"
config "smtps://127.0.0.1:$port" '"username": "bot", "password_env": "RECKON_TEST_SMTP_PW"'
RECKON_TEST_SMTP_PW=hunter2-secret expect_exit 69 "SMTP server" \
	"$bin" report daily --db "$db" --date 2025-11-22 --send --config "$tmp/reckon.json"
! grep -q hunter2 "$tmp/err" || fail "the password was printed"
[ "$(sent)" = 0 ] || fail "a failed send was journaled"

config "smtp://127.0.0.1:$port"
"$bin" report daily --db "$db" --date 2025-11-22 --send --config "$tmp/reckon.json" > "$tmp/s1" ||
	fail "send: $(cat "$tmp/s1")"
grep -q "^sent: the daily report of 2025-11-22 as <reckon.daily.2025-11-22." "$tmp/s1" || fail "$(cat "$tmp/s1")"
[ -f "$tmp/mail/1.json" ] || fail "nothing received"
"$py" - "$tmp/mail/1.json" <<'PY' || fail "received message"
import json, sys
s = json.load(open(sys.argv[1]))
assert s["rcpt_tos"] == ["me@example.com", "desk@example.com"], s["rcpt_tos"]
assert s["headers"]["Subject"] == "reckon daily 2025-11-22: P&L +275.7 USD"
pngs = [p for p in s["parts"] if p["type"] == "image/png"]
assert len(pngs) == 2 and all(p["valid"] and p["width"] == 640 and p["height"] == 300 for p in pngs)
PY
"$bin" report daily --db "$db" --date 2025-11-22 --send --config "$tmp/reckon.json" > "$tmp/s2" || fail "second send"
grep -q "^already sent: the daily report of 2025-11-22 went out as" "$tmp/s2" || fail "$(cat "$tmp/s2")"
[ ! -f "$tmp/mail/2.json" ] || fail "sent twice"
[ "$(sent)" = 1 ] || fail "journaled $(sent) sends"
"$bin" audit verify --db "$db" --full > /dev/null || fail "audit verify after a report_sent"
echo "ok"
