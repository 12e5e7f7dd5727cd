#!/usr/bin/env python3
"""What finding a task's processes costs (issue 11): `task stop` on an ended task scans every process's
environment in /proc; `task show` does not. Peer in the same run: procps `pgrep -f`, which reads every
process's command line.

  python3 bench/procs_bench.py [--bin .build/release/aiarts] [--extra 0,1000] [--runs 15]

Prints a Markdown table for docs/benchmarks.md. Extra idle processes (`sleep`) make the process table
larger, as on a busy training box.
"""
import argparse, os, shutil, statistics, subprocess, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def median_ms(cmd, runs, env, ok=(0,)):
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env).returncode
        times.append((time.perf_counter() - start) * 1000)
        assert rc in ok, (cmd, rc)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bin", default=os.path.join(ROOT, ".build/release/aiarts"))
    p.add_argument("--extra", default="0,1000")
    p.add_argument("--runs", type=int, default=15)
    a = p.parse_args()
    ws = tempfile.mkdtemp(prefix="aiarts-procs-bench-")
    env = dict(os.environ, AIARTS_WORKSPACE=ws)
    run = lambda *args: subprocess.run([a.bin, *args], check=True, capture_output=True, env=env, text=True).stdout.strip()
    run("project", "create", "p", "--type", "classification")
    run("task", "create", "P0001", "--trainer", "command", "--param", "command=true")
    run("task", "start", "T0001")
    subprocess.run([a.bin, "task", "wait", "T0001"], env=env, check=True, stdout=subprocess.DEVNULL)
    print(f"binary: {a.bin}")
    print("| processes in /proc | `task stop` of an ended task (scan) | `task show` (no scan) | scan ≈ difference | peer `pgrep -f` |")
    print("|---|---|---|---|---|")
    sleepers = []
    try:
        for extra in [int(x) for x in a.extra.split(",")]:
            while len(sleepers) < extra:
                sleepers.append(subprocess.Popen(["sleep", "600"]))
            count = sum(1 for n in os.listdir("/proc") if n.isdigit())
            stop = median_ms([a.bin, "task", "stop", "T0001"], a.runs, env, ok=(1,))  # refused: already ended
            show = median_ms([a.bin, "task", "show", "T0001"], a.runs, env)
            pgrep = median_ms(["pgrep", "-f", "no-such-process-marker"], a.runs, env, ok=(1,))
            print(f"| {count} | {stop:.1f} ms | {show:.1f} ms | {stop - show:.1f} ms | {pgrep:.1f} ms |")
    finally:
        for s in sleepers:
            s.kill()
            s.wait()
        shutil.rmtree(ws, ignore_errors=True)


if __name__ == "__main__":
    main()
