#!/usr/bin/env python3
"""CPU cost of GPU sampling (issue 5): runs `aiarts gpu --watch` (one sample a second, the table
redrawn each time, output to /dev/null) for N seconds per GPU source and reports the CPU time it and
its children used, from getrusage(RUSAGE_CHILDREN).

  python3 bench/gpu_sampler.py [--aiarts .build/release/aiarts] [--seconds 60]

Sources measured: none (no NVML, no nvidia-smi: host CPU/memory only), the AIARTS_GPU_FIXTURE file,
and nvidia-smi (a stand-in script printing the committed CSV fixtures, so the fork+exec per sample is
counted). NVML itself needs a GPU machine; run with a driver present to add that row.
"""
import argparse, os, resource, signal, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "Tests/AIArtsEngineTests/GPU/Fixtures")


def measure(aiarts, seconds, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    child = subprocess.Popen([aiarts, "gpu", "--watch"], stdout=subprocess.DEVNULL, env=env)
    time.sleep(seconds)
    child.send_signal(signal.SIGINT)
    child.wait()
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return cpu, wall


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--aiarts", default=os.path.join(ROOT, ".build/release/aiarts"))
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="aiarts-gpu-bench-")
    smi = os.path.join(work, "bin")
    os.makedirs(smi)
    with open(os.path.join(smi, "nvidia-smi"), "w") as f:
        f.write("#!/bin/sh\ncase \"$1\" in\n"
                f"  --query-gpu=*) exec cat '{FIXTURES}/smi-gpus.csv' ;;\n"
                f"  --query-compute-apps=*) exec cat '{FIXTURES}/smi-apps.csv' ;;\nesac\nexit 3\n")
    os.chmod(os.path.join(smi, "nvidia-smi"), 0o755)
    base = {k: v for k, v in os.environ.items() if k != "AIARTS_GPU_FIXTURE"}
    base["AIARTS_WORKSPACE"] = os.path.join(work, "ws")  # none there: no task mapping, nothing created
    base["PATH"] = "/usr/bin:/bin"
    # (name, environment, seconds between samples: the sampler slows to 5 s on nvidia-smi)
    scenarios = [
        ("no GPU (host CPU and memory only)", dict(base), 1),
        ("AIARTS_GPU_FIXTURE (2 GPUs, file re-read each sample)",
         dict(base, AIARTS_GPU_FIXTURE=os.path.join(FIXTURES, "fixture-two-gpus.json")), 1),
        ("nvidia-smi fallback (2 child processes per sample)", dict(base, PATH=smi + ":/usr/bin:/bin"), 5),
    ]
    print(f"| source | CPU time over {args.seconds:.0f} s | per sample | share of one core |")
    print("|---|---|---|---|")
    for name, env, interval in scenarios:
        cpu, wall = measure(args.aiarts, args.seconds, env)
        samples = max(1, round(args.seconds / interval))
        print(f"| {name} | {cpu * 1000:.0f} ms ({samples} samples) | {cpu / samples * 1000:.1f} ms | {100 * cpu / wall:.2f}% |")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
