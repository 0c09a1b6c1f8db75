#!/usr/bin/env bash
# reckon-fakex (issue 5): the fake Coinbase + Binance exchange, driven over
# HTTP with curl and openssl the way a client would: the ports line, Binance
# HMAC signing and its refusals, the algo-order split, positions, Coinbase
# JWTs (both accepted hosts), cursor pagination, cancels, a 429 fault with
# Retry-After, the price path, the request log (signature redacted, no
# secret anywhere) and a clean SIGTERM. Run by ctest with RECKON_BINARY_DIR
# and RECKON_SOURCE_DIR set.
set -euo pipefail
fx=${RECKON_BINARY_DIR:?RECKON_BINARY_DIR not set}/reckon-fakex
src=${RECKON_SOURCE_DIR:?RECKON_SOURCE_DIR not set}
if [ ! -x "$fx" ]; then
	echo "SKIP: $fx not built (libmicrohttpd-dev missing?)"
	exit 0
fi
tmp=$(mktemp -d)
pid=
cleanup() {
	if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
	rm -rf "$tmp"
}
trap cleanup EXIT
fail() { echo "FAIL: $*" >&2; [ -s "$tmp/stderr" ] && sed 's/^/fakex: /' "$tmp/stderr" >&2; exit 1; }

# --- credentials: generated here, accepted by the fake, used by "the client" --
openssl ecparam -name prime256v1 -genkey -noout 2>/dev/null | openssl pkey > "$tmp/cb.pem"
export RECKON_COINBASE_KEY_NAME="organizations/fakex-test/apiKeys/$(openssl rand -hex 8)"
export RECKON_COINBASE_PRIVATE_KEY="$(cat "$tmp/cb.pem")"
export RECKON_BINANCE_API_KEY=$(openssl rand -hex 32)
export RECKON_BINANCE_API_SECRET=$(openssl rand -hex 32)

"$fx" --help | grep -q -- '--scenario FILE' || fail "--help does not show the usage"

# --- start on free ports; the first line names them --------------------------
"$fx" --scenario "$src/scenarios/demo.json" --coinbase-port 0 --binance-port 0 \
	--log "$tmp/requests.jsonl" > "$tmp/stdout" 2> "$tmp/stderr" &
pid=$!
for _ in $(seq 100); do [ -s "$tmp/stdout" ] && break; sleep 0.1; done
line=$(head -n 1 "$tmp/stdout")
[[ "$line" =~ ^coinbase=([0-9]+)\ binance=([0-9]+)$ ]] || fail "first line is '$line'"
cb="http://127.0.0.1:${BASH_REMATCH[1]}"
cb_host="127.0.0.1:${BASH_REMATCH[1]}"
bn="http://127.0.0.1:${BASH_REMATCH[2]}"

# --- HTTP helpers: body in $tmp/body, headers in $tmp/headers, status printed -
http() { # METHOD URL [curl args...]
	local method=$1 url=$2
	shift 2
	curl -s -X "$method" -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' "$@" "$url"
}
body() { cat "$tmp/body"; }
now_ms() { echo $(($(date +%s%N) / 1000000)); }
hmac() { printf '%s' "$1" | openssl dgst -sha256 -hmac "$RECKON_BINANCE_API_SECRET" | sed 's/^.*= //'; }
bn_signed() { # METHOD PATH PARAMS -> signed query string, key header
	local q="${3:+$3&}recvWindow=5000&timestamp=$(now_ms)"
	http "$1" "$bn$2?$q&signature=$(hmac "$q")" -H "X-MBX-APIKEY: $RECKON_BINANCE_API_KEY"
}
cb_auth() { # METHOD PATH[?QUERY] [HOST] [curl args...] -> with a fresh JWT
	local method=$1 target=$2 host=${3:-api.coinbase.com}
	shift 3 || shift $#
	local jwt
	jwt=$("$fx" --make-jwt "$method" "${target%%\?*}" "$host") || fail "--make-jwt failed"
	http "$method" "$cb$target" -H "Authorization: Bearer $jwt" "$@"
}
control() { http POST "$cb/__fakex/$1" "${@:2}"; }

# --- Binance: signed endpoints refuse what the venue refuses -----------------
st=$(http GET "$bn/fapi/v1/openOrders?timestamp=$(now_ms)")
[ "$st" = 401 ] && body | grep -q '"code":-2014' || fail "no API key: $st $(body)"
st=$(http GET "$bn/fapi/v1/openOrders?timestamp=$(now_ms)" -H "X-MBX-APIKEY: wrong")
[ "$st" = 401 ] && body | grep -q '"code":-2015,"msg":"Invalid API-key, IP, or permissions for action."' \
	|| fail "wrong API key: $st $(body)"
q="timestamp=$(now_ms)"
st=$(http GET "$bn/fapi/v1/openOrders?$q&signature=$(hmac "${q}x")" -H "X-MBX-APIKEY: $RECKON_BINANCE_API_KEY")
[ "$st" = 400 ] && body | grep -q '"code":-1022,"msg":"Signature for this request is not valid."' \
	|| fail "bad signature: $st $(body)"
q="timestamp=$(($(now_ms) - 60000))&recvWindow=5000"
st=$(http GET "$bn/fapi/v1/openOrders?$q&signature=$(hmac "$q")" -H "X-MBX-APIKEY: $RECKON_BINANCE_API_KEY")
[ "$st" = 400 ] && body | grep -q '"code":-1021' || fail "stale timestamp: $st $(body)"

# --- Binance: the demo's stops are algo orders, not plain open orders --------
[ "$(bn_signed GET /fapi/v1/openOrders)" = 200 ] || fail "openOrders: $(body)"
[ "$(body)" = "[]" ] || fail "untriggered stops must not be in openOrders: $(body)"
[ "$(bn_signed GET /fapi/v1/openAlgoOrders)" = 200 ] || fail "openAlgoOrders: $(body)"
body | grep -q '"algoId":8389765904,"clientAlgoId":"qt-ATOMUSDT-sl-1763867022","algoType":"CONDITIONAL","orderType":"STOP_MARKET","symbol":"ATOMUSDT","side":"BUY"' \
	|| fail "ATOMUSDT stop missing from openAlgoOrders: $(body)"
body | grep -q '"algoId":64740263,.*"orderType":"STOP","symbol":"ICXUSDT"' \
	|| fail "ICXUSDT stop-limit missing from openAlgoOrders: $(body)"
[ "$(bn_signed POST /fapi/v1/order 'symbol=ATOMUSDT&side=BUY&type=STOP_MARKET&stopPrice=2.6&quantity=1')" = 400 ] \
	&& body | grep -q '"code":-4120' || fail "a stop on /fapi/v1/order must be -4120: $(body)"

# --- Binance: positions (v3) ------------------------------------------------
[ "$(bn_signed GET /fapi/v3/positionRisk)" = 200 ] || fail "positionRisk: $(body)"
body | grep -q '"symbol":"ATOMUSDT","positionSide":"BOTH","positionAmt":"-494.07","entryPrice":"2.529"' \
	|| fail "ATOMUSDT short of 494.07 missing: $(body)"
body | grep -q '"updateTime":[0-9]' || fail "updateTime must be a JSON number: $(body)"

# --- Coinbase: a JWT is required, for this request ---------------------------
st=$(http GET "$cb/api/v3/brokerage/orders/historical/batch?order_status=OPEN")
[ "$st" = 401 ] || fail "no JWT: $st $(body)"
jwt=$("$fx" --make-jwt GET /api/v3/brokerage/accounts)
st=$(http GET "$cb/api/v3/brokerage/orders/historical/batch" -H "Authorization: Bearer $jwt")
[ "$st" = 401 ] && grep -qi '^X-Fakex-Auth-Error: JWT refused' "$tmp/headers" \
	|| fail "a JWT for another path must be refused: $st"

# --- Coinbase: the six exit orders, page by page, for either signed host -----
ids=() cursor= host=api.coinbase.com pages=0
while :; do
	st=$(cb_auth GET "/api/v3/brokerage/orders/historical/batch?order_status=OPEN${cursor:+&cursor=$cursor}" "$host")
	[ "$st" = 200 ] || fail "orders page $pages: $st $(body)"
	ids+=($(body | grep -o '"order_id":"[^"]*"' | cut -d'"' -f4))
	pages=$((pages + 1))
	host=$cb_host # later pages sign for the base URL's host instead
	body | grep -q '"has_next":true' || break
	cursor=$(body | grep -o '"cursor":"[^"]*"' | cut -d'"' -f4)
done
[ "${#ids[@]}" = 6 ] && [ "$pages" = 3 ] || fail "want 6 open orders on 3 pages, got ${#ids[@]} on $pages"
[ "$(printf '%s\n' "${ids[@]}" | sort -u | wc -l)" = 6 ] || fail "an order listed twice: ${ids[*]}"
# Not `printf ... | grep -q` (it flaked under load): bash's printf writes
# each id separately, grep -q exits at the first (TOWNS), the next write
# dies of SIGPIPE and pipefail fails the check (tests/cli/hostile_pipefail.sh).
[[ " ${ids[*]} " == *" 3661647f-bc6f-57bc-9370-69cb15b988d9 "* ]] || fail "TOWNS exit missing: ${ids[*]}"

# --- Coinbase: batch cancel, per-order results --------------------------------
towns=3661647f-bc6f-57bc-9370-69cb15b988d9
st=$(cb_auth POST /api/v3/brokerage/orders/batch_cancel api.coinbase.com \
	-H 'Content-Type: application/json' -d "{\"order_ids\":[\"$towns\",\"no-such-order\"]}")
[ "$st" = 200 ] || fail "batch_cancel: $st $(body)"
body | grep -q "{\"success\":true,\"failure_reason\":\"UNKNOWN_CANCEL_FAILURE_REASON\",\"order_id\":\"$towns\"}" \
	|| fail "TOWNS cancel not successful: $(body)"
body | grep -q '{"success":false,"failure_reason":"UNKNOWN_CANCEL_ORDER","order_id":"no-such-order"}' \
	|| fail "unknown order not reported: $(body)"

# --- faults: a 429 with Retry-After, once ------------------------------------
[ "$(control fault -d '{"kind":"rate_limit","venue":"binance","path":"/fapi/v1/openOrders","retry_after":7}')" = 200 ] \
	|| fail "arming a fault: $(body)"
[ "$(bn_signed GET /fapi/v1/openOrders)" = 429 ] || fail "want 429, got $(body)"
grep -qi '^Retry-After: 7' "$tmp/headers" || fail "no Retry-After: $(cat "$tmp/headers")"
body | grep -q '"code":-1003' || fail "429 body: $(body)"
[ "$(bn_signed GET /fapi/v1/openOrders)" = 200 ] || fail "the fault should fire once: $(body)"
[ "$(control fault -d '{"kind":"teapot"}')" = 400 ] || fail "an unknown fault kind must be refused"

# --- the price path: the ICX stop-limit triggers and becomes a plain LIMIT ----
[ "$(control advance?steps=1)" = 200 ] || fail "advance: $(body)"
[ "$(bn_signed GET /fapi/v1/openOrders symbol=ICXUSDT)" = 200 ] || fail "openOrders: $(body)"
body | grep -q '"orderId":64740263,.*"type":"LIMIT",.*"origType":"STOP"' \
	|| fail "triggered stop-limit not working as a LIMIT: $(body)"
bn_signed GET /fapi/v1/openAlgoOrders symbol=ICXUSDT > /dev/null
[ "$(body)" = "[]" ] || fail "a triggered algo order is not open: $(body)"

# --- the request log: what was sent, signature redacted, no secret -----------
[ "$(http GET "$bn/__fakex/requests")" = 200 ] || fail "GET /__fakex/requests"
body | grep '"path":"/fapi/v1/openOrders"' | grep '"status":429,"fault":"rate_limit"' > /dev/null \
	|| fail "the 429 is not in the log"
body | grep '"path":"/fapi/v1/openOrders"' | grep 'signature=REDACTED' > /dev/null \
	|| fail "signature not redacted in the log"
body | grep -q '"path":"/api/v3/brokerage/orders/batch_cancel","query":"","body":"{' \
	|| fail "the cancel body is not in the log"
grep -q '"path":"/fapi/v3/positionRisk"' "$tmp/requests.jsonl" || fail "--log file not written"
for secret in "$RECKON_BINANCE_API_KEY" "$RECKON_BINANCE_API_SECRET" "$(sed -n 2p "$tmp/cb.pem")"; do
	! grep -qF -- "$secret" "$tmp/body" "$tmp/requests.jsonl" "$tmp/stderr" "$tmp/stdout" \
		|| fail "a secret reached the log or the output"
done
! grep -Eq 'signature=[0-9a-f]{64}' "$tmp/requests.jsonl" || fail "a raw signature in the log file"
[ "$(control reset-log)" = 200 ] && [ "$(http GET "$bn/__fakex/requests")" = 200 ] && [ ! -s "$tmp/body" ] \
	|| fail "reset-log left $(body)"

# --- SIGTERM: a clean exit 0 --------------------------------------------------
kill -TERM "$pid"
set +e
wait "$pid"
rc=$?
set -e
pid=
[ "$rc" = 0 ] || fail "exit status $rc after SIGTERM"
echo "fakex: all checks passed"
