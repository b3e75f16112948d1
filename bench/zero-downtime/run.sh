#!/usr/bin/env bash
# Zero-downtime reload benchmark: seed PM2 config vs Sylvan launcher.
# Everything it installs goes into bench/.work (gitignored) unless --work is given;
# every pm2 daemon runs with its own PM2_HOME under that dir (never ~/.pm2).
# Example: bench/zero-downtime/run.sh --reloads 20 --rate 200 > /tmp/zd-bench.log 2>&1
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
exec "$here/../lib/run-node.sh" "node npm" "$here/run.js" "$@"
