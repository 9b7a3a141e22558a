/**
 * Classifies a whole raster block by block into a classified GeoTIFF: each block's pixels that hold
 * a value in every band (or in as many as `features.minValid` asks) become a feature matrix, a prediction callback labels them (any fitted model;
 * this file knows none), and the labels are written as class index + 1, with 0 as nodata for the
 * pixels that could not be classified.
 *
 * The GeoTIFF is tiled 256 x 256, DEFLATE-compressed, Byte (UInt16 past 254 classes), on the input's
 * CRS and geotransform, with a colour table, category names and internal overviews built with
 * NEAREST (levels 2, 4, 8 … until the overview fits in 256 pixels). GDAL keeps category names of a
 * GeoTIFF in its `.aux.xml` sidecar, which moves with the file; each class name is also a band
 * metadata item (`CLASS_<value>`) inside the TIFF, so a copy of the .tif alone keeps them.
 *
 * Class probabilities go to a second GeoTIFF (one Float32 band per class, nodata -1, overviews by
 * AVERAGE): a GeoTIFF holds one pixel type for all its bands, so they cannot sit beside the Byte band.
 * Both files appear under their names only when complete (written beside them, then renamed).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Dataset } from 'gdal-async';
import { TileflowError, invalidParameter } from '../../core/errors.js';
import { gdal, messageOf, spatialReference, throwIfAborted } from '../../data/raster/gdal-env.js';
import type { RasterSource } from '../../data/raster/types.js';
import type { Matrix } from '../classical/estimator.js';
import { blockWindows, checkBands, checkBlockSize, computeFeatures, gatherPixels, minValidBands, openInput, validPixels, type PixelFeatures } from './blocks.js';

/** What a prediction callback returns for n pixels: class indices 0..k-1 and, optionally, n x k probabilities (row-major). */
export interface PixelPrediction {
  labels: Int32Array;
  proba?: Float64Array;
}

/** Labels a feature matrix (pixels x features); a fitted classifier's `predict` and `predictProba` wrapped. */
export type PredictPixels = (X: Matrix) => PixelPrediction | Promise<PixelPrediction>;

/** What `classifyRaster` reads, how it predicts and where it writes. */
export interface ClassifyRasterOptions {
  /** The imagery: a path or URI `openRaster` opens, or an open source (left open). */
  raster: string | RasterSource;
  /** The classified GeoTIFF to write (replaced when it exists). */
  output: string;
  predict: PredictPixels;
  /** Class names in index order: class i is written as i + 1. */
  classes: string[];
  /** 1-based bands (default all), in the order the model was fitted on. */
  bands?: number[];
  /** Features computed from the bands' values (default: the values), as at sampling. */
  features?: PixelFeatures;
  /** Also write class probabilities (the callback must return `proba`). */
  probabilities?: boolean;
  /** Where probabilities go (default: the output's name with `.proba.tif`). */
  probabilitiesOutput?: string;
  /** One `#rrggbb` colour per class (default: a qualitative palette). */
  colors?: string[];
  /** Block edge in pixels read and predicted at once: a multiple of the 256-pixel tile (default 512). */
  blockSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** What a classification wrote. */
export interface ClassifyRasterSummary {
  output: string;
  probabilitiesOutput: string | null;
  width: number;
  height: number;
  /** Pixels classified, and pixels left as nodata (no value in some band). */
  pixels: number;
  nodataPixels: number;
  /** Pixels per class name. */
  counts: Record<string, number>;
  /** Overview levels built (2, 4, …). */
  overviews: number[];
  seconds: number;
}

/** The output's tile edge. */
const TILE = 256;

/** Qualitative colours (matplotlib's tab20, then tab20b), cycled for more classes. */
const PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5',
  '#393b79', '#5254a3', '#6b6ecf', '#9c9ede', '#637939', '#8ca252', '#b5cf6b', '#cedb9c', '#8c6d31', '#bd9e39',
  '#e7ba52', '#e7cb94', '#843c39', '#ad494a', '#d6616b', '#e7969c', '#7b4173', '#a55194', '#ce6dbd', '#de9ed6',
];

/** Classifies `raster` into `output` (see the file's comment). */
export async function classifyRaster(options: ClassifyRasterOptions): Promise<ClassifyRasterSummary> {
  const started = performance.now();
  const classes = checkClasses(options.classes);
  const colors = (options.colors ?? classes.map((_, i) => PALETTE[i % PALETTE.length])).map(parseColor);
  if (colors.length !== classes.length) throw invalidParameter(`give one colour per class: ${classes.length} classes, ${colors.length} colours`);
  const blockSize = checkBlockSize(options.blockSize ?? 2 * TILE, TILE);
  const output = checkOutput(options.output, 'output');
  const probaOutput = options.probabilities ? checkOutput(options.probabilitiesOutput ?? output.replace(/\.tiff?$/i, '.proba.tif'), 'probabilitiesOutput') : null;
  if (probaOutput === output) throw invalidParameter('probabilitiesOutput must differ from output');
  const raster = await openInput(options.raster);
  const partials: string[] = [];
  const open: Dataset[] = [];
  try {
    const { info, source } = raster;
    const bands = checkBands(info, options.bands);
    for (const file of [output, probaOutput]) {
      if (file && typeof options.raster === 'string' && path.resolve(file) === path.resolve(options.raster)) throw invalidParameter(`${file} is the input raster; write the classification elsewhere`);
    }
    const k = classes.length;
    const byteOutput = k <= 254;
    const classesFile = partialName(output);
    partials.push(classesFile);
    const classified = await createGeoTiff(classesFile, info.width, info.height, 1, byteOutput ? 'Byte' : 'UInt16', info.crs, info.transform, []);
    open.push(classified);
    describeClassBand(classified, classes, colors);
    let probabilities: Dataset | null = null;
    const probaFile = probaOutput ? partialName(probaOutput) : null;
    if (probaOutput && probaFile) {
      partials.push(probaFile);
      probabilities = await createGeoTiff(probaFile, info.width, info.height, k, 'Float32', info.crs, info.transform, ['PREDICTOR=3']);
      open.push(probabilities);
      for (let c = 0; c < k; c++) {
        const band = probabilities.bands.get(c + 1);
        band.noDataValue = -1;
        band.setMetadata({ CLASS: classes[c] });
      }
    }

    const minValid = minValidBands(options.features, bands.length);
    const counts = new Float64Array(k);
    let nodataPixels = 0;
    const windows = blockWindows({ xoff: 0, yoff: 0, xsize: info.width, ysize: info.height }, blockSize);
    const read = (n: number) => {
      const pending = source.read({ window: windows[n], bands, signal: options.signal });
      // Awaited on the next turn; until then a failure must not count as unhandled.
      pending.catch(() => undefined);
      return pending;
    };
    let next = read(0);
    for (const [n, window] of windows.entries()) {
      throwIfAborted(options.signal);
      const block = await next;
      // The next block decodes in GDAL's threads while this one is predicted and written.
      if (n + 1 < windows.length) next = read(n + 1);
      const valid = validPixels(block, minValid);
      const plane = window.xsize * window.ysize;
      const at = new Int32Array(plane);
      let count = 0;
      for (let p = 0; p < plane; p++) if (valid[p]) at[count++] = p;
      nodataPixels += plane - count;
      const labels = byteOutput ? new Uint8Array(plane) : new Uint16Array(plane);
      const proba = probabilities ? new Float32Array(plane * k).fill(-1) : null;
      if (count > 0) {
        const X = computeFeatures(gatherPixels(block, at, count, minValid < bands.length), options.features);
        const prediction = await options.predict(X);
        checkPrediction(prediction, count, k, proba !== null);
        for (let i = 0; i < count; i++) {
          const c = prediction.labels[i];
          labels[at[i]] = c + 1;
          counts[c]++;
        }
        if (proba) {
          // Band-sequential for GDAL: class c of pixel at[i] lands at c * plane + at[i].
          const rows = prediction.proba as Float64Array;
          for (let i = 0; i < count; i++) for (let c = 0; c < k; c++) proba[c * plane + at[i]] = rows[i * k + c];
        }
      }
      await writing(output, async () => {
        await classified.bands.get(1).pixels.writeAsync(window.xoff, window.yoff, window.xsize, window.ysize, labels);
        if (!probabilities || !proba) return;
        for (let c = 0; c < k; c++) await probabilities.bands.get(c + 1).pixels.writeAsync(window.xoff, window.yoff, window.xsize, window.ysize, proba.subarray(c * plane, (c + 1) * plane));
      });
      options.onProgress?.(n + 1, windows.length);
    }

    const levels = overviewLevels(info.width, info.height);
    await writing(output, async () => {
      if (levels.length) {
        await classified.buildOverviewsAsync('NEAREST', levels);
        if (probabilities) await probabilities.buildOverviewsAsync('AVERAGE', levels);
      }
      for (const ds of open.splice(0)) {
        await ds.flushAsync();
        ds.close();
      }
    });
    await publish(classesFile, output);
    if (probaOutput && probaFile) await publish(probaFile, probaOutput);
    const pixels = counts.reduce((a, b) => a + b, 0);
    return {
      output,
      probabilitiesOutput: probaOutput,
      width: info.width,
      height: info.height,
      pixels,
      nodataPixels,
      counts: Object.fromEntries(classes.map((name, i) => [name, counts[i]])),
      overviews: levels,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    for (const ds of open) ds.close();
    for (const file of partials) await Promise.all([fs.rm(file, { force: true }), fs.rm(`${file}.aux.xml`, { force: true })]);
    await raster.close();
  }
}

/** Overview levels 2, 4, 8 … while the previous level is larger than a tile. */
export function overviewLevels(width: number, height: number): number[] {
  const levels: number[] = [];
  for (let factor = 2; Math.ceil(Math.max(width, height) / (factor / 2)) > TILE; factor *= 2) levels.push(factor);
  return levels;
}

function checkClasses(classes: string[]): string[] {
  if (!Array.isArray(classes) || classes.length === 0) throw invalidParameter('give the class names (classes), in index order');
  if (classes.some((c) => typeof c !== 'string' || c === '')) throw invalidParameter('class names must be non-empty strings');
  if (new Set(classes).size !== classes.length) throw invalidParameter(`class names must be distinct, got ${classes.join(', ')}`);
  if (classes.length > 65534) throw invalidParameter(`at most 65534 classes fit a UInt16 band, got ${classes.length}`);
  return classes;
}

function checkOutput(file: string, name: string): string {
  if (typeof file !== 'string' || !/\.tiff?$/i.test(file)) throw invalidParameter(`${name} must be a GeoTIFF path ending in .tif or .tiff, got ${JSON.stringify(file)}`);
  return file;
}

/** RGB of `#rrggbb`. */
function parseColor(color: string): [number, number, number] {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!m) throw invalidParameter(`colours are #rrggbb, got ${JSON.stringify(color)}`);
  return [parseInt(m[1], 16), parseInt(m[2], 16), parseInt(m[3], 16)];
}

/** A hidden name beside `file` to write into before the rename. */
function partialName(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial.tif`);
}

/** A tiled, DEFLATE-compressed GeoTIFF on the input's grid. */
async function createGeoTiff(file: string, width: number, height: number, bands: number, type: string, crs: string, transform: number[], extra: string[]): Promise<Dataset> {
  try {
    const ds = await gdal.drivers.get('GTiff').createAsync(file, width, height, bands, type, ['TILED=YES', `BLOCKXSIZE=${TILE}`, `BLOCKYSIZE=${TILE}`, 'COMPRESS=DEFLATE', 'BIGTIFF=IF_SAFER', ...extra]);
    ds.geoTransform = transform;
    if (crs) ds.srs = spatialReference(crs);
    return ds;
  } catch (error) {
    throw new TileflowError('INVALID_PARAMETER_VALUE', `cannot create ${file}: ${messageOf(error)}`, { cause: error });
  }
}

/** Nodata 0, a colour table (0 transparent), category names and `CLASS_<value>` metadata on the class band. */
function describeClassBand(ds: Dataset, classes: string[], colors: [number, number, number][]): void {
  const band = ds.bands.get(1);
  band.noDataValue = 0;
  const table = new gdal.ColorTable(gdal.GPI_RGB);
  table.set(0, { c1: 0, c2: 0, c3: 0, c4: 0 });
  colors.forEach(([r, g, b], i) => table.set(i + 1, { c1: r, c2: g, c3: b, c4: 255 }));
  band.colorTable = table;
  band.categoryNames = ['nodata', ...classes];
  band.setMetadata(Object.fromEntries(classes.map((name, i) => [`CLASS_${i + 1}`, name])));
}

/** Refuses a prediction that does not fit the pixels: wrong lengths, unknown classes, non-finite probabilities. */
function checkPrediction(prediction: PixelPrediction, rows: number, k: number, wantProba: boolean): void {
  const { labels, proba } = prediction ?? {};
  if (!(labels instanceof Int32Array) || labels.length !== rows) throw invalidParameter(`predict must return labels as an Int32Array of ${rows} class indices, got ${labels instanceof Int32Array ? labels.length : typeof labels}`);
  for (let i = 0; i < rows; i++) {
    const c = labels[i];
    if (c < 0 || c >= k) throw invalidParameter(`predict returned class ${c} for pixel ${i}; the ${k} classes are 0..${k - 1}`);
  }
  if (!wantProba) return;
  if (!(proba instanceof Float64Array) || proba.length !== rows * k) throw invalidParameter(`probabilities asked for: predict must return proba as a Float64Array of ${rows} x ${k} values, got ${proba instanceof Float64Array ? proba.length : typeof proba}`);
  for (let i = 0; i < proba.length; i++) if (!Number.isFinite(proba[i])) throw invalidParameter(`predict returned probability ${proba[i]} for pixel ${Math.floor(i / k)}, class ${i % k}`);
}

/** Runs GDAL writes, their failures (a full disk, a closed file) reported as errors naming the output. */
async function writing(file: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    throw new TileflowError('INVALID_PARAMETER_VALUE', `cannot write ${file}: ${messageOf(error)}`, { cause: error });
  }
}

/** Moves a finished partial file (and its GDAL sidecar, if any) to its name. */
async function publish(partial: string, file: string): Promise<void> {
  await fs.rm(`${file}.aux.xml`, { force: true });
  await fs.rename(partial, file);
  await fs.rename(`${partial}.aux.xml`, `${file}.aux.xml`).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error;
  });
}
