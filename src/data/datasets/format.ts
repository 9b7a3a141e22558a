/**
 * The on-disk chip dataset format (docs/formats.md): the manifest's types, the data types a shard may
 * hold, and reading a manifest back with checks. Writing is `writer.ts`; reading pixels is `dataset.ts`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidParameter, notFound } from '../../core/errors.js';
import { PIXEL_ARRAYS, type PixelArray, type RasterDataType, type RasterInfo } from '../raster/types.js';

/** The value of `manifest.format`, so a folder is recognised as a chip dataset. */
export const FORMAT_NAME = 'tileflow-chips';

/** The manifest version this code writes and reads. */
export const FORMAT_VERSION = 1;

/** The manifest's file name inside a dataset folder. */
export const MANIFEST_FILE = 'manifest.json';

/** The folder of shard files inside a dataset folder. */
export const SHARD_DIR = 'shards';

/** A shard file name: `shards/shard-00000.bin` for pixels, `shards/masks-00000.bin` for masks. */
export function shardFile(kind: 'shard' | 'masks', index: number): string {
  return `${SHARD_DIR}/${kind}-${String(index).padStart(5, '0')}.bin`;
}

/** What a dataset is for: one class per chip, or one class per pixel. */
export type Task = 'classification' | 'segmentation';

/** A split name; `null` on a chip means not assigned. */
export type SplitName = 'train' | 'val' | 'test';

/** A class of the dataset: its index (the label value), name and display colour (`#rrggbb`). */
export interface ClassInfo {
  index: number;
  name: string;
  color: string;
}

/** Where a chip's mask lives: a masks shard and a byte offset in it (uint8, height × width). */
export interface MaskRef {
  shard: number;
  offset: number;
}

/** One chip: where its pixels are, its label, split, and where on Earth it came from. */
export interface ChipRecord {
  id: string;
  shard: number;
  /** Byte offset of the chip's record in its shard. */
  offset: number;
  /** Class index (classification); null when the chip is unlabelled. */
  label: number | null;
  /** Mask location (segmentation). */
  mask?: MaskRef;
  split: SplitName | null;
  /** Fold number (0-based) when k-fold assignment was run. */
  fold?: number;
  /** CRS of `bounds` (`EPSG:<code>` or WKT); null for images without georeferencing (e.g. plain JPEG). */
  crs: string | null;
  bounds: [number, number, number, number] | null;
  /** Where the pixels came from: a file path or URL, and a pixel window of it when it was cut from a larger image. */
  source: { uri: string; window?: [number, number, number, number] };
}

/** Per-band statistics over every valid pixel of every chip. */
export interface BandStatistics {
  count: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Percentiles by name (`p2`, `p98`, …). */
  percentiles: Record<string, number>;
}

/** How splits were made, so they can be reproduced. */
export interface SplitInfo {
  method: 'random' | 'stratified' | 'spatial' | 'none';
  seed: number | string;
  fractions: { train: number; val: number; test: number };
  /** Block size in map units of each chip's CRS, for spatial splits. */
  blockSize?: number;
  /** Zoom of the web-map tiles used as blocks, for spatial splits by tile. */
  blockZoom?: number;
  /** Number of folds when k-fold assignment was run. */
  folds?: number;
}

/** manifest.json. */
export interface Manifest {
  format: typeof FORMAT_NAME;
  version: number;
  task: Task;
  dtype: RasterDataType;
  bands: string[];
  height: number;
  width: number;
  classes: ClassInfo[];
  /** Chips per shard file, in order. */
  shards: { file: string; chips: number }[];
  /** Mask shards (segmentation), in order. */
  masks: { file: string; chips: number }[];
  /** Per band nodata value, or null. */
  nodata: (number | null)[];
  statistics: { scope: 'all'; bands: BandStatistics[] } | null;
  splits: SplitInfo;
  chips: ChipRecord[];
  created: string;
  /** Free-form provenance: the builder and its options. */
  builder: Record<string, unknown>;
}

/** Distinct colours for classes (matplotlib's tab20), cycled when there are more classes. */
const PALETTE = [
  '#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf',
  '#aec7e8', '#ffbb78', '#98df8a', '#ff9896', '#c5b0d5', '#c49c94', '#f7b6d2', '#c7c7c7', '#dbdb8d', '#9edae5',
];

/** Classes from names in index order, with default colours (or the given ones). */
export function classesFrom(names: string[], colors: Record<string, string> = {}): ClassInfo[] {
  return names.map((name, index) => ({ index, name, color: colors[name] ?? PALETTE[index % PALETTE.length] }));
}

/** Dataset band names for 1-based bands of a raster: its band description, else its colour (`red`), else `B<n>`. */
export function bandNames(info: RasterInfo, bands: number[]): string[] {
  return bands.map((b) => {
    const colour = info.colorInterpretations?.[b - 1];
    return info.bandDescriptions[b - 1] || (colour && colour !== 'gray' && colour !== 'undefined' ? colour : `B${b}`);
  });
}

/** Bytes per value of each data type. */
export const DTYPE_BYTES: Record<RasterDataType, number> = {
  uint8: 1,
  int8: 1,
  uint16: 2,
  int16: 2,
  uint32: 4,
  int32: 4,
  float32: 4,
  float64: 8,
};

/** A typed array view of `length` values of `dtype` over little-endian bytes (this code runs on little-endian hosts only). */
export function viewAs(dtype: RasterDataType, bytes: Uint8Array, length: number): PixelArray {
  // Typed arrays need aligned offsets; copy when the bytes do not start on one.
  const aligned = bytes.byteOffset % DTYPE_BYTES[dtype] === 0 ? bytes : bytes.slice();
  return new PIXEL_ARRAYS[dtype](aligned.buffer as ArrayBuffer, aligned.byteOffset, length);
}

/** Bytes of one chip's pixel record. */
export function recordBytes(manifest: Pick<Manifest, 'bands' | 'height' | 'width' | 'dtype'>): number {
  return manifest.bands.length * manifest.height * manifest.width * DTYPE_BYTES[manifest.dtype];
}

/** Reads and checks `DIR/manifest.json`. */
export async function readManifest(dir: string): Promise<Manifest> {
  let text: string;
  try {
    text = await fs.readFile(path.join(dir, MANIFEST_FILE), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`${dir} is not a chip dataset (no ${MANIFEST_FILE})`);
    throw error;
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw invalidParameter(`${path.join(dir, MANIFEST_FILE)} is not valid JSON: ${(error as Error).message}`);
  }
  if (manifest.format !== FORMAT_NAME) throw invalidParameter(`${dir} is not a chip dataset (format is ${JSON.stringify(manifest.format)})`);
  if (manifest.version !== FORMAT_VERSION) throw invalidParameter(`${dir} has chip format version ${manifest.version}; this tileflow reads version ${FORMAT_VERSION}`);
  if (!(manifest.dtype in DTYPE_BYTES)) throw invalidParameter(`${dir}: unknown dtype ${JSON.stringify(manifest.dtype)}`);
  return manifest;
}
