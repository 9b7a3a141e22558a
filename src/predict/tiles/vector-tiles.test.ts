// Vector tiles of predictions in a real PredictStore (SQLite in memory), decoded with @mapbox/vector-tile:
// layers, per-tile properties and review colours, aggregation below the prediction's zoom, filters.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { VectorTile, type VectorTileLayer } from '@mapbox/vector-tile';
import { PbfReader } from 'pbf';
import { quadkey, tileAt, tileBounds } from '../../geo/tiles.js';
import { openTracking, type Tracking } from '../../track/service.js';
import { PredictStore } from '../store/predict-store.js';
import type { Prediction } from '../types.js';
import { predictionVectorTile } from './vector-tiles.js';

const ZOOM = 12;
// A 4 x 4 block of zoom-12 tiles in Berlin, aligned so that it is one zoom-10 tile.
const corner = tileAt(13.4, 52.52, ZOOM);
const X0 = corner.x - (corner.x % 4);
const Y0 = corner.y - (corner.y % 4);
/** Tile i of the block, row by row. */
const blockTile = (i: number) => ({ x: X0 + (i % 4), y: Y0 + Math.floor(i / 4), z: ZOOM });
const QUADKEYS = Array.from({ length: 16 }, (_, i) => quadkey(blockTile(i)));
/** Tile i's building score. */
const buildingScore = (i: number) => i / 15;

function decode(bytes: Uint8Array): VectorTile {
  return new VectorTile(new PbfReader(bytes));
}

function features(layer: VectorTileLayer | undefined): Record<string, unknown>[] {
  return layer ? Array.from({ length: layer.length }, (_, i) => ({ ...layer.feature(i).properties })) : [];
}

describe('prediction vector tiles', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-predict-mvt-'));
  let tracking: Tracking;
  let store: PredictStore;
  let classification: Prediction;
  let detection: Prediction;

  before(async () => {
    tracking = await openTracking({ databaseUrl: 'sqlite::memory:', artifactsRoot: dir });
    store = await PredictStore.open(tracking.database);
    const project = await store.createProject({ name: 'buildings' });
    const common = { projectId: project.id, modelName: 'm', modelVersion: '1', imageryId: 'img', aoi: { tiles: [] }, zoom: ZOOM, overlap: 0, quadkeys: QUADKEYS };
    classification = await store.createPrediction({
      ...common,
      task: 'classification',
      classes: [
        { index: 0, name: 'no_building', color: '#000000' },
        { index: 1, name: 'building', color: '#ff0000' },
      ],
    });
    // Tile 15 stays pending: it has no result and must not be drawn.
    await store.recordResults(classification.id, QUADKEYS.slice(0, 15).map((q, i) => ({ quadkey: q, scores: [1 - buildingScore(i), buildingScore(i)] })));
    detection = await store.createPrediction({
      ...common,
      task: 'detection',
      classes: [
        { index: 0, name: 'car', color: '#ff0000' },
        { index: 1, name: 'truck', color: '#0000ff' },
      ],
    });
    // One box in the middle of each of the first four tiles: car, truck, car, truck, scores 0.5 to 0.8.
    await store.recordResults(
      detection.id,
      QUADKEYS.map((q, i) => {
        const [w, s, e, n] = tileBounds(blockTile(i));
        const [dx, dy] = [(e - w) / 4, (n - s) / 4];
        const box = [[[w + dx, s + dy], [e - dx, s + dy], [e - dx, n - dy], [w + dx, n - dy], [w + dx, s + dy]]];
        return { quadkey: q, scores: [0.5, 0.5], features: i < 4 ? [{ classIndex: i % 2, score: 0.5 + i / 10, geometry: { type: 'Polygon', coordinates: box } }] : [] };
      }),
    );
  });
  after(async () => {
    await tracking.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('at the prediction zoom: one square per tile with scores, classes and the unreviewed colour', async () => {
    const tile = blockTile(9);
    const vt = decode(await predictionVectorTile(store, classification, tile.z, tile.x, tile.y));
    assert.deepEqual(Object.keys(vt.layers), ['tiles'], 'a classification has no features layer');
    const [props] = features(vt.layers.tiles);
    assert.equal(vt.layers.tiles.length, 1);
    assert.equal(props.quadkey, QUADKEYS[9]);
    assert.equal(props.class, 1);
    assert.equal(props.class_name, 'building');
    assert.ok(Math.abs((props.score as number) - 9 / 15) < 1e-6, `score ${props.score}`);
    assert.ok(Math.abs((props.building as number) - 9 / 15) < 1e-6, `building ${props.building}`);
    assert.ok(Math.abs((props.no_building as number) - 6 / 15) < 1e-6, `no_building ${props.no_building}`);
    assert.equal(props.review, 'unreviewed');
    assert.equal(props.color, '#d62728');
    // The square is the tile: its outer ring spans the tile's bounds.
    const geometry = vt.layers.tiles.feature(0).toGeoJSON(tile.x, tile.y, tile.z).geometry as { coordinates: number[][][] };
    const ring = geometry.coordinates[0];
    const [w, s, e, n] = tileBounds(tile);
    const near = (a: number, b: number) => Math.abs(a - b) < (e - w) / 1000;
    assert.ok(ring.some(([lng]) => near(lng, w)) && ring.some(([lng]) => near(lng, e)), `the ring spans west to east: ${JSON.stringify(ring)}`);
    assert.ok(ring.some(([, lat]) => near(lat, s)) && ring.some(([, lat]) => near(lat, n)), `the ring spans south to north: ${JSON.stringify(ring)}`);
  });

  test('reviews turn a tile green (valid) or white (invalid)', async () => {
    await store.addReview(classification.id, { target: 'tile', targetId: QUADKEYS[5], valid: true, reviewer: 'ana' });
    await store.addReview(classification.id, { target: 'tile', targetId: QUADKEYS[6], valid: false, reviewer: 'ana' });
    const of = async (i: number) => features(decode(await predictionVectorTile(store, classification, ZOOM, blockTile(i).x, blockTile(i).y)).layers.tiles)[0];
    assert.deepEqual([(await of(5)).review, (await of(5)).color], ['valid', '#2ca02c']);
    assert.deepEqual([(await of(6)).review, (await of(6)).color], ['invalid', '#ffffff']);
    assert.equal((await of(7)).review, 'unreviewed');
  });

  test('zoomed in past the prediction: the covering tile, whole', async () => {
    const tile = blockTile(3);
    const child = { z: ZOOM + 2, x: tile.x * 4 + 3, y: tile.y * 4 + 1 };
    const vt = decode(await predictionVectorTile(store, classification, child.z, child.x, child.y));
    assert.deepEqual(features(vt.layers.tiles).map((p) => p.quadkey), [QUADKEYS[3]]);
  });

  test('below the prediction zoom: squares six zooms down with counts and mean scores', async () => {
    // At zoom 5, squares are zoom-11 tiles: four of them, each over a 2 x 2 quarter of the block.
    const z5 = { z: 5, x: X0 >> 7, y: Y0 >> 7 };
    const groups = features(decode(await predictionVectorTile(store, classification, z5.z, z5.x, z5.y)).layers.tiles);
    assert.equal(groups.length, 4);
    const byQuadkey = new Map(groups.map((g) => [g.quadkey, g]));
    const quarter = (first: number) => [first, first + 1, first + 4, first + 5];
    for (const [first, done] of [[0, 4], [2, 4], [8, 4], [10, 3]] as const) {
      const members = quarter(first).filter((i) => i < 15);
      const group = byQuadkey.get(QUADKEYS[first].slice(0, 11));
      assert.ok(group, `a square over tiles ${members}`);
      assert.equal(group.count, done, `tile 15 is pending and not counted (${first})`);
      const mean = members.reduce((sum, i) => sum + buildingScore(i), 0) / members.length;
      assert.ok(Math.abs((group.building as number) - mean) < 1e-6, `mean building score ${group.building} vs ${mean}`);
      assert.equal(group.class, mean > 0.5 ? 1 : 0);
    }
    // Tiles 5 (valid) and 6 (invalid) are in the first and second quarters.
    assert.deepEqual([byQuadkey.get(QUADKEYS[0].slice(0, 11))!.reviewed, byQuadkey.get(QUADKEYS[0].slice(0, 11))!.valid], [1, 1]);
    assert.deepEqual([byQuadkey.get(QUADKEYS[2].slice(0, 11))!.reviewed, byQuadkey.get(QUADKEYS[2].slice(0, 11))!.valid], [1, 0]);
    assert.equal(byQuadkey.get(QUADKEYS[0].slice(0, 11))!.color, '#d62728', 'a partly reviewed square reads unreviewed');
    // At zoom 4 the squares are zoom-10 tiles: the whole block in one.
    const z4 = decode(await predictionVectorTile(store, classification, 4, X0 >> 8, Y0 >> 8));
    const [all] = features(z4.layers.tiles);
    assert.equal(z4.layers.tiles.length, 1);
    assert.equal(all.count, 15);
    assert.equal(all.quadkey, QUADKEYS[0].slice(0, 10));
  });

  test('an empty map tile is zero bytes', async () => {
    const far = tileAt(-70, -30, ZOOM);
    assert.equal((await predictionVectorTile(store, classification, far.z, far.x, far.y)).length, 0);
    assert.equal((await predictionVectorTile(store, classification, 2, 0, 3)).length, 0);
    // Tile 15 exists but is pending.
    assert.equal((await predictionVectorTile(store, classification, ZOOM, blockTile(15).x, blockTile(15).y)).length, 0);
  });

  test('class and threshold filter tiles, squares and features alike', async () => {
    const z4 = (options: { classIndex?: number; minScore?: number }) =>
      predictionVectorTile(store, classification, 4, X0 >> 8, Y0 >> 8, options).then((b) => features(decode(b).layers.tiles));
    assert.equal((await z4({ classIndex: 1 }))[0].count, 7, 'tiles 8 to 14 have building on top');
    assert.equal((await z4({ classIndex: 0 }))[0].count, 8);
    // Top score ≥ 0.9: tiles 0 and 1 (no_building 1 and 0.93) and 14 (building 0.93).
    assert.equal((await z4({ minScore: 0.9 }))[0].count, 3);
    assert.equal((await z4({ classIndex: 1, minScore: 0.9 }))[0].count, 1);
    const hidden = await predictionVectorTile(store, classification, ZOOM, blockTile(2).x, blockTile(2).y, { classIndex: 1 });
    assert.equal(hidden.length, 0, 'tile 2 has no_building on top');
    await assert.rejects(predictionVectorTile(store, classification, ZOOM, X0, Y0, { classIndex: 2 }), /class 2 is not one of the model's classes/);
    await assert.rejects(predictionVectorTile(store, classification, ZOOM, X0, Y0, { minScore: 1.5 }), /threshold 1.5 is out of range/);
    // Features: at zoom 10 the four boxes; filtered by class and score.
    const z10 = (options: { classIndex?: number; minScore?: number }) =>
      predictionVectorTile(store, detection, 10, X0 >> 2, Y0 >> 2, options).then((b) => features(decode(b).layers.features));
    assert.equal((await z10({})).length, 4);
    assert.deepEqual((await z10({ classIndex: 1 })).map((f) => f.class_name), ['truck', 'truck']);
    assert.deepEqual((await z10({ minScore: 0.65 })).map((f) => f.score), [0.7, 0.8]);
    assert.deepEqual((await z10({ classIndex: 0, minScore: 0.65 })).map((f) => [f.class_name, f.score]), [['car', 0.7]]);
    assert.equal((await z10({ classIndex: 0, minScore: 0.95 })).length, 0);
  });

  test('features: boxes with id, class, score and review colour; the tiles layer beside them', async () => {
    const tile = blockTile(1);
    const vt = decode(await predictionVectorTile(store, detection, tile.z, tile.x, tile.y));
    assert.deepEqual(Object.keys(vt.layers).sort(), ['features', 'tiles']);
    const [box] = features(vt.layers.features);
    assert.equal(vt.layers.features.length, 1, 'only the box of this tile');
    const [stored] = await store.listFeatures(detection.id, { quadkeyPrefix: QUADKEYS[1] });
    assert.equal(vt.layers.features.feature(0).id, stored.id);
    assert.deepEqual(
      { id: box.id, class: box.class, class_name: box.class_name, score: box.score, review: box.review, color: box.color },
      { id: stored.id, class: 1, class_name: 'truck', score: 0.6, review: 'unreviewed', color: '#d62728' },
    );
    await store.addReview(detection.id, { target: 'feature', targetId: String(stored.id), valid: true, reviewer: 'ana' });
    const after = features(decode(await predictionVectorTile(store, detection, tile.z, tile.x, tile.y)).layers.features)[0];
    assert.deepEqual([after.review, after.color], ['valid', '#2ca02c']);
    // The box sits in the middle half of the tile.
    const geometry = vt.layers.features.feature(0).toGeoJSON(tile.x, tile.y, tile.z).geometry as { coordinates: number[][][] };
    const [w, , e] = tileBounds(tile);
    const lngs = geometry.coordinates[0].map(([lng]) => lng);
    assert.ok(Math.abs(Math.min(...lngs) - (w + (e - w) / 4)) < (e - w) / 500, `west edge of the box ${Math.min(...lngs)}`);
  });

  test('bad tiles are invalid parameters', async () => {
    await assert.rejects(predictionVectorTile(store, classification, ZOOM, 4096, 0), /out of range/);
    await assert.rejects(predictionVectorTile(store, classification, 25, 0, 0), /they go to zoom 24/);
    await assert.rejects(predictionVectorTile(store, classification, 1.5, 0, 0), /zoom 1.5 is out of range/);
  });
});
