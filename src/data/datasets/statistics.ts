/**
 * Per-band statistics computed streaming, one chip at a time: count, mean, population std, min, max
 * and percentiles.
 *
 * - Mean and variance: each chip's band is summarised in two passes (mean, then squared deviations)
 *   and merged into the running totals with Chan et al.'s parallel form of Welford's update, which
 *   stays accurate over billions of values where a running sum of squares would cancel.
 * - Percentiles of 8- and 16-bit integer bands come from a full histogram (256 or 65,536 bins): exact,
 *   with numpy's default linear interpolation between order statistics.
 * - Percentiles of 32-bit and float bands come from a uniform reservoir sample (Algorithm R) of
 *   `reservoirSize` values per band (default 100,000): exact while a band has no more valid values than
 *   that; beyond, the rank error of percentile p has standard deviation sqrt(p(1-p)/reservoirSize)
 *   (0.04 percentage points at p2 with the default size).
 *
 * Nodata values, NaN, and pixels a mask marks invalid are left out of everything.
 */
import type { PixelArray, RasterDataType } from '../raster/types.js';
import type { BandStatistics } from './format.js';
import { createRandom, type Random } from './random.js';

/** The percentiles reported when none are asked for. */
export const DEFAULT_PERCENTILES = [1, 2, 5, 25, 50, 75, 95, 98, 99];

/** Histogram layout for integer types that have one: number of bins and the value of bin 0. */
const HISTOGRAMS: Partial<Record<RasterDataType, { bins: number; low: number }>> = {
  uint8: { bins: 256, low: 0 },
  int8: { bins: 256, low: -128 },
  uint16: { bins: 65536, low: 0 },
  int16: { bins: 65536, low: -32768 },
};

/** Options for the accumulator. */
export interface StatisticsOptions {
  nodata?: (number | null)[];
  percentiles?: number[];
  reservoirSize?: number;
  seed?: number | string;
}

interface BandState {
  count: number;
  mean: number;
  m2: number;
  min: number;
  max: number;
  histogram: Float64Array | null;
  reservoir: Float64Array | null;
  seen: number;
}

/** The value at percentile p (0-100) of sorted values, numpy's 'linear' method, given a rank lookup. */
function percentileOf(p: number, n: number, valueAtRank: (rank: number) => number): number {
  const h = ((n - 1) * p) / 100;
  const lo = Math.floor(h);
  const a = valueAtRank(lo);
  if (h === lo) return a;
  return a + (h - lo) * (valueAtRank(lo + 1) - a);
}

/** Accumulates statistics over band-sequential chips of one data type and band count. */
export class StatisticsAccumulator {
  private readonly bands: BandState[];
  private readonly layout: { bins: number; low: number } | undefined;
  private readonly percentiles: number[];
  private readonly reservoirSize: number;
  private readonly random: Random;
  private readonly nodata: (number | null)[];

  constructor(bandCount: number, dtype: RasterDataType, options: StatisticsOptions = {}) {
    this.layout = HISTOGRAMS[dtype];
    this.percentiles = options.percentiles ?? DEFAULT_PERCENTILES;
    this.reservoirSize = options.reservoirSize ?? 100_000;
    this.random = createRandom(options.seed ?? 0, 'statistics');
    this.nodata = options.nodata ?? [];
    this.bands = Array.from({ length: bandCount }, () => ({
      count: 0,
      mean: 0,
      m2: 0,
      min: Infinity,
      max: -Infinity,
      histogram: this.layout ? new Float64Array(this.layout.bins) : null,
      reservoir: this.layout ? null : new Float64Array(this.reservoirSize),
      seen: 0,
    }));
  }

  /** Adds one chip: `data` holds `bandCount` planes of `pixels` values; `mask` (1 = valid) is shared by all bands. */
  add(data: PixelArray, pixels: number, mask?: Uint8Array): void {
    for (let b = 0; b < this.bands.length; b++) this.addBand(this.bands[b], data, b * pixels, pixels, this.nodata[b] ?? null, mask);
  }

  private valid(v: number, nodata: number | null, mask: Uint8Array | undefined, i: number): boolean {
    return !Number.isNaN(v) && v !== nodata && (mask === undefined || mask[i] !== 0);
  }

  private addBand(state: BandState, data: PixelArray, start: number, pixels: number, nodata: number | null, mask?: Uint8Array): void {
    let n = 0;
    let sum = 0;
    let min = state.min;
    let max = state.max;
    for (let i = 0; i < pixels; i++) {
      const v = data[start + i];
      if (!this.valid(v, nodata, mask, i)) continue;
      n++;
      sum += v;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (n === 0) return;
    const mean = sum / n;
    let m2 = 0;
    for (let i = 0; i < pixels; i++) {
      const v = data[start + i];
      if (!this.valid(v, nodata, mask, i)) continue;
      m2 += (v - mean) * (v - mean);
      if (state.histogram) state.histogram[v - (this.layout as { low: number }).low]++;
      else this.sample(state, v);
    }
    // Chan et al.: merge (n, mean, m2) of this chip into the running totals.
    const total = state.count + n;
    const delta = mean - state.mean;
    state.mean += (delta * n) / total;
    state.m2 += m2 + (delta * delta * state.count * n) / total;
    state.count = total;
    state.min = min;
    state.max = max;
  }

  private sample(state: BandState, v: number): void {
    const reservoir = state.reservoir as Float64Array;
    if (state.seen < this.reservoirSize) reservoir[state.seen] = v;
    else {
      const j = Math.floor(this.random.next() * (state.seen + 1));
      if (j < this.reservoirSize) reservoir[j] = v;
    }
    state.seen++;
  }

  /** The statistics so far, one entry per band. */
  result(): BandStatistics[] {
    return this.bands.map((state) => {
      const percentiles: Record<string, number> = {};
      if (state.count > 0) {
        if (state.histogram) {
          const cumulative = new Float64Array(state.histogram.length);
          let acc = 0;
          for (let i = 0; i < state.histogram.length; i++) cumulative[i] = acc += state.histogram[i];
          const low = (this.layout as { low: number }).low;
          const valueAtRank = (rank: number) => {
            // The first bin whose cumulative count exceeds the rank holds that order statistic.
            let lo = 0;
            let hi = cumulative.length - 1;
            while (lo < hi) {
              const mid = (lo + hi) >> 1;
              if (cumulative[mid] > rank) hi = mid;
              else lo = mid + 1;
            }
            return lo + low;
          };
          for (const p of this.percentiles) percentiles[`p${p}`] = percentileOf(p, state.count, valueAtRank);
        } else {
          const kept = Math.min(state.seen, this.reservoirSize);
          const sorted = (state.reservoir as Float64Array).slice(0, kept).sort();
          for (const p of this.percentiles) percentiles[`p${p}`] = percentileOf(p, kept, (r) => sorted[r]);
        }
      }
      return {
        count: state.count,
        mean: state.count ? state.mean : NaN,
        std: state.count ? Math.sqrt(state.m2 / state.count) : NaN,
        min: state.count ? state.min : NaN,
        max: state.count ? state.max : NaN,
        percentiles,
      };
    });
  }
}
