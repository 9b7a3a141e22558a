// The prediction service end to end over HTTP (Fastify inject on the real app, real SQLite, GDAL,
// ONNX Runtime): an ONNX model made outside tileflow (PyTorch, test/fixtures/predict) is uploaded with
// its MLM item, predicts over a polygon AOI from a Sentinel-2 COG, and its results are served as
// TileJSON, vector and PNG tiles, reviewed, queued for review and exported; bad input is refused.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { VectorTile } from '@mapbox/vector-tile';
import type { FastifyInstance } from 'fastify';
import { PbfReader } from 'pbf';
import sharp from 'sharp';
import { PredictService } from '../../predict/service.js';
import { openTracking, type Tracking } from '../../track/service.js';
import { buildApp } from '../app.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const TCI = path.resolve(ROOT, '../shared/fixtures/cog/titiler/TCI.tif');
const FIXTURES = path.join(ROOT, 'test/fixtures/predict');
const ONNX = fs.readFileSync(path.join(FIXTURES, 'water-segmenter.onnx'));
const MLM = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'water-segmenter.mlm.json'), 'utf8'));

/** A polygon across the Libyan coast in the TCI scene: sea in the north, desert in the south. */
const COAST = {
  type: 'Feature',
  properties: {},
  geometry: { type: 'Polygon', coordinates: [[[23.2, 31.6], [24.1, 31.6], [24.1, 32.4], [23.6, 32.45], [23.2, 32.4], [23.2, 31.6]]] },
};

let tmp: string;
let tracking: Tracking;
let predict: PredictService;
let app: FastifyInstance;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-predict-api-'));
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

/** A multipart/form-data body of fields and files. */
export function multipart(parts: { name: string; value: string | Buffer; filename?: string }[]): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----tileflow${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const part of parts) {
    const disposition = `form-data; name="${part.name}"${part.filename ? `; filename="${part.filename}"` : ''}`;
    const type = part.filename ? 'Content-Type: application/octet-stream\r\n' : '';
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}\r\n${type}\r\n`), Buffer.from(part.value), Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

async function json(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown): Promise<{ status: number; body: any }> {
  const response = await app.inject({ method, url, ...(body === undefined ? {} : { payload: body as object }) });
  return { status: response.statusCode, body: response.body ? JSON.parse(response.body) : null };
}

test('an uploaded PyTorch ONNX segmenter predicts over a polygon AOI from a COG; results are served, reviewed and exported', async () => {
  const project = await json('POST', '/api/projects', { name: 'coast', description: 'water along the Libyan coast', access: 'public' });
  assert.equal(project.status, 201, JSON.stringify(project.body));
  const pid = project.body.id;

  const form = multipart([
    { name: 'name', value: 'water-segmenter' },
    { name: 'mlm', value: JSON.stringify(MLM), filename: 'mlm.json' },
    { name: 'model', value: ONNX, filename: 'water-segmenter.onnx' },
  ]);
  const upload = await app.inject({ method: 'POST', url: `/api/projects/${pid}/models/upload`, ...form });
  assert.equal(upload.statusCode, 201, upload.body);
  const uploaded = JSON.parse(upload.body);
  assert.equal(uploaded.version, '1');
  const version = await tracking.registry.getModelVersion('water-segmenter', '1');
  assert.ok(version.tags.some((t) => t.key === 'tileflow.semver' && t.value === '1.0.0'), 'the upload has a semantic version');

  const stac = await app.inject({ method: 'GET', url: '/api/models/water-segmenter/versions/1/stac' });
  assert.equal(stac.statusCode, 200);
  const item = JSON.parse(stac.body);
  assert.ok(item.stac_extensions.some((e: string) => e.includes('/mlm/')), 'the STAC item declares MLM');
  assert.match(item.assets.model.href, /\/api\/models\/water-segmenter\/versions\/1\/onnx$/);
  const download = await app.inject({ method: 'GET', url: '/api/models/water-segmenter/versions/1/onnx' });
  assert.deepEqual(Buffer.from(download.rawPayload), ONNX);

  const imagery = await json('POST', `/api/projects/${pid}/imagery`, { name: 'sentinel-2 TCI', uri: TCI });
  assert.equal(imagery.status, 201, JSON.stringify(imagery.body));
  // The project's imagery is served as map tiles under its id (the prediction map shows it).
  const imageryTiles = await json('GET', `/tiles/imagery/${imagery.body.id}/tilejson.json`);
  assert.equal(imageryTiles.status, 200, JSON.stringify(imageryTiles.body));
  const [west, southEdge, east, northEdge] = imageryTiles.body.bounds;
  assert.ok(west < 23.3 && east > 24 && southEdge < 31.7 && northEdge > 32.3, `the TCI scene covers the coast AOI: ${imageryTiles.body.bounds}`);
  const aoi = await json('POST', `/api/projects/${pid}/aois`, { name: 'coast', geometry: COAST });
  assert.equal(aoi.status, 201, JSON.stringify(aoi.body));

  const started = await json('POST', `/api/projects/${pid}/predictions`, { model: 'water-segmenter', version: '1', imageryId: imagery.body.id, aoiId: aoi.body.id, overlap: 16 });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  const id = started.body.id;
  assert.equal(started.body.zoom, 10, "the zoom comes from the model's tileflow:zoom");
  assert.ok(started.body.tilesTotal > 4 && started.body.tilesTotal < 40, `the polygon covers a handful of zoom-10 tiles, got ${started.body.tilesTotal}`);
  await predict.idle();

  const done = await json('GET', `/api/predictions/${id}`);
  assert.equal(done.body.status, 'succeeded', JSON.stringify(done.body));
  assert.equal(done.body.tilesDone + done.body.tilesFailed, done.body.tilesTotal);
  assert.equal(done.body.progress, 1);
  assert.ok(done.body.runId, 'the prediction is a tracked run');
  const run = await tracking.runs.getRun(done.body.runId);
  assert.equal(run.info.status, 'FINISHED');
  assert.ok(run.data.metrics.some((m) => m.key === 'tiles_per_second' && m.value > 0), 'the run records throughput');

  // The sea is north of the coast: the northernmost tiles are mostly water, the southernmost mostly land.
  const tiles = (await json('GET', `/api/predictions/${id}/tile-results?status=done`)).body.tiles as { quadkey: string; y: number; scores: number[] }[];
  assert.ok(tiles.length >= done.body.tilesDone, 'every done tile is listed');
  const north = tiles.filter((t) => t.y === Math.min(...tiles.map((u) => u.y)));
  const south = tiles.filter((t) => t.y === Math.max(...tiles.map((u) => u.y)));
  const mean = (list: typeof tiles) => list.reduce((s, t) => s + t.scores[1], 0) / list.length;
  assert.ok(mean(north) > 0.6, `northern tiles are sea: water share ${mean(north)}`);
  assert.ok(mean(south) < 0.4, `southern tiles are land: water share ${mean(south)}`);

  // Segmentation polygons exist and lie in the AOI's tiles.
  const features = await json('GET', `/api/predictions/${id}/geojson?layer=features&class=1`);
  assert.equal(features.status, 200);
  assert.ok(features.body.features.length > 0, 'water regions became polygons');

  // TileJSON, vector tiles and mask tiles.
  const tilejson = await json('GET', `/api/predictions/${id}/tiles.json`);
  assert.equal(tilejson.body.tilejson, '3.0.0');
  const first = tiles[0];
  const mvt = await app.inject({ method: 'GET', url: `/api/predictions/${id}/tiles/10/${tileX(first.quadkey)}/${first.y}.mvt` });
  assert.equal(mvt.statusCode, 200);
  const vt = new VectorTile(new PbfReader(new Uint8Array(mvt.rawPayload)));
  assert.ok(vt.layers.tiles && vt.layers.tiles.length >= 1, 'the vector tile has the tile layer');
  const png = await app.inject({ method: 'GET', url: `/api/predictions/${id}/tiles/10/${tileX(first.quadkey)}/${first.y}.png` });
  assert.equal(png.statusCode, 200);
  const meta = await sharp(png.rawPayload).metadata();
  assert.equal(meta.width, 256);

  // Review: a valid and an invalid tile, statistics and the queue.
  const queue = await json('GET', `/api/predictions/${id}/review-queue?limit=3`);
  assert.equal(queue.body.tiles.length, 3);
  const entropies = queue.body.tiles.map((t: { entropy: number }) => t.entropy);
  assert.deepEqual(entropies, [...entropies].sort((a: number, b: number) => b - a), 'most uncertain first');
  const [a, b] = queue.body.tiles;
  assert.equal((await json('POST', `/api/predictions/${id}/reviews`, { target: 'tile', targetId: a.quadkey, valid: true, reviewer: 'ana' })).status, 201);
  assert.equal((await json('POST', `/api/predictions/${id}/reviews`, { target: 'tile', targetId: b.quadkey, valid: false, reviewer: 'ana' })).status, 201);
  const stats = await json('GET', `/api/predictions/${id}/reviews/statistics`);
  assert.equal(stats.body.reviewed, 2);
  assert.equal(stats.body.precision, 0.5);
  const next = await json('GET', `/api/predictions/${id}/review-queue?limit=50`);
  assert.ok(!next.body.tiles.some((t: { quadkey: string }) => t.quadkey === a.quadkey || t.quadkey === b.quadkey), 'reviewed tiles leave the queue');

  // Export.
  const exported = await app.inject({ method: 'GET', url: `/api/predictions/${id}/export?format=geojson&layer=tiles&reviewedOnly=true` });
  assert.equal(exported.statusCode, 200);
  assert.equal(JSON.parse(exported.body).features.length, 2);
  const csv = await app.inject({ method: 'GET', url: `/api/predictions/${id}/export?format=csv&layer=tiles` });
  assert.equal(csv.body.trim().split('\n').length, done.body.tilesDone + 1);

  // The OpenAPI document describes the routes.
  const openapi = await json('GET', '/docs/json');
  assert.ok(openapi.body.paths['/api/projects/{projectId}/predictions'], 'the prediction routes are in the OpenAPI document');
  assert.equal((await app.inject({ method: 'GET', url: '/docs' })).statusCode < 400, true);
});

/** The x of a tile from its quadkey. */
function tileX(quadkey: string): number {
  let x = 0;
  for (const digit of quadkey) x = x * 2 + (Number(digit) & 1);
  return x;
}

test('bad input is a clear 4xx and changes nothing', async () => {
  const project = (await json('POST', '/api/projects', { name: 'bad-input' })).body;
  const pid = project.id;
  const duplicate = await json('POST', '/api/projects', { name: 'bad-input' });
  assert.equal(duplicate.status, 400, 'project names are unique (400 with RESOURCE_ALREADY_EXISTS, as MLflow answers)');
  assert.equal(duplicate.body.error_code, 'RESOURCE_ALREADY_EXISTS');
  assert.equal((await json('POST', '/api/projects', { name: '' })).status, 400);
  assert.equal((await json('GET', '/api/projects/nope')).status, 404);

  // An ONNX file that does not load; MLM that does not match the model.
  const corrupt = multipart([{ name: 'name', value: 'broken' }, { name: 'mlm', value: JSON.stringify(MLM) }, { name: 'model', value: Buffer.from('not an onnx model'), filename: 'x.onnx' }]);
  const refused = await app.inject({ method: 'POST', url: `/api/projects/${pid}/models/upload`, ...corrupt });
  assert.equal(refused.statusCode, 400, refused.body);
  assert.match(JSON.parse(refused.body).message, /cannot load the ONNX model/);
  const fourBands = structuredClone(MLM);
  fourBands.properties['mlm:input'][0].input.shape = [-1, 4, -1, -1];
  fourBands.properties['mlm:input'][0].bands = ['red', 'green', 'blue', 'nir'];
  fourBands.properties['mlm:input'][0].value_scaling = [{ type: 'min-max', minimum: 0, maximum: 255 }];
  const mismatch = await app.inject({ method: 'POST', url: `/api/projects/${pid}/models/upload`, ...multipart([{ name: 'name', value: 'mismatch' }, { name: 'mlm', value: JSON.stringify(fourBands) }, { name: 'model', value: ONNX, filename: 'm.onnx' }]) });
  assert.equal(mismatch.statusCode, 400, mismatch.body);
  assert.match(JSON.parse(mismatch.body).message, /4 bands but the ONNX model takes 3/);
  await assert.rejects(tracking.registry.getRegisteredModel('broken'), 'nothing was registered for the refused uploads');

  // Imagery that does not exist; AOIs that are malformed, empty or enormous.
  assert.equal((await json('POST', `/api/projects/${pid}/imagery`, { name: 'x', uri: '/nowhere/scene.tif' })).status, 404);
  const malformed = await json('POST', `/api/projects/${pid}/aois`, { name: 'm', geometry: { type: 'Polygon', coordinates: [[[0, 0], [1, 1]]] } });
  assert.equal(malformed.status, 400);
  assert.match(malformed.body.message, /GeoJSON/);
  assert.equal((await json('POST', `/api/projects/${pid}/aois`, { name: 'm', bbox: [10, 10, 5, 12] })).status, 400);
  const brokenFile = await app.inject({ method: 'POST', url: `/api/projects/${pid}/aois`, ...multipart([{ name: 'file', value: '{"type": "Feature', filename: 'my-area.geojson' }]) });
  assert.equal(brokenFile.statusCode, 400, brokenFile.body);
  const brokenMessage = JSON.parse(brokenFile.body).message as string;
  assert.match(brokenMessage, /my-area\.geojson/, 'the message names the uploaded file');
  assert.doesNotMatch(brokenMessage, /tileflow-aoi-|\/tmp\//, "and not the server's staging path");

  await predict.addModel(pid, 'water-segmenter', '1');
  const imagery = (await json('POST', `/api/projects/${pid}/imagery`, { name: 'tci', uri: TCI })).body;
  const enormous = await json('POST', `/api/projects/${pid}/predictions`, { model: 'water-segmenter', version: '1', imageryId: imagery.id, aoi: [-180, -80, 180, 80], zoom: 14 });
  assert.equal(enormous.status, 400);
  assert.match(enormous.body.message, /tiles/);
  const tooMuchOverlap = await json('POST', `/api/projects/${pid}/predictions`, { model: 'water-segmenter', version: '1', imageryId: imagery.id, aoi: [23.5, 31.9, 23.6, 32], overlap: 1000 });
  assert.equal(tooMuchOverlap.status, 400);
  assert.equal((await json('POST', `/api/projects/${pid}/predictions`, { model: 'nope', version: '1', imageryId: imagery.id, aoi: [23.5, 31.9, 23.6, 32] })).status, 404);
  assert.equal((await json('GET', `/api/projects/${pid}/predictions`)).body.predictions.length, 0, 'no refused prediction was stored');

  assert.equal((await json('GET', '/api/predictions/nope')).status, 404);
  assert.equal((await json('POST', '/api/predictions/nope/reviews', { target: 'tile', targetId: '0', valid: true, reviewer: 'x' })).status, 404);
  assert.equal((await json('GET', '/api/predictions/nope/export?format=shp')).status, 400);
});

test('an uploaded PyTorch ONNX detector: boxes after NMS, one owner tile each, served and exported as features', async () => {
  const onnx = fs.readFileSync(path.join(FIXTURES, 'box-detector.onnx'));
  const mlm = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'box-detector.mlm.json'), 'utf8'));
  const project = (await json('POST', '/api/projects', { name: 'boxes' })).body;
  const upload = await app.inject({ method: 'POST', url: `/api/projects/${project.id}/models/upload`, ...multipart([{ name: 'name', value: 'box-detector' }, { name: 'mlm', value: JSON.stringify(mlm) }, { name: 'model', value: onnx, filename: 'd.onnx' }]) });
  assert.equal(upload.statusCode, 201, upload.body);
  const imagery = (await json('POST', `/api/projects/${project.id}/imagery`, { name: 'tci', uri: TCI })).body;
  const started = await json('POST', `/api/projects/${project.id}/predictions`, { model: 'box-detector', version: '1', imageryId: imagery.id, aoi: COAST.geometry, overlap: 16 });
  assert.equal(started.status, 201, JSON.stringify(started.body));
  assert.equal(started.body.task, 'detection');
  await predict.idle();
  const done = (await json('GET', `/api/predictions/${started.body.id}`)).body;
  assert.equal(done.status, 'succeeded', JSON.stringify(done));
  const tiles = (await json('GET', `/api/predictions/${done.id}/tile-results?status=done`)).body.tiles as { quadkey: string; x: number; y: number; z: number; scores: number[] }[];
  const features = (await json('GET', `/api/predictions/${done.id}/geojson?layer=features&limit=10000`)).body.features as { geometry: { coordinates: number[][][] }; properties: Record<string, any> }[];
  // Each tile reports its box once per class scoring at least 0.25 (the default threshold), inside the tile.
  const expected = tiles.reduce((n, t) => n + t.scores.filter((s) => s >= 0.25).length, 0);
  assert.equal(features.length, expected, 'one box per confident class per tile, no duplicates across tiles');
  for (const feature of features) {
    const tile = tiles.find((t) => t.quadkey === feature.properties.quadkey)!;
    assert.ok(tile, `feature ${feature.properties.id} belongs to a done tile`);
    const n = 2 ** tile.z;
    const west = (tile.x / n) * 360 - 180;
    const east = ((tile.x + 1) / n) * 360 - 180;
    const lngs = feature.geometry.coordinates[0].map((p) => p[0]);
    assert.ok(Math.min(...lngs) > west && Math.max(...lngs) < east, 'the box lies inside its tile (the middle half of it)');
    // The model saw 256 + 2 x 16 pixels; its box starts a quarter into that input, 16 pixels of context included.
    const start = west + ((0.25 * 288 - 16) / 256) * (east - west);
    assert.ok(Math.abs(Math.min(...lngs) - start) < 1e-6, `the box is placed through the overlap margin: ${Math.min(...lngs)} vs ${start}`);
  }
  const north = tiles.filter((t) => t.y === Math.min(...tiles.map((u) => u.y)));
  assert.ok(north.every((t) => t.scores[1] > t.scores[0]), 'sea tiles have a more confident water box');
  const mvt = await app.inject({ method: 'GET', url: `/api/predictions/${done.id}/tiles/${north[0].z}/${north[0].x}/${north[0].y}.mvt` });
  const layers = new VectorTile(new PbfReader(new Uint8Array(mvt.rawPayload))).layers;
  assert.ok(layers.features && layers.features.length >= 1, 'boxes are in the vector tile');
  const exported = await app.inject({ method: 'GET', url: `/api/predictions/${done.id}/export?format=ndjson&class=1&threshold=0.5` });
  const lines = exported.body.trim().split('\n').filter(Boolean).map((l: string) => JSON.parse(l));
  assert.equal(lines.length, features.filter((f) => f.properties.class === 1 && f.properties.score >= 0.5).length);
});

test('a model with no MLM item is described by the upload form', async () => {
  const project = (await json('POST', '/api/projects', { name: 'form' })).body;
  const fields = [
    { name: 'name', value: 'water-form' },
    { name: 'task', value: 'segmentation' },
    { name: 'classes', value: 'land, water' },
    { name: 'colors', value: '#c2a36b,#1f77b4' },
    { name: 'bands', value: 'red,green,blue' },
    { name: 'zoom', value: '10' },
    { name: 'min', value: '0' },
    { name: 'max', value: '255' },
  ];
  const upload = await app.inject({ method: 'POST', url: `/api/projects/${project.id}/models/upload`, ...multipart([...fields, { name: 'model', value: ONNX, filename: 'm.onnx' }]) });
  assert.equal(upload.statusCode, 201, upload.body);
  const item = JSON.parse((await app.inject({ method: 'GET', url: '/api/models/water-form/versions/1/stac' })).body);
  const output = item.properties['mlm:output'][0];
  assert.deepEqual(output['classification:classes'].map((c: { name: string }) => c.name), ['land', 'water']);
  assert.equal(output['classification:classes'][1].color_hint, '1f77b4');
  assert.deepEqual(item.properties['mlm:tasks'], ['semantic-segmentation']);
  assert.deepEqual(item.properties['mlm:input'][0].value_scaling, [{ type: 'min-max', minimum: 0, maximum: 255 }]);
  const noClasses = await app.inject({ method: 'POST', url: `/api/projects/${project.id}/models/upload`, ...multipart([{ name: 'name', value: 'x' }, { name: 'task', value: 'classification' }, { name: 'bands', value: 'r,g,b' }, { name: 'model', value: ONNX, filename: 'm.onnx' }]) });
  assert.equal(noClasses.statusCode, 400);
  assert.match(JSON.parse(noClasses.body).message, /class names/);
  const neither = await app.inject({ method: 'POST', url: `/api/projects/${project.id}/models/upload`, ...multipart([{ name: 'name', value: 'x' }, { name: 'model', value: ONNX, filename: 'm.onnx' }]) });
  assert.equal(neither.statusCode, 400);
  assert.match(JSON.parse(neither.body).message, /mlm.*or the form fields/);
});
