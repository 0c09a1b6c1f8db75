#!/usr/bin/env bash
# `reckon audit timeline --from --to` with no symbol (issue 12): on the
# journal `reckon demo` leaves, every window between two of its events'
# times, and each one-sided window, prints exactly the entries of the whole
# timeline whose ts is in the window, with the same chain (cites, depth);
# a window whose events continue a chain begun outside it shows that chain
# (the cited seq and the depth). Run by ctest with RECKON_BIN set.
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
db=$tmp/demo.db
"$bin" demo --db "$db" > "$tmp/demo.out" || fail "demo exited $?"

python3 - "$bin" "$db" <<'PY' || fail "a window differs from the whole timeline restricted to it"
import itertools, json, subprocess, sys
from datetime import datetime
bin, db = sys.argv[1], sys.argv[2]
def tl(*a):
    p = subprocess.run([bin, "audit", "timeline", "--db", db, "--json", *a],
                       capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit("timeline %s exited %d: %s" % (a, p.returncode, p.stderr))
    return json.loads(p.stdout)
def us(t):
    return int(datetime.fromisoformat(t.replace("Z", "+00:00")).timestamp() * 10**6 + 0.5)
full = tl()
assert sum(1 for e in full if e["cites"]) > 30, "the demo's timeline has chains"
ts = sorted({e["ts"] for e in full}, key=us)
windows = [(a, b) for a, b in itertools.combinations(ts, 2)] + [(a, None) for a in ts] + \
          [(None, b) for b in ts]
for a, b in windows:
    want = [e for e in full if (a is None or us(e["ts"]) >= us(a)) and
            (b is None or us(e["ts"]) < us(b))]
    args = (["--from", a] if a else []) + (["--to", b] if b else [])
    got = tl(*args)
    if got != want:
        sys.exit("window %s..%s: %d entries, want %d" % (a, b, len(got), len(want)))
print("%d windows" % len(windows))
PY

# Chains that cross a window's edge: the pass at 03:08 resolves the findings
# of the one at 03:06; a fill the venue reported while the 03:07 pass's
# request was out carries the fill's own, earlier ts (03:05).
"$bin" audit timeline --db "$db" --from 2025-11-23T03:08:00Z --to 2025-11-23T03:09:00Z --json \
  > "$tmp/w8.json" || fail "timeline window exited $?"
"$bin" audit timeline --db "$db" --from 2025-11-23T03:05:00Z --to 2025-11-23T03:06:00Z --json \
  > "$tmp/w5.json" || fail "timeline window exited $?"
python3 - "$tmp/w8.json" "$tmp/w5.json" "$db" <<'PY' || fail "a window lacks the chain it continues"
import json, sqlite3, sys
w8, w5 = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
db = sqlite3.connect(sys.argv[3])
def type_of(seq):
    return db.execute("SELECT type FROM events WHERE seq = ?", (seq,)).fetchone()[0]
res = [e for e in w8 if e["type"] == "finding_resolved"]
assert len(res) >= 6, w8
for e in res:
    assert e["depth"] == 1 and type_of(e["cites"]) == "finding", e
    assert e["cites"] not in {x["seq"] for x in w8}, "the finding is outside the window"
proofs = [e for e in w5 if e["who"] == "venue" and e["cites"]]
assert proofs, w5
for e in proofs:
    assert e["depth"] == 3 and type_of(e["cites"]) == "action", e
    assert e["cites"] not in {x["seq"] for x in w5}, "the action is outside the window"
PY
# Bad windows are usage errors.
set +e
"$bin" audit timeline --db "$db" --from 2025-11-23T03:07:00Z --to 2025-11-23T03:06:00Z > /dev/null 2>&1
[ $? = 64 ] || fail "--to before --from accepted"
set -e
echo ok
