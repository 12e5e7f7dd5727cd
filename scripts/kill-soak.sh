#!/usr/bin/env bash
# Kills aiarts at random moments and checks that nothing is lost and nothing is left stuck:
#   - `dataset import` SIGKILLed mid-import, KILLS times: the next command finds the dataset as it
#     was (not `checking`/`copying` for ever), `datasets/.staging` is emptied, and a last import
#     completes;
#   - a task's supervisor SIGKILLed, KILLS times: its trainer dies with it (it stops writing), the
#     task can be started again, and never runs twice at once;
#   - the database passes `PRAGMA integrity_check` at the end.
# Usage: scripts/kill-soak.sh [KILLS] (default 20). Builds the debug binary unless AIARTS_BIN is set.
# Prints one line per kill and ends with 'N passed, N failed'.
set -u
cd "$(dirname "$0")/.."
KILLS=${1:-20}
if [ -z "${AIARTS_BIN:-}" ]; then swift build --product aiarts >/dev/null || exit 1; AIARTS_BIN=$PWD/.build/debug/aiarts; fi
BIN=$AIARTS_BIN
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
W=$T/ws
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok   $*"; }
bad() { failed=$((failed + 1)); echo "FAIL $*"; }
field() { python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])' "$1"; }

"$BIN" --workspace "$W" demo --no-tui >/dev/null 2>&1 || { echo "FAIL demo"; echo "0 passed, 1 failed"; exit 1; }
src=$T/src
mkdir -p "$src/circle" "$src/square"
for f in "$W"/datasets/D0001/circle/*.jpg; do for i in $(seq 1 12); do cp "$f" "$src/circle/$i-$(basename "$f")"; done; done
for f in "$W"/datasets/D0001/square/*.jpg; do for i in $(seq 1 12); do cp "$f" "$src/square/$i-$(basename "$f")"; done; done
"$BIN" --workspace "$W" dataset create soak --type classification >/dev/null

for k in $(seq 1 "$KILLS"); do
    "$BIN" --workspace "$W" dataset import D0003 "$src" --format imagenet >/dev/null 2>&1 &
    pid=$!
    sleep "$(python3 -c 'import random; print(round(random.uniform(0.05, 1.0), 2))')"
    if kill -KILL "$pid" 2>/dev/null; then hit="killed mid-import"; else hit="had already finished"; fi
    wait "$pid" 2>/dev/null
    status=$("$BIN" --workspace "$W" dataset show D0003 --json | field status)
    left=$(find "$W/datasets/.staging" -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
    case $status in
        checking|checked|copying) bad "import kill $k: still '$status' after the importer died" ;;
        *) if [ "$left" -eq 0 ]; then ok "import kill $k ($hit): '$status', staging empty"; else bad "import kill $k: $left entries left in .staging"; fi ;;
    esac
done
if "$BIN" --workspace "$W" dataset import D0003 "$src" --format imagenet --json >"$T/last.json" 2>"$T/last.err" &&
   [ "$(field images <"$T/last.json")" -gt 0 ]; then ok "an import after $KILLS kills completes"; else bad "the import after the kills: $(cat "$T/last.err")"; fi

task=$("$BIN" --workspace "$W" task create P0001 --trainer command --param command="while :; do date +%s%N >>\"$T/beat\"; sleep 0.05; done")
for k in $(seq 1 "$KILLS"); do
    "$BIN" --workspace "$W" task start "$task" >/dev/null 2>"$T/start.err" || { bad "task kill $k: start refused: $(cat "$T/start.err")"; continue; }
    sleep 0.5
    pid=$("$BIN" --workspace "$W" task show "$task" --json | field pid)
    [ "$pid" != None ] && kill -KILL "$pid" 2>/dev/null
    sleep 1
    before=$(wc -l <"$T/beat"); sleep 0.5; after=$(wc -l <"$T/beat")
    state=$("$BIN" --workspace "$W" task status "$task" --json | field state)
    if [ "$before" = "$after" ]; then ok "task kill $k: the trainer died with its supervisor ($state)"; else bad "task kill $k: the trainer still writes after its supervisor was killed"; "$BIN" --workspace "$W" task stop "$task" >/dev/null 2>&1; fi
done

integrity=$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("PRAGMA integrity_check").fetchone()[0])' "$W/aiarts.sqlite")
if [ "$integrity" = ok ]; then ok "PRAGMA integrity_check: ok"; else bad "PRAGMA integrity_check: $integrity"; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
