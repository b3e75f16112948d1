#!/usr/bin/env node
'use strict';
/*
 * Zero-downtime reload benchmark for the Sylvan launcher.
 *
 * Self-contained: no npm dependencies for this program. Into its own work dir
 * (default bench/.work, gitignored) it installs pm2@7.0.4 and the Next.js
 * fixture's dependencies, builds the fixture once, then for each config
 *   seed: the seed's ecosystem config (script 'npm', args 'start', cluster x2,
 *         wait_ready, listen_timeout 10000, kill_timeout 5000)
 *   ours: the project's ecosystem.config.js + sylvan-launcher.js
 * starts the app under its own fresh PM2_HOME (never ~/.pm2), runs a
 * fixed-rate keep-alive HTTP load on loopback while doing N `pm2 reload`s, and
 * prints requests sent / failed / success % and p50/p99 latency outside and
 * during reloads. Kills its pm2 daemons at the end (also on Ctrl-C).
 *
 * Usage: bench/zero-downtime/run.sh [--reloads 20] [--rate 200] [--configs seed,ours]
 *        [--work DIR] [--port 4400] [--settle-ms 2000] [--baseline-ms 10000]
 *        [--path /api/health] [--timeout-ms 10000] [--max-requests 200000]
 *        [--min-requests 40000: load continues after the last reload until sent]
 *        [--drain-ms N] [--exit-grace-ms N] [--boot-nice N] [--json FILE]
 *        [--client-nice N: e.g. -5; the load generator's own priority once PM2 runs, so its
 *         scheduling delays on a loaded 2-CPU machine are not counted as server latency;
 *         pm2 commands it runs afterwards are started back at nice 0; needs root]
 *        [--raw FILE: every request (issue time, latency, ok, new connection, worker pid) and reload
 *         window of each config, for finding what a latency spike lines up with]
 *        [--fixture DIR] (default the CI fixture, next 16 app router;
 *         bench/zero-downtime/next12-pages is a Next 12 pages-router app: use its own --work)
 *
 * Whole deployments instead of bare reloads: --deployments N [--idle on,off] [--rate 200]
 *        [--baseline-ms 10000] [--work DIR] [--port 4400] (see deployments.js): the packaged
 *        operator deploys N new commits (install/build/preview/reload) under load, with and
 *        without its idle CPU priority (sylvan.deploy.idle-priority), interleaved.
 */

const fs = require('fs');
const os = require('os');
const path = require('path');
const { parseOptions, onExit, cleanupAll, runMain, saveResults, versions } = require('../lib/cli');
const { log, run, mustRun, poll } = require('../lib/proc');
const { request } = require('../lib/http');
const { startLoad } = require('../lib/load');
const { percentile, stats } = require('../lib/stats');
const { ensurePm2, killPm2, writeSeedConfig } = require('../lib/pm2');
const { copyDir } = require('../lib/repos');
const { REPO, FIXTURES, LAUNCHER, ECOSYSTEM, workDir } = require('../lib/paths');

const COMMIT = 'b3e1c0ffee0ddba11c0ffee0ddba11c0ffee0d00'; // fixed 40-hex fake commit for the fixture

// ---------------------------------------------------------------- options
const opts = parseOptions({
  reloads: 20,
  rate: 200,
  configs: 'seed,ours',
  fixture: path.join(FIXTURES, 'next-app'),
  work: workDir(),
  port: 4400,
  settleMs: 2000,
  baselineMs: 10000,
  path: '/api/health',
  timeoutMs: 10000,
  maxRequests: 200000,
  minRequests: 40000,
  drainMs: undefined,
  exitGraceMs: undefined,
  json: undefined,
  raw: undefined,
  bootNice: undefined,
  clientNice: 0,
  deployments: 0,
  idle: 'on,off',
});
const WORK = path.resolve(opts.work);
const APP = path.join(WORK, 'app');
let PM2_BIN; // set by setup()

// ---------------------------------------------------------------- setup

async function setup() {
  fs.mkdirSync(WORK, { recursive: true });
  PM2_BIN = await ensurePm2(WORK);
  // fresh copy of the fixture sources; keep node_modules between runs
  for (const f of ['app', 'pages', 'package.json', 'next.config.js'])
    fs.rmSync(path.join(APP, f), { recursive: true, force: true });
  fs.rmSync(path.join(APP, '.next'), { recursive: true, force: true });
  copyDir(path.resolve(opts.fixture), APP);
  log('npm install (fixture)');
  const inst = await mustRun('npm', ['install', '--no-audit', '--no-fund'], { cwd: APP });
  log(`npm install done in ${(inst.ms / 1000).toFixed(1)} s`);
  log('next build (fixture)');
  const build = await mustRun(path.join(APP, 'node_modules', '.bin', 'next'), ['build'], {
    cwd: APP,
    env: { ...process.env, NODE_ENV: 'production', SYLVAN_COMMIT: COMMIT, NEXT_TELEMETRY_DISABLED: '1' },
  });
  log(`next build done in ${(build.ms / 1000).toFixed(1)} s`);
}

// ---------------------------------------------------------------- pm2 configs
function seedConfigFile(port) {
  // The seed's ecosystem.config.js (seed/design.md) verbatim, except PORT.
  return writeSeedConfig(path.join(APP, 'ecosystem.seed.config.js'), { port });
}

// The operator copies the launcher out of its jar; do the same, so editing
// the source while a benchmark runs cannot change the workers it reloads.
function launcherCopy() {
  const dst = path.join(WORK, 'launcher', 'sylvan-launcher.js');
  fs.mkdirSync(path.dirname(dst), { recursive: true });
  fs.copyFileSync(LAUNCHER, dst);
  return dst;
}

function configFor(name, port, pm2Home) {
  const base = { ...process.env, PM2_HOME: pm2Home, NEXT_TELEMETRY_DISABLED: '1' };
  // never let a caller's pm2/Sylvan variables leak in
  for (const k of Object.keys(base)) if (k.startsWith('SYLVAN_')) delete base[k];
  if (name === 'seed') {
    return { app: 'sylvan-app', file: seedConfigFile(port), cwd: APP, env: base };
  }
  if (name === 'ours') {
    const logDir = path.join(WORK, `logs-ours`);
    fs.mkdirSync(logDir, { recursive: true });
    const env = {
      ...base,
      SYLVAN_APP_NAME: 'sylvan-bench',
      SYLVAN_RELEASE_DIR: APP,
      SYLVAN_COMMIT: COMMIT,
      SYLVAN_PORT: String(port),
      SYLVAN_INSTANCES: '2',
      SYLVAN_LOG_DIR: logDir,
      SYLVAN_MAX_MEMORY_RESTART: '1G',
      SYLVAN_LAUNCHER: launcherCopy(),
      SYLVAN_ENVIRONMENT: 'bench',
      SYLVAN_WARMUP_PATHS:
        process.env.BENCH_WARMUP_PATHS !== undefined ? process.env.BENCH_WARMUP_PATHS : `/,${opts.path}`,
    };
    if (opts.drainMs !== undefined) env.SYLVAN_DRAIN_MS = String(opts.drainMs);
    if (opts.exitGraceMs !== undefined) env.SYLVAN_EXIT_GRACE_MS = String(opts.exitGraceMs);
    if (opts.bootNice !== undefined) env.SYLVAN_BOOT_NICE = String(opts.bootNice);
    return { app: 'sylvan-bench', file: ECOSYSTEM, cwd: APP, env };
  }
  throw new Error(`unknown config ${name}`);
}

let clientNice = 0;
function setClientPriority(n) {
  for (const t of fs.readdirSync('/proc/self/task')) os.setPriority(Number(t), n);
  clientNice = n;
}

function pm2(cfg, args) {
  // children inherit the client's priority: start pm2 commands back at nice 0
  if (clientNice !== 0)
    return run('nice', ['-n', String(-clientNice), process.execPath, PM2_BIN, ...args], { cwd: cfg.cwd, env: cfg.env });
  return run(process.execPath, [PM2_BIN, ...args], { cwd: cfg.cwd, env: cfg.env });
}

async function jlist(cfg) {
  const r = await pm2(cfg, ['jlist']);
  const i = r.out.indexOf('[');
  try {
    return JSON.parse(r.out.slice(i));
  } catch (_) {
    return [];
  }
}

// ---------------------------------------------------------------- load generator
function waitHealthy(port, ms, message) {
  const check = async () => (await request('GET', port, opts.path, { timeoutMs: 2000 })).status === 200;
  return poll(check, { timeoutMs: ms, everyMs: 250, message });
}

function summarize(results, windows) {
  const inWindow = (t) => windows.some((w) => t >= w.start && t <= w.end + 1000);
  const outside = [];
  const during = [];
  // during-reload latencies split by connection: a request that had to open a
  // new TCP connection (its keep-alive socket was closed by a draining worker)
  // pays the connect and the cluster master's hand-off to a worker
  const duringFresh = [];
  const duringReused = [];
  const failures = {};
  let failed = 0;
  for (const r of results) {
    if (!r.ok) {
      failed += 1;
      failures[r.why] = (failures[r.why] || 0) + 1;
    }
    if (r.ok) (inWindow(r.t) ? during : outside).push(r.ms);
    if (r.ok && inWindow(r.t)) (r.fresh ? duringFresh : duringReused).push(r.ms);
  }
  const failedDuring = results.filter((r) => !r.ok && inWindow(r.t)).length;
  // per-second timeline (by issue time) for the JSON file: where failures and
  // latency spikes sit relative to the reload windows
  const t0 = results.reduce((m, r) => Math.min(m, r.t), Infinity);
  const buckets = new Map();
  for (const r of results) {
    const k = Math.floor((r.t - t0) / 1000);
    if (!buckets.has(k)) buckets.set(k, { s: k, sent: 0, failed: 0, lat: [] });
    const b = buckets.get(k);
    b.sent += 1;
    if (!r.ok) b.failed += 1;
    else b.lat.push(r.ms);
  }
  const timeline = [...buckets.values()]
    .sort((a, b) => a.s - b.s)
    .map((b) => {
      const w =
        Number.isFinite(t0) &&
        windows.some((x) => t0 + b.s * 1000 + 500 >= x.start && t0 + b.s * 1000 + 500 <= x.end + 1000);
      return {
        s: b.s,
        reload: w,
        sent: b.sent,
        failed: b.failed,
        p50: percentile(b.lat, 50),
        p99: percentile(b.lat, 99),
      };
    });
  return {
    sent: results.length,
    failed,
    failedDuringReloads: failedDuring,
    failures,
    successPct: results.length ? (100 * (results.length - failed)) / results.length : 0,
    outside: stats(outside),
    during: stats(during),
    duringNewConnection: stats(duringFresh),
    duringReusedConnection: stats(duringReused),
    timeline,
  };
}

// ---------------------------------------------------------------- one config

async function benchConfig(name, port) {
  const pm2Home = path.join(WORK, `pm2-home-${name}-${Date.now()}`);
  fs.mkdirSync(pm2Home, { recursive: true });
  onExit(() => killPm2(PM2_BIN, pm2Home));
  const cfg = configFor(name, port, pm2Home);
  log(`[${name}] PM2_HOME=${pm2Home} port=${port}: pm2 start ${path.relative(REPO, cfg.file) || cfg.file}`);
  const st = await pm2(cfg, ['start', cfg.file]);
  log(`[${name}] pm2 start exit ${st.code} in ${(st.ms / 1000).toFixed(1)} s`);
  await waitHealthy(port, 60000, `[${name}] app not healthy on ${port}`);
  // let both instances come up (seed: the 2nd may never)
  await new Promise((r) => setTimeout(r, 3000));
  const before = (await jlist(cfg)).map((p) => `${p.pm_id}:${p.pm2_env.status}`).join(' ');
  log(`[${name}] healthy; pm2 status ${before}`);

  if (opts.clientNice !== 0) setClientPriority(opts.clientNice);
  // warm-up, not measured
  const warm = startLoad({ ...opts, port });
  await new Promise((r) => setTimeout(r, 3000));
  await warm.stop();

  const load = startLoad({ ...opts, port });
  const windows = [];
  const reloadInfo = [];
  await new Promise((r) => setTimeout(r, opts.baselineMs / 2));
  for (let i = 0; i < opts.reloads; i++) {
    const start = Date.now();
    const r = await pm2(cfg, ['reload', cfg.app]);
    const end = Date.now();
    windows.push({ start, end });
    const pm2Error = /\[PM2\]\[ERROR\]/.test(r.out + r.err);
    const errLine = ((r.out + r.err).split('\n').find((l) => l.includes('[PM2][ERROR]')) || '')
      .replace(/\x1b\[[0-9;]*m/g, '')
      .trim();
    reloadInfo.push({ ms: end - start, code: r.code, pm2Error, errLine });
    log(
      `[${name}] reload ${i + 1}/${opts.reloads}: exit ${r.code} in ${((end - start) / 1000).toFixed(1)} s` +
        `${pm2Error ? ' [PM2][ERROR] printed' : ''}; requests so far ${load.sent}`,
    );
    await new Promise((res) => setTimeout(res, opts.settleMs));
  }
  await new Promise((r) => setTimeout(r, opts.baselineMs / 2));
  // keep the (reload-free) load going until the request target is reached
  while (load.sent < Math.min(opts.minRequests, opts.maxRequests)) await new Promise((r) => setTimeout(r, 100));
  const results = await load.stop();
  const procs = await jlist(cfg);
  const summary = summarize(results, windows);
  if (opts.raw) {
    const file = `${opts.raw}.${name}.json`;
    fs.writeFileSync(
      file,
      JSON.stringify({
        windows,
        requests: results.map((r) => [Math.round(r.t), +r.ms.toFixed(2), r.ok ? 1 : 0, r.fresh ? 1 : 0, r.pid || 0]),
      }),
    );
    log(`[${name}] raw requests: ${file}`);
  }
  summary.reloads = reloadInfo.length;
  summary.reloadSecondsAvg = reloadInfo.reduce((a, b) => a + b.ms, 0) / Math.max(1, reloadInfo.length) / 1000;
  summary.reloadErrorsPrinted = reloadInfo.filter((x) => x.pm2Error).length;
  summary.reloadNonZeroExit = reloadInfo.filter((x) => x.code !== 0).length;
  summary.reloadErrorLines = [...new Set(reloadInfo.map((x) => x.errLine).filter(Boolean))];
  summary.pm2After = procs.map((p) => ({
    id: p.pm_id,
    status: p.pm2_env.status,
    restart_time: p.pm2_env.restart_time,
    unstable_restarts: p.pm2_env.unstable_restarts,
  }));
  const health = await request('GET', port, opts.path, { timeoutMs: 2000 });
  summary.healthAfter = health.status === 200 ? JSON.parse(health.body) : health;
  await pm2(cfg, ['kill']);
  if (clientNice !== 0) setClientPriority(0);
  log(`[${name}] done; pm2 daemon killed`);
  return summary;
}

function fmt(n) {
  return Number.isFinite(n) ? n.toFixed(1) : 'n/a';
}

function printTable(all, meta) {
  console.log('\n=== Zero-downtime reload benchmark ===');
  console.log(`date: ${meta.date}`);
  console.log(
    `versions: node ${meta.versions.node}, pm2 ${meta.versions.pm2}, next ${meta.versions.next}, react ${meta.versions.react}; ${meta.versions.os}; ${meta.versions.cpus}`,
  );
  console.log(
    `load: ${opts.rate} req/s GET ${opts.path} on 127.0.0.1, keep-alive agent (maxSockets 64), timeout ${opts.timeoutMs} ms; ${opts.reloads} reloads, settle ${opts.settleMs} ms; "during" = reload command start .. end + 1 s`,
  );
  console.log(`command: ${meta.command}\n`);
  const rows = [
    [
      'config',
      'sent',
      'failed',
      'success %',
      'p50 out',
      'p99 out',
      'p50 reload',
      'p99 reload',
      'p99 ratio',
      'reload s (avg)',
      'PM2 ERROR printed',
    ],
  ];
  for (const [name, s] of Object.entries(all)) {
    rows.push([
      name,
      String(s.sent),
      String(s.failed),
      s.successPct.toFixed(3),
      fmt(s.outside.p50),
      fmt(s.outside.p99),
      fmt(s.during.p50),
      fmt(s.during.p99),
      (s.during.p99 / s.outside.p99).toFixed(2),
      s.reloadSecondsAvg.toFixed(1),
      `${s.reloadErrorsPrinted}/${s.reloads}`,
    ]);
  }
  const w = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  for (const r of rows) console.log('| ' + r.map((x, c) => x.padEnd(w[c])).join(' | ') + ' |');
  console.log('(latencies in ms)');
  for (const [name, s] of Object.entries(all)) {
    console.log(
      `${name}: failures by reason ${JSON.stringify(s.failures)}; failed during reloads ${s.failedDuringReloads}; ` +
        `pm2 after ${JSON.stringify(s.pm2After)}; health after ${JSON.stringify(s.healthAfter)}; ` +
        `reload exit!=0 ${s.reloadNonZeroExit}/${s.reloads}; pm2 error lines ${JSON.stringify(s.reloadErrorLines)}`,
    );
    const nc = s.duringNewConnection;
    const rc = s.duringReusedConnection;
    console.log(
      `${name}: during reloads, new connections n=${nc.n} p50 ${fmt(nc.p50)} p99 ${fmt(nc.p99)}; ` +
        `reused keep-alive connections n=${rc.n} p50 ${fmt(rc.p50)} p99 ${fmt(rc.p99)} (ms)`,
    );
  }
}

async function main() {
  if (opts.deployments > 0) return require('./deployments').main(opts);
  const command = `bench/zero-downtime/run.sh ${process.argv.slice(2).join(' ')}`.trim();
  const date = new Date().toISOString();
  await setup();
  const meta = { date, command, versions: await versions(PM2_BIN, APP), opts };
  const all = {};
  let port = opts.port;
  for (const name of opts.configs
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    try {
      all[name] = await benchConfig(name, port);
    } catch (e) {
      console.error(`[${name}] failed: ${e.message}`);
    }
    port += 1; // a seed crash loop must not hold the next config's port
  }
  await cleanupAll();
  printTable(all, meta);
  console.log('');
  saveResults(WORK, date, { meta, results: all }, opts.json);
  const ours = all.ours;
  if (ours) {
    const ok =
      ours.failed === 0 && ours.reloads >= 20 && ours.sent >= 40000 && ours.during.p99 <= 1.1 * ours.outside.p99;
    console.log(
      `targets for ours (0 failed, >= 20 reloads, >= 40000 requests, p99 during <= 1.1 x outside): ${ok ? 'MET' : 'MISSED'}`,
    );
  }
}

runMain(main);
