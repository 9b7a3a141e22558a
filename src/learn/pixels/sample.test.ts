// Pixels under labels, against GDAL's own tools on the shared fixtures: the labelled pixels are the
// ones `gdal_rasterize` burns for the same polygons (eotdl Jaca grass, 12-band Sentinel-2) or the
// non-zero pixels of a label raster (solaris road mask), their values are the image's as GDAL reads
// it, and the written Parquet/CSV tables read back through `readTable`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { gdal } from '../../data/raster/gdal-env.js';
import { openRaster } from '../../data/raster/registry.js';
import type { PixelWindow, RasterSource } from '../../data/raster/types.js';
import { fixture, readAll, run, tempDir } from '../../../test/support/gdal.js';
import { readTable } from '../table.js';
import { samplePixels, type PixelTable } from './sample.js';
import { writePixelTable } from './write-table.js';

const JACA = fixture('labels/eotdl-jaca');
const jacaImage = (i: number) => path.join(JACA, `jaca_dataset/Jaca_${i}.tif`);
const jacaLabels = (i: number) => path.join(JACA, `labels_scaneo/Jaca_${i}.geojson`);
const ROADS = fixture('labels/solaris-roads');
const roadImage = path.join(ROADS, 'road_mask_input.tif');
const roadMask = path.join(ROADS, 'sample_road_raster_mask.tif');
const tmp = tempDir('tileflow-pixels-');

/** `gdal_rasterize` of `labels` on the whole grid of `image` (burning 1, or as `extra` says), as bytes. */
async function referenceBurn(image: string, labels: string, extra: string[] = []): Promise<Uint8Array> {
  const ds = gdal.open(image);
  const { x: width, y: height } = ds.rasterSize;
  const gt = ds.geoTransform as number[];
  ds.close();
  const out = path.join(tmp, `ref-${Math.random().toString(36).slice(2)}.tif`);
  const te = [gt[0], gt[3] + height * gt[5], gt[0] + width * gt[1], gt[3]].map(String);
  const burn = extra.includes('-a') ? [] : ['-burn', '1'];
  await run('gdal_rasterize', ['-q', ...burn, '-ot', 'Byte', '-te', ...te, '-ts', String(width), String(height), ...extra, labels, out]);
  return Uint8Array.from(readAll(out).bands[0]);
}

/** The whole road sample, read once for the tests that need it. */
let roadSample: Promise<PixelTable> | undefined;
const fullRoadSample = () => (roadSample ??= samplePixels({ raster: roadImage, labelRaster: roadMask }));

/** The (row, col) of every row of a table, as `row * width + col`. */
const positions = (table: PixelTable, width: number) => Array.from(table.pixels.row, (r, i) => r * width + table.pixels.col[i]);

/** Checks each row's features, coordinates and position against the image read whole by GDAL. */
function assertRowsMatchImage(table: PixelTable, image: string, bands: number[]): void {
  const { width, bands: pixels } = readAll(image);
  const ds = gdal.open(image);
  const gt = ds.geoTransform as number[];
  ds.close();
  let previous = -1;
  for (let i = 0; i < table.X.rows; i++) {
    const row = table.pixels.row[i];
    const col = table.pixels.col[i];
    const p = row * width + col;
    assert.ok(p > previous, `rows in raster order (row ${i})`);
    previous = p;
    bands.forEach((b, j) => assert.equal(table.X.data[i * bands.length + j], pixels[b - 1][p], `row ${i} band ${b}`));
    assert.equal(table.coordinates.x[i], gt[0] + (col + 0.5) * gt[1], `row ${i} x`);
    assert.equal(table.coordinates.y[i], gt[3] + (row + 0.5) * gt[5], `row ${i} y`);
  }
}

test('Jaca 1-4: the labelled pixels are those gdal_rasterize burns, per class, with the image\'s values', async () => {
  for (const i of [1, 2, 3, 4]) {
    // Two classes from the `tasks` field: the grass polygon (segmentation) and the point prompts burned
    // after it; the reference burns 1 for polygons and 2 for points, in file order, in one run.
    const sql = `SELECT geometry, CASE WHEN ST_GeometryType(geometry) LIKE '%POINT%' THEN 2 ELSE 1 END AS v FROM Jaca_${i}`;
    const burned = await referenceBurn(jacaImage(i), jacaLabels(i), ['-dialect', 'SQLite', '-sql', sql, '-a', 'v']);
    const expected = { markerPrompts: 0, segmentation: 0 };
    const labelled: number[] = [];
    burned.forEach((v, p) => {
      if (!v) return;
      labelled.push(p);
      if (v === 2) expected.markerPrompts++;
      else expected.segmentation++;
    });
    assert.ok(expected.segmentation > 100, `Jaca_${i}: the polygons cover ${expected.segmentation} pixels`);
    // Blocks of 40 cut the 75 x 72 image into 4 blocks, so polygons cross block edges.
    const table = await samplePixels({ raster: jacaImage(i), labels: jacaLabels(i), classField: 'tasks', blockSize: 40 });
    assert.deepEqual(table.classes, ['markerPrompts', 'segmentation']);
    assert.deepEqual(positions(table, 75), labelled, `Jaca_${i}: sampled pixels = burned pixels`);
    const counts = { markerPrompts: 0, segmentation: 0 };
    table.y.forEach((c) => counts[table.classes[c] as keyof typeof counts]++);
    assert.deepEqual(counts, expected, `Jaca_${i}: pixels per class`);
    assert.deepEqual(table.classPixels, [expected.markerPrompts, expected.segmentation]);
    assert.equal(table.rowsRead, labelled.length);
    assert.equal(table.rowsDropped, 0);
    assert.equal(table.crs, 'EPSG:4326');
    assert.deepEqual(table.featureNames, Array.from({ length: 12 }, (_, b) => `b${b + 1}`));
    assertRowsMatchImage(table, jacaImage(i), Array.from({ length: 12 }, (_, b) => b + 1));
  }
});

test('the default class field is `labels` (its first element), and a band subset keeps its band numbers', async () => {
  const table = await samplePixels({ raster: jacaImage(1), labels: jacaLabels(1), bands: [4, 8] });
  assert.deepEqual(table.classes, ['grass']);
  assert.deepEqual(table.featureNames, ['b4', 'b8']);
  const all = await referenceBurn(jacaImage(1), jacaLabels(1));
  assert.equal(table.X.rows, all.reduce((n, v) => n + v, 0));
  assertRowsMatchImage(table, jacaImage(1), [4, 8]);
});

test('labels in another CRS (EPSG:3857) are reprojected by GDAL onto the image grid', async () => {
  const projected = path.join(tmp, 'jaca-3857.geojson');
  await run('ogr2ogr', ['-t_srs', 'EPSG:3857', projected, jacaLabels(2)]);
  assert.match(fs.readFileSync(projected, 'utf8'), /3857/);
  const original = await samplePixels({ raster: jacaImage(2), labels: jacaLabels(2) });
  const reprojected = await samplePixels({ raster: jacaImage(2), labels: projected });
  assert.ok(original.X.rows > 100);
  assert.deepEqual(positions(reprojected, 75), positions(original, 75));
});

test('road centre lines: the pixels gdal_rasterize burns, and only blocks holding labels are read', async () => {
  const labels = path.join(ROADS, 'sample_roads_for_masking.geojson');
  const burned = await referenceBurn(roadImage, labels);
  const expected: number[] = [];
  const blocks = new Set<string>();
  burned.forEach((v, p) => {
    if (!v) return;
    expected.push(p);
    blocks.add(`${Math.floor(p / 1300 / 128)},${Math.floor((p % 1300) / 128)}`);
  });
  // A counting wrapper: the source reads as GDAL does and records each window asked for.
  const source = await openRaster(roadImage);
  const reads: PixelWindow[] = [];
  const counting: RasterSource = { uri: source.uri, info: () => source.info(), close: () => source.close(), read: (o) => (reads.push(o!.window!), source.read(o)) };
  try {
    const table = await samplePixels({ raster: counting, labels, classField: 'road_type', blockSize: 128 });
    assert.deepEqual(table.classes, ['5']);
    assert.deepEqual(positions(table, 1300), expected);
    assert.ok(blocks.size < 60, `${blocks.size} of 121 blocks hold a road`);
    assert.deepEqual(new Set(reads.map((w) => `${w.yoff / 128},${w.xoff / 128}`)), blocks);
    assert.equal(reads.length, blocks.size);
  } finally {
    await source.close();
  }
});

test('a road mask as label raster: every non-zero pixel of the mask is a row, read in 512-pixel blocks', async () => {
  const ticks: number[] = [];
  roadSample = samplePixels({ raster: roadImage, labelRaster: roadMask, onProgress: (done, total) => ticks.push(done / total) });
  const table = await roadSample;
  assert.equal(ticks.length, 9, '1300 x 1300 in 512-pixel blocks');
  assert.equal(ticks.at(-1), 1);
  const mask = readAll(roadMask).bands[0];
  const expected: number[] = [];
  mask.forEach((v, p) => v && expected.push(p));
  assert.equal(expected.length, 56416, "the mask's 255 pixels (gdalinfo -hist)");
  assert.deepEqual(positions(table, 1300), expected);
  assert.deepEqual(table.classes, ['255']);
  assert.deepEqual(table.labelValues, [255]);
  assert.deepEqual(table.classPixels, [56416]);
  const image = readAll(roadImage).bands[0];
  for (let i = 0; i < table.X.rows; i += 97) assert.equal(table.X.data[i], image[expected[i]], `row ${i}`);
});

test('maxPerClass keeps a seeded uniform sample of each class (reservoir sampling)', async () => {
  const full = await fullRoadSample();
  const fullPositions = positions(full, 1300);
  const rank = new Map(fullPositions.map((p, i) => [p, i]));
  const a = await samplePixels({ raster: roadImage, labelRaster: roadMask, maxPerClass: 2000, seed: 1 });
  const again = await samplePixels({ raster: roadImage, labelRaster: roadMask, maxPerClass: 2000, seed: 1 });
  const other = await samplePixels({ raster: roadImage, labelRaster: roadMask, maxPerClass: 2000, seed: 2 });
  assert.equal(a.X.rows, 2000);
  assert.deepEqual(a.classPixels, [56416], 'class counts before sampling');
  assert.deepEqual(positions(again, 1300), positions(a, 1300), 'the same seed gives the same sample');
  assert.notDeepEqual(positions(other, 1300), positions(a, 1300), 'another seed gives another sample');
  // Each kept pixel is a labelled pixel with its own values; where it lies in the full list is uniform.
  const deciles = new Array<number>(10).fill(0);
  let meanRank = 0;
  positions(a, 1300).forEach((p, i) => {
    const r = rank.get(p);
    assert.ok(r !== undefined, `kept pixel ${p} is labelled`);
    assert.equal(a.X.data[i], full.X.data[r]);
    deciles[Math.floor((10 * r) / fullPositions.length)]++;
    meanRank += r / fullPositions.length / 2000;
  });
  // Uniform: mean rank 0.5 (sd 0.0065) and 200 per decile (sd 13.4); the bounds are over 4 sd wide.
  assert.ok(Math.abs(meanRank - 0.5) < 0.03, `mean relative rank ${meanRank}`);
  for (const [d, n] of deciles.entries()) assert.ok(Math.abs(n - 200) < 60, `decile ${d} holds ${n} of 2000`);

  const jaca = await samplePixels({ raster: jacaImage(1), labels: jacaLabels(1), classField: 'tasks', maxPerClass: 2 });
  assert.deepEqual([...jaca.y].sort(), [0, 0, 1, 1], 'two of each class');
  assert.deepEqual(jaca.classPixels, [3, 1186]);
});

test('pixels with nodata in any band are skipped and counted', async () => {
  // A copy of Jaca_1 declaring a value that occurs under the polygon as every band's nodata.
  const labelled = await samplePixels({ raster: jacaImage(1), labels: jacaLabels(1) });
  const value = labelled.X.data[40 * 12 + 3];
  const image = path.join(tmp, 'jaca-nodata.tif');
  await run('gdal_translate', ['-q', '-a_nodata', String(value), jacaImage(1), image]);
  let skipped = 0;
  for (let i = 0; i < labelled.X.rows; i++) if (labelled.X.data.subarray(i * 12, i * 12 + 12).includes(value)) skipped++;
  assert.ok(skipped >= 1);
  const table = await samplePixels({ raster: image, labels: jacaLabels(1) });
  assert.equal(table.rowsDropped, skipped);
  assert.equal(table.rowsRead, labelled.X.rows);
  assert.equal(table.X.rows, labelled.X.rows - skipped);
  assert.ok(!table.X.data.includes(value), 'no nodata value in the table');
});

test('a label raster on a coarser grid is read onto the image grid (nearest)', async () => {
  // Classes 3 and 7 in 2 x 2-pixel cells, on a grid twice as coarse as Jaca_1's, made with GDAL.
  const src = gdal.open(jacaImage(1));
  const gt = src.geoTransform as number[];
  const srs = src.srs;
  src.close();
  const coarse = path.join(tmp, 'coarse-labels.tif');
  const out = gdal.open(coarse, 'w', 'GTiff', 38, 36, 1, 'Byte');
  out.geoTransform = [gt[0], gt[1] * 2, 0, gt[3], 0, gt[5] * 2];
  out.srs = srs;
  const cells = new Uint8Array(38 * 36).map((_, p) => [0, 3, 7][(Math.floor(p / 38) + (p % 38)) % 3]);
  out.bands.get(1).pixels.write(0, 0, 38, 36, cells);
  out.close();
  const table = await samplePixels({ raster: jacaImage(1), labelRaster: coarse, blockSize: 25 });
  assert.deepEqual(table.classes, ['3', '7']);
  assert.deepEqual(table.labelValues, [3, 7]);
  const expected: number[] = [];
  const values: number[] = [];
  for (let row = 0; row < 72; row++) {
    for (let col = 0; col < 75; col++) {
      const v = cells[Math.floor(row / 2) * 38 + Math.floor(col / 2)];
      if (v) {
        expected.push(row * 75 + col);
        values.push(v);
      }
    }
  }
  assert.deepEqual(positions(table, 75), expected);
  assert.deepEqual(Array.from(table.y, (c) => table.labelValues![c]), values);
});

test('written as Parquet and CSV, the table reads back through readTable', async () => {
  const table = await samplePixels({ raster: jacaImage(3), labels: jacaLabels(3), classField: 'tasks' });
  for (const name of ['pixels.parquet', 'pixels.csv']) {
    const file = path.join(tmp, name);
    assert.equal(await writePixelTable(table, file), table.X.rows);
    const back = await readTable(file, { target: 'label', features: table.featureNames, coordinateColumns: ['x', 'y'] });
    assert.deepEqual(back.featureNames, table.featureNames, name);
    assert.deepEqual(back.X.data, table.X.data, `${name} features`);
    assert.deepEqual(back.classes, table.classes, `${name} classes`);
    assert.deepEqual(back.y, table.y, `${name} labels`);
    assert.deepEqual(back.coordinates?.x, table.coordinates.x, `${name} x`);
    assert.deepEqual(back.coordinates?.y, table.coordinates.y, `${name} y`);
  }
  // By default the position columns of a pixel table (x, y, row, col) are not features.
  const all = await readTable(path.join(tmp, 'pixels.parquet'), { target: 'label' });
  assert.deepEqual(all.featureNames, table.featureNames);
  const withRow = await readTable(path.join(tmp, 'pixels.parquet'), { target: 'label', features: [...table.featureNames, 'row'] });
  assert.deepEqual(Array.from({ length: withRow.X.rows }, (_, i) => withRow.X.data[i * withRow.X.cols + 12]), Array.from(table.pixels.row), 'row');
  assert.match(fs.readFileSync(path.join(tmp, 'pixels.csv'), 'utf8').split('\n')[0], /^b1,b2,.*,b12,label,x,y,row,col$/);
  assert.deepEqual(fs.readdirSync(tmp).filter((f) => f.includes('partial')), [], 'no partial file left');
});

test('a label raster table writes integer labels, read back as classes', async () => {
  const coarse = path.join(tmp, 'coarse-labels.tif');
  const table = await samplePixels({ raster: jacaImage(1), labelRaster: coarse, bands: [2, 3] });
  const file = path.join(tmp, 'raster-labels.parquet');
  await writePixelTable(table, file);
  const back = await readTable(file, { target: 'label', features: ['b2', 'b3'] });
  assert.equal(back.task, 'classification');
  assert.deepEqual(back.classes, ['3', '7']);
  assert.deepEqual(back.y, table.y);
});

test('bad input: a clear error for each', async () => {
  const rejects = async (promise: Promise<unknown>, pattern: RegExp) =>
    assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof TileflowError, `a TileflowError, got ${String(error)}`);
      assert.match(error.message, pattern);
      return true;
    });
  const text = path.join(tmp, 'not-a-raster.tif');
  fs.writeFileSync(text, 'these are words, not pixels\n');
  await rejects(samplePixels({ raster: text, labels: jacaLabels(1) }), /cannot open raster .*not-a-raster\.tif/);
  await rejects(samplePixels({ raster: jacaLabels(1), labels: jacaLabels(1) }), /Jaca_1\.geojson has no raster bands/);
  await rejects(samplePixels({ raster: path.join(tmp, 'missing.tif'), labels: jacaLabels(1) }), /does not exist/);
  await rejects(samplePixels({ raster: jacaImage(1), labels: jacaLabels(1), classField: 'colour' }), /has no field "colour"; its fields are .*labels.*tasks/);
  await rejects(samplePixels({ raster: jacaImage(1), labels: jacaLabels(1), bands: [4, 13] }), /band 13 does not exist \(the raster has 12 bands/);
  await rejects(samplePixels({ raster: jacaImage(1), labels: jacaLabels(1), bands: [0] }), /band 0 does not exist/);
  await rejects(samplePixels({ raster: roadImage, labels: jacaLabels(1) }), /no label feature of .*Jaca_1\.geojson overlaps .*road_mask_input\.tif/);
  await rejects(samplePixels({ raster: roadImage, labelRaster: path.join(tmp, 'coarse-labels.tif') }), /does not overlap/);
  await rejects(samplePixels({ raster: jacaImage(1), labels: jacaLabels(1), labelRaster: roadMask }), /labels .* or labelRaster, one of them/);
  await rejects(samplePixels({ raster: jacaImage(1) }), /one of them/);
  await rejects(samplePixels({ raster: jacaImage(1), labels: jacaLabels(1), maxPerClass: 0 }), /maxPerClass must be a positive integer/);
  await rejects(samplePixels({ raster: jacaImage(1), labels: jacaLabels(1), window: { xoff: 100, yoff: 0, xsize: 10, ysize: 10 } }), /outside the 75 x 72 raster/);
  await rejects(samplePixels({ raster: jacaImage(1), labels: jacaLabels(1), window: { xoff: 0, yoff: 0, xsize: 10, ysize: 10 } }), /no label feature .* overlaps/);
  const table = await samplePixels({ raster: jacaImage(1), labels: jacaLabels(1) });
  await rejects(writePixelTable(table, path.join(tmp, 'pixels.xlsx')), /name it \.parquet or \.csv/);
});
