/**
 * Best-split search for one node, as scikit-learn's `BestSplitter`: candidate features are drawn
 * without replacement (a Fisher-Yates walk over a persistent feature array) until `max_features`
 * non-constant ones have been evaluated, features found constant in an ancestor are skipped without
 * being evaluated, and the first split found among equally good ones wins. The base class holds that
 * sampling loop; subclasses evaluate one feature (exact: sort the node by it; binned: a histogram).
 */
import { impurityImprovement, type Criterion } from './criterion.js';
import { Float32RadixSorter, sortSamples } from './sort.js';

/** Nodes larger than this sort by radix rather than by comparison. */
const RADIX_MIN = 512;

/** Values closer than this count as equal (scikit-learn's FEATURE_THRESHOLD, a float32). */
export const FEATURE_THRESHOLD = Math.fround(1e-7);

/** The split chosen for a node. */
export interface SplitRecord {
  feature: number;
  /** samples[start:pos) go left, samples[pos:end) right; pos == end when no split was found. */
  pos: number;
  threshold: number;
  improvement: number;
  impurityLeft: number;
  impurityRight: number;
  /** Features known constant in this node, passed down to its children. */
  nConstantFeatures: number;
}

/** How a splitter samples features and which splits it may consider. */
export interface SplitterOptions {
  maxFeatures: number;
  minSamplesLeaf: number;
  minWeightLeaf: number;
  /** Draws the feature order: an integer in [0, n) per call (scikit-learn's `rand_int`). */
  random: { int(n: number): number };
}

/** A node splitter over samples with non-zero weight, which it keeps in `samples[0:nSamples)`. */
export abstract class Splitter {
  readonly samples: Int32Array;
  readonly nSamples: number;
  readonly weightedNSamples: number;
  protected readonly features: Int32Array;
  private readonly constantFeatures: Int32Array;
  protected readonly maxFeatures: number;
  protected readonly minSamplesLeaf: number;
  protected readonly minWeightLeaf: number;
  private readonly random: { int(n: number): number };
  protected start = 0;
  protected end = 0;
  protected bestProxy = -Infinity;
  protected bestFeature = 0;
  protected bestPos = 0;
  protected bestThreshold = 0;

  constructor(
    readonly criterion: Criterion,
    weights: Float64Array,
    readonly nFeatures: number,
    options: SplitterOptions,
  ) {
    // Samples of weight zero (left out of a bootstrap) take no part, as in scikit-learn.
    const samples = new Int32Array(weights.length);
    let n = 0;
    let total = 0;
    for (let i = 0; i < weights.length; i++) {
      if (weights[i] !== 0) samples[n++] = i;
      total += weights[i];
    }
    this.samples = samples.subarray(0, n);
    this.nSamples = n;
    this.weightedNSamples = total;
    this.features = new Int32Array(nFeatures);
    for (let f = 0; f < nFeatures; f++) this.features[f] = f;
    this.constantFeatures = new Int32Array(nFeatures);
    this.maxFeatures = options.maxFeatures;
    this.minSamplesLeaf = options.minSamplesLeaf;
    this.minWeightLeaf = options.minWeightLeaf;
    this.random = options.random;
  }

  /** Starts node samples[start:end) and returns its total weight. */
  nodeReset(start: number, end: number): number {
    this.start = start;
    this.end = end;
    this.criterion.init(this.samples, start, end);
    return this.criterion.weightedNNodeSamples;
  }

  /** The impurity of the node last reset. */
  nodeImpurity(): number {
    return this.criterion.nodeImpurity();
  }

  /** Writes the node's value (class proportions or mean) at dest[offset:]. */
  nodeValue(dest: Float64Array, offset: number): void {
    this.criterion.nodeValue(dest, offset);
  }

  /** Finds the best split of the node last reset, partitions its samples by it, and fills `split`. */
  nodeSplit(impurity: number, nKnownConstants: number, split: SplitRecord): void {
    const { features, constantFeatures, random, start, end } = this;
    this.bestProxy = -Infinity;
    this.bestPos = end;
    this.bestFeature = 0;
    this.bestThreshold = 0;
    let fi = this.nFeatures;
    let nVisited = 0;
    let nFound = 0;
    let nDrawn = 0;
    let nTotal = nKnownConstants;
    // features[0:nDrawn) drawn known constants, [nDrawn:nKnown) undrawn known constants,
    // [nKnown:nTotal) constants found here, [nTotal:fi) not drawn yet, [fi:) drawn and evaluated.
    while (fi > nTotal && (nVisited < this.maxFeatures || nVisited <= nFound + nDrawn)) {
      nVisited++;
      let fj = nDrawn + random.int(fi - nFound - nDrawn);
      if (fj < nKnownConstants) {
        swap(features, nDrawn, fj);
        nDrawn++;
        continue;
      }
      fj += nFound;
      if (this.evaluateFeature(features[fj])) {
        swap(features, fj, nTotal);
        nFound++;
        nTotal++;
        continue;
      }
      fi--;
      swap(features, fi, fj);
    }

    split.feature = this.bestFeature;
    split.pos = this.bestPos;
    split.threshold = this.bestThreshold;
    split.improvement = -Infinity;
    if (this.bestPos < end) {
      this.partition();
      const criterion = this.criterion;
      criterion.reset();
      criterion.update(this.bestPos);
      criterion.childrenImpurity();
      split.impurityLeft = criterion.impurityLeft;
      split.impurityRight = criterion.impurityRight;
      split.improvement = impurityImprovement(criterion, impurity, this.weightedNSamples);
    }
    // Known constants keep their order for the siblings; the new ones are appended for the children.
    features.set(constantFeatures.subarray(0, nKnownConstants), 0);
    constantFeatures.set(features.subarray(nKnownConstants, nTotal), nKnownConstants);
    split.nConstantFeatures = nTotal;
  }

  /** Evaluates every split of the node on feature f, updating the best; true when f is constant here. */
  protected abstract evaluateFeature(f: number): boolean;

  /** Reorders samples[start:end) so the best split's left side comes first. */
  protected abstract partition(): void;
}

/**
 * The exact splitter: sorts the node's samples by each candidate feature and tries a threshold
 * between every two distinct consecutive values (their midpoint), as scikit-learn does.
 */
export class ExactSplitter extends Splitter {
  private readonly values: Float32Array;
  private readonly radix: Float32RadixSorter;

  /** `columns` is X as float32, column-major: feature f of sample i at f * nRows + i. */
  constructor(
    criterion: Criterion,
    private readonly columns: Float32Array,
    private readonly nRows: number,
    weights: Float64Array,
    nFeatures: number,
    options: SplitterOptions,
  ) {
    super(criterion, weights, nFeatures, options);
    this.values = new Float32Array(nRows);
    this.radix = new Float32RadixSorter(this.nSamples);
  }

  protected evaluateFeature(f: number): boolean {
    const { samples, values, start, end } = this;
    gather(this.columns, f * this.nRows, samples, values, start, end);
    if (end - start > RADIX_MIN) this.radix.sort(values, samples, start, end);
    else sortSamples(values, samples, start, end);
    if (values[end - 1] <= Math.fround(values[start] + FEATURE_THRESHOLD)) return true;
    this.scan(f);
    return false;
  }

  /** Tries a threshold between every two distinct consecutive values of the sorted node. */
  private scan(f: number): void {
    const { values, start, end, criterion, minSamplesLeaf, minWeightLeaf } = this;
    criterion.reset();
    let p = start;
    while (p < end) {
      while (p + 1 < end && values[p + 1] <= Math.fround(values[p] + FEATURE_THRESHOLD)) p++;
      p++;
      if (p >= end) break;
      if (p - start < minSamplesLeaf) continue;
      // Every later boundary leaves even fewer samples on the right.
      if (end - p < minSamplesLeaf) break;
      criterion.update(p);
      if (criterion.weightedNLeft < minWeightLeaf || criterion.weightedNRight < minWeightLeaf) continue;
      const proxy = criterion.proxyImprovement();
      if (proxy > this.bestProxy) {
        this.bestProxy = proxy;
        this.bestFeature = f;
        this.bestPos = p;
        this.bestThreshold = midpoint(values[p - 1], values[p]);
      }
    }
  }

  protected partition(): void {
    const { samples, columns, start, bestThreshold } = this;
    const base = this.bestFeature * this.nRows;
    let p = start;
    let partitionEnd = this.end;
    while (p < partitionEnd) {
      if (columns[base + samples[p]] <= bestThreshold) {
        p++;
      } else {
        partitionEnd--;
        swap(samples, p, partitionEnd);
      }
    }
  }
}

/** Copies feature values of the node's samples (a long loop kept in its own function, so V8 optimizes it alone). */
function gather(columns: Float32Array, base: number, samples: Int32Array, values: Float32Array, start: number, end: number): void {
  for (let p = start; p < end; p++) values[p] = columns[base + samples[p]];
}

/**
 * The threshold between two consecutive distinct float32 values, computed as scikit-learn's splitter
 * does: their midpoint, or the lower value where the midpoint rounds up to the higher one.
 */
export function midpoint(a: number, b: number): number {
  const m = a / 2 + b / 2;
  return m === b || !Number.isFinite(m) ? a : m;
}

/** Swaps two entries of an index array. */
function swap(items: Int32Array, i: number, j: number): void {
  const t = items[i];
  items[i] = items[j];
  items[j] = t;
}
