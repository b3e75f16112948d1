'use strict';
/*
 * Open-loop HTTP load on loopback: requests are issued at a fixed rate whatever the answers take
 * (a slow server does not slow the load down), over a keep-alive agent, each with a time-out. The
 * same generator as bench/zero-downtime's, with its options passed in; it also keeps each answer's
 * status and the commit an /api/health body names, so a benchmark can tell which release answered.
 */
const http = require('http');

/**
 * Starts the load: GET `path` on 127.0.0.1:`port`, `rate` per second (at most `maxRequests`),
 * `timeoutMs` per request, `maxSockets` keep-alive connections. stop() waits for the outstanding
 * requests and resolves the records {t: issue time (epoch ms), ms: latency, ok, status, why: '' or
 * the failure's kind ("HTTP 500", "timeout", "ECONNREFUSED (new socket)", ...), fresh: on a new
 * connection, commit: what a JSON body's `commit` said (or null), pid: the answering worker's pid
 * when the body names one (else 0)}.
 */
function startLoad({ port, path = '/api/health', rate, timeoutMs = 10000, maxSockets = 64, maxRequests = Infinity }) {
  const agent = new http.Agent({ keepAlive: true, maxSockets });
  const results = [];
  let sent = 0;
  let outstanding = 0;
  let stopped = false;
  const t0 = Date.now();
  const hr0 = process.hrtime.bigint();

  function fire() {
    sent += 1;
    outstanding += 1;
    const startHr = process.hrtime.bigint();
    const rec = {
      t: t0 + Number(startHr - hr0) / 1e6,
      ms: 0,
      ok: false,
      status: 0,
      why: '',
      fresh: false,
      commit: null,
    };
    let done = false;
    const finish = (ok, why) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      rec.ms = Number(process.hrtime.bigint() - startHr) / 1e6;
      rec.ok = ok;
      rec.why = why;
      rec.fresh = !req.reusedSocket;
      results.push(rec);
      outstanding -= 1;
    };
    const req = http.get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => {
        rec.status = res.statusCode;
        const m = /"commit":"([0-9a-f]+)"/.exec(body);
        rec.commit = m ? m[1] : null;
        const pid = /"pid":(\d+)/.exec(body);
        rec.pid = pid ? Number(pid[1]) : 0;
        finish(res.statusCode === 200, res.statusCode === 200 ? '' : `HTTP ${res.statusCode}`);
      });
      res.on('error', (e) => finish(false, e.code || e.message));
      res.on('aborted', () => finish(false, 'aborted'));
    });
    const timer = setTimeout(() => {
      finish(false, 'timeout');
      req.destroy();
    }, timeoutMs);
    // a reused keep-alive socket vs a new connection tells the keep-alive close race apart from a
    // refused or reset new connection
    req.on('error', (e) =>
      finish(false, `${e.code || e.message}${req.reusedSocket ? ' (reused socket)' : ' (new socket)'}`),
    );
  }

  const iv = setInterval(() => {
    if (stopped) return;
    const due = Math.floor(((Date.now() - t0) * rate) / 1000);
    while (sent < due && sent < maxRequests) fire();
  }, 2);

  return {
    get sent() {
      return sent;
    },
    async stop() {
      stopped = true;
      clearInterval(iv);
      const end = Date.now() + timeoutMs + 2000;
      while (outstanding > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      agent.destroy();
      return results;
    },
  };
}

/**
 * What a load's records say about failures: {sent, failed, byKind: {kind: count}, firstFailed,
 * lastFailed (epoch ms, null when none), failingMs: last - first failed issue time, servedBy:
 * {commit (12 chars) or "-": count of 200 answers}}.
 */
function failureSummary(records) {
  const failedRecs = records.filter((r) => !r.ok);
  const byKind = {};
  for (const r of failedRecs) byKind[r.why] = (byKind[r.why] || 0) + 1;
  const servedBy = {};
  for (const r of records) {
    if (!r.ok) continue;
    const k = r.commit ? r.commit.slice(0, 12) : '-';
    servedBy[k] = (servedBy[k] || 0) + 1;
  }
  const ts = failedRecs.map((r) => r.t);
  const first = ts.length ? ts.reduce((a, b) => Math.min(a, b)) : null;
  const last = ts.length ? ts.reduce((a, b) => Math.max(a, b)) : null;
  return {
    sent: records.length,
    failed: failedRecs.length,
    byKind,
    firstFailed: first,
    lastFailed: last,
    failingMs: ts.length ? last - first : 0,
    servedBy,
  };
}

module.exports = { startLoad, failureSummary };
