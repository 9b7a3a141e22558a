// Deterministic inputs and comparisons for tests of the deep-learning engine.
export { noise } from '../../src/deep/engine/synthetic.js';

/** The number of values a shape holds. */
export function volume(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Largest absolute difference between two arrays of equal length. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} and ${b.length}`);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}
