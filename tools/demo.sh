#!/usr/bin/env bash
# Sets up (installs missing Debian packages), builds, and runs `reckon demo`:
# the incident scenario on the embedded simulated venue. The README's first
# command. Extra arguments go to `reckon demo` (e.g. --db FILE).
set -euo pipefail
here=$(pwd)
cd "$(dirname "$0")/.."
./tools/setup-debian.sh >/dev/null
cmake -S . -B build-release -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-release -j"$(nproc 2>/dev/null || echo 2)" --target reckon >/dev/null
bin=$(pwd)/build-release/reckon
cd "$here"
exec "$bin" demo "$@"
