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

/** The Next.js fixture as a repository; commitUnhealthy() adds a commit whose /api/health answers 500. */
async function nextFixtureRepo(dir) {
  const repo = await fixtureRepo(dir, 'next-app', { gitignore: 'node_modules/\n.next/\n.env*\n' });
  const route = path.join(dir, 'app', 'api', 'health', 'route.js');
  const goodRoute = fs.readFileSync(route, 'utf8');
  /** It builds and starts fine; only the health check fails. */
  repo.commitUnhealthy = async (message) => {
    const broken = goodRoute
      .replace("status: 'ok'", "status: 'broken'")
      .replace(
        "{ headers: { 'Cache-Control': 'no-store' } }",
        "{ status: 500, headers: { 'Cache-Control': 'no-store' } }",
      );
    fs.writeFileSync(route, broken);
    const sha = await repo.commitChange(message);
    fs.writeFileSync(route, goodRoute);
    return sha;
  };
  return repo;
}

module.exports = { copyDir, gitRepo, fixtureRepo, nextFixtureRepo };
