#!/usr/bin/env bash
# Fuzzes every parser of untrusted input (docs/fuzzing.md).
#
#   scripts/fuzz.sh [--libfuzzer] [SECONDS_PER_TARGET] [TARGET...]
#
# --libfuzzer: coverage-guided instead, with the libFuzzer runtime that ships with the Swift
# toolchain (a separate instrumented build in .build-fuzz, a few minutes the first time); the
# corpus grows in $FUZZ_OUT/corpus-TARGET (the committed seeds are not changed).
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
libfuzzer=0
if [ "${1:-}" = --libfuzzer ]; then libfuzzer=1; shift; fi
seconds=${1:-90}
shift $(( $# > 0 ? 1 : 0 ))
out=${FUZZ_OUT:-.build/fuzz}
seed=${FUZZ_SEED:-1}
timeout=${FUZZ_TIMEOUT:-10}

if [ $libfuzzer -eq 1 ]; then
    # lld, and a duplicate main allowed: libFuzzer's runtime brings one (docs/fuzzing.md).
    swift build --product aiarts-fuzz --scratch-path .build-fuzz -Xswiftc -sanitize=fuzzer -Xswiftc -DLIBFUZZER \
        -Xswiftc -use-ld=lld -Xlinker --allow-multiple-definition >/dev/null \
        || { echo "fuzz.sh: building aiarts-fuzz with -sanitize=fuzzer failed" >&2; exit 2; }
    bin=.build-fuzz/debug/aiarts-fuzz
else
    swift build --product aiarts-fuzz >/dev/null || { echo "fuzz.sh: building aiarts-fuzz failed" >&2; exit 2; }
    bin=.build/debug/aiarts-fuzz
fi
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
        if [ $libfuzzer -eq 1 ]; then
            mkdir -p "$out/corpus-$target"
            cp -n fuzz/corpus/$target/* "$out/corpus-$target/" 2>/dev/null
            # libFuzzer reports a timeout (a hang) with exit code 70.
            AIARTS_FUZZ_TARGET=$target "$bin" -max_total_time="$left" -timeout="$timeout" -rss_limit_mb=4096 \
                -seed=$(( seed * 1000 + session + 1 )) -artifact_prefix="$out/$target-" "$out/corpus-$target" 2>"$out/$target.stderr.last"
            rc=$?
            cat "$out/$target.stderr.last" >> "$out/$target.stderr"
            n=$(grep -Eo '^#[0-9]+' "$out/$target.stderr.last" | tail -1 | tr -d '#')
            n=${n:-0}
            [ $rc -eq 70 ] && rc=3
        else
            log=$("$bin" "$target" --corpus "fuzz/corpus/$target" --seconds "$left" --seed $(( seed * 1000 + session )) \
                  --out "$out" --timeout "$timeout" 2>>"$out/$target.stderr")
            rc=$?
            n=$(printf '%s\n' "$log" | awk '/^runs /{n=$2} END{print n+0}')
        fi
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
    echo "Inputs that crashed or hung are in $out (crash-*, hang-*, TARGET-crash-*, TARGET-timeout-*);" \
         "replay one with .build/debug/aiarts-fuzz TARGET --replay FILE" >&2
    exit 1
fi
