'use strict';
/* The one HTTP client of the benchmarks (loopback only), for the operator's API and the apps. */
const http = require('http');
const net = require('net');

/** Resolves {status, body}, or {status: 0, error} when there is no answer; never throws. */
function request(method, port, p, { token, headers = {}, body, timeoutMs = 10000 } = {}) {
  return new Promise((resolve) => {
    const all = { ...headers, ...(token ? { Authorization: `Bearer ${token}` } : {}) };
    const req = http.request({ host: '127.0.0.1', port, path: p, method, headers: all, timeout: timeoutMs }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, body: text }));
      res.on('error', (e) => resolve({ status: 0, error: e.code || e.message }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (e) => resolve({ status: 0, error: e.code || e.message }));
    req.end(body);
  });
}

/** A port the OS has just handed out on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

module.exports = { request, freePort };
