#!/usr/bin/env bash
# Installs, upgrades or uninstalls the Sylvan Operator on a VM as a systemd service.
#
#   ./mvnw -B -DskipTests package            # builds target/quarkus-app and target/sylvanctl.jar
#   sudo deploy/install.sh                   # install (or re-install), enable and start
#   sudo deploy/install.sh --upgrade         # replace the program files of an install, restart
#   sudo deploy/install.sh --uninstall       # remove the program; data and config stay
#   sudo deploy/install.sh --uninstall --purge   # remove data and config too
#   deploy/install.sh --dry-run [...]        # print what it would do, change nothing
#
# Idempotent: the user, folders, unit, program files and the sylvanctl link on the PATH are
# (re)created as needed; /etc/sylvan-operator/operator.env is written only when missing (with
# a random API token and webhook secret), never overwritten. docs/installation.md has more.
#
# Options:
#   --upgrade        an install must exist; the new version's checks (its sylvanctl runs, it
#                    accepts the specs in the spec folder) run before anything is replaced
#   --uninstall      stop and disable the unit, remove the program and the sylvanctl link;
#                    keeps the config, the data, the target roots and the user
#   --purge          with --uninstall: remove those too (and stop the apps' PM2 daemon)
#   --dry-run        print every action instead of doing it (no root needed)
#   --prefix DIR     root every path under DIR (tests, packaging); user creation, chown and
#                    systemctl are then only printed
#   --source DIR     the built application (default: <repo>/target/quarkus-app)
#   --cli-jar FILE   the built CLI (default: <repo>/target/sylvanctl.jar)
#   --no-start       install and enable, but do not (re)start the service
#   -h, --help       this text
#
# Environment (every path can be moved, e.g. for a test; defaults shown, under --prefix):
#   SYLVAN_INSTALL_PREFIX    as --prefix
#   SYLVAN_INSTALL_APP_DIR   /opt/sylvan-operator        program files, bin/sylvanctl, docs
#   SYLVAN_INSTALL_BIN_LINK  /usr/local/bin/sylvanctl    symbolic link to bin/sylvanctl
#   SYLVAN_INSTALL_CONF_DIR  /etc/sylvan-operator        operator.env, deploy-specs/
#   SYLVAN_INSTALL_DATA_DIR  /var/lib/sylvan-operator    database, git mirrors, PM2 home
#   SYLVAN_INSTALL_SRV_DIR   /srv/sylvan                 the environments' target roots
#   SYLVAN_INSTALL_UNIT_DIR  /etc/systemd/system
#   SYLVAN_INSTALL_SOURCE, SYLVAN_INSTALL_CLI_JAR        as --source, --cli-jar
#   SYLVAN_INSTALL_UNPRIVILEGED=1   run without root into paths the user owns: no useradd,
#                    chown or systemctl (tests, packaging staging trees)
# The unit always names the default paths; moved paths are for tests and staging trees.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(cd "$SCRIPT_DIR/.." && pwd)"

MODE=install
DRY_RUN=0
PURGE=0
PREFIX="${SYLVAN_INSTALL_PREFIX:-}"
SOURCE="${SYLVAN_INSTALL_SOURCE:-$REPO_DIR/target/quarkus-app}"
CLI_JAR="${SYLVAN_INSTALL_CLI_JAR:-$REPO_DIR/target/sylvanctl.jar}"
UNPRIVILEGED="${SYLVAN_INSTALL_UNPRIVILEGED:-0}"
START=1
SERVICE_USER=sylvan
SERVICE=sylvan-operator
NODE_MIN=20

usage() { sed -n '2,/^set -euo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'; }

set_mode() {
  if [[ "$MODE" != install && "$MODE" != "$1" ]]; then
    echo "install.sh: --$MODE and --$1 exclude each other" >&2
    exit 2
  fi
  MODE="$1"
}

while [[ $# -gt 0 ]]; do
  case "$1" in
    --upgrade) set_mode upgrade ;;
    --uninstall) set_mode uninstall ;;
    --purge) PURGE=1 ;;
    --dry-run) DRY_RUN=1 ;;
    --prefix) PREFIX="${2:?--prefix needs a directory}"; shift ;;
    --prefix=*) PREFIX="${1#--prefix=}" ;;
    --source) SOURCE="${2:?--source needs a directory}"; shift ;;
    --source=*) SOURCE="${1#--source=}" ;;
    --cli-jar) CLI_JAR="${2:?--cli-jar needs a file}"; shift ;;
    --cli-jar=*) CLI_JAR="${1#--cli-jar=}" ;;
    --no-start) START=0 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "install.sh: unknown option: $1 (see --help)" >&2; exit 2 ;;
  esac
  shift
done
if [[ $PURGE -eq 1 && "$MODE" != uninstall ]]; then
  echo "install.sh: --purge only goes with --uninstall" >&2
  exit 2
fi

if [[ $DRY_RUN -eq 0 && "$UNPRIVILEGED" != 1 && $EUID -ne 0 ]]; then
  echo "install.sh: must run as root (sudo), or use --dry-run to see what it would do" >&2
  exit 1
fi
PREFIX="${PREFIX%/}"

APP_DIR="${SYLVAN_INSTALL_APP_DIR:-$PREFIX/opt/sylvan-operator}"
BIN_LINK="${SYLVAN_INSTALL_BIN_LINK:-$PREFIX/usr/local/bin/sylvanctl}"
CONF_DIR="${SYLVAN_INSTALL_CONF_DIR:-$PREFIX/etc/sylvan-operator}"
DATA_DIR="${SYLVAN_INSTALL_DATA_DIR:-$PREFIX/var/lib/sylvan-operator}"
SRV_DIR="${SYLVAN_INSTALL_SRV_DIR:-$PREFIX/srv/sylvan}"
UNIT_DIR="${SYLVAN_INSTALL_UNIT_DIR:-$PREFIX/etc/systemd/system}"
ENV_FILE="$CONF_DIR/operator.env"
SPECS_DIR="$CONF_DIR/deploy-specs"
UNIT_FILE="$UNIT_DIR/$SERVICE.service"
CTL="$APP_DIR/bin/sylvanctl"
VERSION_FILE="$APP_DIR/VERSION"
PROGRAM_FILES=(lib app quarkus quarkus-run.jar bin docs VERSION)

# Why the live system (users, owners, systemd) is left alone, or empty when it is not.
SYSTEM_SKIP=""
if [[ -n "$PREFIX" ]]; then
  SYSTEM_SKIP="--prefix"
elif [[ "$UNPRIVILEGED" == 1 ]]; then
  SYSTEM_SKIP="SYLVAN_INSTALL_UNPRIVILEGED=1"
fi
SYSTEMD_SKIP="$SYSTEM_SKIP"
if [[ -z "$SYSTEMD_SKIP" ]] && { ! command -v systemctl >/dev/null 2>&1 || [[ ! -d /run/systemd/system ]]; }; then
  SYSTEMD_SKIP="systemd is not running here"
fi

# Prints the command; runs it unless --dry-run.
run() {
  echo "+ $*"
  if [[ $DRY_RUN -eq 0 ]]; then "$@"; fi
}

# Commands that act on the live system, not on files: only printed under --prefix.
system() {
  if [[ -n "$SYSTEM_SKIP" ]]; then
    echo "+ $* (skipped: $SYSTEM_SKIP)"
  else
    run "$@"
  fi
}

systemd() {
  if [[ -n "$SYSTEMD_SKIP" ]]; then
    echo "+ systemctl $* (skipped: $SYSTEMD_SKIP)"
  else
    run systemctl "$@"
  fi
}

# Refuses to remove a folder that is not one of ours (an empty or root path from a bad variable).
remove_tree() {
  if [[ -z "$1" || "$1" == "/" || "$1" != /* ]]; then
    echo "install.sh: refusing to remove '$1'" >&2
    exit 1
  fi
  run rm -rf "$1"
}

random_secret() {
  if command -v openssl >/dev/null 2>&1; then
    openssl rand -hex 32
  else
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n'
  fi
}

# A value of the env file (KEY=value lines), or empty.
env_value() {
  [[ -r "$ENV_FILE" ]] || return 0
  sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1
}

# The version of the build to install: Maven's version (from the app jar's name) and the
# commit of the checkout this script belongs to.
new_version() {
  local jar version="unknown" commit
  for jar in "$SOURCE"/app/sylvan-operator-*.jar; do
    [[ -f "$jar" ]] && version="$(basename "$jar" .jar)" && version="${version#sylvan-operator-}"
  done
  if commit="$(git -C "$REPO_DIR" rev-parse --short=12 HEAD 2>/dev/null)"; then
    if [[ -n "$(git -C "$REPO_DIR" status --porcelain --untracked-files=no 2>/dev/null)" ]]; then
      commit="$commit+changes"
    fi
    version="$version (git $commit)"
  fi
  printf '%s' "$version"
}

installed_version() {
  if [[ -f "$VERSION_FILE" ]]; then
    cat "$VERSION_FILE"
  elif [[ -f "$APP_DIR/quarkus-run.jar" ]]; then
    printf 'unknown (installed without a VERSION file)'
  fi
}

# Prerequisites: the operator runs java and drives git, node, npm and pm2. Only warnings: a
# tool can be installed after the operator.
check_tools() {
  local tool node_version
  for tool in java git node npm pm2; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "warning: '$tool' is not on PATH; the operator needs it (install pm2 with: npm install -g pm2@7.0.4)" >&2
    fi
  done
  if node_version="$(node --version 2>/dev/null)"; then
    local major="${node_version#v}"
    major="${major%%.*}"
    if [[ ! "$major" =~ ^[0-9]+$ ]] || ((major < NODE_MIN)); then
      echo "warning: node $node_version is too old: the operator needs Node.js $NODE_MIN or newer" \
        "(Debian 12's apt nodejs is 18.x; see docs/installation.md#nodejs-20)" >&2
    fi
  fi
}

# The new version's checks, before anything is replaced: its CLI runs, and it accepts the specs
# of the spec folder. Returns 1 when a check fails.
check_new_version() {
  if [[ $DRY_RUN -eq 1 ]]; then
    echo "+ java -jar $CLI_JAR --version; java -jar $CLI_JAR validate $SPECS_DIR (checks, skipped: dry run)"
    return 0
  fi
  if ! command -v java >/dev/null 2>&1; then
    echo "warning: no java on PATH: the new version's checks were skipped" >&2
    return 0
  fi
  local out
  if ! out="$(java -jar "$CLI_JAR" --version 2>&1)"; then
    echo "check failed: java -jar $CLI_JAR --version: $out" >&2
    return 1
  fi
  echo "check: $out runs"
  if [[ -n "$(env_value SYLVAN_SPECS_GIT_URL)" ]]; then
    echo "check: specs come from SYLVAN_SPECS_GIT_URL, not $SPECS_DIR: not validated here"
  elif compgen -G "$SPECS_DIR/*.y*ml" >/dev/null; then
    if ! out="$(java -jar "$CLI_JAR" validate "$SPECS_DIR" 2>&1)"; then
      echo "check failed: the new version does not accept the specs in $SPECS_DIR:" >&2
      echo "$out" >&2
      return 1
    fi
    echo "check: $out"
  else
    echo "check: no specs in $SPECS_DIR yet"
  fi
}

# After a (re)start: the unit is active and the operator answers ready (when curl is there).
check_started() {
  [[ -n "$SYSTEMD_SKIP" || $DRY_RUN -eq 1 ]] && return 0
  local port url i
  port="$(env_value QUARKUS_HTTP_PORT)"
  url="http://127.0.0.1:${port:-8080}/q/health/ready"
  for ((i = 0; i < 120; i++)); do
    if ! systemctl is-active --quiet "$SERVICE" && ((i > 5)); then
      break
    fi
    if ! command -v curl >/dev/null 2>&1 || curl -fsS -o /dev/null "$url" 2>/dev/null; then
      systemctl is-active --quiet "$SERVICE" && echo "check: $SERVICE is active and ready" && return 0
    fi
    sleep 1
  done
  echo "check failed: $SERVICE is not ready ($url); see: journalctl -u $SERVICE -n 100" >&2
  return 1
}

uninstall() {
  echo "Sylvan Operator uninstall$([[ $PURGE -eq 1 ]] && echo ' --purge')$([[ $DRY_RUN -eq 1 ]] && echo ' (dry run: nothing is changed)')"
  if [[ -f "$UNIT_FILE" ]]; then
    systemd disable --now "$SERVICE"
    run rm -f "$UNIT_FILE"
    systemd daemon-reload
  fi
  # Only our own link: a sylvanctl someone else put there stays.
  if [[ -L "$BIN_LINK" && "$(readlink "$BIN_LINK")" == "$CTL" ]]; then
    run rm -f "$BIN_LINK"
  elif [[ -e "$BIN_LINK" ]]; then
    echo "$BIN_LINK is not a link to $CTL: kept"
  fi
  if [[ -e "$APP_DIR" ]]; then
    remove_tree "$APP_DIR"
  else
    echo "$APP_DIR does not exist: nothing to remove"
  fi
  if [[ $PURGE -eq 1 ]]; then
    # The apps run under the service user's PM2 daemon, whose home is in the data dir.
    local pm2_home
    pm2_home="$(env_value SYLVAN_PM2_HOME)"
    pm2_home="${pm2_home:-$DATA_DIR/.pm2}"
    if [[ -f "$UNIT_DIR/pm2-$SERVICE_USER.service" ]]; then
      systemd disable --now "pm2-$SERVICE_USER"
      run rm -f "$UNIT_DIR/pm2-$SERVICE_USER.service"
    fi
    if [[ -d "$pm2_home" ]] && command -v pm2 >/dev/null 2>&1; then
      system runuser -u "$SERVICE_USER" -- env "PM2_HOME=$pm2_home" pm2 kill
    fi
    remove_tree "$CONF_DIR"
    remove_tree "$DATA_DIR"
    remove_tree "$SRV_DIR"
    if id -u "$SERVICE_USER" >/dev/null 2>&1; then
      system userdel "$SERVICE_USER"
    fi
    echo "done. Removed the program, the config, the data (database, mirrors, PM2 home),"
    echo "      the target roots (the apps' releases) and the user $SERVICE_USER."
  else
    echo "done. Removed the program ($APP_DIR), the unit and $BIN_LINK. Kept:"
    echo "  $CONF_DIR   operator.env (API token, secrets) and deploy-specs/"
    echo "  $DATA_DIR   the database, git mirrors and the PM2 home"
    echo "  $SRV_DIR   the environments' releases, shared files, backups and logs"
    echo "  the user $SERVICE_USER; the apps keep running under its PM2 daemon, no longer reconciled"
    echo "Remove those too with: deploy/install.sh --uninstall --purge"
  fi
}

if [[ "$MODE" == uninstall ]]; then
  uninstall
  exit 0
fi

echo "Sylvan Operator $MODE$([[ $DRY_RUN -eq 1 ]] && echo ' (dry run: nothing is changed)')"

OLD_VERSION="$(installed_version)"
if [[ "$MODE" == upgrade && -z "$OLD_VERSION" ]]; then
  echo "install.sh: nothing to upgrade: $APP_DIR/quarkus-run.jar does not exist; install first (without --upgrade)" >&2
  exit 1
fi

# 1. Prerequisites and the build.
check_tools
for built in "$SOURCE/quarkus-run.jar" "$CLI_JAR"; do
  if [[ ! -f "$built" ]]; then
    if [[ $DRY_RUN -eq 1 ]]; then
      echo "warning: $built not found; build first: ./mvnw -B -DskipTests package" >&2
    else
      echo "install.sh: $built not found; build first: ./mvnw -B -DskipTests package" >&2
      exit 1
    fi
  fi
done
NEW_VERSION="$(new_version)"
if ! check_new_version; then
  if [[ "$MODE" == upgrade ]]; then
    echo "install.sh: upgrade stopped before any change; $OLD_VERSION stays installed" >&2
    exit 1
  fi
  echo "warning: installing anyway; fix the above before starting the operator" >&2
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
  if [[ -n "$SYSTEM_SKIP" ]]; then
    echo "+ chown $OWNER $* (skipped: $SYSTEM_SKIP)"
  else
    run chown "$OWNER" "$@"
  fi
}

# 3. Folders. The application and the config are root's (the service cannot change
#    them); the data dir and the target roots are the service user's. The config folder is
#    world-readable because the service reads deploy-specs/ in it; its secrets are in
#    operator.env (mode 600, read by systemd as root).
run install -d -m 0755 "$APP_DIR"
run install -d -m 0755 "$CONF_DIR"
run install -d -m 0755 "$SPECS_DIR"
run install -d -m 0750 "$DATA_DIR"
run install -d -m 0750 "$SRV_DIR"
own "$DATA_DIR" "$SRV_DIR"

# 4. The program (fast-jar layout, sylvanctl, docs), replaced as a whole so no stale jar
#    remains. A running operator is stopped first: it loads classes from these jars lazily.
#    The apps keep serving (KillMode=process leaves PM2 alone).
WAS_ACTIVE=0
if [[ -z "$SYSTEMD_SKIP" ]] && systemctl is-active --quiet "$SERVICE"; then
  WAS_ACTIVE=1
  run systemctl stop "$SERVICE"
fi
old_files=()
for f in "${PROGRAM_FILES[@]}"; do old_files+=("$APP_DIR/$f"); done
run rm -rf "${old_files[@]}"
run cp -R "$SOURCE/lib" "$SOURCE/app" "$SOURCE/quarkus" "$SOURCE/quarkus-run.jar" "$APP_DIR/"
run cp -R "$REPO_DIR/docs" "$APP_DIR/docs"
run install -d -m 0755 "$APP_DIR/bin"
run install -m 0755 "$REPO_DIR/bin/sylvanctl" "$CTL"
run install -m 0644 "$CLI_JAR" "$APP_DIR/bin/sylvanctl.jar"
echo "+ write $VERSION_FILE: $NEW_VERSION"
if [[ $DRY_RUN -eq 0 ]]; then printf '%s\n' "$NEW_VERSION" > "$VERSION_FILE"; fi
run chmod -R u=rwX,go=rX "$APP_DIR"
# sylvanctl on the PATH: a link, so an upgrade or uninstall of the program takes it along.
run install -d -m 0755 "$(dirname "$BIN_LINK")"
run ln -sfn "$CTL" "$BIN_LINK"

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
systemd daemon-reload
if [[ $START -eq 1 ]]; then
  systemd enable --now "$SERVICE"
  # enable --now does not restart a running service: a re-install needs the restart.
  systemd restart "$SERVICE"
  check_started
else
  systemd enable "$SERVICE"
  if [[ $WAS_ACTIVE -eq 1 ]]; then
    echo "note: $SERVICE was running and is stopped now (--no-start); start it with: systemctl start $SERVICE"
  fi
fi

# 7. The installed sylvanctl runs through the link on the PATH.
if [[ $DRY_RUN -eq 0 ]] && command -v java >/dev/null 2>&1; then
  if ! out="$("$BIN_LINK" --version 2>&1)"; then
    echo "install.sh: $BIN_LINK --version failed: $out" >&2
    exit 1
  fi
fi

if [[ -n "$OLD_VERSION" ]]; then
  echo "version: $OLD_VERSION -> $NEW_VERSION"
else
  echo "version: $NEW_VERSION"
fi
echo "done. Next: put your specs in $SPECS_DIR (or set SYLVAN_SPECS_GIT_URL in $ENV_FILE),"
echo "      then: systemctl status $SERVICE; sylvanctl status; curl -s http://127.0.0.1:8080/status"
