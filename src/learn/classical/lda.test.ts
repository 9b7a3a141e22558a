import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { rejectsInvalidParameter } from '../../../test/support/assertions.js';
import { assertAllClose, assertFoldsMatch, crossValidateReference, loadFittedReference, loadReference } from '../../../test/support/learn-reference.js';
import { fromRows, type Matrix, type Params } from './estimator.js';
import { LinearDiscriminantAnalysis } from './lda.js';

interface LdaState {
  coef: number[][];
  intercept: number[];
  means: number[][];
  priors: number[];
  xbar: number[];
  explainedVarianceRatio: number[];
}

async function rejectsFit(run: Promise<void>, message: string): Promise<void> {
  await assert.rejects(run, (error: unknown) => {
    assert.ok(error instanceof TileflowError && error.code === 'INVALID_PARAMETER_VALUE', `expected INVALID_PARAMETER_VALUE, got ${String(error)}`);
    assert.equal(error.message, message);
    return true;
  });
}

function assertRowsSumToOne(proba: Float64Array, rows: number, k: number): void {
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += proba[i * k + c];
    assert.ok(Math.abs(sum - 1) < 1e-12, `row ${i} of predictProba sums to ${sum}`);
  }
}

/** Flips each column of `actual` to the sign of the reference's (a discriminant direction's sign is arbitrary). */
function alignSigns(actual: Matrix, expected: number[][]): number[][] {
  const rows = expected.map((row) => [...row]);
  for (let j = 0; j < actual.cols; j++) {
    let dot = 0;
    for (let i = 0; i < actual.rows; i++) dot += actual.data[i * actual.cols + j] * expected[i][j];
    for (let i = 0; i < actual.rows; i++) rows[i][j] = Math.sign(dot || 1) * actual.data[i * actual.cols + j];
  }
  return rows;
}

describe('LinearDiscriminantAnalysis against scikit-learn cross-validation', () => {
  for (const dataset of ['iris', 'wine', 'breast-cancer']) {
    it(`lda on ${dataset} matches fold by fold`, async () => {
      assertFoldsMatch(await crossValidateReference((p) => new LinearDiscriminantAnalysis(p), dataset, 'lda'), dataset, 'lda');
    });
  }
});

describe('LinearDiscriminantAnalysis against scikit-learn fitted attributes', () => {
  for (const name of ['lda-svd', 'lda-svd-priors', 'lda-svd-binary', 'lda-lsqr', 'lda-lsqr-auto', 'lda-eigen', 'lda-eigen-shrunk', 'lda-eigen-auto']) {
    it(`${name}: coef, intercept, means, priors, probabilities, predictions and transform`, async () => {
      const ref = loadFittedReference(name);
      const model = new LinearDiscriminantAnalysis(ref.params);
      await model.fit(ref.X, ref.y);
      const state = model.toJSON().state as unknown as LdaState;
      // Both sides solve the same equations by different factorizations (Jacobi here, LAPACK there).
      const tolerance = 1e-9;
      assertAllClose(state.coef, ref.attributes.coef_, tolerance, `${name} coef`);
      assertAllClose(state.intercept, ref.attributes.intercept_, tolerance, `${name} intercept`);
      assertAllClose(state.means, ref.attributes.means_, 1e-14, `${name} means`);
      assertAllClose(state.priors, ref.attributes.priors_, 1e-15, `${name} priors`);
      if (ref.attributes.xbar_) assertAllClose(state.xbar, ref.attributes.xbar_, 1e-14, `${name} xbar`);
      if (ref.attributes.explained_variance_ratio_) assertAllClose(state.explainedVarianceRatio, ref.attributes.explained_variance_ratio_, tolerance, `${name} explained variance ratio`);
      assertAllClose(model.decisionFunction(ref.probes), ref.decision_function as number[], tolerance, `${name} decision function`);
      assertAllClose(model.predictProba(ref.probes), ref.predict_proba, tolerance, `${name} predict_proba`);
      assert.deepEqual(Array.from(model.predict(ref.probes)), ref.predict, `${name} predictions`);
      if (ref.transform) assertAllClose(alignSigns(model.transform(ref.probes), ref.transform), ref.transform, tolerance, `${name} transform`);
    });
  }
});

describe('LinearDiscriminantAnalysis behaviour', () => {
  const iris = loadReference('iris');
  const y = iris.y as Int32Array;

  it('round-trips through JSON with bit-identical predictions and projections', async () => {
    for (const params of [{}, { solver: 'lsqr', shrinkage: 'auto' }, { solver: 'eigen', shrinkage: 0.1, n_components: 1 }, { store_covariance: true }] as Params[]) {
      const model = new LinearDiscriminantAnalysis(params);
      await model.fit(iris.X, y);
      const json = JSON.parse(JSON.stringify(model.toJSON()));
      const restored = LinearDiscriminantAnalysis.fromJSON(json);
      assert.deepEqual(restored.params, model.params, 'params survive the round trip');
      assert.deepEqual(Array.from(restored.predictProba(iris.X)), Array.from(model.predictProba(iris.X)), `probabilities after round trip (${JSON.stringify(params)})`);
      assert.deepEqual(Array.from(restored.predict(iris.X)), Array.from(model.predict(iris.X)), 'predictions after round trip');
      if (params.solver !== 'lsqr') assert.deepEqual(Array.from(restored.transform(iris.X).data), Array.from(model.transform(iris.X).data), 'transform after round trip');
    }
  });

  it('keeps the pooled covariance only when asked or when the solver forms it', async () => {
    const plain = new LinearDiscriminantAnalysis();
    await plain.fit(iris.X, y);
    assert.equal((plain.toJSON().state as { covariance?: unknown }).covariance, undefined);
    const stored = new LinearDiscriminantAnalysis({ store_covariance: true });
    await stored.fit(iris.X, y);
    const covariance = (stored.toJSON().state as { covariance: number[][] }).covariance;
    assert.equal(covariance.length, 4);
    assert.ok(Math.abs(covariance[0][1] - covariance[1][0]) === 0, 'the covariance is symmetric');
  });

  it('projects onto n_components directions', async () => {
    const model = new LinearDiscriminantAnalysis({ n_components: 1 });
    await model.fit(iris.X, y);
    const projected = model.transform(iris.X);
    assert.equal(projected.cols, 1);
    assert.equal(projected.rows, 150);
    const lsqr = new LinearDiscriminantAnalysis({ solver: 'lsqr' });
    await lsqr.fit(iris.X, y);
    rejectsInvalidParameter(() => lsqr.transform(iris.X), "transform is not available with the 'lsqr' solver; use 'svd' or 'eigen'");
  });

  it('refuses bad hyper-parameters', async () => {
    rejectsInvalidParameter(() => new LinearDiscriminantAnalysis({ solver: 'qr' }), 'solver must be one of svd, lsqr, eigen, got "qr"');
    rejectsInvalidParameter(() => new LinearDiscriminantAnalysis({ shrinkage: 'auto' }), "shrinkage is not supported with the 'svd' solver; use solver 'lsqr' or 'eigen'");
    rejectsInvalidParameter(() => new LinearDiscriminantAnalysis({ solver: 'lsqr', shrinkage: 1.5 }), "shrinkage must be null, 'auto' or a number in [0, 1], got 1.5");
    rejectsInvalidParameter(() => new LinearDiscriminantAnalysis({ priors: [0.5, -0.2, 0.7] }), 'priors must be non-negative');
    rejectsInvalidParameter(() => new LinearDiscriminantAnalysis({ priors: 'uniform' }), 'priors must be null or an array of numbers, one per class, got "uniform"');
    rejectsInvalidParameter(() => new LinearDiscriminantAnalysis({ n_components: 0 }), 'n_components must be null or a whole number >= 1, got 0');
    rejectsInvalidParameter(() => new LinearDiscriminantAnalysis({ tol: -1 }), 'tol must be a number >= 0, got -1');
    rejectsInvalidParameter(() => new LinearDiscriminantAnalysis({ covariance_estimator: 'oas' }), 'LinearDiscriminantAnalysis has no hyper-parameter covariance_estimator; it takes solver, shrinkage, priors, n_components, store_covariance, tol');
    await rejectsFit(new LinearDiscriminantAnalysis({ n_components: 3 }).fit(iris.X, y), 'n_components cannot be larger than min(n_features, n_classes - 1) = 2');
    await rejectsFit(new LinearDiscriminantAnalysis({ priors: [0.5, 0.5] }).fit(iris.X, y), 'priors has 2 values for 3 classes');
    await rejectsFit(new LinearDiscriminantAnalysis({ priors: [0.5, 0.5, 0] }).fit(iris.X, y), 'priors must be positive for every class present in y (leave a class out of y to exclude it)');
  });

  it('renormalizes priors that do not sum to 1, as sklearn', async () => {
    const model = new LinearDiscriminantAnalysis({ priors: [2, 3, 5] });
    await model.fit(iris.X, y);
    assert.deepEqual((model.toJSON().state as unknown as LdaState).priors, [0.2, 0.3, 0.5]);
  });

  it('refuses the wrong number of features, predicting before fit, a single class and too few samples', async () => {
    const model = new LinearDiscriminantAnalysis();
    rejectsInvalidParameter(() => model.predict(iris.X), 'LinearDiscriminantAnalysis is not fitted yet; call fit first');
    await model.fit(iris.X, y);
    rejectsInvalidParameter(() => model.predictProba(fromRows([[1, 2]])), 'LinearDiscriminantAnalysis was fitted on 4 features, X has 2');
    await rejectsFit(new LinearDiscriminantAnalysis().fit(fromRows([[1], [2], [3]]), Int32Array.of(0, 0, 0)), 'LinearDiscriminantAnalysis needs at least 2 classes, but y holds only class 0');
    await rejectsFit(new LinearDiscriminantAnalysis().fit(fromRows([[1], [2]]), Int32Array.of(0, 1)), 'LinearDiscriminantAnalysis needs more samples than classes');
  });

  it('handles a constant feature with the svd solver and explains a singular covariance with eigen', async () => {
    const rows: number[][] = [];
    for (let i = 0; i < iris.X.rows; i++) rows.push([...iris.X.data.subarray(i * 4, i * 4 + 4), 5]);
    const X = fromRows(rows);
    const model = new LinearDiscriminantAnalysis();
    await model.fit(X, y);
    const predicted = model.predict(X);
    let correct = 0;
    for (let i = 0; i < y.length; i++) if (predicted[i] === y[i]) correct++;
    assert.equal(correct, 147, 'a constant column changes nothing: the same 147 / 150 as without it');
    await rejectsFit(
      new LinearDiscriminantAnalysis({ solver: 'eigen' }).fit(X, y),
      "the within-class covariance is singular, so the 'eigen' solver cannot use it; set shrinkage or use solver 'svd'",
    );
    const shrunk = new LinearDiscriminantAnalysis({ solver: 'eigen', shrinkage: 'auto' });
    await shrunk.fit(X, y);
    assertRowsSumToOne(shrunk.predictProba(X), X.rows, 3);
  });

  it('gives probability rows that sum to 1 and leaves absent classes at 0', async () => {
    for (const solver of ['svd', 'lsqr', 'eigen']) {
      const model = new LinearDiscriminantAnalysis({ solver });
      await model.fit(iris.X, y);
      assertRowsSumToOne(model.predictProba(iris.X), iris.X.rows, 3);
    }
    const keep: number[] = [];
    for (let i = 0; i < iris.X.rows; i++) if (y[i] !== 0) keep.push(i);
    const X = fromRows(keep.map((i) => Array.from(iris.X.data.subarray(i * 4, i * 4 + 4))));
    const model = new LinearDiscriminantAnalysis();
    await model.fit(X, Int32Array.from(keep, (i) => y[i]), { nClasses: 3 });
    const proba = model.predictProba(X);
    assertRowsSumToOne(proba, X.rows, 3);
    for (let i = 0; i < X.rows; i++) assert.equal(proba[i * 3], 0, `class 0 was not seen, row ${i} gives it ${proba[i * 3]}`);
    assert.ok(Array.from(model.predict(X)).every((c) => c === 1 || c === 2), 'only seen classes are predicted');
  });
});
