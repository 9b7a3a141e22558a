// The prediction store on both backends (SQLite and a real PostgreSQL): projects, per-tile results by
// quadkey with masks (blobs), features replaced on re-record, counts, prefix and range queries,
// reviews (the latest judgement wins), statistics, the active-learning queue, and cascading deletes.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { quadkey, tilesUnder } from '../../geo/tiles.js';
import { openTracking, type Tracking } from '../../track/service.js';
import { createTestDatabase, tempDir, TEST_BACKENDS, type TestDatabase } from '../../../test/support/databases.js';
import { PredictStore, uncertainty } from './predict-store.js';

const CLASSES = [
  { index: 0, name: 'land', color: '#c2a36b' },
  { index: 1, name: 'water', color: '#1f77b4' },
];

for (const backend of TEST_BACKENDS) {
  describe(`PredictStore on ${backend}`, () => {
    let database: TestDatabase;
    let tracking: Tracking;
    let store: PredictStore;
    const artifacts = tempDir();

    const open = async () => {
      database = await createTestDatabase(backend);
      tracking = await openTracking({ databaseUrl: database.url, artifactsRoot: artifacts.path });
      store = await PredictStore.open(tracking.database);
    };
    after(async () => {
      await tracking?.close();
      await database?.drop();
      artifacts.cleanup();
    });

    test('results by quadkey: record, replace, count, query and review', async () => {
      await open();
      // Opening twice migrates nothing twice.
      await PredictStore.open(tracking.database);
      const project = await store.createProject({ name: 'p', access: 'public', tags: { team: 'maps' } });
      await assert.rejects(store.createProject({ name: 'p' }), /exists already/);
      const tiles = tilesUnder({ z: 8, x: 140, y: 100 }, 10).map(quadkey);
      assert.equal(tiles.length, 16);
      const prediction = await store.createPrediction({
        projectId: project.id, modelName: 'm', modelVersion: '1', imageryId: 'i', aoi: { tiles: ['140-100-8'] }, zoom: 10, overlap: 0,
        task: 'segmentation', classes: CLASSES, quadkeys: tiles,
      });
      assert.equal(prediction.tilesTotal, 16);
      assert.equal((await store.tilesToPredict(prediction.id, 3)).length, 16);

      const mask = new Uint8Array([137, 80, 78, 71, 0, 1, 2, 255]);
      const polygon = { type: 'Polygon', coordinates: [[[1, 1], [2, 1], [2, 2], [1, 2], [1, 1]]] };
      await store.recordResults(prediction.id, tiles.slice(0, 10).map((q, i) => ({ quadkey: q, scores: [i / 10, 1 - i / 10], mask, features: [{ classIndex: 1, score: 0.9, geometry: polygon }] })));
      await store.recordFailures(prediction.id, [{ quadkey: tiles[10], error: 'HTTP 404' }]);
      let current = await store.getPrediction(prediction.id);
      assert.equal(current.tilesDone, 10);
      assert.equal(current.tilesFailed, 1);
      assert.deepEqual(Buffer.from((await store.getMask(prediction.id, tiles[0]))!), Buffer.from(mask), 'the mask blob round-trips');
      assert.equal((await store.listFeatures(prediction.id)).length, 10);

      // Recording a tile again (a resumed run) replaces its features instead of adding to them.
      await store.recordResults(prediction.id, [{ quadkey: tiles[0], scores: [0.5, 0.5], features: [] }]);
      assert.equal((await store.listFeatures(prediction.id)).length, 9);
      assert.equal((await store.getPrediction(prediction.id)).tilesDone, 10);
      const todo = await store.tilesToPredict(prediction.id, 3);
      assert.equal(todo.length, 6, 'pending tiles plus the failed one, not the done ones');
      assert.ok(todo.includes(tiles[10]));
      await store.recordFailures(prediction.id, [{ quadkey: tiles[10], error: 'HTTP 404' }, { quadkey: tiles[10], error: 'HTTP 404' }]);
      assert.ok(!(await store.tilesToPredict(prediction.id, 3)).includes(tiles[10]), 'a tile that failed 3 times is not tried again');
      assert.equal((await store.getTile(prediction.id, tiles[10])).error, 'HTTP 404');

      // Prefix and range queries.
      const prefix = tiles[0].slice(0, 9);
      const under = await store.listTiles(prediction.id, { quadkeyPrefix: prefix });
      assert.ok(under.length > 0 && under.every((t) => t.quadkey.startsWith(prefix)), 'prefix query');
      await assert.rejects(store.listTiles(prediction.id, { quadkeyPrefix: '12x' }), /quadkey/);
      const bbox = await store.listFeatures(prediction.id, { bbox: [1.5, 1.5, 3, 3] });
      assert.equal(bbox.length, 9);
      assert.equal((await store.listFeatures(prediction.id, { bbox: [5, 5, 6, 6] })).length, 0);

      // Reviews: the latest judgement counts; statistics; the queue skips reviewed tiles.
      await assert.rejects(store.addReview(prediction.id, { target: 'tile', targetId: tiles[12], valid: true, reviewer: 'a' }), /no prediction to review/);
      assert.equal(await store.lastReviewId(prediction.id), 0, 'no review yet');
      await store.addReview(prediction.id, { target: 'tile', targetId: tiles[1], valid: false, reviewer: 'a' });
      await store.addReview(prediction.id, { target: 'tile', targetId: tiles[1], valid: true, reviewer: 'b' });
      const last = await store.addReview(prediction.id, { target: 'tile', targetId: tiles[2], valid: false, reviewer: 'a' });
      assert.equal(await store.lastReviewId(prediction.id), last.id, 'the newest review, a number on every backend');
      const stats = await store.reviewStatistics(prediction.id);
      assert.equal(stats.reviewed, 2);
      assert.equal(stats.valid, 1);
      assert.equal(stats.precision, 0.5);
      assert.equal(stats.tiles, 10);
      const queue = await store.reviewQueue(prediction.id, { limit: 20 });
      assert.equal(queue.length, 8);
      assert.equal(queue[0].quadkey, tiles[0], 'the 50/50 tile is the most uncertain');
      const byMargin = await store.reviewQueue(prediction.id, { strategy: 'margin', limit: 1 });
      assert.equal(byMargin[0].quadkey, tiles[0]);
      await assert.rejects(store.reviewQueue(prediction.id, { strategy: 'random' as never }), /strategy/);
      await assert.rejects(store.addReview(prediction.id, { target: 'tile', targetId: tiles[3], valid: 'yes' as never, reviewer: 'a' }), /valid/);
      await assert.rejects(store.addReview(prediction.id, { target: 'tile', targetId: tiles[3], valid: true, reviewer: 'a', classIndex: 7 }), /class 7/);

      // Statuses: a final status is kept.
      await store.setStatus(prediction.id, 'running');
      current = await store.setStatus(prediction.id, 'cancelled');
      assert.ok(current.finished, 'a cancelled prediction has an end time');
      await assert.rejects(store.setStatus(prediction.id, 'running'), /cancelled/);

      // Deleting the project deletes its predictions, tiles, features and reviews.
      await store.deleteProject(project.id);
      await assert.rejects(store.getPrediction(prediction.id), /no prediction/);
      assert.equal((await store.listFeatures(prediction.id)).length, 0);
    });
  });
}

test('uncertainty: entropy in nats and the margin between the top two scores', () => {
  const even = uncertainty([0.5, 0.5]);
  assert.ok(Math.abs(even.entropy - Math.log(2)) < 1e-12, `entropy ${even.entropy}`);
  assert.equal(even.margin, 1);
  const sure = uncertainty([0, 1, 0]);
  assert.equal(sure.top, 1);
  assert.equal(sure.entropy, 0);
  assert.equal(sure.margin, 0);
});
