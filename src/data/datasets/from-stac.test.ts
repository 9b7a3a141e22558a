// Chips from a STAC catalog's label items: the Jaca catalog (label items with a source link to 12-band
// imagery and a GeoJSON labels asset) builds the same dataset as the files it points at.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { openDataset } from './dataset.js';
import { chipsFromLabels } from './from-labels.js';
import { chipsFromStac } from './from-stac.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures');
const JACA = path.join(FIXTURES, 'labels/eotdl-jaca');
const jacaPairs = [1, 2, 3, 4].map((i) => ({ imagery: path.join(JACA, `jaca_dataset/Jaca_${i}.tif`), labels: path.join(JACA, `labels_scaneo/Jaca_${i}.geojson`) }));
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-stac-chips-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

test('the Jaca STAC catalog builds the same segmentation dataset as its files do', async () => {
  const fromStac = await chipsFromStac(path.join(JACA, 'jaca_dataset_q2/catalog.json'), path.join(tmp, 'stac'), { size: 32, stride: 16, keepEmpty: true });
  const direct = await chipsFromLabels(jacaPairs, path.join(tmp, 'direct'), { task: 'segmentation', size: 32, stride: 16, keepEmpty: true });
  assert.equal(fromStac.task, 'segmentation', 'from label:tasks');
  assert.deepEqual(fromStac.classes, direct.classes);
  assert.deepEqual(fromStac.chips.map((c) => c.id).sort(), direct.chips.map((c) => c.id).sort());
  assert.equal(fromStac.builder.name, 'chips-from-stac');
  const a = await openDataset(path.join(tmp, 'stac'));
  const b = await openDataset(path.join(tmp, 'direct'));
  try {
    const inB = new Map(b.chips.map((c, i) => [c.id, i]));
    for (const [i, chip] of a.chips.entries()) {
      const j = inB.get(chip.id)!;
      assert.deepEqual(await a.readChip(i), await b.readChip(j), chip.id);
      assert.deepEqual(await a.readMask(i), await b.readMask(j), chip.id);
    }
  } finally {
    await a.close();
    await b.close();
  }
});

test('catalogs that cannot make label chips are refused with the reason, and nothing is written', async () => {
  const noLabels = path.join(tmp, 'no-labels');
  await assert.rejects(chipsFromStac(path.join(JACA, 'jaca_dataset_q2/sentinel-2-l2a/collection.json'), noLabels), (e: unknown) => e instanceof TileflowError && /no vector label items/.test(e.message));
  assert.equal(fs.existsSync(noLabels), false);
  // EuroSAT's label items point at plain JPEGs, which carry no georeferencing to place labels on.
  const jpegs = path.join(tmp, 'jpegs');
  await assert.rejects(chipsFromStac(path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small-STAC/catalog.json'), jpegs), /\.jpg has no CRS; label chips need georeferenced imagery/);
  assert.equal(fs.existsSync(jpegs), false);
});
