#!/usr/bin/env python3
"""COCO import against COCO loaders (issue 12), at several sizes, in the same run.

  python3 bench/coco_import.py [--sizes 10000,100000 --boxes-per-image 5 --runs 3 --verify full,header]
                               [--aiarts PATH]

For each size, writes a COCO folder under bench-out/ (ignored by git; the same fixture as bench/run.py:
80 categories, one polygon, area and crowd flag per box, 64×48 JPEGs) and measures:
  - aiarts: `aiarts dataset import --register --verify V` end to end, from process start to exit
    (parse, find and check every image, store every record in SQLite);
  - pycocotools: `COCO(file)` timed inside Python around the call (load the JSON, build its indexes;
    no image is touched);
  - faster-coco-eval: its `COCO(file)`, timed the same way.
Wall time and CPU time (user + system, all threads) are both reported, as the median of --runs; the
ratio is aiarts' over pycocotools'. The load average is printed because other work on the machine
slows every side. Needs release binaries (`swift build -c release --product aiarts`); pycocotools and
faster-coco-eval are installed from PyPI when missing.
"""
import argparse, importlib.util, json, os, resource, shutil, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench-out")

PEER = """
import contextlib, io, json, sys, time
kind, path = sys.argv[1], sys.argv[2]
if kind == "pycocotools":
    from pycocotools.coco import COCO
else:
    from faster_coco_eval import COCO
wall, cpu = time.perf_counter(), time.process_time()
with contextlib.redirect_stdout(io.StringIO()):
    coco = COCO(path)
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu,
                  "images": len(coco.imgs), "annotations": len(coco.anns)}))
"""


def load_run_py():
    spec = importlib.util.spec_from_file_location("bench_run", os.path.join(ROOT, "bench", "run.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def children_cpu():
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def aiarts_import(aiarts, workspace, path, verify):
    shutil.rmtree(workspace, ignore_errors=True)
    env = dict(os.environ, AIARTS_WORKSPACE=workspace)
    subprocess.run([aiarts, "dataset", "create", "bench", "--type", "detection"], check=True, stdout=subprocess.DEVNULL, env=env)
    os.sync()  # earlier runs leave dirty pages behind; flushed here, they do not throttle this run's writes
    cmd = [aiarts, "dataset", "import", "D0001", path, "--format", "coco", "--verify", verify, "--register", "--json"]
    cpu, wall = children_cpu(), time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, env=env).stdout
    wall, cpu = time.perf_counter() - wall, children_cpu() - cpu
    with open(os.path.join(workspace, "logs", "aiarts.log")) as log:
        phases = [line.split("phases: ", 1)[1].strip() for line in log if "phases: " in line]
    return wall, cpu, json.loads(out), phases[-1] if phases else ""


def peer(kind, path):
    out = subprocess.run([sys.executable, "-c", PEER, kind, path], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000,100000", help="image counts, comma-separated")
    ap.add_argument("--boxes-per-image", type=int, default=5)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--verify", default="full,header")
    ap.add_argument("--aiarts", default=os.path.join(ROOT, ".build/release/aiarts"))
    args = ap.parse_args()
    for module, package in [("pycocotools", "pycocotools"), ("faster_coco_eval", "faster-coco-eval")]:
        try:
            __import__(module)
        except ImportError:
            subprocess.run([sys.executable, "-m", "pip", "install", "-q", package], check=True)
    make_coco = load_run_py().make_coco
    os.makedirs(OUT, exist_ok=True)
    small = os.path.join(OUT, "64x48.jpg")
    if not os.path.exists(small):
        subprocess.run([os.path.join(os.path.dirname(args.aiarts), "aiarts-bench"), "make-jpeg", "64", "48", small], check=True)

    rows = []
    for images in [int(s) for s in args.sizes.split(",")]:
        boxes = images * args.boxes_per_image
        folder = os.path.join(OUT, f"coco-{images}-{boxes}")
        path = os.path.join(folder, "annotations", "instances_train2017.json")
        if not os.path.exists(path):
            make_coco(folder, images, boxes, small, (64, 48))
        mb = os.path.getsize(path) / 1e6
        peers = {}
        for kind in ["pycocotools", "faster-coco-eval"]:
            results = [peer(kind, path) for _ in range(args.runs)]
            assert all(r["images"] == images and r["annotations"] == boxes for r in results), results
            peers[kind] = (statistics.median(r["wall"] for r in results), statistics.median(r["cpu"] for r in results))
        for verify in args.verify.split(","):
            walls, cpus, phases = [], [], []
            for _ in range(args.runs):
                wall, cpu, result, phase = aiarts_import(args.aiarts, os.path.join(OUT, "ws-coco-import"), path, verify)
                assert result["images"] == images and result["annotations"] == boxes, result
                walls.append(wall); cpus.append(cpu); phases.append(phase)
            wall, cpu = statistics.median(walls), statistics.median(cpus)
            py_wall, py_cpu = peers["pycocotools"]
            fc_wall, fc_cpu = peers["faster-coco-eval"]
            rows.append((f"{images:,} images / {boxes:,} boxes ({mb:.0f} MB), --verify {verify}",
                         f"{wall:.2f} s ({cpu:.2f} s CPU)", f"{py_wall:.2f} s ({py_cpu:.2f} s CPU)",
                         f"{fc_wall:.2f} s ({fc_cpu:.2f} s CPU)",
                         f"{wall / py_wall:.2f}× ({cpu / py_cpu:.2f}×)", f"{wall / fc_wall:.2f}× ({cpu / fc_cpu:.2f}×)"))
            print(f"{images} {verify}: phases of the median run: {phases[walls.index(sorted(walls)[len(walls) // 2])]}", file=sys.stderr)
    print(f"load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", file=sys.stderr)
    print("| COCO file | aiarts import | pycocotools COCO() | faster-coco-eval COCO() | aiarts / pycocotools | aiarts / faster-coco-eval |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
