'use strict';
/*
 * One environment of the Next.js fixture, deployed by an operator whose reconcile loop is off and
 * that the release benchmarks (bench/rollback, bench/deploy) drive through its API:
 * `<work>/specs/<env>.yaml`, `<work>/data`, `<work>/pm2-home`, `<work>/srv/<env>` (target root).
 */
const fs = require('fs');
const path = require('path');
const { JVM, Operator, ensureJar } = require('./operator');
const { prepareRoot, writeSpec } = require('./spec');
const { ensurePm2 } = require('./pm2');
const { nextFixtureRepo } = require('./repos');
const { onExit } = require('./cli');
const { log, sleep } = require('./proc');

class NextEnvOperator extends Operator {
  constructor({ work, pm2Bin, port, env, app, appPort, instances, settings = {} }) {
    const specs = path.join(work, 'specs');
    super({
      work,
      port,
      jvm: JVM.release,
      loop: false,
      dataDir: path.join(work, 'data'),
      pm2Bin,
      pm2Home: path.join(work, 'pm2-home'),
      settings: { ...settings, SYLVAN_SPECS_DIRECTORY: specs },
    });
    Object.assign(this, { specs, env, app, appPort, instances, root: path.join(work, 'srv', env) });
  }

  /** Points the environment's spec at `commit` of `repo`; `healthCheck`: more keys (e.g. {preview: false}). */
  writeSpec(repo, commit, { healthCheck } = {}) {
    writeSpec(this.specs, this.env, {
      variant: 'next',
      app: this.app,
      repo,
      commit,
      root: this.root,
      port: this.appPort,
      instances: this.instances,
      healthCheck,
    });
  }

  /** The environment in /status (undefined when missing). */
  async status() {
    return (await this.environments()).find((e) => e.name === this.env);
  }

  /** The reason of the environment's Stalled condition when it is true, else null. */
  async stalledReason() {
    const e = await this.status();
    const c = e && (e.conditions || []).find((x) => x.type === 'Stalled' && x.status);
    return c ? c.reason : null;
  }

  /**
   * Waits for deployment `id` and, when it failed after the switch, for its rollback (the failed
   * deployment is marked failed before its rollback runs and rolled_back after it). Resolves
   * {failed, rb}: the deployment and its rollback deployment (null when none ran).
   */
  async waitRolledBack(id, timeoutMs = 15 * 60 * 1000) {
    const end = Date.now() + timeoutMs;
    let endedAt = 0;
    const done = (d) => d && !/progress|pending/i.test(String(d.status));
    while (Date.now() < end) {
      const failed = await this.deployment(id);
      const row = (await this.json(`/deployments?env=${this.env}`)).find((d) => d.rollbackOf === id);
      if (done(row) && done(failed)) return { failed, rb: await this.deployment(row.id) };
      if (failed.status === 'success') return { failed, rb: null };
      if (done(failed) && !row) {
        endedAt = endedAt || Date.now();
        if (Date.now() - endedAt > 10000) return { failed, rb: null };
      }
      await sleep(250);
    }
    throw new Error(`deployment ${id} and its rollback not finished within ${timeoutMs} ms`);
  }

  async start() {
    // a value no path contains: the operator redacts env values everywhere in its logs
    prepareRoot(this.root, { BENCH_KEY: 'bench-key-value-q7' });
    return super.start();
  }

  /** Deploys the environment now; returns the deployment id. */
  deploy() {
    return super.deploy(this.env);
  }
}

/**
 * The start of a release benchmark in `work`: the jar (built if missing), pm2, fresh operator dirs
 * (and `cleanDirs`), the fixture repository with its first commit A, and the operator (stopped at
 * exit) started on a spec naming A; `env`, `app`, `port`, `appPort`, `instances`, `settings` (more
 * SYLVAN_* variables) as for the operator.
 * Resolves {op, repo, commitA, pm2Bin}.
 */
async function startNextEnv(work, { cleanDirs = [], ...operatorOptions }) {
  fs.mkdirSync(work, { recursive: true });
  await ensureJar();
  const pm2Bin = await ensurePm2(work);
  for (const d of ['data', 'pm2-home', 'srv', 'specs', ...cleanDirs]) {
    fs.rmSync(path.join(work, d), { recursive: true, force: true });
  }
  log('creating the fixture repository (npm install --package-lock-only)');
  const repo = await nextFixtureRepo(path.join(work, 'app-repo'));
  const commitA = await repo.commit('A');
  const op = new NextEnvOperator({ work, pm2Bin, ...operatorOptions });
  onExit(() => op.stop());
  op.writeSpec(repo.dir, commitA);
  log(`starting the operator (log ${op.logFile})`);
  await op.start();
  return { op, repo, commitA, pm2Bin };
}

module.exports = { NextEnvOperator, startNextEnv };
