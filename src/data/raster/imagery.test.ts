// RasterImagery: tiles of a COG equal gdalwarp's tile, tiles off the raster are empty without a read,
// and TileJSON facts (bounds, zooms) equal rio-tiler's `get_zooms` computed with rasterio.
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { tileXyBounds } from '../../geo/tiles.js';
import { fixture, rasterio, readAll, run, tempDir } from '../../../test/support/gdal.js';
import { RasterImagery } from './imagery.js';
import { openImagery, openRaster } from './registry.js';
import type { RasterBlock, RasterSource, ReadOptions } from './types.js';

const TCI = fixture('cog/titiler/TCI.tif');
const COG = fixture('cog/rio-tiler/cog.tif');
const NAN = fixture('cog/titiler/cog_with_nan.tif');

/** Counts reads, to show which tiles touch the raster (a counting wrapper, not a mock). */
function counting(source: RasterSource): RasterSource & { reads: number } {
  const wrapper = {
    uri: source.uri,
    reads: 0,
    info: () => source.info(),
    read: (options?: ReadOptions) => {
      wrapper.reads++;
      return source.read(options);
    },
    close: () => source.close(),
  };
  return wrapper;
}

describe('RasterImagery', () => {
  test('a tile is gdalwarp of the tile bounds to EPSG:3857 (nearest, 256 px)', async () => {
    const imagery = await openImagery(TCI);
    try {
      const tile = await imagery.tile(10, 579, 415);
      const out = path.join(tempDir(), 'tile.tif');
      await run('gdalwarp', ['-q', '-t_srs', 'EPSG:3857', '-te', ...tileXyBounds({ z: 10, x: 579, y: 415 }).map(String), '-ts', '256', '256', '-r', 'near', TCI, out]);
      const reference = readAll(out);
      assert.equal(tile.bandCount, 3);
      const plane = 256 * 256;
      for (let b = 0; b < 3; b++) assert.deepEqual(tile.data.subarray(b * plane, (b + 1) * plane), reference.bands[b], `band ${b + 1}`);
    } finally {
      await imagery.close();
    }
  });

  test('512 px tiles and band selection', async () => {
    const imagery = await openImagery(TCI);
    try {
      const tile = await imagery.tile(10, 579, 415, { size: 512, bands: [2] });
      assert.equal(tile.width, 512);
      assert.equal(tile.bandCount, 1);
    } finally {
      await imagery.close();
    }
  });

  test('a tile off the raster is empty and reads nothing', async () => {
    const source = counting(await openRaster(TCI));
    const imagery = new RasterImagery(source);
    try {
      const empty: RasterBlock = await imagery.tile(10, 100, 100);
      assert.equal(empty.mask.reduce((n, v) => n + v, 0), 0);
      assert.equal(empty.bandCount, 3);
      assert.equal(source.reads, 0);
      await imagery.tile(10, 579, 415);
      assert.equal(source.reads, 1);
    } finally {
      await imagery.close();
    }
  });

  for (const file of [TCI, COG, NAN]) {
    test(`bounds and zooms of ${path.basename(file)} equal rio-tiler's get_zooms`, async () => {
      const expected = await rasterio<{ minzoom: number; maxzoom: number; bounds: number[] }>(
        `import math\nfrom rasterio.warp import calculate_default_transform, transform_bounds\n` +
          `def zoom(px):\n  for z in range(24):\n    if px > 2 * math.pi * 6378137 / (256 * 2 ** z): return max(0, z - 1)\n  return 23\n` +
          `s = rasterio.open(${JSON.stringify(file)})\naff, w, h = calculate_default_transform(s.crs, 'epsg:3857', s.width, s.height, *s.bounds)\n` +
          `res = max(abs(aff[0]), abs(aff[4]))\n` +
          `print(json.dumps({'maxzoom': zoom(res), 'minzoom': zoom(res * max(w, h) / 256), 'bounds': list(transform_bounds(s.crs, 'epsg:4326', *s.bounds, densify_pts=21))}))`,
      );
      const imagery = await openImagery(file);
      try {
        const info = await imagery.info();
        assert.equal(info.maxzoom, expected.maxzoom);
        assert.equal(info.minzoom, expected.minzoom);
        info.bounds.forEach((v, i) => assert.ok(Math.abs(v - expected.bounds[i]) < 1e-6, `bounds[${i}] ${v} vs ${expected.bounds[i]}`));
      } finally {
        await imagery.close();
      }
    });
  }

  test('non-byte imagery carries min/max statistics for stretching; byte imagery none', async () => {
    const cog = await openImagery(COG);
    const tci = await openImagery(TCI);
    try {
      const stats = (await cog.info()).statistics;
      assert.ok(stats && stats.length === 1 && stats[0].min >= 0 && stats[0].max > stats[0].min);
      assert.equal((await tci.info()).statistics, undefined);
    } finally {
      await cog.close();
      await tci.close();
    }
  });

});
