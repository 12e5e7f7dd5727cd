#!/usr/bin/env bash
# End-to-end: the cluster view (docs/slurm.md, "Cluster view") against a REAL one-node Slurm cluster
# (scripts/slurm-local.sh: started here unless one answers already, stopped at the end only if this
# script started it). `aiarts cluster --json` shows the node with its CPUs and GPUs; a task started
# with `task start --on` is shown on the node it runs on, while a job submitted by hand under the same
# aiarts-T… name is nobody's task (tasks are matched by job id); the executor's partition filters; the
# Django dialect's /runtime/kubernetes/ answers the node through `aiarts serve`; Slurm programs that
# cannot be found are one line. Skips, saying why, when Slurm cannot be installed or started.
# Ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
T=$(mktemp -d)
source e2e/lib.sh
W=$T/ws
aiarts() { "$BIN" --workspace "$W" "$@"; }
BYHAND=
SERVER=

if ! slurm_up; then
    echo "cluster: skipped: the test cluster could not be started: $(tail -1 "$T/slurm-up.out")"
    rm -rf "$T"
    exit 0
fi
trap '[ -n "$BYHAND" ] && scancel "$BYHAND" 2>/dev/null; [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null;
      stop_running_tasks "$BIN" "$W";
      [ -n "$SLURM_STARTED" ] && scripts/slurm-local.sh down >/dev/null 2>&1; rm -rf "$T"' EXIT

NODE=$(scontrol show node -o | sed -n 's/^NodeName=\([^ ]*\).*/\1/p' | head -1)
CPUS=$(scontrol show node -o | sed -n 's/.* CPUTot=\([0-9]*\).*/\1/p' | head -1)

# A value from `aiarts cluster --json` (a Python expression over the parsed document `c`).
cj() { aiarts cluster "${@:2}" --json | python3 -c "import json,sys; c=json.load(sys.stdin); print($1)"; }

aiarts demo --no-tui >/dev/null 2>&1
aiarts executor add e2e --slurm --partition debug >/dev/null

t_node() {
    [ -n "$NODE" ] || { echo "scontrol lists no node"; return 1; }
    local out
    out=$(cj '[(n["name"], n["state"], n["cpus_total"], n["partitions"]) for n in c["nodes"]]') || return 1
    echo "$out"
    [ "$out" = "[('$NODE', '$(scontrol show node -o "$NODE" | sed -n 's/.* State=\([A-Z]*\).*/\1/p' | tr A-Z a-z)', $CPUS, ['debug'])]" ] || return 1
    # Nothing queued: the node is idle, with nothing allocated.
    if [ -z "$(squeue -h)" ]; then
        [ "$(cj '[(n["state"], n["cpus_allocated"]) for n in c["nodes"]]')" = "[('idle', 0)]" ] || return 1
    fi
    aiarts cluster | grep -E "^$NODE +[a-z+]+ +[0-9]+/$CPUS " || { aiarts cluster; return 1; }
    aiarts cluster | grep -E '^debug\* +UP +1 +' || return 1
}
check "aiarts cluster --json shows the node, its state and its CPUs; the table shows the default partition" t_node

TASK=$(aiarts task create P0001 --param image_size=16 --param cpus=1 --param epochs=400 | tail -1)
t_task_runs_there() {
    aiarts task start "$TASK" --on e2e >/dev/null || return 1
    local i
    for i in $(seq 1 80); do
        [ "$(aiarts task show "$TASK" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])')" = running ] && break
        sleep 0.25
    done
    local where
    for i in $(seq 1 40); do
        where=$(cj "[(j['task'], j['node_names'], j['name']) for j in c['jobs'] if j['task'] == '$TASK']")
        [ "$where" = "[('$TASK', ['$NODE'], 'aiarts-$TASK')]" ] && break
        sleep 0.25
    done
    echo "$where"
    [ "$where" = "[('$TASK', ['$NODE'], 'aiarts-$TASK')]" ] || { aiarts cluster; return 1; }
    [ "$(cj "[n['cpus_allocated'] >= 1 and n['state'] in ('mixed', 'allocated') for n in c['nodes']]")" = "[True]" ] || return 1
    # The table's RUNNING column and the jobs table name the task.
    aiarts cluster | grep -E "^$NODE .* $TASK( |$)" || { aiarts cluster; return 1; }
    aiarts cluster | grep -E "^[0-9]+ +$TASK +aiarts-$TASK " || return 1
}
check "a task started with --on e2e is shown running on the node (job, node list, the node's CPUs in use)" t_task_runs_there

t_by_name_is_not_a_task() {
    # Same name, but no task of this workspace was submitted as this job id.
    BYHAND=$(sbatch --parsable --job-name="aiarts-$TASK" --cpus-per-task=1 --output=/dev/null --wrap "sleep 120") || return 1
    local got
    got=$(cj "[j['task'] for j in c['jobs'] if j['id'] == '$BYHAND']")
    echo "$got"
    [ "$got" = "[None]" ] || return 1
    # Both jobs carry the name; only the one the task was submitted as is the task's.
    got=$(cj "sorted(str(j['task']) for j in c['jobs'] if j['name'] == 'aiarts-$TASK')")
    echo "$got"
    [ "$got" = "['None', '$TASK']" ] || { aiarts cluster; return 1; }
}
check "a job submitted by hand under the task's name is nobody's task (matched by job id)" t_by_name_is_not_a_task

t_executor_filter() {
    local f
    f=$(cj 'c["partition"], c["executor"], [p["name"] for p in c["partitions"]]' e2e)
    echo "$f"
    [ "$f" = "debug e2e ['debug']" ] || return 1
    aiarts executor add elsewhere --slurm --partition nosuch >/dev/null || return 1
    local out
    out=$(aiarts cluster elsewhere 2>&1) && { echo "$out"; return 1; }
    echo "$out"
    [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [[ "$out" == *"partition nosuch is not in the cluster (it has: debug)"* ]] || return 1
    out=$(aiarts cluster nope 2>&1) && return 1
    [[ "$out" == *"no executor named nope"* ]]
}
check "aiarts cluster EXECUTOR shows its partition; an unknown partition or executor is one line" t_executor_filter

t_kubernetes() {
    aiarts user add kube --role viewer >/dev/null 2>&1
    local token body
    token=$(aiarts token create kube 2>/dev/null) || return 1
    start_server "$BIN" "$W" --listen 127.0.0.1:0 || return 1
    body=$(curl -s -H "Authorization: Bearer $token" "$URL/runtime/kubernetes/") || return 1
    echo "$body" | head -c 600; echo
    echo "$body" | python3 -c "
import json, sys
nodes = json.load(sys.stdin)
assert [n['Name'] for n in nodes] == ['$NODE'], nodes
n = nodes[0]
assert n['Capacity']['cpu'] == '$CPUS', n['Capacity']
ready = [c for c in n['Conditions'] if c['Type'] == 'Ready'][0]
assert ready['Status'] == 'True' and ready['Reason'].split('+')[0] in ('MIXED', 'ALLOCATED'), ready
pods = n['Non-terminated Pods']
assert any(p.get('Task') == '$TASK' and p['Name'] == 'aiarts-$TASK' for p in pods), pods
assert set(n['Addresses']) == {'Hostname', 'InternalIP'}, n['Addresses']
" || return 1
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$URL/runtime/kubernetes/")" = 401 ] || return 1
    [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$URL/runtime/kubernetes/?node=nope")" = 404 ]
}
check "/runtime/kubernetes/ through aiarts serve: the node Ready with Slurm's state, its CPUs, the task as a pod" t_kubernetes

t_no_slurm() {
    mkdir -p "$T/empty"
    local out
    out=$(AIARTS_SLURM_BIN=$T/empty aiarts cluster 2>&1) && { echo "$out"; return 1; }
    echo "$out"
    [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && [[ "$out" == *"scontrol not found"* ]]
}
check "without Slurm's programs, aiarts cluster says so in one line" t_no_slurm

aiarts task stop "$TASK" >/dev/null 2>&1
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
