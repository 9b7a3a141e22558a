// The end-to-end flow with a model trained by tileflow: train the EuroSAT CNN on real EuroSAT
// chips and register it; add it to a project; predict over a polygon AOI from a Sentinel-2 COG; fetch
// TileJSON and a vector tile; review tiles; export GeoJSON and a chip dataset; retrain on the reviews
// into a new model version whose minor version is bumped. Real libtorch, ONNX Runtime, GDAL, SQLite.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { VectorTile } from '@mapbox/vector-tile';
import type { FastifyInstance } from 'fastify';
import { PbfReader } from 'pbf';
import { openDataset } from '../../data/datasets/dataset.js';
import { openImagery } from '../../data/raster/registry.js';
import { parseTrainConfig } from '../../deep/train/config.js';
import { runTrainingPipeline } from '../../deep/train/pipeline.js';
import { exportChipDataset } from '../../predict/export/chips.js';
import { PredictService } from '../../predict/service.js';
import { startTrackedRun } from '../../track/recorder.js';
import { openTracking, type Tracking } from '../../track/service.js';
import { buildApp } from '../app.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const EUROSAT = path.resolve(ROOT, '../shared/fixtures/eurosat/eotdl/EuroSAT-RGB-small');
const TCI = path.resolve(ROOT, '../shared/fixtures/cog/titiler/TCI.tif');

let tmp: string;
let tracking: Tracking;
let predict: PredictService;
let app: FastifyInstance;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-predict-trained-'));
  tracking = await openTracking({ databaseUrl: `sqlite:${path.join(tmp, 'tileflow.db')}`, artifactsRoot: path.join(tmp, 'artifacts') });
  predict = await PredictService.open({ tracking, workDir: path.join(tmp, 'work') });
  app = await buildApp({ tracking, predict });
});

after(async () => {
  await app?.close();
  await predict?.close();
  await tracking?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function json(method: 'GET' | 'POST', url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : null };
}

test('train, register, predict over a polygon from a COG, serve tiles, review, export, retrain', async () => {
  const raw = {
    experiment: 'eurosat',
    data: { folder: EUROSAT, split: { method: 'stratified', val: 0.2, test: 0.2, seed: 7 } },
    model: { arch: 'eurosat-cnn', dropout: 0.1 },
    training: { batch_size: 8, epochs: 2, learning_rate: 0.001, optimizer: 'adam', loss: 'categorical_crossentropy', threads: 2, seed: 7 },
    register: 'eurosat-cnn',
    output: 'train',
  };
  const config = parseTrainConfig(raw, tmp, path.join(tmp, 'train'));
  const trained = await runTrainingPipeline(config, await startTrackedRun(tracking, { experiment: 'eurosat' }));
  assert.deepEqual(trained.modelVersion, { name: 'eurosat-cnn', version: '1' });

  const project = (await json('POST', '/api/projects', { name: 'libya', source: 'EuroSAT CNN trained by tileflow' })).body;
  const added = await json('POST', `/api/projects/${project.id}/models`, { name: 'eurosat-cnn', version: '1' });
  assert.equal(added.status, 201, JSON.stringify(added.body));
  assert.equal(added.body.mlm.properties['mlm:output'][0]['classification:classes'].length, 10);
  const imagery = (await json('POST', `/api/projects/${project.id}/imagery`, { name: 'tci', uri: TCI })).body;
  const aoi = { type: 'Polygon', coordinates: [[[23.45, 31.75], [23.8, 31.75], [23.8, 32.1], [23.45, 32.1], [23.45, 31.75]]] };
  const started = await json('POST', `/api/projects/${project.id}/predictions`, { model: 'eurosat-cnn', version: '1', imageryId: imagery.id, aoi, zoom: 12 });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  await predict.idle();
  const prediction = (await json('GET', `/api/predictions/${started.body.id}`)).body;
  assert.equal(prediction.status, 'succeeded', JSON.stringify(prediction));
  assert.equal(prediction.tilesDone, prediction.tilesTotal);
  assert.ok(prediction.tilesTotal >= 12, `the polygon covers ${prediction.tilesTotal} tiles at zoom 12`);

  const tilejson = (await json('GET', `/api/predictions/${prediction.id}/tiles.json`)).body;
  assert.equal(tilejson.tilejson, '3.0.0');
  const tiles = (await json('GET', `/api/predictions/${prediction.id}/tile-results`)).body.tiles as { quadkey: string; x: number; y: number; scores: number[]; topClass: number }[];
  assert.ok(tiles.every((t) => Math.abs(t.scores.reduce((a, b) => a + b, 0) - 1) < 1e-3), 'class scores are probabilities');
  const mvt = await app.inject({ method: 'GET', url: `/api/predictions/${prediction.id}/tiles/12/${tiles[0].x}/${tiles[0].y}.mvt` });
  const layer = new VectorTile(new PbfReader(new Uint8Array(mvt.rawPayload))).layers.tiles;
  assert.ok(layer && layer.length >= 1, 'the vector tile shows the prediction tile');
  assert.equal(layer.feature(0).properties.review, 'unreviewed');

  // Review every tile: most valid, two invalid; a multi-class model's invalid tiles are left out of training.
  for (const [i, tile] of tiles.entries()) {
    const review = await json('POST', `/api/predictions/${prediction.id}/reviews`, { target: 'tile', targetId: tile.quadkey, valid: i >= 2, reviewer: 'reviewer' });
    assert.equal(review.status, 201);
  }
  const reviewed = new VectorTile(new PbfReader(new Uint8Array((await app.inject({ method: 'GET', url: `/api/predictions/${prediction.id}/tiles/12/${tiles[0].x}/${tiles[0].y}.mvt` })).rawPayload))).layers.tiles;
  assert.equal(reviewed.feature(0).properties.review, 'invalid');
  const exported = await app.inject({ method: 'GET', url: `/api/predictions/${prediction.id}/export?format=geojson&reviewedOnly=true&flipInvalid=true` });
  assert.equal(JSON.parse(exported.body).features.length, tiles.length - 2);

  const provider = await openImagery(TCI);
  try {
    const chips = await exportChipDataset(predict.store, prediction.id, provider, { output: path.join(tmp, 'chips'), size: 64, filter: { reviewedOnly: true, flipInvalid: true } });
    assert.equal(chips.chips, tiles.length - 2);
    const dataset = await openDataset(path.join(tmp, 'chips'));
    assert.equal(dataset.manifest.classes.length, 10);
    await dataset.close();
  } finally {
    await provider.close();
  }

  const job = await json('POST', `/api/predictions/${prediction.id}/retrain`, { epochs: 1 });
  assert.equal(job.status, 202, JSON.stringify(job.body));
  await predict.idle();
  const finished = (await json('GET', `/api/retrain-jobs/${job.body.jobId}`)).body;
  assert.equal(finished.state, 'finished', JSON.stringify(finished));
  assert.equal(finished.result.version, '2');
  assert.equal(finished.result.semver, '1.1.0');
  const version = await tracking.registry.getModelVersion('eurosat-cnn', '2');
  assert.ok(version.tags.some((t) => t.key === 'tileflow.semver' && t.value === '1.1.0'), 'the new version is 1.1.0');
  assert.ok(version.tags.some((t) => t.key === 'tileflow.parent_version' && t.value === '1'), 'and names its parent');
  const retrainRun = await tracking.runs.getRun(finished.result.runId);
  assert.equal(retrainRun.info.status, 'FINISHED');
  assert.ok(retrainRun.data.params.some((p) => p.key === 'train_chips'), 'the retraining is a tracked training run');
  const models = (await json('GET', `/api/projects/${project.id}/models`)).body.models as { version: string }[];
  assert.deepEqual(models.map((m) => m.version).sort(), ['1', '2'], 'the new version joined the project');
  assert.equal((await json('GET', '/api/retrain-jobs/nope')).status, 404);
});
