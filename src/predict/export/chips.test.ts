import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import { TileflowError } from '../../core/errors.js';
import { openDataset } from '../../data/datasets/dataset.js';
import type { ImageryProvider } from '../../data/raster/imagery.js';
import { openImagery } from '../../data/raster/registry.js';
import { quadkey, tileAt, tileFromQuadkey, tileXyBounds } from '../../geo/tiles.js';
import { openTracking, type Tracking } from '../../track/service.js';
import { PredictStore } from '../store/predict-store.js';
import type { PredictionClass } from '../types.js';
import { exportChipDataset } from './chips.js';

const TCI = path.resolve('../shared/fixtures/cog/titiler/TCI.tif');
const BINARY: PredictionClass[] = [
  { index: 0, name: 'background', color: '#000000' },
  { index: 1, name: 'building', color: '#ff0000' },
];

/** Quadkeys of a cols × rows block of tiles at zoom z, from the tile holding (lng, lat). */
function block(lng: number, lat: number, z: number, cols: number, rows: number): string[] {
  const origin = tileAt(lng, lat, z);
  const out: string[] = [];
  for (let dy = 0; dy < rows; dy++) for (let dx = 0; dx < cols; dx++) out.push(quadkey({ z, x: origin.x + dx, y: origin.y + dy }));
  return out;
}

async function rejects(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TileflowError, `expected a TileflowError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

describe('prediction chip datasets', () => {
  let tmp: string;
  let tracking: Tracking;
  let store: PredictStore;
  let imagery: ImageryProvider;
  let projectId: string;
  let imageryId: string;
  let classificationId: string;
  let quadkeys: string[];
  /** Each reviewed tile's expected label without flipping (null: left out) and with flipping. */
  const expected = new Map<string, { plain: number | null; flipped: number }>();

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tileflow-chips-'));
    tracking = await openTracking({ databaseUrl: 'sqlite::memory:', artifactsRoot: path.join(tmp, 'artifacts') });
    store = await PredictStore.open(tracking.database);
    imagery = await openImagery(TCI);
    projectId = (await store.createProject({ name: 'chips' })).id;
    imageryId = (await store.createImagery(projectId, 'tci', TCI)).id;
    // 4 × 3 tiles at zoom 12 well inside the fixture.
    quadkeys = block(23.4, 32.2, 12, 4, 3);
    const prediction = await store.createPrediction({
      projectId, modelName: 'buildings', modelVersion: '1.0.0', imageryId, aoi: { tiles: [] }, zoom: 12, overlap: 0, task: 'classification', classes: BINARY, quadkeys,
    });
    classificationId = prediction.id;
    // Even tiles are buildings, odd ones background.
    await store.recordResults(classificationId, quadkeys.map((q, i) => ({ quadkey: q, scores: i % 2 ? [0.8, 0.2] : [0.1, 0.9] })));
    const reviews: [number, boolean][] = [[0, true], [2, true], [4, true], [1, true], [3, true], [6, false], [5, false]];
    for (const [i, valid] of reviews) {
      await store.addReview(classificationId, { target: 'tile', targetId: quadkeys[i], valid, reviewer: 'ana' });
      const predicted = i % 2 ? 0 : 1;
      expected.set(quadkeys[i], { plain: valid ? predicted : null, flipped: valid ? predicted : 1 - predicted });
    }
  });

  after(async () => {
    await imagery?.close();
    await tracking?.close();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('writes reviewed tiles as a classification dataset the dataset reader opens, pixels as the imagery tiles them', async () => {
    const output = path.join(tmp, 'reviewed');
    const result = await exportChipDataset(store, classificationId, imagery, { output, size: 64, seed: 7 });
    assert.equal(result.manifestPath, path.join(output, 'manifest.json'));
    assert.equal(result.chips, 5, 'the 5 valid reviews; invalid ones without flipping have no label');
    assert.deepEqual(result.perClass, { background: 2, building: 3 });

    const dataset = await openDataset(output);
    try {
      const { manifest } = dataset;
      assert.equal(manifest.task, 'classification');
      assert.equal(manifest.dtype, 'uint8');
      assert.equal(manifest.bands.length, 3);
      assert.deepEqual([manifest.height, manifest.width], [64, 64]);
      assert.deepEqual(manifest.classes.map((c) => [c.index, c.name, c.color]), BINARY.map((c) => [c.index, c.name, c.color]));
      assert.deepEqual(manifest.nodata, [0, 0, 0], 'the imagery nodata carries over');
      assert.equal(manifest.statistics?.bands.length, 3, 'band statistics computed');
      assert.equal(manifest.splits.method, 'stratified');
      assert.equal(manifest.splits.seed, 7);
      assert.equal(dataset.chips.length, 5);
      for (const [i, chip] of dataset.chips.entries()) {
        assert.equal(chip.label, expected.get(chip.id)?.plain, `chip ${chip.id} carries its reviewed label`);
        assert.ok(chip.split !== null, `chip ${chip.id} has a split`);
        assert.equal(chip.crs, 'EPSG:3857');
        const tile = tileFromQuadkey(chip.id);
        assert.deepEqual(chip.bounds, tileXyBounds(tile));
        const direct = await imagery.tile(tile.z, tile.x, tile.y, { size: 64 });
        const pixels = await dataset.readChip(i);
        assert.equal(pixels.length, 3 * 64 * 64);
        assert.deepEqual(Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength), Buffer.from(direct.data.buffer, direct.data.byteOffset, direct.data.byteLength), `chip ${chip.id} pixels`);
        assert.ok(direct.mask.some((v) => v > 0) && pixels.some((v) => v > 0), 'real imagery, not an empty tile');
      }
      // `tileflow train` reads through the loader: a batch of [N, C, H, W] float32.
      let seen = 0;
      for await (const batch of dataset.loader({ batchSize: 4, normalize: 'statistics', prefetch: 0 })) {
        assert.deepEqual(batch.shape.slice(1), [3, 64, 64]);
        seen += batch.shape[0];
      }
      assert.equal(seen, 5);
    } finally {
      await dataset.close();
    }
  });

  it('flips invalid tiles of a binary model, takes unreviewed ones when asked, and reads chosen bands', async () => {
    const flipped = await exportChipDataset(store, classificationId, imagery, { output: path.join(tmp, 'flipped'), size: 32, filter: { flipInvalid: true } });
    assert.equal(flipped.chips, 7);
    const dataset = await openDataset(path.join(tmp, 'flipped'));
    try {
      for (const chip of dataset.chips) assert.equal(chip.label, expected.get(chip.id)?.flipped, `chip ${chip.id}`);
    } finally {
      await dataset.close();
    }

    const all = await exportChipDataset(store, classificationId, imagery, { output: path.join(tmp, 'all'), size: 32, bands: [3, 1], filter: { reviewedOnly: false } });
    assert.equal(all.chips, 10, '12 tiles less the 2 invalid ones');
    const allSet = await openDataset(path.join(tmp, 'all'));
    try {
      assert.equal(allSet.manifest.bands.length, 2);
      const index = allSet.chips.findIndex((c) => c.id === quadkeys[11]);
      assert.equal(allSet.chips[index].label, 0, 'an unreviewed tile takes its predicted class');
      const tile = tileFromQuadkey(quadkeys[11]);
      const direct = await imagery.tile(tile.z, tile.x, tile.y, { size: 32, bands: [3, 1] });
      assert.deepEqual(Array.from(await allSet.readChip(index)), Array.from(direct.data), 'bands 3 and 1, in that order');
    } finally {
      await allSet.close();
    }

    const buildings = await exportChipDataset(store, classificationId, imagery, { output: path.join(tmp, 'buildings'), size: 16, filter: { classIndex: 1 } });
    assert.deepEqual(buildings.perClass, { background: 0, building: 3 });
  });

  it('writes segmentation masks resized nearest to the chip', async () => {
    const keys = block(23.6, 32.0, 12, 3, 1);
    const classes: PredictionClass[] = [...BINARY, { index: 2, name: 'road', color: '#888888' }];
    const prediction = await store.createPrediction({
      projectId, modelName: 'segment', modelVersion: '1.0.0', imageryId, aoi: { tiles: [] }, zoom: 12, overlap: 0, task: 'segmentation', classes, quadkeys: keys,
    });
    // 16 × 16 masks: class = (row + col + tile) % 3.
    const masks = keys.map((_, t) => Uint8Array.from({ length: 256 }, (_, p) => (Math.floor(p / 16) + (p % 16) + t) % 3));
    const pngs = await Promise.all(masks.map((m) => sharp(Buffer.from(m), { raw: { width: 16, height: 16, channels: 1 } }).png().toBuffer()));
    await store.recordResults(prediction.id, keys.map((q, t) => ({ quadkey: q, scores: [0.4, 0.3, 0.3], mask: pngs[t] })));
    await store.addReview(prediction.id, { target: 'tile', targetId: keys[0], valid: true, reviewer: 'ana' });
    await store.addReview(prediction.id, { target: 'tile', targetId: keys[1], valid: false, reviewer: 'ana' });

    const output = path.join(tmp, 'segmentation');
    const result = await exportChipDataset(store, prediction.id, imagery, { output, size: 32, filter: { reviewedOnly: false } });
    assert.equal(result.chips, 2, 'the invalid mask is left out');
    assert.deepEqual(result.perClass, { background: 2, building: 2, road: 2 });
    const dataset = await openDataset(output);
    try {
      assert.equal(dataset.manifest.task, 'segmentation');
      assert.deepEqual(dataset.chips.map((c) => c.id), [keys[0], keys[2]].sort());
      for (const [i, chip] of dataset.chips.entries()) {
        const t = keys.indexOf(chip.id);
        const mask = await dataset.readMask(i);
        const want = Uint8Array.from({ length: 32 * 32 }, (_, p) => masks[t][Math.floor(Math.floor(p / 32) / 2) * 16 + Math.floor((p % 32) / 2)]);
        assert.deepEqual(Array.from(mask), Array.from(want), `chip ${chip.id}: each mask pixel doubled`);
      }
    } finally {
      await dataset.close();
    }
  });

  it('refuses detection, a features layer, a bad size, an existing output and an empty result', async () => {
    const keys = block(23.6, 32.0, 12, 1, 1);
    const detection = await store.createPrediction({
      projectId, modelName: 'cars', modelVersion: '1.0.0', imageryId, aoi: { tiles: [] }, zoom: 12, overlap: 0, task: 'detection', classes: BINARY, quadkeys: keys,
    });
    await rejects(exportChipDataset(store, detection.id, imagery, { output: path.join(tmp, 'det'), size: 32 }), 'INVALID_PARAMETER_VALUE', /detection prediction is not supported yet/);
    await rejects(exportChipDataset(store, classificationId, imagery, { output: path.join(tmp, 'f'), size: 32, filter: { layer: 'features' } }), 'INVALID_PARAMETER_VALUE', /features layer/);
    await rejects(exportChipDataset(store, classificationId, imagery, { output: path.join(tmp, 's'), size: 0 }), 'INVALID_PARAMETER_VALUE', /size must be/);
    await rejects(exportChipDataset(store, classificationId, imagery, { output: path.join(tmp, 'reviewed'), size: 32 }), 'RESOURCE_ALREADY_EXISTS', /exists already/);
    await rejects(exportChipDataset(store, classificationId, imagery, { output: path.join(tmp, 'none'), size: 32, filter: { threshold: 2 } }), 'INVALID_PARAMETER_VALUE', /no tile .* made a chip/);
    const left = (await fs.readdir(tmp)).filter((f) => /^(det|f|s|none)(\.|$)/.test(f));
    assert.deepEqual(left, [], 'nothing left behind');

    // A tile outside the imagery is all nodata and makes no chip.
    const far = quadkey(tileAt(10, 45, 12));
    const outside = await store.createPrediction({
      projectId, modelName: 'buildings', modelVersion: '1.0.0', imageryId, aoi: { tiles: [] }, zoom: 12, overlap: 0, task: 'classification', classes: BINARY, quadkeys: [far, keys[0]],
    });
    await store.recordResults(outside.id, [{ quadkey: far, scores: [0.2, 0.8] }, { quadkey: keys[0], scores: [0.2, 0.8] }]);
    const result = await exportChipDataset(store, outside.id, imagery, { output: path.join(tmp, 'outside'), size: 16, filter: { reviewedOnly: false } });
    assert.equal(result.chips, 1);
  });
});
