#!/usr/bin/env node
'use strict';
/*
 * Change-detection benchmark: how long from `git commit` of a new commit hash
 * in deploy-specs/<env>.yaml until the operator's pipeline starts its first
 * step for that commit.
 *
 * Starts the PACKAGED operator (embedded PostgreSQL in its data dir, its own
 * PM2_HOME) on a spec git repository it creates (SYLVAN_SPECS_GIT_URL, default
 * poll interval 15 s and tick 2 s: nothing tuned), deploys a plain Node app
 * (1 instance, build command `node --version`: a real pipeline whose build is
 * a no-op), then for each run:
 *   1. commits a new app commit (a file change) to the app repository,
 *   2. writes deploy-specs/bench.yaml naming it, t0 = just before `git commit`
 *      of the spec repository,
 *   3. (webhook mode) POSTs /hooks/git, HMAC-SHA256 signed, right after it,
 *   4. polls GET /deployments?env=bench every 25 ms for the deployment row of
 *      that commit, then reads GET /deployments/{id}: the first step's
 *      startTime (the operator's clock, same machine) - t0 is the figure.
 *   5. waits for that deployment to end and the environment to be Synced, so
 *      the next run starts from a quiet operator.
 * Prints p50/p95/max per mode next to Argo CD's and Flux's documented
 * defaults. Work dir: bench/.work/detect (gitignored), deleted at the start.
 *
 * Usage: bench/detect/run.sh [--webhook-runs 20] [--poll-runs 5] [--work DIR] [--json FILE]
 */
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { parseOptions, onExit, runMain, versions } = require('../lib/cli');
const { poll } = require('../lib/proc');
const { freePort } = require('../lib/http');
const { stats } = require('../lib/stats');
const { ensurePm2 } = require('../lib/pm2');
const { fixtureRepo, gitRepo } = require('../lib/repos');
const { prepareRoot, writeSpec } = require('../lib/spec');
const { Operator } = require('../lib/operator');
const { workDir } = require('../lib/paths');

const opts = parseOptions({ webhookRuns: 20, pollRuns: 5, work: workDir('detect'), json: undefined });
opts.work = path.resolve(opts.work);

const ENV = 'bench';
const APP = 'bench-detect-app';
const SECRET = 'bench-webhook-secret';

async function main() {
  fs.rmSync(opts.work, { recursive: true, force: true });
  fs.mkdirSync(opts.work, { recursive: true });
  const pm2Bin = await ensurePm2(opts.work);

  // The app: the plain Node fixture, no dependencies, a lockfile so install is `npm ci`.
  const app = await fixtureRepo(path.join(opts.work, 'app'), 'node-app', { files: ['server.js', 'package.json'] });
  const appCommit = (n) => app.commitChange(`change ${n}`);
  const root = path.join(opts.work, 'target');
  prepareRoot(root, { DATABASE_URL: 'postgres://localhost/app' });
  const appPort = await freePort();

  const specs = await gitRepo(path.join(opts.work, 'specs'));
  const writeAppSpec = (commit) =>
    writeSpec(path.join(specs.dir, 'deploy-specs'), ENV, {
      variant: 'node',
      app: APP,
      repo: app.dir,
      commit,
      root,
      port: appPort,
      build: { command: 'node --version' },
      requiredEnv: ['DATABASE_URL'],
      healthCheck: { retries: 5, interval: '1s' },
    });
  const first = await appCommit(0);
  writeAppSpec(first);
  await specs.commit('initial');

  const op = new Operator({
    work: opts.work,
    dataDir: path.join(opts.work, 'data'),
    pm2Bin,
    pm2Home: path.join(opts.work, 'pm2home'),
    settings: { SYLVAN_SPECS_GIT_URL: specs.dir, SYLVAN_SPECS_GIT_BRANCH: 'main', SYLVAN_AUTH_WEBHOOK_SECRET: SECRET },
  });
  onExit(() => op.stop());
  await op.start();
  console.error(`operator pid ${op.pid} on port ${op.port}; initial deploy of ${first.slice(0, 12)}`);
  await op.awaitSynced({ [ENV]: first }, 300000);

  const results = { webhook: [], poll: [] };
  let n = 1;
  for (const [mode, runs] of [
    ['webhook', opts.webhookRuns],
    ['poll', opts.pollRuns],
  ]) {
    for (let i = 0; i < runs; i++, n++) {
      const commit = await appCommit(n);
      writeAppSpec(commit);
      const t0 = Date.now();
      await specs.commit(`deploy ${commit.slice(0, 12)}`);
      const tCommitted = Date.now();
      if (mode === 'webhook') {
        const body = JSON.stringify({ ref: 'refs/heads/main', after: commit });
        const sig = 'sha256=' + crypto.createHmac('sha256', SECRET).update(body).digest('hex');
        const headers = { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sig };
        const r = await op.call('POST', '/hooks/git', { headers, body });
        if (r.status !== 202) throw new Error(`webhook answered ${r.status}`);
      }
      const row = await awaitRow(op, commit, mode === 'webhook' ? 30000 : 60000);
      const tRowSeen = Date.now();
      const d = await awaitFirstStep(op, row.id);
      const stepStart = Date.parse(d.steps[0].startTime);
      const rowStart = Date.parse(d.startTime);
      const r = {
        commit,
        gitCommitMs: tCommitted - t0,
        toRowMs: rowStart - t0,
        toFirstStepMs: stepStart - t0,
        rowSeenMs: tRowSeen - t0,
      };
      results[mode].push(r);
      console.error(`${mode} #${i + 1}: first step after ${r.toFirstStepMs} ms (row ${r.toRowMs} ms)`);
      await op.waitSuccess(row.id, `deployment ${row.id}`, 180000);
      await op.awaitSynced({ [ENV]: commit }, 120000);
    }
  }
  print(results, await versions(pm2Bin));
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(results, null, 2));
}

function awaitRow(op, commit, timeoutMs) {
  return poll(
    async () => {
      try {
        return (await op.json(`/deployments?env=${ENV}&limit=5`)).find((d) => d.gitCommit === commit);
      } catch (_) {
        return undefined; // retry
      }
    },
    { timeoutMs, everyMs: 25, message: `no deployment of ${commit} after ${timeoutMs} ms; see ${op.logFile}` },
  );
}

function awaitFirstStep(op, id) {
  return poll(
    async () => {
      const d = await op.deployment(id);
      return d.steps && d.steps.length > 0 && d.steps[0].startTime && d;
    },
    { timeoutMs: 180000, everyMs: 25, message: `deployment ${id} started no step` },
  );
}

function print(results, versions) {
  const f = (v) => (v / 1000).toFixed(3);
  console.log(`# Change detection, ${new Date().toISOString()}`);
  console.log(`# ${JSON.stringify(versions)}`);
  console.log('| trigger | runs | p50 s | p95 s | max s | (time to deployment row p50 s) |');
  console.log('|---------|------|-------|-------|-------|--------------------------------|');
  for (const [mode, label] of [
    ['webhook', 'webhook (HMAC-signed POST /hooks/git)'],
    ['poll', 'polling, default 15 s interval'],
  ]) {
    const v = stats(results[mode].map((r) => r.toFirstStepMs));
    const rows = stats(results[mode].map((r) => r.toRowMs));
    if (v.n === 0) continue;
    console.log(`| ${label} | ${v.n} | ${f(v.p50)} | ${f(v.p95)} | ${f(v.max)} | ${f(rows.p50)} |`);
  }
  console.log('| Argo CD default (documented: 120 s + up to 60 s jitter) | - | - | - | 180 | - |');
  console.log('| Flux recommended minimum interval (documented: 60 s) | - | - | - | 60 | - |');
}

runMain(main);
