#!/usr/bin/env bash
# Deploy-time benchmark: an update with an unchanged lockfile, the packaged operator
# (target/quarkus-app/quarkus-run.jar; built if missing) against the seed's flow
# (rm -rf .next && npm ci && npm run build && pm2 reload) on the same commits.
# Work dir bench/.work/deploy (gitignored) unless --work; own PM2_HOMEs there (never
# ~/.pm2); loopback only; kills its pm2 daemons and the operator at the end.
# Example: bench/deploy/run.sh --runs 3 > /tmp/deploy-bench.log 2>&1
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../lib/run-node.sh" "node npm git java" "$here/run.js" "$@"
