/**
 * Kernels for the support vector classifier, evaluated as libsvm evaluates them, and the training-time
 * Q matrix (Q_ij = y_i y_j K(x_i, x_j)) behind an LRU cache of float32 rows.
 *
 * The arithmetic follows scikit-learn's copy of libsvm on purpose: training rows are rounded to float32
 * (libsvm's `Qfloat`), the RBF kernel is `exp(-gamma (|x_i|^2 + |x_j|^2 - 2 x_i.x_j))` while training but
 * `exp(-gamma |x - sv|^2)` while predicting, and the diagonal stays in double. The solver's choices of
 * working set depend on these roundings, so matching them is what makes the fitted support vectors agree.
 */
import type { Matrix } from './estimator.js';

/** The kernels SVC takes (scikit-learn's names; `precomputed` and callables are not offered). */
export const KERNELS = ['linear', 'poly', 'rbf', 'sigmoid'] as const;

/** One of the supported kernel names. */
export type KernelName = (typeof KERNELS)[number];

/** A kernel with its resolved parameters (`gamma` already a number). */
export interface KernelSpec {
  kernel: KernelName;
  gamma: number;
  degree: number;
  coef0: number;
}

/** `base` to a whole power by repeated squaring, as libsvm's `powi` (so the poly kernel rounds alike). */
export function powi(base: number, times: number): number {
  let tmp = base;
  let ret = 1.0;
  for (let t = times; t > 0; t = Math.floor(t / 2)) {
    if (t % 2 === 1) ret *= tmp;
    tmp = tmp * tmp;
  }
  return ret;
}

// numpy's pairwise summation (8 accumulators, blocks of 128), which `X.var()` uses.
function pairwiseSum(values: Float64Array, start: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += values[start + i];
    return res;
  }
  if (n <= 128) {
    let r0 = values[start], r1 = values[start + 1], r2 = values[start + 2], r3 = values[start + 3];
    let r4 = values[start + 4], r5 = values[start + 5], r6 = values[start + 6], r7 = values[start + 7];
    let i = 8;
    for (; i < n - (n % 8); i += 8) {
      const o = start + i;
      r0 += values[o]; r1 += values[o + 1]; r2 += values[o + 2]; r3 += values[o + 3];
      r4 += values[o + 4]; r5 += values[o + 5]; r6 += values[o + 6]; r7 += values[o + 7];
    }
    let res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7));
    for (; i < n; i++) res += values[start + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(values, start, n2) + pairwiseSum(values, start + n2, n - n2);
}

// numpy reduces a contiguous array in buffers of 8192 elements, pairwise within each, added in turn.
function numpySum(values: Float64Array): number {
  let sum = 0;
  for (let start = 0; start < values.length; start += 8192) sum += pairwiseSum(values, start, Math.min(8192, values.length - start));
  return sum;
}

/**
 * `gamma='scale'`: 1 / (n_features * X.var()) over every value of X, or 1 where X is constant, summed
 * in numpy's order so the value is bit-identical to scikit-learn's.
 */
export function scaleGamma(X: Matrix): number {
  const n = X.data.length;
  const mean = numpySum(X.data) / n;
  const squares = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const d = X.data[i] - mean;
    squares[i] = d * d;
  }
  const variance = numpySum(squares) / n;
  return variance !== 0 ? 1.0 / (X.cols * variance) : 1.0;
}

/** K(a, b) for row `a` of `A` and row `b` of `B` (d features each), as libsvm's `k_function` (prediction). */
export function kernelValue(spec: KernelSpec, A: Float64Array, a: number, B: Float64Array, b: number, d: number): number {
  const ao = a * d;
  const bo = b * d;
  if (spec.kernel === 'rbf') {
    let sum = 0;
    for (let f = 0; f < d; f++) {
      const diff = A[ao + f] - B[bo + f];
      sum += diff * diff;
    }
    return Math.exp(-spec.gamma * sum);
  }
  let dot = 0;
  for (let f = 0; f < d; f++) dot += A[ao + f] * B[bo + f];
  return finishKernel(spec, dot);
}

/** K(x_r, sv_s) for every support vector s (rows of `sv`, row-major), into `out`: `kernelValue` over a row. */
export function kernelRow(spec: KernelSpec, X: Float64Array, r: number, d: number, sv: Float64Array, nSV: number, out: Float64Array): void {
  const xo = r * d;
  if (spec.kernel === 'rbf') {
    const gamma = spec.gamma;
    for (let s = 0, so = 0; s < nSV; s++, so += d) {
      let sum = 0;
      for (let f = 0; f < d; f++) {
        const diff = X[xo + f] - sv[so + f];
        sum += diff * diff;
      }
      out[s] = Math.exp(-gamma * sum);
    }
    return;
  }
  for (let s = 0, so = 0; s < nSV; s++, so += d) {
    let dot = 0;
    for (let f = 0; f < d; f++) dot += X[xo + f] * sv[so + f];
    out[s] = finishKernel(spec, dot);
  }
}

// The kernel from a dot product, for the kernels that are a function of x.y.
function finishKernel(spec: KernelSpec, dot: number): number {
  if (spec.kernel === 'linear') return dot;
  if (spec.kernel === 'poly') return powi(spec.gamma * dot + spec.coef0, spec.degree);
  return Math.tanh(spec.gamma * dot + spec.coef0);
}

const SENTINEL_NONE = -1;

/**
 * The Q matrix of a two-class problem for the SMO solver: `getQ(i, len)` gives the first `len` entries
 * of row i as float32, computed on demand and kept in an LRU cache of at most `cacheBytes`;
 * `swapIndex` permutes two positions (the solver's shrinking), rows included, exactly as libsvm's
 * `Cache::swap_index` does.
 */
export class SvcQMatrix {
  /** The diagonal Q_ii = K(x_i, x_i), in double as libsvm keeps it. */
  readonly QD: Float64Array;
  private readonly l: number;
  private readonly d: number;
  /** The samples by position (row-major, a private copy: shrinking swaps rows in place). */
  private readonly x: Float64Array;
  private readonly y: Int8Array;
  private readonly spec: KernelSpec;
  private readonly xSquare: Float64Array | null;
  private readonly rows: (Float32Array | null)[];
  private readonly rowLen: Int32Array;
  // LRU as a circular doubly linked list over positions, node l being the list head.
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  /** Free cache space in float32 entries. */
  private size: number;

  /** `x`: l rows of d features (row-major); `y`: +1/-1 per row; `cacheBytes`: scikit-learn's `cache_size` in bytes. */
  constructor(x: Float64Array, l: number, d: number, y: Int8Array, spec: KernelSpec, cacheBytes: number) {
    this.l = l;
    this.d = d;
    this.x = x.slice(0, l * d);
    this.y = Int8Array.from(y);
    this.spec = spec;
    this.xSquare = null;
    if (spec.kernel === 'rbf') {
      const xSquare = new Float64Array(l);
      for (let i = 0; i < l; i++) xSquare[i] = this.dot(i, i);
      this.xSquare = xSquare;
    }
    this.rows = new Array<Float32Array | null>(l).fill(null);
    this.rowLen = new Int32Array(l);
    this.prev = new Int32Array(l + 1).fill(SENTINEL_NONE);
    this.next = new Int32Array(l + 1).fill(SENTINEL_NONE);
    this.prev[l] = l;
    this.next[l] = l;
    // libsvm's accounting: the budget in floats, less the row headers, but always room for two full rows.
    this.size = Math.max(Math.floor(cacheBytes / 4) - l * 8, 2 * l);
    this.QD = new Float64Array(l);
    for (let i = 0; i < l; i++) this.QD[i] = this.kernel(i, i);
  }

  private dot(i: number, j: number): number {
    const x = this.x;
    const a = i * this.d;
    const b = j * this.d;
    let sum = 0;
    for (let f = 0; f < this.d; f++) sum += x[a + f] * x[b + f];
    return sum;
  }

  /** K at positions i, j as libsvm's training-time `kernel_function`. */
  private kernel(i: number, j: number): number {
    const spec = this.spec;
    if (spec.kernel === 'rbf') {
      const xSquare = this.xSquare as Float64Array;
      return Math.exp(-spec.gamma * (xSquare[i] + xSquare[j] - 2 * this.dot(i, j)));
    }
    return finishKernel(spec, this.dot(i, j));
  }

  private lruDelete(h: number): void {
    this.next[this.prev[h]] = this.next[h];
    this.prev[this.next[h]] = this.prev[h];
  }

  private lruInsert(h: number): void {
    const head = this.l;
    this.next[h] = head;
    this.prev[h] = this.prev[head];
    this.next[this.prev[h]] = h;
    this.prev[head] = h;
  }

  private drop(h: number): void {
    this.lruDelete(h);
    this.size += this.rowLen[h];
    this.rows[h] = null;
    this.rowLen[h] = 0;
  }

  /** Entries [0, len) of row i of Q (float32), filling what the cache lacks. */
  getQ(i: number, len: number): Float32Array {
    const have = this.rowLen[i];
    if (have) this.lruDelete(i);
    let data = this.rows[i];
    const more = len - have;
    if (more > 0) {
      while (this.size < more) this.drop(this.next[this.l]);
      const grown = new Float32Array(len);
      if (data && have) grown.set(data.subarray(0, have));
      data = grown;
      this.rows[i] = data;
      this.size -= more;
      this.rowLen[i] = len;
      this.fill(data, i, have, len);
    }
    this.lruInsert(i);
    return data as Float32Array;
  }

  // Q_ij for j in [from, to), specialised per kernel because this loop is most of the fitting time.
  private fill(out: Float32Array, i: number, from: number, to: number): void {
    const { x, d, y, spec } = this;
    const yi = y[i];
    const a = i * d;
    if (spec.kernel === 'rbf') {
      const xSquare = this.xSquare as Float64Array;
      const gamma = spec.gamma;
      const si = xSquare[i];
      for (let j = from, b = from * d; j < to; j++, b += d) {
        let dot = 0;
        for (let f = 0; f < d; f++) dot += x[a + f] * x[b + f];
        out[j] = yi * y[j] * Math.exp(-gamma * (si + xSquare[j] - 2 * dot));
      }
      return;
    }
    for (let j = from, b = from * d; j < to; j++, b += d) {
      let dot = 0;
      for (let f = 0; f < d; f++) dot += x[a + f] * x[b + f];
      out[j] = yi * y[j] * finishKernel(spec, dot);
    }
  }

  /** Exchanges positions i and j: samples, labels, diagonal and every cached row's entries. */
  swapIndex(i: number, j: number): void {
    if (i === j) return;
    const { rows, rowLen } = this;
    if (rowLen[i]) this.lruDelete(i);
    if (rowLen[j]) this.lruDelete(j);
    swapAt(rows, i, j);
    swapAt(rowLen, i, j);
    if (rowLen[i]) this.lruInsert(i);
    if (rowLen[j]) this.lruInsert(j);

    const lo = Math.min(i, j);
    const hi = Math.max(i, j);
    for (let h = this.next[this.l]; h !== this.l; ) {
      const following = this.next[h];
      if (rowLen[h] > lo) {
        if (rowLen[h] > hi) swapAt(rows[h] as Float32Array, lo, hi);
        // A row too short to hold both entries cannot be fixed up in place; libsvm gives it up too.
        else this.drop(h);
      }
      h = following;
    }

    for (let f = 0; f < this.d; f++) swapAt(this.x, i * this.d + f, j * this.d + f);
    if (this.xSquare) swapAt(this.xSquare, i, j);
    swapAt(this.y, i, j);
    swapAt(this.QD, i, j);
  }
}

function swapAt<T>(values: { [index: number]: T }, i: number, j: number): void {
  const t = values[i];
  values[i] = values[j];
  values[j] = t;
}
