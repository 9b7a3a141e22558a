// Streaming statistics equal a direct computation: numpy over the shard files (an independent reader of
// the format), for uint8 and uint16 imports and for float32 chips; the float reservoir's error is bounded.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { BandStatistics } from './format.js';
import { importFolder } from './import-folder.js';
import { createRandom } from './random.js';
import { StatisticsAccumulator } from './statistics.js';
import { writeDataset } from './writer.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures');
let tmp: string;

before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-stats-'));
});
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** numpy's statistics of a dataset, read straight from its shards with np.fromfile. */
function numpyStatistics(dir: string, percentiles: number[]): { mean: number; std: number; min: number; max: number; percentiles: number[] }[] {
  const script = `
import json, sys, numpy as np
d = sys.argv[1]
m = json.load(open(d + '/manifest.json'))
dt = np.dtype({'uint8': '<u1', 'uint16': '<u2', 'int16': '<i2', 'float32': '<f4'}[m['dtype']])
c, h, w = len(m['bands']), m['height'], m['width']
x = np.concatenate([np.fromfile(d + '/' + s['file'], dtype=dt).reshape(-1, c, h, w) for s in m['shards']])
ps = json.loads(sys.argv[2])
out = []
for b in range(c):
    v = x[:, b].astype(np.float64).ravel()
    out.append({'mean': v.mean(), 'std': v.std(), 'min': v.min(), 'max': v.max(), 'percentiles': [float(p) for p in np.percentile(v, ps)]})
print(json.dumps(out))
`;
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, dir, JSON.stringify(percentiles)], { encoding: 'utf8' }));
}

function assertMatches(ours: BandStatistics[], expected: ReturnType<typeof numpyStatistics>, percentiles: number[]): void {
  assert.equal(ours.length, expected.length);
  ours.forEach((band, b) => {
    const close = (a: number, e: number, what: string) => assert.ok(Math.abs(a - e) <= 1e-9 * Math.max(1, Math.abs(e)), `band ${b} ${what}: ${a} vs numpy ${e}`);
    close(band.mean, expected[b].mean, 'mean');
    close(band.std, expected[b].std, 'std');
    assert.equal(band.min, expected[b].min);
    assert.equal(band.max, expected[b].max);
    percentiles.forEach((p, i) => close(band.percentiles[`p${p}`], expected[b].percentiles[i], `p${p}`));
  });
}

const PERCENTILES = [1, 2, 5, 25, 50, 75, 95, 98, 99];

test('uint8 (EuroSAT RGB) statistics equal numpy over the shards, percentiles exactly', async () => {
  const out = path.join(tmp, 'rgb');
  const { manifest } = await importFolder(path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-RGB-small'), out);
  assert.equal(manifest.statistics?.bands[0].count, 100 * 64 * 64);
  assertMatches(manifest.statistics!.bands, numpyStatistics(out, PERCENTILES), PERCENTILES);
});

test('uint16 (EuroSAT 13 bands) statistics equal numpy', async () => {
  const out = path.join(tmp, 'ms');
  const { manifest } = await importFolder(path.join(FIXTURES, 'eurosat/eotdl/EuroSAT-small'), out);
  assertMatches(manifest.statistics!.bands, numpyStatistics(out, PERCENTILES), PERCENTILES);
});

test('float32 statistics are exact while the reservoir holds every value', async () => {
  const out = path.join(tmp, 'float');
  const random = createRandom(5);
  const manifest = await writeDataset(
    out,
    { task: 'classification', dtype: 'float32', bands: ['a', 'b'], height: 16, width: 16, classes: [{ index: 0, name: 'x', color: '#000000' }] },
    async (writer) => {
      for (let i = 0; i < 50; i++) {
        // Band a is roughly normal around 1000 (catastrophic cancellation bait), band b spans decades.
        const data = Float32Array.from({ length: 512 }, (_, k) => (k < 256 ? 1000 + (random.next() + random.next() - 1) : Math.exp(random.next() * 10)));
        await writer.add({ id: `c${i}`, data, label: 0, crs: null, bounds: null, source: { uri: 'memory' } });
      }
    },
  );
  assertMatches(manifest.statistics!.bands, numpyStatistics(out, PERCENTILES), PERCENTILES);
});

test('beyond the reservoir, float percentiles stay within the documented rank error', () => {
  const random = createRandom(9);
  const n = 200_000;
  const values = Float32Array.from({ length: n }, () => random.next() * 100);
  const accumulator = new StatisticsAccumulator(1, 'float32', { reservoirSize: 10_000 });
  for (let start = 0; start < n; start += 4096) accumulator.add(values.subarray(start, Math.min(n, start + 4096)), Math.min(4096, n - start));
  const [band] = accumulator.result();
  const sorted = Float64Array.from(values).sort();
  for (const p of PERCENTILES) {
    const exact = sorted[Math.round(((n - 1) * p) / 100)];
    // Uniform on [0, 100): the value error is the rank error times 100; allow 4 standard deviations.
    const allowed = 4 * Math.sqrt(((p / 100) * (1 - p / 100)) / 10_000) * 100;
    assert.ok(Math.abs(band.percentiles[`p${p}`] - exact) <= allowed, `p${p}: ${band.percentiles[`p${p}`]} vs ${exact} (allowed ${allowed})`);
  }
  assert.equal(band.count, n);
});

test('nodata values, NaN and masked pixels are left out', () => {
  const accumulator = new StatisticsAccumulator(2, 'int16', { nodata: [-9999, null], percentiles: [50] });
  const data = Int16Array.from([1, 2, -9999, 4, 10, 20, 30, 40]);
  accumulator.add(data, 4, Uint8Array.from([1, 1, 1, 0]));
  const [a, b] = accumulator.result();
  assert.deepEqual([a.count, a.mean, a.min, a.max, a.percentiles.p50], [2, 1.5, 1, 2, 1.5]);
  assert.deepEqual([b.count, b.mean, b.min, b.max, b.percentiles.p50], [3, 20, 10, 30, 20]);
  const floats = new StatisticsAccumulator(1, 'float32');
  floats.add(Float32Array.from([1, NaN, 3]), 3);
  assert.equal(floats.result()[0].mean, 2);
});
