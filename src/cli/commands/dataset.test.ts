// `tileflow dataset …` and `tileflow chips build` through the real CLI in a child process.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const FIXTURES = path.resolve(ROOT, '../shared/fixtures');
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-dataset-cli-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tileflow(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TILEFLOW_HOME: tmp } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('dataset import-folder with a stratified split, then dataset info as tables and JSON', () => {
  const out = path.join(tmp, 'eurosat');
  const made = tileflow('dataset', 'import-folder', path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small'), '-o', out, '--split', 'stratified', '--seed', '42');
  assert.equal(made.code, 0, made.stderr);
  assert.equal(made.stdout, `wrote ${out}: 100 chips of 3 x 64 x 64 uint8, 10 classes (classification)\n`);
  assert.equal(made.stderr, '', 'no progress bar when stderr is not a terminal');
  const info = tileflow('dataset', 'info', out, '--json');
  assert.equal(info.code, 0, info.stderr);
  const doc = JSON.parse(info.stdout);
  assert.equal(doc.classes.length, 10);
  for (const c of doc.classes) assert.deepEqual(c.chips, { train: 7, val: 2, test: 1, unassigned: 0, total: 10 }, c.name);
  assert.deepEqual([doc.dtype, doc.height, doc.width, doc.bands.length], ['uint8', 64, 64, 3]);
  assert.equal(doc.statistics.bands.length, 3);
  const text = tileflow('dataset', 'info', out);
  assert.match(text.stdout, /│ 4\s+│ Industrial\s+│ 7\s+│ 2\s+│ 1\s+│ 0\s+│ 10\s+│/);
  assert.match(text.stdout, /stratified, seed 42 \(train 0.7 \/ val 0.2 \/ test 0.1\)/);
  assert.match(text.stdout, /│ red\s+│ 89\.30/);
});

test('chips build: road segmentation from imagery and GeoJSON, and grass from the Jaca STAC catalog', () => {
  const roads = path.join(tmp, 'roads');
  const made = tileflow(
    'chips', 'build',
    '--imagery', path.join(FIXTURES, 'labels/solaris-roads/road_mask_input.tif'),
    '--labels', path.join(FIXTURES, 'labels/solaris-roads/sample_roads_for_masking.geojson'),
    '--task', 'segmentation', '--size', '260', '--split', 'random', '--val', '0.25', '--test', '0',
    '-o', roads,
  );
  assert.equal(made.code, 0, made.stderr);
  assert.match(made.stdout, /: \d+ chips of 1 x 260 x 260 uint16, 2 classes \(segmentation\)/);
  const stac = path.join(tmp, 'jaca');
  const fromStac = tileflow('chips', 'build', '--stac', path.join(FIXTURES, 'labels/eotdl-jaca/jaca_dataset_q2/catalog.json'), '--size', '32', '--stride', '16', '-o', stac);
  assert.equal(fromStac.code, 0, fromStac.stderr);
  assert.match(fromStac.stdout, /12 x 32 x 32 int16, 2 classes \(segmentation\)/);
  const info = JSON.parse(tileflow('dataset', 'info', stac, '--json').stdout);
  assert.deepEqual(info.classes.map((c: { name: string }) => c.name), ['background', 'grass']);
});

test('a corrupt image fails the import with one error line, exit 1, and no dataset', () => {
  const input = path.join(tmp, 'corrupt-input');
  fs.cpSync(path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-small'), input, { recursive: true });
  fs.writeFileSync(path.join(input, 'Forest', 'Forest_2.tif'), fs.readFileSync(path.join(input, 'Forest', 'Forest_1.tif')).subarray(0, 3000));
  const out = path.join(tmp, 'corrupt-out');
  const run = tileflow('dataset', 'import-folder', input, '-o', out);
  assert.equal(run.code, 1);
  assert.match(run.stderr, /^error: .*Forest_2\.tif/);
  assert.equal(run.stderr.trim().split('\n').length, 1);
  assert.equal(fs.existsSync(out), false);
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.startsWith('corrupt-out')), []);
});

test('usage errors exit 2', () => {
  const missing = tileflow('chips', 'build', '--imagery', 'x.tif', '-o', path.join(tmp, 'x'));
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /give --imagery and --labels, or --stac CATALOG/);
  const badSize = tileflow('dataset', 'import-folder', tmp, '-o', path.join(tmp, 'y'), '--size', 'big');
  assert.equal(badSize.code, 2);
  assert.match(badSize.stderr, /--size must be an integer/);
  assert.equal(tileflow('dataset', 'import-folder', tmp, '-o', path.join(tmp, 'z'), '--split', 'alphabetical').code, 2);
  const notDataset = tileflow('dataset', 'info', tmp);
  assert.equal(notDataset.code, 1);
  assert.match(notDataset.stderr, /is not a chip dataset \(no manifest\.json\)/);
});
