import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { rejectsInvalidParameter } from '../../../test/support/assertions.js';
import { assertAllClose, assertFoldsMatch, crossValidateReference, loadFittedReference, loadReference } from '../../../test/support/learn-reference.js';
import { fromRows, type Params } from './estimator.js';
import { GaussianNB } from './naive-bayes.js';

interface NbState {
  theta: number[][];
  var: number[][];
  classPrior: number[];
  epsilon: number;
}

function assertRowsSumToOne(proba: Float64Array, rows: number, k: number): void {
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let c = 0; c < k; c++) sum += proba[i * k + c];
    assert.ok(Math.abs(sum - 1) < 1e-12, `row ${i} of predictProba sums to ${sum}`);
  }
}

describe('GaussianNB against scikit-learn', () => {
  for (const dataset of ['iris', 'wine', 'breast-cancer']) {
    it(`nb on ${dataset} matches fold by fold`, async () => {
      assertFoldsMatch(await crossValidateReference((p) => new GaussianNB(p), dataset, 'nb'), dataset, 'nb');
    });
  }

  for (const name of ['nb', 'nb-priors']) {
    it(`${name}: theta, var, priors, epsilon, probabilities and predictions`, async () => {
      const ref = loadFittedReference(name);
      const model = new GaussianNB(ref.params);
      await model.fit(ref.X, ref.y);
      const state = model.toJSON().state as unknown as NbState;
      // Same sums in the same order as numpy: the statistics agree to the last bit or two.
      assertAllClose(state.theta, ref.attributes.theta_, 1e-15, `${name} theta`);
      assertAllClose(state.var, ref.attributes.var_, 1e-14, `${name} var`);
      assertAllClose(state.classPrior, ref.attributes.class_prior_, 1e-15, `${name} class prior`);
      assertAllClose([state.epsilon], ref.attributes.epsilon_, 1e-14, `${name} epsilon`);
      assertAllClose(model.predictProba(ref.probes), ref.predict_proba, 1e-12, `${name} predict_proba`);
      assert.deepEqual(Array.from(model.predict(ref.probes)), ref.predict, `${name} predictions`);
    });
  }
});

describe('GaussianNB behaviour', () => {
  const wine = loadReference('wine');
  const y = wine.y as Int32Array;

  it('round-trips through JSON with bit-identical predictions', async () => {
    for (const params of [{}, { var_smoothing: 1e-2, priors: [0.2, 0.3, 0.5] }] as Params[]) {
      const model = new GaussianNB(params);
      await model.fit(wine.X, y);
      const restored = GaussianNB.fromJSON(JSON.parse(JSON.stringify(model.toJSON())));
      assert.deepEqual(restored.params, model.params, 'params survive the round trip');
      assert.deepEqual(Array.from(restored.predictProba(wine.X)), Array.from(model.predictProba(wine.X)), `probabilities after round trip (${JSON.stringify(params)})`);
      assert.deepEqual(Array.from(restored.predict(wine.X)), Array.from(model.predict(wine.X)), 'predictions after round trip');
    }
  });

  it('refuses bad hyper-parameters', async () => {
    rejectsInvalidParameter(() => new GaussianNB({ var_smoothing: -1 }), 'var_smoothing must be a number >= 0, got -1');
    rejectsInvalidParameter(() => new GaussianNB({ priors: [0.5, 0.6] }), 'priors must sum to 1, they sum to 1.1');
    rejectsInvalidParameter(() => new GaussianNB({ priors: [1.5, -0.5] }), 'priors must be non-negative');
    rejectsInvalidParameter(() => new GaussianNB({ priors: 'equal' }), 'priors must be null or an array of numbers, one per class, got "equal"');
    rejectsInvalidParameter(() => new GaussianNB({ alpha: 1 }), 'GaussianNB has no hyper-parameter alpha; it takes var_smoothing, priors');
    await assert.rejects(new GaussianNB({ priors: [0.5, 0.5] }).fit(wine.X, y), (error: unknown) => {
      assert.ok(error instanceof TileflowError && error.code === 'INVALID_PARAMETER_VALUE', `expected INVALID_PARAMETER_VALUE, got ${String(error)}`);
      assert.equal(error.message, 'priors has 2 values for 3 classes');
      return true;
    });
  });

  it('refuses the wrong number of features and predicting before fit', async () => {
    const model = new GaussianNB();
    rejectsInvalidParameter(() => model.predictProba(wine.X), 'GaussianNB is not fitted yet; call fit first');
    await model.fit(wine.X, y);
    rejectsInvalidParameter(() => model.predict(fromRows([[1, 2, 3]])), 'GaussianNB was fitted on 13 features, X has 3');
  });

  it('gives probability rows that sum to 1, even far from every class (log-sum-exp)', async () => {
    const model = new GaussianNB();
    await model.fit(wine.X, y);
    assertRowsSumToOne(model.predictProba(wine.X), wine.X.rows, 3);
    // Thousands of standard deviations away every likelihood underflows; the log-domain result does not.
    const far = fromRows([Array.from({ length: 13 }, () => 1e4)]);
    const proba = model.predictProba(far);
    assert.ok(proba.every((v) => Number.isFinite(v)), `finite probabilities, got ${Array.from(proba)}`);
    assertRowsSumToOne(proba, 1, 3);
    const log = model.predictLogProba(far);
    assert.ok(log.every((v) => v <= 0), 'log probabilities are at most 0');
  });

  it('fits a single class as sklearn does: it is always predicted, with probability 1', async () => {
    const model = new GaussianNB();
    await model.fit(fromRows([[1, 2], [2, 3], [3, 5]]), Int32Array.of(0, 0, 0));
    assert.equal(model.nClasses, 1);
    assert.deepEqual(Array.from(model.predict(fromRows([[10, -4], [2, 3]]))), [0, 0]);
    assert.deepEqual(Array.from(model.predictProba(fromRows([[10, -4]]))), [1]);
  });

  it('gives classes absent from y probability 0', async () => {
    const model = new GaussianNB();
    await model.fit(fromRows([[0], [0.5], [4], [5]]), Int32Array.of(0, 0, 2, 2), { nClasses: 3 });
    const proba = model.predictProba(fromRows([[0.2], [4.6], [2.4]]));
    for (let i = 0; i < 3; i++) assert.equal(proba[i * 3 + 1], 0, `class 1 was not seen, row ${i} gives it ${proba[i * 3 + 1]}`);
    assertRowsSumToOne(proba, 3, 3);
    assert.deepEqual(Array.from(model.predict(fromRows([[0.2], [4.6]]))), [0, 2]);
  });

  it('falls back to var_smoothing when every feature is constant, and explains zero variance without smoothing', async () => {
    const X = fromRows([[3, 1], [3, 1], [3, 1], [3, 1]]);
    const model = new GaussianNB({ priors: [0.25, 0.75] });
    await model.fit(X, Int32Array.of(0, 0, 1, 1));
    assertAllClose(model.predictProba(fromRows([[3, 1]])), [0.25, 0.75], 1e-14, 'identical Gaussians leave only the priors');
    await assert.rejects(new GaussianNB({ var_smoothing: 0 }).fit(fromRows([[1, 0], [1, 1], [2, 0], [2, 1]]), Int32Array.of(0, 0, 1, 1)), (error: unknown) => {
      assert.ok(error instanceof TileflowError, `expected a TileflowError, got ${String(error)}`);
      assert.equal(error.message, 'feature 0 is constant within class 0, so its variance is 0; GaussianNB needs var_smoothing > 0 for such data');
      return true;
    });
  });
});
