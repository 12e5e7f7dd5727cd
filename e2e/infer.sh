#!/usr/bin/env bash
# End-to-end test of inference services (docs/inference.md) on the real binary ($AIARTS_BIN, default
# .build/debug/aiarts): a built-in model trained on `aiarts demo`'s shapes served natively (create →
# ready → /health → predict, also multipart and through the CLI with drawn images → stats → stop → rm),
# a killed service adopted as failed, a worker Python without onnxruntime explained in one line; then,
# with the torch venv, a resnet18 trained one epoch at 32 px, exported, and served as ONNX and as
# TorchScript with the same answers. About 2 minutes on 2 cores; the torch part skips (with the reason)
# when scripts/python-env.sh cannot provide torch.
set -u
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-.build/debug/aiarts}
T=$(mktemp -d)
W=$T/ws
. e2e/lib.sh  # check, stop_running_tasks
stop_services() {
    local id
    for id in $("$BIN" --workspace "$W" infer list --json 2>/dev/null |
                python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin) if s["state"] in ("starting", "ready")))' 2>/dev/null); do
        "$BIN" --workspace "$W" infer stop "$id" --grace 2 >/dev/null 2>&1
    done
}
trap 'stop_services; stop_running_tasks "$BIN" "$W"; rm -rf "$T"' EXIT
a() { "$BIN" --workspace "$W" "$@"; }

# A JSON assertion: python3 evaluates EXPR with the parsed document bound to d.
json_ok() { # FILE EXPR
    python3 -c 'import json,os,sys; d=json.load(open(sys.argv[1])); ok=eval(sys.argv[2]); print(d if not ok else ""); sys.exit(0 if ok else 1)' "$1" "$2"
}
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }
# HTTP with the standard library: http METHOD URL [FILE [CONTENT-TYPE]] > body; prints the status on stderr's last line.
http() {
    python3 - "$@" <<'PY'
import sys, urllib.request, urllib.error
method, url = sys.argv[1], sys.argv[2]
data = open(sys.argv[3], "rb").read() if len(sys.argv) > 3 else None
headers = {"Content-Type": sys.argv[4]} if len(sys.argv) > 4 else {}
try:
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method, headers=headers), timeout=60) as r:
        sys.stdout.write(r.read().decode()); print(r.status, file=sys.stderr)
except urllib.error.HTTPError as e:
    sys.stdout.write(e.read().decode()); print(e.code, file=sys.stderr)
PY
}

images() { find "$W/datasets/D0001" -name '*.jpg' | sort | head -"$1"; }

builtin_model() {
    a demo --no-tui >/dev/null 2>&1 &&
    a task create P0001 --trainer builtin --param epochs=3 --param image_size=32 >"$T/task" &&
    a task start "$(cat "$T/task")" >/dev/null && a task wait "$(cat "$T/task")" >/dev/null &&
    a model register "$(cat "$T/task")" --name shapes --json >"$T/model.json" &&
    json_ok "$T/model.json" 'd["id"] == "M0001"'
}
check "a built-in model trains on the demo's shapes and is registered" builtin_model

serve_builtin() {
    a infer create shapes --max-batch 4 --max-delay-ms 10 --wait --json >"$T/s1.json" &&
    json_ok "$T/s1.json" 'd["id"] == "S0001" and d["state"] == "ready" and d["backend"] == "builtin" and d["model"] == "M0001" and d["version"] == "v1" and d["port"] > 0 and d["url"].startswith("http://127.0.0.1:")' &&
    URL1=$(field "$T/s1.json" url) && echo "$URL1" >"$T/url1" &&
    http GET "$URL1/health" >"$T/health.json" 2>"$T/status" && [ "$(tail -1 "$T/status")" = 200 ] &&
    json_ok "$T/health.json" 'd["status"] == "ready" and d["task"] == "classification" and d["labels"] == ["circle", "square", "triangle"] and d["batching"] and d["max_batch"] == 4'
}
check "infer create --wait --json: ready on a free port, /health says what it serves" serve_builtin

predict_builtin() {
    local url img
    url=$(cat "$T/url1") && img=$(images 1) &&
    http POST "$url/predict" "$img" image/jpeg >"$T/p1.json" 2>"$T/status" && [ "$(tail -1 "$T/status")" = 200 ] &&
    json_ok "$T/p1.json" 'd["task"] == "classification" and len(d["classes"]) == 3 and abs(sum(c["score"] for c in d["classes"]) - 1) < 1e-3 and d["width"] == 96' &&
    python3 -c 'import sys; b=b"--B\r\nContent-Disposition: form-data; name=\"image\"; filename=\"x.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n"+open(sys.argv[1],"rb").read()+b"\r\n--B--\r\n"; open(sys.argv[2],"wb").write(b)' "$img" "$T/multipart" &&
    http POST "$url/predict" "$T/multipart" "multipart/form-data; boundary=B" >"$T/p2.json" 2>"$T/status" && [ "$(tail -1 "$T/status")" = 200 ] &&
    python3 -c 'import json,sys; a,b=(json.load(open(f)) for f in sys.argv[1:]); sys.exit(0 if a["classes"] == b["classes"] else 1)' "$T/p1.json" "$T/p2.json" &&
    printf 'not an image' >"$T/bad.jpg" &&
    http POST "$url/predict" "$T/bad.jpg" >"$T/bad.json" 2>"$T/status" && [ "$(tail -1 "$T/status")" = 400 ] &&
    json_ok "$T/bad.json" '"cannot be decoded" in d["error"]' &&
    http POST "$url/predict?score_threshold=7" "$img" >/dev/null 2>"$T/status" && [ "$(tail -1 "$T/status")" = 400 ] &&
    a infer predict S0001 $(images 6) --json --out "$T/drawn" >"$T/cli.json" &&
    json_ok "$T/cli.json" 'len(d) == 6 and all(x["prediction"]["classes"] and os.path.getsize(x["drawn"]) > 0 for x in d)' &&
    a infer predict S0001 $(images 2) >"$T/cli.txt" && [ "$(grep -c 'circle\|square\|triangle' "$T/cli.txt")" = 2 ]
}
check "POST /predict with the body or multipart, refusals with reasons, infer predict prints and draws" predict_builtin

stats_and_stop() {
    local i
    for i in $(seq 1 30); do
        a infer show S0001 --json >"$T/show.json" && json_ok "$T/show.json" 'd["stats"] and d["stats"]["requests"] >= 11' >/dev/null && break
        sleep 0.2
    done
    json_ok "$T/show.json" 'd["stats"]["requests"] >= 11 and d["stats"]["errors"] >= 2 and d["stats"]["p99_ms"] >= d["stats"]["p50_ms"] > 0 and sum(int(k) * v for k, v in d["stats"]["batch_sizes"].items()) >= 9' &&
    a infer list >"$T/list.txt" && grep -q "^S0001  M0001:v1  builtin  ready  http://127.0.0.1:" "$T/list.txt" &&
    ! a infer rm S0001 2>"$T/rm.err" && grep -q "stop it first" "$T/rm.err" &&
    a infer stop S0001 >"$T/stop.txt" && grep -q "S0001 stopped" "$T/stop.txt" &&
    a infer logs S0001 >"$T/logs.txt" && grep -q "S0001: ready at" "$T/logs.txt" && grep -q "S0001: stopped" "$T/logs.txt" &&
    ! a infer predict S0001 $(images 1) 2>"$T/stopped.err" && grep -q "S0001 is stopped" "$T/stopped.err" &&
    a infer rm S0001 >/dev/null && [ ! -e "$W/services/S0001" ] &&
    ! a infer show S0001 2>/dev/null
}
check "stats (requests, errors, p50/p99, batch sizes), list, logs, stop, rm" stats_and_stop

killed() {
    local pid
    a infer create M0001:v1 --wait --json >"$T/s2.json" && pid=$(field "$T/s2.json" pid) &&
    pkill -KILL -s "$pid" 2>/dev/null; sleep 0.5
    a infer show "$(field "$T/s2.json" id)" --json >"$T/s2b.json" &&
    json_ok "$T/s2b.json" 'd["state"] == "failed" and "killed" in d["message"]'
}
check "a service killed with SIGKILL is recorded as failed by the next aiarts" killed

in_flight() {
    local id
    # A request waiting in the batcher (1.5 s delay) when the stop comes is still answered.
    a infer create M0001 --max-delay-ms 1500 --wait --json >"$T/s3.json" && id=$(field "$T/s3.json" id) &&
    { a infer predict "$id" $(images 1) --json >"$T/inflight.json" 2>&1 & } &&
    sleep 0.4 && a infer stop "$id" >/dev/null && wait &&
    json_ok "$T/inflight.json" 'len(d) == 1 and d[0]["prediction"]["classes"]' &&
    a infer show "$id" --json >"$T/s3b.json" && json_ok "$T/s3b.json" 'd["state"] == "stopped"'
}
check "a stop (SIGTERM) still answers the request in flight" in_flight

refusals() {
    ! a infer create M0009 2>"$T/e1" && grep -q "M0009 does not exist" "$T/e1" &&
    ! a infer create "no such model" 2>"$T/e5" && grep -q "no model is named or numbered" "$T/e5" &&
    ! a infer create M0001 --max-batch 0 2>"$T/e2" && grep -q "max batch 0 is out of range" "$T/e2" &&
    ! a infer create M0001 --backend onnx 2>"$T/e3" && grep -q "has no onnx file to serve" "$T/e3" &&
    ! a infer predict S0099 "$T/bad.jpg" 2>"$T/e4" && grep -q "S0099 is not an inference service" "$T/e4"
}
check "unknown models, bad limits, a backend the version lacks and unknown services are refused" refusals

port_in_use() {
    local id port
    a infer create M0001 --wait --json >"$T/s4.json" && id=$(field "$T/s4.json" id) && port=$(field "$T/s4.json" port) &&
    ! a infer create M0001 --port "$port" --wait 2>"$T/busy.err" >/dev/null &&
    grep -q "port $port on 127.0.0.1 is in use: choose another with --port" "$T/busy.err" &&
    a infer stop "$id" >/dev/null
}
check "a port already in use fails the new service with the reason" port_in_use

if ! PY=$(scripts/python-env.sh 2>"$T/venv.err"); then
    echo "skip: ONNX and TorchScript services need torch and onnxruntime: $(tail -n 1 "$T/venv.err")"
else
    export AIARTS_PYTHON=$PY
    torch_model() {
        a task create P0001 --trainer torch --param model=resnet18 --param epochs=1 --param image_size=32 \
            --param batch_size=32 --param workers=0 --param optimizer=adamw --param learning_rate=0.001 >"$T/tt" &&
        a task start "$(cat "$T/tt")" >/dev/null && a task wait "$(cat "$T/tt")" >/dev/null &&
        a task export "$(cat "$T/tt")" --name resnet --json >"$T/export.json" &&
        json_ok "$T/export.json" '"onnx" in d["model"]["version"]["format"] and "torchscript" in d["model"]["version"]["format"]'
    }
    check "a torch resnet18 trains one epoch at 32 px and exports ONNX and TorchScript" torch_model

    onnx_and_torchscript() {
        a infer create resnet --backend onnx --max-batch 8 --wait --json >"$T/onnx.json" &&
        a infer create resnet --backend torchscript --wait --json >"$T/ts.json" &&
        json_ok "$T/onnx.json" 'd["state"] == "ready" and d["backend"] == "onnx"' &&
        json_ok "$T/ts.json" 'd["state"] == "ready" and d["backend"] == "torchscript"' &&
        http GET "$(field "$T/onnx.json" url)/health" >"$T/oh.json" 2>/dev/null &&
        json_ok "$T/oh.json" 'd["batching"] and d["labels"] == ["circle", "square", "triangle"] and d["device"] == "cpu"' &&
        a infer predict "$(field "$T/onnx.json" id)" $(images 8) --json >"$T/po.json" &&
        a infer predict "$(field "$T/ts.json" id)" $(images 8) --json >"$T/pt.json" &&
        python3 - "$T/po.json" "$T/pt.json" <<'PY'
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:])
assert len(a) == len(b) == 8
for x, y in zip(a, b):
    cx, cy = x["prediction"]["classes"], y["prediction"]["classes"]
    assert [c["label"] for c in cx] == [c["label"] for c in cy], (cx, cy)
    assert all(abs(p["score"] - q["score"]) < 1e-3 for p, q in zip(cx, cy)), (cx, cy)
PY
    }
    check "the export served as ONNX (onnxruntime) and as TorchScript (torch) gives the same answers" onnx_and_torchscript

    missing_runtime() {
        python3 -c 'import onnxruntime' 2>/dev/null && { echo "python3 has onnxruntime: nothing to check"; return 0; }
        a infer create resnet --backend onnx --python python3 --wait --json >"$T/bad.json" 2>"$T/bad.err"
        json_ok "$T/bad.json" 'd["state"] == "failed" and "is not installed for" in d["message"] and "AIARTS_PYTHON" in d["message"] and "\n" not in d["message"]'
    }
    check "a worker Python without onnxruntime fails the service with a one-line reason" missing_runtime
fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
