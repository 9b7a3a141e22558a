/**
 * An open chip dataset: its manifest, and chips and masks read from the shards with positioned reads
 * on `fs.promises` file handles (opened once per shard, on first use), so reads of many chips run
 * concurrently in libuv's thread pool and never load a whole shard.
 */
import fs from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { invalidParameter } from '../../core/errors.js';
import type { PixelArray } from '../raster/types.js';
import { DTYPE_BYTES, readManifest, recordBytes, viewAs, type ChipRecord, type Manifest, type SplitName } from './format.js';
import { loader, type Batch, type LoaderOptions } from './loader.js';

/** A chip dataset opened for reading; close it when done. */
export class ChipDataset {
  private readonly handles = new Map<string, Promise<FileHandle>>();
  /** Bytes of one chip's pixels. */
  readonly recordBytes: number;

  constructor(
    readonly dir: string,
    readonly manifest: Manifest,
  ) {
    this.recordBytes = recordBytes(manifest);
  }

  /** The chips' records, in dataset order. */
  get chips(): ChipRecord[] {
    return this.manifest.chips;
  }

  /** Indices of the chips in a split (all chips when `split` is undefined; `null` selects unassigned ones). */
  indices(split?: SplitName | null): number[] {
    const out: number[] = [];
    this.manifest.chips.forEach((chip, i) => {
      if (split === undefined || chip.split === split) out.push(i);
    });
    return out;
  }

  private handle(file: string): Promise<FileHandle> {
    let handle = this.handles.get(file);
    if (!handle) {
      handle = fs.open(path.join(this.dir, file), 'r');
      this.handles.set(file, handle);
    }
    return handle;
  }

  /** Reads `length` bytes at `offset` of a shard file into `target` (at `targetOffset`). */
  async readInto(file: string, offset: number, length: number, target: Uint8Array, targetOffset = 0): Promise<void> {
    const handle = await this.handle(file);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await handle.read(target, targetOffset + done, length - done, offset + done);
      if (bytesRead === 0) throw invalidParameter(`${path.join(this.dir, file)} is truncated: expected ${length} bytes at offset ${offset}`);
      done += bytesRead;
    }
  }

  /** The raw bytes of chip `index` (band-sequential, the dataset's dtype, little-endian). */
  async readChipBytes(index: number, target?: Uint8Array, targetOffset = 0): Promise<Uint8Array> {
    const chip = this.chip(index);
    const out = target ?? new Uint8Array(this.recordBytes);
    await this.readInto(this.manifest.shards[chip.shard].file, chip.offset, this.recordBytes, out, target ? targetOffset : 0);
    return out;
  }

  /** The pixels of chip `index` as a typed array of the dataset's dtype, [bands][height][width]. */
  async readChip(index: number): Promise<PixelArray> {
    const bytes = await this.readChipBytes(index);
    return viewAs(this.manifest.dtype, bytes, this.recordBytes / DTYPE_BYTES[this.manifest.dtype]);
  }

  /** The segmentation mask of chip `index` (uint8 class indices, height × width). */
  async readMask(index: number, target?: Uint8Array, targetOffset = 0): Promise<Uint8Array> {
    const chip = this.chip(index);
    if (!chip.mask) throw invalidParameter(`chip ${chip.id} has no mask (the dataset's task is ${this.manifest.task})`);
    const size = this.manifest.height * this.manifest.width;
    const out = target ?? new Uint8Array(size);
    await this.readInto(this.manifest.masks[chip.mask.shard].file, chip.mask.offset, size, out, target ? targetOffset : 0);
    return out;
  }

  private chip(index: number): ChipRecord {
    const chip = this.manifest.chips[index];
    if (!chip) throw invalidParameter(`no chip ${index}; the dataset has ${this.manifest.chips.length}`);
    return chip;
  }

  /** Batches of `[N, C, H, W]` float32 chips for training; see `loader.ts`. */
  loader(options: LoaderOptions = {}): AsyncIterable<Batch> {
    return loader(this, options);
  }

  /** Closes the shard files. */
  async close(): Promise<void> {
    const handles = [...this.handles.values()];
    this.handles.clear();
    await Promise.all(handles.map(async (h) => (await h.catch(() => null))?.close()));
  }
}

/** Opens the dataset in `dir` (reads and checks its manifest). */
export async function openDataset(dir: string): Promise<ChipDataset> {
  return new ChipDataset(dir, await readManifest(dir));
}
