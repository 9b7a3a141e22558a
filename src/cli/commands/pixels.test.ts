// The pixel workflow from the command line on a real Sentinel-2 chip (eotdl Jaca, 12 bands) and its
// real grass polygon: sample labelled pixels into Parquet, cross-validate and fit on the table, then
// classify the whole chip into a GeoTIFF that GDAL reads back. The "other" class is the chip's
// extent drawn under the grass polygon (later labels burn over earlier ones), so every pixel is labelled.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { gdal } from '../../data/raster/gdal-env.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');
const JACA = path.resolve(ROOT, '../shared/fixtures/labels/eotdl-jaca');
const IMAGE = path.join(JACA, 'jaca_dataset/Jaca_1.tif');
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-pixels-cli-'));
  const grass = JSON.parse(fs.readFileSync(path.join(JACA, 'labels_scaneo/Jaca_1.geojson'), 'utf8')).features.find((f: { geometry: { type: string } }) => f.geometry.type === 'MultiPolygon');
  // The chip's WGS 84 extent (gdalinfo), a little larger so edge pixels are covered.
  const extent = [[[-0.5571, 42.5758], [-0.5571, 42.5693], [-0.5476, 42.5693], [-0.5476, 42.5758], [-0.5571, 42.5758]]];
  fs.writeFileSync(
    path.join(tmp, 'labels.geojson'),
    JSON.stringify({
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: { class: 'other' }, geometry: { type: 'Polygon', coordinates: extent } },
        { type: 'Feature', properties: { class: 'grass' }, geometry: grass.geometry },
      ],
    }),
  );
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tileflow(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, TILEFLOW_HOME: tmp } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('sample, cross-validate, fit and classify a real chip end to end', async () => {
  const table = path.join(tmp, 'pixels.parquet');
  const sampled = tileflow('pixels', 'sample', '--raster', IMAGE, '--labels', path.join(tmp, 'labels.geojson'), '-o', table, '--json');
  assert.equal(sampled.code, 0, sampled.stderr);
  const sample = JSON.parse(sampled.stdout);
  assert.equal(sample.rows, 75 * 72, 'every pixel of the 75 x 72 chip is labelled once');
  assert.equal(sample.features.length, 12);
  assert.ok(sample.classes.grass > 100 && sample.classes.other > 100, JSON.stringify(sample.classes));

  // Spatial blocks of 0.003° (the chip is in EPSG:4326; about 250 m) keep neighbouring pixels on one side of each fold.
  const cv = tileflow('cv', '--data', table, '--target', 'label', '--models', 'lda,rf', '--param', 'rf.n_estimators=20', '--spatial', 'x,y', '--block-size', '0.003', '--folds', '3', '--json');
  assert.equal(cv.code, 0, cv.stderr);
  const check = JSON.parse(cv.stdout);
  assert.equal(check.folds, 3);
  for (const m of check.models) assert.ok(m.scores.accuracy.mean > 0.7, `${m.model} spatial CV accuracy ${m.scores.accuracy.mean}`);

  const model = path.join(tmp, 'rf.json');
  const fit = tileflow('fit', '--data', table, '--target', 'label', '--model', 'rf', '--param', 'n_estimators=20', '--output', model, '--json');
  assert.equal(fit.code, 0, fit.stderr);
  const output = path.join(tmp, 'classified.tif');
  const classified = tileflow('classify-raster', '--model', model, '--raster', IMAGE, '-o', output, '--proba', '--json');
  assert.equal(classified.code, 0, classified.stderr);
  const summary = JSON.parse(classified.stdout);
  assert.equal(summary.pixels + summary.nodataPixels, 75 * 72);

  const ds = gdal.open(output);
  try {
    assert.equal(ds.rasterSize.x, 75);
    assert.equal(ds.rasterSize.y, 72);
    const source = gdal.open(IMAGE);
    assert.deepEqual(ds.geoTransform, source.geoTransform, 'same grid as the input');
    source.close();
    const band = ds.bands.get(1);
    assert.equal(band.noDataValue, 0);
    const pixels = band.pixels.read(0, 0, 75, 72) as Uint8Array;
    const counts = [0, 0, 0];
    for (const v of pixels) counts[v]++;
    // Classes are sorted (grass = 1, other = 2 in the file); the forest reproduces most training labels.
    assert.ok(Math.abs(counts[1] - sample.classes.grass) < 0.1 * 75 * 72, `grass pixels ${counts[1]} against ${sample.classes.grass} labelled`);
    assert.equal(summary.counts.grass, counts[1]);
  } finally {
    ds.close();
  }
  assert.ok(fs.existsSync(path.join(tmp, 'classified.proba.tif')), 'probabilities written beside');
});

test('a model whose features are not bands of the raster is refused', () => {
  const model = path.join(tmp, 'wine.json');
  const fit = tileflow('fit', '--data', path.join(ROOT, 'test/fixtures/learn/wine.csv'), '--target', 'target', '--model', 'nb', '--output', model);
  assert.equal(fit.code, 0, fit.stderr);
  const result = tileflow('classify-raster', '--model', model, '--raster', IMAGE, '-o', path.join(tmp, 'x.tif'));
  assert.equal(result.code, 2);
  assert.match(result.stderr, /no band of .* is described as alcohol; say which bands the features are with --bands/);
  const wrongCount = tileflow('classify-raster', '--model', model, '--raster', IMAGE, '-o', path.join(tmp, 'x.tif'), '--bands', '1,2');
  assert.match(wrongCount.stderr, /takes 13 features .* but --bands names 2 bands/);
});
