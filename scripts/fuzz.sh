#!/usr/bin/env bash
# Fuzzes every parser of untrusted input (docs/fuzzing.md).
#
#   scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
# Builds the harness (debug: Swift's overflow and bounds checks on), runs each target for
# SECONDS_PER_TARGET (default 90) from its seed corpus in fuzz/corpus/TARGET, restarting after
# each crash, and prints per target the inputs run, crashes and hangs. Crashing and hanging
# inputs are kept in $FUZZ_OUT (default .build/fuzz); replay one with
#   .build/debug/aiarts-fuzz TARGET --replay FILE
# Exits 1 when anything crashed or hung. FUZZ_SEED (default 1) varies the run; FUZZ_TIMEOUT
# (default 10 s) is how long one input may take before it counts as a hang.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-90}
shift $(( $# > 0 ? 1 : 0 ))
out=${FUZZ_OUT:-.build/fuzz}
seed=${FUZZ_SEED:-1}
timeout=${FUZZ_TIMEOUT:-10}

swift build --product aiarts-fuzz >/dev/null || { echo "fuzz.sh: building aiarts-fuzz failed" >&2; exit 2; }
bin=.build/debug/aiarts-fuzz
mkdir -p "$out"
targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <("$bin" --list)

failed=0
printf '%-13s %10s %8s %6s\n' target inputs crashes hangs
for target in "${targets[@]}"; do
    runs=0 crashes=0 hangs=0 session=0
    end=$(( $(date +%s) + seconds ))
    while :; do
        left=$(( end - $(date +%s) ))
        [ "$left" -gt 0 ] || break
        log=$("$bin" "$target" --corpus "fuzz/corpus/$target" --seconds "$left" --seed $(( seed * 1000 + session )) \
              --out "$out" --timeout "$timeout" 2>>"$out/$target.stderr")
        rc=$?
        n=$(printf '%s\n' "$log" | awk '/^runs /{n=$2} END{print n+0}')
        runs=$(( runs + n ))
        case $rc in
            0) break ;;
            3) hangs=$(( hangs + 1 )) ;;
            64) echo "fuzz.sh: $(tail -2 "$out/$target.stderr")" >&2; exit 2 ;;
            *) crashes=$(( crashes + 1 )) ;;
        esac
        session=$(( session + 1 ))
    done
    printf '%-13s %10d %8d %6d\n' "$target" "$runs" "$crashes" "$hangs"
    [ $(( crashes + hangs )) -eq 0 ] || failed=1
done
if [ $failed -ne 0 ]; then
    echo "Inputs that crashed or hung are in $out (crash-*, hang-*); replay one with $bin TARGET --replay FILE" >&2
    exit 1
fi
