import assert from 'node:assert/strict';
import { test } from 'node:test';
import { binomial, multinomial, numpySum, squaredError } from './boosting-losses.js';

// Expected values from scikit-learn 1.2.1 / numpy 1.24 (sklearn._loss.loss), printed with repr().

test("numpySum adds as numpy's pairwise summation does, not left to right", () => {
  const values = Float64Array.from({ length: 10_000 }, (_, i) => 1 / (i + 1));
  assert.equal(numpySum(values, 0, values.length), 9.787606036044384, 'np.sum(1.0 / np.arange(1, 10001))');
  assert.notEqual(values.reduce((a, b) => a + b, 0), 9.787606036044384, 'a sequential sum rounds differently');
  assert.equal(numpySum(values, 0, 100), 5.187377517639621);
});

test('baselines: log-odds of the mean, symmetric multinomial logit of the class shares, mean', () => {
  assert.equal(binomial.baseline(Float64Array.of(0, 1, 1))[0], 0.6931471805599452);
  assert.deepEqual(Array.from(multinomial(3).baseline(Float64Array.of(0, 1, 2, 2, 1))), [-0.46209812037329684, 0.23104906018664845, 0.23104906018664845]);
  assert.equal(squaredError.baseline(Float64Array.of(1, 2, 6))[0], 3);
});

test('gradients and hessians are float32 as sklearn stores them', () => {
  const gradient = new Float32Array(3);
  const hessian = new Float32Array(3);
  multinomial(3).gradients(Float64Array.of(2), Float64Array.of(0.5, -1, 2), gradient, hessian);
  assert.deepEqual(Array.from(gradient), [0.17529039084911346, 0.03911257162690163, -0.2144029587507248]);
  assert.deepEqual(Array.from(hessian), [0.1445636749267578, 0.03758278116583824, 0.16843433678150177]);

  const g2 = new Float32Array(2);
  const h2 = new Float32Array(2);
  binomial.gradients(Float64Array.of(1, 0), Float64Array.of(0.3, -2), g2, h2);
  assert.deepEqual(Array.from(g2), [-0.4255574941635132, 0.11920291930437088]);
  assert.deepEqual(Array.from(h2), [0.24445831775665283, 0.10499358177185059]);
  binomial.gradients(Float64Array.of(1, 0), Float64Array.of(-800, -800), g2, h2);
  assert.deepEqual([...g2, ...h2], [-1, 0, 0, 0], 'no NaN where exp(-raw) overflows');

  const g3 = new Float32Array(2);
  squaredError.gradients(Float64Array.of(1, 5), Float64Array.of(3, 3), g3, null);
  assert.deepEqual(Array.from(g3), [2, -2]);
});

test('mean losses (early stopping) match sklearn', () => {
  // Columns of raw predictions are stored one after the other (n rows per class).
  assert.ok(Math.abs(multinomial(3).mean(Float64Array.of(2, 0), Float64Array.of(0.5, 1, -1, 0, 2, 0)) - 0.3963780052946041) < 1e-15);
  assert.ok(Math.abs(binomial.mean(Float64Array.of(1, 0), Float64Array.of(0.3, -2)) - 0.3406416277557498) < 1e-15);
  assert.equal(squaredError.mean(Float64Array.of(1, 5), Float64Array.of(3, 3)), 2);
});
