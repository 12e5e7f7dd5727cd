#!/usr/bin/env bash
# End-to-end tests of what the CLI promises beyond each command: it never makes a workspace in a
# mistyped folder, fails on a read-only workspace in SQLite's words, prints a cancellation as an
# error, deletes a project's tasks unasked, or lets an escape sequence through; and every --json has
# one style (docs/cli-json.md).
# Drives the real binary ($AIARTS_BIN); ends with the 'N passed, N failed' line.
set -u
BIN=${AIARTS_BIN:?set AIARTS_BIN to the aiarts binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
# check() and the counters (the tmux helpers there go unused).
source "$(dirname "$0")/lib.sh"

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

json_style() {
    # Every --json: snake_case keys, RFC 3339 UTC times, real booleans, nested objects as objects.
    # Keys inside maps of the user's names (labels, splits, series, params ...) are data, not style.
    "$BIN" --workspace "$W" task create P0002 --trainer command --param command='echo ok' >/dev/null &&
    "$BIN" --workspace "$W" task start T0002 >/dev/null && "$BIN" --workspace "$W" task wait T0002 >/dev/null &&
    "$BIN" --workspace "$W" annotate task create D0002 --name pass --size 2 --formatter '[{"name": "square"}]' >/dev/null &&
    "$BIN" --workspace "$W" user add ada --role admin >/dev/null && "$BIN" --workspace "$W" token create ada --expires 1d >/dev/null 2>&1 &&
    local c i=0 sample
    sample=$("$BIN" --workspace "$W" review queue D0002 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["sample_id"])') &&
    while IFS= read -r c; do
        i=$((i + 1))
        eval "\"\$BIN\" --workspace \"\$W\" $c --json" >"$T/style-$i.json" || { echo "failed: $c"; return 1; }
        echo "$c" >"$T/style-$i.cmd"
    done <<'CMDS'
dataset list
dataset show D0002
dataset details D0002
dataset create extra --type detection
project list
project show P0002
task list
task show T0002
task status T0002
task params T0002
workspace get T0002
workspace get D0002
workspace get P0002
workspace get A0001
workspace info
annotate task show A0001
annotate apply A0001 --user ann
review summary D0002
review queue D0002
review decide D0002 $sample accept
annotate commits --task A0001
model list
user list
token list
system
CMDS
    python3 - "$T" "$i" <<'PY'
import json, re, sys
folder, count = sys.argv[1], int(sys.argv[2])
data_maps = {"labels", "splits", "params", "evaluation", "label_files", "split_lists", "values", "series", "counts"}
contract = {"pageNum", "pageSize"}  # the crowd annotation API's names (docs/annotation.md)
rfc3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
problems = []
def walk(x, path, cmd):
    if isinstance(x, dict):
        for k, v in x.items():
            if path.split("/")[-1] not in data_maps and k not in contract and not re.fullmatch(r"[a-z0-9_]+", k):
                problems.append(f"{cmd}: key {path}/{k}")
            walk(v, f"{path}/{k}", cmd)
    elif isinstance(x, list):
        for v in x: walk(v, path, cmd)
    elif isinstance(x, str):
        if re.fullmatch(r"\s*[\[{].*[\]}]\s*", x, re.S): problems.append(f"{cmd}: JSON inside a string at {path}")
        if re.match(r"\d{4}-\d\d-\d\d[T ]\d", x) and not rfc3339.fullmatch(x): problems.append(f"{cmd}: time {x} at {path}")
    elif isinstance(x, (int, float)) and not isinstance(x, bool):
        if re.search(r"(_at|^at)$", path.split("/")[-1]): problems.append(f"{cmd}: time as a number at {path}")
        if path.split("/")[-1] in ("in_place", "cancel_requested", "stop_requested", "is_crowd", "existing"):
            problems.append(f"{cmd}: boolean as a number at {path}")
for n in range(1, count + 1):
    cmd = open(f"{folder}/style-{n}.cmd").read().strip()
    walk(json.load(open(f"{folder}/style-{n}.json")), "", cmd)
print("\n".join(problems))
sys.exit(1 if problems else 0)
PY
}
check "every --json has one style: snake_case, RFC 3339 times, booleans, nested objects" json_style

escape_vectors() {
    # Terminal escapes put where users' data goes (a dataset's name, a class folder, a file name, a
    # task name, a path in an error), then every command that shows it, text and --json: no escape,
    # C1 or bidi control may come out raw, on stdout or stderr (docs/guarantees.md). DEL is tried but
    # not counted: terminals ignore it, and JSON need not escape it.
    local vectors=(
        '\033]52;c;aGVsbG8=\007' '\033]0;pwned\007' '\033]8;;x\033\\link\033]8;;\033\\' '\033[2J' '\033[H\033[31m'
        '\033P1$r\033\\' '\033_Ga=d\033\\' '\302\2332J' '\302\2350;t\302\234' '\007\010\r' '\342\200\256' '\342\201\246' '\177'
    )
    local ew=$T/esc n=0 v name img
    img=$(find "$W/datasets/D0001" -name '*.jpg' | head -n 1)
    for v in "${vectors[@]}"; do
        n=$((n + 1))
        name=$(printf "x${v}y")
        local src=$T/esc-src-$n
        mkdir -p "$src/c${name}" && cp "$img" "$src/c${name}/f${name}.jpg" && printf 'broken' >"$src/c${name}/bad${name}.jpg"
        {
            "$BIN" --workspace "$ew" dataset create "d${name}" --type classification
            "$BIN" --workspace "$ew" dataset import "D$(printf %04d $n)" "$src" --format imagenet
            "$BIN" --workspace "$ew" dataset import "D$(printf %04d $n)" "$T/missing${name}" --format voc
            "$BIN" --workspace "$ew" project create "p${name}" --type classification --dataset "D$(printf %04d $n)"
            "$BIN" --workspace "$ew" task create "P$(printf %04d $n)" --name "t${name}" --trainer command --param command=true
        } >>"$T/esc.out" 2>&1
    done
    local id
    for id in $(seq -f 'D%04g' 1 $n); do
        for c in "dataset show $id" "dataset details $id" "workspace get $id"; do
            "$BIN" --workspace "$ew" $c >>"$T/esc.out" 2>&1; "$BIN" --workspace "$ew" $c --json >>"$T/esc.out" 2>&1
        done
    done
    for c in "dataset list" "project list" "task list"; do
        "$BIN" --workspace "$ew" $c >>"$T/esc.out" 2>&1; "$BIN" --workspace "$ew" $c --json >>"$T/esc.out" 2>&1
    done
    echo "$n vectors; $(wc -c <"$T/esc.out") bytes of output checked"
    python3 - "$T/esc.out" <<'PY'
import re, sys
data = open(sys.argv[1], "rb").read()
bad = re.compile(rb"[\x1b\x07\x08\x9b\x9d]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]")
hits = [m.start() for m in bad.finditer(data)]
if hits:
    print(f"{len(hits)} raw controls, first at byte {hits[0]}: {data[max(0, hits[0]-60):hits[0]+20]!r}")
    sys.exit(1)
PY
}
check "escape sequences in names, labels, file names and paths never reach the terminal raw" escape_vectors

version() { "$BIN" --version | grep -qE '^[0-9]+\.[0-9]+\.[0-9]+$'; }
check "aiarts --version" version

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
