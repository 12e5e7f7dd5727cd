#!/usr/bin/env bash
# Every test: the Swift test targets, the torch script's tests, then the end-to-end tests that drive the real binary.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
# The torch trainer's Python tests; those that need torch skip themselves where it is missing.
python3 -m unittest discover -s trainers/torch -p 'test_*.py'
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/cli.sh
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/workspace.sh
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/tui.sh
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/review.sh
