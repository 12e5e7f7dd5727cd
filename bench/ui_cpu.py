#!/usr/bin/env python3
"""CPU used by the terminal UI over 60 s: idle (no task running), then watching 4 live tasks.

Runs `aiarts open` in a private tmux server at 120x36 on a fresh workspace and reads the UI
process's user+system time from /proc/PID/stat before and after each window. The 4 tasks are
command tasks that append a metrics-protocol line 10 times a second, as a fast trainer would.

    python3 bench/ui_cpu.py [--bin .build/release/aiarts] [--seconds 60] [--finished N] [--lines 100000]
                            [--peer /tmp/aiarts-old]

--finished N adds N finished tasks with --lines metric lines each (bench/workspace_scale.py's
fixture: the trainer's line shape, hard links to one file) before the UI opens, so the live
cost can be compared between a small and a big workspace; the live task whose curves are
shown is then the last row of the Tasks pane (G). --peer runs the same windows with a second
binary (the code before a change) on its own copy of the workspace, in the same run.
"""
import argparse, os, shutil, subprocess, sys, tempfile, time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import workspace_scale

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def measure(binary, tmp, seconds, finished, lines):
    ws, sock = os.path.join(tmp, "ws"), os.path.join(tmp, "tmux.sock")
    shutil.rmtree(ws, ignore_errors=True)
    run = lambda *a: subprocess.run([binary, "--workspace", ws, *a], check=True, capture_output=True, text=True).stdout.strip()
    results = {}
    try:
        run("demo", "--no-tui")
        if finished:
            metrics = os.path.join(tmp, f"metrics-{lines}.jsonl")
            if not os.path.exists(metrics):
                workspace_scale.write_metrics(metrics, lines)
            workspace_scale.build(binary, ws, finished, metrics, project="P0001")
        subprocess.run(["tmux", "-S", sock, "-f", "/dev/null", "new-session", "-d", "-s", "ui", "-x", "120", "-y", "36",
                        f"env TERM=xterm-256color LANG=C.UTF-8 {binary} --workspace {ws} open"], check=True)
        time.sleep(3)
        pane = subprocess.run(["tmux", "-S", sock, "display-message", "-p", "-t", "ui", "#{pane_pid}"],
                              capture_output=True, text=True, check=True).stdout.strip()
        pid = int(pane)
        # The first frame of a big workspace may take a while with the old code: wait for it.
        deadline = time.time() + 600
        while time.time() < deadline and "loading" in subprocess.run(["tmux", "-S", sock, "capture-pane", "-p", "-t", "ui"],
                                                                     capture_output=True, text=True).stdout:
            time.sleep(0.5)
        before = cpu_seconds(pid); time.sleep(seconds); after = cpu_seconds(pid)
        results["idle"] = after - before
        line = ('i=0; while [ $i -lt 100000 ]; do i=$((i+1)); '
                'printf \'{"type":"train","epoch":1,"epochs":1,"step":%d,"steps":100000,"loss":%s}\\n\' $i "$(awk "BEGIN{print 1/($i+1)}")" >>"$AIARTS_METRICS"; sleep 0.1; done')
        ids = [run("task", "create", "P0001", "--trainer", "command", "--param", f"command={line}") for _ in range(4)]
        for i in ids: run("task", "start", i)
        # Select a live task (the last row) so its curves are drawn as they grow.
        subprocess.run(["tmux", "-S", sock, "send-keys", "-t", "ui", "r", "Tab", "Tab"], check=True)
        if finished:
            time.sleep(1)
            subprocess.run(["tmux", "-S", sock, "send-keys", "-t", "ui", "G"], check=True)
        time.sleep(3)
        before = cpu_seconds(pid); time.sleep(seconds); after = cpu_seconds(pid)
        results["4 live tasks"] = after - before
        for i in ids: run("task", "stop", i, "--grace", "1")
    finally:
        subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)
    return results


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/aiarts")
    ap.add_argument("--peer", help="a second binary measured the same way in the same run")
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--finished", type=int, default=0, help="finished tasks to add before the UI opens")
    ap.add_argument("--lines", type=int, default=100000, help="metric lines of each finished task")
    args = ap.parse_args()
    tmp = tempfile.mkdtemp(prefix="aiarts-ui-cpu-")
    try:
        binaries = [("", os.path.abspath(args.bin))] + ([("peer ", os.path.abspath(args.peer))] if args.peer else [])
        for label, binary in binaries:
            results = measure(binary, tmp, args.seconds, args.finished, args.lines)
            for name, used in results.items():
                print(f"{label}{name:14s} {used:6.2f} s CPU in {args.seconds:.0f} s = {100 * used / args.seconds:5.2f}% of a core"
                      + (f"  ({args.finished} finished tasks)" if args.finished else ""), flush=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
