#!/usr/bin/env python3
"""The preprocessing benchmark's fixture and peers (bench/preprocess.sh drives it; docs/benchmarks.md).

  preprocess_peers.py make DIR N                 N 640×480 JPEGs (quality 90) with boxes, and a COCO file
                                                 (500 drawn, the rest copies of them)
  preprocess_peers.py subset DIR N               DIR/first-N.json: the first N images of DIR's COCO file
  preprocess_peers.py run pillow|opencv SRC OUT N --op flip_v --op brightness=0.4 … [--procs 2] [--quality 95]
                                                 the same op list on the first N images, JSON timings on stdout
  preprocess_peers.py measure -- CMD …           runs CMD, prints {"wall": s, "cpu": s} (children's user + system)

The peers do what `aiarts dataset preprocess` does to each image: decode the JPEG, apply the ops in order,
encode a JPEG at the same quality, write it. Boxes are not transformed by the peers (aiarts does that too,
and stores the new dataset's records; its time includes that). Work is split over --procs processes (one
thread each: OpenCV's own threads are turned off), like aiarts' job over the 2 cores.

The op grammar is the CLI's (docs/preprocessing.md), for the ops the benchmark uses:
flip_h, flip_v, rotate=90|180|270, brightness=F, contrast=F, median=K, resize=WxH.
brightness=F and contrast=F are Pillow's ImageEnhance factors (out = in·F; out = mean + F·(in − mean)),
rotate turns counter-clockwise, resize averages areas (Pillow's BOX, OpenCV's INTER_AREA), as aiarts does.
"""
import json, multiprocessing, os, random, resource, subprocess, sys, time


def parse_ops(words):
    ops = []
    for w in words:
        name, _, value = w.partition("=")
        if name in ("flip_h", "flip_v") and not value:
            ops.append((name, None))
        elif name == "rotate" and value in ("90", "180", "270"):
            ops.append((name, int(value)))
        elif name in ("brightness", "contrast"):
            ops.append((name, float(value)))
        elif name == "median":
            ops.append((name, int(value)))
        elif name == "resize" and "x" in value:
            w_, h_ = value.split("x")
            ops.append((name, (int(w_), int(h_))))
        else:
            raise SystemExit(f"preprocess_peers: op {w!r} is not one the peers do")
    return ops


def make_one(args):
    folder, i = args
    import numpy as np
    from PIL import Image, ImageDraw
    rng = random.Random(i)
    w, h = 640, 480
    # A smooth background with noise and a few filled shapes: JPEGs about as costly to code as photos'.
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * rng.uniform(0.1, 0.4) + y * rng.uniform(0.1, 0.3) + rng.uniform(0, 80)) % 256,
                     (y * rng.uniform(0.2, 0.5) + rng.uniform(0, 120)) % 256,
                     (x * rng.uniform(0.1, 0.3) + rng.uniform(0, 200)) % 256], axis=-1)
    noise = np.random.default_rng(i).normal(0, 12, size=(h, w, 3))
    image = Image.fromarray(np.clip(base + noise, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(image)
    boxes = []
    for _ in range(rng.randint(1, 4)):
        bw, bh = rng.randint(30, 260), rng.randint(30, 200)
        bx, by = rng.randint(0, w - bw), rng.randint(0, h - bh)
        color = tuple(rng.randint(0, 255) for _ in range(3))
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)([bx, by, bx + bw, by + bh], fill=color)
        boxes.append((rng.randint(1, 3), [bx, by, bw, bh]))
    name = f"{i:06d}.jpg"
    image.save(os.path.join(folder, "images", name), quality=90)
    return name, boxes


def make(folder, n, unique=500):
    """N images: the first `unique` drawn (in 2 processes), the rest byte copies of them in turn (each
    file its own copy, so every one is read and decoded), with their boxes."""
    import shutil
    os.makedirs(os.path.join(folder, "images"), exist_ok=True)
    with multiprocessing.Pool(2) as pool:
        drawn = pool.map(make_one, [(folder, i) for i in range(min(n, unique))], chunksize=16)
    made = list(drawn)
    for i in range(len(drawn), n):
        source, boxes = drawn[i % len(drawn)]
        name = f"{i:06d}.jpg"
        shutil.copyfile(os.path.join(folder, "images", source), os.path.join(folder, "images", name))
        made.append((name, boxes))
    doc = {"images": [], "annotations": [],
           "categories": [{"id": c, "name": name} for c, name in ((1, "cat"), (2, "dog"), (3, "car"))]}
    for i, (name, boxes) in enumerate(made):
        doc["images"].append({"id": i + 1, "file_name": name, "width": 640, "height": 480})
        for label, box in boxes:
            doc["annotations"].append({"id": len(doc["annotations"]) + 1, "image_id": i + 1, "category_id": label,
                                       "bbox": box, "area": box[2] * box[3], "iscrowd": 0})
    with open(os.path.join(folder, f"first-{n}.json"), "w") as f:
        json.dump(doc, f)


def subset(folder, n):
    files = [f for f in os.listdir(folder) if f.startswith("first-") and f.endswith(".json")]
    source = max(files, key=lambda f: int(f[6:-5]))
    with open(os.path.join(folder, source)) as f:
        doc = json.load(f)
    doc["images"] = doc["images"][:n]
    keep = {im["id"] for im in doc["images"]}
    doc["annotations"] = [a for a in doc["annotations"] if a["image_id"] in keep]
    with open(os.path.join(folder, f"first-{n}.json"), "w") as f:
        json.dump(doc, f)


def pillow_one(job):
    from PIL import Image, ImageEnhance, ImageFilter, ImageOps, ImageStat
    src, dst, ops, quality = job
    image = Image.open(src).convert("RGB")
    for name, value in ops:
        if name == "flip_h":
            image = image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        elif name == "flip_v":
            image = image.transpose(Image.Transpose.FLIP_TOP_BOTTOM)
        elif name == "rotate":
            image = image.transpose({90: Image.Transpose.ROTATE_90, 180: Image.Transpose.ROTATE_180,
                                     270: Image.Transpose.ROTATE_270}[value])  # counter-clockwise, as aiarts turns
        elif name == "brightness":
            image = ImageEnhance.Brightness(image).enhance(value)
        elif name == "contrast":
            image = ImageEnhance.Contrast(image).enhance(value)
        elif name == "median":
            image = image.filter(ImageFilter.MedianFilter(value))
        elif name == "resize":
            image = image.resize(value, Image.Resampling.BOX)
    image.save(dst, quality=quality)


def opencv_one(job):
    import cv2
    import numpy as np
    src, dst, ops, quality = job
    image = cv2.imread(src, cv2.IMREAD_COLOR)
    for name, value in ops:
        if name == "flip_h":
            image = cv2.flip(image, 1)
        elif name == "flip_v":
            image = cv2.flip(image, 0)
        elif name == "rotate":
            image = cv2.rotate(image, {90: cv2.ROTATE_90_COUNTERCLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_CLOCKWISE}[value])
        elif name == "brightness":
            image = cv2.convertScaleAbs(image, alpha=value)
        elif name == "contrast":
            # Pillow's: around the mean of the grey image.
            mean = float(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY).mean())
            image = cv2.convertScaleAbs(image, alpha=value, beta=mean * (1 - value))
        elif name == "median":
            image = cv2.medianBlur(image, value)
        elif name == "resize":
            image = cv2.resize(image, value, interpolation=cv2.INTER_AREA)
    cv2.imwrite(dst, image, [cv2.IMWRITE_JPEG_QUALITY, quality])


def init_worker(kind):
    if kind == "opencv":
        import cv2
        cv2.setNumThreads(1)


def run(kind, src_folder, out, n, ops, procs, quality):
    with open(os.path.join(src_folder, f"first-{n}.json")) as f:
        names = [im["file_name"] for im in json.load(f)["images"]]
    os.makedirs(out, exist_ok=True)
    jobs = [(os.path.join(src_folder, "images", name), os.path.join(out, name), ops, quality) for name in names]
    work = pillow_one if kind == "pillow" else opencv_one
    wall, cpu = time.perf_counter(), time.process_time()
    with multiprocessing.Pool(procs, initializer=init_worker, initargs=(kind,)) as pool:
        for _ in pool.imap_unordered(work, jobs, chunksize=16):
            pass
    wall = time.perf_counter() - wall
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = time.process_time() - cpu + children.ru_utime + children.ru_stime
    print(json.dumps({"wall": wall, "cpu": cpu, "images": len(jobs)}))


def measure(cmd):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    wall = time.perf_counter()
    done = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace"))
        raise SystemExit(f"preprocess_peers: {cmd[0]} exited with {done.returncode}")
    print(json.dumps({"wall": wall, "cpu": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime}))


def main(argv):
    if len(argv) >= 3 and argv[0] == "make":
        make(argv[1], int(argv[2]))
    elif len(argv) >= 3 and argv[0] == "subset":
        subset(argv[1], int(argv[2]))
    elif len(argv) >= 5 and argv[0] == "run" and argv[1] in ("pillow", "opencv"):
        ops, procs, quality, rest = [], 2, 95, argv[5:]
        while rest:
            flag, value, rest = rest[0], rest[1], rest[2:]
            if flag == "--op":
                ops.append(value)
            elif flag == "--procs":
                procs = int(value)
            elif flag == "--quality":
                quality = int(value)
            else:
                raise SystemExit(f"preprocess_peers: unknown option {flag}")
        run(argv[1], argv[2], argv[3], int(argv[4]), parse_ops(ops), procs, quality)
    elif len(argv) >= 3 and argv[0] == "measure" and argv[1] == "--":
        measure(argv[2:])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
