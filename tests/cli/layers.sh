#!/usr/bin/env bash
# The layering check (tools/check-layers.py) holds on the real tree, and it
# can fail: a copy of src/ with <sqlite3.h> in a core/ file or in a journal
# header the layers above include, a core/ file
# reading the environment, a journal header reaching up into engine/, and an
# include cycle are each refused, naming the file and line.
# Run by ctest with RECKON_SOURCE_DIR set.
set -euo pipefail
src=${RECKON_SOURCE_DIR:?}
check=$src/tools/check-layers.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

python3 "$check" "$src/src" > "$tmp/ok.out" || fail "the tree breaks its own layering: $(cat "$tmp/ok.out")"
grep -q '^layers: ok' "$tmp/ok.out" || fail "no ok line: $(cat "$tmp/ok.out")"

# expect_refusal NAME PATTERN: the mutated copy fails and the output matches.
expect_refusal() {
	if python3 "$check" "$tmp/$1" > "$tmp/$1.out"; then
		fail "$1: the check passed a broken tree"
	fi
	grep -Eq "$2" "$tmp/$1.out" || fail "$1: expected /$2/ in: $(cat "$tmp/$1.out")"
}
fresh() { rm -rf "${tmp:?}/$1"; cp -r "$src/src" "$tmp/$1"; }

fresh sqlite_in_core
sed -i '0,/^#include/s//#include <sqlite3.h>\n#include/' "$tmp/sqlite_in_core/core/dec.c"
expect_refusal sqlite_in_core 'core/dec.c:[0-9]+: core/ may not include <sqlite3.h>'

fresh commented
sed -i '0,/^#include/s//\/* hidden *\/ #include <sqlite3.h>\n#include/' "$tmp/commented/core/model.c"
expect_refusal commented 'core/model.c:[0-9]+: core/ may not include <sqlite3.h>'

fresh computed
sed -i '0,/^#include/s//#define HIDE <sqlite3.h>\n#include HIDE\n#include/' "$tmp/computed/core/model.c"
expect_refusal computed 'core/model.c:[0-9]+: computed #include'

fresh sqlite_leak
sed -i '0,/^#include/s//#include <sqlite3.h>\n#include/' "$tmp/sqlite_leak/journal/events.h"
expect_refusal sqlite_leak 'journal/events.h:[0-9]+: <sqlite3.h> in a header other layers include'

fresh env_in_core
printf 'const char *impure_probe(void);\nconst char *impure_probe(void) { return getenv("HOME"); }\n' \
	>> "$tmp/env_in_core/core/fifo.c"
expect_refusal env_in_core 'core/fifo.c:[0-9]+: core/ is pure, but calls getenv'

fresh journal_up
sed -i '0,/^#include/s//#include "ingest.h"\n#include/' "$tmp/journal_up/journal/journal.c"
expect_refusal journal_up 'journal/journal.c:[0-9]+: journal/ may not include engine/ingest.h'

fresh cycle
sed -i '0,/^#include/s//#include "fifo.h"\n#include/' "$tmp/cycle/core/dec.h"
expect_refusal cycle 'include cycle: .*dec -> fifo|include cycle: .*fifo -> dec'

echo "layers: all checks passed"
