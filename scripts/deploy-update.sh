#!/usr/bin/env bash
# deploy-update.sh: the seed's script of that name, now a request to the operator.
#
# Seed: ./deploy-update.sh [--skip-backup] [--skip-health-check] [--force] updated the app on this
# VM itself (backup, clean cache, npm ci, build, PM2 reload, health check, rollback on failure).
# Here the operator runs that same pipeline; this script asks it to, with the same flags:
#   deploy-update.sh [flags] [--env ENV]  ->  sylvanctl deploy ENV [flags]
#   (POST /environments/ENV/deploy?skipBackup=true&skipHealthCheck=true&force=true)
# --env is new (default production, the seed's only updated environment). Unknown flags exit 2.
# Set SYLVAN_SERVER and SYLVAN_TOKEN for the operator; SYLVANCTL picks the sylvanctl to run.
set -euo pipefail

ALLOWED="seed-flags env"
USAGE="Usage: $(basename "$0") [--skip-backup] [--skip-health-check] [--force] [--env ENV]"
# shellcheck source=lib/sylvanctl.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/sylvanctl.sh"
parse_args "$@"

exec "$SYLVANCTL" deploy "$ENV" ${FLAGS[@]+"${FLAGS[@]}"}
