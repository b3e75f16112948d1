'use strict';
/*
 * Whole deployments under load (bench/zero-downtime/run.sh --deployments N): what the users of a
 * serving app see while the operator deploys a new commit beside it (checkout, node_modules reused,
 * build, preview, switch, reload, health check), with the operator's idle CPU priority on and off
 * (SYLVAN_DEPLOY_IDLE_PRIORITY), side by side in one run.
 *
 * One packaged operator per setting (loop off, own data dir, PM2_HOME, fixture repository and
 * target root under <work>/deployments/<setting>), each serving the Next.js fixture with 2 workers.
 * Round i commits a harmless change to each fixture repository and deploys it through the API,
 * settings in alternating order; a fixed-rate keep-alive load runs against the app being deployed
 * from baseline/2 before the POST to baseline/2 after the deployment's end. Latencies are split by
 * issue time: outside (before and after), during the deployment (POST .. end + 1 s) and during the
 * reload step (its start .. end + 1 s, from the deployment's step record).
 */
const path = require('path');
const { onExit, cleanupAll, saveResults, loadavg, versions } = require('../lib/cli');
const { log, sleep } = require('../lib/proc');
const { startLoad } = require('../lib/load');
const { stats } = require('../lib/stats');
const { startNextEnv } = require('../lib/next-env');

const RELOAD_STEP = 'Reloading PM2';
const SETTINGS = { on: 'true', off: 'false' };

/** An Instant of the API (ISO-8601 text, or epoch seconds) in ms since the epoch. */
function instant(v) {
  return typeof v === 'number' ? v * 1000 : Date.parse(v);
}

function fmt(n) {
  return Number.isFinite(n) ? n.toFixed(1) : 'n/a';
}

/** Deploys the next commit of `c` under load; the round's records and windows. */
async function deployUnderLoad(c, round, opts) {
  const commit = await c.repo.commitChange(`update ${round}`);
  c.op.writeSpec(c.repo.dir, commit);
  const load = startLoad({ ...opts, port: c.appPort, path: '/api/health' });
  await sleep(opts.baselineMs / 2);
  const loadBefore = loadavg();
  const start = Date.now();
  // A failed deployment (and its rollback) is a result to count, not the end of the run.
  const d = await c.op.waitDone(await c.op.deploy());
  const end = Date.now();
  await sleep(opts.baselineMs / 2);
  const requests = await load.stop();
  const reload = d.steps.find((s) => s.name === RELOAD_STEP);
  const steps = {};
  for (const s of d.steps) if (s.status !== 'skipped') steps[s.name] = s.duration;
  return {
    round,
    commit: commit.slice(0, 12),
    status: d.status,
    error: d.status === 'success' ? undefined : d.error,
    load: loadBefore,
    deployment: { start, end },
    reload: reload && { start: instant(reload.startTime), end: instant(reload.endTime) },
    steps,
    requests,
  };
}

/** Latency figures of one deployment, or of several together. */
function summarize(runs) {
  const inside = (t, w) => w && t >= w.start && t <= w.end + 1000;
  const outside = [];
  const during = [];
  const reload = [];
  let sent = 0;
  let failed = 0;
  const failures = {};
  for (const r of runs) {
    for (const q of r.requests) {
      sent += 1;
      if (!q.ok) {
        failed += 1;
        failures[q.why] = (failures[q.why] || 0) + 1;
        continue;
      }
      if (!inside(q.t, r.deployment)) outside.push(q.ms);
      else during.push(q.ms);
      if (inside(q.t, r.reload)) reload.push(q.ms);
    }
  }
  const o = stats(outside);
  const d = stats(during);
  const rl = stats(reload);
  const deploySeconds = runs.reduce((a, r) => a + (r.deployment.end - r.deployment.start), 0) / runs.length / 1000;
  return {
    sent,
    failed,
    failures,
    outside: o,
    during: d,
    reload: rl,
    duringRatio: d.p99 / o.p99,
    reloadRatio: rl.p99 / o.p99,
    deploySeconds,
    deploymentsFailed: runs.filter((r) => r.status !== 'success').length,
  };
}

function row(cells) {
  return `| ${cells.join(' | ')} |`;
}

async function main(opts) {
  const command = `bench/zero-downtime/run.sh ${process.argv.slice(2).join(' ')}`.trim();
  const date = new Date().toISOString();
  const loadStart = loadavg();
  const names = opts.idle
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const n of names) if (!(n in SETTINGS)) throw new Error(`--idle takes on and/or off, got ${n}`);
  const configs = [];
  for (const [i, name] of names.entries()) {
    const work = path.join(path.resolve(opts.work), 'deployments', name);
    log(`[idle ${name}] operator with SYLVAN_DEPLOY_IDLE_PRIORITY=${SETTINGS[name]} in ${work}`);
    const env = await startNextEnv(work, {
      env: `zd${name}`,
      app: `zd-${name}`,
      appPort: opts.port + i,
      instances: 2,
      settings: { SYLVAN_DEPLOY_IDLE_PRIORITY: SETTINGS[name] },
    });
    const c = { name, appPort: opts.port + i, runs: [], ...env };
    log(`[idle ${name}] first deployment of A (not measured)`);
    await c.op.waitSuccess(await c.op.deploy(), `[idle ${name}] first deployment`);
    configs.push(c);
  }
  for (let round = 1; round <= opts.deployments; round++) {
    // alternating order, so neither setting always runs on the warmer or the busier machine
    const order = round % 2 ? configs : [...configs].reverse();
    for (const c of order) {
      log(`round ${round}: [idle ${c.name}] deploys under ${opts.rate} req/s (load average ${loadavg()})`);
      const r = await deployUnderLoad(c, round, opts);
      c.runs.push(r);
      const s = summarize([r]);
      log(
        `round ${round}: [idle ${c.name}] ${r.status} in ${fmt(s.deploySeconds)} s, ${s.failed}/${s.sent} failed, p99 outside ` +
          `${fmt(s.outside.p99)} during ${fmt(s.during.p99)} reload ${fmt(s.reload.p99)} ms; steps ${JSON.stringify(r.steps)}`,
      );
    }
  }
  const vers = await versions(configs[0].pm2Bin, path.join(configs[0].op.root, 'current'));
  await cleanupAll();
  const loadEnd = loadavg();

  console.log('\n=== Whole deployments under load ===');
  console.log(`date ${date}; command: ${command}`);
  console.log(`versions ${JSON.stringify(vers)}`);
  console.log(`load average (1/5/15 min): start ${loadStart}, end ${loadEnd}`);
  console.log(
    `${opts.rate} req/s GET /api/health, keep-alive; outside = ${opts.baselineMs / 2} ms before the POST and after ` +
      'the end; during = POST .. end + 1 s; reload = the reload step .. its end + 1 s (latencies in ms)\n',
  );
  console.log(
    row([
      'idle priority',
      'deployments (failed)',
      'deploy s (avg)',
      'sent',
      'failed',
      'p50 out',
      'p99 out',
      'p50 deploy',
      'p99 deploy',
      'p99 deploy/out',
      'p50 reload',
      'p99 reload',
      'p99 reload/out',
    ]),
  );
  console.log(row(new Array(13).fill('---')));
  const summaries = {};
  for (const c of configs) {
    const s = summarize(c.runs);
    summaries[c.name] = s;
    console.log(
      row([
        c.name,
        `${c.runs.length} (${s.deploymentsFailed})`,
        fmt(s.deploySeconds),
        String(s.sent),
        String(s.failed),
        fmt(s.outside.p50),
        fmt(s.outside.p99),
        fmt(s.during.p50),
        fmt(s.during.p99),
        s.duringRatio.toFixed(2),
        fmt(s.reload.p50),
        fmt(s.reload.p99),
        s.reloadRatio.toFixed(2),
      ]),
    );
  }
  console.log('\nper deployment (p99 ms; load average before the POST):');
  for (const c of configs) {
    for (const r of c.runs) {
      const s = summarize([r]);
      console.log(
        `  [idle ${c.name}] round ${r.round} ${r.commit}: ${r.status} in ${fmt(s.deploySeconds)} s, failed ${s.failed}/${s.sent}, ` +
          `out ${fmt(s.outside.p99)}, deploy ${fmt(s.during.p99)}, reload ${fmt(s.reload.p99)}; load ${r.load}`,
      );
    }
  }
  for (const [name, s] of Object.entries(summaries)) {
    if (s.failed > 0) console.log(`[idle ${name}] failures by reason ${JSON.stringify(s.failures)}`);
    for (const r of configs.find((c) => c.name === name).runs.filter((x) => x.error)) {
      console.log(`[idle ${name}] round ${r.round} ${r.status}: ${JSON.stringify(r.error)}`);
    }
    const met = s.failed === 0 && s.deploymentsFailed === 0 && s.duringRatio <= 1.5 && s.reloadRatio <= 1.1;
    console.log(
      `targets [idle ${name}] (0 failed requests and deployments, p99 deploy <= 1.5 x outside, p99 reload <= 1.1 x outside): ${met ? 'MET' : 'MISSED'}`,
    );
  }
  const results = {};
  for (const c of configs) {
    results[c.name] = {
      summary: summaries[c.name],
      runs: c.runs.map(({ requests, ...r }) => ({ ...r, summary: summarize([{ ...r, requests }]) })),
    };
  }
  saveResults(path.resolve(opts.work), date, { date, command, versions: vers, opts, loadStart, loadEnd, results });
}

module.exports = { main };
