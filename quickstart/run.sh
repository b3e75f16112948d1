#!/usr/bin/env bash
# Sylvan Operator quickstart: one command from a fresh clone to a Next.js app deployed
# under PM2 by the operator. Walk-through: docs/quickstart.md.
#
#   quickstart/run.sh [--work-dir DIR] [--port PORT]
#
# Creates, under the work dir (default ./quickstart-work, gitignored):
#   app-repo/            a git repository of a small Next.js app (the test fixture)
#   deploy-specs/        quickstart.yaml: the desired state (port 3100, 1 instance)
#   srv/quickstart/      the environment's target root (releases/, current, shared/...)
#   tools/               a project-local pm2@7.0.4
#   pm2-home/            the PM2_HOME of the apps' daemon (never your ~/.pm2)
#   data/                the operator's data (embedded PostgreSQL, git mirrors)
#   token                the API token (mode 600); operator.log, operator.pid
# then starts the operator on the embedded database and waits until the environment
# is Synced and Healthy. quickstart/stop.sh stops the operator and that PM2 daemon.
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
WORK="${SYLVAN_QUICKSTART_DIR:-$REPO_DIR/quickstart-work}"
PORT="${SYLVAN_QUICKSTART_PORT:-8080}"
APP_PORT=3100
ENV_NAME=quickstart
WAIT_SECONDS="${SYLVAN_QUICKSTART_WAIT:-900}"

while [[ $# -gt 0 ]]; do
  case "$1" in
    --work-dir) WORK="${2:?--work-dir needs a directory}"; shift ;;
    --port) PORT="${2:?--port needs a number}"; shift ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
mkdir -p "$WORK"
WORK="$(cd "$WORK" && pwd)"
T0=$(date +%s)
say() { printf '[quickstart %3ss] %s\n' "$(( $(date +%s) - T0 ))" "$*"; }
die() { echo "quickstart: $*" >&2; exit 1; }

# 1. Tools.
for tool in java node npm git curl; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is required but not on PATH"
done
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[[ "$node_major" -ge 20 ]] || die "Node.js 20 or newer is required (found $(node -v))"
java_major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
[[ "${java_major:-0}" -ge 17 ]] || die "Java 17 or newer is required (found ${java_major:-none})"
if [[ -f "$WORK/operator.pid" ]] && kill -0 "$(cat "$WORK/operator.pid")" 2>/dev/null; then
  die "an operator is already running (pid $(cat "$WORK/operator.pid")); quickstart/stop.sh first"
fi

# 2. The operator.
if [[ ! -f "$REPO_DIR/target/quarkus-app/quarkus-run.jar" ]]; then
  say "building the operator (./mvnw -q -DskipTests package)"
  (cd "$REPO_DIR" && ./mvnw -B -q -DskipTests package)
fi

# 3. A project-local pm2.
PM2="$WORK/tools/node_modules/.bin/pm2"
if [[ ! -x "$PM2" ]]; then
  say "installing pm2@7.0.4 into $WORK/tools"
  npm install --prefix "$WORK/tools" --no-audit --no-fund --loglevel=error pm2@7.0.4 >/dev/null
fi

# 4. The sample app as a git repository.
APP="$WORK/app-repo"
if [[ ! -d "$APP/.git" ]]; then
  say "creating the sample Next.js app repository in $APP"
  mkdir -p "$APP"
  FIXTURE="$REPO_DIR/src/test/resources/fixtures/next-app"
  if [[ -d "$FIXTURE" ]]; then
    cp -R "$FIXTURE/." "$APP/"
  else
    mkdir -p "$APP/app/api/health"
    cat > "$APP/package.json" <<'JSON'
{
  "name": "sylvan-quickstart-app",
  "version": "1.0.0",
  "private": true,
  "scripts": { "build": "next build", "start": "next start" },
  "dependencies": { "next": "16.4.6", "react": "19.3.1", "react-dom": "19.3.1" }
}
JSON
    cat > "$APP/app/layout.js" <<'JS'
export default function RootLayout({ children }) {
  return (<html lang="en"><body>{children}</body></html>);
}
JS
    cat > "$APP/app/page.js" <<'JS'
export const dynamic = 'force-dynamic';
export default function Page() {
  return <main><h1>Sylvan quickstart</h1><p>commit {process.env.SYLVAN_COMMIT}</p></main>;
}
JS
    cat > "$APP/app/api/health/route.js" <<'JS'
export const dynamic = 'force-dynamic';
export async function GET() {
  return Response.json({ status: 'ok', commit: process.env.SYLVAN_COMMIT || null });
}
JS
  fi
  printf 'node_modules/\n.next/\n.env*\n' > "$APP/.gitignore"
  say "generating package-lock.json (npm install --package-lock-only)"
  (cd "$APP" && npm install --package-lock-only --no-audit --no-fund --loglevel=error >/dev/null)
  git -C "$APP" init -q -b main
  git -C "$APP" add -A
  git -C "$APP" -c user.name=quickstart -c user.email=quickstart@localhost commit -qm "Sample app"
fi
COMMIT="$(git -C "$APP" rev-parse HEAD)"

# 5. The environment: target root, env file (mode 600), spec.
ROOT="$WORK/srv/$ENV_NAME"
mkdir -p "$ROOT/shared"
if [[ ! -f "$ROOT/shared/.env.local" ]]; then
  (umask 077; printf '# App settings, linked into every release as .env.local\nQUICKSTART_GREETING=hello\n' > "$ROOT/shared/.env.local")
fi
chmod 600 "$ROOT/shared/.env.local"
SPECS="$WORK/deploy-specs"
mkdir -p "$SPECS"
if [[ ! -f "$SPECS/$ENV_NAME.yaml" ]]; then
  say "writing $SPECS/$ENV_NAME.yaml for commit ${COMMIT:0:12}"
  cat > "$SPECS/$ENV_NAME.yaml" <<YAML
# Quickstart environment. Change spec.source.commit and save: that is a deploy.
apiVersion: sylvan.io/v1
kind: AppDeployment
metadata:
  name: sylvan-quickstart         # PM2 app name
  environment: $ENV_NAME          # must equal the file name
spec:
  source:
    repository: $APP
    commit: $COMMIT
  target:
    root: $ROOT
  process:
    instances: 1
    port: $APP_PORT
  env:
    file: shared/.env.local
    required: [QUICKSTART_GREETING]
  healthCheck:
    path: /api/health
    expectCommit: true            # the app reports SYLVAN_COMMIT: checked after every deploy
  backup:
    enabled: true
    keep: 3
  reconcile:
    interval: 5s
YAML
fi

# 6. Token.
if [[ ! -f "$WORK/token" ]]; then
  (umask 077; { openssl rand -hex 24 2>/dev/null || head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; } > "$WORK/token")
fi
TOKEN="$(cat "$WORK/token")"

# 7. The operator, on the embedded PostgreSQL, with its own PM2_HOME.
say "starting the operator on http://127.0.0.1:$PORT (log: $WORK/operator.log)"
mkdir -p "$WORK/data" "$WORK/pm2-home"
(
  cd "$WORK"
  export SYLVAN_DATA_DIR="$WORK/data"
  export SYLVAN_SPECS_DIRECTORY="$SPECS"
  # Poll the spec folder every 2 s (default 15 s) so a saved spec is seen within seconds.
  export SYLVAN_SPECS_POLL_INTERVAL=2s
  export SYLVAN_PM2_HOME="$WORK/pm2-home"
  export SYLVAN_PM2_COMMAND="$PM2"
  export SYLVAN_AUTH_TOKEN="$TOKEN"
  export QUARKUS_HTTP_PORT="$PORT"
  export QUARKUS_HTTP_HOST=127.0.0.1
  nohup setsid java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    -jar "$REPO_DIR/target/quarkus-app/quarkus-run.jar" > "$WORK/operator.log" 2>&1 &
  echo $! > "$WORK/operator.pid"
)

# 8. Wait for Synced + Healthy.
status_field() {
  curl -fsS "http://127.0.0.1:$PORT/status/$ENV_NAME" 2>/dev/null | node -e '
    let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
      try {
        const e = JSON.parse(s);
        const d = e.lastDeployment || {};
        const ready = (e.conditions || []).find(c => c.type === "Ready") || {};
        console.log([e.sync, e.health, d.status || "-", d.type || "-", ready.reason || "-", (ready.message || "").slice(0, 120)].join("|"));
      } catch (err) { console.log(""); }
    });' || true
}
last=""
deadline=$(( $(date +%s) + WAIT_SECONDS ))
while :; do
  kill -0 "$(cat "$WORK/operator.pid")" 2>/dev/null || { tail -n 40 "$WORK/operator.log" >&2; die "the operator exited (log above)"; }
  line="$(status_field)"
  if [[ -n "$line" && "$line" != "$last" ]]; then
    IFS='|' read -r sync health dstatus dtype reason message <<< "$line"
    say "sync=$sync health=$health lastDeployment=$dtype/$dstatus ready=$reason ${message}"
    last="$line"
  fi
  if [[ "$line" == Synced\|Healthy\|* ]]; then break; fi
  if [[ "$line" == *\|RolledBack\|* || "$line" == *\|DeploymentFailed\|* || "$line" == *\|RollbackFailed\|* ]]; then
    die "the deployment failed (see $WORK/operator.log and $ROOT/logs/deployments/)"
  fi
  [[ $(date +%s) -lt $deadline ]] || die "not Synced after ${WAIT_SECONDS}s (see $WORK/operator.log)"
  sleep 2
done

say "deployed: $(curl -fsS "http://127.0.0.1:$APP_PORT/api/health")"
cat <<EOF

The operator runs on http://127.0.0.1:$PORT and serves the app on http://127.0.0.1:$APP_PORT.

  curl -s http://127.0.0.1:$PORT/status/$ENV_NAME          # status (or: bin/sylvanctl status $ENV_NAME)
  curl -s "http://127.0.0.1:$PORT/deployments?env=$ENV_NAME" # history
  export SYLVAN_SERVER=http://127.0.0.1:$PORT SYLVAN_TOKEN=\$(cat $WORK/token)

Deploy a new commit: commit in $APP, put its sha into
$SPECS/$ENV_NAME.yaml (spec.source.commit) and watch the status.
A walk-through, including a broken commit that is rolled back: docs/quickstart.md.
Stop everything: quickstart/stop.sh
EOF
