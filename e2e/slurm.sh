#!/usr/bin/env bash
# End-to-end: the Slurm executor (docs/slurm.md) against a REAL one-node Slurm cluster
# (scripts/slurm-local.sh: started here unless one answers already, stopped at the end only if this
# script started it). A built-in trainer task waits behind a job holding the node (pending with Slurm's
# reason), runs once the node frees (its metrics appear live), finishes; a long one is paused and
# continued (scontrol suspend/resume), requeued (`scontrol requeue`: it resumes from its last
# checkpoint, metrics.jsonl says so) and stopped (scancel); one cancelled by hand is stopped "outside
# aiarts"; an executor with tasks on it is not removed; no sbatch is one line. Skips, saying why,
# when Slurm cannot be installed or started. Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
T=$(mktemp -d)
source e2e/lib.sh
W=$T/ws
aiarts() { "$BIN" --workspace "$W" "$@"; }
BLOCKER=

if ! slurm_up; then
    echo "slurm: skipped: the test cluster could not be started: $(tail -1 "$T/slurm-up.out")"
    rm -rf "$T"
    exit 0
fi
trap '[ -n "$BLOCKER" ] && scancel "$BLOCKER" 2>/dev/null; stop_running_tasks "$BIN" "$W";
      [ -n "$SLURM_STARTED" ] && scripts/slurm-local.sh down >/dev/null 2>&1; rm -rf "$T"' EXIT

state() { aiarts task show "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])'; }
message() { aiarts task show "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["message"])'; }
job() { aiarts task show "$1" | sed -n 's/^executor: [^ ]* (Slurm job \([0-9]*\).*/\1/p'; }

# Waits up to SECONDS for task T to be in STATE (reconciling each time, as `task show` does).
wait_state() { # T STATE SECONDS
    local i s
    for i in $(seq 1 $(($3 * 4))); do
        s=$(state "$1")
        [ "$s" = "$2" ] && return 0
        sleep 0.25
    done
    echo "$1 is $s ($(message "$1")), not $2, after $3 s"; return 1
}

# Waits up to SECONDS for FILE to contain a line matching PATTERN (grep -E).
wait_line() { # FILE PATTERN SECONDS
    local i
    for i in $(seq 1 $(($3 * 4))); do
        grep -qE -- "$2" "$1" 2>/dev/null && return 0
        sleep 0.25
    done
    echo "$1 has no line matching $2 after $3 s"; tail -5 "$1" 2>/dev/null; return 1
}

t_setup() {
    aiarts demo --no-tui >/dev/null 2>&1 || return 1
    aiarts executor add e2e --slurm --partition debug | grep -F "executor e2e added (slurm, partition debug)" &&
        aiarts executor list --json | python3 -c 'import json,sys; e=json.load(sys.stdin); assert [x["name"] for x in e] == ["e2e"] and e[0]["partition"] == "debug", e'
}
if [ -n "${E2E_ONLY:-}" ]; then t_setup >/dev/null; else
    check "a demo workspace and an executor on the debug partition (executor add, executor list --json)" t_setup
fi
new_task() { aiarts task create P0001 --param image_size=16 --param cpus=1 --param "epochs=$1" | tail -1; }
SHORT=$(new_task 12)
LONG=$(new_task 400)
BYHAND=$(new_task 400)

t_pending() {
    # A job of 2 CPUs holds the node's two: the task, asking one, waits for resources.
    BLOCKER=$(sbatch --parsable --cpus-per-task=2 --job-name=e2e-blocker --output=/dev/null --wrap "sleep 300") || return 1
    local i
    for i in $(seq 1 40); do [ "$(squeue -h -j "$BLOCKER" -o %T)" = RUNNING ] && break; sleep 0.25; done
    aiarts task start "$SHORT" --on e2e || return 1
    wait_state "$SHORT" pending 10 || return 1
    for i in $(seq 1 40); do
        aiarts task list | grep -E "^$SHORT .* pending +pending: (Resources|Priority)" && break
        sleep 0.25
    done
    aiarts task list | grep -E "^$SHORT .* pending +pending: (Resources|Priority)" || { aiarts task list; return 1; }
    aiarts task show "$SHORT" | grep -E "^executor: e2e \(Slurm job [0-9]+, PENDING, reason (Resources|Priority)\)$" || { aiarts task show "$SHORT"; return 1; }
    aiarts task show "$SHORT" | grep -F "metrics: polling every 2 s" || return 1
    grep -F "#SBATCH --job-name=aiarts-$SHORT" "$W/tasks/$SHORT/slurm.sbatch" && grep -F "#SBATCH --cpus-per-task=1" "$W/tasks/$SHORT/slurm.sbatch"
}
check "a task behind a job holding the node is pending with Slurm's reason (task list, task show)" t_pending

t_runs() {
    scancel "$BLOCKER" && BLOCKER=
    wait_state "$SHORT" running 30 || return 1
    message "$SHORT" | grep -E "^running on [^ ]+ \(Slurm job [0-9]+\); metrics polling every 2 s$" || return 1
    # Metrics appear while it runs, read through the shared folder.
    wait_line "$W/tasks/$SHORT/metrics.jsonl" '"type": *"train"' 30 || return 1
    local out
    out=$(aiarts task metrics "$SHORT") && [ "$(state "$SHORT")" = running ] && grep -q loss <<<"$out" || { echo "$out"; state "$SHORT"; return 1; }
}
check "once the node frees it runs, and its metrics appear live" t_runs

t_finishes() {
    wait_state "$SHORT" finished 90 || return 1
    grep -q "^exit=0$" "$W/tasks/$SHORT/exit_status" && [ "$(aiarts task show "$SHORT" --json | python3 -c "import json,sys; print(json.load(sys.stdin)[\"exit_code\"])")" = 0 ]
}
check "it finishes with the exit record its batch script wrote" t_finishes

t_pause() {
    aiarts task start "$LONG" --on e2e >/dev/null || return 1
    wait_state "$LONG" running 30 || return 1
    local j
    j=$(job "$LONG")
    aiarts task pause "$LONG" || return 1
    [ "$(squeue -h -j "$j" -o %T)" = SUSPENDED ] || { squeue -j "$j"; return 1; }
    [ "$(state "$LONG")" = paused ] || return 1
    aiarts task continue "$LONG" || return 1
    [ "$(squeue -h -j "$j" -o %T)" = RUNNING ] && [ "$(state "$LONG")" = running ]
}
check "task pause / continue of a task on Slurm are scontrol suspend / resume" t_pause

t_requeue() {
    wait_state "$LONG" running 30 || return 1
    wait_line "$W/tasks/$LONG/metrics.jsonl" '"type": *"checkpoint"' 60 || return 1
    local j i
    j=$(job "$LONG")
    scontrol requeue "$j" || return 1
    # A requeued job waits out a begin time (about two minutes); the test lets it go at once, asking
    # again while it is still completing (an update then is not applied).
    local s=
    for i in $(seq 1 160); do
        s=$(squeue -h -j "$j" -o %T)
        [ "$s" = PENDING ] && scontrol update jobid="$j" starttime=now 2>/dev/null
        [ "$s" = RUNNING ] && [ "$i" -gt 1 ] && break
        sleep 0.25
    done
    [ "$s" = RUNNING ] || { echo "job $j is $s 40 s after its requeue"; return 1; }
    wait_line "$W/tasks/$LONG/metrics.jsonl" '"type": *"resume".*"slurm requeue"' 40 || return 1
    wait_state "$LONG" running 30 || return 1
    grep -E "^aiarts: $LONG resumes from checkpoints/[^ ]+ \(epoch [0-9]+\) after a Slurm requeue \(restart 1\)$" "$W/tasks/$LONG/train.log" || return 1
    aiarts task show "$LONG" | grep -F "requeued 1×" || return 1
    grep -q -- "--resume-from" "$W/tasks/$LONG/slurm-run.sh"
}
check "a requeued job resumes from its last checkpoint (metrics.jsonl's resume line, train.log)" t_requeue

t_refused() {
    local out
    out=$(aiarts executor rm e2e 2>&1) && return 1
    grep -F "$LONG runs on e2e" <<<"$out"
}
check "an executor with a task on it is not removed, naming the task" t_refused

t_stop() {
    local j
    j=$(job "$LONG")
    aiarts task stop "$LONG" --grace 5 | grep -E "^$LONG stopped: stopped \(scancel" || return 1
    [ -z "$(squeue -h -j "$j" -t running,pending,suspended -o %i 2>/dev/null)" ]
}
check "task stop is scancel, and the job leaves the queue" t_stop

t_byhand() {
    aiarts task start "$BYHAND" --on e2e >/dev/null || return 1
    wait_state "$BYHAND" running 30 || return 1
    scancel "$(job "$BYHAND")" || return 1
    wait_state "$BYHAND" stopped 30 || return 1
    message "$BYHAND" | grep -E "^cancelled outside aiarts \(scancel of Slurm job [0-9]+\)$"
}
check "a job cancelled by hand with scancel is stopped, cancelled outside aiarts" t_byhand

t_default() {
    local id out
    aiarts executor default e2e --project P0001 | grep -F "P0001's tasks start on e2e by default" || return 1
    id=$(new_task 400)
    out=$(aiarts task start "$id") && grep -E "^$id pending: submitted to e2e as Slurm job [0-9]+$" <<<"$out" || { echo "$out"; return 1; }
    aiarts task stop "$id" --grace 2 | grep -E "^$id stopped" || return 1
    aiarts executor default local --project P0001 >/dev/null
}
check "a project's default executor takes a task started without --on" t_default

t_nosbatch() {
    local id out
    id=$(new_task 1)
    out=$(AIARTS_SLURM_BIN=$T/empty "$BIN" --workspace "$W" task start "$id" --on e2e 2>&1) && return 1
    grep -E "sbatch not found in $T/empty \(AIARTS_SLURM_BIN\): install slurm-client" <<<"$out" || { echo "$out"; return 1; }
    [ "$(state "$id")" = failed ]
}
check "without sbatch the start fails in one line and the task is failed" t_nosbatch

echo "slurm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
