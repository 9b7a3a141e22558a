// ONNX parity for k-nearest neighbours exported as default-domain operators in double: distances of
// float32 features are computed as the estimator computes them, so the same neighbours are chosen
// (ties to the lower training row) and the labels and probabilities match predict / predictProba.
import { test } from 'node:test';
import type { Params } from '../classical/estimator.js';
import { KNeighborsClassifier } from '../classical/knn.js';
import { assertClassifierParity, describeParity, fitOnReference } from '../../../test/support/onnx-parity.js';

const CASES: [string, string, Params][] = [
  ['uniform k=5', 'iris', { n_neighbors: 5 }],
  ['distance k=7', 'iris', { n_neighbors: 7, weights: 'distance' }],
  ['uniform k=5', 'breast-cancer', { n_neighbors: 5 }],
  ['distance k=7', 'wine', { n_neighbors: 7, weights: 'distance' }],
  ['manhattan', 'wine', { metric: 'manhattan' }],
  ['minkowski p=3, distance', 'iris', { p: 3, weights: 'distance' }],
];

for (const [name, dataset, params] of CASES) {
  test(`knn ${name} on ${dataset}: ONNX labels and probabilities match the estimator`, async (t) => {
    // The predicted rows include the training rows, so distance weighting meets zero distances too.
    const { estimator, x32, X } = await fitOnReference((p) => new KNeighborsClassifier(p), dataset, params);
    if (estimator.task !== 'classification') return;
    const report = await assertClassifierParity(estimator, x32, X, 1e-7, `knn ${name} ${dataset}`);
    t.diagnostic(describeParity(`knn ${name} ${dataset}`, report));
  });
}
