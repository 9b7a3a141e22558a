/**
 * The losses of histogram gradient boosting, as scikit-learn 1.2's `HalfSquaredError`,
 * `HalfBinomialLoss` and `HalfMultinomialLoss`: the baseline (the best constant raw prediction),
 * gradients and hessians at the current raw predictions, and the mean loss for early stopping.
 *
 * Operations follow sklearn's Cython one for one (gradients and hessians are stored as float32, its
 * G_H_DTYPE; means use numpy's pairwise summation), so the trees fitted to them match sklearn's.
 */

const EPSILON = 2.220446049250313e-16;

/** numpy's float64 sum (`np.sum`): pairwise in blocks of 8192, so means match numpy's rounding. */
export function numpySum(values: ArrayLike<number>, start: number, n: number): number {
  let total = 0;
  for (let s = 0; s < n; s += 8192) total += pairwiseSum(values, start + s, Math.min(8192, n - s));
  return total;
}

function pairwiseSum(a: ArrayLike<number>, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[start + i];
    return res;
  }
  if (n <= 128) {
    let r0 = a[start], r1 = a[start + 1], r2 = a[start + 2], r3 = a[start + 3];
    let r4 = a[start + 4], r5 = a[start + 5], r6 = a[start + 6], r7 = a[start + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const p = start + i;
      r0 += a[p]; r1 += a[p + 1]; r2 += a[p + 2]; r3 += a[p + 3];
      r4 += a[p + 4]; r5 += a[p + 5]; r6 += a[p + 6]; r7 += a[p + 7];
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += a[start + i];
    return res;
  }
  let half = Math.floor(n / 2);
  half -= half % 8;
  return pairwiseSum(a, start, half) + pairwiseSum(a, start + half, n - half);
}

/** A loss: its baseline, gradients and hessians (float32, as sklearn's G_H_DTYPE), and mean value. */
export interface Loss {
  /** Trees per iteration: 1, or one per class for multiclass log-loss. */
  readonly nTrees: number;
  /** Hessians all 1 (squared error): counts stand in for hessian sums. */
  readonly constantHessian: boolean;
  baseline(y: Float64Array): Float64Array;
  /** Gradients and hessians at raw predictions; raw, gradient and hessian are column-major, n rows x nTrees. */
  gradients(y: Float64Array, raw: Float64Array, gradient: Float32Array, hessian: Float32Array | null): void;
  /** Mean loss over the rows (early stopping with scoring 'loss'). */
  mean(y: Float64Array, raw: Float64Array): number;
}

// sklearn's log1pexp: log(1 + exp(x)) without overflow or loss of precision.
function log1pexp(x: number): number {
  if (x <= -37) return Math.exp(x);
  if (x <= -2) return Math.log1p(Math.exp(x));
  if (x <= 18) return Math.log(1 + Math.exp(x));
  if (x <= 33.3) return x + Math.exp(-x);
  return x;
}

/** Half squared error, 0.5 (y - raw)^2: gradient raw - y, hessian 1; baseline the mean. */
export const squaredError: Loss = {
  nTrees: 1,
  constantHessian: true,
  baseline: (y) => Float64Array.of(numpySum(y, 0, y.length) / y.length),
  gradients(y, raw, gradient) {
    for (let i = 0; i < y.length; i++) gradient[i] = raw[i] - y[i];
  },
  mean(y, raw) {
    const losses = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) losses[i] = 0.5 * (raw[i] - y[i]) ** 2;
    return numpySum(losses, 0, y.length) / y.length;
  },
};

/** Binary log-loss on the log-odds: gradient p - y, hessian p (1 - p); baseline the log-odds of the mean. */
export const binomial: Loss = {
  nTrees: 1,
  constantHessian: false,
  baseline(y) {
    let p = numpySum(y, 0, y.length) / y.length;
    p = Math.min(Math.max(p, 10 * EPSILON), 1 - 10 * EPSILON);
    return Float64Array.of(Math.log(p / (1 - p)));
  },
  gradients(y, raw, gradient, hessian) {
    const h = hessian as Float32Array;
    for (let i = 0; i < y.length; i++) {
      // sklearn 1.2's cgrad_hess_half_binomial, operation for operation.
      const t = Math.exp(-raw[i]);
      if (t === Infinity) {
        gradient[i] = 0 - y[i]; // exp(-raw) overflowed: p is 0 (and 0 - 0 keeps the sign positive)
        h[i] = 0;
        continue;
      }
      gradient[i] = (1 - y[i] - y[i] * t) / (1 + t);
      h[i] = t / (1 + t) ** 2;
    }
  },
  mean(y, raw) {
    const losses = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) losses[i] = log1pexp(raw[i]) - y[i] * raw[i];
    return numpySum(losses, 0, y.length) / y.length;
  },
};

/** Multiclass log-loss with softmax over k raw scores; baseline the symmetric logit of the class shares. */
export function multinomial(k: number): Loss {
  return {
    nTrees: k,
    constantHessian: false,
    baseline(y) {
      const counts = new Float64Array(k);
      for (let i = 0; i < y.length; i++) counts[y[i]]++;
      const logs = new Float64Array(k);
      for (let c = 0; c < k; c++) {
        counts[c] = Math.min(Math.max(counts[c] / y.length, EPSILON), 1 - EPSILON);
        logs[c] = Math.log(counts[c]);
      }
      // The symmetric multinomial logit: log(p / geometric mean of p).
      const gmean = Math.exp(numpySum(logs, 0, k) / k);
      return counts.map((p) => Math.log(p / gmean));
    },
    gradients(y, raw, gradient, hessian) {
      const h = hessian as Float32Array;
      const n = y.length;
      const p = new Float64Array(k);
      for (let i = 0; i < n; i++) {
        let max = raw[i];
        for (let c = 1; c < k; c++) if (max < raw[c * n + i]) max = raw[c * n + i];
        let sum = 0;
        for (let c = 0; c < k; c++) {
          p[c] = Math.exp(raw[c * n + i] - max);
          sum += p[c];
        }
        const label = y[i];
        for (let c = 0; c < k; c++) {
          const pc = p[c] / sum;
          gradient[c * n + i] = pc - (label === c ? 1 : 0);
          h[c * n + i] = pc * (1 - pc);
        }
      }
    },
    mean(y, raw) {
      const n = y.length;
      const losses = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let max = raw[i];
        for (let c = 1; c < k; c++) if (max < raw[c * n + i]) max = raw[c * n + i];
        let sum = 0;
        for (let c = 0; c < k; c++) sum += Math.exp(raw[c * n + i] - max);
        losses[i] = Math.log(sum) + max - raw[y[i] * n + i];
      }
      return numpySum(losses, 0, n) / n;
    },
  };
}
