"""End-to-end checks of the AIArts dialect (/ai_arts/api) against a running `aiarts serve`.

Usage: api_aiarts.py URL WORKSPACE CHECK  — with the tokens in $ADMIN_TOKEN, $TRAINER_TOKEN, $VIEWER_TOKEN.
Each CHECK prints what it measured and exits non-zero on failure. Uses only the stdlib and requests.
"""
import io
import json
import os
import statistics
import sys
import tarfile
import threading
import time

import requests

URL, W, CHECK = sys.argv[1], sys.argv[2], sys.argv[3]
API = URL + "/ai_arts/api"
ADMIN = {"Authorization": "Bearer " + os.environ["ADMIN_TOKEN"]}
TRAINER = {"Authorization": "Bearer " + os.environ["TRAINER_TOKEN"]}
VIEWER = {"Authorization": "Bearer " + os.environ["VIEWER_TOKEN"]}


def ok(response, status=200):
    body = response.json()
    assert response.status_code == status, (response.status_code, body)
    assert body["code"] == 0 and body["msg"] == "success", body
    return body["data"]


def members(data):
    """{path below the top folder: bytes} of a .tar.gz."""
    out = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for m in tar.getmembers():
            if m.isfile():
                out[m.name.split("/", 1)[1]] = tar.extractfile(m).read()
    return out


def wait_dataset(did):
    for _ in range(300):
        d = ok(requests.get(f"{API}/datasets/{did}", headers=VIEWER))
        if d["status"] not in ("checking", "copying"):
            return d
        time.sleep(0.1)
    raise AssertionError(f"{did} still importing")


def dataset_round_trip():
    # The demo's classification dataset as an archive, uploaded as a new dataset, downloaded again.
    first = requests.get(f"{API}/datasets/D0001/download", headers=VIEWER)
    assert first.status_code == 200 and first.headers["content-type"] == "application/gzip", first.status_code
    original = members(first.content)
    assert len(original) >= 100, len(original)
    up = requests.post(f"{API}/datasets/upload", headers=TRAINER,
                       files={"file": ("shapes.tar.gz", first.content, "application/gzip")},
                       data={"name": "uploaded", "type": "classification", "format": "imagenet"})
    created = ok(up, 202)
    done = wait_dataset(created["id"])
    assert done["status"] == "copied" and done["images"] == ok(requests.get(f"{API}/datasets/D0001", headers=VIEWER))["images"], done
    again = requests.get(f"{API}/datasets/{created['id']}/download", headers=VIEWER)
    copy = members(again.content)
    images = {k: v for k, v in original.items() if k.endswith(".jpg")}
    assert images and all(copy.get(k) == v for k, v in images.items()), "image bytes differ after the round trip"
    # A broken archive leaves no dataset behind (all-or-nothing), and the list is unchanged.
    before = ok(requests.get(f"{API}/datasets", headers=VIEWER))["total"]
    bad = requests.post(f"{API}/datasets/upload", headers=TRAINER, files={"file": ("bad.zip", b"PK\x03\x04 not a zip", "application/zip")},
                        data={"name": "broken", "type": "classification", "format": "imagenet", "wait": "1"})
    assert bad.status_code in (400, 422) and bad.json()["code"] >= 40000, (bad.status_code, bad.text)
    datasets = ok(requests.get(f"{API}/datasets", headers=VIEWER))["items"]
    assert len(datasets) == before and all(d["name"] != "broken" for d in datasets), datasets
    print(f"{len(images)} images, {len(first.content)} bytes; round trip identical; list had {before}")


def model_round_trip():
    blob = os.urandom(3 << 20)
    up = requests.post(f"{API}/models/upload", headers=TRAINER, files={"file": ("weights.pt", blob)}, data={"name": "e2e model"})
    registered = ok(up, 201)
    mid = registered["model"]["id"] if "model" in registered else registered["id"]
    raw = requests.get(f"{API}/models/{mid}/download", params={"file": "weights.pt"}, headers=VIEWER)
    assert raw.status_code == 200 and raw.content == blob, "the file differs"
    archive = requests.get(f"{API}/models/{mid}/download", headers=VIEWER)
    assert archive.status_code == 200
    files = members(archive.content)
    assert files["weights.pt"] == blob and "model.json" in files, sorted(files)
    # The archive goes back in as the same version (the registry recognises its own download).
    back = ok(requests.post(f"{API}/models/upload", headers=TRAINER, files={"file": (f"{mid}-v1.tar.gz", archive.content)}), 201)
    assert json.dumps(back).count(mid) >= 1, back
    listed = ok(requests.get(f"{API}/models", headers=VIEWER))
    assert any(m.get("id") == mid for m in listed["items"]), listed
    assert requests.delete(f"{API}/models/{mid}", headers=VIEWER).status_code == 403
    ok(requests.delete(f"{API}/models/{mid}", headers=TRAINER))
    assert requests.get(f"{API}/models/{mid}", headers=VIEWER).json()["code"] == 40403
    print(f"{len(blob)} bytes up and down, identical")


def sse_events(response):
    """(event, data, time received) from a text/event-stream response, as they come."""
    event, data = None, []
    for line in response.iter_lines(chunk_size=1, decode_unicode=True):
        if line is None:
            continue
        if line == "":
            if event:
                yield event, json.loads("".join(data)), time.time()
            event, data = None, []
        elif line.startswith("event: "):
            event = line[7:]
        elif line.startswith("data: "):
            data.append(line[6:])


def training_followed_over_sse():
    created = ok(requests.post(f"{API}/trainings", headers=TRAINER, json={"project_id": "P0001", "params": {"epochs": 4}, "name": "sse"}), 201)
    tid = created["id"]
    seen, states, points = [], [], 0
    with requests.get(f"{API}/trainings/{tid}/metrics", params={"follow": 1}, headers=VIEWER, stream=True, timeout=120) as r:
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream"), r.status_code
        for event, data, _ in sse_events(r):
            seen.append(event)
            if event == "state":
                states.append(data["state"])
            if event in ("snapshot", "metrics"):
                points += sum(len(s["values"]) for s in data["series"])
            if event == "end":
                break
    assert seen[0] == "state" and seen[1] == "snapshot" and seen[-1] == "end", seen
    assert "metrics" in seen and states[-1] == "finished", (seen, states)
    full = ok(requests.get(f"{API}/trainings/{tid}/metrics", headers=VIEWER))
    total = sum(len(s["values"]) for s in full["series"])
    assert total > 0 and points >= total, (points, total)
    log = ok(requests.get(f"{API}/trainings/{tid}/log", params={"tail": 5}, headers=VIEWER))
    assert log["eof"] and log["text"], log
    print(f"{tid}: {seen.count('metrics')} metrics events, {points} points streamed ({total} stored), states {states}")


def live_point_latency():
    # A task that is not started: its folder gets metrics lines written by hand while a client follows.
    tid = ok(requests.post(f"{API}/trainings", headers=TRAINER, json={"project_id": "P0001", "start": False}), 201)["id"]
    os.makedirs(os.path.join(W, "tasks", tid), exist_ok=True)
    path = os.path.join(W, "tasks", tid, "metrics.jsonl")
    latencies, written = [], {}
    ready = threading.Event()

    def writer():
        ready.wait(10)
        time.sleep(0.3)
        with open(path, "a") as f:
            for step in range(1, 21):
                written[step] = time.time()
                f.write(json.dumps({"type": "train", "step": step, "loss": 1.0 / step, "time": time.time()}) + "\n")
                f.flush()
                time.sleep(0.1)

    t = threading.Thread(target=writer)
    t.start()
    seen = set()
    deadline = time.time() + 20
    with requests.get(f"{API}/trainings/{tid}/metrics", params={"follow": 1}, headers=VIEWER, stream=True, timeout=5) as r:
        for event, data, at in sse_events(r):
            ready.set()
            # The file's creation makes the feed send everything again (a snapshot); appends come as metrics.
            if event in ("snapshot", "metrics"):
                for s in data["series"]:
                    if s["name"] == "train/loss":
                        for step in s["steps"]:
                            if step not in seen and step in written:
                                seen.add(step)
                                latencies.append((at - written[step]) * 1000)
            if len(seen) >= 20 or time.time() > deadline:
                break
    t.join()
    latencies.sort()
    assert len(latencies) == 20, f"only {len(latencies)} of 20 points arrived"
    print(f"write to SSE event over loopback: median {statistics.median(latencies):.1f} ms, max {latencies[-1]:.1f} ms ({len(latencies)} points)")
    assert latencies[-1] < 200, latencies


def hundred_thousand_points():
    tid = ok(requests.post(f"{API}/trainings", headers=TRAINER, json={"project_id": "P0001", "start": False}), 201)["id"]
    os.makedirs(os.path.join(W, "tasks", tid), exist_ok=True)
    with open(os.path.join(W, "tasks", tid, "metrics.jsonl"), "w") as f:
        for step in range(1, 100_001):
            f.write('{"type":"train","step":%d,"loss":%.6f,"time":%d}\n' % (step, 1.0 / step, 1_700_000_000 + step))
    timings = []
    start = time.time()
    ok(requests.get(f"{API}/trainings/{tid}/metrics", headers=VIEWER))
    first = (time.time() - start) * 1000
    for _ in range(5):
        start = time.time()
        r = requests.get(f"{API}/trainings/{tid}/metrics", headers=VIEWER)
        timings.append((time.time() - start) * 1000)
        data = ok(r)
    n = sum(len(s["values"]) for s in data["series"])
    assert n == 100_000, n
    timings.sort()
    print(f"100,000 points: first read {first:.0f} ms (the file parsed), then median {statistics.median(timings):.1f} ms, best {timings[0]:.1f} ms, {len(r.content)} bytes (client's JSON parse included)")
    assert statistics.median(timings) < 50, timings


def permissions():
    assert requests.get(f"{API}/trainings").json()["code"] == 40100
    for method, path in [("post", "/datasets"), ("post", "/trainings"), ("delete", "/datasets/D0001"), ("post", "/models/register")]:
        r = getattr(requests, method)(API + path, headers=VIEWER, json={})
        assert r.status_code == 403 and r.json()["code"] == 40300, (path, r.status_code, r.text)
    r = requests.post(f"{API}/datasets/register", headers=TRAINER, json={"path": "/etc"})
    assert r.status_code == 403, r.status_code
    r = requests.post(f"{API}/datasets/register", headers=ADMIN, json={"path": W, "format": "imagenet", "name": "x", "type": "classification"})
    assert r.status_code == 400 and "workspace" in r.json()["msg"], r.text
    r = requests.get(f"{API}/trainings/T0001/log", params={"offset": "x"}, headers=VIEWER)
    assert r.status_code == 400 and r.json()["code"] == 40000, r.text
    print("viewer 403 on writes, trainer 403 on register, no token 401, the workspace refused as a path")


globals()[CHECK]()
