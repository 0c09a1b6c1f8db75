#!/usr/bin/env bash
# Deployment files (issue 11), checked without a Docker engine (none runs on
# these machines; the image itself is not built here):
#   - docker-compose.yml parses as YAML: service `reckon`, its command, the
#     config, journal and socket volumes, named volumes declared;
#   - the Dockerfile's CMD, the compose command, the systemd unit's ExecStart
#     and the example config agree, paths included (journal under
#     /var/lib/reckon, sockets under /run/reckon, config /etc/reckon/...);
#   - the runtime stage installs a Debian package for every library the
#     binary links;
#   - the example configs are valid for the binary, use every key
#     config/README.md documents, and README documents exactly the keys the
#     parser knows (read from its "unknown key (known: ...)" message);
#   - the unit has the hardening the issue asks for and passes
#     `systemd-analyze verify` with no complaint (exit 77 = skipped, only when
#     systemd-analyze is missing; everything else has run by then).
set -euo pipefail
bin=${RECKON_BIN:?RECKON_BIN not set}
src=${RECKON_SOURCE_DIR:?}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
unit=$src/deploy/reckon.service

python3 -c 'import yaml' 2> /dev/null || fail "python3-yaml missing (tools/setup-debian.sh installs it)"

# --- compose, Dockerfile, unit, example config: one story ---------------------
python3 - "$src" << 'PY' || fail "deployment files disagree (above)"
import json, os, re, shlex, sys, yaml

src = sys.argv[1]
errors = []
def check(cond, msg):
    if not cond:
        errors.append(msg)

CONFIG = "/etc/reckon/reckon.json"
CMD = ["reckon", "run", "--config", CONFIG]

# docker-compose.yml
with open(os.path.join(src, "docker-compose.yml")) as f:
    compose = yaml.safe_load(f)
svc = (compose.get("services") or {}).get("reckon")
check(isinstance(svc, dict), "compose: no service 'reckon'")
svc = svc or {}
check(svc.get("command") == CMD, f"compose: command {svc.get('command')!r}, want {CMD!r}")
check(svc.get("build") == ".", "compose: the service does not build the Dockerfile here")
mounts = {}
for v in svc.get("volumes") or []:
    parts = v.split(":")
    check(len(parts) in (2, 3), f"compose: volume {v!r} is not SRC:DST[:MODE]")
    mounts[parts[1]] = (parts[0], parts[2] if len(parts) > 2 else "")
check(CONFIG in mounts, f"compose: nothing mounted at {CONFIG}")
if CONFIG in mounts:
    source, mode = mounts[CONFIG]
    check(mode == "ro", "compose: the config is not mounted read-only")
    check(os.path.isfile(os.path.join(src, source)), f"compose: config source {source} missing")
    check(os.path.normpath(source) == "config/reckon.example.json",
          f"compose: mounts {source}, not the example config")
named = compose.get("volumes") or {}
for target in ("/var/lib/reckon", "/run/reckon"):
    check(target in mounts, f"compose: no volume at {target}")
    if target in mounts:
        check(mounts[target][0] in named, f"compose: volume {mounts[target][0]} not declared")
env = svc.get("environment") or {}
for var in ("RECKON_BINANCE_API_KEY", "RECKON_BINANCE_API_SECRET",
            "RECKON_COINBASE_KEY_NAME", "RECKON_COINBASE_PRIVATE_KEY", "RECKON_SMTP_PASSWORD"):
    check(var in env, f"compose: {var} not passed through")
    check(str(env.get(var, "")).startswith("${"), f"compose: {var} has a literal value")

# Dockerfile
with open(os.path.join(src, "Dockerfile")) as f:
    docker = f.read()
stages = re.findall(r"^FROM\s+(\S+)", docker, re.M)
check(stages[:1] == ["debian:bookworm"] and stages[-1:] == ["debian:bookworm-slim"] and len(stages) == 2,
      f"Dockerfile: stages {stages}, want debian:bookworm then debian:bookworm-slim")
check("tools/setup-debian.sh" in docker.split("FROM debian:bookworm-slim")[0],
      "Dockerfile: the build stage does not install tools/setup-debian.sh's packages")
cmds = re.findall(r"^CMD\s+(\[.*\])\s*$", docker, re.M)
check(len(cmds) == 1 and json.loads(cmds[0]) == CMD, f"Dockerfile: CMD {cmds}, want {CMD}")
check(re.search(r"^ENTRYPOINT", docker, re.M) is None, "Dockerfile: an ENTRYPOINT would change CMD's meaning")
runtime = docker.split("FROM debian:bookworm-slim", 1)[-1]
users = re.findall(r"^USER\s+(\S+)", runtime, re.M)
check(users[-1:] == ["reckon"], f"Dockerfile: runtime user {users}, want reckon")
vols = re.findall(r"^VOLUME\s+(\[.*\])", runtime, re.M)
vols = json.loads(vols[0]) if vols else []
for target in ("/var/lib/reckon", "/run/reckon"):
    check(target in vols, f"Dockerfile: {target} is not a VOLUME")
hc = re.search(r"HEALTHCHECK[^\n]*\\\n\s*CMD\s+(\[.*\])", runtime)
check(hc is not None and json.loads(hc.group(1)) == ["reckon", "status", "--config", CONFIG],
      "Dockerfile: the health check is not `reckon status` on the same config")
check("/usr/local/bin/reckon" in runtime, "Dockerfile: reckon is not installed in /usr/local/bin")

# systemd unit
with open(os.path.join(src, "deploy/reckon.service")) as f:
    lines = [l.strip() for l in f if l.strip() and not l.lstrip().startswith("#")]
keys = {}
for l in lines:
    if "=" in l and not l.startswith("["):
        k, v = l.split("=", 1)
        keys.setdefault(k, []).append(v)
exec_start = shlex.split(keys.get("ExecStart", [""])[0])
check(exec_start[:1] == ["/usr/local/bin/reckon"] and exec_start[1:] == CMD[1:],
      f"unit: ExecStart {exec_start}, want /usr/local/bin/reckon {' '.join(CMD[1:])}")

# the example config the image and unit run
with open(os.path.join(src, "config/reckon.example.json")) as f:
    cfg = json.load(f)
state = "/var/lib/" + keys.get("StateDirectory", ["?"])[0]
run = "/run/" + keys.get("RuntimeDirectory", ["?"])[0]
check(state == "/var/lib/reckon" and run == "/run/reckon",
      f"unit: StateDirectory {state}, RuntimeDirectory {run}")
check(os.path.dirname(cfg.get("db", "")) == state, f"example config: db {cfg.get('db')} not in {state}")
for k in ("socket", "control"):
    check(os.path.dirname(cfg.get(k, "")) == run, f"example config: {k} {cfg.get(k)} not in {run}")
rw = " ".join(keys.get("ReadWritePaths", [])).split()
for d in (state, run):
    check(d in rw, f"unit: {d} not in ReadWritePaths")

if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
PY

# --- the unit's required settings ----------------------------------------------------
for line in 'Type=exec' 'Restart=on-failure' 'User=reckon' 'StateDirectory=reckon' \
	'ExecReload=/bin/kill -HUP $MAINPID' 'NoNewPrivileges=yes' 'ProtectSystem=strict' \
	'ProtectHome=yes' 'PrivateTmp=yes' 'PrivateDevices=yes' \
	'RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6' 'SystemCallFilter=@system-service' \
	'CapabilityBoundingSet=' 'WantedBy=multi-user.target'; do
	grep -qxF -- "$line" "$unit" || fail "unit lacks the line: $line"
done

# --- the runtime stage has a package for every library the binary links ----------------
if command -v dpkg > /dev/null && command -v readelf > /dev/null; then
	runtime_pkgs=$(sed -n '/^FROM debian:bookworm-slim/,$p' "$src/Dockerfile" |
		sed -n '/apt-get install/,/rm -rf/p' | tr ' \\' '\n\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' || true)
	for soname in $(readelf -d "$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p'); do
		case $soname in libc.so.* | libm.so.* | ld-linux* | libasan.so.* | libubsan.so.* | libpthread.so.* | libdl.so.*)
			continue ;; # libc6 is in every image; sanitizer runtimes only in test builds
		esac
		path=$(ldd "$bin" | awk -v s="$soname" '$1 == s {print $3}')
		pkg=$(dpkg -S "$path" 2> /dev/null || dpkg -S "$(readlink -f "$path")" 2> /dev/null ||
			dpkg -S "/usr$path" 2> /dev/null || true)
		pkg=${pkg%%:*}
		[ -n "$pkg" ] || fail "no Debian package owns $soname ($path)"
		echo "$runtime_pkgs" | grep -qxF "$pkg" ||
			fail "the binary links $soname (package $pkg), which the Dockerfile's runtime stage does not install"
	done
else
	echo "note: dpkg or readelf missing, runtime libraries not checked"
fi

# --- the example configs: valid, complete, and the docs match the parser --------------------
for cfg in reckon.example.json reckon.sim.example.json; do
	rc=0
	"$bin" status --config "$src/config/$cfg" > "$tmp/out" 2> "$tmp/err" || rc=$?
	# Valid: the command gets as far as asking the daemon (none answers here).
	[ "$rc" = 69 ] || [ "$rc" = 0 ] || fail "config/$cfg: exit $rc: $(cat "$tmp/err")"
done

known() { # LEVEL JSON: the parser's known keys at that level, from its error
	local rc=0
	echo "$2" > "$tmp/bogus.json"
	"$bin" status --config "$tmp/bogus.json" > /dev/null 2> "$tmp/err" || rc=$?
	[ "$rc" = 78 ] || fail "bogus key at $1: exit $rc"
	sed -n 's/.*unknown key (known: \(.*\))$/\1/p' "$tmp/err" | tr -d ' ' | tr ',' '\n' | sort
}
base='"db":"j","socket":"s"'
sim='{"venue":"sim","scenario":"x"}'
known top "{$base,\"venues\":[$sim],\"zzz\":1}" > "$tmp/known.top"
known venue "{$base,\"venues\":[{\"venue\":\"sim\",\"scenario\":\"x\",\"zzz\":1}]}" > "$tmp/known.venue"
known metrics "{$base,\"venues\":[$sim],\"metrics\":{\"zzz\":1}}" > "$tmp/known.metrics"
known report "{$base,\"venues\":[$sim],\"report\":{\"zzz\":1}}" > "$tmp/known.report"

python3 - "$src" "$tmp" << 'PY' || fail "config/README.md, the parser and the examples disagree (above)"
import json, os, re, sys
src, tmp = sys.argv[1], sys.argv[2]
with open(os.path.join(src, "config/README.md")) as f:
    doc = f.read()
part = doc.split("# The daemon's configuration file", 1)[1].split("\n# The policy file", 1)[0]
sections = {"top": "## Top level", "venue": "## VENUE", "metrics": "## metrics", "report": "## report"}
documented = {}
for name, head in sections.items():
    body = part.split(head + "\n", 1)[1].split("\n## ", 1)[0]
    documented[name] = set(re.findall(r"^\| `([a-z_]+)` \|", body, re.M))
errors = []
for name in sections:
    with open(os.path.join(tmp, "known." + name)) as f:
        parser = {l.strip() for l in f if l.strip()}
    if parser != documented[name]:
        errors.append(f"{name}: parser knows {sorted(parser - documented[name])} undocumented, "
                      f"README documents {sorted(documented[name] - parser)} the parser refuses")
used = {k: set() for k in sections}
for ex in ("reckon.example.json", "reckon.sim.example.json"):
    with open(os.path.join(src, "config", ex)) as f:
        cfg = json.load(f)
    used["top"] |= set(cfg)
    for v in cfg.get("venues", []):
        used["venue"] |= set(v)
    used["metrics"] |= set(cfg.get("metrics", {}))
    used["report"] |= set(cfg.get("report", {}))
for name in sections:
    missing = documented[name] - used[name]
    if missing:
        errors.append(f"{name}: documented but in neither example: {sorted(missing)}")
if errors:
    print("\n".join(errors), file=sys.stderr)
    sys.exit(1)
PY

# --- systemd-analyze verify ------------------------------------------------------------------
if ! command -v systemd-analyze > /dev/null; then
	echo "SKIP: systemd-analyze missing (apt-get install systemd); the other checks passed"
	exit 77
fi
# verify checks that ExecStart's binary exists: point it at the one just built.
mkdir -p "$tmp/unit"
sed "s|^ExecStart=/usr/local/bin/reckon |ExecStart=$(readlink -f "$bin") |" "$unit" > "$tmp/unit/reckon.service"
grep -q "^ExecStart=$(readlink -f "$bin") run --config" "$tmp/unit/reckon.service" || fail "ExecStart not rewritten"
rc=0
(cd "$tmp/unit" && systemd-analyze verify ./reckon.service) > "$tmp/verify" 2>&1 || rc=$?
[ "$rc" = 0 ] && [ ! -s "$tmp/verify" ] || fail "systemd-analyze verify (exit $rc): $(cat "$tmp/verify")"
# The check can fail: a misspelt key is reported.
sed 's/^Restart=on-failure/Restrat=on-failure/' "$tmp/unit/reckon.service" > "$tmp/unit/bad.service"
(cd "$tmp/unit" && systemd-analyze verify ./bad.service) > "$tmp/verify" 2>&1 || true
grep -q "Unknown key" "$tmp/verify" || fail "systemd-analyze verify does not report a misspelt key here"
echo "deploy: ok"
