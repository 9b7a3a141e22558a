// Chips from imagery and vector labels, against `gdal_rasterize` run on the same grid: solaris road
// lines and eotdl grass polygons as segmentation masks; classification by majority, centre and label
// location.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import gdal from 'gdal-async';
import { TileflowError } from '../../core/errors.js';
import { openDataset } from './dataset.js';
import { chipsFromLabels } from './from-labels.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures');
const ROADS = path.join(FIXTURES, 'labels/solaris-roads');
const JACA = path.join(FIXTURES, 'labels/eotdl-jaca');
const jacaPairs = [1, 2, 3, 4].map((i) => ({ imagery: path.join(JACA, `jaca_dataset/Jaca_${i}.tif`), labels: path.join(JACA, `labels_scaneo/Jaca_${i}.geojson`) }));
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-chips-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `gdal_rasterize -burn 1` of `labels` over the whole grid of `image`, read back as rows of bytes. */
function referenceBurn(image: string, labels: string, extra: string[] = []): { data: Uint8Array; width: number } {
  const ds = gdal.open(image);
  const { x: width, y: height } = ds.rasterSize;
  const gt = ds.geoTransform as number[];
  ds.close();
  const out = path.join(tmp, `ref-${path.basename(labels)}-${Math.random().toString(36).slice(2)}.tif`);
  const te = [gt[0], gt[3] + height * gt[5], gt[0] + width * gt[1], gt[3]].map(String);
  execFileSync('gdal_rasterize', ['-q', '-burn', '1', '-ot', 'Byte', '-te', ...te, '-ts', String(width), String(height), ...extra, labels, out]);
  const ref = gdal.open(out);
  const data = ref.bands.get(1).pixels.read(0, 0, width, height) as Uint8Array;
  ref.close();
  return { data, width };
}

function windowOf(full: { data: Uint8Array; width: number }, [xoff, yoff, xsize, ysize]: number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < ysize; r++) out.push(...full.data.subarray((yoff + r) * full.width + xoff, (yoff + r) * full.width + xoff + xsize));
  return out;
}

test('road lines burn into segmentation masks exactly as gdal_rasterize burns them, inside solaris\'s road mask', async () => {
  const imagery = path.join(ROADS, 'road_mask_input.tif');
  const labels = path.join(ROADS, 'sample_roads_for_masking.geojson');
  const out = path.join(tmp, 'roads');
  const manifest = await chipsFromLabels([{ imagery, labels }], out, { task: 'segmentation', size: 260, keepEmpty: true });
  assert.equal(manifest.chips.length, 25, '1300 x 1300 in 260-pixel chips');
  assert.deepEqual(manifest.classes.map((c) => c.name), ['background', 'label']);
  const reference = referenceBurn(imagery, labels);
  const solaris = gdal.open(path.join(ROADS, 'sample_road_raster_mask.tif'));
  const buffered = { data: solaris.bands.get(1).pixels.read(0, 0, 1300, 1300) as Uint8Array, width: 1300 };
  solaris.close();
  const dataset = await openDataset(out);
  let burned = 0;
  let insideSolaris = 0;
  try {
    for (const [i, chip] of manifest.chips.entries()) {
      const mask = [...(await dataset.readMask(i))];
      assert.deepEqual(mask, windowOf(reference, chip.source.window!), chip.id);
      const theirs = windowOf(buffered, chip.source.window!);
      mask.forEach((v, q) => {
        burned += v;
        if (v && theirs[q]) insideSolaris++;
      });
    }
  } finally {
    await dataset.close();
  }
  assert.ok(burned > 2000, `${burned} road pixels`);
  // solaris buffers the same centre lines into 2 m wide roads, so our lines lie inside its mask.
  assert.ok(insideSolaris / burned > 0.99, `${insideSolaris} of ${burned} centre-line pixels inside solaris's mask`);
  const chips = await chipsFromLabels([{ imagery, labels }], path.join(tmp, 'roads-nonempty'), { task: 'segmentation', size: 260 });
  assert.equal(chips.chips.length, manifest.chips.filter((_, i) => windowOf(reference, manifest.chips[i].source.window!).some((v) => v)).length, 'chips without roads are left out by default');
});

test('grass polygons over the 12-band Jaca chips: masks equal gdal_rasterize, pixels equal the image', async () => {
  const out = path.join(tmp, 'jaca');
  const manifest = await chipsFromLabels(jacaPairs, out, { task: 'segmentation', size: 32, stride: 16, keepEmpty: true });
  assert.equal(manifest.dtype, 'int16');
  assert.equal(manifest.bands.length, 12);
  assert.deepEqual(manifest.classes.map((c) => c.name), ['background', 'grass']);
  assert.equal(manifest.chips.length, 4 * 3 * 3, 'a 75 x 72 image holds 3 x 3 chips of 32 at stride 16');
  const dataset = await openDataset(out);
  try {
    for (const pair of jacaPairs) {
      // Segmentation ignores the point prompts; the reference burns the polygons only.
      const reference = referenceBurn(pair.imagery, pair.labels, ['-where', "OGR_GEOMETRY='MULTIPOLYGON'"]);
      const image = gdal.open(pair.imagery);
      for (const [i, chip] of manifest.chips.entries()) {
        if (chip.source.uri !== pair.imagery) continue;
        assert.deepEqual([...(await dataset.readMask(i))], windowOf(reference, chip.source.window!), chip.id);
        const [xoff, yoff] = chip.source.window!;
        assert.deepEqual([...(await dataset.readChip(i)).subarray(32 * 32 * 11)], [...image.bands.get(12).pixels.read(xoff, yoff, 32, 32)], `${chip.id} band 12`);
        assert.equal(chip.crs, 'EPSG:4326');
      }
      image.close();
    }
  } finally {
    await dataset.close();
  }
});

test('classification by majority and by centre pixel follow the burned labels', async () => {
  const reference = new Map(jacaPairs.map((p) => [p.imagery, referenceBurn(p.imagery, p.labels, ['-where', "OGR_GEOMETRY='MULTIPOLYGON'"])]));
  const majority = await chipsFromLabels(jacaPairs, path.join(tmp, 'jaca-majority'), { size: 16, where: "list_contains(tasks, 'segmentation')", minCoverage: 0.5 });
  assert.deepEqual(majority.classes.map((c) => c.name), ['grass']);
  let expected = 0;
  for (const pair of jacaPairs) {
    for (let y = 0; y + 16 <= 72; y += 16) {
      for (let x = 0; x + 16 <= 75; x += 16) {
        const covered = windowOf(reference.get(pair.imagery)!, [x, y, 16, 16]).filter((v) => v).length;
        if (covered / 256 >= 0.5) expected++;
      }
    }
  }
  assert.ok(expected > 5);
  assert.equal(majority.chips.length, expected);
  assert.ok(majority.chips.every((c) => c.label === 0));
  const centre = await chipsFromLabels(jacaPairs, path.join(tmp, 'jaca-centre'), { size: 16, labelBy: 'centroid', where: "list_contains(tasks, 'segmentation')" });
  for (const chip of centre.chips) {
    const [x, y] = chip.source.window!;
    assert.equal(windowOf(reference.get(chip.source.uri)!, [x + 8, y + 8, 1, 1])[0], 1, chip.id);
  }
});

test('chips at label locations are centred on each label (clamped into the image)', async () => {
  const manifest = await chipsFromLabels(jacaPairs, path.join(tmp, 'jaca-at'), { size: 16, at: 'labels', classField: 'labels' });
  const features = jacaPairs.flatMap((p) => JSON.parse(fs.readFileSync(p.labels, 'utf8')).features);
  assert.ok(manifest.chips.length > 4 && manifest.chips.length <= features.length);
  for (const chip of manifest.chips) {
    const [minX, minY, maxX, maxY] = chip.bounds!;
    assert.ok(maxX > minX && maxY > minY);
    assert.equal(chip.label, 0);
  }
});

test('bad inputs: unknown class field, no labels over the image, no CRS', async () => {
  const imagery = path.join(ROADS, 'road_mask_input.tif');
  const labels = path.join(ROADS, 'sample_roads_for_masking.geojson');
  await assert.rejects(chipsFromLabels([{ imagery, labels }], path.join(tmp, 'x1'), { classField: 'kind' }), (e: unknown) => e instanceof TileflowError && /class field 'kind'/.test(e.message));
  await assert.rejects(chipsFromLabels([{ imagery: jacaPairs[0].imagery, labels }], path.join(tmp, 'x2')), /no classes over the imagery/);
  const jpeg = path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small/Forest/Forest_1197.jpg');
  await assert.rejects(chipsFromLabels([{ imagery: jpeg, labels }], path.join(tmp, 'x3')), /has no CRS/);
  for (const name of ['x1', 'x2', 'x3']) assert.equal(fs.existsSync(path.join(tmp, name)), false);
});
