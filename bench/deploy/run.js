#!/usr/bin/env node
'use strict';
/*
 * Deploy-time benchmark: wall time of an update whose lockfile did not change,
 * the operator's pipeline with and without its pre-traffic preview against the
 * seed's flow, on the same machine, side by side in one run.
 *
 *   ours:      the packaged operator (loop off; own data dir and PM2_HOME)
 *              deploys each commit through POST /environments/{env}/deploy:
 *              checkout into a new release, backup, node_modules reused
 *              (lockfile unchanged), build in the new release, Next.js
 *              preflight, the pre-traffic preview (the release started beside
 *              the serving one and health-checked), switch, reload one instance
 *              at a time, verify, health check. Timed from the POST to the
 *              deployment's end; per-step times from GET /deployments/{id}.
 *   ours-nopreview: the same with `spec.healthCheck.preview: false`.
 *   seed:      a plain checkout under its own PM2_HOME, the seed's ecosystem
 *              config and update script (bench/lib/seed.js), timed as a whole.
 *              Its `pm2 reload` exiting 1 ("[PM2][ERROR] process already
 *              started") is counted and printed, not a crash of the benchmark.
 *
 * Both first deploy commit A (not timed); then each run makes, per flow, a
 * commit that changes a harmless file and deploys it (flow order: the permutations in turn).
 *
 * Usage: bench/deploy/run.sh [--runs 3] [--work DIR] [--port 18490]
 *        [--app-port 4490] [--seed-port 4491] [--flows ours,ours-nopreview,seed]
 */

const path = require('path');
const { flowOrder, parseOptions, onExit, cleanupAll, runMain, saveResults, loadavg, versions } = require('../lib/cli');
const { log, sleep } = require('../lib/proc');
const { stats } = require('../lib/stats');
const { startNextEnv } = require('../lib/next-env');
const { Seed, servedCommits } = require('../lib/seed');
const { workDir } = require('../lib/paths');

const opts = parseOptions({
  runs: 3,
  work: workDir('deploy'),
  port: 18490,
  appPort: 4490,
  seedPort: 4491,
  flows: 'ours,ours-nopreview,seed',
});
const WORK = path.resolve(opts.work);
const FLOWS = opts.flows.split(',').filter(Boolean);

async function ours(op, repo, commit, preview) {
  op.writeSpec(repo.dir, commit, { healthCheck: { preview } });
  const t0 = Date.now();
  const d = await op.waitSuccess(await op.deploy(), `ours (preview ${preview}): deployment`);
  const ms = Date.now() - t0;
  const steps = {};
  for (const s of d.steps) if (s.status !== 'skipped') steps[s.name] = s.duration;
  return { ms, steps, durationMs: d.durationMs };
}

/** True when every one of 10 answers names `commit`; `seen` keeps what answered. */
async function serves(port, commit) {
  const seen = await servedCommits(port);
  return { served: Object.keys(seen).length === 1 && seen[commit] === 10, seen };
}

const sec = (ms) => (ms / 1000).toFixed(1);
const stepsText = (steps) =>
  Object.entries(steps)
    .map(([k, v]) => `${k} ${sec(v)}`)
    .join(', ');

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
  const seed = new Seed({ work: WORK, pm2Bin, repoDir: repo.dir, port: opts.seedPort });
  onExit(() => seed.kill());
  log('initial deployment of A, ours (not timed)');
  await ours(op, repo, commitA, true);
  if (FLOWS.includes('seed')) {
    log('initial deployment of A, seed (not timed)');
    await seed.init();
    const first = await seed.update(commitA, true);
    if (first.pm2.code !== 0) log(`seed: pm2 start exited ${first.pm2.code} ${first.pm2.error}`);
  }

  const results = [];
  for (let i = 1; i <= opts.runs; i++) {
    const order = flowOrder(FLOWS, i);
    const r = { run: i, load: [] };
    for (const who of order) {
      const commit = await repo.commitChange(`update ${i} ${who}`);
      const load = loadavg();
      r.load.push(`${who} ${load}`);
      log(`run ${i}: ${who} deploys ${commit.slice(0, 12)} (load ${load})`);
      if (who === 'seed') r[who] = await seed.update(commit, false);
      else r[who] = await ours(op, repo, commit, who === 'ours');
      await sleep(2000);
      Object.assign(r[who], await serves(who === 'seed' ? opts.seedPort : opts.appPort, commit));
      r[who].commit = commit.slice(0, 12);
      const pm2 = r[who].pm2 && r[who].pm2.code !== 0 ? `; pm2 reload exit ${r[who].pm2.code} ${r[who].pm2.error}` : '';
      log(
        `run ${i}: ${who} ${sec(r[who].ms)} s (${stepsText(r[who].steps)}) serves the new commit: ${r[who].served}${pm2}`,
      );
    }
    results.push(r);
  }
  const vers = await versions(pm2Bin, path.join(op.root, 'current'));
  await cleanupAll();

  console.log(`\n## Deploy time\ndate ${date}; command: ${command}`);
  console.log(`versions ${JSON.stringify(vers)}`);
  console.log(`load average (1/5/15 min) before ${loadBefore}, after ${loadavg()}`);
  console.log(
    `| run | ${FLOWS.map((f) => `${f} (s)`).join(' | ')} | ours/ours-nopreview | load average at each start |`,
  );
  console.log(`|---|${FLOWS.map(() => '---|').join('')}---|---|`);
  const ratio = (r) => (r.ours && r['ours-nopreview'] ? (r.ours.ms / r['ours-nopreview'].ms).toFixed(2) : 'n/a');
  for (const r of results) {
    const cells = FLOWS.map((f) => `${sec(r[f].ms)}${r[f].served ? '' : ' (new commit NOT served)'}`);
    console.log(`| ${r.run} | ${cells.join(' | ')} | ${ratio(r)} | ${r.load.join('; ')} |`);
  }
  console.log('\nper-step times (s):');
  for (const r of results) for (const f of FLOWS) console.log(`- run ${r.run} ${f}: ${stepsText(r[f].steps)}`);
  const p50 = {};
  for (const f of FLOWS) p50[f] = stats(results.map((r) => r[f].ms)).p50;
  console.log(`\np50 (s): ${FLOWS.map((f) => `${f} ${sec(p50[f])}`).join(', ')}`);
  for (const f of FLOWS) {
    const notServed = results.filter((r) => !r[f].served);
    console.log(
      `${f}: new commit served after ${results.length - notServed.length} of ${results.length} updates` +
        (notServed.length ? `; answers when not: ${notServed.map((r) => JSON.stringify(r[f].seen)).join(' ')}` : ''),
    );
  }
  if (FLOWS.includes('seed')) {
    const failedReloads = results.filter((r) => r.seed.pm2.code !== 0);
    const lines = [...new Set(failedReloads.map((r) => r.seed.pm2.error).filter(Boolean))];
    console.log(
      `seed: pm2 reload failed (exit != 0) in ${failedReloads.length} of ${results.length} updates` +
        `${lines.length ? `: ${JSON.stringify(lines)}` : ''}; of those, new commit served after ${failedReloads.filter((r) => r.seed.served).length}`,
    );
  }
  if (p50.ours && p50['ours-nopreview']) {
    const gate = p50.ours / p50['ours-nopreview'] - 1;
    console.log(
      `preview gate adds ${(gate * 100).toFixed(1)}% (p50s); target <= 15%: ${gate <= 0.15 ? 'MET' : 'MISSED'}`,
    );
  }
  if (p50.ours && p50.seed) {
    const ratioSeed = p50.ours / p50.seed;
    console.log(
      `ours/seed (p50s) ${ratioSeed.toFixed(2)}; target ours <= 0.6 x seed: ${ratioSeed <= 0.6 ? 'MET' : 'MISSED'}`,
    );
  }
  saveResults(WORK, date, { date, command, versions: vers, opts, results });
}

runMain(main);
