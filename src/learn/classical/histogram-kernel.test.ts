import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createRandom } from '../../data/datasets/random.js';
import { BIN_RECORD, HistogramKernel } from './histogram-kernel.js';

/** Random packed rows: n samples x nBins.length features, feature f's bins offset by the bins before it. */
function packedRows(n: number, nBins: number[], seed: number) {
  const random = createRandom(seed, 'kernel');
  const offsets = new Int32Array(nBins.length);
  for (let f = 1; f < nBins.length; f++) offsets[f] = offsets[f - 1] + nBins[f - 1];
  const total = offsets[nBins.length - 1] + nBins[nBins.length - 1];
  const rows = total <= 0xffff ? new Uint16Array(n * nBins.length) : new Uint32Array(n * nBins.length);
  for (let i = 0; i < n; i++) for (let f = 0; f < nBins.length; f++) rows[i * nBins.length + f] = offsets[f] + random.int(nBins[f]);
  const gradients = Float32Array.from({ length: n }, () => random.next() - 0.5);
  const hessians = Float32Array.from({ length: n }, () => random.next() / 4);
  return { rows, offsets, total, gradients, hessians };
}

/** The histogram the plain way: float64 sums in sample order. */
function reference(rows: ArrayLike<number>, nFeatures: number, total: number, samples: ArrayLike<number>, g: Float32Array, h: Float32Array | null): Float64Array {
  const out = new Float64Array(total * BIN_RECORD);
  for (let p = 0; p < samples.length; p++) {
    const i = samples[p];
    for (let f = 0; f < nFeatures; f++) {
      const k = rows[i * nFeatures + f] * BIN_RECORD;
      out[k] += g[i];
      if (h) out[k + 1] += h[i];
      out[k + 2] += 1;
    }
  }
  return out;
}

for (const [label, nBins] of [
  ['uint16 bins', [255, 3, 17, 255, 1]],
  ['uint32 bins (more than 65,535 bins in all)', Array.from({ length: 300 }, () => 255)],
] as const) {
  test(`histograms equal plain float64 sums in sample order, bit for bit: ${label}`, () => {
    const n = 500;
    const { rows, offsets, total, gradients, hessians } = packedRows(n, [...nBins], nBins.length);
    for (const withHessian of [true, false]) {
      const kernel = new HistogramKernel(rows, offsets, n, nBins.length, total, withHessian);
      kernel.gradients.set(gradients);
      kernel.hessians.set(hessians);
      const subset = Array.from({ length: n }, (_, i) => i).filter((i) => i % 3 !== 1);
      kernel.partition.set(subset);
      const slot = kernel.addHistogram();
      kernel.buildHistogram(slot, 0, subset.length);
      assert.deepEqual(kernel.histogram(slot), reference(rows, nBins.length, total, subset, gradients, withHessian ? hessians : null));
      kernel.buildHistogram(slot, 10, 10);
      assert.ok(kernel.histogram(slot).every((v) => v === 0), 'an empty range gives an empty histogram');
    }
  });
}

test('partition is stable and splits on the unpacked bin of one feature', () => {
  const n = 1000;
  const nBins = [4, 200, 9];
  const { rows, offsets, total } = packedRows(n, nBins, 3);
  const kernel = new HistogramKernel(rows, offsets, n, nBins.length, total, true);
  for (let i = 0; i < n; i++) kernel.partition[i] = i;
  const bin = (i: number, f: number) => rows[i * nBins.length + f] - offsets[f];
  const middle = kernel.partitionSamples(100, 900, 1, 57);
  const inside = Array.from({ length: 800 }, (_, j) => 100 + j);
  const left = inside.filter((i) => bin(i, 1) <= 57);
  const right = inside.filter((i) => bin(i, 1) > 57);
  assert.equal(middle, 100 + left.length);
  assert.deepEqual(Array.from(kernel.partition.subarray(100, 900)), [...left, ...right]);
  assert.deepEqual(Array.from(kernel.partition.subarray(0, 100)), Array.from({ length: 100 }, (_, i) => i), 'positions outside the range are untouched');
  assert.equal(kernel.partitionSamples(5, 5, 0, 2), 5, 'an empty range stays empty');
});

test('the histogram pool grows the memory and keeps every histogram and array', () => {
  const n = 2000;
  const nBins = Array.from({ length: 40 }, () => 255);
  const { rows, offsets, total, gradients, hessians } = packedRows(n, nBins, 4);
  const kernel = new HistogramKernel(rows, offsets, n, nBins.length, total, true);
  kernel.gradients.set(gradients);
  kernel.hessians.set(hessians);
  for (let i = 0; i < n; i++) kernel.partition[i] = i;
  const first = kernel.addHistogram();
  kernel.buildHistogram(first, 0, n);
  const expected = Float64Array.from(kernel.histogram(first));
  const slots = Array.from({ length: 60 }, () => kernel.addHistogram());
  assert.deepEqual(kernel.histogram(first), expected, 'the first histogram survives the growth');
  assert.deepEqual(kernel.gradients, gradients);
  assert.deepEqual(kernel.binned, rows);
  kernel.buildHistogram(slots[59], 0, n);
  assert.deepEqual(kernel.histogram(slots[59]), expected);
});
