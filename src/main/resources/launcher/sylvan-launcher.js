'use strict';
/*
 * Sylvan launcher: the process PM2 runs (cluster mode, cwd = release directory)
 * for every environment the Sylvan Operator manages.
 *
 * Plain Node, CommonJS, no dependencies. Ships inside the operator jar; the
 * operator copies it to disk and points SYLVAN_LAUNCHER / the ecosystem's
 * `script` at it.
 *
 * Modes
 *   Next.js (default): starts the release's own `next` (resolved from the
 *     release's node_modules) through Next's programmatic API (Next 12 - 16),
 *     serves it from an http.Server on PORT/HOSTNAME and calls
 *     process.send('ready') once listening (PM2 `wait_ready: true`).
 *   Custom script (SYLVAN_SCRIPT=<path relative to the release dir>): loads the
 *     release's .env.local (never overriding variables already set), watches
 *     every net.Server / http.Server the script creates, requires the script and
 *     sends 'ready' once the first server listens.
 *
 * Drain (SIGINT, SIGTERM, or PM2's 'shutdown' message), measured on this
 * machine to give 0 failed requests over 24 reloads at 200 req/s:
 *   0. a worker no client holds a connection to (HTTP servers only) skips
 *      the Connection: close window below;
 *   1. for SYLVAN_DRAIN_MS (default 1500) keep serving, but every response
 *      carries `Connection: close`, so keep-alive clients (proxies, agents)
 *      drop their sockets to this worker after their current request and
 *      reconnect, landing on the new worker;
 *   2. server.close() (stop accepting) + close idle keep-alive sockets;
 *   3. wait SYLVAN_EXIT_GRACE_MS (default 1000), longer while requests are in
 *      flight or keep-alive sockets are still open (they end at the server's
 *      keepAliveTimeout; at most SYLVAN_IDLE_SOCKET_WAIT_MS, default 4000,
 *      more), then process.exit(0);
 *   4. a hard deadline (SYLVAN_HARD_DEADLINE_MS, default PM2's kill_timeout
 *      minus 1000 ms, else 7000 ms) exits anyway, before PM2's SIGKILL.
 *   Signalling twice does not restart the sequence.
 *
 * Boot: runs at a lower CPU priority (SYLVAN_BOOT_IDLE: SCHED_IDLE, else
 * nice 19; or SYLVAN_BOOT_NICE) until it joins the shared port, and in Next mode warms the app's routes (SYLVAN_WARMUP_PATHS,
 * SYLVAN_WARMUP_ROUNDS) on a private port first, so the workers serving beside
 * a booting one keep their latency and its own first requests are not slow.
 *
 * Old assets (Next mode): /_next/static/* files the serving release lacks are
 *   answered from the other built releases in its releases directory, newest
 *   first, with Next's immutable cache headers (SYLVAN_RELEASES_CACHE_MS: how
 *   long the list of releases is reused, default 5000); each release in its own
 *   dist dir (.sylvan-dist-dir), under basePath or a path assetPrefix.
 *
 * Logs: one line at start and lines during drain/exit. Never prints the value
 * of any environment variable other than the commit, port and host.
 * Routes: none of its own (old assets above are the app's files). `/` and
 * `/api/health` are the app's job.
 */

const http = require('http');
const net = require('net');
const fs = require('fs');
const path = require('path');
const url = require('url');

const TAG = '[sylvan-launcher]';

function log(level, msg) {
  // PM2 prefixes each line with log_date_format; keep the seed's [LEVEL] style.
  const line = `${TAG} [${level}] ${msg}`;
  if (level === 'ERROR' || level === 'WARN') console.error(line);
  else console.log(line);
}

function intEnv(name, dflt, min) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return dflt;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < (min === undefined ? 0 : min)) {
    log('WARN', `${name} is not a valid integer (>= ${min || 0}); using ${dflt}`);
    return dflt;
  }
  return n;
}

// ---------------------------------------------------------------------------
// Settings
// ---------------------------------------------------------------------------

const releaseDir = path.resolve(process.env.SYLVAN_RELEASE_DIR || process.cwd());
if (path.resolve(process.cwd()) !== releaseDir) {
  // PM2 keeps the cwd a process was first started with; the operator's env
  // (SYLVAN_RELEASE_DIR) is the authority on which release to serve.
  try {
    process.chdir(releaseDir);
  } catch (e) {
    log('ERROR', `cannot chdir to release dir ${releaseDir}: ${e.code || e.message}`);
    process.exit(1);
  }
}
if (!process.env.NODE_ENV) process.env.NODE_ENV = 'production';

const port = intEnv('PORT', 3000, 0);
// Bind address. Unset, empty, '::' or '0.0.0.0'-less default: listen without a
// host, which is Node's (and `next start`'s) behaviour: the IPv6 unspecified
// address '::' in dual-stack mode (accepts IPv4 and IPv6, so `localhost`
// resolving to ::1 *or* 127.0.0.1 both work; Node >= 17 does not reorder DNS
// results to IPv4 first), falling back to 0.0.0.0 on hosts without IPv6.
// A plain '0.0.0.0' would refuse ::1 clients. The ecosystem config always sets
// HOSTNAME explicitly so a container's exported HOSTNAME (its host name, not a
// bind address) is never used by accident.
const rawHost = (process.env.HOSTNAME || '').trim();
const listenHost = rawHost === '' || rawHost === '::' ? undefined : rawHost;
const commit = process.env.SYLVAN_COMMIT || 'unknown';
const script = process.env.SYLVAN_SCRIPT || '';

const DRAIN_MS = intEnv('SYLVAN_DRAIN_MS', 1500, 0);
const EXIT_GRACE_MS = intEnv('SYLVAN_EXIT_GRACE_MS', 1000, 0);
const IDLE_WAIT_MS = intEnv('SYLVAN_IDLE_SOCKET_WAIT_MS', 4000, 0);
// The operator drops this file into a release it is rolling back from: that release is bad, so
// its workers stop accepting at once instead of serving through the drain (the new workers are
// already up when PM2 signals the old ones), finish what is in flight, and exit.
const FAST_DRAIN_MARKER = '.sylvan-fast-drain';
const CLOSE_SETTLE_MS = 250;
const pm2KillTimeout = Number(process.env.kill_timeout); // PM2 exports pm2_env keys to the process
const HARD_DEADLINE_MS = intEnv(
  'SYLVAN_HARD_DEADLINE_MS',
  Number.isFinite(pm2KillTimeout) && pm2KillTimeout > 2000 ? pm2KillTimeout - 1000 : 7000,
  100,
);

// ---------------------------------------------------------------------------
// Boot priority
// ---------------------------------------------------------------------------

// A booting worker (loading Next, prepare(), warm-up renders) takes most of a
// CPU for a second or two while the old workers serve beside it; on a small VM
// that is what raised the serving p99 during a reload. So the launcher boots at
// a lower CPU priority and returns to its original one just before it joins
// the shared port: with SYLVAN_BOOT_IDLE=1 (the operator's default) at
// SCHED_IDLE, set with `chrt -a` on its own pid (every thread), else nice 19;
// otherwise at SYLVAN_BOOT_NICE (default 10; 0 = off) more nice. Linux nice
// values and policies are per thread: every thread of the process (V8 and libuv
// threads too) is lowered and restored. Restoring needs CAP_SYS_NICE or an
// RLIMIT_NICE that allows the original nice value (systemd: LimitNICE=+0);
// leaving SCHED_IDLE needs the same (sched(7)). Without either the launcher
// leaves its priority alone rather than stay slowed down for good.
const os = require('os');
const childProcess = require('child_process');

const BOOT_NICE = intEnv('SYLVAN_BOOT_NICE', 10, 0);
const BOOT_IDLE = intEnv('SYLVAN_BOOT_IDLE', 0, 0) === 1;
const SCHED_OTHER = 0;
let bootPriority = null; // {original, target | idle} while lowered

function threadIds() {
  try {
    return fs
      .readdirSync('/proc/self/task')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  } catch (_) {
    return [process.pid];
  }
}

function setAllThreads(priority) {
  let failed = 0;
  for (const tid of threadIds()) {
    try {
      os.setPriority(tid, priority);
    } catch (_) {
      failed += 1; // a thread that ended in between, or no permission
    }
  }
  return failed;
}

/** Field 41 of /proc/self/task/<tid>/stat: the thread's scheduling policy; -1 if unknown. */
function policyOf(tid) {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[38]);
  } catch (_) {
    return -1;
  }
}

/** Threads not at `policy` (ended threads are not counted). */
function threadsNotAt(policy) {
  return threadIds().filter((tid) => {
    const p = policyOf(tid);
    return p !== -1 && p !== policy;
  }).length;
}

/** `chrt -a --<policy> -p 0 <our pid>`: every thread of this process; true if it exited 0. */
function chrtAllThreads(policy) {
  try {
    const r = childProcess.spawnSync('chrt', ['-a', `--${policy}`, '-p', '0', String(process.pid)], {
      stdio: 'ignore',
      timeout: 5000,
    });
    return r.status === 0;
  } catch (_) {
    return false;
  }
}

function mayRaisePriorityTo(nice) {
  try {
    const status = fs.readFileSync('/proc/self/status', 'utf8');
    const m = /^CapEff:\s*([0-9a-fA-F]+)/m.exec(status);
    // CAP_SYS_NICE is capability 23
    if (m && (BigInt('0x' + m[1]) >> 23n) & 1n) return true;
  } catch (_) {
    return false; // not Linux: nice values are not per thread there either
  }
  try {
    const limits = fs.readFileSync('/proc/self/limits', 'utf8');
    const m = /^Max nice priority\s+(\S+)/m.exec(limits);
    if (m) {
      const soft = m[1] === 'unlimited' ? Infinity : Number(m[1]);
      // RLIMIT_NICE r allows nice values down to 20 - r
      return 20 - soft <= nice;
    }
  } catch (_) {
    /* no limits file */
  }
  return false;
}

function lowerBootPriority() {
  if ((!BOOT_IDLE && BOOT_NICE === 0) || process.platform !== 'linux') return;
  let original;
  try {
    original = os.getPriority(process.pid);
  } catch (_) {
    return;
  }
  // Started at another policy (under chrt, or real-time): not ours to change.
  if (policyOf(process.pid) !== SCHED_OTHER) return;
  if (!mayRaisePriorityTo(original)) {
    log(
      'INFO',
      `booting at unchanged priority (nice ${original}): restoring a lower one needs CAP_SYS_NICE or RLIMIT_NICE`,
    );
    return;
  }
  if (BOOT_IDLE && chrtAllThreads('idle')) {
    bootPriority = { original, idle: true };
    return;
  }
  const target = BOOT_IDLE ? 19 : Math.min(19, original + BOOT_NICE);
  if (target === original) return;
  setAllThreads(target);
  bootPriority = { original, target };
}

function restoreBootPriority() {
  if (!bootPriority) return;
  const { original, target, idle } = bootPriority;
  bootPriority = null;
  if (idle) {
    const failed = chrtAllThreads('other') ? threadsNotAt(SCHED_OTHER) : threadIds().length;
    if (failed > 0) log('WARN', `could not restore SCHED_OTHER on ${failed} thread(s)`);
    else log('INFO', `booted at SCHED_IDLE; back to SCHED_OTHER, nice ${original}`);
    return;
  }
  const failed = setAllThreads(original);
  if (failed > 0) log('WARN', `could not restore priority nice ${original} on ${failed} thread(s)`);
  else log('INFO', `booted at nice ${target}; back to nice ${original}`);
}

lowerBootPriority();

// ---------------------------------------------------------------------------
// Server tracking and drain
// ---------------------------------------------------------------------------

const servers = new Set(); // every net.Server we know of
const inflight = new Set(); // http.ServerResponse not yet finished
let draining = false;
let readySent = false;

function sendReady(server) {
  if (readySent) return;
  readySent = true;
  const addr = server && server.address && server.address();
  const where = addr && typeof addr === 'object' ? `${addr.address}:${addr.port}` : String(addr);
  log('INFO', `listening on ${where}; ready`);
  if (typeof process.send === 'function') {
    try {
      process.send('ready');
    } catch (e) {
      log('WARN', `could not send ready to PM2: ${e.message}`);
    }
  }
}

function markClose(res) {
  if (!res.headersSent) {
    try {
      // Node sees the header and ends the socket after this response.
      res.setHeader('Connection', 'close');
    } catch (_) {
      /* headers already sent in between */
    }
  }
  res.shouldKeepAlive = false;
}

function isHttpServer(server) {
  // http.Server and https.Server (and anything emitting 'request' in the same
  // way) get request-level draining; raw net servers only stop accepting.
  return server instanceof http.Server || typeof server.closeIdleConnections === 'function';
}

function track(server) {
  if (servers.has(server)) return;
  servers.add(server);
  if (isHttpServer(server)) {
    const sockets = new Set();
    server.__sylvanSockets = sockets;
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.__sylvanActive = 0;
      socket.__sylvanUsed = false;
      socket.once('close', () => sockets.delete(socket));
    });
    // prepend: runs before the app's own handler, so headers can still be set
    server.prependListener('request', (req, res) => {
      inflight.add(res);
      const sock = req.socket;
      if (sock) {
        sock.__sylvanActive = (sock.__sylvanActive || 0) + 1;
        sock.__sylvanUsed = true;
      }
      let done = false;
      const finish = () => {
        if (done) return;
        done = true;
        inflight.delete(res);
        if (sock) sock.__sylvanActive = Math.max(0, (sock.__sylvanActive || 1) - 1);
      };
      res.once('finish', finish);
      res.once('close', finish);
      if (draining) markClose(res);
    });
  }
}

function closeIdle(server) {
  if (typeof server.closeIdleConnections === 'function') {
    server.closeIdleConnections(); // Node >= 18.2
    return;
  }
  const sockets = server.__sylvanSockets;
  if (!sockets) return;
  for (const s of sockets) if (!s.__sylvanActive) s.destroy();
}

function openSockets() {
  let n = 0;
  for (const s of servers) if (s.__sylvanSockets) n += s.__sylvanSockets.size;
  return n;
}

function drain(reason) {
  if (draining) {
    log('INFO', `${reason} received again while draining; ignored`);
    return;
  }
  draining = true;
  const started = Date.now();
  const fast = fs.existsSync(path.join(process.cwd(), FAST_DRAIN_MARKER));
  const drainMs = fast ? 0 : DRAIN_MS;
  const graceMs = fast ? 0 : EXIT_GRACE_MS;
  const idleWaitMs = fast ? 0 : IDLE_WAIT_MS;
  log(
    'INFO',
    `drain started (${reason}${fast ? ', fast: release rolled back' : ''}): Connection: close for ${drainMs} ms, then close, ` +
      `grace ${graceMs} ms, hard deadline ${HARD_DEADLINE_MS} ms; in flight ${inflight.size}`,
  );

  const hard = setTimeout(() => {
    for (const s of servers) closeIdle(s);
    log(
      'WARN',
      `hard deadline ${HARD_DEADLINE_MS} ms reached with ${inflight.size} request(s) in flight, ${openSockets()} socket(s) open; exiting`,
    );
    process.exit(0);
  }, HARD_DEADLINE_MS);
  hard.unref();

  // Responses already in progress whose headers are not out yet close too.
  for (const res of inflight) markClose(res);

  // Nothing to drain when no client holds a connection to this worker (a quiet app, or every
  // keep-alive client has moved on): the Connection: close window would only lengthen the
  // reload. The grace after the close stays: a connection the cluster master hands over while
  // this worker closes is passed back to another worker, as long as this one is still alive to
  // refuse it. Only for HTTP servers, whose sockets are tracked.
  const idle = () => inflight.size === 0 && openSockets() === 0 && [...servers].every((s) => s.__sylvanSockets);
  const drainUntil = started + drainMs;
  const waitDrain = () => {
    if (Date.now() >= drainUntil || idle()) closeAndWait();
    else setTimeout(waitDrain, 50);
  };

  const closeAndWait = () => {
    for (const s of servers) {
      try {
        // Stop accepting (in cluster mode the master stops routing new
        // connections to this worker). net-level close on purpose: Node >= 19's
        // http.Server.close() also closes idle keep-alive sockets at once, and
        // an idle socket closed by the server while a client is reusing it is
        // an ECONNRESET for that client (measured: 1 in 24,026 requests over
        // 20 reloads). Kept open, a socket that carries one more request
        // during the grace gets `Connection: close` and ends cleanly; sockets
        // idle for the whole drain + grace are closed just before exit.
        if (s.listening) net.Server.prototype.close.call(s);
      } catch (_) {
        /* already closed */
      }
    }
    const closedAt = Date.now();
    const tick = () => {
      const waited = Date.now() - closedAt;
      // Never less than CLOSE_SETTLE_MS: Node's cluster keeps handing connections to a worker
      // until the primary has processed its close; a worker that exits inside that window
      // takes them with it and their clients hang (measured: 1 request timed out in 40,011
      // when an idle worker exited right after closing).
      const graceOver = waited >= Math.max(graceMs, CLOSE_SETTLE_MS);
      // Sockets still open after the grace: idle keep-alive sockets not used
      // during drain + grace, or accepted sockets whose first request has not
      // arrived. Closing them ourselves races a client that reuses / writes
      // at that instant (ECONNRESET; measured: 1 in 14,093 requests over 20
      // reloads at 50 req/s, with 1-13 such sockets closed at most exits).
      // Instead wait for them to go away on their own: any request on them
      // gets Connection: close, and idle ones end at the server's
      // keep-alive timeout (Node 20: advertised `Keep-Alive: timeout=5`,
      // measured close ~6 s after the last response) - the same close the
      // app does in steady state. Capped by SYLVAN_IDLE_SOCKET_WAIT_MS
      // after the grace, and by the hard deadline.
      const socketsLeft = openSockets() > 0 && waited < graceMs + idleWaitMs;
      if (graceOver && inflight.size === 0 && !socketsLeft) {
        const open = openSockets();
        for (const s of servers) closeIdle(s);
        log('INFO', `drained in ${Date.now() - started} ms (sockets still open, closed at exit: ${open}); exiting`);
        process.exit(0);
      }
      setTimeout(tick, graceOver ? 50 : Math.min(100, graceMs)).unref();
    };
    tick();
  };
  waitDrain();
  // keep the process alive during the drain even if the app closed everything
  setInterval(() => {}, 1000);
}

process.on('SIGINT', () => drain('SIGINT'));
process.on('SIGTERM', () => drain('SIGTERM'));
process.on('message', (m) => {
  if (m === 'shutdown') drain('shutdown message');
});

// ---------------------------------------------------------------------------
// Custom script mode
// ---------------------------------------------------------------------------

function parseDotenv(text) {
  const out = {};
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i].trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('export ')) line = line.slice(7).trim();
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq).trim();
    if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key)) continue;
    let value = line.slice(eq + 1).trim();
    const q = value[0];
    if (q === '"' || q === "'" || q === '`') {
      let end = value.indexOf(q, 1);
      // multi-line quoted value
      while (end === -1 && i + 1 < lines.length) {
        i += 1;
        value += '\n' + lines[i];
        end = value.indexOf(q, 1);
      }
      value = end === -1 ? value.slice(1) : value.slice(1, end);
      if (q === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r').replace(/\\t/g, '\t');
    } else {
      const hash = value.search(/\s#/);
      if (hash !== -1) value = value.slice(0, hash);
      value = value.trim();
    }
    out[key] = value;
  }
  return out;
}

function loadEnvLocal(dir) {
  const file = path.join(dir, '.env.local');
  let text;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if (e.code !== 'ENOENT') log('WARN', `cannot read ${file}: ${e.code || e.message}`);
    return;
  }
  const parsed = parseDotenv(text);
  let set = 0;
  let kept = 0;
  for (const k of Object.keys(parsed)) {
    if (Object.prototype.hasOwnProperty.call(process.env, k)) kept += 1;
    else {
      process.env[k] = parsed[k];
      set += 1;
    }
  }
  // counts only, never names' values
  log('INFO', `loaded ${file}: ${set} variable(s) set, ${kept} already set and kept`);
}

function startCustom() {
  const scriptPath = path.resolve(releaseDir, script);
  if (!fs.existsSync(scriptPath)) {
    log('ERROR', `SYLVAN_SCRIPT ${script} not found in ${releaseDir}`);
    process.exit(1);
  }
  loadEnvLocal(releaseDir);

  // Every net.Server (http, https, tls, raw) goes through this listen().
  const origListen = net.Server.prototype.listen;
  net.Server.prototype.listen = function sylvanListen(...args) {
    restoreBootPriority();
    track(this);
    this.once('listening', () => sendReady(this));
    return origListen.apply(this, args);
  };

  log(
    'INFO',
    `start mode=script script=${script} release=${releaseDir} commit=${commit} port=${port} pid=${process.pid}`,
  );
  // Load the script as the main module (as PM2 itself does), so apps that
  // start only `if (require.main === module)` still start.
  process.argv[1] = scriptPath;
  try {
    require('module')._load(scriptPath, null, true);
  } catch (e) {
    if (e && e.code === 'ERR_REQUIRE_ESM') {
      // ES module script (.mjs / "type": "module")
      import(require('url').pathToFileURL(scriptPath).href).catch((err) => {
        log('ERROR', `failed to load ${script}: ${(err && err.stack) || err}`);
        process.exit(1);
      });
    } else {
      throw e;
    }
  }
}

// ---------------------------------------------------------------------------
// Static assets of kept releases (Next.js mode)
// ---------------------------------------------------------------------------

// A tab opened on an older release lazy-loads chunks of that release after a deploy, and during
// a reload a new worker's page can have its chunks requested from an old worker (and the
// reverse). Asset names are content-hashed (and Next's build id may differ per build), so the
// serving release does not have them: requests for /_next/static/* that the serving release
// cannot answer are answered from the other built releases on disk, newest first, with the
// headers Next gives immutable assets. Retention (spec.releases.keep) bounds how far back this
// reaches: a deleted release takes its assets with it. Nothing on this path blocks the event loop.
// Each release is read in its own dist dir: the operator writes a next.config `distDir` other
// than `.next` into DIST_DIR_FILE at build time, before the release is marked built.
const DEFAULT_DIST_DIR = '.next';
const DIST_DIR_FILE = '.sylvan-dist-dir';
const IMMUTABLE = 'public, max-age=31536000, immutable';
const RELEASES_CACHE_MS = intEnv('SYLVAN_RELEASES_CACHE_MS', 5000, 0);
// A miss re-reads the list at most this often: a release built after the list was cached (the
// reload window) is found at once, while a flood of real 404s costs one readdir per second.
const RELEASES_REFRESH_MS = 1000;
const BUILT_MARKER = '.sylvan-built';
// What Next's own static handler (send, mime 1.x, charset for text types) answers.
const CONTENT_TYPES = {
  '.js': 'application/javascript; charset=UTF-8',
  '.mjs': 'application/javascript; charset=UTF-8',
  '.css': 'text/css; charset=UTF-8',
  '.map': 'application/json; charset=UTF-8',
  '.json': 'application/json; charset=UTF-8',
  '.txt': 'text/plain; charset=UTF-8',
  '.html': 'text/html; charset=UTF-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.icns': 'image/x-icns',
  '.jxl': 'image/jxl',
  '.heic': 'image/heic',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.eot': 'application/vnd.ms-fontobject',
  '.wasm': 'application/wasm',
  '.mp4': 'video/mp4',
  '.webm': 'video/webm',
};

/** A dist dir inside the release (relative, no `..`), or null; the operator checks the same. */
function safeDistDir(text) {
  const d = String(text)
    .trim()
    .replace(/^(\.\/)+/, '')
    .replace(/\/+$/, '');
  if (d === '' || d.startsWith('/') || /[\\\0]/.test(d)) return null;
  return d.split('/').every((s) => s !== '' && s !== '.' && s !== '..') ? d : null;
}

/** The dist dir `release` was built into (`.next` unless the operator recorded another). */
function distDirSync(release) {
  try {
    return safeDistDir(fs.readFileSync(path.join(release, DIST_DIR_FILE), 'utf8')) || DEFAULT_DIST_DIR;
  } catch (_) {
    return DEFAULT_DIST_DIR;
  }
}

function contentType(file) {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] || 'application/octet-stream';
}

/**
 * The asset path below `<prefix>/_next/static/` (one of `prefixes`: basePath, a path
 * assetPrefix) as safe path segments, or null: not an asset request, or one that could leave the
 * static directory (`..`, `.`, empty segments, encoded slashes or backslashes, NUL, undecodable
 * escapes).
 */
function staticAsset(rawUrl, prefixes) {
  if (typeof rawUrl !== 'string') return null;
  const prefix = prefixes.map((p) => `${p}/_next/static/`).find((p) => rawUrl.startsWith(p));
  if (prefix === undefined) return null;
  const end = rawUrl.search(/[?#]/);
  const rest = (end === -1 ? rawUrl : rawUrl.slice(0, end)).slice(prefix.length);
  if (rest === '') return null;
  const segments = [];
  for (const raw of rest.split('/')) {
    let seg;
    try {
      seg = decodeURIComponent(raw);
    } catch (_) {
      return null;
    }
    if (seg === '' || seg === '.' || seg === '..' || /[/\\\0]/.test(seg)) return null;
    segments.push(seg);
  }
  return segments;
}

function createStaticFallback(servingDir, releasesDir) {
  let cached = null; // {at, dirs} built releases, newest first
  let pending = null;
  const servingStatic = path.join(servingDir, distDirSync(servingDir), 'static');
  // release dir -> its static dir; a built release does not change, so read once
  const staticDirs = new Map();

  async function listReleases() {
    let names;
    try {
      names = await fs.promises.readdir(releasesDir);
    } catch (_) {
      return [];
    }
    // <yyyyMMddHHmmss>_<sha12>: the name order is the age order
    names.sort().reverse();
    const built = await Promise.all(
      names.map((n) =>
        fs.promises.stat(path.join(releasesDir, n, BUILT_MARKER)).then(
          (st) => st.isFile(),
          () => false,
        ),
      ),
    );
    const dirs = names.filter((_, i) => built[i]).map((n) => path.join(releasesDir, n));
    await Promise.all(
      dirs
        .filter((d) => !staticDirs.has(d))
        .map((d) =>
          fs.promises.readFile(path.join(d, DIST_DIR_FILE), 'utf8').then(
            (text) => staticDirs.set(d, path.join(d, safeDistDir(text) || DEFAULT_DIST_DIR, 'static')),
            () => staticDirs.set(d, path.join(d, DEFAULT_DIST_DIR, 'static')),
          ),
        ),
    );
    for (const d of staticDirs.keys()) if (!dirs.includes(d)) staticDirs.delete(d);
    return dirs;
  }

  function releases(maxAgeMs) {
    if (cached && Date.now() - cached.at < maxAgeMs) return Promise.resolve(cached);
    if (!pending) {
      const at = Date.now();
      pending = listReleases().then((dirs) => {
        cached = { at, dirs };
        pending = null;
        return cached;
      });
    }
    return pending;
  }

  async function isRegularFile(file) {
    try {
      return (await fs.promises.lstat(file)).isFile();
    } catch (_) {
      return false;
    }
  }

  /** The file of `segments` in `release`, if it is a regular file inside its static dir. */
  async function find(release, segments) {
    const base = staticDirs.get(release) || path.join(release, DEFAULT_DIST_DIR, 'static');
    const file = path.join(base, ...segments);
    if (!file.startsWith(base + path.sep) || !(await isRegularFile(file))) return null;
    try {
      // a symlinked directory on the way must not lead out of the release's static dir
      const [realBase, realFile] = await Promise.all([fs.promises.realpath(base), fs.promises.realpath(file)]);
      return realFile.startsWith(realBase + path.sep) ? realFile : null;
    } catch (_) {
      return null;
    }
  }

  async function search(segments, maxAgeMs) {
    const list = await releases(maxAgeMs);
    for (const release of list.dirs) {
      const file = await find(release, segments);
      if (file) return file;
    }
    return list;
  }

  async function send(req, res, file) {
    let fh;
    try {
      fh = await fs.promises.open(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW || 0));
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        return false;
      }
      res.statusCode = 200;
      res.setHeader('Cache-Control', IMMUTABLE);
      res.setHeader('Content-Type', contentType(file));
      res.setHeader('Content-Length', String(st.size));
      res.setHeader('Last-Modified', st.mtime.toUTCString());
      if (req.method === 'HEAD') {
        await fh.close();
        res.end();
        return true;
      }
      const stream = fh.createReadStream();
      stream.on('error', () => res.destroy());
      stream.pipe(res);
      return true;
    } catch (_) {
      // deleted by retention in between: as if it had never been there
      if (fh) await fh.close().catch(() => {});
      return false;
    }
  }

  /**
   * Answers `segments` from a kept release; false when the serving release has the file (Next
   * serves it) or no kept release has it (Next answers its 404).
   */
  return async function serve(req, res, segments) {
    // The path Next reads (through `current` when that is the release dir), not a realpath:
    // what Next can answer, it answers itself.
    if (await isRegularFile(path.join(servingStatic, ...segments))) return false;
    let found = await search(segments, RELEASES_CACHE_MS);
    if (typeof found !== 'string' && Date.now() - found.at >= RELEASES_REFRESH_MS) {
      found = await search(segments, RELEASES_REFRESH_MS);
    }
    return typeof found === 'string' ? send(req, res, found) : false;
  };
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (_) {
    return null;
  }
}

/**
 * The URL prefixes the serving release's pages put before /_next/static/, read once at boot from
 * its build: basePath (routes-manifest.json), and assetPrefix (required-server-files.json, written
 * by Next 12-16) when it is a path (Next itself strips it too: next 16.4.6 resolve-routes.js).
 * An assetPrefix on another host (`https://cdn...`, `//cdn...`)
 * sends the browser there: the fallback does not see those requests.
 */
function staticPrefixes(dir) {
  const dist = path.join(dir, distDirSync(dir));
  const trim = (p) => p.replace(/\/+$/, '');
  const manifest = readJson(path.join(dist, 'routes-manifest.json'));
  const basePath = manifest && typeof manifest.basePath === 'string' ? trim(manifest.basePath) : '';
  const prefixes = [basePath];
  const server = readJson(path.join(dist, 'required-server-files.json'));
  const assetPrefix = server && server.config && server.config.assetPrefix;
  if (typeof assetPrefix === 'string' && assetPrefix.startsWith('/') && !assetPrefix.startsWith('//')) {
    const p = trim(assetPrefix);
    if (!prefixes.includes(p)) prefixes.push(p);
  }
  return prefixes;
}

// ---------------------------------------------------------------------------
// Next.js mode
// ---------------------------------------------------------------------------

// Warm-up before 'ready': Next loads a route's compiled module on its first
// request, so the first requests a fresh worker serves are slow (measured:
// p99 during reloads 127 ms vs 23 ms outside at 120 req/s). The launcher
// requests SYLVAN_WARMUP_PATHS (comma-separated GET paths of the app's own
// routes, e.g. '/,/api/health'; empty = none) through a private server bound to
// 127.0.0.1 on an ephemeral port with `exclusive: true`, so in cluster mode the
// requests reach this worker's app and never the shared port. Failures are
// logged and ignored; total time is capped by SYLVAN_WARMUP_TIMEOUT_MS.
const WARMUP_ROUNDS = intEnv('SYLVAN_WARMUP_ROUNDS', 30, 1);
const WARMUP_REPEAT_MS = intEnv('SYLVAN_WARMUP_REPEAT_MS', 2000, 0);

async function warmUp(onRequest) {
  const paths = (process.env.SYLVAN_WARMUP_PATHS || '')
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p.startsWith('/'));
  if (paths.length === 0) return;
  const budget = intEnv('SYLVAN_WARMUP_TIMEOUT_MS', 10000, 100);
  const t0 = Date.now();
  const priv = http.createServer(onRequest);
  // Tracked like the real server, so its per-request code is warm too; forgotten after.
  track(priv);
  try {
    await new Promise((resolve, reject) => {
      priv.once('error', reject);
      priv.listen({ port: 0, host: '127.0.0.1', exclusive: true }, resolve);
    });
  } catch (e) {
    log('WARN', `warm-up skipped: ${e.code || e.message}`);
    return;
  }
  const privPort = priv.address().port;
  const get = (p, agent, left) =>
    new Promise((resolve) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port: privPort,
          path: p,
          agent,
          timeout: left,
          headers: { 'user-agent': 'sylvan-launcher-warmup' },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
          res.on('error', () => resolve('error'));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', (e) => resolve(e.message === 'timeout' ? 'timeout' : e.code || 'error'));
    });
  const results = [];
  const answering = [];
  for (const p of paths) {
    const left = budget - (Date.now() - t0);
    if (left <= 0) {
      results.push(`${p}=skipped`);
      continue;
    }
    const r = await get(p, false, left);
    results.push(`${p}=${r}`);
    if (/^[23]\d\d$/.test(r)) answering.push(p);
  }
  // One request loads a route's modules, but V8 still runs that code unoptimized: measured on the
  // Next 16 fixture, a worker's first ~30 requests after a single warm-up round took 3-14 ms
  // against 2 ms once warm. More rounds on a keep-alive connection (the path real traffic takes)
  // let V8 optimize the request path before the worker joins the port. Only routes that answered
  // are repeated, and the repeats stop at WARMUP_REPEAT_MS so a slow page cannot stretch a boot.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let rounds = 1;
  while (rounds < WARMUP_ROUNDS && answering.length > 0 && Date.now() - t0 < Math.min(WARMUP_REPEAT_MS, budget)) {
    for (const p of answering) await get(p, agent, Math.max(100, budget - (Date.now() - t0)));
    rounds += 1;
  }
  agent.destroy();
  await new Promise((resolve) => priv.close(resolve));
  servers.delete(priv);
  log('INFO', `warm-up ${results.join(' ')}, ${rounds} round(s) in ${Date.now() - t0} ms`);
}

async function startNext() {
  let nextPath;
  try {
    nextPath = require.resolve('next', { paths: [releaseDir] });
  } catch (e) {
    log(
      'ERROR',
      `next is not installed in ${releaseDir} (require.resolve failed); set SYLVAN_SCRIPT for non-Next apps`,
    );
    process.exit(1);
  }
  let nextVersion = 'unknown';
  try {
    const pkgPath = require.resolve('next/package.json', { paths: [releaseDir] });
    nextVersion = JSON.parse(fs.readFileSync(pkgPath, 'utf8')).version;
  } catch (_) {
    /* version only used for logging and the parsedUrl switch */
  }
  const major = parseInt(nextVersion, 10);
  log(
    'INFO',
    `start mode=next next=${nextVersion} release=${releaseDir} commit=${commit} port=${port} ` +
      `host=${listenHost || '(unspecified: :: dual-stack, else 0.0.0.0)'} pid=${process.pid}`,
  );

  const mod = require(nextPath);
  const next = typeof mod === 'function' ? mod : mod.default;
  const app = next({
    dev: false,
    dir: releaseDir,
    // Used by Next for absolute URLs it builds itself; the unspecified
    // addresses are not reachable names, so use localhost then.
    hostname: listenHost && listenHost !== '0.0.0.0' ? listenHost : 'localhost',
    port,
  });
  await app.prepare();
  const handle = app.getRequestHandler();
  // Next 12 required a parsed URL; 13+ parses it itself.
  const wantsParsed = Number.isFinite(major) && major <= 12;

  // The releases live beside the serving one: <root>/releases/<name>, reached through the
  // <root>/current link the release dir names.
  let releasesDir;
  try {
    releasesDir = path.dirname(fs.realpathSync(releaseDir));
  } catch (_) {
    releasesDir = path.dirname(releaseDir);
  }
  const prefixes = staticPrefixes(releaseDir);
  const fallback = createStaticFallback(releaseDir, releasesDir);

  const onRequest = (req, res) => {
    const segments = req.method === 'GET' || req.method === 'HEAD' ? staticAsset(req.url, prefixes) : null;
    let p;
    try {
      if (segments) {
        p = fallback(req, res, segments).then((served) => {
          if (served) return undefined;
          return wantsParsed ? handle(req, res, url.parse(req.url, true)) : handle(req, res);
        });
      } else {
        p = wantsParsed ? handle(req, res, url.parse(req.url, true)) : handle(req, res);
      }
    } catch (e) {
      p = Promise.reject(e);
    }
    Promise.resolve(p).catch((err) => {
      log('ERROR', `request handler failed: ${(err && err.stack) || err}`);
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end('Internal Server Error');
      } else {
        res.destroy();
      }
    });
  };
  await warmUp(onRequest);
  const server = http.createServer(onRequest);
  track(server);
  server.once('listening', () => sendReady(server));
  server.on('error', (err) => {
    log('ERROR', `server error: ${err.code || err.message}`);
    process.exit(1);
  });
  if (draining) return; // signalled during prepare(): do not start serving
  restoreBootPriority();
  if (listenHost === undefined) server.listen(port);
  else server.listen(port, listenHost);
}

if (script) {
  startCustom();
} else {
  startNext().catch((err) => {
    log('ERROR', `failed to start Next.js: ${(err && err.stack) || err}`);
    process.exit(1);
  });
}
