#!/usr/bin/env python3
"""Writes a synthetic COCO ground truth, a results file and pycocotools' 12 numbers for them.

The committed fixture (Tests/Fixtures/evaluation/coco-*) comes from:

    python3 bench/make_coco_eval_fixture.py Tests/Fixtures/evaluation

Everything is drawn from a seeded random.Random, so the same seed gives the same files. The data
exercises what COCOeval treats specially: crowd regions, small/medium/large areas (taken from the
"area" field, not the box), images without ground truth, detections of categories absent from an
image or from the whole dataset, tied scores, and more than 100 detections on some images.
bench/coco_eval.py imports generate() for its larger case.
"""
import json
import os
import random
import sys


def generate(images=300, categories=6, seed=7, heavy_images=(7, 42), heavy_count=130, fp_rate=1.5):
    rng = random.Random(seed)
    cats = [{"id": c + 1, "name": f"class{c + 1}"} for c in range(categories)]
    # The last category has no ground truth at all: its AP is -1 and left out of the means.
    gt_cats = [c["id"] for c in cats[:-1]] if categories > 1 else [cats[0]["id"]]
    imgs, anns, dets = [], [], []
    ann_id = 1

    def r2(v):
        return round(v, 2)

    def box_of_size(width, height, kind):
        side = {"small": rng.uniform(4, 30), "medium": rng.uniform(33, 94), "large": rng.uniform(100, 300)}[kind]
        w = min(width - 1, side * rng.uniform(0.7, 1.4))
        h = min(height - 1, side * side / max(w, 1) * rng.uniform(0.8, 1.2))
        x = rng.uniform(0, width - w)
        y = rng.uniform(0, height - h)
        return [r2(x), r2(y), r2(w), r2(h)]

    def jitter(b, amount):
        x, y, w, h = b
        dx, dy = rng.gauss(0, amount) * w, rng.gauss(0, amount) * h
        sw, sh = rng.uniform(1 - amount, 1 + amount), rng.uniform(1 - amount, 1 + amount)
        return [r2(x + dx), r2(y + dy), r2(max(1, w * sw)), r2(max(1, h * sh))]

    def score():
        # Two decimals: many exact ties, within and across images.
        return round(rng.random(), 2)

    for i in range(images):
        # Image ids are not contiguous and not in file order.
        image_id = 1000 + ((i * 37) % images) * 3
        width, height = rng.choice([(640, 480), (320, 240), (800, 600)])
        imgs.append({"id": image_id, "width": width, "height": height, "file_name": f"img{image_id}.jpg"})
        empty = rng.random() < 0.1
        n_gt = 0 if empty else rng.randint(1, 6)
        for _ in range(n_gt):
            kind = rng.choice(["small", "medium", "medium", "large"])
            cat = rng.choice(gt_cats)
            b = box_of_size(width, height, kind)
            crowd = 1 if rng.random() < 0.06 else 0
            if crowd:
                b = box_of_size(width, height, "large")
            # The area field is a mask's area: smaller than the box, so a box can straddle a range edge.
            area = r2(b[2] * b[3] * rng.uniform(0.55, 1.0))
            anns.append({"id": ann_id, "image_id": image_id, "category_id": cat, "bbox": b, "area": area,
                         "iscrowd": crowd, "segmentation": [] if not crowd else {"counts": [], "size": [height, width]}})
            ann_id += 1
            if not crowd:
                for _ in range(rng.choice([0, 1, 1, 1, 2])):
                    dcat = cat if rng.random() < 0.85 else rng.choice(gt_cats)
                    dets.append({"image_id": image_id, "category_id": dcat, "bbox": jitter(b, rng.choice([0.02, 0.08, 0.2])),
                                 "score": score()})
            else:
                for _ in range(rng.randint(0, 3)):
                    inner = [r2(b[0] + rng.uniform(0, b[2] / 2)), r2(b[1] + rng.uniform(0, b[3] / 2)),
                             r2(rng.uniform(5, b[2] / 2)), r2(rng.uniform(5, b[3] / 2))]
                    dets.append({"image_id": image_id, "category_id": cat, "bbox": inner, "score": score()})
        # False positives, some on categories this image has no ground truth for, some on the
        # category nobody has, and one on a category the ground truth does not list.
        for _ in range(int(rng.expovariate(1 / fp_rate))):
            cat = rng.choice([c["id"] for c in cats])
            dets.append({"image_id": image_id, "category_id": cat,
                         "bbox": box_of_size(width, height, rng.choice(["small", "medium", "large"])), "score": score()})
        if rng.random() < 0.02:
            dets.append({"image_id": image_id, "category_id": 999, "bbox": [1, 1, 10, 10], "score": 0.9})
        if i in heavy_images:
            # Past maxDets=100 in one (image, category).
            cat = gt_cats[0]
            for k in range(heavy_count):
                dets.append({"image_id": image_id, "category_id": cat, "bbox": box_of_size(width, height, "medium"),
                             "score": round(rng.random() * 0.5, 1)})
            # Crowded images: more objects than 10 detections can find, so AR10 differs from AR100.
            for k in range(15):
                b = box_of_size(width, height, rng.choice(["small", "medium"]))
                anns.append({"id": ann_id, "image_id": image_id, "category_id": cat, "bbox": b, "area": r2(b[2] * b[3]),
                             "iscrowd": 0, "segmentation": []})
                ann_id += 1
                dets.append({"image_id": image_id, "category_id": cat, "bbox": jitter(b, 0.05), "score": score()})
    rng.shuffle(dets)
    return {"images": imgs, "annotations": anns, "categories": cats}, dets


def evaluate(gt_path, dt_path):
    """pycocotools' 12 numbers (its summary printing silenced)."""
    import contextlib
    import io
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(gt_path)
        res = coco.loadRes(dt_path)
        e = COCOeval(coco, res, "bbox")
        e.evaluate()
        e.accumulate()
        e.summarize()
    keys = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
    return {k: float(v) for k, v in zip(keys, e.stats)}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    gt, dt = generate()
    gt_path, dt_path = os.path.join(out, "coco-gt.json"), os.path.join(out, "coco-dt.json")
    with open(gt_path, "w") as f:
        json.dump(gt, f, separators=(",", ":"))
    with open(dt_path, "w") as f:
        json.dump(dt, f, separators=(",", ":"))
    stats = evaluate(gt_path, dt_path)
    with open(os.path.join(out, "coco-expected.json"), "w") as f:
        json.dump(stats, f, indent=1, sort_keys=True)
    print(f"{len(gt['images'])} images, {len(gt['annotations'])} annotations, {len(dt)} detections")
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
