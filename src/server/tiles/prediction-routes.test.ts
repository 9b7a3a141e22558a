// The prediction tile routes on a bare Fastify app with buildApp's error handling, over a real PredictStore
// (SQLite in memory): TileJSON, MVT (plain and gzip) decoded with @mapbox/vector-tile, PNG mask tiles decoded
// with sharp, GeoJSON, aggregation, and 400/404 (never 500) for bad input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { VectorTile } from '@mapbox/vector-tile';
import Fastify, { type FastifyInstance } from 'fastify';
import { PbfReader } from 'pbf';
import sharp from 'sharp';
import { quadkey, tileBounds } from '../../geo/tiles.js';
import { PredictStore } from '../../predict/store/predict-store.js';
import type { Prediction } from '../../predict/types.js';
import { openTracking, type Tracking } from '../../track/service.js';
import { errorResponse } from '../errors.js';
import { predictionTileRoutes } from './prediction-routes.js';
import { VectorTileCache } from './vector-tile-cache.js';

const ZOOM = 12;
// A 4 x 4 block of zoom-12 tiles (Cape Town), aligned to one zoom-10 tile.
const X0 = 2200;
const Y0 = 2436;
const blockTile = (i: number) => ({ x: X0 + (i % 4), y: Y0 + Math.floor(i / 4), z: ZOOM });
const QUADKEYS = Array.from({ length: 16 }, (_, i) => quadkey(blockTile(i)));

describe('prediction tile routes', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-prediction-routes-'));
  let tracking: Tracking;
  let store: PredictStore;
  let app: FastifyInstance;
  let classification: Prediction;
  let detection: Prediction;
  let segmentation: Prediction;

  before(async () => {
    tracking = await openTracking({ databaseUrl: 'sqlite::memory:', artifactsRoot: dir });
    store = await PredictStore.open(tracking.database);
    const project = await store.createProject({ name: 'routes' });
    const common = { projectId: project.id, modelName: 'model', modelVersion: '3', imageryId: 'img', aoi: { tiles: [] }, zoom: ZOOM, overlap: 0, quadkeys: QUADKEYS };
    const classes = [
      { index: 0, name: 'other', color: '#000000' },
      { index: 1, name: 'building', color: '#ff0000' },
    ];
    classification = await store.createPrediction({ ...common, task: 'classification', classes });
    // Building score i / 15: building on top from tile 8 on.
    await store.recordResults(classification.id, QUADKEYS.map((q, i) => ({ quadkey: q, scores: [1 - i / 15, i / 15] })));
    await store.addReview(classification.id, { target: 'tile', targetId: QUADKEYS[3], valid: false, reviewer: 'lee' });
    detection = await store.createPrediction({ ...common, task: 'detection', classes });
    await store.recordResults(
      detection.id,
      QUADKEYS.map((q, i) => {
        const [w, s, e, n] = tileBounds(blockTile(i));
        const box = [[[w, s], [(w + e) / 2, s], [(w + e) / 2, (s + n) / 2], [w, (s + n) / 2], [w, s]]];
        return { quadkey: q, scores: [0.5, 0.5], features: [{ classIndex: i % 2, score: 0.3 + i / 30, geometry: { type: 'Polygon', coordinates: box } }] };
      }),
    );
    segmentation = await store.createPrediction({ ...common, task: 'segmentation', classes });
    const mask = await sharp(Buffer.alloc(16 * 16, 1), { raw: { width: 16, height: 16, channels: 1 } }).png().toBuffer();
    await store.recordResults(segmentation.id, QUADKEYS.slice(0, 4).map((q) => ({ quadkey: q, scores: [0, 1], mask })));

    app = Fastify();
    // As buildApp: every error becomes MLflow's error JSON with the status from the one catalog.
    app.setErrorHandler((error, request, reply) => {
      const { status, body } = errorResponse(error, (e) => request.log.error(e));
      return reply.code(status).type('application/json').send(body);
    });
    await app.register(predictionTileRoutes, { predict: store });
  });
  after(async () => {
    await app.close();
    await tracking.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url, headers });

  test('TileJSON: the MVT template from the request origin, zooms, bounds of the tiles, vector layers', async () => {
    const response = await get(`/api/predictions/${classification.id}/tiles.json?class=1&threshold=0.5`);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['cache-control'], 'no-cache');
    const tilejson = response.json();
    assert.equal(tilejson.tilejson, '3.0.0');
    assert.deepEqual(tilejson.tiles, [`http://localhost:80/api/predictions/${classification.id}/tiles/{z}/{x}/{y}.mvt?class=1&threshold=0.5`]);
    assert.equal(tilejson.minzoom, 0);
    assert.equal(tilejson.maxzoom, ZOOM + 4);
    const [west, , , north] = tileBounds(blockTile(0));
    const [, south, east] = tileBounds(blockTile(15));
    assert.deepEqual(tilejson.bounds, [west, south, east, north]);
    assert.deepEqual(tilejson.center, [(west + east) / 2, (south + north) / 2, ZOOM]);
    assert.deepEqual(tilejson.vector_layers.map((l: { id: string }) => l.id), ['tiles', 'features']);
    const fields = tilejson.vector_layers[0].fields;
    for (const field of ['quadkey', 'class', 'class_name', 'score', 'review', 'color', 'count', 'other', 'building']) assert.ok(field in fields, `tiles field ${field}`);
    assert.ok('id' in tilejson.vector_layers[1].fields, 'features carry their id');
    // A host header of a proxy shows in the template.
    const proxied = await get(`/api/predictions/${classification.id}/tiles.json`, { host: 'maps.example.org' });
    assert.ok(proxied.json().tiles[0].startsWith('http://maps.example.org/api/predictions/'), proxied.json().tiles[0]);
  });

  test('raster TileJSON for segmentation only', async () => {
    const response = await get(`/api/predictions/${segmentation.id}/tiles-raster.json?opacity=0.6`);
    assert.equal(response.statusCode, 200, response.body);
    const tilejson = response.json();
    assert.deepEqual(tilejson.tiles, [`http://localhost:80/api/predictions/${segmentation.id}/tiles/{z}/{x}/{y}.png?opacity=0.6`]);
    assert.deepEqual([tilejson.minzoom, tilejson.maxzoom, tilejson.tileSize], [ZOOM - 4, ZOOM + 4, 256]);
    assert.equal((await get(`/api/predictions/${classification.id}/tiles-raster.json`)).statusCode, 400);
  });

  test('MVT: the vector tile type, gzip when accepted, filters from the query, 204 when empty', async () => {
    const url = `/api/predictions/${classification.id}/tiles/${ZOOM}/${X0 + 3}/${Y0}.mvt`;
    const plain = await get(url);
    assert.equal(plain.statusCode, 200, plain.body);
    assert.equal(plain.headers['content-type'], 'application/vnd.mapbox-vector-tile');
    assert.equal(plain.headers['content-encoding'], undefined);
    const layer = new VectorTile(new PbfReader(plain.rawPayload)).layers.tiles;
    assert.deepEqual({ ...layer.feature(0).properties }.color, '#ffffff', 'tile 3 was reviewed invalid');
    const zipped = await get(url, { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.vary, 'Accept-Encoding');
    assert.deepEqual(zlib.gunzipSync(zipped.rawPayload), plain.rawPayload);
    assert.equal((await get(url, { 'accept-encoding': 'gzip;q=0' })).headers['content-encoding'], undefined);
    // Aggregated at zoom 4 with a class filter: building on top in tiles 8 to 15.
    const low = await get(`/api/predictions/${classification.id}/tiles/4/${X0 >> 8}/${Y0 >> 8}.mvt?class=1`);
    assert.equal(new VectorTile(new PbfReader(low.rawPayload)).layers.tiles.feature(0).properties.count, 8);
    const empty = await get(`${url}?class=1`);
    assert.equal(empty.statusCode, 204, 'tile 3 has other on top');
    assert.equal(empty.rawPayload.length, 0);
    // Tile 0's box, and tile 1's, which starts on the shared edge and so lies in the tile's buffer.
    const boxes = async (query: string) => {
      const vt = new VectorTile(new PbfReader((await get(`/api/predictions/${detection.id}/tiles/${ZOOM}/${X0}/${Y0}.mvt?${query}`)).rawPayload));
      return Array.from({ length: vt.layers.features?.length ?? 0 }, (_, i) => vt.layers.features.feature(i).properties.quadkey);
    };
    assert.deepEqual(await boxes('threshold=0.3'), [QUADKEYS[0], QUADKEYS[1]]);
    assert.deepEqual(await boxes('threshold=0.33'), [QUADKEYS[1]]);
  });

  test('MVT cache: a tile is served again from the cache until a review or new results change the prediction', async () => {
    const cache = new VectorTileCache(1024 * 1024);
    const cached = Fastify();
    await cached.register(predictionTileRoutes, { predict: store, vectorTileCache: cache });
    try {
      const prediction = await store.createPrediction({
        projectId: classification.projectId, modelName: 'model', modelVersion: '3', imageryId: 'img', aoi: { tiles: [] }, zoom: ZOOM, overlap: 0,
        task: 'classification', classes: classification.classes, quadkeys: QUADKEYS,
      });
      await store.recordResults(prediction.id, QUADKEYS.slice(0, 8).map((q) => ({ quadkey: q, scores: [0.2, 0.8] })));
      const url = `/api/predictions/${prediction.id}/tiles/10/${X0 >> 2}/${Y0 >> 2}.mvt`;
      const summary = async () => {
        const response = await cached.inject({ method: 'GET', url });
        assert.equal(response.statusCode, 200, response.body);
        const layer = new VectorTile(new PbfReader(response.rawPayload)).layers.tiles;
        const squares = Array.from({ length: layer.length }, (_, i) => layer.feature(i).properties);
        return { bytes: response.rawPayload, count: squares.length, reviews: squares.map((p) => p.review).sort().join(',') };
      };
      const first = await summary();
      assert.equal(first.count, 8);
      assert.deepEqual(cache.stats.tiles, 1);
      const again = await summary();
      assert.deepEqual(again.bytes, first.bytes);
      assert.equal(cache.stats.tiles, 1, 'the same tile under the same stamp is one entry');
      // A gzip request keeps the gzipped form beside it.
      const before = cache.stats.bytes;
      await cached.inject({ method: 'GET', url, headers: { 'accept-encoding': 'gzip' } });
      assert.ok(cache.stats.bytes > before);

      // Each change to what the tile shows is seen at once.
      await store.addReview(prediction.id, { target: 'tile', targetId: QUADKEYS[2], valid: true, reviewer: 'lee' });
      assert.match((await summary()).reviews, /valid/, 'a review changes the stamp');
      await store.recordResults(prediction.id, QUADKEYS.slice(8).map((q) => ({ quadkey: q, scores: [0.2, 0.8] })));
      assert.equal((await summary()).count, 16, 'new results change the stamp');
      // A filter is a tile of its own.
      await cached.inject({ method: 'GET', url: `${url}?class=0` });
      assert.equal(cache.stats.tiles, 2);
    } finally {
      await cached.close();
    }
  });

  test('MVT cache: bounded by bytes, the least recently used tiles leave first', () => {
    const cache = new VectorTileCache(3000);
    for (let i = 0; i < 5; i++) cache.set(`t${i}`, 's', new Uint8Array(900));
    assert.ok(cache.stats.bytes <= 3000, `${cache.stats.bytes} bytes held`);
    assert.equal(cache.get('t0', 's'), undefined, 'the oldest left');
    assert.ok(cache.get('t4', 's'), 'the newest stays');
    assert.equal(cache.get('t4', 'other stamp'), undefined, 'a tile made under another stamp is not served');
  });

  test('PNG: class colours for segmentation, 204 where there is nothing, 400 for other tasks', async () => {
    const response = await get(`/api/predictions/${segmentation.id}/tiles/${ZOOM}/${X0}/${Y0}.png?opacity=1`);
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], 'image/png');
    const { data, info } = await sharp(response.rawPayload).raw().toBuffer({ resolveWithObject: true });
    assert.deepEqual([info.width, info.height, info.channels], [256, 256, 4]);
    assert.deepEqual([...data.subarray(0, 4)], [255, 0, 0, 255], 'building is red');
    const none = await get(`/api/predictions/${segmentation.id}/tiles/${ZOOM}/${X0}/${Y0 + 2}.png`);
    assert.equal(none.statusCode, 204, 'tile 8 has no mask');
    const wrong = await get(`/api/predictions/${classification.id}/tiles/${ZOOM}/${X0}/${Y0}.png`);
    assert.equal(wrong.statusCode, 400);
    assert.match(wrong.json().message, /segmentation/);
  });

  test('GeoJSON: tiles or features by bbox, quadkey, class, threshold and limit', async () => {
    const all = await get(`/api/predictions/${classification.id}/geojson`);
    assert.equal(all.statusCode, 200, all.body);
    assert.match(String(all.headers['content-type']), /^application\/geo\+json/);
    const collection = all.json();
    assert.equal(collection.type, 'FeatureCollection');
    assert.equal(collection.features.length, 16, 'tiles by default for classification');
    assert.deepEqual(collection.features[0].properties.scores, [1, 0]);
    assert.equal(collection.features[0].geometry.type, 'Polygon');
    const count = async (query: string, id = classification.id) => (await get(`/api/predictions/${id}/geojson?${query}`)).json().features.length;
    // The bbox of tile 5 pulled in a little: only tile 5.
    const [w, s, e, n] = tileBounds(blockTile(5));
    const inset = (e - w) / 10;
    assert.equal(await count(`bbox=${w + inset},${s + inset},${e - inset},${n - inset}`), 1);
    assert.equal(await count(`bbox=${w},${s},${e},${n}`), 1, 'edges on tile edges reach no neighbour');
    assert.equal(await count(`quadkey=${QUADKEYS[0].slice(0, 11)}`), 4);
    assert.equal(await count('class=1'), 8);
    assert.equal(await count('threshold=0.9'), 4);
    assert.equal(await count('limit=3'), 3);
    assert.equal(await count('', detection.id), 16, 'features by default for detection');
    assert.equal(await count('class=1&threshold=0.5', detection.id), 5, 'odd tiles 7 to 15: scores 0.53 to 0.8');
    assert.equal(await count('layer=tiles', detection.id), 16);
    assert.equal(await count(`quadkey=${QUADKEYS[5]}`, detection.id), 1);
  });

  test('aggregate: the groups at a zoom', async () => {
    const response = await get(`/api/predictions/${classification.id}/aggregate?zoom=11`);
    assert.equal(response.statusCode, 200, response.body);
    const groups = response.json();
    assert.deepEqual(groups.map((g: { count: number }) => g.count), [4, 4, 4, 4]);
    assert.deepEqual(groups.map((g: { reviewed: number }) => g.reviewed), [0, 1, 0, 0]);
    assert.deepEqual(Object.keys(groups[0]).sort(), ['count', 'meanScores', 'quadkey', 'reviewed', 'topClass', 'valid']);
  });

  test('bad input is 400 with a message, an unknown prediction 404; never 500', async () => {
    const id = classification.id;
    const bad = [
      `/api/predictions/${id}/tiles/abc/0/0.mvt`,
      `/api/predictions/${id}/tiles/31/0/0.mvt`,
      `/api/predictions/${id}/tiles/2/4/0.mvt`,
      `/api/predictions/${id}/tiles/2/0/-1.mvt`,
      `/api/predictions/${id}/tiles/2/0/1.jpg`,
      `/api/predictions/${id}/tiles/25/0/0.mvt`,
      `/api/predictions/${id}/tiles/12/${X0}/${Y0}.mvt?class=2`,
      `/api/predictions/${id}/tiles/12/${X0}/${Y0}.mvt?class=1.5`,
      `/api/predictions/${id}/tiles/12/${X0}/${Y0}.mvt?class=-1`,
      `/api/predictions/${id}/tiles/12/${X0}/${Y0}.mvt?threshold=2`,
      `/api/predictions/${id}/tiles/12/${X0}/${Y0}.mvt?threshold=abc`,
      `/api/predictions/${id}/tiles/12/${X0}/${Y0}.mvt?threshold=`,
      `/api/predictions/${segmentation.id}/tiles/12/${X0}/${Y0}.png?opacity=2`,
      `/api/predictions/${id}/tiles.json?class=9`,
      `/api/predictions/${id}/geojson?bbox=1,2,3`,
      `/api/predictions/${id}/geojson?bbox=a,b,c,d`,
      `/api/predictions/${id}/geojson?bbox=-190,0,10,10`,
      `/api/predictions/${id}/geojson?bbox=10,0,5,10`,
      `/api/predictions/${id}/geojson?bbox=0,-95,10,10`,
      `/api/predictions/${id}/geojson?quadkey=0124`,
      `/api/predictions/${id}/geojson?layer=pixels`,
      `/api/predictions/${id}/geojson?limit=0`,
      `/api/predictions/${id}/geojson?limit=100001`,
      `/api/predictions/${id}/geojson?class=7`,
      `/api/predictions/${id}/aggregate`,
      `/api/predictions/${id}/aggregate?zoom=13`,
      `/api/predictions/${id}/aggregate?zoom=x`,
    ];
    for (const url of bad) {
      const response = await get(url);
      assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
      const body = response.json();
      assert.equal(body.error_code, 'INVALID_PARAMETER_VALUE', `${url}: ${response.body}`);
      assert.ok(body.message.length > 0, `${url} says why`);
    }
    for (const url of ['tiles.json', 'tiles-raster.json', 'tiles/12/0/0.mvt', 'tiles/12/0/0.png', 'geojson', 'aggregate?zoom=3']) {
      const response = await get(`/api/predictions/nope/${url}`);
      assert.equal(response.statusCode, 404, `${url}: ${response.body}`);
      assert.equal(response.json().error_code, 'RESOURCE_DOES_NOT_EXIST');
    }
  });
});
