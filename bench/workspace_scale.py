#!/usr/bin/env python3
"""Issue 13: what a big workspace costs the CLI and the UI, at 20, 200 and 2,000 finished tasks.

    python3 bench/workspace_scale.py [--bin .build/release/aiarts] [--peer /tmp/aiarts-old]
                                     [--sizes 20 200 2000] [--lines 100000] [--lines-above-200 10000]
                                     [--runs 3] [--peer-max 200] [--no-ui]

Builds, for each size N, a workspace of N finished command tasks, each with a metrics.jsonl of
--lines lines in the shape aiarts' own trainer writes (a train line per step, an eval and a
checkpoint line per epoch; about 120 bytes a line, 12 MB for 100,000). The first task and its
project are made with the CLI; the other rows are copies of the first made with sqlite3 (status
finished), and every task's metrics.jsonl is a hard link to one file, so the fixture costs one
file of disk whatever N is (the readers open and parse each task's file all the same).
Sizes above 200 use --lines-above-200 lines per task, to keep the cold runs of minutes.

Then measures, next to the peer binary (the code before issue 13, on its own copy of the
workspace; sizes above --peer-max are left out for it, the old code needs ~0.1 s of CPU per
100k-line task at every call):

- `aiarts --version` (the floor: starting the process), `aiarts task list --json`, `aiarts task status T` (T the last task) and `aiarts task metrics
  T`: wall and CPU time (user + system) of the process. "cold" is the first run after the
  stored summaries were deleted (the new code reads every file once and stores the
  summaries); "warm" the median of --runs later runs.
- The UI's first full frame: `aiarts open` started in a private tmux server at 160x48, timed
  from the start until the Tasks pane shows the row of the first task (polled with `tmux
  capture-pane` every 10 ms), cold and warm as above.

Prints a Markdown table for docs/benchmarks.md. The live cost (4 tasks appending 10 lines a
second with the UI watching one's curves) is bench/ui_cpu.py, which takes --finished N to open
such a workspace.
"""
import argparse, os, resource, shutil, sqlite3, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def write_metrics(path, lines):
    """metrics.jsonl as the built-in trainer writes it: per step a train line; per epoch of 1,000
    steps an eval line and a checkpoint line."""
    per_epoch = 1000
    epochs = max(1, lines // (per_epoch + 2))
    steps = epochs * per_epoch
    t = 1763890000.0
    out = []
    n = 0
    for epoch in range(1, epochs + 1):
        for k in range(per_epoch):
            step = (epoch - 1) * per_epoch + k + 1
            t += 0.05
            out.append('{"type":"train","epoch":%d,"epochs":%d,"step":%d,"steps":%d,"loss":%.6f,"lr":%.6g,"time":%.3f}\n'
                       % (epoch, epochs, step, steps, 2.0 / (1 + step / 500), 0.01 * (1 - step / steps) + 1e-6, t))
        out.append('{"type":"eval","epoch":%d,"step":%d,"acc1":%.4f,"acc5":%.4f,"val_loss":%.4f,"time":%.3f}\n'
                   % (epoch, epoch * per_epoch, min(0.99, 0.3 + 0.05 * epoch), min(0.999, 0.6 + 0.03 * epoch), 1.5 / epoch, t))
        out.append('{"type":"checkpoint","epoch":%d,"step":%d,"path":"checkpoints/epoch_%d","best":true,"time":%.3f}\n'
                   % (epoch, epoch * per_epoch, epoch, t))
        n += per_epoch + 2
    with open(path, "w") as f:
        f.writelines(out)
    return n


def metrics_for(tmp, n, lines, lines_above_200):
    """The metrics.jsonl shared by every task of a workspace of n tasks (written once per line count)."""
    count = lines if n <= 200 else lines_above_200
    path = os.path.join(tmp, f"metrics-{count}.jsonl")
    if not os.path.exists(path):
        write_metrics(path, count)
    return count, path


def build(binary, ws, n, metrics_file, project=None):
    """Adds n finished tasks (to `project`, else to a new project) whose metrics.jsonl are hard
    links to `metrics_file`; returns their ids."""
    run = lambda *a: subprocess.run([binary, "--workspace", ws, *a], check=True, capture_output=True, text=True).stdout.strip()
    if project is None:
        run("project", "create", "bench", "--type", "classification")
        project = "P0001"
    first = run("task", "create", project, "--trainer", "command", "--param", "command=true", "--name", "bench-0001")
    number = int(first[1:])
    ids = [f"T{number + i:04d}" for i in range(n)]
    db = sqlite3.connect(os.path.join(ws, "aiarts.sqlite"))
    db.execute("UPDATE task SET status = 'finished', statusMessage = 'finished', startedAt = '2026-01-01 10:00:00.000', "
               "finishedAt = '2026-01-01 12:00:00.000', exitCode = 0 WHERE id = ?", (first,))
    columns = [r[1] for r in db.execute("PRAGMA table_info(task)")]
    others = [c for c in columns if c not in ("id", "name")]
    for i, task in enumerate(ids[1:], start=2):
        db.execute(f"INSERT INTO task (id, name, {', '.join(others)}) SELECT ?, ?, {', '.join(others)} FROM task WHERE id = ?",
                   (task, f"bench-{i:04d}", first))
    db.execute("UPDATE idSequence SET next = ? WHERE kind = 'T'", (number + n,))
    db.commit()
    db.close()
    for task in ids:
        folder = os.path.join(ws, "tasks", task)
        os.makedirs(folder, exist_ok=True)
        target = os.path.join(folder, "metrics.jsonl")
        if os.path.exists(target):
            os.remove(target)
        os.link(metrics_file, target)
        with open(os.path.join(folder, "train.log"), "w") as f:
            f.write("training done\n")
    return ids


def forget_summaries(ws):
    """Deletes the stored summaries (the new code's table; nothing for the old code)."""
    db = sqlite3.connect(os.path.join(ws, "aiarts.sqlite"))
    if db.execute("SELECT 1 FROM sqlite_master WHERE name = 'taskMetricSummary'").fetchone():
        db.execute("DELETE FROM taskMetricSummary")
        db.commit()
    db.close()


def timed(cmd):
    """(wall seconds, CPU seconds user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def first_frame(binary, ws, tmp, timeout=600):
    """Seconds from starting `aiarts open` in tmux until the Tasks pane shows T0001's row."""
    sock = os.path.join(tmp, "tmux.sock")
    start = time.perf_counter()
    subprocess.run(["tmux", "-S", sock, "-f", "/dev/null", "new-session", "-d", "-s", "ui", "-x", "160", "-y", "48",
                    f"env TERM=xterm-256color LANG=C.UTF-8 {binary} --workspace {ws} open"], check=True)
    try:
        while time.perf_counter() - start < timeout:
            screen = subprocess.run(["tmux", "-S", sock, "capture-pane", "-p", "-t", "ui"], capture_output=True, text=True).stdout
            if "T0001" in screen and "bench-0001" in screen:
                return time.perf_counter() - start
            time.sleep(0.01)
        return float("nan")
    finally:
        subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)
        time.sleep(0.2)


def measure(binary, ws, n, runs, ui, tmp):
    last = f"T{n:04d}"
    out = {}
    commands = {
        "aiarts --version": [binary, "--version"],  # the floor: starting the process
        "task list --json": [binary, "--workspace", ws, "task", "list", "--json"],
        "task status T": [binary, "--workspace", ws, "task", "status", last],
        "task metrics T": [binary, "--workspace", ws, "task", "metrics", last],
    }
    for name, cmd in commands.items():
        forget_summaries(ws)
        cold = timed(cmd)
        warm = [timed(cmd) for _ in range(runs)]
        out[name] = (cold, (statistics.median(w[0] for w in warm), statistics.median(w[1] for w in warm)))
    if ui:
        forget_summaries(ws)
        cold = first_frame(binary, ws, tmp)
        warm = statistics.median(first_frame(binary, ws, tmp) for _ in range(runs))
        out["UI first frame"] = ((cold, float("nan")), (warm, float("nan")))
    return out


def ms(x):
    return "–" if x != x else (f"{x * 1000:.0f} ms" if x < 10 else f"{x:.1f} s")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/aiarts"))
    ap.add_argument("--peer", help="the binary before issue 13 (e.g. main's release build copied to /tmp)")
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 200, 2000])
    ap.add_argument("--lines", type=int, default=100000)
    ap.add_argument("--lines-above-200", type=int, default=10000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--peer-max", type=int, default=200)
    ap.add_argument("--no-ui", action="store_true")
    ap.add_argument("--keep", help="build the workspaces under this folder and keep them")
    args = ap.parse_args()
    tmp = args.keep or tempfile.mkdtemp(prefix="aiarts-scale-")
    os.makedirs(tmp, exist_ok=True)
    binaries = [("new", os.path.abspath(args.bin))] + ([("old", os.path.abspath(args.peer))] if args.peer else [])
    rows = []
    try:
        for n in args.sizes:
            lines, metrics = metrics_for(tmp, n, args.lines, args.lines_above_200)
            size_mb = os.path.getsize(metrics) / 1e6
            for label, binary in binaries:
                if label == "old" and n > args.peer_max:
                    continue
                ws = os.path.join(tmp, f"ws-{label}-{n}")
                shutil.rmtree(ws, ignore_errors=True)
                build(binary, ws, n, metrics)
                result = measure(binary, ws, n, args.runs, not args.no_ui, tmp)
                for name, ((cw, cc), (ww, wc)) in result.items():
                    rows.append((n, lines, size_mb, label, name, cw, cc, ww, wc))
                    print(f"N={n} lines={lines} {label:3s} {name:18s} cold {ms(cw)} wall / {ms(cc)} CPU, "
                          f"warm {ms(ww)} wall / {ms(wc)} CPU", flush=True)
                if not args.keep:
                    shutil.rmtree(ws, ignore_errors=True)
        print()
        print("| tasks | lines/task | code | what | cold wall | cold CPU | warm wall | warm CPU |")
        print("|---:|---:|---|---|---:|---:|---:|---:|")
        for n, lines, size_mb, label, name, cw, cc, ww, wc in rows:
            print(f"| {n} | {lines:,} ({size_mb:.1f} MB) | {label} | {name} | {ms(cw)} | {ms(cc)} | {ms(ww)} | {ms(wc)} |")
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
