#!/usr/bin/env bash
# The zero-downtime test on a busy machine.
#   bench/busy-machine/run.sh [--runs 3] [--hogs N]
# Runs NextZeroDowntimeTest --runs times in a row while N CPU-bound processes (default: one per
# core) run the whole time, and prints per run what the test saw during the update: requests sent,
# ok, failed, backed off, p50/p99/max, the npm ci time, and the load average. The hogs are stopped
# on exit (also on Ctrl-C). Logs: bench/.work/busy-machine/run-N.log.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
runs=3
hogs="$(nproc)"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) runs="$2"; shift 2 ;;
    --hogs) hogs="$2"; shift 2 ;;
    *) echo "usage: $0 [--runs N] [--hogs N]" >&2; exit 2 ;;
  esac
done
command -v node >/dev/null || { echo "node is required" >&2; exit 1; }
work="$repo/bench/.work/busy-machine"
mkdir -p "$work"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM
for ((h = 0; h < hogs; h++)); do
  node -e 'for(;;){}' &
  pids+=($!)
done
echo "$hogs CPU-bound process(es) running; $runs run(s) of NextZeroDowntimeTest"
cd "$repo"
failed=0
for ((i = 1; i <= runs; i++)); do
  log="$work/run-$i.log"
  start_load="$(cut -d' ' -f1-3 /proc/loadavg)"
  if ./mvnw -B test -Dtest=NextZeroDowntimeTest -Dsurefire.failIfNoSpecifiedTests=false \
    -DskipITs >"$log" 2>&1; then verdict=passed; else verdict=FAILED; failed=$((failed + 1)); fi
  result="$(grep -o 'during the update: Result\[.*' "$log" | head -1 | sed 's/failedAtSecond.*backedOff/backedOff/; s/commits={[^}]*}, //')"
  install="$(grep -o 'Installing dependencies[^)]*duration: [0-9.]*s' "$log" | head -1 | grep -o '[0-9.]*s$' || true)"
  echo "run $i: $verdict; load at start $start_load; npm ci ${install:-?}; ${result:-no result line (see $log)}"
done
exit $((failed > 0))
