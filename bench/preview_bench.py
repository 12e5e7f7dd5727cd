#!/usr/bin/env python3
"""A 4000x3000 JPEG to a 160x45-cell terminal preview: aiarts (decode shrunk + half blocks, what the
dataset screen does) next to chafa on the same image and size, where chafa is installed; then the
same through kitty's graphics protocol (`aiarts-bench preview-kitty`, `chafa --format kitty`).

    python3 bench/preview_bench.py [--scratch .build] [--runs 9]

Builds aiarts-bench in release, writes the JPEG under bench-out/, and prints medians. Both are also
timed as whole processes (start-up included), since chafa can only be timed that way.
"""
import argparse, os, shutil, statistics, subprocess, time

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--scratch", default=".build")
    ap.add_argument("--runs", type=int, default=9)
    args = ap.parse_args()
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", args.scratch, "--product", "aiarts-bench"], check=True,
                   capture_output=True)
    bench = os.path.join(args.scratch, "release", "aiarts-bench")
    os.makedirs("bench-out", exist_ok=True)
    jpeg = "bench-out/preview-4000x3000.jpg"
    if not os.path.exists(jpeg):
        subprocess.run([bench, "make-jpeg", "4000", "3000", jpeg], check=True)
    inproc = subprocess.run([bench, "preview", jpeg, "160x45", str(args.runs)], check=True, capture_output=True, text=True)
    inproc_ms = statistics.median(float(x) for x in inproc.stdout.split())

    def wall(cmd):
        times = []
        for _ in range(args.runs):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times.append((time.perf_counter() - t) * 1000)
        return statistics.median(times)

    ours = wall([bench, "preview", jpeg, "160x45", "1"])
    print(f"aiarts: {inproc_ms:.1f} ms in process (decode + draw), {ours:.1f} ms as a process")
    if shutil.which("chafa"):
        theirs = wall(["chafa", "--size", "160x45", "--format", "symbols", "--symbols", "vhalf", "--colors", "full", jpeg])
        print(f"chafa:  {theirs:.1f} ms as a process; aiarts/chafa = {ours / theirs:.2f}")
    else:
        print("chafa not installed: no comparison")

    # Terminal graphics (kitty's protocol): the image at 8x16 pixels a cell, as escape sequences.
    kitty = subprocess.run([bench, "preview-kitty", jpeg, "160x45", str(args.runs)], check=True, capture_output=True, text=True)
    rows = [line.split() for line in kitty.stdout.splitlines()]
    decode_ms = statistics.median(float(r[0]) for r in rows)
    encode_ms = statistics.median(float(r[1]) for r in rows)
    print(f"aiarts kitty: {decode_ms:.1f} ms decode + draw, {encode_ms:.1f} ms encode, {int(rows[0][2])} bytes")
    ours_kitty = wall(["env", "OUT=1", bench, "preview-kitty", jpeg, "160x45", "1"])
    print(f"aiarts kitty: {ours_kitty:.1f} ms as a process")
    if shutil.which("chafa"):
        theirs_kitty = wall(["chafa", "--format", "kitty", "--size", "160x45", jpeg])
        size = len(subprocess.run(["chafa", "--format", "kitty", "--size", "160x45", jpeg], check=True, capture_output=True).stdout)
        print(f"chafa kitty:  {theirs_kitty:.1f} ms as a process, {size} bytes; aiarts/chafa = {ours_kitty / theirs_kitty:.2f}")

if __name__ == "__main__":
    main()
