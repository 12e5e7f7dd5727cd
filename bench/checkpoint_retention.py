#!/usr/bin/env python3
"""Checkpoint retention (issue 11): disk used and wall time of one aiarts-train run that keeps every
checkpoint (--keep-checkpoints 0, what every run did before) next to the same run keeping the last 3
and the best (--keep-checkpoints 3, the default now), on the demo's classification dataset.

  python3 bench/checkpoint_retention.py [--bin .build/debug] [--epochs 30]

Both runs are made here, one after the other, with the same seed and settings, so the only
difference is the pruning after each checkpoint.
"""
import argparse, os, shutil, subprocess, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def tree(path):
    folders = [d for d in os.listdir(os.path.join(path, "checkpoints")) if not d.startswith(".")]
    size = 0
    for base, _, files in os.walk(path):
        size += sum(os.path.getsize(os.path.join(base, f)) for f in files)
    return len(folders), size


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default=os.path.join(ROOT, ".build/debug"))
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="aiarts-retention-bench-")
    try:
        ws = os.path.join(work, "ws")
        subprocess.run([os.path.join(args.bin, "aiarts"), "--workspace", ws, "demo", "--no-tui"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        print("| keep_checkpoints | epochs | checkpoint folders left | task folder | wall time |")
        print("|---|---|---|---|---|")
        for keep in (0, 3):
            out = os.path.join(work, "keep%d" % keep)
            start = time.perf_counter()
            subprocess.run([os.path.join(args.bin, "aiarts-train"), "train", "--workspace", ws, "--dataset", "D0001",
                            "--out", out, "--epochs", str(args.epochs), "--image-size", "16", "--batch-size", "16",
                            "--keep-checkpoints", str(keep)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=dict(os.environ, AIARTS_METRICS=os.path.join(out, "metrics.jsonl")))
            wall = time.perf_counter() - start
            count, size = tree(out)
            print("| %d | %d | %d | %.2f MiB | %.1f s |" % (keep, args.epochs, count, size / 1048576, wall))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
