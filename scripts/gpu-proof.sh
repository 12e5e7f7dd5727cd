#!/usr/bin/env bash
# The GPU proof (docs/gpu.md, "GPU proof"): what no CPU machine can show — the torch trainers on CUDA with
# bf16, GPU utilisation sampled through `aiarts gpu --json`, NVML's numbers beside nvidia-smi's, data parallel
# on every GPU, a real CUDA out-of-memory and its one-line explanation, and an inference service on the GPU.
#
#   scripts/gpu-proof.sh [pack] [--dest DIR] [--binary PATH]   here: build and pack what a GPU machine needs
#   scripts/gpu-proof.sh --run [--figures FILE]                 there: run every step, write the figures (JSON)
#   scripts/gpu-proof.sh --cpu-dry [--figures FILE]             here: the same steps on the CPU, tiny sizes, and
#                                                              a check of the figures file's shape
#
# pack: `swift build -c release --static-swift-stdlib` of aiarts and aiarts-train in its own scratch path
# (.build/gpu-release, so the debug build is never touched), stripped, with the shared objects whose sonames
# may differ on the target (found with ldd: everything but glibc's own) and the trainer script, into DEST
# (default .build/gpu-proof: ignored, so the `run` tool carries it by name) as aiarts-gpu.tar.gz beside this
# script. --binary PATH packs an aiarts built already (aiarts-train beside it) instead of building.
# --run expects python3 with torch and torchvision, nvidia-smi and no Swift: it unpacks the archive into
# $WORK (default /tmp/aiarts-gpu-proof), sets PATH and LD_LIBRARY_PATH, and never needs the network.
# Each step's result goes into the figures file whether it passed or not; the exit status is 1 when a
# step that could run failed.
set -uo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
MODE=pack DEST= BINARY= FIGURES=
while [ $# -gt 0 ]; do
    case $1 in
        pack) MODE=pack ;;
        --run) MODE=run ;;
        --cpu-dry) MODE=dry ;;
        --dest) DEST=$2; shift ;;
        --binary) BINARY=$2; shift ;;
        --figures) FIGURES=$2; shift ;;
        -h|--help) sed -n '2,21p' "$0"; exit 0 ;;
        *) echo "gpu-proof: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
log() { echo "gpu-proof: $*" >&2; }

# ---------------------------------------------------------------------------------------------- pack
pack() {
    local repo; repo=$(cd "$HERE/.." && pwd)
    DEST=${DEST:-$repo/.build/gpu-proof}
    local bin
    if [ -n "$BINARY" ]; then
        bin=$(cd "$(dirname "$BINARY")" && pwd)
    else
        log "building release aiarts and aiarts-train with the static Swift stdlib (.build/gpu-release) …"
        (cd "$repo" && swift build -c release --static-swift-stdlib --scratch-path .build/gpu-release --product aiarts &&
            swift build -c release --static-swift-stdlib --scratch-path .build/gpu-release --product aiarts-train) >&2 || {
            log "the release build failed"; return 1; }
        bin=$repo/.build/gpu-release/release
    fi
    local stage; stage=$(mktemp -d)
    mkdir -p "$stage/bin" "$stage/lib" "$DEST"
    cp "$bin/aiarts" "$bin/aiarts-train" "$stage/bin/" || { log "no aiarts and aiarts-train in $bin"; return 1; }
    strip "$stage/bin/aiarts" "$stage/bin/aiarts-train" 2>/dev/null || log "strip failed; packing unstripped binaries"
    # Every shared object the binaries load, except glibc's own (the target's glibc is used): libjpeg,
    # libpng, libwebp, zlib, ncurses, sqlite … whose sonames or versions may differ there.
    ldd "$stage/bin/aiarts" "$stage/bin/aiarts-train" | awk '/=> \// {print $3}' | sort -u | while read -r so; do
        case $(basename "$so") in
            libc.so*|libm.so*|libdl.so*|libpthread.so*|librt.so*|ld-linux*|libresolv.so*|libutil.so*) ;;
            *) cp -L "$so" "$stage/lib/" ;;
        esac
    done
    cp "$repo/Sources/AIArtsEngine/Tasks/Torch/aiarts_torch.py" "$stage/"
    # xz where it is installed (about a third smaller: the run tool carries 64 MiB), else gzip; the name stays.
    if command -v xz >/dev/null; then
        tar -C "$stage" -cf - bin lib aiarts_torch.py | xz -T0 -6 >"$DEST/aiarts-gpu.tar.gz"
    else
        tar -C "$stage" -czf "$DEST/aiarts-gpu.tar.gz" bin lib aiarts_torch.py
    fi
    cp "$0" "$DEST/gpu-proof.sh"
    rm -rf "$stage"
    local size; size=$(du -m "$DEST/aiarts-gpu.tar.gz" | cut -f1)
    log "packed $DEST/aiarts-gpu.tar.gz (${size} MiB: $(tar -tf "$DEST/aiarts-gpu.tar.gz" | grep -c '^lib/.') libraries)"
    [ "$size" -lt 60 ] || log "warning: over 60 MiB; the run tool carries 64 MiB with the working tree"
    echo "$DEST"
}

# ----------------------------------------------------------------------------------------- the steps
# Settings per mode: the GPU run uses real sizes, the dry run tiny ones on the CPU.
settings() {
    if [ "$MODE" = run ]; then
        CLS_IMAGES=6000 CLS_SIZE=224 DET_IMAGES=400 DET_SIZE=320
        RESNET="model=resnet18 epochs=4 batch_size=256 image_size=224 workers=12"
        FRCNN="model=fasterrcnn_mobilenet_v3_large_fpn epochs=2 batch_size=16 image_size=512 workers=8"
        OOM="model=resnet50 epochs=1 batch_size=8192 image_size=512 workers=2"
        GPUS_ONE=0 SAMPLE_EVERY=1
    else
        CLS_IMAGES=24 CLS_SIZE=48 DET_IMAGES=8 DET_SIZE=64
        RESNET="model=resnet18 epochs=1 batch_size=4 image_size=32 workers=0"
        FRCNN="model=fasterrcnn_mobilenet_v3_large_fpn epochs=1 batch_size=2 image_size=64 workers=0"
        OOM=
        GPUS_ONE= SAMPLE_EVERY=1
    fi
}

# The figures file is built from one JSON object per step in $WORK/steps/.
step() { # NAME JSON
    printf '%s\n' "$2" >"$WORK/steps/$1.json"
}

a() { aiarts --workspace "$WS" "$@"; }

# `aiarts task create` with key=value parameters from a string.
create_task() { # PROJECT "k=v k=v" NAME [GPUS]
    local args=() kv
    for kv in $2; do args+=(--param "$kv"); done
    [ $# -ge 4 ] && args+=(--param "gpus=$4")
    a task create "$1" --trainer torch "${args[@]}" --name "$3" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}

# Samples `aiarts gpu --json` (and nvidia-smi, when there) every SAMPLE_EVERY s while task $1 runs.
sample_while_running() { # TASK FILE
    : >"$2"
    while :; do
        local state; state=$(a task status "$1" --json 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["state"])' 2>/dev/null)
        case $state in running|starting|waiting_gpu|stopping|created|queued|"") ;; *) break ;; esac
        local g s=""
        g=$(aiarts gpu --json 2>/dev/null | tr -d '\n')
        if command -v nvidia-smi >/dev/null; then
            s=$(nvidia-smi --query-gpu=index,memory.used,utilization.gpu --format=csv,noheader,nounits 2>/dev/null | tr '\n' ';')
        fi
        printf '%s\t%s\t%s\n' "$(date +%s.%N)" "$g" "$s" >>"$2"
        sleep "$SAMPLE_EVERY"
    done
}

# The figures of one training: its end, its log's precision line, the utilisation and the sources compared.
train_figures() { # NAME TASK SAMPLES GOAL
    "$PY" - "$1" "$2" "$3" "$4" "$WS" <<'PY'
import json, os, re, statistics, subprocess, sys
name, task, samples, goal, ws = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
status = json.loads(subprocess.run(["aiarts", "--workspace", ws, "task", "status", task, "--json"], capture_output=True, text=True).stdout or "{}")
log = open(os.path.join(ws, "tasks", task, "train.log"), errors="replace").read() if os.path.exists(os.path.join(ws, "tasks", task, "train.log")) else ""
util, nvml_mem, smi_mem, nvml_util, smi_util, sources = [], [], [], [], [], set()
for line in open(samples):
    parts = line.rstrip("\n").split("\t")
    try:
        snap = json.loads(parts[1])
    except (ValueError, IndexError):
        continue
    sources.add(snap.get("source"))
    gpus = snap.get("gpus") or []
    if gpus and gpus[0].get("utilization") is not None:
        util.append(gpus[0]["utilization"])
    smi = [r.split(",") for r in (parts[2].split(";") if len(parts) > 2 else []) if r.strip()]
    if gpus and smi and len(smi[0]) >= 3:
        try:
            nvml_mem.append((gpus[0].get("memory_used") or 0) / 2**20); smi_mem.append(float(smi[0][1]))
            nvml_util.append(gpus[0].get("utilization") or 0); smi_util.append(float(smi[0][2]))
        except ValueError:
            pass
# Steady state: the middle of the run (the first and last fifth hold start-up, evaluation and saving).
n = len(util)
steady = util[n // 5: n - n // 5] if n >= 5 else util
out = {"task": task, "state": status.get("state"), "message": status.get("message"), "epochs": status.get("epochs"),
       "samples": n, "gpu_source": sorted(s for s in sources if s),
       "utilization_mean": statistics.mean(steady) if steady else None,
       "utilization_median": statistics.median(steady) if steady else None,
       "utilization_goal": float(goal) if goal else None,
       # The trainer's first line: "... device cuda x2, ... bf16 autocast on".
       "bf16": "bf16 autocast on" in log,
       "device": (re.search(r"device (\w+) x(\d+)", log) or [None, None])[1],
       "processes": int((re.search(r"device \w+ x(\d+)", log) or [None, 0])[1]),
       "nvml_vs_smi": {"pairs": len(nvml_mem),
                       "memory_mib_max_abs_diff": max((abs(a - b) for a, b in zip(nvml_mem, smi_mem)), default=None),
                       "utilization_max_abs_diff": max((abs(a - b) for a, b in zip(nvml_util, smi_util)), default=None)}}
out["ok"] = out["state"] == "finished" and (not goal or (out["utilization_mean"] or 0) >= float(goal))
if os.environ.get("GPU_PROOF_MODE") == "run":
    # On the GPU machine the run must have been on CUDA with bf16, with one process per GPU asked for.
    out["ok"] = out["ok"] and out["bf16"] and out["device"] == "cuda" and out["processes"] == int(os.environ.get("GPU_PROOF_WORLD", "1"))
print(json.dumps(out))
PY
}

gen_data() {
    "$PY" - "$WORK/data" "$CLS_IMAGES" "$CLS_SIZE" "$DET_IMAGES" "$DET_SIZE" <<'PY'
import json, os, random, sys
from PIL import Image, ImageDraw
root, n_cls, s_cls, n_det, s_det = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
rng = random.Random(0)
shapes = ["circle", "square", "triangle"]
def draw(d, kind, box, colour):
    x0, y0, x1, y1 = box
    if kind == "circle": d.ellipse(box, fill=colour)
    elif kind == "square": d.rectangle(box, fill=colour)
    else: d.polygon([(x0, y1), ((x0 + x1) // 2, y0), (x1, y1)], fill=colour)
def noise(size):
    return Image.effect_noise((size, size), 40).convert("RGB")
for i in range(n_cls):
    kind = shapes[i % 3]
    img = noise(s_cls); d = ImageDraw.Draw(img)
    r = rng.randint(s_cls // 5, s_cls // 3); cx, cy = rng.randint(r, s_cls - r), rng.randint(r, s_cls - r)
    draw(d, kind, (cx - r, cy - r, cx + r, cy + r), tuple(rng.randint(120, 255) for _ in range(3)))
    os.makedirs(os.path.join(root, "cls", kind), exist_ok=True)
    img.save(os.path.join(root, "cls", kind, "%05d.jpg" % i), quality=90)
coco = {"images": [], "annotations": [], "categories": [{"id": k + 1, "name": n} for k, n in enumerate(shapes)]}
os.makedirs(os.path.join(root, "det", "images"), exist_ok=True)
for i in range(n_det):
    img = noise(s_det); d = ImageDraw.Draw(img)
    coco["images"].append({"id": i + 1, "file_name": "%05d.jpg" % i, "width": s_det, "height": s_det})
    for j in range(1 + i % 3):
        k = rng.randrange(3); r = rng.randint(s_det // 10, s_det // 5)
        cx, cy = rng.randint(r, s_det - r), rng.randint(r, s_det - r)
        draw(d, shapes[k], (cx - r, cy - r, cx + r, cy + r), tuple(rng.randint(120, 255) for _ in range(3)))
        coco["annotations"].append({"id": len(coco["annotations"]) + 1, "image_id": i + 1, "category_id": k + 1,
                                    "bbox": [cx - r, cy - r, 2 * r, 2 * r], "area": 4 * r * r, "iscrowd": 0})
    img.save(os.path.join(root, "det", "images", "%05d.jpg" % i), quality=90)
json.dump(coco, open(os.path.join(root, "det", "coco.json"), "w"))
PY
}

run_steps() {
    settings
    mkdir -p "$WORK/steps"
    WS=$WORK/ws
    rm -rf "$WS" "$WORK/data"
    export GPU_PROOF_MODE=$MODE GPU_PROOF_WORLD=1

    # The machine: driver, GPUs, torch, bf16.
    local machine
    machine=$("$PY" -c '
import json, torch
cuda = torch.cuda.is_available()
print(json.dumps({"torch": torch.__version__, "cuda": cuda, "gpus": torch.cuda.device_count() if cuda else 0,
                  "names": [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())] if cuda else [],
                  "bf16": bool(cuda and torch.cuda.is_bf16_supported())}))' 2>&1) || machine='{"error": "torch did not import"}'
    step machine "$machine"
    GPU_COUNT=$(printf '%s' "$machine" | "$PY" -c 'import json,sys; print(json.load(sys.stdin).get("gpus", 0))' 2>/dev/null || echo 0)
    step gpu_snapshot "$(aiarts gpu --json 2>&1 | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(json.dumps({"source": d.get("source"), "reason": d.get("reason"), "driver": d.get("driver_version"), "gpus": len(d.get("gpus") or [])}))' 2>&1)"

    log "generating the datasets ($CLS_IMAGES classification images at $CLS_SIZE px, $DET_IMAGES detection at $DET_SIZE px) …"
    gen_data || { log "dataset generation failed"; return 1; }
    a dataset create shapes-cls --type classification --import "$WORK/data/cls" --format imagenet >/dev/null &&
    a dataset split D0001 --val 0.2 >/dev/null &&
    a dataset create shapes-det --type detection --import "$WORK/data/det/coco.json" --format coco >/dev/null &&
    a dataset split D0002 --val 0.25 >/dev/null &&
    a project create cls --type classification --dataset D0001 >/dev/null &&
    a project create det --type detection --dataset D0002 >/dev/null || { log "the workspace could not be set up"; return 1; }

    # ResNet-18, bf16 on CUDA, utilisation sampled through aiarts gpu --json (goal ≥ 85% on a GPU).
    local t goal=""
    [ "$MODE" = run ] && goal=85
    t=$(create_task P0001 "$RESNET" resnet18 "$GPUS_ONE") && a task start "$t" >/dev/null
    log "ResNet-18 ($t) …"
    sample_while_running "$t" "$WORK/resnet.samples"
    step resnet18 "$(train_figures resnet18 "$t" "$WORK/resnet.samples" "$goal")"
    RESNET_TASK=$t

    t=$(create_task P0002 "$FRCNN" fasterrcnn "$GPUS_ONE") && a task start "$t" >/dev/null
    log "Faster R-CNN ($t) …"
    sample_while_running "$t" "$WORK/frcnn.samples"
    step fasterrcnn "$(train_figures fasterrcnn "$t" "$WORK/frcnn.samples" "")"

    # Data parallel on every GPU.
    if [ "${GPU_COUNT:-0}" -ge 2 ]; then
        local all; all=$(seq -s, 0 $((GPU_COUNT - 1)))
        t=$(create_task P0001 "$RESNET" ddp "$all") && a task start "$t" >/dev/null
        log "data parallel on GPUs $all ($t) …"
        sample_while_running "$t" "$WORK/ddp.samples"
        step data_parallel "$(GPU_PROOF_WORLD=$GPU_COUNT train_figures data_parallel "$t" "$WORK/ddp.samples" "")"
    else
        step data_parallel "{\"skipped\": \"data parallel needs two or more GPUs; this machine has ${GPU_COUNT:-0}\"}"
    fi

    # A deliberate CUDA out-of-memory: the task fails, and its message is one line that says so.
    if [ -n "$OOM" ] && [ "${GPU_COUNT:-0}" -ge 1 ]; then
        t=$(create_task P0001 "$OOM" oom 0) && a task start "$t" >/dev/null && a task wait "$t" >/dev/null 2>&1
        step out_of_memory "$(a task status "$t" --json | "$PY" -c '
import json, sys
d = json.load(sys.stdin); m = d.get("message") or ""
print(json.dumps({"task": d.get("id"), "state": d.get("state"), "message": m,
                  "ok": d.get("state") == "failed" and "\n" not in m and "memory" in m.lower()}))')"
    else
        step out_of_memory '{"skipped": "no CUDA device: an out-of-memory needs a GPU"}'
    fi

    # An inference service on the GPU (when this aiarts has `aiarts infer`).
    if aiarts infer --help >/dev/null 2>&1 && [ -n "${RESNET_TASK:-}" ]; then
        local model sid image
        model=$(a task export "$RESNET_TASK" --json 2>/dev/null | "$PY" -c 'import json,sys; d=json.load(sys.stdin); print(d.get("model", {}).get("id") or d.get("id") or "")' 2>/dev/null)
        [ -n "$model" ] || model=$(a model register "$RESNET_TASK" --json | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])')
        local gpus_arg=()
        [ "${GPU_COUNT:-0}" -ge 1 ] && gpus_arg=(--gpus 0)
        sid=$(a infer create "$model" "${gpus_arg[@]}" --json 2>"$WORK/infer.err" | "$PY" -c 'import json,sys; print(json.load(sys.stdin)["id"])' 2>/dev/null)
        image=$(find "$WORK/data/cls" -name '*.jpg' | head -1)
        local ready=""
        for _ in $(seq 1 120); do
            ready=$(a infer show "$sid" --json 2>/dev/null | "$PY" -c 'import json,sys; print(json.load(sys.stdin).get("state",""))' 2>/dev/null)
            [ "$ready" = ready ] || [ "$ready" = failed ] && break
            sleep 1
        done
        local start end answer
        start=$(date +%s.%N)
        answer=$(a infer predict "$sid" "$image" --json 2>&1 | tr -d '\n')
        end=$(date +%s.%N)
        step inference "$("$PY" -c '
import json, sys
sid, state, answer, start, end = sys.argv[1:6]
try:
    parsed = json.loads(answer); ok = state == "ready"
except ValueError:
    parsed, ok = answer[:300], False
print(json.dumps({"service": sid, "state": state, "answer": parsed, "seconds": float(end) - float(start), "ok": ok}))' \
            "${sid:-}" "${ready:-}" "$answer" "$start" "$end")"
        [ -n "$sid" ] && a infer stop "$sid" >/dev/null 2>&1
    else
        step inference '{"skipped": "this aiarts has no `aiarts infer`, or ResNet-18 did not train"}'
    fi

    stop_all
    # The figures file: every step, and whether all that ran passed.
    "$PY" - "$WORK/steps" "$FIGURES" "$MODE" <<'PY'
import glob, json, os, sys, time
steps = {}
for path in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
    text = open(path).read().strip()
    try:
        steps[os.path.basename(path)[:-5]] = json.loads(text)
    except ValueError:
        steps[os.path.basename(path)[:-5]] = {"error": text[-500:], "ok": False}
ran = [s for s in steps.values() if isinstance(s, dict) and "ok" in s]
figures = {"mode": sys.argv[3], "time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "steps": steps,
           "ok": all(s["ok"] for s in ran)}
json.dump(figures, open(sys.argv[2], "w"), indent=1, sort_keys=True)
print(json.dumps({k: (v.get("ok") if isinstance(v, dict) and "ok" in v else ("skipped" if isinstance(v, dict) and "skipped" in v else "info")) for k, v in steps.items()}))
sys.exit(0 if figures["ok"] else 1)
PY
}

stop_all() {
    local id
    for id in $(a task list --json 2>/dev/null | "$PY" -c 'import json,sys; print(" ".join(t["id"] for t in json.load(sys.stdin) if t["state"] in ("running","starting","waiting_gpu","stopping")))' 2>/dev/null); do
        a task stop "$id" >/dev/null 2>&1
    done
}

# The shape every figures file has, checked after the dry run.
check_shape() { # FILE
    "$PY" - "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
need = {"machine", "gpu_snapshot", "resnet18", "fasterrcnn", "data_parallel", "out_of_memory", "inference"}
missing = need - set(d["steps"])
assert not missing, "figures file lacks %s" % sorted(missing)
for name in ("resnet18", "fasterrcnn"):
    s = d["steps"][name]
    for key in ("task", "state", "utilization_mean", "bf16", "device", "processes", "nvml_vs_smi", "ok", "gpu_source"):
        assert key in s, "%s lacks %s" % (name, key)
    assert s["state"] == "finished", "%s ended %s: %s" % (name, s["state"], s.get("message"))
    assert s["samples"] >= 1, "%s was never sampled" % name
    assert s["device"] in ("cpu", "cuda") and s["processes"] >= 1, "%s: no device line in its train.log" % name
    assert s["nvml_vs_smi"]["pairs"] >= 1, "%s: aiarts gpu and nvidia-smi were never read together" % name
for name in ("data_parallel", "out_of_memory", "inference"):
    s = d["steps"][name]
    assert "skipped" in s or "ok" in s, "%s says neither ok nor skipped" % name
print("figures file shape ok: " + ", ".join(sorted(d["steps"])))
PY
}

case $MODE in
    pack)
        pack ;;
    run)
        WORK=${WORK:-/tmp/aiarts-gpu-proof}
        FIGURES=${FIGURES:-$WORK/gpu-proof.json}
        mkdir -p "$WORK/pkg"
        tar -C "$WORK/pkg" -xf "$HERE/aiarts-gpu.tar.gz" || { log "no aiarts-gpu.tar.gz beside this script (pack it first)"; exit 1; }
        export PATH=$WORK/pkg/bin:$PATH LD_LIBRARY_PATH=$WORK/pkg/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
        PY=${AIARTS_PYTHON:-python3}
        export AIARTS_PYTHON=$PY
        aiarts --version >/dev/null 2>&1 || { log "the packed aiarts does not start here: $(aiarts --version 2>&1 | tail -1)"; exit 1; }
        run_steps; rc=$?
        log "figures: $FIGURES"
        exit $rc ;;
    dry)
        repo=$(cd "$HERE/.." && pwd)
        WORK=$(mktemp -d)
        trap 'stop_all 2>/dev/null; rm -rf "$WORK"' EXIT
        FIGURES=${FIGURES:-$WORK/gpu-proof.json}
        PY=$("$repo/scripts/python-env.sh") || { echo "skip gpu-proof --cpu-dry: no Python with torch (the reason is above)"; exit 0; }
        export AIARTS_PYTHON=$PY
        bin=${AIARTS_BIN:-$repo/.build/debug/aiarts}
        mkdir -p "$WORK/bin"
        ln -s "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" "$WORK/bin/aiarts"
        # No GPU here: a fixture GPU for `aiarts gpu --json`, and an nvidia-smi that reports the same numbers,
        # so the sampling and the NVML-against-nvidia-smi comparison run as they would there.
        printf '%s\n' '{"gpus": [{"index": 0, "name": "Dry GPU", "uuid": "GPU-dry", "memory_total": 8589934592, "memory_used": 1073741824, "utilization": 90}]}' >"$WORK/fixture.json"
        printf '#!/bin/sh\necho "0, 1024, 90"\n' >"$WORK/bin/nvidia-smi"
        chmod +x "$WORK/bin/nvidia-smi"
        export AIARTS_GPU_FIXTURE=$WORK/fixture.json PATH=$WORK/bin:$PATH
        run_steps; rc=$?
        check_shape "$FIGURES" || exit 1
        exit $rc ;;
esac
