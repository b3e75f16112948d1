#!/usr/bin/env bash
# rollback.sh: the seed's script of that name, now a request to the operator.
#
# Seed: ./rollback.sh restored the previous build from backups/ and reloaded PM2. Here the
# operator switches back to the previous good release still on disk (or to --to SHA), verifies it,
# and keeps it until the spec names another commit:
#   rollback.sh [--env ENV] [--to SHA]  ->  sylvanctl rollback ENV [--to SHA]
#   (POST /environments/ENV/rollback[?to=SHA]; ENV defaults to production)
# Unknown flags exit 2. Set SYLVAN_SERVER and SYLVAN_TOKEN for the operator; SYLVANCTL picks the
# sylvanctl to run.
set -euo pipefail

ALLOWED="env to"
USAGE="Usage: $(basename "$0") [--env ENV] [--to SHA]"
# shellcheck source=lib/sylvanctl.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/sylvanctl.sh"
parse_args "$@"

exec "$SYLVANCTL" rollback "$ENV" ${TO[@]+"${TO[@]}"}
