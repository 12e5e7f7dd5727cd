#!/usr/bin/env bash
# End-to-end tests of the torch trainer's fixes (docs/torch-trainers.md) through the real binary
# ($AIARTS_BIN, default .build/debug/aiarts): the Python setting, a short CPU run on the demo's
# classification data, resume without doubled points, predict's --score-threshold, the ONNX export's
# names and sizes. Torch checks skip with a message when scripts/python-env.sh cannot give a venv.
# Ends with the 'N passed, N failed' line. About 2 minutes on 2 cores.
set -u
BIN=${AIARTS_BIN:-$(cd "$(dirname "$0")/.." && pwd)/.build/debug/aiarts}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
T=$(mktemp -d)
W=$T/ws
. "$(dirname "$0")/lib.sh"  # check, passed, failed, stop_running_tasks
trap 'stop_running_tasks "$BIN" "$W"; rm -rf "$T"' EXIT
export AIARTS_WORKSPACE=$W
unset AIARTS_PYTHON

json_ok() { # FILE EXPR: python3 evaluates EXPR with the document bound to d
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ok=eval(sys.argv[2]); print(d if not ok else ""); sys.exit(0 if ok else 1)' "$1" "$2"
}

"$BIN" demo --no-tui >"$T/demo.out" 2>&1 || { cat "$T/demo.out"; exit 1; }

python_setting() {
    "$BIN" workspace python | grep -q "python3  (default: python3 on PATH)" &&
    ! "$BIN" workspace python python3 2>"$T/rel.err" && grep -q "not an absolute path" "$T/rel.err" &&
    ! "$BIN" workspace python "$T/none/python" 2>"$T/missing.err" && grep -q "does not exist" "$T/missing.err" &&
    "$BIN" workspace python /bin/sh && "$BIN" workspace python | grep -q "^/bin/sh  (the workspace setting)" &&
    AIARTS_PYTHON=/opt/x/python "$BIN" workspace python --json >"$T/py.json" && json_ok "$T/py.json" 'd["source"]=="environment"' &&
    "$BIN" system --json >"$T/system.json" && json_ok "$T/system.json" 'd["python"]=={"path":"/bin/sh","source":"workspace"}' &&
    "$BIN" system | grep -q "^python: /bin/sh" &&
    printf '{"python": ' >"$W/settings.json" && "$BIN" workspace python | grep -q "note: .*settings.json is not a JSON object" &&
    ! "$BIN" workspace python /bin/sh 2>/dev/null && rm "$W/settings.json" &&
    "$BIN" workspace python --unset && "$BIN" workspace python | grep -q "(default"
}
check "aiarts workspace python sets, shows, refuses and falls back; aiarts system shows it" python_setting

if ! PY=$("$ROOT/scripts/python-env.sh" 2>"$T/venv.err"); then
    echo "skip torch checks: $(tail -1 "$T/venv.err")"
    echo "$passed passed, $failed failed"
    [ "$failed" -eq 0 ]; exit
fi

torch_run() {
    "$BIN" workspace python "$PY" &&
    id=$("$BIN" task create P0001 --trainer torch --param epochs=2 --param image_size=32 --param workers=0 \
        --param batch_size=32) &&
    "$BIN" task params "$id" --json >"$T/params.json" &&
    json_ok "$T/params.json" 'd["optimizer"]=="adamw" and d["learning_rate"]=="0.001"' &&
    "$BIN" task start "$id" >/dev/null && "$BIN" task wait "$id" &&
    grep -q "$PY" "$W/tasks/$id/command.txt" &&
    "$BIN" task resume "$id" --epoch 1 >/dev/null && "$BIN" task wait "$id" &&
    "$BIN" task metrics "$id" --json >"$T/metrics.json" &&
    json_ok "$T/metrics.json" '[p["epoch"] for p in d["eval/acc1"]]==[1,2]' &&
    [ "$(grep -c '"type": "eval"' "$W/tasks/$id/metrics.jsonl")" -eq 3 ] &&
    "$BIN" task status "$id" >"$T/status.txt" &&
    "$BIN" task predict "$id" --split test --score-threshold 0.2 --json >"$T/pred.json" &&
    json_ok "$T/pred.json" 'len(d["images"])==30 and all(i["labels"] for i in d["images"])' &&
    ! "$BIN" task predict "$id" --split test --score-threshold 2 2>"$T/thr.err" && grep -q "score-threshold" "$T/thr.err" &&
    echo "$id" >"$T/task.id"
}
check "a torch task runs with the workspace's Python and its defaults; a resume leaves one eval point per epoch; predict takes --score-threshold" torch_run

missing_weights() {
    "$BIN" workspace python "$PY" &&
    id=$("$BIN" task create P0001 --trainer torch --param pretrained="$T/none.pth" --param epochs=1) &&
    ! "$BIN" task start "$id" 2>"$T/start.err" &&
    grep -q "pretrained-weights file $T/none.pth does not exist" "$T/start.err" &&
    "$BIN" task create P0001 --trainer torch --param batch_size=8 --param image_size=32 --param epochs=1 >"$T/parent.id" &&
    parent=$(cat "$T/parent.id") && mkdir -p "$W/tasks/$parent/checkpoints/epoch_1" &&
    : >"$W/tasks/$parent/checkpoints/epoch_1/model.pt" &&
    echo '{"type":"checkpoint","epoch":1,"path":"checkpoints/epoch_1","best":true}' >"$W/tasks/$parent/metrics.jsonl" &&
    child=$("$BIN" task create P0001 --from "$parent") &&
    "$BIN" task params "$child" --json >"$T/child.json" && json_ok "$T/child.json" 'd["batch_size"]=="8"'
}
check "a missing pretrained file is named at start; --from keeps an explicit batch_size" missing_weights

export_onnx() {
    id=$(cat "$T/task.id") &&
    "$BIN" task export "$id" --json >"$T/export.json" &&
    report=$(ls "$W/tasks/$id"/export/*/export.json | head -1) &&
    json_ok "$report" 'd["ok"] and d["onnx"]["outputs"][0]["name"]=="output" and d["checks"]["onnx"]["ok"]'
}
check "the export of the classifier loads back in onnxruntime and export.json names its ONNX outputs" export_onnx

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
