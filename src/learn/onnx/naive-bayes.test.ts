// ONNX parity for Gaussian naive Bayes exported as default-domain operators computed in double: on
// float32 features the ONNX labels are predict's on every row and the probabilities predictProba's
// within 1e-7 (the log-likelihood expansion loses nothing that float32 output does not).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fromRows } from '../classical/estimator.js';
import { GaussianNB } from '../classical/naive-bayes.js';
import { assertClassifierParity, describeParity, fitOnReference, float32Features, runExported } from '../../../test/support/onnx-parity.js';

for (const dataset of ['breast-cancer', 'iris', 'wine']) {
  test(`nb on ${dataset}: ONNX labels and probabilities match the estimator`, async (t) => {
    const { estimator, x32, X } = await fitOnReference((p) => new GaussianNB(p), dataset);
    if (estimator.task !== 'classification') return;
    const report = await assertClassifierParity(estimator, x32, X, 1e-7, `nb ${dataset}`);
    t.diagnostic(describeParity(`nb ${dataset}`, report));
  });
}

test('nb with priors and a class absent at fit: probability 0 for it, the priors weigh the rest', async () => {
  const rows = [[0, 1], [0.2, 1.3], [0.1, 0.8], [2, 3], [2.5, 3.1], [1.8, 2.7]];
  const nb = new GaussianNB({ priors: [0.7, 0, 0.3] });
  await nb.fit(fromRows(rows), Int32Array.of(0, 0, 0, 2, 2, 2));
  const { x32, X } = float32Features(fromRows([...rows, [1, 2], [1.1, 1.9], [-3, 10]]));
  await assertClassifierParity(nb, x32, X, 1e-7, 'nb with an absent class');
  const { outputs } = await runExported(nb, x32, X.cols);
  for (let i = 0; i < X.rows; i++) assert.equal(outputs.probabilities.data[i * 3 + 1], 0, `row ${i}: the absent class has probability 0`);
});
