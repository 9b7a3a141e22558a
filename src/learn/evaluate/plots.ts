/**
 * Evaluation plots as PNG: the algorithm-comparison box plot of per-fold scores (the spot-check
 * figure of "evaluate algorithms with k-fold cross-validation") and the confusion matrix.
 */
import { renderChartPng } from '../../core/charts.js';

export { confusionMatrixPng } from '../../core/charts.js';

/** Box-plot statistics of one sample (Tukey's: whiskers at the furthest points within 1.5 IQR). */
export interface BoxStats {
  min: number;
  q1: number;
  median: number;
  q3: number;
  max: number;
  outliers: number[];
}

/** Quantile with linear interpolation (numpy's default), of sorted values. */
function quantile(sorted: number[], q: number): number {
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (at - lo);
}

/** Tukey box statistics of values (matplotlib's `boxplot` defaults). */
export function boxStats(values: number[]): BoxStats {
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const reach = 1.5 * (q3 - q1);
  const inside = sorted.filter((v) => v >= q1 - reach && v <= q3 + reach);
  return { min: inside[0], q1, median: quantile(sorted, 0.5), q3, max: inside[inside.length - 1], outliers: sorted.filter((v) => v < q1 - reach || v > q3 + reach) };
}

/** Box plots of per-fold scores, one box per model, in the given order. */
export function comparisonBoxPlotPng(scores: { model: string; values: number[] }[], scoreName: string, title = 'Algorithm comparison'): Promise<Buffer> {
  const models = scores.filter((s) => s.values.length > 0);
  const boxes = models.map((s) => ({ model: s.model, ...boxStats(s.values) }));
  const outliers = boxes.flatMap((b) => b.outliers.map((value) => ({ model: b.model, value })));
  const points = models.flatMap((s) => s.values.map((value) => ({ model: s.model, value })));
  return renderChartPng({
    $schema: 'https://vega.github.io/schema/vega/v5.json',
    width: Math.max(240, 70 * models.length),
    height: 300,
    padding: 8,
    background: 'white',
    title: { text: title },
    data: [
      { name: 'boxes', values: boxes },
      { name: 'outliers', values: outliers },
      { name: 'points', values: points },
    ],
    scales: [
      { name: 'x', type: 'band', domain: models.map((m) => m.model), range: 'width', padding: 0.3 },
      { name: 'y', type: 'linear', domain: { data: 'points', field: 'value' }, range: 'height', nice: true, zero: false },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'model' },
      { orient: 'left', scale: 'y', title: scoreName },
    ],
    marks: [
      {
        type: 'rule',
        from: { data: 'boxes' },
        encode: { enter: { x: { scale: 'x', field: 'model', band: 0.5 }, y: { scale: 'y', field: 'min' }, y2: { scale: 'y', field: 'max' }, stroke: { value: '#333' } } },
      },
      {
        type: 'rect',
        from: { data: 'boxes' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'model' },
            width: { scale: 'x', band: 1 },
            y: { scale: 'y', field: 'q3' },
            y2: { scale: 'y', field: 'q1' },
            fill: { value: '#9ecae1' },
            stroke: { value: '#333' },
          },
        },
      },
      {
        type: 'rect',
        from: { data: 'boxes' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'model' },
            width: { scale: 'x', band: 1 },
            y: { scale: 'y', field: 'median' },
            height: { value: 2 },
            fill: { value: '#d62728' },
          },
        },
      },
      {
        type: 'symbol',
        from: { data: 'outliers' },
        encode: { enter: { x: { scale: 'x', field: 'model', band: 0.5 }, y: { scale: 'y', field: 'value' }, shape: { value: 'circle' }, stroke: { value: '#333' }, size: { value: 30 } } },
      },
    ],
  });
}
