#!/usr/bin/env bash
# End-to-end: `aiarts task pause` / `task continue` (docs/tasks.md, "Pausing") against the real binary.
# A built-in trainer on the demo's dataset is paused (its log stops growing, `task show` says paused
# with the GPU-memory note), continued (the log grows again) and stopped; a command task is paused
# by hand with kill -STOP and is seen paused; a paused task is stopped; the Django dialect's
# POST /generation/run/pause/ pauses and continues over HTTP (curl); in the UI (tmux), u pauses the
# selected task and continues it. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
T=$(mktemp -d)
source e2e/lib.sh
W=$T/ws
aiarts() { "$BIN" --workspace "$W" "$@"; }
SERVER=
SOCK=$T/tmux.sock
S=aiarts-pause
trap 'tm kill-server >/dev/null 2>&1; [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; stop_running_tasks "$BIN" "$W"; wait 2>/dev/null; rm -rf "$T"' EXIT

size() { stat -c %s "$1" 2>/dev/null || echo 0; }
state() { aiarts task show "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }

# True when FILE grows within SECONDS.
grows() { # FILE SECONDS
    local before i
    before=$(size "$1")
    for i in $(seq 1 $(($2 * 10))); do
        [ "$(size "$1")" -gt "$before" ] && return 0
        sleep 0.1
    done
    echo "$1 stayed at $before bytes for $2 s"; return 1
}

# True when FILE does not grow for SECONDS.
still() { # FILE SECONDS
    local before
    before=$(size "$1")
    sleep "$2"
    [ "$(size "$1")" -eq "$before" ] || { echo "$1 grew from $before to $(size "$1") bytes while paused"; return 1; }
}

aiarts demo --no-tui >/dev/null 2>&1
# A built-in trainer that runs long enough: many epochs of small images, saving rarely.
TRAIN=$(aiarts task create P0001 --trainer builtin --param epochs=500 --param image_size=16 --param save_interval=100 --param gpus= 2>&1)
LOG=$W/tasks/$TRAIN/train.log

t_start() { aiarts task start "$TRAIN" && grows "$LOG" 60; }
check "a built-in trainer on the demo dataset runs and writes its log" t_start

t_pause() {
    aiarts task pause "$TRAIN" >"$T/pause.out" &&
    grep -q "^$TRAIN paused — on the CPU, nothing held on a GPU; \`aiarts task continue $TRAIN\` continues it$" "$T/pause.out" &&
    [ "$(state "$TRAIN")" = paused ] &&
    still "$LOG" 3 &&
    # Every process of the task is stopped (state T).
    pid=$(aiarts task show "$TRAIN" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])') &&
    [ -n "$(ps -o pid= -g "$pid")" ] && ! ps -o stat= -g "$pid" | grep -qv '^T' ||
    { cat "$T/pause.out"; [ -n "${pid:-}" ] && ps -o pid,stat,cmd -g "$pid"; return 1; }
}
check "task pause: the log stops growing and every process is stopped" t_pause

t_show() {
    aiarts task show "$TRAIN" >"$T/show.out" &&
    grep -q '^state:   paused' "$T/show.out" &&
    grep -q 'paused — on the CPU, nothing held on a GPU' "$T/show.out" &&
    aiarts task status "$TRAIN" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); assert d["state"] == "paused" and d["paused_seconds"] >= 3, d' ||
    { cat "$T/show.out"; return 1; }
}
check "task show says paused with the note; task status --json counts the paused seconds" t_show

t_refusals() {
    local out
    out=$(aiarts task pause "$TRAIN" 2>&1) && return 1
    [[ "$out" == *"$TRAIN is already paused; \`aiarts task continue $TRAIN\` continues it"* ]] || { echo "$out"; return 1; }
    out=$(aiarts task continue T0999 2>&1) && return 1
    [[ "$out" == *T0999* ]] || { echo "$out"; return 1; }
}
check "pausing a paused task and continuing an unknown one are refused in one line" t_refusals

t_continue() {
    aiarts task continue "$TRAIN" --json >"$T/continue.json" &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["state"] == "running", d' "$T/continue.json" &&
    grows "$LOG" 30 && [ "$(state "$TRAIN")" = running ]
}
check "task continue: running again, the log grows" t_continue

t_stop_paused() {
    local group began
    aiarts task pause "$TRAIN" >/dev/null || return 1
    group=$(aiarts task show "$TRAIN" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])')
    began=$SECONDS
    timeout 30 "$BIN" --workspace "$W" task stop "$TRAIN" --grace 20 >"$T/stop.out" || { cat "$T/stop.out"; return 1; }
    # SIGTERM was acted on at once (the group was continued), long before the 20 s grace.
    [ $((SECONDS - began)) -lt 10 ] || { echo "stop took $((SECONDS - began)) s"; return 1; }
    # Nothing of the group is left but zombies (an ended process whose parent has not collected it).
    [ "$(state "$TRAIN")" = stopped ] && [ -z "$(ps -o stat= -g "$group" | grep -v '^Z')" ] || { cat "$T/stop.out"; ps -o pid,stat,cmd -g "$group"; return 1; }
}
check "task stop of a paused task ends it" t_stop_paused

# A command task stopped by hand (kill -STOP of its group) is seen paused by the next aiarts.
LOOP=$(aiarts task create P0001 --name loop --trainer command --param command='while :; do echo tick; sleep 0.1; done' --param gpus= 2>&1)
t_by_hand() {
    aiarts task start "$LOOP" >/dev/null && grows "$W/tasks/$LOOP/train.log" 10 &&
    pid=$(aiarts task show "$LOOP" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])') &&
    kill -STOP -- "-$pid" && sleep 0.3 &&
    [ "$(state "$LOOP")" = paused ] &&
    aiarts task show "$LOOP" | grep -q 'stopped outside aiarts' &&
    kill -CONT -- "-$pid" && sleep 0.3 &&
    [ "$(state "$LOOP")" = running ]
}
check "kill -STOP by hand: the task shows as paused; kill -CONT: running" t_by_hand

aiarts user add tess --role trainer >/dev/null 2>&1
TOKEN=$(aiarts token create tess 2>/dev/null)
start_server "$BIN" "$W" --listen 127.0.0.1:0 || exit 1

post() { # BODY -> "JSON STATUS"
    curl -s -w ' %{http_code}' -X POST "$URL/generation/run/pause/" -H "Authorization: Token $TOKEN" \
        -H 'Content-Type: application/json' -d "$1"
}
t_http() {
    local body
    body=$(post "{\"name\": \"loop\"}") && [[ "$body" == *'"status":"paused"'*' 200' ]] || { echo "$body"; return 1; }
    [ "$(state "$LOOP")" = paused ] && still "$W/tasks/$LOOP/train.log" 1 || return 1
    body=$(post "{\"task_id\": \"$LOOP\"}") && [[ "$body" == *'"status":"paused"'*' 200' ]] || { echo "$body"; return 1; }
    body=$(post "{\"task_id\": \"$LOOP\", \"resume\": true}") && [[ "$body" == *'"status":"running"'*' 200' ]] || { echo "$body"; return 1; }
    grows "$W/tasks/$LOOP/train.log" 10 || return 1
    body=$(post "{\"task_id\": \"$TRAIN\"}") && [[ "$body" == *'only a running task can be paused'*' 409' ]] || { echo "$body"; return 1; }
    body=$(post '{}') && [[ "$body" == *'"task_id":'*' 400' ]] || { echo "$body"; return 1; }
}
check "POST /generation/run/pause/ pauses, answers a second pause alike, continues with resume, refuses an ended task" t_http

# The UI: Tab Tab to the Tasks pane, j to the loop task, u pauses it, u again continues it.
t_ui() {
    command -v tmux >/dev/null || { echo "tmux not found: the UI check cannot run"; return 1; }
    tm -f /dev/null new-session -d -s "$S" -x 160 -y 40 \
        "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' --workspace '$W' open; echo EXITED=\$?; sleep 30" &&
    wait_for "$LOOP" || return 1
    tm send-keys -t "$S" Tab Tab j u
    wait_for "paused — on the CPU, nothing held on a GPU" && [ "$(state "$LOOP")" = paused ] || return 1
    still "$W/tasks/$LOOP/train.log" 1 || return 1
    tm send-keys -t "$S" u
    wait_gone "paused — on the CPU" && [ "$(state "$LOOP")" = running ] && grows "$W/tasks/$LOOP/train.log" 10 || return 1
    tm send-keys -t "$S" q
    wait_for "EXITED=0"
}
check "the UI: u pauses the selected task (the note shows) and continues it" t_ui

echo "pause: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
