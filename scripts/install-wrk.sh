#!/usr/bin/env bash
# Installs wrk (HTTP load generator) from Debian if missing. Prints its path on stdout.
set -euo pipefail

fail() {
  echo "" >&2
  echo "install-wrk.sh: ERROR: $*" >&2
  echo "" >&2
  exit 1
}

if command -v wrk >/dev/null; then
  command -v wrk
  exit 0
fi

command -v apt-get >/dev/null || fail "wrk is missing and apt-get is not available; install wrk 4.x manually"

SUDO=""
if [[ "$(id -u)" -ne 0 ]]; then
  command -v sudo >/dev/null || fail "wrk is missing; run as root or install sudo (apt-get install -y wrk)"
  SUDO="sudo"
fi

echo "install-wrk.sh: installing wrk with apt-get" >&2
$SUDO apt-get update >&2 || fail "apt-get update failed (see output above)"
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y wrk >&2 || fail "apt-get install -y wrk failed (see output above)"

command -v wrk >/dev/null || fail "apt-get reported success but wrk is still not on PATH"
command -v wrk
