'use strict';
/* The fixed-rate keep-alive HTTP load of the latency benchmarks (loopback only). */
const http = require('http');

/**
 * GETs `opts.path` on 127.0.0.1:`port` at `opts.rate` requests/s (at most `opts.maxRequests`), each
 * failing after `opts.timeoutMs`; with `opts.raw` the answering worker's pid is read from the body.
 * `stop()` waits for the outstanding requests and resolves every request's record: {t: issue time
 * (ms since epoch), ms: latency, ok, why: failure reason, fresh: on a new connection, pid}.
 */
function startLoad(port, opts) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const results = []; // {t: start ms since epoch, ms: latency, ok, why}
  let sent = 0;
  let outstanding = 0;
  let stopped = false;
  const t0 = Date.now();
  const hr0 = process.hrtime.bigint();

  function fire() {
    sent += 1;
    outstanding += 1;
    const startHr = process.hrtime.bigint();
    const rec = { t: t0 + Number(startHr - hr0) / 1e6, ms: 0, ok: false, why: '', fresh: false };
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
    const req = http.get({ host: '127.0.0.1', port, path: opts.path, agent }, (res) => {
      let body = '';
      res.on('data', (d) => {
        if (opts.raw) body += d;
      });
      res.on('end', () => {
        if (opts.raw) {
          const m = /"pid":(\d+)/.exec(body);
          rec.pid = m ? Number(m[1]) : 0;
        }
        finish(res.statusCode === 200, res.statusCode === 200 ? '' : `HTTP ${res.statusCode}`);
      });
      res.on('error', (e) => finish(false, e.code || e.message));
      res.on('aborted', () => finish(false, 'aborted'));
    });
    const timer = setTimeout(() => {
      finish(false, 'timeout');
      req.destroy();
    }, opts.timeoutMs);
    // reused keep-alive socket vs new connection tells the keep-alive close
    // race apart from a refused / reset fresh connection
    req.on('error', (e) =>
      finish(false, `${e.code || e.message}${req.reusedSocket ? ' (reused socket)' : ' (new socket)'}`),
    );
  }

  const iv = setInterval(() => {
    if (stopped) return;
    const due = Math.floor(((Date.now() - t0) * opts.rate) / 1000);
    while (sent < due && sent < opts.maxRequests) fire();
  }, 2);

  return {
    get sent() {
      return sent;
    },
    async stop() {
      stopped = true;
      clearInterval(iv);
      const end = Date.now() + opts.timeoutMs + 2000;
      while (outstanding > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
      agent.destroy();
      return results;
    },
  };
}

module.exports = { startLoad };
