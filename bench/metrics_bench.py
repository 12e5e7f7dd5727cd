#!/usr/bin/env python3
"""Metrics benchmarks of issues 3 and 12, each measured next to its peers in the same run.

  python3 bench/metrics_bench.py [--log-mb 50 500] [--scalars 100000 1000000] [--runs 3] [--skip-build]

1. PaddleX-format train logs of each --log-mb size: `aiarts log parse FILE --format paddlex`
   (text summary: every line parsed into series; from 32 MiB on the file is read in two parts
   on two cores), the same on one core (`taskset -c 0`: one pass, the CPU time of the parse
   alone), and with --json (written to /dev/null), next to `wc -l FILE` on the same cached file.
2. TensorBoard event files of each --scalars count, written by tensorboard's own
   EventFileWriter: `aiarts log parse FILE --format tfevents` (and --json) next to
   TensorBoard's EventAccumulator with size_guidance {scalars: 0} (keep all) and next to
   RustBoard, the `server` binary of the tensorboard-data-server wheel (what `tensorboard`
   itself starts), loading the folder once with every scalar kept (`--reload once
   --samples-per-plugin scalars=all`), timed from its start to its "Finished load cycle"
   log line, with and without `--checksum`. Before timing, a gRPC ReadScalars call checks
   that RustBoard kept every scalar.

Builds the release binary into .build-feed (override with AIARTS=path), writes fixtures under
bench-out/ (ignored by git) and installs tensorboard into bench-out/tb-venv when missing.
Prints medians of --runs runs and the ratios, as a Markdown table for docs/benchmarks.md.
"""
import argparse, glob, os, random, resource, signal, statistics, subprocess, sys, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "bench-out")
VENV = os.path.join(OUT, "tb-venv")
AIARTS = os.environ.get("AIARTS", os.path.join(ROOT, ".build-feed/release/aiarts"))


def timed(cmd, env=None):
    """(wall seconds, CPU seconds user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_of(runs, cmd):
    """Medians of wall and CPU time over `runs` runs (the machine is shared: CPU time is the
    steadier figure, wall time what a person waits)."""
    results = [timed(cmd) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


def make_paddlex_log(path, megabytes):
    """PaddleX 2.x console lines: TRAIN lines, an epoch summary and EVAL line per epoch,
    checkpoints, and noise (warnings, a traceback-looking block, blank lines)."""
    if os.path.exists(path) and os.path.getsize(path) >= megabytes << 20:
        return
    rng = random.Random(3)
    target = megabytes << 20
    epochs = 100
    steps = target // (epochs * 150) + 1  # ~150 bytes per train line with its share of the rest
    t = 1735725600
    written = 0
    with open(path, "w") as out:
        for epoch in range(1, epochs + 1):
            buf = []
            for step in range(1, steps + 1):
                t += rng.choice((0, 0, 1))
                stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
                loss = 2.302585 / (1 + 0.01 * ((epoch - 1) * steps + step)) + rng.random() * 0.05
                buf.append(f"{stamp} [INFO]\t[TRAIN] Epoch={epoch}/{epochs}, Step={step}/{steps}, "
                           f"loss={loss:.6f}, acc1={rng.random():.6f}, acc5={rng.random():.6f}, "
                           f"lr={0.025 * (1 - epoch / (epochs + 1)):.6f}, time_each_step={0.2 + rng.random() * 0.2:.2f}s, "
                           f"eta={rng.randint(0, 9)}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}\n")
                if step % 97 == 0:
                    buf.append(f"{stamp} [WARNING]\tDataLoader reader thread raised an exception, retrying (attempt {step % 5}).\n")
                if step % 211 == 0:
                    buf.append("\n/usr/lib/python3/dist-packages/paddle/fluid/dygraph/math_op_patch.py:276: UserWarning: "
                               "The dtype of left and right variables are not the same\n")
            stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(t))
            buf.append(f"{stamp} [INFO]\t[TRAIN] Epoch {epoch} finished, loss={rng.random():.6f}, acc1={rng.random():.6f} .\n")
            buf.append(f"{stamp} [INFO]\tStart to evaluate(total_samples=1000, total_steps=8)...\n")
            buf.append(f"{stamp} [INFO]\t[EVAL] Finished, Epoch={epoch}, acc1={rng.random():.6f}, acc5={rng.random():.6f} .\n")
            buf.append(f"{stamp} [INFO]\tModel saved in output/epoch_{epoch}.\n")
            text = "".join(buf)
            out.write(text)
            written += len(text)
            if written >= target:
                break


def make_tfevents(path, scalars):
    """`scalars` scalars over four tags, written by tensorboard's own EventFileWriter."""
    if os.path.exists(path):
        return
    code = f"""
import sys
from tensorboard.summary.writer.event_file_writer import EventFileWriter
from tensorboard.compat.proto.event_pb2 import Event
from tensorboard.compat.proto.summary_pb2 import Summary
import os, shutil, glob
folder = {os.path.dirname(path)!r}
w = EventFileWriter(folder, max_queue_size=1000, flush_secs=3600)
tags = ["train/loss", "train/lr", "train/acc1", "eval/acc1"]
for i in range({scalars}):
    tag = tags[i % 4]
    ev = Event(wall_time=1735725600.0 + i * 0.01, step=i // 4,
               summary=Summary(value=[Summary.Value(tag=tag, simple_value=1.0 / (1 + i))]))
    w.add_event(ev)
w.close()
files = glob.glob(os.path.join(folder, "events.out.tfevents.*"))
os.rename(files[0], {path!r})
"""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    subprocess.run([os.path.join(VENV, "bin/python"), "-c", code], check=True)


def rustboard_binary():
    """The `server` binary of the tensorboard-data-server wheel in the venv."""
    found = glob.glob(os.path.join(VENV, "lib", "python*", "site-packages", "tensorboard_data_server", "bin", "server"))
    if not found:
        sys.exit("tensorboard-data-server is not installed in " + VENV)
    return found[0]


def rustboard_once(server, folder, checksum):
    """(wall seconds to its "Finished load cycle" line, CPU seconds of the whole process).
    The server keeps serving after the load; it is stopped as soon as the line appears, so
    its CPU time is the start-up and the one load (it sleeps between cycles)."""
    cmd = [server, "--logdir", folder, "--reload", "once", "--samples-per-plugin", "scalars=all",
           "--port", "0", "--verbose", "--checksum" if checksum else "--no-checksum"]
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = None
    for line in proc.stderr:
        if "Finished load cycle" in line:
            wall = time.perf_counter() - start
            break
    proc.send_signal(signal.SIGTERM)
    _, _, usage = os.wait4(proc.pid, 0)
    proc.stderr.close()
    if wall is None:
        sys.exit("RustBoard ended without finishing a load cycle")
    return wall, usage.ru_utime + usage.ru_stime


def rustboard_median(runs, server, folder, checksum):
    results = [rustboard_once(server, folder, checksum) for _ in range(runs)]
    return statistics.median(r[0] for r in results), statistics.median(r[1] for r in results)


READ_SCALARS = """
import sys, grpc
from tensorboard.data.proto import data_provider_pb2 as pb, data_provider_pb2_grpc as rpc
channel = grpc.insecure_channel("localhost:" + sys.argv[1], options=[("grpc.max_receive_message_length", 1 << 30)])
grpc.channel_ready_future(channel).result(timeout=60)
stub = rpc.TensorBoardDataProviderStub(channel)
request = pb.ReadScalarsRequest(experiment_id="", plugin_filter=pb.PluginFilter(plugin_name="scalars"),
                                downsample=pb.Downsample(num_points=int(sys.argv[2])))
print(sum(len(tag.data.step) for run in stub.ReadScalars(request).runs for tag in run.tags))
"""


def rustboard_kept(server, folder, scalars):
    """How many scalars RustBoard serves after one load (through its gRPC ReadScalars)."""
    port_file = os.path.join(OUT, "rustboard.port")
    if os.path.exists(port_file):
        os.remove(port_file)
    proc = subprocess.Popen([server, "--logdir", folder, "--reload", "once", "--samples-per-plugin", "scalars=all",
                             "--port", "0", "--port-file", port_file, "--verbose"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in proc.stderr:
            if "Finished load cycle" in line:
                break
        with open(port_file) as f:
            port = f.read().strip()
        out = subprocess.run([os.path.join(VENV, "bin/python"), "-c", READ_SCALARS, port, str(2 * scalars)], check=True,
                             capture_output=True, text=True)
        return int(out.stdout.strip())
    finally:
        proc.terminate()
        proc.wait()
        proc.stderr.close()


ACCUMULATE = """
import sys
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
acc = EventAccumulator(sys.argv[1], size_guidance={"scalars": 0})
acc.Reload()
print(sum(len(acc.Scalars(t)) for t in acc.Tags()["scalars"]))
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--log-mb", type=int, nargs="+", default=[50, 500])
    parser.add_argument("--scalars", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--skip-build", action="store_true")
    args = parser.parse_args()
    os.makedirs(OUT, exist_ok=True)
    if not args.skip_build and "AIARTS" not in os.environ:
        subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-feed", "--product", "aiarts"], cwd=ROOT, check=True)
    if not os.path.exists(os.path.join(VENV, "bin/python")):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
    if subprocess.run([os.path.join(VENV, "bin/python"), "-c", "import tensorboard"], stderr=subprocess.DEVNULL).returncode != 0:
        subprocess.run([os.path.join(VENV, "bin/pip"), "install", "-q", "tensorboard"], check=True)

    rows = []
    for megabytes in args.log_mb:
        log = os.path.join(OUT, f"paddlex-{megabytes}mb.log")
        make_paddlex_log(log, megabytes)
        subprocess.run(["cat", log], check=True, stdout=subprocess.DEVNULL)  # into the page cache
        wc = median_of(args.runs, ["wc", "-l", log])
        text = median_of(args.runs, [AIARTS, "log", "parse", log, "--format", "paddlex"])
        one_core = median_of(args.runs, ["taskset", "-c", "0", AIARTS, "log", "parse", log, "--format", "paddlex"])
        js = median_of(args.runs, [AIARTS, "log", "parse", log, "--format", "paddlex", "--json"])
        size = os.path.getsize(log) / (1 << 20)
        rows.append((f"PaddleX log, {size:.0f} MB: `aiarts log parse --format paddlex`", text, "`wc -l`", wc))
        rows.append((f"PaddleX log, {size:.0f} MB: the same on one core (`taskset -c 0`, one pass)", one_core, "`wc -l`", wc))
        rows.append((f"PaddleX log, {size:.0f} MB: `aiarts log parse --format paddlex --json > /dev/null`", js, "`wc -l`", wc))

    py = os.path.join(VENV, "bin/python")
    server = rustboard_binary()
    for scalars in args.scalars:
        events = os.path.join(OUT, f"tfevents-{scalars}", f"events.out.tfevents.{scalars}.bench")
        make_tfevents(events, scalars)
        folder = os.path.dirname(events)
        subprocess.run(["cat", events], check=True, stdout=subprocess.DEVNULL)
        kept = rustboard_kept(server, folder, scalars)
        if kept != scalars:
            sys.exit(f"RustBoard kept {kept} of {scalars} scalars: not comparable")
        ea = median_of(args.runs, [py, "-c", ACCUMULATE, events])
        rb = rustboard_median(args.runs, server, folder, checksum=False)
        rbc = rustboard_median(args.runs, server, folder, checksum=True)
        tf = median_of(args.runs, [AIARTS, "log", "parse", events, "--format", "tfevents"])
        tfj = median_of(args.runs, [AIARTS, "log", "parse", events, "--format", "tfevents", "--json"])
        name = f"tfevents, {scalars:,} scalars: `aiarts log parse`"
        rows.append((name, tf, "EventAccumulator (all scalars)", ea))
        rows.append((name, tf, "RustBoard, load once, all scalars", rb))
        rows.append((name, tf, "RustBoard `--checksum` (every record checked, as aiarts does)", rbc))
        rows.append((f"tfevents, {scalars:,} scalars: `aiarts log parse --json > /dev/null`", tfj, "RustBoard, load once, all scalars", rb))

    load = os.getloadavg()
    print(f"medians of {args.runs} runs; wall time, then CPU time (user + system); "
          f"load average at the end {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}\n")
    print("| workload | aiarts wall | aiarts CPU | peer | peer wall | peer CPU | ratio wall | ratio CPU |")
    print("|---|---|---|---|---|---|---|---|")
    for name, ours, peer, theirs in rows:
        print(f"| {name} | {ours[0]:.2f} s | {ours[1]:.2f} s | {peer} | {theirs[0]:.2f} s | {theirs[1]:.2f} s "
              f"| {ours[0] / theirs[0]:.2f}× | {ours[1] / max(theirs[1], 1e-3):.2f}× |")


if __name__ == "__main__":
    main()
