/**
 * A metric's history as a uPlot line chart: one line per run, step or time on the x axis, drag to
 * zoom and double-click to reset (uPlot's defaults). uPlot draws on a canvas, so charts of 100,000
 * points stay fast; the chart follows its container's width.
 */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import { formatNumber } from '../lib/format';
import { alignSeries, type MetricPoint, type XAxis } from './series';

export interface ChartSeries {
  label: string;
  color: string;
  points: readonly MetricPoint[];
}

const HEIGHT = 220;

/** Draws the series; redraws when they or the axis change, resizes with the container. */
export function MetricChart({ metric, series, xAxis }: { metric: string; series: readonly ChartSeries[]; xAxis: XAxis }) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element) return;
    const data = alignSeries(
      series.map((s) => s.points),
      xAxis,
    );
    const pointCount = data[0].length;
    const options: uPlot.Options = {
      width: Math.max(200, element.clientWidth),
      height: HEIGHT,
      scales: { x: { time: xAxis === 'time' } },
      axes: [{}, { size: 64, values: (_u, ticks) => ticks.map((t) => formatNumber(t)) }],
      series: [
        { label: xAxis },
        ...series.map((s) => ({
          label: s.label,
          stroke: s.color,
          width: 1.5,
          spanGaps: true,
          points: { show: pointCount <= 60 },
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : formatNumber(v)),
        })),
      ],
      cursor: { drag: { x: true, y: false } },
      legend: { live: true },
    };
    const plot = new uPlot(options, data, element);
    const observer = new ResizeObserver(() => plot.setSize({ width: Math.max(200, element.clientWidth), height: HEIGHT }));
    observer.observe(element);
    return () => {
      observer.disconnect();
      plot.destroy();
    };
  }, [series, xAxis]);

  return <div className="metric-chart" data-testid="metric-chart" data-metric={metric} ref={container} />;
}
