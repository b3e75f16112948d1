'use strict';
/* The deploy specs the benchmarks write, and the target root they deploy into. */
const fs = require('fs');
const path = require('path');

/** Nested objects as block YAML, arrays in flow style; undefined values are left out. */
function yaml(obj, indent = '') {
  return Object.entries(obj)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) =>
      v !== null && typeof v === 'object' && !Array.isArray(v)
        ? `${indent}${k}:\n${yaml(v, `${indent}  `)}`
        : `${indent}${k}: ${Array.isArray(v) ? `[${v.join(', ')}]` : v}\n`,
    )
    .join('');
}

/** What a spec says besides its names, source and root, per fixture app. */
const VARIANTS = {
  /** The plain Node fixture (detect, footprint): quick health checks, no backups, the default 30 s interval. */
  node: ({ port, instances = 1, build, requiredEnv, healthCheck }) => ({
    process: { instances, port, script: 'server.js' },
    build,
    env: requiredEnv && { required: requiredEnv },
    healthCheck: { path: '/api/health', timeout: '3s', expectCommit: true, ...healthCheck },
    backup: { enabled: false },
    reconcile: { interval: '30s' },
  }),
  /** The Next.js fixture (rollback, deploy): next build, BENCH_KEY in .env.local, 3 backups. */
  next: ({ port, instances, healthCheck }) => ({
    process: { instances, port, maxMemoryRestart: '1G' },
    build: { command: 'npm run build', timeout: '10m' },
    env: { required: ['BENCH_KEY'] },
    healthCheck: { path: '/api/health', expectCommit: true, maxCpuPercent: 100, ...healthCheck },
    backup: { enabled: true, keep: 3 },
  }),
};

/**
 * An AppDeployment of `app` in environment `env` from `repo` at `commit` into `root`, the app on
 * `port`; `variant` is 'node' or 'next' (see VARIANTS for the rest: instances, build, requiredEnv,
 * healthCheck keys).
 */
function specYaml({ variant, app, env, repo, commit, root, ...rest }) {
  return yaml({
    apiVersion: 'sylvan.io/v1',
    kind: 'AppDeployment',
    metadata: { name: app, environment: env },
    spec: {
      source: { repository: repo, commit },
      target: { root },
      ...VARIANTS[variant](rest),
    },
  });
}

/** Writes `<dir>/<env>.yaml`. */
function writeSpec(dir, env, options) {
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, `${env}.yaml`), specYaml({ env, ...options }));
}

/** A target root whose shared/.env.local holds `vars` (mode 600, as the operator wants it). */
function prepareRoot(root, vars) {
  fs.mkdirSync(path.join(root, 'shared'), { recursive: true });
  const text = Object.entries(vars).map(([k, v]) => `${k}=${v}\n`);
  fs.writeFileSync(path.join(root, 'shared', '.env.local'), text.join(''), { mode: 0o600 });
}

module.exports = { specYaml, writeSpec, prepareRoot };
