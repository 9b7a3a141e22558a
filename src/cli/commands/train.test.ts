// `tileflow train CONFIG.yaml` end to end on the EuroSAT RGB sample: a tracked run with per-epoch
// metrics, both plots, an ONNX model that ONNX Runtime runs, and a registered model version; then a
// resumed training continuing from the checkpoint; and a bad config refused with the key it is about.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { OnnxSession } from '../../deep/runtime/session.js';
import { openTracking, type Tracking } from '../../track/service.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const EUROSAT = path.resolve(ROOT, '../shared/fixtures/eurosat/eotdl/EuroSAT-RGB-small');
let tmp: string;
let tracking: Tracking | undefined;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-train-cli-'));
});
after(async () => {
  await tracking?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function tileflow(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TILEFLOW_HOME: tmp } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

function writeConfig(name: string, body: string): string {
  const file = path.join(tmp, name);
  fs.writeFileSync(file, body);
  return file;
}

const CONFIG = `
experiment: eurosat-test
run_name: cnn-rgb
data:
  folder: ${EUROSAT}
  split: { method: stratified, val: 0.2, test: 0.2, seed: 7 }
model:
  arch: eurosat-cnn
  dropout: 0.1
training:
  batch_size: 8
  epochs: 3
  learning_rate: 0.001
  optimizer: adam
  loss: categorical_crossentropy
  regularizer: l2
  regularization: 0.0001
  threads: 2
  seed: 7
register: eurosat-cnn-test
output: work
`;

test('the EuroSAT pipeline makes a tracked run with metrics, plots, an ONNX model and a registered version', async () => {
  const file = writeConfig('eurosat.yaml', CONFIG);
  const result = tileflow('train', file, '--json');
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.epochs, 3);
  assert.deepEqual(summary.modelVersion, { name: 'eurosat-cnn-test', version: '1' });
  assert.equal(summary.test.chips, 20);

  tracking = await openTracking({ databaseUrl: `sqlite:${path.join(tmp, 'tileflow.db')}`, artifactsRoot: path.join(tmp, 'artifacts') });
  const run = await tracking.runs.getRun(summary.runId);
  assert.equal(run.info.status, 'FINISHED');
  assert.equal(run.info.runName, 'cnn-rgb');
  const params = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
  assert.equal(params.batch_size, '8');
  assert.equal(params.optimizer, 'adam');
  assert.equal(params.loss, 'categorical_crossentropy');
  assert.equal(params.regularizer, 'l2');
  assert.equal(params.train_chips, '60');
  const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
  for (const key of ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'val_precision', 'val_recall', 'val_f1', 'test_loss', 'test_accuracy', 'test_precision', 'test_recall', 'test_f1']) {
    assert.ok(Number.isFinite(metrics[key]), `metric ${key} logged: ${metrics[key]}`);
  }
  const history = (await tracking.runs.getMetricHistory(summary.runId, 'loss')).items;
  assert.deepEqual(history.map((m) => m.step), [1, 2, 3], 'one loss per epoch');

  const artifactDir = path.join(tmp, 'artifacts', run.info.artifactUri.replace(/^mlflow-artifacts:\//, ''));
  for (const plot of ['plots/loss_curve.png', 'plots/confusion_matrix.png']) {
    const meta = await sharp(path.join(artifactDir, plot)).metadata();
    assert.equal(meta.format, 'png', plot);
    assert.ok(meta.width! > 300 && meta.height! > 300, `${plot} is ${meta.width}x${meta.height}`);
  }
  const confusion = JSON.parse(fs.readFileSync(path.join(artifactDir, 'evaluation/confusion_matrix.json'), 'utf8'));
  assert.equal(confusion.matrix.flat().reduce((a: number, b: number) => a + b, 0), 20, 'every test chip counted once');
  const mlm = JSON.parse(fs.readFileSync(path.join(artifactDir, 'model/mlm.json'), 'utf8'));
  assert.deepEqual(mlm.properties['mlm:input'][0].bands, ['red', 'green', 'blue']);
  assert.equal(mlm.properties['mlm:output'][0]['classification:classes'].length, 10);

  const session = await OnnxSession.open(path.join(artifactDir, 'model/model.onnx'));
  const out = await session.run(new Float32Array(2 * 3 * 64 * 64).fill(0.5), [2, 3, 64, 64]);
  await session.close();
  assert.deepEqual(out.shape, [2, 10]);
  assert.ok(Math.abs(out.data.slice(0, 10).reduce((a, b) => a + b, 0) - 1) < 1e-5, 'probabilities sum to one');

  const version = await tracking.registry.getModelVersion('eurosat-cnn-test', '1');
  assert.equal(version.source, `runs:/${summary.runId}/model`);
  assert.equal(version.runId, summary.runId);
});

test('--resume continues from the last checkpoint instead of starting over', async () => {
  const file = writeConfig('eurosat.yaml', CONFIG);
  const result = tileflow('train', file, '--resume', '--epochs', '5', '--json');
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.epochs, 5, 'the history holds the first three epochs and two more');
  assert.deepEqual(summary.modelVersion, { name: 'eurosat-cnn-test', version: '2' });
  tracking ??= await openTracking({ databaseUrl: `sqlite:${path.join(tmp, 'tileflow.db')}`, artifactsRoot: path.join(tmp, 'artifacts') });
  const history = (await tracking.runs.getMetricHistory(summary.runId, 'loss')).items;
  assert.deepEqual(history.map((m) => m.step), [4, 5], 'the resumed run trained epochs 4 and 5 only');
});

test('a config with an unknown key or a missing file is refused, naming what is wrong', () => {
  const typo = writeConfig('typo.yaml', CONFIG.replace('batch_size: 8', 'batchsize: 8'));
  const result = tileflow('train', typo);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /training config \/training\/batchsize/);
  const two = writeConfig('two.yaml', CONFIG.replace(`  folder: ${EUROSAT}`, `  folder: ${EUROSAT}\n  dataset: somewhere`));
  assert.match(tileflow('train', two).stderr, /give exactly one of folder, dataset or stac \(got folder, dataset\)/);
  assert.match(tileflow('train', path.join(tmp, 'missing.yaml')).stderr, /no such training config/);
  const badYaml = writeConfig('bad.yaml', 'data: [unclosed');
  assert.match(tileflow('train', badYaml).stderr, /not valid YAML/);
});
