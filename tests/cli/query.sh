#!/usr/bin/env bash
# Acceptance of `reckon query` through the real binary and the sqlite3 shell:
# every file in queries/ is listed, runs in all three formats with the
# parameters it needs, gives the same rows as the plain sqlite3 shell running
# the file with `.parameter set` (money exact in every format and equal to
# the shell's decimal-extension figures), and prints its own text with --sql;
# a few reports are checked for content; wrong names, parameters, formats and
# databases get their exit codes. Run by ctest with RECKON_BIN and
# RECKON_SOURCE_DIR set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
src=${RECKON_SOURCE_DIR:?RECKON_SOURCE_DIR not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
db=$tmp/j.db
fail() { echo "FAIL: $*" >&2; exit 1; }

# Spot BTC-USD: buy 0.5 @ 30000 (fee 15 USD), sell 0.2 @ 31000 (fee 6.2) and
# 0.1 @ 29000 (fee 2.9): FIFO unit cost 30030, so f2 realizes 187.8 and f3
# -105.9. ETHUSDT futures buy with a BNB fee, a resting stop and an order
# whose client id needs CSV quoting.
cat > "$tmp/in.jsonl" <<'JSON'
{"type":"order","ts":"2025-11-21T09:00:00Z","venue":"coinbase","symbol":"BTC-USD","order_id":"o1","client_order_id":"bot,\"1\"","side":"buy","order_type":"limit","status":"open","qty":"1","price":"30000","purpose":"entry"}
{"type":"fill","ts":"2025-11-21T09:00:01Z","venue":"coinbase","symbol":"BTC-USD","fill_id":"f1","order_id":"o1","side":"buy","qty":"0.5","price":"30000","fee":"15","fee_currency":"USD","liquidity":"maker"}
{"type":"fill","ts":"2025-11-22T10:00:00Z","venue":"coinbase","symbol":"BTC-USD","fill_id":"f2","order_id":"o2","side":"sell","qty":"0.2","price":"31000","fee":"6.2","fee_currency":"USD","liquidity":"taker"}
{"type":"fill","ts":"2025-11-22T11:00:00Z","venue":"coinbase","symbol":"BTC-USD","fill_id":"f3","order_id":"o3","side":"sell","qty":"0.1","price":"29000","fee":"2.9","fee_currency":"USD","liquidity":"taker"}
{"type":"fill","ts":"2025-11-22T12:00:00Z","venue":"binance-usdm","symbol":"ETHUSDT","fill_id":"f4","order_id":"o4","side":"buy","qty":"2","price":"2000","fee":"0.01","fee_currency":"BNB"}
{"type":"order","ts":"2025-11-22T12:30:00Z","venue":"binance-usdm","symbol":"ETHUSDT","order_id":"o5","side":"sell","order_type":"stop_market","status":"open","qty":"2","stop_price":"1900","purpose":"stop_loss","reduce_only":true}
JSON
"$bin" ingest --db "$db" "$tmp/in.jsonl" >/dev/null || fail "ingest"
# 52 fees of 0.14 on 2025-11-24: a REAL sum prints 7.27999999999999.
for i in $(seq 10 61); do
	echo "{\"type\":\"fill\",\"ts\":\"2025-11-24T10:00:$i.5Z\",\"venue\":\"coinbase\",\"symbol\":\"ETH-USD\",\"fill_id\":\"n$i\",\"order_id\":\"no$i\",\"side\":\"buy\",\"qty\":\"0.01\",\"price\":\"2000.5\",\"fee\":\"0.14\",\"fee_currency\":\"USD\"}"
done | sed 's/:6\([01]\)\.5Z/:5\1.5Z/' | "$bin" ingest --db "$db" - > /dev/null || fail "ingest of the 52 fees"

# The reconciler tables are projections the reconciler writes; a few rows
# put in directly let their reports show something.
sqlite3 "$db" <<'SQL'
INSERT INTO recon_runs(id, venue, account, started_at, finished_at, complete) VALUES
  (100, 'coinbase', 'default', '2025-11-22T13:00:00.000000Z', '2025-11-22T13:00:05.000000Z', 1),
  (200, 'coinbase', 'default', '2025-11-22T14:00:00.000000Z', '2025-11-22T14:00:05.000000Z', 1);
INSERT INTO findings(id, run_id, kind, venue, account, symbol, finding_key, created_at) VALUES
  (101, 100, 'missing_stop', 'coinbase', 'default', 'BTC-USD', 'k-old', '2025-11-22T13:00:01.000000Z'),
  (201, 200, 'missing_stop', 'coinbase', 'default', 'BTC-USD', 'k-new', '2025-11-22T14:00:01.000000Z');
INSERT INTO actions(id, run_id, finding_id, kind, venue, account, symbol, status, created_at, updated_at)
  VALUES (202, 200, 201, 'place_stop', 'coinbase', 'default', 'BTC-USD', 'dry_run',
          '2025-11-22T14:00:02.000000Z', '2025-11-22T14:00:02.000000Z');
INSERT INTO halts(venue, account, symbol, reason, halted_at, seq)
  VALUES ('coinbase', 'default', 'BTC-USD', 'two protective stops', '2025-11-22T14:00:03.000000Z', 999);
SQL

# The --param arguments a report gets here, one per line.
params_for() {
	case $1 in
	fills_of_day) echo "day=2025-11-22" ;;
	largest_losers | actions_recent) echo "limit=5" ;;
	pnl_by_day | pnl_by_symbol | fees_by_day) printf '%s\n' "from=2025-11-21" "to=2025-11-30" ;;
	pnl_between | pnl_by_symbol_between | closes_extreme | fees_between | \
		pnl_by_minute | runs_between | findings_between | actions_between | actions_failed_between)
		printf '%s\n' "from_ts=2025-11-21T23:00:00.000000Z" "to_ts=2025-11-25T00:00:00.000000Z" ;;
	positions_marked | stops_at) echo "to_ts=2025-11-23T00:00:00.000000Z" ;;
	pnl_by_period) echo 'bounds=["2025-11-21T23:00:00.000000Z","2025-11-22T23:00:00.000000Z","2025-11-24T12:00:00.000000Z"]' ;;
	esac
}

# The same as sqlite3 shell lines: numbers bare, text as "'text'".
shell_params_for() {
	local kv k v
	while IFS= read -r kv; do
		[ -n "$kv" ] || continue
		k=${kv%%=*} v=${kv#*=}
		if [[ $v =~ ^[0-9]+$ ]]; then
			echo ".parameter set :$k $v"
		else
			echo ".parameter set :$k \"'${v//\"/\\\"}'\"" # a '"' in the value escaped
		fi
	done < <(params_for "$1")
}

"$bin" query --list > "$tmp/list" || fail "query --list"
(cd / && "$bin" query --list | cmp -s - "$tmp/list") || fail "--list depends on the directory"

# The shell's decimal extension (decimal_sum, ...; in the sqlite3 shell since
# 3.32). Without it, the reports that use it cannot be compared there.
shell_decimal=yes
[ "$(sqlite3 :memory: "SELECT decimal_sum('0.1')" 2>/dev/null)" = 0.1 ] || shell_decimal=
[ -n "$shell_decimal" ] || echo "note: this sqlite3 shell lacks the decimal extension: reports using it are not compared with the shell"

n=0
for f in "$src"/queries/*.sql; do
	name=$(basename "$f" .sql)
	n=$((n + 1))
	grep -q "^$name  " "$tmp/list" || fail "$name missing from --list"
	"$bin" query "$name" --sql | cmp -s - "$f" || fail "$name: --sql differs from $f"

	args=()
	while IFS= read -r kv; do
		[ -n "$kv" ] && args+=(--param "$kv")
	done < <(params_for "$name")
	for fmt in table csv json; do
		"$bin" query "$name" --db "$db" ${args[@]+"${args[@]}"} --format "$fmt" \
			> "$tmp/$name.$fmt" 2> "$tmp/$name.$fmt.err" ||
			fail "$name --format $fmt: exit $? $(cat "$tmp/$name.$fmt.err")"
		[ ! -s "$tmp/$name.$fmt.err" ] || fail "$name --format $fmt wrote to stderr"
	done

	# The three formats agree on the number of rows.
	rows_table=$(tail -n 1 "$tmp/$name.table" | sed -E 's/^\(([0-9]+) rows?\)$/\1/')
	[[ $rows_table =~ ^[0-9]+$ ]] || fail "$name: table footer: $(tail -n 1 "$tmp/$name.table")"
	rows_json=$(sqlite3 :memory: "SELECT json_array_length(readfile('$tmp/$name.json'))")
	[ "$rows_json" = "$rows_table" ] || fail "$name: json has $rows_json rows, table $rows_table"

	# The plain sqlite3 shell runs the file with .parameter set and gets the
	# same rows. The two CSVs quote differently (the shell also quotes spaces)
	# and the shell prints no header for no rows, so both are read back with
	# sqlite3's CSV importer and compared as tables.
	[ -n "$shell_decimal" ] || ! grep -q 'decimal_' "$f" || continue
	{ shell_params_for "$name"; echo ".read $f"; } |
		sqlite3 -bail -csv -header "$db" > "$tmp/$name.shell.csv" 2> "$tmp/$name.shell.err" ||
		fail "$name in sqlite3: $(cat "$tmp/$name.shell.err")"
	[ ! -s "$tmp/$name.shell.err" ] || fail "$name in sqlite3: $(cat "$tmp/$name.shell.err")"
	if [ -s "$tmp/$name.shell.csv" ]; then
		[ "$(head -n 1 "$tmp/$name.csv" | tr -d '\r')" = "$(head -n 1 "$tmp/$name.shell.csv")" ] ||
			fail "$name: reckon and sqlite3 columns differ"
		diff=$(sqlite3 :memory: ".import --csv $tmp/$name.csv a" ".import --csv $tmp/$name.shell.csv b" \
			"SELECT (SELECT count(*) FROM (SELECT * FROM a EXCEPT SELECT * FROM b))
			      + (SELECT count(*) FROM (SELECT * FROM b EXCEPT SELECT * FROM a))
			      + abs((SELECT count(*) FROM a) - (SELECT count(*) FROM b))")
		[ "$diff" = 0 ] || fail "$name: reckon and sqlite3 rows differ:
$(cat "$tmp/$name.csv")
$(cat "$tmp/$name.shell.csv")"
	else
		[ "$rows_table" = 0 ] || fail "$name: sqlite3 returned no rows, reckon $rows_table"
	fi
done
[ "$n" -ge 10 ] || fail "only $n query files"
[ "$(wc -l < "$tmp/list")" -eq "$n" ] || fail "--list has $(wc -l < "$tmp/list") lines for $n files"

# Content of a few reports.
grep -q '^(3 rows)$' "$tmp/fills_of_day.table" || fail "fills_of_day: 3 fills on 2025-11-22"
grep -q '"fill_id":"f2"' "$tmp/fills_of_day.json" || fail "fills_of_day json lacks f2"
grep -q '"fill_id":"f1"' "$tmp/fills_of_day.json" && fail "fills_of_day shows a fill of another day"
grep -qF 'coinbase,default,BTC-USD,o1,"bot,""1""",buy,limit,entry,0,partially_filled,1,0.5,30000,' \
	"$tmp/open_orders.csv" || fail "open_orders csv: $(cat "$tmp/open_orders.csv")"
grep -qF '{"day":"2025-11-22","venue":"binance-usdm","account":"default","fee_currency":"BNB","fills":1,"fees":"0.01"}' \
	"$tmp/fees_by_day.json" || fail "fees_by_day: BNB fee kept apart"
grep -qF '{"day":"2025-11-22","venue":"coinbase","account":"default","fee_currency":"USD","fills":2,"fees":"9.1"}' \
	"$tmp/fees_by_day.json" || fail "fees_by_day: USD fees of 2025-11-22"
grep -q ',k-new,' "$tmp/findings_latest.csv" || fail "findings_latest lacks the latest run's finding"
grep -q ',k-old,' "$tmp/findings_latest.csv" && fail "findings_latest shows an older run"
grep -q 'place_stop' "$tmp/actions_recent.table" || fail "actions_recent"
grep -q 'two protective stops' "$tmp/halts.table" || fail "halts"

# Money is exact in every format, and the same in the sqlite3 shell (which
# ships the decimal extension's functions reckon registers).
grep -qx '2025-11-24,coinbase,default,USD,52,7.28' <(tr -d '\r' < "$tmp/fees_by_day.csv") ||
	fail "fees_by_day csv: $(cat "$tmp/fees_by_day.csv")"
grep -qF '"fills":52,"fees":"7.28"}' "$tmp/fees_by_day.json" || fail "fees_by_day json"
grep -qE '^2025-11-24 +coinbase +default +USD +52 +7.28$' "$tmp/fees_by_day.table" ||
	fail "fees_by_day table: $(cat "$tmp/fees_by_day.table")"
if [ -n "$shell_decimal" ]; then
	grep -qx '2025-11-24,coinbase,default,USD,52,7.28' "$tmp/fees_by_day.shell.csv" ||
		fail "fees_by_day in the sqlite3 shell: $(cat "$tmp/fees_by_day.shell.csv")"
	[ "$(sqlite3 "$db" "SELECT decimal_sum(fee) FROM fills WHERE ts LIKE '2025-11-24%'")" = 7.28 ] ||
		fail "sqlite3 shell's decimal_sum"
fi
"$bin" query fills_of_day --db "$db" --param day=2025-11-24 --format csv > "$tmp/notional.csv"
grep -q ',0.01,2000.5,20.005,0.14,' "$tmp/notional.csv" || fail "fills_of_day notional is qty x price exactly"

# A notional whose exact product needs 36 places: the report runs, exactly,
# as the shell prints it (it never fails on valid journal data).
exact=$tmp/exact.db
echo '{"type":"fill","ts":"2025-11-25T10:00:00Z","venue":"coinbase","symbol":"TOWNS-USD","fill_id":"x1","order_id":"ox","side":"buy","qty":"1234567.123456789012345678","price":"0.000012345678901234"}' |
	"$bin" ingest --db "$exact" - > /dev/null || fail "ingest of the 18-place fill"
rc=0
"$bin" query fills_of_day --db "$exact" --param day=2025-11-25 --format csv > "$tmp/x.csv" 2> "$tmp/x.err" || rc=$?
[ "$rc" = 0 ] || fail "fills_of_day of an 18-place fill: exit $rc: $(cat "$tmp/x.err")"
grep -qF ',1234567.123456789012345678,0.000012345678901234,15.241569288217631001813554032028766652,' \
	"$tmp/x.csv" || fail "fills_of_day notional of 18-place amounts: $(cat "$tmp/x.csv")"
if [ -n "$shell_decimal" ]; then
	[ "$(sqlite3 "$exact" "SELECT decimal_mul(qty, price) FROM fills")" = \
		15.241569288217631001813554032028766652 ] || fail "the shell's notional differs"
fi
# A decimal function that refuses a value (only a tampered journal has one)
# is bad data, 65, not an I/O error.
sqlite3 "$exact" "UPDATE fills SET price = '1e2000'"
rc=0
"$bin" query fills_of_day --db "$exact" --param day=2025-11-25 > /dev/null 2> "$tmp/x.err" || rc=$?
[ "$rc" = 65 ] || fail "a decimal function's refusal: exit $rc, want 65: $(cat "$tmp/x.err")"
grep -qF "decimal_mul: '1e2000' has more than 1000 digits" "$tmp/x.err" || fail "message: $(cat "$tmp/x.err")"

# The FIFO reports, once the lot engine allocates on ingest (their exact
# output over the view columns is in tests/test_query.c).
if [ "$(sqlite3 "$db" 'SELECT count(*) FROM v_realized_pnl')" != 0 ]; then
	grep -q ',f3,0.1,2900,3003,2.9,-105.9' "$tmp/largest_losers.csv" ||
		fail "largest_losers: $(cat "$tmp/largest_losers.csv")"
	grep -q '^2025-11-22,coinbase,default,USD,2,0,' "$tmp/pnl_by_day.csv" ||
		fail "pnl_by_day: $(cat "$tmp/pnl_by_day.csv")"
	grep -q 'BTC-USD,long,0.2,6006,30030' "$tmp/open_positions.csv" ||
		fail "open_positions: $(cat "$tmp/open_positions.csv")"
else
	echo "note: the lot views are empty (no allocation on ingest yet): FIFO report content not checked here"
fi

# Roll-ups (migration 0009). A late fill (before fills already journaled)
# re-allocates its symbol; the reports read the roll-ups and still give the
# full aggregation's figures (the sqlite3 shell runs the old SQL on the lot
# and fill tables).
echo '{"type":"fill","ts":"2025-11-21T08:00:00Z","venue":"coinbase","symbol":"BTC-USD","fill_id":"late1","order_id":"ol","side":"buy","qty":"0.1","price":"29000.25","fee":"0.5","fee_currency":"BNB"}' |
	"$bin" ingest --db "$db" - > /dev/null || fail "ingest of a late fill"
old_pnl=$(sqlite3 -csv "$db" "SELECT substr(closed_at, 1, 10), venue, account, symbol, COUNT(*),
  decimal_sum(proceeds), decimal_sum(realized_pnl) FROM lot_closes GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4")
new_pnl=$(sqlite3 -csv "$db" "SELECT day, venue, account, symbol, closing_fills, proceeds, realized_pnl
  FROM pnl_days ORDER BY 1, 2, 3, 4")
[ -n "$old_pnl" ] && [ "$old_pnl" = "$new_pnl" ] || fail "pnl_days after a late fill: $new_pnl, want $old_pnl"
old_fees=$(sqlite3 -csv "$db" "SELECT substr(ts, 1, 10), venue, account, fee_currency, COUNT(*),
  decimal_sum(fee) FROM fills WHERE fee_currency <> '' GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4")
new_fees=$("$bin" query fees_by_day --db "$db" --format csv | tail -n +2 | tr -d '\r')
[ "$old_fees" = "$new_fees" ] || fail "fees_by_day: $new_fees, want $old_fees"
# A journal made before 0009 gets the same roll-ups from the migration, and
# the same report output.
cp "$db" "$tmp/old.db"
sqlite3 "$tmp/old.db" "DROP TABLE fee_days; DROP TABLE pnl_days; DROP INDEX fills_ts;
  DROP INDEX orders_open_only; DROP INDEX lot_closes_symbol; PRAGMA user_version = 8;"
"$bin" ingest --db "$tmp/old.db" /dev/null > /dev/null || fail "migrating to 0009"
[ "$(sqlite3 "$tmp/old.db" 'PRAGMA user_version')" = "$(sqlite3 "$db" 'PRAGMA user_version')" ] ||
	fail "not migrated"
for t in fee_days pnl_days; do
	[ "$(sqlite3 "$tmp/old.db" "SELECT * FROM $t ORDER BY 1, 2, 3, 4")" = \
	  "$(sqlite3 "$db" "SELECT * FROM $t ORDER BY 1, 2, 3, 4")" ] || fail "migrated $t differs"
done
for r in fees_by_day pnl_by_day pnl_by_symbol largest_losers; do
	cmp -s <("$bin" query "$r" --db "$db" --format csv) <("$bin" query "$r" --db "$tmp/old.db" --format csv) ||
		fail "$r differs after the migration"
done
# (audit verify is not run here: this journal has reconciler rows written
# directly above, which no event made. test_query.c replays the roll-ups.)

# Errors and exit codes.
expect_exit() { # CODE PATTERN COMMAND...
	local want=$1 pattern=$2 rc=0
	shift 2
	"$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
	[ "$rc" -eq "$want" ] || fail "'$*' exit $rc, want $want: $(cat "$tmp/err")"
	grep -qF -- "$pattern" "$tmp/err" || fail "'$*' message: $(cat "$tmp/err")"
}
expect_exit 64 "unknown query 'pnl_by_week'; try 'reckon query --list'" \
	"$bin" query pnl_by_week --db "$db"
expect_exit 64 "query 'fills_of_day' has no parameter 'dya'; its parameters: day, venue, account, symbol" \
	"$bin" query fills_of_day --db "$db" --param dya=2025-11-22
expect_exit 64 "--param 'day': want key=value" "$bin" query fills_of_day --db "$db" --param day
expect_exit 64 "parameter 'day' given twice" \
	"$bin" query fills_of_day --db "$db" --param day=2025-11-22 --param day=2025-11-23
expect_exit 64 "unknown format 'xml'" "$bin" query open_orders --db "$db" --format xml
expect_exit 64 "--db FILE is required" "$bin" query open_orders
expect_exit 64 "missing report NAME" "$bin" query --db "$db"
expect_exit 66 "no such journal: $tmp/none.db" "$bin" query open_orders --db "$tmp/none.db"
[ ! -e "$tmp/none.db" ] || fail "a missing database was created"
"$bin" query --help | grep -q -- "--param KEY=VALUE" || fail "query --help"
"$bin" help query | grep -q -- "--format FORMAT" || fail "help query"
"$bin" help | grep -q "^  query " || fail "help lists query"

echo "query: all checks passed ($n reports)"
