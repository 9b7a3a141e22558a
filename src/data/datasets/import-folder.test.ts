// Importing class folders: the EuroSAT RGB JPEGs and the 13-band GeoTIFFs, pixel-for-pixel against GDAL's
// own read of each file, with CRS and bounds kept; a corrupt image aborts the build and leaves nothing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import gdal from 'gdal-async';
import { TileflowError } from '../../core/errors.js';
import { openDataset } from './dataset.js';
import { importFolder } from './import-folder.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures');
const RGB = path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small');
const MS = path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-small');
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-import-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** GDAL's read of every band of a file, band-sequential. */
function gdalPixels(file: string): { data: number[]; srs: gdal.SpatialReference | null; geoTransform: number[] | null } {
  const ds = gdal.open(file);
  try {
    const data: number[] = [];
    ds.bands.forEach((band) => {
      data.push(...band.pixels.read(0, 0, ds.rasterSize.x, ds.rasterSize.y));
    });
    return { data, srs: ds.srs, geoTransform: ds.geoTransform };
  } finally {
    ds.close();
  }
}

test('EuroSAT RGB imports as 10 classes x 10 chips, 3 x uint8, 64 x 64, pixels equal to GDAL', async () => {
  const out = path.join(tmp, 'rgb');
  const progress: number[] = [];
  const { manifest, skipped } = await importFolder(RGB, out, { onProgress: (done, total) => progress.push(done / total) });
  assert.deepEqual(skipped, []);
  assert.equal(progress.length, 100);
  assert.equal(progress.at(-1), 1);
  assert.equal(manifest.task, 'classification');
  assert.equal(manifest.dtype, 'uint8');
  assert.deepEqual(manifest.bands, ['red', 'green', 'blue'], 'named by their colour interpretation');
  assert.equal(manifest.height, 64);
  assert.equal(manifest.width, 64);
  const names = fs.readdirSync(RGB).sort();
  assert.deepEqual(manifest.classes.map((c) => c.name), names);
  assert.deepEqual(manifest.classes.map((c) => c.index), [...names.keys()]);
  for (const c of manifest.classes) assert.equal(manifest.chips.filter((chip) => chip.label === c.index).length, 10, c.name);
  assert.ok(manifest.chips.every((c) => c.crs === null && c.bounds === null), 'JPEGs carry no georeferencing');
  assert.ok(fs.existsSync(path.join(out, 'shards/shard-00000.bin')));
  assert.equal(fs.statSync(path.join(out, 'shards/shard-00000.bin')).size, 100 * 3 * 64 * 64);

  const dataset = await openDataset(out);
  try {
    for (const index of [0, 37, 99]) {
      const chip = manifest.chips[index];
      const expected = gdalPixels(chip.source.uri);
      assert.deepEqual([...(await dataset.readChip(index))], expected.data, chip.id);
      assert.equal(chip.id, path.relative(RGB, chip.source.uri).replace(/\.jpg$/, ''));
    }
  } finally {
    await dataset.close();
  }
});

test('EuroSAT 13-band GeoTIFFs import as uint16 with their CRS and bounds', async () => {
  const out = path.join(tmp, 'ms');
  const { manifest } = await importFolder(MS, out);
  assert.equal(manifest.dtype, 'uint16');
  assert.equal(manifest.bands.length, 13);
  assert.deepEqual(manifest.classes.map((c) => c.name), ['AnnualCrop', 'Forest']);
  assert.equal(manifest.chips.length, 6);
  const dataset = await openDataset(out);
  try {
    for (const [index, chip] of manifest.chips.entries()) {
      const expected = gdalPixels(chip.source.uri);
      const gt = expected.geoTransform as number[];
      assert.match(chip.crs ?? '', /^EPSG:326\d\d$/, chip.id);
      assert.equal(chip.crs, `EPSG:${expected.srs?.getAuthorityCode(null)}`);
      assert.deepEqual(chip.bounds, [gt[0], gt[3] + 64 * gt[5], gt[0] + 64 * gt[1], gt[3]]);
      assert.deepEqual([...(await dataset.readChip(index))], expected.data, chip.id);
    }
  } finally {
    await dataset.close();
  }
});

test('bands and size options select and resample', async () => {
  const out = path.join(tmp, 'ms-rgb-32');
  const { manifest } = await importFolder(MS, out, { bands: [4, 3, 2], size: 32, resampling: 'average' });
  assert.deepEqual(manifest.bands, ['B4', 'B3', 'B2']);
  assert.equal(manifest.height, 32);
  const dataset = await openDataset(out);
  try {
    // Band 4's first 2x2 block averaged, as GDAL's average resampling computes it.
    const file = manifest.chips[0].source.uri;
    const ds = gdal.open(file);
    const reference = ds.bands.get(4).pixels.read(0, 0, 64, 64, undefined, { buffer_width: 32, buffer_height: 32, resampling: gdal.GRA_Average } as never);
    ds.close();
    const chip = await dataset.readChip(0);
    assert.deepEqual([...chip.subarray(0, 32 * 32)], [...reference]);
  } finally {
    await dataset.close();
  }
});

/** A copy of the RGB folder with one image replaced by garbage, placed after some good ones. */
function folderWithCorruptImage(): string {
  const dir = path.join(tmp, `corrupt-${Math.random().toString(36).slice(2)}`);
  fs.cpSync(RGB, dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'Highway', 'Highway_1067.jpg'), Buffer.from('this is not a JPEG at all'));
  return dir;
}

test('a corrupt image aborts the build with a clear error and leaves no dataset behind', async () => {
  const input = folderWithCorruptImage();
  const out = path.join(tmp, 'never');
  await assert.rejects(importFolder(input, out), (e: unknown) => e instanceof TileflowError && e.code === 'INVALID_PARAMETER_VALUE' && e.message.includes('Highway_1067.jpg'));
  assert.equal(fs.existsSync(out), false);
  assert.deepEqual(fs.readdirSync(tmp).filter((name) => name.startsWith('never')), [], 'no partial folder is left either');
});

test("onError 'skip' leaves the bad image out and lists it", async () => {
  const input = folderWithCorruptImage();
  const { manifest, skipped } = await importFolder(input, path.join(tmp, 'skipping'), { onError: 'skip' });
  assert.equal(manifest.chips.length, 99);
  assert.equal(skipped.length, 1);
  assert.match(skipped[0].file, /Highway_1067\.jpg$/);
});

test('an existing dataset is not overwritten unless asked; bad folders are named', async () => {
  const out = path.join(tmp, 'twice');
  await importFolder(MS, out);
  await assert.rejects(importFolder(MS, out), (e: unknown) => e instanceof TileflowError && e.code === 'RESOURCE_ALREADY_EXISTS');
  const { manifest } = await importFolder(MS, out, { overwrite: true, bands: [1] });
  assert.equal(manifest.bands.length, 1);
  assert.equal((await openDataset(out)).manifest.bands.length, 1);
  await assert.rejects(importFolder(path.join(tmp, 'nope'), path.join(tmp, 'x')), (e: unknown) => e instanceof TileflowError && e.code === 'RESOURCE_DOES_NOT_EXIST');
  await assert.rejects(importFolder(path.join(MS, 'Forest'), path.join(tmp, 'x')), /has no class folders/);
  await assert.rejects(importFolder(MS, path.join(tmp, 'x'), { bands: [14] }), /band 14 does not exist/);
});
