// PNG mask tiles of a segmentation prediction in a real PredictStore (SQLite in memory): masks written with
// sharp as grayscale PNGs of class indices, tiles decoded with sharp and checked at known pixels.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { quadkey } from '../../geo/tiles.js';
import { openTracking, type Tracking } from '../../track/service.js';
import { PredictStore } from '../store/predict-store.js';
import type { Prediction } from '../types.js';
import { predictionMaskTile } from './mask-tiles.js';

const ZOOM = 14;
// A 4 x 4 block of zoom-14 tiles (Lisbon), aligned to one zoom-12 tile.
const X0 = 7760;
const Y0 = 6288;
const blockTile = (i: number) => ({ x: X0 + (i % 4), y: Y0 + Math.floor(i / 4), z: ZOOM });
const QUADKEYS = Array.from({ length: 16 }, (_, i) => quadkey(blockTile(i)));

const TRANSPARENT = [0, 0, 0, 0];
const BLUE = [0, 0, 255, 255];
const GREEN = [0, 255, 0, 255];
const RED = [255, 0, 0, 255];

/**
 * A mask `size` px a side: the top quarter background (0), below it the left half water (1) and the right
 * half forest (2); index 9, which the model does not have, in the bottom-right pixel.
 */
async function maskPng(size: number): Promise<Buffer> {
  const data = Buffer.alloc(size * size);
  for (let row = 0; row < size; row++) {
    for (let col = 0; col < size; col++) data[row * size + col] = row < size / 4 ? 0 : col < size / 2 ? 1 : 2;
  }
  data[size * size - 1] = 9;
  return sharp(data, { raw: { width: size, height: size, channels: 1 } }).png().toBuffer();
}

/** A PNG tile's RGBA pixels. */
async function pixels(png: Uint8Array | null): Promise<(x: number, y: number) => number[]> {
  assert.ok(png, 'a tile');
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  assert.deepEqual([info.width, info.height, info.channels], [256, 256, 4]);
  return (x, y) => [...data.subarray((y * 256 + x) * 4, (y * 256 + x) * 4 + 4)];
}

describe('prediction mask tiles', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-predict-mask-'));
  let tracking: Tracking;
  let store: PredictStore;
  let prediction: Prediction;
  let classification: Prediction;

  before(async () => {
    tracking = await openTracking({ databaseUrl: 'sqlite::memory:', artifactsRoot: dir });
    store = await PredictStore.open(tracking.database);
    const project = await store.createProject({ name: 'land cover' });
    const common = { projectId: project.id, modelName: 'seg', modelVersion: '1', imageryId: 'img', aoi: { tiles: [] }, zoom: ZOOM, overlap: 0, quadkeys: QUADKEYS };
    prediction = await store.createPrediction({
      ...common,
      task: 'segmentation',
      classes: [
        { index: 0, name: 'background', color: '#000000' },
        { index: 1, name: 'water', color: '#0000ff' },
        { index: 2, name: 'forest', color: '#00ff00' },
        { index: 3, name: 'road', color: '#ff0000' },
      ],
    });
    // Masks of 64 px, except tile 1 at 100 px (not a divisor of 256); tile 5 failed and has none.
    const results = [];
    for (let i = 0; i < 16; i++) if (i !== 5) results.push({ quadkey: QUADKEYS[i], scores: [0.25, 0.375, 0.375, 0], mask: await maskPng(i === 1 ? 100 : 64) });
    await store.recordResults(prediction.id, results);
    await store.recordFailures(prediction.id, [{ quadkey: QUADKEYS[5], error: 'HTTP 404' }]);
    // Tile 15: all road.
    const road = await sharp(Buffer.alloc(32 * 32, 3), { raw: { width: 32, height: 32, channels: 1 } }).png().toBuffer();
    await store.recordResults(prediction.id, [{ quadkey: QUADKEYS[15], scores: [0, 0, 0, 1], mask: road }]);
    classification = await store.createPrediction({ ...common, task: 'classification', classes: [{ index: 0, name: 'a', color: '#ffffff' }] });
  });
  after(async () => {
    await tracking.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('at the prediction zoom: the mask resampled to 256 px in class colours, background transparent', async () => {
    for (const i of [0, 1]) {
      const at = await pixels(await predictionMaskTile(store, prediction, ZOOM, blockTile(i).x, blockTile(i).y));
      assert.deepEqual(at(10, 10), TRANSPARENT, `background (tile ${i})`);
      assert.deepEqual(at(63, 63), TRANSPARENT, `the top quarter is background (tile ${i})`);
      assert.deepEqual(at(10, 64), BLUE, `water below it on the left (tile ${i})`);
      assert.deepEqual(at(127, 200), BLUE, `water up to the middle (tile ${i})`);
      assert.deepEqual(at(128, 200), GREEN, `forest from the middle (tile ${i})`);
      assert.deepEqual(at(255, 255), TRANSPARENT, `index 9 is no class of the model (tile ${i})`);
    }
  });

  test('opacity scales the alpha', async () => {
    const at = await pixels(await predictionMaskTile(store, prediction, ZOOM, X0, Y0, { opacity: 0.5 }));
    assert.deepEqual(at(10, 100), [0, 0, 255, 128]);
    assert.deepEqual(at(10, 10), TRANSPARENT);
    await assert.rejects(predictionMaskTile(store, prediction, ZOOM, X0, Y0, { opacity: 1.5 }), /opacity 1.5 is out of range/);
  });

  test('zoomed in: the quarter of the mask, upsampled', async () => {
    // The north-west child holds mask rows 0-31 and cols 0-31: background above row 16 of the mask, then water.
    const nw = await pixels(await predictionMaskTile(store, prediction, ZOOM + 1, 2 * X0, 2 * Y0));
    assert.deepEqual(nw(200, 127), TRANSPARENT);
    assert.deepEqual(nw(200, 128), BLUE);
    assert.deepEqual(nw(255, 255), BLUE);
    // The north-east child: forest below the background.
    const ne = await pixels(await predictionMaskTile(store, prediction, ZOOM + 1, 2 * X0 + 1, 2 * Y0));
    assert.deepEqual(ne(0, 200), GREEN);
    // Three zooms in, the bottom-right eighth of tile 0: 8 x 8 mask pixels of forest, the last one index 9.
    const deep = await pixels(await predictionMaskTile(store, prediction, ZOOM + 3, 8 * X0 + 7, 8 * Y0 + 7));
    assert.deepEqual(deep(0, 0), GREEN);
    assert.deepEqual(deep(255, 255), TRANSPARENT);
  });

  test('zoomed out: the masks under the map tile shrunk into their cells; missing ones transparent', async () => {
    // One zoom out: tiles 0, 1, 4 and 5 in 128 px quarters; tile 5 (SE) failed.
    const up1 = await pixels(await predictionMaskTile(store, prediction, ZOOM - 1, X0 / 2, Y0 / 2));
    assert.deepEqual(up1(10, 10), TRANSPARENT, 'background of tile 0');
    assert.deepEqual(up1(10, 100), BLUE, 'water of tile 0');
    assert.deepEqual(up1(100, 100), GREEN, 'forest of tile 0');
    assert.deepEqual(up1(138, 100), BLUE, 'water of tile 1');
    assert.deepEqual(up1(10, 228), BLUE, 'water of tile 4');
    assert.deepEqual(up1(200, 228), TRANSPARENT, 'tile 5 has no mask');
    // Two zooms out: the whole block in 64 px cells; tile 15 (bottom-right) all road.
    const up2 = await pixels(await predictionMaskTile(store, prediction, ZOOM - 2, X0 / 4, Y0 / 4));
    assert.deepEqual(up2(200, 200), RED);
    assert.deepEqual(up2(5, 40), BLUE);
  });

  test('no tile: nothing of the prediction there, or too far out to mosaic', async () => {
    assert.equal(await predictionMaskTile(store, prediction, ZOOM, X0 + 10, Y0), null);
    assert.equal(await predictionMaskTile(store, prediction, ZOOM, blockTile(5).x, blockTile(5).y), null, 'a failed tile has no mask');
    assert.equal(await predictionMaskTile(store, prediction, ZOOM + 2, 4 * (X0 - 1), 4 * Y0), null);
    assert.ok(await predictionMaskTile(store, prediction, ZOOM - 4, X0 >> 4, Y0 >> 4), 'four zooms out still mosaics');
    assert.equal(await predictionMaskTile(store, prediction, ZOOM - 5, X0 >> 5, Y0 >> 5), null);
  });

  test('a classification or a bad tile is an invalid parameter', async () => {
    await assert.rejects(predictionMaskTile(store, classification, ZOOM, X0, Y0), { code: 'INVALID_PARAMETER_VALUE', message: /mask tiles are for segmentation/ });
    await assert.rejects(predictionMaskTile(store, prediction, 3, 8, 0), { code: 'INVALID_PARAMETER_VALUE' });
  });
});
