"""The Django dialect's end-to-end checks (e2e/api-django.sh runs each by name): python3 api_django.py URL CHECK.

Uses only the standard library and requests. Environment: TOKEN (a trainer's), FILES (a folder the
script's `python3 -m http.server` serves), FILES_URL (its URL), TASK (a running task's id).
"""
import base64, io, json, os, socket, sys, threading, time, zipfile
import requests

URL = sys.argv[1]
TOKEN = os.environ.get("TOKEN", "")
AUTH = {"Authorization": "Token " + TOKEN}
PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def expect(condition, *what):
    if not condition:
        print("expected:", *what)
        sys.exit(1)


def pets_zip():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("cat/a.png", PNG)
        z.writestr("cat/b.png", PNG)
        z.writestr("dog/c.png", PNG)
    return buffer.getvalue()


def login(user, password):
    return requests.post(URL + "/rest-auth/login/", json={"username": user, "password": password})


def auth_round():
    ok = login("bob", "bobs-password")
    expect(ok.status_code == 200 and ok.json()["key"].startswith("aiarts_"), ok.status_code, ok.text)
    key = {"Authorization": "Token " + ok.json()["key"]}
    wrong = login("bob", "not-the-password")
    expect(wrong.status_code == 400 and wrong.json() == {"non_field_errors": ["Unable to log in with provided credentials."]}, wrong.text)
    me = requests.get(URL + "/rest-auth/user/", headers=key)
    expect(me.status_code == 200 and me.json()["username"] == "bob" and isinstance(me.json()["pk"], int), me.text)
    same = requests.patch(URL + "/rest-auth/user/", headers=key, json={"username": "bob", "first_name": ""})
    expect(same.status_code == 200, same.text)
    rename = requests.put(URL + "/rest-auth/user/", headers=key, json={"username": "robert"})
    expect(rename.status_code == 400 and "username" in rename.json(), rename.text)
    expect(requests.get(URL + "/rest-auth/user", headers=key).status_code == 404, "no route without the slash")
    # Password change: the two new ones must match, the old one must be right.
    body = {"old_password": "bobs-password", "new_password1": "bobs-new-password", "new_password2": "something-else"}
    mismatch = requests.post(URL + "/rest-auth/password/change/", headers=key, json=body)
    expect(mismatch.status_code == 400 and "new_password2" in mismatch.json(), mismatch.text)
    body["new_password2"] = body["new_password1"]
    changed = requests.post(URL + "/rest-auth/password/change/", headers=key, json=body)
    expect(changed.status_code == 200, changed.text)
    expect(login("bob", "bobs-password").status_code == 400, "the old password still works")
    again = login("bob", "bobs-new-password")
    expect(again.status_code == 200, again.text)
    # Logout revokes the token it came with, at once.
    out = requests.post(URL + "/rest-auth/logout/", headers=key)
    expect(out.status_code == 200, out.text)
    gone = requests.get(URL + "/rest-auth/user/", headers=key)
    expect(gone.status_code == 401 and "detail" in gone.json(), gone.status_code, gone.text)
    other = {"Authorization": "Token " + again.json()["key"]}
    expect(requests.get(URL + "/rest-auth/user/", headers=other).status_code == 200, "the other login's token stays")


def throttle():
    for attempt in range(5):
        r = login("carol", "wrong-%d" % attempt)
        expect(r.status_code == 400, attempt, r.status_code, r.text)
    locked = login("carol", "carols-password")
    expect(locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0 and "detail" in locked.json(),
           locked.status_code, locked.headers, locked.text)


def data_round():
    zipped = requests.post(URL + "/data/", headers=AUTH, data={"file_type": "zip", "file_class": "picture"},
                           files={"file": ("pets.zip", pets_zip(), "application/zip")})
    expect(zipped.status_code == 200, zipped.status_code, zipped.text)
    zip_id = zipped.json()["data_id"]
    single = requests.post(URL + "/data/list/", headers=AUTH, data={"file_type": "single", "file_class": "code"},
                           files={"file": ("train.py", b"print('hi')\n")})
    expect(single.status_code == 200, single.text)
    single_id = single.json()["data_id"]
    listed = requests.get(URL + "/data/list/", headers=AUTH).json()
    expect([(e["id"], e["file_type"], e["file_name"]) for e in listed] == [(zip_id, "picture", "pets.zip"), (single_id, "code", "train.py")], listed)
    expect(listed[0]["dataset"] and isinstance(listed[0]["owner"], int) and listed[0]["created_at"].endswith("Z"), listed[0])
    tree = requests.get(URL + "/data/%d/" % zip_id, headers=AUTH).json()
    expect(tree == {"cat": {"a.png": "a.png", "b.png": "b.png"}, "dog": {"c.png": "c.png"}}, tree)
    inner = requests.get(URL + "/data/%d/" % zip_id, headers=AUTH, params={"relative_path": "dog/c.png"})
    expect(inner.status_code == 200 and inner.content == PNG and inner.headers["Content-Type"] == "image/png", inner.status_code)
    escape = requests.get(URL + "/data/%d/" % zip_id, headers=AUTH, params={"relative_path": "../../aiarts.sqlite"})
    expect(escape.status_code == 400, escape.status_code, escape.text)
    code = requests.get(URL + "/data/%d/" % single_id, headers=AUTH)
    expect(code.content == b"print('hi')\n", code.content)
    deleted = requests.delete(URL + "/data/%d/" % single_id, headers=AUTH)
    expect(deleted.status_code == 200 and deleted.json() == {"message": "success"}, deleted.text)
    expect(requests.delete(URL + "/data/%d/" % single_id, headers=AUTH).status_code == 204, "a second delete is 204")
    expect(requests.get(URL + "/data/%d/" % single_id, headers=AUTH).status_code == 404, "deleted")
    broken = requests.post(URL + "/data/", headers=AUTH, data={"file_type": "zip"}, files={"file": ("bad.zip", b"PK\x03\x04junk")})
    expect(broken.status_code == 400 and "detail" in broken.json(), broken.status_code, broken.text)
    expect(len(requests.get(URL + "/data/list/", headers=AUTH).json()) == 1, "the broken zip left an entry")


def url_round():
    files = os.environ["FILES"]
    with open(os.path.join(files, "pets.zip"), "wb") as f:
        f.write(pets_zip())
    with open(os.path.join(files, "notes.csv"), "w") as f:
        f.write("id,name\n1,Java\n2,Python\n")
    with open(os.path.join(files, "big.bin"), "wb") as f:
        f.write(b"\0" * (2 << 20))
    base = os.environ["FILES_URL"]
    zipped = requests.post(URL + "/data/list/", headers=AUTH, json={"file_type": "url", "url": base + "/pets.zip", "file_class": "picture"})
    expect(zipped.status_code == 200, zipped.status_code, zipped.text)
    entry = [e for e in requests.get(URL + "/data/list/", headers=AUTH).json() if e["id"] == zipped.json()["data_id"]][0]
    expect(entry["source"] == "url" and entry["dataset"] and entry["url"] == base + "/pets.zip", entry)
    csv = requests.post(URL + "/data/list/", headers=AUTH, json={"file_type": "url", "url": base + "/notes.csv"})
    expect(csv.status_code == 200, csv.text)
    rows = requests.get(URL + "/data/%d/" % csv.json()["data_id"], headers=AUTH).json()
    expect(rows == [{"id": "1", "name": "Java"}, {"id": "2", "name": "Python"}], rows)
    big = requests.post(URL + "/data/list/", headers=AUTH, json={"file_type": "url", "url": base + "/big.bin"})
    expect(big.status_code == 413 and "detail" in big.json(), big.status_code, big.text)
    # A server that accepts and never answers: the fetch gives up after the timeout.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(5)
    port = silent.getsockname()[1]
    start = time.monotonic()
    slow = requests.post(URL + "/data/list/", headers=AUTH, json={"file_type": "url", "url": "http://127.0.0.1:%d/x" % port, "timeout": 2})
    elapsed = time.monotonic() - start
    silent.close()
    expect(slow.status_code == 400 and elapsed < 10, slow.status_code, elapsed, slow.text)
    for bad in ["file:///etc/passwd", base + "/no-such-file"]:
        r = requests.post(URL + "/data/list/", headers=AUTH, json={"file_type": "url", "url": bad})
        expect(r.status_code == 400, bad, r.status_code, r.text)


def runtime_and_stop():
    task = os.environ["TASK"]
    for _ in range(100):
        r = requests.get(URL + "/runtime/train/%s/" % task, headers=AUTH)
        if r.status_code == 200 and len(r.json()["every_result"]) == 3:
            break
        time.sleep(0.1)
    body = r.json()
    expect(body["every_result"][0] == {"accuracy": "0.080000", "duration": "0.000000", "step": "0"}, body)
    expect(body["final_accuracy"] == 0.44 and body["status"] == "running", body)
    by_name = requests.get(URL + "/runtime/train/mnist/", headers=AUTH).json()
    expect(by_name["task_id"] == task, by_name)
    stopped = requests.post(URL + "/generation/run/stop/", headers=AUTH, json={"task_id": task})
    expect(stopped.status_code == 200 and stopped.json()["status"] == "stopped", stopped.text)
    again = requests.post(URL + "/generation/run/stop/", headers=AUTH, json={"task_id": task})
    expect(again.status_code == 409 and "detail" in again.json(), again.status_code, again.text)


def models():
    names = requests.get(URL + "/models/list/", headers=AUTH).json()
    expect(names == ["resnet", "mobilenet"], names)
    detail = requests.get(URL + "/models/resnet/", headers=AUTH).json()
    expect(detail["model_id"] == "M0001" and detail["size"] > 0, detail)
    compared = requests.get(URL + "/models/compare/", headers=AUTH, params={"ids": "1,2"}).json()
    expect([m["name"] for m in compared["models"]] == ["resnet", "mobilenet"] and "metrics" in compared, compared)
    one = requests.get(URL + "/models/compare/", headers=AUTH, params={"ids": "1"})
    expect(one.status_code == 400 and "detail" in one.json(), one.text)


{"auth": auth_round, "throttle": throttle, "data": data_round, "url": url_round,
 "runtime": runtime_and_stop, "models": models}[sys.argv[2]]()
