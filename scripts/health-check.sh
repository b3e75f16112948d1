#!/usr/bin/env bash
# health-check.sh: the seed's script of that name, now read from the operator.
#
# Seed: ./health-check.sh checked /api/health, the API, performance and the version, printed
# {status, checks, metrics{responseTime,memoryUsage,cpuUsage}, version, commit} and exited 0 when
# healthy, 1 when not. The operator runs those checks in every deployment; this prints the latest
# one of ENV in the same JSON:
#   health-check.sh [--env ENV]  ->  sylvanctl health ENV   (default production)
# Exit codes as in the seed: 0 healthy, 1 anything else (unhealthy, no check yet, operator
# unreachable: sylvanctl's message is on stderr). A usage error exits 2.
# Set SYLVAN_SERVER for the operator; SYLVANCTL picks the sylvanctl to run.
set -euo pipefail

ALLOWED="env"
USAGE="Usage: $(basename "$0") [--env ENV]"
# shellcheck source=lib/sylvanctl.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/sylvanctl.sh"
parse_args "$@"

if "$SYLVANCTL" health "$ENV"; then
  exit 0
fi
exit 1
