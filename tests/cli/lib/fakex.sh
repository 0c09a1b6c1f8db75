# tests/cli/lib/fakex.sh — shared helpers for the scripts that run the real
# venue clients (`reckon reconcile --once --base-url ...`) against
# reckon-fakex on loopback (issue 5). Sourced, never run: the CMake glob
# registers only tests/cli/*.sh as tests.
#
#   fx_init                 checks the binaries, makes $tmp, fresh keys in the
#                           environment (both sides read the same variables)
#   fx_start [ARGS...]      starts reckon-fakex with the demo scenario on free
#                           ports (--log $tmp/fakex.log); sets cb_url, bn_url
#   fx_stop                 SIGTERM and wait (also done on exit)
#   fx_seed DB              a fresh journal holding the scenario's bot view
#   rk VENUE DB [ARGS...]   one reconcile pass; exit status in $rk_rc, its
#                           stdout in $tmp/last.out (every run is also appended
#                           to $tmp/reckon.out / reckon.err)
#   fx_fault JSON           arms HTTP faults (POST /__fakex/fault)
#   fx_requests             the fake's request log -> $tmp/requests.jsonl
#   fx_mutations            its placements and cancels (POST/DELETE lines)
#   fx_state                GET /__fakex/state -> $tmp/state.json
#   fx_orders VENUE SQL_WHERE   order_id|status of the fake's orders matching
#   q DB SQL                sqlite3 on a journal
#   bn_signed METHOD PATH [PARAMS]   a signed Binance request, as another client
#                           of the account would send it (body in $tmp/body)
#   orders_of DB            every journaled order and its status, one a line
#   fx_case NAME            a fresh exchange and journal ($db) for one case
#   assert_incomplete_and_harmless, assert_clean_pass_fixes   listing faults
#   assert_*                the demo's end state, as tests/cli/demo.sh checks it
#
# Everything is cleaned up on exit; a failure prints the context and exits 1.

bin=${RECKON_BIN:?RECKON_BIN not set}
src=${RECKON_SOURCE_DIR:?RECKON_SOURCE_DIR not set}
fx=${RECKON_BINARY_DIR:?RECKON_BINARY_DIR not set}/reckon-fakex
tmp=
fx_pid=
bg_pid= # a reckon started in the background by a test (killed on exit)

fail() {
	echo "FAIL: $*" >&2
	if [ -n "$tmp" ]; then
		[ -s "$tmp/last.out" ] && sed 's/^/reckon: /' "$tmp/last.out" | tail -40 >&2
		[ -s "$tmp/last.err" ] && sed 's/^/reckon stderr: /' "$tmp/last.err" | tail -20 >&2
		[ -s "$tmp/fakex.err" ] && sed 's/^/fakex: /' "$tmp/fakex.err" | tail -20 >&2
	fi
	exit 1
}

fx_cleanup() {
	if [ -n "$bg_pid" ]; then
		kill -KILL "$bg_pid" 2>/dev/null || true
		wait "$bg_pid" 2>/dev/null || true
	fi
	fx_stop
	[ -n "$tmp" ] && rm -rf "$tmp"
	return 0
}

# The fake exchange is built whenever libmicrohttpd is installed: a missing
# binary is a skip only when the library really is absent.
fx_require() {
	[ -x "$fx" ] && return 0
	if pkg-config --exists libmicrohttpd 2>/dev/null || [ -e /usr/include/microhttpd.h ]; then
		echo "FAIL: $fx not built although libmicrohttpd is installed" >&2
		exit 1
	fi
	echo "SKIP: $fx not built: libmicrohttpd (libmicrohttpd-dev) is not installed"
	exit 0
}

fx_init() {
	fx_require
	for tool in sqlite3 openssl curl; do
		command -v "$tool" > /dev/null || fail "$tool is needed by this test"
	done
	tmp=$(mktemp -d)
	trap fx_cleanup EXIT
	openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkey > "$tmp/cb.pem"
	RECKON_COINBASE_KEY_NAME="organizations/fakex-it/apiKeys/$(openssl rand -hex 8)"
	RECKON_COINBASE_PRIVATE_KEY=$(cat "$tmp/cb.pem")
	RECKON_BINANCE_API_KEY=$(openssl rand -hex 32)
	RECKON_BINANCE_API_SECRET=$(openssl rand -hex 32)
	export RECKON_COINBASE_KEY_NAME RECKON_COINBASE_PRIVATE_KEY RECKON_BINANCE_API_KEY \
		RECKON_BINANCE_API_SECRET
}

fx_start() {
	fx_stop
	: > "$tmp/fakex.out"
	"$fx" --scenario "$src/scenarios/demo.json" --coinbase-port 0 --binance-port 0 \
		--log "$tmp/fakex.log" "$@" > "$tmp/fakex.out" 2>> "$tmp/fakex.err" &
	fx_pid=$!
	local line=
	for _ in $(seq 200); do
		line=$(head -n 1 "$tmp/fakex.out")
		[ -n "$line" ] && break
		kill -0 "$fx_pid" 2>/dev/null || fail "reckon-fakex exited at start"
		sleep 0.05
	done
	[[ "$line" =~ ^coinbase=([0-9]+)\ binance=([0-9]+)$ ]] || fail "fakex ports line is '$line'"
	cb_url="http://127.0.0.1:${BASH_REMATCH[1]}"
	bn_url="http://127.0.0.1:${BASH_REMATCH[2]}"
}

fx_stop() {
	if [ -n "$fx_pid" ]; then
		kill "$fx_pid" 2>/dev/null || true
		wait "$fx_pid" 2>/dev/null || true
		fx_pid=
	fi
}

q() { sqlite3 "$1" "$2"; }

# As reckon-fakex --help documents it.
fx_seed() {
	rm -f "$1" "$1-wal" "$1-shm"
	"$fx" --scenario "$src/scenarios/demo.json" --print-journal | "$bin" ingest --db "$1" - \
		> "$tmp/ingest.out" 2>&1 || fail "seeding the journal: $(cat "$tmp/ingest.out")"
	grep -q '^accepted 28, duplicates 0, stale 0, rejected 0$' "$tmp/ingest.out" \
		|| fail "seed: $(cat "$tmp/ingest.out")"
}

venue_url() { if [ "$1" = coinbase ]; then echo "$cb_url"; else echo "$bn_url"; fi; }

# rk VENUE DB [ARGS...]: never fails by itself; the caller checks $rk_rc.
rk() {
	local venue=$1 db=$2
	shift 2
	rk_rc=0
	"$bin" reconcile --once --venue "$venue" --base-url "$(venue_url "$venue")" --db "$db" "$@" \
		> "$tmp/last.out" 2> "$tmp/last.err" || rk_rc=$?
	cat "$tmp/last.out" >> "$tmp/reckon.out"
	cat "$tmp/last.err" >> "$tmp/reckon.err"
}

# ctl METHOD PATH [curl args...]: the control API; body in $tmp/body.
ctl() {
	local method=$1 path=$2
	shift 2
	curl -s -X "$method" -o "$tmp/body" -w '%{http_code}' "$@" "$cb_url/__fakex/$path"
}

fx_fault() {
	[ "$(ctl POST fault -d "$1")" = 200 ] || fail "arming $1: $(cat "$tmp/body")"
}

fx_faults_clear() {
	[ "$(ctl POST faults/clear)" = 200 ] || fail "faults/clear: $(cat "$tmp/body")"
}

fx_requests() {
	[ "$(ctl GET requests)" = 200 ] || fail "GET /__fakex/requests"
	cp "$tmp/body" "$tmp/requests.jsonl"
}

fx_log_reset() {
	[ "$(ctl POST reset-log)" = 200 ] || fail "reset-log"
}

# The requests that change the exchange: placements and cancels.
fx_mutations() {
	fx_requests
	grep -E '"method":"(POST|DELETE|PUT)"' "$tmp/requests.jsonl" || true
}

fx_state() {
	[ "$(ctl GET state)" = 200 ] || fail "GET /__fakex/state"
	cp "$tmp/body" "$tmp/state.json"
}

# fx_orders VENUE WHERE: "order_id|client_order_id|status" of the fake's
# orders (GET /__fakex/state) matching an SQL condition over the columns
# order_id, client_order_id, symbol, side, order_type, status, qty.
fx_orders() {
	fx_state
	sqlite3 :memory: "WITH o AS (SELECT json_extract(value, '\$.order_id') AS order_id,
	    json_extract(value, '\$.client_order_id') AS client_order_id,
	    json_extract(value, '\$.symbol') AS symbol, json_extract(value, '\$.side') AS side,
	    json_extract(value, '\$.order_type') AS order_type,
	    json_extract(value, '\$.status') AS status, json_extract(value, '\$.qty') AS qty
	  FROM json_each(readfile('$tmp/state.json'), '\$.\"$1\".orders'))
	  SELECT order_id || '|' || ifnull(client_order_id, '') || '|' || status FROM o WHERE $2"
}

# The fake's position (or spot balance) quantity of SYMBOL / ASSET.
fx_position() {
	fx_state
	sqlite3 :memory: "SELECT json_extract(value, '\$.qty') FROM
	  json_each(readfile('$tmp/state.json'), '\$.\"binance-usdm\".positions')
	  WHERE json_extract(value, '\$.symbol') = '$1'"
}

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# bn_signed METHOD PATH [PARAMS]: status printed, body in $tmp/body.
bn_signed() {
	local q sig
	q="${3:+$3&}recvWindow=5000&timestamp=$(now_ms)"
	sig=$(printf '%s' "$q" | openssl dgst -sha256 -hmac "$RECKON_BINANCE_API_SECRET" | sed 's/^.*= //')
	curl -s -X "$1" -o "$tmp/body" -w '%{http_code}' -H "X-MBX-APIKEY: $RECKON_BINANCE_API_KEY" \
		"$bn_url$2?$q&signature=$sig"
}

orders_of() { q "$1" "SELECT venue, order_id, status FROM orders ORDER BY venue, order_id"; }

# The latest run of VENUE: "complete|reason".
last_run() {
	q "$1" "SELECT complete || '|' || ifnull(reason, '') FROM recon_runs
	        WHERE venue = '$2' ORDER BY id DESC LIMIT 1"
}

# ---- one fault case ----------------------------------------------------------

# fx_case NAME: a fresh exchange and journal ($db) for one case, with the
# journal's orders and the exchange's state noted for assert_harmless.
fx_case() {
	fx_start
	db=$tmp/$1.db
	fx_seed "$db"
	orders_of "$db" > "$tmp/orders.before"
	fx_state
	cp "$tmp/state.json" "$tmp/state.before"
}

# assert_incomplete_and_harmless VENUE WANT: the faulted pass exited 69 and
# was journaled incomplete with a reason containing WANT; it ran no action,
# sent no cancel or placement, changed no local order, and left the exchange
# as it was.
assert_incomplete_and_harmless() {
	local venue=$1 want=$2 run
	[ "$rk_rc" = 69 ] || fail "faulted pass exited $rk_rc, want 69"
	run=$(last_run "$db" "$venue")
	[[ "$run" == "0|"* ]] || fail "faulted pass journaled complete: $run"
	[[ "$run" == *"$want"* ]] || fail "reason '$run' does not mention '$want'"
	grep -q 'snapshot INCOMPLETE.*no destructive action taken' "$tmp/last.out" || fail "report"
	[ "$(q "$db" "SELECT count(*) FROM actions WHERE venue = '$venue'
	               AND status NOT IN ('skipped', 'dry_run')")" = 0 ] \
		|| fail "actions ran on an incomplete snapshot"
	[ -z "$(fx_mutations)" ] || fail "a cancel or placement was sent: $(fx_mutations)"
	orders_of "$db" | diff "$tmp/orders.before" - > /dev/null || fail "a local order changed"
	fx_state
	cmp -s "$tmp/state.before" "$tmp/state.json" || fail "the exchange's state changed"
}

# assert_clean_pass_fixes VENUE [ARGS...]: with the faults gone, the next pass
# fixes every incident, reaching the demo's end state.
assert_clean_pass_fixes() {
	local venue=$1
	shift
	fx_faults_clear
	rk "$venue" "$db" "$@"
	[ "$rk_rc" = 0 ] || fail "clean pass after the fault exited $rk_rc"
	[ "$(last_run "$db" "$venue")" = "1|" ] || fail "clean pass: $(last_run "$db" "$venue")"
	if [ "$venue" = coinbase ]; then
		assert_coinbase_demo_end_state "$db"
	else
		assert_binance_demo_end_state "$db"
	fi
	assert_actions_finished "$db" "$venue"
}

# ---- the demo's end state (tests/cli/demo.sh), per venue -------------------

# Every non-dust position on VENUE has exactly one open stop_loss covering it.
assert_protected() {
	local db=$1 venue=$2 want=$3
	"$bin" query protection --db "$db" --format csv | tr -d '\r' > "$tmp/prot.csv" \
		|| fail "query protection"
	grep "^$venue," "$tmp/prot.csv" | grep UNPROTECTED > /dev/null \
		&& fail "unprotected positions: $(grep UNPROTECTED "$tmp/prot.csv")"
	[ "$(grep -c "^$venue,.*,protected$" "$tmp/prot.csv")" -eq "$want" ] \
		|| fail "want $want protected positions on $venue: $(cat "$tmp/prot.csv")"
	local bad
	bad=$(q "$db" "SELECT p.symbol FROM positions p WHERE p.venue = '$venue' AND p.qty <> '0'
	  AND p.symbol <> 'UNFI-USD' AND
	  (SELECT count(*) FROM orders o WHERE o.venue = p.venue AND o.symbol = p.symbol
	     AND o.status IN ('open','partially_filled') AND o.purpose = 'stop_loss'
	     AND o.qty = ltrim(p.qty, '-')) <> 1")
	[ -z "$bad" ] || fail "positions on $venue without exactly one covering stop: $bad"
}

# A second pass on VENUE plans nothing.
assert_second_pass_clean() {
	local db=$1 venue=$2
	rk "$venue" "$db"
	[ "$rk_rc" = 0 ] || fail "second $venue pass exited $rk_rc"
	[ "$(last_run "$db" "$venue" | cut -d'|' -f1)" = 1 ] || fail "second $venue pass incomplete"
	local n
	n=$(q "$db" "SELECT count(*) FROM actions WHERE run_id = (SELECT max(id) FROM recon_runs
	              WHERE venue = '$venue')")
	[ "$n" = 0 ] || fail "the second $venue pass still had $n actions"
	grep -q 'actions: none' "$tmp/last.out" || fail "second $venue pass report"
}

assert_audit_ok() {
	"$bin" audit verify --db "$1" > "$tmp/audit.out" 2>&1 || fail "audit verify: $(cat "$tmp/audit.out")"
	grep -q '^ok: ' "$tmp/audit.out" || fail "audit verify: $(cat "$tmp/audit.out")"
}

# Every action reached a verified end, journaled before (sent) and after.
assert_actions_finished() {
	local db=$1 venue=$2
	local left
	left=$(q "$db" "SELECT id || ' ' || kind || ' ' || symbol || ' ' || status FROM actions
	                 WHERE venue = '$venue' AND status NOT IN ('succeeded', 'skipped')")
	[ -z "$left" ] || fail "unfinished $venue actions: $left"
}

assert_coinbase_demo_end_state() {
	local db=$1 s st ok
	assert_protected "$db" coinbase 7
	grep -q '^coinbase,default,UNFI-USD,.*,dust$' "$tmp/prot.csv" || fail "UNFI should be dust"
	# The six blocking SELL orders: cancelled, each on its own verified result.
	for s in TOWNS ELA CLANKER ZORA UNI TRUST; do
		st=$(q "$db" "SELECT status FROM orders WHERE venue='coinbase' AND symbol='$s-USD'
		               AND side='sell' AND order_type='limit'")
		[ "$st" = cancelled ] || fail "$s limit sell is '$st', want cancelled"
		ok=$(q "$db" "SELECT count(*) FROM actions a JOIN orders o ON o.order_id = a.order_id
		      WHERE a.kind='cancel_order' AND a.status='succeeded' AND o.symbol='$s-USD'
		        AND json_extract(a.response, '\$.outcome') = 'ok'")
		[ "$ok" = 1 ] || fail "$s cancel not verified by the venue's per-order result"
	done
	# And on the exchange itself: exactly one open order per protected coin, a stop.
	[ "$(fx_orders coinbase "status = 'open' AND order_type = 'limit'")" = "" ] \
		|| fail "exit orders still open on the fake exchange"
	[ "$(fx_orders coinbase "status = 'open'" | wc -l)" = 7 ] \
		&& [ "$(fx_orders coinbase "status = 'open' AND side = 'sell'
		          AND order_type IN ('stop_limit', 'stop_market', 'bracket')" | wc -l)" = 7 ] \
		|| fail "want 7 open stops on the fake exchange: $(fx_orders coinbase "status = 'open'")"
	assert_same_as_demo "$db" coinbase
}

assert_binance_demo_end_state() {
	local db=$1
	assert_protected "$db" binance-usdm 1
	# The ATOMUSDT stop is the same order as before: open in the journal under
	# the bot's id, never cancelled, still open on the exchange.
	[ "$(q "$db" "SELECT status || ' ' || purpose FROM orders WHERE order_id='8389765904'")" \
		= "open stop_loss" ] || fail "ATOMUSDT stop not preserved in the journal"
	[ "$(q "$db" "SELECT count(*) FROM actions WHERE symbol='ATOMUSDT'")" = 0 ] \
		|| fail "an action touched ATOMUSDT"
	fx_requests
	grep '"method":"DELETE"' "$tmp/requests.jsonl" | grep '8389765904' > /dev/null \
		&& fail "a cancel was sent for the ATOMUSDT stop"
	[ "$(fx_orders binance-usdm "order_id = '8389765904'")" = \
		"8389765904|qt-ATOMUSDT-sl-1763867022|open" ] || fail "ATOMUSDT stop not open on the fake"
	# ICXUSDT: emergency close succeeded, flat in the journal and on the exchange,
	# its gapped stop cancelled (under the bot's id too).
	[ "$(q "$db" "SELECT count(*) FROM actions WHERE symbol='ICXUSDT' AND kind='emergency_close'
	               AND status='succeeded'")" = 1 ] || fail "ICXUSDT emergency close"
	[ "$(q "$db" "SELECT qty FROM positions WHERE venue='binance-usdm' AND symbol='ICXUSDT'")" = 0 ] \
		|| fail "ICXUSDT not flat in the journal"
	[ "$(fx_position ICXUSDT)" = 0 ] || fail "ICXUSDT not flat on the fake: $(fx_position ICXUSDT)"
	[ "$(q "$db" "SELECT count(*) FROM orders WHERE venue='binance-usdm' AND symbol='ICXUSDT'
	               AND status IN ('open','partially_filled')")" = 0 ] \
		|| fail "an ICXUSDT order is still open in the journal"
	[ "$(fx_orders binance-usdm "symbol = 'ICXUSDT' AND status IN ('open','partially_filled')")" = "" ] \
		|| fail "an ICXUSDT order is still open on the fake"
	assert_same_as_demo "$db" binance-usdm
}

# The same end state as `reckon demo` on the simulated venue: VENUE's lines of
# the protection, open_positions and open_orders reports are identical (order
# timestamps aside: the sim's clock is the scenario's, the fake's is real).
# With --ignore-ids the exchange's order ids are left out too (after a fault,
# stops are placed in another order and numbered differently). Client order
# ids reckon derived ("rk-...") mix in each journal's random identity, so two
# journals never share one: they are compared as "rk-*"; the bot's own client
# order ids still have to match.
assert_same_as_demo() {
	local db=$1 venue=$2 ignore_ids=${3:-} name which from
	if [ ! -s "$tmp/demo.db" ]; then
		"$bin" demo --db "$tmp/demo.db" > "$tmp/demo.out" 2>&1 || fail "reckon demo: $(tail "$tmp/demo.out")"
	fi
	for name in protection open_positions open_orders; do
		for which in demo fakex; do
			from=$db
			[ "$which" = demo ] && from=$tmp/demo.db
			"$bin" query "$name" --db "$from" --param venue="$venue" --format csv > "$tmp/$which.raw" \
				|| fail "query $name"
			# protection: stop_order_ids is column 7; open_orders: order_id is
			# column 4, the last two are timestamps.
			tr -d '\r' < "$tmp/$which.raw" | awk -F, -v OFS=, -v name="$name" -v ign="$ignore_ids" '
				name == "open_orders" { NF -= 2; if (ign != "") $4 = ""; if ($5 ~ /^rk-/) $5 = "rk-*" }
				name == "protection" && ign != "" { $7 = "" }
				{ print }' > "$tmp/$which.$name.csv"
		done
		[ "$(wc -l < "$tmp/demo.$name.csv")" -gt 1 ] || fail "the demo's $name on $venue is empty"
		diff "$tmp/demo.$name.csv" "$tmp/fakex.$name.csv" > "$tmp/diff" \
			|| fail "$venue $name differs from the sim demo's end state: $(cat "$tmp/diff")"
	done
}
