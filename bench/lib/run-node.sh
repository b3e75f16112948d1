#!/usr/bin/env bash
# Runs a benchmark's node program after checking that the tools it needs are on the PATH.
# Usage (from a benchmark's run.sh): exec "$here/../lib/run-node.sh" "node npm git java" "$here/run.js" "$@"
set -euo pipefail
for tool in $1; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done
shift
exec node "$@"
