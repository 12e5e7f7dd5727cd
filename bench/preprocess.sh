#!/usr/bin/env bash
# Preprocessing benchmark (docs/benchmarks.md, "Dataset preprocessing"): the same op list on 1,000 and
# 10,000 640×480 JPEGs with boxes, by `aiarts dataset preprocess … --into` (release build), Pillow and
# OpenCV (opencv-python-headless), each decoding and re-encoding JPEG at quality 95 on 2 processes or
# threads, in the same run; wall and CPU time, images/s. Prints a Markdown table per run.
#
#   bench/preprocess.sh [--runs 2] [--sizes 1000,10000] [--op resize=320x240 --op flip_v …]
#
# AIARTS_BIN (default .build-release/release/aiarts: `nice swift build -c release --product aiarts
# --scratch-path .build-release`). The fixture (bench-out/preprocess-fixture, made once by
# bench/preprocess_peers.py with Pillow and numpy: 500 pictures of gradients, noise and 1–4 filled shapes, each
# shape a box, the rest byte copies of them; about 95 KB a JPEG) and the peers' venv (~/.cache/aiarts/venv-preprocess-bench: pillow,
# opencv-python-headless, numpy, from PyPI once) are kept between runs.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${AIARTS_BIN:-$ROOT/.build-release/release/aiarts}
OUT=$ROOT/bench-out
FIXTURE=${PREPROCESS_FIXTURE:-$OUT/preprocess-fixture}
RUNS=2 SIZES=1000,10000 OPS=()
while [ $# -gt 0 ]; do
    case $1 in
        --runs) RUNS=$2; shift 2 ;;
        --sizes) SIZES=$2; shift 2 ;;
        --op) OPS+=(--op "$2"); shift 2 ;;
        *) echo "preprocess.sh: unknown option $1" >&2; exit 2 ;;
    esac
done
[ ${#OPS[@]} -gt 0 ] || OPS=(--op resize=320x240 --op flip_v --op brightness=0.4 --op median=3)
[ -x "$BIN" ] || { echo "preprocess.sh: no aiarts at $BIN (build it: nice swift build -c release --product aiarts --scratch-path .build-release)" >&2; exit 1; }

VENV=${AIARTS_CACHE:-$HOME/.cache/aiarts}/venv-preprocess-bench
PY=$VENV/bin/python
if ! "$PY" -c 'import cv2, PIL, numpy' 2>/dev/null; then
    python3 -m venv "$VENV" && "$PY" -m pip install -q pillow opencv-python-headless numpy >&2 ||
        { echo "preprocess.sh: pillow, opencv-python-headless and numpy did not install into $VENV" >&2; exit 1; }
fi
PEERS=$ROOT/bench/preprocess_peers.py
IFS=, read -r -a sizes <<<"$SIZES"
largest=0
for n in "${sizes[@]}"; do [ "$n" -gt "$largest" ] && largest=$n; done
made=$(ls "$FIXTURE"/first-*.json 2>/dev/null | sed 's/.*first-\([0-9]*\)\.json/\1/' | sort -n | tail -1)
if [ "${made:-0}" -lt "$largest" ]; then
    echo "making $largest images in $FIXTURE …" >&2
    rm -rf "$FIXTURE"
    "$PY" "$PEERS" make "$FIXTURE" "$largest"
fi
for n in "${sizes[@]}"; do [ -f "$FIXTURE/first-$n.json" ] || "$PY" "$PEERS" subset "$FIXTURE" "$n"; done

# One workspace holding each size as a registered COCO dataset (the images stay in the fixture).
WS=$OUT/preprocess-ws
rm -rf "$WS"
declare -A DATASET
for n in "${sizes[@]}"; do
    id=$("$BIN" --workspace "$WS" dataset create "first-$n" --type detection)
    "$BIN" --workspace "$WS" dataset import "$id" "$FIXTURE/first-$n.json" --format coco \
        --register --verify header >/dev/null
    DATASET[$n]=$id
done
# aiarts re-encodes a JPEG at quality 95 (docs/preprocessing.md, "Modes"); the peers encode at the same.
quality=95

ops_text=$(printf '%s ' "${OPS[@]}" | sed 's/--op //g; s/ $//; s/ /, /g')
echo "ops: $ops_text; JPEG quality $quality; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg)"
cell() { python3 -c 'import json,sys; d=json.loads(sys.argv[1]); n=int(sys.argv[2]); print("%.1f s (%.1f s CPU), %.0f img/s" % (d["wall"], d["cpu"], n / d["wall"]))' "$1" "$2"; }
for run in $(seq 1 "$RUNS"); do
    echo
    echo "run $run (load before: $(cut -d' ' -f1-3 /proc/loadavg))"
    echo "| images | aiarts dataset preprocess | Pillow | OpenCV | aiarts / Pillow | aiarts / OpenCV |"
    echo "|---|---|---|---|---|---|"
    for n in "${sizes[@]}"; do
        sync
        a=$("$PY" "$PEERS" measure -- "$BIN" --workspace "$WS" dataset preprocess "${DATASET[$n]}" "${OPS[@]}" --into "out-$n-$run")
        rm -rf "$OUT/preprocess-pillow" "$OUT/preprocess-opencv"; sync
        p=$("$PY" "$PEERS" run pillow "$FIXTURE" "$OUT/preprocess-pillow" "$n" "${OPS[@]}" --procs 2 --quality "$quality")
        sync
        o=$("$PY" "$PEERS" run opencv "$FIXTURE" "$OUT/preprocess-opencv" "$n" "${OPS[@]}" --procs 2 --quality "$quality")
        ratio=$(python3 -c 'import json,sys; a,p,o=(json.loads(x) for x in sys.argv[1:]); print("%.2f× | %.2f×" % (a["wall"]/p["wall"], a["wall"]/o["wall"]))' "$a" "$p" "$o")
        echo "| $n | $(cell "$a" "$n") | $(cell "$p" "$n") | $(cell "$o" "$n") | $ratio |"
    done
done
echo
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
