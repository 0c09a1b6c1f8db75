#!/usr/bin/env bash
# Hostile: the disk fills up during a pass. The journal lives on a small
# tmpfs (a private mount namespace, `unshare -m`; skipped where that is not
# allowed) filled up to FREE bytes, for a range of FREE, so the pass runs out
# of space at a different write each time (its run, its plan, an action's
# `sent`, an answer). Whatever the pass managed:
#   - nothing reached the exchange without its `sent` row committed first:
#     every placement's client order id and every cancelled order id the
#     fake saw belongs to an action whose `sent` status is in the journal;
#   - the exit status is 0 or an I/O error (74), never a crash;
#   - with space again, the next pass recovers: every fix sent exactly once,
#     the demo's end state, the journal verifies.
# Run by ctest with RECKON_BIN, RECKON_SOURCE_DIR and RECKON_BINARY_DIR set.
set -euo pipefail
. "$(dirname "$0")/lib/fakex.sh"

if ! unshare -m true 2>/dev/null || ! command -v fallocate > /dev/null; then
	echo "SKIP: no private mount namespace here (unshare -m needs root), or no fallocate"
	exit 0
fi

# full_pass FREE: one Coinbase pass on a copy of $seed with FREE bytes left
# on its filesystem; the journal's files after it in $db*, exit in $full_rc.
full_pass() {
	local free=$1 mnt=$tmp/mnt
	mkdir -p "$mnt" "$tmp/after"
	rm -f "$tmp/after/"*
	FREE=$free MNT=$mnt SEED=$seed AFTER=$tmp/after URL=$cb_url unshare -m bash -c '
		set -e
		mount -t tmpfs -o size=8m tmpfs "$MNT"
		cp "$SEED" "$MNT/j.db"
		avail=$(df --output=avail -B1 "$MNT" | tail -n 1)
		[ "$avail" -le "$FREE" ] || fallocate -l $((avail - FREE)) "$MNT/filler"
		rc=0
		"$RECKON_BIN" reconcile --once --venue coinbase --base-url "$URL" --db "$MNT/j.db" \
			> "$AFTER/out" 2> "$AFTER/err" || rc=$?
		echo "$rc" > "$AFTER/rc"
		for f in "$MNT"/j.db "$MNT"/j.db-wal; do [ ! -e "$f" ] || cp "$f" "$AFTER/"; done
		umount "$MNT"' || fail "free $free: the namespace failed"
	full_rc=$(cat "$tmp/after/rc")
	db=$tmp/free-$free.db
	rm -f "$db" "$db-wal" "$db-shm"
	cp "$tmp/after/j.db" "$db"
	[ ! -e "$tmp/after/j.db-wal" ] || cp "$tmp/after/j.db-wal" "$db-wal"
}

# Every mutation the fake saw was journaled `sent` before it left.
assert_sent_first() {
	local what=$1 cid oid n
	fx_mutations > "$tmp/mut"
	for cid in $(grep -o 'rk-[0-9a-f]\{24\}' "$tmp/mut" | sort -u); do
		n=$(q "$db" "SELECT count(*) FROM events e JOIN actions a
		             ON a.id = json_extract(e.payload, '\$.action_id')
		             WHERE e.type = 'action_update' AND json_extract(e.payload, '\$.status') = 'sent'
		               AND a.client_order_id = '$cid'")
		[ "$n" -ge 1 ] || fail "$what: placement $cid reached the exchange without a committed sent row"
	done
	for oid in $(grep 'batch_cancel' "$tmp/mut" | grep -o '[0-9a-f]\{8\}-[0-9a-f-]\{27\}' | sort -u); do
		n=$(q "$db" "SELECT count(*) FROM events e JOIN actions a
		             ON a.id = json_extract(e.payload, '\$.action_id')
		             WHERE e.type = 'action_update' AND json_extract(e.payload, '\$.status') = 'sent'
		               AND a.kind = 'cancel_order' AND a.order_id = '$oid'")
		[ "$n" -ge 1 ] || fail "$what: cancel of $oid reached the exchange without a committed sent row"
	done
}

test_disk_full_during_a_pass() {
	local free k dup sent failed=0 midway=0
	fx_init
	for k in 0 32 64 128 192 256 320 384 448 512 576 640 704 768 832 896 960 1024 1152 1280 2048; do
		free=$((k * 1024))
		fx_start
		seed=$tmp/seed.db
		fx_seed "$seed"
		full_pass "$free"
		[ "$full_rc" = 0 ] || [ "$full_rc" = 74 ] \
			|| fail "free $free: exit $full_rc: $(cat "$tmp/after/err")"
		sent=$(fx_mutations | wc -l)
		[ "$full_rc" = 0 ] || failed=$((failed + 1))
		[ "$full_rc" = 0 ] || [ "$sent" = 0 ] || midway=$((midway + 1))
		echo "free ${k} KiB: exit $full_rc after $sent of the 13 requests $(tail -n 1 "$tmp/after/err")"
		assert_sent_first "free $free"
		rk coinbase "$db"
		[ "$rk_rc" = 0 ] || fail "free $free: the pass with space again exited $rk_rc: $(cat "$tmp/last.err")"
		dup=$(fx_mutations | sed -E 's/"status":[0-9]+.*//' | sort | uniq -d)
		[ -z "$dup" ] || fail "free $free: sent twice: $dup"
		assert_coinbase_demo_end_state "$db"
		assert_actions_finished "$db" coinbase
		assert_audit_ok "$db"
	done
	# The range reached the pass: most of these ran out of space, many of
	# them between two actions. (A pass of the demo grows the WAL ~1.2 MiB.)
	[ "$failed" -ge 12 ] && [ "$midway" -ge 8 ] \
		|| fail "$failed passes ran out of space, $midway between actions: the range misses the pass"
}

test_disk_full_during_a_pass
echo "hostile_disk_full: all checks passed"
