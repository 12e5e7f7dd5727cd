#!/usr/bin/env bash
# End-to-end test of dataset preprocessing (docs/preprocessing.md) on the real binary ($AIARTS_BIN,
# default .build/debug/aiarts), on `aiarts demo`'s detection dataset (D0002, 200 VOC images with
# boxes): --dry-run, --into (a box checked numerically after flip_h), --add (the count doubles, the
# originals untouched), a corrupt image counted with its reason, an invalid op refused by name, a
# registered dataset's --add refused, Ctrl-C and kill -9 mid-run leaving nothing behind. About a
# minute on 2 cores.
set -u
cd "$(dirname "$0")/.."
BIN=${AIARTS_BIN:-.build/debug/aiarts}
T=$(mktemp -d)
W=$T/ws
. e2e/lib.sh  # check
trap 'rm -rf "$T"' EXIT
a() { "$BIN" --workspace "$W" "$@"; }

# A JSON assertion: python3 evaluates EXPR with the parsed document bound to d.
json_ok() { # FILE EXPR
    python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); ok=eval(sys.argv[2]); print(d if not ok else ""); sys.exit(0 if ok else 1)' "$1" "$2"
}
# The first box of FILE (file name sorted) in a COCO export: "name width x y w h".
first_box() { # EXPORT_FOLDER
    python3 -c '
import json, sys
j = json.load(open(sys.argv[1] + "/annotations/instances_train.json"))
images = {i["id"]: i for i in j["images"]}
a = min(j["annotations"], key=lambda a: (images[a["image_id"]]["file_name"], a["id"]))
i = images[a["image_id"]]
print(i["file_name"], i["width"], *[round(v, 3) for v in a["bbox"]])' "$1"
}
count() { a dataset list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
images_of() { a dataset show "$1" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["images"])'; }
status_of() { a dataset show "$1" --json | python3 -c 'import json,sys; d=json.load(sys.stdin); print(d["status"], d["progress"])'; }
staging_empty() { [ -z "$(ls -A "$W/datasets/.staging" 2>/dev/null)" ]; }

setup() { a demo --no-tui >/dev/null 2>&1 && [ "$(count)" = 2 ] && [ "$(images_of D0002)" = 200 ]; }
check "the demo workspace has a detection dataset of 200 images" setup

dry_run() {
    a dataset preprocess D0002 --op flip_h --op crop=0,0,150,150 --into x --dry-run --json >"$T/plan.json" &&
    json_ok "$T/plan.json" 'd["images"] == 200 and d["ops"] == ["flip_h", "crop=0,0,150,150"] and d["refused"] == 200 and "crop=0,0,150,150 does not fit inside the 160x120 image" in d["first_refusal"]' &&
    a dataset preprocess D0002 --op flip_v --add --dry-run >"$T/plan.txt" &&
    grep -q "e.g. aug-1/JPEGImages/shapes_0000__flip_v.jpg" "$T/plan.txt" && [ "$(count)" = 2 ]
}
check "--dry-run says what would be done (a crop too large for every image) and writes nothing" dry_run

into() {
    a dataset preprocess D0002 --op flip_h --op brightness=0.4 --op median=5 --into flipped --json >"$T/into.json" 2>"$T/into.err" &&
    json_ok "$T/into.json" 'd["dataset_id"] == "D0003" and d["images"] == 200 and d["annotations"] == 399 and d["failed"] == 0' &&
    a dataset show D0003 --json >"$T/d3.json" &&
    json_ok "$T/d3.json" 'd["splits"] == {"train": 140, "val": 40, "test": 20} and d["status"] == "copied" and "flip_h brightness=0.4 median=5" in d["description"]' &&
    [ -f "$W/datasets/D0003/preprocess.json" ] && grep -q '"source" : "D0002"' "$W/datasets/D0003/preprocess.json" &&
    a dataset export D0002 "$T/before" --format coco >/dev/null && a dataset export D0003 "$T/after" --format coco >/dev/null &&
    local f1 w x y bw bh f2 w2 x2 y2 bw2 bh2
    read -r f1 w x y bw bh < <(first_box "$T/before") && read -r f2 w2 x2 y2 bw2 bh2 < <(first_box "$T/after") &&
    echo "before: $f1 $w $x $y $bw $bh; after: $f2 $w2 $x2 $y2 $bw2 $bh2" &&
    [ "$f1" = "$f2" ] && python3 -c "import sys; w,x,bw,x2,y,y2,bh,bh2 = map(float, sys.argv[1:]); sys.exit(0 if abs(x2 - (w - x - bw)) < 1e-6 and y == y2 and bh == bh2 else 1)" "$w" "$x" "$bw" "$x2" "$y" "$y2" "$bh" "$bh2"
}
check "--into makes a new dataset (splits kept, origin recorded); a box after flip_h is at W - x - w" into

add() {
    (cd "$W/datasets/D0002" && find . -type f | sort | xargs md5sum) >"$T/originals.md5" &&
    a dataset preprocess D0002 --op flip_v --add >"$T/add.out" 2>&1 && cat "$T/add.out" &&
    [ "$(images_of D0002)" = 400 ] &&
    a dataset show D0002 --json >"$T/d2.json" && json_ok "$T/d2.json" 'd["splits"] == {"train": 280, "val": 80, "test": 40} and d["annotations"] == 798 and d["status"] == "copied"' &&
    [ -f "$W/datasets/D0002/aug-1/JPEGImages/shapes_0000__flip_v.jpg" ] &&
    (cd "$W/datasets/D0002" && md5sum --quiet -c "$T/originals.md5") &&
    a dataset details D0002 --json | grep -q "aug-1/JPEGImages/shapes_0199__flip_v.jpg"
}
check "--add doubles the samples (same splits) in aug-1/, named stem__op.jpg; the originals are untouched" add

corrupt() {
    printf 'not a jpeg at all' >"$W/datasets/D0002/JPEGImages/shapes_0007.jpg" &&
    a dataset preprocess D0002 --op rotate=90 --into turned --json >"$T/corrupt.json" &&
    json_ok "$T/corrupt.json" 'd["images"] == 399 and d["failed"] == 1' &&
    id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["dataset_id"])' "$T/corrupt.json") &&
    a dataset show "$id" >"$T/show.txt" && grep -q "JPEGImages/shapes_0007.jpg: preprocess: .*not a JPEG, PNG or WebP" "$T/show.txt"
}
check "a corrupt image is skipped and listed with its reason; the rest is processed" corrupt

invalid() {
    before=$(count)
    ! a dataset preprocess D0002 --op flip_h --op median=4 --into bad 2>"$T/bad.err" &&
    grep -q "bad op 'median=4'" "$T/bad.err" && [ "$(wc -l <"$T/bad.err")" -le 2 ] &&
    ! a dataset preprocess D0002 --op sharpen=2 --add 2>"$T/bad2.err" && grep -q "unknown op 'sharpen=2'" "$T/bad2.err" &&
    ! a dataset preprocess D0002 --op flip_h 2>"$T/bad3.err" && grep -q "\-\-into NAME" "$T/bad3.err" &&
    [ "$(count)" = "$before" ]
}
check "an invalid op is refused naming it, and nothing is made" invalid

registered() {
    a dataset export D0001 "$T/cls" --format imagenet >/dev/null &&
    id=$(a dataset create reg --type classification --import "$T/cls" --format imagenet --register --json |
         python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])') &&
    ! a dataset preprocess "$id" --op flip_h --add 2>"$T/reg.err" && grep -q "registered in place" "$T/reg.err" &&
    a dataset preprocess "$id" --op flip_h --into reg-copy >/dev/null 2>&1 && [ ! -e "$T/cls/aug-1" ]
}
check "a registered dataset refuses --add (it would write into the user's folder) but allows --into" registered

# Waits until D0002 is being preprocessed (status copying with some progress) or the run ended.
wait_running() { # PID
    local i
    for i in $(seq 1 300); do
        kill -0 "$1" 2>/dev/null || return 1
        status_of D0002 | grep -Eq "^copying 0\.[0-9]*[1-9]" && return 0
        sleep 0.05
    done
    return 1
}

interrupt() {
    before=$(count)
    # The binary itself in the background (not through a function, whose subshell would get the signal).
    "$BIN" --workspace "$W" dataset preprocess D0002 --op gaussian=3 --op resize=320x320 --into interrupted 2>"$T/int.err" &
    pid=$!
    wait_running $pid || { echo "never saw it running"; cat "$T/int.err"; return 1; }
    kill -INT $pid
    wait $pid; rc=$?
    echo "exit $rc"; tail -c 300 "$T/int.err"; echo "datasets $(count) (before $before); D0002: $(status_of D0002)"; ls -A "$W/datasets/.staging"
    [ $rc = 130 ] && grep -qx "cancelled" "$T/int.err" && [ "$(count)" = "$before" ] && staging_empty && status_of D0002 | grep -Eq "^copied 1(\.0)?$"
}
check "Ctrl-C mid-run cancels: exit 130, no new dataset, nothing staged, the source as it was" interrupt

killed() {
    before=$(count); images=$(images_of D0002)
    "$BIN" --workspace "$W" dataset preprocess D0002 --op gaussian=3 --op resize=320x320 --add 2>"$T/kill.err" &
    pid=$!
    wait_running $pid || { echo "never saw it running"; cat "$T/kill.err"; return 1; }
    kill -9 $pid; wait $pid 2>/dev/null
    # The next command sees the run's process gone and restores the dataset.
    a dataset list >/dev/null &&
    [ "$(count)" = "$before" ] && [ "$(images_of D0002)" = "$images" ] && [ ! -e "$W/datasets/D0002/aug-2" ] &&
    status_of D0002 | grep -q "^copied" && staging_empty &&
    a dataset preprocess D0002 --op flip_h --add >/dev/null 2>&1 && [ -d "$W/datasets/D0002/aug-2" ]
}
check "kill -9 mid-run leaves no half dataset: nothing added, the status restored, staging cleaned; the next run works" killed

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
