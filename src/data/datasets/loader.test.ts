// The batch loader on real chips: shapes, labels, normalisation, flips and rotations (checked on a chip
// whose pixels are known), prefetch overlapping reads with a slow consumer, determinism for a seed.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChipDataset, openDataset } from './dataset.js';
import { importFolder } from './import-folder.js';
import type { Batch } from './loader.js';
import { writeDataset } from './writer.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures');
let tmp: string;
let rgb: ChipDataset;
let known: ChipDataset;

/** A 4 x 4 chip of two bands: band 0 holds 0..15 row by row, band 1 holds 100 + the same; its mask is band 0. */
const KNOWN = [
  [0, 1, 2, 3],
  [4, 5, 6, 7],
  [8, 9, 10, 11],
  [12, 13, 14, 15],
];

before(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-loader-'));
  await importFolder(path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small'), path.join(tmp, 'rgb'), { split: { method: 'stratified', seed: 42 } });
  rgb = await openDataset(path.join(tmp, 'rgb'));
  const flat = KNOWN.flat();
  await writeDataset(
    path.join(tmp, 'known'),
    {
      task: 'segmentation',
      dtype: 'uint8',
      bands: ['a', 'b'],
      height: 4,
      width: 4,
      classes: Array.from({ length: 16 }, (_, index) => ({ index, name: `c${index}`, color: '#000000' })),
    },
    async (writer) => {
      await writer.add({ id: 'known', data: Uint8Array.from([...flat, ...flat.map((v) => v + 100)]), mask: Uint8Array.from(flat), crs: null, bounds: null, source: { uri: 'memory' } });
    },
  );
  known = await openDataset(path.join(tmp, 'known'));
});
after(async () => {
  await rgb.close();
  await known.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function collect(batches: AsyncIterable<Batch>): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

test('batches have [N, C, H, W] shape, every train chip once, labels from the manifest; the last batch is partial unless dropped', async () => {
  const batches = await collect(rgb.loader({ split: 'train', batchSize: 16 }));
  assert.deepEqual(batches.map((b) => b.shape), [...Array(4).fill([16, 3, 64, 64]), [6, 3, 64, 64]]);
  assert.ok(batches.every((b) => b.x instanceof Float32Array && b.x.length === b.shape.reduce((a, c) => a * c) && b.y instanceof Int32Array));
  const ids = batches.flatMap((b) => b.ids);
  const train = rgb.indices('train');
  assert.equal(train.length, 70);
  assert.deepEqual(ids, train.map((i) => rgb.chips[i].id), 'unshuffled batches follow dataset order');
  assert.deepEqual(batches.flatMap((b) => [...b.y]), train.map((i) => rgb.chips[i].label));
  assert.deepEqual(batches[0].yShape, [16]);
  assert.equal((await collect(rgb.loader({ split: 'train', batchSize: 16, dropLast: true }))).length, 4);
  assert.equal((await collect(rgb.loader({ batchSize: 100 })))[0].shape[0], 100);
});

test('pixels are the chip values as float32; normalisation uses the manifest statistics or given values', async () => {
  const [plain] = await collect(rgb.loader({ indices: [5, 6], batchSize: 2 }));
  const chip = await rgb.readChip(6);
  assert.deepEqual([...plain.x.subarray(3 * 64 * 64)], [...chip]);
  const stats = rgb.manifest.statistics!.bands;
  const [normalized] = await collect(rgb.loader({ indices: [6], normalize: 'statistics' }));
  for (const q of [0, 4095, 4096, 8191, 12287]) {
    const band = Math.floor(q / 4096);
    assert.ok(Math.abs(normalized.x[q] - (chip[q] - stats[band].mean) / stats[band].std) < 1e-5);
  }
  const all = (await collect(rgb.loader({ normalize: 'statistics', batchSize: 100 })))[0].x;
  const band0 = all.filter((_, i) => Math.floor(i / 4096) % 3 === 0);
  const mean = band0.reduce((a, v) => a + v, 0) / band0.length;
  assert.ok(Math.abs(mean) < 1e-4, `normalised band mean ${mean}`);
  const [given] = await collect(rgb.loader({ indices: [6], normalize: { mean: [10, 20, 30], std: [2, 4, 5] } }));
  assert.equal(given.x[4096], (chip[4096] - 20) / 4);
  await assert.rejects(collect(rgb.loader({ normalize: { mean: [1], std: [1] } })), /3 means and stds/);
});

/** The eight arrangements of KNOWN under flips and quarter turns, computed with plain index arithmetic. */
function variants(): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const at = (g: number[][], r: number, c: number) => g[r][c];
  let grid = KNOWN;
  for (let k = 0; k < 4; k++) {
    for (const [lr, ud] of [[false, false], [true, false], [false, true], [true, true]]) {
      const v = grid.map((row, r) => row.map((_, c) => at(grid, ud ? 3 - r : r, lr ? 3 - c : c)));
      out.set(`k${k}${lr ? ' lr' : ''}${ud ? ' ud' : ''}`, v.flat());
    }
    // numpy's rot90: out[i][j] = in[j][n-1-i] (a quarter turn counter-clockwise).
    const g = grid;
    grid = g.map((row, i) => row.map((_, j) => g[j][3 - i]));
  }
  return out;
}

test('flips turn the known chip into one of its mirror images, masks and every band alike, each one seen', async () => {
  const expected = variants();
  assert.deepEqual(expected.get('k1')?.slice(0, 4), [3, 7, 11, 15], 'rot90 as numpy: the right column becomes the top row');
  const flips = new Set(['k0', 'k0 lr', 'k0 ud', 'k0 lr ud'].map((k) => expected.get(k)!.join()));
  const seen = new Set<string>();
  for (let epoch = 0; epoch < 40; epoch++) {
    const [batch] = await collect(known.loader({ augment: { flips: true }, seed: 1, epoch }));
    const band0 = [...batch.x.subarray(0, 16)];
    assert.ok(flips.has(band0.join()), `epoch ${epoch}: ${band0}`);
    assert.deepEqual([...batch.x.subarray(16, 32)], band0.map((v) => v + 100), 'the second band moves with the first');
    assert.deepEqual([...batch.y], band0, 'the mask moves with the pixels');
    assert.deepEqual(batch.yShape, [1, 4, 4]);
    seen.add(band0.join());
  }
  assert.equal(seen.size, 4);
  const all = new Set([...expected.values()].map((v) => v.join()));
  const rotations = new Set<string>();
  for (let epoch = 0; epoch < 120; epoch++) {
    const [batch] = await collect(known.loader({ augment: { flips: true, rot90: true }, seed: 2, epoch }));
    const band0 = [...batch.x.subarray(0, 16)];
    assert.ok(all.has(band0.join()));
    assert.deepEqual([...batch.y], band0);
    rotations.add(band0.join());
  }
  assert.equal(rotations.size, 8, 'all eight symmetries of a square appear');
});

test('the same seed gives the same batches; another epoch another order', async () => {
  const options = { split: 'train' as const, batchSize: 8, shuffle: true, seed: 11, augment: { flips: true, rot90: true }, normalize: 'statistics' as const };
  const a = await collect(rgb.loader(options));
  const b = await collect(rgb.loader({ ...options, prefetch: 0 }));
  assert.deepEqual(a.map((x) => x.ids), b.map((x) => x.ids));
  assert.ok(a.every((batch, i) => Buffer.compare(Buffer.from(batch.x.buffer), Buffer.from(b[i].x.buffer)) === 0), 'pixels identical whatever the prefetch');
  const c = await collect(rgb.loader({ ...options, epoch: 1 }));
  assert.notDeepEqual(a.map((x) => x.ids), c.map((x) => x.ids));
  assert.deepEqual(new Set(a.flatMap((x) => x.ids)), new Set(c.flatMap((x) => x.ids)));
});

/** The RGB dataset with every shard read taking `delayMs` longer, so the overlap of reading and consuming shows in timings. */
class SlowReads extends ChipDataset {
  constructor(
    inner: ChipDataset,
    private readonly delayMs: number,
  ) {
    super(inner.dir, inner.manifest);
  }
  override async readInto(file: string, offset: number, length: number, target: Uint8Array, targetOffset = 0): Promise<void> {
    await sleep(this.delayMs);
    return super.readInto(file, offset, length, target, targetOffset);
  }
}

/** How long a consumer that works 80 ms on each batch waits for each batch after the first (reads take 40 ms more). */
async function waits(prefetch: number): Promise<number[]> {
  const slow = new SlowReads(rgb, 40);
  const out: number[] = [];
  try {
    const iterator = slow.loader({ batchSize: 10, prefetch })[Symbol.asyncIterator]();
    for (;;) {
      const asked = performance.now();
      const next = await iterator.next();
      out.push(performance.now() - asked);
      if (next.done) break;
      await sleep(80);
    }
  } finally {
    await slow.close();
  }
  return out.slice(1, -1);
}

test('prefetch reads the next batches while the consumer works, so a slow consumer never waits', async () => {
  const ahead = await waits(2);
  const onDemand = await waits(0);
  assert.equal(ahead.length, 9);
  assert.ok(Math.max(...ahead) < 20, `with prefetch the consumer waited ${ahead.map((w) => w.toFixed(1))} ms`);
  assert.ok(Math.min(...onDemand) >= 35, `without prefetch each batch costs its read: ${onDemand.map((w) => w.toFixed(1))} ms`);
});

test('bad loader options are refused', async () => {
  await assert.rejects(collect(rgb.loader({ batchSize: 0 })), /batchSize must be a positive integer/);
  await assert.rejects(collect(rgb.loader({ prefetch: -1 })), /prefetch/);
});
