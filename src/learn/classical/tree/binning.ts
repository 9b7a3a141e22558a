/**
 * Feature layouts the tree splitters read: X as float32 columns (scikit-learn's trees work on float32)
 * and, for histogram split finding, each feature binned once into at most `max_bins` bins.
 *
 * Bin edges follow scikit-learn's `HistGradientBoosting` binning: midpoints between distinct values
 * when a feature has at most `max_bins` of them (binning then loses nothing), otherwise midpoint
 * percentiles of the values. Sample i of feature f falls in the first bin b with x <= edges[b], so
 * "bin <= b" and "x <= edges[b]" select the same rows and a tree grown on bins predicts from raw
 * features with the same thresholds.
 */
import type { Matrix } from '../estimator.js';
import { Float32RadixSorter } from './sort.js';
import { midpoint } from './splitter.js';

/** The most bins a feature may have: bin codes are bytes. */
export const MAX_BINS_LIMIT = 255;

/** Features binned for histogram splitting. */
export interface BinnedColumns {
  /** Bin codes, row-major: feature f of sample i at i * cols + f (a tree copies each sample's codes as one record). */
  codes: Uint8Array;
  /** Per feature, its ascending bin edges (one fewer than its bins). */
  edges: Float64Array[];
  /**
   * Per feature, the value of each bin when every bin holds one distinct value (the feature has at
   * most `max_bins` of them), else null: a split between two bins then takes the midpoint of the
   * node's neighbouring values, as the exact splitter does, instead of the global bin edge.
   */
  values: (Float64Array | null)[];
}

/** X as float32 columns (feature f of sample i at f * rows + i), in `target` when given (a shared buffer). */
export function float32Columns(X: Matrix, target?: Float32Array): Float32Array {
  const { data, rows, cols } = X;
  const out = target ?? new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const offset = i * cols;
    for (let f = 0; f < cols; f++) out[f * rows + i] = data[offset + f];
  }
  return out;
}

/** Bins every column of float32 columns (`rows` per column) into `codes`, a new or shared buffer. */
export function binColumns(columns: Float32Array, rows: number, cols: number, maxBins: number, codes?: Uint8Array): BinnedColumns {
  const out = codes ?? new Uint8Array(rows * cols);
  const edges: Float64Array[] = [];
  const values: (Float64Array | null)[] = [];
  const sorted = new Float32Array(rows);
  const order = new Int32Array(rows);
  const sorter = new Float32RadixSorter(rows);
  for (let f = 0; f < cols; f++) {
    // One sort per feature gives the distinct values, the percentiles, and each row's bin in one walk.
    sorted.set(columns.subarray(f * rows, (f + 1) * rows));
    for (let i = 0; i < rows; i++) order[i] = i;
    sorter.sort(sorted, order, 0, rows);
    const feature = binEdges(sorted, maxBins);
    edges.push(feature.edges);
    values.push(feature.values);
    assignBins(feature.edges, sorted, order, out, cols, f);
  }
  return { codes: out, edges, values };
}

/** Writes feature f's bin of every row, walking the rows in sorted order alongside the edges. */
function assignBins(edges: Float64Array, sorted: Float32Array, order: Int32Array, out: Uint8Array, cols: number, f: number): void {
  let bin = 0;
  for (let j = 0; j < sorted.length; j++) {
    while (bin < edges.length && edges[bin] < sorted[j]) bin++;
    out[order[j] * cols + f] = bin;
  }
}

/**
 * The bin edges of a feature from its sorted values, and its bins' values when each bin is one
 * distinct value. Percentiles are taken over all values, where scikit-learn takes them over a
 * subsample of 200,000 (for speed; the values are sorted here anyway).
 */
export function binEdges(sorted: Float32Array, maxBins: number): { edges: Float64Array; values: Float64Array | null } {
  const n = sorted.length;
  let nDistinct = n > 0 ? 1 : 0;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) nDistinct++;
  if (nDistinct <= maxBins) {
    const distinct = new Float64Array(nDistinct);
    let d = 0;
    for (let i = 0; i < n; i++) if (i === 0 || sorted[i] !== sorted[i - 1]) distinct[d++] = sorted[i];
    const edges = new Float64Array(Math.max(0, nDistinct - 1));
    for (let i = 1; i < nDistinct; i++) edges[i - 1] = midpoint(distinct[i - 1], distinct[i]);
    return { edges, values: distinct };
  }
  // np.percentile(values, linspace(0, 100, maxBins + 1)[1:-1], method='midpoint'), duplicates dropped.
  const edges: number[] = [];
  const last = n - 1;
  for (let b = 1; b < maxBins; b++) {
    const position = (b / maxBins) * last;
    const edge = (sorted[Math.floor(position)] + sorted[Math.ceil(position)]) / 2;
    if (edges.length === 0 || edge > edges[edges.length - 1]) edges.push(edge);
  }
  return { edges: Float64Array.from(edges), values: null };
}
