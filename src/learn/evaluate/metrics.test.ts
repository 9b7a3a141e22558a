import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { accuracy, binaryRocAuc, classificationReport, confusionMatrix, regressionReport } from './metrics.js';

// scikit-learn's figures on fixed inputs, made by test/fixtures/learn/make-evaluate-reference.py.
const reference = JSON.parse(readFileSync(new URL('../../../test/fixtures/learn/evaluate-reference.json', import.meta.url), 'utf8'));

function close(actual: number | null, expected: number, what: string): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-12, `${what}: ${actual} against scikit-learn's ${expected}`);
}

describe('classification scores match scikit-learn', () => {
  for (const [name, k] of [['multiclass', 3], ['binary', 2]] as const) {
    test(name, () => {
      const { truth, pred, proba, scores } = reference[name];
      const report = classificationReport(truth, pred, k, proba);
      for (const key of ['accuracy', 'balanced_accuracy', 'precision_macro', 'recall_macro', 'f1_macro', 'precision_weighted', 'recall_weighted', 'f1_weighted', 'kappa', 'roc_auc'] as const) {
        close(report[key], scores[key], key);
      }
      assert.deepEqual(report.confusion_matrix, scores.confusion_matrix);
      report.per_class.forEach((c, i) => close(c.f1, scores.per_class_f1[i], `F1 of class ${i}`));
    });
  }
});

test('regression scores match scikit-learn', () => {
  const { truth, pred, scores } = reference.regression;
  const report = regressionReport(truth, pred);
  close(report.rmse, scores.rmse, 'rmse');
  close(report.mae, scores.mae, 'mae');
  close(report.r2, scores.r2, 'r2');
});

test('undefined scores are null, never NaN', () => {
  assert.equal(binaryRocAuc([true, true], [0.2, 0.9]), null, 'ROC AUC with one class present');
  assert.equal(classificationReport([0, 0, 0], [0, 0, 0], 2, [1, 0, 1, 0, 1, 0]).roc_auc, null);
  assert.equal(regressionReport([3, 3, 3], [3, 2, 4]).r2, null, 'R2 of a constant truth');
  assert.equal(classificationReport([1, 1], [1, 1], 2).kappa, 1, 'perfect agreement on one class');
});

test('ROC AUC counts tied scores as half', () => {
  assert.equal(binaryRocAuc([false, true], [0.5, 0.5]), 0.5);
  assert.equal(binaryRocAuc([false, false, true, true], [0.1, 0.4, 0.35, 0.8]), 0.75);
});

test('bad input is refused clearly', () => {
  assert.throws(() => accuracy([0, 1], [0]), { code: 'INVALID_PARAMETER_VALUE', message: /2 true values but 1 predictions/ });
  assert.throws(() => accuracy([], []), { code: 'INVALID_PARAMETER_VALUE', message: /no samples/ });
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 2), { code: 'INVALID_PARAMETER_VALUE', message: /outside 0\.\.1/ });
});
