/**
 * What linear classifiers (logistic regression, LDA) share once fitted: the decision function
 * X @ coef.T + intercept and the class it picks, as scikit-learn's `LinearClassifierMixin`.
 */
import type { Matrix } from './estimator.js';

/** X @ coef.T + intercept: rows x c row-major, c = coef.length (one column for a binary model). */
export function linearDecision(X: Matrix, coef: readonly ArrayLike<number>[], intercept: ArrayLike<number>): Float64Array {
  const c = coef.length;
  const p = X.cols;
  const out = new Float64Array(X.rows * c);
  for (let j = 0; j < c; j++) {
    const w = coef[j];
    const b = intercept[j];
    for (let i = 0; i < X.rows; i++) {
      let z = 0;
      const row = i * p;
      for (let f = 0; f < p; f++) z += X.data[row + f] * w[f];
      out[i * c + j] = z + b;
    }
  }
  return out;
}

/** The class per row: `classes[1]` when a single decision column is > 0, else the class of the largest column (first on ties). */
export function linearPredict(decision: Float64Array, rows: number, classes: ArrayLike<number>): Int32Array {
  const c = decision.length / Math.max(rows, 1);
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    if (c === 1) {
      out[i] = classes[decision[i] > 0 ? 1 : 0];
      continue;
    }
    let best = 0;
    for (let j = 1; j < c; j++) if (decision[i * c + j] > decision[i * c + best]) best = j;
    out[i] = classes[best];
  }
  return out;
}
