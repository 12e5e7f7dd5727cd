#!/usr/bin/env bash
# Installs the Debian packages aiarts builds and tests with, when any is missing.
# The Swift toolchain (6.1 or later) must already be on PATH.
set -euo pipefail
# util-linux (essential on Debian) gives setpriv, which ties a trainer's life to its supervisor (docs/runner.md).
# curl, openssl, python3-venv and requests: the server's end-to-end tests (a TLS certificate, the
# dialects' Python clients, schemathesis in a venv of its own).
packages=(libjpeg-dev libpng-dev libwebp-dev zlib1g-dev libncursesw5-dev libsqlite3-dev tmux python3 util-linux
          curl openssl python3-venv)
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    sudo=""
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
python3 -c "import requests" 2>/dev/null || python3 -m pip install -q requests 2>/dev/null \
    || { sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-requests; }
command -v swift >/dev/null || { echo "swift is not on PATH: install Swift 6.1 or later (swift.org) first" >&2; exit 1; }
