/**
 * Writes a chip dataset atomically. Everything goes into `OUT.partial-<random>` beside the target; only
 * a complete dataset (shards closed, manifest written last) is renamed to `OUT`. A build that fails or
 * is interrupted never leaves a folder at `OUT` that looks like a dataset.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { alreadyExists, invalidParameter } from '../../core/errors.js';
import { PIXEL_ARRAYS, type PixelArray, type RasterDataType } from '../raster/types.js';
import {
  DTYPE_BYTES,
  FORMAT_NAME,
  FORMAT_VERSION,
  MANIFEST_FILE,
  SHARD_DIR,
  recordBytes,
  shardFile,
  type ChipRecord,
  type ClassInfo,
  type Manifest,
  type Task,
} from './format.js';
import { assignSplits, type SplitOptions } from './splits.js';
import { StatisticsAccumulator, type StatisticsOptions } from './statistics.js';

/** What the dataset holds, fixed for all chips. */
export interface WriterOptions {
  task: Task;
  dtype: RasterDataType;
  bands: string[];
  height: number;
  width: number;
  classes: ClassInfo[];
  nodata?: (number | null)[];
  /** Target shard size in bytes (default 256 MiB); a shard holds a whole number of chips. */
  shardBytes?: number;
  /** Replace an existing dataset at the target (the old one is removed only after the new one is in place). */
  overwrite?: boolean;
  /** Statistics options, or false to skip them. */
  statistics?: StatisticsOptions | false;
  /** Provenance recorded in the manifest. */
  builder?: Record<string, unknown>;
}

/** One chip to write: band-sequential pixels of the dataset's dtype, and its record fields. */
export interface ChipInput {
  id: string;
  data: PixelArray;
  label?: number | null;
  /** Segmentation mask, uint8 height × width of class indices. */
  mask?: Uint8Array;
  /** Valid pixels (1) for statistics; nodata values are excluded anyway. */
  valid?: Uint8Array;
  crs: string | null;
  bounds: [number, number, number, number] | null;
  source: ChipRecord['source'];
}

function asBytes(data: ArrayBufferView): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Builds one dataset; call `add` for each chip, then `finish` (or `abort` on failure). */
export class DatasetWriter {
  private readonly chips: ChipRecord[] = [];
  private readonly ids = new Set<string>();
  private readonly shards: Manifest['shards'] = [];
  private readonly masks: Manifest['masks'] = [];
  private shard: FileHandle | null = null;
  private maskShard: FileHandle | null = null;
  private readonly chipsPerShard: number;
  private readonly stats: StatisticsAccumulator | null;
  private done = false;

  private constructor(
    readonly out: string,
    readonly partial: string,
    private readonly options: WriterOptions,
  ) {
    const bytes = recordBytes(options);
    this.chipsPerShard = Math.max(1, Math.floor((options.shardBytes ?? 256 * 1024 * 1024) / bytes));
    this.stats =
      options.statistics === false
        ? null
        : new StatisticsAccumulator(options.bands.length, options.dtype, { nodata: options.nodata, ...(options.statistics ?? {}) });
  }

  /** Starts a dataset at `out`; fails at once when `out` exists (unless `overwrite`). */
  static async create(out: string, options: WriterOptions): Promise<DatasetWriter> {
    if (os.endianness() !== 'LE') throw new Error('chip shards are little-endian; this host is big-endian');
    if (!options.bands.length) throw invalidParameter('a dataset needs at least one band');
    if (!(options.height > 0 && options.width > 0)) throw invalidParameter(`chip size must be positive, got ${options.height}x${options.width}`);
    const target = path.resolve(out);
    if (!options.overwrite && (await exists(target))) throw alreadyExists(`${out} exists already (choose another output or overwrite it)`);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
    await fs.mkdir(path.join(partial, SHARD_DIR), { recursive: true });
    return new DatasetWriter(target, partial, options);
  }

  /** The number of chips added so far. */
  get size(): number {
    return this.chips.length;
  }

  /** Whether a chip with this id was added. */
  has(id: string): boolean {
    return this.ids.has(id);
  }

  /** Appends one chip to the current shard (and its mask to the current mask shard). */
  async add(chip: ChipInput): Promise<ChipRecord> {
    const { dtype, bands, height, width, task, classes } = this.options;
    if (this.done) throw new Error('the dataset writer is finished');
    if (this.ids.has(chip.id)) throw invalidParameter(`duplicate chip id ${chip.id}`);
    if (!(chip.data instanceof PIXEL_ARRAYS[dtype])) throw invalidParameter(`chip ${chip.id} is ${chip.data.constructor.name}, the dataset is ${dtype}`);
    if (chip.data.length !== bands.length * height * width) {
      throw invalidParameter(`chip ${chip.id} has ${chip.data.length} values; ${bands.length} bands of ${height}x${width} need ${bands.length * height * width}`);
    }
    if (chip.label != null && !(chip.label >= 0 && chip.label < classes.length)) throw invalidParameter(`chip ${chip.id} has label ${chip.label}, outside the ${classes.length} classes`);
    if (task === 'segmentation' && chip.mask?.length !== height * width) throw invalidParameter(`chip ${chip.id} needs a ${height}x${width} mask`);

    const index = this.chips.length % this.chipsPerShard;
    if (index === 0) await this.nextShard();
    const shard = this.shards.length - 1;
    await (this.shard as FileHandle).write(asBytes(chip.data));
    this.shards[shard].chips++;
    const record: ChipRecord = {
      id: chip.id,
      shard,
      offset: index * chip.data.length * DTYPE_BYTES[dtype],
      label: chip.label ?? null,
      split: null,
      crs: chip.crs,
      bounds: chip.bounds,
      source: chip.source,
    };
    if (task === 'segmentation') {
      await (this.maskShard as FileHandle).write(chip.mask as Uint8Array);
      this.masks[shard].chips++;
      record.mask = { shard, offset: index * height * width };
    }
    this.stats?.add(chip.data, height * width, chip.valid);
    this.ids.add(chip.id);
    this.chips.push(record);
    return record;
  }

  private async nextShard(): Promise<void> {
    await this.closeShards();
    const n = this.shards.length;
    this.shard = await fs.open(path.join(this.partial, shardFile('shard', n)), 'w');
    this.shards.push({ file: shardFile('shard', n), chips: 0 });
    if (this.options.task === 'segmentation') {
      this.maskShard = await fs.open(path.join(this.partial, shardFile('masks', n)), 'w');
      this.masks.push({ file: shardFile('masks', n), chips: 0 });
    }
  }

  private async closeShards(): Promise<void> {
    await this.shard?.close();
    await this.maskShard?.close();
    this.shard = null;
    this.maskShard = null;
  }

  /** Assigns splits (when asked), writes the manifest and moves the dataset into place. */
  async finish(split?: SplitOptions): Promise<Manifest> {
    if (this.done) throw new Error('the dataset writer is finished');
    await this.closeShards();
    let splits: Manifest['splits'] = { method: 'none', seed: 0, fractions: { train: 1, val: 0, test: 0 } };
    if (split) {
      const assignment = assignSplits(this.chips, split);
      this.chips.forEach((chip, i) => {
        chip.split = assignment.splits[i];
        if (assignment.folds[i] !== undefined) chip.fold = assignment.folds[i];
      });
      splits = assignment.info;
    }
    const { task, dtype, bands, height, width, classes } = this.options;
    const manifest: Manifest = {
      format: FORMAT_NAME,
      version: FORMAT_VERSION,
      task,
      dtype,
      bands,
      height,
      width,
      classes,
      shards: this.shards,
      masks: this.masks,
      nodata: this.options.nodata ?? bands.map(() => null),
      statistics: this.stats ? { scope: 'all', bands: this.stats.result() } : null,
      splits,
      chips: this.chips,
      created: new Date().toISOString(),
      builder: this.options.builder ?? {},
    };
    await writeManifestFile(this.partial, manifest);
    await this.moveIntoPlace();
    this.done = true;
    return manifest;
  }

  private async moveIntoPlace(): Promise<void> {
    if (!(await exists(this.out))) {
      await fs.rename(this.partial, this.out);
      return;
    }
    if (!this.options.overwrite) throw alreadyExists(`${this.out} appeared while the dataset was being built`);
    const old = `${this.out}.old-${randomBytes(4).toString('hex')}`;
    await fs.rename(this.out, old);
    await fs.rename(this.partial, this.out);
    await fs.rm(old, { recursive: true, force: true });
  }

  /** Throws the partial dataset away. */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    await this.closeShards().catch(() => undefined);
    await fs.rm(this.partial, { recursive: true, force: true });
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.access(p).then(
    () => true,
    () => false,
  );
}

/** Writes manifest.json through a temporary file and a rename, so a reader never sees half a manifest. */
export async function writeManifestFile(dir: string, manifest: Manifest): Promise<void> {
  const tmp = path.join(dir, `${MANIFEST_FILE}.tmp-${randomBytes(4).toString('hex')}`);
  await fs.writeFile(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
  await fs.rename(tmp, path.join(dir, MANIFEST_FILE));
}

/** Runs `build` with a new writer and finishes it, or removes the partial dataset if `build` throws. */
export async function writeDataset(
  out: string,
  options: WriterOptions,
  build: (writer: DatasetWriter) => Promise<void>,
  split?: SplitOptions,
): Promise<Manifest> {
  const writer = await DatasetWriter.create(out, options);
  try {
    await build(writer);
    if (writer.size === 0) throw invalidParameter('no chips were produced; the dataset would be empty');
    return await writer.finish(split);
  } catch (error) {
    await writer.abort();
    throw error;
  }
}
