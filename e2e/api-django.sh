#!/usr/bin/env bash
# End-to-end: the Django ML platform dialect (docs/api.md "Django ML platform") against the real binary:
# login (right and wrong password, the 6th wrong try in a row is 429), user, password change, logout,
# a zip upload, URL uploads from a local `python3 -m http.server` (too large, timed out, refused), data
# list/get/delete, runtime/train metrics of a running task and stopping it, models list/compare.
# The HTTP side is e2e/api_django.py (requests).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
T=$(mktemp -d)
source e2e/lib.sh
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT

W=$T/ws
aiarts() { "$BIN" --workspace "$W" "$@"; }
aiarts user add tess --role trainer >/dev/null 2>&1
echo bobs-password | aiarts user add bob --role viewer --password-stdin >/dev/null 2>&1
echo carols-password | aiarts user add carol --role viewer --password-stdin >/dev/null 2>&1
export TOKEN=$(aiarts token create tess 2>/dev/null)

# A running task that has written three accuracy points, and two models.
aiarts project create p --type classification >/dev/null 2>&1
export TASK=$(aiarts task create P0001 --name mnist --trainer command --param command='for s in "0 0.08 1000" "100 0.24 1000.5" "200 0.44 1001.5"; do set -- $s; echo "{\"type\":\"eval\",\"step\":$1,\"accuracy\":$2,\"time\":$3}" >>"$AIARTS_METRICS"; done; sleep 60' 2>/dev/null)
aiarts task start "$TASK" >/dev/null 2>&1
mkdir -p "$T/m1" && head -c 1000 /dev/urandom >"$T/m1/weights.bin"
aiarts model upload "$T/m1" --name resnet >/dev/null 2>&1
aiarts model upload "$T/m1" --name mobilenet >/dev/null 2>&1

# The files a URL upload fetches, served by python3 -m http.server on a free port.
export FILES=$T/files
mkdir -p "$FILES"
FILES_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server "$FILES_PORT" --bind 127.0.0.1 --directory "$FILES" >"$T/http.out" 2>&1 &
PIDS+=($!)
export FILES_URL=http://127.0.0.1:$FILES_PORT

# The server, with a 1 MiB upload limit so that a 2 MiB file at a URL is refused.
start_server "$BIN" "$W" --listen 127.0.0.1:0 --max-upload 1 || exit 1
PIDS+=("$SERVER")
for _ in $(seq 1 50); do curl -s -o /dev/null "$FILES_URL/" && break; sleep 0.1; done

py() { python3 e2e/api_django.py "$URL" "$@"; }

t_login_curl() {
    local body
    body=$(curl -s -w ' %{http_code}' -X POST "$URL/rest-auth/login/" -H 'Content-Type: application/json' \
        -d '{"username": "bob", "password": "nope-nope"}') &&
    [[ "$body" == '{"non_field_errors":["Unable to log in with provided credentials."]} 400' ]] || { echo "$body"; return 1; }
    body=$(curl -s -w ' %{http_code}' "$URL/rest-auth/user/") && [[ "$body" == *'"detail"'*' 401' ]] || { echo "$body"; return 1; }
}
check "login: a wrong password is 400 non_field_errors; no token is 401" t_login_curl
check "login, user, password change, logout (the token stops working)" py auth
check "a zip upload becomes a dataset; data list, get (tree, file), delete" py data
check "URL uploads: a zip and a CSV from http.server; too large 413, silent 400, file: refused" py url
check "runtime/train shows a running task's accuracy; run/stop stops it" py runtime
check "models list, detail and compare" py models
check "the 6th wrong login in a row is 429 with Retry-After" py throttle

echo "api-django: $passed passed, $failed failed"
[ "$failed" = 0 ]
