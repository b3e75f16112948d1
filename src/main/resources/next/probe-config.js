'use strict';
// Run by the Sylvan Operator as `node -e <this file> <releaseDir> <configFile> [verify]` in the
// release directory, with the build's environment, before `next build`. It loads the app's
// next.config the way Next does (import(); a next.config.ts through the release's own Next, which
// transpiles it with SWC; a function is called with the build phase) and prints what the operator
// needs on one line: whether the app sets generateBuildId / deploymentId itself, the output /
// images settings the preflight reads, and distDir / assetPrefix / basePath. With `verify` it
// also calls generateBuildId, to prove that a wrapper the operator wrote loads and pins the id.
// The config's own console output is left alone.
const path = require('path');
const { pathToFileURL } = require('url');

const [dir, file, verify] = process.argv.slice(1);

async function load(full) {
  if (file.endsWith('.ts')) {
    // Next 15+ loads next.config.ts with its own transpiler (not a public API: the arguments
    // cover the 15.x and 16.x signatures).
    const where = require.resolve('next/dist/build/next-config-ts/transpile-config', { paths: [dir] });
    const { transpileConfig } = require(where);
    return transpileConfig({ nextConfigPath: full, configFileName: file, cwd: dir, dir });
  }
  return import(pathToFileURL(full).href);
}

(async () => {
  const out = { file };
  try {
    process.chdir(dir);
    const mod = await load(path.join(dir, file));
    let config = mod && mod.default !== undefined ? mod.default : mod;
    if (typeof config === 'function') {
      config = config('phase-production-build', { defaultConfig: {} });
    }
    config = (await config) || {};
    const experimental = config.experimental || {};
    const images = config.images || {};
    out.generateBuildId = typeof config.generateBuildId === 'function';
    if (verify && out.generateBuildId) {
      const id = await config.generateBuildId();
      out.buildId = typeof id === 'string' ? id : null;
    }
    const deploymentId =
      config.deploymentId !== undefined ? config.deploymentId : experimental.deploymentId;
    out.deploymentIdSet = deploymentId !== undefined && deploymentId !== null && deploymentId !== '';
    out.deploymentId = typeof deploymentId === 'string' ? deploymentId : null;
    out.output = typeof config.output === 'string' ? config.output : null;
    out.imagesUnoptimized = images.unoptimized === true;
    out.imagesLoader = typeof images.loader === 'string' ? images.loader : null;
    out.distDir = typeof config.distDir === 'string' ? config.distDir : null;
    out.assetPrefix = typeof config.assetPrefix === 'string' ? config.assetPrefix : null;
    out.basePath = typeof config.basePath === 'string' ? config.basePath : null;
  } catch (e) {
    out.error = String((e && e.message) || e).slice(0, 500);
  }
  process.stdout.write('\nSYLVAN_NEXT_CONFIG ' + JSON.stringify(out) + '\n');
})();
