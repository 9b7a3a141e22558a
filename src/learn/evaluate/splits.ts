/**
 * Cross-validation schemes: which samples each fold trains and tests on. Without shuffling, k-fold,
 * stratified k-fold, group k-fold and leave-one-group-out give exactly scikit-learn's folds (same
 * allocation algorithms), so a user's sklearn numbers can be reproduced fold by fold. Shuffled
 * schemes use tileflow's seeded generator: reproducible for a seed, but not sklearn's permutation.
 * Spatially blocked k-fold groups samples by grid cell of their coordinates so that neighbouring,
 * autocorrelated pixels never sit on both sides of a fold (Roberts et al. 2017, blockCV).
 */
import { invalidParameter } from '../../core/errors.js';
import { createRandom } from '../../data/datasets/random.js';

/** One fold: the sample indices to fit on and those to score on, both ascending. */
export interface Fold {
  train: Int32Array;
  test: Int32Array;
}

/** How to cut samples into folds. */
export type SplitScheme =
  | { kind: 'kfold'; folds: number; shuffle?: boolean; seed?: number }
  | { kind: 'stratified'; folds: number; shuffle?: boolean; seed?: number }
  | { kind: 'repeated'; folds: number; repeats: number; stratified?: boolean; seed?: number }
  | { kind: 'loo' }
  | { kind: 'group'; folds: number }
  | { kind: 'logo' }
  | { kind: 'spatial'; folds: number; blockSize: number; seed?: number };

/** What a scheme may need besides the sample count. */
export interface SplitInputs {
  /** Class indices (stratified schemes). */
  y?: ArrayLike<number>;
  /** Group ids (group schemes): any strings or numbers, e.g. a scene or a field id. */
  groups?: ArrayLike<string | number>;
  /** Sample coordinates, x then y, in one projected CRS (spatial scheme). */
  coordinates?: { x: ArrayLike<number>; y: ArrayLike<number> };
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** Folds from a test-fold assignment per sample (fold ids 0..k-1). */
function foldsFromAssignment(assignment: Int32Array, k: number): Fold[] {
  const folds: Fold[] = [];
  for (let f = 0; f < k; f++) {
    const test: number[] = [];
    const train: number[] = [];
    for (let i = 0; i < assignment.length; i++) (assignment[i] === f ? test : train).push(i);
    folds.push({ train: Int32Array.from(train), test: Int32Array.from(test) });
  }
  return folds;
}

function checkFolds(folds: number, n: number, what: string): void {
  if (!Number.isInteger(folds) || folds < 2) throw invalidParameter(`${what} needs at least 2 folds, got ${folds}`);
  if (folds > n) throw invalidParameter(`cannot cut ${n} samples into ${folds} folds: more folds than samples`);
}

/** scikit-learn's KFold: consecutive blocks, the first n % k folds one sample larger; shuffled first when asked. */
export function kFold(n: number, folds: number, options: { shuffle?: boolean; seed?: number } = {}): Fold[] {
  checkFolds(folds, n, 'k-fold');
  const order = range(n);
  if (options.shuffle) createRandom(options.seed ?? 0, 'kfold').shuffle(order);
  const assignment = new Int32Array(n);
  let start = 0;
  for (let f = 0; f < folds; f++) {
    const size = Math.floor(n / folds) + (f < n % folds ? 1 : 0);
    for (let i = start; i < start + size; i++) assignment[order[i]] = f;
    start += size;
  }
  return foldsFromAssignment(assignment, folds);
}

/**
 * scikit-learn's StratifiedKFold (`_make_test_folds`, 0.24+): classes in order of first appearance,
 * samples sorted by class and dealt to folds round-robin, so each fold holds each class in proportion.
 */
export function stratifiedKFold(y: ArrayLike<number>, folds: number, options: { shuffle?: boolean; seed?: number } = {}): Fold[] {
  const n = y.length;
  checkFolds(folds, n, 'stratified k-fold');
  const firstSeen = new Map<number, number>();
  for (let i = 0; i < n; i++) if (!firstSeen.has(y[i])) firstSeen.set(y[i], firstSeen.size);
  const classes = firstSeen.size;
  if (classes < 2) throw invalidParameter('stratified k-fold needs at least two classes in the target');
  const encoded = Int32Array.from({ length: n }, (_, i) => firstSeen.get(y[i]) as number);
  const counts = new Array<number>(classes).fill(0);
  for (const c of encoded) counts[c]++;
  if (counts.every((c) => c < folds)) throw invalidParameter(`every class has fewer than ${folds} samples: use fewer folds`);
  const sorted = Int32Array.from(encoded).sort();
  // allocation[f][c]: how many samples of class c fold f tests on.
  const allocation = Array.from({ length: folds }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < n; i++) allocation[i % folds][sorted[i]]++;
  const random = createRandom(options.seed ?? 0, 'stratified');
  const assignment = new Int32Array(n);
  for (let c = 0; c < classes; c++) {
    const foldsForClass: number[] = [];
    for (let f = 0; f < folds; f++) for (let j = 0; j < allocation[f][c]; j++) foldsForClass.push(f);
    if (options.shuffle) random.shuffle(foldsForClass);
    let next = 0;
    for (let i = 0; i < n; i++) if (encoded[i] === c) assignment[i] = foldsForClass[next++];
  }
  return foldsFromAssignment(assignment, folds);
}

/** Leave-one-out: n folds of one test sample each. */
export function leaveOneOut(n: number): Fold[] {
  if (n < 2) throw invalidParameter(`leave-one-out needs at least 2 samples, got ${n}`);
  return range(n).map((i) => ({ train: Int32Array.from(range(n).filter((j) => j !== i)), test: Int32Array.of(i) }));
}

/** Group ids as dense indices in sorted order of the ids (numpy's `unique(..., return_inverse=True)`). */
function encodeGroups(groups: ArrayLike<string | number>): { codes: Int32Array; count: number } {
  const ids = [...new Set(Array.from(groups))].sort((a, b) => (typeof a === 'number' && typeof b === 'number' ? a - b : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0));
  const index = new Map(ids.map((id, i) => [id, i]));
  return { codes: Int32Array.from(Array.from(groups), (g) => index.get(g) as number), count: ids.length };
}

/** Assigns groups to folds, largest group first, each to the fold with fewest samples (scikit-learn's GroupKFold). */
function balanceGroups(codes: Int32Array, groupCount: number, folds: number, order?: number[]): Int32Array {
  const sizes = new Array<number>(groupCount).fill(0);
  for (const g of codes) sizes[g]++;
  // Stable ascending sort then reverse, as numpy's argsort(...)[::-1] on sizes.
  const byIndex = order ?? range(groupCount);
  const bySize = [...byIndex].sort((a, b) => sizes[a] - sizes[b]).reverse();
  const load = new Array<number>(folds).fill(0);
  const groupFold = new Int32Array(groupCount);
  for (const g of bySize) {
    let lightest = 0;
    for (let f = 1; f < folds; f++) if (load[f] < load[lightest]) lightest = f;
    load[lightest] += sizes[g];
    groupFold[g] = lightest;
  }
  return Int32Array.from(codes, (g) => groupFold[g]);
}

/** Group k-fold: no group on both sides of a fold; folds balanced by sample count. */
export function groupKFold(groups: ArrayLike<string | number>, folds: number): Fold[] {
  const { codes, count } = encodeGroups(groups);
  if (!Number.isInteger(folds) || folds < 2) throw invalidParameter(`group k-fold needs at least 2 folds, got ${folds}`);
  if (folds > count) throw invalidParameter(`cannot cut ${count} groups into ${folds} folds: more folds than groups`);
  return foldsFromAssignment(balanceGroups(codes, count, folds), folds);
}

/** Leave-one-group-out: one fold per group id, in sorted order of the ids. */
export function leaveOneGroupOut(groups: ArrayLike<string | number>): Fold[] {
  const { codes, count } = encodeGroups(groups);
  if (count < 2) throw invalidParameter(`leave-one-group-out needs at least 2 groups, got ${count}`);
  return foldsFromAssignment(codes, count);
}

/**
 * Spatially blocked k-fold: samples fall in square blocks of `blockSize` (coordinate units) on a grid
 * anchored at the data's minimum corner; blocks, in a seeded random order, go whole to the fold with
 * fewest samples so far. Folds are spatially disjoint at the block scale.
 */
export function spatialBlockKFold(coordinates: { x: ArrayLike<number>; y: ArrayLike<number> }, folds: number, blockSize: number, seed = 0): Fold[] {
  const n = coordinates.x.length;
  if (coordinates.y.length !== n) throw invalidParameter(`${n} x coordinates but ${coordinates.y.length} y coordinates`);
  if (!(blockSize > 0) || !Number.isFinite(blockSize)) throw invalidParameter(`block size must be a positive number, got ${blockSize}`);
  let minX = Infinity;
  let minY = Infinity;
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(coordinates.x[i]) || !Number.isFinite(coordinates.y[i])) throw invalidParameter(`sample ${i} has no finite coordinates`);
    minX = Math.min(minX, coordinates.x[i]);
    minY = Math.min(minY, coordinates.y[i]);
  }
  const cells = Array.from({ length: n }, (_, i) => `${Math.floor((coordinates.x[i] - minX) / blockSize)}:${Math.floor((coordinates.y[i] - minY) / blockSize)}`);
  const { codes, count } = encodeGroups(cells);
  if (!Number.isInteger(folds) || folds < 2) throw invalidParameter(`spatial k-fold needs at least 2 folds, got ${folds}`);
  if (folds > count) throw invalidParameter(`the samples fall in ${count} blocks of ${blockSize}, fewer than ${folds} folds: use a smaller block size or fewer folds`);
  // Shuffle block order first so equal-sized blocks do not land in folds by grid position.
  const order = createRandom(seed, 'spatial').shuffle(range(count));
  return foldsFromAssignment(balanceGroups(codes, count, folds, order), folds);
}

/** The folds of a scheme (repeated schemes concatenate their repeats, each reshuffled). */
export function makeFolds(scheme: SplitScheme, n: number, inputs: SplitInputs = {}): Fold[] {
  const need = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw invalidParameter(`the ${scheme.kind} scheme needs ${what}`);
    if ((value as { length?: number }).length !== undefined && (value as { length: number }).length !== n) throw invalidParameter(`${what} has ${(value as { length: number }).length} entries for ${n} samples`);
    return value;
  };
  switch (scheme.kind) {
    case 'kfold':
      return kFold(n, scheme.folds, scheme);
    case 'stratified':
      return stratifiedKFold(need(inputs.y, 'the class of each sample'), scheme.folds, scheme);
    case 'repeated': {
      if (!Number.isInteger(scheme.repeats) || scheme.repeats < 1) throw invalidParameter(`repeats must be a positive integer, got ${scheme.repeats}`);
      const seed = scheme.seed ?? 0;
      return range(scheme.repeats).flatMap((r) =>
        scheme.stratified
          ? stratifiedKFold(need(inputs.y, 'the class of each sample'), scheme.folds, { shuffle: true, seed: seed + r })
          : kFold(n, scheme.folds, { shuffle: true, seed: seed + r }),
      );
    }
    case 'loo':
      return leaveOneOut(n);
    case 'group':
      return groupKFold(need(inputs.groups, 'a group id per sample'), scheme.folds);
    case 'logo':
      return leaveOneGroupOut(need(inputs.groups, 'a group id per sample'));
    case 'spatial': {
      const coordinates = need(inputs.coordinates, 'sample coordinates');
      need(coordinates.x, 'x coordinates');
      return spatialBlockKFold(coordinates, scheme.folds, scheme.blockSize, scheme.seed);
    }
  }
}
