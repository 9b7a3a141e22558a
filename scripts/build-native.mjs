// Builds the libtorch addon (native/torch) with node-gyp when libtorch is on the machine: Debian's
// libtorch-dev, or a folder named by $LIBTORCH (e.g. a CUDA build from pytorch.org). Without libtorch
// it says how to get it and exits 0: the rest of tileflow works, deep-learning commands explain
// themselves. Skips the build when the addon is newer than its sources.
//
//   npm run build:native            (run by scripts/setup.sh)
//   npm run build:native -- --force
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIR = path.join(ROOT, 'native/torch');
const ADDON = path.join(DIR, 'build/Release/tileflow_torch.node');
const force = process.argv.includes('--force');

const libtorch = process.env.LIBTORCH;
const headers = libtorch ? path.join(libtorch, 'include/torch/csrc/api/include/torch/torch.h') : '/usr/include/torch/csrc/api/include/torch/torch.h';
if (!fs.existsSync(headers)) {
  console.error(
    `build-native: libtorch not found (${headers}); deep learning stays off until it is installed:\n` +
      '  apt-get install -y libtorch-dev && npm run build:native\n' +
      '  (or LIBTORCH=/path/to/libtorch npm run build:native)',
  );
  process.exit(0);
}

const sources = [path.join(DIR, 'binding.gyp'), path.join(DIR, 'find-libtorch.cjs'), ...fs.readdirSync(path.join(DIR, 'src')).map((f) => path.join(DIR, 'src', f))];
const newest = Math.max(...sources.map((f) => fs.statSync(f).mtimeMs));
if (!force && fs.existsSync(ADDON) && fs.statSync(ADDON).mtimeMs > newest) {
  console.log('build-native: libtorch addon up to date');
  process.exit(0);
}

console.log(`build-native: building the libtorch addon against ${libtorch ?? "Debian's libtorch-dev"}…`);
const nodeGyp = createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js');
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', '--jobs', 'max', '--loglevel', 'error'], { cwd: DIR, stdio: 'inherit' });
if (result.status !== 0) {
  console.error('build-native: the libtorch addon did not build (see the compiler output above)');
  process.exit(result.status ?? 1);
}
console.log('build-native: built native/torch/build/Release/tileflow_torch.node');
