// Time-series features: exact answers on series whose summaries are known, closed-form formulas
// (normal equations, E[x²] - E[x]²) on random ones, and the xcube ocean-colour Zarr cube (5 dates of
// chlorophyll with cloud gaps) classified and sampled through them, against the cube's slices read
// by GDAL directly and features computed here step by step.
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { createRandom } from '../../data/datasets/random.js';
import { gdal } from '../../data/raster/gdal-env.js';
import { openRaster } from '../../data/raster/registry.js';
import { fixture, readAll, tempDir } from '../../../test/support/gdal.js';
import type { Matrix } from '../classical/estimator.js';
import { classifyRaster } from './classify-raster.js';
import { samplePixels } from './sample.js';
import { SERIES_SUMMARIES, timeAxis, timeSeriesFeatures } from './time-series.js';

const CUBE = fixture('zarr/xcube/cube-1-250-250.zarr');
const DATES = ['2017-01-16T10:09:22Z', '2017-01-25T09:35:51Z', '2017-01-26T10:50:17Z', '2017-01-28T09:58:11Z', '2017-01-30T10:46:34Z'];
const tmp = tempDir('tileflow-series-');

const rowsOf = (rows: number[][]): Matrix => ({ data: Float64Array.from(rows.flat()), rows: rows.length, cols: rows[0].length });
const close = (actual: number, expected: number, what: string, tolerance = 1e-9) =>
  assert.ok(Math.abs(actual - expected) <= tolerance * Math.max(1, Math.abs(expected)), `${what}: ${actual} vs ${expected}`);

test('summaries of series with known answers, with and without gaps', () => {
  const features = timeSeriesFeatures({ times: [0, 1, 2, 3], prefix: 'ndvi_' });
  assert.deepEqual(features.names, ['ndvi_t0', 'ndvi_t1', 'ndvi_t2', 'ndvi_t3', 'ndvi_mean', 'ndvi_std', 'ndvi_min', 'ndvi_max', 'ndvi_slope']);
  assert.equal(features.minValid, 4);
  const out = features.compute(rowsOf([[1, 3, 5, 7], [5, 5, 5, 5]]));
  assert.deepEqual(Array.from(out.data.subarray(0, 9)), [1, 3, 5, 7, 4, Math.sqrt(5), 1, 7, 2]);
  assert.deepEqual(Array.from(out.data.subarray(9)), [5, 5, 5, 5, 5, 0, 5, 5, 0]);

  // Irregular times: v = 2t + 2 has slope 2 per time unit.
  const irregular = timeSeriesFeatures({ times: [0, 2, 3, 7], values: false, summaries: ['slope', 'mean'] });
  assert.deepEqual(irregular.names, ['slope', 'mean']);
  const [slope, mean] = irregular.compute(rowsOf([[2, 6, 8, 16]])).data;
  close(slope, 2, 'slope');
  assert.equal(mean, 8);

  // Gaps: summaries over the steps with values; missing steps interpolated in time, held at the ends.
  const gappy = timeSeriesFeatures({ times: [0, 1, 2, 4, 5], minValid: 2 });
  const filled = gappy.compute(rowsOf([[NaN, 4, NaN, 10, NaN]])).data;
  assert.deepEqual(Array.from(filled.subarray(0, 5)), [4, 4, 6, 10, 10]);
  assert.deepEqual(Array.from(filled.subarray(5)), [7, 3, 4, 10, 2]);
  assert.throws(() => gappy.compute(rowsOf([[NaN, 4, NaN, NaN, NaN]])), /pixel 0 has values at 1 of 5 steps; at least 2/);
});

test('summaries of random series equal the closed-form formulas', () => {
  const random = createRandom(7, 'series');
  const times = [0, 3.5, 9, 10, 17, 30];
  const rows = Array.from({ length: 200 }, () => times.map(() => 1000 + random.next() * 50));
  const out = timeSeriesFeatures({ times }).compute(rowsOf(rows));
  const n = times.length;
  rows.forEach((v, r) => {
    const got = out.data.subarray(r * 11, (r + 1) * 11);
    assert.deepEqual(Array.from(got.subarray(0, n)), v, `row ${r} steps`);
    const sum = v.reduce((a, b) => a + b, 0);
    const sumSquares = v.reduce((a, b) => a + b * b, 0);
    const st = times.reduce((a, b) => a + b, 0);
    const stt = times.reduce((a, b) => a + b * b, 0);
    const stv = times.reduce((a, t, i) => a + t * v[i], 0);
    close(got[n], sum / n, `row ${r} mean`);
    close(got[n + 1], Math.sqrt(sumSquares / n - (sum / n) ** 2), `row ${r} std`, 1e-6);
    assert.equal(got[n + 2], Math.min(...v));
    assert.equal(got[n + 3], Math.max(...v));
    close(got[n + 4], (n * stv - st * sum) / (n * stt - st * st), `row ${r} slope`, 1e-7);
  });
});

test('bad options and inputs are refused', () => {
  const refuses = (fn: () => unknown, pattern: RegExp) =>
    assert.throws(fn, (error: unknown) => {
      assert.ok(error instanceof TileflowError, `a TileflowError, got ${String(error)}`);
      assert.match(error.message, pattern);
      return true;
    });
  refuses(() => timeSeriesFeatures({ times: [] }), /at least one step/);
  refuses(() => timeSeriesFeatures({ times: [0, 2, 1] }), /strictly increasing/);
  refuses(() => timeSeriesFeatures({ times: [0, 1], summaries: ['median' as never] }), /unknown series summary "median"/);
  refuses(() => timeSeriesFeatures({ times: [0, 1, 2], minValid: 1 }), /slope needs values at two steps/);
  refuses(() => timeSeriesFeatures({ times: [0, 1, 2], minValid: 4 }), /minValid must be a whole number of steps from 1 to 3/);
  refuses(() => timeSeriesFeatures({ times: [0, 1], values: false, summaries: [] }), /the steps, some summaries, or both/);
  refuses(() => timeSeriesFeatures({ times: [0, 1, 2] }).compute(rowsOf([[1, 2]])), /3 steps but the pixels have 2 values/);
});

test('the time axis of a Zarr cube is in days from its first date; other stacks count steps', async () => {
  const cube = await openRaster(`zarr:${CUBE}#conc_chl`);
  const info = await cube.info();
  await cube.close();
  const days = Array.from(timeAxis(info));
  DATES.forEach((date, i) => close(days[i], (Date.parse(date) - Date.parse(DATES[0])) / 86_400_000, `step ${i}`, 1e-12));
  assert.deepEqual(Array.from(timeAxis(info, [2, 4])), [0, (Date.parse(DATES[3]) - Date.parse(DATES[1])) / 86_400_000]);
  const jaca = await openRaster(fixture('labels/eotdl-jaca/jaca_dataset/Jaca_1.tif'));
  assert.deepEqual(Array.from(timeAxis(await jaca.info(), [4, 8, 12])), [0, 1, 2]);
  await jaca.close();
});

/** The cube's time slices as GDAL's Zarr driver reads them (its classic 2-D view), without tileflow's reader. */
function slices(): Float64Array[] {
  return DATES.map((_, t) => {
    const ds = gdal.open(`ZARR:"${CUBE}":/conc_chl:${t}`);
    const values = Float64Array.from(ds.bands.get(1).pixels.read(0, 0, 2000, 1000) as Float64Array);
    ds.close();
    return values;
  });
}

/** Time-series features of one pixel, computed step by step: gaps filled by searching left and right. */
function referenceFeatures(series: number[], times: number[]): number[] {
  const present = series.map((v, i) => (Number.isNaN(v) ? -1 : i)).filter((i) => i >= 0);
  const filled = series.map((v, i) => {
    if (!Number.isNaN(v)) return v;
    const left = present.filter((j) => j < i).at(-1);
    const right = present.find((j) => j > i);
    if (left === undefined) return series[right!];
    if (right === undefined) return series[left];
    return series[left] + ((series[right] - series[left]) * (times[i] - times[left])) / (times[right] - times[left]);
  });
  const v = present.map((i) => series[i]);
  const t = present.map((i) => times[i]);
  const n = v.length;
  const mean = v.reduce((a, b) => a + b, 0) / n;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / n);
  const [st, sv, stt, stv] = [t.reduce((a, b) => a + b, 0), v.reduce((a, b) => a + b, 0), t.reduce((a, b) => a + b * b, 0), t.reduce((a, b, i) => a + b * v[i], 0)];
  return [...filled, mean, std, Math.min(...v), Math.max(...v), (n * stv - st * sv) / (n * stt - st * st)];
}

test('a cloudy Zarr cube classified by mean chlorophyll, then sampled under its own classes', async () => {
  const cube = `zarr:${CUBE}#conc_chl`;
  const source = await openRaster(cube);
  const times = timeAxis(await source.info());
  await source.close();
  const features = timeSeriesFeatures({ times, minValid: 2 });
  const mean = features.names.indexOf('mean');
  // A threshold on the mean over the dates with values (7.5 mg/m³, about the median of the cube).
  const predict = (X: Matrix) => ({ labels: Int32Array.from({ length: X.rows }, (_, i) => (X.data[i * X.cols + mean] > 7.5 ? 1 : 0)) });
  const output = path.join(tmp, 'chl-classes.tif');
  const summary = await classifyRaster({ raster: cube, output, predict, features, classes: ['low', 'high'] });
  assert.deepEqual(summary.overviews, [2, 4, 8]);

  const steps = slices();
  const expected = new Uint8Array(2000 * 1000);
  for (let p = 0; p < expected.length; p++) {
    let n = 0;
    let sum = 0;
    for (const s of steps) {
      if (Number.isNaN(s[p])) continue;
      n++;
      sum += s[p];
    }
    if (n >= 2) expected[p] = sum / n > 7.5 ? 2 : 1;
  }
  const written = readAll(output);
  assert.equal(written.width, 2000);
  assert.deepEqual(Uint8Array.from(written.bands[0]), expected, 'class + 1 where two dates or more have values, else 0');
  const high = expected.filter((v) => v === 2).length;
  assert.equal(summary.counts.high, high);
  assert.equal(summary.pixels, expected.filter((v) => v > 0).length);
  assert.ok(summary.pixels > 400_000 && high > 100_000 && summary.pixels - high > 100_000, `${summary.pixels} pixels, ${high} high`);

  // Sampling the same features under the classification (as a label raster) over a window.
  const window = { xoff: 300, yoff: 300, xsize: 300, ysize: 100 };
  const table = await samplePixels({ raster: cube, labelRaster: output, features, window });
  assert.deepEqual(table.featureNames, features.names);
  assert.deepEqual(table.labelValues, [1, 2]);
  let count = 0;
  for (let row = window.yoff; row < window.yoff + window.ysize; row++) {
    for (let col = window.xoff; col < window.xoff + window.xsize; col++) if (expected[row * 2000 + col]) count++;
  }
  assert.equal(table.X.rows, count);
  assert.ok(count > 20_000);
  const dayList = Array.from(times);
  for (let i = 0; i < table.X.rows; i++) {
    const p = table.pixels.row[i] * 2000 + table.pixels.col[i];
    assert.equal(table.labelValues![table.y[i]], expected[p], `row ${i} label`);
    const reference = referenceFeatures(steps.map((s) => s[p]), dayList);
    const got = table.X.data.subarray(i * features.names.length, (i + 1) * features.names.length);
    reference.forEach((value, f) => close(got[f], value, `pixel ${p} ${features.names[f]}`, 1e-7));
  }
  assert.deepEqual(SERIES_SUMMARIES.map((s) => features.names.includes(s)), [true, true, true, true, true]);
});
