// What raster tests compare against: GDAL's own command-line tools (gdal_translate, gdalwarp,
// gdalinfo -checksum from Debian's gdal-bin) and rasterio (Debian's python3-rasterio), run as child
// processes on the shared fixtures, plus GDAL's checksum of a block read by tileflow.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { gdal, gdalTypeOf } from '../../src/data/raster/gdal-env.js';
import type { PixelArray, RasterBlock } from '../../src/data/raster/types.js';

const exec = promisify(execFile);

/** The project root. */
export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** A file of the shared fixtures (`cog/titiler/TCI.tif`). */
export function fixture(relative: string): string {
  return path.resolve(ROOT, '../shared/fixtures', relative);
}

/** A fresh temporary folder, removed when the process exits. */
export function tempDir(prefix = 'tileflow-raster-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  if (TEMP_DIRS.size === 0) process.once('exit', () => TEMP_DIRS.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
  TEMP_DIRS.add(dir);
  return dir;
}

const TEMP_DIRS = new Set<string>();

/** Runs a command; resolves with its stdout. */
export async function run(command: string, args: string[]): Promise<string> {
  const { stdout } = await exec(command, args, { maxBuffer: 64 * 1024 * 1024 });
  return stdout;
}

/** The per-band checksums `gdalinfo -checksum` prints for a file. */
export async function gdalinfoChecksums(file: string): Promise<number[]> {
  const out = await run('gdalinfo', ['-checksum', file]);
  return [...out.matchAll(/Checksum=(\d+)/g)].map((m) => Number(m[1])).slice(0, (out.match(/^Band \d+/gm) ?? []).length);
}

/** Checksums of what `gdal_translate ARGS SRC` writes. */
export async function translateChecksums(src: string, args: string[]): Promise<number[]> {
  const out = path.join(tempDir(), 'translated.tif');
  await run('gdal_translate', ['-q', ...args, src, out]);
  return gdalinfoChecksums(out);
}

/** A block as an in-memory GDAL dataset (the caller closes it). */
export function blockDataset(block: RasterBlock): ReturnType<typeof gdal.open> {
  const ds = gdal.open('', 'w', 'MEM', block.width, block.height, block.bandCount, gdalTypeOf(block.dataType));
  const plane = block.width * block.height;
  for (let b = 0; b < block.bandCount; b++) {
    ds.bands.get(b + 1).pixels.write(0, 0, block.width, block.height, block.data.subarray(b * plane, (b + 1) * plane) as Exclude<PixelArray, Int8Array>);
  }
  return ds;
}

/** GDAL's checksum (GDALChecksumImage, as `gdalinfo -checksum`) of each band of a block. */
export function blockChecksums(block: RasterBlock): number[] {
  const ds = blockDataset(block);
  try {
    return Array.from({ length: block.bandCount }, (_, b) => gdal.checksumImage(ds.bands.get(b + 1)));
  } finally {
    ds.close();
  }
}

/** Every band of a file, read with GDAL (to compare pixel by pixel). */
export function readAll(file: string): { width: number; height: number; bands: PixelArray[]; nodata: (number | null)[] } {
  const ds = gdal.open(file);
  try {
    const { x: width, y: height } = ds.rasterSize;
    // Copies: gdal-async tags its arrays with a `_gdal_type` property that deepEqual would compare.
    const bands = ds.bands.map((band) => {
      const values = band.pixels.read(0, 0, width, height) as PixelArray;
      return new (values.constructor as new (source: PixelArray) => PixelArray)(values);
    });
    return { width, height, bands, nodata: ds.bands.map((band) => band.noDataValue) };
  } finally {
    ds.close();
  }
}

/** Runs a rasterio script with Debian's python3 and parses the JSON it prints. */
export async function rasterio<T = unknown>(script: string): Promise<T> {
  const out = await run('/usr/bin/python3', ['-c', `import json, hashlib, numpy, rasterio\n${script}`]);
  return JSON.parse(out) as T;
}

/** A loopback HTTP server for files under `root`, with Range requests; it logs every request it answers. */
export async function fileServer(root: string): Promise<{ url: string; requests: { method: string; path: string; range?: string; status: number }[]; close: () => Promise<void> }> {
  const requests: { method: string; path: string; range?: string; status: number }[] = [];
  const server = http.createServer((req, res) => {
    const file = path.join(root, decodeURIComponent((req.url ?? '/').split('?')[0]));
    const record = (status: number) => requests.push({ method: req.method ?? 'GET', path: req.url ?? '', range: req.headers.range, status });
    if (!file.startsWith(root) || !fs.existsSync(file) || !fs.statSync(file).isFile()) {
      record(404);
      res.writeHead(404).end();
      return;
    }
    const size = fs.statSync(file).size;
    const range = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), size - 1) : size - 1;
      record(206);
      res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes' });
      if (req.method === 'HEAD') res.end();
      else fs.createReadStream(file, { start, end }).pipe(res);
      return;
    }
    record(200);
    res.writeHead(200, { 'Content-Length': size, 'Accept-Ranges': 'bytes' });
    if (req.method === 'HEAD') res.end();
    else fs.createReadStream(file).pipe(res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
