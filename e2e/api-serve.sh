#!/usr/bin/env bash
# End-to-end: `aiarts serve` itself, driven as a user would (docs/api.md "Running the server"):
# tokens on loopback, the dialects' 401 shapes, detach/system/stop, SIGTERM, TLS, the address rule,
# header timeout and connection limit. The dialects' own routes have scripts of their own (e2e/api-*.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
T=$(mktemp -d)
source e2e/lib.sh
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$T"' EXIT

W=$T/ws
aiarts() { "$BIN" --workspace "$W" "$@"; }
aiarts user add ada --role admin >/dev/null 2>&1
aiarts user add vic --role viewer >/dev/null 2>&1
TOKEN=$(aiarts token create ada 2>/dev/null)
VTOKEN=$(aiarts token create vic --expires 1d 2>/dev/null)

# The server's pid goes on PIDS, which the trap kills.
serve_bg() { start_server "$BIN" "$W" "$@" && PIDS+=("$SERVER"); }

serve_bg --listen 127.0.0.1:0 --header-timeout 1 --max-connections 3

t_token_prints_only_the_token() {
    [[ "$TOKEN" =~ ^aiarts_[0-9a-f]{8}_[0-9a-f]{64}$ ]] || { echo "token: $TOKEN"; return 1; }
    aiarts token list | grep -q "ada" && ! aiarts token list | grep -q "${TOKEN##*_}"
}

t_no_token_is_401_in_each_dialects_shape() {
    local body
    body=$(curl -s -w ' %{http_code}' "$URL/paddlex/project") && [[ "$body" == *'"status":-1'*' 401' ]] || { echo "$body"; return 1; }
    body=$(curl -s -w ' %{http_code}' "$URL/ai_arts/api/trainings") && [[ "$body" == *'"code":40100'*' 401' ]] || { echo "$body"; return 1; }
    body=$(curl -s -w ' %{http_code}' "$URL/api/tasks") && [[ "$body" == *'"errors"'*' 401' ]] || { echo "$body"; return 1; }
    body=$(curl -s -w ' %{http_code}' "$URL/nothing/here") && [[ "$body" == *'"detail"'*' 401' ]] || { echo "$body"; return 1; }
    # The same answer whether the route exists or not: nothing is learned without a token.
    [ "$(curl -s "$URL/paddlex/project")" = "$(curl -s "$URL/paddlex/no-such-route")" ]
}

t_bearer_basic_in_url_and_token_header_all_work() {
    local host=${URL#http://}
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/paddlex/no-such-route")" = 404 ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' "http://me:$TOKEN@$host/paddlex/no-such-route")" = 404 ] &&
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Token $VTOKEN" "$URL/paddlex/no-such-route")" = 404 ] &&
    python3 - "$host" "$TOKEN" <<'PY'
import sys, requests
host, token = sys.argv[1], sys.argv[2]
r = requests.get(f"http://me:{token}@{host}/paddlex/no-such-route", json={"pid": "P0001"})
assert r.status_code == 404, r.status_code
assert r.json()["status"] == -1
r = requests.get(f"http://me:wrong@{host}/paddlex/no-such-route")
assert r.status_code == 401, r.status_code
PY
}

t_revoked_token_stops_within_2s() {
    local issued id
    issued=$(aiarts token create vic 2>/dev/null)
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $issued" "$URL/x")" = 404 ] || return 1
    id=$(echo "$issued" | cut -d_ -f2)
    aiarts token revoke "$id" >/dev/null
    sleep 2.1
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $issued" "$URL/x")" = 401 ]
}

t_system_shows_the_server_and_its_requests() {
    sleep 1.2  # the count is written at most once a second
    aiarts system | grep -E "^server: ${URL//./\\.}, pid $SERVER, [0-9]+ requests" &&
    aiarts system --json | python3 -c 'import json,sys; s=json.load(sys.stdin)["server"]; assert s["requests"] > 5 and s["url"].startswith("http://127.0.0.1:"), s'
}

t_a_second_server_on_the_workspace_is_refused() {
    ! aiarts serve --listen 127.0.0.1:0 2>"$T/second.err" && grep -q "already serves this workspace" "$T/second.err"
}

t_trickled_header_is_cut_off() {
    python3 - "${URL#http://}" <<'PY'
import socket, sys, time
host, port = sys.argv[1].rsplit(":", 1)
s = socket.create_connection((host, int(port)))
s.sendall(b"GET /paddlex/project HTTP/1.1\r\nHost: x\r\n")  # never finished
start = time.time()
s.settimeout(5)
data = s.recv(100)
elapsed = time.time() - start
assert data == b"" and 0.5 < elapsed < 3, (data, elapsed)
PY
}

t_connections_over_the_limit_wait_for_a_free_slot() {
    python3 - "${URL#http://}" "$TOKEN" <<'PY'
import socket, sys, time, urllib.request
host, port = sys.argv[1].rsplit(":", 1)
held = [socket.create_connection((host, int(port))) for _ in range(3)]  # the limit, idle
time.sleep(0.2)
start = time.time()
req = urllib.request.Request(f"http://{sys.argv[1]}/x", headers={"Authorization": "Bearer " + sys.argv[2]})
try:
    urllib.request.urlopen(req, timeout=5)
except urllib.error.HTTPError as e:
    assert e.code == 404, e.code
elapsed = time.time() - start
# Served only once the header timeout (1 s) closed one of the idle connections.
assert elapsed > 0.7, elapsed
PY
}

t_sigterm_lets_a_request_in_flight_finish() {
    # An upload trickling in at 1 MB/s when SIGTERM arrives still gets its answer.
    head -c 3000000 /dev/urandom > "$T/model.onnx"
    curl -s -o "$T/inflight.out" -w '%{http_code}' --limit-rate 1M -H "Authorization: Bearer $TOKEN" \
        -F "file=@$T/model.onnx" -F name=inflight "$URL/ai_arts/api/models/upload" > "$T/inflight.code" &
    local upload=$!
    sleep 1
    kill -TERM "$SERVER"
    wait "$upload"
    local code
    code=$(cat "$T/inflight.code")
    [ "$code" != 000 ] && [ "$code" -lt 500 ] || { echo "upload answered $code"; cat "$T/inflight.out"; return 1; }
    wait "$SERVER" 2>/dev/null
    ! kill -0 "$SERVER" 2>/dev/null && [ ! -e "$W/server.json" ] && aiarts system | grep -q "^server: not running"
}

t_sigterm_ends_a_metrics_stream() {
    # A client following a running training's metrics does not hold a stopping server.
    aiarts project create follow --type classification >/dev/null 2>&1
    local task
    task=$(aiarts task create P0001 --trainer command --param "command=sleep 60" --name follow 2>/dev/null)
    aiarts task start "$task" >/dev/null 2>&1 || return 1
    serve_bg --listen 127.0.0.1:0 || return 1
    curl -s -N -H "Authorization: Bearer $TOKEN" "$URL/ai_arts/api/trainings/$task/metrics?follow=1" >"$T/follow.out" &
    local follower=$!
    sleep 1.5
    local stopped_at=$SECONDS
    kill -TERM "$SERVER"
    wait "$SERVER" 2>/dev/null
    wait "$follower"
    aiarts task stop "$task" >/dev/null 2>&1
    [ $((SECONDS - stopped_at)) -le 3 ] && grep -q '"server_stopping"' "$T/follow.out" || { cat "$T/follow.out"; return 1; }
}

t_detach_system_stop() {
    aiarts serve --listen 127.0.0.1:0 --detach >"$T/detach.out" 2>&1 || { cat "$T/detach.out"; return 1; }
    local url pid
    url=$(sed -n 's/^serving .* at \(http:\/\/[^ ]*\) (pid.*/\1/p' "$T/detach.out")
    pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$W/server.json")
    PIDS+=("$pid")
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$url/x")" = 404 ] || return 1
    aiarts system | grep -q "^server: $url" || return 1
    aiarts serve --stop | grep -q "stopped" && ! kill -0 "$pid" 2>/dev/null
}

t_other_addresses_need_tls_or_insecure() {
    ! aiarts serve --listen 0.0.0.0:0 2>"$T/tls.err" && grep -q "not a loopback address" "$T/tls.err"
}

t_tls_serves_https() {
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost -addext "subjectAltName=IP:127.0.0.1" \
        -keyout "$T/key.pem" -out "$T/cert.pem" >/dev/null 2>&1 || return 1
    serve_bg --listen 127.0.0.1:0 --tls-cert "$T/cert.pem" --tls-key "$T/key.pem" || return 1
    [[ "$URL" == https://* ]] || return 1
    [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert "$T/cert.pem" -H "Authorization: Bearer $TOKEN" "$URL/x")" = 404 ] || return 1
    ! curl -s -o /dev/null "${URL/https/http}/x"  # plain HTTP to the TLS port gets nothing
    kill -TERM "$SERVER"; wait "$SERVER" 2>/dev/null; true
}

t_tokens_never_reach_the_log() {
    ! grep -rqF "${TOKEN##*_}" "$W/logs"
}

check "token create prints only the token; list never shows the secret" t_token_prints_only_the_token
check "no token: 401 in each dialect's shape, nothing learned" t_no_token_is_401_in_each_dialects_shape
check "Bearer, Basic in the URL (requests) and Token headers" t_bearer_basic_in_url_and_token_header_all_work
check "a revoked token stops working within 2 s" t_revoked_token_stops_within_2s
check "aiarts system shows the server and its requests" t_system_shows_the_server_and_its_requests
check "a second server on the workspace is refused" t_a_second_server_on_the_workspace_is_refused
check "a trickled request head is cut off at the header timeout" t_trickled_header_is_cut_off
check "connections over the limit wait for a free slot" t_connections_over_the_limit_wait_for_a_free_slot
check "SIGTERM: an upload in flight gets its answer, then the server stops" t_sigterm_lets_a_request_in_flight_finish
check "SIGTERM ends a metrics stream rather than waiting for it" t_sigterm_ends_a_metrics_stream
check "serve --detach, system, serve --stop" t_detach_system_stop
check "a non-loopback address needs TLS or --insecure" t_other_addresses_need_tls_or_insecure
check "TLS: https with the given certificate" t_tls_serves_https
check "tokens never reach the logs" t_tokens_never_reach_the_log

echo "api-serve: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
