#!/usr/bin/env bash
# Every test: the Swift test targets, the torch script's tests, then the end-to-end tests that drive the real binary.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
# The Python tests (torch trainer, inference worker, model jobs, pruning) with the cached torch venv
# (scripts/python-env.sh); where it cannot be installed they run with python3 and the torch ones skip.
# Only the suites that use torch are given it (AIARTS_PYTHON): the others test aiarts without it.
if ! PY=$(scripts/python-env.sh); then PY=python3; echo "torch tests skip: no torch venv (the reason is above)"; fi
AIARTS_PYTHON=$PY "$PY" -m unittest discover -s trainers/torch -p 'test_*.py'
AIARTS_PYTHON=$PY "$PY" -m unittest discover -s trainers/compare -p 'test_*.py'
AIARTS_PYTHON=$PY "$PY" -m unittest discover -s trainers/notebooks -p 'test_*.py'
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/cli.sh
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/contracts.sh
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/tui.sh
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/review.sh
# aiarts serve: the server itself, then each dialect against the real binary (docs/api.md).
for suite in serve paddlex aiarts crowd registry django; do
    AIARTS_BIN="$PWD/.build/debug/aiarts" bash "e2e/api-$suite.sh"
done
# After training (docs/inference.md, model-jobs.md, pruning.md, models.md "Comparing models"): the
# torch parts of these take the venv from scripts/python-env.sh themselves, and skip, saying why, without it.
for suite in infer api-infer tui-infer modeljobs compare prune torch; do
    AIARTS_BIN="$PWD/.build/debug/aiarts" bash "e2e/$suite.sh"
done
# Beyond one machine (docs/tasks.md "Pausing", preprocessing.md, notebooks.md, slurm.md): pause and
# continue, dataset preprocessing (CLI, Django, UI in tmux), JupyterLab for real (its venv cached by
# scripts/jupyter-env.sh; skips, saying why, where PyPI is out of reach), then the Slurm executor and the
# cluster view against a real one-node Slurm (scripts/slurm-local.sh installs slurm-wlm and munge where
# missing, starts it and stops it); these two share the one node, so they run in turn.
for suite in pause preprocess api-preprocess tui-preprocess jupyter slurm cluster; do
    AIARTS_BIN="$PWD/.build/debug/aiarts" bash "e2e/$suite.sh"
done
# The GPU proof's logic on the CPU, with tiny sizes (scripts/gpu-proof.sh --run on a GPU machine; docs/gpu.md).
AIARTS_BIN="$PWD/.build/debug/aiarts" scripts/gpu-proof.sh --cpu-dry
# schemathesis against docs/openapi.yaml, a short pass (scripts/schemathesis.sh 25 for real runs).
AIARTS_BIN="$PWD/.build/debug/aiarts" scripts/schemathesis.sh 3 150
# Fuzz smoke: every parser of untrusted input for 4 s (about 100 s in all); scripts/fuzz.sh 90 for real runs.
scripts/fuzz.sh 4
