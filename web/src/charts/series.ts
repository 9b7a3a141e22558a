/**
 * Metric points to uPlot's data layout: one shared, ascending x array and one y array per series,
 * with gaps (null) where a series has no point at an x (`uPlot.join`).
 */
import uPlot from 'uplot';
import { wireNumber } from '../api/tracking';
import type { WireMetric } from '../api/types';

/** One point of a metric's history. */
export interface MetricPoint {
  step: number;
  timestamp: number;
  value: number;
}

/** What the x axis shows: the step, or wall-clock time. */
export type XAxis = 'step' | 'time';

/** Reads the x axis from a URL parameter (step unless it says time). */
export function parseXAxis(text: string | null): XAxis {
  return text === 'time' ? 'time' : 'step';
}

/** Wire metrics to points. */
export function toPoints(metrics: readonly WireMetric[]): MetricPoint[] {
  return metrics.map((m) => ({ step: m.step ?? 0, timestamp: m.timestamp, value: wireNumber(m.value) }));
}

/** A color per series, distinct for the first ten (Tableau 10). */
export const PALETTE = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];

/** The color of the i-th series. */
export function seriesColor(index: number): string {
  return PALETTE[index % PALETTE.length];
}

/**
 * One series as an [x, y] table: sorted by x, one value per x (the last logged wins, as MLflow's
 * charts show), non-finite values as gaps. Time is in seconds, uPlot's unit.
 */
function table(points: readonly MetricPoint[], axis: XAxis): [number[], (number | null)[]] {
  const byX = new Map<number, number | null>();
  const sorted = [...points].sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  for (const p of sorted) byX.set(axis === 'step' ? p.step : p.timestamp / 1000, Number.isFinite(p.value) ? p.value : null);
  const xs = [...byX.keys()].sort((a, b) => a - b);
  return [xs, xs.map((x) => byX.get(x) ?? null)];
}

/** Aligns several series on one x array. */
export function alignSeries(series: readonly (readonly MetricPoint[])[], axis: XAxis): uPlot.AlignedData {
  if (series.length === 0) return [[]];
  return uPlot.join(series.map((points) => table(points, axis)) as uPlot.AlignedData[]);
}
