#!/usr/bin/env bash
# Runs every cmocka test binary of a (non-sanitized) build under valgrind
# memcheck; any error or leak fails. RECKON_TEST_SCALE=small asks tests with
# large randomized loops to run fewer iterations (valgrind is ~30x slower).
# Usage: tools/valgrind-tests.sh BUILD_DIR
set -euo pipefail
dir=${1:?usage: valgrind-tests.sh BUILD_DIR}
export RECKON_TEST_SCALE=small
export RECKON_BIN=$(readlink -f "$dir/reckon")
status=0
for t in "$dir"/test_*; do
  [ -x "$t" ] || continue
  if valgrind --quiet --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
       "$t" >"$t.valgrind.log" 2>&1; then
    echo "valgrind: $(basename "$t") clean"
  else
    echo "valgrind: $(basename "$t") FAILED"; tail -40 "$t.valgrind.log"; status=1
  fi
done
exit $status
