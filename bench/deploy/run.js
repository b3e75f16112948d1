#!/usr/bin/env node
'use strict';
/*
 * Deploy-time benchmark: wall time of an update whose lockfile did not change,
 * the operator's pipeline against the seed's flow, on the same commits, side
 * by side in one run.
 *
 *   ours: the packaged operator (loop off; own data dir and PM2_HOME) deploys
 *         each commit through POST /environments/{env}/deploy: checkout into a
 *         new release, backup, node_modules reused (lockfile unchanged), build
 *         in the new release, switch, reload one instance at a time, verify,
 *         health check. Timed from the POST to the deployment's end.
 *   seed: a plain checkout under its own PM2_HOME, the seed's ecosystem config
 *         (script npm, args start, cluster x2, wait_ready, listen_timeout
 *         10000, kill_timeout 5000): `git checkout <commit> && rm -rf .next &&
 *         npm ci && npm run build && pm2 reload <app>`, timed as a whole.
 *
 * Both first deploy commit A (not timed); then each run makes a commit that
 * changes a harmless file and deploys it with both flows (order alternating).
 *
 * Usage: bench/deploy/run.sh [--runs 3] [--work DIR] [--port 18490]
 *        [--app-port 4490] [--seed-port 4491]
 */

const fs = require('fs');
const path = require('path');
const { parseOptions, onExit, cleanupAll, runMain, saveResults, loadavg, versions } = require('../lib/cli');
const { log, mustRun, sleep } = require('../lib/proc');
const { request } = require('../lib/http');
const { stats } = require('../lib/stats');
const { pm2, killPm2, writeSeedConfig } = require('../lib/pm2');
const { startNextEnv } = require('../lib/next-env');
const { workDir } = require('../lib/paths');

const opts = parseOptions({
  runs: 3,
  work: workDir('deploy'),
  port: 18490,
  appPort: 4490,
  seedPort: 4491,
});
const WORK = path.resolve(opts.work);
const SEED_APP = 'seed-app';

/** The seed's ecosystem.config.js (seed/design.md), with cwd, port and log paths filled in. */
function seedConfig(dir, port) {
  return writeSeedConfig(path.join(WORK, 'ecosystem.seed.config.js'), {
    name: SEED_APP,
    port,
    cwd: dir,
    env: { NEXT_TELEMETRY_DISABLED: '1' },
    logDir: path.join(WORK, 'seed-logs'),
  });
}

class Seed {
  constructor(pm2Bin, repoDir) {
    this.pm2Bin = pm2Bin;
    this.dir = path.join(WORK, 'seed-checkout');
    this.repoDir = repoDir;
    this.pm2Home = path.join(WORK, 'seed-pm2-home');
    this.env = { ...process.env, PM2_HOME: this.pm2Home, NEXT_TELEMETRY_DISABLED: '1' };
  }

  /** The seed's update flow; returns {ms, steps}. */
  async update(commit, first) {
    const steps = {};
    const t0 = Date.now();
    const step = async (name, command) => {
      const r = await command;
      steps[name] = r.ms;
      return r;
    };
    const sh = (cmd, args) => mustRun(cmd, args, { cwd: this.dir, env: this.env });
    await step('checkout', sh('git', ['checkout', '-q', commit]));
    fs.rmSync(path.join(this.dir, '.next'), { recursive: true, force: true });
    await step('npm ci', sh('npm', ['ci', '--no-audit', '--no-fund']));
    await step('build', sh('npm', ['run', 'build']));
    const pm2Args = first ? ['start', seedConfig(this.dir, opts.seedPort)] : ['reload', SEED_APP];
    const pm2Options = { cwd: this.dir, env: { NEXT_TELEMETRY_DISABLED: '1' }, check: true };
    const r = await step(first ? 'pm2 start' : 'pm2 reload', pm2(this.pm2Bin, this.pm2Home, pm2Args, pm2Options));
    return { ms: Date.now() - t0, steps, pm2Error: /\[PM2\]\[ERROR\]/.test(r.out + r.err) };
  }

  async init() {
    fs.rmSync(this.dir, { recursive: true, force: true });
    await mustRun('git', ['clone', '-q', this.repoDir, this.dir]);
  }

  kill() {
    return killPm2(this.pm2Bin, this.pm2Home);
  }
}

async function ours(op, repo, commit) {
  op.writeSpec(repo.dir, commit);
  const t0 = Date.now();
  const d = await op.waitSuccess(await op.deploy(), 'ours: deployment');
  const ms = Date.now() - t0;
  const steps = {};
  for (const s of d.steps) if (s.status !== 'skipped') steps[s.name] = s.duration;
  return { ms, steps, durationMs: d.durationMs };
}

async function servedCommit(port) {
  const r = await request('GET', port, '/api/health', { timeoutMs: 5000 });
  try {
    return JSON.parse(r.body).commit || `(status ${r.status}, no commit)`;
  } catch (_) {
    return `(status ${r.status})`;
  }
}

async function main() {
  const command = `bench/deploy/run.sh ${process.argv.slice(2).join(' ')}`.trim();
  const date = new Date().toISOString();
  const loadBefore = loadavg();
  const { op, repo, commitA, pm2Bin } = await startNextEnv(WORK, {
    cleanDirs: ['seed-pm2-home', 'seed-logs'],
    port: opts.port,
    env: 'deploybench',
    app: 'bench-deploy',
    appPort: opts.appPort,
    instances: 2,
  });
  const seed = new Seed(pm2Bin, repo.dir);
  onExit(() => seed.kill());
  log('initial deployment of A, ours (not timed)');
  await ours(op, repo, commitA);
  log('initial deployment of A, seed (not timed)');
  await seed.init();
  await seed.update(commitA, true);

  const results = [];
  for (let i = 1; i <= opts.runs; i++) {
    const commit = await repo.commitChange(`update ${i}`);
    await mustRun('git', ['fetch', '-q', 'origin'], { cwd: seed.dir });
    const order = i % 2 ? ['ours', 'seed'] : ['seed', 'ours'];
    const r = { run: i, commit: commit.slice(0, 12), load: loadavg() };
    for (const who of order) {
      log(`run ${i}: ${who} deploys ${commit.slice(0, 12)} (load ${loadavg()})`);
      r[who] = who === 'ours' ? await ours(op, repo, commit) : await seed.update(commit, false);
      await sleep(2000);
      r[who].served = (await servedCommit(who === 'ours' ? opts.appPort : opts.seedPort)) === commit;
      log(
        `run ${i}: ${who} ${(r[who].ms / 1000).toFixed(1)} s ${JSON.stringify(r[who].steps)} serves new commit: ${r[who].served}`,
      );
    }
    results.push(r);
  }
  const vers = await versions(pm2Bin, path.join(op.root, 'current'));
  await cleanupAll();

  console.log(`\n## Deploy time\ndate ${date}; command: ${command}`);
  console.log(`versions ${JSON.stringify(vers)}`);
  console.log(`load average (1/5/15 min) before ${loadBefore}, after ${loadavg()}`);
  console.log('| run | ours (s) | seed (s) | ours/seed | ours steps (ms) | seed steps (ms) |');
  console.log('|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.run} | ${(r.ours.ms / 1000).toFixed(1)} | ${(r.seed.ms / 1000).toFixed(1)} | ${(r.ours.ms / r.seed.ms).toFixed(2)} | ${JSON.stringify(r.ours.steps)} | ${JSON.stringify(r.seed.steps)}${r.seed.pm2Error ? ' [PM2][ERROR] printed' : ''} |`,
    );
  }
  const o = stats(results.map((r) => r.ours.ms));
  const s = stats(results.map((r) => r.seed.ms));
  const ratio = o.p50 / s.p50;
  console.log(
    `\nours p50 ${(o.p50 / 1000).toFixed(1)} s (max ${(o.max / 1000).toFixed(1)}), seed p50 ${(s.p50 / 1000).toFixed(1)} s (max ${(s.max / 1000).toFixed(1)}); ratio of p50s ${ratio.toFixed(2)}`,
  );
  console.log(
    `new commit served after every update: ours ${results.every((r) => r.ours.served)}, seed ${results.every((r) => r.seed.served)}`,
  );
  console.log(`target ours <= 0.6 x seed: ${ratio <= 0.6 ? 'MET' : 'MISSED'}`);
  saveResults(WORK, date, { date, command, versions: vers, opts, results });
}

runMain(main);
