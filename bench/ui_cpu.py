#!/usr/bin/env python3
"""CPU used by the terminal UI over 60 s: idle (no task running), then watching 4 live tasks.

Runs `aiarts open` in a private tmux server at 120x36 on a fresh workspace and reads the UI
process's user+system time from /proc/PID/stat before and after each window. The 4 tasks are
command tasks that append a metrics-protocol line 10 times a second, as a fast trainer would.

    python3 bench/ui_cpu.py [--bin .build/release/aiarts] [--seconds 60]
"""
import argparse, os, shutil, subprocess, tempfile, time

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", default=".build/release/aiarts")
    ap.add_argument("--seconds", type=float, default=60)
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    tmp = tempfile.mkdtemp(prefix="aiarts-ui-cpu-")
    ws, sock = os.path.join(tmp, "ws"), os.path.join(tmp, "tmux.sock")
    run = lambda *a: subprocess.run([binary, "--workspace", ws, *a], check=True, capture_output=True, text=True).stdout.strip()
    try:
        run("demo", "--no-tui")
        subprocess.run(["tmux", "-S", sock, "-f", "/dev/null", "new-session", "-d", "-s", "ui", "-x", "120", "-y", "36",
                        f"env TERM=xterm-256color LANG=C.UTF-8 {binary} --workspace {ws} open"], check=True)
        time.sleep(3)
        pane = subprocess.run(["tmux", "-S", sock, "display-message", "-p", "-t", "ui", "#{pane_pid}"],
                              capture_output=True, text=True, check=True).stdout.strip()
        pid = int(pane)
        results = {}
        before = cpu_seconds(pid); time.sleep(args.seconds); after = cpu_seconds(pid)
        results["idle"] = after - before
        line = ('i=0; while [ $i -lt 100000 ]; do i=$((i+1)); '
                'printf \'{"type":"train","epoch":1,"epochs":1,"step":%d,"steps":100000,"loss":%s}\\n\' $i "$(awk "BEGIN{print 1/($i+1)}")" >>"$AIARTS_METRICS"; sleep 0.1; done')
        ids = [run("task", "create", "P0001", "--trainer", "command", "--param", f"command={line}") for _ in range(4)]
        for i in ids: run("task", "start", i)
        # Select the first task so its curves are drawn as they grow.
        subprocess.run(["tmux", "-S", sock, "send-keys", "-t", "ui", "r", "Tab", "Tab"], check=True)
        time.sleep(3)
        before = cpu_seconds(pid); time.sleep(args.seconds); after = cpu_seconds(pid)
        results["4 live tasks"] = after - before
        for i in ids: run("task", "stop", i, "--grace", "1")
        for name, used in results.items():
            print(f"{name:14s} {used:6.2f} s CPU in {args.seconds:.0f} s = {100 * used / args.seconds:5.2f}% of a core")
    finally:
        subprocess.run(["tmux", "-S", sock, "kill-server"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)

if __name__ == "__main__":
    main()
