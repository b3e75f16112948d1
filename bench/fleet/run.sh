#!/usr/bin/env bash
# Fleet benchmark.
#   bench/fleet/run.sh --simulate [N[,N...]] [--pool 50 --update-ms 200 --min-healthy 1 ...]
#     N in-process agents (default 10,100,1000) running the real node-lease and rollout code against
#     an embedded PostgreSQL through one bounded pool; each pipeline is a timed stand-in. Compiles
#     the test classes (./mvnw) and runs io.sylvan.operator.bench.FleetSimulation.
#   bench/fleet/run.sh [options]
#     three real operator agents on this machine sharing one PostgreSQL (run.js; not written yet).
# Work dir bench/.work/fleet (gitignored).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
if [[ "${1:-}" == "--simulate" ]]; then
  shift
  sizes="10,100,1000"
  if [[ $# -gt 0 && "$1" != --* ]]; then sizes="$1"; shift; fi
  command -v java >/dev/null || { echo "java is required" >&2; exit 1; }
  work="$repo/bench/.work/fleet"
  mkdir -p "$work"
  echo "compiling (./mvnw -q -DskipTests test-compile) ..." >&2
  (cd "$repo" && ./mvnw -B -q -DskipTests test-compile \
    && ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test \
      -Dmdep.outputFile="$work/classpath.txt" >/dev/null)
  cp="$repo/target/test-classes:$repo/target/classes:$(cat "$work/classpath.txt")"
  exec java -Xmx1g -Xss512k -cp "$cp" io.sylvan.operator.bench.FleetSimulation --nodes "$sizes" "$@"
fi
if [[ ! -f "$here/run.js" ]]; then
  echo "bench/fleet: only --simulate exists yet; the three-agent run (real operators, PostgreSQL," >&2
  echo "Nginx, Kamal-style comparison) is not written yet (see docs/benchmarks.md, Fleet)." >&2
  exit 2
fi
exec "$here/../lib/run-node.sh" "node npm git java" "$here/run.js" "$@"
