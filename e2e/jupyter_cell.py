"""Runs one cell in a Jupyter server through its REST and websocket kernel API (e2e/jupyter.sh).

    python jupyter_cell.py http://127.0.0.1:PORT TOKEN 'print(1)'

Starts a kernel (POST /api/kernels), sends an execute_request on the kernel's channels websocket,
prints what the cell wrote to stdout, deletes the kernel, and exits 0 when the cell ran without an
error (1 with the error otherwise). Needs websocket-client (scripts/jupyter-env.sh installs it).
"""
import json
import sys
import urllib.request
import uuid

import websocket


def call(base, token, method, path, body=None):
    request = urllib.request.Request(base + path, method=method, data=None if body is None else json.dumps(body).encode(),
                                     headers={"Authorization": "token " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        text = answer.read()
        return json.loads(text) if text else None


def main():
    base, token, code = sys.argv[1].rstrip("/"), sys.argv[2], sys.argv[3]
    kernel = call(base, token, "POST", "/api/kernels", {"name": "python3"})
    try:
        ws = websocket.create_connection(base.replace("http://", "ws://") + "/api/kernels/%s/channels?token=%s" % (kernel["id"], token),
                                         timeout=60)
        msg_id = uuid.uuid4().hex
        ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": "e2e", "session": uuid.uuid4().hex, "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False,
                        "stop_on_error": True},
        }))
        out, error = [], None
        while True:
            message = json.loads(ws.recv())
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind = message["header"]["msg_type"]
            if kind == "stream":
                out.append(message["content"]["text"])
            elif kind == "error":
                error = "%s: %s" % (message["content"]["ename"], message["content"]["evalue"])
            elif kind == "execute_reply":
                if message["content"]["status"] != "ok" and error is None:
                    error = message["content"].get("evalue", message["content"]["status"])
                break
        ws.close()
    finally:
        call(base, token, "DELETE", "/api/kernels/" + kernel["id"])
    sys.stdout.write("".join(out))
    if error:
        print("the cell failed: " + error, file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
