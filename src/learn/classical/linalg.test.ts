import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRandom } from '../../data/datasets/random.js';
import { cholesky, multiply, svd, symmetricEigen, toRows, transpose } from './linalg.js';

function randomMatrix(rows: number, cols: number, seed: number): Float64Array {
  const random = createRandom(seed, 'linalg-test');
  return Float64Array.from({ length: rows * cols }, () => random.next() * 2 - 1);
}

function assertNear(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

/** U diag(s) Vt. */
function reconstruct(u: Float64Array, s: Float64Array, vt: Float64Array, rows: number, r: number, cols: number): Float64Array {
  const us = Float64Array.from(u, (v, i) => v * s[i % r]);
  return multiply(us, vt, rows, r, cols);
}

function identity(n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) out[i * n + i] = 1;
  return out;
}

describe('svd', () => {
  it('finds the singular values of a known matrix', () => {
    // [[3, 0], [4, 5]]: A'A = [[25, 20], [20, 25]] has eigenvalues 45 and 5.
    const { s, u, vt } = svd(Float64Array.of(3, 0, 4, 5), 2, 2);
    assertNear(s, [Math.sqrt(45), Math.sqrt(5)], 1e-14, 'singular values');
    assertNear(reconstruct(u, s, vt, 2, 2, 2), [3, 0, 4, 5], 1e-14, 'U S Vt');
  });

  it('decomposes tall, wide and rank-deficient matrices into orthonormal factors', () => {
    for (const [rows, cols] of [
      [40, 7],
      [6, 11],
      [9, 9],
    ]) {
      const a = randomMatrix(rows, cols, rows * 100 + cols);
      const { u, s, vt, rank } = svd(a, rows, cols);
      const r = Math.min(rows, cols);
      assert.equal(rank, r);
      for (let i = 1; i < r; i++) assert.ok(s[i - 1] >= s[i], `singular values descend: ${Array.from(s)}`);
      assertNear(reconstruct(u, s, vt, rows, r, cols), a, 1e-13, `${rows}x${cols} U S Vt`);
      assertNear(multiply(transpose(u, rows, r), u, r, rows, r), identity(r), 1e-13, `${rows}x${cols} U'U`);
      assertNear(multiply(vt, transpose(vt, r, cols), r, cols, r), identity(r), 1e-13, `${rows}x${cols} Vt V`);
    }
    // Rank 2 in 5 x 4: the product of 5 x 2 and 2 x 4 factors.
    const low = multiply(randomMatrix(5, 2, 1), randomMatrix(2, 4, 2), 5, 2, 4);
    const { s, u, vt } = svd(low, 5, 4);
    assert.ok(s[2] < 1e-14 && s[3] < 1e-14, `two zero singular values, got ${Array.from(s)}`);
    assertNear(reconstruct(u, s, vt, 5, 4, 4), low, 1e-14, 'rank-2 U S Vt');
  });

  it('matches numpy on a fixed matrix', () => {
    // numpy.linalg.svd([[1, 2, 3], [4, 5, 6], [7, 8, 10], [1, 0, 1]], compute_uv=False)
    const { s } = svd(Float64Array.of(1, 2, 3, 4, 5, 6, 7, 8, 10, 1, 0, 1), 4, 3);
    assertNear(s, [17.45089558463664, 0.9869391657365876, 0.7015656613921292], 1e-12, 'singular values');
  });
});

describe('symmetricEigen', () => {
  it('finds eigenvalues ascending with unit eigenvectors', () => {
    const { values, vectors } = symmetricEigen(Float64Array.of(2, 1, 1, 2), 2);
    assertNear(values, [1, 3], 1e-15, 'eigenvalues');
    // Column 0 is +-(1, -1)/sqrt 2, column 1 +-(1, 1)/sqrt 2.
    assertNear([Math.abs(vectors[0]), Math.abs(vectors[2])], [Math.SQRT1_2, Math.SQRT1_2], 1e-15, 'first eigenvector');
    assert.ok(vectors[0] * vectors[2] < 0, 'first eigenvector is (1, -1) up to sign');
  });

  it('reconstructs a random symmetric matrix from V diag(values) V\'', () => {
    const n = 12;
    const r = randomMatrix(n, n, 7);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j] = r[i * n + j] + r[j * n + i];
    const { values, vectors } = symmetricEigen(a, n);
    for (let i = 1; i < n; i++) assert.ok(values[i - 1] <= values[i], 'eigenvalues ascend');
    const vd = Float64Array.from(vectors, (v, i) => v * values[i % n]);
    assertNear(multiply(vd, transpose(vectors, n, n), n, n, n), a, 1e-13, "V D V'");
    assertNear(multiply(transpose(vectors, n, n), vectors, n, n, n), identity(n), 1e-13, "V'V");
  });

  it('matches numpy.linalg.eigvalsh on a fixed matrix', () => {
    const { values } = symmetricEigen(Float64Array.of(4, 1, 2, 1, 3, 0, 2, 0, 1), 3);
    assertNear(values, [-0.06870782332995562, 2.7222456337625314, 5.346462189567422], 1e-13, 'eigenvalues');
  });
});

describe('cholesky', () => {
  it('factors a positive definite matrix and refuses an indefinite one', () => {
    const l = cholesky(Float64Array.of(4, 2, 2, 3), 2);
    assert.ok(l, 'a positive definite matrix has a Cholesky factor');
    assertNear(l, [2, 0, 1, Math.SQRT2], 1e-15, 'L');
    assert.equal(cholesky(Float64Array.of(1, 2, 2, 1), 2), null, 'indefinite');
    assert.equal(cholesky(Float64Array.of(1, 1, 1, 1), 2), null, 'singular');
  });
});

describe('toRows', () => {
  it('splits a row-major matrix into plain row arrays', () => {
    assert.deepEqual(toRows(Float64Array.of(1, 2, 3, 4, 5, 6), 2, 3), [
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });
});
