/**
 * Training plots as PNG: the loss curve per epoch and the confusion matrix, drawn with Vega (SVG,
 * headless) and rasterized by sharp.
 */
import { renderChartPng as render } from '../../core/charts.js';

export { confusionMatrixPng } from '../../core/charts.js';

/** One point of a curve. */
export interface CurvePoint {
  epoch: number;
  series: string;
  value: number;
}

/** A line chart of values per epoch, one line per series (e.g. train and validation loss). */
export function curvePng(points: CurvePoint[], title: string, yTitle: string): Promise<Buffer> {
  return render({
    $schema: 'https://vega.github.io/schema/vega/v5.json',
    width: 480,
    height: 280,
    padding: 8,
    background: 'white',
    title: { text: title },
    data: [{ name: 'points', values: points.filter((p) => Number.isFinite(p.value)) }],
    scales: [
      { name: 'x', type: 'linear', domain: { data: 'points', field: 'epoch' }, range: 'width', nice: false, zero: false },
      { name: 'y', type: 'linear', domain: { data: 'points', field: 'value' }, range: 'height', nice: true, zero: false },
      { name: 'color', type: 'ordinal', domain: { data: 'points', field: 'series' }, range: 'category' },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'epoch', tickMinStep: 1 },
      { orient: 'left', scale: 'y', title: yTitle },
    ],
    legends: [{ stroke: 'color', title: 'series' }],
    marks: [
      {
        type: 'group',
        from: { facet: { name: 'series', data: 'points', groupby: 'series' } },
        marks: [
          {
            type: 'line',
            from: { data: 'series' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'epoch' },
                y: { scale: 'y', field: 'value' },
                stroke: { scale: 'color', field: 'series' },
                strokeWidth: { value: 2 },
              },
            },
          },
          {
            type: 'symbol',
            from: { data: 'series' },
            encode: {
              enter: {
                x: { scale: 'x', field: 'epoch' },
                y: { scale: 'y', field: 'value' },
                fill: { scale: 'color', field: 'series' },
                size: { value: 25 },
              },
            },
          },
        ],
      },
    ],
  });
}
