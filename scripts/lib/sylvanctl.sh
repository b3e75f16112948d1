# Shared by the seed-compatible scripts in scripts/: finds sylvanctl and reports usage errors.
# Sourced, not run. The scripts set USAGE before sourcing this file.
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

# The value of an option that takes one ($1 the option, $2 the next argument or empty).
option_value() {
  if [[ -z "${2:-}" || "${2:-}" == --* ]]; then
    usage_error "$1 needs a value"
  fi
  printf '%s' "$2"
}
