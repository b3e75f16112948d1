#!/usr/bin/env node
'use strict';
/*
 * Rollback-time benchmark: how long after the final failed health check the
 * previous commit serves every request again, and what a commit that the
 * pre-traffic preview stops costs.
 *
 * The operator runs as a packaged jar (loop off, own data dir and PM2_HOME
 * under the work dir). It deploys the Next.js fixture's good commit A once,
 * then each run deploys two broken commits through POST /environments/{env}/deploy
 * (order alternating), while a probe sends GET /api/health every --probe-ms on
 * a new connection (so the cluster master spreads probes over all workers):
 *
 *   after-switch: /api/health answers 500 only under PM2 (pm_id set), so it
 *     passes the preview; the pipeline switches and reloads, the health check
 *     fails (all its tries), and the rollback switches `current` back to A's
 *     release and reloads.
 *   preview-halt: /api/health answers 500 everywhere; the preview fails and the
 *     deployment halts before the switch. Measured: the time from the spec
 *     naming the commit (the POST, the loop being off) to the environment's
 *     Stalled condition, and the probe answers that were not A (should be 0).
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
const { log, poll, sleep } = require('../lib/proc');
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

const ms = (iso) => (typeof iso === 'number' ? iso * 1000 : Date.parse(iso));

/** A commit that fails its preview: time to Stalled, and what the probe saw meanwhile. */
async function previewHaltRun(op, repo, i, commitA) {
  const bad = await repo.commitUnhealthy(`unhealthy ${i}`);
  const probe = startProbe(op.appPort, opts.probeMs);
  await sleep(1000);
  op.writeSpec(repo.dir, bad);
  const t0 = Date.now();
  const id = await op.deploy();
  const reason = await poll(() => op.stalledReason(), {
    timeoutMs: 15 * 60 * 1000,
    everyMs: 100,
    message: `deployment ${id}: environment not Stalled within 15 min`,
  });
  const toStalledMs = Date.now() - t0;
  const d = await op.waitDone(id);
  await sleep(2000);
  const answers = await probe.stop();
  const notA = answers.filter((a) => !(a.status === 200 && a.commit === commitA));
  const preview = (d.steps || []).find((s) => /preview/i.test(s.name));
  return {
    run: i,
    badCommit: bad.slice(0, 12),
    status: d.status,
    reason,
    toStalledMs,
    deploymentMs: d.durationMs,
    previewStepMs: preview ? preview.duration : NaN,
    probes: answers.length,
    nonAAnswers: notA.length,
    nonABy: byKind(notA),
  };
}

function byKind(answers) {
  return answers.reduce((m, a) => {
    const k = a.status === 200 ? `200 ${String(a.commit).slice(0, 7)}` : String(a.status);
    m[k] = (m[k] || 0) + 1;
    return m;
  }, {});
}

/** A commit that passes the preview and fails after the switch: rollback time. */
async function afterSwitchRun(op, repo, i, commitA) {
  const bad = await repo.commitUnhealthyAfterSwitch(`unhealthy after the switch ${i}`);
  op.writeSpec(repo.dir, bad);
  const probe = startProbe(op.appPort, opts.probeMs);
  const id = await op.deploy();
  const { failed, rb } = await op.waitRolledBack(id);
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
    nonABy: byKind(badAnswers),
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
  const halts = [];
  for (let i = 1; i <= opts.runs; i++) {
    for (const variant of i % 2 ? ['after-switch', 'preview-halt'] : ['preview-halt', 'after-switch']) {
      log(`run ${i}/${opts.runs}: ${variant} (load ${loadavg()})`);
      if (variant === 'preview-halt') {
        const h = { ...(await previewHaltRun(op, repo, i, commitA)), load: loadavg() };
        halts.push(h);
        log(
          `run ${i}: preview-halt ${h.status} (${h.reason}) Stalled after ${h.toStalledMs} ms; non-A answers ${h.nonAAnswers} of ${h.probes}`,
        );
      } else {
        const r = { ...(await afterSwitchRun(op, repo, i, commitA)), load: loadavg() };
        results.push(r);
        log(
          `run ${i}: after-switch ${r.status}/${r.rollbackStatus}; final failed check -> A serves every request: ${r.rollbackMs} ms; rollback steps: ${r.rollbackSteps}`,
        );
      }
    }
  }
  const vers = await versions(pm2Bin, path.join(op.root, 'current'));
  await cleanupAll();

  console.log(`\n## Rollback time\ndate ${date}; command: ${command}`);
  console.log(`versions ${JSON.stringify(vers)}`);
  console.log(
    `load average (1/5/15 min) before ${loadBefore}, after ${loadavg()}; probe every ${opts.probeMs} ms, >= ${opts.consecutive} consecutive A answers, ${opts.instances} instances`,
  );
  console.log('\n### A commit that fails after the switch (passes the preview): rollback');
  console.log(
    '| run | result | final failed check -> A serves all (ms) | -> reload starts (ms) | -> last non-A answer (ms) | rollback deployment (ms) | non-A answers | rollback steps | load after |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const r of results) {
    console.log(
      `| ${r.run} | ${r.status} / rollback ${r.rollbackStatus} | ${r.rollbackMs} | ${r.reloadStartAfterFinalCheckMs} | ${r.lastNonAAfterFinalCheckMs} | ${r.rollbackDeploymentMs} | ${JSON.stringify(r.nonABy)} | ${r.rollbackSteps} | ${r.load} |`,
    );
  }
  const s = stats(results.map((r) => r.rollbackMs));
  console.log(`\nrollback time over ${s.n} runs: p50 ${s.p50} ms, max ${s.max} ms, min ${s.min} ms`);
  console.log(
    `target < ${TARGET_MS} ms (seed: < 20000 ms): ${s.max < TARGET_MS ? 'MET' : 'MISSED'} (max), ${s.p50 < TARGET_MS ? 'MET' : 'MISSED'} (p50)`,
  );
  console.log('\n### A commit that fails its preview: halted before the switch');
  console.log(
    '| run | result | reason | spec commit -> Stalled (ms) | deployment (ms) | preview step (ms) | probes | non-A answers | load after |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|');
  for (const h of halts) {
    console.log(
      `| ${h.run} | ${h.status} | ${h.reason} | ${h.toStalledMs} | ${h.deploymentMs} | ${h.previewStepMs} | ${h.probes} | ${h.nonAAnswers} ${JSON.stringify(h.nonABy)} | ${h.load} |`,
    );
  }
  const st = stats(halts.map((h) => h.toStalledMs));
  const nonA = halts.reduce((a, h) => a + h.nonAAnswers, 0);
  console.log(
    `\npreview halt over ${st.n} runs: spec commit -> Stalled p50 ${st.p50} ms, max ${st.max} ms; probe answers not from A: ${nonA} (should be 0)`,
  );
  saveResults(WORK, date, { date, command, versions: vers, opts, results, previewHalts: halts });
}

runMain(main);
