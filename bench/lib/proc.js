'use strict';
/* Processes and waiting: every benchmark runs its commands through these (argument arrays, no shell). */
const { spawn } = require('child_process');

function log(msg) {
  console.log(`[${new Date().toISOString().replace('T', ' ').slice(0, 23)}] ${msg}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Async spawn with captured output and its wall time; never throws. */
function run(cmd, args, options = {}) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', (e) => resolve({ code: -1, out, err: err + e.message, ms: Date.now() - t0 }));
    child.on('close', (code) => resolve({ code, out, err, ms: Date.now() - t0 }));
  });
}

/** run, but a non-zero exit throws with the ends of both outputs. */
async function mustRun(cmd, args, options) {
  const r = await run(cmd, args, options);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} failed with ${r.code}:\n${r.out.slice(-3000)}\n${r.err.slice(-3000)}`);
  }
  return r;
}

/**
 * Calls `check` every `everyMs` until it returns a truthy value, which it returns; after
 * `timeoutMs` throws `message` (a function of the time out, or a string). `check` may throw to stop early.
 */
async function poll(check, { timeoutMs, everyMs, message }) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await check();
    if (value) return value;
    await sleep(everyMs);
  }
  throw new Error(typeof message === 'function' ? message(timeoutMs) : message);
}

module.exports = { log, sleep, run, mustRun, poll };
