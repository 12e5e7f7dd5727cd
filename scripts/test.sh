#!/usr/bin/env bash
# Every test: the Swift test targets, the torch script's tests, then the end-to-end tests that drive the real binary.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
# The torch trainer's Python tests; those that need torch skip themselves where it is missing.
python3 -m unittest discover -s trainers/torch -p 'test_*.py'
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/cli.sh
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/contracts.sh
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/tui.sh
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/review.sh
# aiarts serve: the server itself, then each dialect against the real binary (docs/api.md).
for suite in serve paddlex aiarts crowd registry django; do
    AIARTS_BIN="$PWD/.build/debug/aiarts" bash "e2e/api-$suite.sh"
done
# schemathesis against docs/openapi.yaml, a short pass (scripts/schemathesis.sh 25 for real runs).
AIARTS_BIN="$PWD/.build/debug/aiarts" scripts/schemathesis.sh 3 150
# Fuzz smoke: every parser of untrusted input for 4 s (about 100 s in all); scripts/fuzz.sh 90 for real runs.
scripts/fuzz.sh 4
