/**
 * Charts as PNG, drawn with Vega (SVG, headless, no browser) and rasterized by sharp: the renderer and
 * the charts both training paths draw (the confusion matrix). Charts of one path live with it.
 */
import sharp from 'sharp';
import * as vega from 'vega';

/** Renders a Vega spec to a PNG at 2x density. */
export async function renderChartPng(spec: vega.Spec): Promise<Buffer> {
  const view = new vega.View(vega.parse(spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  return sharp(Buffer.from(svg), { density: 144 }).png().toBuffer();
}

/** A heat map of a confusion matrix with counts in the cells; rows are true classes. */
export function confusionMatrixPng(matrix: number[][], classNames: string[], title = 'Confusion matrix', unit = 'chips'): Promise<Buffer> {
  const cells = matrix.flatMap((row, t) => row.map((count, p) => ({ actual: classNames[t], predicted: classNames[p], count })));
  const size = Math.max(240, 36 * classNames.length);
  const max = Math.max(1, ...matrix.flat());
  return renderChartPng({
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
    legends: [{ fill: 'color', title: unit }],
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
