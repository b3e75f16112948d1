#!/usr/bin/env bash
# Fleet benchmark.
#   bench/fleet/run.sh --simulate [N[,N...]] [--pool 45 --update-ms 200 --min-healthy 1 ...]
#     N in-process agents (default 10,100,1000) running the real node-lease and rollout code against
#     an embedded PostgreSQL through one bounded pool; each pipeline is a timed stand-in. Compiles
#     the test classes (./mvnw) and runs io.sylvan.operator.bench.FleetSimulation.
#   bench/fleet/run.sh [--runs 1 --min-healthy 3 --rate 120 --group 2 --timeout 300]
#     three real operator agents (web-1..3) on this machine sharing one PostgreSQL, a plain Node
#     fixture, the spec in a git repository, Nginx in front; Sylvan's rollout next to Kamal-style
#     rollouts (all at once; boot.limit groups without revert) emulated with the same agents.
#     Runs io.sylvan.operator.bench.FleetBench; prints a table with the issue's targets.
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
# Real mode: FleetBench on the fleet ITs' harness (reconcile/FleetHarness). Needs the packaged
# operator (target/quarkus-app) and the test classes; pm2 is installed into target/pm2 by the
# harness, nothing globally. Nginx is used when installed (Debian nginx-light), else skipped.
for tool in java node npm git; do
  command -v "$tool" >/dev/null || { echo "$tool is required" >&2; exit 1; }
done
work="$repo/bench/.work/fleet"
mkdir -p "$work"
echo "building (./mvnw -q -DskipTests package: the operator jar and the test classes) ..." >&2
(cd "$repo" && ./mvnw -B -q -DskipTests package \
  && ./mvnw -B -q dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile="$work/classpath.txt" >/dev/null)
cp="$repo/target/test-classes:$repo/target/classes:$(cat "$work/classpath.txt")"
cd "$repo" # the harness writes target/it-logs and target/pm2 relative to the repository
# exec: Ctrl-C reaches the JVM, whose shutdown hook stops the agents, their PM2 daemons, Nginx and
# PostgreSQL and removes the temp dir.
exec java -Xmx256m -Doperator.jar="$repo/target/quarkus-app/quarkus-run.jar" -cp "$cp" \
  io.sylvan.operator.bench.FleetBench "$@"
