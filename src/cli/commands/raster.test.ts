// `tileflow raster info` and `tileflow raster read`, run as the real CLI in a child process; the
// GeoTIFFs it writes are compared with gdal_translate's for the same window (checksums, transform,
// CRS, nodata, as gdalinfo reports them).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fixture, gdalinfoChecksums, ROOT, run, tempDir, translateChecksums } from '../../../test/support/gdal.js';

const MAIN = path.join(ROOT, 'src/cli/main.ts');

/** Runs `tileflow ARGS`; resolves with the exit code and output. */
function tileflow(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** What gdalinfo -json says about georeferencing and nodata. */
async function georeferencing(file: string): Promise<{ geoTransform: number[]; crs: string; nodata: unknown[]; size: number[] }> {
  const info = JSON.parse(await run('gdalinfo', ['-json', file]));
  return { geoTransform: info.geoTransform, crs: info.coordinateSystem?.wkt ?? '', nodata: info.bands.map((b: { noDataValue?: unknown }) => b.noDataValue ?? null), size: info.size };
}

describe('tileflow raster', () => {
  const dir = tempDir();

  test('info --json: driver, size, bands, CRS, bounds, overviews, block size', async () => {
    const { code, stdout, stderr } = await tileflow(['raster', 'info', fixture('cog/titiler/TCI.tif'), '--json']);
    assert.equal(code, 0, stderr);
    const info = JSON.parse(stdout);
    assert.equal(info.driver, 'GTiff');
    assert.deepEqual([info.width, info.height, info.bandCount, info.dataType], [1098, 1098, 3, 'uint8']);
    assert.equal(info.crs, 'EPSG:32634');
    assert.deepEqual(info.bounds, [699960, 3490200, 809760, 3600000]);
    assert.deepEqual(info.nodata, [0, 0, 0]);
    assert.deepEqual(info.overviews.map((o: { width: number }) => o.width), [549, 275, 138, 69, 35]);
    assert.deepEqual(info.blockSize, [64, 64]);
  });

  test('info as tables', async () => {
    const { code, stdout } = await tileflow(['raster', 'info', fixture('cog/rio-tiler/cog_scale.tif')]);
    assert.equal(code, 0);
    for (const text of ['GTiff', '256 x 256 pixels, 2 bands', 'int16', '128x128, 64x64', '64 x 64', '0.0001', '1000']) assert.ok(stdout.includes(text), `${text} in\n${stdout}`);
    const zarr = await tileflow(['raster', 'info', `zarr:${fixture('zarr/xcube/cube-1-250-250.zarr')}#conc_chl`]);
    assert.equal(zarr.code, 0, zarr.stderr);
    assert.ok(zarr.stdout.includes('time=2017-01-16T10:09:22Z') && zarr.stdout.includes('EPSG:4326'));
  });

  for (const { name, file, window, bands } of [
    { name: 'TCI.tif, bands 3,1', file: fixture('cog/titiler/TCI.tif'), window: [300, 250, 512, 384], bands: [3, 1] },
    { name: 'cog.tif (UInt16)', file: fixture('cog/rio-tiler/cog.tif'), window: [1000, 1200, 700, 300] },
    { name: 'cog_with_nan.tif (Float32, NaN nodata)', file: fixture('cog/titiler/cog_with_nan.tif'), window: [100, 50, 300, 300] },
    { name: 'RGB.byte.tif (striped)', file: fixture('cog/rasterio/RGB.byte.tif'), window: [100, 100, 400, 300] },
  ]) {
    test(`read ${name}: the GeoTIFF equals gdal_translate -srcwin`, async () => {
      const out = path.join(dir, `${path.basename(file)}.read.tif`);
      const args = ['raster', 'read', file, '--window', window.join(','), '-o', out, ...(bands ? ['--bands', bands.join(',')] : [])];
      const { code, stdout, stderr } = await tileflow(args);
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`wrote .*: ${window[2]} x ${window[3]} pixels`));
      const translateArgs = ['-srcwin', ...window.map(String), ...(bands ?? []).flatMap((b) => ['-b', String(b)])];
      assert.deepEqual(await gdalinfoChecksums(out), await translateChecksums(file, translateArgs));
      const reference = path.join(dir, `${path.basename(file)}.reference.tif`);
      await run('gdal_translate', ['-q', ...translateArgs, file, reference]);
      assert.deepEqual(await georeferencing(out), await georeferencing(reference));
    });
  }

  test('bad windows and missing files: one error line and an exit code', async () => {
    const bad = await tileflow(['raster', 'read', fixture('cog/titiler/TCI.tif'), '--window', '1,2,3', '-o', path.join(dir, 'x.tif')]);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /^error: --window must be 4 comma-separated integers, got "1,2,3"\n$/);
    const missing = await tileflow(['raster', 'info', path.join(dir, 'missing.tif')]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /^error: raster .*missing\.tif does not exist/);
    const band = await tileflow(['raster', 'read', fixture('cog/titiler/TCI.tif'), '--window', '0,0,10,10', '--bands', '7', '-o', path.join(dir, 'y.tif')]);
    assert.equal(band.code, 1);
    assert.match(band.stderr, /band 7 does not exist/);
  });
});
