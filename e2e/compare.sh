#!/usr/bin/env bash
# End-to-end tests of `aiarts model compare` (docs/models.md, "Comparing models"): two built-in
# trainings (one derived from the other) registered and compared as a table and as JSON, measured
# with --measure (aiarts-train bench), the refusals; then, where scripts/python-env.sh gives a Python
# with torch and onnxruntime, an ONNX and a TorchScript upload timed through it. Ends with the
# 'N passed, N failed' line. AIARTS_BIN: the binary (default .build/debug/aiarts, aiarts-train beside it).
set -u
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-.build/debug/aiarts}
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
T=$(mktemp -d)
W=$T/ws
. e2e/lib.sh  # check, passed, failed
trap 'stop_running_tasks "$BIN" "$W"; rm -rf "$T"' EXIT
a() { "$BIN" --workspace "$W" "$@"; }

json_ok() { # FILE EXPR: python3 evaluates EXPR with the parsed document bound to d.
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ok=eval(sys.argv[2]); print(d if not ok else ""); sys.exit(0 if ok else 1)' "$1" "$2"
}

trained() {
    a demo --no-tui >/dev/null 2>&1 &&
    a task create P0001 --param epochs=2 --param image_size=16 --name first >/dev/null &&
    a task start T0001 >/dev/null && a task wait T0001 >/dev/null &&
    a task create P0001 --from T0001 --param epochs=1 --name second >/dev/null &&
    a task start T0002 >/dev/null && a task wait T0002 >/dev/null &&
    a model register T0001 >/dev/null && a model register T0002 >/dev/null
}
check "two built-in trainings, the second derived, registered as M0001 and M0002" trained

table() {
    a model compare M0001 M0002 >"$T/table.txt" && cat "$T/table.txt" &&
    head -1 "$T/table.txt" | grep -q "M0001 v1 *M0002 v1" &&
    grep -q "^acc1 ↑ .*\*" "$T/table.txt" &&
    grep -q "^evaluated on *D0001/val *D0001/val$" "$T/table.txt" &&
    grep -q "^format *aiarts-train checkpoint *aiarts-train checkpoint$" "$T/table.txt" &&
    grep -q "^parent task *- *T0001$" "$T/table.txt" &&
    grep -q "^latency ms *- *-$" "$T/table.txt" &&
    grep -q "latency ms of M0001 v1: not measured" "$T/table.txt" &&
    ! grep -q "^!" "$T/table.txt"
}
check "the table: versions as columns, the best acc1 marked, the same val split, the parent task" table

json_contract() {
    a model compare M0001 M0002 --json >"$T/c.json" &&
    json_ok "$T/c.json" 'd["comparable"] and d["split"] == "val" and d["warnings"] == [] and [m["label"] for m in d["models"]] == ["M0001 v1", "M0002 v1"] and d["models"][1]["parent_task"] == "T0001" and all(m["parameters"] > 0 and m["basis"]["source"] == "trainer" and m["basis"]["dataset"] == "D0001" for m in d["models"]) and "acc1" in d["metrics"] and [r["name"] for r in d["rows"]][-6:] == ["size", "parameters", "latency ms", "format", "task", "parent task"] and all(len(r["values"]) == 2 and len(r["notes"]) == 2 for r in d["rows"])'
}
check "--json: models, metrics, comparable, warnings, rows" json_contract

measured() {
    a model compare M0001 M0002 --measure --runs 5 >"$T/m.txt" && cat "$T/m.txt" &&
    grep -q "M0001 v1: .* ms per image .*aiarts-train, input 1x3x16x16, 1 thread, 5 runs" "$T/m.txt" &&
    a model compare M0001 M0002 --json >"$T/m.json" &&
    json_ok "$T/m.json" 'all(m["latency"]["ms_per_image"] > 0 and m["latency"]["runtime"] == "aiarts-train" and m["latency_note"] is None for m in d["models"])' &&
    # Kept in the store, never in the version folder (downloads check it against the manifest).
    [ "$(ls "$W/models/M0001/v1" | sort | tr '\n' ' ')" = "model.bin model.json optimizer.bin state.json " ] &&
    a model download M0001 "$T/dl" >/dev/null
}
check "--measure times the built-in models and keeps the figure (not in the version folder)" measured

one_line() { # EXPECTED ARGS…: exit 1 with one line on stderr containing EXPECTED
    local want=$1; shift
    a "$@" >"$T/out" 2>"$T/err"; local rc=$?
    cat "$T/err"
    [ $rc -ne 0 ] && [ "$(wc -l <"$T/err")" -eq 1 ] && grep -q -- "$want" "$T/err"
}
refusals() {
    one_line "one version" model compare M0001 &&
    one_line "named twice" model compare M0001 M0001:v1 &&
    one_line "M0009" model compare M0001 M0009 &&
    one_line "no version v4" model compare M0001 M0002:v4 &&
    one_line "is not a model" model compare M0001 T0001 &&
    one_line "--split" model compare M0001 M0002 --split holdout
}
check "refusals are one line each" refusals

one_model_versions() {
    a model register T0001 --epoch 2 --to M0001 >/dev/null &&
    a model compare M0001 --json >"$T/v.json" &&
    json_ok "$T/v.json" '[m["label"] for m in d["models"]] == ["M0001 v1", "M0001 v2"]'
}
check "one model named alone compares its versions" one_model_versions

if PY=$(scripts/python-env.sh 2>"$T/py.err"); then
    onnx_torch() {
        "$PY" - "$T" <<'PY' || return 1
import sys, torch
t = sys.argv[1]
torch.manual_seed(0)
m = torch.nn.Sequential(torch.nn.Conv2d(3, 8, 3), torch.nn.ReLU(), torch.nn.AdaptiveAvgPool2d(1), torch.nn.Flatten(), torch.nn.Linear(8, 3)).eval()
torch.onnx.export(m, torch.rand(1, 3, 32, 32), t + "/net.onnx", input_names=["image"], dynamic_axes={"image": {0: "n", 2: "h", 3: "w"}}, dynamo=False)
torch.jit.script(m).save(t + "/net.torchscript.pt")
print(sum(p.numel() for p in m.parameters()))
PY
        a model upload "$T/net.onnx" --type classification >/dev/null &&
        a model upload "$T/net.torchscript.pt" --type classification >/dev/null &&
        # The ONNX file's weights are counted in Swift before anything runs.
        a model compare M0003 M0004 --json >"$T/o.json" &&
        json_ok "$T/o.json" 'd["models"][0]["parameters"] == 251 and d["models"][1]["parameters"] is None' &&
        AIARTS_PYTHON=$PY a model compare M0001 M0003 M0004 --measure --runs 5 >"$T/o.txt" && cat "$T/o.txt" &&
        grep -q "M0003 v1: .*onnxruntime" "$T/o.txt" && grep -q "M0004 v1: .*torch " "$T/o.txt" &&
        a model compare M0003 M0004 --json >"$T/o2.json" &&
        json_ok "$T/o2.json" 'all(m["parameters"] == 251 and m["latency"]["ms_per_image"] > 0 for m in d["models"]) and d["models"][0]["latency"]["input"] == "1x3x224x224"'
    }
    check "ONNX (onnxruntime) and TorchScript (torch) uploads timed through the workspace's Python" onnx_torch
else
    echo "skip ONNX/TorchScript timing: $(tail -1 "$T/py.err")"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
