'use strict';
// Run by the Sylvan Operator as `node -e <this file> <releaseDir> <configFile>` in the release
// directory, with the build's environment, before `next build`. It loads the app's next.config the
// way Next does (import(), a function is called with the build phase) and prints what the
// operator needs on one line: whether the app sets generateBuildId / deploymentId itself, and the
// output / images settings the preflight reads. The config's own console output is left alone.
const path = require('path');
const { pathToFileURL } = require('url');

const [dir, file] = process.argv.slice(1);

(async () => {
  const out = { file };
  try {
    process.chdir(dir);
    const mod = await import(pathToFileURL(path.join(dir, file)).href);
    let config = mod && mod.default !== undefined ? mod.default : mod;
    if (typeof config === 'function') {
      config = config('phase-production-build', { defaultConfig: {} });
    }
    config = (await config) || {};
    const experimental = config.experimental || {};
    const images = config.images || {};
    out.generateBuildId = typeof config.generateBuildId === 'function';
    const deploymentId =
      config.deploymentId !== undefined ? config.deploymentId : experimental.deploymentId;
    out.deploymentIdSet = deploymentId !== undefined && deploymentId !== null && deploymentId !== '';
    out.deploymentId = typeof deploymentId === 'string' ? deploymentId : null;
    out.output = typeof config.output === 'string' ? config.output : null;
    out.imagesUnoptimized = images.unoptimized === true;
    out.imagesLoader = typeof images.loader === 'string' ? images.loader : null;
  } catch (e) {
    out.error = String((e && e.message) || e).slice(0, 500);
  }
  process.stdout.write('\nSYLVAN_NEXT_CONFIG ' + JSON.stringify(out) + '\n');
})();
