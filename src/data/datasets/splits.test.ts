// Splits: the same seed gives the same split; stratified keeps every class's proportions; spatial
// blocks never straddle splits or folds; k-fold puts every chip in exactly one fold.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import proj4 from 'proj4';
import { TileflowError } from '../../core/errors.js';
import type { ChipRecord } from './format.js';
import { importFolder } from './import-folder.js';
import { createRandom, seedFrom } from './random.js';
import { assignFolds, assignSplits, type SplitChip } from './splits.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures');
let tmp: string;
let eurosat: ChipRecord[];

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-splits-'));
  eurosat = (await importFolder(path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small'), path.join(tmp, 'rgb'))).manifest.chips;
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A 40 x 25 grid of 640 m chips in UTM 32N, labels in stripes, so blocks hold several classes. */
function utmGrid(): SplitChip[] {
  const chips: SplitChip[] = [];
  for (let row = 0; row < 25; row++) {
    for (let col = 0; col < 40; col++) {
      const x = 500_000 + col * 640;
      const y = 5_000_000 + row * 640;
      chips.push({ id: `${col}-${row}`, label: (col + row) % 4, crs: 'EPSG:32632', bounds: [x, y, x + 640, y + 640] });
    }
  }
  return chips;
}

test('the PRNG is mulberry32 over an FNV-1a seed hash, pinned so splits never change between versions', () => {
  // bryc's reference mulberry32, as published, fed the same 32-bit seed.
  const reference = (a: number) => () => {
    a |= 0;
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ours = createRandom(42);
  const theirs = reference(seedFrom('42'));
  for (let i = 0; i < 1000; i++) assert.equal(ours.next(), theirs());
  assert.equal(seedFrom(42), 2279835011);
  assert.equal(createRandom(42).next(), 0.3077305785845965);
  assert.equal(createRandom('42').next(), createRandom(42).next());
  assert.notDeepEqual(createRandom(42).shuffle([1, 2, 3, 4, 5, 6]), createRandom(43).shuffle([1, 2, 3, 4, 5, 6]));
});

test('random splits are deterministic for a seed and hit the fractions', () => {
  const a = assignSplits(eurosat, { method: 'random', seed: 7, val: 0.2, test: 0.1 });
  const b = assignSplits(eurosat, { method: 'random', seed: 7, val: 0.2, test: 0.1 });
  const c = assignSplits(eurosat, { method: 'random', seed: 8, val: 0.2, test: 0.1 });
  assert.deepEqual(a.splits, b.splits);
  assert.notDeepEqual(a.splits, c.splits);
  assert.deepEqual(count(a.splits), { train: 70, val: 20, test: 10 });
  assert.deepEqual(a.info, { method: 'random', seed: 7, fractions: { test: 0.1, val: 0.2, train: 0.7 } });
});

function count(values: (string | number | undefined)[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[String(v)] = (out[String(v)] ?? 0) + 1;
  return out;
}

test('stratified splits keep each class in the same proportions (EuroSAT: 7/2/1 of each 10)', () => {
  const { splits } = assignSplits(eurosat, { method: 'stratified', seed: 42 });
  for (let label = 0; label < 10; label++) {
    const mine = splits.filter((_, i) => eurosat[i].label === label);
    assert.deepEqual(count(mine), { train: 7, val: 2, test: 1 }, `class ${label}`);
  }
  assert.deepEqual(assignSplits(eurosat, { method: 'stratified', seed: 42 }).splits, splits);
});

test('spatial splits keep every block in one split, and roughly hit the fractions', () => {
  const chips = utmGrid();
  const blockSize = 5000;
  const { splits, folds } = assignSplits(chips, { method: 'spatial', blockSize, seed: 3, folds: 4 });
  const byBlock = new Map<string, Set<string>>();
  const foldsByBlock = new Map<string, Set<number | undefined>>();
  chips.forEach((chip, i) => {
    const b = chip.bounds!;
    const key = `${Math.floor((b[0] + b[2]) / 2 / blockSize)}/${Math.floor((b[1] + b[3]) / 2 / blockSize)}`;
    (byBlock.get(key) ?? byBlock.set(key, new Set()).get(key)!).add(splits[i]);
    (foldsByBlock.get(key) ?? foldsByBlock.set(key, new Set()).get(key)!).add(folds[i]);
  });
  assert.ok(byBlock.size > 20);
  for (const [key, set] of byBlock) assert.equal(set.size, 1, `block ${key} straddles ${[...set]}`);
  for (const [key, set] of foldsByBlock) assert.equal(set.size, 1, `block ${key} straddles folds ${[...set]}`);
  const n = count(splits);
  assert.ok(Math.abs(n.test / 1000 - 0.1) < 0.05 && Math.abs(n.val / 1000 - 0.2) < 0.05, JSON.stringify(n));
  assert.deepEqual(assignSplits(chips, { method: 'spatial', blockSize, seed: 3 }).splits, splits);
});

test('spatial splits by web-map tile keep every tile in one split, across UTM zones', () => {
  // The grid in zone 32N plus the same grid shifted into zone 33N: tiles are the same blocks in both.
  const chips = [...utmGrid(), ...utmGrid().map((c) => ({ ...c, id: `33-${c.id}`, crs: 'EPSG:32633' }))];
  const { splits, info } = assignSplits(chips, { method: 'spatial', blockZoom: 13, seed: 5 });
  assert.equal(info.blockZoom, 13);
  const byTile = new Map<string, Set<string>>();
  chips.forEach((chip, i) => {
    // An independent transform (proj4) and tile formula, not the code under test.
    const zone = chip.crs === 'EPSG:32632' ? 32 : 33;
    const [lng, lat] = proj4(`+proj=utm +zone=${zone} +datum=WGS84 +units=m +no_defs`, 'EPSG:4326', [(chip.bounds![0] + chip.bounds![2]) / 2, (chip.bounds![1] + chip.bounds![3]) / 2]);
    const n = 2 ** 13;
    const x = Math.floor(((lng + 180) / 360) * n);
    const y = Math.floor(((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * n);
    const key = `${x}/${y}`;
    (byTile.get(key) ?? byTile.set(key, new Set()).get(key)!).add(splits[i]);
  });
  assert.ok(byTile.size > 20, `${byTile.size} tiles`);
  for (const [key, set] of byTile) assert.equal(set.size, 1, `tile ${key} straddles ${[...set]}`);
  assert.ok(new Set(splits).size === 3);
});

test('k-fold puts every chip in exactly one fold, balanced; stratified folds share each class', () => {
  for (const method of ['random', 'stratified', 'spatial'] as const) {
    const chips = utmGrid();
    const folds = assignFolds(chips, 5, { method, seed: 1, blockSize: 3000 });
    assert.equal(folds.length, chips.length);
    const sizes = count(folds);
    assert.deepEqual(Object.keys(sizes).sort(), ['0', '1', '2', '3', '4'], method);
    const spread = Math.max(...Object.values(sizes)) - Math.min(...Object.values(sizes));
    assert.ok(spread <= (method === 'spatial' ? 40 : 1), `${method}: fold sizes ${JSON.stringify(sizes)}`);
    if (method === 'stratified') {
      for (let label = 0; label < 4; label++) {
        const per = count(folds.filter((_, i) => chips[i].label === label));
        assert.deepEqual(Object.values(per), [50, 50, 50, 50, 50], `class ${label}`);
      }
    }
  }
  // Folds with splits: test chips have none, every other chip one.
  const { splits, folds } = assignSplits(eurosat, { method: 'stratified', folds: 3, seed: 2 });
  splits.forEach((s, i) => assert.equal(folds[i] === undefined, s === 'test'));
});

test('bad split options are TileflowErrors', () => {
  assert.throws(() => assignSplits(eurosat, { method: 'random', val: 0.7, test: 0.5 }), (e: unknown) => e instanceof TileflowError && /exceed 1/.test(e.message));
  assert.throws(() => assignSplits(eurosat, { method: 'random', val: -0.1 }), /between 0 and 1/);
  assert.throws(() => assignSplits(eurosat, { method: 'spatial', blockSize: 1000 }), /needs georeferenced chips; chip AnnualCrop\/AnnualCrop_1033/);
  assert.throws(() => assignSplits(utmGrid(), { method: 'spatial' }), /positive blockSize \(map units\) or a blockZoom/);
  assert.throws(() => assignSplits(utmGrid(), { method: 'spatial', blockZoom: 31 }), /blockZoom must be an integer from 0 to 30/);
  assert.throws(() => assignSplits(eurosat, { method: 'random', folds: 1 }), /at least 2/);
});
