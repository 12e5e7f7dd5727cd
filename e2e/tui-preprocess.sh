#!/usr/bin/env bash
# End-to-end test of the preprocessing form in the full-screen UI (docs/ui.md, "Preprocessing"): on the
# demo's detection dataset, p opens the form, a bad op is refused in one line under the field, a valid
# op list is previewed (the sizes before and after, both images drawn), the list is reordered, Enter
# runs the job into a new dataset with its progress, and the new dataset is in the list with its
# images; then the add mode adds the copies to the same dataset. Runs `aiarts open` ($AIARTS_BIN) in a
# private tmux server. Ends with the 'N passed, N failed' line.
set -u
BIN=${AIARTS_BIN:-$(cd "$(dirname "$0")/.." && pwd)/.build/debug/aiarts}
command -v tmux >/dev/null || { echo "tmux not found"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
W=$T/ws
SOCK=$T/tmux.sock
S=aiarts-e2e-preprocess
WAIT_TENTHS=${WAIT_TENTHS:-100}
. "$(dirname "$0")/lib.sh"
trap cleanup EXIT

demo() {
    "$BIN" --workspace "$W" demo --no-tui >/dev/null 2>&1 &&
    "$BIN" --workspace "$W" dataset show D0002 | grep -q "detection"
}
check "the demo workspace has a detection dataset D0002" demo

open_form() {
    tm -f /dev/null new-session -d -s "$S" -x 140 -y 36 \
        "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' --workspace '$W' open; echo EXITED=\$?; sleep 30" &&
    wait_for "D0002" &&
    tm send-keys -t "$S" j && sleep 0.2 && tm send-keys -t "$S" Enter && wait_for "Files " &&
    tm send-keys -t "$S" p && wait_for "Preprocess D0002" &&
    wait_for "(e.g. flip_v, brightness=0.4, median=5)" &&
    # With no ops yet both halves show the image as it is: its size, no error.
    wait_for "after: no ops" && wait_gone "decoding…"
}
check "p on D0002's screen opens the form, the image shown before and after" open_form

bad_op() {
    tm send-keys -t "$S" -l "flip_v, median=4" && wait_for "✗ bad op 'median=4'" &&
    wait_for "fix the op list to see it"
}
check "a bad op is refused in one line under the field, naming it" bad_op

preview() {
    tm send-keys -t "$S" BSpace && tm send-keys -t "$S" -l "5, rotate=90" &&
    wait_gone "✗ bad op" &&
    # The demo's images are 160×120 (turned: 120×160); both halves drawn, boxes labelled.
    WAIT_TENTHS=100 wait_for "160×120 → 120×160" &&
    wait_for "after: flip_v, median=5, rotate=90" && wait_gone "decoding…" &&
    screen | grep -qE "circle|square|triangle" || { screen; return 1; }
}
check "a valid op list is previewed: sizes before and after, the boxes' labels drawn" preview

reorder() {
    tm send-keys -t "$S" Tab && wait_for "▸ 1. flip_v" &&
    tm send-keys -t "$S" -l "j]" && wait_for "flip_v, rotate=90, median=5" && wait_for "▸ 3. median=5" &&
    tm send-keys -t "$S" -l "-" && wait_gone "3. median=5" &&
    screen | grep -F "ops" | grep -qF "flip_v, rotate=90" || { screen; return 1; }
}
check "in the list, ] moves an op down and - removes it; the field follows" reorder

run_into() {
    tm send-keys -t "$S" Tab && tm send-keys -t "$S" Tab && tm send-keys -t "$S" C-u &&
    tm send-keys -t "$S" BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace BSpace &&
    tm send-keys -t "$S" -l "turned" && wait_for "turned" &&
    tm send-keys -t "$S" Enter &&
    WAIT_TENTHS=300 wait_for "made D0003 from D0002: 200 images" &&
    "$BIN" --workspace "$W" dataset show D0003 | grep -q "images:      200" &&
    "$BIN" --workspace "$W" dataset list | grep "D0003" | grep -qF "turned"
}
check "Enter runs it into a new dataset named in the form; the job's end is told" run_into

listed() {
    tm send-keys -t "$S" Escape && wait_gone "Preprocess D0002" &&
    tm send-keys -t "$S" Escape && WAIT_TENTHS=50 wait_for "turned" &&
    screen | grep -F "D0003" | grep -qF "turned" || { screen; return 1; }
}
check "back on Home the new dataset D0003 is in the Datasets list" listed

add_copies() {
    tm send-keys -t "$S" j && sleep 0.3 && tm send-keys -t "$S" Enter && wait_for "D0003 turned" && wait_for "Files 200/200" &&
    tm send-keys -t "$S" p && wait_for "Preprocess" &&
    tm send-keys -t "$S" -l "flip_h" && WAIT_TENTHS=100 wait_for "after: flip_h" && wait_gone "decoding…" &&
    tm send-keys -t "$S" Tab && tm send-keys -t "$S" Tab && tm send-keys -t "$S" Right &&
    wait_for "add copies to D0003" && tm send-keys -t "$S" Enter &&
    WAIT_TENTHS=300 wait_for "added 200 processed copies to D0003" &&
    "$BIN" --workspace "$W" dataset show D0003 | grep -q "images:      400"
}
check "add mode adds the processed copies to the same dataset (200 → 400 images)" add_copies

quit() {
    tm send-keys -t "$S" Escape && wait_gone "Preprocess" && tm send-keys -t "$S" q && wait_for "EXITED=0"
}
check "Esc closes the form and q quits with status 0" quit

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
