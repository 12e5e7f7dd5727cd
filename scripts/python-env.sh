#!/usr/bin/env bash
# The Python environment the torch trainers, inference workers, model jobs and pruning use in tests:
# torch (CPU), torchvision, onnx, onnxruntime and torch-pruning in a venv cached outside the repository
# (~/.cache/aiarts/venv-torch, AIARTS_CACHE moves it). Prints the venv's python on stdout; exits 1 with a
# one-line reason on stderr where torch cannot be installed (tests then skip and say so).
#
#   PY=$(scripts/python-env.sh) && AIARTS_PYTHON=$PY aiarts ...
#
# torch from PyPI is the 5 GB CUDA build (it runs on the CPU too), so CPU wheels are looked for first:
# torch-*+cpu*.whl with torchvision-*+cpu*.whl beside it, in $AIARTS_WHEELS, /opt/wheels, ~/wheels or
# ~/.cache/aiarts/wheels; without both, torch and torchvision come from PyPI. The rest comes from PyPI. BENCH=1 adds fastapi, uvicorn and
# python-multipart (the inference benchmark's peer server).
set -euo pipefail
CACHE=${AIARTS_CACHE:-$HOME/.cache/aiarts}
VENV=$CACHE/venv-torch
PY=$VENV/bin/python
log() { echo "python-env: $*" >&2; }

ready() { [ -x "$PY" ] && "$PY" -c 'import torch, torchvision, onnx, onnxruntime, torch_pruning' 2>/dev/null; }

if ! ready; then
    mkdir -p "$CACHE"
    [ -x "$PY" ] || python3 -m venv "$VENV" >&2 || { log "python3 -m venv failed (install python3-venv)"; exit 1; }
    # A CPU wheel of torch is used only with a CPU wheel of torchvision beside it: PyPI's torchvision is
    # built against PyPI's torch (the CUDA build) and its operators do not load into a CPU torch.
    cpu_torch= cpu_vision=
    for dir in ${AIARTS_WHEELS:-} /opt/wheels "$HOME/wheels" "$CACHE/wheels"; do
        for f in "$dir"/torch-*+cpu*.whl; do [ -f "$f" ] && cpu_torch=$f; done
        for f in "$dir"/torchvision-*+cpu*.whl; do [ -f "$f" ] && cpu_vision=$f; done
        [ -n "$cpu_torch" ] && [ -n "$cpu_vision" ] && break
        cpu_torch= cpu_vision=
    done
    if ! "$PY" -c 'import torch, torchvision' 2>/dev/null; then
        if [ -n "$cpu_torch" ]; then
            log "installing $cpu_torch and $cpu_vision"
            "$PY" -m pip install -q "$cpu_torch" "$cpu_vision" >&2 || { log "the CPU wheels of torch and torchvision did not install"; exit 1; }
        else
            # PyPI's build (about 5 GB with its CUDA libraries; it runs on the CPU too). The machine's
            # pip configuration may point find-links at a CPU torch, which PyPI's torchvision cannot use.
            log "installing torch and torchvision from PyPI (the CUDA build, about 5 GB, once)"
            "$PY" -m pip uninstall -q -y torch torchvision >/dev/null 2>&1 || true
            env -u PIP_FIND_LINKS PIP_CONFIG_FILE=/dev/null "$PY" -m pip install -q torch torchvision >&2 \
                || { log "torch and torchvision did not install from PyPI"; exit 1; }
        fi
    fi
    log "installing onnx, onnxruntime, torch-pruning, pillow"
    "$PY" -m pip install -q onnx onnxruntime torch-pruning pillow >&2 \
        || { log "onnx, onnxruntime, torch-pruning or pillow did not install"; exit 1; }
    ready || { log "the venv at $VENV does not import torch, torchvision, onnx, onnxruntime and torch_pruning"; exit 1; }
fi
if [ "${BENCH:-0}" = 1 ] && ! "$PY" -c 'import fastapi, uvicorn, multipart' 2>/dev/null; then
    "$PY" -m pip install -q fastapi uvicorn python-multipart >&2 || { log "fastapi/uvicorn did not install"; exit 1; }
fi
echo "$PY"
