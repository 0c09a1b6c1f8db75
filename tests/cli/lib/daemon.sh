# tests/cli/lib/daemon.sh — helpers for tests/cli/daemon_*.sh (sourced after
# lib/fakex.sh, whose $tmp, fail, q and bn_signed they use).
#
#   dm_config FILE VENUES_JSON [EXTRA_JSON]   a config: db j.db, socket r.sock
#   dm_start FILE [LOG]     starts `reckon run --config FILE` in the background
#                           ($bg_pid, stderr to LOG, default $tmp/daemon.err),
#                           waits for its start pass(es) to finish
#   dm_wait LOG PATTERN [SECONDS]   waits until LOG has a line matching PATTERN
#   dm_count LOG PATTERN    lines of LOG matching PATTERN
#   dm_stop                 SIGTERM, wait, check exit 0
#   dmc ARGS...             python3 lib/daemon_client.py ARGS...

dm_log=
dmc() { python3 "$src/tests/cli/lib/daemon_client.py" "$@"; }

dm_config() {
	local file=$1 venues=$2 extra=${3:-}
	printf '{"db": "j.db", "socket": "r.sock", "venues": %s%s}\n' "$venues" "${extra:+, $extra}" \
		> "$file"
}

dm_wait() {
	local log=$1 pattern=$2 secs=${3:-10} i
	for i in $(seq $((secs * 20))); do
		grep -qE -- "$pattern" "$log" 2> /dev/null && return 0
		[ -n "$bg_pid" ] && ! kill -0 "$bg_pid" 2> /dev/null && fail "reckon run exited: $(tail -5 "$log")"
		sleep 0.05
	done
	fail "no '$pattern' in $log after ${secs}s: $(tail -20 "$log")"
}

dm_count() { grep -cE -- "$2" "$1" || true; }

dm_start() {
	local cfg=$1 nvenues
	dm_log=${2:-$tmp/daemon.err}
	"$bin" run --config "$cfg" 2>> "$dm_log" &
	bg_pid=$!
	dm_wait "$dm_log" 'event=started'
	nvenues=$(grep -o 'event=started.* venues=[0-9]*' "$dm_log" | tail -1 | sed 's/.*venues=//')
	for _ in $(seq 200); do
		[ "$(dm_count "$dm_log" 'event=pass .*reason=start')" -ge "$nvenues" ] && return 0
		sleep 0.05
	done
	fail "start passes did not finish: $(tail -20 "$dm_log")"
}

dm_stop() {
	kill -TERM "$bg_pid"
	local rc=0
	wait "$bg_pid" || rc=$?
	bg_pid=
	[ "$rc" = 0 ] || fail "reckon run exited $rc after SIGTERM: $(tail -5 "$dm_log")"
	grep -q 'event=stopped' "$dm_log" || fail "no clean stop logged"
}
