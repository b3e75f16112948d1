'use strict';
/*
 * The seed's deployment flow, as the release benchmarks emulate it on a plain clone of the fixture
 * repository under a PM2_HOME of its own: the seed's ecosystem config (script npm, args start,
 * cluster x2, wait_ready, listen_timeout 10000, kill_timeout 5000) and its update script
 * `git checkout <commit> && rm -rf .next && npm ci && npm run build && pm2 reload <app>`, then its
 * health check (reload, THEN check) and, when that fails, its rollback: the same update to the
 * previous commit (the seed rebuilds to roll back).
 */
const fs = require('fs');
const path = require('path');
const { mustRun, sleep } = require('./proc');
const { request } = require('./http');
const { pm2, killPm2, writeSeedConfig } = require('./pm2');

/** The first `[PM2][ERROR]` line of a pm2 command's output, colours removed; '' when none. */
function pm2ErrorLine(r) {
  const line = (r.out + r.err).split('\n').find((l) => l.includes('[PM2][ERROR]')) || '';
  return line.replace(/\x1b\[[0-9;]*m/g, '').trim();
}

class Seed {
  /** `work`: the benchmark's work dir (seed-checkout, seed-pm2-home, seed-logs go there); `port`: the app's. */
  constructor({ work, pm2Bin, repoDir, port, name = 'seed-app' }) {
    Object.assign(this, { work, pm2Bin, repoDir, port, name });
    this.dir = path.join(work, 'seed-checkout');
    this.pm2Home = path.join(work, 'seed-pm2-home');
    this.env = { ...process.env, PM2_HOME: this.pm2Home, NEXT_TELEMETRY_DISABLED: '1' };
    for (const k of Object.keys(this.env)) if (k.startsWith('SYLVAN_')) delete this.env[k];
  }

  /** A fresh clone of the repository (and a fresh PM2_HOME). */
  async init() {
    for (const d of [this.dir, this.pm2Home, path.join(this.work, 'seed-logs')]) {
      fs.rmSync(d, { recursive: true, force: true });
    }
    await mustRun('git', ['clone', '-q', this.repoDir, this.dir]);
  }

  /**
   * The seed's update flow to `commit` (`first`: pm2 start instead of reload). Resolves {ms, steps,
   * pm2: {code, error}}: a pm2 command that fails (the seed's `pm2 reload` exits 1 with "[PM2][ERROR]
   * process already started" when its second npm-started worker crash-loops) is a result, not a
   * crash of the benchmark; the other commands must succeed.
   */
  async update(commit, first = false) {
    const steps = {};
    const t0 = Date.now();
    const sh = async (name, cmd, args) => {
      const r = await mustRun(cmd, args, { cwd: this.dir, env: this.env });
      steps[name] = r.ms;
    };
    await mustRun('git', ['fetch', '-q', 'origin'], { cwd: this.dir, env: this.env });
    await sh('checkout', 'git', ['checkout', '-q', commit]);
    fs.rmSync(path.join(this.dir, '.next'), { recursive: true, force: true });
    await sh('npm ci', 'npm', ['ci', '--no-audit', '--no-fund']);
    await sh('build', 'npm', ['run', 'build']);
    const args = first ? ['start', this.config()] : ['reload', this.name];
    const r = await pm2(this.pm2Bin, this.pm2Home, args, { cwd: this.dir, env: { NEXT_TELEMETRY_DISABLED: '1' } });
    steps[first ? 'pm2 start' : 'pm2 reload'] = r.ms;
    return { ms: Date.now() - t0, steps, pm2: { code: r.code, error: pm2ErrorLine(r) } };
  }

  /** The seed's health check after the reload: `tries` GETs of `p`, `intervalMs` apart; true on a 200. */
  async healthy(p = '/api/health', { tries = 5, intervalMs = 3000, timeoutMs = 5000 } = {}) {
    for (let i = 0; i < tries; i++) {
      if (i > 0) await sleep(intervalMs);
      if ((await request('GET', this.port, p, { timeoutMs })).status === 200) return true;
    }
    return false;
  }

  config() {
    return writeSeedConfig(path.join(this.work, 'ecosystem.seed.config.js'), {
      name: this.name,
      port: this.port,
      cwd: this.dir,
      env: { NEXT_TELEMETRY_DISABLED: '1' },
      logDir: path.join(this.work, 'seed-logs'),
    });
  }

  kill() {
    return killPm2(this.pm2Bin, this.pm2Home);
  }
}

/**
 * The commits that answer GET `p` on `port` over `n` requests on new connections (so the cluster
 * master spreads them over the workers): {commit or "(status N)": count}. The bench fixture reports
 * SYLVAN_COMMIT, else the commit it was built from (the seed sets no SYLVAN_COMMIT).
 */
async function servedCommits(port, p = '/api/health', n = 10) {
  const seen = {};
  for (let i = 0; i < n; i++) {
    const r = await request('GET', port, p, { timeoutMs: 5000 });
    let k = `(status ${r.status || r.error})`;
    try {
      const c = JSON.parse(r.body).commit;
      if (r.status === 200 && c) k = c;
      else if (c) k = `${c} (status ${r.status})`;
    } catch (_) {
      /* not JSON */
    }
    seen[k] = (seen[k] || 0) + 1;
  }
  return seen;
}

module.exports = { Seed, servedCommits, pm2ErrorLine };
