# Shared by the seed-compatible scripts in scripts/: finds sylvanctl and parses their options.
# Sourced, not run. A script sets USAGE and ALLOWED (the option groups it takes, among
# seed-flags, env and to) before sourcing this file, then calls parse_args "$@".
#
# SYLVANCTL: the sylvanctl to run (default: bin/sylvanctl of this checkout, else sylvanctl on
# PATH). Tests point it at a recorder; an install can point it anywhere.
# SYLVAN_SERVER and SYLVAN_TOKEN reach sylvanctl unchanged (operator URL and bearer token).

scripts_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [[ -z "${SYLVANCTL:-}" ]]; then
  if [[ -x "$scripts_dir/../bin/sylvanctl" ]]; then
    SYLVANCTL="$scripts_dir/../bin/sylvanctl"
  else
    SYLVANCTL="sylvanctl"
  fi
fi

usage() {
  echo "$USAGE"
}

# Prints the problem and the usage on stderr and exits 2, like sylvanctl's own usage errors.
usage_error() {
  echo "$(basename "$0"): $1" >&2
  usage >&2
  exit 2
}

# Fails unless the script allows option group $1 (for option $2).
allowed() {
  [[ " ${ALLOWED:-} " == *" $1 "* ]] || usage_error "unknown option: $2"
}

# The value of an option that takes one ($1 the option, $2 the next argument or empty).
option_value() {
  if [[ -z "${2:-}" || "${2:-}" == --* ]]; then
    usage_error "$1 needs a value"
  fi
  printf '%s' "$2"
}

# Sets ENV (default production), FLAGS (the seed's deploy-update.sh flags, in the order given) and
# TO (empty, or --to SHA) from the arguments; -h prints the usage; anything else exits 2.
parse_args() {
  ENV=production
  FLAGS=()
  TO=()
  local value
  while (($#)); do
    case "$1" in
      --skip-backup | --skip-health-check | --force)
        allowed seed-flags "$1"
        FLAGS+=("$1")
        ;;
      --env | --to)
        allowed "${1#--}" "$1"
        value="$(option_value "$1" "${2:-}")"
        set_value "$1" "$value"
        shift
        ;;
      --env=* | --to=*)
        value="${1%%=*}"
        allowed "${value#--}" "$value"
        set_value "$value" "${1#*=}"
        ;;
      -h | --help)
        usage
        exit 0
        ;;
      *) usage_error "unknown option: $1" ;;
    esac
    shift
  done
}

set_value() {
  case "$1" in
    --env) ENV="$2" ;;
    --to) TO=(--to "$2") ;;
  esac
}
