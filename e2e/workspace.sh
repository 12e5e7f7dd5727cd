#!/usr/bin/env bash
# End-to-end tests of what the CLI never does silently: make a workspace in a mistyped folder,
# fail on a read-only workspace in SQLite's words, or print a cancellation as an error.
# Drives the real binary ($AIARTS_BIN); ends with the 'N passed, N failed' line.
set -u
BIN=${AIARTS_BIN:?set AIARTS_BIN to the aiarts binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
passed=0
failed=0

check() {
    local name=$1
    shift
    if "$@" >"$T/check.out" 2>&1; then
        passed=$((passed + 1)); echo "ok   $name"
    else
        failed=$((failed + 1)); echo "FAIL $name"; sed 's/^/     /' "$T/check.out" | tail -20
    fi
}

W=$T/ws
"$BIN" --workspace "$W" demo --no-tui >/dev/null 2>&1 || { echo "FAIL demo workspace"; echo "0 passed, 1 failed"; exit 1; }

mistyped_workspace() {
    mkdir -p "$T/photos" && echo x >"$T/photos/notes.txt" &&
    ! "$BIN" --workspace "$T/photos" dataset list 2>"$T/other.err" >/dev/null &&
    grep -q "is not an aiarts workspace" "$T/other.err" &&
    [ "$(ls "$T/photos")" = notes.txt ] &&
    "$BIN" --workspace "$T/fresh" dataset list 2>"$T/fresh.err" >/dev/null &&
    grep -q "making a new one there" "$T/fresh.err" &&
    [ -f "$T/fresh/aiarts.sqlite" ] &&
    "$BIN" --workspace "$T/fresh" dataset list 2>"$T/again.err" >/dev/null &&
    [ ! -s "$T/again.err" ]
}
check "a workspace is made only in a missing or empty folder, and says so" mistyped_workspace

read_only_workspace() {
    if [ "$(id -u)" != 0 ] || ! command -v setpriv >/dev/null; then
        echo "skipped: needs root and setpriv to run as another user"; return 0
    fi
    # Another user reads a copy of the workspace and the binary that it may not write.
    local ro=$T/ro
    mkdir -p "$ro" && cp "$BIN" "$ro/aiarts" && cp -r "$W" "$ro/ws" && chmod -R a+rX,go-w "$T" &&
    local as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
    $as_nobody "$ro/aiarts" --workspace "$ro/ws" dataset list --json >"$T/ro-list.json" 2>"$T/ro.err" &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if len(d) == 2 else 1)' "$T/ro-list.json" &&
    $as_nobody "$ro/aiarts" --workspace "$ro/ws" project show P0001 >/dev/null &&
    $as_nobody "$ro/aiarts" --workspace "$ro/ws" task list >/dev/null &&
    ! $as_nobody "$ro/aiarts" --workspace "$ro/ws" dataset create x --type detection 2>"$T/ro-write.err" >/dev/null &&
    grep -q "read-only" "$T/ro-write.err" &&
    ! grep -qE "SQLite error|NSCocoaErrorDomain|Code=513" "$T/ro-write.err" "$T/ro.err"
}
check "a read-only workspace reads, and refuses writes in plain words" read_only_workspace

ctrl_c_import() {
    # Enough images that the import is still checking when Ctrl-C arrives.
    local src=$T/many f i
    mkdir -p "$src/circle"
    for f in "$W"/datasets/D0001/circle/*.jpg; do
        for i in $(seq 1 40); do cp "$f" "$src/circle/$i-$(basename "$f")"; done
    done
    "$BIN" --workspace "$W" dataset create many --type classification >/dev/null &&
    { "$BIN" --workspace "$W" dataset import D0003 "$src" --format imagenet >"$T/int.out" 2>"$T/int.err" & } &&
    local pid=$! state=""
    for i in $(seq 1 400); do
        state=$("$BIN" --workspace "$W" dataset show D0003 --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
        case $state in checking|checked|copying) break ;; esac
        sleep 0.05
    done
    kill -INT "$pid"
    wait "$pid"
    local rc=$?
    echo "state when interrupted: $state; exit $rc; stderr: $(cat "$T/int.err")"
    [ "$rc" = 130 ] && grep -qx "cancelled" "$T/int.err" && ! grep -q "CancellationError" "$T/int.err" &&
    "$BIN" --workspace "$W" dataset show D0003 --json >"$T/after.json" &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["status"] == "cancelled" and d["images"] == 0 else 1)' "$T/after.json"
}
check "Ctrl-C during an import says cancelled and exits 130" ctrl_c_import

project_rm_lists() {
    "$BIN" --workspace "$W" task create P0001 --trainer command --param command=true >/dev/null &&
    ! "$BIN" --workspace "$W" project rm P0001 2>"$T/rm.err" >/dev/null &&
    grep -q "has 1 task (T0001)" "$T/rm.err" &&
    "$BIN" --workspace "$W" project rm P0001 --force --json >"$T/rm.json" &&
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if d["tasks"] == ["T0001"] else 1)' "$T/rm.json" &&
    [ ! -e "$W/tasks/T0001" ]
}
check "project rm with tasks needs --force and lists what it deletes" project_rm_lists

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
