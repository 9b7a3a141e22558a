import assert from 'node:assert/strict';
import { test } from 'node:test';
import sharp from 'sharp';
import { boxStats, comparisonBoxPlotPng, confusionMatrixPng } from './plots.js';

test('box statistics follow Tukey and numpy quantiles', () => {
  const stats = boxStats([0.9, 0.92, 0.94, 0.96, 0.5]);
  assert.equal(stats.median, 0.92);
  assert.equal(stats.q1, 0.9);
  assert.ok(Math.abs(stats.q3 - 0.94) < 1e-12, `q3 ${stats.q3}`);
  assert.deepEqual(stats.outliers, [0.5], 'a fold far below the rest is an outlier');
  assert.equal(stats.min, 0.9, 'the whisker stops at the lowest point within 1.5 IQR');
  assert.equal(stats.max, 0.96);
});

test('the comparison box plot and the confusion matrix render as PNG', async () => {
  const box = await comparisonBoxPlotPng(
    [
      { model: 'lr', values: [0.9, 0.92, 0.94, 0.96, 0.5] },
      { model: 'rf', values: [0.95, 0.97, 0.96, 0.98, 0.99] },
    ],
    'accuracy',
  );
  const meta = await sharp(box).metadata();
  assert.equal(meta.format, 'png');
  assert.ok(meta.width! >= 240 && meta.height! >= 300, `${meta.width} x ${meta.height}`);
  // The image is not blank: the boxes' fill colour occurs.
  const { data, info } = await sharp(box).raw().toBuffer({ resolveWithObject: true });
  let blue = 0;
  for (let i = 0; i < data.length; i += info.channels) if (data[i] === 0x9e && data[i + 1] === 0xca && data[i + 2] === 0xe1) blue++;
  assert.ok(blue > 500, `box fill pixels: ${blue}`);
  const cm = await confusionMatrixPng([[5, 1], [0, 4]], ['grass', 'other'], 'Confusion', 'samples');
  assert.equal((await sharp(cm).metadata()).format, 'png');
});
