import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { createRandom } from '../../data/datasets/random.js';
import { assertFoldsMatch, crossValidateReference, loadReference, referenceScores, trainIndices } from '../../../test/support/learn-reference.js';
import { fromRows, matrix, take, takeRows, type Matrix, type Params, type SerializedEstimator } from './estimator.js';
import { HistGradientBoostingClassifier, HistGradientBoostingRegressor } from './gradient-boosting.js';

const classifier = (params: Params = {}) => new HistGradientBoostingClassifier(params);
const regressor = (params: Params = {}) => new HistGradientBoostingRegressor(params);

/** n rows of `cols` Gaussian features around one centre per class; labels cycle through the classes. */
function blobs(n: number, cols: number, k: number, seed: number, spread = 1): { X: Matrix; y: Int32Array } {
  const random = createRandom(seed, 'blobs');
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random.next())) * Math.cos(2 * Math.PI * random.next());
  const data = new Float64Array(n * cols);
  const y = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    y[i] = i % k;
    for (let f = 0; f < cols; f++) data[i * cols + f] = 3 * Math.cos(y[i] + f) + spread * gauss();
  }
  return { X: matrix(data, n, cols), y };
}

function expectInvalid(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (error: unknown) => error instanceof TileflowError && error.code === 'INVALID_PARAMETER_VALUE' && pattern.test(error.message));
}

for (const name of ['iris', 'wine', 'breast-cancer']) {
  test(`${name}: accuracy per fold matches scikit-learn's HistGradientBoostingClassifier`, async () => {
    assertFoldsMatch(await crossValidateReference(classifier, name, 'gbt'), name, 'gbt');
  });
}

test("diabetes: R2 per fold matches scikit-learn's HistGradientBoostingRegressor", async () => {
  const actual = await crossValidateReference(regressor, 'diabetes', 'gbt');
  const expected = referenceScores('diabetes', 'gbt');
  for (let fold = 0; fold < expected.length; fold++) {
    assert.ok(Math.abs(actual[fold] - expected[fold]) <= 0.02, `diabetes fold ${fold}: tileflow R2 ${actual[fold]}, scikit-learn ${expected[fold]}`);
  }
});

test("the models are scikit-learn's to rounding: same predictions on a reference fold", async () => {
  // Made with scikit-learn 1.2.1: HistGradientBoosting*(max_iter=100, random_state=0) fitted on
  // fold 0's training rows of each reference dataset, predicting the fold's first test rows.
  const diabetes = loadReference('diabetes');
  const r = regressor({ max_iter: 100, random_state: 0 });
  await r.fit(takeRows(diabetes.X, trainIndices(diabetes, 0)), take(diabetes.y as Float64Array, trainIndices(diabetes, 0)));
  const values = r.predict(takeRows(diabetes.X, diabetes.folds[0].slice(0, 6)));
  assert.deepEqual(Array.from(values), [72.34656913486788, 51.420534703426554, 104.72301968043406, 114.51967284974108, 201.85952786918358, 86.33792766714265]);

  const expected: Record<string, number[]> = {
    iris: [0.9999954277554051, 3.194445644850783e-6, 1.3777989499630302e-6, 0.9999972967426581, 1.1311493185459162e-6, 1.5721080231617743e-6, 0.9999026242235914, 9.732500484569643e-5, 5.0771562724628897e-8],
    'breast-cancer': [0.9998302445385655, 0.00016975546143450332, 0.9998741613561118, 0.00012583864388818834, 0.9999739906419449, 2.60093580550474e-5],
  };
  for (const [name, proba] of Object.entries(expected)) {
    const ds = loadReference(name);
    const c = classifier({ max_iter: 100, random_state: 0 });
    await c.fit(takeRows(ds.X, trainIndices(ds, 0)), take(ds.y as Int32Array, trainIndices(ds, 0)), { nClasses: ds.nClasses });
    const actual = c.predictProba(takeRows(ds.X, ds.folds[0].slice(0, proba.length / ds.nClasses)));
    // exp() differs from numpy's in the last bit now and then; the trees themselves are the same.
    proba.forEach((p, i) => assert.ok(Math.abs(actual[i] - p) <= 1e-15 + 1e-12 * p, `${name} probability ${i}: ${actual[i]} vs scikit-learn ${p}`));
  }
});

test('predictProba rows are probabilities that sum to 1, and predict is their argmax', async () => {
  for (const k of [2, 4]) {
    const { X, y } = blobs(300, 3, k, k, 1.5);
    const model = classifier({ max_iter: 20 });
    await model.fit(X, y);
    assert.equal(model.nClasses, k);
    const proba = model.predictProba(X);
    const predicted = model.predict(X);
    for (let i = 0; i < X.rows; i++) {
      const row = Array.from(proba.subarray(i * k, (i + 1) * k));
      assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-12, `row ${i} sums to ${row.reduce((a, b) => a + b, 0)}`);
      assert.ok(row.every((p) => p >= 0 && p <= 1), `row ${i} has probabilities in [0, 1]: ${row}`);
      assert.equal(predicted[i], row.indexOf(Math.max(...row)));
    }
  }
});

test('serialized models predict bit-identically after a JSON round trip', async () => {
  for (const k of [2, 3]) {
    const { X, y } = blobs(400, 4, k, 10 + k, 2);
    const model = classifier({ max_iter: 15, max_leaf_nodes: 7 });
    await model.fit(X, y);
    const copy = HistGradientBoostingClassifier.fromJSON(JSON.parse(JSON.stringify(model.toJSON())) as SerializedEstimator);
    assert.deepEqual(copy.predictProba(X), model.predictProba(X));
    assert.deepEqual(copy.predict(X), model.predict(X));
    assert.deepEqual(copy.params, model.params);
    assert.equal(copy.nClasses, k);
  }
  const { X } = blobs(300, 3, 2, 5);
  const target = Float64Array.from({ length: X.rows }, (_, i) => Math.sin(X.data[i * 3]) * 10 + X.data[i * 3 + 1] ** 2);
  const model = regressor({ max_iter: 30, learning_rate: 0.3 });
  await model.fit(X, target);
  const json = JSON.parse(JSON.stringify(model.toJSON())) as SerializedEstimator;
  assert.equal(json.kind, 'gbt');
  assert.equal(json.task, 'regression');
  assert.deepEqual(HistGradientBoostingRegressor.fromJSON(json).predict(X), model.predict(X));
  expectInvalid(() => HistGradientBoostingClassifier.fromJSON(json), /not a serialized gbt classification/);
  expectInvalid(() => HistGradientBoostingRegressor.fromJSON({ ...json, state: { ...json.state, left: [5] } }), /inconsistent|state/);
});

test('bad hyper-parameters are refused by name', () => {
  expectInvalid(() => classifier({ n_estimators: 100 }), /no hyper-parameter n_estimators/);
  expectInvalid(() => classifier({ learning_rate: 0 }), /learning_rate/);
  expectInvalid(() => classifier({ max_iter: 2.5 }), /max_iter/);
  expectInvalid(() => classifier({ max_leaf_nodes: 1 }), /max_leaf_nodes/);
  expectInvalid(() => classifier({ max_depth: 'deep' }), /max_depth/);
  expectInvalid(() => classifier({ min_samples_leaf: 0 }), /min_samples_leaf/);
  expectInvalid(() => classifier({ l2_regularization: -1 }), /l2_regularization/);
  expectInvalid(() => classifier({ max_bins: 256 }), /max_bins/);
  expectInvalid(() => classifier({ early_stopping: 'yes' }), /early_stopping/);
  expectInvalid(() => classifier({ scoring: 'r2' }), /scoring/);
  expectInvalid(() => regressor({ scoring: 'accuracy' }), /scoring/);
  expectInvalid(() => classifier({ validation_fraction: 1.5 }), /validation_fraction/);
  expectInvalid(() => classifier({ loss: 'squared_error' }), /loss/);
  expectInvalid(() => regressor({ loss: 'absolute_error' }), /loss/);
  expectInvalid(() => classifier({ class_weight: 'balanced' }), /class_weight is not supported/);
  expectInvalid(() => regressor({ class_weight: null }), /no hyper-parameter class_weight/);
  expectInvalid(() => regressor({ monotonic_cst: [1, 0] }), /monotonic_cst is not supported/);
  // sklearn's get_params() output, with its None defaults, is accepted as is.
  const model = classifier({ max_depth: null, max_leaf_nodes: null, categorical_features: null, warm_start: false, verbose: 0, random_state: null, scoring: null, validation_fraction: null });
  assert.equal(model.params.max_depth, null);
  assert.equal(model.params.random_state, 0);
  assert.equal(classifier().params.learning_rate, 0.1);
});

test('predicting before fit or with the wrong number of features is refused', async () => {
  const { X, y } = blobs(100, 3, 2, 1);
  const model = classifier({ max_iter: 5 });
  expectInvalid(() => model.predict(X), /not fitted/);
  expectInvalid(() => regressor().predict(X), /not fitted/);
  await model.fit(X, y);
  expectInvalid(() => model.predict(fromRows([[1, 2]])), /fitted on 3 features, X has 2/);
  expectInvalid(() => model.predictProba(fromRows([[1, 2, 3, 4]])), /fitted on 3 features, X has 4/);
  await assert.rejects(model.fit(X, y.subarray(0, 50)), /X has 100 rows but y has 50/);
});

test('a single class is predicted with probability 1; classes absent from a fold get 0', async () => {
  const { X } = blobs(60, 2, 1, 2);
  const single = classifier();
  await single.fit(X, new Int32Array(60).fill(2), { nClasses: 3 });
  assert.deepEqual(Array.from(single.predict(takeRows(X, [0, 1]))), [2, 2]);
  assert.deepEqual(Array.from(single.predictProba(takeRows(X, [0]))), [0, 0, 1]);

  const { X: X3, y } = blobs(300, 2, 3, 4);
  const missing = classifier({ max_iter: 10 });
  await missing.fit(X3, y.map((c) => (c === 1 ? 3 : c)), { nClasses: 4 });
  const proba = missing.predictProba(X3);
  for (let i = 0; i < X3.rows; i++) assert.equal(proba[i * 4 + 1], 0, `row ${i}: the absent class 1 has probability 0`);
  assert.ok(missing.predict(X3).every((c) => c !== 1), 'the absent class is never predicted');
});

test('growth limits hold: max_leaf_nodes, max_depth and min_samples_leaf', async () => {
  const { X, y } = blobs(2000, 5, 3, 9, 3);
  const limits: { params: Params; ok: (leaves: number, depth: number) => boolean }[] = [
    { params: { max_leaf_nodes: 5 }, ok: (leaves) => leaves > 1 && leaves <= 5 },
    { params: { max_depth: 2, max_leaf_nodes: null }, ok: (leaves, depth) => depth > 0 && depth <= 2 },
    { params: { min_samples_leaf: 400 }, ok: (leaves) => leaves > 1 && leaves <= 2000 / 400 },
  ];
  for (const { params, ok } of limits) {
    const model = classifier({ max_iter: 3, ...params });
    await model.fit(X, y);
    const { treeStart, left, right } = model.toJSON().state as { treeStart: number[]; left: number[]; right: number[] };
    for (let t = 0; t + 1 < treeStart.length; t++) {
      let leaves = 0;
      let depth = 0;
      const walk = (node: number, d: number) => {
        depth = Math.max(depth, d);
        if (left[node] < 0) leaves++;
        else [left[node], right[node]].forEach((c) => walk(c, d + 1));
      };
      walk(treeStart[t], 0);
      assert.ok(ok(leaves, depth), `${JSON.stringify(params)}: tree ${t} has ${leaves} leaves and depth ${depth}`);
    }
  }
});

test("early stopping turns on above 10,000 samples ('auto') and stops before max_iter", async () => {
  // Labels unrelated to the features: the validation loss stops improving after a few iterations.
  const { X } = blobs(12_000, 4, 2, 21);
  const random = createRandom(0, 'labels');
  const y = Int32Array.from({ length: X.rows }, () => random.int(2));
  const model = classifier();
  await model.fit(X, y);
  assert.ok(model.nIter < 100, `stopped after ${model.nIter} of 100 iterations`);
  assert.equal(model.validationScore.length, model.nIter + 1, 'one validation score before the first tree and one per iteration');
  assert.equal(model.trainScore.length, model.nIter + 1);
  const last = model.validationScore.slice(-11);
  assert.ok(last.slice(1).every((s) => s <= last[0] + 1e-7), `no improvement over the last 10 iterations: ${last}`);

  const small = classifier({ max_iter: 5 });
  await small.fit(takeRows(X, Array.from({ length: 10_000 }, (_, i) => i)), y.subarray(0, 10_000));
  assert.equal(small.nIter, 5, "'auto' is off at 10,000 samples");
  assert.equal(small.validationScore.length, 0);

  const forced = regressor({ early_stopping: true, validation_fraction: null, n_iter_no_change: 2, tol: 0.01, max_iter: 200, scoring: 'r2' });
  await forced.fit(takeRows(X, Array.from({ length: 500 }, (_, i) => i)), Float64Array.from(y.subarray(0, 500)));
  assert.ok(forced.nIter < 200, `training-score early stopping ended after ${forced.nIter} iterations`);
  assert.equal(forced.validationScore.length, 0, 'no validation split when validation_fraction is null');
});
