/**
 * Histogram split finding over binned features (LightGBM's and scikit-learn's HistGradientBoosting
 * approach, used by the random forest when `max_bins` is set): a node's samples are counted into at
 * most 255 bins per candidate feature, in one pass, and only splits between bins are tried. That
 * replaces a sort per node and feature (n log n) with a count (n), which is what lets a forest on
 * hundreds of thousands of rows fit faster than scikit-learn's compiled exact splitter. The feature
 * sampling, stopping rules and split choice (first of equally good splits, in feature-draw and then
 * ascending-bin order) are the exact splitter's, so when every bin holds one distinct value the tree
 * is the exact one.
 *
 * Each tree keeps its samples as records in node order (bin codes of every feature, target, weight),
 * moved along when a node is partitioned, so every pass over a node reads memory sequentially. The
 * bins a feature touches in a node are marked in a bitmask and listed in ascending order from it, so
 * a small node costs what it holds, not 255 bins. Sibling subtraction (deriving one child's histogram
 * from its parent's) does not apply: each node draws its own random features, so a parent's
 * histograms rarely cover the features its children draw.
 *
 * Each long loop sits in a small function of its own: V8 compiles a long-running loop on the fly
 * (on-stack replacement) before the code after it has ever run, and code compiled that early keeps
 * deoptimizing when it reaches the rest of its function.
 */
import type { BinnedColumns } from './binning.js';
import { ClassificationCriterion, classImpurity, RegressionCriterion } from './criterion.js';
import { midpoint, Splitter, type SplitterOptions } from './splitter.js';

/** A histogram splitter for a task, over the samples of non-zero weight, kept as node-ordered records. */
export function histogramSplitter(
  target: { task: 'classification'; y: Int32Array; nClasses: number; entropy: boolean } | { task: 'regression'; y: Float64Array },
  binned: BinnedColumns,
  nRows: number,
  weights: Float64Array,
  options: SplitterOptions,
): Splitter {
  const records = new Records(binned, nRows, weights);
  if (target.task === 'classification') {
    const y = new Int32Array(records.size);
    for (let p = 0; p < records.size; p++) y[p] = target.y[records.rows[p]];
    return new HistogramClassificationSplitter(new ClassificationCriterion(y, records.weights, target.nClasses, target.entropy), binned, records, y, options);
  }
  const y = new Float64Array(records.size);
  for (let p = 0; p < records.size; p++) y[p] = target.y[records.rows[p]];
  return new HistogramRegressionSplitter(new RegressionCriterion(y, records.weights), binned, records, y, options);
}

/** A tree's samples of non-zero weight in node order: each one's bin codes (a padded record) and weight; `rows` is their training-set order, before any partition. */
class Records {
  readonly size: number;
  /** Bytes per record: the feature count rounded up to whole 32-bit words, so records move as words. */
  readonly stride: number;
  readonly codes: Uint8Array;
  readonly codeWords: Int32Array;
  readonly rows: Int32Array;
  readonly weights: Float64Array;
  /** Where a partition puts right-hand records before copying them back. */
  readonly spareWords: Int32Array;
  readonly spareWeights: Float64Array;

  constructor(binned: BinnedColumns, nRows: number, weights: Float64Array) {
    const cols = binned.edges.length;
    let size = 0;
    for (let i = 0; i < nRows; i++) if (weights[i] !== 0) size++;
    this.size = size;
    this.stride = Math.ceil(cols / 4) * 4;
    this.codeWords = new Int32Array((size * this.stride) / 4);
    this.codes = new Uint8Array(this.codeWords.buffer);
    this.rows = new Int32Array(size);
    this.weights = new Float64Array(size);
    gatherRecords(binned.codes, cols, weights, this.codes, this.stride, this.rows, this.weights);
    this.spareWords = new Int32Array(this.codeWords.length);
    this.spareWeights = new Float64Array(size);
  }
}

/** Shared parts of the two histogram splitters: records, bin bookkeeping, the best split's bin. */
abstract class HistogramSplitter extends Splitter {
  protected readonly records: Records;
  protected readonly edges: Float64Array[];
  private readonly values: (Float64Array | null)[];
  /** Samples per bin (unweighted, for min_samples_leaf). */
  protected readonly binCounts: Int32Array;
  /** One bit per bin touched by the current feature (bins 32w..32w+31 in word w). */
  protected readonly touchedBits: Int32Array;
  /** The bins touched by the current feature, ascending. */
  protected readonly touched: Int32Array;
  protected bestBin = 0;

  constructor(criterion: ClassificationCriterion | RegressionCriterion, binned: BinnedColumns, records: Records, options: SplitterOptions) {
    // Records hold only samples of non-zero weight, so the base's samples are the positions 0..size-1.
    super(criterion, records.weights, binned.edges.length, options);
    this.records = records;
    this.edges = binned.edges;
    this.values = binned.values;
    const maxBins = Math.max(1, ...binned.edges.map((e) => e.length + 1));
    this.binCounts = new Int32Array(maxBins);
    this.touchedBits = new Int32Array(Math.ceil(maxBins / 32));
    this.touched = new Int32Array(maxBins);
  }

  /** Records a better split of feature f after bin `bin` (next non-empty bin `nextBin`), with `nLeft` samples on the left. */
  protected keep(proxy: number, f: number, bin: number, nextBin: number, nLeft: number): void {
    this.bestProxy = proxy;
    this.bestFeature = f;
    this.bestBin = bin;
    this.bestPos = this.start + nLeft;
    const values = this.values[f];
    this.bestThreshold = values ? midpoint(values[bin], values[nextBin]) : this.edges[f][bin];
  }
}

/** Histogram splitter for classification: weighted class counts per bin. */
class HistogramClassificationSplitter extends HistogramSplitter {
  private readonly hist: Float64Array;
  private readonly sumLeft: Float64Array;
  private readonly sumRight: Float64Array;
  private readonly spareY: Int32Array;

  constructor(
    private readonly classCriterion: ClassificationCriterion,
    binned: BinnedColumns,
    records: Records,
    private readonly y: Int32Array,
    options: SplitterOptions,
  ) {
    super(classCriterion, binned, records, options);
    this.hist = new Float64Array(this.binCounts.length * classCriterion.k);
    this.sumLeft = new Float64Array(classCriterion.k);
    this.sumRight = new Float64Array(classCriterion.k);
    this.spareY = new Int32Array(records.size);
  }

  protected evaluateFeature(f: number): boolean {
    const { hist, binCounts, touched, touchedBits, records } = this;
    const k = this.classCriterion.k;
    countClasses(records.codes, records.stride, f, this.y, records.weights, this.start, this.end, k, hist, binCounts, touchedBits);
    const nTouched = listTouched(touchedBits, touched);
    if (nTouched === 1) {
      clearClasses(touched, 0, 1, k, hist, binCounts);
      return true;
    }
    const scanned = this.scan(f, nTouched);
    clearClasses(touched, scanned, nTouched, k, hist, binCounts);
    return false;
  }

  /**
   * Tries a split after each touched bin but the last, in ascending bin order, clearing each bin once
   * read; returns how many bins it cleared (the rest are cleared by the caller).
   */
  private scan(f: number, nTouched: number): number {
    const { hist, binCounts, touched, sumLeft, sumRight, minSamplesLeaf, minWeightLeaf } = this;
    const { k, entropy, sumTotal, weightedNNodeSamples } = this.classCriterion;
    const nNode = this.end - this.start;
    // Sums of squared class weights for Gini, kept up to date bin by bin: weights are whole numbers
    // (1 or bootstrap counts), so these stay exact integers and equal what classImpurity would sum.
    let sqLeft = 0;
    let sqRight = 0;
    for (let c = 0; c < k; c++) {
      sumLeft[c] = 0;
      sqRight += sumTotal[c] * sumTotal[c];
    }
    let nLeft = 0;
    let wLeft = 0;
    let i = 0;
    for (; i < nTouched - 1; i++) {
      const b = touched[i];
      const offset = b * k;
      for (let c = 0; c < k; c++) {
        const h = hist[offset + c];
        const left = sumLeft[c];
        sqLeft += h * (2 * left + h);
        sqRight -= h * (2 * (sumTotal[c] - left) - h);
        sumLeft[c] = left + h;
        wLeft += h;
        hist[offset + c] = 0;
      }
      nLeft += binCounts[b];
      binCounts[b] = 0;
      if (nLeft < minSamplesLeaf) continue;
      if (nNode - nLeft < minSamplesLeaf) {
        i++;
        break;
      }
      const wRight = weightedNNodeSamples - wLeft;
      if (wLeft < minWeightLeaf || wRight < minWeightLeaf) continue;
      let proxy: number;
      if (entropy) {
        for (let c = 0; c < k; c++) sumRight[c] = sumTotal[c] - sumLeft[c];
        proxy = -wRight * classImpurity(sumRight, 0, k, wRight, true) - wLeft * classImpurity(sumLeft, 0, k, wLeft, true);
      } else {
        // classImpurity's Gini arithmetic on the same sums, so ties between splits stay ties.
        proxy = -wRight * (1 - sqRight / (wRight * wRight)) - wLeft * (1 - sqLeft / (wLeft * wLeft));
      }
      if (proxy > this.bestProxy) this.keep(proxy, f, b, touched[i + 1], nLeft);
    }
    return i;
  }

  protected partition(): void {
    partitionRecords(this.records, this.y, this.spareY, this.bestFeature, this.bestBin, this.start, this.end);
  }
}

/** Histogram splitter for regression: weight and weighted sum of y per bin. */
class HistogramRegressionSplitter extends HistogramSplitter {
  private readonly sumW: Float64Array;
  private readonly sumWY: Float64Array;
  private readonly spareY: Float64Array;

  constructor(
    private readonly regressionCriterion: RegressionCriterion,
    binned: BinnedColumns,
    records: Records,
    private readonly y: Float64Array,
    options: SplitterOptions,
  ) {
    super(regressionCriterion, binned, records, options);
    this.sumW = new Float64Array(this.binCounts.length);
    this.sumWY = new Float64Array(this.binCounts.length);
    this.spareY = new Float64Array(records.size);
  }

  protected evaluateFeature(f: number): boolean {
    const { sumW, sumWY, binCounts, touched, touchedBits, records } = this;
    countTargets(records.codes, records.stride, f, this.y, records.weights, this.start, this.end, sumW, sumWY, binCounts, touchedBits);
    const nTouched = listTouched(touchedBits, touched);
    if (nTouched === 1) {
      clearTargets(touched, 0, 1, sumW, sumWY, binCounts);
      return true;
    }
    const scanned = this.scan(f, nTouched);
    clearTargets(touched, scanned, nTouched, sumW, sumWY, binCounts);
    return false;
  }

  /** Tries a split after each touched bin but the last, clearing each bin once read; returns how many it cleared. */
  private scan(f: number, nTouched: number): number {
    const { sumW, sumWY, binCounts, touched, minSamplesLeaf, minWeightLeaf } = this;
    const { sumTotal, weightedNNodeSamples } = this.regressionCriterion;
    const nNode = this.end - this.start;
    let nLeft = 0;
    let wLeft = 0;
    let sumLeft = 0;
    let i = 0;
    for (; i < nTouched - 1; i++) {
      const b = touched[i];
      wLeft += sumW[b];
      sumLeft += sumWY[b];
      nLeft += binCounts[b];
      sumW[b] = 0;
      sumWY[b] = 0;
      binCounts[b] = 0;
      if (nLeft < minSamplesLeaf) continue;
      if (nNode - nLeft < minSamplesLeaf) {
        i++;
        break;
      }
      const wRight = weightedNNodeSamples - wLeft;
      if (wLeft < minWeightLeaf || wRight < minWeightLeaf) continue;
      const sumRight = sumTotal - sumLeft;
      const proxy = (sumLeft * sumLeft) / wLeft + (sumRight * sumRight) / wRight;
      if (proxy > this.bestProxy) this.keep(proxy, f, b, touched[i + 1], nLeft);
    }
    return i;
  }

  protected partition(): void {
    partitionRecords(this.records, this.y, this.spareY, this.bestFeature, this.bestBin, this.start, this.end);
  }
}

/** Copies the bin codes, row and weight of every sample of non-zero weight into node-ordered records. */
function gatherRecords(codes: Uint8Array, cols: number, weights: Float64Array, recordCodes: Uint8Array, stride: number, rows: Int32Array, recordWeights: Float64Array): void {
  for (let i = 0, p = 0; i < weights.length; i++) {
    if (weights[i] === 0) continue;
    rows[p] = i;
    recordWeights[p] = weights[i];
    for (let f = 0, from = i * cols, to = p * stride; f < cols; f++) recordCodes[to + f] = codes[from + f];
    p++;
  }
}

/** Counts records [start, end) of feature f into per-bin class weights, marking the bins touched. */
function countClasses(codes: Uint8Array, stride: number, f: number, y: Int32Array, w: Float64Array, start: number, end: number, k: number, hist: Float64Array, binCounts: Int32Array, touchedBits: Int32Array): void {
  for (let p = start, at = start * stride + f; p < end; p++, at += stride) {
    const b = codes[at];
    binCounts[b]++;
    touchedBits[b >> 5] |= 1 << (b & 31);
    hist[b * k + y[p]] += w[p];
  }
}

/** Counts records [start, end) of feature f into per-bin weights and weighted target sums, marking the bins touched. */
function countTargets(codes: Uint8Array, stride: number, f: number, y: Float64Array, w: Float64Array, start: number, end: number, sumW: Float64Array, sumWY: Float64Array, binCounts: Int32Array, touchedBits: Int32Array): void {
  for (let p = start, at = start * stride + f; p < end; p++, at += stride) {
    const b = codes[at];
    binCounts[b]++;
    touchedBits[b >> 5] |= 1 << (b & 31);
    sumW[b] += w[p];
    sumWY[b] += w[p] * y[p];
  }
}

/** Lists the marked bins in ascending order into `touched` (lowest set bit first), clearing the marks; returns how many. */
function listTouched(touchedBits: Int32Array, touched: Int32Array): number {
  let n = 0;
  for (let word = 0; word < touchedBits.length; word++) {
    let bits = touchedBits[word];
    touchedBits[word] = 0;
    while (bits !== 0) {
      const lowest = bits & -bits;
      touched[n++] = (word << 5) + 31 - Math.clz32(lowest);
      bits ^= lowest;
    }
  }
  return n;
}

function clearClasses(touched: Int32Array, from: number, to: number, k: number, hist: Float64Array, binCounts: Int32Array): void {
  for (let i = from; i < to; i++) {
    const b = touched[i];
    binCounts[b] = 0;
    const offset = b * k;
    for (let c = 0; c < k; c++) hist[offset + c] = 0;
  }
}

function clearTargets(touched: Int32Array, from: number, to: number, sumW: Float64Array, sumWY: Float64Array, binCounts: Int32Array): void {
  for (let i = from; i < to; i++) {
    const b = touched[i];
    binCounts[b] = 0;
    sumW[b] = 0;
    sumWY[b] = 0;
  }
}

/**
 * Stable partition of records [start, end) and their targets by feature f's bin (<= bestBin first):
 * left records slide down in place, right ones go to the spare arrays and come back after them.
 */
function partitionRecords(records: Records, y: Int32Array | Float64Array, spareY: Int32Array | Float64Array, f: number, bestBin: number, start: number, end: number): void {
  const { codes, codeWords, weights, spareWords, spareWeights, stride } = records;
  const words = stride >> 2;
  let left = start;
  let right = 0;
  for (let p = start; p < end; p++) {
    if (codes[p * stride + f] <= bestBin) {
      if (left !== p) {
        for (let j = 0; j < words; j++) codeWords[left * words + j] = codeWords[p * words + j];
        weights[left] = weights[p];
        y[left] = y[p];
      }
      left++;
    } else {
      for (let j = 0; j < words; j++) spareWords[right * words + j] = codeWords[p * words + j];
      spareWeights[right] = weights[p];
      spareY[right] = y[p];
      right++;
    }
  }
  codeWords.set(spareWords.subarray(0, right * words), left * words);
  weights.set(spareWeights.subarray(0, right), left);
  y.set(spareY.subarray(0, right), left);
}
