#!/usr/bin/env bash
# End-to-end: inference services over `aiarts serve` (docs/api.md, "Inferences" and "Servings") with a
# real service process: a built-in model trained on the demo's shapes is served through
# POST /ai_arts/api/inferences, an image is uploaded and recognised (its class matches `aiarts infer
# predict`), a body too large is refused by its length, and the registry dialect's servings create,
# list, get and delete a second service. Ends with the 'N passed, N failed' line.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
T=$(mktemp -d)
source e2e/lib.sh
SERVER=
W=$T/ws
aiarts() { "$BIN" --workspace "$W" "$@"; }
stop_services() {
    local id
    for id in $(aiarts infer list --json 2>/dev/null |
                python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin) if s["state"] in ("starting", "ready")))' 2>/dev/null); do
        aiarts infer stop "$id" >/dev/null 2>&1
    done
}
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; stop_services; stop_running_tasks "$BIN" "$W"; rm -rf "$T"' EXIT

setup() {
    local id
    aiarts demo --no-tui >/dev/null 2>&1 &&
    id=$(aiarts task create P0001 --trainer builtin --param epochs=3) &&
    aiarts task start "$id" >/dev/null && aiarts task wait "$id" >/dev/null &&
    aiarts task export "$id" >/dev/null &&
    aiarts user add tom --role trainer >/dev/null 2>&1 && aiarts user add vic --role viewer >/dev/null 2>&1 &&
    TOKEN=$(aiarts token create tom 2>/dev/null) && VIEWER=$(aiarts token create vic 2>/dev/null) &&
    IMAGE=$(find "$W/datasets/D0001" -name '*.jpg' | sort | head -1) && [ -n "$IMAGE" ] &&
    start_server "$BIN" "$W" --listen 127.0.0.1:0
}
check "a demo workspace with a built-in model, two users and a server" setup
export TOKEN VIEWER IMAGE URL

py() {
    python3 - "$@" <<'EOF'
import json, os, sys, time, urllib.request, urllib.error, uuid
URL, TOKEN, VIEWER, IMAGE = os.environ["URL"], os.environ["TOKEN"], os.environ["VIEWER"], os.environ["IMAGE"]
A = URL + "/ai_arts/api"

def call(method, url, body=None, token=TOKEN, headers=None, raw=None):
    data, h = None, {"Authorization": f"Bearer {token}"}
    if body is not None:
        data, h["Content-Type"] = json.dumps(body).encode(), "application/json"
    if raw is not None:
        data = raw
    h.update(headers or {})
    req = urllib.request.Request(url, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=120) as r:
            return r.status, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"null")

def multipart(name, filename, data):
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}

def ready(get_url, key=lambda d: d["data"]["state"], deadline=60):
    end = time.time() + deadline
    while time.time() < end:
        status, answer = call("GET", get_url)
        state = key(answer)
        if state not in ("starting", "Pending"):
            return state, answer
        time.sleep(0.3)
    raise SystemExit(f"{get_url} still starting after {deadline} s")

what = sys.argv[1]
if what == "aiarts":
    status, answer = call("POST", A + "/inferences", {"model_id": "M0001"}, token=VIEWER)
    assert status == 403, (status, answer)
    status, answer = call("POST", A + "/inferences", {"model_id": "M0001", "max_batch": 4})
    assert status == 201 and answer["data"]["state"] == "starting", (status, answer)
    sid = answer["data"]["id"]
    state, answer = ready(f"{A}/inferences/{sid}")
    assert state == "ready" and answer["data"]["url"].startswith("http://127.0.0.1:"), answer
    body, headers = multipart("file", "shape.jpg", open(IMAGE, "rb").read())
    status, answer = call("POST", f"{A}/inferences/{sid}/upload_image", raw=body, headers=headers)
    assert status == 201 and answer["data"]["format"] == "jpeg", (status, answer)
    image = answer["data"]["id"]
    status, answer = call("POST", f"{A}/inferences/{sid}/recognition", {"image_id": image})
    assert status == 200 and answer["code"] == 0, (status, answer)
    classes = answer["data"]["result"]["classes"]
    assert classes and classes[0]["label"] in ("circle", "square", "triangle"), answer
    open(os.environ["T_OUT"], "w").write(f"{sid} {classes[0]['label']}\n")
    # The same image sent along with the request gives the same answer.
    status, direct = call("POST", f"{A}/inferences/{sid}/recognition", raw=body, headers=headers)
    assert status == 200 and direct["data"]["result"]["classes"][0]["label"] == classes[0]["label"], direct
    # The service rewrites its stats about once a second while it has traffic; the detail reads them.
    for _ in range(30):
        status, answer = call("GET", f"{A}/inferences/{sid}")
        if (answer["data"]["stats"] or {}).get("requests", 0) >= 2:
            break
        time.sleep(0.2)
    assert answer["data"]["stats"]["requests"] >= 2 and answer["data"]["stats"]["p99_ms"] > 0, answer
    print(f"{sid} recognised {os.path.basename(IMAGE)} as {classes[0]['label']} {classes[0]['score']:.2f}")
elif what == "too-large":
    sid = sys.argv[2]
    # Announced as 40 MiB: refused by its length, before the body is read.
    req = urllib.request.Request(f"{A}/inferences/{sid}/upload_image", data=b"x" * 1024, method="POST",
                                 headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "multipart/form-data; boundary=x",
                                          "Content-Length": str(40 << 20)})
    import http.client
    conn = http.client.HTTPConnection(URL.split("//")[1], timeout=30)
    conn.putrequest("POST", f"/ai_arts/api/inferences/{sid}/upload_image")
    for k, v in req.header_items():
        conn.putheader(k, v)
    conn.endheaders()
    conn.send(b"--x\r\n")
    r = conn.getresponse()
    answer = json.loads(r.read())
    assert r.status == 413 and answer["code"] == 41300, (r.status, answer)
    print(answer["msg"])
elif what == "servings":
    S = URL + "/api/v1alpha1/namespaces/default/servings"
    status, answer = call("POST", S, {"apiVersion": "kleveross.io/v1alpha1", "kind": "Serving", "metadata": {"name": "shapes"},
                                      "spec": {"model": "M0001", "maxBatch": 2}})
    assert status == 201 and answer["status"]["phase"] == "Pending", (status, answer)
    name = answer["metadata"]["name"]
    assert answer["metadata"]["annotations"]["aiarts.io/requested-name"] == "shapes", answer
    phase, answer = ready(f"{S}/{name}", key=lambda d: d["status"]["phase"])
    assert phase == "Running" and answer["spec"]["maxBatch"] == 2, answer
    status, listed = call("GET", S, token=VIEWER)
    assert status == 200 and name in [s["metadata"]["name"] for s in listed["items"]], listed
    status, gone = call("DELETE", f"{S}/{name}")
    assert status == 200 and gone["status"]["phase"] == "Stopped", (status, gone)
    status, missing = call("GET", f"{S}/{name}")
    assert status == 404 and missing["code"] == 404, (status, missing)
    print(f"{name}: Pending, Running, deleted")
EOF
}
shown() { check "$@"; tail -1 "$T/check.out" | sed 's/^/     /'; }

aiarts_round() {
    T_OUT=$T/sid py aiarts &&
    read -r SID LABEL <"$T/sid" &&
    # The CLI's prediction through the same service agrees.
    aiarts infer predict "$SID" "$IMAGE" >"$T/cli.txt" &&
    grep -qF ": $LABEL " "$T/cli.txt" || { echo "the CLI said: $(cat "$T/cli.txt"), the API: $LABEL"; return 1; }
}
shown "POST /inferences serves M0001; an uploaded image is recognised as the CLI predicts it" aiarts_round
shown "an upload announced larger than 32 MiB is refused (413) before its body is read" py too-large "$(cat "$T/sid" | cut -d' ' -f1)"
shown "a kleveross Serving is created, runs, is listed, and deleting it stops and removes it" py servings

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
