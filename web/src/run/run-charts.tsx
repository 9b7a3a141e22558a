/** A run's metric histories, one uPlot chart per metric, each fetched on its own (`metrics/get-history`). */
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { getMetricHistory } from '../api/tracking';
import { MetricChart } from '../charts/metric-chart';
import { seriesColor, toPoints, type XAxis } from '../charts/series';
import { useXAxis, XAxisToggle } from '../charts/x-axis-toggle';
import { Empty, ErrorMessage, Loading } from '../ui/status';

function RunMetricChart({ runId, runName, metric, xAxis }: { runId: string; runName: string; metric: string; xAxis: XAxis }) {
  const history = useQuery({ queryKey: ['history', runId, metric], queryFn: ({ signal }) => getMetricHistory(runId, metric, signal) });
  const series = useMemo(() => (history.data ? [{ label: runName, color: seriesColor(0), points: toPoints(history.data) }] : []), [history.data, runName]);
  return (
    <section className="chart-card" aria-label={`Metric ${metric}`}>
      <h3>
        {metric}
        {history.data && <span className="muted"> · {history.data.length.toLocaleString('en')} points</span>}
      </h3>
      {history.isPending ? <Loading label="Loading history…" /> : history.isError ? <ErrorMessage error={history.error} title="Could not load the history" /> : <MetricChart metric={metric} series={series} xAxis={xAxis} />}
    </section>
  );
}

export function RunCharts({ runId, runName, metricKeys }: { runId: string; runName: string; metricKeys: readonly string[] }) {
  const [xAxis, setXAxis] = useXAxis();
  const [needle, setNeedle] = useState('');
  if (metricKeys.length === 0) return <Empty>This run has no metrics.</Empty>;
  const shown = [...metricKeys].sort((a, b) => a.localeCompare(b)).filter((k) => k.toLowerCase().includes(needle.toLowerCase()));
  return (
    <div>
      <div className="toolbar">
        <XAxisToggle value={xAxis} onChange={setXAxis} />
        {metricKeys.length > 6 && (
          <input type="search" className="narrow-input" placeholder="Find a metric" aria-label="Find a metric" value={needle} onChange={(e) => setNeedle(e.target.value)} />
        )}
      </div>
      <div className="chart-grid">
        {shown.map((metric) => (
          <RunMetricChart key={metric} runId={runId} runName={runName} metric={metric} xAxis={xAxis} />
        ))}
      </div>
    </div>
  );
}
