'use strict';
/*
 * bench/lib/operator.js serves the reconciler benchmarks (detect, footprint).
 * Shared harness of the operator benchmarks (bench/rollback, bench/deploy): the
 * operator as a packaged jar (target/quarkus-app/quarkus-run.jar, built if
 * missing) with the reconcile loop off, driven through its API with a token;
 * a spec folder it reads, its own data dir and PM2_HOME under the work dir; a
 * project-local pm2@7.0.4; the Next.js fixture as a git repository.
 * Loopback only. No npm dependencies.
 */

const http = require('http');
const fs = require('fs');
const os = require('os');
const path = require('path');
const crypto = require('crypto');
const { spawn } = require('child_process');

const REPO = path.resolve(__dirname, '..', '..');
const FIXTURE = path.join(REPO, 'src', 'test', 'resources', 'fixtures', 'next-app');
const JAR = path.join(REPO, 'target', 'quarkus-app', 'quarkus-run.jar');
const PM2_VERSION = '7.0.4';

function log(msg) {
  console.log(`[${new Date().toISOString().replace('T', ' ').slice(0, 23)}] ${msg}`);
}

/** Async spawn with captured output; never throws. */
function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve({ code: -1, out, err: err + e.message, ms: Date.now() - t0 }));
    child.on('close', (code) => resolve({ code, out, err, ms: Date.now() - t0 }));
  });
}

async function mustRun(cmd, args, options) {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with ${r.code}:\n${r.out.slice(-3000)}\n${r.err.slice(-3000)}`);
  }
  return r;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function parseOptions(defaults) {
  const opts = { ...defaults };
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in opts)) {
      console.error(`unknown option ${argv[i]}; options: ${Object.keys(defaults).join(', ')}`);
      process.exit(2);
    }
    const v = argv[++i];
    opts[key] = typeof defaults[key] === 'number' ? Number(v) : v;
  }
  return opts;
}

async function ensureJar() {
  if (fs.existsSync(JAR)) return;
  log('building the operator jar (./mvnw -q -DskipTests package)');
  await mustRun(path.join(REPO, 'mvnw'), ['-B', '-q', '-DskipTests', 'package'], { cwd: REPO });
}

/** pm2@7.0.4 under <work>/pm2; returns the path of its bin script. */
async function ensurePm2(work) {
  const dir = path.join(work, 'pm2');
  const bin = path.join(dir, 'node_modules', 'pm2', 'bin', 'pm2');
  if (!fs.existsSync(bin)) {
    log(`installing pm2@${PM2_VERSION} into ${dir}`);
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, 'package.json'), '{"private":true}\n');
    await mustRun('npm', ['install', '--no-audit', '--no-fund', `pm2@${PM2_VERSION}`], { cwd: dir });
  }
  return bin;
}

function copyDir(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) copyDir(s, d);
    else fs.copyFileSync(s, d);
  }
}

/**
 * A fresh git repository of the Next.js fixture in `dir` (lockfile from
 * `npm install --package-lock-only`), with helpers to commit variants.
 */
async function createFixtureRepo(dir) {
  fs.rmSync(dir, { recursive: true, force: true });
  copyDir(FIXTURE, dir);
  fs.writeFileSync(path.join(dir, '.gitignore'), 'node_modules/\n.next/\n.env*\n');
  await mustRun('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: dir });
  const git = (...args) => mustRun('git', args, { cwd: dir });
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'bench@sylvan.invalid');
  await git('config', 'user.name', 'Sylvan Bench');
  const commit = async (message) => {
    await git('add', '-A');
    await git('commit', '-q', '--allow-empty', '-m', message);
    return (await git('rev-parse', 'HEAD')).out.trim();
  };
  const route = path.join(dir, 'app', 'api', 'health', 'route.js');
  const goodRoute = fs.readFileSync(route, 'utf8');
  return {
    dir,
    commit,
    /** A harmless change: the lockfile stays the same. */
    async commitChange(message) {
      fs.writeFileSync(path.join(dir, 'CHANGES.txt'), `${message}\n`);
      return commit(message);
    },
    /** A commit whose /api/health answers 500 (it builds and starts fine). */
    async commitUnhealthy(message) {
      fs.writeFileSync(route, goodRoute.replace("status: 'ok'", "status: 'broken'").replace(
        "{ headers: { 'Cache-Control': 'no-store' } }",
        "{ status: 500, headers: { 'Cache-Control': 'no-store' } }"));
      fs.writeFileSync(path.join(dir, 'CHANGES.txt'), `${message}\n`);
      const sha = await commit(message);
      fs.writeFileSync(route, goodRoute);
      return sha;
    },
  };
}

function specYaml({ env, app, repo, commit, root, port, instances }) {
  return `apiVersion: sylvan.io/v1
kind: AppDeployment
metadata:
  name: ${app}
  environment: ${env}
spec:
  source:
    repository: ${repo}
    commit: ${commit}
  target:
    root: ${root}
  process:
    instances: ${instances}
    port: ${port}
    maxMemoryRestart: 1G
  build:
    command: npm run build
    timeout: 10m
  env:
    required: [BENCH_KEY]
  healthCheck:
    path: /api/health
    expectCommit: true
    maxCpuPercent: 100
  backup:
    enabled: true
    keep: 3
`;
}

function request(method, port, p, { token, timeoutMs = 10000 } = {}) {
  return new Promise((resolve) => {
    const headers = token ? { Authorization: `Bearer ${token}` } : {};
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode, body }));
      res.on('error', (e) => resolve({ status: 0, error: e.code || e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.code || e.message }));
    req.end();
  });
}

/**
 * One environment driven by a packaged operator: `<work>/specs/<env>.yaml`,
 * `<work>/data`, `<work>/pm2-home`, `<work>/srv/<env>` (target root).
 */
class Operator {
  constructor({ work, pm2Bin, port, env, app, appPort, instances }) {
    Object.assign(this, { work, pm2Bin, port, env, app, appPort, instances });
    this.specs = path.join(work, 'specs');
    this.data = path.join(work, 'data');
    this.pm2Home = path.join(work, 'pm2-home');
    this.root = path.join(work, 'srv', env);
    this.token = crypto.randomBytes(24).toString('hex');
    this.logFile = path.join(work, 'operator.log');
  }

  writeSpec(repo, commit) {
    fs.mkdirSync(this.specs, { recursive: true });
    fs.writeFileSync(path.join(this.specs, `${this.env}.yaml`), specYaml({
      env: this.env, app: this.app, repo, commit, root: this.root, port: this.appPort, instances: this.instances,
    }));
  }

  async start() {
    for (const d of [this.data, this.pm2Home, path.join(this.root, 'shared')]) fs.mkdirSync(d, { recursive: true });
    const envFile = path.join(this.root, 'shared', '.env.local');
    fs.writeFileSync(envFile, 'BENCH_KEY=bench\n', { mode: 0o600 });
    const out = fs.openSync(this.logFile, 'a');
    this.proc = spawn('java', ['-Xmx384m', '-XX:+UseSerialGC', '-jar', JAR], {
      cwd: this.work,
      stdio: ['ignore', out, out],
      env: {
        ...process.env,
        SYLVAN_DATA_DIR: this.data,
        SYLVAN_SPECS_DIRECTORY: this.specs,
        SYLVAN_PM2_HOME: this.pm2Home,
        SYLVAN_PM2_COMMAND: this.pm2Bin,
        SYLVAN_AUTH_TOKEN: this.token,
        SYLVAN_RECONCILE_ENABLED: 'false',
        QUARKUS_HTTP_PORT: String(this.port),
        QUARKUS_HTTP_HOST: '127.0.0.1',
        NEXT_TELEMETRY_DISABLED: '1',
      },
    });
    this.exited = false;
    this.proc.on('exit', () => (this.exited = true));
    const end = Date.now() + 180000;
    while (Date.now() < end) {
      if (this.exited) throw new Error(`the operator exited; see ${this.logFile}`);
      const r = await request('GET', this.port, '/q/health/ready', { timeoutMs: 2000 });
      if (r.status === 200) return;
      await sleep(500);
    }
    throw new Error(`the operator was not ready within 180 s; see ${this.logFile}`);
  }

  /** POST /environments/{env}/deploy; returns the deployment id. */
  async deploy() {
    const r = await request('POST', this.port, `/environments/${this.env}/deploy`, { token: this.token });
    if (r.status !== 202) throw new Error(`deploy answered ${r.status}: ${r.body || r.error}`);
    return JSON.parse(r.body).deploymentId;
  }

  async deployment(id) {
    const r = await request('GET', this.port, `/deployments/${id}`);
    if (r.status !== 200) throw new Error(`GET /deployments/${id} answered ${r.status}`);
    return JSON.parse(r.body);
  }

  /** Polls until the deployment is no longer in progress (bounded). */
  async waitDone(id, timeoutMs = 900000) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const d = await this.deployment(id);
      if (!/progress|pending/i.test(String(d.status))) return d;
      await sleep(250);
    }
    throw new Error(`deployment ${id} not finished within ${timeoutMs} ms`);
  }

  async stop() {
    await run(process.execPath, [this.pm2Bin, 'kill'], { env: { ...process.env, PM2_HOME: this.pm2Home } });
    if (this.proc && !this.exited) {
      this.proc.kill('SIGTERM');
      const end = Date.now() + 30000;
      while (!this.exited && Date.now() < end) await sleep(200);
      if (!this.exited) this.proc.kill('SIGKILL');
    }
  }
}

function stats(values) {
  const s = [...values].sort((a, b) => a - b);
  const q = (p) => (s.length ? s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] : NaN);
  return { n: s.length, min: s[0], p50: q(0.5), max: s[s.length - 1] };
}

async function versions(pm2Bin, appDir) {
  const v = (p) => {
    try {
      return JSON.parse(fs.readFileSync(p, 'utf8')).version;
    } catch (_) {
      return 'n/a';
    }
  };
  const java = await run('java', ['-version']);
  const npm = await run('npm', ['--version']);
  const git = await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO });
  return {
    operator: `${git.out.trim()}${(await run('git', ['status', '--porcelain'], { cwd: REPO })).out.trim() ? '+dirty' : ''}`,
    node: process.version,
    npm: npm.out.trim(),
    java: (java.err.split('\n')[0] || '').trim(),
    pm2: v(path.join(path.dirname(path.dirname(pm2Bin)), 'package.json')),
    next: v(path.join(appDir, 'node_modules', 'next', 'package.json')),
    cpus: os.cpus().length,
  };
}

/**
 * Writes the seed's ecosystem.config.js (seed/design.md) to `file`: verbatim except
 * the app name, PORT, and, when given, cwd, extra env and the log directory.
 */
function writeSeedConfig(file, { name = 'sylvan-app', port, cwd, env = {}, logDir = './logs' }) {
  const app = {
    name,
    ...(cwd ? { cwd } : {}),
    script: 'npm',
    args: 'start',
    instances: 2,
    exec_mode: 'cluster',
    env: { NODE_ENV: 'production', PORT: port, ...env },
    error_file: `${logDir}/pm2-error.log`,
    out_file: `${logDir}/pm2-out.log`,
    log_date_format: 'YYYY-MM-DD HH:mm:ss Z',
    merge_logs: true,
    max_memory_restart: '1G',
    wait_ready: true,
    listen_timeout: 10000,
    kill_timeout: 5000,
  };
  fs.writeFileSync(file, `module.exports = ${JSON.stringify({ apps: [app] }, null, 2)};\n`);
  return file;
}

const cleanups = [];

/** Registers what the end of the run must do (stop the operator, kill a pm2 daemon). */
function onExit(fn) {
  cleanups.push(fn);
}

/** Runs the registered exit actions once, latest first. */
async function cleanupAll() {
  for (const f of cleanups.splice(0).reverse()) await f();
}

/** Runs `main`; on an error or Ctrl-C the exit actions still run (no pm2 daemon is left behind). */
function runMain(main) {
  process.on('SIGINT', async () => {
    console.error('interrupted: stopping the operator and the pm2 daemons');
    await cleanupAll();
    process.exit(130);
  });
  main()
    .then(cleanupAll)
    .catch(async (e) => {
      console.error(e.stack || e.message);
      await cleanupAll();
      process.exit(1);
    });
}

/** Writes the run's figures next to the work dir's other results. */
function saveResults(work, date, payload) {
  const file = path.join(work, `results-${date.replace(/[:.]/g, '-')}.json`);
  fs.writeFileSync(file, JSON.stringify(payload, null, 2));
  console.log(`results JSON: ${file}`);
}

const loadavg = () => os.loadavg().map((x) => x.toFixed(2)).join(' ');

module.exports = {
  REPO, FIXTURE, JAR, log, run, mustRun, sleep, parseOptions, ensureJar, ensurePm2, copyDir,
  createFixtureRepo, Operator, request, stats, versions, loadavg, onExit, cleanupAll, runMain, saveResults, writeSeedConfig,
};
