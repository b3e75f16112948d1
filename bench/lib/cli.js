'use strict';
/* What every benchmark program does around its measurements: options, exit actions, versions, results. */
const fs = require('fs');
const os = require('os');
const path = require('path');
const { run } = require('./proc');
const { REPO } = require('./paths');

/**
 * --kebab-case options onto a copy of `defaults` (camelCase keys); a value is a number when its
 * default is one or its name ends in Ms. Exits 2 on an unknown option.
 */
function parseOptions(defaults, argv = process.argv.slice(2)) {
  const opts = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in opts)) {
      console.error(`unknown option ${argv[i]}; options: ${Object.keys(defaults).join(', ')}`);
      process.exit(2);
    }
    const v = argv[++i];
    opts[key] = typeof defaults[key] === 'number' || /Ms$/.test(key) ? Number(v) : v;
  }
  return opts;
}

const cleanups = [];
let cleaning = Promise.resolve();

/** Registers what the end of the run must do (stop an operator, kill a pm2 daemon). */
function onExit(fn) {
  cleanups.push(fn);
}

/**
 * Runs the registered exit actions once, latest first. A call while they run waits for them too,
 * so an error that Ctrl-C causes in `main` cannot exit before its pm2 daemon is killed.
 */
function cleanupAll() {
  cleaning = cleaning.then(async () => {
    for (const f of cleanups.splice(0).reverse()) {
      try {
        await f();
      } catch (e) {
        console.error(`cleanup: ${e.message}`);
      }
    }
  });
  return cleaning;
}

/** Runs `main`; on an error or Ctrl-C the exit actions still run (no pm2 daemon or operator is left behind). */
function runMain(main) {
  let interrupted = false;
  process.on('SIGINT', async () => {
    if (interrupted) process.exit(130); // a second Ctrl-C: leave at once
    interrupted = true;
    console.error('interrupted: stopping the operator and the pm2 daemons');
    await cleanupAll();
    process.exit(130);
  });
  main()
    .then(cleanupAll)
    .catch(async (e) => {
      if (!interrupted) console.error(e.stack || e.message); // else: an effect of stopping early
      await cleanupAll();
      process.exit(interrupted ? 130 : 1);
    });
}

/** Writes the run's figures to `file`, by default next to the work dir's other results. */
function saveResults(work, date, payload, file = path.join(work, `results-${date.replace(/[:.]/g, '-')}.json`)) {
  fs.writeFileSync(file, JSON.stringify(payload, null, 2));
  console.log(`results JSON: ${file}`);
}

const loadavg = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Versions of what a run used; `pm2Bin` is pm2's bin script, `appDir` an app with node_modules. */
async function versions(pm2Bin, appDir) {
  const v = (p) => {
    try {
      return JSON.parse(fs.readFileSync(p, 'utf8')).version;
    } catch (_) {
      return 'n/a';
    }
  };
  const out = async (cmd, args, options) => (await run(cmd, args, options)).out.trim();
  const java = await run('java', ['-version']);
  const dirty = await out('git', ['status', '--porcelain'], { cwd: REPO });
  return {
    operator: `${await out('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO })}${dirty ? '+dirty' : ''}`,
    node: process.version,
    npm: await out('npm', ['--version']),
    java: (java.err.split('\n')[0] || '').trim(),
    git: await out('git', ['--version']),
    pm2: v(path.join(path.dirname(path.dirname(pm2Bin)), 'package.json')),
    ...(appDir
      ? {
          next: v(path.join(appDir, 'node_modules', 'next', 'package.json')),
          react: v(path.join(appDir, 'node_modules', 'react', 'package.json')),
        }
      : {}),
    os: `${os.type()} ${os.release()}`,
    cpus: `${os.cpus().length} x ${os.cpus()[0] && os.cpus()[0].model}`,
  };
}

/**
 * The order of `flows` in run `run` (1-based): the permutations in turn, so that over the runs
 * every flow follows every other one (a rotation would always put the same flow after the same
 * other, which then always pays for what that one leaves running, such as the seed's restarting workers).
 */
function flowOrder(flows, run) {
  const perms = (xs) =>
    xs.length <= 1 ? [xs] : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
  const all = perms(flows);
  return all[(run - 1) % all.length];
}

module.exports = { flowOrder, parseOptions, onExit, cleanupAll, runMain, saveResults, loadavg, versions };
