/** Deterministic synthetic inputs, for benchmarks and tests of the engine (the same values on every machine). */

/** Pseudo-random floats in [-1, 1) from a seed (a 32-bit LCG). */
export function noise(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}
