'use strict';
/*
 * The PACKAGED operator (target/quarkus-app/quarkus-run.jar) as a subprocess of a benchmark: its own
 * data dir (embedded PostgreSQL), its own PM2_HOME (never ~/.pm2), a random API token, loopback
 * only, a log file in the work dir; the JVM flags and the reconcile loop (on, or off for benchmarks
 * that drive it through the API) are options.
 */
const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { spawn } = require('child_process');
const { JAR, REPO } = require('./paths');
const { log, mustRun, poll, sleep } = require('./proc');
const { request, freePort } = require('./http');
const { killPm2 } = require('./pm2');

/** JVM flags and process environment per kind of benchmark. */
const JVM = {
  /** The README's low-footprint flags (keep them the same in both places). */
  lowFootprint: {
    flags: [
      '-Xms16m',
      '-Xmx128m',
      '-XX:MinHeapFreeRatio=10',
      '-XX:MaxHeapFreeRatio=30',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      '-XX:CICompilerCount=1',
      '-XX:ReservedCodeCacheSize=24m',
      '-XX:MaxMetaspaceSize=128m',
      '-Xss256k',
    ],
    env: { MALLOC_ARENA_MAX: '2' },
  },
  /** Room for the pipelines of the release benchmarks (rollback, deploy). */
  release: { flags: ['-Xmx384m', '-XX:+UseSerialGC'], env: {} },
};

/** Builds the jar when it is missing (a fresh clone). */
async function ensureJar() {
  if (fs.existsSync(JAR)) return;
  log('building the operator jar (./mvnw -q -DskipTests package)');
  await mustRun(path.join(REPO, 'mvnw'), ['-B', '-q', '-DskipTests', 'package'], { cwd: REPO });
}

class Operator {
  /**
   * work: the dir it runs in and logs to (<work>/<name>.log); port: its HTTP port (a free one when
   * unset); jvm: {flags, env} (JVM.lowFootprint by default); loop: false turns the reconcile loop off;
   * dataDir, pm2Bin, pm2Home: its data dir and pm2 (stop() kills that daemon); settings: more
   * SYLVAN_* / QUARKUS_* variables. Callers' own SYLVAN_*, QUARKUS_* and PM2_HOME are not passed on.
   */
  constructor({
    work,
    name = 'operator',
    port,
    jvm = JVM.lowFootprint,
    loop = true,
    dataDir,
    pm2Bin,
    pm2Home,
    settings = {},
  }) {
    Object.assign(this, { work, port, jvm, loop, dataDir, pm2Bin, pm2Home, settings });
    this.logFile = path.join(work, `${name}.log`);
    this.token = crypto.randomBytes(24).toString('hex');
  }

  async start(timeoutMs = 180000) {
    if (!fs.existsSync(JAR)) throw new Error(`${JAR} is missing: run ./mvnw -B -q -DskipTests package first`);
    for (const d of [this.dataDir, this.pm2Home]) fs.mkdirSync(d, { recursive: true });
    this.port = this.port || (await freePort());
    const env = {};
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith('SYLVAN_') && !k.startsWith('QUARKUS_') && k !== 'PM2_HOME') env[k] = v;
    }
    Object.assign(env, this.jvm.env, {
      SYLVAN_DATA_DIR: this.dataDir,
      SYLVAN_PM2_COMMAND: this.pm2Bin,
      SYLVAN_PM2_HOME: this.pm2Home,
      SYLVAN_AUTH_TOKEN: this.token,
      ...(this.loop ? {} : { SYLVAN_RECONCILE_ENABLED: 'false' }),
      ...this.settings,
      QUARKUS_HTTP_PORT: String(this.port),
      QUARKUS_HTTP_HOST: '127.0.0.1',
      NEXT_TELEMETRY_DISABLED: '1',
    });
    const out = fs.openSync(this.logFile, 'a');
    this.child = spawn('java', [...this.jvm.flags, '-jar', JAR], { cwd: this.work, env, stdio: ['ignore', out, out] });
    this.exited = new Promise((r) => this.child.on('exit', r));
    await poll(
      async () => {
        if (this.child.exitCode !== null) throw new Error(`the operator exited; see ${this.logFile}`);
        return (await this.call('GET', '/q/health/ready', { timeoutMs: 2000 })).status === 200;
      },
      { timeoutMs, everyMs: 300, message: `the operator was not ready within ${timeoutMs} ms; see ${this.logFile}` },
    );
    return this;
  }

  get pid() {
    return this.child.pid;
  }

  /** Stops the JVM (SIGTERM, SIGKILL after 30 s), then kills its pm2 daemon; once, however often called. */
  stop() {
    this.stopped = this.stopped || this.stopOnce();
    return this.stopped;
  }

  async stopOnce() {
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGTERM');
      await Promise.race([this.exited, sleep(30000)]);
      if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
    }
    if (this.pm2Bin && this.pm2Home) await killPm2(this.pm2Bin, this.pm2Home);
  }

  url(p) {
    return `http://127.0.0.1:${this.port}${p}`;
  }

  /** An API call with the token: {status, body} or {status: 0, error}. */
  call(method, p, options = {}) {
    return request(method, this.port, p, { token: this.token, ...options });
  }

  /** GET `p` as JSON; throws when there is no JSON answer. */
  async json(p) {
    const r = await this.call('GET', p);
    if (r.status !== 200) throw new Error(`GET ${p} answered ${r.status || r.error}`);
    return JSON.parse(r.body);
  }

  async environments() {
    try {
      return (await this.json('/status')).environments || [];
    } catch (_) {
      return [];
    }
  }

  /** Waits until every named environment ({name: commit}) shows sync Synced on its commit. */
  async awaitSynced(wanted, timeoutMs) {
    await poll(
      async () => {
        const envs = await this.environments();
        return Object.entries(wanted).every(([name, commit]) =>
          envs.some((e) => e.name === name && e.sync === 'Synced' && e.actualCommit === commit),
        );
      },
      { timeoutMs, everyMs: 500, message: `environments not Synced after ${timeoutMs} ms; see ${this.logFile}` },
    );
  }

  /** POST /environments/{env}/deploy; returns the deployment id. */
  async deploy(env) {
    const r = await this.call('POST', `/environments/${env}/deploy`);
    if (r.status !== 202) throw new Error(`deploy answered ${r.status}: ${r.body || r.error}`);
    return JSON.parse(r.body).deploymentId;
  }

  deployment(id) {
    return this.json(`/deployments/${id}`);
  }

  /** Polls until the deployment is no longer pending or in progress (bounded); returns it. */
  waitDone(id, timeoutMs = 900000) {
    return poll(
      async () => {
        const d = await this.deployment(id);
        return !/progress|pending/i.test(String(d.status)) && d;
      },
      { timeoutMs, everyMs: 250, message: `deployment ${id} not finished within ${timeoutMs} ms` },
    );
  }

  /** waitDone, and throws unless the deployment succeeded. */
  async waitSuccess(id, what, timeoutMs) {
    const d = await this.waitDone(id, timeoutMs);
    if (d.status !== 'success') throw new Error(`${what} ended ${d.status}: ${JSON.stringify(d.error)}`);
    return d;
  }
}

module.exports = { JVM, Operator, ensureJar };
