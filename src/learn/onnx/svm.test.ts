// ONNX parity for SVC exported as SVMClassifier and run by ONNX Runtime on float32 features: the
// one-vs-one vote gives predict's label on every row; with probability, Platt's sigmoids and the
// pairwise coupling (computed by ONNX Runtime in float32) give predictProba within 1e-5; without it,
// `scores` match decisionFunction within 1e-5 of their largest magnitude.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRows, type Params } from '../classical/estimator.js';
import { SVC } from '../classical/svm.js';
import { assertClassifierParity, describeParity, fitOnReference, float32Features, runExported } from '../../../test/support/onnx-parity.js';

const CASES: [string, string, Params][] = [
  ['rbf', 'breast-cancer', { kernel: 'rbf', C: 1, gamma: 'scale' }],
  ['rbf', 'iris', { kernel: 'rbf', C: 1, gamma: 'scale' }],
  ['rbf gamma auto', 'wine', { kernel: 'rbf', C: 10, gamma: 'auto' }],
  // Unscaled breast-cancer features make the linear kernel's terms huge: the export folds them into primal weights.
  ['linear', 'breast-cancer', { kernel: 'linear', C: 1 }],
  ['linear', 'wine', { kernel: 'linear', C: 1 }],
  ['poly', 'iris', { kernel: 'poly' }],
  ['sigmoid', 'iris', { kernel: 'sigmoid', gamma: 0.01, coef0: 0.5 }],
  ['rbf ovo scores', 'iris', { decision_function_shape: 'ovo' }],
  ['rbf break_ties', 'wine', { break_ties: true }],
  ['rbf with probability', 'breast-cancer', { probability: true }],
  ['rbf with probability', 'iris', { probability: true }],
  ['linear with probability', 'wine', { kernel: 'linear', probability: true }],
  ['poly with probability', 'wine', { kernel: 'poly', probability: true, break_ties: true }],
];

for (const [name, dataset, params] of CASES) {
  test(`svm ${name} on ${dataset}: ONNX labels and ${params.probability ? 'probabilities' : 'scores'} match the estimator`, async (t) => {
    const { estimator, x32, X } = await fitOnReference((p) => new SVC(p), dataset, params);
    if (estimator.task !== 'classification') return;
    const report = await assertClassifierParity(estimator, x32, X, 1e-5, `svm ${name} ${dataset}`);
    t.diagnostic(describeParity(`svm ${name} ${dataset}`, report));
  });
}

test('svm with a class absent at fit: probabilities spread over all classes, labels keep class indices', async () => {
  const rows = [[0, 0], [0.3, 0.2], [0.1, 0.4], [0.5, 0.1], [0.2, 0.2], [3, 3], [3.2, 2.7], [2.8, 3.4], [3.1, 3.3], [2.9, 2.9], [0, 3], [0.4, 3.1], [0.2, 2.6], [0.1, 3.3], [0.3, 2.8]];
  const y = Int32Array.of(0, 0, 0, 0, 0, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1);
  for (const params of [{ probability: true }, {}] as Params[]) {
    const svm = new SVC(params);
    await svm.fit(fromRows(rows), y, { nClasses: 4 });
    const { x32, X } = float32Features(fromRows([...rows, [1.5, 1.5], [1, 2]]));
    await assertClassifierParity(svm, x32, X, 1e-5, `svm ${JSON.stringify(params)} over classes 0, 1, 3`);
    const { outputs } = await runExported(svm, x32, X.cols);
    const labels = new Set(Array.from(outputs.label.data, Number));
    assert.ok([...labels].every((c) => c === 0 || c === 1 || c === 3), `labels are class indices of fitted classes, got ${[...labels]}`);
  }
});

test('break_ties: where the one-vs-one votes tie three ways, the ONNX label is the best ovr score, as predict', async () => {
  // Three linear pairwise boundaries that do not meet in one point leave a triangle where each class wins one vote.
  const rows = [[0, 0], [0.5, 0.2], [0.1, 0.9], [3, 0], [3.2, 0.8], [2.1, 0.1], [1.5, 2.6], [0.9, 2.9], [2.2, 2.4]];
  const y = Int32Array.of(0, 0, 0, 1, 1, 1, 2, 2, 2);
  const queries: number[][] = [];
  for (let i = 0; i <= 12; i++) for (let j = 0; j <= 12; j++) queries.push([1 + i * 0.0625, 0.75 + j * 0.0625]);
  const { x32, X } = float32Features(fromRows(queries));
  const voting = new SVC({ kernel: 'linear' });
  const breaking = new SVC({ kernel: 'linear', break_ties: true });
  await voting.fit(fromRows(rows), y);
  await breaking.fit(fromRows(rows), y);
  const votes = voting.predict(X);
  const broken = breaking.predict(X);
  assert.ok(votes.some((c, i) => c !== broken[i]), 'some queries fall where the votes tie and break_ties changes the label');
  await assertClassifierParity(voting, x32, X, 1e-5, 'svm linear voting on a tie region');
  await assertClassifierParity(breaking, x32, X, 1e-5, 'svm linear break_ties on a tie region');
});
