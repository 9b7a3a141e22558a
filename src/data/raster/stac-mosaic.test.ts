// STAC mosaics: items over rio-tiler's two overlapping mosaic COGs, composed first-valid-wins and
// checked against gdalwarp of each COG into the tile; items away from the tile are never opened;
// assets chosen by key or eo:bands common name on a real Earth Search item.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { before, describe, test } from 'node:test';
import { tileXyBounds, type Tile } from '../../geo/tiles.js';
import { fixture, readAll, run, tempDir } from '../../../test/support/gdal.js';
import type { StacItem } from '../stac/types.js';
import { transformBoundsDensified } from './grid.js';
import { openImagery, openRaster } from './registry.js';
import { StacMosaicImagery, selectAssetBands } from './stac-mosaic.js';
import type { RasterSource } from './types.js';

const COG1 = fixture('cog/rio-tiler/mosaic_cog1.tif');
const COG2 = fixture('cog/rio-tiler/mosaic_cog2.tif');
// West of it only the first COG has data; in the rest both overlap.
const TILE: Tile = { z: 8, x: 75, y: 90 };
const plane = 256 * 256;

/** A STAC item whose `visual` asset is `file`, with its bbox from the file itself. */
async function itemFor(id: string, file: string, href = file): Promise<StacItem> {
  const source = await openRaster(file);
  const info = await source.info();
  await source.close();
  const [w, s, e, n] = transformBoundsDensified(info.bounds, info.crs, 'EPSG:4326');
  return {
    type: 'Feature',
    stac_version: '1.0.0',
    stac_extensions: ['https://stac-extensions.github.io/eo/v1.1.0/schema.json'],
    id,
    bbox: [w, s, e, n],
    geometry: { type: 'Polygon', coordinates: [[[w, s], [e, s], [e, n], [w, n], [w, s]]] },
    properties: { datetime: '2020-01-01T00:00:00Z' },
    links: [],
    assets: {
      visual: {
        href,
        type: 'image/tiff; application=geotiff; profile=cloud-optimized',
        'eo:bands': [{ name: 'b1', common_name: 'red' }, { name: 'b2', common_name: 'green' }, { name: 'b3', common_name: 'blue' }],
      },
    },
  };
}

/** gdalwarp of a file into the tile: its bands, and valid where any band is not nodata (0). */
async function warped(file: string): Promise<{ bands: ArrayLike<number>[]; valid: boolean[] }> {
  const out = path.join(tempDir(), `${path.basename(file)}.tile.tif`);
  await run('gdalwarp', ['-q', '-t_srs', 'EPSG:3857', '-te', ...tileXyBounds(TILE).map(String), '-ts', '256', '256', '-r', 'near', file, out]);
  const { bands } = readAll(out);
  return { bands, valid: Array.from({ length: plane }, (_, p) => bands.some((b) => b[p] !== 0)) };
}

describe('STAC mosaic imagery', () => {
  const dir = tempDir();
  let items: StacItem[];
  before(async () => {
    // A third item far away points at a file that does not exist: opening it would fail the test.
    const away = await itemFor('away', COG1, path.join(dir, 'never-opened.tif'));
    away.bbox = [10, 10, 11, 11];
    // Relative hrefs resolve against the document.
    fs.copyFileSync(COG2, path.join(dir, 'second.tif'));
    items = [await itemFor('first', COG1), await itemFor('second', COG2, './second.tif'), away];
    fs.writeFileSync(path.join(dir, 'items.json'), JSON.stringify({ type: 'FeatureCollection', features: items }));
  });

  test('first valid pixel wins, in item order; equal to gdalwarp of each item', async () => {
    const [one, two] = [await warped(COG1), await warped(COG2)];
    const imagery = await openImagery(`stac:${path.join(dir, 'items.json')}#assets=visual`);
    const tile = await imagery.tile(TILE.z, TILE.x, TILE.y);
    let fromFirst = 0;
    let fromSecond = 0;
    for (let p = 0; p < plane; p++) {
      const source = one.valid[p] ? one : two.valid[p] ? two : null;
      assert.equal(tile.mask[p], source ? 1 : 0, `mask at ${p}`);
      if (!source) continue;
      if (source === one) fromFirst++;
      else fromSecond++;
      for (let b = 0; b < 3; b++) assert.equal(tile.data[b * plane + p], source.bands[b][p]);
    }
    assert.ok(fromFirst > 0 && fromSecond > 0, `both items show (${fromFirst}, ${fromSecond})`);
    await imagery.close();
  });

  test('the other order shows the second item where they overlap', async () => {
    const [one, two] = [await warped(COG1), await warped(COG2)];
    const imagery = new StacMosaicImagery('items', [items[1], items[0]].map((item) => ({ item, base: path.join(dir, 'items.json') })), { openRaster: (href) => openRaster(href) });
    const tile = await imagery.tile(TILE.z, TILE.x, TILE.y);
    let differs = 0;
    for (let p = 0; p < plane; p++) {
      if (!(one.valid[p] && two.valid[p])) continue;
      assert.equal(tile.data[p], two.bands[0][p]);
      if (one.bands[0][p] !== two.bands[0][p]) differs++;
    }
    assert.ok(differs > 0, 'the two scenes differ where they overlap');
    await imagery.close();
  });

  test('bands by common name, in the order asked; items off the tile are not opened', async () => {
    const opened: string[] = [];
    const open = async (href: string): Promise<RasterSource> => {
      opened.push(path.basename(href));
      return openRaster(href);
    };
    const imagery = await StacMosaicImagery.open(`stac:${path.join(dir, 'items.json')}#assets=blue,red`, { openRaster: open });
    const info = await imagery.info();
    assert.equal(info.bandCount, 2);
    assert.deepEqual(info.bandDescriptions, ['visual:3', 'visual:1']);
    assert.equal(info.dataType, 'uint16');
    assert.ok(info.statistics?.length === 2 && info.statistics.every((s) => s.max > s.min), 'statistics to stretch UInt16 to PNG');
    const tile = await imagery.tile(TILE.z, TILE.x, TILE.y);
    const one = await warped(COG1);
    const p = one.valid.indexOf(true);
    assert.deepEqual([tile.data[p], tile.data[plane + p]], [one.bands[2][p], one.bands[0][p]]);
    assert.deepEqual([...new Set(opened)].sort(), ['mosaic_cog1.tif', 'second.tif']);
    const empty = await imagery.tile(8, 10, 10);
    assert.ok(empty.mask.every((v) => v === 0));
    await imagery.close();
  });

  test('assets of a real Earth Search item: keys first, then common names on single-band GeoTIFFs', () => {
    const collection = JSON.parse(fs.readFileSync(fixture('stac/raster-vision/item_collection.json'), 'utf8'));
    const item = collection.features[0] as StacItem;
    assert.deepEqual(selectAssetBands(item, ['red', 'green', 'blue']), [
      { asset: 'red', band: 1 },
      { asset: 'green', band: 1 },
      { asset: 'blue', band: 1 },
    ]);
    assert.deepEqual(selectAssetBands(item, ['visual']), [
      { asset: 'visual', band: 1 },
      { asset: 'visual', band: 2 },
      { asset: 'visual', band: 3 },
    ]);
    assert.deepEqual(selectAssetBands(item, ['rededge', 'nir08']), [
      { asset: 'rededge1', band: 1 },
      { asset: 'nir08', band: 1 },
    ]);
  });

  test('an unknown asset name lists the assets there are', () => {
    const collection = JSON.parse(fs.readFileSync(fixture('stac/raster-vision/item_collection.json'), 'utf8'));
    assert.throws(() => selectAssetBands(collection.features[0], ['thermal']), /no asset or band named "thermal" \(assets: aot, blue/);
  });
});
