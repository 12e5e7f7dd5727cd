#!/usr/bin/env bash
# End-to-end test of the review screen: `aiarts demo` builds a workspace, `aiarts review open` shows its
# detection dataset inside a detached tmux session, and ten samples are reviewed by keys (accept, class
# change, box deletion, flag, bad, note). Midway aiarts is killed with SIGKILL; reopened, the review
# continues where it stopped, and `aiarts review summary --json` and the screen hold every decision
# made before the kill. Ends with the 'N passed, N failed' line.
set -u
BIN=${AIARTS_BIN:?set AIARTS_BIN to the aiarts binary}
command -v tmux >/dev/null || { echo "tmux not found"; echo "0 passed, 1 failed"; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found"; echo "0 passed, 1 failed"; exit 1; }
T=$(mktemp -d)
W=$T/demo
SOCK=$T/tmux.sock
S=aiarts-review-e2e
passed=0
failed=0
tm() { tmux -S "$SOCK" "$@"; }
cleanup() { tm kill-server >/dev/null 2>&1; rm -rf "$T"; }
trap cleanup EXIT

check() {
    local name=$1
    shift
    if "$@" >"$T/check.out" 2>&1; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$T/check.out" | tail -40
    fi
}

screen() { tm capture-pane -p -t "$S" 2>/dev/null; }

# Waits up to ~10 s for the screen to contain a fixed string, then shows the screen on failure.
wait_for() {
    local i
    for i in $(seq 1 100); do
        screen | grep -qF -- "$1" && return 0
        sleep 0.1
    done
    echo "screen never showed: $1"; screen
    return 1
}

wait_gone() {
    local i
    for i in $(seq 1 100); do
        screen | grep -qF -- "$1" || return 0
        sleep 0.1
    done
    echo "screen still shows: $1"; screen
    return 1
}

keys() { tm send-keys -t "$S" "$@"; }

# The review summary as JSON, and one number from it (python reads it: no jq needed).
summary() { "$BIN" --workspace "$W" review summary "$DID" --json; }
field() { summary | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
decisions() { summary | python3 -c 'import json,sys; print(sum(r["decisions"] for r in json.load(sys.stdin)["reviewers"]))'; }

# Waits until the engine holds N decisions: each is saved the moment it is made.
wait_decisions() {
    local i n
    for i in $(seq 1 100); do
        n=$(decisions 2>/dev/null)
        [ "$n" = "$1" ] && return 0
        sleep 0.1
    done
    echo "the engine holds $n decisions, not $1"; summary; screen
    return 1
}

# The queue's sample N (1-based) as JSON: path, labels, status, changed, note.
sample() {
    "$BIN" --workspace "$W" review queue "$DID" --json | python3 -c "import json,sys; print(json.dumps(json.load(sys.stdin)[$1 - 1]))"
}
sample_field() { sample "$1" | python3 -c "import json,sys; v = json.load(sys.stdin)['$2']; print(json.dumps(v) if isinstance(v, (list, bool)) else v)"; }

# The number key of a class other than the first box's of sample N (circle 1, square 2, triangle 3).
other_class_key() {
    sample "$1" | python3 -c 'import json,sys; names = ["circle", "square", "triangle"]; l = json.load(sys.stdin)["labels"][0]; print((names.index(l) + 1) % 3 + 1)'
}

open_review() {
    # `; echo EXITED=$?` marks the moment aiarts returned, and its exit status, on the screen.
    tm -f /dev/null new-session -d -s "$S" -x 120 -y 34 \
        "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 '$BIN' --workspace '$W' review open $DID; echo EXITED=\$?; sleep 60"
}

setup() {
    "$BIN" --workspace "$W" demo --no-tui >"$T/demo.out" 2>&1 || { cat "$T/demo.out"; return 1; }
    DID=$(grep -oE '^D[0-9]{4} shapes \(detection\)' "$T/demo.out" | cut -d' ' -f1)
    [ -n "$DID" ] && [ "$(field unreviewed)" = 200 ]
}
check "the demo workspace has a detection dataset of 200 unreviewed samples" setup

# What sample 2 and 3 look like before anyone touches them.
CLASS_KEY=$(other_class_key 2)
NEW_CLASS=$(python3 -c "print(['circle', 'square', 'triangle'][$CLASS_KEY - 1])")
BOXES3=$(sample_field 3 labels | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')

opens() {
    open_review && wait_for "1/200 · split" && wait_for "○ unreviewed" && wait_for "BOXES" && wait_for "Space accept"
}
check "review open shows the first sample, its boxes and the keys" opens

first_five() {
    keys Space && wait_for "2/200" && wait_decisions 1 &&
    # Sample 2: the selected box gets another class, then accepted.
    keys "$CLASS_KEY" && wait_decisions 2 && wait_for "labels changed" && wait_for "▶ $NEW_CLASS" &&
    keys Space && wait_for "3/200" && wait_decisions 3 &&
    # Sample 3: the second box selected and deleted, then accepted.
    wait_for "BOXES $BOXES3" && keys Tab && keys x && wait_for "BOXES $((BOXES3 - 1))" && wait_decisions 4 &&
    keys Space && wait_for "4/200" && wait_decisions 5 &&
    # Sample 4 flagged for re-annotation (auto-advance moves on), sample 5 accepted.
    keys f && wait_for "5/200" && wait_decisions 6 &&
    keys Space && wait_for "6/200" && wait_decisions 7
}
check "accept, a class change, a deleted box and a flag, each saved as it is made" first_five

hold_to_hide() {
    # Hidden while the key is held (here: pressed once), shown again by the timer.
    wait_for "▶ " && keys h && wait_for "overlays hidden" && wait_gone "overlays hidden"
}
check "the hide key hides the overlays and they come back by themselves" hold_to_hide

sigkill() {
    local shell pid
    shell=$(tm display-message -p -t "$S" '#{pane_pid}') && pid=$(pgrep -P "$shell" | head -1) &&
    [ -n "$pid" ] && kill -KILL "$pid" && wait_for "EXITED=137"
}
check "aiarts is killed with SIGKILL midway" sigkill

before_kill() {
    [ "$(field reviewed)" = 4 ] && [ "$(field flagged)" = 1 ] && [ "$(field changed)" = 2 ] && [ "$(decisions)" = 7 ] &&
    [ "$(sample_field 1 status)" = reviewed ] &&
    [ "$(sample_field 2 status)" = reviewed ] && [ "$(sample_field 2 changed)" = true ] &&
    [ "$(sample_field 2 labels | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')" = "$NEW_CLASS" ] &&
    [ "$(sample_field 3 labels | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = $((BOXES3 - 1)) ] &&
    [ "$(sample_field 4 status)" = flagged ] && [ "$(sample_field 5 status)" = reviewed ] &&
    [ "$(sample_field 6 status)" = unreviewed ] || { summary; for n in 1 2 3 4 5 6; do sample $n; done; return 1; }
}
check "every decision made before the kill is in review summary --json" before_kill

reopen() {
    tm kill-session -t "$S" >/dev/null 2>&1
    S=$S-2
    # It opens on the first sample nobody has decided about; the ones before show their decisions.
    open_review && wait_for "6/200" && wait_for "○ unreviewed" &&
    keys Left && wait_for "5/200" && wait_for "● reviewed by" &&
    keys Left && wait_for "4/200" && wait_for "● flagged by" &&
    keys Left && wait_for "3/200" && wait_for "BOXES $((BOXES3 - 1))" && wait_for "labels changed" &&
    keys Left && wait_for "2/200" && wait_for "▶ $NEW_CLASS" &&
    keys u && wait_for "6/200"
}
check "reopened, the screen shows the decisions and u goes on from the first unreviewed" reopen

last_five() {
    local key8
    key8=$(other_class_key 8)
    keys Space && wait_for "7/200" && wait_decisions 8 &&
    keys b && wait_for "8/200" && wait_decisions 9 &&
    keys "$key8" && wait_decisions 10 && wait_for "labels changed" && keys Space && wait_for "9/200" && wait_decisions 11 &&
    keys n && wait_for "Note" && keys -l "checked twice" && keys Enter && wait_for "note: checked twice" && wait_decisions 12 &&
    keys Space && wait_for "10/200" && wait_decisions 13 &&
    # Undo and redo the last accept: the screen goes back to sample 9, then the decision stands again.
    keys z && wait_for "undone:" && wait_for "9/200" && wait_decisions 12 && keys Z && wait_for "redone:" && wait_decisions 13 &&
    keys Right && wait_for "10/200" && keys Space && wait_for "11/200" && wait_decisions 14 &&
    keys q && wait_for "EXITED=0"
}
check "ten samples reviewed by keys in all (bad, note, undo and redo too); q leaves" last_five

after() {
    [ "$(field reviewed)" = 8 ] && [ "$(field flagged)" = 1 ] && [ "$(field bad)" = 1 ] && [ "$(field changed)" = 3 ] &&
    [ "$(field unreviewed)" = 190 ] && [ "$(decisions)" = 14 ] &&
    [ "$(sample_field 7 status)" = bad ] && [ "$(sample_field 9 note)" = "checked twice" ] &&
    [ "$(sample_field 2 labels | python3 -c 'import json,sys; print(json.load(sys.stdin)[0])')" = "$NEW_CLASS" ] &&
    [ "$(sample_field 4 status)" = flagged ] || { summary; return 1; }
}
check "the summary holds every decision, those before the kill included" after

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
