#!/usr/bin/env bash
# deploy-test.sh: the seed's script of that name, now a request to the operator.
#
# Seed: ./deploy-test.sh deployed the test environment, single instance, "quick restart without
# backup". Here the operator deploys deploy-specs/test.yaml, and the backup is skipped as before:
#   deploy-test.sh  ->  sylvanctl deploy test --skip-backup
#   (POST /environments/test/deploy?skipBackup=true)
# It takes no flags. Set SYLVAN_SERVER and SYLVAN_TOKEN for the operator; SYLVANCTL picks the
# sylvanctl to run.
set -euo pipefail

ALLOWED=""
USAGE="Usage: $(basename "$0")"
# shellcheck source=lib/sylvanctl.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/sylvanctl.sh"
parse_args "$@"

exec "$SYLVANCTL" deploy test --skip-backup
