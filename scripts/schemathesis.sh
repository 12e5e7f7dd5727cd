#!/usr/bin/env bash
# schemathesis (PyPI) against docs/openapi.yaml and the real server on loopback (docs/api.md, "OpenAPI"):
# no 5xx, and every response matches its schema in the spec.
#
#   scripts/schemathesis.sh [EXAMPLES] [SECONDS]    # defaults: 25 test cases per route, 600 s at most
#
# scripts/test.sh runs a short pass (3 per route). The server serves a demo workspace (`aiarts demo
# --no-tui`) with one admin token; the logout route is left out (it would revoke that token). schemathesis
# is installed once into a venv under ~/.cache/aiarts (AIARTS_CACHE), outside the repository. One worker:
# with two, hypothesis's parsing of its own sources in threads sometimes fails inside CPython 3.11 (a
# "Runtime Error" of schemathesis itself, not an answer of the server).
set -euo pipefail
cd "$(dirname "$0")/.."
EXAMPLES=${1:-25}
SECONDS_MAX=${2:-600}
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
CACHE=${AIARTS_CACHE:-$HOME/.cache/aiarts}
VENV=$CACHE/venv-schemathesis
if [ ! -x "$VENV/bin/schemathesis" ]; then
    echo "installing schemathesis into $VENV"
    mkdir -p "$CACHE"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q schemathesis
fi

T=$(mktemp -d)
W=$T/ws
SERVER=
source e2e/lib.sh
# Trainings the run started keep running detached: stopped before the workspace goes.
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; stop_running_tasks "$BIN" "$W"; rm -rf "$T"' EXIT
"$BIN" --workspace "$W" demo --no-tui >/dev/null 2>&1
"$BIN" --workspace "$W" user add fuzz --role admin >/dev/null 2>&1
TOKEN=$("$BIN" --workspace "$W" token create fuzz 2>/dev/null)
start_server "$BIN" "$W" --listen 127.0.0.1:0 --max-body 1 || exit 1

rc=0
"$VENV/bin/schemathesis" run docs/openapi.yaml --url "$URL" \
    -H "Authorization: Bearer $TOKEN" \
    --checks not_a_server_error,response_schema_conformance \
    --phases examples,coverage,fuzzing \
    --exclude-path /rest-auth/logout/ \
    --max-examples "$EXAMPLES" --max-time "$SECONDS_MAX" \
    --request-timeout 30 --workers 1 --no-shrink --seed 14 \
    --generation-database none || rc=$?
if ! kill -0 "$SERVER" 2>/dev/null; then
    cp "$T"/serve.*.out "${TMPDIR:-/tmp}/aiarts-schemathesis-serve.out"
    echo "the server died during the run (its output: ${TMPDIR:-/tmp}/aiarts-schemathesis-serve.out):"
    grep -A30 "Fatal error\| crashed:" "$T"/serve.*.out | head -60
    exit 1
fi
exit $rc
