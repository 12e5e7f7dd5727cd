#!/usr/bin/env python3
"""Issue 14: what `aiarts serve` costs, with wrk on loopback, at 20, 200 and 2,000 finished tasks.

    python3 bench/serve_bench.py [--bin .build/release/aiarts] [--sizes 20 200 2000] [--lines 100000]
                                 [--duration 10] [--connections 32] [--no-ui]

For each size N, a workspace of N finished tasks with 100,000-line metrics (bench/workspace_scale.py
builds it: one file hard-linked N times; 10,000 lines above 200 tasks) and 50 datasets, served by the
release binary on 127.0.0.1. Then, with wrk (Debian's `wrk`; 2 threads, --connections, --duration):

- GET /ai_arts/api/trainings (the training list) and /ai_arts/api/datasets: requests/s and p99;
- the floor in the same run: an authenticated request for a route that does not exist (token check,
  routing and the error body, no engine work);
- the peer in the same run: `aiarts task list --json`, what a script pays per call without the server;
- a task's metrics (GET /ai_arts/api/trainings/T/metrics, 100,000 points): median of 10 requests;
- the server's CPU while idle for 10 s after the load (utime + stime from /proc);
- the UI of the same workspace while wrk loads the training list: its first frame (tmux, as
  workspace_scale.py measures it), next to the same with the server idle.

Prints a Markdown table for docs/benchmarks.md.
"""
import argparse, json, os, re, shutil, statistics, subprocess, sys, tempfile, time, urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from workspace_scale import build, first_frame, metrics_for, timed  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def serve(binary, ws):
    proc = subprocess.Popen([binary, "--workspace", ws, "serve", "--listen", "127.0.0.1:0"], stdout=subprocess.PIPE, text=True)
    line = proc.stdout.readline()
    match = re.search(r"at (http://\S+)", line)
    if not match:
        proc.kill()
        raise SystemExit(f"serve did not start: {line!r}")
    return proc, match.group(1)


def wrk(url, token, duration, connections):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-H", f"Authorization: Bearer {token}", url],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, float(p99.group(1)) * scale, int(errors.group(1)) if errors else 0


def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def get(url, token):
    req = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})
    start = time.perf_counter()
    with urllib.request.urlopen(req) as r:
        body = r.read()
    return time.perf_counter() - start, body


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=os.path.join(ROOT, ".build/release/aiarts"))
    ap.add_argument("--sizes", type=int, nargs="+", default=[20, 200, 2000])
    ap.add_argument("--lines", type=int, default=100000)
    ap.add_argument("--lines-above-200", type=int, default=10000)
    ap.add_argument("--datasets", type=int, default=50)
    ap.add_argument("--duration", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--no-ui", action="store_true")
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: apt-get install wrk")
    binary = os.path.abspath(args.bin)
    tmp = tempfile.mkdtemp(prefix="aiarts-serve-bench-")
    rows = []
    try:
        for n in args.sizes:
            lines, metrics = metrics_for(tmp, n, args.lines, args.lines_above_200)
            ws = os.path.join(tmp, f"ws-{n}")
            build(binary, ws, n, metrics)
            run = lambda *a: subprocess.run([binary, "--workspace", ws, *a], check=True, capture_output=True, text=True).stdout.strip()
            for i in range(args.datasets):
                run("dataset", "create", f"set-{i:03d}", "--type", "classification")
            run("user", "add", "bench", "--role", "viewer")
            token = run("token", "create", "bench")
            proc, url = serve(binary, ws)
            try:
                api = url + "/ai_arts/api"
                get(api + "/trainings", token)  # stores the summaries once, as any first reader does
                for name, path in [("training list", "/trainings"), ("dataset list", "/datasets"), ("floor: unknown route", "/no-such-route")]:
                    rps, p99, errors = wrk(api + path, token, args.duration, args.connections)
                    rows.append((n, name, f"{rps:,.0f} req/s", f"{p99:.2f} ms", str(errors) if path != "/no-such-route" else "all 404"))
                    print(rows[-1], flush=True)
                wall = statistics.median(timed([binary, "--workspace", ws, "task", "list", "--json"])[0] for _ in range(5))
                rows.append((n, "peer: `aiarts task list --json` (one call)", f"{1 / wall:,.0f} calls/s", f"{wall * 1000:.0f} ms", ""))
                print(rows[-1], flush=True)
                first = "T0001"
                times = [get(f"{api}/trainings/{first}/metrics", token)[0] for _ in range(10)]
                rows.append((n, f"metrics of {first} ({lines:,} lines)", "", f"{statistics.median(times) * 1000:.1f} ms median", ""))
                print(rows[-1], flush=True)
                time.sleep(1.5)
                before = cpu_seconds(proc.pid)
                time.sleep(10)
                idle = cpu_seconds(proc.pid) - before
                rows.append((n, "server CPU, idle 10 s", "", f"{idle:.2f} s", ""))
                print(rows[-1], flush=True)
                if not args.no_ui:
                    quiet = first_frame(binary, ws, tmp)
                    load = subprocess.Popen(["wrk", "-t1", f"-c{args.connections}", "-d30s", "-H", f"Authorization: Bearer {token}", api + "/trainings"],
                                            stdout=subprocess.DEVNULL)
                    time.sleep(1)
                    loaded = first_frame(binary, ws, tmp)
                    load.terminate()
                    load.wait()
                    rows.append((n, "UI first frame, server idle / under wrk", "", f"{quiet * 1000:.0f} ms / {loaded * 1000:.0f} ms", ""))
                    print(rows[-1], flush=True)
            finally:
                proc.terminate()
                proc.wait()
            shutil.rmtree(ws, ignore_errors=True)
        print()
        print("| tasks | what | throughput | latency (p99 for wrk) | non-2xx |")
        print("|---:|---|---:|---:|---:|")
        for row in rows:
            print("| " + " | ".join(str(c) for c in row) + " |")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
