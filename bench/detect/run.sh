#!/usr/bin/env bash
# See bench/detect/run.js for what is measured. Needs java 17, node >= 18, npm, git,
# and the packaged operator (./mvnw -B -q -DskipTests package).
# Example: bench/detect/run.sh > /tmp/detect-bench.log
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../lib/run-node.sh" "node npm git java" "$here/run.js" "$@"
