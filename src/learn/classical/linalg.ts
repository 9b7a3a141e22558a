/**
 * Small dense linear algebra for the classical estimators (LDA's SVD, covariance eigen-decompositions):
 * a thin SVD by one-sided Jacobi rotations and a symmetric eigen-decomposition by cyclic Jacobi
 * rotations, plus Cholesky. Jacobi methods are chosen for accuracy and short code at the sizes these
 * estimators meet (tens of features, thousands of rows); they are not meant for large matrices.
 * Matrices are row-major Float64Arrays.
 */

/** A thin SVD A = U diag(s) Vt of a rows x cols matrix, r = min(rows, cols). */
export interface Svd {
  /** rows x r, orthonormal columns. */
  u: Float64Array;
  /** r singular values, descending. */
  s: Float64Array;
  /**
   * r x cols, orthonormal rows. Singular vectors of a zero singular value are not computed: they are
   * zero (columns of u when rows >= cols, rows of vt otherwise), so use only those of nonzero values.
   */
  vt: Float64Array;
  /** r, the number of singular values. */
  rank: number;
}

const MAX_SWEEPS = 100;

/** The thin SVD of a row-major rows x cols matrix (A is not modified). */
export function svd(a: Float64Array, rows: number, cols: number): Svd {
  if (rows < cols) {
    // Work on A' = V s U' so that the Jacobi rotations act on the shorter dimension.
    const t = transpose(a, rows, cols);
    const inner = svd(t, cols, rows);
    return { u: transpose(inner.vt, inner.rank, rows), s: inner.s, vt: transpose(inner.u, cols, inner.rank), rank: inner.rank };
  }
  const m = rows;
  const n = cols;
  // Columns stored contiguously: column j of the working matrix is w[j*m .. j*m+m).
  const w = transpose(a, m, n);
  const v = new Float64Array(n * n);
  for (let j = 0; j < n; j++) v[j * n + j] = 1;
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        let alpha = 0;
        let beta = 0;
        let gamma = 0;
        for (let i = 0; i < m; i++) {
          const x = w[p * m + i];
          const y = w[q * m + i];
          alpha += x * x;
          beta += y * y;
          gamma += x * y;
        }
        // Columns p and q are orthogonal to working precision: no rotation.
        if (gamma === 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = Math.sign(zeta || 1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(w, p * m, q * m, m, c, s);
        rotate(v, p * n, q * n, n, c, s);
      }
    }
    if (!rotated) break;
  }
  const norms = new Float64Array(n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i < m; i++) sum += w[j * m + i] ** 2;
    norms[j] = Math.sqrt(sum);
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => norms[y] - norms[x] || x - y);
  const u = new Float64Array(m * n);
  const s = new Float64Array(n);
  const vt = new Float64Array(n * n);
  order.forEach((j, k) => {
    s[k] = norms[j];
    for (let i = 0; i < m; i++) u[i * n + k] = norms[j] > 0 ? w[j * m + i] / norms[j] : 0;
    // v is stored by columns too (v[j*n..] is column j of V), which is row k of Vt.
    for (let i = 0; i < n; i++) vt[k * n + i] = v[j * n + i];
  });
  return { u, s, vt, rank: n };
}

/** Applies the plane rotation [c s; -s c] to the length-n vectors at offsets p and q of `x`. */
function rotate(x: Float64Array, p: number, q: number, n: number, c: number, s: number): void {
  for (let i = 0; i < n; i++) {
    const a = x[p + i];
    const b = x[q + i];
    x[p + i] = c * a - s * b;
    x[q + i] = s * a + c * b;
  }
}

/** The transpose of a row-major rows x cols matrix. */
export function transpose(a: Float64Array, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[j * rows + i] = a[i * cols + j];
  return out;
}

/** An eigen-decomposition of a symmetric matrix: A = V diag(values) V'. */
export interface SymmetricEigen {
  /** n eigenvalues, ascending (as numpy's `eigh`). */
  values: Float64Array;
  /** n x n row-major; column j is the unit eigenvector of values[j]. */
  vectors: Float64Array;
}

/** Eigenvalues and eigenvectors of a symmetric n x n matrix (only its upper triangle is read). */
export function symmetricEigen(a: Float64Array, n: number): SymmetricEigen {
  const m = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = i; j < n; j++) m[i * n + j] = m[j * n + i] = a[i * n + j];
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let scale = 0;
  for (let i = 0; i < n * n; i++) scale += m[i] * m[i];
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += m[p * n + q] ** 2;
    if (off <= 1e-32 * scale) break;
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q];
        if (apq === 0) continue;
        const theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // M <- J' M J with J the rotation in the (p, q) plane chosen to zero M[p][q].
        for (let k = 0; k < n; k++) {
          const mkp = m[k * n + p];
          const mkq = m[k * n + q];
          m[k * n + p] = c * mkp - s * mkq;
          m[k * n + q] = s * mkp + c * mkq;
        }
        for (let k = 0; k < n; k++) {
          const mpk = m[p * n + k];
          const mqk = m[q * n + k];
          m[p * n + k] = c * mpk - s * mqk;
          m[q * n + k] = s * mpk + c * mqk;
        }
        m[p * n + q] = m[q * n + p] = 0;
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const order = Array.from({ length: n }, (_, j) => j).sort((x, y) => m[x * n + x] - m[y * n + y] || x - y);
  const values = new Float64Array(n);
  const vectors = new Float64Array(n * n);
  order.forEach((j, k) => {
    values[k] = m[j * n + j];
    for (let i = 0; i < n; i++) vectors[i * n + k] = v[i * n + j];
  });
  return { values, vectors };
}

/** The lower-triangular L with A = L L' for a symmetric positive definite n x n A, or null if A is not. */
export function cholesky(a: Float64Array, n: number): Float64Array | null {
  const l = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= l[j * n + k] ** 2;
    if (!(d > 0)) return null;
    const ljj = Math.sqrt(d);
    l[j * n + j] = ljj;
    for (let i = j + 1; i < n; i++) {
      let sum = a[i * n + j];
      for (let k = 0; k < j; k++) sum -= l[i * n + k] * l[j * n + k];
      l[i * n + j] = sum / ljj;
    }
  }
  return l;
}

/** The product of row-major a (r x k) and b (k x c). */
export function multiply(a: Float64Array, b: Float64Array, r: number, k: number, c: number): Float64Array {
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let t = 0; t < k; t++) {
      const x = a[i * k + t];
      if (x === 0) continue;
      for (let j = 0; j < c; j++) out[i * c + j] += x * b[t * c + j];
    }
  }
  return out;
}

/** A row-major r x c matrix as an array of row arrays (how estimators keep matrices in JSON state). */
export function toRows(values: Float64Array, r: number, c: number): number[][] {
  return Array.from({ length: r }, (_, i) => Array.from(values.subarray(i * c, (i + 1) * c)));
}
