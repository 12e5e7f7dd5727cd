#!/usr/bin/env bash
# End-to-end test of pruning (docs/pruning.md) on the real binary ($AIARTS_BIN, default
# .build/debug/aiarts): a torch resnet18 trained one epoch on `aiarts demo`'s classification data
# at 32 px, its sensitivity analysis at two ratios, pruned derived tasks (one ratio, and ratios from
# the analysis) fine-tuned one epoch, their reports and evaluation. About 2 minutes on 2 cores.
# Skips (0 failed) with the reason when scripts/python-env.sh cannot provide torch.
set -u
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-.build/debug/aiarts}
T=$(mktemp -d)
W=$T/ws
. e2e/lib.sh  # check, stop_running_tasks
trap 'stop_running_tasks "$BIN" "$W"; rm -rf "$T"' EXIT

if ! PY=$(scripts/python-env.sh 2>"$T/venv.err"); then
    echo "skip: pruning needs torch, torchvision and torch-pruning: $(tail -n 1 "$T/venv.err")"
    echo "0 passed, 0 failed"
    exit 0
fi
export AIARTS_PYTHON=$PY
a() { "$BIN" --workspace "$W" "$@"; }

# A JSON assertion: python3 evaluates EXPR with the parsed document bound to d.
json_ok() { # FILE EXPR
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ok=eval(sys.argv[2]); print(d if not ok else ""); sys.exit(0 if ok else 1)' "$1" "$2"
}

train() {
    a demo --no-tui >/dev/null 2>&1 &&
    a task create P0001 --trainer torch --param model=resnet18 --param epochs=1 --param image_size=32 \
        --param batch_size=32 --param workers=0 --param optimizer=adamw --param learning_rate=0.001 >"$T/id" &&
    [ "$(cat "$T/id")" = T0001 ] && a task start T0001 && a task wait T0001 &&
    a task status T0001 | grep -q finished
}
check "a torch resnet18 trains one epoch on the demo's classification data" train

analyze() {
    a task prune T0001 --analyze --ratios 0.6,0.3 >"$T/analysis.txt" 2>"$T/analysis.err" &&
    grep -q "^LAYER  *CHANNELS  *0.3  *0.6$" "$T/analysis.txt" &&
    grep -q "^conv1 (+6)  *64 " "$T/analysis.txt" &&
    grep -q "acc1 drop by ratio: the 6 most sensitive of 12 layers" "$T/analysis.txt" &&
    grep -q "analysing: 24/24" "$T/analysis.err" &&
    json_ok "$W/tasks/T0001/prune/sensitivity.json" 'd["ratios"] == [0.3, 0.6] and len(d["layers"]) == 12 and d["metric"] == "acc1" and d["split"] == "val" and all(len(l["drops"]) == 2 and all(abs(x - (d["baseline"] - m)) < 1e-5 for x, m in zip(l["drops"], l["metrics"])) for l in d["layers"])'
}
check "task prune --analyze: a table of 12 layer groups x 2 ratios, a chart, sensitivity.json" analyze

shown_again() {
    a task prune T0001 --json >"$T/again.json" && json_ok "$T/again.json" 'd["ratios"] == [0.3, 0.6] and len(d["layers"]) == 12' &&
    a task prune T0001 | grep -q "^LAYER"
}
check "task prune T (no flag) shows the last analysis; --json prints it" shown_again

refused() {
    ! a task prune T0001 --analyze --ratios 0.5,1.5 2>"$T/bad.err" && grep -q "ratio 1.5 is outside (0, 1)" "$T/bad.err" &&
    a task create P0002 --trainer torch >/dev/null &&
    ! a task prune T0002 --analyze 2>"$T/det.err" && grep -q "T0002 trains a detection model; pruning covers classification and segmentation models" "$T/det.err" &&
    ! a task create P0001 --from T0001 --prune 0 2>"$T/zero.err" && grep -q "outside (0, 1)" "$T/zero.err" &&
    [ "$(a task list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 2 ]
}
check "bad ratios and a detection task are refused in one line, creating nothing" refused

pruned() {
    a task create P0001 --from T0001 --prune 0.5 --json >"$T/pruned.json" 2>"$T/pruned.err" &&
    json_ok "$T/pruned.json" 'd["task"] == "T0003" and d["report"]["parent_task"] == "T0001" and d["report"]["pruned"]["params"] < 0.3 * d["report"]["before"]["params"] and d["report"]["pruned"]["flops"] < 0.3 * d["report"]["before"]["flops"] and d["report"]["pruned"]["latency_ms"] > 0 and d["report"]["ratio"] == 0.5' &&
    a task params T0003 --json >"$T/params.json" &&
    json_ok "$T/params.json" 'd["pretrained"].endswith("tasks/T0003/prune/pruned.pt")'
}
check "task create --prune 0.5: a derived task starting from a model with fewer params and FLOPs" pruned

from_analysis() {
    a task create P0001 --from T0001 --prune-from-analysis 1 --json >"$T/chosen.json" 2>/dev/null &&
    json_ok "$T/chosen.json" 'd["task"] == "T0004" and d["report"]["max_drop"] == 1 and d["report"].get("ratio") is None and all(l["ratio"] == 0.6 for l in d["report"]["layers"])'
}
check "task create --prune-from-analysis: each layer's ratio from the analysis (a bound of 1 allows every ratio tried)" from_analysis

fine_tune() {
    a task start T0003 >/dev/null && a task wait T0003 && a task status T0003 | grep -q finished &&
    grep -q "0 with another shape" "$W/tasks/T0003/train.log" &&
    a task show T0003 >"$T/show.txt" &&
    grep -q "^pruned:  from T0001 epoch 1, ratio 0.5 of every layer group" "$T/show.txt" &&
    grep -q "^  params  " "$T/show.txt" && grep -q "fine-tuned: [0-9.]* at epoch 1" "$T/show.txt" &&
    a task eval T0003 --json >"$T/eval.json" && json_ok "$T/eval.json" '0 <= d["acc1"] <= 1'
}
check "the pruned task fine-tunes one epoch; task show reports before and after; task eval loads its checkpoint" fine_tune

stop() {
    a task prune T0001 --analyze --no-wait --json >"$T/started.json" &&
    json_ok "$T/started.json" 'd["state"] == "running" and d["ratios"] == [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]' &&
    ! a task prune T0001 --analyze 2>"$T/twice.err" && grep -q "analysis is running" "$T/twice.err" &&
    a task prune T0001 --stop --json >"$T/stopped.json" && json_ok "$T/stopped.json" 'd["state"] == "stopped"'
}
check "--analyze --no-wait starts it detached; a second one is refused; --stop stops it" stop

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
