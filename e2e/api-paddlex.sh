#!/usr/bin/env bash
# End-to-end: the PaddleX RESTful dialect (/paddlex, docs/api.md "PaddleX RESTful") against the real
# binary: PaddleX's quick start as a `requests` client writes it (e2e/api_paddlex_quickstart.py),
# importing a PaddleX-format classification dataset from a server path, training it with the
# built-in trainer; then the token and role rules with curl.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
T=$(mktemp -d)
source e2e/lib.sh
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT

W=$T/ws
aiarts() { "$BIN" --workspace "$W" "$@"; }
aiarts user add ada --role admin >/dev/null 2>&1
aiarts user add vic --role viewer >/dev/null 2>&1
TOKEN=$(aiarts token create ada 2>/dev/null)
VTOKEN=$(aiarts token create vic 2>/dev/null)

# The data a PaddleX user imports: the demo's shapes, written out in PaddleX's classification
# layout (labels.txt, train_list.txt …) by another workspace, at a path on the server.
"$BIN" --workspace "$T/scratch" demo --no-tui >/dev/null 2>&1 &&
    "$BIN" --workspace "$T/scratch" dataset export D0001 --format paddlex "$T/shapes" >/dev/null || { echo "FAIL could not make the dataset"; exit 1; }
"$BIN" --workspace "$T/scratch" dataset export D0002 --format voc "$T/shapes-voc" >/dev/null || { echo "FAIL could not make the VOC dataset"; exit 1; }
IMAGE=$(find "$T/shapes/circle" -name '*.jpg' | head -1)

start_server "$BIN" "$W" --listen 127.0.0.1:0 || { echo "FAIL the server did not start"; exit 1; }
HOSTPORT=${URL#http://}
BASE="http://me:$TOKEN@$HOSTPORT/paddlex"

check "PaddleX's quick start, as its requests client runs it" python3 e2e/api_paddlex_quickstart.py "$BASE" "$T/shapes" "$IMAGE"

t_detection_import_reads_pascal_voc() {
    python3 - "$BASE" "$T/shapes-voc" <<'PY'
import sys, time, requests
url, path = sys.argv[1], sys.argv[2]
did = requests.post(url + '/dataset', json={'name': 'boxes', 'desc': '', 'dataset_type': 'detection'}).json()['did']
ret = requests.put(url + '/dataset', json={'did': did, 'path': path}).json()
assert ret['status'] == 1 and ret['format'] == 'voc', ret
for _ in range(200):
    body = requests.get(url + '/dataset', json={'did': did}).json()
    if body['dataset_status'] not in (0, 1, 3):
        break
    time.sleep(0.1)
assert body['dataset_status'] == 4, body
details = requests.get(url + '/dataset/details', json={'did': did}).json()['details']
assert details['labels'] == ['circle', 'square', 'triangle'] and len(details['file_info']) == 200, details['labels']
xml = requests.get(url + '/file', json={'path': path + '/Annotations/shapes_0000.xml'})
assert xml.status_code == 400 and xml.json()['status'] == -1, xml.text  # the source folder is not the workspace's
img = requests.get(url + '/file', json={'path': details['train_files'][0], 'did': did}).json()
assert img['status'] == 1 and img['img_data'], img
PY
}
check "a detection dataset in Pascal VOC is imported from a server path as VOC" t_detection_import_reads_pascal_voc

t_viewer_reads_and_may_not_write() {
    local code
    code=$(curl -s -o "$T/v.json" -w '%{http_code}' -u "vic:$VTOKEN" -X GET -H 'Content-Type: application/json' -d '{"did": "D0001"}' "$URL/paddlex/dataset") &&
        [ "$code" = 200 ] && grep -q '"status":1' "$T/v.json" &&
        code=$(curl -s -o "$T/w.json" -w '%{http_code}' -u "vic:$VTOKEN" -X POST -H 'Content-Type: application/json' \
            -d '{"name": "x", "desc": "", "dataset_type": "classification"}' "$URL/paddlex/dataset") &&
        [ "$code" = 403 ] && grep -q '"status":-1' "$T/w.json" || { cat "$T/v.json" "$T/w.json" 2>/dev/null; return 1; }
}
check "a viewer reads datasets and gets 403 (status -1) creating one" t_viewer_reads_and_may_not_write

t_no_token_and_bad_json() {
    local code
    code=$(curl -s -o "$T/n.json" -w '%{http_code}' "$URL/paddlex/dataset") && [ "$code" = 401 ] && grep -q '"status":-1' "$T/n.json" &&
        code=$(curl -s -o "$T/b.json" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -X PUT -d '{"did": ' "$URL/paddlex/dataset") &&
        [ "$code" = 400 ] && grep -q '"status":-1' "$T/b.json" || { cat "$T/n.json" "$T/b.json" 2>/dev/null; return 1; }
}
check "no token is 401 and broken JSON 400, both in PaddleX's error shape" t_no_token_and_bad_json

t_system() {
    curl -s -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -X GET -d '{"type": "machine_info"}' "$URL/paddlex/system" >"$T/s.json" &&
        python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["status"] == 1 and d["info"]["cpu_num"] >= 1 and "gpu_num" in d["info"], d' "$T/s.json" &&
        [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" -X DELETE "$URL/paddlex/system")" = 403 ]
}
check "/system answers machine_info and refuses to stop the server" t_system

echo "api-paddlex: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
