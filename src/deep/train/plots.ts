/**
 * Training plots as PNG: the loss curve per epoch and the confusion matrix, drawn with Vega (SVG,
 * headless) and rasterized by sharp.
 */
import sharp from 'sharp';
import * as vega from 'vega';
import type { ConfusionMatrix } from './metrics.js';

async function render(spec: vega.Spec): Promise<Buffer> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
}

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

/** A heat map of a confusion matrix with counts in the cells; rows are true classes. */
export function confusionMatrixPng(matrix: ConfusionMatrix, classNames: string[], title = 'Confusion matrix'): Promise<Buffer> {
  const cells = matrix.flatMap((row, t) => row.map((count, p) => ({ actual: classNames[t], predicted: classNames[p], count })));
  const size = Math.max(240, 36 * classNames.length);
  const max = Math.max(1, ...matrix.flat());
  return render({
    $schema: 'https://vega.github.io/schema/vega/v5.json',
    width: size,
    height: size,
    padding: 8,
    background: 'white',
    title: { text: title },
    data: [{ name: 'cells', values: cells }],
    scales: [
      { name: 'x', type: 'band', domain: classNames, range: 'width' },
      { name: 'y', type: 'band', domain: classNames, range: 'height' },
      { name: 'color', type: 'linear', domain: { data: 'cells', field: 'count' }, range: { scheme: 'blues' }, zero: true },
    ],
    axes: [
      { orient: 'bottom', scale: 'x', title: 'predicted', labelAngle: -45, labelAlign: 'right' },
      { orient: 'left', scale: 'y', title: 'actual' },
    ],
    legends: [{ fill: 'color', title: 'chips' }],
    marks: [
      {
        type: 'rect',
        from: { data: 'cells' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'predicted' },
            width: { scale: 'x', band: 1 },
            y: { scale: 'y', field: 'actual' },
            height: { scale: 'y', band: 1 },
            fill: { scale: 'color', field: 'count' },
          },
        },
      },
      {
        type: 'text',
        from: { data: 'cells' },
        encode: {
          enter: {
            x: { scale: 'x', field: 'predicted', band: 0.5 },
            y: { scale: 'y', field: 'actual', band: 0.5 },
            align: { value: 'center' },
            baseline: { value: 'middle' },
            text: { field: 'count' },
            fill: { signal: `datum.count > ${0.6 * max} ? 'white' : 'black'` },
          },
        },
      },
    ],
  });
}
