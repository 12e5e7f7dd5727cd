#!/usr/bin/env bash
# End-to-end test of inference services in the full-screen UI (docs/ui.md, "Services"): a built-in
# model trained on the demo's shapes is served from the Models screen (s), its row goes ready, Enter
# chooses it, P on the dataset screen predicts the selected image through it and draws the answer,
# then x stops and D removes it. Runs `aiarts open` ($AIARTS_BIN) in a private tmux server.
# Ends with the 'N passed, N failed' line.
set -u
BIN=${AIARTS_BIN:?set AIARTS_BIN to the aiarts binary}
command -v tmux >/dev/null || { echo "tmux not found"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
W=$T/ws
SOCK=$T/tmux.sock
S=aiarts-e2e-infer
. "$(dirname "$0")/lib.sh"
stop_services() {
    local id
    for id in $("$BIN" --workspace "$W" infer list --json 2>/dev/null |
                python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin) if s["state"] in ("starting", "ready")))' 2>/dev/null); do
        "$BIN" --workspace "$W" infer stop "$id" >/dev/null 2>&1
    done
}
trap 'stop_services; stop_running_tasks "$BIN" "$W"; cleanup' EXIT

model() {
    local id
    "$BIN" --workspace "$W" demo --no-tui >/dev/null 2>&1 &&
    id=$("$BIN" --workspace "$W" task create P0001 --trainer builtin --param epochs=3) &&
    "$BIN" --workspace "$W" task start "$id" >/dev/null &&
    "$BIN" --workspace "$W" task wait "$id" &&
    "$BIN" --workspace "$W" task export "$id" >/dev/null &&
    "$BIN" --workspace "$W" model list --json | python3 -c 'import json,sys; assert json.load(sys.stdin)[0]["id"] == "M0001"'
}
check "the demo workspace with a built-in model in the registry" model

start() {
    tm -f /dev/null new-session -d -s "$S" -x 140 -y 40 \
        "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' --workspace '$W' open; echo EXITED=\$?; sleep 30" &&
    wait_for "D0001" &&
    tm send-keys -t "$S" M && wait_for "no services: select a model above and press s to serve it"
}
check "the Models screen lists no services yet" start

serve() {
    tm send-keys -t "$S" s && wait_for "S0001" &&
    WAIT_TENTHS=300 wait_for "http://127.0.0.1:" &&
    screen | grep -F "S0001" | grep -F "M0001:v1" | grep -F "builtin" | grep -qF "ready" || { screen; return 1; }
    "$BIN" --workspace "$W" infer show S0001 --json | python3 -c 'import json,sys; assert json.load(sys.stdin)["state"] == "ready"'
}
check "s serves the selected model: S0001 goes from starting to ready with its URL" serve

choose() {
    tm send-keys -t "$S" Tab && tm send-keys -t "$S" Enter && wait_for "predictions go to S0001"
}
check "Tab then Enter chooses S0001 for predictions" choose

traffic() {
    local image
    image=$(find "$W/datasets/D0001" -name '*.jpg' | sort | head -1)
    [ -n "$image" ] || { echo "no image in D0001"; return 1; }
    for _ in 1 2 3 4 5; do "$BIN" --workspace "$W" infer predict S0001 "$image" >/dev/null || return 1; done
    # The service rewrites its stats about once a second while it has traffic; the list reads them each second.
    local i
    for i in $(seq 1 50); do
        screen | grep -F "S0001" | grep -qE "ready +[0-9]+\.[0-9] +[0-9]+\.[0-9] +[0-9]+\.[0-9]" && return 0
        sleep 0.1
    done
    echo "no requests/s, p50 and p99 in the row:"; screen | grep -F "S0001"
    return 1
}
check "requests show as requests/s and p50/p99 in the service's row" traffic

predict() {
    tm send-keys -t "$S" Escape && wait_for "Datasets" &&
    tm send-keys -t "$S" Enter && wait_for "Files " &&
    tm send-keys -t "$S" P && WAIT_TENTHS=100 wait_for "S0001: " &&
    screen | grep -F "S0001: " | grep -qE "(circle|square|triangle) [01]\.[0-9]{2}" || { screen; return 1; }
}
check "P on the dataset screen predicts the selected image through S0001 and shows its classes" predict

stop_and_remove() {
    tm send-keys -t "$S" Escape && sleep 0.3 && tm send-keys -t "$S" M && wait_for "S0001" &&
    tm send-keys -t "$S" x && wait_for "Stop S0001" && tm send-keys -t "$S" y &&
    WAIT_TENTHS=150 wait_for "stopped" &&
    tm send-keys -t "$S" D && wait_for "Remove S0001" && tm send-keys -t "$S" y &&
    WAIT_TENTHS=100 wait_for "no services: select a model" &&
    "$BIN" --workspace "$W" infer list --json | python3 -c 'import json,sys; assert json.load(sys.stdin) == []' &&
    [ ! -e "$W/services/S0001" ]
}
check "x stops S0001 and D removes it with its folder (each after a yes)" stop_and_remove

quit() {
    tm send-keys -t "$S" q && wait_for "EXITED=0"
}
check "q quits with status 0" quit

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
