#!/usr/bin/env bash
# End-to-end: the AIArts dialect (/ai_arts/api) of `aiarts serve` on a demo workspace, driven by a
# Python client (e2e/api_aiarts.py): dataset and model upload/download round trips (bytes compared),
# a training followed over Server-Sent Events while the built-in trainer trains, the latency of a
# point from the metrics file to a remote client, 100,000 points in one answer, permissions.
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
T=$(mktemp -d)
source e2e/lib.sh
SERVER=
# Trainings run detached from the server: the ones still running are stopped before the workspace goes.
cleanup() {
    [ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null
    stop_running_tasks "$BIN" "$W"
    rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 143' TERM INT

W=$T/ws
aiarts() { "$BIN" --workspace "$W" "$@"; }
aiarts demo --no-tui >"$T/demo.out" 2>&1 || { cat "$T/demo.out"; exit 1; }
aiarts user add ada --role admin >/dev/null 2>&1
aiarts user add tom --role trainer >/dev/null 2>&1
aiarts user add vic --role viewer >/dev/null 2>&1
export ADMIN_TOKEN=$(aiarts token create ada 2>/dev/null)
export TRAINER_TOKEN=$(aiarts token create tom 2>/dev/null)
export VIEWER_TOKEN=$(aiarts token create vic 2>/dev/null)

start_server "$BIN" "$W" --listen 127.0.0.1:0 || exit 1

py() { python3 e2e/api_aiarts.py "$URL" "$W" "$1"; }
# Shows what a check measured (the last line it printed) under its ok/FAIL line.
shown() { check "$@"; tail -1 "$T/check.out" | sed 's/^/     /'; }
shown "a dataset archive uploads, imports and downloads with the same bytes" py dataset_round_trip
shown "a model uploads and downloads with the same bytes, and its archive goes back in" py model_round_trip
shown "a training is followed over SSE while the built-in trainer trains, to its end" py training_followed_over_sse
shown "a point written to metrics.jsonl reaches a following client within 200 ms" py live_point_latency
shown "a task's 100,000 points answer in one response" py hundred_thousand_points
check "viewers cannot write, trainers cannot register server paths, no token is 401" py permissions

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
