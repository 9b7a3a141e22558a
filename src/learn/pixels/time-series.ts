/**
 * Per-pixel time-series features from a band stack whose bands are the time steps of one variable: a
 * Zarr cube opened with `openRaster('zarr:cube.zarr#var')` (a band per time slice, described as
 * `time=…`) or any multi-band raster of dates. The series itself becomes features t0..tn, and summary
 * features describe it: mean, standard deviation (population, as NumPy's default), min, max and the
 * least-squares slope over time. Plug the result into `samplePixels` and `classifyRaster` as
 * `features`, so training and prediction compute the same features.
 *
 * Real cubes have gaps (clouds): with `minValid` below the number of steps, a pixel needs values at
 * that many steps only. Summaries then use the steps that have values (as NumPy's nanmean, nanstd…),
 * and the missing steps of t0..tn are filled by linear interpolation in time between the nearest
 * steps with values, or the nearest one at either end (xarray's `interpolate_na` then `ffill`/`bfill`).
 */
import { invalidParameter } from '../../core/errors.js';
import type { RasterInfo } from '../../data/raster/types.js';
import type { Matrix } from '../classical/estimator.js';
import type { PixelFeatures } from './blocks.js';

/** Summary features of a series. */
export type SeriesSummary = 'mean' | 'std' | 'min' | 'max' | 'slope';

/** Every summary, in the order they are computed by default. */
export const SERIES_SUMMARIES: readonly SeriesSummary[] = ['mean', 'std', 'min', 'max', 'slope'];

/** Which time-series features to compute. */
export interface TimeSeriesOptions {
  /** The time of each step, ascending, in any unit (the slope is per that unit); `timeAxis` reads it from a raster. */
  times: ArrayLike<number>;
  /** Include the steps themselves as features t0..tn (default true). */
  values?: boolean;
  /** Summary features (default all of `SERIES_SUMMARIES`). */
  summaries?: SeriesSummary[];
  /** The least number of steps with a value a pixel needs (default: all steps; at least 2 for a slope). */
  minValid?: number;
  /** Put before every feature name (e.g. `chl_`), to tell variables apart. */
  prefix?: string;
}

const DAY_MS = 86_400_000;

/**
 * The time of each selected band (default all): days since the first step when every band
 * description holds a `time=` date (as Zarr cubes are described), else the step number 0, 1, 2 ….
 */
export function timeAxis(info: RasterInfo, bands?: number[]): Float64Array {
  const chosen = bands ?? Array.from({ length: info.bandCount }, (_, i) => i + 1);
  const dates = chosen.map((b) => {
    const match = /(?:^|,)time=([^,]+)/.exec(info.bandDescriptions[b - 1] ?? '');
    return match ? Date.parse(match[1]) : Number.NaN;
  });
  if (dates.every((d) => Number.isFinite(d))) return Float64Array.from(dates, (d) => (d - dates[0]) / DAY_MS);
  return Float64Array.from(chosen, (_, i) => i);
}

/** Time-series features of pixels whose values are the steps of a series (pixels x steps). */
export function timeSeriesFeatures(options: TimeSeriesOptions): PixelFeatures {
  const times = Float64Array.from(options.times);
  const steps = times.length;
  if (steps === 0) throw invalidParameter('a time series needs at least one step');
  if (!times.every((t, i) => Number.isFinite(t) && (i === 0 || t > times[i - 1]))) throw invalidParameter(`step times must be finite and strictly increasing, got ${Array.from(times).join(', ')}`);
  const withValues = options.values ?? true;
  const summaries = options.summaries ?? [...SERIES_SUMMARIES];
  for (const s of summaries) if (!SERIES_SUMMARIES.includes(s)) throw invalidParameter(`unknown series summary ${JSON.stringify(s)}; use ${SERIES_SUMMARIES.join(', ')}`);
  if (!withValues && summaries.length === 0) throw invalidParameter('ask for the steps, some summaries, or both');
  const minValid = options.minValid ?? steps;
  if (!Number.isInteger(minValid) || minValid < 1 || minValid > steps) throw invalidParameter(`minValid must be a whole number of steps from 1 to ${steps}, got ${minValid}`);
  if (summaries.includes('slope') && minValid < 2) throw invalidParameter('a slope needs values at two steps at least: set minValid to 2 or more');
  const prefix = options.prefix ?? '';
  const names = [...(withValues ? Array.from({ length: steps }, (_, i) => `${prefix}t${i}`) : []), ...summaries.map((s) => `${prefix}${s}`)];
  const width = names.length;
  const offset = withValues ? steps : 0;
  const codes = Int32Array.from(summaries, (s) => SERIES_SUMMARIES.indexOf(s));

  return {
    names,
    minValid,
    compute(values: Matrix): Matrix {
      if (values.cols !== steps) throw invalidParameter(`the time series has ${steps} steps but the pixels have ${values.cols} values; select one band per step`);
      const { rows, data } = values;
      const out = new Float64Array(rows * width);
      // Reused for every pixel: summaries in SERIES_SUMMARIES order, and the steps that have values.
      const computed = new Float64Array(SERIES_SUMMARIES.length);
      const present = new Int32Array(steps);
      for (let r = 0; r < rows; r++) {
        const row = r * steps;
        const at = r * width;
        let n = 0;
        let sum = 0;
        let sumTime = 0;
        let min = Infinity;
        let max = -Infinity;
        for (let i = 0; i < steps; i++) {
          const v = data[row + i];
          if (Number.isNaN(v)) continue;
          present[n++] = i;
          sum += v;
          sumTime += times[i];
          if (v < min) min = v;
          if (v > max) max = v;
        }
        if (n < minValid) throw invalidParameter(`pixel ${r} has values at ${n} of ${steps} steps; at least ${minValid} are needed`);
        const mean = sum / n;
        const meanTime = sumTime / n;
        // Deviations from the means (two passes) keep the variance and slope exact for large values with small spread.
        let squares = 0;
        let cross = 0;
        let spread = 0;
        for (let j = 0; j < n; j++) {
          const i = present[j];
          const d = data[row + i] - mean;
          const c = times[i] - meanTime;
          squares += d * d;
          cross += c * d;
          spread += c * c;
        }
        if (withValues) fillSteps(data, row, times, present, n, out, at);
        computed[0] = mean;
        computed[1] = Math.sqrt(squares / n);
        computed[2] = min;
        computed[3] = max;
        computed[4] = spread > 0 ? cross / spread : 0;
        for (let s = 0; s < codes.length; s++) out[at + offset + s] = computed[codes[s]];
      }
      return { data: out, rows, cols: width };
    },
  };
}

/**
 * Writes a pixel's steps to `out[at..]`: the values where present, linear interpolation in time between
 * the present steps around a gap, and the nearest present value before the first or after the last.
 */
function fillSteps(data: Float64Array, row: number, times: Float64Array, present: Int32Array, n: number, out: Float64Array, at: number): void {
  const steps = times.length;
  const first = present[0];
  const last = present[n - 1];
  for (let i = 0; i < first; i++) out[at + i] = data[row + first];
  for (let i = last + 1; i < steps; i++) out[at + i] = data[row + last];
  for (let j = 0; j < n; j++) {
    const i = present[j];
    out[at + i] = data[row + i];
    if (j + 1 === n) break;
    const next = present[j + 1];
    const v0 = data[row + i];
    const v1 = data[row + next];
    for (let g = i + 1; g < next; g++) out[at + g] = v0 + ((v1 - v0) * (times[g] - times[i])) / (times[next] - times[i]);
  }
}
