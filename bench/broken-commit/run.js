#!/usr/bin/env node
'use strict';
/*
 * Broken-commit benchmark: under a fixed-rate open-loop load (GET /api/health,
 * the path the commit breaks), a commit whose /api/health answers 500 (it builds
 * and starts fine) is deployed over a serving good commit A, by three flows, side
 * by side in one run (flow order: the permutations in turn, one per run):
 *
 *   ours:           the packaged operator (loop off; own data dir and PM2_HOME)
 *                   through POST /environments/{env}/deploy; the pre-traffic
 *                   preview fails and the deployment halts before the switch.
 *   ours-nopreview: the same with `spec.healthCheck.preview: false`: the seed's
 *                   order in our pipeline (switch, reload, health check fails,
 *                   rollback to A's kept release). The issue's anchor was this.
 *   seed:           the seed's flow on a plain clone (bench/lib/seed.js): checkout,
 *                   rm -rf .next, npm ci, build, pm2 reload, THEN its health check
 *                   (5 tries, 3 s apart), and on failure its rollback, the same
 *                   update back to A (the seed rebuilds to roll back).
 *
 * Per flow: requests sent and failed (by kind), how long the failures lasted
 * (first to last failed request, by issue time), failures by phase, and the
 * commit served at the end (10 requests on new connections).
 *
 * Usage: bench/broken-commit/run.sh [--runs 2] [--rate 200] [--work DIR]
 *        [--port 18470] [--app-port 4470] [--seed-port 4471]
 *        [--flows ours,ours-nopreview,seed] [--tail-ms 5000] [--timeout-ms 10000]
 */

const path = require('path');
const { flowOrder, parseOptions, onExit, cleanupAll, runMain, saveResults, loadavg, versions } = require('../lib/cli');
const { log, poll, sleep } = require('../lib/proc');
const { startLoad, failureSummary } = require('../lib/load');
const { startNextEnv } = require('../lib/next-env');
const { Seed, servedCommits } = require('../lib/seed');
const { workDir } = require('../lib/paths');

const opts = parseOptions({
  runs: 2,
  rate: 200,
  work: workDir('broken-commit'),
  port: 18470,
  appPort: 4470,
  seedPort: 4471,
  flows: 'ours,ours-nopreview,seed',
  tailMs: 5000,
  timeoutMs: 10000,
});
const WORK = path.resolve(opts.work);
const FLOWS = opts.flows.split(',').filter(Boolean);
const HEALTH = '/api/health';

/** Runs `deploy(mark)` under load on `port`; `mark(name)` notes a phase start. */
async function underLoad(port, bad, deploy) {
  const phases = [];
  const mark = (name) => phases.push({ name, t: Date.now() });
  const load = startLoad({ port, path: HEALTH, rate: opts.rate, timeoutMs: opts.timeoutMs });
  await sleep(2000);
  mark('deploy');
  const info = await deploy(mark);
  mark('after');
  await sleep(opts.tailMs);
  const records = await load.stop();
  const summary = failureSummary(records);
  // failures per phase (by issue time): which step the users' errors belong to
  summary.byPhase = {};
  for (const r of records.filter((x) => !x.ok)) {
    const p = [...phases].reverse().find((x) => r.t >= x.t);
    const k = p ? p.name : 'before';
    summary.byPhase[k] = (summary.byPhase[k] || 0) + 1;
  }
  // what users got from the broken release itself (its body names its commit), apart from
  // timeouts and refusals of a saturated machine
  const fromBad = records.filter((r) => r.commit === bad);
  summary.brokenAnswers = fromBad.length;
  const ts = fromBad.map((r) => r.t);
  summary.brokenServedMs = ts.length ? ts.reduce((a, b) => Math.max(a, b)) - ts.reduce((a, b) => Math.min(a, b)) : 0;
  summary.phases = phases.map((p) => `${p.name} +${((p.t - phases[0].t) / 1000).toFixed(1)} s`);
  summary.finalServed = await servedCommits(port, HEALTH);
  return { ...summary, ...info };
}

async function ours(op, repo, commitA, i, preview) {
  const bad = await repo.commitUnhealthy(`broken ${i} ${preview ? 'ours' : 'ours-nopreview'}`);
  return underLoad(op.appPort, bad, async (mark) => {
    op.writeSpec(repo.dir, bad, { healthCheck: { preview } });
    const t0 = Date.now();
    const id = await op.deploy();
    const info = { bad: bad.slice(0, 12) };
    if (preview) {
      info.reason = await poll(() => op.stalledReason(), { timeoutMs: 900000, everyMs: 100, message: 'not Stalled' });
      info.toStalledMs = Date.now() - t0;
      info.status = (await op.waitDone(id)).status;
    } else {
      let switched = false;
      // the switch: when the deployment shows its reload step started (polled every 200 ms)
      const watch = (async () => {
        while (!switched) {
          const d = await op.deployment(id);
          const reload = (d.steps || []).find((s) => s.name === 'Reloading PM2' && s.startTime);
          if (reload) {
            switched = true;
            mark('reload');
          } else if (!/progress|pending/i.test(String(d.status))) break;
          await sleep(200);
        }
      })();
      const { failed, rb } = await op.waitRolledBack(id);
      switched = true;
      await watch;
      info.status = `${failed.status} / rollback ${rb ? rb.status : 'none'}`;
      info.reason = await op.stalledReason();
      info.toEndMs = Date.now() - t0;
    }
    return info;
  });
}

async function seedFlow(seed, repo, commitA, i) {
  const bad = await repo.commitUnhealthy(`broken ${i} seed`);
  return underLoad(opts.seedPort, bad, async (mark) => {
    const t0 = Date.now();
    const up = await seed.update(bad, false);
    mark('check');
    const healthy = await seed.healthy(HEALTH);
    const info = { bad: bad.slice(0, 12), reload: up.pm2, healthy };
    if (!healthy) {
      mark('rollback');
      const back = await seed.update(commitA, false);
      info.rollbackReload = back.pm2;
      info.rollbackMs = back.ms;
    }
    info.status = healthy ? 'kept (check passed)' : 'rolled back (rebuilt A)';
    info.toEndMs = Date.now() - t0;
    return info;
  });
}

const sec = (ms) => (ms / 1000).toFixed(1);

async function main() {
  const command = `bench/broken-commit/run.sh ${process.argv.slice(2).join(' ')}`.trim();
  const date = new Date().toISOString();
  const loadBefore = loadavg();
  const { op, repo, commitA, pm2Bin } = await startNextEnv(WORK, {
    cleanDirs: ['seed-pm2-home', 'seed-logs'],
    port: opts.port,
    env: 'broken',
    app: 'bench-broken',
    appPort: opts.appPort,
    instances: 2,
  });
  const seed = new Seed({ work: WORK, pm2Bin, repoDir: repo.dir, port: opts.seedPort });
  onExit(() => seed.kill());
  log(`deploying good commit A ${commitA.slice(0, 12)}, ours`);
  await op.waitSuccess(await op.deploy(), 'deploying A');
  if (FLOWS.includes('seed')) {
    log('deploying A, seed');
    await seed.init();
    await seed.update(commitA, true);
    await sleep(3000);
  }

  const results = [];
  for (let i = 1; i <= opts.runs; i++) {
    const order = flowOrder(FLOWS, i);
    for (const flow of order) {
      const loadStart = loadavg();
      log(`run ${i}: ${flow} (load ${loadStart})`);
      const r =
        flow === 'seed' ? await seedFlow(seed, repo, commitA, i) : await ours(op, repo, commitA, i, flow === 'ours');
      Object.assign(r, { run: i, flow, loadStart, loadEnd: loadavg() });
      results.push(r);
      log(
        `run ${i}: ${flow} ${r.status}: ${r.failed} of ${r.sent} failed ${JSON.stringify(r.byKind)} over ${sec(r.failingMs)} s; ${r.brokenAnswers} from the broken release over ${sec(r.brokenServedMs)} s; by phase ${JSON.stringify(r.byPhase)}; served at the end ${JSON.stringify(r.finalServed)}`,
      );
    }
  }
  const vers = await versions(pm2Bin, path.join(op.root, 'current'));
  await cleanupAll();

  console.log(`\n## Broken commit under load\ndate ${date}; command: ${command}`);
  console.log(`versions ${JSON.stringify(vers)}`);
  console.log(`load average (1/5/15 min) before ${loadBefore}, after ${loadavg()}; ${opts.rate} req/s GET ${HEALTH}`);
  console.log(`good commit A ${commitA.slice(0, 12)}`);
  console.log(
    '| run | flow | result | sent | failed | failed by kind | first -> last failed (s) | answers from the broken release | broken release served (s) | failed by phase | served at the end | load at start |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    const served = Object.entries(r.finalServed)
      .map(([k, v]) => `${k === commitA ? 'A' : k.slice(0, 12)} x${v}`)
      .join(', ');
    console.log(
      `| ${r.run} | ${r.flow} | ${r.status}${r.reason ? ` (${r.reason})` : ''} | ${r.sent} | ${r.failed} | ${JSON.stringify(r.byKind)} | ${sec(r.failingMs)} | ${r.brokenAnswers} | ${sec(r.brokenServedMs)} | ${JSON.stringify(r.byPhase)} | ${served} | ${r.loadStart} |`,
    );
  }
  console.log('\nphases (from the deploy start):');
  for (const r of results) {
    const extra = r.reload ? `; seed pm2 reload exit ${r.reload.code} ${r.reload.error}` : '';
    const rb = r.rollbackReload ? `; rollback pm2 reload exit ${r.rollbackReload.code} ${r.rollbackReload.error}` : '';
    const stalled = r.toStalledMs ? `; spec commit -> Stalled ${sec(r.toStalledMs)} s` : '';
    console.log(`- run ${r.run} ${r.flow}: ${r.phases.join(', ')}${stalled}${extra}${rb}`);
  }
  for (const f of FLOWS) {
    const rs = results.filter((r) => r.flow === f);
    const failed = rs.reduce((a, r) => a + r.failed, 0);
    const sent = rs.reduce((a, r) => a + r.sent, 0);
    const allA = rs.every((r) => Object.keys(r.finalServed).length === 1 && r.finalServed[commitA]);
    const broken = rs.reduce((a, r) => a + r.brokenAnswers, 0);
    console.log(
      `${f}: ${failed} of ${sent} failed (${broken} answered by the broken release) over ${rs.length} runs; A served at the end of every run: ${allA}`,
    );
  }
  saveResults(WORK, date, { date, command, versions: vers, opts, commitA, results });
}

runMain(main);
