#!/usr/bin/env python3
"""Label review (issue 6): the review queue on a large detection dataset, by dataset order and by
disagreement with a task's predictions, and single decisions through the CLI.

  python3 bench/review_bench.py [--images 20000 --boxes 100000 --runs 3] [--aiarts PATH]

Generates a COCO detection dataset (one small JPEG copied per image) and a predictions file for it
under bench-out/ (ignored by git), imports it with --register --verify header, and prints a Markdown
table for docs/benchmarks.md.
"""
import argparse, json, os, random, shutil, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench-out")


def run(aiarts, env, *args, capture=True):
    return subprocess.run([aiarts, *args], check=True, capture_output=capture, text=True, env=env).stdout


def timed(aiarts, env, *args):
    start = time.perf_counter()
    out = subprocess.run([aiarts, *args], check=True, stdout=subprocess.PIPE, env=env).stdout
    return time.perf_counter() - start, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=20_000)
    ap.add_argument("--boxes", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--decisions", type=int, default=30)
    ap.add_argument("--aiarts", default=os.path.join(ROOT, ".build/release/aiarts"))
    args = ap.parse_args()
    aiarts = args.aiarts
    os.makedirs(OUT, exist_ok=True)
    rng = random.Random(6)

    # A small JPEG to copy: the demo writes some.
    demo = os.path.join(OUT, "ws-review-demo")
    image = os.path.join(demo, "datasets", "D0002", "JPEGImages", "shapes_0000.jpg")
    if not os.path.exists(image):
        shutil.rmtree(demo, ignore_errors=True)
        run(aiarts, dict(os.environ, AIARTS_WORKSPACE=demo), "demo", "--no-tui")
    files = json.loads(run(aiarts, dict(os.environ, AIARTS_WORKSPACE=demo), "dataset", "details", "D0002", "--json"))["files"]
    first = next(f for f in files if f["path"].endswith("shapes_0000.jpg"))
    w, h = first["width"], first["height"]

    folder = os.path.join(OUT, f"review-coco-{args.images}-{args.boxes}")
    coco = os.path.join(folder, "annotations.json")
    categories = [f"class_{i}" for i in range(20)]
    truth = {}
    if not os.path.exists(coco):
        os.makedirs(os.path.join(folder, "images"), exist_ok=True)
        doc = {"images": [], "annotations": [], "categories": [{"id": i + 1, "name": n} for i, n in enumerate(categories)]}
        for i in range(args.images):
            name = f"{i:08d}.jpg"
            target = os.path.join(folder, "images", name)
            if not os.path.exists(target):
                shutil.copyfile(image, target)
            doc["images"].append({"id": i + 1, "file_name": name, "width": w, "height": h})
        for a in range(args.boxes):
            bw, bh = rng.uniform(10, w / 2), rng.uniform(10, h / 2)
            x, y = rng.uniform(0, w - bw), rng.uniform(0, h - bh)
            doc["annotations"].append({"id": a + 1, "image_id": rng.randint(1, args.images), "category_id": rng.randint(1, 20),
                                       "bbox": [round(x, 2), round(y, 2), round(bw, 2), round(bh, 2)], "area": round(bw * bh, 2), "iscrowd": 0})
        with open(coco, "w") as f:
            json.dump(doc, f)

    ws = os.path.join(OUT, "ws-review")
    shutil.rmtree(ws, ignore_errors=True)
    env = dict(os.environ, AIARTS_WORKSPACE=ws)
    run(aiarts, env, "dataset", "create", "review bench", "--type", "detection")
    run(aiarts, env, "dataset", "import", "D0001", coco, "--format", "coco", "--register", "--verify", "header", "--json")
    run(aiarts, env, "project", "create", "review bench", "--type", "detection", "--dataset", "D0001")
    run(aiarts, env, "task", "create", "P0001", "--trainer", "command", "--param", "command=true")

    # Predictions: every stored box found with a jitter, a tenth relabelled, one false positive per image in five.
    listing = json.loads(run(aiarts, env, "review", "queue", "D0001", "--json"))
    with open(coco) as f:
        doc = json.load(f)
    by_image = {}
    for a in doc["annotations"]:
        by_image.setdefault(a["image_id"], []).append(a)
    names = {img["id"]: img["file_name"] for img in doc["images"]}
    paths = {os.path.basename(row["path"]): row["path"] for row in listing}
    eval_dir = os.path.join(ws, "tasks", "T0001", "eval")
    os.makedirs(eval_dir, exist_ok=True)
    with open(os.path.join(eval_dir, "epoch_1_val.predictions.jsonl"), "w") as f:
        f.write(json.dumps({"type": "header", "task": "detection", "labels": categories}) + "\n")
        for image_id, name in names.items():
            boxes = []
            for a in by_image.get(image_id, []):
                x, y, bw, bh = a["bbox"]
                label = categories[a["category_id"] - 1] if rng.random() > 0.1 else rng.choice(categories)
                boxes.append({"label": label, "score": round(rng.uniform(0.3, 1), 3),
                              "bbox": [x + rng.uniform(-3, 3), y + rng.uniform(-3, 3), bw, bh]})
            if rng.random() < 0.2:
                boxes.append({"label": rng.choice(categories), "score": round(rng.uniform(0.5, 1), 3), "bbox": [1, 1, 20, 20]})
            f.write(json.dumps({"file": paths[name], "boxes": boxes}) + "\n")

    rows = []
    for label, extra in [("dataset order", []), ("by disagreement with T0001's predictions", ["--order-by", "T0001"])]:
        times = []
        for _ in range(args.runs):
            t, out = timed(aiarts, env, "review", "queue", "D0001", "--json", *extra)
            assert len(json.loads(out)) == args.images
            times.append(t)
        rows.append((f"`review queue --json`, {args.images:,} images / {args.boxes:,} boxes, {label}",
                     "%.2f s (median of %d)" % (statistics.median(times), args.runs)))

    ids = [row["sampleId"] for row in listing[: args.decisions]]
    times = []
    for n, sample in enumerate(ids):
        decision = ["accept"] if n % 3 == 0 else ["flag"] if n % 3 == 1 else ["add-box", "class_1", "5", "5", "30", "30"]
        t, _ = timed(aiarts, env, "review", "decide", "D0001", str(sample), *decision)
        times.append(t)
    t_summary, _ = timed(aiarts, env, "review", "summary", "D0001", "--json")
    t_help, _ = timed(aiarts, env, "review", "summary", "--help")
    rows.append((f"`review decide` (one decision per process, {len(ids)} runs)",
                 "%.0f ms median (process start alone: `--help` %.0f ms)" % (statistics.median(times) * 1000, t_help * 1000)))
    rows.append(("`review summary --json`", "%.0f ms" % (t_summary * 1000)))

    print("| benchmark | aiarts |")
    print("|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    sys.exit(main())
