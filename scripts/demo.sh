#!/usr/bin/env bash
# Fresh machine to demo: install what's missing, build, create the demo workspace and open it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release   # aiarts, and aiarts-train beside it
exec .build/release/aiarts demo "$@"
