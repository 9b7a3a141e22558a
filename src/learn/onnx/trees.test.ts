// ONNX parity for the tree models: cart, rf and gbt exported as TreeEnsembleClassifier /
// TreeEnsembleRegressor and run by ONNX Runtime on float32 features agree with the estimators: the
// same label on every row, probabilities within 1e-5, regression values within 1e-5 relative.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DecisionTreeClassifier, DecisionTreeRegressor } from '../classical/decision-tree.js';
import { fromRows, takeRows, type Estimator, type Params } from '../classical/estimator.js';
import { HistGradientBoostingClassifier, HistGradientBoostingRegressor } from '../classical/gradient-boosting.js';
import { RandomForestClassifier, RandomForestRegressor } from '../classical/random-forest.js';
import { loadReference } from '../../../test/support/learn-reference.js';
import { assertClassifierParity, assertRegressorParity, describeParity, fitOnReference, float32Features, runExported } from '../../../test/support/onnx-parity.js';
import { floatBelow } from './trees.js';

const CLASSIFIERS: [string, (p: Params) => Estimator, string, Params][] = [
  ['cart', (p) => new DecisionTreeClassifier(p), 'breast-cancer', { random_state: 0 }],
  ['cart', (p) => new DecisionTreeClassifier(p), 'iris', { random_state: 0 }],
  ['cart entropy', (p) => new DecisionTreeClassifier(p), 'wine', { criterion: 'entropy', max_depth: 4, min_samples_leaf: 3, random_state: 0 }],
  ['rf', (p) => new RandomForestClassifier(p), 'breast-cancer', { n_estimators: 100, random_state: 0 }],
  ['rf', (p) => new RandomForestClassifier(p), 'iris', { n_estimators: 100, random_state: 0 }],
  ['rf exact splits', (p) => new RandomForestClassifier(p), 'wine', { n_estimators: 30, max_bins: null, random_state: 0 }],
  ['gbt', (p) => new HistGradientBoostingClassifier(p), 'breast-cancer', { max_iter: 100, random_state: 0 }],
  ['gbt', (p) => new HistGradientBoostingClassifier(p), 'iris', { max_iter: 100, random_state: 0 }],
];

for (const [name, make, dataset, params] of CLASSIFIERS) {
  test(`${name} classifier on ${dataset}: ONNX labels and probabilities match the estimator`, async (t) => {
    const { estimator, x32, X } = await fitOnReference(make, dataset, params);
    assert.equal(estimator.task, 'classification');
    if (estimator.task !== 'classification') return;
    const report = await assertClassifierParity(estimator, x32, X, 1e-5, `${name} ${dataset}`);
    t.diagnostic(describeParity(`${name} ${dataset}`, report));
  });
}

const REGRESSORS: [string, (p: Params) => Estimator, Params][] = [
  ['cart', (p) => new DecisionTreeRegressor(p), { max_depth: 5, random_state: 0 }],
  ['rf', (p) => new RandomForestRegressor(p), { n_estimators: 30, random_state: 0 }],
  ['gbt', (p) => new HistGradientBoostingRegressor(p), { max_iter: 100, random_state: 0 }],
];

for (const [name, make, params] of REGRESSORS) {
  test(`${name} regressor on diabetes: ONNX values match predict`, async (t) => {
    const { estimator, x32, X } = await fitOnReference(make, 'diabetes', params);
    const report = await assertRegressorParity(estimator, x32, X, 1e-5, `${name} diabetes`);
    t.diagnostic(describeParity(`${name} diabetes`, report));
  });
}

test('floatBelow is the largest float32 not above a threshold', () => {
  for (const t of [0.1, -0.1, 1.0000000596046448, 2.5, 1e-30, -3.4e38, 123456.789]) {
    const below = floatBelow(t);
    assert.equal(Math.fround(below), below, `${t}: the result is a float32`);
    assert.ok(below <= t, `${t}: ${below} is not above it`);
    // The next float32 up is above t, so no float32 lies strictly between.
    const next = new Float32Array([below]);
    new Int32Array(next.buffer)[0] += below >= 0 ? 1 : -1;
    assert.ok(next[0] > t, `${t}: the float32 after ${below} (${next[0]}) is above it`);
  }
  assert.equal(floatBelow(0.5), 0.5, 'a float32 threshold is kept');
});

test('a split between adjacent float32 values routes both of them as the estimator does', async () => {
  // 1000 + 2^-14 and 1000 + 2^-13 are adjacent float32 values; their midpoint rounds up to the larger
  // (ties to even), so a threshold rounded to nearest would send the larger value left. floatBelow does not.
  const low = 1000 + 2 ** -14;
  const high = 1000 + 2 ** -13;
  assert.equal(Math.fround(low), low, 'low is a float32');
  assert.equal(Math.fround(high), high, 'high is a float32');
  assert.ok(Math.fround((low + high) / 2) > (low + high) / 2, 'the midpoint rounds up in float32');
  const rows = [[low], [low], [high], [high]];
  const tree = new DecisionTreeClassifier();
  await tree.fit(fromRows(rows), Int32Array.of(0, 0, 1, 1));
  const boosted = new HistGradientBoostingClassifier({ min_samples_leaf: 1, max_iter: 3 });
  await boosted.fit(fromRows([...rows, ...rows, ...rows]), Int32Array.of(0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1));
  for (const estimator of [tree, boosted]) {
    const { x32, X } = float32Features(fromRows(rows));
    assert.deepEqual(Array.from(estimator.predict(X)), [0, 0, 1, 1], `${estimator.kind} separates the two values`);
    await assertClassifierParity(estimator, x32, X, 1e-5, `${estimator.kind} on adjacent float32 values`);
  }
});

test('one class in y: trees, forests and boosting export a constant prediction', async () => {
  const X = fromRows([[1, 2], [3, 4], [5, 6]]);
  const y = Int32Array.of(2, 2, 2);
  for (const estimator of [new DecisionTreeClassifier(), new RandomForestClassifier({ n_estimators: 3 }), new HistGradientBoostingClassifier()]) {
    await estimator.fit(X, y);
    const { x32, X: rounded } = float32Features(X);
    await assertClassifierParity(estimator, x32, rounded, 0, `${estimator.kind} with one class`);
    const { outputs } = await runExported(estimator, x32, X.cols);
    assert.deepEqual(Array.from(outputs.label.data, Number), [2, 2, 2], `${estimator.kind}: every row is class 2`);
  }
  // y holding only class 0: k = 1, a single probability column.
  const single = new DecisionTreeClassifier();
  await single.fit(X, Int32Array.of(0, 0, 0));
  const { x32, X: rounded } = float32Features(X);
  await assertClassifierParity(single, x32, rounded, 0, 'cart with k = 1');
});

test('gbt with a class absent at fit gives it probability 0', async () => {
  // iris (classes in blocks of 50) fitted on classes 0 and 2 only, declaring 3 classes.
  const { X, x32 } = float32Features(loadReference('iris').X);
  const keep = Array.from({ length: X.rows }, (_, i) => i).filter((i) => i < 50 || i >= 100);
  const estimator = new HistGradientBoostingClassifier({ max_iter: 20 });
  await estimator.fit(takeRows(X, keep), Int32Array.from(keep, (i) => (i < 50 ? 0 : 2)), { nClasses: 3 });
  await assertClassifierParity(estimator, x32, X, 1e-5, 'gbt binary over classes 0 and 2');
  const { outputs } = await runExported(estimator, x32, X.cols);
  for (let i = 0; i < X.rows; i++) assert.equal(outputs.probabilities.data[i * 3 + 1], 0, `row ${i}: class 1 has probability 0`);
});
