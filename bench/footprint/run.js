#!/usr/bin/env node
'use strict';
/*
 * Footprint benchmark: RSS of the idle operator and CPU per reconcile tick
 * with 1, 10 and 100 environments and no drift.
 *
 * Each environment is really in sync, as the operator observes it, without
 * 100 Node apps on the VM: its target root holds releases/r1 (REVISION file and
 * built marker) with `current` pointing at it; PM2 runs a process of the
 * environment's app name (`sleep`, interpreter none, env SYLVAN_COMMIT=<the
 * spec's commit>, 1 instance, online); one small Node server (not under PM2)
 * answers GET /api/health on every environment's port with {status ok, commit}.
 * So every reconcile does its real no-drift work: `pm2 jlist`, the `current`
 * release, one health round over HTTP, the status write to PostgreSQL.
 *
 * For each N it starts the PACKAGED operator with the README's JVM flags
 * (default tick 2 s, default spec poll 15 s, spec.reconcile.interval 30 s, a
 * fresh data dir with the embedded PostgreSQL, which is a separate process
 * and not counted), waits until all N are Synced, lets it settle, then over a
 * window (default 60 s = 30 ticks) reads /proc/<pid>/stat:
 *   JVM CPU = utime+stime delta, children CPU = cutime+cstime delta (the pm2
 *   and git commands it ran), per tick = delta / (window / tick),
 * and VmRSS / VmHWM from /proc/<pid>/status at the end. It checks that no
 * deployment was started (no drift means no pipeline).
 *
 * Usage: bench/footprint/run.sh [--envs 1,10,100] [--window-s 60] [--settle-s 15]
 *        [--work DIR] [--jvm-flags "..."] [--json FILE]
 */
const fs = require('fs');
const http = require('http');
const path = require('path');
const { execFileSync } = require('child_process');
const { parseOptions, onExit, runMain, versions } = require('../lib/cli');
const { sleep } = require('../lib/proc');
const { ensurePm2, pm2, writeEcosystem } = require('../lib/pm2');
const { gitRepo } = require('../lib/repos');
const { writeSpec } = require('../lib/spec');
const { JVM, Operator } = require('../lib/operator');
const { workDir } = require('../lib/paths');

const opts = parseOptions({
  envs: '1,10,100',
  windowS: 60,
  settleS: 15,
  work: workDir('footprint'),
  jvmFlags: undefined,
  json: undefined,
});
opts.work = path.resolve(opts.work);
const jvm = opts.jvmFlags ? { ...JVM.lowFootprint, flags: opts.jvmFlags.split(/\s+/) } : JVM.lowFootprint;

const TICK_S = 2;
const COMMIT = 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed';
const HZ = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
const SLEEP = execFileSync('sh', ['-c', 'command -v sleep'], { encoding: 'utf8' }).trim();

function cpuTicks(pid) {
  // Fields after the ")" of comm: state is field 3; utime 14, stime 15, cutime 16, cstime 17.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { self: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
}

function memory(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [])[1]);
  return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
}

/** n health endpoints on ports the OS picks (no race for a "free" port). */
async function healthServers(n) {
  const servers = [];
  for (let i = 0; i < n; i++) {
    const s = http.createServer((req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ status: 'ok', commit: COMMIT }));
    });
    await new Promise((r, j) => s.listen(0, r).on('error', j));
    servers.push(s);
  }
  return servers;
}

async function measure(n, pm2Bin) {
  const work = path.join(opts.work, `n${n}`);
  fs.mkdirSync(work, { recursive: true });
  const pm2Home = path.join(work, 'pm2home');
  const source = await gitRepo(path.join(work, 'app-source'));
  await source.commit('empty');
  const specs = path.join(work, 'specs');

  const servers = await healthServers(n);
  const apps = [];
  for (let i = 0; i < n; i++) {
    const root = path.join(work, 'roots', `fp-${i}`);
    const release = path.join(root, 'releases', 'r1');
    fs.mkdirSync(release, { recursive: true });
    fs.writeFileSync(path.join(release, 'REVISION'), COMMIT + '\n');
    fs.writeFileSync(path.join(release, '.sylvan-built'), '');
    fs.symlinkSync(release, path.join(root, 'current'));
    const port = servers[i].address().port;
    writeSpec(specs, `fp-${i}`, { variant: 'node', app: `fp-app-${i}`, repo: source.dir, commit: COMMIT, root, port });
    apps.push({
      name: `fp-app-${i}`,
      script: SLEEP,
      args: '100000',
      interpreter: 'none',
      cwd: release,
      autorestart: false,
      env: { SYLVAN_COMMIT: COMMIT, PORT: String(port) },
    });
  }
  const eco = writeEcosystem(path.join(work, 'ecosystem.config.js'), apps);
  const op = new Operator({
    work: opts.work,
    name: `operator-n${n}`,
    jvm,
    dataDir: path.join(work, 'data'),
    pm2Bin,
    pm2Home,
    settings: { SYLVAN_SPECS_DIRECTORY: specs },
  });
  onExit(() => op.stop());
  onExit(() => servers.forEach((s) => s.listening && s.close()));
  try {
    fs.mkdirSync(pm2Home, { recursive: true });
    await pm2(pm2Bin, pm2Home, ['start', eco], { check: true });
    await op.start();
    const wanted = {};
    for (let i = 0; i < n; i++) wanted[`fp-${i}`] = COMMIT;
    await op.awaitSynced(wanted, 300000);
    const deploymentsBefore = (await op.json('/deployments?limit=500')).length;
    await sleep(opts.settleS * 1000);
    const a = cpuTicks(op.pid);
    await sleep(opts.windowS * 1000);
    const b = cpuTicks(op.pid);
    const mem = memory(op.pid);
    const deploymentsAfter = (await op.json('/deployments?limit=500')).length;
    const envs = await op.environments();
    const ticks = opts.windowS / TICK_S;
    const ms = (t) => (t * 1000) / HZ;
    return {
      environments: n,
      synced: envs.filter((e) => e.sync === 'Synced').length,
      deploymentsDuringWindow: deploymentsAfter - deploymentsBefore,
      deploymentsTotal: deploymentsAfter,
      rssMb: mem.rssMb,
      hwmMb: mem.hwmMb,
      ticks,
      jvmCpuMsPerTick: ms(b.self - a.self) / ticks,
      childCpuMsPerTick: ms(b.children - a.children) / ticks,
    };
  } finally {
    await op.stop();
    servers.forEach((s) => s.close());
  }
}

async function main() {
  fs.rmSync(opts.work, { recursive: true, force: true });
  fs.mkdirSync(opts.work, { recursive: true });
  const pm2Bin = await ensurePm2(opts.work);
  const rows = [];
  for (const n of opts.envs.split(',').map(Number)) {
    console.error(`measuring ${n} environment(s)...`);
    rows.push(await measure(n, pm2Bin));
    console.error(JSON.stringify(rows[rows.length - 1]));
  }
  const f = (v) => v.toFixed(1);
  console.log(`# Footprint, ${new Date().toISOString()}, JVM flags: ${jvm.flags.join(' ')}`);
  console.log(`# ${JSON.stringify(await versions(pm2Bin))}`);
  console.log(
    `# window ${opts.windowS} s = ${opts.windowS / TICK_S} ticks of ${TICK_S} s, spec.reconcile.interval 30 s`,
  );
  console.log(
    '| environments | Synced | deployments in window | RSS MB | peak RSS MB | JVM CPU ms/tick | + children (pm2, git) ms/tick | total ms/tick |',
  );
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    console.log(
      `| ${r.environments} | ${r.synced} | ${r.deploymentsDuringWindow} | ${f(r.rssMb)} | ${f(r.hwmMb)} | ${f(r.jvmCpuMsPerTick)} | ${f(r.childCpuMsPerTick)} | ${f(r.jvmCpuMsPerTick + r.childCpuMsPerTick)} |`,
    );
  }
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(rows, null, 2));
}

runMain(main);
