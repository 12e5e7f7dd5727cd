#!/usr/bin/env bash
# End-to-end: the crowd annotation dialect (/api, docs/api.md "Crowd annotation") of `aiarts serve`,
# driven by a Python client (e2e/api_crowd.py): a collection task filled with pictures (a corrupt one
# refusing its commit), an annotation task that two users apply for at the same moment, commits listed a
# page at a time, and the error shapes. E2E_DIALECT=registry runs the model registry's checks instead
# (e2e/api-registry.sh).
set -uo pipefail
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-$PWD/.build/debug/aiarts}
T=$(mktemp -d)
source e2e/lib.sh
SERVER=
trap '[ -n "$SERVER" ] && kill "$SERVER" 2>/dev/null; rm -rf "$T"' EXIT

W=$T/ws
aiarts() { "$BIN" --workspace "$W" "$@"; }
for u in ada:admin tom:trainer ann:reviewer bea:reviewer vic:viewer; do
    aiarts user add "${u%%:*}" --role "${u##*:}" >/dev/null 2>&1 || { echo "cannot add user $u"; exit 1; }
done
export ADMIN_TOKEN=$(aiarts token create ada 2>/dev/null) TRAINER_TOKEN=$(aiarts token create tom 2>/dev/null)
export ANN_TOKEN=$(aiarts token create ann 2>/dev/null) BEA_TOKEN=$(aiarts token create bea 2>/dev/null)
export VIEWER_TOKEN=$(aiarts token create vic 2>/dev/null)
export DATASET=$(aiarts dataset create photos --type classification --json 2>/dev/null | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
[ -n "$DATASET" ] || { echo "cannot create a dataset"; exit 1; }

start_server "$BIN" "$W" --listen 127.0.0.1:0 || exit 1

py() { python3 e2e/api_crowd.py "$URL" "$1"; }
shown() { check "$@"; tail -1 "$T/check.out" | sed 's/^/     /'; }
if [ "${E2E_DIALECT:-crowd}" = registry ]; then
    shown "a model version uploads and downloads through the registry routes with the same bytes" py registry_round
else
    shown "a collection task takes pictures in all-or-nothing commits and serves them by URL" py collection_round
    shown "two users apply at once, get distinct batches, commit, and commits list a page at a time" py annotation_round
    shown "403 in the document's shape, json errors, no token is 401" py permissions
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
