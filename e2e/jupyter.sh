#!/usr/bin/env bash
# End-to-end: notebook sessions with a real JupyterLab (docs/notebooks.md). A session is created on the
# demo workspace's dataset and waited for; Jupyter's /api/status answers 200 with the token and 403
# without; a kernel started through /api/kernels runs a cell over its websocket channel that imports
# aiarts_metrics and logs a metric, which `aiarts code show --json` then lists; the AIArts dialect's
# /codes routes list, create, get, describe, give the endpoint (JSON and 302) and delete; stop and rm
# leave the dataset whole. The JupyterLab venv comes from scripts/jupyter-env.sh (cached); without it
# the test skips, saying why. Ends with the 'N passed, N failed' line.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
T=$(mktemp -d)
source e2e/lib.sh
SERVER=
W=$T/ws
aiarts() { "$BIN" --workspace "$W" "$@"; }
stop_sessions() {
    local id
    for id in $(aiarts code list --json 2>/dev/null |
                python3 -c 'import json,sys; print(" ".join(s["id"] for s in json.load(sys.stdin) if s["state"] in ("starting", "ready")))' 2>/dev/null); do
        aiarts code stop "$id" --grace 3 >/dev/null 2>&1
    done
}
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; stop_sessions; rm -rf "$T"' EXIT

if ! JPY=$(scripts/jupyter-env.sh); then
    echo "skip: the JupyterLab venv cannot be made here (the reason is above); notebook sessions are not tested end to end"
    echo "0 passed, 0 failed"
    exit 0
fi
export AIARTS_JUPYTER_VENV=$(dirname "$(dirname "$JPY")")
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }

setup() {
    aiarts demo --no-tui >/dev/null 2>&1 &&
    aiarts user add tom --role trainer >/dev/null 2>&1 && aiarts user add vic --role viewer >/dev/null 2>&1 &&
    TOKEN=$(aiarts token create tom 2>/dev/null) && VIEWER=$(aiarts token create vic 2>/dev/null)
}
check "a demo workspace with two users" setup

created() {
    aiarts code create nb --dataset D0001 --description "first look" --wait --json >"$T/create.json" || return 1
    [ "$(json "$T/create.json" 'd["state"]')" = ready ] && [ "$(json "$T/create.json" 'd["id"]')" = C0001 ] || { cat "$T/create.json"; return 1; }
    PORT=$(json "$T/create.json" 'd["port"]')
    JTOKEN=$(aiarts code endpoint nb --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
    [ ${#JTOKEN} -ge 32 ]
}
check "code create nb --dataset D0001 --wait: ready on 127.0.0.1 with a token" created

linked() {
    local link=$W/codes/C0001/dataset target
    [ -L "$link" ] || { echo "dataset/ is not a symbolic link"; ls -la "$W/codes/C0001"; return 1; }
    target=$(readlink "$link")
    [ "$(cd "$target" && pwd -P)" = "$(cd "$W/datasets/D0001" && pwd -P)" ] || { echo "links to $target"; return 1; }
    [ -f "$W/codes/C0001/aiarts_metrics.py" ] && [ -f "$W/codes/C0001/start.ipynb" ]
}
check "the dataset is linked (not copied) beside aiarts_metrics.py and a starter notebook" linked

status_codes() {
    local with without
    with=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/status?token=$JTOKEN")
    without=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/api/status")
    echo "with the token: $with, without: $without"
    [ "$with" = 200 ] && [ "$without" = 403 ]
}
check "Jupyter's /api/status answers 200 with the token and 403 without" status_codes

endpoint() {
    aiarts code endpoint nb >"$T/endpoint.txt" || return 1
    cat "$T/endpoint.txt"
    grep -qxF "http://127.0.0.1:$PORT/lab?token=$JTOKEN" "$T/endpoint.txt" &&
    grep -qE "^ssh -L $PORT:127.0.0.1:$PORT [^ ]+@$(hostname -f)\$" "$T/endpoint.txt"
}
check "code endpoint prints the URL with its token and the ssh -L line" endpoint

cell() {
    "$JPY" e2e/jupyter_cell.py "http://127.0.0.1:$PORT" "$JTOKEN" \
        'import aiarts_metrics, os; aiarts_metrics.log(step=7, loss=0.125); aiarts_metrics.log(step=7, kind="eval", acc=0.5); print("rows", len(os.listdir("dataset")))' >"$T/cell.out" || { cat "$T/cell.out"; return 1; }
    cat "$T/cell.out"
    grep -q '^rows ' "$T/cell.out" &&
    aiarts code show nb --json >"$T/show.json" &&
    [ "$(json "$T/show.json" '[(m["name"], m["value"], m["step"]) for m in d["metrics"]]')" = "[('eval/acc', 0.5, 7), ('train/loss', 0.125, 7)]" ] ||
        { cat "$T/show.json"; return 1; }
}
check "a cell run over the kernel's websocket logs metrics that code show --json lists" cell

refused() {
    ! aiarts code rm nb 2>"$T/rm.err" && grep -q -- "--force" "$T/rm.err" && [ -d "$W/codes/C0001" ]
}
check "code rm refuses a running session without --force" refused

check "a server for the AIArts dialect" start_server "$BIN" "$W" --listen 127.0.0.1:0
export TOKEN VIEWER URL PORT

api() {
    python3 - "$@" <<'PYEOF'
import json, os, sys, time, urllib.request, urllib.error
A = os.environ["URL"].rstrip("/") + "/ai_arts/api"

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None

def call(method, path, body=None, token=os.environ["TOKEN"], raw=False):
    request = urllib.request.Request(A + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    try:
        answer = urllib.request.build_opener(NoRedirect).open(request, timeout=60)
    except urllib.error.HTTPError as error:
        answer = error
    text = answer.read()
    return answer.status, (answer.headers if raw else (json.loads(text) if text else None))

status, listed = call("GET", "/codes")
assert status == 200 and listed["code"] == 0 and [s["id"] for s in listed["data"]["items"]] == ["C0001"], listed
assert "token" not in json.dumps(listed), "the list must not give the token"
status, one = call("GET", "/codes/C0001")
assert status == 200 and one["data"]["name"] == "nb" and {m["name"] for m in one["data"]["metrics"]} == {"eval/acc", "train/loss"}, one
status, missing = call("GET", "/codes/C0999")
assert status == 404 and missing["code"] == 40407, missing
status, bad = call("POST", "/codes", {"name": "a b"})
assert status == 400 and "session name" in bad["msg"], bad
status, made = call("POST", "/codes", {"name": "api-nb", "dataset_id": "D0001", "description": "from the API"})
assert status == 201 and made["data"]["id"] == "C0002" and made["data"]["state"] == "starting", made
for _ in range(600):
    status, got = call("GET", "/codes/C0002")
    if got["data"]["state"] != "starting":
        break
    time.sleep(0.1)
assert got["data"]["state"] == "ready", got
status, e = call("GET", "/codes/C0002/endpoint")
assert status == 200 and e["data"]["url"].startswith("http://127.0.0.1:%d/lab?token=" % got["data"]["port"]) and e["data"]["ssh"].startswith("ssh -L "), e
with urllib.request.urlopen(e["data"]["url"].replace("/lab?", "/api/status?"), timeout=10) as status_answer:
    assert status_answer.status == 200
status, headers = call("GET", "/codes/C0002/endpoint?redirect=1", raw=True)
assert status == 302 and headers["Location"] == e["data"]["url"], (status, dict(headers))
status, denied = call("GET", "/codes/C0002/endpoint", token=os.environ["VIEWER"])
assert status == 403, denied
status, described = call("POST", "/codes/C0002/description", {"description": "renamed"})
assert status == 200 and described["data"]["description"] == "renamed", described
status, gone = call("DELETE", "/codes/C0002")
assert status == 200 and gone["data"]["deleted"] is True, gone
status, after = call("GET", "/codes/C0002")
assert status == 404, after
print("list, get, create (ready in the API), endpoint (JSON and 302; 403 for a viewer), description, delete")
PYEOF
}
gone_process() {
    api || return 1
    ! ps -eo args | grep -v grep | grep -q "codes/C0002" || { echo "C0002's JupyterLab still runs"; return 1; }
    [ ! -e "$W/codes/C0002" ]
}
check "the AIArts /codes routes list, create, get, describe, give the endpoint and delete" gone_process

killed() {
    local pid state message
    aiarts code create doomed --wait --json >"$T/doomed.json" || { cat "$T/doomed.json"; return 1; }
    pid=$(json "$T/doomed.json" 'd["pid"]')
    kill -9 -- "-$pid" || return 1
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    aiarts code show doomed --json >"$T/doomed-show.json" || return 1
    state=$(json "$T/doomed-show.json" 'd["state"]')
    message=$(json "$T/doomed-show.json" 'd["message"]')
    echo "$state: $message"
    [ "$state" = failed ] && [[ "$message" == *SIGKILL* || "$message" == *killed* ]] &&
    ! curl -s -o /dev/null "http://127.0.0.1:$(json "$T/doomed.json" 'd["port"]')/api/status" &&
    aiarts code rm doomed >/dev/null
}
check "a JupyterLab killed with kill -9 is seen as failed, with the reason, by the next aiarts" killed

stop_rm() {
    local before after
    before=$(find "$W/datasets/D0001" -type f | wc -l)
    aiarts code stop nb --grace 5 | grep -q "stopped" &&
    [ "$(aiarts code show nb --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = stopped ] &&
    ! curl -s -o /dev/null "http://127.0.0.1:$PORT/api/status" &&
    aiarts code rm nb >/dev/null &&
    [ ! -e "$W/codes/C0001" ] || return 1
    after=$(find "$W/datasets/D0001" -type f | wc -l)
    echo "dataset files before: $before, after: $after"
    [ "$before" -gt 0 ] && [ "$before" = "$after" ]
}
check "code stop ends JupyterLab; code rm removes the session and leaves the dataset whole" stop_rm

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
