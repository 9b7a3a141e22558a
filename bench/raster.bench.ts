/**
 * Raster window reads: windows per second through `openRaster(...).read({ window })` (gdal-async,
 * reads in libuv's thread pool) against rasterio reading the same windows of the same file in the
 * same run (`bench/raster_peer.py`, Debian's python3-rasterio over the same system GDAL), both as
 * `read(window=…)` (pixels only) and `read(window=…, masked=True)` (pixels and validity: what a
 * tileflow read returns). Ratios are rasterio's time over tileflow's: above 1, tileflow is faster.
 *
 *   npm run bench:raster
 *   node --import tsx bench/raster.bench.ts --reads 500 --size 512 --json
 *
 * Options: --reads N (500), --size PX (512), --seed N (1), --json (one JSON object on stdout; the
 * table goes to stderr).
 *
 * Both sides open the file once, read the same 20 warm-up windows untimed (so the OS page cache holds
 * the file for both), then time N windows of SIZE x SIZE at seeded random offsets, one after another.
 * Then, untimed, both sum every pixel of the first 50 windows: the sums must agree (same pixels; the
 * summing is left out of the timing because a JavaScript loop and NumPy's C loop would dominate it).
 * tileflow is also timed with 4 sources on the file and 4 reads in flight, which rasterio's loop
 * cannot do in one thread.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import os from 'node:os';
import { openRaster } from '../src/data/raster/registry.js';
import type { PixelWindow, RasterSource } from '../src/data/raster/types.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const FIXTURES = path.resolve(HERE, '../../shared/fixtures');
const FILES = ['cog/rio-tiler/cog.tif', 'cog/titiler/TCI.tif'];
const WARMUP = 20;
const CHECKED = 50;

/** A small seeded generator (mulberry32), so both sides and every run read the same windows. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Sums a block's pixels (the work both sides do with what they read). */
function sum(data: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < data.length; i++) total += data[i];
  return total;
}

/** Runs the rasterio peer on the windows; it times itself. */
function rasterioPeer(file: string, windows: PixelWindow[]): Promise<{ seconds: number; maskedSeconds: number; reads: number; sum: number; rasterio: string; gdal: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [path.join(HERE, 'raster_peer.py')], { stdio: ['pipe', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`raster_peer.py exited with ${code}`))));
    child.stdin.end(JSON.stringify({ file, windows: windows.map((w) => [w.xoff, w.yoff, w.xsize, w.ysize]), warmup: WARMUP, checked: CHECKED }));
  });
}

/** Reads every window from one source, one after another; then sums the pixels of the first CHECKED (untimed). */
async function sequential(source: RasterSource, windows: PixelWindow[]): Promise<{ seconds: number; sum: number }> {
  for (const window of windows.slice(0, WARMUP)) await source.read({ window });
  const start = performance.now();
  for (const window of windows) await source.read({ window });
  const seconds = (performance.now() - start) / 1000;
  let total = 0;
  for (const window of windows.slice(0, CHECKED)) total += sum((await source.read({ window })).data);
  return { seconds, sum: total };
}

/** Reads every window with `sources.length` reads in flight, one per source. */
async function concurrent(sources: RasterSource[], windows: PixelWindow[]): Promise<number> {
  let next = 0;
  const start = performance.now();
  await Promise.all(
    sources.map(async (source) => {
      while (next < windows.length) await source.read({ window: windows[next++] });
    }),
  );
  return (performance.now() - start) / 1000;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { reads: { type: 'string', default: '500' }, size: { type: 'string', default: '512' }, seed: { type: 'string', default: '1' }, json: { type: 'boolean', default: false } } });
  const reads = Number(values.reads);
  const size = Number(values.size);
  const next = random(Number(values.seed));
  const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
  const results = [];
  log(`raster window reads: ${reads} windows of ${size}x${size} at random offsets; machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, load ${os.loadavg()[0].toFixed(2)}, UV_THREADPOOL_SIZE=${process.env.UV_THREADPOOL_SIZE ?? 4}`);
  for (const relative of FILES) {
    const file = path.join(FIXTURES, relative);
    const source = await openRaster(file);
    const info = await source.info();
    const windows = Array.from({ length: reads }, () => ({
      xoff: Math.floor(next() * (info.width - size + 1)),
      yoff: Math.floor(next() * (info.height - size + 1)),
      xsize: size,
      ysize: size,
    }));
    const ours = await sequential(source, windows);
    await source.close();
    const pool = await Promise.all([0, 1, 2, 3].map(() => openRaster(file)));
    const parallel = await concurrent(pool, windows);
    await Promise.all(pool.map((s) => s.close()));
    const peer = await rasterioPeer(file, windows);
    if (peer.sum !== ours.sum) throw new Error(`${relative}: pixel sums differ (tileflow ${ours.sum}, rasterio ${peer.sum})`);
    const row = {
      file: relative,
      bands: info.bandCount,
      dataType: info.dataType,
      tileflowReadsPerSecond: reads / ours.seconds,
      tileflowConcurrentReadsPerSecond: reads / parallel,
      rasterioReadsPerSecond: reads / peer.seconds,
      rasterioMaskedReadsPerSecond: reads / peer.maskedSeconds,
      ratio: peer.seconds / ours.seconds,
      ratioMasked: peer.maskedSeconds / ours.seconds,
      rasterio: peer.rasterio,
      gdal: peer.gdal,
    };
    results.push(row);
    log(
      `${relative} (${info.bandCount} x ${info.dataType}): tileflow ${row.tileflowReadsPerSecond.toFixed(0)} reads/s, ` +
        `rasterio ${row.rasterioReadsPerSecond.toFixed(0)} reads/s (ratio ${row.ratio.toFixed(2)}), ` +
        `rasterio masked=True ${row.rasterioMaskedReadsPerSecond.toFixed(0)} reads/s (ratio ${row.ratioMasked.toFixed(2)}); ` +
        `tileflow 4 in flight ${row.tileflowConcurrentReadsPerSecond.toFixed(0)} reads/s`,
    );
  }
  if (values.json) process.stdout.write(`${JSON.stringify({ reads, size, results }, null, 2)}\n`);
}

await main();
