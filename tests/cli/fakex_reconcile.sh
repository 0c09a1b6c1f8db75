#!/usr/bin/env bash
# Issue 5 acceptance: `reckon reconcile --once` with the real Coinbase and
# Binance clients against reckon-fakex on loopback fixes the demo's incidents
# with the same end state as `reckon demo` on the simulated venue; a second
# pass has nothing to do; the journal audits clean; and after the full run no
# secret is in the database, reckon's output or the fake's request log.
# Run by ctest with RECKON_BIN, RECKON_SOURCE_DIR and RECKON_BINARY_DIR set.
set -euo pipefail
. "$(dirname "$0")/lib/fakex.sh"

test_coinbase_demo_incidents_fixed() {
	rk coinbase "$db"
	[ "$rk_rc" = 0 ] || fail "coinbase pass exited $rk_rc"
	[ "$(last_run "$db" coinbase)" = "1|" ] || fail "coinbase run: $(last_run "$db" coinbase)"
	assert_coinbase_demo_end_state "$db"
	assert_actions_finished "$db" coinbase
	# Each venue action was journaled `sent` before it left, and once after.
	local n_sent n_done
	n_sent=$(q "$db" "SELECT count(*) FROM events WHERE type = 'action_update' AND venue = 'coinbase'
	                   AND json_extract(payload, '\$.status') = 'sent'")
	n_done=$(q "$db" "SELECT count(*) FROM actions WHERE venue = 'coinbase' AND status = 'succeeded'")
	[ "$n_sent" = 13 ] && [ "$n_done" = 13 ] || fail "sent events $n_sent, succeeded actions $n_done, want 13"
	# What went over the wire: six cancels (one order each), seven placements.
	fx_mutations > "$tmp/mut"
	[ "$(grep -c '/api/v3/brokerage/orders/batch_cancel' "$tmp/mut")" = 6 ] \
		&& [ "$(grep -c '"path":"/api/v3/brokerage/orders",' "$tmp/mut")" = 7 ] \
		|| fail "want 6 cancels and 7 placements: $(cat "$tmp/mut")"
}

test_binance_demo_incidents_fixed() {
	rk binance-usdm "$db"
	[ "$rk_rc" = 0 ] || fail "binance pass exited $rk_rc"
	[ "$(last_run "$db" binance-usdm)" = "1|" ] || fail "binance run: $(last_run "$db" binance-usdm)"
	assert_binance_demo_end_state "$db"
	assert_actions_finished "$db" binance-usdm
	# The gapped stop is cancelled through the algo API, as the exchange knows it.
	fx_mutations > "$tmp/mut"
	grep '"method":"DELETE","path":"/fapi/v1/algoOrder"' "$tmp/mut" | grep 'algoId=64740263&' > /dev/null \
		|| fail "the ICXUSDT stop was not cancelled through DELETE /fapi/v1/algoOrder"
	[ "$(grep -c '"method":"DELETE"' "$tmp/mut")" = 1 ] || fail "want exactly one cancel: $(cat "$tmp/mut")"
	[ "$(grep -c '"path":"/fapi/v1/order",' "$tmp/mut")" = 1 ] \
		&& grep '"path":"/fapi/v1/order",' "$tmp/mut" | grep 'symbol=ICXUSDT&side=SELL&type=MARKET&quantity=2630&' > /dev/null \
		|| fail "want one ICXUSDT market sell: $(cat "$tmp/mut")"
}

test_second_pass_has_nothing_to_do() {
	assert_second_pass_clean "$db" coinbase
	assert_second_pass_clean "$db" binance-usdm
	assert_audit_ok "$db"
}

# A refused key is reported by name, never by value, and still leaves nothing.
test_refused_credentials_name_no_secret() {
	local good=$RECKON_BINANCE_API_SECRET
	export RECKON_BINANCE_API_SECRET
	RECKON_BINANCE_API_SECRET=$(openssl rand -hex 32)
	echo "$RECKON_BINANCE_API_SECRET" > "$tmp/wrong-secret"
	rk binance-usdm "$db"
	RECKON_BINANCE_API_SECRET=$good
	[ "$rk_rc" = 69 ] || fail "a wrong secret: exit $rk_rc, want 69"
	grep -q 'signature refused: check RECKON_BINANCE_API_SECRET (Binance -1022' "$tmp/last.out" \
		|| fail "the signature refusal does not name the variable"
	[ "$(last_run "$db" binance-usdm | cut -d'|' -f1)" = 0 ] || fail "a refused pass must be incomplete"
}

test_no_secret_anywhere() {
	local pem_line f
	pem_line=$(sed -n 2p "$tmp/cb.pem")
	[ ${#pem_line} -ge 32 ] || fail "no distinctive PEM line"
	ls "$db"* > "$tmp/files"
	printf '%s\n' "$tmp/reckon.out" "$tmp/reckon.err" "$tmp/fakex.log" "$tmp/fakex.out" \
		"$tmp/fakex.err" >> "$tmp/files"
	while read -r f; do
		[ -e "$f" ] || continue
		for secret in "$RECKON_BINANCE_API_SECRET" "$RECKON_BINANCE_API_KEY" "$pem_line" \
			"$(cat "$tmp/wrong-secret")"; do
			! grep -aqF -- "$secret" "$f" || fail "a secret is in $f"
		done
		! grep -aq 'PRIVATE KEY' "$f" || fail "a private key is in $f"
		! grep -aEq 'signature=[0-9a-f]{64}' "$f" || fail "a request signature is in $f"
		! grep -aEq 'eyJ[A-Za-z0-9_-]{10,}\.eyJ' "$f" || fail "a JWT is in $f"
	done < "$tmp/files"
	# The run did write what was grepped.
	[ -s "$tmp/fakex.log" ] && [ -s "$tmp/reckon.out" ] || fail "nothing was logged"
	grep -q '"path":"/fapi/v1/algoOrder"' "$tmp/fakex.log" || fail "the fake's log lacks the cancel"
}

fx_init
"$fx" --help | grep -qF 'seed a journal:' && "$fx" --help \
	| grep -qF 'reckon-fakex --scenario demo.json --print-journal | reckon ingest --db x.db -' \
	|| fail "reckon-fakex --help does not document --print-journal"
"$bin" reconcile --help | grep -q -- '--timeout-ms N' || fail "reconcile --help lacks --timeout-ms"
fx_start
db=$tmp/journal.db
fx_seed "$db"
test_coinbase_demo_incidents_fixed
test_binance_demo_incidents_fixed
test_second_pass_has_nothing_to_do
test_refused_credentials_name_no_secret
test_no_secret_anywhere
echo "fakex_reconcile: all checks passed"
