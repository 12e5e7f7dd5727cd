#!/usr/bin/env python3
"""A 4000x3000 JPEG to a 160x45-cell terminal preview: aiarts (decode shrunk + half blocks, what the
dataset screen does) next to chafa on the same image and size, where chafa is installed.

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

if __name__ == "__main__":
    main()
