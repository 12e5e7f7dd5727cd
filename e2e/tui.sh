#!/usr/bin/env bash
# End-to-end test of the full-screen UI: runs `aiarts --workspace W open` ($AIARTS_BIN) inside a
# detached tmux session, reads the screen with capture-pane, types keys, and checks that q exits
# and leaves the terminal restored. Ends with the 'N passed, N failed' line.
set -u
BIN=${AIARTS_BIN:?set AIARTS_BIN to the aiarts binary}
command -v tmux >/dev/null || { echo "tmux not found"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
W=$T/ws
# A private tmux server, so the test never touches the user's sessions.
SOCK=$T/tmux.sock
S=aiarts-e2e
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

setup() {
    "$BIN" --workspace "$W" dataset create "cats and dogs" --type classification >/dev/null &&
    "$BIN" --workspace "$W" dataset create "猫と犬" --type detection >/dev/null &&
    "$BIN" --workspace "$W" dataset create "$(printf 'evil\033]0;pwned\007name\033[31m')" --type segmentation >/dev/null &&
    "$BIN" --workspace "$W" project create "first project" --type classification --dataset D0001 >/dev/null &&
    "$BIN" --workspace "$W" task create P0001 --name "第一 task" --trainer command --param command=true >/dev/null
}
check "a workspace with three datasets and a project" setup

start() {
    # `; echo EXITED=$?` marks the moment the UI returned, and its exit status, on the screen.
    tm -f /dev/null new-session -d -s "$S" -x 100 -y 30 \
        "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' --workspace '$W' open; echo EXITED=\$?; sleep 30" &&
    wait_for "D0003"
}
check "the UI starts and lists datasets" start

header() {
    screen | head -1 | grep -F "aiarts" | grep -F "3 datasets" | grep -qF "1 projects"
}
check "the header shows the workspace counts" header

rows() {
    local s
    s=$(screen)
    echo "$s" | grep -F "D0001" | grep -qF "cats and dogs" &&
    echo "$s" | grep -F "D0002" | grep -qF "猫と犬" &&
    echo "$s" | grep -F "T0001" | grep -F "第一" | grep -qF "created"
}
check "dataset and task rows are shown, CJK included" rows

inert() {
    local s
    s=$(screen)
    # The escape sequences were dropped: the name reads as plain text, and the title was not changed.
    echo "$s" | grep -qF "evil" && ! echo "$s" | grep -qF "pwned" || { echo "$s"; return 1; }
    [ "$(tm display-message -p -t "$S" '#{pane_title}')" != "pwned" ]
}
check "escape sequences in a dataset name are inert" inert

move() {
    # The detail pane's title follows the selection.
    wait_for "D0001 cats and dogs" && tm send-keys -t "$S" j && wait_for "D0002 猫と犬"
}
check "j moves the selection down" move

focus() {
    tm send-keys -t "$S" Tab && wait_for "labels" && tm send-keys -t "$S" Tab && wait_for "↑↓/jk"
}
check "Tab moves focus (the footer follows)" focus

help() {
    tm send-keys -t "$S" '?' && wait_for "next / previous pane" &&
    tm send-keys -t "$S" Escape && wait_gone "next / previous pane"
}
check "? opens the help and Esc closes it" help

resize() {
    tm resize-window -t "$S" -x 45 -y 12 && wait_for "Terminal too small" &&
    tm resize-window -t "$S" -x 100 -y 30 && wait_for "D0003"
}
check "a small terminal says so and the view comes back" resize

quit() {
    tm send-keys -t "$S" q && wait_for "EXITED=0"
}
check "q quits with status 0" quit

restored() {
    # After endwin the shell's screen is back: the UI's frame is gone from the pane.
    wait_gone "Datasets" && ! pgrep -f -- "--workspace $W open" >/dev/null
}
check "the terminal is restored and the process is gone" restored

# A fresh session for each way of being interrupted. The new one starts before the old one goes:
# killing a server's last session stops the server, and a new one racing it on the socket fails.
runs=0
restart() {
    local old=$S
    runs=$((runs + 1))
    S="$old-$runs"
    start && tm kill-session -t "$old" >/dev/null 2>&1
}

ctrl_c() {
    restart && tm send-keys -t "$S" C-c && wait_for "EXITED=0" && wait_gone "Datasets"
}
check "Ctrl-C leaves cleanly and restores the terminal" ctrl_c

sigterm() {
    restart || return 1
    # The pane runs sh, whose child is aiarts.
    local shell pid
    shell=$(tm display-message -p -t "$S" '#{pane_pid}') && pid=$(pgrep -P "$shell" | head -1) &&
    [ -n "$pid" ] && kill -TERM "$pid" && wait_for "EXITED=0" && wait_gone "Datasets"
}
check "SIGTERM leaves cleanly and restores the terminal" sigterm

# Training from the UI: a demo workspace, a built-in task started with s in the Tasks pane; its
# curve appears and grows, help and a resize work while it trains, and q leaves it running.
W2=$T/demo
S2=aiarts-train-e2e
screen2() { tm capture-pane -p -t "$S2" 2>/dev/null; }
wait_for2() {
    local i
    for i in $(seq 1 ${2:-100}); do
        screen2 | grep -qF -- "$1" && return 0
        sleep 0.2
    done
    echo "screen never showed: $1"; screen2
    return 1
}
epoch_shown() { screen2 | grep -F "T0001" | grep -oE "running +[0-9]+/40" | grep -oE "[0-9]+/" | tr -d /; }

train_from_the_ui() {
    "$BIN" --workspace "$W2" demo --no-tui >/dev/null 2>&1 &&
    "$BIN" --workspace "$W2" task create P0001 --name ui-run --trainer builtin --param epochs=40 >/dev/null &&
    tm -f /dev/null new-session -d -s "$S2" -x 120 -y 36 \
        "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' --workspace '$W2' open; echo EXITED=\$?; sleep 60" &&
    wait_for2 "ui-run" &&
    # Enter on a dataset opens its screen: files, a label filter, the image (decoding happens off the loop).
    tm send-keys -t "$S2" Enter && wait_for2 "Files 300/300" && wait_for2 "circle_0000.jpg 96×96" &&
    tm send-keys -t "$S2" f && wait_for2 "· label circle" && tm send-keys -t "$S2" Escape && wait_for2 "┃ID    NAME" &&
    tm send-keys -t "$S2" Tab Tab && wait_for2 "s start" &&
    tm send-keys -t "$S2" s && wait_for2 "T0001 started" && wait_for2 "running" &&
    # The loss curve is drawn (its legend and braille dots), then it grows: the epoch shown rises.
    wait_for2 "● train/loss" 150 &&
    screen2 | python3 -c 'import sys; t = sys.stdin.buffer.read().decode(); sys.exit(0 if any(0x2801 <= ord(c) <= 0x28FF for c in t) else 1)' &&
    # The task row refreshes once a second, the curves as points arrive: wait for the row's epoch.
    local first=""
    for _ in $(seq 1 50); do first=$(epoch_shown); [ -n "$first" ] && break; sleep 0.2; done
    [ -n "$first" ] || { echo "no epoch in the Tasks pane"; screen2; return 1; }
    [ -n "$first" ] &&
    for _ in $(seq 1 100); do [ "$(epoch_shown)" -gt "$first" ] 2>/dev/null && break; sleep 0.3; done &&
    [ "$(epoch_shown)" -gt "$first" ] &&
    # Enter opens the task's screen: its parameters, its log following the end, its curves.
    tm send-keys -t "$S2" Enter && wait_for2 "train.log (following)" && wait_for2 "epochs=40" &&
    wait_for2 "img/s" && tm send-keys -t "$S2" Escape && wait_for2 "┃ID    NAME" &&
    tm send-keys -t "$S2" '?' && wait_for2 "curves: x in steps" && tm send-keys -t "$S2" Escape &&
    tm resize-window -t "$S2" -x 90 -y 30 && wait_for2 "Curves T0001" &&
    tm send-keys -t "$S2" q && wait_for2 "EXITED=0" &&
    "$BIN" --workspace "$W2" task status T0001 --json | grep -q '"state" : "running"'
}
check "a task started from the UI trains, its curve grows, and q leaves it running" train_from_the_ui
"$BIN" --workspace "$W2" task stop T0001 --grace 2 >/dev/null 2>&1

# The GPU pane from a fixture GPU (AIARTS_GPU_FIXTURE): a task's process is shown with its task id,
# and a task that asks for more memory than is free waits, saying for what.
S3=aiarts-gpu-e2e
gpu_pane_and_queue() {
    local pid
    "$BIN" --workspace "$W2" task create P0001 --name sleeper --trainer command --param command='sleep 60' >/dev/null &&
    "$BIN" --workspace "$W2" task start T0002 >/dev/null &&
    pid=$("$BIN" --workspace "$W2" task status T0002 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["pid"])') &&
    printf '{"gpus":[{"index":0,"name":"Fixture GPU","uuid":"GPU-e2e","memory_total":25769803776,"memory_used":23622320128,"utilization":71,"temperature":64,"power":210,"processes":[{"pid":%s,"memory":21474836480}]}]}' "$pid" >"$T/gpus.json" &&
    AIARTS_GPU_FIXTURE="$T/gpus.json" "$BIN" --workspace "$W2" task create P0001 --name big --trainer command --param command=true --param gpu_memory=8000 >/dev/null &&
    AIARTS_GPU_FIXTURE="$T/gpus.json" "$BIN" --workspace "$W2" task start T0003 | grep -q "waiting_gpu" &&
    tm -f /dev/null new-session -d -s "$S3" -x 120 -y 36 \
        "env AIARTS_GPU_FIXTURE='$T/gpus.json' TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' --workspace '$W2' open; sleep 30" &&
    S_SAVED=$S && S=$S3 &&
    wait_for "Fixture GPU" && wait_for "T0002 20.0G" && wait_for "waiting for 8000 MiB" && wait_for "71%" &&
    tm send-keys -t "$S3" v && wait_for "GPUs · sorted by memory" && wait_for "USER / COMMAND" &&
    tm send-keys -t "$S3" Enter && wait_for "Curves T0002" &&
    tm send-keys -t "$S3" q; S=$S_SAVED
}
check "the GPU pane and screen show a task's process (Enter goes to the task); a task waiting for memory says so" gpu_pane_and_queue
"$BIN" --workspace "$W2" task stop T0002 --grace 1 >/dev/null 2>&1
"$BIN" --workspace "$W2" task stop T0003 --grace 1 >/dev/null 2>&1

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
