#!/usr/bin/env bash
# deploy-production.sh: the seed's script of that name, now a request to the operator.
#
# Seed: ./deploy-production.sh made the production deployment (PM2 ecosystem config, initial
# backup, two cluster instances). Here the operator does that from deploy-specs/production.yaml:
#   deploy-production.sh  ->  sylvanctl deploy production  (POST /environments/production/deploy)
# It takes no flags (use deploy-update.sh for --skip-backup, --skip-health-check, --force).
# Set SYLVAN_SERVER and SYLVAN_TOKEN for the operator; SYLVANCTL picks the sylvanctl to run.
set -euo pipefail

ALLOWED=""
USAGE="Usage: $(basename "$0")"
# shellcheck source=lib/sylvanctl.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/sylvanctl.sh"
parse_args "$@"

exec "$SYLVANCTL" deploy production
