#!/usr/bin/env bash
# End-to-end tests of the CLI: they drive the real binary ($AIARTS_BIN) on workspaces and
# fixtures made here, and end with the 'N passed, N failed' line.
set -u
BIN=${AIARTS_BIN:?set AIARTS_BIN to the aiarts binary}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
W=$T/ws
. "$(dirname "$0")/lib.sh"  # check, passed, failed

# A JSON assertion: python3 evaluates EXPR with the parsed document bound to d.
json_ok() { # FILE EXPR
    python3 -c 'import json,os,sys; d=json.load(open(sys.argv[1])); ok=eval(sys.argv[2]); print(d if not ok else ""); sys.exit(0 if ok else 1)' "$1" "$2"
}

# True when FILE holds no escape, BEL, C1 control or bidi control: nothing a terminal would obey.
terminal_safe() { # FILE
    python3 -c 'import re,sys; b=open(sys.argv[1],"rb").read(); bad=re.findall(rb"[\x1b\x07]|\xc2[\x80-\x9f]|\xe2\x80[\xaa-\xae]|\xe2\x81[\xa6-\xa9]", b); print(bad[:5] if bad else ""); sys.exit(1 if bad else 0)' "$1"
}

demo() {
    "$BIN" --workspace "$W" demo --no-tui >"$T/demo.txt" 2>"$T/demo.err" &&
    "$BIN" --workspace "$W" dataset list --json >"$T/list.json" &&
    json_ok "$T/list.json" 'len(d) == 2 and d[0]["type"] == "classification" and d[1]["type"] == "detection" and all(x["images"] >= 200 for x in d)' &&
    "$BIN" --workspace "$W" project list --json >"$T/projects.json" &&
    json_ok "$T/projects.json" '[p["dataset"] for p in d] == ["D0001", "D0002"]'
}
check "demo creates two split datasets and a project on each" demo

show_contract() {
    "$BIN" --workspace "$W" dataset show D0002 --json >"$T/show.json" &&
    json_ok "$T/show.json" 'all(k in d for k in ["id","name","type","status","images","annotations","labels","splits","failed"]) and d["status"] == "copied" and sorted(l["name"] for l in d["labels"]) == ["circle","square","triangle"] and d["splits"]["val"] > 0 and d["splits"]["test"] > 0 and d["annotations"] > d["images"]'
}
check "dataset show --json keeps the contract" show_contract

bad_files() {
    local src=$T/cls
    mkdir -p "$src/cat" "$src/dog"
    local img
    img=$(find "$W/datasets/D0001" -name '*.jpg' | head -n 2)
    cp $(echo "$img" | head -n 1) "$src/cat/good.jpg"
    cp $(echo "$img" | tail -n 1) "$src/dog/good.jpg"
    head -c 300 "$src/cat/good.jpg" >"$src/cat/truncated.jpg"
    : >"$src/dog/empty.jpg"
    printf 'not an image at all' >"$src/dog/garbage.png"
    "$BIN" --workspace "$W" dataset create pets --type classification >/dev/null &&
    "$BIN" --workspace "$W" dataset import D0003 "$src" --format imagenet --json >"$T/import.json" 2>"$T/import.err" &&
    json_ok "$T/import.json" 'd["images"] == 2 and d["failed"] == 3' &&
    "$BIN" --workspace "$W" dataset show D0003 --json >"$T/show3.json" &&
    json_ok "$T/show3.json" 'sorted(f["path"] for f in d["failed"]) == ["cat/truncated.jpg","dog/empty.jpg","dog/garbage.png"] and all(f["reason"] for f in d["failed"])' &&
    [ ! -s "$T/import.err" ]  # piped: no progress bar, nothing on stderr
}
check "bad images are recorded with reasons and the good ones import" bad_files

zip_slip() {
    python3 - "$T" <<'PY'
import sys, zipfile, os
t = sys.argv[1]
with zipfile.ZipFile(os.path.join(t, "evil.zip"), "w") as z:
    for root, _, files in os.walk(os.path.join(t, "cls")):
        for f in files:
            p = os.path.join(root, f)
            z.write(p, os.path.relpath(p, t))
    z.writestr("../../escaped.txt", "gotcha")
    z.writestr("/tmp/aiarts-e2e-absolute.txt", "gotcha")
PY
    "$BIN" --workspace "$W" dataset create zipped --type classification >/dev/null &&
    "$BIN" --workspace "$W" dataset import D0004 "$T/evil.zip" --format imagenet --json >"$T/zip.json" &&
    json_ok "$T/zip.json" 'd["images"] == 2' &&
    [ ! -e "$T/../escaped.txt" ] && [ ! -e "$W/../escaped.txt" ] && [ ! -e /tmp/aiarts-e2e-absolute.txt ] &&
    "$BIN" --workspace "$W" dataset show D0004 --json >"$T/show4.json" &&
    json_ok "$T/show4.json" 'any("escaped.txt" in f["path"] for f in d["failed"])'
}
check "zip-slip entries are refused, nothing lands outside" zip_slip

round_trip() {
    "$BIN" --workspace "$W" dataset export D0002 "$T/voc-out" --format voc >/dev/null &&
    "$BIN" --workspace "$W" dataset create again --type detection >/dev/null &&
    "$BIN" --workspace "$W" dataset import D0005 "$T/voc-out" --format voc >/dev/null &&
    "$BIN" --workspace "$W" dataset show D0002 --json >"$T/a.json" &&
    "$BIN" --workspace "$W" dataset show D0005 --json >"$T/b.json" &&
    python3 -c '
import json,sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
keys = ["images", "annotations", "labels", "splits"]
sys.exit(0 if all(a[k] == b[k] for k in keys) else 1)' "$T/a.json" "$T/b.json"
}
check "export as VOC and import again gives the same records" round_trip

split_reproducible() {
    "$BIN" --workspace "$W" dataset split D0001 --val 0.25 --test 0.1 --seed 7 >/dev/null &&
    "$BIN" --workspace "$W" dataset details D0001 --json >"$T/s1.json" &&
    "$BIN" --workspace "$W" dataset split D0001 --val 0.25 --test 0.1 --seed 8 >/dev/null &&
    "$BIN" --workspace "$W" dataset split D0001 --val 0.25 --test 0.1 --seed 7 >/dev/null &&
    "$BIN" --workspace "$W" dataset details D0001 --json >"$T/s2.json" &&
    cmp -s <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["split_lists"])' "$T/s1.json") \
           <(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["split_lists"])' "$T/s2.json")
}
check "the same seed gives the same split" split_reproducible

two_processes() {
    local W2=$T/ws2
    "$BIN" --workspace "$W2" workspace path >/dev/null
    for w in 1 2; do
        ( for i in $(seq 1 25); do "$BIN" --workspace "$W2" dataset create "p$w-$i" --type detection >/dev/null || exit 1; done ) &
    done
    wait
    "$BIN" --workspace "$W2" dataset list --json >"$T/many.json" &&
    json_ok "$T/many.json" 'len(d) == 50 and len(set(x["id"] for x in d)) == 50'
}
check "two processes writing at once lose nothing" two_processes

errors_are_actionable() {
    ! "$BIN" --workspace "$W" dataset show D0999 2>"$T/err.txt" >/dev/null &&
    grep -q "D0999 does not exist" "$T/err.txt" &&
    ! "$BIN" --workspace "$W" dataset import D0001 "$T/nowhere" --format imagenet 2>"$T/err2.txt" >/dev/null &&
    grep -q "does not exist" "$T/err2.txt"
}
check "errors go to stderr with a non-zero exit and say what is wrong" errors_are_actionable

task_runs_and_reports_metrics() {
    local id
    id=$("$BIN" --workspace "$W" task create P0001 --name "e2e 任务" --trainer command \
        --param command='printf "%s\n" "{\"type\":\"train\",\"epoch\":1,\"epochs\":1,\"step\":4,\"steps\":4,\"loss\":0.25,\"time\":1}" "{\"type\":\"eval\",\"epoch\":1,\"acc1\":0.8}" >>"$AIARTS_METRICS"; echo trained') &&
    [ "$id" = T0001 ] &&
    "$BIN" --workspace "$W" task start "$id" >/dev/null &&
    ! "$BIN" --workspace "$W" task params "$id" epochs=3 2>/dev/null &&
    for _ in $(seq 1 100); do
        "$BIN" --workspace "$W" task show "$id" --json >"$T/task.json" || return 1
        json_ok "$T/task.json" 'd["state"] in ("finished", "failed", "stopped")' >/dev/null && break
        sleep 0.1
    done &&
    json_ok "$T/task.json" 'd["state"] == "finished" and d["exit_code"] == 0' &&
    "$BIN" --workspace "$W" task metrics "$id" --json >"$T/metrics.json" &&
    json_ok "$T/metrics.json" 'd["eval/acc1"] == [{"epoch": 1, "step": None, "value": 0.8, "time": None}] and d["train/loss"] == [{"epoch": 1, "step": 4, "value": 0.25, "time": 1}]' &&
    [ "$("$BIN" --workspace "$W" task log "$id" -n 1)" = trained ] &&
    # Each fact once: the state is not repeated as its message.
    "$BIN" --workspace "$W" task show "$id" | grep -qx 'state:   finished' &&
    [ "$("$BIN" --workspace "$W" task status "$id" | grep -cw finished)" = 1 ]
}
check "a command task runs detached, finishes, and its metrics are read" task_runs_and_reports_metrics

task_stop_and_refusals() {
    local id
    id=$("$BIN" --workspace "$W" task create P0001 --trainer command --param command='sleep 60') &&
    "$BIN" --workspace "$W" task start "$id" >/dev/null &&
    "$BIN" --workspace "$W" task list --json >"$T/tasks.json" &&
    json_ok "$T/tasks.json" 'any(t["id"] == "'"$id"'" and t["state"] == "running" for t in d)' &&
    "$BIN" --workspace "$W" task stop "$id" --grace 5 >/dev/null &&
    "$BIN" --workspace "$W" task show "$id" --json >"$T/stopped.json" &&
    json_ok "$T/stopped.json" 'd["state"] == "stopped"' &&
    ! "$BIN" --workspace "$W" task create P0001 --param epochs=zero 2>"$T/bad.txt" >/dev/null &&
    grep -q "epochs=zero" "$T/bad.txt"
}
check "a running task is listed, stops on request, and bad params are refused" task_stop_and_refusals

builtin_trainer_on_the_demo() {
    local id
    "$BIN" --workspace "$W" task create P0001 --trainer builtin --param epochs=20 --json >"$T/created.json" &&
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/created.json") &&
    "$BIN" --workspace "$W" task start "$id" >/dev/null &&
    "$BIN" --workspace "$W" task wait "$id" &&
    "$BIN" --workspace "$W" task status "$id" --json >"$T/status.json" &&
    json_ok "$T/status.json" 'd["state"] == "finished" and d["epoch"] == 20 and d["epochs"] == 20 and d["pid"] is None and d["exit_code"] == 0' &&
    "$BIN" --workspace "$W" task eval "$id" --json >"$T/eval.json" &&
    json_ok "$T/eval.json" 'd["acc1"] >= 0.9 and d["acc5"] == 1 and d["split"] == "val" and d["samples"] >= 30' &&
    ! "$BIN" --workspace "$W" task eval "$id" --epoch 99 2>/dev/null &&
    "$BIN" --workspace "$W" task predict "$id" --split test --json >"$T/predict.json" &&
    json_ok "$T/predict.json" 'len(d["images"]) >= 15 and all(p["labels"] and os.path.getsize(p["drawn"]) > 0 for p in d["images"])' &&
    "$BIN" --workspace "$W" task export "$id" --json >"$T/export.json" &&
    json_ok "$T/export.json" 'd["check"].startswith("loaded and predicted") and d["model"]["kind"] == "exported" and d["model"]["version"]["name"] == "v1"' &&
    "$BIN" --workspace "$W" task resume "$id" --epoch 18 >/dev/null &&
    "$BIN" --workspace "$W" task wait "$id" &&
    grep -q '"type":"resume","epoch":18' "$W/tasks/$id/metrics.jsonl" &&
    grep -q "resuming from .*epoch_18 at epoch 19" "$W/tasks/$id/train.log" &&
    "$BIN" --workspace "$W" task metrics "$id" --json >"$T/resumed.json" &&
    json_ok "$T/resumed.json" '[p["epoch"] for p in d["eval/acc1"]] == list(range(1, 21))'
}
check "aiarts-train reaches 90% val accuracy on the demo (task eval); wait, status and resume" builtin_trainer_on_the_demo

failing_tasks_and_projects() {
    local id
    "$BIN" --workspace "$W" project create "doomed" --type classification --json >"$T/project.json" &&
    json_ok "$T/project.json" 'd["id"] == "P0003" and d["dataset"] is None and d["tasks"] == 0' &&
    id=$("$BIN" --workspace "$W" task create P0003 --trainer command --param command='echo "ModuleNotFoundError: No module named '"'"'torchvision'"'"'"; exit 1') &&
    "$BIN" --workspace "$W" task start "$id" >/dev/null &&
    ! "$BIN" --workspace "$W" task wait "$id" 2>"$T/wait.err" &&
    grep -q "torchvision" "$T/wait.err" &&
    "$BIN" --workspace "$W" task status "$id" --json >"$T/failed.json" &&
    json_ok "$T/failed.json" 'd["state"] == "failed" and "pip install torchvision" in d["message"] and d["exit_code"] == 1 and d["log_tail"]' &&
    "$BIN" --workspace "$W" task create P0003 --trainer command --param command='sleep 60' >/dev/null &&
    "$BIN" --workspace "$W" task start T0005 >/dev/null &&
    ! "$BIN" --workspace "$W" project rm P0003 2>/dev/null &&
    "$BIN" --workspace "$W" project rm P0003 --force >/dev/null &&
    "$BIN" --workspace "$W" project list --json >"$T/projects2.json" &&
    json_ok "$T/projects2.json" '[p["id"] for p in d] == ["P0001", "P0002"]' &&
    [ ! -e "$W/tasks/T0005" ]
}
check "a failing task says why; deleting a project stops and removes its tasks" failing_tasks_and_projects

model_register_from_task() {
    local id
    id=$("$BIN" --workspace "$W" task create P0001 --name "checkpointing" --trainer command \
        --param command='mkdir -p checkpoints/epoch_1 && echo weights >checkpoints/epoch_1/model.pt && printf "%s\n" "{\"type\":\"eval\",\"epoch\":1,\"acc1\":0.75}" "{\"type\":\"checkpoint\",\"epoch\":1,\"path\":\"checkpoints/epoch_1\",\"best\":true}" >>"$AIARTS_METRICS"') &&
    "$BIN" --workspace "$W" task start "$id" >/dev/null &&
    "$BIN" --workspace "$W" task wait "$id" &&
    "$BIN" --workspace "$W" model register "$id" --name "from a task" --json >"$T/reg.json" &&
    json_ok "$T/reg.json" 'd["id"] == "M0002" and d["kind"] == "pretrained" and d["task"] == "'"$id"'" and d["version"]["name"] == "v1" and d["version"]["task"] == "'"$id"'" and d["version"]["epoch"] == 1 and d["version"]["source_path"] is None and d["version"]["evaluation"] == {"acc1": 0.75} and d["version"]["format"] == "pytorch state_dict"' &&
    [ "$(cat "$W/models/M0002/v1/model.pt")" = weights ] &&
    ! "$BIN" --workspace "$W" model register "$id" --epoch 7 2>"$T/noepoch.txt" >/dev/null &&
    grep -q "no checkpoint of epoch 7" "$T/noepoch.txt" &&
    # The aiarts-train task trained above: its best epoch, loadable again by aiarts-train predict.
    "$BIN" --workspace "$W" task list --json >"$T/all.json" &&
    builtin=$(python3 -c 'import json,sys; print([t["id"] for t in json.load(open(sys.argv[1])) if t["trainer"] == "aiarts-train" and t["state"] == "finished"][0])' "$T/all.json") &&
    "$BIN" --workspace "$W" model register "$builtin" --json >"$T/reg2.json" &&
    json_ok "$T/reg2.json" 'd["id"] == "M0003" and d["version"]["format"] == "aiarts-train checkpoint" and d["type"] == "classification" and d["version"]["evaluation"]["acc1"] >= 0.9' &&
    if [ -x "$(dirname "$BIN")/aiarts-train" ]; then
        "$(dirname "$BIN")/aiarts-train" predict --checkpoint "$W/models/M0003/v1" --json "$(find "$W/datasets/D0001" -name '*.jpg' | head -1)" >/dev/null
    fi
}
check "model register copies a task's best checkpoint with its evaluation" model_register_from_task

model_upload_download_remove() {
    mkdir -p "$T/upload/sub" && printf 'onnx' >"$T/upload/sub/model.onnx" && printf 'labels' >"$T/upload/labels.txt" &&
    "$BIN" --workspace "$W" model upload "$T/upload" --name "上传的模型" --type detection --json >"$T/up.json" &&
    json_ok "$T/up.json" 'd["id"] == "M0004" and d["kind"] == "uploaded" and d["task"] is None and d["version"]["format"] == "onnx" and d["version"]["file_count"] == 2' &&
    "$BIN" --workspace "$W" model upload "$T/upload/labels.txt" --to M0004 >/dev/null &&
    "$BIN" --workspace "$W" model list --json >"$T/models.json" &&
    json_ok "$T/models.json" '[(m["id"], m["versions"]) for m in d] == [("M0001", 1), ("M0002", 1), ("M0003", 1), ("M0004", 2)] and d[3]["name"] == "上传的模型"' &&
    "$BIN" --workspace "$W" model show M0004 --json >"$T/mshow.json" &&
    json_ok "$T/mshow.json" '[v["name"] for v in d["versions"]] == ["v1", "v2"] and d["type"] == "detection" and d["size"] == sum(v["size"] for v in d["versions"])' &&
    "$BIN" --workspace "$W" model download M0004 --version v1 "$T/down" >/dev/null &&
    cmp -s "$T/down/sub/model.onnx" "$T/upload/sub/model.onnx" && [ -f "$T/down/model.json" ] &&
    "$BIN" --workspace "$W" model download M0004 --version v1 "$T" --archive >/dev/null &&
    mkdir -p "$T/untar" && tar xzf "$T/M0004-v1.tar.gz" -C "$T/untar" &&
    diff -r "$T/down" "$T/untar/M0004-v1" &&
    ! "$BIN" --workspace "$W" model download M0004 "$T/down" 2>"$T/busy.txt" >/dev/null && grep -q "already exists" "$T/busy.txt" &&
    "$BIN" --workspace "$W" model rm M0004 --version v1 >/dev/null &&
    "$BIN" --workspace "$W" model show M0004 --json >"$T/mshow2.json" &&
    json_ok "$T/mshow2.json" '[v["name"] for v in d["versions"]] == ["v2"]' &&
    "$BIN" --workspace "$W" workspace set M0004 name renamed &&
    [ "$("$BIN" --workspace "$W" workspace get M0004 name)" = renamed ] &&
    "$BIN" --workspace "$W" model rm M0004 >/dev/null &&
    [ ! -e "$W/models/M0004" ] &&
    ! "$BIN" --workspace "$W" model show M0004 2>"$T/gone.txt" >/dev/null && grep -q "M0004 does not exist" "$T/gone.txt"
}
check "model upload, list, show, download (folder and tar.gz) and rm" model_upload_download_remove

two_reviewers_apply_at_once() {
    local id
    id=$("$BIN" --workspace "$W" annotate task create D0002 --name "shapes pass" --size 7 \
        --formatter '[{"name": "square", "attributes": [{"name": "filled", "values": ["yes", "no"]}]}, {"name": "star"}]') &&
    # Two processes apply at the same moment, for two reviewers, several times over.
    for round in 1 2 3; do
        "$BIN" --workspace "$W" annotate apply "$id" --user "ann$round" --json >"$T/apply-a$round.json" &
        "$BIN" --workspace "$W" annotate apply "$id" --user "bob$round" --json >"$T/apply-b$round.json" &
        wait
    done &&
    python3 - "$T" <<'PY' &&
import json, sys, glob
batches = [json.load(open(f)) for f in sorted(glob.glob(sys.argv[1] + "/apply-*.json"))]
ids = [s["id"] for b in batches for s in b["samples"]]
assert len(batches) == 6 and all(len(b["samples"]) == 7 and b["status"] == "open" for b in batches), batches
assert len(ids) == len(set(ids)) == 42, ids
PY
    ! "$BIN" --workspace "$W" annotate apply "$id" --user ann1 2>"$T/unfinished.txt" >/dev/null &&
    grep -q "you have an unfinished batch" "$T/unfinished.txt" &&
    ! "$BIN" --workspace "$W" annotate commit "$id" --user ann1 2>"$T/undecided.txt" >/dev/null &&
    grep -q "7 undecided samples" "$T/undecided.txt" &&
    "$BIN" --workspace "$W" annotate commit "$id" --user ann1 --force --json >"$T/commit.json" &&
    json_ok "$T/commit.json" 'd["samples"] == 0 and d["returned"] == 7' &&
    "$BIN" --workspace "$W" annotate commits --task "$id" --page 1 --page-size 5 --json >"$T/commits.json" &&
    json_ok "$T/commits.json" 'd["pageNum"] == 1 and d["pageSize"] == 5 and d["total"] == 1 and d["items"][0]["user"] == "ann1"' &&
    "$BIN" --workspace "$W" annotate task show "$id" --json >"$T/atask.json" &&
    json_ok "$T/atask.json" 'd["handed_out"] == 35 and len(d["open_batches"]) == 5 and d["formatter"][0]["name"] == "square"'
}
check "two reviewers applying at once get disjoint annotation batches; commit and commits" two_reviewers_apply_at_once

killed_supervisor() {
    local id pid folder n1 n2
    id=$("$BIN" --workspace "$W" task create P0001 --trainer command \
        --param command="sh -c 'while :; do echo tick >> ticks; sleep 0.05; done' & wait") &&
    "$BIN" --workspace "$W" task start "$id" >/dev/null &&
    "$BIN" --workspace "$W" task show "$id" --json >"$T/ks.json" &&
    pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pid"])' "$T/ks.json") || return 1
    folder=$W/tasks/$id
    sleep 0.3; kill -9 "$pid"; sleep 0.3
    # The loop the trainer started is not reached by PR_SET_PDEATHSIG: it still writes.
    n1=$(wc -l <"$folder/ticks"); sleep 0.3; n2=$(wc -l <"$folder/ticks")
    [ "$n2" -gt "$n1" ] || { echo "expected an orphan still writing"; return 1; }
    # The next command that looks at tasks kills it and says so.
    "$BIN" --workspace "$W" task list >/dev/null &&
    n1=$(wc -l <"$folder/ticks") && sleep 0.3 && n2=$(wc -l <"$folder/ticks") &&
    [ "$n2" = "$n1" ] || { echo "still writing after task list: $n1 -> $n2"; return 1; }
    "$BIN" --workspace "$W" task show "$id" --json >"$T/ks2.json" &&
    json_ok "$T/ks2.json" 'd["state"] == "failed" and "still running" in d["message"]' &&
    ! "$BIN" --workspace "$W" task stop "$id" 2>"$T/ks.err" && grep -q "already ended" "$T/ks.err"
}
check "a SIGKILLed supervisor leaves no trainer behind: task list kills what outlived it" killed_supervisor

# Many small images for the import tests below: the demo's, repeated (hard links where possible).
many_images() { # DIR COUNT
    python3 - "$W/datasets/D0001" "$1" "$2" <<'PY'
import os, shutil, sys
src, dst, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
files = sorted(os.path.join(r, f) for r, _, fs in os.walk(src) for f in fs if f.endswith(".jpg"))
for i in range(count):
    folder = os.path.join(dst, "ab"[i % 2])
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, "%05d.jpg" % i)
    try: os.link(files[i % len(files)], target)
    except OSError: shutil.copyfile(files[i % len(files)], target)
PY
}

# The dataset's status as stored, read without aiarts (which would recover it on opening).
raw_status() { # WORKSPACE ID
    python3 -c 'import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute("SELECT status FROM dataset WHERE id=?", (sys.argv[2],)).fetchone()[0])' "$1/aiarts.sqlite" "$2"
}

killed_import_recovers() {
    local W3=$T/ws-kill src=$T/many pid i
    many_images "$src" 4000 &&
    "$BIN" --workspace "$W3" dataset create big --type classification >/dev/null || return 1
    "$BIN" --workspace "$W3" dataset import D0001 "$src" --format imagenet --verify header >/dev/null 2>&1 &
    pid=$!
    # SIGKILL as soon as the copy into the staging folder has begun.
    for i in $(seq 1 3000); do
        [ -n "$(find "$W3/datasets/.staging" -type f -print -quit 2>/dev/null)" ] && break
    done
    kill -9 "$pid"; wait "$pid" 2>/dev/null
    [ -n "$(find "$W3/datasets/.staging" -type f -print -quit)" ] || { echo "the import was not killed mid-copy"; return 1; }
    [ "$(raw_status "$W3" D0001)" = copying ] || { echo "left as $(raw_status "$W3" D0001), not copying"; return 1; }
    "$BIN" --workspace "$W3" dataset show D0001 --json >"$T/killed.json" &&
    json_ok "$T/killed.json" "d['status'] == 'empty' and d['images'] == 0 and 'the import was interrupted (process $pid ended)' in d['status_message']" &&
    [ -z "$(ls -A "$W3/datasets/.staging")" ] || { echo "staging not cleaned: $(ls "$W3/datasets/.staging")"; return 1; }
    # Nothing blocks the next import.
    "$BIN" --workspace "$W3" dataset import D0001 "$src" --format imagenet --verify header --json >"$T/again.json" &&
    json_ok "$T/again.json" 'd["images"] == 4000'
}
check "a SIGKILLed dataset import is put back and its staging copy removed" killed_import_recovers

killed_import_cancel() {
    local W4=$T/ws-cancel pid i
    "$BIN" --workspace "$W4" dataset create big --type classification >/dev/null || return 1
    "$BIN" --workspace "$W4" dataset import D0001 "$T/many" --format imagenet >/dev/null 2>&1 &
    pid=$!
    for i in $(seq 1 3000); do
        [ "$(raw_status "$W4" D0001 2>/dev/null)" = checking ] && break
        sleep 0.01
    done
    kill -9 "$pid"; wait "$pid" 2>/dev/null
    [ "$(raw_status "$W4" D0001)" = checking ] || { echo "left as $(raw_status "$W4" D0001), not checking"; return 1; }
    "$BIN" --workspace "$W4" dataset cancel D0001 >"$T/cancel.txt" &&
    grep -q "process $pid ended" "$T/cancel.txt" && grep -q "restored to empty" "$T/cancel.txt" &&
    [ "$(raw_status "$W4" D0001)" = empty ] &&
    "$BIN" --workspace "$W4" dataset cancel D0001 | grep -q "no import is running"
}
check "dataset cancel puts back an import whose process was killed" killed_import_cancel

second_import_refused() {
    local W5=$T/ws-two pid small=$T/small i
    mkdir -p "$small/c" && cp "$(find "$T/many/a" -name '*.jpg' | head -n 1)" "$small/c/one.jpg" &&
    "$BIN" --workspace "$W5" dataset create big --type classification >/dev/null || return 1
    "$BIN" --workspace "$W5" dataset import D0001 "$T/many" --format imagenet --json >"$T/first.json" 2>/dev/null &
    pid=$!
    for i in $(seq 1 3000); do
        [ -n "$(ls "$W5/datasets/.staging" 2>/dev/null)" ] && break
        sleep 0.005
    done
    ! "$BIN" --workspace "$W5" dataset import D0001 "$small" --format imagenet >/dev/null 2>"$T/second.err" &&
    grep -q "already being imported by pid $pid, started " "$T/second.err" &&
    wait "$pid" &&
    json_ok "$T/first.json" 'd["images"] == 4000' &&
    "$BIN" --workspace "$W5" dataset show D0001 --json >"$T/two.json" &&
    json_ok "$T/two.json" 'd["images"] == 4000 and d["status"] == "copied"'
}
check "a second import into the same dataset is refused at once, naming the running one" second_import_refused

# Issue 11: one absurd number in a log used to trap (integer overflow, Double→Int) and kill the command.
huge_numbers_are_skipped_not_fatal() {
    printf '2025-01-01 10:00:00 [INFO]\t[TRAIN] Epoch=1/10, Step=2/50, loss=2.3\n2025-01-01 10:00:01 [INFO]\t[TRAIN] Epoch=9223372036854775807/10, Step=2/50, loss=2.302585\n' >"$T/huge.log" &&
    printf 'epoch,step,train_loss\n0,1,0.5\n0,1e308,0.4\n' >"$T/metrics.csv" &&
    "$BIN" --workspace "$W" log parse "$T/huge.log" >"$T/huge.txt" &&
    grep -q '1 skipped: 1 step or epoch out of range' "$T/huge.txt" &&
    "$BIN" --workspace "$W" log parse "$T/huge.log" --json >"$T/huge.json" &&
    json_ok "$T/huge.json" '[(p["epoch"], p["step"], p["value"]) for p in d["train/loss"]] == [(1, 2, 2.3)]' &&
    "$BIN" --workspace "$W" log parse "$T/metrics.csv" >"$T/csv.txt" &&
    grep -q '1 skipped: 1 step or epoch out of range' "$T/csv.txt"
}
check "a step or epoch too large to compute with is skipped and counted, not fatal" huge_numbers_are_skipped_not_fatal

lifecycle_dead_ends() {
    local created builtin derived sleeper late p
    # A task never started: wait fails at once, saying how to start it.
    created=$("$BIN" --workspace "$W" task create P0001 --trainer command --param command=true) &&
    ! timeout 10 "$BIN" --workspace "$W" task wait "$created" 2>"$T/wait-created.txt" >/dev/null &&
    grep -q "task start $created" "$T/wait-created.txt" &&
    # A trainer that does not fit, and a project without a dataset, are refused at create.
    ! "$BIN" --workspace "$W" task create P0002 --trainer builtin 2>"$T/unfit.txt" >/dev/null &&
    grep -q "classification only" "$T/unfit.txt" &&
    "$BIN" --workspace "$W" project create "later" --type classification --json >"$T/later.json" &&
    p=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$T/later.json") &&
    ! "$BIN" --workspace "$W" task create "$p" --trainer builtin 2>"$T/nodata.txt" >/dev/null &&
    grep -q "project set $p --dataset" "$T/nodata.txt" &&
    ! "$BIN" --workspace "$W" project set "$p" --dataset D0002 2>/dev/null &&
    "$BIN" --workspace "$W" project set "$p" --dataset D0001 --json >"$T/set.json" &&
    json_ok "$T/set.json" 'd["dataset"] == "D0001"' &&
    "$BIN" --workspace "$W" task create "$p" --trainer builtin --param epochs=1 >/dev/null &&
    # A start that cannot launch is failed with the reason, and starts once the cause is gone.
    late=$("$BIN" --workspace "$W" task create P0001 --trainer command --param startup_file="$T/late.sh") &&
    ! "$BIN" --workspace "$W" task start "$late" 2>/dev/null >/dev/null &&
    "$BIN" --workspace "$W" task show "$late" --json >"$T/late.json" &&
    json_ok "$T/late.json" 'd["state"] == "failed" and d["message"].startswith("could not start") and "late.sh" in d["message"]' &&
    echo 'echo late' >"$T/late.sh" &&
    "$BIN" --workspace "$W" task start "$late" >/dev/null &&
    "$BIN" --workspace "$W" task wait "$late" >/dev/null &&
    # The built-in task trained above: 2 more epochs, then a task fine-tuned from its weights.
    "$BIN" --workspace "$W" task list --json >"$T/all2.json" &&
    builtin=$(python3 -c 'import json,sys; print([t["id"] for t in json.load(open(sys.argv[1])) if t["trainer"] == "aiarts-train" and t["state"] == "finished"][0])' "$T/all2.json") &&
    "$BIN" --workspace "$W" task resume "$builtin" --epochs 22 >/dev/null &&
    "$BIN" --workspace "$W" task wait "$builtin" >/dev/null &&
    "$BIN" --workspace "$W" task status "$builtin" --json >"$T/extended.json" &&
    json_ok "$T/extended.json" 'd["state"] == "finished" and d["epoch"] == 22 and d["epochs"] == 22' &&
    [ "$("$BIN" --workspace "$W" task params "$builtin" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["epochs"])')" = 22 ] &&
    [ "$(ls "$W/tasks/$builtin/checkpoints" | wc -l)" -le 4 ] &&
    derived=$("$BIN" --workspace "$W" task create P0001 --from "$builtin" --param epochs=2) &&
    "$BIN" --workspace "$W" task start "$derived" >/dev/null &&
    "$BIN" --workspace "$W" task wait "$derived" >/dev/null &&
    grep -q "starting from the weights of" "$W/tasks/$derived/train.log" &&
    "$BIN" --workspace "$W" task metrics "$derived" --json >"$T/derived.json" &&
    json_ok "$T/derived.json" 'd["eval/acc1"][0]["epoch"] == 1 and d["eval/acc1"][0]["value"] >= 0.8' &&
    # task rm: listed, gone; a running one only with --force.
    "$BIN" --workspace "$W" task rm "$derived" --json >"$T/rm.json" &&
    json_ok "$T/rm.json" 'd["checkpoints"] == ["checkpoints/epoch_1", "checkpoints/epoch_2"] and d["stopped"] is False' &&
    [ ! -e "$W/tasks/$derived" ] &&
    ! "$BIN" --workspace "$W" task show "$derived" 2>/dev/null >/dev/null &&
    sleeper=$("$BIN" --workspace "$W" task create P0001 --trainer command --param command='sleep 60') &&
    "$BIN" --workspace "$W" task start "$sleeper" >/dev/null &&
    ! "$BIN" --workspace "$W" task rm "$sleeper" 2>"$T/rm-running.txt" >/dev/null &&
    grep -q -- "--force" "$T/rm-running.txt" &&
    "$BIN" --workspace "$W" task rm "$sleeper" --force --grace 1 | grep -q "stopped first" &&
    "$BIN" --workspace "$W" task rm "$created" >/dev/null
}
check "lifecycle: wait on a created task, create refusals, project set, failed start, resume --epochs, --from builtin, task rm" lifecycle_dead_ends

hostile_text_reaches_the_terminal_clean() {
    local W11=$T/ws11 src=$T/hostile
    mkdir -p "$src/coco/images" "$src/yolo/images"
    # An OSC 52 (clipboard write) and an OSC 0 (title) in a COCO file_name and a class name.
    python3 -c 'import json,sys; json.dump({"images":[{"id":1,"file_name":"a\x1b]52;c;aGk=\x07\x1b]0;pwned\x07.jpg","width":10,"height":10}],"annotations":[{"id":1,"image_id":1,"category_id":1,"bbox":[1,1,2,2]}],"categories":[{"id":1,"name":"x\x1b]0;t\x07"}]}, open(sys.argv[1],"w"))' "$src/coco/annotations.json"
    # A 4 MB data.yaml line that starts with a title change.
    python3 -c 'import sys; open(sys.argv[1],"w").write("names: [a]\n\x1b]0;title\x07" + "x" * 4000000 + "\n")' "$src/yolo/data.yaml"
    "$BIN" --workspace "$W11" dataset create $'c\xc2\x9b31mo\xe2\x80\xaeco' --type detection >/dev/null &&
    "$BIN" --workspace "$W11" dataset create y --type detection >/dev/null &&
    ! "$BIN" --workspace "$W11" dataset import D0001 "$src/coco" --format coco >"$T/h1.out" 2>"$T/h1.err" &&
    grep -q "First problem: annotations.json" "$T/h1.err" && terminal_safe "$T/h1.err" && terminal_safe "$T/h1.out" &&
    ! "$BIN" --workspace "$W11" dataset import D0002 "$src/yolo" --format yolo >"$T/h2.out" 2>"$T/h2.err" &&
    grep -q "bytes in all" "$T/h2.err" && [ "$(wc -c <"$T/h2.err")" -lt 2000 ] && terminal_safe "$T/h2.err" &&
    "$BIN" --workspace "$W11" dataset show D0002 >"$T/h3.out" && terminal_safe "$T/h3.out" && [ "$(wc -c <"$T/h3.out")" -lt 4000 ] &&
    "$BIN" --workspace "$W11" dataset list >"$T/h4.out" && terminal_safe "$T/h4.out" &&
    # --json escapes C1 and bidi controls as \uXXXX; the document still reads back exactly.
    "$BIN" --workspace "$W11" dataset list --json >"$T/h5.json" && terminal_safe "$T/h5.json" &&
    grep -qF '\u009B31mo\u202Eco' "$T/h5.json" &&
    json_ok "$T/h5.json" 'd[0]["name"] == "c\u009b31mo\u202eco" and len(d[1]["status_message"]) < 2100'
}
check "escape sequences in imported data never reach the terminal; long input is cut" hostile_text_reaches_the_terminal_clean

real_tarball_and_wrong_format() {
    local W12=$T/ws12 src=$T/tarsrc
    mkdir -p "$src/cat" "$src/dog"
    cp "$(find "$W/datasets/D0001" -name '*.jpg' | head -n 1)" "$src/cat/a.jpg"
    cp "$(find "$W/datasets/D0001" -name '*.jpg' | tail -n 1)" "$src/dog/b.jpg"
    tar czf "$T/x.tgz" -C "$src" . &&
    "$BIN" --workspace "$W12" dataset create t --type classification >/dev/null &&
    "$BIN" --workspace "$W12" dataset import D0001 "$T/x.tgz" --format imagenet --json >"$T/t.json" &&
    json_ok "$T/t.json" 'd["images"] == 2 and d["failed"] == 0' &&
    # A COCO export imported as ImageNet is refused with the hint, not read as classes 'annotations' and 'images'.
    mkdir -p "$T/cocoexp/images" "$T/cocoexp/annotations" && cp "$src/cat/a.jpg" "$T/cocoexp/images/a.jpg" &&
    printf '{"images":[{"id":1,"file_name":"a.jpg"}],"annotations":[],"categories":[{"id":1,"name":"cat"}]}' >"$T/cocoexp/annotations/instances_train.json" &&
    "$BIN" --workspace "$W12" dataset create c --type classification >/dev/null &&
    ! "$BIN" --workspace "$W12" dataset import D0002 "$T/cocoexp" --format imagenet 2>"$T/c.err" >/dev/null &&
    grep -q "this looks like COCO: --format coco" "$T/c.err"
}
check "a tarball of '.' imports without a failed './'; a COCO export given --format imagenet is refused with a hint" real_tarball_and_wrong_format

# Issue 13: a hint that names a command gives one that runs as printed.
hint_commands_run() {
    local d hint
    d=$("$BIN" --workspace "$W" dataset create unsplit --type classification) &&
    many_images "$T/unsplit" 6 &&
    "$BIN" --workspace "$W" dataset import "$d" "$T/unsplit" --format imagenet >/dev/null &&
    echo '{"type":"header","task":"classification","labels":["a","b"],"split":"val","epoch":1}' >"$T/none.jsonl" &&
    ! "$BIN" --workspace "$W" eval predictions "$d" "$T/none.jsonl" --split val 2>"$T/hint.txt" &&
    hint=$(grep -o '`aiarts [^`]*`' "$T/hint.txt" | tr -d '`' | head -1) &&
    [ -n "$hint" ] && echo "hint: $hint" &&
    "$BIN" --workspace "$W" ${hint#aiarts } >/dev/null
}
check "a hint that names a command (split an unsplit dataset) gives one that runs" hint_commands_run

# Issue 13: `gpu --watch` into a pipe or a file writes plain samples, no cursor or colour codes.
gpu_watch_piped_is_plain() {
    timeout 3 "$BIN" --workspace "$W" gpu --watch >"$T/gpu-watch.txt"
    [ $? -eq 124 ] &&
    grep -q '^# 20' "$T/gpu-watch.txt" &&
    ! grep -q $'\e' "$T/gpu-watch.txt"
}
check "gpu --watch into a file writes timestamped plain samples, no escape codes" gpu_watch_piped_is_plain

# Issue 13: one text-table layout for every command (Output.tableLines): aligned by display width, no
# line ending in spaces; `gpu` (AIArtsRender widgets) ends no line in spaces either.
tables_align() {
    printf '[{"uuid": "GPU-1", "name": "NVIDIA H100 80GB HBM3", "memory_total": 85899345920, "memory_used": 1073741824, "utilization": 7}]' >"$T/gpus.json"
    "$BIN" --workspace "$W" dataset list >"$T/datasets.txt" &&
    AIARTS_GPU_FIXTURE=$T/gpus.json "$BIN" --workspace "$W" gpu >"$T/gpus.txt" &&
    grep -q 'H100' "$T/gpus.txt" &&
    ! grep -n ' $' "$T/datasets.txt" "$T/gpus.txt" &&
    python3 - "$T/datasets.txt" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
head = lines[0]
# Every column starts where its header does.
starts = [i for i, c in enumerate(head) if c != " " and (i == 0 or head[i - 1] == " ")]
assert len(lines) > 2, lines
for row in lines[1:]:
    for s in starts[1:]:
        assert row[s - 2:s] == "  " and row[s] != " ", (row, s)
PY
}
check "tables are aligned and no line ends in spaces (dataset list, gpu)" tables_align

# Issue 13: `dataset details --json` is narrowed by --label and --split as the table is.
details_filter_json() {
    "$BIN" --workspace "$W" dataset details D0001 --label circle --split val --json >"$T/dfilter.json" &&
    json_ok "$T/dfilter.json" 'd["filter"] == {"label": "circle", "split": "val"} and d["files"] and all(f["split"] == "val" and "circle" in f["labels"] for f in d["files"]) and list(d["label_files"]) == ["circle"] and list(d["split_lists"]) == ["val"] and d["summary"]["images"] > len(d["files"])' &&
    [ "$("$BIN" --workspace "$W" dataset details D0001 --label circle --split val | grep -c ' val ')" = "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["files"]))' "$T/dfilter.json")" ] &&
    ! "$BIN" --workspace "$W" dataset details D0001 --label nosuch --json 2>"$T/dlabel.err" >/dev/null &&
    grep -q 'D0001 has no label "nosuch"; its labels are circle, square, triangle' "$T/dlabel.err" &&
    ! "$BIN" --workspace "$W" dataset details D0001 --split valid 2>"$T/dsplit.err" >/dev/null &&
    grep -q "the split is train, val or test, not valid" "$T/dsplit.err"
}
check "dataset details --json honours --label and --split; unknown ones are refused" details_filter_json

# Issue 13: --register shows registered; `dataset create --import` makes and fills a dataset in one command.
registered_and_create_import() {
    local W13=$T/ws13 src=$T/regsrc id
    mkdir -p "$src/cat" "$src/dog" &&
    cp "$(find "$W/datasets/D0001" -name '*.jpg' | head -n 1)" "$src/cat/a.jpg" &&
    cp "$(find "$W/datasets/D0001" -name '*.jpg' | tail -n 1)" "$src/dog/b.jpg" &&
    "$BIN" --workspace "$W13" dataset create kept --type classification --import "$src" --format imagenet --register >"$T/ci.txt" 2>/dev/null &&
    grep -qx "D0001: imported 2 images, 2 annotations" "$T/ci.txt" &&
    "$BIN" --workspace "$W13" dataset list | grep -q '^D0001  kept  classification  registered  2 ' &&
    "$BIN" --workspace "$W13" dataset show D0001 | grep -q '^status:      registered: ' &&
    "$BIN" --workspace "$W13" dataset create copied --type classification --import "$src" --format imagenet --json >"$T/ci.json" 2>/dev/null &&
    json_ok "$T/ci.json" 'd["id"] == "D0002" and d["status"] == "copied" and d["images"] == 2 and not d["in_place"]' &&
    # A refusal leaves nothing behind.
    ! "$BIN" --workspace "$W13" dataset create wrong --type classification --import "$src" --format voc 2>"$T/ci.err" >/dev/null &&
    grep -q "does not carry that type" "$T/ci.err" &&
    ! "$BIN" --workspace "$W13" dataset create none --type classification --import "$T/nowhere" --format imagenet 2>/dev/null >/dev/null &&
    "$BIN" --workspace "$W13" dataset list --json >"$T/ci-list.json" &&
    json_ok "$T/ci-list.json" '[x["id"] for x in d] == ["D0001", "D0002"]'
}
check "a --register import shows registered; dataset create --import makes and fills a dataset" registered_and_create_import

# Issue 13: a task queued for GPU memory reports when it really launched; the queue worker starts it.
queued_task_reports_its_launch() {
    local W14=$T/ws14 gpus=$T/gpus14.json id
    printf '{"gpus":[{"index":0,"name":"A","uuid":"GPU-a","memory_total":8589934592,"memory_used":8000000000}]}' >"$gpus" &&
    "$BIN" --workspace "$W14" project create q --type classification >/dev/null &&
    id=$(AIARTS_GPU_FIXTURE=$gpus "$BIN" --workspace "$W14" task create P0001 --trainer command --param command='echo ran' --param gpu_memory=4000) &&
    AIARTS_GPU_FIXTURE=$gpus "$BIN" --workspace "$W14" task start "$id" | grep -q "^$id waiting_gpu: waiting for 4000 MiB" &&
    "$BIN" --workspace "$W14" task show "$id" --json >"$T/q1.json" &&
    json_ok "$T/q1.json" 'd["state"] == "waiting_gpu" and d["started_at"] and d["launched_at"] is None' &&
    sleep 1.2 &&
    # Room on the GPU: the worker `task start` left running starts it within its next look.
    printf '{"gpus":[{"index":0,"name":"A","uuid":"GPU-a","memory_total":8589934592,"memory_used":0}]}' >"$gpus" &&
    timeout 60 "$BIN" --workspace "$W14" task wait "$id" >/dev/null &&
    "$BIN" --workspace "$W14" task show "$id" --json >"$T/q2.json" &&
    json_ok "$T/q2.json" 'd["state"] == "finished" and d["launched_at"] and d["launched_at"] > d["started_at"]' &&
    "$BIN" --workspace "$W14" task show "$id" | grep -q '^launched: .* after it was started)$' &&
    "$BIN" --workspace "$W14" task status "$id" --json >"$T/q3.json" &&
    json_ok "$T/q3.json" 'd["launched_at"] and d["launched_at"] > d["started_at"]'
}
check "a task queued for GPU memory is started by the worker and task show says when it launched" queued_task_reports_its_launch

# Issue 13: task eval prints the confusion matrix as the task screen draws it.
task_eval_confusion_matrix() {
    local id
    "$BIN" --workspace "$W" task list --json >"$T/all3.json" &&
    id=$(python3 -c 'import json,sys; print([t["id"] for t in json.load(open(sys.argv[1])) if t["trainer"] == "aiarts-train" and t["state"] == "finished"][0])' "$T/all3.json") &&
    "$BIN" --workspace "$W" task eval "$id" >"$T/eval.txt" &&
    grep -qx 'confusion matrix (rows: true class, columns: predicted):' "$T/eval.txt" &&
    grep -qx 'true\\pred cir… squ… tri…' "$T/eval.txt" &&
    python3 - "$T/eval.txt" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
at = lines.index("true\\pred cir… squ… tri…")
rows = lines[at + 1:at + 4]
assert [r.split()[0] for r in rows] == ["circle", "square", "triangle"], rows
counts = [[int(x) for x in r.split()[1:]] for r in rows]
samples = int(re.search(r"(\d+) samples", "\n".join(lines)).group(1))
assert sum(map(sum, counts)) == samples, (counts, samples)
acc = float(next(l.split()[1] for l in lines if l.startswith("acc1 ")))
assert abs(sum(counts[i][i] for i in range(3)) / samples - acc) < 1e-3, (counts, acc)
PY
}
check "task eval prints the confusion matrix as the task screen shows it" task_eval_confusion_matrix

# Issue 13: the rules front ends used to hold, now the engine's, as the CLI meets them.
engine_rules_at_the_cli() {
    local sample before
    ! "$BIN" --workspace "$W" task create P0002 --from T0001 2>"$T/from.err" >/dev/null &&
    grep -q "T0001 is in project P0001, not P0002; a derived task stays in its parent's project" "$T/from.err" &&
    mkdir -p "$T/here" && before=$("$BIN" --workspace "$W" task list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') &&
    (cd "$T/here" && "$BIN" --workspace "$W" task create P0001 --trainer command --param startup_file=train.py --json) >"$T/sf.json" &&
    json_ok "$T/sf.json" 'd["params"]["startup_file"] == os.path.realpath(os.path.dirname(sys.argv[1]) + "/here/train.py")' &&
    sample=$("$BIN" --workspace "$W" review queue D0001 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["sample_id"])') &&
    ! "$BIN" --workspace "$W" review decide D0001 "$sample" approve 2>"$T/decide.err" >/dev/null &&
    grep -q "unknown decision approve; use accept, flag, bad, note, class, box-class, delete-box, move-box, add-box" "$T/decide.err" &&
    ! "$BIN" --workspace "$W" review decide D0001 "$sample" class cow 2>"$T/cow.err" >/dev/null &&
    grep -q 'no label "cow"; the labels are 0 circle, 1 square, 2 triangle' "$T/cow.err" &&
    ! "$BIN" --workspace= dataset list 2>"$T/ws.err" >/dev/null &&
    grep -q -- "--workspace needs a folder" "$T/ws.err" &&
    [ "$(AIARTS_WORKSPACE=$W "$BIN" task list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = $((before + 1)) ]
}
check "derived tasks stay in their project, startup files become absolute, decisions and --workspace are parsed by the engine" engine_rules_at_the_cli

# Issue 13: `aiarts gpu` is drawn with AIArtsRender's table, gauge and sparkline.
gpu_report_widgets() {
    printf '{"gpus":[{"index":0,"name":"Fixture H100","uuid":"GPU-f","memory_total":85899345920,"memory_used":21474836480,"utilization":87,"temperature":61,"power":250,"power_limit":700,"processes":[{"pid":4242,"memory":1073741824,"task":"T0003"}]}]}' >"$T/gpu15.json" &&
    AIARTS_GPU_FIXTURE=$T/gpu15.json "$BIN" --workspace "$W" gpu >"$T/gpu15.txt" &&
    grep -qx 'GPU  NAME          MEMORY                          UTIL  TEMP  POWER' "$T/gpu15.txt" &&
    grep -qx '0    Fixture H100  ██▌         25%  20.0/80.0 GiB  87%   61°C  250/700 W' "$T/gpu15.txt" &&
    grep -qx '0    4242  1024 MiB  task T0003' "$T/gpu15.txt" &&
    AIARTS_GPU_FIXTURE=$T/gpu15.json timeout 2.5 "$BIN" --workspace "$W" gpu --watch >"$T/gpu15w.txt"
    [ $? -eq 124 ] && grep -q 'UTIL (60 s)$' "$T/gpu15w.txt" && grep -q '250/700 W  ▇' "$T/gpu15w.txt" && ! grep -q $'\e' "$T/gpu15w.txt"
}
check "aiarts gpu draws its rows with the render widgets (gauge, sparkline when watching)" gpu_report_widgets

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
