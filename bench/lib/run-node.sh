#!/usr/bin/env bash
# Runs a benchmark's node program after checking the tools the operator benchmarks need.
# Usage (from a benchmark's run.sh): exec "$here/../lib/run-node.sh" "$here/run.js" "$@"
set -euo pipefail
for tool in node npm git java; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done
exec node "$@"
