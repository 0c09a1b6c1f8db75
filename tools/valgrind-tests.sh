#!/usr/bin/env bash
# Runs every cmocka test binary of a (non-sanitized) build under valgrind
# memcheck, as many at once as there are cores; any error or leak fails.
# RECKON_TEST_SCALE=small asks tests with large randomized loops to run fewer
# iterations (valgrind is ~30x slower). Each binary's output is kept in
# BUILD_DIR/test_NAME.valgrind.log; a failed one's tail is printed.
# Usage: tools/valgrind-tests.sh BUILD_DIR
set -euo pipefail
dir=${1:?usage: valgrind-tests.sh BUILD_DIR}
jobs=${VALGRIND_JOBS:-$(nproc 2>/dev/null || echo 2)}
export RECKON_TEST_SCALE=small
export RECKON_BIN=$(readlink -f "$dir/reckon")

one() {
  local t=$1
  if valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
       "$t" >"$t.valgrind.log" 2>&1; then
    echo 0 >"$t.valgrind.rc"
  else
    echo 1 >"$t.valgrind.rc"
  fi
}
export -f one

tests=()
for t in "$dir"/test_*; do
  [ -f "$t" ] && [ -x "$t" ] || continue # not the .valgrind.log/.rc files
  rm -f "$t.valgrind.rc"
  tests+=("$t")
done
[ ${#tests[@]} -gt 0 ] || { echo "valgrind-tests: no test_* binaries in $dir" >&2; exit 2; }
# The slowest first (by ctest's own timings of this build, when it ran), so
# that the run does not end on one long test alone.
cost=$dir/Testing/Temporary/CTestCostData.txt
order() {
  local t name secs
  for t in "${tests[@]}"; do
    name=$(basename "$t")
    secs=$(awk -v n="$name" '$1 == n { print $3; exit }' "$cost" 2>/dev/null || true)
    printf '%s\t%s\0' "${secs:-0}" "$t"
  done | sort -z -t$'\t' -k1,1 -g -r | cut -z -f2-
}
order | xargs -0 -n1 -P"$jobs" bash -c 'one "$1"' _

status=0
for t in "${tests[@]}"; do
  if [ "$(cat "$t.valgrind.rc" 2>/dev/null)" = 0 ]; then
    echo "valgrind: $(basename "$t") clean"
  else
    echo "valgrind: $(basename "$t") FAILED"; tail -40 "$t.valgrind.log"; status=1
  fi
done
exit $status
