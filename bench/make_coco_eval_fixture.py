#!/usr/bin/env python3
"""Writes a synthetic COCO ground truth, a results file and pycocotools' 12 numbers for them.

The committed fixtures (Tests/Fixtures/evaluation/coco-*: boxes, and coco-segm-*: masks) come from:

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


def generate_segm(images=80, categories=3, seed=5):
    """Masks: polygon ground truth (several polygons for some objects), crowd regions as
    uncompressed RLE, results as compressed RLE strings of jittered polygons."""
    import numpy as np
    from pycocotools import mask as mask_utils

    rng = random.Random(seed)
    cats = [{"id": c + 1, "name": f"class{c + 1}"} for c in range(categories)]
    imgs, anns, dets = [], [], []
    ann_id = 1

    def polygon(cx, cy, rx, ry, n):
        pts = []
        for k in range(n):
            a = 2 * 3.141592653589793 * k / n + rng.uniform(-0.2, 0.2)
            r = rng.uniform(0.6, 1.0)
            pts += [round(cx + rx * r * np.cos(a), 2), round(cy + ry * r * np.sin(a), 2)]
        return pts

    def to_rle(polys, h, w):
        return mask_utils.merge(mask_utils.frPyObjects(polys, h, w))

    for i in range(images):
        image_id = i + 1
        w, h = rng.choice([(64, 48), (96, 80), (160, 120), (320, 240)])
        imgs.append({"id": image_id, "width": w, "height": h})
        for _ in range(0 if rng.random() < 0.1 else rng.randint(1, 4)):
            cat = rng.choice(cats)["id"]
            cx, cy = rng.uniform(0, w), rng.uniform(0, h)
            rx, ry = rng.uniform(2, w / 2), rng.uniform(2, h / 2)
            if rng.random() < 0.08:
                # A crowd region as uncompressed RLE (column-major runs).
                m = np.zeros((h, w), dtype=np.uint8)
                x0, y0 = int(rng.uniform(0, w / 2)), int(rng.uniform(0, h / 2))
                m[y0:y0 + int(h / 2), x0:x0 + int(w / 2)] = 1
                flat = m.flatten(order="F")
                counts, cur, run = [], 0, 0
                for v in flat:
                    if v != cur:
                        counts.append(run); run = 0; cur = v
                    run += 1
                counts.append(run)
                rle = mask_utils.encode(np.asfortranarray(m))
                bbox = [float(v) for v in mask_utils.toBbox(rle)]
                anns.append({"id": ann_id, "image_id": image_id, "category_id": cat, "iscrowd": 1,
                             "segmentation": {"size": [h, w], "counts": counts},
                             "area": float(mask_utils.area(rle)), "bbox": bbox})
                ann_id += 1
                for _ in range(rng.randint(0, 2)):
                    p = polygon(x0 + w / 8, y0 + h / 8, w / 10, h / 10, 6)
                    r = to_rle([p], h, w)
                    dets.append({"image_id": image_id, "category_id": cat, "score": round(rng.random(), 2),
                                 "segmentation": {"size": [h, w], "counts": r["counts"].decode("ascii")}})
                continue
            polys = [polygon(cx, cy, rx, ry, rng.randint(3, 9))]
            if rng.random() < 0.2:
                polys.append(polygon(cx + rx, cy, rx / 2, ry / 2, 5))
            rle = to_rle(polys, h, w)
            area = float(mask_utils.area(rle))
            if area == 0:
                continue
            bbox = [float(v) for v in mask_utils.toBbox(rle)]
            anns.append({"id": ann_id, "image_id": image_id, "category_id": cat, "iscrowd": 0,
                         "segmentation": polys, "area": area, "bbox": bbox})
            ann_id += 1
            for _ in range(rng.choice([0, 1, 1, 2])):
                jittered = [[round(v + rng.gauss(0, 0.1) * (rx if k % 2 == 0 else ry), 2) for k, v in enumerate(p)] for p in polys]
                r = to_rle(jittered, h, w)
                dets.append({"image_id": image_id, "category_id": cat if rng.random() < 0.9 else rng.choice(cats)["id"],
                             "score": round(rng.random(), 2),
                             "segmentation": {"size": [h, w], "counts": r["counts"].decode("ascii")}})
        for _ in range(rng.randint(0, 2)):
            p = polygon(rng.uniform(0, w), rng.uniform(0, h), rng.uniform(2, w / 4), rng.uniform(2, h / 4), 5)
            r = to_rle([p], h, w)
            dets.append({"image_id": image_id, "category_id": rng.choice(cats)["id"], "score": round(rng.random(), 2),
                         "segmentation": {"size": [h, w], "counts": r["counts"].decode("ascii")}})
    rng.shuffle(dets)
    return {"images": imgs, "annotations": anns, "categories": cats}, dets


def evaluate(gt_path, dt_path, iou_type="bbox"):
    """pycocotools' 12 numbers (its summary printing silenced)."""
    import contextlib
    import io
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        coco = COCO(gt_path)
        res = coco.loadRes(dt_path)
        e = COCOeval(coco, res, iou_type)
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

    gt, dt = generate_segm()
    gt_path, dt_path = os.path.join(out, "coco-segm-gt.json"), os.path.join(out, "coco-segm-dt.json")
    with open(gt_path, "w") as f:
        json.dump(gt, f, separators=(",", ":"))
    with open(dt_path, "w") as f:
        json.dump(dt, f, separators=(",", ":"))
    stats = evaluate(gt_path, dt_path, "segm")
    with open(os.path.join(out, "coco-segm-expected.json"), "w") as f:
        json.dump(stats, f, indent=1, sort_keys=True)
    print(f"segm: {len(gt['images'])} images, {len(gt['annotations'])} annotations, {len(dt)} results")
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
