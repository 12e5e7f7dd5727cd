#!/usr/bin/env bash
# End-to-end test of model jobs (docs/model-jobs.md) on the real binary ($AIARTS_BIN, default
# .build/debug/aiarts): a built-in model trained on `aiarts demo`'s shapes is extracted (no Python),
# a truncated ONNX fails with the byte it ends at, a conversion the version cannot make is refused;
# then, with the torch venv, a resnet18 trained one epoch at 32 px: its export and a TorchScript file
# extracted, the checkpoint and the TorchScript converted to ONNX, the ONNX upgraded to opset 18 and
# quantised to int8 (dynamic, and static on the dataset's train images), each a new version with its
# check and events. About 3 minutes on 2 cores; the torch part skips (with the reason) when
# scripts/python-env.sh cannot provide torch.
set -u
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-.build/debug/aiarts}
T=$(mktemp -d)
W=$T/ws
. e2e/lib.sh  # check, stop_running_tasks
trap 'stop_running_tasks "$BIN" "$W"; rm -rf "$T"' EXIT
a() { "$BIN" --workspace "$W" "$@"; }
passed=0 failed=0

# A JSON assertion: python3 evaluates EXPR with the parsed document bound to d.
json_ok() { # FILE EXPR
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ok=eval(sys.argv[2]); print(d if not ok else ""); sys.exit(0 if ok else 1)' "$1" "$2"
}

builtin_extracted() {
    a demo --no-tui >/dev/null 2>&1 &&
    a task create P0001 --trainer builtin --param epochs=1 --param image_size=32 >"$T/task" &&
    a task start "$(cat "$T/task")" >/dev/null && a task wait "$(cat "$T/task")" >/dev/null &&
    a model register "$(cat "$T/task")" --name shapes >/dev/null &&
    a model job create M0001 --extract --wait --json >"$T/j1.json" &&
    json_ok "$T/j1.json" 'd["id"] == "J0001" and d["state"] == "succeeded" and d["kind"] == "extraction" and d["source"] == "M0001:v1"' &&
    a model job show J0001 --json >"$T/s1.json" &&
    json_ok "$T/s1.json" '[x["reason"] for x in d["events"]] == ["Created", "Started", "Recognised", "Extracted", "Succeeded"] and d["extraction"]["format"] == "aiarts-train checkpoint" and d["extraction"]["artifacts"][0]["inputs"][0]["shape"] == ["1", "3", "32", "32"] and d["extraction"]["artifacts"][0]["outputs"][0]["shape"] == ["1", "3"] and d["extraction"]["artifacts"][0]["parameterCount"] > 0'
}
check "an aiarts-train checkpoint is extracted without Python: input, output, parameters, events" builtin_extracted

corrupt_and_refused() {
    printf '\x08\x08\x12\x07pytorch\x3a\x40\x0a' >"$T/cut.onnx" &&
    ! a model job create --path "$T/cut.onnx" --extract --wait >"$T/o2" 2>&1 &&
    a model job show J0002 --json >"$T/s2.json" &&
    json_ok "$T/s2.json" 'd["state"] == "failed" and "truncated at byte 14" in d["message"] and d["events"][-1]["type"] == "Warning"' &&
    echo hello >"$T/notes.txt" &&
    ! a model job create --path "$T/notes.txt" --extract --wait >"$T/o3" 2>&1 && grep -q "not a model format aiarts recognises" "$T/o3" &&
    ! a model job create M0001 --convert opset=18 2>"$T/e1" && grep -q "holds no ONNX file" "$T/e1" &&
    ! a model job create M0001 --convert tflite 2>"$T/e2" && grep -q "give onnx, opset=N or int8" "$T/e2" &&
    ! a model job create M0001 --extract --dynamic 2>"$T/e3" &&
    ! a model job create --path "$T/cut.onnx" --convert onnx 2>"$T/e4" && grep -q "upload it" "$T/e4" &&
    ! a model job show J0404 2>"$T/e5" && grep -q "J0404 does not exist" "$T/e5"
}
check "a truncated ONNX fails with the byte, unknown files and impossible conversions are refused in one line" corrupt_and_refused

if ! PY=$(scripts/python-env.sh 2>"$T/venv.err"); then
    echo "skip: torch jobs need torch, onnx and onnxruntime: $(tail -n 1 "$T/venv.err")"
else
    export AIARTS_PYTHON=$PY
    torch_model() {
        a task create P0001 --trainer torch --param model=resnet18 --param epochs=1 --param image_size=32 \
            --param batch_size=32 --param workers=0 --param optimizer=adamw --param learning_rate=0.001 >"$T/tt" &&
        a task start "$(cat "$T/tt")" >/dev/null && a task wait "$(cat "$T/tt")" >/dev/null &&
        a model register "$(cat "$T/tt")" --name ckpt --json >"$T/ckpt.json" &&
        a task export "$(cat "$T/tt")" --name resnet --json >"$T/export.json" &&
        json_ok "$T/ckpt.json" 'd["id"] == "M0002"' && json_ok "$T/export.json" 'd["model"]["id"] == "M0003"'
    }
    check "a torch resnet18 trains one epoch at 32 px, registered (M0002) and exported (M0003)" torch_model

    extract_export() {
        a model job create M0003 --extract --wait --json >"$T/j.json" &&
        a model job show "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/j.json")" --json >"$T/s.json" &&
        json_ok "$T/s.json" '(
[a["format"] for a in d["extraction"]["artifacts"]] == ["aiarts export", "onnx", "torchscript"] and
d["extraction"]["artifacts"][1]["inputs"][0]["shape"] == ["batch", "3", "32", "32"] and
d["extraction"]["artifacts"][1]["opsets"]["ai.onnx"] == 17 and
d["extraction"]["artifacts"][2]["parameterCount"] > 11000000 and
"PythonRead" in [e["reason"] for e in d["events"]])' &&
        a model job create --path "$W/models/M0002/v1/model.pt" --extract --wait --json >"$T/jc.json" &&
        json_ok "$T/jc.json" 'd["state"] == "succeeded" and "pytorch state_dict" in d["message"] and "parameters" in d["message"]'
    }
    check "an export (ONNX, TorchScript, export.json) and a checkpoint are extracted, torch files read by Python" extract_export

    convert_onnx() {
        a model job create M0002 --convert onnx --wait --json >"$T/c1.json" &&
        json_ok "$T/c1.json" 'd["state"] == "succeeded" and d["result_model"] == "M0002:v2"' &&
        a model job show "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/c1.json")" --json >"$T/cs1.json" &&
        json_ok "$T/cs1.json" 'd["conversion"]["checkPassed"] and d["conversion"]["maxAbsDiff"] <= d["conversion"]["tolerance"] and d["conversion"]["checkImages"] == 8 and [e["reason"] for e in d["events"]][-4:] == ["Converted", "Checked", "Registered", "Succeeded"]' &&
        a model upload "$W/models/M0003/v1/model.torchscript.pt" --name scripted >/dev/null &&
        a model job create M0004 --convert onnx --wait --json >"$T/c2.json" &&
        json_ok "$T/c2.json" 'd["state"] == "succeeded" and d["result_model"] == "M0004:v2"' &&
        a model show M0002 --json >"$T/m2.json" &&
        json_ok "$T/m2.json" 'd["versions"][1]["format"] == "onnx" and d["versions"][1]["task"] == d["versions"][0]["task"]'
    }
    check "the checkpoint and a TorchScript upload convert to ONNX, checked on 8 images, as new versions" convert_onnx

    opset_and_int8() {
        a model job create M0002:v2 --convert opset=18 --wait --json >"$T/o.json" &&
        json_ok "$T/o.json" 'd["state"] == "succeeded" and d["result_model"] == "M0002:v3"' &&
        a model job create M0002:v3 --extract --wait --json >"$T/ox.json" && json_ok "$T/ox.json" '"opset 18" in d["message"]' &&
        ! a model job create M0002:v2 --convert opset=13 --wait >"$T/down" 2>&1 && grep -q "at opset 17 already" "$T/down" &&
        a model job create M0002:v2 --convert int8 --dynamic --wait --json >"$T/d.json" &&
        json_ok "$T/d.json" 'd["state"] == "succeeded" and d["result_model"] == "M0002:v4"' &&
        a model job create M0002:v2 --convert int8 --calibration 8 --wait --json >"$T/s.json" &&
        json_ok "$T/s.json" 'd["state"] == "succeeded" and d["result_model"] == "M0002:v5" and d["options"] == {"dynamic": "false", "calibration": "8"}' &&
        a model job show "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/s.json")" --json >"$T/ss.json" &&
        json_ok "$T/ss.json" 'd["conversion"]["calibrationImages"] == 8 and 0 <= d["conversion"]["top1Agreement"] <= 1 and d["conversion"]["metric"] == "acc1" and d["conversion"]["valImages"] > 0 and d["conversion"]["sizeAfter"] < d["conversion"]["sizeBefore"] / 2 and "Evaluated" in [e["reason"] for e in d["events"]]' &&
        a model show M0002 --json >"$T/m.json" &&
        json_ok "$T/m.json" 'len(d["versions"]) == 5 and "acc1" in d["versions"][4]["evaluation"] and "top1_agreement" in d["versions"][4]["evaluation"]'
    }
    check "ONNX upgraded to opset 18 and quantised to int8 dynamic and static (calibrated, val accuracy recorded); a downgrade fails" opset_and_int8

    list_events_rm() {
        a model job list --json >"$T/l.json" && json_ok "$T/l.json" 'len(d) >= 10 and all(j["state"] in ("succeeded", "failed") for j in d)' &&
        a model job events J0001 >"$T/ev" && grep -q "Extracted" "$T/ev" &&
        a model job rm J0001 >/dev/null && ! a model job show J0001 2>/dev/null &&
        a model show M0001 >/dev/null
    }
    check "jobs list, events print, rm deletes a job and leaves its model" list_events_rm
fi

echo "passed $passed, failed $failed"
[ "$failed" -eq 0 ]
