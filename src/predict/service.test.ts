// The prediction service against a real tile server on 127.0.0.1 (XYZ PNG tiles cut from a Sentinel-2
// COG): tiles the server answers 404 or 500 for are recorded per tile with the reason, retried, and
// reported, and the rest of the prediction succeeds; a prediction stopped halfway (the process closes)
// resumes in a new service over the same database without a tile repeated or skipped; a cancelled
// one keeps its done tiles and resumes on request.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import sharp from 'sharp';
import { openImagery } from '../data/raster/registry.js';
import type { ImageryProvider } from '../data/raster/imagery.js';
import { openTracking, type Tracking } from '../track/service.js';
import { poolShape, PredictService } from './service.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const TCI = path.resolve(ROOT, '../shared/fixtures/cog/titiler/TCI.tif');
const FIXTURES = path.join(ROOT, 'test/fixtures/predict');
const ONNX = fs.readFileSync(path.join(FIXTURES, 'water-segmenter.onnx'));
const MLM = JSON.parse(fs.readFileSync(path.join(FIXTURES, 'water-segmenter.mlm.json'), 'utf8'));
/** About 5 x 5 tiles at zoom 10 on the coast. */
const AOI = [23.3, 31.7, 24.0, 32.3];

let tmp: string;
let tracking: Tracking;
let imagery: ImageryProvider;
let server: http.Server;
let base: string;
const requests = new Map<string, number>();
/** Tiles the server has no imagery for, and tiles it always fails on. */
const missing = new Set<string>();
const broken = new Set<string>();
let delayMs = 0;

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-predict-service-'));
  tracking = await openTracking({ databaseUrl: `sqlite:${path.join(tmp, 'tileflow.db')}`, artifactsRoot: path.join(tmp, 'artifacts') });
  imagery = await openImagery(TCI);
  server = http.createServer(async (request, response) => {
    const match = /^\/(\d+)\/(\d+)\/(\d+)\.png$/.exec(request.url ?? '');
    if (!match) return response.writeHead(400).end();
    const [z, x, y] = match.slice(1).map(Number);
    const key = `${x}-${y}-${z}`;
    requests.set(key, (requests.get(key) ?? 0) + 1);
    if (delayMs) await new Promise((resolve) => setTimeout(resolve, delayMs));
    if (missing.has(key)) return response.writeHead(404).end('no tile');
    if (broken.has(key)) return response.writeHead(500).end('upstream failure');
    response.writeHead(200, { 'content-type': 'image/png' }).end(await tilePng(z, x, y));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `xyz+http://127.0.0.1:${(server.address() as { port: number }).port}/{z}/{x}/{y}.png`;
});

after(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await imagery?.close();
  await tracking?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A 256-pixel RGBA PNG of tile z/x/y of the COG. */
async function tilePng(z: number, x: number, y: number): Promise<Buffer> {
  const block = await imagery.tile(z, x, y, { size: 256, bands: [1, 2, 3] });
  const rgba = Buffer.alloc(256 * 256 * 4);
  for (let p = 0; p < 256 * 256; p++) {
    for (let b = 0; b < 3; b++) rgba[p * 4 + b] = block.data[b * 65536 + p] as number;
    rgba[p * 4 + 3] = block.mask[p] ? 255 : 0;
  }
  return sharp(rgba, { raw: { width: 256, height: 256, channels: 4 } }).png().toBuffer();
}

async function setUp(service: PredictService, name: string): Promise<{ projectId: string; imageryId: string }> {
  const project = await service.store.createProject({ name });
  await service.uploadModel({ name: `water-${name}`, onnx: ONNX, mlm: MLM, projectId: project.id });
  const source = await service.addImagery(project.id, 'tiles', base);
  return { projectId: project.id, imageryId: source.id };
}

test('sessions share the cores: one single-threaded session per core up to 8, then more threads each', () => {
  assert.deepEqual(poolShape({}, 1), { sessions: 1, threads: 1 });
  assert.deepEqual(poolShape({}, 2), { sessions: 2, threads: 1 });
  assert.deepEqual(poolShape({}, 16), { sessions: 8, threads: 2 });
  assert.deepEqual(poolShape({ threads: 2 }, 2), { sessions: 1, threads: 2 });
  assert.deepEqual(poolShape({ sessions: 1 }, 4), { sessions: 1, threads: 4 });
  assert.deepEqual(poolShape({ sessions: 3, threads: 1 }, 2), { sessions: 3, threads: 1 });
});

test('tiles the server answers 404 or 500 for are recorded, retried and reported; the others succeed', async () => {
  const service = await PredictService.open({ tracking, pipeline: { batchSize: 4, maxAttempts: 3 } });
  try {
    const { projectId, imageryId } = await setUp(service, 'failures');
    const started = await service.startPrediction({ projectId, modelName: 'water-failures', modelVersion: '1', imageryId, aoi: AOI, zoom: 10 });
    const quadkeys = (await service.store.listTiles(started.id)).map((t) => `${t.x}-${t.y}-${t.z}`);
    await service.idle();
    const clean = await service.store.getPrediction(started.id);
    assert.equal(clean.status, 'succeeded');
    assert.equal(clean.tilesDone, clean.tilesTotal);

    missing.add(quadkeys[0]);
    broken.add(quadkeys[1]);
    const second = await service.startPrediction({ projectId, modelName: 'water-failures', modelVersion: '1', imageryId, aoi: AOI, zoom: 10 });
    await service.idle();
    const result = await service.store.getPrediction(second.id);
    assert.equal(result.status, 'succeeded', 'a few failed tiles do not fail the prediction');
    assert.equal(result.tilesFailed, 2);
    assert.equal(result.tilesDone, result.tilesTotal - 2);
    assert.match(result.error ?? '', /2 of \d+ tiles failed/);
    const failed = await service.store.listTiles(second.id, { status: 'failed' });
    const byId = new Map(failed.map((t) => [`${t.x}-${t.y}-${t.z}`, t]));
    assert.match(byId.get(quadkeys[0])!.error!, /no imagery/, 'a 404 is a tile without imagery');
    assert.equal(byId.get(quadkeys[0])!.attempts, 1, 'a tile without imagery is not asked for again: the answer would not change');
    assert.match(byId.get(quadkeys[1])!.error!, /500|upstream/i, 'a 500 says what the server said');
    assert.equal(byId.get(quadkeys[1])!.attempts, 3, 'the failing tile was tried on each of the 3 passes');
  } finally {
    missing.clear();
    broken.clear();
    await service.close();
  }
});

test('a prediction left running by a stopped process resumes in the next one, with no tile repeated or missed', async () => {
  const first = await PredictService.open({ tracking, pipeline: { batchSize: 2, readAhead: 1 } });
  const { projectId, imageryId } = await setUp(first, 'resume');
  delayMs = 150;
  const started = await first.startPrediction({ projectId, modelName: 'water-resume', modelVersion: '1', imageryId, aoi: AOI, zoom: 10, overlap: 8 });
  for (let i = 0; i < 200 && (await first.store.getPrediction(started.id)).tilesDone < 4; i++) await new Promise((r) => setTimeout(r, 50));
  await first.close();
  delayMs = 0;
  const stopped = await first.store.getPrediction(started.id);
  assert.equal(stopped.status, 'running', 'a stopping process leaves its prediction running, to be resumed');
  assert.ok(stopped.tilesDone >= 4 && stopped.tilesDone < stopped.tilesTotal, `stopped halfway: ${stopped.tilesDone} of ${stopped.tilesTotal}`);
  const doneBefore = new Set((await first.store.listTiles(started.id, { status: 'done' })).map((t) => t.quadkey));

  const second = await PredictService.open({ tracking });
  try {
    await second.idle();
    const resumed = await second.store.getPrediction(started.id);
    assert.equal(resumed.status, 'succeeded');
    assert.equal(resumed.runId, stopped.runId, 'the resumed prediction records into the run it started');
    assert.equal((await tracking.runs.getRun(resumed.runId!)).info.status, 'FINISHED');
    assert.equal(resumed.tilesDone, resumed.tilesTotal);
    const tiles = await second.store.listTiles(started.id);
    assert.equal(new Set(tiles.map((t) => t.quadkey)).size, resumed.tilesTotal, 'one row per tile');
    for (const tile of tiles) {
      assert.equal(tile.attempts, 1, `tile ${tile.quadkey} was predicted exactly once${doneBefore.has(tile.quadkey) ? ' (before the stop)' : ''}`);
    }
    // The features equal those of an uninterrupted run over the same AOI.
    const reference = await second.startPrediction({ projectId, modelName: 'water-resume', modelVersion: '1', imageryId, aoi: AOI, zoom: 10, overlap: 8 });
    await second.idle();
    const count = async (id: string) => (await second.store.listFeatures(id)).length;
    assert.equal(await count(started.id), await count(reference.id), 'no feature duplicated or lost by the resume');
  } finally {
    await second.close();
  }
});

test('cancel keeps the done tiles; resume finishes the rest', async () => {
  const service = await PredictService.open({ tracking, pipeline: { batchSize: 2, readAhead: 1 } });
  try {
    const { projectId, imageryId } = await setUp(service, 'cancel');
    delayMs = 150;
    const started = await service.startPrediction({ projectId, modelName: 'water-cancel', modelVersion: '1', imageryId, aoi: AOI, zoom: 10 });
    for (let i = 0; i < 200 && (await service.store.getPrediction(started.id)).tilesDone < 2; i++) await new Promise((r) => setTimeout(r, 50));
    const cancelled = await service.cancelPrediction(started.id);
    assert.equal(cancelled.status, 'cancelled');
    await service.idle();
    delayMs = 0;
    const after = await service.store.getPrediction(started.id);
    assert.equal(after.status, 'cancelled');
    assert.ok(after.tilesDone >= 2 && after.tilesDone < after.tilesTotal, `cancelled halfway: ${after.tilesDone} of ${after.tilesTotal}`);
    await assert.rejects(service.cancelPrediction(started.id), /cancelled already/);
    await service.resumePrediction(started.id);
    await service.idle();
    const finished = await service.store.getPrediction(started.id);
    assert.equal(finished.status, 'succeeded');
    assert.equal(finished.tilesDone, finished.tilesTotal);
  } finally {
    delayMs = 0;
    await service.close();
  }
});

test('a tile list is imagery and its own AOI; a listed image that is missing is a failed tile with the reason', async () => {
  const service = await PredictService.open({ tracking });
  try {
    const dir = fs.mkdtempSync(path.join(tmp, 'list-'));
    const tiles = [[579, 415], [580, 415], [579, 416], [580, 416]];
    const rows = ['tile,url,bounds'];
    for (const [x, y] of tiles) {
      fs.writeFileSync(path.join(dir, `${x}-${y}.png`), await tilePng(10, x, y));
      rows.push(`${x}-${y}-10,${x}-${y}.png,"ignored bounds"`);
    }
    rows.push('581-416-10,missing.png');
    fs.writeFileSync(path.join(dir, 'tiles.csv'), rows.join('\n') + '\n');
    const project = await service.store.createProject({ name: 'list' });
    await service.uploadModel({ name: 'water-list', onnx: ONNX, mlm: MLM, projectId: project.id });
    const source = await service.addImagery(project.id, 'chips', `list:${path.join(dir, 'tiles.csv')}`);
    const started = await service.startPrediction({ projectId: project.id, modelName: 'water-list', modelVersion: '1', imageryId: source.id });
    assert.equal(started.tilesTotal, 5, 'the listed tiles are the AOI');
    await assert.rejects(service.startPrediction({ projectId: project.id, modelName: 'water-list', modelVersion: '1', imageryId: source.id, aoi: AOI, zoom: 10, overlap: 8 }), /overlap must be 0/);
    await service.idle();
    const result = await service.store.getPrediction(started.id);
    assert.equal(result.status, 'succeeded', JSON.stringify(result));
    assert.equal(result.tilesDone, 4);
    assert.equal(result.tilesFailed, 1);
    const [failed] = await service.store.listTiles(started.id, { status: 'failed' });
    assert.equal(`${failed.x}-${failed.y}-${failed.z}`, '581-416-10');
    assert.match(failed.error!, /missing/);
    await assert.rejects(service.addImagery(project.id, 'bad', `list:${path.join(dir, 'nope.csv')}`), /does not exist/);
    fs.writeFileSync(path.join(dir, 'bad.csv'), 'tile,url\nnot-a-tile,x.png\n');
    await assert.rejects(service.addImagery(project.id, 'bad', `list:${path.join(dir, 'bad.csv')}`), /line 2: "not-a-tile" is not a tile/);
  } finally {
    await service.close();
  }
});
