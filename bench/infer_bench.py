#!/usr/bin/env python3
"""Issue 15: inference services under load, with wrk on loopback, next to a minimal FastAPI +
onnxruntime server of the same ONNX model in the same run.

    python3 bench/infer_bench.py [--bin .build-release/release/aiarts] [--duration 10] [--connections 8]
                                 [--only builtin,onnx,onnx-nobatch,fastapi]

In a fresh workspace (aiarts demo --no-tui), with the release binary:
- (a) builtin: an aiarts-train model trained on the demo's shapes (5 epochs) and exported, served natively
  in Swift (`aiarts infer create M0001`), sent one of the demo's 96x96 JPEGs;
- (b) onnx: torchvision's ResNet-18 (random weights, 1000 classes: the cost is the same as trained ones)
  exported to ONNX with a dynamic batch axis, uploaded with an export.json (224 px, ImageNet mean/std),
  served through aiarts' ONNX backend (onnxruntime in the Python worker) with batching (--max-batch 8
  --max-delay-ms 5), sent a 320x240 JPEG;
- (c) onnx-nobatch: the same service with --max-batch 1 (batching off);
- (d) fastapi: the peer, a minimal FastAPI + uvicorn (one worker) server that decodes with Pillow,
  resizes to 224, normalises and runs the same ONNX with onnxruntime per request, sent the same JPEG.
Each row: wrk (1 thread, --connections, --duration) POSTing the image as the body to /predict after a
warm-up of 20 requests; requests/s, p50 and p99 from wrk's latency distribution, and non-2xx answers.
The Python parts use scripts/python-env.sh with BENCH=1 (fastapi, uvicorn, python-multipart).

Prints a Markdown table for docs/benchmarks.md, with the machine.
"""
import argparse, json, os, platform, re, shutil, signal, socket, subprocess, sys, tempfile, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

MAKE_ONNX = r"""
import json, os, sys
import torch, torchvision
from PIL import Image
out = sys.argv[1]
os.makedirs(os.path.join(out, "resnet18"), exist_ok=True)
torch.manual_seed(0)
model = torchvision.models.resnet18(weights=None, num_classes=1000).eval()
x = torch.randn(1, 3, 224, 224)
torch.onnx.export(model, x, os.path.join(out, "resnet18", "model.onnx"), input_names=["input"], output_names=["logits"],
                  dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, opset_version=17, dynamo=False)
json.dump({"task": "classification", "labels": [f"class_{i}" for i in range(1000)], "image_size": 224,
           "preprocess": {"resize": [224, 224], "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225]}},
          open(os.path.join(out, "resnet18", "export.json"), "w"))
# A 320x240 photo-like JPEG: smooth gradients and some noise.
import random
random.seed(0)
img = Image.new("RGB", (320, 240))
img.putdata([((x * 255) // 320, (y * 255) // 240, (x * y + random.randint(0, 40)) % 256) for y in range(240) for x in range(320)])
img.save(os.path.join(out, "photo.jpg"), quality=90)
"""

PEER = r"""
import io, sys
import numpy as np
import onnxruntime as ort
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from PIL import Image

session = ort.InferenceSession(sys.argv[1], providers=["CPUExecutionProvider"])
name = session.get_inputs()[0].name
mean = np.array([0.485, 0.456, 0.406], dtype=np.float32).reshape(3, 1, 1)
std = np.array([0.229, 0.224, 0.225], dtype=np.float32).reshape(3, 1, 1)
app = FastAPI()

@app.get("/health")
def health():
    return {"status": "ok"}

@app.post("/predict")
async def predict(request: Request):
    body = await request.body()
    try:
        image = Image.open(io.BytesIO(body)).convert("RGB").resize((224, 224), Image.BILINEAR)
    except Exception as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    x = (np.asarray(image, dtype=np.float32).transpose(2, 0, 1) / 255.0 - mean) / std
    logits = session.run(None, {name: x[None]})[0][0]
    e = np.exp(logits - logits.max())
    p = e / e.sum()
    top = np.argsort(-p)[:5]
    return {"classes": [{"label": f"class_{int(i)}", "index": int(i), "score": float(p[i])} for i in top]}

if __name__ == "__main__":
    import uvicorn
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), workers=1, log_level="warning", access_log=False)
"""

WRK_LUA = """
local f = io.open(os.getenv("BENCH_IMAGE"), "rb")
wrk.method = "POST"
wrk.body = f:read("*all")
f:close()
wrk.headers["Content-Type"] = os.getenv("BENCH_TYPE")
"""


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw).stdout


def aiarts(binary, ws, *args):
    return run([binary, "--workspace", ws, *args])


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def post(url, body, content_type, count):
    for _ in range(count):
        req = urllib.request.Request(url, data=body, headers={"Content-Type": content_type}, method="POST")
        with urllib.request.urlopen(req, timeout=60) as r:
            r.read()


def wrk(url, image, content_type, duration, connections, tmp):
    lua = os.path.join(tmp, "post.lua")
    with open(lua, "w") as f:
        f.write(WRK_LUA)
    env = dict(os.environ, BENCH_IMAGE=image, BENCH_TYPE=content_type)
    out = run(["wrk", "-t1", f"-c{connections}", f"-d{duration}s", "--latency", "-s", lua, url], env=env)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p):
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)\b", out)
        return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1000.0}[m.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    timeouts = re.search(r"timeout (\d+)", out)
    return {"rps": rps, "p50": pct(50), "p99": pct(99), "errors": int(errors.group(1)) if errors else 0,
            "timeouts": int(timeouts.group(1)) if timeouts else 0}


def serve(binary, ws, model, *extra):
    created = json.loads(aiarts(binary, ws, "infer", "create", model, "--wait", "--json", *extra))
    service = json.loads(aiarts(binary, ws, "infer", "show", created["id"], "--json"))
    if service.get("state") != "ready" or not service.get("url"):
        raise SystemExit(f"{created['id']} is not ready: {service.get('state')}: {service.get('message')}")
    return service["id"], service["url"].rstrip("/") + "/predict"


def machine():
    cpu = "?"
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{os.cpu_count()} cores ({cpu}), {platform.system()} {platform.release()}"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build-release/release/aiarts"))
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--only", default="builtin,onnx,onnx-nobatch,fastapi")
    ap.add_argument("--keep", action="store_true", help="keep the workspace (its path is printed)")
    args = ap.parse_args()
    only = set(args.only.split(","))
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    binary = os.path.abspath(args.bin)
    py = None
    if only & {"onnx", "onnx-nobatch", "fastapi"}:
        env = subprocess.run([os.path.join(ROOT, "scripts/python-env.sh")], capture_output=True, text=True, env=dict(os.environ, BENCH="1"))
        if env.returncode != 0:
            raise SystemExit(f"no Python for the ONNX rows: {env.stderr.strip()}")
        py = env.stdout.strip()
    tmp = tempfile.mkdtemp(prefix="aiarts-infer-bench-")
    ws = os.path.join(tmp, "ws")
    rows, peer = [], None
    env_python = dict(os.environ, AIARTS_PYTHON=py) if py else dict(os.environ)
    os.environ.update(env_python)
    try:
        aiarts(binary, ws, "demo", "--no-tui")
        if "builtin" in only:
            task = json.loads(aiarts(binary, ws, "task", "create", "P0001", "--trainer", "builtin", "--param", "epochs=5", "--json"))["id"]
            aiarts(binary, ws, "task", "start", task)
            aiarts(binary, ws, "task", "wait", task)
            model = json.loads(aiarts(binary, ws, "task", "export", task, "--json"))["model"]["id"]
            image = sorted(os.path.join(base, f) for base, _, files in os.walk(os.path.join(ws, "datasets", "D0001")) for f in files
                           if f.endswith(".jpg"))[0]
            sid, url = serve(binary, ws, model)
            post(url, open(image, "rb").read(), "image/jpeg", 20)
            rows.append(("(a) built-in model (aiarts-train, Swift), batching 8 / 5 ms", "the demo's 96x96 JPEG",
                         wrk(url, image, "image/jpeg", args.duration, args.connections, tmp)))
            aiarts(binary, ws, "infer", "stop", sid)
        if only & {"onnx", "onnx-nobatch", "fastapi"}:
            run([py, "-c", MAKE_ONNX, tmp])
            photo = os.path.join(tmp, "photo.jpg")
            body = open(photo, "rb").read()
            onnx_model = json.loads(aiarts(binary, ws, "model", "upload", os.path.join(tmp, "resnet18"), "--name", "resnet18", "--json"))["id"]
            for key, label, extra in [("onnx", "(b) ResNet-18 ONNX through aiarts, batching 8 / 5 ms", ["--max-batch", "8", "--max-delay-ms", "5"]),
                                      ("onnx-nobatch", "(d) the same, batching off (--max-batch 1)", ["--max-batch", "1"])]:
                if key not in only:
                    continue
                sid, url = serve(binary, ws, onnx_model, *extra)
                post(url, body, "image/jpeg", 20)
                rows.append((label, "320x240 JPEG", wrk(url, photo, "image/jpeg", args.duration, args.connections, tmp)))
                aiarts(binary, ws, "infer", "stop", sid)
            if "fastapi" in only:
                port = free_port()
                script = os.path.join(tmp, "peer.py")
                with open(script, "w") as f:
                    f.write(PEER)
                peer = subprocess.Popen([py, script, os.path.join(tmp, "resnet18", "model.onnx"), str(port)], stdout=subprocess.DEVNULL,
                                        stderr=open(os.path.join(tmp, "peer.log"), "w"))
                for _ in range(300):
                    try:
                        urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                        break
                    except OSError:
                        time.sleep(0.1)
                url = f"http://127.0.0.1:{port}/predict"
                post(url, body, "image/jpeg", 20)
                rows.append(("(c) peer: FastAPI + uvicorn (1 worker) + onnxruntime, same ONNX", "320x240 JPEG",
                             wrk(url, photo, "image/jpeg", args.duration, args.connections, tmp)))
    finally:
        if peer:
            peer.send_signal(signal.SIGTERM)
            peer.wait(10)
        subprocess.run([binary, "--workspace", ws, "infer", "list", "--json"], capture_output=True)
        for line in (subprocess.run([binary, "--workspace", ws, "infer", "list", "--json"], capture_output=True, text=True).stdout or "[]",):
            try:
                for s in json.loads(line):
                    if s.get("state") in ("starting", "ready"):
                        subprocess.run([binary, "--workspace", ws, "infer", "stop", s["id"]], capture_output=True)
            except ValueError:
                pass
        if args.keep:
            print(f"workspace kept: {ws}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)
    print(f"machine: {machine()}; wrk 1 thread, {args.connections} connections, {args.duration} s per row, loopback\n")
    print("| service | image | requests/s | p50 | p99 | non-2xx |")
    print("|---|---|---:|---:|---:|---:|")
    for label, image, r in sorted(rows, key=lambda row: row[0]):
        print(f"| {label} | {image} | {r['rps']:,.1f} | {r['p50']:.1f} ms | {r['p99']:.1f} ms | {r['errors'] + r['timeouts']} |")


if __name__ == "__main__":
    main()
