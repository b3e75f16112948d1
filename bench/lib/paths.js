'use strict';
/* Where the benchmarks find the project's files, and where they work by default. */
const path = require('path');

const REPO = path.resolve(__dirname, '..', '..');

module.exports = {
  REPO,
  /** The packaged operator (./mvnw -B -q -DskipTests package). */
  JAR: path.join(REPO, 'target', 'quarkus-app', 'quarkus-run.jar'),
  FIXTURES: path.join(REPO, 'src', 'test', 'resources', 'fixtures'),
  LAUNCHER: path.join(REPO, 'src', 'main', 'resources', 'launcher', 'sylvan-launcher.js'),
  ECOSYSTEM: path.join(REPO, 'ecosystem.config.js'),
  /** bench/.work/<name> (gitignored); bench/.work itself without a name. */
  workDir: (name = '') => path.join(REPO, 'bench', '.work', name),
};
