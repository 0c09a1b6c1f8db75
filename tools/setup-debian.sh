#!/usr/bin/env bash
# Installs the Debian 12 packages reckon needs to build and test, only when
# some are missing. Safe to run repeatedly; needs root (or sudo) only when it
# actually has something to install.
set -euo pipefail

PACKAGES=(
  build-essential cmake pkg-config git ca-certificates
  libsqlite3-dev sqlite3
  libcurl4-openssl-dev curl  # curl: the fake-exchange tests drive it over HTTP
  libcjson-dev
  libssl-dev openssl  # openssl: the fake-exchange tests make keys and HMACs with it
  libev-dev
  libcmocka-dev
  libmicrohttpd-dev
  valgrind
  python3  # tools/check-layers.py, the layering check ctest runs
  libcairo2-dev  # the daily report's charts (PNG)
  python3-aiosmtpd  # the report tests' SMTP server on loopback
  python3-yaml  # the deployment test parses docker-compose.yml
  systemd  # systemd-analyze verify of the unit file in the deployment test
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  echo "setup: all build dependencies present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "setup: missing packages (${missing[*]}) and not root; run as root" >&2
    exit 77
  fi
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
