// The imagery routes on a bare Fastify app with buildApp's error handling: PNG tiles checked with GDAL
// (signature, size, bands, pixels), .npy tiles loaded by NumPy, TileJSON, and the 400/404 answers.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { fixture, readAll, run, tempDir } from '../../../test/support/gdal.js';
import { ImageryRegistry } from '../../data/raster/imagery-registry.js';
import { errorResponse } from '../errors.js';
import { imageryRoutes } from './imagery-routes.js';

const TCI = fixture('cog/titiler/TCI.tif');
const COG = fixture('cog/rio-tiler/cog.tif');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

describe('imagery tile routes', () => {
  const dir = tempDir();
  let app: FastifyInstance;
  let imagery: ImageryRegistry;

  before(async () => {
    imagery = new ImageryRegistry();
    await imagery.registerImagerySource('tci', TCI);
    await imagery.registerImagerySource('landsat', COG);
    await imagery.registerImagerySource('landsat-fixed', COG, { rescale: [0, 20000] });
    app = Fastify();
    // As buildApp: every error becomes MLflow's error JSON with the status from the one catalog.
    app.setErrorHandler((error, request, reply) => {
      const { status, body } = errorResponse(error, (e) => request.log.error(e));
      return reply.code(status).type('application/json').send(body);
    });
    await app.register(imageryRoutes, { imagery });
  });
  after(async () => {
    await app.close();
    await imagery.close();
  });

  /** GETs a PNG tile and opens it with gdalinfo and GDAL: its size, band count and pixels. */
  async function png(url: string): Promise<ReturnType<typeof readAll>> {
    const response = await app.inject({ method: 'GET', url });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.headers['content-type'], 'image/png');
    assert.equal(response.headers['cache-control'], 'public, max-age=3600', 'a map reopened within the hour reuses its imagery tiles');
    assert.deepEqual(response.rawPayload.subarray(0, 8), PNG_SIGNATURE);
    const file = path.join(dir, `${url.replace(/[^a-z0-9]+/gi, '_')}.png`);
    fs.writeFileSync(file, response.rawPayload);
    assert.match(await run('gdalinfo', [file]), /Driver: PNG\/Portable Network Graphics/);
    return readAll(file);
  }

  test('a PNG tile: 256 x 256 RGBA, RGB as the tile, alpha from the mask', async () => {
    const decoded = await png('/tiles/imagery/tci/10/579/415.png');
    assert.equal(decoded.width, 256);
    assert.equal(decoded.height, 256);
    assert.equal(decoded.bands.length, 4);
    const tile = await imagery.get('tci').provider.tile(10, 579, 415);
    const plane = 256 * 256;
    for (let b = 0; b < 3; b++) assert.deepEqual(decoded.bands[b], tile.data.subarray(b * plane, (b + 1) * plane));
    assert.deepEqual(decoded.bands[3], Uint8Array.from(tile.mask, (v) => v * 255));
  });

  test('@2x is 512 px; bands=3,2,1 swaps red and blue', async () => {
    assert.equal((await png('/tiles/imagery/tci/10/579/415@2x.png')).width, 512);
    const normal = await png('/tiles/imagery/tci/10/579/415.png');
    const swapped = await png('/tiles/imagery/tci/10/579/415.png?bands=3,2,1');
    assert.deepEqual(swapped.bands[0], normal.bands[2]);
    assert.deepEqual(swapped.bands[2], normal.bands[0]);
  });

  test('UInt16 imagery renders grey + alpha, stretched by its statistics or by rescale', async () => {
    const stretched = await png('/tiles/imagery/landsat/7/43/24.png');
    assert.equal(stretched.bands.length, 2);
    const values = stretched.bands[0].filter((_, p) => stretched.bands[1][p] > 0);
    assert.ok(values.length > 0);
    assert.ok(Math.max(...values) > 200, 'the statistics stretch the data over the byte range');
    const fixed = await png('/tiles/imagery/landsat-fixed/7/43/24.png');
    const queried = await png('/tiles/imagery/landsat/7/43/24.png?rescale=0,20000');
    assert.deepEqual(fixed.bands[0], queried.bands[0]);
    assert.notDeepEqual(fixed.bands[0], stretched.bands[0]);
  });

  test('a tile outside the imagery is a fully transparent PNG (200)', async () => {
    const decoded = await png('/tiles/imagery/tci/10/10/10.png');
    assert.ok(decoded.bands[3].every((a) => a === 0));
  });

  test('a .npy tile loads in NumPy: (bands + 1, 256, 256), mask last', async () => {
    const response = await app.inject({ method: 'GET', url: '/tiles/imagery/landsat/7/43/24.npy' });
    assert.equal(response.statusCode, 200);
    assert.equal(response.headers['content-type'], 'application/x-npy');
    const file = path.join(dir, 'tile.npy');
    fs.writeFileSync(file, response.rawPayload);
    const loaded = JSON.parse(
      await run('/usr/bin/python3', ['-c', `import json, numpy\na = numpy.load(${JSON.stringify(file)})\nprint(json.dumps({'shape': a.shape, 'dtype': str(a.dtype), 'sum': int(a[0].astype('int64').sum()), 'masks': sorted(set(a[1].ravel().tolist()))}))`]),
    );
    const tile = await imagery.get('landsat').provider.tile(7, 43, 24);
    assert.deepEqual(loaded.shape, [2, 256, 256]);
    assert.equal(loaded.dtype, 'uint16');
    assert.equal(loaded.sum, Array.from(tile.data).reduce((s, v) => s + v, 0));
    assert.ok(loaded.masks.includes(255) && loaded.masks.every((m: number) => m === 0 || m === 255), `mask values ${loaded.masks}`);
  });

  test('TileJSON 3.0.0: tile URL template, bounds in EPSG:4326, zooms from the resolution', async () => {
    const response = await app.inject({ method: 'GET', url: '/tiles/imagery/tci/tilejson.json', headers: { host: 'maps.example:8080' } });
    assert.equal(response.statusCode, 200);
    const doc = response.json();
    const info = imagery.get('tci').info;
    assert.equal(doc.tilejson, '3.0.0');
    assert.deepEqual(doc.tiles, ['http://maps.example:8080/tiles/imagery/tci/{z}/{x}/{y}.png']);
    assert.deepEqual(doc.bounds, info.bounds);
    assert.deepEqual([doc.minzoom, doc.maxzoom], [8, 10]);
    assert.deepEqual(doc.center, [(info.bounds[0] + info.bounds[2]) / 2, (info.bounds[1] + info.bounds[3]) / 2, 8]);
    const withBands = (await app.inject({ method: 'GET', url: '/tiles/imagery/tci/tilejson.json?bands=1', headers: { host: 'h' } })).json();
    assert.deepEqual(withBands.tiles, ['http://h/tiles/imagery/tci/{z}/{x}/{y}.png?bands=1']);
  });

  test('bad z/x/y, format or band are 400; an unknown source is 404 (MLflow error JSON)', async () => {
    for (const url of [
      '/tiles/imagery/tci/31/0/0.png',
      '/tiles/imagery/tci/3/8/0.png',
      '/tiles/imagery/tci/3/0/8.png',
      '/tiles/imagery/tci/3/0/abc.png',
      '/tiles/imagery/tci/3/0/0.jpg',
      '/tiles/imagery/tci/3/-1/0.png',
      '/tiles/imagery/tci/10/579/415.png?bands=4',
      '/tiles/imagery/tci/10/579/415.png?rescale=9,1',
      '/tiles/imagery/tci/10/579/415.png?resampling=sharpest',
    ]) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 400, `${url}: ${response.body}`);
      assert.ok(['INVALID_PARAMETER_VALUE', 'BAD_REQUEST'].includes(response.json().error_code), url);
    }
    for (const url of ['/tiles/imagery/nothing/1/0/0.png', '/tiles/imagery/nothing/tilejson.json']) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 404, url);
      assert.deepEqual(response.json(), { error_code: 'RESOURCE_DOES_NOT_EXIST', message: 'no imagery source "nothing"' });
    }
  });
});

describe('imagery registry', () => {
  test('ids are checked, registered once, and a bad URI fails at registration', async () => {
    const imagery = new ImageryRegistry();
    try {
      await imagery.registerImagerySource('tci', TCI, { bands: [3, 2, 1] });
      assert.deepEqual(imagery.get('tci').bands, [3, 2, 1]);
      await assert.rejects(imagery.registerImagerySource('tci', TCI), /registered already/);
      await assert.rejects(imagery.registerImagerySource('a/b', TCI), /must be letters/);
      await assert.rejects(imagery.registerImagerySource('x', TCI, { bands: [5] }), /band 5 does not exist/);
      await assert.rejects(imagery.registerImagerySource('y', path.join(tempDir(), 'none.tif')), /does not exist/);
      assert.deepEqual(imagery.ids(), ['tci']);
      await imagery.unregister('tci');
      assert.deepEqual(imagery.ids(), []);
    } finally {
      await imagery.close();
    }
  });
});

describe('imagery found by a lookup (a project imagery id)', () => {
  test('is opened on first use, served by its id, and no longer once the lookup stops finding it', async () => {
    const imagery = new ImageryRegistry();
    const known = new Map<string, { uri: string }>([['project-imagery-1', { uri: TCI }]]);
    const looked: string[] = [];
    const app = Fastify();
    app.setErrorHandler((error, request, reply) => {
      const { status, body } = errorResponse(error, (e) => request.log.error(e));
      return reply.code(status).type('application/json').send(body);
    });
    await app.register(imageryRoutes, {
      imagery,
      lookup: async (id) => {
        looked.push(id);
        return known.get(id);
      },
    });
    try {
      // Two first requests at once: one opens it, the other gets the same source.
      const [tilejson, tile] = await Promise.all([
        app.inject({ method: 'GET', url: '/tiles/imagery/project-imagery-1/tilejson.json' }),
        app.inject({ method: 'GET', url: '/tiles/imagery/project-imagery-1/10/579/415.png' }),
      ]);
      assert.equal(tilejson.statusCode, 200, tilejson.body);
      assert.match(JSON.parse(tilejson.body).tiles[0], /\/tiles\/imagery\/project-imagery-1\/\{z\}\/\{x\}\/\{y\}\.png$/);
      assert.equal(tile.statusCode, 200, tile.body);
      assert.deepEqual(tile.rawPayload.subarray(0, 8), PNG_SIGNATURE);
      assert.deepEqual(imagery.ids(), ['project-imagery-1'], 'opened once');

      const unknown = await app.inject({ method: 'GET', url: '/tiles/imagery/nobody/tilejson.json' });
      assert.equal(unknown.statusCode, 404);

      known.delete('project-imagery-1');
      const removed = await app.inject({ method: 'GET', url: '/tiles/imagery/project-imagery-1/10/579/415.png' });
      assert.equal(removed.statusCode, 404, 'removed imagery is not served any more');
      assert.deepEqual(imagery.ids(), [], 'and its reader is closed');
      assert.ok(looked.includes('nobody'));
    } finally {
      await app.close();
      await imagery.close();
    }
  });
});
