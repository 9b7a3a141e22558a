/**
 * `RasterSource` over GDAL (gdal-async linked to the system libgdal): any file, URL or connection
 * string GDAL opens. Every read runs in libuv's thread pool through gdal-async's async API, so a
 * server's event loop keeps answering while pixels decode; no worker pool is needed.
 *
 * GDAL allows one operation at a time on a dataset handle (gdal-async blocks a pool thread on the
 * handle's lock otherwise), so operations on one source run one after another; open several
 * sources for parallel reads of one file.
 *
 * - Native reads use RasterIO with a buffer size: when the output is smaller than the window, GDAL
 *   reads the overview that fits (as rasterio's `out_shape`), with the chosen resampling.
 * - Warped reads run `gdalwarp` (GDALWarp) into an in-memory (MEM) grid with an alpha band, so
 *   overview choice (`-ovr AUTO`), nodata and mask handling are exactly gdalwarp's.
 * - The validity mask is GDAL's: the per-dataset mask or alpha band when there is one, else the
 *   nodata values; a pixel is valid when any selected band is valid there (rasterio's dataset mask).
 */
import type { Dataset, RasterBand } from 'gdal-async';
import { TileflowError, invalidParameter } from '../../core/errors.js';
import {
  RASTERIO_RESAMPLING,
  WARP_RESAMPLING,
  crsString,
  dataTypeOf,
  gdal,
  gdalError,
  gdalTypeOf,
  pixelArray,
  sameCrs,
  uninitializedPixelArray,
  spatialReference,
  throwIfAborted,
} from './gdal-env.js';
import { boundsToWindow, boundsTransform, outputSize, transformBoundsDensified, windowBounds, windowTransform } from './grid.js';
import type { Bounds, GeoTransform, PixelArray, PixelWindow, RasterBlock, RasterDataType, RasterInfo, RasterSource, ReadOptions } from './types.js';

/** GDAL's mask flags (GDALGetMaskFlags). */
const GMF_ALL_VALID = 0x01;
const GMF_PER_DATASET = 0x02;
const GMF_ALPHA = 0x04;

/** The typed arrays gdal-async reads into (GDAL 3.6 has no signed byte type). */
type GdalArray = Exclude<PixelArray, Int8Array>;

/**
 * A fresh view of `array` to hand to gdal-async, which tags the arrays it is given with a
 * `_gdal_type` property: the tag lands on the view, and the arrays callers get stay plain.
 */
function gdalView(array: PixelArray): GdalArray {
  return new (array.constructor as new (buffer: ArrayBufferLike, offset: number, length: number) => GdalArray)(array.buffer, array.byteOffset, array.length);
}

/** Reads larger than this many bytes are refused: they are mistakes, not imagery requests. */
const MAX_READ_BYTES = 2 ** 31;

/** What a caller may set that the file does not say (Zarr cubes: CRS and band names come from the cube). */
export interface GdalSourceOverrides {
  /** CRS to assume when the dataset has none. */
  crs?: string;
  bandDescriptions?: string[];
  /** Runs after the dataset is closed (releases in-memory files, parent datasets). */
  onClose?: () => void;
}

interface Band {
  band: RasterBand;
  dataType: RasterDataType;
  nodata: number | null;
  maskFlags: number;
}

/** A GDAL dataset read as a `RasterSource`. */
export class GdalSource implements RasterSource {
  readonly uri: string;
  private readonly dataset: Dataset;
  private readonly meta: RasterInfo;
  private readonly bands: Band[];
  private readonly onClose?: () => void;
  private tail: Promise<unknown> = Promise.resolve();
  private closed = false;

  private constructor(uri: string, dataset: Dataset, meta: RasterInfo, bands: Band[], onClose?: () => void) {
    this.uri = uri;
    this.dataset = dataset;
    this.meta = meta;
    this.bands = bands;
    this.onClose = onClose;
  }

  /** Wraps an open dataset (this source owns it from now on and closes it). */
  static async fromDataset(uri: string, dataset: Dataset, overrides: GdalSourceOverrides = {}): Promise<GdalSource> {
    try {
      const { meta, bands } = await describe(uri, dataset, overrides);
      return new GdalSource(uri, dataset, meta, bands, overrides.onClose);
    } catch (error) {
      dataset.close();
      overrides.onClose?.();
      throw gdalError(uri, 'cannot read raster', error);
    }
  }

  /** What the raster is; no I/O after opening. */
  async info(): Promise<RasterInfo> {
    return structuredClone(this.meta);
  }

  /**
   * Reads a block of pixels (see `ReadOptions`). With `crs` the block is exactly the asked grid: warped
   * when the CRS differs or the bounds fall between the raster's pixels, a plain read when they line up.
   */
  async read(options: ReadOptions = {}): Promise<RasterBlock> {
    if (this.closed) throw new TileflowError('INVALID_STATE', `${this.uri} is closed`);
    throwIfAborted(options.signal);
    const bands = this.selectBands(options.bands);
    const warp = options.crs !== undefined && (!sameCrs(options.crs, this.meta.crs) || (options.bounds !== undefined && !this.onPixelEdges(options.bounds, options.boundsCrs)));
    const block = await this.exclusive(async () => {
      throwIfAborted(options.signal);
      try {
        return warp ? await this.readWarped(options, bands) : await this.readNative(options, bands);
      } catch (error) {
        throw gdalError(this.uri, 'cannot read raster', error);
      }
    });
    return options.applyScale ? applyScale(block, bands.map((b) => this.meta.scale[b - 1]), bands.map((b) => this.meta.offset[b - 1])) : block;
  }

  /** Closes the dataset once the reads in flight are done. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.tail;
    this.dataset.close();
    this.onClose?.();
  }

  /** Whether bounds (in the raster's CRS) fall on the raster's pixel edges, so a plain read gives exactly them. */
  private onPixelEdges(bounds: Bounds, boundsCrs: string | undefined): boolean {
    if (boundsCrs !== undefined && !sameCrs(boundsCrs, this.meta.crs)) return false;
    const snapped = windowBounds(this.meta.transform, boundsToWindow(this.meta.transform, bounds));
    const tolerance = 1e-6 * Math.max(Math.abs(this.meta.transform[1]), Math.abs(this.meta.transform[5]));
    return snapped.every((v, i) => Math.abs(v - bounds[i]) <= tolerance);
  }

  /** Runs `fn` after every earlier operation on this dataset has finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.tail.then(fn, fn);
    this.tail = run.catch(() => undefined);
    return run;
  }

  private selectBands(requested: number[] | undefined): number[] {
    const count = this.meta.bandCount;
    const bands = requested ?? Array.from({ length: count }, (_, i) => i + 1);
    if (bands.length === 0) throw invalidParameter(`${this.uri}: select at least one band`);
    for (const b of bands) {
      if (!Number.isInteger(b) || b < 1 || b > count) throw invalidParameter(`${this.uri}: band ${b} does not exist (the raster has ${count} band${count === 1 ? '' : 's'})`);
    }
    return bands;
  }

  /** The pixel window a native read covers: the given window, the bounds' window, or the whole raster. */
  private windowOf(options: ReadOptions): PixelWindow {
    if (options.window && options.bounds) throw invalidParameter('give a window or bounds, not both');
    if (options.window) {
      const w = options.window;
      for (const [name, value] of Object.entries(w)) {
        if (!Number.isInteger(value)) throw invalidParameter(`window ${name} must be an integer, got ${value}`);
      }
      if (w.xsize < 1 || w.ysize < 1) throw invalidParameter(`window sizes must be at least 1, got ${w.xsize}x${w.ysize}`);
      return w;
    }
    if (options.bounds) {
      const bounds = options.boundsCrs && !sameCrs(options.boundsCrs, this.meta.crs) ? transformBoundsDensified(options.bounds, options.boundsCrs, this.meta.crs) : options.bounds;
      return boundsToWindow(this.meta.transform, bounds);
    }
    return { xoff: 0, yoff: 0, xsize: this.meta.width, ysize: this.meta.height };
  }

  private async readNative(options: ReadOptions, bands: number[]): Promise<RasterBlock> {
    const window = this.windowOf(options);
    const [width, height] = outputSize(options, window.xsize, window.ysize);
    const dataType = commonType(bands.map((b) => this.bands[b - 1].dataType));
    checkSize(width, height, bands.length, dataType);
    const nodata = bands.map((b) => this.bands[b - 1].nodata);
    const transform = windowTransform(this.meta.transform, window, width, height);

    // The part of the window inside the raster, and where it lands in the output.
    const ix0 = Math.max(0, window.xoff);
    const iy0 = Math.max(0, window.yoff);
    const ix1 = Math.min(this.meta.width, window.xoff + window.xsize);
    const iy1 = Math.min(this.meta.height, window.yoff + window.ysize);
    const inside = ix0 === window.xoff && iy0 === window.yoff && ix1 === window.xoff + window.xsize && iy1 === window.yoff + window.ysize;
    // Inside the raster GDAL writes every pixel: no need to fill the buffer with nodata first.
    const block = inside
      ? { data: uninitializedPixelArray(dataType, width * height * bands.length), dataType, width, height, bandCount: bands.length, crs: this.meta.crs, transform, nodata, mask: new Uint8Array(width * height) }
      : emptyBlock(dataType, width, height, nodata, this.meta.crs, transform);
    if (ix0 >= ix1 || iy0 >= iy1) return block;
    const ox0 = Math.round(((ix0 - window.xoff) * width) / window.xsize);
    const oy0 = Math.round(((iy0 - window.yoff) * height) / window.ysize);
    const bw = Math.round(((ix1 - window.xoff) * width) / window.xsize) - ox0;
    const bh = Math.round(((iy1 - window.yoff) * height) / window.ysize) - oy0;
    if (bw < 1 || bh < 1) return block;

    const resampling = RASTERIO_RESAMPLING[options.resampling ?? 'nearest'];
    const bytes = block.data.BYTES_PER_ELEMENT;
    const plane = width * height;
    for (let i = 0; i < bands.length; i++) {
      throwIfAborted(options.signal);
      await this.bands[bands[i] - 1].band.pixels.readAsync(ix0, iy0, ix1 - ix0, iy1 - iy0, gdalView(block.data), {
        buffer_width: bw,
        buffer_height: bh,
        resampling,
        offset: i * plane + oy0 * width + ox0,
        line_space: width * bytes,
      });
    }
    await this.fillMask(block, bands, { x: ix0, y: iy0, w: ix1 - ix0, h: iy1 - iy0 }, { x: ox0, y: oy0, w: bw, h: bh });
    return block;
  }

  /**
   * Sets the block's mask inside `out` (the rest stays invalid) from GDAL's mask bands of the selected
   * bands: GDAL computes them (nodata, NaN, alpha, internal masks) in the thread pool; here they are
   * only combined, valid where any band is valid, four pixels at a time (per-pixel JavaScript loops
   * cost more than the read itself).
   */
  private async fillMask(block: RasterBlock, bands: number[], src: { x: number; y: number; w: number; h: number }, out: { x: number; y: number; w: number; h: number }): Promise<void> {
    const { mask, width } = block;
    const selected = bands.map((b) => this.bands[b - 1]);
    if (selected.some((b) => b.maskFlags & GMF_ALL_VALID)) {
      for (let row = 0; row < out.h; row++) mask.fill(1, (out.y + row) * width + out.x, (out.y + row) * width + out.x + out.w);
      return;
    }
    // A per-dataset mask (or alpha band) is the same for every band: read it once.
    const perDataset = selected.find((b) => b.maskFlags & GMF_PER_DATASET);
    const reads = perDataset ? [perDataset] : selected;
    const whole = out.w === width && out.h === block.height;
    // Byte imagery with nodata (the common case): comparing the bytes here costs less than GDAL's nodata mask bands.
    if (!perDataset && whole && block.dataType === 'uint8' && selected.every((b) => b.nodata !== null && Number.isInteger(b.nodata))) {
      const plane = width * block.height;
      selected.forEach((b, i) => orDifferentBytes(mask, block.data.subarray(i * plane, (i + 1) * plane) as Uint8Array, b.nodata as number));
      return;
    }
    const region = whole ? mask : new Uint8Array(out.w * out.h);
    const scratch = reads.length > 1 ? new Uint8Array(out.w * out.h) : region;
    for (let i = 0; i < reads.length; i++) {
      const maskBand = reads[i].band.getMaskBand();
      if (!maskBand) continue;
      const target = i === 0 ? region : scratch;
      await maskBand.pixels.readAsync(src.x, src.y, src.w, src.h, gdalView(target), { buffer_width: out.w, buffer_height: out.h, resampling: gdal.GRA_NearestNeighbor });
      if (i > 0) orInto(region, scratch);
    }
    // GDAL's masks are 0 or 255; an alpha band may hold anything from 0 to 255.
    if (perDataset && perDataset.maskFlags & GMF_ALPHA) nonZeroToOne(region);
    else halfToOne(region);
    if (!whole) for (let row = 0; row < out.h; row++) mask.set(region.subarray(row * out.w, (row + 1) * out.w), (out.y + row) * width + out.x);
  }

  private async readWarped(options: ReadOptions, bands: number[]): Promise<RasterBlock> {
    const crs = options.crs as string;
    if (!this.meta.crs) throw invalidParameter(`${this.uri} has no CRS to warp from`);
    const target = spatialReference(crs);
    let bounds: Bounds;
    let suggested: { bounds: Bounds; xres: number; yres: number } | null = null;
    const suggest = async () => {
      const out = await gdal.suggestedWarpOutputAsync({ src: this.dataset, s_srs: spatialReference(this.meta.crs), t_srs: target });
      const gt = out.geoTransform;
      return { bounds: [gt[0], gt[3] + gt[5] * out.rasterSize.y, gt[0] + gt[1] * out.rasterSize.x, gt[3]] as Bounds, xres: gt[1], yres: Math.abs(gt[5]) };
    };
    if (options.window && options.bounds) throw invalidParameter('give a window or bounds, not both');
    if (options.bounds) {
      bounds = options.boundsCrs && !sameCrs(options.boundsCrs, crs) ? transformBoundsDensified(options.bounds, options.boundsCrs, crs) : options.bounds;
    } else if (options.window) {
      bounds = transformBoundsDensified(windowBounds(this.meta.transform, this.windowOf(options)), this.meta.crs, crs);
    } else {
      suggested = await suggest();
      bounds = suggested.bounds;
    }
    if (!(bounds[2] > bounds[0] && bounds[3] > bounds[1])) throw invalidParameter(`bounds must be [minX, minY, maxX, maxY] with min < max, got [${bounds.join(', ')}]`);
    let width = options.width;
    let height = options.height;
    if (width === undefined && height === undefined) {
      suggested ??= await suggest();
      width = Math.max(1, Math.round((bounds[2] - bounds[0]) / suggested.xres));
      height = Math.max(1, Math.round((bounds[3] - bounds[1]) / suggested.yres));
    }
    [width, height] = outputSize({ width, height }, bounds[2] - bounds[0], bounds[3] - bounds[1]);
    const dataType = commonType(bands.map((b) => this.bands[b - 1].dataType));
    checkSize(width, height, bands.length + 1, dataType);
    const nodata = bands.map((b) => this.bands[b - 1].nodata);

    const allBands = bands.length === this.meta.bandCount && bands.every((b, i) => b === i + 1);
    // gdalwarp before GDAL 3.7 has no -srcband: a band subset is an in-memory VRT over this dataset.
    const source = allBands ? this.dataset : await gdal.translateAsync('', this.dataset, ['-of', 'VRT', ...bands.flatMap((b) => ['-b', String(b)])]);
    const grid = await gdal.drivers.get('MEM').createAsync('', width, height, bands.length + 1, gdalTypeOf(dataType));
    try {
      grid.srs = target;
      grid.geoTransform = boundsTransform(bounds, width, height);
      const args = ['-r', WARP_RESAMPLING[options.resampling ?? 'nearest'], '-dstalpha'];
      if (nodata.every((v) => v !== null)) args.push('-dstnodata', nodata.map((v) => String(v)).join(' '), '-wo', 'INIT_DEST=NO_DATA');
      throwIfAborted(options.signal);
      await gdal.warpAsync(null, grid, [source], args);
      const block = emptyBlock(dataType, width, height, nodata, /^EPSG:\d+$/i.test(crs) ? crs.toUpperCase() : crsString(target), boundsTransform(bounds, width, height));
      const plane = width * height;
      for (let i = 0; i < bands.length; i++) {
        await grid.bands.get(i + 1).pixels.readAsync(0, 0, width, height, gdalView(block.data), { offset: i * plane });
      }
      const alpha = await grid.bands.get(bands.length + 1).pixels.readAsync(0, 0, width, height, pixelArray(dataType, plane) as GdalArray);
      for (let p = 0; p < plane; p++) block.mask[p] = alpha[p] > 0 ? 1 : 0;
      return block;
    } finally {
      // A VRT holds a pointer to this dataset: it must go first.
      grid.close();
      if (source !== this.dataset) source.close();
    }
  }
}

/** Collects what `info()` returns, once, while no read holds the dataset (async getters: no blocking). */
async function describe(uri: string, dataset: Dataset, overrides: GdalSourceOverrides): Promise<{ meta: RasterInfo; bands: Band[] }> {
  const count = await dataset.bands.countAsync();
  if (count === 0) {
    const subdatasets = Object.entries((await dataset.getMetadataAsync('SUBDATASETS')) ?? {})
      .filter(([key]) => key.endsWith('_NAME'))
      .map(([, value]) => String(value));
    const hint = subdatasets.length ? `; open one of its subdatasets: ${subdatasets.slice(0, 5).join(', ')}${subdatasets.length > 5 ? ', …' : ''}` : '';
    throw invalidParameter(`${uri} has no raster bands${hint}`);
  }
  const size = await dataset.rasterSizeAsync;
  const transform = ((await dataset.geoTransformAsync) ?? [0, 1, 0, 0, 0, 1]) as GeoTransform;
  const crs = crsString(await dataset.srsAsync) || overrides.crs || '';
  const bands: Band[] = [];
  const meta: RasterInfo = {
    uri,
    driver: dataset.driver?.description ?? '',
    width: size.x,
    height: size.y,
    bandCount: count,
    dataType: 'uint8',
    crs,
    transform,
    bounds: windowBounds(transform, { xoff: 0, yoff: 0, xsize: size.x, ysize: size.y }),
    nodata: [],
    scale: [],
    offset: [],
    bandDescriptions: [],
    colorInterpretations: [],
    overviews: [],
    blockSize: [0, 0],
  };
  for (let i = 1; i <= count; i++) {
    const band = await dataset.bands.getAsync(i);
    const dataType = dataTypeOf(await band.dataTypeAsync, uri);
    const nodata = await band.noDataValueAsync;
    bands.push({ band, dataType, nodata, maskFlags: band.getMaskFlags() });
    meta.nodata.push(nodata);
    meta.scale.push((await band.scaleAsync) ?? 1);
    meta.offset.push((await band.offsetAsync) ?? 0);
    meta.bandDescriptions.push(overrides.bandDescriptions?.[i - 1] ?? (await band.descriptionAsync) ?? '');
    meta.colorInterpretations?.push(((await band.colorInterpretationAsync) ?? 'Undefined').toLowerCase());
  }
  meta.dataType = commonType(bands.map((b) => b.dataType));
  const first = bands[0].band;
  const block = await first.blockSizeAsync;
  meta.blockSize = [block.x, block.y];
  const overviewCount = await first.overviews.countAsync();
  for (let i = 0; i < overviewCount; i++) {
    const size = await (await first.overviews.getAsync(i)).sizeAsync;
    meta.overviews.push({ width: size.x, height: size.y });
  }
  meta.overviews.sort((a, b) => b.width - a.width);
  return { meta, bands };
}

/**
 * Int32 views of a byte array, four pixels a word, and where its unaligned tail starts (0 when the
 * array is not aligned: then everything is done byte by byte). Int32 keeps V8 in integer arithmetic.
 */
function words(bytes: Uint8Array): { view: Int32Array; tail: number } {
  if (bytes.byteOffset % 4 !== 0) return { view: new Int32Array(0), tail: 0 };
  const count = bytes.length >>> 2;
  return { view: new Int32Array(bytes.buffer, bytes.byteOffset, count), tail: count * 4 };
}

/** target |= source, byte by byte (both the same length). */
function orInto(target: Uint8Array, source: Uint8Array): void {
  const t = words(target);
  const s = words(source);
  const tail = t.tail === s.tail ? t.tail : 0;
  if (tail) for (let i = 0; i < t.view.length; i++) t.view[i] |= s.view[i];
  for (let i = tail; i < target.length; i++) target[i] |= source[i];
}

/** target byte |= 1 where `bytes` differs from `value`: each byte of (word XOR value) folded onto its lowest bit. */
function orDifferentBytes(target: Uint8Array, bytes: Uint8Array, value: number): void {
  const t = words(target);
  const b = words(bytes);
  const tail = t.tail === b.tail ? t.tail : 0;
  const repeated = ((value & 0xff) * 0x01010101) | 0;
  if (tail) {
    const [out, bytesAsWords] = [t.view, b.view];
    for (let i = 0; i < out.length; i++) {
      let x = bytesAsWords[i] ^ repeated;
      x = (x | (x >>> 4)) & 0x0f0f0f0f;
      x = (x | (x >>> 2)) & 0x03030303;
      out[i] |= (x | (x >>> 1)) & 0x01010101;
    }
  }
  for (let i = tail; i < target.length; i++) if (bytes[i] !== value) target[i] |= 1;
}

/** Bytes of 0 or 255 (GDAL masks) to 0 or 1. */
function halfToOne(bytes: Uint8Array): void {
  const { view, tail } = words(bytes);
  for (let i = 0; i < view.length; i++) view[i] = (view[i] >>> 7) & 0x01010101;
  for (let i = tail; i < bytes.length; i++) bytes[i] = bytes[i] >>> 7;
}

/** Any non-zero byte to 1 (alpha: partly transparent is still valid). */
function nonZeroToOne(bytes: Uint8Array): void {
  for (let i = 0; i < bytes.length; i++) bytes[i] = bytes[i] ? 1 : 0;
}

/** One data type for all selected bands: theirs when they agree, else float64 (which holds them all). */
function commonType(types: RasterDataType[]): RasterDataType {
  return types.every((t) => t === types[0]) ? types[0] : 'float64';
}

function checkSize(width: number, height: number, bands: number, dataType: RasterDataType): void {
  const bytes = width * height * bands * pixelArray(dataType, 0).BYTES_PER_ELEMENT;
  if (bytes > MAX_READ_BYTES) throw invalidParameter(`a read of ${width}x${height} pixels x ${bands} bands is too large (${(bytes / 2 ** 30).toFixed(1)} GiB); read a smaller window or output size`);
}

/** A block with every pixel invalid and set to its band's nodata value (0 without one). */
export function emptyBlock(dataType: RasterDataType, width: number, height: number, nodata: (number | null)[], crs: string, transform: GeoTransform): RasterBlock {
  const data = pixelArray(dataType, width * height * nodata.length);
  const plane = width * height;
  nodata.forEach((value, i) => {
    if (value !== null && value !== 0) data.fill(value as never, i * plane, (i + 1) * plane);
  });
  return { data, dataType, width, height, bandCount: nodata.length, crs, transform, nodata, mask: new Uint8Array(plane) };
}

/** Physical values: raw * scale + offset as float32 (float64 for float64 rasters); masked pixels and each band's nodata become NaN. */
export function applyScale(block: RasterBlock, scale: number[], offset: number[]): RasterBlock {
  const dataType: RasterDataType = block.dataType === 'float64' ? 'float64' : 'float32';
  const data: PixelArray = pixelArray(dataType, block.data.length);
  const plane = block.width * block.height;
  for (let b = 0; b < block.bandCount; b++) {
    const s = scale[b] ?? 1;
    const o = offset[b] ?? 0;
    const nodata = block.nodata[b];
    for (let p = 0; p < plane; p++) {
      const raw = block.data[b * plane + p];
      // The shared mask keeps a pixel valid in any band; a band's own nodata value is still no value.
      data[b * plane + p] = block.mask[p] && raw !== nodata ? raw * s + o : Number.NaN;
    }
  }
  const anyInvalid = block.mask.includes(0);
  return { ...block, data, dataType, nodata: block.nodata.map((v) => (v !== null || anyInvalid ? Number.NaN : null)) };
}
