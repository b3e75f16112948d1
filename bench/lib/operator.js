'use strict';
/*
 * Shared by the reconciler benchmarks (bench/detect, bench/footprint): runs the
 * PACKAGED operator (target/quarkus-app/quarkus-run.jar) as a subprocess with
 * the JVM flags the README documents, its own data dir (embedded PostgreSQL),
 * its own PM2_HOME (never ~/.pm2), a log file, and small HTTP/git helpers.
 */
const fs = require('fs');
const path = require('path');
const net = require('net');
const { spawn, execFileSync } = require('child_process');

const REPO = path.resolve(__dirname, '..', '..');
const JAR = path.join(REPO, 'target', 'quarkus-app', 'quarkus-run.jar');
const PM2_VERSION = '7.0.4';
// The README's low-footprint flags (keep them the same in both places).
const JVM_FLAGS = ['-Xms16m', '-Xmx128m', '-XX:MinHeapFreeRatio=10', '-XX:MaxHeapFreeRatio=30', '-XX:+UseSerialGC', '-XX:TieredStopAtLevel=1', '-XX:CICompilerCount=1', '-XX:ReservedCodeCacheSize=24m', '-XX:MaxMetaspaceSize=128m', '-Xss256k'];
const TOKEN = 'bench-token';

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function run(cmd, args, cwd, env) {
  return execFileSync(cmd, args, {
    cwd,
    env: env || process.env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

/** pm2 from the project's test install (target/pm2) or installed into the work dir. */
function pm2Command(work) {
  for (const prefix of [path.join(REPO, 'target', 'pm2'), path.join(work, 'pm2pkg')]) {
    const bin = path.join(prefix, 'node_modules', '.bin', 'pm2');
    if (fs.existsSync(bin)) return bin;
  }
  const prefix = path.join(work, 'pm2pkg');
  run('npm', ['install', '--no-audit', '--no-fund', '--prefix', prefix, `pm2@${PM2_VERSION}`]);
  return path.join(prefix, 'node_modules', '.bin', 'pm2');
}

function pm2(pm2Bin, pm2Home, args) {
  return run(pm2Bin, args, undefined, { ...process.env, PM2_HOME: pm2Home });
}

/** A plain git repository with a committer identity. */
function gitInit(dir) {
  fs.mkdirSync(dir, { recursive: true });
  run('git', ['init', '-q', '-b', 'main'], dir);
  run('git', ['config', 'user.email', 'bench@sylvan.invalid'], dir);
  run('git', ['config', 'user.name', 'Sylvan Bench'], dir);
}

function gitCommit(dir, message) {
  run('git', ['add', '-A'], dir);
  run('git', ['commit', '-q', '--allow-empty', '-m', message], dir);
  return run('git', ['rev-parse', 'HEAD'], dir);
}

class Operator {
  /** settings: SYLVAN_* / QUARKUS_* variables; the HTTP port is chosen here. */
  constructor(name, work, settings) {
    this.name = name;
    this.log = path.join(work, `${name}.log`);
    this.settings = settings;
  }

  async start(timeoutMs = 120000) {
    if (!fs.existsSync(JAR)) {
      throw new Error(`${JAR} is missing: run ./mvnw -B -q -DskipTests package first`);
    }
    this.port = await freePort();
    const env = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith('SYLVAN_') && !k.startsWith('QUARKUS_') && k !== 'PM2_HOME') env[k] = v;
    }
    Object.assign(env, { SYLVAN_AUTH_TOKEN: TOKEN, MALLOC_ARENA_MAX: '2' }, this.settings, {
      QUARKUS_HTTP_PORT: String(this.port),
    });
    const out = fs.openSync(this.log, 'a');
    this.child = spawn('java', [...JVM_FLAGS, '-jar', JAR], { env, stdio: ['ignore', out, out] });
    this.exited = new Promise((r) => this.child.on('exit', r));
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (this.child.exitCode !== null) throw new Error(`operator exited; see ${this.log}`);
      if ((await this.status('/q/health/ready')) === 200) return this;
      await sleep(300);
    }
    throw new Error(`operator not ready after ${timeoutMs} ms; see ${this.log}`);
  }

  get pid() {
    return this.child.pid;
  }

  async stop() {
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      await Promise.race([this.exited, sleep(30000)]);
      if (this.child.exitCode === null) this.child.kill('SIGKILL');
    }
  }

  url(p) {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  async status(p) {
    try {
      const r = await fetch(this.url(p), { signal: AbortSignal.timeout(5000) });
      await r.arrayBuffer();
      return r.status;
    } catch {
      return -1;
    }
  }

  async json(p, init) {
    const r = await fetch(this.url(p), { signal: AbortSignal.timeout(10000), ...init });
    return r.json();
  }

  async environments() {
    try {
      return (await this.json('/status')).environments || [];
    } catch {
      return [];
    }
  }

  /** Waits until every named environment shows sync Synced on the wanted commit. */
  async awaitSynced(wanted, timeoutMs) {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const envs = await this.environments();
      const ok = Object.entries(wanted).every(([name, commit]) =>
        envs.some((e) => e.name === name && e.sync === 'Synced' && e.actualCommit === commit),
      );
      if (ok) return;
      await sleep(500);
    }
    throw new Error(`environments not Synced after ${timeoutMs} ms; see ${this.log}`);
  }
}

/**
 * A spec of the plain Node fixture app for the benchmarks: 1 instance, quick health checks that
 * expect the commit, no backups, the default 30 s interval. {@code extra}: more spec sections;
 * {@code health}: more healthCheck keys.
 */
function specYaml({ app, env, repo, commit, root, port, extra = '', health = '' }) {
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
    instances: 1
    port: ${port}
    script: server.js
${extra}  healthCheck:
    path: /api/health
    timeout: 3s
    expectCommit: true
${health}  backup:
    enabled: false
  reconcile:
    interval: 30s
`;
}

/** --kebab-case options onto the keys of opts (numbers stay numbers); exits on an unknown one. */
function parseOptions(opts, argv) {
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in opts)) {
      console.error(`unknown option ${argv[i]}`);
      process.exit(2);
    }
    opts[key] = typeof opts[key] === 'number' ? Number(argv[++i]) : argv[++i];
  }
  return opts;
}

function percentile(values, p) {
  const s = [...values].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

function versions(pm2Bin) {
  const java = require('child_process').spawnSync('java', ['-version'], { encoding: 'utf8' });
  let pm2Version = '?';
  try {
    const pkg = path.join(path.dirname(fs.realpathSync(pm2Bin)), '..', 'package.json');
    pm2Version = JSON.parse(fs.readFileSync(pkg, 'utf8')).version;
  } catch {
    // unknown
  }
  return {
    node: process.version,
    java: (java.stderr || '').split('\n')[0],
    pm2: pm2Version,
    git: run('git', ['--version']),
    operatorCommit: run('git', ['rev-parse', '--short', 'HEAD'], REPO),
  };
}

module.exports = {
  REPO,
  JAR,
  JVM_FLAGS,
  TOKEN,
  Operator,
  sleep,
  freePort,
  run,
  pm2Command,
  pm2,
  gitInit,
  gitCommit,
  parseOptions,
  specYaml,
  percentile,
  versions,
};
