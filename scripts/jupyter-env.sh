#!/usr/bin/env bash
# The JupyterLab venv the notebook tests and CI reuse: jupyterlab and websocket-client in a venv cached
# outside the repository (~/.cache/aiarts/venv-jupyter, AIARTS_CACHE moves it), made the first time with
# python3 -m venv and pip from PyPI. Prints the venv's python on stdout; exits 1 with a one-line reason on
# stderr where it cannot be made (the tests then skip and say so).
#
#   PY=$(scripts/jupyter-env.sh) && AIARTS_JUPYTER_VENV=$(dirname "$(dirname "$PY")") aiarts code create …
set -euo pipefail
CACHE=${AIARTS_CACHE:-$HOME/.cache/aiarts}
VENV=$CACHE/venv-jupyter
PY=$VENV/bin/python
log() { echo "jupyter-env: $*" >&2; }

ready() { [ -x "$PY" ] && [ -x "$VENV/bin/jupyter-lab" ] && "$PY" -c 'import jupyterlab, jupyter_client, websocket' 2>/dev/null; }

if ! ready; then
    mkdir -p "$CACHE"
    [ -x "$PY" ] || python3 -m venv "$VENV" >&2 || { log "python3 -m venv failed (install python3-venv)"; exit 1; }
    log "installing jupyterlab and websocket-client from PyPI (once, about a minute)"
    out=$(mktemp)
    if ! "$PY" -m pip install -q --disable-pip-version-check jupyterlab websocket-client >"$out" 2>&1; then
        reason=$(grep -E '^ERROR:' "$out" | tail -1)
        tail -5 "$out" >&2
        rm -f "$out"
        log "pip could not install jupyterlab: ${reason:-see the lines above}"
        exit 1
    fi
    rm -f "$out"
    ready || { log "the venv at $VENV does not import jupyterlab, jupyter_client and websocket"; exit 1; }
fi
echo "$PY"
