/**
 * Training pixels from a raster and its labels: the raster is read block by block (never whole), the
 * label polygons are burned onto each block's grid by GDAL's rasterizer (`LabelRasterizer`, labels in
 * any CRS), or a label raster is read on the same grid, and every labelled pixel with a value in every
 * band (or in as many as `features.minValid` asks) becomes a row: its band values (or features computed from them), its class, the map
 * coordinates of its centre in the raster's CRS (for spatially blocked cross-validation) and its row
 * and column. `maxPerClass` keeps a seeded uniform sample of each class by reservoir sampling, so
 * memory stays bounded by the sample, not the raster.
 *
 * Rows come out in raster order (row, then column), whichever blocks they were found in.
 */
import { invalidParameter } from '../../core/errors.js';
import { createRandom } from '../../data/datasets/random.js';
import { LabelRasterizer } from '../../data/datasets/rasterize.js';
import { openLabels } from '../../data/labels/open.js';
import { geometryBBox } from '../../data/labels/geometry.js';
import type { Geometry, LabelFeature, LabelSource } from '../../data/labels/types.js';
import { sameCrs } from '../../data/raster/gdal-env.js';
import { intersectBounds, transformBoundsDensified, windowBounds, windowTransform } from '../../data/raster/grid.js';
import type { Bounds, PixelWindow, RasterInfo, RasterSource } from '../../data/raster/types.js';
import { matrix } from '../classical/estimator.js';
import type { Table } from '../table.js';
import { bandNames, blockWindows, checkBands, checkBlockSize, clipWindow, computeFeatures, gatherPixels, minValidBands, openInput, validPixels, type OpenedRaster, type PixelFeatures } from './blocks.js';

/** What `samplePixels` reads and how. Give `labels` (vector) or `labelRaster`, not both. */
export interface SamplePixelsOptions {
  /** The imagery: a path or URI `openRaster` opens, or an open source (left open). */
  raster: string | RasterSource;
  /** A GeoJSON or GeoParquet label file, or an open label source (left open). */
  labels?: string | LabelSource;
  /** A raster of class values (band 1; 0 and nodata are unlabelled), on any grid: it is read onto the raster's. */
  labelRaster?: string | RasterSource;
  /** The attribute holding a feature's class (a list uses its first element). Default: the first of class, label, labels, category present; else one class, `label`. */
  classField?: string;
  /** Class names in index order (default: the names found, sorted). Features of other classes are ignored. */
  classes?: string[];
  /** SQL filter on the label attributes (DuckDB dialect). */
  where?: string;
  /** Burn every pixel a label touches, not only those whose centre it covers. */
  allTouched?: boolean;
  /** 1-based bands (default all). */
  bands?: number[];
  /** Features computed from the bands' values (default: the values); e.g. `timeSeriesFeatures`. */
  features?: PixelFeatures;
  /** Keep at most this many pixels of each class, a seeded uniform random sample. */
  maxPerClass?: number;
  /** Seed of the sample (default 0). */
  seed?: number | string;
  /** Only this pixel window of the raster (default: all of it). */
  window?: PixelWindow;
  /** Block edge in pixels (default 512). */
  blockSize?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

/** Sampled pixels as a training table (a `Table`, so it goes wherever one read from a file goes). */
export interface PixelTable extends Table {
  task: 'classification';
  y: Int32Array;
  coordinates: { x: Float64Array; y: Float64Array };
  /** Per row: the pixel's row and column in the raster. */
  pixels: { row: Int32Array; col: Int32Array };
  /** With a label raster: the raster value of each class (classes are these values as text); else null. */
  labelValues: number[] | null;
  /** The raster's CRS (of `coordinates`). */
  crs: string;
  /** Per class: labelled pixels with a value in every band, before `maxPerClass`. */
  classPixels: number[];
}

/** Columns a pixel table writes besides the features. */
export const RESERVED_COLUMNS = ['label', 'x', 'y', 'row', 'col'] as const;

const CLASS_FIELDS = ['class', 'label', 'labels', 'category'];

/** Samples the pixels under labels into a table (see the file's comment). */
export async function samplePixels(options: SamplePixelsOptions): Promise<PixelTable> {
  if ((options.labels === undefined) === (options.labelRaster === undefined)) throw invalidParameter('give labels (a vector label file) or labelRaster, one of them');
  const maxPerClass = options.maxPerClass;
  if (maxPerClass !== undefined && !(Number.isInteger(maxPerClass) && maxPerClass >= 1)) throw invalidParameter(`maxPerClass must be a positive integer, got ${maxPerClass}`);
  const blockSize = checkBlockSize(options.blockSize ?? 512);
  const raster = await openInput(options.raster);
  try {
    const { info } = raster;
    const bands = checkBands(info, options.bands);
    const area = clipWindow(info, options.window);
    const labeller = options.labels !== undefined ? await VectorLabeller.open(options.labels, info, area, options) : await RasterLabeller.open(options.labelRaster as string | RasterSource, info, area);
    try {
      return await sample(raster, labeller, bands, area, blockSize, options);
    } finally {
      await labeller.close();
    }
  } finally {
    await raster.close();
  }
}

/** Gives each pixel of a block a provisional class id (0: unlabelled). */
interface Labeller {
  /** Where labels can be, in the raster's CRS (null: anywhere); blocks outside it are skipped. */
  readonly extent: Bounds | null;
  /** Class names by provisional id - 1, once sampling is done. */
  classes(): { names: string[]; values: number[] | null; order: Int32Array };
  labelBlock(window: PixelWindow): Promise<Int32Array>;
  close(): Promise<void>;
}

/** Labels from vector features, burned block by block as class index + 1. */
class VectorLabeller implements Labeller {
  private constructor(
    readonly extent: Bounds | null,
    private readonly rasterizer: LabelRasterizer,
    private readonly names: string[],
    private readonly info: RasterInfo,
    private readonly release: () => Promise<void>,
  ) {}

  static async open(labels: string | LabelSource, info: RasterInfo, area: PixelWindow, options: SamplePixelsOptions): Promise<VectorLabeller> {
    if (!info.crs) throw invalidParameter(`${info.uri} has no CRS: vector labels need georeferenced imagery (or give a labelRaster on its grid)`);
    const source = typeof labels === 'string' ? await openLabels(labels) : labels;
    const release = typeof labels === 'string' ? () => source.close() : async () => undefined;
    try {
      // Labels with no declared CRS are taken to be in the imagery's, as the chip builder takes them.
      const labelCrs = source.crs || info.crs;
      const field = pickClassField(source, options.classField);
      const bounds = windowBounds(info.transform, area);
      const bbox = transformBoundsDensified(bounds, info.crs, labelCrs);
      const found = (await source.query({ where: options.where, bbox })).filter((f) => f.geometry !== null);
      if (found.length === 0) {
        const total = await source.count({ where: options.where });
        throw invalidParameter(
          `no label feature of ${source.path} overlaps ${info.uri} (raster bounds [${bounds.map((v) => +v.toPrecision(10)).join(', ')}] in ${short(info.crs)}; the labels are in ${short(labelCrs)}; ${total} feature(s)${options.where ? ' match the filter' : ''} elsewhere)`,
        );
      }
      const names = options.classes ?? [...new Set(found.map((f) => classValue(f, field)).filter((c): c is string => c !== null))].sort();
      if (names.length === 0) throw invalidParameter(`the labels over ${info.uri} have no value in the class field ${JSON.stringify(field)}`);
      if (new Set(names).size !== names.length) throw invalidParameter(`class names must be distinct, got ${names.join(', ')}`);
      if (names.length > 255) throw invalidParameter(`at most 255 label classes can be burned, found ${names.length}`);
      const index = new Map(names.map((name, i) => [name, i + 1]));
      const burns = found.flatMap((f) => {
        const value = index.get(classValue(f, field) ?? '');
        return value === undefined ? [] : [{ geometry: f.geometry!, value }];
      });
      if (burns.length === 0) throw invalidParameter(`no label feature over ${info.uri} has one of the classes ${names.join(', ')}`);
      return new VectorLabeller(labelExtent(burns.map((b) => b.geometry), labelCrs, info.crs), new LabelRasterizer(burns, labelCrs, options.allTouched), names, info, release);
    } catch (error) {
      await release();
      throw error;
    }
  }

  classes(): { names: string[]; values: null; order: Int32Array } {
    return { names: this.names, values: null, order: Int32Array.from(this.names, (_, i) => i) };
  }

  async labelBlock(window: PixelWindow): Promise<Int32Array> {
    const transform = windowTransform(this.info.transform, window, window.xsize, window.ysize);
    const burned = await this.rasterizer.burn(transform, window.xsize, window.ysize, this.info.crs, windowBounds(this.info.transform, window));
    return Int32Array.from(burned);
  }

  async close(): Promise<void> {
    this.rasterizer.close();
    await this.release();
  }
}

/** Labels from band 1 of a label raster: each distinct value other than 0 and nodata is a class. */
class RasterLabeller implements Labeller {
  readonly extent = null;
  /** Provisional ids (1-based, in order of discovery) of each label value. */
  private readonly ids = new Map<number, number>();
  private readonly found: number[] = [];

  private constructor(
    private readonly labels: OpenedRaster,
    private readonly info: RasterInfo,
    private readonly sameGrid: boolean,
  ) {}

  static async open(labelRaster: string | RasterSource, info: RasterInfo, area: PixelWindow): Promise<RasterLabeller> {
    const labels = await openInput(labelRaster);
    try {
      const li = labels.info;
      const tolerance = 1e-9 * Math.max(Math.abs(info.transform[1]), Math.abs(info.transform[5]));
      const sameTransform = li.transform.every((v, i) => Math.abs(v - info.transform[i]) <= tolerance);
      const sameGrid = li.width === info.width && li.height === info.height && sameTransform && (!li.crs || !info.crs || sameCrs(li.crs, info.crs));
      if (!sameGrid) {
        if (!li.crs || !info.crs) throw invalidParameter(`label raster ${li.uri} is not on the grid of ${info.uri}, and ${li.crs ? info.uri : li.uri} has no CRS to bring it there`);
        if (info.transform[2] !== 0 || info.transform[4] !== 0) throw invalidParameter(`${info.uri} has a rotated grid: give a label raster on exactly its grid`);
        const overlap = intersectBounds(windowBounds(info.transform, area), transformBoundsDensified(li.bounds, li.crs, info.crs));
        if (!overlap) throw invalidParameter(`label raster ${li.uri} does not overlap ${info.uri}${area.xsize < info.width || area.ysize < info.height ? ` (window ${JSON.stringify(area)})` : ''}`);
      }
      return new RasterLabeller(labels, info, sameGrid);
    } catch (error) {
      await labels.close();
      throw error;
    }
  }

  classes(): { names: string[]; values: number[]; order: Int32Array } {
    const values = [...this.found].sort((a, b) => a - b);
    const rank = new Map(values.map((v, i) => [v, i]));
    // order[provisional id - 1] = final class index: classes sorted by value, as np.unique sorts them.
    return { names: values.map(String), values, order: Int32Array.from(this.found, (v) => rank.get(v) as number) };
  }

  async labelBlock(window: PixelWindow): Promise<Int32Array> {
    const block = this.sameGrid
      ? await this.labels.source.read({ window, bands: [1] })
      : await this.labels.source.read({ bounds: windowBounds(this.info.transform, window), crs: this.info.crs, width: window.xsize, height: window.ysize, bands: [1], resampling: 'nearest' });
    const out = new Int32Array(window.xsize * window.ysize);
    const nodata = block.nodata[0];
    for (let p = 0; p < out.length; p++) {
      const v = block.data[p];
      if (!block.mask[p] || v === 0 || v === nodata || Number.isNaN(v)) continue;
      let id = this.ids.get(v);
      if (id === undefined) {
        if (!Number.isInteger(v)) throw invalidParameter(`label raster ${this.labels.info.uri} holds ${v}: class values must be whole numbers`);
        this.found.push(v);
        id = this.found.length;
        this.ids.set(v, id);
      }
      out[p] = id;
    }
    return out;
  }

  close(): Promise<void> {
    return this.labels.close();
  }
}

/** Growable columns of sampled rows (typed arrays, doubled when full). */
class Rows {
  features: Float64Array;
  x: Float64Array;
  y: Float64Array;
  row: Int32Array;
  col: Int32Array;
  label: Int32Array;
  length = 0;

  constructor(
    readonly width: number,
    private capacity: number,
    private readonly limit = Infinity,
  ) {
    this.features = new Float64Array(capacity * width);
    this.x = new Float64Array(capacity);
    this.y = new Float64Array(capacity);
    this.row = new Int32Array(capacity);
    this.col = new Int32Array(capacity);
    this.label = new Int32Array(capacity);
  }

  /** Room for one more row; returns its slot. */
  append(): number {
    if (this.length === this.capacity) this.grow(Math.min(this.limit, Math.max(16, this.capacity * 2)));
    return this.length++;
  }

  private grow(capacity: number): void {
    const copy = <T extends Float64Array | Int32Array>(from: T, size: number): T => {
      const to = new (from.constructor as new (n: number) => T)(size);
      to.set(from);
      return to;
    };
    this.features = copy(this.features, capacity * this.width);
    this.x = copy(this.x, capacity);
    this.y = copy(this.y, capacity);
    this.row = copy(this.row, capacity);
    this.col = copy(this.col, capacity);
    this.label = copy(this.label, capacity);
    this.capacity = capacity;
  }
}

/** Where sampled pixels go: all of them, or a reservoir of `max` per class. */
class Collector {
  private readonly all: Rows | null;
  private readonly reservoirs: (Rows | undefined)[] = [];
  /** Per provisional class id: pixels offered so far. */
  readonly seen: number[] = [];
  private readonly random;

  constructor(
    private readonly width: number,
    private readonly max: number | undefined,
    seed: number | string,
  ) {
    this.all = max === undefined ? new Rows(width, 1024) : null;
    this.random = createRandom(seed, 'sample-pixels');
  }

  /** Where rows of class `id` go (the same store for every class without `max`). */
  rowsFor(id: number): Rows {
    return this.all ?? (this.reservoirs[id] ??= new Rows(this.width, Math.min(this.max as number, 1024), this.max));
  }

  /** The slot in `rowsFor(id)` of the next pixel of class `id`, or -1 when the reservoir passes it over (Algorithm R). */
  slotFor(id: number): number {
    const n = this.seen[id] ?? 0;
    this.seen[id] = n + 1;
    const rows = this.rowsFor(id);
    if (this.all || n < (this.max as number)) return rows.append();
    const j = this.random.int(n + 1);
    return j < (this.max as number) ? j : -1;
  }

  /** Every kept row, in no particular order. */
  parts(): Rows[] {
    return this.all ? [this.all] : this.reservoirs.filter((r): r is Rows => r !== undefined);
  }
}

async function sample(raster: OpenedRaster, labeller: Labeller, bands: number[], area: PixelWindow, blockSize: number, options: SamplePixelsOptions): Promise<PixelTable> {
  const { info, source } = raster;
  const gt = info.transform;
  const names = options.features ? options.features.names : bandNames(info, bands, RESERVED_COLUMNS);
  const minValid = minValidBands(options.features, bands.length);
  const gaps = minValid < bands.length;
  const collector = new Collector(names.length, options.maxPerClass, options.seed ?? 0);
  const windows = blockWindows(area, blockSize);
  let labelled = 0;
  let nodata = 0;
  for (const [n, window] of windows.entries()) {
    if (labeller.extent && !intersectBounds(windowBounds(gt, window), labeller.extent)) {
      options.onProgress?.(n + 1, windows.length);
      continue;
    }
    const ids = await labeller.labelBlock(window);
    const at: number[] = [];
    for (let p = 0; p < ids.length; p++) if (ids[p] > 0) at.push(p);
    labelled += at.length;
    if (at.length > 0) {
      // Imagery is read only where labels are: sparse labels over a large scene read a few blocks.
      const block = await source.read({ window, bands, signal: options.signal });
      const valid = validPixels(block, minValid);
      const keep = Int32Array.from(at.filter((p) => valid[p]));
      nodata += at.length - keep.length;
      const values = computeFeatures(gatherPixels(block, keep, keep.length, gaps), options.features);
      const width = names.length;
      for (let i = 0; i < keep.length; i++) {
        const p = keep[i];
        const slot = collector.slotFor(ids[p]);
        if (slot < 0) continue;
        const rows = collector.rowsFor(ids[p]);
        const row = window.yoff + Math.floor(p / window.xsize);
        const col = window.xoff + (p % window.xsize);
        for (let f = 0; f < width; f++) rows.features[slot * width + f] = values.data[i * width + f];
        rows.x[slot] = gt[0] + (col + 0.5) * gt[1] + (row + 0.5) * gt[2];
        rows.y[slot] = gt[3] + (col + 0.5) * gt[4] + (row + 0.5) * gt[5];
        rows.row[slot] = row;
        rows.col[slot] = col;
        rows.label[slot] = ids[p];
      }
    }
    options.onProgress?.(n + 1, windows.length);
  }
  const where = area.xsize < info.width || area.ysize < info.height ? ` in window ${JSON.stringify(area)}` : '';
  if (labelled === 0) throw invalidParameter(`the labels cover no pixel of ${info.uri}${where} (polygons smaller than a pixel burn only the pixels whose centre they hold; try allTouched)`);
  if (labelled === nodata) throw invalidParameter(`all ${labelled} labelled pixels of ${info.uri}${where} lack a value in ${gaps ? `more than ${bands.length - minValid} of the bands` : 'some band'}`);
  const { names: classes, values: labelValues, order } = labeller.classes();
  return assemble(collector, names, classes, labelValues, order, info, labelled, nodata);
}

/** The kept rows in raster order, with final class indices. */
function assemble(collector: Collector, featureNames: string[], classes: string[], labelValues: number[] | null, order: Int32Array, info: RasterInfo, labelled: number, nodata: number): PixelTable {
  const parts = collector.parts();
  const count = parts.reduce((n, r) => n + r.length, 0);
  const width = featureNames.length;
  // (part, slot) of each kept row, sorted by the pixel's position in the raster.
  const part = new Int32Array(count);
  const slot = new Int32Array(count);
  const key = new Float64Array(count);
  let k = 0;
  parts.forEach((rows, i) => {
    for (let s = 0; s < rows.length; s++, k++) {
      part[k] = i;
      slot[k] = s;
      key[k] = rows.row[s] * info.width + rows.col[s];
    }
  });
  const sorted = Uint32Array.from({ length: count }, (_, i) => i).sort((a, b) => key[a] - key[b]);
  const X = new Float64Array(count * width);
  const y = new Int32Array(count);
  const xs = new Float64Array(count);
  const ys = new Float64Array(count);
  const row = new Int32Array(count);
  const col = new Int32Array(count);
  sorted.forEach((from, to) => {
    const rows = parts[part[from]];
    const s = slot[from];
    for (let f = 0; f < width; f++) X[to * width + f] = rows.features[s * width + f];
    y[to] = order[rows.label[s] - 1];
    xs[to] = rows.x[s];
    ys[to] = rows.y[s];
    row[to] = rows.row[s];
    col[to] = rows.col[s];
  });
  const classPixels = new Array<number>(classes.length).fill(0);
  collector.seen.forEach((n, id) => {
    if (n) classPixels[order[id - 1]] += n;
  });
  return {
    X: matrix(X, count, width),
    featureNames,
    task: 'classification',
    y,
    classes,
    coordinates: { x: xs, y: ys },
    pixels: { row, col },
    labelValues,
    crs: info.crs,
    classPixels,
    rowsRead: labelled,
    rowsDropped: nodata,
  };
}

/**
 * The extent of label geometries carried into the raster's CRS, a pixel-sized margin aside: blocks
 * outside it cannot hold a label, so they are neither burned nor read.
 */
function labelExtent(geometries: Geometry[], labelCrs: string, rasterCrs: string): Bounds | null {
  const box: Bounds = [Infinity, Infinity, -Infinity, -Infinity];
  for (const geometry of geometries) {
    const b = geometryBBox(geometry);
    if (!b) continue;
    box[0] = Math.min(box[0], b[0]);
    box[1] = Math.min(box[1], b[1]);
    box[2] = Math.max(box[2], b[2]);
    box[3] = Math.max(box[3], b[3]);
  }
  if (!(box[0] <= box[2])) return null;
  // A point or a straight line has an empty box: widen it so it still intersects the blocks it lies in.
  const pad = 1e-9 * Math.max(1, ...box.map(Math.abs));
  const padded: Bounds = [box[0] - pad, box[1] - pad, box[2] + pad, box[3] + pad];
  try {
    return labelCrs === rasterCrs ? padded : transformBoundsDensified(padded, labelCrs, rasterCrs);
  } catch {
    // An extent GDAL cannot carry over (outside the projection's domain): burn every block instead.
    return null;
  }
}

/** The class field to read: the caller's (checked against the source's columns) or the first usual one present. */
function pickClassField(source: LabelSource, requested: string | undefined): string | null {
  const columns = source.columns.map((c) => c.name);
  if (requested !== undefined) {
    if (!columns.includes(requested)) throw invalidParameter(`label file ${source.path} has no field ${JSON.stringify(requested)}; its fields are ${columns.join(', ') || '(none)'}`);
    return requested;
  }
  return CLASS_FIELDS.find((name) => columns.includes(name)) ?? null;
}

/** A feature's class name from its attribute (first element of a list), or null; `label` for all when there is no field. */
function classValue(feature: LabelFeature, field: string | null): string | null {
  if (field === null) return 'label';
  const value = feature.properties[field];
  const first = Array.isArray(value) ? value[0] : value;
  return first === null || first === undefined || first === '' ? null : String(first);
}

function short(crs: string): string {
  return crs.length > 60 ? `${crs.slice(0, 60)}…` : crs;
}
