// Aggregation by quadkey prefix over a real PredictStore (SQLite in memory): counts, mean scores, reviews,
// filters, the zoom range; and the bounds of a prediction's tiles.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { quadkey, tileBounds } from '../../geo/tiles.js';
import { openTracking, type Tracking } from '../../track/service.js';
import { PredictStore } from '../store/predict-store.js';
import type { Prediction } from '../types.js';
import { aggregateByQuadkey, predictionBounds } from './aggregate.js';

const ZOOM = 12;
// A 4 x 4 block of zoom-12 tiles over Nairobi, one zoom-10 tile.
const X0 = 2464;
const Y0 = 2064;
const blockTile = (i: number) => ({ x: X0 + (i % 4), y: Y0 + Math.floor(i / 4), z: ZOOM });
const QUADKEYS = Array.from({ length: 16 }, (_, i) => quadkey(blockTile(i)));
/** Three classes; tile i scores [a, b, c] with b = i / 20 and c = 0.1. */
const scoresOf = (i: number) => [0.9 - i / 20, i / 20, 0.1];

describe('aggregateByQuadkey', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-predict-agg-'));
  let tracking: Tracking;
  let store: PredictStore;
  let prediction: Prediction;

  before(async () => {
    tracking = await openTracking({ databaseUrl: 'sqlite::memory:', artifactsRoot: dir });
    store = await PredictStore.open(tracking.database);
    const project = await store.createProject({ name: 'land cover' });
    prediction = await store.createPrediction({
      projectId: project.id,
      modelName: 'm',
      modelVersion: '2',
      imageryId: 'img',
      aoi: { tiles: [] },
      zoom: ZOOM,
      overlap: 0,
      task: 'classification',
      classes: [
        { index: 0, name: 'bare', color: '#aaaaaa' },
        { index: 1, name: 'crop', color: '#00ff00' },
        { index: 2, name: 'water', color: '#0000ff' },
      ],
      quadkeys: QUADKEYS,
    });
    await store.recordResults(prediction.id, QUADKEYS.map((q, i) => ({ quadkey: q, scores: scoresOf(i) })));
    await store.addReview(prediction.id, { target: 'tile', targetId: QUADKEYS[0], valid: true, reviewer: 'kim' });
    await store.addReview(prediction.id, { target: 'tile', targetId: QUADKEYS[1], valid: false, reviewer: 'kim' });
    await store.addReview(prediction.id, { target: 'tile', targetId: QUADKEYS[15], valid: true, reviewer: 'kim' });
  });
  after(async () => {
    await tracking.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('one zoom up: four groups of four with their mean scores and reviews', async () => {
    const groups = await aggregateByQuadkey(store, prediction, ZOOM - 1);
    assert.deepEqual(groups.map((g) => g.quadkey), [0, 2, 8, 10].map((i) => QUADKEYS[i].slice(0, 11)), 'sorted by quadkey, NW NE SW SE');
    const members = [[0, 1, 4, 5], [2, 3, 6, 7], [8, 9, 12, 13], [10, 11, 14, 15]];
    groups.forEach((group, g) => {
      assert.equal(group.count, 4);
      const mean = [0, 1, 2].map((c) => members[g].reduce((sum, i) => sum + scoresOf(i)[c], 0) / 4);
      group.meanScores.forEach((m, c) => assert.ok(Math.abs(m - mean[c]) < 1e-6, `group ${g} class ${c}: ${m} vs ${mean[c]}`));
      assert.equal(group.topClass, mean[1] > mean[0] ? 1 : 0);
    });
    assert.deepEqual(groups.map((g) => [g.reviewed, g.valid]), [[2, 1], [0, 0], [0, 0], [1, 1]]);
  });

  test('at the prediction zoom every tile is its own group; further up one group holds all', async () => {
    const own = await aggregateByQuadkey(store, prediction, ZOOM);
    assert.equal(own.length, 16);
    assert.ok(own.every((g) => g.count === 1), 'one tile each');
    const top = await aggregateByQuadkey(store, prediction, 3);
    assert.equal(top.length, 1);
    assert.equal(top[0].count, 16);
    assert.equal(top[0].quadkey, QUADKEYS[0].slice(0, 3));
    assert.ok(Math.abs(top[0].meanScores[1] - 7.5 / 20) < 1e-6, `mean crop score ${top[0].meanScores[1]}`);
    assert.deepEqual((await aggregateByQuadkey(store, prediction, 0)).map((g) => [g.quadkey, g.count]), [['', 16]]);
  });

  test('filters and a quadkey prefix narrow the tiles summed up', async () => {
    // Crop is on top where i / 20 > 0.9 - i / 20: tiles 10 to 15 (tile 9 ties, and the first class wins).
    const crop = await aggregateByQuadkey(store, prediction, 10, { classIndex: 1 });
    assert.equal(crop[0].count, 6);
    const sure = await aggregateByQuadkey(store, prediction, 10, { minScore: 0.7 });
    // Top score ≥ 0.7: bare for tiles 0 to 4 (0.9 to 0.7), crop for 14 and 15 (0.7, 0.75).
    assert.equal(sure[0].count, 7);
    const nw = await aggregateByQuadkey(store, prediction, 12, { quadkeyPrefix: QUADKEYS[0].slice(0, 11) });
    assert.deepEqual(nw.map((g) => g.quadkey), [0, 1, 4, 5].map((i) => QUADKEYS[i]));
  });

  test('a zoom deeper than the prediction or not a whole number is an invalid parameter', async () => {
    await assert.rejects(aggregateByQuadkey(store, prediction, 13), { code: 'INVALID_PARAMETER_VALUE', message: /zoom 13 is out of range/ });
    await assert.rejects(aggregateByQuadkey(store, prediction, -1), { code: 'INVALID_PARAMETER_VALUE' });
    await assert.rejects(aggregateByQuadkey(store, prediction, 2.5), { code: 'INVALID_PARAMETER_VALUE' });
    await assert.rejects(aggregateByQuadkey(store, prediction, 10, { quadkeyPrefix: '01x' }), { code: 'INVALID_PARAMETER_VALUE' });
  });

  test('bounds: the union of the tiles', async () => {
    const [west, , , north] = tileBounds(blockTile(0));
    const [, south, east] = tileBounds(blockTile(15));
    assert.deepEqual(await predictionBounds(store, prediction), [west, south, east, north]);
  });
});
