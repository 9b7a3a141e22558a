// The on-disk format's guarantees: a dataset appears at its path only when complete, an overwrite keeps
// the old one readable until the new one is in place, shards roll over, and damage is reported.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { openDataset } from './dataset.js';
import { FORMAT_VERSION, readManifest } from './format.js';
import type { Batch } from './loader.js';
import { DatasetWriter, writeDataset, type WriterOptions } from './writer.js';

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-writer-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const OPTIONS: WriterOptions = {
  task: 'classification',
  dtype: 'uint16',
  bands: ['b1', 'b2'],
  height: 8,
  width: 8,
  classes: [
    { index: 0, name: 'a', color: '#000000' },
    { index: 1, name: 'b', color: '#ffffff' },
  ],
};

/** Chip i: every value is i * 10 + band. */
const chip = (i: number) => ({
  id: `chip-${i}`,
  data: Uint16Array.from({ length: 128 }, (_, k) => i * 10 + (k < 64 ? 0 : 1)),
  label: i % 2,
  crs: 'EPSG:32631',
  bounds: [i * 80, 0, i * 80 + 80, 80] as [number, number, number, number],
  source: { uri: 'memory' },
});

const siblings = (name: string) => fs.readdirSync(tmp).filter((f) => f.startsWith(name));

test('nothing exists at the target until the build finishes; then only the dataset', async () => {
  const out = path.join(tmp, 'atomic');
  const writer = await DatasetWriter.create(out, OPTIONS);
  for (let i = 0; i < 5; i++) await writer.add(chip(i));
  assert.equal(fs.existsSync(out), false);
  assert.equal(siblings('atomic').length, 1);
  assert.match(siblings('atomic')[0], /^atomic\.partial-[0-9a-f]{8}$/);
  await assert.rejects(openDataset(out), (e: unknown) => e instanceof TileflowError && e.code === 'RESOURCE_DOES_NOT_EXIST');
  const manifest = await writer.finish();
  assert.deepEqual(siblings('atomic'), ['atomic']);
  assert.deepEqual(fs.readdirSync(out).sort(), ['manifest.json', 'shards']);
  assert.equal(manifest.version, FORMAT_VERSION);
  assert.deepEqual(manifest.chips.map((c) => c.offset), [0, 256, 512, 768, 1024]);
});

test('a build that fails halfway leaves no dataset and no partial folder', async () => {
  const out = path.join(tmp, 'failing');
  await assert.rejects(
    writeDataset(out, OPTIONS, async (writer) => {
      for (let i = 0; i < 3; i++) await writer.add(chip(i));
      throw new Error('the source went away');
    }),
    /the source went away/,
  );
  assert.deepEqual(siblings('failing'), []);
  await assert.rejects(writeDataset(out, OPTIONS, async () => undefined), /no chips were produced/);
  assert.deepEqual(siblings('failing'), []);
});

test('an overwrite keeps the old dataset readable until the new one is complete', async () => {
  const out = path.join(tmp, 'replace');
  await writeDataset(out, OPTIONS, async (w) => void (await w.add(chip(1))));
  await writeDataset(out, { ...OPTIONS, overwrite: true }, async (w) => {
    await w.add(chip(7));
    assert.deepEqual((await readManifest(out)).chips.map((c) => c.id), ['chip-1'], 'the old dataset is still there mid-build');
    await w.add(chip(8));
  });
  assert.deepEqual((await readManifest(out)).chips.map((c) => c.id), ['chip-7', 'chip-8']);
  assert.deepEqual(siblings('replace'), ['replace']);
});

test('shards roll over at shardBytes and chips read back across them, in order or shuffled', async () => {
  const out = path.join(tmp, 'sharded');
  const manifest = await writeDataset(out, { ...OPTIONS, shardBytes: 3 * 256 }, async (w) => {
    for (let i = 0; i < 10; i++) await w.add(chip(i));
  });
  assert.deepEqual(manifest.shards, [0, 1, 2, 3].map((n) => ({ file: `shards/shard-0000${n}.bin`, chips: n < 3 ? 3 : 1 })));
  const dataset = await openDataset(out);
  try {
    for (let i = 0; i < 10; i++) assert.equal((await dataset.readChip(i))[64], i * 10 + 1);
    for (const shuffle of [false, true]) {
      const batches: Batch[] = [];
      for await (const b of dataset.loader({ batchSize: 4, shuffle, seed: 3 })) batches.push(b);
      for (const b of batches) b.indices.forEach((index, p) => assert.equal(b.x[p * 128 + 64], index * 10 + 1));
    }
  } finally {
    await dataset.close();
  }
});

test('chips that do not fit the dataset are refused', async () => {
  const writer = await DatasetWriter.create(path.join(tmp, 'strict'), OPTIONS);
  try {
    await writer.add(chip(0));
    await assert.rejects(writer.add(chip(0)), /duplicate chip id chip-0/);
    await assert.rejects(writer.add({ ...chip(1), data: new Uint8Array(128) }), /is Uint8Array, the dataset is uint16/);
    await assert.rejects(writer.add({ ...chip(2), data: new Uint16Array(100) }), /has 100 values; 2 bands of 8x8 need 128/);
    await assert.rejects(writer.add({ ...chip(3), label: 2 }), /label 2, outside the 2 classes/);
  } finally {
    await writer.abort();
  }
  const segmentation = await DatasetWriter.create(path.join(tmp, 'strict-seg'), { ...OPTIONS, task: 'segmentation' });
  await assert.rejects(segmentation.add(chip(0)), /needs a 8x8 mask/);
  await segmentation.abort();
  assert.deepEqual(siblings('strict'), []);
});

test('a truncated shard or a foreign manifest is reported, not misread', async () => {
  const out = path.join(tmp, 'damaged');
  await writeDataset(out, OPTIONS, async (w) => {
    for (let i = 0; i < 3; i++) await w.add(chip(i));
  });
  fs.truncateSync(path.join(out, 'shards/shard-00000.bin'), 600);
  const dataset = await openDataset(out);
  await assert.rejects(dataset.readChip(2), /shard-00000\.bin is truncated/);
  await dataset.close();
  const manifest = JSON.parse(fs.readFileSync(path.join(out, 'manifest.json'), 'utf8'));
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({ ...manifest, version: 99 }));
  await assert.rejects(openDataset(out), /chip format version 99/);
  fs.writeFileSync(path.join(out, 'manifest.json'), '{"format": "something-else"}');
  await assert.rejects(openDataset(out), /is not a chip dataset/);
});
