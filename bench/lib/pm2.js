'use strict';
/* pm2 for the benchmarks: one pinned version, always with a PM2_HOME of the benchmark's own (never ~/.pm2). */
const fs = require('fs');
const path = require('path');
const { log, run, mustRun } = require('./proc');
const { REPO } = require('./paths');

const PM2_VERSION = '7.0.4';

function installed(prefix) {
  try {
    const pkg = path.join(prefix, 'node_modules', 'pm2', 'package.json');
    return JSON.parse(fs.readFileSync(pkg, 'utf8')).version === PM2_VERSION;
  } catch (_) {
    return false;
  }
}

/**
 * The bin script of pm2@7.0.4: the tests' install (target/pm2) when it is that version, else one
 * installed under <work>/pm2 on first use.
 */
async function ensurePm2(work) {
  let prefix = path.join(REPO, 'target', 'pm2');
  if (!installed(prefix)) {
    prefix = path.join(work, 'pm2');
    if (!installed(prefix)) {
      log(`installing pm2@${PM2_VERSION} into ${prefix}`);
      fs.mkdirSync(prefix, { recursive: true });
      fs.writeFileSync(path.join(prefix, 'package.json'), '{"private":true}\n');
      await mustRun('npm', ['install', '--no-audit', '--no-fund', `pm2@${PM2_VERSION}`], { cwd: prefix });
    }
  }
  return path.join(prefix, 'node_modules', 'pm2', 'bin', 'pm2');
}

/** `pm2 <args>` under `pm2Home`; resolves run's {code, out, err, ms}. `env`: more variables; `check`: throw on failure. */
function pm2(pm2Bin, pm2Home, args, { cwd, env = {}, check = false } = {}) {
  const options = { cwd, env: { ...process.env, ...env, PM2_HOME: pm2Home } };
  return (check ? mustRun : run)(process.execPath, [pm2Bin, ...args], options);
}

/** Kills the pm2 daemon of `pm2Home` and its apps, if one runs. */
function killPm2(pm2Bin, pm2Home) {
  return pm2(pm2Bin, pm2Home, ['kill']);
}

/**
 * Writes the seed's ecosystem.config.js (seed/design.md) to `file`: verbatim except
 * the app name, PORT, and, when given, cwd, extra env and the log directory.
 */
function writeSeedConfig(file, { name = 'sylvan-app', port, cwd, env = {}, logDir = './logs' }) {
  const app = {
    name,
    ...(cwd ? { cwd } : {}),
    script: 'npm',
    args: 'start',
    instances: 2,
    exec_mode: 'cluster',
    env: { NODE_ENV: 'production', PORT: port, ...env },
    error_file: `${logDir}/pm2-error.log`,
    out_file: `${logDir}/pm2-out.log`,
    log_date_format: 'YYYY-MM-DD HH:mm:ss Z',
    merge_logs: true,
    max_memory_restart: '1G',
    wait_ready: true,
    listen_timeout: 10000,
    kill_timeout: 5000,
  };
  return writeEcosystem(file, [app]);
}

/** A pm2 ecosystem file of `apps`. */
function writeEcosystem(file, apps) {
  fs.writeFileSync(file, `module.exports = ${JSON.stringify({ apps }, null, 2)};\n`);
  return file;
}

module.exports = { PM2_VERSION, ensurePm2, pm2, killPm2, writeSeedConfig, writeEcosystem };
