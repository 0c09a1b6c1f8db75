#!/usr/bin/env bash
# Sets up (installs missing Debian packages), builds, and runs every test:
# once in a normal build, once under AddressSanitizer + UndefinedBehaviorSanitizer,
# and the unit tests under valgrind. This is the README's test command and
# what .ci/run calls.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

./tools/setup-debian.sh

echo "== build (RelWithDebInfo)"
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-release -j"$jobs"
echo "== tests"
ctest --test-dir build-release --output-on-failure -j"$jobs"

echo "== build (ASan + UBSan)"
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DRECKON_SANITIZE=ON >/dev/null
cmake --build build-asan -j"$jobs"
echo "== tests under ASan + UBSan"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"

echo "== unit tests under valgrind"
./tools/valgrind-tests.sh build-release
