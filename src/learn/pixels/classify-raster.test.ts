// Classifying a whole raster, checked with GDAL: an NDVI threshold rule (a real classifier of
// vegetation, not a stand-in for one) labels the eotdl Jaca Sentinel-2 scene, and the classified
// GeoTIFF must open in GDAL (`gdalinfo -json`) on the input's grid, tiled 256 x 256, DEFLATE, with
// nodata 0, a colour table, category names and NEAREST overviews, its pixels equal to the rule's.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, test } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { gdal } from '../../data/raster/gdal-env.js';
import { fixture, readAll, run, tempDir } from '../../../test/support/gdal.js';
import type { Matrix } from '../classical/estimator.js';
import { classifyRaster, overviewLevels, type PixelPrediction } from './classify-raster.js';

const JACA = fixture('labels/eotdl-jaca/jaca_dataset/Jaca_1.tif');
const tmp = tempDir('tileflow-classify-');
/** Jaca_1 at 8 x its resolution (600 x 576, so several blocks and two overview levels), one value declared nodata. */
let scene: string;
let nodataValue: number;

const RED = 4;
const NIR = 8;
const THRESHOLD = 0.4;

/** NDVI of a red and a near-infrared value. */
const ndvi = (red: number, nir: number) => (nir + red === 0 ? 0 : (nir - red) / (nir + red));
/** The probability of vegetation: a logistic curve around the threshold (0.5 exactly at it). */
const vegetation = (red: number, nir: number) => 1 / (1 + Math.exp(-20 * (ndvi(red, nir) - THRESHOLD)));

/** The rule as a prediction callback over [red, nir] rows: class 1 (vegetation) where its probability passes 0.5. */
function ndviRule(X: Matrix): PixelPrediction {
  const labels = new Int32Array(X.rows);
  const proba = new Float64Array(X.rows * 2);
  for (let i = 0; i < X.rows; i++) {
    const p = vegetation(X.data[i * 2], X.data[i * 2 + 1]);
    labels[i] = p > 0.5 ? 1 : 0;
    proba[i * 2] = 1 - p;
    proba[i * 2 + 1] = p;
  }
  return { labels, proba };
}

before(async () => {
  nodataValue = readAll(JACA).bands[RED - 1][10 * 75 + 10];
  scene = path.join(tmp, 'jaca-x8.tif');
  await run('gdal_translate', ['-q', '-outsize', '600', '576', '-r', 'nearest', '-a_nodata', String(nodataValue), JACA, scene]);
});

const gdalinfo = async (file: string) => JSON.parse(await run('gdalinfo', ['-json', file]));

test('an NDVI rule classifies the scene into a tiled, compressed, palette GeoTIFF with overviews, on the input grid', async () => {
  const output = path.join(tmp, 'classes.tif');
  const ticks: number[] = [];
  const summary = await classifyRaster({ raster: scene, output, predict: ndviRule, bands: [RED, NIR], classes: ['other', 'vegetation'], colors: ['#d2b48c', '#228b22'], probabilities: true, onProgress: (done) => ticks.push(done) });
  assert.deepEqual(ticks, [1, 2, 3, 4], '600 x 576 in 512-pixel blocks');

  // What the rule says for every pixel, from the scene read whole by GDAL.
  const { bands, width, height } = readAll(scene);
  const expected = new Uint8Array(width * height);
  const expectedProba = new Float32Array(2 * width * height).fill(-1);
  const counts = { other: 0, vegetation: 0 };
  for (let p = 0; p < width * height; p++) {
    const [red, nir] = [bands[RED - 1][p], bands[NIR - 1][p]];
    if (red === nodataValue || nir === nodataValue) continue;
    const v = vegetation(red, nir);
    expected[p] = v > 0.5 ? 2 : 1;
    counts[v > 0.5 ? 'vegetation' : 'other']++;
    expectedProba[p] = 1 - v;
    expectedProba[width * height + p] = v;
  }
  const invalid = expected.filter((v) => v === 0).length;
  assert.ok(invalid >= 64 && counts.other > 1000 && counts.vegetation > 1000, `a mixed scene: ${JSON.stringify(counts)}, ${invalid} nodata`);
  assert.deepEqual(summary.counts, counts);
  assert.equal(summary.pixels, counts.other + counts.vegetation);
  assert.equal(summary.nodataPixels, invalid);
  assert.deepEqual(summary.overviews, [2, 4]);
  assert.equal(summary.probabilitiesOutput, path.join(tmp, 'classes.proba.tif'));
  assert.ok(summary.seconds > 0);

  const info = await gdalinfo(output);
  const input = await gdalinfo(scene);
  assert.equal(info.driverShortName, 'GTiff');
  assert.deepEqual(info.size, [600, 576]);
  assert.deepEqual(info.geoTransform, input.geoTransform);
  assert.equal(info.coordinateSystem.wkt, input.coordinateSystem.wkt);
  assert.equal(info.metadata.IMAGE_STRUCTURE.COMPRESSION, 'DEFLATE');
  assert.equal(info.bands.length, 1);
  const [band] = info.bands;
  assert.equal(band.type, 'Byte');
  assert.deepEqual(band.block, [256, 256]);
  assert.equal(band.noDataValue, 0);
  assert.equal(band.colorInterpretation, 'Palette');
  assert.deepEqual(band.overviews.map((o: { size: number[] }) => o.size), [[300, 288], [150, 144]]);
  assert.deepEqual(band.colorTable.entries.slice(0, 3), [[0, 0, 0, 0], [210, 180, 140, 255], [34, 139, 34, 255]]);
  assert.deepEqual(band.categories, ['nodata', 'other', 'vegetation']);
  assert.equal(band.metadata[''].CLASS_2, 'vegetation');

  const written = readAll(output);
  assert.deepEqual(Uint8Array.from(written.bands[0]), expected, 'every pixel is the rule\'s class + 1, 0 where a band is nodata');
  // NEAREST overviews hold only values of the full image.
  const ds = gdal.open(output);
  const overview = ds.bands.get(1).overviews.get(0).pixels.read(0, 0, 300, 288) as Uint8Array;
  ds.close();
  assert.ok(overview.every((v) => v <= 2) && overview.includes(1) && overview.includes(2), 'overview values are classes');

  const proba = await gdalinfo(summary.probabilitiesOutput!);
  assert.deepEqual(proba.size, [600, 576]);
  assert.deepEqual(proba.geoTransform, input.geoTransform);
  assert.deepEqual(proba.bands.map((b: { type: string; noDataValue: number; block: number[] }) => [b.type, b.noDataValue, b.block]), [['Float32', -1, [256, 256]], ['Float32', -1, [256, 256]]]);
  assert.deepEqual(proba.bands.map((b: { metadata: Record<string, Record<string, string>> }) => b.metadata[''].CLASS), ['other', 'vegetation']);
  assert.equal(proba.bands[0].overviews.length, 2);
  const probabilities = readAll(summary.probabilitiesOutput!);
  assert.deepEqual(Float32Array.from([...probabilities.bands[0], ...probabilities.bands[1]]), expectedProba);
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('partial')), [], 'no partial file left');
});

test('more than 254 classes are written as UInt16, and an existing output is replaced', async () => {
  const classes = Array.from({ length: 300 }, (_, i) => `level ${i}`);
  // A quantizer of the red band: class = red reflectance / 10, capped.
  const predict = (X: Matrix) => ({ labels: Int32Array.from(X.data, (v) => Math.min(299, Math.floor(v / 10))) });
  const output = path.join(tmp, 'levels.tif');
  fs.writeFileSync(output, 'an older file');
  fs.writeFileSync(`${output}.aux.xml`, '<PAMDataset></PAMDataset>');
  const summary = await classifyRaster({ raster: JACA, output, predict, bands: [RED], classes });
  assert.deepEqual(summary.overviews, [], 'a 75 x 72 image needs no overviews');
  const info = await gdalinfo(output);
  assert.equal(info.bands[0].type, 'UInt16');
  assert.equal(info.bands[0].categories.length, 301);
  assert.ok(info.bands[0].colorTable.count >= 301);
  const red = readAll(JACA).bands[RED - 1];
  assert.deepEqual(Array.from(readAll(output).bands[0]), Array.from(red, (v) => Math.min(299, Math.floor(v / 10)) + 1));
});

test('overview levels halve until the image fits in a 256-pixel tile', () => {
  assert.deepEqual(overviewLevels(256, 100), []);
  assert.deepEqual(overviewLevels(257, 10), [2]);
  assert.deepEqual(overviewLevels(512, 512), [2]);
  assert.deepEqual(overviewLevels(1300, 1300), [2, 4, 8]);
  assert.deepEqual(overviewLevels(2000, 1000), [2, 4, 8]);
});

test('bad input: a clear error, and no output left behind', async () => {
  const rejects = async (promise: Promise<unknown>, pattern: RegExp) =>
    assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof TileflowError, `a TileflowError, got ${String(error)}`);
      assert.match(error.message, pattern);
      return true;
    });
  const output = path.join(tmp, 'bad.tif');
  const base = { raster: JACA, output, predict: ndviRule, bands: [RED, NIR], classes: ['other', 'vegetation'] };
  await rejects(classifyRaster({ ...base, predict: (X) => ({ labels: new Int32Array(X.rows - 1) }) }), /labels as an Int32Array of 5400 class indices, got 5399/);
  await rejects(classifyRaster({ ...base, predict: (X) => ({ labels: new Int32Array(X.rows).fill(2) }) }), /class 2 for pixel 0; the 2 classes are 0\.\.1/);
  await rejects(classifyRaster({ ...base, predict: (X) => ({ labels: ndviRule(X).labels }), probabilities: true }), /probabilities asked for: predict must return proba/);
  await rejects(classifyRaster({ ...base, bands: [4, 13] }), /band 13 does not exist/);
  const text = path.join(tmp, 'words.tif');
  fs.writeFileSync(text, 'not a raster at all\n');
  await rejects(classifyRaster({ ...base, raster: text }), /cannot open raster .*words\.tif/);
  await rejects(classifyRaster({ ...base, output: path.join(tmp, 'out.png') }), /ending in \.tif or \.tiff/);
  await rejects(classifyRaster({ ...base, output: JACA }), /is the input raster/);
  await rejects(classifyRaster({ ...base, classes: [] }), /give the class names/);
  await rejects(classifyRaster({ ...base, classes: ['a', 'a'] }), /distinct/);
  await rejects(classifyRaster({ ...base, colors: ['#ffffff'] }), /one colour per class/);
  await rejects(classifyRaster({ ...base, colors: ['white', 'black'] }), /#rrggbb/);
  await rejects(classifyRaster({ ...base, blockSize: 300 }), /multiple of 256/);
  assert.ok(!fs.existsSync(output), 'no output after a failure');
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('partial')), [], 'no partial file left');
});
