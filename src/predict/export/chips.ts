/**
 * A prediction's reviewed tiles as a chip dataset (`src/data/datasets`, docs/formats.md) that
 * `tileflow train` reads: one chip per tile, its pixels read through the imagery provider on the
 * tile's EPSG:3857 grid, its label what the review makes of the prediction (see `records.ts`).
 *
 * - Classification: the label is the reviewed class; a tile whose review leaves no class (invalid,
 *   without `flipInvalid` on a binary model) is left out. Splits are stratified by class.
 * - Segmentation: the mask is the stored class mask resized (nearest) to the chip; only tiles judged
 *   valid or not reviewed are kept, since an invalid mask carries no corrected one. Splits are random.
 * - Detection: refused; the chip format holds class labels and masks, not boxes.
 *
 * Unless the filter says `reviewedOnly: false`, only reviewed tiles are exported. Tiles whose imagery
 * is all nodata are skipped.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { alreadyExists, invalidParameter } from '../../core/errors.js';
import { MANIFEST_FILE, type ClassInfo } from '../../data/datasets/format.js';
import { DatasetWriter } from '../../data/datasets/writer.js';
import type { ImageryProvider } from '../../data/raster/imagery.js';
import type { RasterBlock } from '../../data/raster/types.js';
import { tileXyBounds } from '../../geo/tiles.js';
import type { PredictStore } from '../store/predict-store.js';
import type { Prediction } from '../types.js';
import { planExport, tileRecords, type ExportFilter, type TileRecord } from './records.js';

/** Options of `exportChipDataset`. */
export interface ChipExportOptions {
  /** The dataset folder to create (must not exist). */
  output: string;
  /** Chip edge in pixels. */
  size: number;
  /** 1-based bands of the imagery (default: the imagery's default bands). */
  bands?: number[];
  /** Which tiles; `reviewedOnly` defaults to true here. `layer` must be tiles. */
  filter?: ExportFilter;
  /** Seed of the train/val/test split (default 42). */
  seed?: number;
}

/** Tiles read at once. */
const CONCURRENCY = 8;

/** The largest chip edge accepted. */
const MAX_SIZE = 4096;

/** The model's classes as dataset classes; a dataset label is an index into them, so they must run 0..K-1. */
function datasetClasses(prediction: Prediction): ClassInfo[] {
  const classes = [...prediction.classes].sort((a, b) => a.index - b.index);
  if (classes.some((c, i) => c.index !== i)) throw invalidParameter(`the model's class indices must run 0 to ${classes.length - 1} to make a chip dataset`);
  return classes.map((c) => ({ index: c.index, name: c.name, color: c.color }));
}

/** A stored class mask (grayscale PNG) as uint8 class indices, size × size, resized nearest. */
async function decodeMask(png: Uint8Array, size: number, classCount: number, quadkey: string): Promise<Uint8Array> {
  const raw = await sharp(png).resize(size, size, { kernel: 'nearest', fit: 'fill' }).extractChannel(0).raw().toBuffer();
  const mask = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  for (const v of mask) if (v >= classCount) throw invalidParameter(`the mask of tile ${quadkey} holds class ${v}; the model has ${classCount} classes`);
  return mask;
}

/** Writes reviewed (or all, by filter) prediction tiles as a chip dataset that `tileflow train` reads: imagery chips read through `imagery`, labels from the predictions after review. */
export async function exportChipDataset(
  store: PredictStore,
  predictionId: string,
  imagery: ImageryProvider,
  options: ChipExportOptions,
): Promise<{ manifestPath: string; chips: number; perClass: Record<string, number> }> {
  const prediction = await store.getPrediction(predictionId);
  const task = prediction.task;
  if (task === 'detection') throw invalidParameter('a chip dataset of a detection prediction is not supported yet: the chip format holds class labels and masks, not boxes');
  const { size } = options;
  if (!(Number.isInteger(size) && size > 0 && size <= MAX_SIZE)) throw invalidParameter(`size must be a whole number of pixels from 1 to ${MAX_SIZE}, got ${JSON.stringify(size)}`);
  if (options.filter?.layer === 'features') throw invalidParameter('a chip dataset is made of tiles; the features layer cannot be exported as chips');
  const filter: ExportFilter = { ...options.filter, reviewedOnly: options.filter?.reviewedOnly ?? true, layer: 'tiles' };
  const plan = await planExport(store, predictionId, filter);
  const classes = datasetClasses(prediction);
  const info = await imagery.info();
  const bands = options.bands ?? Array.from({ length: info.bandCount }, (_, i) => i + 1);
  if (bands.length === 0) throw invalidParameter('bands must name at least one band');
  const output = path.resolve(options.output);
  // Checked now, before any imagery is read; the writer checks again when it starts.
  if (await fs.access(output).then(() => true, () => false)) throw alreadyExists(`${options.output} exists already (choose another output)`);

  const perClass: Record<string, number> = Object.fromEntries(classes.map((c) => [c.name, 0]));
  let writer: DatasetWriter | null = null;
  let skipped = 0;
  const read = async (record: TileRecord): Promise<{ record: TileRecord; block: RasterBlock; mask?: Uint8Array } | null> => {
    const { tile } = record;
    let mask: Uint8Array | undefined;
    if (task === 'segmentation') {
      const png = await store.getMask(predictionId, tile.quadkey);
      if (!png) return null;
      mask = await decodeMask(png, size, classes.length, tile.quadkey);
    }
    const block = await imagery.tile(tile.z, tile.x, tile.y, { size, bands });
    return { record, block, mask };
  };

  try {
    for await (const page of tileRecords(store, plan)) {
      // Classification needs a label; a segmentation mask is usable unless judged invalid.
      const usable = page.filter((r) => (task === 'classification' ? r.label !== null : !r.review || r.review.valid));
      skipped += page.length - usable.length;
      for (let start = 0; start < usable.length; start += CONCURRENCY) {
        const chips = await Promise.all(usable.slice(start, start + CONCURRENCY).map(read));
        for (const chip of chips) {
          if (!chip || !chip.block.mask.some((v) => v > 0)) {
            skipped++;
            continue;
          }
          const { record, block, mask } = chip;
          writer ??= await DatasetWriter.create(output, {
            task,
            dtype: block.dataType,
            bands: bands.map((b) => info.bandDescriptions[b - 1] || `B${b}`),
            height: size,
            width: size,
            classes,
            nodata: block.nodata,
            builder: {
              name: 'prediction-review',
              predictionId,
              model: `${prediction.modelName}@${prediction.modelVersion}`,
              imagery: imagery.uri,
              zoom: prediction.zoom,
              size,
              bands,
              filter,
            },
          });
          await writer.add({
            id: record.tile.quadkey,
            data: block.data,
            label: task === 'classification' ? record.label : null,
            mask,
            valid: block.mask,
            crs: 'EPSG:3857',
            bounds: tileXyBounds(record.tile),
            source: { uri: imagery.uri },
          });
          if (task === 'classification') perClass[classes[record.label as number].name]++;
          else for (const c of new Set(mask)) perClass[classes[c].name]++;
        }
      }
    }
    if (!writer) throw invalidParameter(`no tile of prediction ${predictionId} made a chip (${skipped} left out): ${filter.reviewedOnly ? 'review some tiles, or pass reviewedOnly: false' : 'check the filter and the imagery'}`);
    await writer.finish({ method: task === 'classification' ? 'stratified' : 'random', seed: options.seed ?? 42 });
    return { manifestPath: path.join(output, MANIFEST_FILE), chips: writer.size, perClass };
  } catch (error) {
    await writer?.abort();
    throw error;
  }
}
