// GDAL-backed reads against GDAL's own tools and rasterio on the shared fixtures: windows (checksums
// of gdal_translate -srcwin), masks and scale/offset (rasterio), bounds in EPSG:4326, warped tiles
// (gdalwarp), overviews (gdal_translate -ovr), remote COGs over a loopback HTTP server with Range
// requests, the xcube Zarr cube, and broken files.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { tileXyBounds } from '../../geo/tiles.js';
import { blockChecksums, fileServer, fixture, gdalinfoChecksums, rasterio, readAll, run, tempDir, translateChecksums } from '../../../test/support/gdal.js';
import { openRaster } from './registry.js';
import type { PixelWindow, RasterBlock } from './types.js';

const TCI = fixture('cog/titiler/TCI.tif');
const COG = fixture('cog/rio-tiler/cog.tif');
const INT16 = fixture('cog/rio-tiler/cog_int16.tif');
const SCALED = fixture('cog/rio-tiler/cog_scale.tif');
const NAN = fixture('cog/titiler/cog_with_nan.tif');
const STRIPED = fixture('cog/rasterio/RGB.byte.tif');
const CUBE = fixture('zarr/xcube/cube-1-250-250.zarr');

async function read(file: string, options: Parameters<Awaited<ReturnType<typeof openRaster>>['read']>[0]): Promise<RasterBlock> {
  const source = await openRaster(file);
  try {
    return await source.read(options);
  } finally {
    await source.close();
  }
}

const srcwin = (w: PixelWindow) => ['-srcwin', String(w.xoff), String(w.yoff), String(w.xsize), String(w.ysize)];
const md5 = (bytes: Uint8Array) => createHash('md5').update(bytes).digest('hex');
const valid = (block: RasterBlock) => block.mask.reduce((n, v) => n + v, 0);

describe('window reads equal gdal_translate -srcwin (gdalinfo -checksum)', () => {
  const cases: { name: string; file: string; window: PixelWindow; bands?: number[] }[] = [
    { name: 'TCI, 3 x Byte, 64x64 tiles', file: TCI, window: { xoff: 300, yoff: 250, xsize: 512, ysize: 384 } },
    { name: 'TCI, bands 3 and 1, at the raster edge', file: TCI, window: { xoff: 1000, yoff: 900, xsize: 98, ysize: 198 }, bands: [3, 1] },
    { name: 'cog.tif, UInt16', file: COG, window: { xoff: 1000, yoff: 1200, xsize: 512, ysize: 512 } },
    { name: 'cog.tif, UInt16, at the raster edge', file: COG, window: { xoff: 2400, yoff: 2500, xsize: 258, ysize: 167 } },
    { name: 'cog_int16.tif', file: INT16, window: { xoff: 512, yoff: 700, xsize: 600, ysize: 400 } },
    { name: 'cog_scale.tif, raw values', file: SCALED, window: { xoff: 10, yoff: 20, xsize: 200, ysize: 180 } },
    { name: 'cog_with_nan.tif, Float32 with NaN', file: NAN, window: { xoff: 100, yoff: 50, xsize: 300, ysize: 300 } },
    { name: 'RGB.byte.tif, striped', file: STRIPED, window: { xoff: 100, yoff: 100, xsize: 400, ysize: 300 } },
    { name: 'RGB.byte.tif, striped, at the raster edge', file: STRIPED, window: { xoff: 700, yoff: 600, xsize: 91, ysize: 118 } },
  ];
  for (const c of cases) {
    test(c.name, async () => {
      const block = await read(c.file, { window: c.window, bands: c.bands });
      assert.equal(block.width, c.window.xsize);
      assert.equal(block.height, c.window.ysize);
      const expected = await translateChecksums(c.file, [...srcwin(c.window), ...(c.bands ?? []).flatMap((b) => ['-b', String(b)])]);
      assert.deepEqual(blockChecksums(block), expected);
    });
  }

  test('the block carries the window transform, the CRS and the nodata of the bands', async () => {
    const block = await read(TCI, { window: { xoff: 300, yoff: 250, xsize: 10, ysize: 10 }, bands: [2] });
    assert.deepEqual(block.transform, [699960 + 300 * 100, 100, 0, 3600000 - 250 * 100, 0, -100]);
    assert.equal(block.crs, 'EPSG:32634');
    assert.deepEqual(block.nodata, [0]);
    assert.equal(block.dataType, 'uint8');
  });

  test('a window reaching outside the raster is filled with nodata and masked there', async () => {
    const block = await read(COG, { window: { xoff: 2600, yoff: -20, xsize: 100, ysize: 60 } });
    const inside = await read(COG, { window: { xoff: 2600, yoff: 0, xsize: 58, ysize: 40 } });
    for (let row = 0; row < 60; row++) {
      for (let col = 0; col < 100; col++) {
        const within = row >= 20 && col < 58;
        assert.equal(block.mask[row * 100 + col], within ? 1 : 0);
        if (within) assert.equal(block.data[row * 100 + col], inside.data[(row - 20) * 58 + col]);
      }
    }
  });
});

describe('masks and scale/offset, as rasterio reads them', () => {
  test('cog_with_nan.tif: the mask is rasterio dataset_mask (NaN nodata)', async () => {
    const block = await read(NAN, { window: { xoff: 0, yoff: 0, xsize: 532, ysize: 423 } });
    const expected = await rasterio<{ md5: string; valid: number }>(
      `s = rasterio.open(${JSON.stringify(NAN)}); m = s.dataset_mask() > 0\nprint(json.dumps({'md5': hashlib.md5(m.astype('uint8').tobytes()).hexdigest(), 'valid': int(m.sum())}))`,
    );
    assert.ok(expected.valid > 0 && expected.valid < 532 * 423, 'the fixture has both valid and NaN pixels');
    assert.equal(valid(block), expected.valid);
    assert.equal(md5(block.mask), expected.md5);
  });

  test('TCI.tif: nodata 0 in every band; the mask is rasterio dataset_mask', async () => {
    const window = { xoff: 0, yoff: 600, xsize: 400, ysize: 498 };
    const block = await read(TCI, { window });
    const expected = await rasterio<{ md5: string; valid: number }>(
      `from rasterio.windows import Window\ns = rasterio.open(${JSON.stringify(TCI)}); m = s.dataset_mask(window=Window(0, 600, 400, 498)) > 0\nprint(json.dumps({'md5': hashlib.md5(m.astype('uint8').tobytes()).hexdigest(), 'valid': int(m.sum())}))`,
    );
    assert.ok(expected.valid > 0 && expected.valid < 400 * 498);
    assert.equal(md5(block.mask), expected.md5);
  });

  test('cog_scale.tif: applyScale gives raw * scale + offset as float32, NaN where masked', async () => {
    const window = { xoff: 10, yoff: 20, xsize: 200, ysize: 180 };
    const block = await read(SCALED, { window, applyScale: true });
    assert.equal(block.dataType, 'float32');
    const expected = await rasterio<{ sums: number[]; valid: number[]; first: number[] }>(
      `from rasterio.windows import Window\ns = rasterio.open(${JSON.stringify(SCALED)})\na = s.read(window=Window(10, 20, 200, 180), masked=True).astype('float64')\n` +
        `p = [a[i] * s.scales[i] + s.offsets[i] for i in range(s.count)]\n` +
        `print(json.dumps({'sums': [float(p[i].sum()) for i in range(s.count)], 'valid': [int(p[i].count()) for i in range(s.count)], 'first': [float(numpy.float32(p[i].filled(numpy.nan)[5, 7])) for i in range(s.count)]}))`,
    );
    const plane = 200 * 180;
    for (let b = 0; b < 2; b++) {
      let sum = 0;
      let count = 0;
      for (let p = 0; p < plane; p++) {
        const v = block.data[b * plane + p];
        if (!Number.isNaN(v)) {
          sum += v;
          count++;
        }
      }
      assert.equal(count, expected.valid[b]);
      assert.ok(Math.abs(sum - expected.sums[b]) <= 1e-6 * Math.abs(expected.sums[b]), `band ${b + 1}: ${sum} vs ${expected.sums[b]}`);
      assert.equal(block.data[b * plane + 5 * 200 + 7], expected.first[b]);
    }
    assert.ok(block.nodata.every((v) => v !== null && Number.isNaN(v)));
  });
});

describe('reads by bounds', () => {
  test('bounds in EPSG:4326 read the covering window of the raster (densified transform, as rasterio)', async () => {
    const bounds: [number, number, number, number] = [23.4, 31.8, 23.7, 32.1];
    const expected = await rasterio<{ window: number[]; bounds: number[] }>(
      `from rasterio.warp import transform_bounds\nimport math\ns = rasterio.open(${JSON.stringify(TCI)})\nb = transform_bounds('EPSG:4326', s.crs, ${bounds.join(', ')}, densify_pts=21)\n` +
        `inv = ~s.transform\ncs, rs = zip(*[inv * (x, y) for x in (b[0], b[2]) for y in (b[1], b[3])])\n` +
        `c0, r0 = math.floor(min(cs) + 1e-6), math.floor(min(rs) + 1e-6)\nc1, r1 = math.ceil(max(cs) - 1e-6), math.ceil(max(rs) - 1e-6)\n` +
        `print(json.dumps({'window': [c0, r0, c1 - c0, r1 - r0], 'bounds': list(b)}))`,
    );
    const [xoff, yoff, xsize, ysize] = expected.window;
    const block = await read(TCI, { bounds, boundsCrs: 'EPSG:4326' });
    assert.equal(block.width, xsize);
    assert.equal(block.height, ysize);
    assert.deepEqual(block.transform, [699960 + xoff * 100, 100, 0, 3600000 - yoff * 100, 0, -100]);
    assert.deepEqual(blockChecksums(block), await translateChecksums(TCI, srcwin({ xoff, yoff, xsize, ysize })));
  });

  test('bounds in the raster CRS with an output size read that grid', async () => {
    const block = await read(TCI, { bounds: [729960, 3500000, 749960, 3520000], width: 100, height: 100, resampling: 'average' });
    assert.deepEqual(block.transform, [729960, 200, 0, 3520000, 0, -200]);
    assert.deepEqual(blockChecksums(block), await translateChecksums(TCI, ['-projwin', '729960', '3520000', '749960', '3500000', '-outsize', '100', '100', '-r', 'average']));
  });
});

describe('warped reads equal gdalwarp', () => {
  for (const { name, file, z, x, y } of [
    { name: 'TCI.tif into a zoom-10 web-mercator tile', file: TCI, z: 10, x: 579, y: 415 },
    { name: 'TCI.tif into a zoom-8 tile that it covers in part (overviews, edges)', file: TCI, z: 8, x: 144, y: 103 },
    { name: 'cog.tif (UInt16, no nodata) into a zoom-7 tile', file: COG, z: 7, x: 43, y: 24 },
  ]) {
    test(`${name}, bilinear, within 1 DN`, async () => {
      const bounds = tileXyBounds({ z, x, y });
      const block = await read(file, { bounds, crs: 'EPSG:3857', width: 256, height: 256, resampling: 'bilinear' });
      const out = path.join(tempDir(), 'warped.tif');
      await run('gdalwarp', ['-q', '-t_srs', 'EPSG:3857', '-te', ...bounds.map(String), '-ts', '256', '256', '-r', 'bilinear', file, out]);
      const reference = readAll(out);
      const plane = 256 * 256;
      let worst = 0;
      let maskDiffers = 0;
      for (let p = 0; p < plane; p++) {
        for (let b = 0; b < block.bandCount; b++) worst = Math.max(worst, Math.abs(block.data[b * plane + p] - reference.bands[b][p]));
        // gdalwarp marks uncovered pixels with nodata (0 in every band) when there is one, else leaves 0.
        const referenceValid = reference.bands.some((band) => band[p] !== 0);
        if (referenceValid !== !!block.mask[p]) maskDiffers++;
      }
      assert.ok(worst <= 1, `largest difference ${worst} DN`);
      assert.ok(maskDiffers <= plane * 0.001, `${maskDiffers} mask pixels differ`);
      assert.ok(valid(block) > 0);
      assert.equal(block.crs, 'EPSG:3857');
      assert.deepEqual(block.transform, [bounds[0], (bounds[2] - bounds[0]) / 256, 0, bounds[3], 0, -(bounds[3] - bounds[1]) / 256]);
    });
  }
});

describe('reads on the raster CRS with crs given', () => {
  const WEB = fixture('cog/rio-tiler/web.tif');
  // web.tif is an EPSG:3857 COG whose pixels line up with zoom-8 tiles.
  for (const { name, shift } of [
    { name: 'bounds on pixel edges (a zoom-9 tile)', shift: 0 },
    { name: 'bounds between pixel edges (a zoom-9 tile moved by a third of a pixel)', shift: 611.496226281410031 / 3 },
  ]) {
    test(`${name}: exactly the asked grid, equal to gdalwarp`, async () => {
      const tile = tileXyBounds({ z: 9, x: 147, y: 181 });
      const bounds: [number, number, number, number] = [tile[0] + shift, tile[1] + shift, tile[2] + shift, tile[3] + shift];
      const block = await read(WEB, { bounds, crs: 'EPSG:3857', width: 256, height: 256 });
      const expected = [bounds[0], (bounds[2] - bounds[0]) / 256, 0, bounds[3], 0, -(bounds[3] - bounds[1]) / 256];
      block.transform.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) <= 1e-6, `transform[${i}] ${v} vs ${expected[i]}`));
      const out = path.join(tempDir(), 'web.tif');
      await run('gdalwarp', ['-q', '-te', ...bounds.map(String), '-ts', '256', '256', '-r', 'near', WEB, out]);
      assert.deepEqual(blockChecksums(block), await gdalinfoChecksums(out));
      assert.ok(valid(block) > 0);
    });
  }
});

describe('overviews', () => {
  test('TCI.tif read 16x smaller is its 69x69 overview (gdal_translate -ovr 3)', async () => {
    const block = await read(TCI, { width: 69, height: 69 });
    assert.deepEqual(blockChecksums(block), await translateChecksums(TCI, ['-ovr', '3']));
    // Not the same as decimating the full resolution: the overview was really read.
    assert.notDeepEqual(blockChecksums(block), await translateChecksums(TCI, ['-ovr', 'NONE', '-outsize', '69', '69', '-r', 'nearest', '-oo', 'OVERVIEW_LEVEL=NONE']));
  });

  test('cog.tif read 16x smaller is its 167x167 overview, with any resampling', async () => {
    const expected = await translateChecksums(COG, ['-ovr', '3']);
    for (const resampling of ['nearest', 'bilinear'] as const) {
      const block = await read(COG, { width: 167, height: 167, resampling });
      assert.deepEqual(blockChecksums(block), expected, resampling);
    }
  });

  test('info lists overviews largest first, and the block size', async () => {
    const source = await openRaster(COG);
    const info = await source.info();
    await source.close();
    assert.deepEqual(info.overviews, [
      { width: 1329, height: 1334 },
      { width: 665, height: 667 },
      { width: 333, height: 334 },
      { width: 167, height: 167 },
    ]);
    assert.deepEqual(info.blockSize, [256, 256]);
    assert.equal(info.dataType, 'uint16');
  });
});

describe('remote COGs over HTTP range requests', () => {
  let server: Awaited<ReturnType<typeof fileServer>>;
  before(async () => {
    server = await fileServer(path.dirname(TCI));
  });
  after(async () => server.close());

  test('pixels equal the local read, and every GET is a range request', async () => {
    const window = { xoff: 300, yoff: 250, xsize: 256, ysize: 256 };
    const remote = await openRaster(`${server.url}/TCI.tif`);
    try {
      const info = await remote.info();
      assert.equal(info.width, 1098);
      assert.deepEqual(info.transform, [699960, 100, 0, 3600000, 0, -100]);
      const block = await remote.read({ window });
      const local = await read(TCI, { window });
      assert.deepEqual(block.data, local.data);
      assert.deepEqual(block.mask, local.mask);
      const small = await remote.read({ width: 69, height: 69 });
      assert.deepEqual(blockChecksums(small), await translateChecksums(TCI, ['-ovr', '3']));
    } finally {
      await remote.close();
    }
    const gets = server.requests.filter((r) => r.method === 'GET' && r.path === '/TCI.tif');
    assert.ok(gets.length > 0);
    assert.deepEqual(gets.filter((r) => !r.range), [], 'no GET without a Range header');
    assert.ok(gets.every((r) => r.status === 206));
    // No sidecar probing (.aux.xml, .ovr, .msk) and no directory listing.
    assert.deepEqual([...new Set(server.requests.map((r) => r.path))], ['/TCI.tif']);
  });

  test('a missing remote file is not-found, naming the URL', async () => {
    await assert.rejects(openRaster(`${server.url}/missing.tif`), (error: unknown) => {
      assert.ok(error instanceof TileflowError);
      assert.equal(error.code, 'RESOURCE_DOES_NOT_EXIST');
      assert.match(error.message, /missing\.tif/);
      return true;
    });
  });
});

describe('Zarr cubes', () => {
  test('each time slice of conc_chl is a band equal to GDAL Zarr classic slice', async () => {
    const source = await openRaster(`zarr:${CUBE}#conc_chl`);
    try {
      const info = await source.info();
      assert.equal(info.bandCount, 5);
      assert.equal(info.width, 2000);
      assert.equal(info.height, 1000);
      assert.equal(info.dataType, 'float64');
      assert.equal(info.crs, 'EPSG:4326');
      assert.deepEqual(info.transform.map((v) => Number(v.toFixed(9))), [0, 0.0025, 0, 52.5, 0, -0.0025]);
      assert.deepEqual(info.bandDescriptions, ['time=2017-01-16T10:09:22Z', 'time=2017-01-25T09:35:51Z', 'time=2017-01-26T10:50:17Z', 'time=2017-01-28T09:58:11Z', 'time=2017-01-30T10:46:34Z']);
      const block = await source.read();
      const checksums = blockChecksums(block);
      for (let t = 0; t < 5; t++) {
        assert.deepEqual([checksums[t]], await gdalinfoChecksums(`ZARR:"${CUBE}":/conc_chl:${t}`), `time ${t}`);
      }
      assert.ok(valid(block) > 0 && valid(block) < 2000 * 1000, 'NaN fill values are masked');
    } finally {
      await source.close();
    }
  });

  test('a missing array names the arrays there are', async () => {
    await assert.rejects(openRaster(`zarr:${CUBE}#chlorophyll`), /no array "chlorophyll".*conc_chl/);
    await assert.rejects(openRaster(`zarr:${CUBE}`), /zarr:PATH#ARRAY/);
  });
});

describe('broken and missing files give a TileflowError naming the file', () => {
  const dir = tempDir();
  const assertError = async (promise: Promise<unknown>, code: string, pattern: RegExp) => {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof TileflowError, `a TileflowError, got ${String(error)}`);
      assert.equal(error.code, code);
      assert.match(error.message, pattern);
      return true;
    });
  };

  test('a missing file is not found', async () => {
    await assertError(openRaster(path.join(dir, 'nothing.tif')), 'RESOURCE_DOES_NOT_EXIST', /nothing\.tif/);
  });

  test('random bytes are not a raster', async () => {
    const file = path.join(dir, 'noise.tif');
    fs.writeFileSync(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 251)));
    await assertError(openRaster(file), 'INVALID_PARAMETER_VALUE', /noise\.tif.*not recognized/);
  });

  test('a TIFF cut after its header fails to open', async () => {
    const file = path.join(dir, 'header-only.tif');
    fs.writeFileSync(file, fs.readFileSync(TCI).subarray(0, 300));
    await assertError(openRaster(file), 'INVALID_PARAMETER_VALUE', /header-only\.tif/);
  });

  test('a TIFF cut in its pixel data opens, and reading the missing part fails', async () => {
    const file = path.join(dir, 'truncated.tif');
    // A COG keeps its directories first, so half of one still opens.
    const bytes = fs.readFileSync(TCI);
    fs.writeFileSync(file, bytes.subarray(0, Math.floor(bytes.length * 0.5)));
    const source = await openRaster(file);
    try {
      await assertError(source.read({ window: { xoff: 0, yoff: 0, xsize: 1098, ysize: 1098 } }), 'INVALID_PARAMETER_VALUE', /cannot read raster .*truncated\.tif: .+/);
    } finally {
      await source.close();
    }
  });

  test('bad read options are refused', async () => {
    const source = await openRaster(TCI);
    try {
      await assertError(source.read({ bands: [4] }), 'INVALID_PARAMETER_VALUE', /band 4 does not exist \(the raster has 3 bands\)/);
      await assertError(source.read({ window: { xoff: 0, yoff: 0, xsize: 0, ysize: 5 } }), 'INVALID_PARAMETER_VALUE', /at least 1/);
      await assertError(source.read({ window: { xoff: 0, yoff: 0, xsize: 5, ysize: 5 }, bounds: [0, 0, 1, 1] }), 'INVALID_PARAMETER_VALUE', /window or bounds/);
      await assertError(source.read({ bounds: [0, 0, 1, 1], crs: 'EPSG:999999' }), 'INVALID_PARAMETER_VALUE', /unknown CRS/);
    } finally {
      await source.close();
    }
  });
});

test('concurrent reads of one source all succeed and equal sequential reads', async () => {
  const source = await openRaster(COG);
  try {
    const windows = Array.from({ length: 12 }, (_, i) => ({ xoff: 100 * i, yoff: 50 * i, xsize: 300, ysize: 200 }));
    const together = await Promise.all(windows.map((window) => source.read({ window })));
    for (let i = 0; i < windows.length; i++) assert.deepEqual(together[i].data, (await source.read({ window: windows[i] })).data);
  } finally {
    await source.close();
  }
});
