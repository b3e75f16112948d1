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
const lib = require('../lib/operator');

const opts = { webhookRuns: 20, pollRuns: 5, work: path.join(lib.REPO, 'bench', '.work', 'detect'), json: undefined };
lib.parseOptions(opts, process.argv.slice(2));
opts.work = path.resolve(opts.work);

const ENV = 'bench';
const APP = 'bench-detect-app';
const SECRET = 'bench-webhook-secret';
const FIXTURE = path.join(lib.REPO, 'src', 'test', 'resources', 'fixtures', 'node-app');

function specYaml(commit, repo, root, port) {
  return lib.specYaml({
    app: APP,
    env: ENV,
    repo,
    commit,
    root,
    port,
    extra: '  build:\n    command: node --version\n  env:\n    required: [DATABASE_URL]\n',
    health: '    retries: 5\n    interval: 1s\n',
  });
}

async function main() {
  fs.rmSync(opts.work, { recursive: true, force: true });
  fs.mkdirSync(opts.work, { recursive: true });
  const pm2Bin = lib.pm2Command(opts.work);
  const pm2Home = path.join(opts.work, 'pm2home');
  fs.mkdirSync(pm2Home, { recursive: true });

  // The app: the plain Node fixture, no dependencies, a lockfile so install is `npm ci`.
  const appRepo = path.join(opts.work, 'app');
  lib.gitInit(appRepo);
  for (const f of ['server.js', 'package.json']) fs.copyFileSync(path.join(FIXTURE, f), path.join(appRepo, f));
  lib.run('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], appRepo);
  const appCommit = (n) => {
    fs.writeFileSync(path.join(appRepo, 'CHANGES.txt'), `change ${n}\n`);
    return lib.gitCommit(appRepo, `change ${n}`);
  };
  const root = path.join(opts.work, 'target');
  fs.mkdirSync(path.join(root, 'shared'), { recursive: true });
  fs.writeFileSync(path.join(root, 'shared', '.env.local'), 'DATABASE_URL=postgres://localhost/app\n', { mode: 0o600 });
  const appPort = await lib.freePort();

  const specRepo = path.join(opts.work, 'specs');
  lib.gitInit(specRepo);
  fs.mkdirSync(path.join(specRepo, 'deploy-specs'));
  const writeSpec = (commit) =>
    fs.writeFileSync(path.join(specRepo, 'deploy-specs', `${ENV}.yaml`), specYaml(commit, appRepo, root, appPort));
  let first = appCommit(0);
  writeSpec(first);
  lib.gitCommit(specRepo, 'initial');

  const op = new lib.Operator('operator', opts.work, {
    SYLVAN_DATA_DIR: path.join(opts.work, 'data'),
    SYLVAN_SPECS_GIT_URL: specRepo,
    SYLVAN_SPECS_GIT_BRANCH: 'main',
    SYLVAN_AUTH_WEBHOOK_SECRET: SECRET,
    SYLVAN_PM2_COMMAND: pm2Bin,
    SYLVAN_PM2_HOME: pm2Home,
  });
  const cleanup = async () => {
    await op.stop();
    try {
      lib.pm2(pm2Bin, pm2Home, ['kill']);
    } catch {
      // no daemon
    }
  };
  process.on('SIGINT', () => cleanup().then(() => process.exit(130)));
  try {
    await op.start();
    console.error(`operator pid ${op.pid} on port ${op.port}; initial deploy of ${first.slice(0, 12)}`);
    await op.awaitSynced({ [ENV]: first }, 300000);

    const results = { webhook: [], poll: [] };
    let n = 1;
    for (const [mode, runs] of [['webhook', opts.webhookRuns], ['poll', opts.pollRuns]]) {
      for (let i = 0; i < runs; i++, n++) {
        const commit = appCommit(n);
        writeSpec(commit);
        const t0 = Date.now();
        lib.gitCommit(specRepo, `deploy ${commit.slice(0, 12)}`);
        const tCommitted = Date.now();
        if (mode === 'webhook') {
          const body = JSON.stringify({ ref: 'refs/heads/main', after: commit });
          const sig = 'sha256=' + crypto.createHmac('sha256', SECRET).update(body).digest('hex');
          const r = await fetch(op.url('/hooks/git'), {
            method: 'POST',
            headers: { 'Content-Type': 'application/json', 'X-Hub-Signature-256': sig },
            body,
          });
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
        await awaitEnded(op, row.id);
        await op.awaitSynced({ [ENV]: commit }, 120000);
      }
    }
    print(results, lib.versions(pm2Bin));
    if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(results, null, 2));
  } finally {
    await cleanup();
  }
}

async function awaitRow(op, commit, timeoutMs) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      const rows = await op.json(`/deployments?env=${ENV}&limit=5`);
      const row = rows.find((d) => d.gitCommit === commit);
      if (row) return row;
    } catch {
      // retry
    }
    await lib.sleep(25);
  }
  throw new Error(`no deployment of ${commit} after ${timeoutMs} ms; see ${op.log}`);
}

async function awaitFirstStep(op, id) {
  for (;;) {
    const d = await op.json(`/deployments/${id}`);
    if (d.steps && d.steps.length > 0 && d.steps[0].startTime) return d;
    await lib.sleep(25);
  }
}

async function awaitEnded(op, id) {
  const end = Date.now() + 180000;
  while (Date.now() < end) {
    const d = await op.json(`/deployments/${id}`);
    if (d.status !== 'in_progress') {
      if (d.status !== 'success') throw new Error(`deployment ${id} ended ${d.status}: ${JSON.stringify(d.error)}`);
      return;
    }
    await lib.sleep(250);
  }
  throw new Error(`deployment ${id} still running`);
}

function print(results, versions) {
  const f = (v) => (v / 1000).toFixed(3);
  console.log(`# Change detection, ${new Date().toISOString()}`);
  console.log(`# ${JSON.stringify(versions)}`);
  console.log('| trigger | runs | p50 s | p95 s | max s | (time to deployment row p50 s) |');
  console.log('|---------|------|-------|-------|-------|--------------------------------|');
  for (const [mode, label] of [['webhook', 'webhook (HMAC-signed POST /hooks/git)'], ['poll', 'polling, default 15 s interval']]) {
    const v = results[mode].map((r) => r.toFirstStepMs);
    const rows = results[mode].map((r) => r.toRowMs);
    if (v.length === 0) continue;
    console.log(
      `| ${label} | ${v.length} | ${f(lib.percentile(v, 50))} | ${f(lib.percentile(v, 95))} | ${f(Math.max(...v))} | ${f(lib.percentile(rows, 50))} |`,
    );
  }
  console.log('| Argo CD default (documented: 120 s + up to 60 s jitter) | - | - | - | 180 | - |');
  console.log('| Flux recommended minimum interval (documented: 60 s) | - | - | - | 60 | - |');
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
