/**
 * The training batch loader: chips of a split in seeded-shuffled order, as `[N, C, H, W]` float32 with
 * optional normalisation and random flips / 90-degree rotations (applied to masks identically), with
 * `prefetch` batches read ahead so shard reads overlap the consumer's work. Batch k's shuffle and
 * augmentation draws depend only on (seed, epoch, k), so output is identical whatever the timing.
 */
import { invalidParameter } from '../../core/errors.js';
import type { ChipDataset } from './dataset.js';
import { DTYPE_BYTES, viewAs, type SplitName } from './format.js';
import { createRandom } from './random.js';

/** How to batch. */
export interface LoaderOptions {
  /** Chips of this split (all chips when undefined). */
  split?: SplitName;
  /** Only chips whose fold is in this list (for k-fold training and validation). */
  folds?: number[];
  /** Exactly these chip indices (overrides `split` and `folds`). */
  indices?: number[];
  batchSize?: number;
  shuffle?: boolean;
  seed?: number | string;
  /** Epoch number: mixed into the seed so each epoch has its own order and augmentations. */
  epoch?: number;
  /** `'statistics'`: the manifest's per-band mean and std; or explicit per-band values; or none. */
  normalize?: 'statistics' | 'none' | { mean: number[]; std: number[] };
  augment?: { flips?: boolean; rot90?: boolean };
  /** Batches read ahead of the one being consumed (default 2; 0 reads on demand). */
  prefetch?: number;
  /** Leave out a last batch smaller than `batchSize`. */
  dropLast?: boolean;
}

/** One batch. */
export interface Batch {
  /** Pixels, [N, C, H, W] float32. */
  x: Float32Array;
  shape: [number, number, number, number];
  /** Targets: class index per chip ([N], -1 when unlabelled) for classification; per pixel ([N, H, W]) for segmentation. */
  y: Int32Array;
  yShape: number[];
  ids: string[];
  /** Chip indices in the dataset. */
  indices: number[];
}

/** A geometric transform of a chip: k quarter turns (numpy's rot90 direction), then optional left-right and up-down flips. */
interface Transform {
  k: number;
  flipLR: boolean;
  flipUD: boolean;
}

/**
 * For a transform, the source pixel index of each output pixel (row-major). Built by applying the
 * numpy operations to a grid of indices, so the result is numpy's by construction. Square chips only
 * when rotating.
 */
function permutation(t: Transform, height: number, width: number): Int32Array {
  let h = height;
  let w = width;
  let grid = Int32Array.from({ length: h * w }, (_, i) => i);
  for (let r = 0; r < t.k; r++) {
    // np.rot90(m): out[i][j] = m[j][w-1-i], out is w x h.
    const out = new Int32Array(h * w);
    for (let i = 0; i < w; i++) for (let j = 0; j < h; j++) out[i * h + j] = grid[j * w + (w - 1 - i)];
    grid = out;
    [h, w] = [w, h];
  }
  if (t.flipLR) {
    const out = new Int32Array(h * w);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[i * w + j] = grid[i * w + (w - 1 - j)];
    grid = out;
  }
  if (t.flipUD) {
    const out = new Int32Array(h * w);
    for (let i = 0; i < h; i++) for (let j = 0; j < w; j++) out[i * w + j] = grid[(h - 1 - i) * w + j];
    grid = out;
  }
  return grid;
}

/**
 * Normalises (and rearranges) one band plane of `x` in place: x[start + q] = x[start + perm[q]] * scale
 * + shift. The raw values were copied into `x` already by one typed-array `set` (native code, any
 * dtype), so this loop only ever sees Float32Arrays and V8 keeps it monomorphic and fast.
 */
function finishPlane(x: Float32Array, start: number, count: number, scale: number, shift: number, perm: Int32Array | null, scratch: Float32Array): void {
  if (perm) {
    scratch.set(x.subarray(start, start + count));
    for (let q = 0; q < count; q++) x[start + q] = scratch[perm[q]] * scale + shift;
  } else if (scale !== 1 || shift !== 0) {
    // Four values per step: V8 does not vectorise, and the unrolled loop measured 25% faster.
    const end = start + count;
    let q = start;
    for (; q + 3 < end; q += 4) {
      const a = x[q];
      const b = x[q + 1];
      const c = x[q + 2];
      const d = x[q + 3];
      x[q] = a * scale + shift;
      x[q + 1] = b * scale + shift;
      x[q + 2] = c * scale + shift;
      x[q + 3] = d * scale + shift;
    }
    for (; q < end; q++) x[q] = x[q] * scale + shift;
  }
}

/** The chip indices to load, before shuffling. */
function selection(dataset: ChipDataset, options: LoaderOptions): number[] {
  if (options.indices) return [...options.indices];
  let indices = dataset.indices(options.split);
  if (options.folds) {
    const folds = new Set(options.folds);
    indices = indices.filter((i) => folds.has(dataset.chips[i].fold as number));
  }
  return indices;
}

/** Per-band scale and shift so that x = raw * scale + shift. */
function normalization(dataset: ChipDataset, normalize: LoaderOptions['normalize']): { scale: Float64Array; shift: Float64Array } {
  const bands = dataset.manifest.bands.length;
  const scale = new Float64Array(bands).fill(1);
  const shift = new Float64Array(bands);
  if (!normalize || normalize === 'none') return { scale, shift };
  let mean: number[];
  let std: number[];
  if (normalize === 'statistics') {
    const stats = dataset.manifest.statistics;
    if (!stats) throw invalidParameter(`${dataset.dir} has no statistics to normalize with`);
    mean = stats.bands.map((b) => b.mean);
    std = stats.bands.map((b) => b.std);
  } else {
    ({ mean, std } = normalize);
  }
  if (mean.length !== bands || std.length !== bands) throw invalidParameter(`normalization needs ${bands} means and stds, got ${mean.length} and ${std.length}`);
  for (let b = 0; b < bands; b++) {
    // A constant band (std 0) is centred but not scaled, rather than divided by zero.
    scale[b] = std[b] > 0 ? 1 / std[b] : 1;
    shift[b] = -mean[b] * scale[b];
  }
  return { scale, shift };
}

/** Runs of batch positions whose chips lie back to back in one shard, so each run is one read. */
function readRuns(dataset: ChipDataset, indices: number[]): { start: number; count: number }[] {
  const runs: { start: number; count: number }[] = [];
  const chips = dataset.chips;
  for (let p = 0; p < indices.length; p++) {
    const last = runs[runs.length - 1];
    const prev = p > 0 ? chips[indices[p - 1]] : null;
    const chip = chips[indices[p]];
    if (last && prev && prev.shard === chip.shard && chip.offset === prev.offset + dataset.recordBytes) last.count++;
    else runs.push({ start: p, count: 1 });
  }
  return runs;
}

/** Batches of a chip dataset; see the module comment. */
export async function* loader(dataset: ChipDataset, options: LoaderOptions = {}): AsyncGenerator<Batch> {
  const { manifest } = dataset;
  const batchSize = options.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidParameter(`batchSize must be a positive integer, got ${batchSize}`);
  const prefetch = options.prefetch ?? 2;
  if (!Number.isInteger(prefetch) || prefetch < 0) throw invalidParameter(`prefetch must be a non-negative integer, got ${prefetch}`);
  const seed = options.seed ?? 0;
  const epoch = options.epoch ?? 0;
  const { height: H, width: W } = manifest;
  const C = manifest.bands.length;
  const augment = options.augment ?? {};
  if (augment.rot90 && H !== W) throw invalidParameter(`90-degree rotations need square chips; these are ${H}x${W}`);
  const segmentation = manifest.task === 'segmentation';
  const { scale, shift } = normalization(dataset, options.normalize);
  const order = selection(dataset, options);
  if (options.shuffle) createRandom(seed, 'shuffle', epoch).shuffle(order);
  const batches = options.dropLast ? Math.floor(order.length / batchSize) : Math.ceil(order.length / batchSize);
  const permutations = new Map<string, Int32Array>();
  const freeBuffers: Uint8Array[] = [];
  const pixels = H * W;
  const valuesPerChip = C * pixels;

  async function makeBatch(k: number): Promise<Batch> {
    const indices = order.slice(k * batchSize, (k + 1) * batchSize);
    const n = indices.length;
    // Draw before any await, so the draws never depend on I/O timing.
    const random = createRandom(seed, 'augment', epoch, k);
    const transforms: Transform[] = indices.map(() => ({
      k: augment.rot90 ? random.int(4) : 0,
      flipLR: augment.flips ? random.next() < 0.5 : false,
      flipUD: augment.flips ? random.next() < 0.5 : false,
    }));
    // Read buffers are internal, so they are reused: a fresh one costs page faults on every batch.
    const raw = (freeBuffers.pop() ?? new Uint8Array(batchSize * dataset.recordBytes)).subarray(0, n * dataset.recordBytes);
    const masks = segmentation ? new Uint8Array(n * pixels) : null;
    const reads: Promise<unknown>[] = readRuns(dataset, indices).map(({ start, count }) => {
      const chip = dataset.chips[indices[start]];
      return dataset.readInto(manifest.shards[chip.shard].file, chip.offset, count * dataset.recordBytes, raw, start * dataset.recordBytes);
    });
    if (masks) indices.forEach((i, p) => reads.push(dataset.readMask(i, masks, p * pixels)));
    await Promise.all(reads);

    const x = new Float32Array(n * valuesPerChip);
    x.set(viewAs(manifest.dtype, raw, raw.byteLength / DTYPE_BYTES[manifest.dtype]));
    freeBuffers.push(new Uint8Array(raw.buffer));
    const scratch = new Float32Array(pixels);
    const y = new Int32Array(segmentation ? n * pixels : n);
    for (let p = 0; p < n; p++) {
      const t = transforms[p];
      const identity = t.k === 0 && !t.flipLR && !t.flipUD;
      const key = `${t.k}${+t.flipLR}${+t.flipUD}`;
      let perm = identity ? null : permutations.get(key);
      if (!identity && !perm) permutations.set(key, (perm = permutation(t, H, W)));
      const base = p * valuesPerChip;
      for (let b = 0; b < C; b++) finishPlane(x, base + b * pixels, pixels, scale[b], shift[b], perm ?? null, scratch);
      if (masks) {
        const m = p * pixels;
        for (let q = 0; q < pixels; q++) y[m + q] = masks[m + (perm ? perm[q] : q)];
      } else {
        y[p] = dataset.chips[indices[p]].label ?? -1;
      }
    }
    return {
      x,
      shape: [n, C, H, W],
      y,
      yShape: segmentation ? [n, H, W] : [n],
      ids: indices.map((i) => dataset.chips[i].id),
      indices,
    };
  }

  const pending: Promise<Batch>[] = [];
  let next = 0;
  const start = () => {
    const batch = makeBatch(next++);
    // Kept from being reported as unhandled if the consumer stops early; awaiting it still throws.
    batch.catch(() => undefined);
    pending.push(batch);
  };
  while (next < batches || pending.length) {
    // The batch to hand out next, plus `prefetch` more in flight while the consumer works on it.
    while (next < batches && pending.length < prefetch + 1) start();
    yield await (pending.shift() as Promise<Batch>);
  }
}
