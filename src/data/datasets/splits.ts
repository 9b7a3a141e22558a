/**
 * Train/val/test splits and k-fold assignment for chips: random, stratified by class, or spatially
 * blocked (every chip whose centre falls in the same block, `blockSize` map units square or one
 * web-map tile at `blockZoom`, goes to the same split and fold, so neighbouring, correlated chips never
 * sit on both sides). Deterministic for a seed.
 */
import { invalidParameter } from '../../core/errors.js';
import { tileAt } from '../../geo/tiles.js';
import { gdal, spatialReference } from '../raster/gdal-env.js';
import type { ChipRecord, SplitInfo, SplitName } from './format.js';
import { createRandom } from './random.js';

/** The chip fields splitting looks at. */
export type SplitChip = Pick<ChipRecord, 'id' | 'label' | 'crs' | 'bounds'>;

/** How to split. Fractions default to val 0.2, test 0.1; the seed to 42. */
export interface SplitOptions {
  method: 'random' | 'stratified' | 'spatial';
  val?: number;
  test?: number;
  seed?: number | string;
  /** Spatial splits: block edge in map units of each chip's CRS (metres for UTM). */
  blockSize?: number;
  /** Spatial splits, instead of `blockSize`: blocks are the web-map (XYZ) tiles of this zoom, the same in every CRS. */
  blockZoom?: number;
  /** Also assign k folds (k ≥ 2) over the chips outside the test split, with the same method. */
  folds?: number;
}

/** The result: a split per chip, a fold per chip (when asked), and what to record in the manifest. */
export interface SplitAssignment {
  splits: SplitName[];
  folds: (number | undefined)[];
  info: SplitInfo;
}

const ORDER: SplitName[] = ['test', 'val', 'train'];

/** The block key of each chip's centre: map-unit squares within its CRS, or the XYZ tile holding it. */
function blockKeys(chips: SplitChip[], options: SplitOptions): string[] {
  const { blockSize: size, blockZoom: zoom } = options;
  if (zoom === undefined && !(size !== undefined && size > 0)) throw invalidParameter('a spatial split needs a positive blockSize (map units) or a blockZoom');
  if (zoom !== undefined && !(Number.isInteger(zoom) && zoom >= 0 && zoom <= 30)) throw invalidParameter(`blockZoom must be an integer from 0 to 30, got ${zoom}`);
  // One transformation per CRS, not per chip: datasets hold thousands of chips in a few CRSs.
  const toLngLat = new Map<string, gdal.CoordinateTransformation>();
  return chips.map((chip) => {
    if (!chip.bounds || !chip.crs) throw invalidParameter(`a spatial split needs georeferenced chips; chip ${chip.id} has no CRS or bounds`);
    const cx = (chip.bounds[0] + chip.bounds[2]) / 2;
    const cy = (chip.bounds[1] + chip.bounds[3]) / 2;
    if (zoom === undefined) return `${chip.crs}|${Math.floor(cx / (size as number))}|${Math.floor(cy / (size as number))}`;
    let transform = toLngLat.get(chip.crs);
    if (!transform) toLngLat.set(chip.crs, (transform = new gdal.CoordinateTransformation(spatialReference(chip.crs), spatialReference('EPSG:4326'))));
    const p = transform.transformPoint(cx, cy);
    const tile = tileAt(p.x, p.y, zoom);
    return `${tile.z}/${tile.x}/${tile.y}`;
  });
}

/** Groups of chip indices that must stay together: one per chip, or per spatial block. */
function groupsOf(chips: SplitChip[], options: SplitOptions): number[][] {
  if (options.method !== 'spatial') return chips.map((_, i) => [i]);
  const blocks = new Map<string, number[]>();
  blockKeys(chips, options).forEach((key, i) => {
    const block = blocks.get(key);
    block ? block.push(i) : blocks.set(key, [i]);
  });
  // Sorted keys, so the seed alone decides the order after the shuffle.
  return [...blocks.keys()].sort().map((k) => blocks.get(k) as number[]);
}

function checkFractions(val: number, test: number): void {
  for (const [name, f] of [['val', val], ['test', test]] as const) {
    if (!(f >= 0 && f <= 1)) throw invalidParameter(`the ${name} fraction must be between 0 and 1, got ${f}`);
  }
  if (val + test > 1) throw invalidParameter(`val + test fractions exceed 1 (${val} + ${test})`);
}

/** Splits chips into train/val/test (and folds) as the options say. */
export function assignSplits(chips: SplitChip[], options: SplitOptions): SplitAssignment {
  const val = options.val ?? 0.2;
  const test = options.test ?? 0.1;
  const seed = options.seed ?? 42;
  checkFractions(val, test);
  const random = createRandom(seed, 'split');
  const splits: SplitName[] = new Array(chips.length).fill('train');
  // Rounded so 1 - 0.2 - 0.1 is written as 0.7, not 0.7000000000000001.
  const fractions = { test, val, train: Math.round((1 - val - test) * 1e12) / 1e12 };

  if (options.method === 'stratified') {
    for (const members of byClass(chips.map((_, i) => i), chips)) {
      random.shuffle(members);
      const nTest = Math.round(members.length * test);
      const nVal = Math.round(members.length * val);
      members.forEach((i, k) => (splits[i] = k < nTest ? 'test' : k < nTest + nVal ? 'val' : 'train'));
    }
  } else {
    const groups = random.shuffle(groupsOf(chips, options));
    const target = { test: Math.round(chips.length * test), val: Math.round(chips.length * val), train: 0 };
    target.train = chips.length - target.test - target.val;
    const count = { test: 0, val: 0, train: 0 };
    for (const group of groups) {
      // The split furthest below its target takes the next group; single chips fill targets exactly.
      const name = ORDER.reduce((best, s) => (target[s] - count[s] > target[best] - count[best] ? s : best), ORDER[0]);
      for (const i of group) splits[i] = name;
      count[name] += group.length;
    }
  }

  const folds: (number | undefined)[] = new Array(chips.length).fill(undefined);
  if (options.folds !== undefined) {
    const k = options.folds;
    if (!Number.isInteger(k) || k < 2) throw invalidParameter(`folds must be an integer of at least 2, got ${k}`);
    const pool = chips.map((_, i) => i).filter((i) => splits[i] !== 'test');
    const assigned = assignFolds(pool.map((i) => chips[i]), k, { ...options, seed });
    pool.forEach((i, j) => (folds[i] = assigned[j]));
  }

  const info: SplitInfo = { method: options.method, seed, fractions };
  if (options.method === 'spatial' && options.blockZoom !== undefined) info.blockZoom = options.blockZoom;
  else if (options.method === 'spatial') info.blockSize = options.blockSize;
  if (options.folds !== undefined) info.folds = options.folds;
  return { splits, folds, info };
}

/** Chip indices grouped by class label (unlabelled chips form one group), classes in label order. */
function byClass(indices: number[], chips: SplitChip[]): number[][] {
  const groups = new Map<number, number[]>();
  for (const i of indices) {
    const label = chips[i].label ?? -1;
    const group = groups.get(label);
    group ? group.push(i) : groups.set(label, [i]);
  }
  return [...groups.keys()].sort((a, b) => a - b).map((k) => groups.get(k) as number[]);
}

/**
 * Assigns each chip one of k folds: random (shuffled round-robin), stratified (round-robin within each
 * class, so every fold gets its share of each class) or spatial (whole blocks, largest first, each to
 * the fold holding fewest chips so far).
 */
export function assignFolds(chips: SplitChip[], k: number, options: Omit<SplitOptions, 'folds'>): number[] {
  const random = createRandom(options.seed ?? 42, 'folds');
  const folds: number[] = new Array(chips.length).fill(0);
  if (options.method === 'spatial') {
    const groups = random.shuffle(groupsOf(chips, options));
    // Stable sort keeps the seeded order among blocks of equal size.
    groups.sort((a, b) => b.length - a.length);
    const sizes = new Array(k).fill(0);
    for (const group of groups) {
      const fold = sizes.indexOf(Math.min(...sizes));
      for (const i of group) folds[i] = fold;
      sizes[fold] += group.length;
    }
    return folds;
  }
  const groups = options.method === 'stratified' ? byClass(chips.map((_, i) => i), chips) : [chips.map((_, i) => i)];
  let offset = 0;
  for (const members of groups) {
    random.shuffle(members);
    // Continuing the round-robin across classes keeps fold sizes within one of each other.
    members.forEach((i, j) => (folds[i] = (offset + j) % k));
    offset = (offset + members.length) % k;
  }
  return folds;
}
