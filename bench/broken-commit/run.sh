#!/usr/bin/env bash
# Broken-commit benchmark: a commit whose /api/health answers 500 goes through the operator's
# pipeline (pre-traffic preview; and with the preview off) and through the seed's flow (reload,
# then check, then rollback) under open-loop load; requests failed for each, side by side.
# Builds the operator jar if missing; work dir bench/.work/broken-commit (gitignored) unless
# --work; own PM2_HOMEs and data dir there (never ~/.pm2); loopback only; kills its pm2 daemons
# and the operator at the end.
# Example: bench/broken-commit/run.sh --runs 2 > /tmp/broken-commit-bench.log 2>&1
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../lib/run-node.sh" "node npm git java" "$here/run.js" "$@"
