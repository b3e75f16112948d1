#!/usr/bin/env bash
# Installs (or upgrades) the Sylvan Operator on a VM as a systemd service.
#
#   ./mvnw -B -DskipTests package          # builds target/quarkus-app
#   sudo deploy/install.sh                 # install or upgrade, then start
#   deploy/install.sh --dry-run            # print what it would do, change nothing
#
# Idempotent: the user, folders and unit are (re)created as needed, the application
# is replaced, and /etc/sylvan-operator/operator.env is written only when missing
# (with a random API token and webhook secret), never overwritten.
#
# Options:
#   --dry-run        print every action instead of doing it (no root needed)
#   --prefix DIR     root every path under DIR (for tests and packaging); systemctl
#                    and user creation are then only printed
#   --source DIR     the built application (default: <repo>/target/quarkus-app)
#   --no-start       install and enable, but do not (re)start the service
#   -h, --help       this text
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"

DRY_RUN=0
PREFIX=""
SOURCE="$REPO_DIR/target/quarkus-app"
START=1
SERVICE_USER=sylvan
SERVICE=sylvan-operator

usage() { sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; }

while [[ $# -gt 0 ]]; do
  case "$1" in
    --dry-run) DRY_RUN=1 ;;
    --prefix) PREFIX="${2:?--prefix needs a directory}"; shift ;;
    --prefix=*) PREFIX="${1#--prefix=}" ;;
    --source) SOURCE="${2:?--source needs a directory}"; shift ;;
    --source=*) SOURCE="${1#--source=}" ;;
    --no-start) START=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done

if [[ $DRY_RUN -eq 0 && $EUID -ne 0 ]]; then
  echo "install.sh: must run as root (sudo), or use --dry-run to see what it would do" >&2
  exit 1
fi
PREFIX="${PREFIX%/}"

APP_DIR="$PREFIX/opt/sylvan-operator"
CONF_DIR="$PREFIX/etc/sylvan-operator"
ENV_FILE="$CONF_DIR/operator.env"
SPECS_DIR="$CONF_DIR/deploy-specs"
DATA_DIR="$PREFIX/var/lib/sylvan-operator"
SRV_DIR="$PREFIX/srv/sylvan"
UNIT_DIR="$PREFIX/etc/systemd/system"
UNIT_FILE="$UNIT_DIR/$SERVICE.service"

# Prints the command; runs it unless --dry-run.
run() {
  echo "+ $*"
  if [[ $DRY_RUN -eq 0 ]]; then "$@"; fi
}

# Commands that act on the live system, not on files: only printed under --prefix.
system() {
  if [[ -n "$PREFIX" ]]; then
    echo "+ $* (skipped: --prefix)"
  else
    run "$@"
  fi
}

random_secret() {
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -hex 32
  else
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
  fi
}

echo "Sylvan Operator install$([[ $DRY_RUN -eq 1 ]] && echo ' (dry run: nothing is changed)')"

# 1. Prerequisites: the operator runs java and drives git, node, npm and pm2.
for tool in java git node npm pm2; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "warning: '$tool' is not on PATH; the operator needs it (install pm2 with: npm install -g pm2@7.0.4)" >&2
  fi
done
if [[ ! -f "$SOURCE/quarkus-run.jar" ]]; then
  if [[ $DRY_RUN -eq 1 ]]; then
    echo "warning: $SOURCE/quarkus-run.jar not found; build first: ./mvnw -B -DskipTests package" >&2
  else
    echo "install.sh: $SOURCE/quarkus-run.jar not found; build first: ./mvnw -B -DskipTests package" >&2
    exit 1
  fi
fi

# 2. The service user: a system account without login shell; its home is the data dir.
if id -u "$SERVICE_USER" >/dev/null 2>&1; then
  echo "user $SERVICE_USER exists"
else
  system useradd --system --user-group --home-dir /var/lib/sylvan-operator --no-create-home \
    --shell /usr/sbin/nologin "$SERVICE_USER"
fi
OWNER="$SERVICE_USER:$SERVICE_USER"
# chown to the service user; under --prefix (files of a test or a package) only printed,
# and in a dry run the user may not exist yet.
own() {
  if [[ -n "$PREFIX" ]]; then
    echo "+ chown $OWNER $* (skipped: --prefix)"
  else
    run chown "$OWNER" "$@"
  fi
}

# 3. Folders. The application and the config are root's (the service cannot change
#    them); the data dir and the target roots are the service user's.
run install -d -m 0755 "$APP_DIR"
run install -d -m 0750 "$CONF_DIR"
run install -d -m 0755 "$SPECS_DIR"
run install -d -m 0750 "$DATA_DIR"
run install -d -m 0750 "$SRV_DIR"
own "$DATA_DIR" "$SRV_DIR"

# 4. The application (fast-jar layout), replaced as a whole so no stale jar remains.
run rm -rf "$APP_DIR/lib" "$APP_DIR/app" "$APP_DIR/quarkus" "$APP_DIR/quarkus-run.jar" "$APP_DIR/docs"
run cp -R "$SOURCE/lib" "$SOURCE/app" "$SOURCE/quarkus" "$SOURCE/quarkus-run.jar" "$APP_DIR/"
run cp -R "$REPO_DIR/docs" "$APP_DIR/docs"
run chmod -R u=rwX,go=rX "$APP_DIR"

# 5. The operator's config: written once from the template, with random secrets.
if [[ -f "$ENV_FILE" ]]; then
  echo "$ENV_FILE exists: kept as it is"
  run chmod 0600 "$ENV_FILE"
else
  echo "+ write $ENV_FILE from $SCRIPT_DIR/operator.env.example with a random SYLVAN_AUTH_TOKEN and SYLVAN_AUTH_WEBHOOK_SECRET (mode 600)"
  if [[ $DRY_RUN -eq 0 ]]; then
    token="$(random_secret)"
    secret="$(random_secret)"
    (
      umask 077
      sed -e "s/^SYLVAN_AUTH_TOKEN=.*/SYLVAN_AUTH_TOKEN=$token/" \
          -e "s/^SYLVAN_AUTH_WEBHOOK_SECRET=.*/SYLVAN_AUTH_WEBHOOK_SECRET=$secret/" \
          "$SCRIPT_DIR/operator.env.example" > "$ENV_FILE.tmp"
    )
    chmod 0600 "$ENV_FILE.tmp"
    mv "$ENV_FILE.tmp" "$ENV_FILE"
    echo "  API token written to $ENV_FILE (read it there: sudo grep SYLVAN_AUTH_TOKEN $ENV_FILE)"
  fi
fi

# 6. The unit.
run install -d -m 0755 "$UNIT_DIR"
run install -m 0644 "$SCRIPT_DIR/systemd/$SERVICE.service" "$UNIT_FILE"
system systemctl daemon-reload
if [[ $START -eq 1 ]]; then
  system systemctl enable --now "$SERVICE"
  # enable --now does not restart a running service: an upgrade needs the restart.
  system systemctl restart "$SERVICE"
else
  system systemctl enable "$SERVICE"
fi

echo "done. Next: put your specs in $SPECS_DIR (or set SYLVAN_SPECS_GIT_URL in $ENV_FILE),"
echo "      then: systemctl status $SERVICE; curl -s http://127.0.0.1:8080/status"
