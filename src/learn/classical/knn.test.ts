import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { createRandom } from '../../data/datasets/random.js';
import { rejectsInvalidParameter } from '../../../test/support/assertions.js';
import { assertAllClose, assertFoldsMatch, crossValidateReference, loadFittedReference, loadReference } from '../../../test/support/learn-reference.js';
import { fromRows, matrix, type Matrix, type Params } from './estimator.js';
import { KNeighborsClassifier } from './knn.js';

function assertRowsSumToOne(proba: Float64Array, rows: number, k: number): void {
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += proba[i * k + c];
    assert.ok(Math.abs(sum - 1) < 1e-12, `row ${i} of predictProba sums to ${sum}`);
  }
}

function randomMatrix(rows: number, cols: number, seed: number): Matrix {
  const random = createRandom(seed, 'knn-test');
  return matrix(Float64Array.from({ length: rows * cols }, () => Math.round(random.next() * 20) / 4), rows, cols);
}

/** The k nearest by sorting every distance: the obvious algorithm the blocked search must agree with. */
function naiveNeighbours(train: Matrix, query: Matrix, k: number, p: number): { distances: number[]; indices: number[] } {
  const distances: number[] = [];
  const indices: number[] = [];
  for (let q = 0; q < query.rows; q++) {
    const all = Array.from({ length: train.rows }, (_, t) => {
      let sum = 0;
      for (let f = 0; f < train.cols; f++) sum += Math.abs(query.data[q * query.cols + f] - train.data[t * train.cols + f]) ** p;
      return { t, d: sum ** (1 / p) };
    });
    all.sort((a, b) => a.d - b.d || a.t - b.t);
    for (const { t, d } of all.slice(0, k)) {
      distances.push(d);
      indices.push(t);
    }
  }
  return { distances, indices };
}

describe('KNeighborsClassifier against scikit-learn', () => {
  for (const dataset of ['iris', 'wine', 'breast-cancer']) {
    for (const variant of ['knn', 'knn-distance']) {
      it(`${variant} on ${dataset} matches fold by fold`, async () => {
        assertFoldsMatch(await crossValidateReference((p) => new KNeighborsClassifier(p), dataset, variant), dataset, variant);
      });
    }
  }

  for (const name of ['knn', 'knn-distance-manhattan', 'knn-p3']) {
    it(`${name}: probabilities and predictions`, async () => {
      const ref = loadFittedReference(name);
      const model = new KNeighborsClassifier(ref.params);
      await model.fit(ref.X, ref.y);
      assertAllClose(model.predictProba(ref.probes), ref.predict_proba, 1e-14, `${name} predict_proba`);
      assert.deepEqual(Array.from(model.predict(ref.probes)), ref.predict, `${name} predictions`);
    });
  }
});

describe('KNeighborsClassifier search', () => {
  it('finds exactly the neighbours a full sort finds, across several blocks, for p = 1, 2 and 3', async () => {
    // 700 training rows and 150 queries span several blocks of each; values on a 0.25 grid make ties.
    const train = randomMatrix(700, 5, 1);
    const query = randomMatrix(150, 5, 2);
    for (const p of [1, 2, 3]) {
      const model = new KNeighborsClassifier({ n_neighbors: 7, p });
      await model.fit(train, new Int32Array(700));
      const found = model.kneighbors(query);
      const expected = naiveNeighbours(train, query, 7, p);
      assert.deepEqual(Array.from(found.indices), expected.indices, `p = ${p}: indices, ties taken in training-row order`);
      assertAllClose(found.distances, expected.distances, 1e-14, `p = ${p}: distances`);
    }
  });

  it('treats metric euclidean and manhattan as p = 2 and p = 1', async () => {
    const train = randomMatrix(50, 3, 3);
    const query = randomMatrix(10, 3, 4);
    for (const [metric, p] of [
      ['euclidean', 2],
      ['manhattan', 1],
    ] as const) {
      const model = new KNeighborsClassifier({ metric, n_neighbors: 3 });
      await model.fit(train, new Int32Array(50));
      assert.deepEqual(Array.from(model.kneighbors(query).indices), naiveNeighbours(train, query, 3, p).indices, metric);
    }
  });
});

describe('KNeighborsClassifier behaviour', () => {
  const iris = loadReference('iris');
  const y = iris.y as Int32Array;

  it('gives points at distance 0 all the weight with weights=distance, as sklearn', async () => {
    const X = fromRows([[0, 0], [1, 0], [1.1, 0], [1.2, 0]]);
    const model = new KNeighborsClassifier({ n_neighbors: 3, weights: 'distance' });
    await model.fit(X, Int32Array.of(0, 1, 1, 1));
    // Query (0, 0) coincides with the class-0 point; two class-1 points are also among its 3 neighbours.
    assert.deepEqual(Array.from(model.predictProba(fromRows([[0, 0]]))), [1, 0]);
    assert.deepEqual(Array.from(model.predict(fromRows([[0, 0]]))), [0]);
    const uniform = new KNeighborsClassifier({ n_neighbors: 3 });
    await uniform.fit(X, Int32Array.of(0, 1, 1, 1));
    assert.deepEqual(Array.from(uniform.predict(fromRows([[0, 0]]))), [1], 'the uniform vote goes the other way');
  });

  it('weights votes by inverse distance', async () => {
    const model = new KNeighborsClassifier({ n_neighbors: 3, weights: 'distance' });
    await model.fit(fromRows([[1], [2], [4]]), Int32Array.of(0, 1, 1));
    // From 0: weights 1, 1/2, 1/4 -> class 0 gets 1 / 1.75.
    assertAllClose(model.predictProba(fromRows([[0]])), [1 / 1.75, 0.75 / 1.75], 1e-15, 'inverse-distance shares');
  });

  it('breaks a tied vote toward the lowest class index, as sklearn', async () => {
    const model = new KNeighborsClassifier({ n_neighbors: 2 });
    await model.fit(fromRows([[-1], [1]]), Int32Array.of(1, 0));
    assert.deepEqual(Array.from(model.predict(fromRows([[0]]))), [0]);
  });

  it('round-trips through JSON with bit-identical predictions', async () => {
    for (const params of [{}, { n_neighbors: 9, weights: 'distance', p: 1 }] as Params[]) {
      const model = new KNeighborsClassifier(params);
      await model.fit(iris.X, y);
      const restored = KNeighborsClassifier.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
      assert.deepEqual(restored.params, model.params, 'params survive the round trip');
      assert.deepEqual(Array.from(restored.predictProba(iris.X)), Array.from(model.predictProba(iris.X)), `probabilities after round trip (${JSON.stringify(params)})`);
      assert.deepEqual(Array.from(restored.predict(iris.X)), Array.from(model.predict(iris.X)), 'predictions after round trip');
    }
  });

  it('refuses bad hyper-parameters and more neighbours than training rows', async () => {
    rejectsInvalidParameter(() => new KNeighborsClassifier({ n_neighbors: 0 }), 'n_neighbors must be a whole number >= 1, got 0');
    rejectsInvalidParameter(() => new KNeighborsClassifier({ n_neighbors: 2.5 }), 'n_neighbors must be a whole number >= 1, got 2.5');
    rejectsInvalidParameter(() => new KNeighborsClassifier({ weights: 'gaussian' }), 'weights must be one of uniform, distance, got "gaussian"');
    rejectsInvalidParameter(() => new KNeighborsClassifier({ p: 0.5 }), 'p must be a number >= 1, got 0.5');
    rejectsInvalidParameter(() => new KNeighborsClassifier({ metric: 'cosine' }), 'metric must be one of minkowski, euclidean, manhattan, got "cosine"');
    rejectsInvalidParameter(() => new KNeighborsClassifier({ k: 3 }), 'KNeighborsClassifier has no hyper-parameter k; it takes n_neighbors, weights, p, metric, algorithm, leaf_size, n_jobs');
    await assert.rejects(new KNeighborsClassifier({ n_neighbors: 4 }).fit(fromRows([[1], [2], [3]]), Int32Array.of(0, 1, 1)), (error: unknown) => {
      assert.ok(error instanceof TileflowError && error.code === 'INVALID_PARAMETER_VALUE', `expected INVALID_PARAMETER_VALUE, got ${String(error)}`);
      assert.equal(error.message, 'n_neighbors is 4 but there are only 3 training rows');
      return true;
    });
  });

  it('refuses the wrong number of features and predicting before fit', async () => {
    const model = new KNeighborsClassifier();
    rejectsInvalidParameter(() => model.predict(iris.X), 'KNeighborsClassifier is not fitted yet; call fit first');
    await model.fit(iris.X, y);
    rejectsInvalidParameter(() => model.predictProba(fromRows([[1, 2, 3]])), 'KNeighborsClassifier was fitted on 4 features, X has 3');
  });

  it('gives probability rows that sum to 1, a single class probability 1, and absent classes 0', async () => {
    for (const weights of ['uniform', 'distance']) {
      const model = new KNeighborsClassifier({ weights });
      await model.fit(iris.X, y);
      assertRowsSumToOne(model.predictProba(iris.X), iris.X.rows, 3);
    }
    const single = new KNeighborsClassifier({ n_neighbors: 2 });
    await single.fit(fromRows([[0], [1], [2]]), Int32Array.of(0, 0, 0));
    assert.deepEqual(Array.from(single.predictProba(fromRows([[5]]))), [1]);
    const absent = new KNeighborsClassifier({ n_neighbors: 2 });
    await absent.fit(fromRows([[0], [1], [5], [6]]), Int32Array.of(0, 0, 2, 2), { nClasses: 3 });
    assert.deepEqual(Array.from(absent.predictProba(fromRows([[0.5], [5.5]]))), [1, 0, 0, 0, 0, 1]);
  });
});
