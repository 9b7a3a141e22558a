// Class scores from classification outputs: softmax values hand-computed with Python's math module,
// e.g. [math.exp(v) / sum(math.exp(u) for u in (1, 2, 3)) for v in (1, 2, 3)].
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rejectsInvalidParameter } from '../../../test/support/assertions.js';
import { classScores } from './classification.js';

/** Asserts every score is within 1e-6 of the expected one (float32 inputs, float64 arithmetic). */
function scoresNear(actual: number[][], expected: number[][]): void {
  assert.equal(actual.length, expected.length, 'sample count');
  actual.forEach((row, i) => {
    assert.equal(row.length, expected[i].length, `class count of sample ${i}`);
    row.forEach((v, k) => assert.ok(Math.abs(v - expected[i][k]) <= 1e-6, `sample ${i} class ${k}: ${v} is not ${expected[i][k]}`));
  });
}

describe('classScores', () => {
  test('keeps rows that are already probabilities', () => {
    const output = new Float32Array([0.1, 0.7, 0.2, 0.5, 0.25, 0.25]);
    scoresNear(classScores(output, 2, 3), [
      [0.1, 0.7, 0.2],
      [0.5, 0.25, 0.25],
    ]);
  });

  test('puts logits through softmax', () => {
    const output = new Float32Array([1, 2, 3, 0, 0, 0]);
    scoresNear(classScores(output, 2, 3), [
      [0.09003057317038046, 0.24472847105479764, 0.6652409557748219],
      [1 / 3, 1 / 3, 1 / 3],
    ]);
  });

  test('softmax is stable for large logits', () => {
    const scores = classScores(new Float32Array([1000, 1001, 1002, -1000, -1001, -1002]), 2, 3);
    scoresNear(scores, [
      [0.09003057317038046, 0.24472847105479764, 0.6652409557748219],
      [0.6652409557748219, 0.24472847105479764, 0.09003057317038046],
    ]);
  });

  test('a batch with any logit row is softmaxed as a whole, probability-like rows included', () => {
    // [0.2, 0.3, 0.5] sums to 1 but the other row shows the model emits logits.
    const scores = classScores(new Float32Array([0.2, 0.3, 0.5, 2, 1, 0]), 2, 3);
    const e = [Math.exp(0.2), Math.exp(0.3), Math.exp(0.5)];
    const sum = e[0] + e[1] + e[2];
    scoresNear(scores, [e.map((v) => v / sum), [0.6652409557748219, 0.24472847105479764, 0.09003057317038046]]);
  });

  test('rows in [0, 1] that do not sum to 1 are logits', () => {
    const scores = classScores(new Float32Array([0.5, 0.5, 0.5]), 1, 3);
    scoresNear(scores, [[1 / 3, 1 / 3, 1 / 3]]);
  });

  test('one class: probabilities of the positive class become [1 - p, p]', () => {
    scoresNear(classScores(new Float32Array([0.8, 0.1]), 2, 1), [
      [0.2, 0.8],
      [0.9, 0.1],
    ]);
  });

  test('one class: logits go through the sigmoid', () => {
    const p = 1 / (1 + Math.exp(-2));
    scoresNear(classScores(new Float32Array([0, 2, -2]), 3, 1), [
      [0.5, 0.5],
      [1 - p, p],
      [p, 1 - p],
    ]);
  });

  test('a masked class (-Infinity) gets probability 0', () => {
    scoresNear(classScores(new Float32Array([0, -Infinity, 0]), 1, 3), [[0.5, 0, 0.5]]);
  });

  test('rejects outputs of the wrong size or holding NaN', () => {
    rejectsInvalidParameter(() => classScores(new Float32Array(5), 2, 3), 'classification output holds 5 values, expected 2 samples x 3 classes = 6');
    rejectsInvalidParameter(() => classScores(new Float32Array([0, NaN, 1, 0]), 2, 2), 'classification output holds a non-finite value (NaN) at sample 0');
  });
});
