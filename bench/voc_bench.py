#!/usr/bin/env python3
"""VOC import of one huge annotation (issue 11): 1k, 10k and 100k objects in one XML.

  python3 bench/voc_bench.py [--sizes 1000,10000,100000 --runs 3] [--aiarts PATH --bench PATH]

For each size, writes a VOC folder (Annotations/big.xml + JPEGImages/big.jpg) under bench-out/
(ignored by git) and measures, in the same run:
  - parse: `aiarts-bench voc-parse` (VOCParser on the folder, in process: XML and boxes, no image decode);
  - import: `aiarts dataset import --format voc` end to end (process start, image check, database);
  - peer: Python's xml.etree.ElementTree parsing the same file and reading every box.
Prints a Markdown table for docs/benchmarks.md (median of --runs). Needs release binaries:
`swift build -c release --product aiarts --product aiarts-bench`.
"""
import argparse, os, shutil, statistics, subprocess, sys, time
import xml.etree.ElementTree as ET

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench-out")


def write_voc(folder, objects, image):
    """One annotation: labelImg's header, then one <object> per box."""
    os.makedirs(os.path.join(folder, "Annotations"), exist_ok=True)
    os.makedirs(os.path.join(folder, "JPEGImages"), exist_ok=True)
    shutil.copyfile(image, os.path.join(folder, "JPEGImages", "big.jpg"))
    parts = ["<annotation>\n\t<folder>JPEGImages</folder>\n\t<filename>big.jpg</filename>\n"
             "\t<path>/home/user/data/JPEGImages/big.jpg</path>\n\t<source>\n\t\t<database>Unknown</database>\n\t</source>\n"
             "\t<size>\n\t\t<width>640</width>\n\t\t<height>480</height>\n\t\t<depth>3</depth>\n\t</size>\n\t<segmented>0</segmented>\n"]
    for i in range(objects):
        x, y = (i * 7) % 600, (i * 13) % 440
        # Compact but real (one tag per line as many tools write): 100,000 objects stay under the 16 MiB cap on one XML.
        parts.append(f"<object>\n<name>class_{i % 20}</name>\n<difficult>0</difficult>\n<bndbox><xmin>{x}</xmin><ymin>{y}</ymin>"
                     f"<xmax>{x + 30}</xmax><ymax>{y + 30}</ymax></bndbox>\n</object>\n")
    parts.append("</annotation>\n")
    path = os.path.join(folder, "Annotations", "big.xml")
    with open(path, "w") as f:
        f.write("".join(parts))
    return path


def etree_parse(path):
    start = time.perf_counter()
    root = ET.parse(path).getroot()
    boxes = [(o.findtext("name"), [float(o.find("bndbox").findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")])
             for o in root.iter("object")]
    return time.perf_counter() - start, len(boxes)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000,100000")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--aiarts", default=os.path.join(ROOT, ".build/release/aiarts"))
    ap.add_argument("--bench", default=os.path.join(ROOT, ".build/release/aiarts-bench"))
    args = ap.parse_args()
    os.makedirs(OUT, exist_ok=True)
    image = os.path.join(OUT, "voc-640x480.jpg")
    if not os.path.exists(image):
        subprocess.run([args.bench, "make-jpeg", "640", "480", image], check=True)

    rows = []
    for n in [int(s) for s in args.sizes.split(",")]:
        folder = os.path.join(OUT, f"voc-{n}")
        shutil.rmtree(folder, ignore_errors=True)
        xml = write_voc(folder, n, image)
        out = subprocess.run([args.bench, "voc-parse", folder, str(args.runs)], check=True, capture_output=True, text=True)
        assert out.stderr.strip() == f"objects {n}", out.stderr
        parse = statistics.median(float(line) for line in out.stdout.split()) / 1000
        imports = []
        for _ in range(args.runs):
            ws = os.path.join(OUT, f"ws-voc-{n}")
            shutil.rmtree(ws, ignore_errors=True)
            env = dict(os.environ, AIARTS_WORKSPACE=ws)
            ds = subprocess.run([args.aiarts, "dataset", "create", "big", "--type", "detection"], check=True,
                                capture_output=True, text=True, env=env).stdout.strip()
            start = time.perf_counter()
            subprocess.run([args.aiarts, "dataset", "import", ds, folder, "--format", "voc"], check=True,
                           stdout=subprocess.DEVNULL, env=env)
            imports.append(time.perf_counter() - start)
        peers = [etree_parse(xml) for _ in range(args.runs)]
        assert all(count == n for _, count in peers)
        rows.append((n, os.path.getsize(xml), parse, statistics.median(imports), statistics.median(t for t, _ in peers)))

    print("| objects in one XML | file | aiarts parse | aiarts `dataset import` (whole) | Python xml.etree (peer) |")
    print("|---:|---:|---:|---:|---:|")
    for n, size, parse, whole, peer in rows:
        print(f"| {n:,} | {size / 1e6:.1f} MB | {parse * 1000:.1f} ms | {whole:.2f} s | {peer * 1000:.1f} ms |")


if __name__ == "__main__":
    sys.exit(main())
