import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BINNING_SUBSAMPLE, binOf, binOffsets, binRows, featureThresholds, fitBinThresholds } from './binning.js';
import { fromRows, matrix } from './estimator.js';

const sorted = (values: number[]) => Float64Array.from(values).sort();

test('few distinct values: thresholds are the midpoints between them', () => {
  // sklearn: _find_binning_thresholds(np.array([3., 1, 2, 2, 5, 1]), 10) -> [1.5, 2.5, 4.0]
  assert.deepEqual(Array.from(featureThresholds(sorted([3, 1, 2, 2, 5, 1]), 10)), [1.5, 2.5, 4]);
  assert.deepEqual(Array.from(featureThresholds(sorted([7, 7, 7]), 10)), [], 'a constant feature has one bin');
});

test('many distinct values: numpy midpoint percentiles, bit for bit', () => {
  // Inputs made with correctly rounded division only, so numpy and JavaScript hold the same doubles.
  // sklearn 1.2.1 / numpy 1.24: i = np.arange(1000); _find_binning_thresholds(i * i / 7.0, 10)
  const squares = Array.from({ length: 1000 }, (_, i) => (i * i) / 7);
  assert.deepEqual(Array.from(featureThresholds(sorted(squares), 10)), [
    1414.357142857143, 5685.785714285715, 12814.357142857143, 22800.071428571428, 35642.92857142857, 51342.92857142857, 69900.07142857142, 91314.35714285714,
    115585.78571428571,
  ]);
  // i = np.arange(777); _find_binning_thresholds(((i * 7919) % 1013) / 3.0 - 100, 255)[[0, 1, 50, 100, 200, 253]]
  const scattered = featureThresholds(sorted(Array.from({ length: 777 }, (_, i) => ((i * 7919) % 1013) / 3 - 100)), 255);
  assert.equal(scattered.length, 254);
  assert.deepEqual(
    [0, 1, 50, 100, 200, 253].map((i) => scattered[i]),
    [-98.16666666666666, -97, -31.666666666666664, 34.16666666666667, 166.16666666666666, 236],
  );
});

test('a value equal to a threshold falls in the lower bin, as sklearn maps it', () => {
  const thresholds = Float64Array.of(1.5, 2.5, 4);
  assert.deepEqual([0, 1.5, 1.6, 2.5, 3, 4, 4.1, 1e308].map((v) => binOf(thresholds, v)), [0, 0, 1, 1, 2, 2, 3, 3]);
});

test('rows are binned into one packed index per feature', () => {
  const X = fromRows([
    [1, 10],
    [2, 20],
    [3, 20],
  ]);
  const bins = fitBinThresholds(X, 255, 0);
  assert.deepEqual(Array.from(bins.nBins), [3, 2]);
  const offsets = binOffsets(bins);
  assert.deepEqual(Array.from(offsets), [0, 3]);
  assert.deepEqual(Array.from(binRows(X, bins, offsets)), [0, 3, 1, 4, 2, 4]);
  assert.deepEqual(Array.from(binRows(X, bins, offsets, [2, 0])), [2, 4, 0, 3], 'a subset of rows, in the order given');
  assert.ok(binRows(X, bins, offsets) instanceof Uint16Array, 'few bins in all fit 16 bits');
  const wide = { thresholds: Array.from({ length: 300 }, () => new Float64Array(254)), nBins: new Int32Array(300).fill(255) };
  assert.ok(binRows(fromRows([new Array(300).fill(0)]), wide, binOffsets(wide)) instanceof Uint32Array, 'more than 65,535 bins in all need 32 bits');
});

test('thresholds come from a seeded subsample on large tables', () => {
  const n = BINNING_SUBSAMPLE + 5000;
  const data = new Float64Array(n);
  for (let i = 0; i < n; i++) data[i] = (i * 7919) % n;
  const X = matrix(data, n, 1);
  const a = fitBinThresholds(X, 255, 3);
  assert.equal(a.thresholds[0].length, 254);
  assert.deepEqual(a.thresholds[0], fitBinThresholds(X, 255, 3).thresholds[0], 'the same seed gives the same thresholds');
  // Quantiles of a uniform subsample stay close to those of the whole column.
  const expectedMedian = n / 2;
  assert.ok(Math.abs(a.thresholds[0][126] - expectedMedian) < n * 0.01, `median threshold ${a.thresholds[0][126]} is near ${expectedMedian}`);
});
