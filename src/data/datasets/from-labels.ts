/**
 * Builds a dataset from imagery plus vector labels: chips on a regular grid (size, stride) or centred
 * on each label, for classification (a class per chip: the class covering most of the chip, or the
 * class under its centre) or segmentation (a class per pixel). Both decisions read the same GDAL
 * burn of the labels onto the chip's grid (`rasterize.ts`), so "majority" means majority of pixels.
 *
 * Class values burn as 1..K (0 = no label). Segmentation datasets get class 0 `background`, so a mask
 * value is its class index; classification datasets have just the K label classes. Points count for
 * classification (a chip holding a point label) but not for segmentation masks (they have no area).
 */
import path from 'node:path';
import { invalidParameter } from '../../core/errors.js';
import { openLabels } from '../labels/open.js';
import type { LabelFeature } from '../labels/types.js';
import { gdal, spatialReference } from '../raster/gdal-env.js';
import { mapToPixel, transformBoundsDensified, windowBounds, windowTransform } from '../raster/grid.js';
import { openRaster } from '../raster/registry.js';
import type { PixelWindow, RasterInfo } from '../raster/types.js';
import { bandNames, classesFrom, type Manifest, type Task } from './format.js';
import { LabelRasterizer } from './rasterize.js';
import type { SplitOptions } from './splits.js';
import { writeDataset, type DatasetWriter } from './writer.js';

/** One image and the labels drawn on it. */
export interface LabelledImage {
  /** Path or URI of the imagery (anything `openRaster` opens). */
  imagery: string;
  /** Path of a GeoJSON or GeoParquet label file. */
  labels: string;
}

/** Options for `chipsFromLabels`. */
export interface ChipsFromLabelsOptions {
  task?: Task;
  /** Chip edge in pixels (default 64). */
  size?: number;
  /** Grid step in pixels (default: `size`, chips side by side). */
  stride?: number;
  /** `grid` (default): a regular grid over each image; `labels`: one chip centred on each label. */
  at?: 'grid' | 'labels';
  /** Classification on a grid: `majority` (default) or `centroid` (the class under the chip's centre pixel). */
  labelBy?: 'majority' | 'centroid';
  /** The attribute holding a feature's class (a list value uses its first element). Default: the first of class, label, labels, category present; else one class, `label`. */
  classField?: string;
  /** Class names in index order (default: the values found, sorted). Features of other classes are ignored. */
  classes?: string[];
  /** SQL filter on the label attributes. */
  where?: string;
  /** 1-based bands (default all). */
  bands?: number[];
  /** Burn every pixel a geometry touches, not only those whose centre it covers (useful for thin lines). */
  allTouched?: boolean;
  /** Classification: the least fraction of the chip the winning class must cover (default: any pixel). */
  minCoverage?: number;
  /** Segmentation: keep chips with no labelled pixel (default false). */
  keepEmpty?: boolean;
  split?: SplitOptions;
  onProgress?: (done: number, total: number) => void;
  overwrite?: boolean;
  shardBytes?: number;
  /** Recorded in the manifest's `builder` field. */
  provenance?: Record<string, unknown>;
}

const CLASS_FIELDS = ['class', 'label', 'labels', 'category'];

/** A feature's class name from its attribute (first element of a list), or null. */
function classValue(feature: LabelFeature, field: string | null): string | null {
  if (field === null) return 'label';
  const value = feature.properties[field];
  const first = Array.isArray(value) ? value[0] : value;
  return first === null || first === undefined || first === '' ? null : String(first);
}

function pickClassField(features: LabelFeature[], requested: string | undefined): string | null {
  if (requested !== undefined) {
    if (features.length && !features.some((f) => requested in f.properties)) throw invalidParameter(`no label feature has the class field '${requested}'`);
    return requested;
  }
  return CLASS_FIELDS.find((name) => features.some((f) => f.properties[name] !== undefined && f.properties[name] !== null)) ?? null;
}

/** What one image contributes: its raster's description, labels (in their CRS) with burn values, and chip windows. */
interface Plan {
  image: LabelledImage;
  /** Unique among the images: the file name without extension, numbered when names repeat. */
  stem: string;
  info: RasterInfo;
  labelCrs: string;
  features: { feature: LabelFeature; value: number }[];
  windows: { window: PixelWindow; label: number | null }[];
}

/** The grid windows that fit inside the image. */
function gridWindows(info: RasterInfo, size: number, stride: number): PixelWindow[] {
  const out: PixelWindow[] = [];
  for (let yoff = 0; yoff + size <= info.height; yoff += stride) {
    for (let xoff = 0; xoff + size <= info.width; xoff += stride) out.push({ xoff, yoff, xsize: size, ysize: size });
  }
  return out;
}

/** A window centred on each feature's centroid (clamped into the image), labelled with that feature's class. */
function labelWindows(plan: Plan, size: number): { window: PixelWindow; label: number }[] {
  const { info } = plan;
  if (info.width < size || info.height < size) return [];
  const transform = new gdal.CoordinateTransformation(spatialReference(plan.labelCrs), spatialReference(info.crs));
  const out: { window: PixelWindow; label: number }[] = [];
  for (const { feature, value } of plan.features) {
    if (!feature.geometry) continue;
    const centroid = gdal.Geometry.fromGeoJson(feature.geometry).centroid() as gdal.Point;
    if (centroid.isEmpty()) continue;
    const p = transform.transformPoint(centroid.x, centroid.y);
    const [col, row] = mapToPixel(info.transform, p.x, p.y);
    const xoff = Math.min(Math.max(Math.round(col - size / 2), 0), info.width - size);
    const yoff = Math.min(Math.max(Math.round(row - size / 2), 0), info.height - size);
    out.push({ window: { xoff, yoff, xsize: size, ysize: size }, label: value });
  }
  return out;
}

/** File names without extension, numbered where two images share one, so chip ids stay unique. */
function stems(images: LabelledImage[]): string[] {
  const names = images.map((i) => path.basename(i.imagery).replace(/\.[^.]+$/, ''));
  return names.map((name, i) => (names.indexOf(name) !== names.lastIndexOf(name) ? `${name}-${i}` : name));
}

/** Describes each image, reads its labels within the image's bounds, and decides the chip windows. */
async function plan(images: LabelledImage[], options: ChipsFromLabelsOptions, size: number, stride: number): Promise<{ plans: Plan[]; classNames: string[] }> {
  const plans: Plan[] = [];
  const found: { plan: Plan; raw: LabelFeature[] }[] = [];
  const names = stems(images);
  for (const [i, image] of images.entries()) {
    // Closed again at once: a catalog can list more images than a process may keep open.
    const source = await openRaster(image.imagery);
    const info = await source.info().finally(() => source.close());
    const p: Plan = { image, stem: names[i], info, labelCrs: '', features: [], windows: [] };
    plans.push(p);
    if (!info.crs) throw invalidParameter(`${image.imagery} has no CRS; label chips need georeferenced imagery`);
    const labels = await openLabels(image.labels);
    try {
      // Labels with no declared CRS are taken to be in the imagery's.
      p.labelCrs = labels.crs || info.crs;
      const bbox = transformBoundsDensified(info.bounds, info.crs, p.labelCrs);
      found.push({ plan: p, raw: await labels.query({ where: options.where, bbox }) });
    } finally {
      await labels.close();
    }
  }
  const all = found.flatMap((f) => f.raw);
  const field = pickClassField(all, options.classField);
  const classNames = options.classes ?? [...new Set(all.map((f) => classValue(f, field)).filter((c): c is string => c !== null))].sort();
  if (classNames.length === 0) throw invalidParameter('the labels hold no classes over the imagery (check the class field, the filter and the CRS)');
  if (classNames.length > 255) throw invalidParameter(`at most 255 classes fit a uint8 mask; found ${classNames.length}`);
  const valueOf = new Map(classNames.map((name, i) => [name, i + 1]));
  for (const { plan: p, raw } of found) {
    for (const feature of raw) {
      const value = valueOf.get(classValue(feature, field) ?? '');
      // A point has no extent to paint: in masks it would be one stray pixel, so segmentation skips points.
      const point = feature.geometry?.type === 'Point' || feature.geometry?.type === 'MultiPoint';
      if (value !== undefined && feature.geometry && !(point && options.task === 'segmentation')) p.features.push({ feature, value });
    }
    p.windows = options.at === 'labels' ? labelWindows(p, size) : gridWindows(p.info, size, stride).map((window) => ({ window, label: null }));
  }
  return { plans, classNames };
}

/** The class index a classification chip gets from its burned grid, or null to leave the chip out. */
function decide(burned: Uint8Array, size: number, options: ChipsFromLabelsOptions, classCount: number): number | null {
  if (options.labelBy === 'centroid') {
    const value = burned[Math.floor(size / 2) * size + Math.floor(size / 2)];
    return value > 0 ? value - 1 : null;
  }
  const counts = new Uint32Array(classCount + 1);
  for (const v of burned) counts[v]++;
  // Ties go to the lower class index.
  let best = -1;
  for (let v = 1; v <= classCount; v++) if (counts[v] > 0 && (best < 0 || counts[v] > counts[best])) best = v;
  if (best < 0) return null;
  return counts[best] / burned.length >= (options.minCoverage ?? 0) ? best - 1 : null;
}

/** Burns, decides and writes the chips of one image. */
async function writeImage(p: Plan, writer: DatasetWriter, options: ChipsFromLabelsOptions, classCount: number, tick: () => void): Promise<void> {
  const { info, image } = p;
  const task = options.task ?? 'classification';
  const source = await openRaster(image.imagery);
  let rasterizer: LabelRasterizer | null = null;
  try {
    if (p.features.length) rasterizer = new LabelRasterizer(p.features.map((f) => ({ geometry: f.feature.geometry!, value: f.value })), p.labelCrs, options.allTouched);
    for (const { window, label: located } of p.windows) {
      tick();
      const bounds = windowBounds(info.transform, window);
      const id = `${p.stem}/${window.xoff}-${window.yoff}`;
      const transform = windowTransform(info.transform, window, window.xsize, window.ysize);
      const burned = rasterizer ? await rasterizer.burn(transform, window.xsize, window.ysize, info.crs, bounds) : new Uint8Array(window.xsize * window.ysize);
      let label: number | null = null;
      if (task === 'classification') {
        label = located !== null ? located - 1 : decide(burned, window.xsize, options, classCount);
        if (label === null) continue;
      } else if (!options.keepEmpty && !burned.some((v) => v > 0)) continue;
      // Centred chips of two labels can coincide; the first one stands.
      if (writer.has(id)) continue;
      const block = await source.read({ window, bands: options.bands });
      if (!block.mask.some((v) => v > 0)) continue;
      await writer.add({
        id,
        data: block.data,
        label,
        mask: task === 'segmentation' ? burned : undefined,
        valid: block.mask,
        crs: info.crs,
        bounds,
        source: { uri: image.imagery, window: [window.xoff, window.yoff, window.xsize, window.ysize] },
      });
    }
  } finally {
    rasterizer?.close();
    await source.close();
  }
}

/** Builds a chip dataset at `out` from images and their vector labels. */
export async function chipsFromLabels(images: LabelledImage[], out: string, options: ChipsFromLabelsOptions = {}): Promise<Manifest> {
  if (images.length === 0) throw invalidParameter('no imagery given');
  const size = options.size ?? 64;
  const stride = options.stride ?? size;
  if (!(Number.isInteger(size) && size > 0)) throw invalidParameter(`size must be a positive integer, got ${size}`);
  if (!(Number.isInteger(stride) && stride > 0)) throw invalidParameter(`stride must be a positive integer, got ${stride}`);
  const task = options.task ?? 'classification';
  const { plans, classNames } = await plan(images, options, size, stride);
  const first = plans[0].info;
  const bandNumbers = options.bands ?? Array.from({ length: first.bandCount }, (_, i) => i + 1);
  for (const p of plans) {
    if (p.info.dataType !== first.dataType) throw invalidParameter(`${p.image.imagery} is ${p.info.dataType}, ${plans[0].image.imagery} is ${first.dataType}; one dataset holds one type`);
    if (Math.max(...bandNumbers) > p.info.bandCount) throw invalidParameter(`${p.image.imagery} has ${p.info.bandCount} bands; band ${Math.max(...bandNumbers)} is needed`);
  }
  const total = plans.reduce((n, p) => n + p.windows.length, 0);
  let done = 0;
  const tick = () => options.onProgress?.(++done, total);
  return writeDataset(
    out,
    {
      task,
      dtype: first.dataType,
      bands: bandNames(first, bandNumbers),
      height: size,
      width: size,
      classes: classesFrom(task === 'segmentation' ? ['background', ...classNames] : classNames),
      nodata: bandNumbers.map((b) => first.nodata[b - 1] ?? null),
      shardBytes: options.shardBytes,
      overwrite: options.overwrite,
      builder: {
        name: 'chips-from-labels',
        images: images.map((i) => ({ imagery: i.imagery, labels: i.labels })),
        size,
        stride,
        at: options.at ?? 'grid',
        labelBy: task === 'classification' ? options.labelBy ?? 'majority' : undefined,
        classField: options.classField ?? null,
        where: options.where ?? null,
        ...options.provenance,
      },
    },
    async (writer) => {
      for (const p of plans) await writeImage(p, writer, options, classNames.length, tick);
    },
    options.split,
  );
}
