#!/usr/bin/env bash
# Stops what quickstart/run.sh started: the operator (SIGTERM, which also stops its
# embedded PostgreSQL) and the PM2 daemon of the quickstart's own PM2_HOME, with the
# app under it. Your ~/.pm2 is never touched. --clean also deletes the work dir.
#
#   quickstart/stop.sh [--work-dir DIR] [--clean]
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${SYLVAN_QUICKSTART_DIR:-$REPO_DIR/quickstart-work}"
CLEAN=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --work-dir) WORK="${2:?--work-dir needs a directory}"; shift ;;
    --clean) CLEAN=1 ;;
    -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "stop.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
[[ -d "$WORK" ]] || { echo "nothing to stop: $WORK does not exist"; exit 0; }
WORK="$(cd "$WORK" && pwd)"

if [[ -f "$WORK/operator.pid" ]]; then
  pid="$(cat "$WORK/operator.pid")"
  if kill -0 "$pid" 2>/dev/null; then
    echo "stopping the operator (pid $pid)"
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 1; done
    if kill -0 "$pid" 2>/dev/null; then
      echo "the operator did not stop within 60 s; sending SIGKILL" >&2
      kill -KILL "$pid"
    fi
  fi
  rm -f "$WORK/operator.pid"
fi

PM2="$WORK/tools/node_modules/.bin/pm2"
if [[ -x "$PM2" && -d "$WORK/pm2-home" ]]; then
  echo "stopping the quickstart's PM2 daemon (PM2_HOME=$WORK/pm2-home)"
  PM2_HOME="$WORK/pm2-home" "$PM2" kill >/dev/null 2>&1 || true
fi

if [[ $CLEAN -eq 1 ]]; then
  echo "removing $WORK"
  rm -rf "$WORK"
fi
echo "stopped"
