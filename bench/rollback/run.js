#!/usr/bin/env node
'use strict';
/*
 * Rollback-time benchmark: how long after the final failed health check the
 * previous commit serves every request again.
 *
 * The operator runs as a packaged jar (loop off, own data dir and PM2_HOME
 * under the work dir). It deploys the Next.js fixture's good commit A once,
 * then each run commits a variant whose /api/health answers 500, points the
 * spec at it and calls POST /environments/{env}/deploy. The pipeline builds
 * it, reloads, the health check fails (all its tries), and the rollback
 * switches `current` back to A's release and reloads. Meanwhile a probe sends
 * GET /api/health every --probe-ms on a new connection (so the cluster
 * master spreads probes over all workers).
 *
 * Rollback time = (first probe of the final unbroken run of 200 + commit A
 * answers, which must be at least --consecutive long) - (checked_at of the
 * failed deployment's final failed health check, from GET /deployments/{id}).
 *
 * Usage: bench/rollback/run.sh [--runs 5] [--work DIR] [--port 18480]
 *        [--app-port 4480] [--instances 2] [--probe-ms 50] [--consecutive 20]
 */

const path = require('path');
const { parseOptions, cleanupAll, runMain, saveResults, loadavg, versions } = require('../lib/cli');
const { log, sleep } = require('../lib/proc');
const { request } = require('../lib/http');
const { stats } = require('../lib/stats');
const { startNextEnv } = require('../lib/next-env');
const { workDir } = require('../lib/paths');

const opts = parseOptions({
  runs: 5,
  work: workDir('rollback'),
  port: 18480,
  appPort: 4480,
  instances: 2,
  probeMs: 50,
  consecutive: 20,
});
const WORK = path.resolve(opts.work);
const TARGET_MS = 3000;

/** Sequential probe, one new connection per request, until stopped (bounded to 30 min). */
function startProbe(port, everyMs) {
  const answers = [];
  let stopped = false;
  const done = (async () => {
    const end = Date.now() + 30 * 60 * 1000;
    while (!stopped && Date.now() < end) {
      const t = Date.now();
      const r = await request('GET', port, '/api/health', { timeoutMs: 5000 });
      let commit = null;
      try {
        commit = JSON.parse(r.body).commit;
      } catch (_) {
        /* not JSON: an error page or no answer */
      }
      answers.push({ t, status: r.status, commit });
      const wait = everyMs - (Date.now() - t);
      if (wait > 0) await sleep(wait);
    }
  })();
  return {
    async stop() {
      stopped = true;
      await done;
      return answers;
    },
  };
}

/**
 * The failed deployment is marked failed before its rollback runs and
 * rolled_back after it: wait for the rollback deployment (rollbackOf = id) to end.
 */
async function waitRolledBack(op, id) {
  const end = Date.now() + 15 * 60 * 1000;
  let endedAt = 0;
  while (Date.now() < end) {
    const failed = await op.deployment(id);
    const list = await op.json(`/deployments?env=${op.env}`);
    const row = list.find((d) => d.rollbackOf === id);
    const done = (d) => d && !/progress/i.test(String(d.status));
    if (done(row) && done(failed)) return { failed, rb: await op.deployment(row.id) };
    if (failed.status === 'success') return { failed, rb: null };
    if (done(failed) && !row) {
      endedAt = endedAt || Date.now();
      if (Date.now() - endedAt > 10000) return { failed, rb: null };
    }
    await sleep(250);
  }
  throw new Error(`deployment ${id} and its rollback not finished within 15 min`);
}

const ms = (iso) => (typeof iso === 'number' ? iso * 1000 : Date.parse(iso));

async function oneRun(op, repo, i, commitA) {
  const bad = await repo.commitUnhealthy(`unhealthy ${i}`);
  op.writeSpec(repo.dir, bad);
  const probe = startProbe(op.appPort, opts.probeMs);
  const id = await op.deploy();
  const { failed, rb } = await waitRolledBack(op, id);
  await sleep(Math.max(3000, opts.consecutive * opts.probeMs * 2));
  const answers = await probe.stop();

  const checks = (failed.healthChecks || []).filter((c) => String(c.status).toLowerCase() !== 'healthy');
  const finalFailed = Math.max(...checks.map((c) => ms(c.timestamp)));
  const healthStep = (failed.steps || []).find((s) => s.name === 'Running health checks');

  const good = (a) => a.status === 200 && a.commit === commitA;
  let lastBad = -1;
  answers.forEach((a, k) => {
    if (!good(a)) lastBad = k;
  });
  const streak = answers.length - lastBad - 1;
  const servedAt = streak >= opts.consecutive ? answers[lastBad + 1].t : NaN;
  const badAnswers = answers.filter((a) => !good(a));
  return {
    run: i,
    badCommit: bad.slice(0, 12),
    status: failed.status,
    rollbackStatus: rb ? rb.status : 'none',
    finalFailedCheck: new Date(finalFailed).toISOString(),
    rollbackMs: servedAt - finalFailed,
    healthStepEndToServedMs: healthStep ? servedAt - ms(healthStep.endTime) : NaN,
    reloadStartAfterFinalCheckMs: rb
      ? ms(rb.steps.find((x) => x.name === 'Reloading PM2').startTime) - finalFailed
      : NaN,
    rollbackSteps: rb ? rb.steps.map((s) => `${s.name} ${s.duration}ms`).join(', ') : '',
    rollbackDeploymentMs: rb ? rb.durationMs : NaN,
    probes: answers.length,
    nonAAnswers: badAnswers.length,
    nonABy: badAnswers.reduce((m, a) => {
      const k = a.status === 200 ? `200 ${String(a.commit).slice(0, 7)}` : String(a.status);
      m[k] = (m[k] || 0) + 1;
      return m;
    }, {}),
    lastNonAAfterFinalCheckMs: lastBad >= 0 ? answers[lastBad].t - finalFailed : NaN,
  };
}

async function main() {
  const command = `bench/rollback/run.sh ${process.argv.slice(2).join(' ')}`.trim();
  const date = new Date().toISOString();
  const loadBefore = loadavg();
  const { op, repo, commitA, pm2Bin } = await startNextEnv(WORK, {
    port: opts.port,
    env: 'rollback',
    app: 'bench-rollback',
    appPort: opts.appPort,
    instances: opts.instances,
  });
  log(`deploying good commit A ${commitA.slice(0, 12)} (npm ci + next build)`);
  const first = await op.waitSuccess(await op.deploy(), 'deploying A');
  log(`A deployed in ${(first.durationMs / 1000).toFixed(1)} s`);

  const results = [];
  for (let i = 1; i <= opts.runs; i++) {
    log(`run ${i}/${opts.runs}: deploying an unhealthy commit (load ${loadavg()})`);
    const r = await oneRun(op, repo, i, commitA);
    results.push(r);
    log(
      `run ${i}: ${r.status}/${r.rollbackStatus}; final failed check -> A serves every request: ${r.rollbackMs} ms; rollback steps: ${r.rollbackSteps}`,
    );
  }
  const vers = await versions(pm2Bin, path.join(op.root, 'current'));
  await cleanupAll();

  console.log(`\n## Rollback time\ndate ${date}; command: ${command}`);
  console.log(`versions ${JSON.stringify(vers)}`);
  console.log(
    `load average (1/5/15 min) before ${loadBefore}, after ${loadavg()}; probe every ${opts.probeMs} ms, >= ${opts.consecutive} consecutive A answers, ${opts.instances} instances`,
  );
  console.log(
    '| run | result | final failed check -> A serves all (ms) | -> reload starts (ms) | -> last non-A answer (ms) | rollback deployment (ms) | non-A answers | rollback steps |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.run} | ${r.status} / rollback ${r.rollbackStatus} | ${r.rollbackMs} | ${r.reloadStartAfterFinalCheckMs} | ${r.lastNonAAfterFinalCheckMs} | ${r.rollbackDeploymentMs} | ${JSON.stringify(r.nonABy)} | ${r.rollbackSteps} |`,
    );
  }
  const s = stats(results.map((r) => r.rollbackMs));
  console.log(`\nrollback time over ${s.n} runs: p50 ${s.p50} ms, max ${s.max} ms, min ${s.min} ms`);
  console.log(
    `target < ${TARGET_MS} ms (seed: < 20000 ms): ${s.max < TARGET_MS ? 'MET' : 'MISSED'} (max), ${s.p50 < TARGET_MS ? 'MET' : 'MISSED'} (p50)`,
  );
  saveResults(WORK, date, { date, command, versions: vers, opts, results });
}

runMain(main);
