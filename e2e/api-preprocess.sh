#!/usr/bin/env bash
# End-to-end: the Django dialect's preprocessing (docs/api.md, "Preprocessing") against the real binary
# and `aiarts serve`: a zip of the demo's shapes uploaded through /data/ becomes a dataset; the operation
# list; the document's own example (overlap true on its flip) adds the processed copies to that dataset;
# without overlap a new dataset and data entry are made with the images resized; an unknown operation,
# a viewer and another user's entry are refused, leaving the workspace as it was.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
T=$(mktemp -d)
source e2e/lib.sh
PIDS=()
trap 'for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$T"' EXIT

W=$T/ws
aiarts() { "$BIN" --workspace "$W" "$@"; }
aiarts demo --no-tui >/dev/null 2>&1
aiarts user add tess --role trainer >/dev/null 2>&1
aiarts user add vic --role viewer >/dev/null 2>&1
aiarts user add ada --role trainer >/dev/null 2>&1
TOKEN=$(aiarts token create tess 2>/dev/null)
VIEWER=$(aiarts token create vic 2>/dev/null)
OTHER=$(aiarts token create ada 2>/dev/null)
# The demo's classification shapes, one folder per class, zipped as a client would upload them.
aiarts dataset export D0001 "$T/shapes" --format imagenet >/dev/null 2>&1
python3 -c 'import os, sys, zipfile
root = sys.argv[1]
with zipfile.ZipFile(sys.argv[2], "w") as z:
    for folder, _, files in os.walk(root):
        for f in files:
            z.write(os.path.join(folder, f), os.path.relpath(os.path.join(folder, f), root))' "$T/shapes" "$T/shapes.zip"

start_server "$BIN" "$W" --listen 127.0.0.1:0 || exit 1
PIDS+=("$SERVER")

# curl with the trainer's token; prints the body then the status on its own line.
call() { curl -s -w '\n%{http_code}' -H "Authorization: Token ${AUTH:-$TOKEN}" "$@"; }
status() { tail -1; }
field() { head -n -1 | python3 -c 'import json,sys; v=json.load(sys.stdin); [v:=v[int(k)] if isinstance(v, list) else v[k] for k in sys.argv[1:]]; print(v)' "$@"; }
images() { aiarts dataset show "$1" | sed -n 's/^images: *\([0-9]*\).*/\1/p'; }

upload() {
    local out
    out=$(call -X POST "$URL/data/" -F file_type=zip -F file=@"$T/shapes.zip") &&
    [ "$(echo "$out" | status)" = 200 ] || { echo "$out"; return 1; }
    DATA=$(echo "$out" | field data_id) &&
    DATASET=$(call "$URL/data/list/" | head -n -1 | python3 -c 'import json,sys; print([r["dataset"] for r in json.load(sys.stdin) if r["id"] == int(sys.argv[1])][0])' "$DATA") &&
    [ -n "$DATASET" ] && [ "$(images "$DATASET")" = 300 ] || { aiarts dataset list; return 1; }
    echo "$DATA $DATASET" >"$T/ids"
}
check "a zip of 300 shapes uploaded to /data/ becomes a dataset" upload
read -r DATA DATASET <"$T/ids" 2>/dev/null || { DATA=0 DATASET=none; }

operations() {
    local out
    out=$(call "$URL/preprocess/operations/list/") && [ "$(echo "$out" | status)" = 200 ] &&
    echo "$out" | head -n -1 | python3 -c 'import json,sys; ops = {o["operationName"]: o["op"] for o in json.load(sys.stdin)}
assert ops["上下翻转"] == "flip_v" and ops["中值滤波"] == "median" and ops["尺寸调整"] == "resize", ops'
}
check "GET /preprocess/operations/list/ maps the document's names to ops" operations

example() {
    local out
    out=$(call -X POST "$URL/preprocess/" -H 'Content-Type: application/json' -d "{\"dataId\": $DATA, \"operations\": [
        {\"operationName\": \"上下翻转\", \"overlap\": true, \"value1\": null, \"value2\": null},
        {\"operationName\": \"亮度调整\", \"overlap\": false, \"value1\": 0.4, \"value2\": null},
        {\"operationName\": \"中值滤波\", \"overlap\": false, \"value1\": 5, \"value2\": 5}]}") &&
    [ "$(echo "$out" | status)" = 200 ] && [ "$(echo "$out" | field message)" = success ] &&
    [ "$(echo "$out" | field mode)" = add ] && [ "$(echo "$out" | field data_id)" = "$DATA" ] &&
    [ "$(echo "$out" | field operations 2)" = "median=5" ] && [ "$(images "$DATASET")" = 600 ] || { echo "$out"; aiarts dataset show "$DATASET"; return 1; }
}
check "the document's example (overlap on the flip) adds 300 processed copies to the same dataset" example

into() {
    local out id made
    out=$(call -X POST "$URL/preprocess/" -H 'Content-Type: application/json' -d "{\"dataId\": \"$DATA\", \"operations\": [
        {\"operationName\": \"左右翻转\", \"overlap\": false},
        {\"operationName\": \"尺寸调整\", \"overlap\": false, \"value1\": 32, \"value2\": 24}]}") &&
    [ "$(echo "$out" | status)" = 200 ] && [ "$(echo "$out" | field mode)" = into ] || { echo "$out"; return 1; }
    id=$(echo "$out" | field data_id) && made=$(echo "$out" | field dataset) &&
    [ "$id" != "$DATA" ] && [ "$(images "$made")" = 600 ] &&
    aiarts dataset list | grep "$made" | grep -qF "shapes-preprocessed" &&
    call "$URL/data/list/" | head -n -1 | python3 -c 'import json,sys; rows = json.load(sys.stdin)
assert any(r["id"] == int(sys.argv[1]) and r["dataset"] == sys.argv[2] for r in rows), rows' "$id" "$made" &&
    # Every image of the new dataset is 32×24.
    python3 -c 'import struct,sys,glob
for p in glob.glob(sys.argv[1] + "/**/*.png", recursive=True):
    w, h = struct.unpack(">II", open(p, "rb").read()[16:24]); assert (w, h) == (32, 24), (p, w, h)' "$W/datasets/$made" || { echo "$out"; return 1; }
}
check "without overlap: a new dataset and data entry, every image resized to 32×24" into

refused() {
    local before out
    before=$(aiarts dataset list | wc -l)
    out=$(call -X POST "$URL/preprocess/" -H 'Content-Type: application/json' -d "{\"dataId\": $DATA, \"operations\": [{\"operationName\": \"锐化\"}]}") &&
    [ "$(echo "$out" | status)" = 400 ] && echo "$out" | field detail | grep -qF "operations[0]" || { echo "$out"; return 1; }
    out=$(AUTH=$VIEWER call -X POST "$URL/preprocess/" -H 'Content-Type: application/json' -d "{\"dataId\": $DATA, \"operations\": [{\"operationName\": \"上下翻转\"}]}") &&
    [ "$(echo "$out" | status)" = 403 ] || { echo "$out"; return 1; }
    out=$(AUTH=$OTHER call -X POST "$URL/preprocess/" -H 'Content-Type: application/json' -d "{\"dataId\": $DATA, \"operations\": [{\"operationName\": \"上下翻转\"}]}") &&
    [ "$(echo "$out" | status)" = 404 ] || { echo "$out"; return 1; }
    [ "$(aiarts dataset list | wc -l)" = "$before" ] && [ "$(images "$DATASET")" = 600 ]
}
check "an unknown operation is 400 naming it, a viewer 403, another user's entry 404; nothing changes" refused

echo "api-preprocess: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
