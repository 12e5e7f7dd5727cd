#!/usr/bin/env python3
"""Benchmarks of issue 2, each measured against its peer in the same run.

  python3 bench/run.py [--images 100000 --boxes 500000 --folder-images 20000 --runs 3] [--decode-only]

Builds release binaries, generates every fixture under bench-out/ (ignored by git), and prints a
Markdown table for docs/benchmarks.md. pycocotools is installed from PyPI when missing.
"""
import argparse, json, os, random, shutil, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench-out")
AIARTS = os.path.join(ROOT, ".build/release/aiarts")
BENCH = os.path.join(ROOT, ".build/release/aiarts-bench")


def sh(*cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


def timed(cmd, env=None):
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    return time.perf_counter() - start


def make_coco(folder, images, boxes, image_file, size):
    """A COCO file shaped like the real ones: 80 categories, polygons, areas, crowd flags."""
    rng = random.Random(1)
    os.makedirs(os.path.join(folder, "train2017"), exist_ok=True)
    w, h = size
    doc = {"info": {"description": "aiarts benchmark"}, "licenses": [],
           "categories": [{"id": i + 1, "name": f"class_{i}", "supercategory": "thing"} for i in range(80)],
           "images": [], "annotations": []}
    for i in range(images):
        name = f"{i:012d}.jpg"
        target = os.path.join(folder, "train2017", name)
        if not os.path.exists(target):
            shutil.copyfile(image_file, target)  # ext4 caps hard links at 65000
        doc["images"].append({"id": i + 1, "file_name": name, "width": w, "height": h, "license": 1})
    for a in range(boxes):
        x, y = rng.uniform(0, w - 10), rng.uniform(0, h - 10)
        bw, bh = rng.uniform(2, w - x), rng.uniform(2, h - y)
        doc["annotations"].append({"id": a + 1, "image_id": rng.randint(1, images), "category_id": rng.randint(1, 80),
                                   "bbox": [round(x, 2), round(y, 2), round(bw, 2), round(bh, 2)], "area": round(bw * bh, 2),
                                   "iscrowd": 0, "segmentation": [[round(x, 2), round(y, 2), round(x + bw, 2), round(y, 2),
                                                                   round(x + bw, 2), round(y + bh, 2), round(x, 2), round(y + bh, 2)]]})
    os.makedirs(os.path.join(folder, "annotations"), exist_ok=True)
    path = os.path.join(folder, "annotations", "instances_train2017.json")
    with open(path, "w") as f:
        json.dump(doc, f)
    return path


def decode_ms(path, box, runs):
    """Milliseconds per decode of `path` to a preview fitting `box` ('160x90') or at full size ('full')."""
    out = subprocess.run([BENCH, "decode", path, box, str(runs)], check=True, capture_output=True, text=True).stdout
    return [float(x) for x in out.split()]


def print_table(rows):
    print("| benchmark | aiarts | peer, same run | ratio |")
    print("|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


def aiarts_import(workspace, kind, path, fmt, register, verify="full"):
    shutil.rmtree(workspace, ignore_errors=True)
    env = dict(os.environ, AIARTS_WORKSPACE=workspace)
    subprocess.run([AIARTS, "dataset", "create", "bench", "--type", kind], check=True, stdout=subprocess.DEVNULL, env=env)
    # Earlier runs leave dirty pages behind; flush them so they do not throttle this run's writes.
    os.sync()
    cmd = [AIARTS, "dataset", "import", "D0001", path, "--format", fmt, "--verify", verify, "--json"] + (["--register"] if register else [])
    start = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, env=env).stdout
    elapsed = time.perf_counter() - start
    return elapsed, json.loads(out)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=100_000)
    ap.add_argument("--boxes", type=int, default=500_000)
    ap.add_argument("--folder-images", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--decode-only", action="store_true", help="only the image decode rows (JPEG, and WebP against it)")
    args = ap.parse_args()
    sh("swift", "build", "-c", "release", cwd=ROOT, stdout=subprocess.DEVNULL)
    os.makedirs(OUT, exist_ok=True)
    rows = []

    # 1. Decode a 4000×3000 JPEG to a 160×90 preview.
    big = os.path.join(OUT, "4000x3000.jpg")
    if not os.path.exists(big):
        sh(BENCH, "make-jpeg", "4000", "3000", big)
    ms = decode_ms(big, "160x90", 30)
    rows.append(("decode 4000×3000 JPEG (%.1f MB) → 160×90 preview" % (os.path.getsize(big) / 1e6),
                 "%.1f ms (median of 30; best %.1f)" % (statistics.median(ms), min(ms)), "", ""))

    # 1b. The same picture as lossy WebP (issue 12), with the JPEG as its peer, as a preview and at full size.
    big_webp = os.path.join(OUT, "4000x3000.webp")
    if not os.path.exists(big_webp):
        sh(BENCH, "make-webp", "4000", "3000", big_webp)
    for box, what in [("160x90", "→ 160×90 preview"), ("full", "at full size")]:
        webp, jpeg = decode_ms(big_webp, box, 30), decode_ms(big, box, 30)
        rows.append(("decode 4000×3000 WebP, quality 90 (%.1f MB) %s" % (os.path.getsize(big_webp) / 1e6, what),
                     "%.1f ms (median of 30; best %.1f)" % (statistics.median(webp), min(webp)),
                     "same picture as JPEG: %.1f ms" % statistics.median(jpeg),
                     "%.2f×" % (statistics.median(webp) / statistics.median(jpeg))))
    if args.decode_only:
        print_table(rows)
        return

    # 2. COCO: 100k images / 500k boxes, against pycocotools' COCO() on the same file.
    small = os.path.join(OUT, "64x48.jpg")
    if not os.path.exists(small):
        sh(BENCH, "make-jpeg", "64", "48", small)
    coco_dir = os.path.join(OUT, f"coco-{args.images}-{args.boxes}")
    coco = os.path.join(coco_dir, "annotations", "instances_train2017.json")
    if not os.path.exists(coco):
        make_coco(coco_dir, args.images, args.boxes, small, (64, 48))
    try:
        import pycocotools  # noqa: F401
    except ImportError:
        sh(sys.executable, "-m", "pip", "install", "-q", "pycocotools")
    py = ("import time,sys\nfrom pycocotools.coco import COCO\nimport contextlib,io\n"
          "s=time.perf_counter()\nwith contextlib.redirect_stdout(io.StringIO()): COCO(sys.argv[1])\nprint(time.perf_counter()-s)")
    peer = [float(subprocess.run([sys.executable, "-c", py, coco], check=True, capture_output=True, text=True).stdout) for _ in range(args.runs)]
    mb = os.path.getsize(coco) / 1e6
    peer_s = statistics.median(peer)
    for verify in ["full", "header"]:
        times = []
        for _ in range(args.runs):
            t, result = aiarts_import(os.path.join(OUT, "ws-coco"), "detection", coco, "coco", True, verify)
            assert result["images"] == args.images and result["annotations"] == args.boxes, result
            times.append(t)
        what = "every image decoded" if verify == "full" else "image headers read (--verify header)"
        rows.append((f"COCO import, {args.images:,} images / {args.boxes:,} boxes ({mb:.0f} MB JSON), --register, {what}, records stored",
                     "%.2f s" % statistics.median(times), "pycocotools COCO(): %.2f s" % peer_s,
                     "%.2f×" % (statistics.median(times) / peer_s)))
    t, result = aiarts_import(os.path.join(OUT, "ws-coco"), "detection", coco, "coco", False)
    rows.append(("same, every image decoded and copied into the workspace", "%.2f s" % t, "", ""))

    # 3. A 20k-image folder (ImageNet layout, 10 classes, 320×240 JPEGs), copied in.
    mid = os.path.join(OUT, "320x240.jpg")
    if not os.path.exists(mid):
        sh(BENCH, "make-jpeg", "320", "240", mid)
    folder = os.path.join(OUT, f"folder-{args.folder_images}")
    if not os.path.exists(folder):
        for i in range(args.folder_images):
            d = os.path.join(folder, f"class_{i % 10}")
            os.makedirs(d, exist_ok=True)
            os.link(mid, os.path.join(d, f"{i:06d}.jpg"))
    times = []
    for _ in range(args.runs):
        t, result = aiarts_import(os.path.join(OUT, "ws-folder"), "classification", folder, "imagenet", False)
        assert result["images"] == args.folder_images, result
        times.append(t)
    rows.append((f"folder import, {args.folder_images:,} JPEGs 320×240 (ImageNet layout), decoded and copied",
                 "%.2f s (%.0f images/s)" % (statistics.median(times), args.folder_images / statistics.median(times)), "", ""))

    print_table(rows)


if __name__ == "__main__":
    main()
