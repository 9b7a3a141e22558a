// Classification metrics from a confusion matrix, checked against values worked out by hand (and as
// scikit-learn's precision_recall_fscore_support with average='macro', zero_division=0 defines them).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { accumulate, classificationMetrics, emptyMatrix } from './metrics.js';

test('accuracy, per-class and macro precision, recall and F1', () => {
  // true:      0 0 0 1 1 2 2 2 2
  // predicted: 0 0 1 1 2 2 2 2 0
  const m = accumulate(emptyMatrix(3), [0, 0, 0, 1, 1, 2, 2, 2, 2], [0, 0, 1, 1, 2, 2, 2, 2, 0]);
  assert.deepEqual(m, [[2, 1, 0], [0, 1, 1], [1, 0, 3]]);
  const r = classificationMetrics(m);
  assert.equal(r.accuracy, 6 / 9);
  const close = (a: number, b: number) => assert.ok(Math.abs(a - b) < 1e-12, `${a} vs ${b}`);
  close(r.perClass[0].precision, 2 / 3);
  close(r.perClass[1].precision, 1 / 2);
  close(r.perClass[2].precision, 3 / 4);
  close(r.perClass[0].recall, 2 / 3);
  close(r.perClass[1].recall, 1 / 2);
  close(r.perClass[2].recall, 3 / 4);
  close(r.precision, (2 / 3 + 1 / 2 + 3 / 4) / 3);
  close(r.f1, (2 / 3 + 1 / 2 + 3 / 4) / 3); // precision equals recall per class here, so F1 does too
  assert.deepEqual(r.perClass.map((c) => c.support), [3, 2, 4]);
});

test('ignored labels are skipped and absent classes do not drag the macro average down', () => {
  const m = accumulate(emptyMatrix(4), [0, 1, -1, 1], [0, 1, 3, 0]);
  assert.deepEqual(m, [[1, 0, 0, 0], [1, 1, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
  const r = classificationMetrics(m);
  assert.equal(r.count, 3);
  assert.equal(r.accuracy, 2 / 3);
  // Classes 2 and 3 never occur: macro over classes 0 and 1 only.
  assert.ok(Math.abs(r.recall - (1 + 0.5) / 2) < 1e-12, `${r.recall}`);
  assert.deepEqual(classificationMetrics(emptyMatrix(2)), {
    accuracy: 0, precision: 0, recall: 0, f1: 0, count: 0,
    perClass: [{ precision: 0, recall: 0, f1: 0, support: 0 }, { precision: 0, recall: 0, f1: 0, support: 0 }],
  });
});
