#!/usr/bin/env bash
# Every test: the Swift test targets, then the end-to-end tests that drive the real binary.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build --build-tests
swift test --skip-build
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/cli.sh
AIARTS_BIN="$PWD/.build/debug/aiarts" bash e2e/tui.sh
