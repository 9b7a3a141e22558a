/**
 * The feature binner of histogram gradient boosting, as scikit-learn's `_BinMapper`: each feature's
 * values are mapped to at most `max_bins` integer bins by thresholds taken from the training data, so
 * trees split on bin indices and histograms replace sorting.
 *
 * Thresholds are the midpoints between consecutive distinct values when a feature has no more than
 * `max_bins` of them, otherwise numpy's `percentile(..., method="midpoint")` at `max_bins - 1` evenly
 * spaced ranks, computed with numpy's exact arithmetic so the bins (and hence the trees) come out as
 * scikit-learn's. A value x falls in bin i when `thresholds[i - 1] < x <= thresholds[i]`.
 */
import { createRandom } from '../../data/datasets/random.js';
import type { Matrix } from './estimator.js';

/** sklearn's ALMOST_INF: thresholds are clipped below +inf, which sklearn reserves for missing values. */
const ALMOST_INF = 1e300;

/** Rows sampled to compute thresholds on large tables, as sklearn's `subsample=int(2e5)`. */
export const BINNING_SUBSAMPLE = 200_000;

/** Bin thresholds per feature; feature f has `thresholds[f].length + 1` bins. */
export interface BinThresholds {
  readonly thresholds: Float64Array[];
  /** Bins used by each feature (sklearn's `n_bins_non_missing_`). */
  readonly nBins: Int32Array;
}

/** The thresholds of one feature from its values sorted ascending (numpy's `np.unique` + `percentile`). */
export function featureThresholds(sorted: Float64Array, maxBins: number): Float64Array {
  const n = sorted.length;
  let distinct = n === 0 ? 0 : 1;
  for (let i = 1; i < n; i++) if (sorted[i] !== sorted[i - 1]) distinct++;
  let out: Float64Array;
  if (distinct <= maxBins) {
    out = new Float64Array(Math.max(distinct - 1, 0));
    let j = 0;
    let previous = sorted[0];
    for (let i = 1; i < n; i++) {
      if (sorted[i] === previous) continue;
      // sklearn: midpoints = distinct[:-1] + distinct[1:]; midpoints *= 0.5 (same rounding)
      out[j++] = (previous + sorted[i]) * 0.5;
      previous = sorted[i];
    }
  } else {
    out = new Float64Array(maxBins - 1);
    // np.linspace(0, 100, max_bins + 1)[1:-1] is i * (100 / max_bins); np.percentile divides by 100.
    const step = 100 / maxBins;
    for (let p = 1; p < maxBins; p++) {
      const q = (p * step) / 100;
      const position = (n - 1) * q;
      const virtual = 0.5 * (Math.floor(position) + Math.ceil(position));
      let below = Math.floor(virtual);
      let above = below + 1;
      if (virtual >= n - 1) below = above = n - 1;
      const gamma = virtual % 1 === 0 ? 0 : 0.5;
      const a = sorted[below];
      const b = sorted[above];
      const diff = b - a;
      // numpy's _lerp: a + diff * t, or b - diff * (1 - t) when t >= 0.5
      out[p - 1] = gamma >= 0.5 ? b - diff * (1 - gamma) : a + diff * gamma;
    }
  }
  for (let i = 0; i < out.length; i++) if (out[i] > ALMOST_INF) out[i] = ALMOST_INF;
  return out;
}

/**
 * Fits thresholds on the rows `rows` of X (all rows when omitted), on a seeded subsample of
 * `BINNING_SUBSAMPLE` rows when there are more, as sklearn does for speed.
 */
export function fitBinThresholds(X: Matrix, maxBins: number, seed: number, rows?: ArrayLike<number>): BinThresholds {
  let chosen: ArrayLike<number> = rows ?? identity(X.rows);
  if (chosen.length > BINNING_SUBSAMPLE) {
    const pool = Int32Array.from(chosen);
    const random = createRandom(seed, 'binning');
    // A partial Fisher-Yates: the first BINNING_SUBSAMPLE entries become a uniform sample without replacement.
    for (let i = 0; i < BINNING_SUBSAMPLE; i++) {
      const j = i + random.int(pool.length - i);
      const t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
    }
    chosen = pool.subarray(0, BINNING_SUBSAMPLE);
  }
  const column = new Float64Array(chosen.length);
  const thresholds: Float64Array[] = [];
  const nBins = new Int32Array(X.cols);
  for (let f = 0; f < X.cols; f++) {
    for (let i = 0; i < chosen.length; i++) column[i] = X.data[chosen[i] * X.cols + f];
    column.sort();
    thresholds.push(featureThresholds(column, maxBins));
    nBins[f] = thresholds[f].length + 1;
  }
  return { thresholds, nBins };
}

/** The bin of a value: how many thresholds lie strictly below it (what sklearn's `_map_to_bins` finds). */
export function binOf(thresholds: Float64Array, value: number): number {
  // Halving the range without branching on the comparison: values arrive in no order, so a
  // branch would be mispredicted half the time.
  let base = 0;
  let length = thresholds.length;
  while (length > 1) {
    const half = length >>> 1;
    base = thresholds[base + half - 1] < value ? base + half : base;
    length -= half;
  }
  return length === 1 && thresholds[base] < value ? base + 1 : base;
}

/**
 * Bins the rows `rows` of X (all when omitted) into a row-major array of *global* bin indices:
 * feature f's bin b is stored as `offsets[f] + b`, where `offsets` packs every feature's bins into one
 * histogram. The histogram builder then indexes with one load per feature and no addition.
 */
export function binRows(X: Matrix, bins: BinThresholds, offsets: Int32Array, rows?: ArrayLike<number>): Uint16Array | Uint32Array {
  const n = rows ? rows.length : X.rows;
  const total = offsets[X.cols - 1] + bins.nBins[X.cols - 1];
  const out = total <= 0xffff ? new Uint16Array(n * X.cols) : new Uint32Array(n * X.cols);
  for (let f = 0; f < X.cols; f++) {
    const t = bins.thresholds[f];
    const offset = offsets[f];
    for (let i = 0; i < n; i++) {
      const row = rows ? rows[i] : i;
      out[i * X.cols + f] = offset + binOf(t, X.data[row * X.cols + f]);
    }
  }
  return out;
}

/** Start of each feature's bins in a packed histogram. */
export function binOffsets(bins: BinThresholds): Int32Array {
  const offsets = new Int32Array(bins.nBins.length);
  for (let f = 1; f < offsets.length; f++) offsets[f] = offsets[f - 1] + bins.nBins[f - 1];
  return offsets;
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}
