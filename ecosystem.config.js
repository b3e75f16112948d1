'use strict';
/*
 * PM2 ecosystem config the Sylvan Operator applies to every environment.
 *
 * Everything environment-specific comes from variables the operator sets when
 * it runs `pm2 start|reload ecosystem.config.js` (with its own PM2_HOME):
 *
 *   required  SYLVAN_APP_NAME       PM2 app name (spec metadata.name)
 *   required  SYLVAN_RELEASE_DIR    absolute release directory (cwd)
 *   required  SYLVAN_COMMIT         full 40-hex commit of that release
 *   required  SYLVAN_PORT           port the app listens on (1-65535)
 *   required  SYLVAN_LOG_DIR        absolute log directory (<root>/logs)
 *   required  SYLVAN_LAUNCHER       absolute path of sylvan-launcher.js on disk
 *   required  SYLVAN_ENVIRONMENT    environment name (production, test, ...)
 *   optional  SYLVAN_INSTANCES      positive integer or 'max' (default 2)
 *   optional  SYLVAN_MAX_MEMORY_RESTART  e.g. 1G, 512M (default 1G)
 *   optional  SYLVAN_DEPLOYMENT_ID  Next's deployment id the release was built with
 *                                   (passed as NEXT_DEPLOYMENT_ID; empty = none)
 *   optional  SYLVAN_SCRIPT         custom script relative to the release dir
 *                                   (plain Node apps); unset = Next.js mode
 *   optional  SYLVAN_HOSTNAME       bind address (default '::' = dual-stack)
 *   optional  SYLVAN_DRAIN_MS       Connection: close window (default 1500)
 *   optional  SYLVAN_EXIT_GRACE_MS  wait after close (default 1000)
 *   optional  SYLVAN_BOOT_NICE      nice increment while a worker boots (default 10; 0 = off)
 *   optional  SYLVAN_BOOT_IDLE      1 = boot at SCHED_IDLE, else nice 19, instead of
 *                                   SYLVAN_BOOT_NICE (default 0: opt-in, see zero-downtime.md)
 *   optional  SYLVAN_WARMUP_ROUNDS  warm-up rounds over SYLVAN_WARMUP_PATHS (default 30)
 *   optional  SYLVAN_KILL_TIMEOUT   PM2 kill_timeout (default 8000; >= drain + grace + 5000)
 *   optional  SYLVAN_WARMUP_PATHS   comma-separated GET paths the launcher
 *                                   requests before 'ready' (default '/';
 *                                   the operator adds the health path)
 *
 * The seed's config (seed/design.md, section 2) is the baseline; every option
 * that differs from it carries a comment saying why, with what was measured on
 * this machine (pm2 7.0.4, next 16.4.6, Node 20; architecture.md section 6 and
 * docs/benchmarks.md).
 *
 * Note for the operator: `pm2 reload` keeps a process's env unless it is run
 * with --update-env (or through this file), and pm2 exits 0 on failures: check
 * `pm2 jlist` (status, pm_cwd, env.SYLVAN_COMMIT) and /api/health after every
 * reload.
 */

const path = require('path');

const problems = [];

function required(name) {
  const v = process.env[name];
  if (v === undefined || String(v).trim() === '') {
    problems.push(`${name} is required but not set`);
    return undefined;
  }
  return String(v).trim();
}

function optional(name, dflt) {
  const v = process.env[name];
  return v === undefined || String(v).trim() === '' ? dflt : String(v).trim();
}

function intIn(name, raw, min, max) {
  if (raw === undefined) return undefined;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    problems.push(`${name} must be an integer in [${min}, ${max}], got '${raw}'`);
    return undefined;
  }
  return Number(raw);
}

function absolute(name, raw) {
  if (raw !== undefined && !path.isAbsolute(raw)) problems.push(`${name} must be an absolute path, got '${raw}'`);
  return raw;
}

const appName = required('SYLVAN_APP_NAME');
const releaseDir = absolute('SYLVAN_RELEASE_DIR', required('SYLVAN_RELEASE_DIR'));
const commit = required('SYLVAN_COMMIT');
if (commit !== undefined && !/^[0-9a-f]{40}$/.test(commit)) {
  problems.push(`SYLVAN_COMMIT must be a full 40-hex lowercase commit sha, got '${commit}'`);
}
const port = intIn('SYLVAN_PORT', required('SYLVAN_PORT'), 1, 65535);
const logDir = absolute('SYLVAN_LOG_DIR', required('SYLVAN_LOG_DIR'));
const launcher = absolute('SYLVAN_LAUNCHER', required('SYLVAN_LAUNCHER'));
const environment = required('SYLVAN_ENVIRONMENT');

const instancesRaw = optional('SYLVAN_INSTANCES', '2');
const instances = instancesRaw === 'max' ? 'max' : intIn('SYLVAN_INSTANCES', instancesRaw, 1, 256);
const maxMemoryRestart = optional('SYLVAN_MAX_MEMORY_RESTART', '1G');
if (!/^\d+[KMG]?$/i.test(maxMemoryRestart)) {
  problems.push(`SYLVAN_MAX_MEMORY_RESTART must look like 1G, 512M or bytes, got '${maxMemoryRestart}'`);
}
const script = optional('SYLVAN_SCRIPT', undefined);
if (script !== undefined && (path.isAbsolute(script) || script.split(/[\\/]/).includes('..'))) {
  problems.push(`SYLVAN_SCRIPT must be a path inside the release directory, got '${script}'`);
}
const hostname = optional('SYLVAN_HOSTNAME', '::');
const warmupPaths = optional('SYLVAN_WARMUP_PATHS', '/');
if (!warmupPaths.split(',').every((p) => p.trim() === '' || p.trim().startsWith('/'))) {
  problems.push(`SYLVAN_WARMUP_PATHS must be comma-separated paths starting with '/', got '${warmupPaths}'`);
}
const drainMs = intIn('SYLVAN_DRAIN_MS', optional('SYLVAN_DRAIN_MS', '1500'), 0, 60000);
const exitGraceMs = intIn('SYLVAN_EXIT_GRACE_MS', optional('SYLVAN_EXIT_GRACE_MS', '1000'), 0, 60000);
const bootNice = intIn('SYLVAN_BOOT_NICE', optional('SYLVAN_BOOT_NICE', '10'), 0, 19);
const bootIdle = intIn('SYLVAN_BOOT_IDLE', optional('SYLVAN_BOOT_IDLE', '0'), 0, 1);
const warmupRounds = intIn('SYLVAN_WARMUP_ROUNDS', optional('SYLVAN_WARMUP_ROUNDS', '30'), 1, 1000);
const killTimeout = intIn('SYLVAN_KILL_TIMEOUT', optional('SYLVAN_KILL_TIMEOUT', '8000'), 1000, 600000);
if (
  drainMs !== undefined &&
  exitGraceMs !== undefined &&
  killTimeout !== undefined &&
  killTimeout < drainMs + exitGraceMs + 5000
) {
  problems.push(
    `SYLVAN_KILL_TIMEOUT (${killTimeout}) must be at least SYLVAN_DRAIN_MS + SYLVAN_EXIT_GRACE_MS + 5000 ` +
      `(${drainMs + exitGraceMs + 5000}): the launcher also waits up to 4 s for idle keep-alive sockets ` +
      `and exits 1 s before kill_timeout, so PM2 never SIGKILLs a draining worker`,
  );
}

if (problems.length > 0) {
  // PM2 prints this message when it cannot load the file.
  throw new Error(`Sylvan ecosystem.config.js: invalid environment:\n  - ${problems.join('\n  - ')}`);
}

const env = {
  NODE_ENV: 'production',
  PORT: String(port),
  // Set explicitly (seed: unset): otherwise a container's exported HOSTNAME
  // (its host name) would become the bind address. '::' = dual-stack.
  HOSTNAME: hostname,
  SYLVAN_COMMIT: commit,
  SYLVAN_ENVIRONMENT: environment,
  SYLVAN_RELEASE_DIR: releaseDir,
  SYLVAN_DRAIN_MS: String(drainMs),
  SYLVAN_EXIT_GRACE_MS: String(exitGraceMs),
  // Not in the seed: a booting worker runs at this lower CPU priority until
  // it joins the port, so the workers serving beside it keep their latency.
  SYLVAN_BOOT_NICE: String(bootNice),
  // ... or at SCHED_IDLE (else nice 19): the lowest the host offers.
  SYLVAN_BOOT_IDLE: String(bootIdle),
  // launcher's own deadline, 1 s before PM2's SIGKILL
  SYLVAN_HARD_DEADLINE_MS: String(killTimeout - 1000),
  // Not in the seed: Next loads a route's module on its first request; the
  // launcher requests these paths on a private port before sending 'ready'
  // so a fresh worker's first real requests are not the slow ones.
  SYLVAN_WARMUP_PATHS: warmupPaths,
  SYLVAN_WARMUP_ROUNDS: String(warmupRounds),
};
// Always set (empty = Next.js mode): PM2 merges the environment of the pm2
// CLI call and of its daemon into the app's, so an unset key could inherit a
// stale SYLVAN_SCRIPT from another app's invocation.
env.SYLVAN_SCRIPT = script === undefined ? '' : script;
// Not in the seed: the deployment id `next build` saw (the commit, unless the
// app's next.config sets its own). Next 14.2+ reads it at runtime as well, and
// build and server must agree; always set for the same reason as SYLVAN_SCRIPT.
env.NEXT_DEPLOYMENT_ID = optional('SYLVAN_DEPLOYMENT_ID', '');

module.exports = {
  apps: [
    {
      name: appName,

      // Seed: no cwd (PM2 used the directory it was started from). The
      // release directory is explicit so a reload can never keep serving an
      // old release through a stale cwd.
      cwd: releaseDir,

      // Seed: script 'npm', args 'start'. Measured: npm's child binds the port,
      // so PM2's cluster master never owns it; the 2nd instance crash-loops
      // with EADDRINUSE forever (visible only in the daemon's pm2.log), reloads
      // take ~11 s, print [PM2][ERROR] and exit 0, and 1.8% of requests were
      // lost at 200 req/s (14% under CPU contention). The launcher runs inside
      // PM2's cluster worker, starts Next programmatically, sends 'ready' after
      // listening and drains on shutdown: 0 failures in the measured reloads.
      script: launcher,
      // (no args: the seed's 'start' belonged to npm)

      exec_mode: 'cluster',
      instances,

      // As the seed, but now real: the launcher calls process.send('ready')
      // only once its server listens, so PM2 kills the old worker only after
      // the new one can serve.
      wait_ready: true,
      // Seed: 10000. Measured Next cold start + prepare is a few seconds but
      // grows under CPU contention (a parallel build on the VM); when it runs
      // out PM2 kills the old worker anyway (its reload backstop), so be
      // generous: 30 s.
      listen_timeout: 30000,
      // Seed: 5000. Must exceed the launcher's drain: Connection: close
      // window 1.5 s + exit grace 1 s + up to 4 s for idle keep-alive sockets
      // to end on their own (Node 20 closes them ~6 s after their last
      // response; closing them earlier reset a reused socket, measured 1 in
      // 14,093 requests over 20 reloads). The launcher's own hard deadline is
      // kill_timeout - 1 s, so PM2's SIGKILL never hits a worker that is still
      // answering.
      kill_timeout: killTimeout,

      max_memory_restart: maxMemoryRestart,

      // Seed: { NODE_ENV, PORT } only. The launcher and the app need the
      // commit (for /api/health), environment and release directory.
      env,

      // Seed: ./logs/... relative to the start directory. Absolute paths under
      // the environment's log dir, same file names as the seed.
      error_file: path.join(logDir, 'pm2-error.log'),
      out_file: path.join(logDir, 'pm2-out.log'),
      log_date_format: 'YYYY-MM-DD HH:mm:ss Z',
      merge_logs: true,

      // Not in the seed (PM2's default is true as well): stated so nobody
      // turns it off by accident; crash loops are bounded below instead.
      autorestart: true,
      // Not in the seed (PM2 defaults: min_uptime 1000, max_restarts 16).
      // PM2 counts an exit as an unstable restart when the process lived less
      // than min_uptime, and only within min_uptime * max_restarts after the
      // (re)start; at max_restarts it marks the process 'errored' and stops.
      // With the defaults a Next worker that needs >1 s to crash (the seed's
      // EADDRINUSE loop) is never counted and loops forever. 10 s x 10 means:
      // ten exits each within 10 s of start, inside 100 s of the reload ->
      // 'errored', which the operator sees in `pm2 jlist` and rolls back.
      // An app that crashes after running > 10 s is still restarted forever
      // (restart_time grows; the operator watches it).
      min_uptime: 10000,
      max_restarts: 10,
      // No restart_delay / exp_backoff_restart_delay on purpose: measured with
      // pm2 7.0.4, when a restart delay is set PM2 overwrites the 'errored'
      // status of a process that hit max_restarts with 'waiting restart'
      // (God.handleExit), so a crash-looping release would never show up as
      // errored in `pm2 jlist` (seen: stuck at 'waiting restart' for 100+ s).

      // Not in the seed. PM2 runs git (vizion) in the cwd on every start to
      // show repo metadata; releases are plain directories, and the operator
      // tracks the commit itself.
      vizion: false,
      watch: false,
    },
  ],
};
