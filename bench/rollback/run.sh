#!/usr/bin/env bash
# Rollback-time benchmark on the Next.js fixture, driving the packaged operator
# (target/quarkus-app/quarkus-run.jar; built if missing) through its API.
# Work dir bench/.work/rollback (gitignored) unless --work; own PM2_HOME and data
# dir there (never ~/.pm2); loopback only; kills its pm2 daemon and operator at the end.
# Example: bench/rollback/run.sh --runs 5 > /tmp/rollback-bench.log 2>&1
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../lib/run-node.sh" "node npm git java" "$here/run.js" "$@"
