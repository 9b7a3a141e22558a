// `tileflow cv` and `tileflow fit` end to end on scikit-learn's wine table: a tracked run per command
// with per-fold metrics, the comparison box plot and confusion matrices; a fitted, registered model
// that loads back and predicts as before; and bad input refused with the reason.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { OnnxSession } from '../../deep/runtime/session.js';
import { fromRows } from '../../learn/classical/estimator.js';
import { readModelFile } from '../../learn/model-file.js';
import { openTracking, type Tracking } from '../../track/service.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const WINE = path.join(ROOT, 'test/fixtures/learn/wine.csv');
const DIABETES = path.join(ROOT, 'test/fixtures/learn/diabetes.csv');
let tmp: string;
let tracking: Tracking;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-cv-cli-'));
});
after(async () => {
  await tracking?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

function tileflow(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TILEFLOW_HOME: tmp } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function store(): Promise<Tracking> {
  tracking ??= await openTracking({ databaseUrl: `sqlite:${path.join(tmp, 'tileflow.db')}`, artifactsRoot: path.join(tmp, 'artifacts') });
  return tracking;
}

test('cv compares models on the same folds and records one run with plots', async () => {
  const result = tileflow('cv', '--data', WINE, '--target', 'target', '--models', 'lda,nb,cart', '--folds', '5', '--shuffle', '--json');
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.equal(summary.task, 'classification');
  assert.equal(summary.folds, 5);
  assert.deepEqual(summary.models.map((m: { model: string }) => m.model), ['lda', 'nb', 'cart']);
  for (const m of summary.models) {
    assert.equal(m.scores.accuracy.folds.length, 5);
    assert.ok(m.scores.accuracy.mean > 0.8 && m.scores.accuracy.mean <= 1, `${m.model} accuracy ${m.scores.accuracy.mean}`);
    assert.ok(m.scores.accuracy.std >= 0);
    assert.ok(m.scores.kappa.mean !== null && m.scores.f1_macro.mean !== null);
  }
  // LDA and naive Bayes are scikit-learn's strongest on wine; the best is one of them.
  assert.ok(['lda', 'nb'].includes(summary.best), `best ${summary.best}`);

  const t = await store();
  const run = await t.runs.getRun(summary.runId);
  assert.equal(run.info.status, 'FINISHED');
  const params = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
  assert.equal(params.scheme, 'stratified');
  assert.equal(params.models, 'lda,nb,cart');
  const perFold = (await t.runs.getMetricHistory(summary.runId, 'lda.accuracy')).items;
  assert.deepEqual(perFold.map((m) => m.step), [0, 1, 2, 3, 4], 'one accuracy per fold');
  const metrics = Object.fromEntries(run.data.metrics.map((m) => [m.key, m.value]));
  assert.ok(Math.abs(metrics['lda.accuracy_mean'] - summary.models[0].scores.accuracy.mean) < 1e-12);
  const artifacts = path.join(tmp, 'artifacts', run.info.artifactUri.replace(/^mlflow-artifacts:\//, ''));
  for (const plot of ['plots/comparison.png', 'plots/confusion_lda.png', 'plots/confusion_cart.png']) {
    assert.equal((await sharp(path.join(artifacts, plot)).metadata()).format, 'png', plot);
  }
  const results = JSON.parse(fs.readFileSync(path.join(artifacts, 'cv_results.json'), 'utf8'));
  const confusion = results.results[0].cv.confusionMatrix;
  assert.equal(confusion.flat().reduce((a: number, b: number) => a + b, 0), 178, 'every sample tested once');
});

test('the table output prints mean ± std per model; regression picks k-fold and R2', () => {
  const table = tileflow('cv', '--data', WINE, '--target', 'target', '--models', 'nb');
  assert.equal(table.code, 0, table.stderr);
  // scikit-learn: cross_val_score(GaussianNB(), *load_wine(return_X_y=True), cv=5) has mean 0.96635, std 0.02113.
  assert.match(table.stdout, /│ nb\s+│ 0\.9663 ± 0\.0211 /);
  assert.match(table.stdout, /best by accuracy: nb; 5 folds/);
  const regression = tileflow('cv', '--data', DIABETES, '--target', 'target', '--models', 'cart', '--param', 'cart.max_depth=3', '--json');
  assert.equal(regression.code, 0, regression.stderr);
  const summary = JSON.parse(regression.stdout);
  assert.equal(summary.task, 'regression');
  assert.equal(summary.scoring, 'r2');
  assert.ok(summary.models[0].scores.r2.mean > 0.2, `R2 ${summary.models[0].scores.r2.mean}`);
  assert.deepEqual(summary.models[0].params, { max_depth: 3 });
});

test('nested cross-validation picks hyper-parameters inside each outer fold', () => {
  const grid = path.join(tmp, 'grid.yaml');
  fs.writeFileSync(grid, 'cart:\n  max_depth: [1, 4]\n');
  const result = tileflow('cv', '--data', WINE, '--target', 'target', '--models', 'cart', '--grid', grid, '--folds', '3', '--json');
  assert.equal(result.code, 0, result.stderr);
  const chosen = JSON.parse(result.stdout).models[0].chosen;
  assert.equal(chosen.length, 3);
  // A stump cannot separate three classes; depth 4 wins every inner search.
  assert.deepEqual(chosen, [{ max_depth: 4 }, { max_depth: 4 }, { max_depth: 4 }]);
});

test('fit stores, scores and registers a model that loads back and predicts the same', async () => {
  const output = path.join(tmp, 'lda.json');
  const result = tileflow('fit', '--data', WINE, '--target', 'target', '--model', 'lda', '--holdout', '0.2', '--output', output, '--register', 'wine-lda', '--json');
  assert.equal(result.code, 0, result.stderr);
  const summary = JSON.parse(result.stdout);
  assert.ok(summary.holdout.accuracy > 0.9, `holdout accuracy ${summary.holdout.accuracy}`);
  assert.deepEqual(summary.registered, { name: 'wine-lda', version: '1' });
  const model = await readModelFile(output);
  assert.equal(model.file.features.length, 13);
  assert.deepEqual(model.file.classes, ['0', '1', '2']);
  // The first wine sample (class 0) is classified as class 0.
  const wine = fs.readFileSync(WINE, 'utf8').split('\n')[1].split(',').map(Number);
  assert.equal(model.estimator.predict(fromRows([wine.slice(0, 13)]))[0], 0);
  const t = await store();
  const version = await t.registry.getModelVersion('wine-lda', '1');
  assert.equal(version.source, `runs:/${summary.runId}/model`);
  const run = await t.runs.getRun(summary.runId);
  const artifacts = path.join(tmp, 'artifacts', run.info.artifactUri.replace(/^mlflow-artifacts:\//, ''));
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(artifacts, 'model/estimator.json'), 'utf8')), JSON.parse(fs.readFileSync(output, 'utf8')));
  // The ONNX artifact gives the same class for the same sample under ONNX Runtime.
  const session = await OnnxSession.open(path.join(artifacts, 'model/model.onnx'));
  try {
    const outputs = await session.runAll(Float32Array.from(wine.slice(0, 13)), [1, 13]);
    assert.equal(Number(outputs.label.data[0]), 0);
  } finally {
    await session.close();
  }
});

test('bad input is one error line naming the problem', () => {
  const cases: [string[], RegExp, number][] = [
    [['cv', '--data', WINE, '--target', 'target', '--models', 'lr,xgb'], /unknown model "xgb"; known: lr, lda/, 1],
    [['cv', '--data', WINE, '--target', 'target', '--models', 'cart', '--param', 'cart.max_dpth=3'], /cart has no hyper-parameter max_dpth/, 1],
    [['cv', '--data', WINE, '--target', 'target', '--models', 'nb', '--folds', '500'], /more folds than samples|fewer than 500 samples/, 1],
    [['cv', '--data', WINE, '--target', 'colour'], /no target column "colour"/, 1],
    [['cv', '--data', WINE, '--target', 'target', '--loo', '--repeats', '2'], /choose one cross-validation scheme/, 2],
    [['cv', '--data', DIABETES, '--target', 'target', '--models', 'nb'], /nb \(Gaussian naive Bayes\) does not do regression/, 1],
    [['fit', '--data', WINE, '--target', 'target', '--model', 'svm', '--holdout', '1.5'], /--holdout must be a fraction/, 2],
  ];
  for (const [args, message, code] of cases) {
    const result = tileflow(...args);
    assert.equal(result.code, code, `${args.join(' ')}: ${result.stderr}`);
    assert.match(result.stderr, message, args.join(' '));
    assert.doesNotMatch(result.stderr, /at .*\.ts:\d+/, 'no stack trace');
  }
});
