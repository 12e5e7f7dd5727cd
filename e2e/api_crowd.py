"""End-to-end client of the crowd annotation (/api) and model registry (/api/v1alpha1) dialects of
`aiarts serve` (driven by e2e/api-crowd.sh and e2e/api-registry.sh). Usage: api_crowd.py URL CHECK.
Tokens come from the environment: ADMIN_TOKEN, TRAINER_TOKEN, ANN_TOKEN, BEA_TOKEN, VIEWER_TOKEN;
DATASET names an empty dataset."""
import hashlib, os, struct, sys, threading, zlib
import requests

URL = sys.argv[1].rstrip("/")
CHECK = sys.argv[2]


def auth(name):
    return {"Authorization": "Bearer " + os.environ[name + "_TOKEN"]}


def png(w, h, rgb):
    """A valid PNG of one colour, with the stdlib only."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    raw = b"".join(b"\x00" + bytes(rgb) * w for _ in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def expect(cond, what):
    if not cond:
        raise SystemExit("FAILED: " + what)


def create_task(body, token="TRAINER"):
    r = requests.post(URL + "/api/tasks/", json={"data": body}, headers=auth(token))
    expect(r.status_code == 201, "create task: %s %s" % (r.status_code, r.text))
    return r.json()["data"]


def apply(task, token, user):
    return requests.post(URL + "/api/tasks/apply/", json={"data": {"task_id": task, "user_id": user}}, headers=auth(token))


def collection_round():
    task = create_task({"user_id": "tom", "type": 1, "name": "猫照片收集", "size": 5, "dataset_id": os.environ["DATASET"],
                        "start_time": "Thu Jun 14 15:04:20 GMT+08:00 2018", "deadline": "2099-06-30T00:00:00Z"})
    expect(task["type"] == 1 and task["user_id"] == "tom", "task fields: %s" % task)
    pictures = {}
    for user, token, colours in [("ann", "ANN", [(200, 0, 0), (0, 200, 0), (0, 0, 200)]), ("bea", "BEA", [(90, 90, 0), (0, 90, 90), (90, 0, 90)])]:
        r = apply(task["id"], token, user)
        expect(r.status_code == 200 and r.json()["data"]["type"] == 1, "apply: %s" % r.text)
        commit = r.json()["data"]["commit_id"]
        # A corrupt picture refuses the whole commit; the same commit then takes good ones.
        bad = [("file", ("ok.png", png(8, 8, colours[0]), "image/png")), ("file", ("broken.png", png(8, 8, colours[0])[:40], "image/png"))]
        r = requests.post("%s/api/commits/pictures/%d" % (URL, commit), files=bad, headers=auth(token))
        expect(r.status_code == 400, "a corrupt picture is refused: %s %s" % (r.status_code, r.text))
        files = [("file", ("p%d.png" % i, png(16 + i, 12, c), "image/png")) for i, c in enumerate(colours)]
        r = requests.post("%s/api/commits/pictures/%d" % (URL, commit), files=files, headers=auth(token))
        expect(r.status_code == 201, "collection commit: %s %s" % (r.status_code, r.text))
        urls = r.json()["data"]
        expect(len(urls) == 3, "three URLs: %s" % urls)
        for url, (_, (_, data, _)) in zip(urls, files):
            pictures[url] = data
    # Every picture is served by its URL (token checked), with the bytes uploaded.
    for url, data in pictures.items():
        r = requests.get(url, headers=auth("VIEWER"))
        expect(r.status_code == 200 and r.content == data, "picture %s" % url)
        expect(requests.get(url).status_code == 401, "a picture without a token is 401")
    profile = requests.get("%s/api/tasks/%d/" % (URL, task["id"]), headers=auth("VIEWER")).json()["data"]
    expect(len(profile["pictures"]) == 6 and profile["cover"] == profile["pictures"][0], "profile: %s" % profile)
    print("6 pictures collected in 2 commits, a corrupt one refused, all served back")


def annotation_round():
    task = create_task({"user_id": "tom", "type": 0, "name": "annotate", "size": 3, "dataset_id": os.environ["DATASET"],
                        "deadline": "2099-06-30T00:00:00Z",
                        "formatter": {"tags": [{"name": "tag1", "description": "some description about tag1",
                                                "attributes": [{"values": ["option1", "option2"], "name": "attr1", "description": "about attr1"}]}]}})
    answers = {}
    barrier = threading.Barrier(2)

    def go(user, token):
        barrier.wait()
        answers[user] = apply(task["id"], token, user)
    threads = [threading.Thread(target=go, args=a) for a in [("ann", "ANN"), ("bea", "BEA")]]
    for t in threads: t.start()
    for t in threads: t.join()
    batches = {}
    for user, r in answers.items():
        expect(r.status_code == 200, "apply %s: %s %s" % (user, r.status_code, r.text))
        batches[user] = r.json()["data"]
        expect(batches[user]["size"] == 3 and len(batches[user]["pictures"]) == 3, "a full batch: %s" % batches[user])
    expect(not set(batches["ann"]["pictures"]) & set(batches["bea"]["pictures"]), "distinct batches")
    expect(batches["ann"]["commit_id"] != batches["bea"]["commit_id"], "distinct commits")
    r = apply(task["id"], "ANN", "ann")
    err = r.json().get("errors", {})
    expect(r.status_code == 400 and err.get("title") == "you have unfinished commit of this task"
           and "rest: 3 entries" in err.get("detail", ""), "unfinished commit: %s" % r.text)
    for user, token in [("ann", "ANN"), ("bea", "BEA")]:
        b = batches[user]
        result = [{"picture_url": u, "annotation_json": '{"tags": [{"name": "tag1", "position": [[0, 0], [4, 4]]}]}'} for u in b["pictures"]]
        r = requests.post(URL + "/api/commits/", json={"data": {"commit_id": b["commit_id"], "task_type": 0, "task_id": task["id"],
                                                                "user_id": user, "size": 3, "result": result}}, headers=auth(token))
        expect(r.status_code == 201, "commit %s: %s %s" % (user, r.status_code, r.text))
    seen = []
    for page in range(3):
        r = requests.get("%s/api/commits?task=%d&pageNum=%d&pageSize=1" % (URL, task["id"], page), headers=auth("VIEWER"))
        seen += [c["commit_id"] for c in r.json()["data"]["commits"]]
    expect(sorted(seen) == sorted(b["commit_id"] for b in batches.values()), "two commits over two pages, then none: %s" % seen)
    mine = requests.get("%s/api/commits?user=ann&pageNum=0&pageSize=10" % URL, headers=auth("VIEWER")).json()["data"]["commits"]
    expect(all(c["user_id"] == "ann" for c in mine) and len(mine) == 2, "ann's commits: %s" % mine)
    print("two users applied at once: distinct batches of 3, committed, listed a page at a time")


def permissions():
    r = requests.post(URL + "/api/tasks/", json={"data": {"user_id": "vic", "type": 1, "name": "x", "dataset_id": os.environ["DATASET"]}},
                      headers=auth("VIEWER"))
    expect(r.status_code == 403 and r.json().get("error") == "Forbidden" and r.json().get("path") == "/api/tasks/", "viewer 403: %s" % r.text)
    r = requests.post(URL + "/api/tasks/", json={"data": {"user_id": "ada", "type": 1, "name": "x", "dataset_id": os.environ["DATASET"]}},
                      headers=auth("TRAINER"))
    expect(r.status_code == 403, "acting as another user: %s" % r.text)
    r = requests.post(URL + "/api/tasks/", json={"data": {"type": 1}}, headers=auth("TRAINER"))
    expect(r.status_code == 400 and r.json()["errors"] == {"status": 400, "title": "json error", "detail": "user_id can not be null"}, r.text)
    r = requests.post(URL + "/api/tasks/", data="{", headers=dict(auth("TRAINER"), **{"Content-Type": "application/json"}))
    expect(r.status_code == 400, "bad JSON: %s" % r.text)
    expect(requests.get(URL + "/api/tasks/").status_code == 401, "no token is 401")
    r = requests.get(URL + "/ai_arts/api/annotations/tasks/999", headers=auth("VIEWER"))
    expect(r.status_code == 404 and r.json().get("code") == 40400, "the AIArts mount: %s" % r.text)
    print("403 in the Spring shape, 400 json errors, 401 without a token")


def registry_round():
    base = URL + "/api/v1alpha1/projects/vision/models/resnet/versions"
    data = os.urandom(5 << 20)
    h = dict(auth("TRAINER"), **{"X-User": "tom", "X-Tenant": "tom"})
    r = requests.post(base + "/v1.0/upload", files={"file": ("resnet.onnx", data)}, headers=h)
    expect(r.status_code == 201 and r.json()["model_version"] == "v1", "upload: %s %s" % (r.status_code, r.text))
    r = requests.post(base + "/v1.0/download", headers=dict(auth("VIEWER"), **{"X-User": "vic"}), stream=True)
    got = hashlib.sha256()
    for chunk in r.iter_content(1 << 16):
        got.update(chunk)
    expect(r.status_code == 200 and got.hexdigest() == hashlib.sha256(data).hexdigest(), "download: same bytes")
    r = requests.post(base + "/v1.0/upload", files={"file": ("x", b"x")}, headers=h)
    expect(r.status_code == 409, "the same version again: %s" % r.text)
    r = requests.post(base + "/v2/upload", files={"file": ("x", b"x")}, headers=dict(auth("TRAINER"), **{"X-User": "ada"}))
    expect(r.status_code == 403 and r.json()["code"] == 403, "X-User of another: %s" % r.text)
    r = requests.post(base + "/v9/download", headers=auth("VIEWER"))
    expect(r.status_code == 404 and "message" in r.json(), "unknown version: %s" % r.text)
    print("5 MiB uploaded and downloaded with the same bytes; 409, 403 and 404 as expected")


globals()[CHECK]()
