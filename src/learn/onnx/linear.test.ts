// ONNX parity for the linear classifiers: lr (binary, multinomial, one-vs-rest, multinomial on two
// classes) and lda exported as LinearClassifier, run by ONNX Runtime on float32 features, agree with
// predict (every row) and predictProba (within 1e-5: ONNX Runtime computes the scores in float32).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRows, type Params } from '../classical/estimator.js';
import { LinearDiscriminantAnalysis } from '../classical/lda.js';
import { LogisticRegression } from '../classical/logistic-regression.js';
import { assertClassifierParity, describeParity, fitOnReference, float32Features, runExported } from '../../../test/support/onnx-parity.js';

const CASES: [string, 'lr' | 'lda', string, Params][] = [
  ['lr binary', 'lr', 'breast-cancer', { max_iter: 5000 }],
  ['lr multinomial', 'lr', 'iris', { max_iter: 5000 }],
  ['lr multinomial', 'lr', 'wine', { max_iter: 5000 }],
  ['lr one-vs-rest', 'lr', 'iris', { max_iter: 5000, multi_class: 'ovr' }],
  ['lr multinomial on two classes', 'lr', 'breast-cancer', { max_iter: 5000, multi_class: 'multinomial' }],
  ['lda', 'lda', 'breast-cancer', {}],
  ['lda', 'lda', 'iris', {}],
  ['lda eigen', 'lda', 'wine', { solver: 'eigen' }],
];

for (const [name, kind, dataset, params] of CASES) {
  test(`${name} on ${dataset}: ONNX labels and probabilities match the estimator`, async (t) => {
    const make = (p: Params) => (kind === 'lr' ? new LogisticRegression(p) : new LinearDiscriminantAnalysis(p));
    const { estimator, x32, X } = await fitOnReference(make, dataset, params);
    const report = await assertClassifierParity(estimator as LogisticRegression, x32, X, 1e-5, `${name} ${dataset}`);
    t.diagnostic(describeParity(`${name} ${dataset}`, report));
  });
}

test('a class absent at fit gets probability 0 in ONNX too, and labels keep their class indices', async () => {
  // Classes 0 and 2 of 3 (a binary model over classes [0, 2]), then 0, 2 and 3 of 4 (multiclass).
  const rows = [[0, 0.1], [0.2, 0.3], [0.4, 0.1], [2, 2.2], [2.4, 1.8], [2.1, 2.5], [0, 3], [0.3, 2.6], [0.2, 3.3]];
  const cases: [number, number[]][] = [
    [3, [0, 0, 0, 2, 2, 2]],
    [4, [0, 0, 0, 2, 2, 2, 3, 3, 3]],
  ];
  for (const [k, labels] of cases) {
    for (const estimator of [new LogisticRegression(), new LogisticRegression({ multi_class: 'ovr' }), new LinearDiscriminantAnalysis()]) {
      await estimator.fit(fromRows(rows.slice(0, labels.length)), Int32Array.from(labels), { nClasses: k });
      const { x32, X } = float32Features(fromRows([...rows, [1, 1], [1.3, 1.4]]));
      const what = `${estimator.kind} ${estimator.params.multi_class ?? ''} with ${k} classes, one absent`;
      await assertClassifierParity(estimator, x32, X, 1e-5, what);
      const { outputs } = await runExported(estimator, x32, X.cols);
      for (let i = 0; i < X.rows; i++) assert.equal(outputs.probabilities.data[i * k + 1], 0, `${what}: row ${i} gives class 1 probability 0`);
    }
  }
});
