'use strict';
/* Git repositories the benchmarks deploy from: real repos made from the test fixtures. */
const fs = require('fs');
const path = require('path');
const { mustRun } = require('./proc');
const { FIXTURES } = require('./paths');

function copyDir(src, dst) {
  fs.mkdirSync(dst, { recursive: true });
  for (const e of fs.readdirSync(src, { withFileTypes: true })) {
    const s = path.join(src, e.name);
    const d = path.join(dst, e.name);
    if (e.isDirectory()) copyDir(s, d);
    else fs.copyFileSync(s, d);
  }
}

/** A new git repository in `dir` (branch main, a bench committer); commit() returns the new hash. */
async function gitRepo(dir) {
  fs.mkdirSync(dir, { recursive: true });
  const git = (...args) => mustRun('git', args, { cwd: dir });
  await git('init', '-q', '-b', 'main');
  await git('config', 'user.email', 'bench@sylvan.invalid');
  await git('config', 'user.name', 'Sylvan Bench');
  return {
    dir,
    async commit(message) {
      await git('add', '-A');
      await git('commit', '-q', '--allow-empty', '-m', message);
      return (await git('rev-parse', 'HEAD')).out.trim();
    },
    /** A harmless change: only CHANGES.txt differs, the lockfile stays the same. */
    async commitChange(message) {
      fs.writeFileSync(path.join(dir, 'CHANGES.txt'), `${message}\n`);
      return this.commit(message);
    },
  };
}

/**
 * A fresh repository in `dir` of the fixture app `name` (all its files, or only `files`), with
 * `gitignore` and a lockfile from `npm install --package-lock-only`; nothing committed yet.
 */
async function fixtureRepo(dir, name, { files, gitignore } = {}) {
  const fixture = path.join(FIXTURES, name);
  fs.rmSync(dir, { recursive: true, force: true });
  if (files) {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) fs.copyFileSync(path.join(fixture, f), path.join(dir, f));
  } else {
    copyDir(fixture, dir);
  }
  if (gitignore) fs.writeFileSync(path.join(dir, '.gitignore'), gitignore);
  await mustRun('npm', ['install', '--package-lock-only', '--no-audit', '--no-fund'], { cwd: dir });
  return gitRepo(dir);
}

/** The bench copy's addition to the fixture's next.config.js (see nextFixtureRepo). */
const BUILT_COMMIT_CONFIG = `
// Benchmarks only: the commit this build was made from, for /api/health to report when
// SYLVAN_COMMIT is unset (the seed's flow sets none).
try {
  const built = require('child_process').execFileSync('git', ['rev-parse', 'HEAD'], { cwd: __dirname });
  nextConfig.env = { ...nextConfig.env, BENCH_BUILT_COMMIT: String(built).trim() };
} catch (_) {
  /* not a git checkout */
}
`;

/**
 * The Next.js fixture as a repository. Its /api/health reports SYLVAN_COMMIT, else the commit it
 * was built from (so the seed's flow can be checked too). commitUnhealthy() adds a commit whose
 * /api/health answers 500 everywhere (the pre-traffic preview stops it); commitUnhealthyAfterSwitch()
 * one that answers 500 only under PM2 (pm_id set): it passes the preview and fails after the switch,
 * like the node fixture's UNHEALTHY_UNDER_PM2 marker.
 */
async function nextFixtureRepo(dir) {
  const repo = await fixtureRepo(dir, 'next-app', { gitignore: 'node_modules/\n.next/\n.env*\n' });
  const config = path.join(dir, 'next.config.js');
  fs.writeFileSync(
    config,
    fs.readFileSync(config, 'utf8').replace(/module\.exports = nextConfig;/, `${BUILT_COMMIT_CONFIG}\n$&`),
  );
  const route = path.join(dir, 'app', 'api', 'health', 'route.js');
  const goodRoute = fs
    .readFileSync(route, 'utf8')
    .replace(
      'process.env.SYLVAN_COMMIT || null',
      'process.env.SYLVAN_COMMIT || process.env.BENCH_BUILT_COMMIT || null',
    );
  fs.writeFileSync(route, goodRoute);
  /** `when`: the JS condition under which the route answers 500 (it builds and starts fine). */
  const commitBroken = async (message, when) => {
    const broken = goodRoute
      .replace('export async function GET() {', `export async function GET() {\n  const broken = ${when};`)
      .replace("status: 'ok'", "status: broken ? 'broken' : 'ok'")
      .replace(
        "{ headers: { 'Cache-Control': 'no-store' } }",
        "{ status: broken ? 500 : 200, headers: { 'Cache-Control': 'no-store' } }",
      );
    if (broken === goodRoute) throw new Error(`${route}: the fixture changed, cannot break its health route`);
    fs.writeFileSync(route, broken);
    const sha = await repo.commitChange(message);
    fs.writeFileSync(route, goodRoute);
    return sha;
  };
  repo.commitUnhealthy = (message) => commitBroken(message, 'true');
  repo.commitUnhealthyAfterSwitch = (message) => commitBroken(message, 'process.env.pm_id !== undefined');
  return repo;
}

module.exports = { copyDir, gitRepo, fixtureRepo, nextFixtureRepo };
