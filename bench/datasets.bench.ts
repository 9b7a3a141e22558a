/**
 * Chip loading benchmark: chips per second from a chip dataset on disk into `[N, C, H, W]` float32
 * training batches (normalised with the manifest's statistics), through tileflow's loader and, in the
 * same run on the same files, through numpy (`bench/datasets_peer.py`: np.memmap of the shards, fancy
 * indexing, vectorised normalisation, np.rot90 / flips per chip).
 *
 *   npm run bench:datasets
 *   node --import tsx bench/datasets.bench.ts --rgb-chips 16384 --ms-chips 2048 --batch 64 --repeat 3 [--json]
 *
 * Two datasets are built in a temporary folder from the real EuroSAT fixtures, each chip repeated to
 * reach the size: RGB (3 x 64 x 64 uint8) and multispectral (13 x 64 x 64 uint16). Three scenarios:
 * sequential order, shuffled, shuffled with flips and quarter turns. Each side warms up with one
 * unmeasured pass; the figure is the best of `--repeat` passes, the two sides alternating.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDataset } from '../src/data/datasets/dataset.js';
import { importFolder } from '../src/data/datasets/import-folder.js';
import type { LoaderOptions } from '../src/data/datasets/loader.js';
import { writeDataset } from '../src/data/datasets/writer.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FIXTURES = path.resolve(ROOT, '../shared/fixtures/eurosat/eotdl');

const { values: args } = parseArgs({
  options: {
    'rgb-chips': { type: 'string', default: '16384' },
    'ms-chips': { type: 'string', default: '2048' },
    batch: { type: 'string', default: '64' },
    repeat: { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
  },
});
const batchSize = Number(args.batch);
const repeat = Number(args.repeat);

/** A dataset of `count` chips: the chips of `source` (a class-folder fixture) repeated in order. */
async function buildDataset(tmp: string, name: string, source: string, count: number): Promise<string> {
  const seed = await importFolder(source, path.join(tmp, `${name}-seed`));
  const dataset = await openDataset(path.join(tmp, `${name}-seed`));
  const chips = await Promise.all(dataset.chips.map((_, i) => dataset.readChip(i)));
  await dataset.close();
  const out = path.join(tmp, name);
  const m = seed.manifest;
  await writeDataset(out, { task: 'classification', dtype: m.dtype, bands: m.bands, height: m.height, width: m.width, classes: m.classes }, async (writer) => {
    for (let i = 0; i < count; i++) {
      const k = i % chips.length;
      await writer.add({ id: `${m.chips[k].id}#${i}`, data: chips[k], label: m.chips[k].label, crs: null, bounds: null, source: m.chips[k].source });
    }
  });
  return out;
}

const SCENARIOS: { name: string; options: LoaderOptions }[] = [
  { name: 'sequential', options: {} },
  { name: 'shuffled', options: { shuffle: true } },
  { name: 'shuffled+augment', options: { shuffle: true, augment: { flips: true, rot90: true } } },
];

/** Chips per second of one pass through tileflow's loader. */
async function tileflowPass(dir: string, options: LoaderOptions, seed: number): Promise<number> {
  const dataset = await openDataset(dir);
  try {
    const start = performance.now();
    let seen = 0;
    let checksum = 0;
    for await (const batch of dataset.loader({ ...options, batchSize, seed, normalize: 'statistics', prefetch: 2 })) {
      seen += batch.shape[0];
      checksum += batch.x[0];
    }
    if (!Number.isFinite(checksum) || seen !== dataset.chips.length) throw new Error(`bad pass: ${seen} chips`);
    return seen / ((performance.now() - start) / 1000);
  } finally {
    await dataset.close();
  }
}

/** Chips per second of one measured numpy pass (after its own warm-up pass). */
function numpyPass(dir: string, scenario: string, seed: number): number {
  const args = [path.join(ROOT, 'bench/datasets_peer.py'), dir, '--scenario', scenario, '--batch', String(batchSize), '--seed', String(seed)];
  return JSON.parse(execFileSync('/usr/bin/python3', args, { encoding: 'utf8' })).chips_per_second;
}

/**
 * Best of `repeat` alternating passes of each side, so load from other processes on the machine hits
 * both alike; tileflow gets one unmeasured warm-up pass first (JIT and page cache), as numpy does.
 */
async function measure(dir: string, scenario: { name: string; options: LoaderOptions }): Promise<{ tileflow: number; numpy: number }> {
  await tileflowPass(dir, scenario.options, 0);
  let tileflow = 0;
  let numpy = 0;
  for (let r = 1; r <= repeat; r++) {
    tileflow = Math.max(tileflow, await tileflowPass(dir, scenario.options, r));
    numpy = Math.max(numpy, numpyPass(dir, scenario.name, r));
  }
  return { tileflow, numpy };
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-bench-datasets-'));
try {
  const datasets = [
    { name: 'EuroSAT RGB, 3 x 64 x 64 uint8', dir: await buildDataset(tmp, 'rgb', path.join(FIXTURES, 'EuroSAT-RGB-small'), Number(args['rgb-chips'])) },
    { name: 'EuroSAT MS, 13 x 64 x 64 uint16', dir: await buildDataset(tmp, 'ms', path.join(FIXTURES, 'EuroSAT-small'), Number(args['ms-chips'])) },
  ];
  const rows: { dataset: string; chips: number; scenario: string; tileflow: number; numpy: number; ratio: number }[] = [];
  for (const { name, dir } of datasets) {
    const chips = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')).chips.length;
    for (const scenario of SCENARIOS) {
      const { tileflow, numpy } = await measure(dir, scenario);
      rows.push({ dataset: name, chips, scenario: scenario.name, tileflow, numpy, ratio: tileflow / numpy });
    }
  }
  if (args.json) process.stdout.write(`${JSON.stringify({ batchSize, repeat, node: process.version, cpus: os.cpus().length, rows }, null, 2)}\n`);
  else {
    process.stdout.write(`batch ${batchSize}, best of ${repeat}, ${os.cpus().length} CPUs, node ${process.version}\n\n`);
    process.stdout.write('| dataset | chips | scenario | tileflow chips/s | numpy chips/s | tileflow / numpy |\n|---|---|---|---|---|---|\n');
    for (const r of rows) process.stdout.write(`| ${r.dataset} | ${r.chips} | ${r.scenario} | ${Math.round(r.tileflow)} | ${Math.round(r.numpy)} | ${r.ratio.toFixed(2)} |\n`);
  }
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
