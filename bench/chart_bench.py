#!/usr/bin/env python3
"""Chart and image-preview widget benchmarks (issue 4), measured against plotext in the same run.

  python3 bench/chart_bench.py [--runs 200 --peer-runs 5 --scratch .build]

Builds aiarts-bench in release, writes 1M loss-like values (with spikes) to bench-out/, and times:
  - AIArtsRender's LineChart drawing them into a 200x50 braille chart (per frame, median of --runs),
    also 1k points, and with smoothing on;
  - plotext drawing the same values at the same size with plt.build() (no printing), median of
    --peer-runs; plotext 5.x is installed from PyPI into bench-out/plotext-venv when missing;
  - ImageView turning a 4000x3000 RGB buffer into a 160x90-cell half-block preview (the widget's
    own cost; decoding is measured by bench/run.py).
Prints a Markdown table for docs/benchmarks.md.
"""
import argparse, os, statistics, subprocess, sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench-out")
VENV = os.path.join(OUT, "plotext-venv")

PLOTEXT = r"""
import array, statistics, sys, time
import plotext as plt
ys = array.array("d"); ys.frombytes(open(sys.argv[1], "rb").read())
ys = list(ys); xs = list(range(len(ys)))
w, h = map(int, sys.argv[2].split("x")); runs = int(sys.argv[3])
times = []
for _ in range(runs):
    start = time.perf_counter()
    plt.clf(); plt.plotsize(w, h); plt.title("loss"); plt.xlabel("step")
    plt.plot(xs, ys, marker="braille")
    plt.build()
    times.append((time.perf_counter() - start) * 1000)
print(statistics.median(times), min(times))
"""


def timings(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.split()
    values = sorted(float(v) for v in out)
    return statistics.median(values), values[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--runs", type=int, default=200)
    p.add_argument("--peer-runs", type=int, default=5)
    p.add_argument("--scratch", default=".build")
    a = p.parse_args()
    os.makedirs(OUT, exist_ok=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "aiarts-bench", "--scratch-path", a.scratch],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    bench = os.path.join(ROOT, a.scratch, "release", "aiarts-bench")
    data = {}
    for n, name in [(1_000_000, "chart-1m.f64"), (1_000, "chart-1k.f64")]:
        data[n] = os.path.join(OUT, name)
        subprocess.run([bench, "chart-data", str(n), data[n]], check=True)

    rows = []
    for n in (1_000_000, 1_000):
        med, best = timings([bench, "chart", data[n], "200x50", str(a.runs)])
        rows.append((f"braille chart 200×50, {n:,} points", med, best))
    med, best = timings([bench, "chart", data[1_000_000], "200x50", str(max(10, a.runs // 10)), "0.6"])
    rows.append(("same, 1,000,000 points, smoothing 0.6 (EMA computed each frame)", med, best))
    med, best = timings([bench, "image", "4000x3000", "160x90", str(max(10, a.runs // 10))])
    rows.append(("ImageView 4000×3000 RGB → 160×90 cells (half-block, one box)", med, best))

    python = os.path.join(VENV, "bin", "python")
    if not os.path.exists(python):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    if subprocess.run([python, "-c", "import plotext"], capture_output=True).returncode != 0:
        # plotext 6 is a rewrite without plt.plot/plt.build; 5.x is the plotext people know.
        subprocess.run([python, "-m", "pip", "install", "-q", "plotext<6"], check=True)
    version = subprocess.run([python, "-c", "import plotext; print(plotext.__version__)"],
                             capture_output=True, text=True).stdout.strip()
    peer = {}
    for n in (1_000_000, 1_000):
        out = subprocess.run([python, "-c", PLOTEXT, data[n], "200x50", str(a.peer_runs if n > 1000 else 50)],
                             check=True, capture_output=True, text=True).stdout.split()
        peer[n] = (float(out[0]), float(out[1]))

    print(f"plotext {version}\n")
    print("| benchmark | aiarts (median; best) | plotext, same run (median; best) | ratio (medians) |")
    print("|---|---|---|---|")
    for i, (label, med, best) in enumerate(rows):
        n = 1_000_000 if i == 0 else 1_000 if i == 1 else None
        if n:
            pm, pb = peer[n]
            print(f"| {label} | {med:.3f} ms; {best:.3f} | {pm:.1f} ms; {pb:.1f} | {pm / med:,.0f}× |")
        else:
            print(f"| {label} | {med:.3f} ms; {best:.3f} | | |")


if __name__ == "__main__":
    main()
