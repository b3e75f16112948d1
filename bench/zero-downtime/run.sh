#!/usr/bin/env bash
# Zero-downtime reload benchmark: seed PM2 config vs Sylvan launcher.
# Everything it installs goes into bench/.work (gitignored) unless --work is given;
# every pm2 daemon runs with its own PM2_HOME under that dir (never ~/.pm2).
# Example: bench/zero-downtime/run.sh --reloads 20 --rate 200 > /tmp/zd-bench.log 2>&1
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
command -v node >/dev/null || { echo "node is required" >&2; exit 1; }
command -v npm >/dev/null || { echo "npm is required" >&2; exit 1; }
exec node "$here/run.js" "$@"
