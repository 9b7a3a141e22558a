/**
 * What sampling and raster classification share: a raster opened from a path or given open, its
 * bands checked, its area cut into blocks, which pixels of a block hold a value in every band, and
 * those pixels' values gathered into a feature matrix (optionally turned into other features).
 */
import { invalidParameter } from '../../core/errors.js';
import { openRaster } from '../../data/raster/registry.js';
import type { PixelWindow, RasterBlock, RasterInfo, RasterSource } from '../../data/raster/types.js';
import type { Matrix } from '../classical/estimator.js';

/**
 * Turns the band values of pixels into the features an estimator sees (the default is the band values
 * themselves). `time-series.ts` makes one from a time axis.
 */
export interface PixelFeatures {
  /** Feature names, one per column `compute` returns. */
  readonly names: string[];
  /**
   * The least number of selected bands a pixel needs a value in to be used (default: all of them).
   * Below all, missing values reach `compute` as NaN, and `compute` must still return finite features.
   */
  readonly minValid?: number;
  /** Features of `values` (pixels x selected bands, row-major): pixels x `names.length`, all finite. */
  compute(values: Matrix): Matrix;
}

/** A raster to read: opened here from a path or URI (and closed again), or an open source the caller keeps. */
export interface OpenedRaster {
  source: RasterSource;
  info: RasterInfo;
  close(): Promise<void>;
}

/** Opens `raster` unless it is already a source; `close` closes only what was opened here. */
export async function openInput(raster: string | RasterSource): Promise<OpenedRaster> {
  if (typeof raster !== 'string') return { source: raster, info: await raster.info(), close: async () => undefined };
  if (raster === '') throw invalidParameter('no raster given');
  const source = await openRaster(raster);
  try {
    return { source, info: await source.info(), close: () => source.close() };
  } catch (error) {
    await source.close();
    throw error;
  }
}

/** The 1-based bands to read (default all), refused when one does not exist. */
export function checkBands(info: RasterInfo, bands: number[] | undefined): number[] {
  const count = info.bandCount;
  const chosen = bands ?? Array.from({ length: count }, (_, i) => i + 1);
  if (chosen.length === 0) throw invalidParameter(`${info.uri}: select at least one band`);
  for (const b of chosen) {
    if (!Number.isInteger(b) || b < 1 || b > count) throw invalidParameter(`${info.uri}: band ${b} does not exist (the raster has ${count} band${count === 1 ? '' : 's'}, numbered from 1)`);
  }
  return chosen;
}

/** A block edge in pixels: a positive integer, checked. */
export function checkBlockSize(size: number, multipleOf = 1): number {
  if (!Number.isInteger(size) || size < multipleOf || size % multipleOf !== 0) {
    throw invalidParameter(`blockSize must be a positive integer${multipleOf > 1 ? ` multiple of ${multipleOf}` : ''}, got ${size}`);
  }
  return size;
}

/** `window` (default: the whole raster) clipped to the raster; refused when it misses the raster. */
export function clipWindow(info: RasterInfo, window: PixelWindow | undefined): PixelWindow {
  if (!window) return { xoff: 0, yoff: 0, xsize: info.width, ysize: info.height };
  for (const [name, value] of Object.entries(window)) {
    if (!Number.isInteger(value)) throw invalidParameter(`window ${name} must be an integer, got ${value}`);
  }
  const x0 = Math.max(0, window.xoff);
  const y0 = Math.max(0, window.yoff);
  const x1 = Math.min(info.width, window.xoff + window.xsize);
  const y1 = Math.min(info.height, window.yoff + window.ysize);
  if (x1 <= x0 || y1 <= y0) throw invalidParameter(`window ${JSON.stringify(window)} lies outside the ${info.width} x ${info.height} raster ${info.uri}`);
  return { xoff: x0, yoff: y0, xsize: x1 - x0, ysize: y1 - y0 };
}

/** `area` cut into blocks of `size` x `size` pixels (smaller at the right and bottom edges), row by row. */
export function blockWindows(area: PixelWindow, size: number): PixelWindow[] {
  const out: PixelWindow[] = [];
  for (let y = area.yoff; y < area.yoff + area.ysize; y += size) {
    for (let x = area.xoff; x < area.xoff + area.xsize; x += size) {
      out.push({ xoff: x, yoff: y, xsize: Math.min(size, area.xoff + area.xsize - x), ysize: Math.min(size, area.yoff + area.ysize - y) });
    }
  }
  return out;
}

/** Whether a raw value of a band with this nodata value is missing (its nodata value, NaN or infinite). */
function missing(v: number, nodata: number | null): boolean {
  return v === nodata || !Number.isFinite(v);
}

/**
 * 1 where a pixel is usable: it has a value in at least `minValid` bands of the block (default: every
 * band). A value is there where GDAL's mask says valid, the band does not hold its nodata value, and
 * the value is finite. (A block's mask alone keeps pixels valid in any band.)
 */
export function validPixels(block: RasterBlock, minValid = block.bandCount): Uint8Array {
  const plane = block.width * block.height;
  const data = block.data;
  const float = block.dataType.startsWith('float');
  if (minValid >= block.bandCount) {
    const valid = Uint8Array.from(block.mask);
    for (let b = 0; b < block.bandCount; b++) {
      const nodata = block.nodata[b];
      if ((nodata === null || Number.isNaN(nodata)) && !float) continue;
      const base = b * plane;
      for (let p = 0; p < plane; p++) if (valid[p] && missing(data[base + p], nodata)) valid[p] = 0;
    }
    return valid;
  }
  const counts = new Uint16Array(plane);
  for (let b = 0; b < block.bandCount; b++) {
    const nodata = block.nodata[b];
    const base = b * plane;
    for (let p = 0; p < plane; p++) if (block.mask[p] && !missing(data[base + p], nodata)) counts[p]++;
  }
  const valid = new Uint8Array(plane);
  for (let p = 0; p < plane; p++) valid[p] = counts[p] >= minValid ? 1 : 0;
  return valid;
}

/**
 * The values of the pixels `at` (indices into the block's plane) as a pixels x bands matrix; with
 * `missingAsNaN`, values that are not there (masked, nodata, non-finite) become NaN.
 */
export function gatherPixels(block: RasterBlock, at: Int32Array | number[], count = at.length, missingAsNaN = false): Matrix {
  const plane = block.width * block.height;
  const bands = block.bandCount;
  const out = new Float64Array(count * bands);
  for (let b = 0; b < bands; b++) {
    const band = block.data.subarray(b * plane, (b + 1) * plane);
    const nodata = block.nodata[b];
    for (let i = 0; i < count; i++) {
      const p = at[i];
      const v = band[p];
      out[i * bands + b] = missingAsNaN && (!block.mask[p] || missing(v, nodata)) ? Number.NaN : v;
    }
  }
  return { data: out, rows: count, cols: bands };
}

/** The least number of valid bands `features` asks of a pixel, checked against the bands read. */
export function minValidBands(features: PixelFeatures | undefined, bands: number): number {
  const min = features?.minValid ?? bands;
  if (!Number.isInteger(min) || min < 1 || min > bands) throw invalidParameter(`pixel features need a value in ${min} of the ${bands} selected bands: ask for 1 to ${bands}`);
  return min;
}

/** Features from pixel values: `features.compute`, its shape checked, or the values themselves. */
export function computeFeatures(values: Matrix, features: PixelFeatures | undefined): Matrix {
  if (!features) return values;
  const out = features.compute(values);
  if (out.rows !== values.rows || out.cols !== features.names.length || out.data.length !== out.rows * out.cols) {
    throw invalidParameter(`pixel features returned ${out.rows} x ${out.cols} values for ${values.rows} pixels and ${features.names.length} feature names`);
  }
  for (let i = 0; i < out.data.length; i++) {
    if (!Number.isFinite(out.data[i])) throw invalidParameter(`pixel feature ${features.names[i % out.cols]} of pixel ${Math.floor(i / out.cols)} is ${out.data[i]}: features must be finite`);
  }
  return out;
}

/** Column names for the bands: their descriptions when every band has a distinct one that is no reserved name, else b1..bn. */
export function bandNames(info: RasterInfo, bands: number[], reserved: readonly string[] = []): string[] {
  const described = bands.map((b) => info.bandDescriptions[b - 1]?.trim() ?? '');
  const usable = described.every((d) => d !== '' && !reserved.includes(d)) && new Set(described).size === described.length;
  return usable ? described : bands.map((b) => `b${b}`);
}
