// XYZ/TMS tiles from a real tile server on loopback: PNG tiles made from TCI.tif with gdalwarp and
// gdal_translate, decoded by GDAL from memory; 404 is an empty tile, 500 an error; zooms the service
// lacks and arbitrary reads go through the tile mosaic (XyzSource) and equal gdalwarp of the tile.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { quadkey, tileXyBounds, type Tile } from '../../geo/tiles.js';
import { fileServer, fixture, readAll, run, tempDir } from '../../../test/support/gdal.js';
import { httpFetch } from '../stac/http.js';
import { gdal } from './gdal-env.js';
import { openImagery, openRaster } from './registry.js';
import { XyzImagery, parseXyzUri, tileUrl } from './xyz.js';

const TCI = fixture('cog/titiler/TCI.tif');
// On the eastern edge of TCI.tif: part of the tile has no imagery.
const TILE: Tile = { z: 10, x: 581, y: 415 };
const plane = 256 * 256;

describe('XYZ tiles', () => {
  const dir = tempDir();
  let server: Awaited<ReturnType<typeof fileServer>>;
  let reference: ReturnType<typeof readAll>;
  const georeferenced = path.join(dir, 'tile.tif');

  before(async () => {
    // The tile as a tile server would render it: RGBA PNG, transparent where TCI has no data.
    await run('gdalwarp', ['-q', '-t_srs', 'EPSG:3857', '-te', ...tileXyBounds(TILE).map(String), '-ts', '256', '256', '-dstalpha', '-r', 'near', TCI, georeferenced]);
    for (const name of [`xyz/10/581/415.png`, `tms/10/581/${2 ** 10 - 1 - 415}.png`, `quadkey/${quadkey(TILE)}.png`]) {
      fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
      await run('gdal_translate', ['-q', '-of', 'PNG', georeferenced, path.join(dir, name)]);
    }
    // A palette PNG, as OpenStreetMap serves: two colours, left half and right half.
    const mem = gdal.open('', 'w', 'MEM', 256, 256, 1, gdal.GDT_Byte);
    const band = mem.bands.get(1);
    band.pixels.write(0, 0, 256, 256, Uint8Array.from({ length: plane }, (_, p) => (p % 256 < 128 ? 0 : 1)));
    const colours = new gdal.ColorTable(gdal.GPI_RGB);
    colours.set(0, { c1: 200, c2: 10, c3: 20, c4: 255 });
    colours.set(1, { c1: 5, c2: 6, c3: 7, c4: 255 });
    band.colorTable = colours;
    fs.mkdirSync(path.join(dir, 'palette/10/581'), { recursive: true });
    gdal.drivers.get('PNG').createCopy(path.join(dir, 'palette/10/581/415.png'), mem).close();
    mem.close();
    server = await fileServer(dir);
    reference = readAll(georeferenced);
  });
  after(async () => server.close());

  test('a tile is the service tile decoded: RGB, and the alpha as the mask', async () => {
    const imagery = new XyzImagery(`xyz+${server.url}/xyz/{z}/{x}/{y}.png#minzoom=10&maxzoom=10`);
    const tile = await imagery.tile(TILE.z, TILE.x, TILE.y);
    assert.equal(tile.bandCount, 3);
    for (let b = 0; b < 3; b++) assert.deepEqual(tile.data.subarray(b * plane, (b + 1) * plane), reference.bands[b]);
    assert.deepEqual(tile.mask, Uint8Array.from(reference.bands[3], (a) => (a > 0 ? 1 : 0)));
    assert.ok(tile.mask.includes(0) && tile.mask.includes(1), 'the tile is partly transparent');
    assert.equal(tile.crs, 'EPSG:3857');
    assert.deepEqual(tile.transform, [tileXyBounds(TILE)[0], (tileXyBounds(TILE)[2] - tileXyBounds(TILE)[0]) / 256, 0, tileXyBounds(TILE)[3], 0, -(tileXyBounds(TILE)[2] - tileXyBounds(TILE)[0]) / 256]);
  });

  test('TMS rows ({-y} or tms=true) and quadkeys reach the same tile', async () => {
    const expected = await new XyzImagery(`xyz+${server.url}/xyz/{z}/{x}/{y}.png`).tile(TILE.z, TILE.x, TILE.y);
    for (const uri of [`xyz+${server.url}/tms/{z}/{x}/{-y}.png`, `xyz+${server.url}/tms/{z}/{x}/{y}.png#tms=true`, `xyz+${server.url}/quadkey/{quadkey}.png`]) {
      assert.deepEqual((await new XyzImagery(uri).tile(TILE.z, TILE.x, TILE.y)).data, expected.data, uri);
    }
  });

  test('a palette PNG is expanded to RGB', async () => {
    const tile = await new XyzImagery(`xyz+${server.url}/palette/{z}/{x}/{y}.png`).tile(TILE.z, TILE.x, TILE.y);
    assert.equal(tile.bandCount, 3);
    assert.deepEqual([tile.data[0], tile.data[plane], tile.data[2 * plane]], [200, 10, 20]);
    assert.deepEqual([tile.data[200], tile.data[plane + 200], tile.data[2 * plane + 200]], [5, 6, 7]);
    assert.ok(tile.mask.every((v) => v === 1));
  });

  test('a tile the service does not have (404) is empty: every pixel masked', async () => {
    const tile = await new XyzImagery(`xyz+${server.url}/xyz/{z}/{x}/{y}.png`).tile(10, 1, 1);
    assert.equal(tile.width, 256);
    assert.ok(tile.mask.every((v) => v === 0));
  });

  test('tile resized to 512 px', async () => {
    const tile = await new XyzImagery(`xyz+${server.url}/xyz/{z}/{x}/{y}.png`).tile(TILE.z, TILE.x, TILE.y, { size: 512, resampling: 'nearest' });
    assert.equal(tile.width, 512);
    assert.equal(tile.data[(100 * 2) * 512 + 60 * 2], reference.bands[0][100 * 256 + 60]);
  });

  test('a zoom above the service max is warped from its tiles (XyzSource), equal to gdalwarp of the tile', async () => {
    const imagery = await openImagery(`xyz+${server.url}/xyz/{z}/{x}/{y}.png#minzoom=10&maxzoom=10`);
    const child: Tile = { z: 11, x: 2 * TILE.x + 1, y: 2 * TILE.y };
    const before = server.requests.length;
    const tile = await imagery.tile(child.z, child.x, child.y);
    const out = path.join(dir, 'child.tif');
    await run('gdalwarp', ['-q', '-te', ...tileXyBounds(child).map(String), '-ts', '256', '256', '-r', 'near', georeferenced, out]);
    const expected = readAll(out);
    for (let b = 0; b < 3; b++) assert.deepEqual(tile.data.subarray(b * plane, (b + 1) * plane), expected.bands[b]);
    assert.deepEqual(tile.mask, Uint8Array.from(expected.bands[3], (a) => (a > 0 ? 1 : 0)));
    // One tile of the service under the child, and one probe for the band layout.
    assert.deepEqual(server.requests.slice(before).map((r) => r.path).sort(), ['/xyz/10/512/512.png', '/xyz/10/581/415.png']);
    await imagery.close();
  });

  test('XyzSource reads bounds in another CRS (warped from the tile mosaic)', async () => {
    const source = await openRaster(`xyz+${server.url}/xyz/{z}/{x}/{y}.png#minzoom=10&maxzoom=10`);
    const info = await source.info();
    assert.equal(info.width, 256 * 2 ** 10);
    assert.equal(info.crs, 'EPSG:3857');
    const bounds: [number, number, number, number] = [805000, 3550000, 815000, 3560000];
    const block = await source.read({ bounds, crs: 'EPSG:32634', width: 100, height: 100 });
    const out = path.join(dir, 'utm.tif');
    await run('gdalwarp', ['-q', '-t_srs', 'EPSG:32634', '-te', ...bounds.map(String), '-ts', '100', '100', '-r', 'near', georeferenced, out]);
    const expected = readAll(out);
    for (let b = 0; b < 3; b++) assert.deepEqual(block.data.subarray(b * 10000, (b + 1) * 10000), expected.bands[b]);
    assert.deepEqual(block.mask, Uint8Array.from(expected.bands[3], (a) => (a > 0 ? 1 : 0)));
    assert.ok(block.mask.includes(0) && block.mask.includes(1));
    await assert.rejects(source.read({ bounds: [-2e7, -2e7, 2e7, 2e7], crs: 'EPSG:3857', width: 256 * 64, height: 256 * 64 }), /more than 256/);
    await source.close();
  });

  test('URL templates', () => {
    const template = parseXyzUri('xyz+https://t.example/{z}/{x}/{-y}.png?key=1#maxzoom=18&tileSize=512');
    assert.deepEqual(template, { url: 'https://t.example/{z}/{x}/{-y}.png?key=1', minzoom: 0, maxzoom: 18, tms: false, tileSize: 512 });
    assert.equal(tileUrl(template, { z: 3, x: 2, y: 1 }), 'https://t.example/3/2/6.png?key=1');
    assert.equal(tileUrl(parseXyzUri('xyz+https://t.example/{quadkey}.jpg'), { z: 3, x: 3, y: 5 }), 'https://t.example/213.jpg');
    assert.throws(() => parseXyzUri('xyz+https://t.example/{z}/{x}.png'), /needs \{z\}, \{x\} and \{y\}/);
    assert.throws(() => parseXyzUri('xyz+https://t.example/{z}/{x}/{y}.png#minzoom=5&maxzoom=2'), /above maxzoom/);
    assert.throws(() => parseXyzUri('xyz+ftp://t.example/{z}/{x}/{y}.png'), /http\(s\) URL/);
  });
});

describe('XYZ service failures', () => {
  let server: http.Server;
  let url = '';
  before(async () => {
    server = http.createServer((req, res) => {
      if (req.url?.startsWith('/broken/')) res.writeHead(500).end('disk on fire');
      else res.writeHead(200, { 'Content-Type': 'image/png' }).end('not a png at all');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  test('a server error is a TileflowError (503), naming the URL', async () => {
    const imagery = new XyzImagery(`xyz+${url}/broken/{z}/{x}/{y}.png`, { fetcher: httpFetch() });
    await assert.rejects(imagery.tile(1, 0, 0), (error: unknown) => {
      assert.ok(error instanceof TileflowError);
      assert.equal(error.code, 'TEMPORARILY_UNAVAILABLE');
      assert.match(error.message, /broken\/1\/0\/0\.png.*500/);
      return true;
    });
  });

  test('bytes that are no image are a TileflowError naming the tile', async () => {
    const imagery = new XyzImagery(`xyz+${url}/garbage/{z}/{x}/{y}.png`, { fetcher: httpFetch() });
    await assert.rejects(imagery.tile(1, 0, 0), (error: unknown) => {
      assert.ok(error instanceof TileflowError);
      assert.match(error.message, /cannot decode tile .*garbage\/1\/0\/0\.png/);
      return true;
    });
  });

  test('a tile outside the pyramid is refused', async () => {
    await assert.rejects(new XyzImagery(`xyz+${url}/x/{z}/{x}/{y}.png`).tile(2, 4, 0), /out of range|must be/);
  });
});
