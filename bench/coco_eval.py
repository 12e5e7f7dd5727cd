#!/usr/bin/env python3
"""COCO box evaluation: `aiarts eval coco` next to pycocotools' COCOeval on the same files.

  swift build -c release --scratch-path .build-eval --product aiarts
  python3 bench/coco_eval.py [--images 5000 --categories 80 --runs 3 --aiarts PATH]
  python3 bench/coco_eval.py --segm [--images 1000 --categories 10]     # masks (iouType segm)

Generates a synthetic case with bench/make_coco_eval_fixture.generate() under bench-out/coco-eval/
(ignored by git), times pycocotools (loadRes + evaluate + accumulate + summarize; loading the
ground truth is left out, as it is shared work) and the aiarts command (the whole process:
reading both files, evaluating, printing), checks that the 12 numbers agree to 1e-4 and prints
the times and their ratio. Each side takes the best of --runs.
"""
import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "bench"))
from make_coco_eval_fixture import generate, generate_segm  # noqa: E402

KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=5000)
    ap.add_argument("--categories", type=int, default=80)
    ap.add_argument("--fp-rate", type=float, default=14.0, help="mean false detections per image")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--aiarts", default=os.path.join(ROOT, ".build-eval/release/aiarts"))
    ap.add_argument("--segm", action="store_true", help="masks: polygon ground truth, RLE results")
    args = ap.parse_args()
    iou_type = "segm" if args.segm else "bbox"

    out = os.path.join(ROOT, "bench-out", "coco-eval")
    os.makedirs(out, exist_ok=True)
    if args.segm:
        gt, dt = generate_segm(images=args.images, categories=args.categories, seed=11)
    else:
        gt, dt = generate(images=args.images, categories=args.categories, seed=11,
                          heavy_images=tuple(range(0, args.images, 50)), heavy_count=130, fp_rate=args.fp_rate)
    gt_path, dt_path = os.path.join(out, "gt.json"), os.path.join(out, "dt.json")
    with open(gt_path, "w") as f:
        json.dump(gt, f)
    with open(dt_path, "w") as f:
        json.dump(dt, f)
    print(f"{len(gt['images'])} images, {len(gt['categories'])} categories, {len(gt['annotations'])} ground-truth annotations, "
          f"{len(dt)} detections ({os.path.getsize(dt_path) / 1e6:.1f} MB)")

    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(gt_path)
    py_times, py_stats = [], None
    for _ in range(args.runs):
        start = time.perf_counter()
        with contextlib.redirect_stdout(io.StringIO()):
            res = coco.loadRes(dt_path)
            e = COCOeval(coco, res, iou_type)
            e.evaluate()
            e.accumulate()
            e.summarize()
        py_times.append(time.perf_counter() - start)
        py_stats = dict(zip(KEYS, (float(v) for v in e.stats)))

    sw_times, sw_stats = [], None
    for _ in range(args.runs):
        start = time.perf_counter()
        text = subprocess.run([args.aiarts, "eval", "coco", "--gt", gt_path, "--dt", dt_path, "--json", "--iou-type", iou_type],
                              check=True, capture_output=True, text=True).stdout
        sw_times.append(time.perf_counter() - start)
        sw_stats = json.loads(text)

    worst = max(abs(py_stats[k] - sw_stats[k]) for k in KEYS)
    print(f"pycocotools  {min(py_times):7.2f} s   (loadRes + evaluate + accumulate + summarize)")
    print(f"aiarts       {min(sw_times):7.2f} s   (whole command: read gt and results, evaluate)")
    print(f"ratio        {min(py_times) / min(sw_times):7.1f}x")
    print(f"largest difference of the 12 numbers: {worst:.2e}  AP {sw_stats['AP']:.4f}")
    if worst > 1e-4:
        print("MISMATCH", json.dumps(py_stats), json.dumps(sw_stats))
        sys.exit(1)


if __name__ == "__main__":
    main()
