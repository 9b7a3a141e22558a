/**
 * Several runs side by side (`/compare?runs=a,b,c`): every metric as one chart with a line per run
 * (`metrics/get-history-bulk-interval`, up to 2,500 points per run), then params and latest metrics
 * with the rows that differ highlighted.
 */
import { useQueries, useQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { Link } from 'react-router';
import { getMetricHistoryBulk, getRun, wireNumber } from '../api/tracking';
import type { WireRun } from '../api/types';
import { MetricChart, type ChartSeries } from '../charts/metric-chart';
import { seriesColor, toPoints, type XAxis } from '../charts/series';
import { useXAxis, XAxisToggle } from '../charts/x-axis-toggle';
import { formatNumber } from '../lib/format';
import { useUrlParam } from '../lib/url-state';
import { Empty, ErrorMessage, Loading } from '../ui/status';
import { DiffTable, type DiffColumn, type DiffRow } from './diff-table';

/** The bulk history API's limit on runs per request. */
const MAX_RUNS = 100;

/** Reads `?runs=a,b,c`: distinct ids, in order, at most MAX_RUNS. */
function parseRunIds(text: string | null): string[] {
  return [...new Set((text ?? '').split(',').map((s) => s.trim()).filter(Boolean))].slice(0, MAX_RUNS);
}

function CompareChart({ metric, columns, xAxis }: { metric: string; columns: readonly DiffColumn[]; xAxis: XAxis }) {
  const runIds = columns.map((c) => c.runId);
  const history = useQuery({ queryKey: ['history-bulk', runIds, metric], queryFn: ({ signal }) => getMetricHistoryBulk(runIds, metric, signal) });
  const series = useMemo<ChartSeries[]>(() => {
    if (!history.data) return [];
    return columns
      .map((c) => ({ label: c.label, color: c.color, points: toPoints(history.data.filter((m) => m.run_id === c.runId)) }))
      .filter((s) => s.points.length > 0);
  }, [history.data, columns]);
  return (
    <section className="chart-card" aria-label={`Metric ${metric}`}>
      <h3>{metric}</h3>
      {history.isPending ? <Loading label="Loading histories…" /> : history.isError ? <ErrorMessage error={history.error} title="Could not load the histories" /> : <MetricChart metric={metric} series={series} xAxis={xAxis} />}
    </section>
  );
}

/** Rows of a diff table: one per key any run has, values in column order. */
function diffRows(runs: readonly WireRun[], pick: (run: WireRun) => Map<string, string>): DiffRow[] {
  const maps = runs.map(pick);
  const keys = [...new Set(maps.flatMap((m) => [...m.keys()]))].sort((a, b) => a.localeCompare(b));
  return keys.map((key) => ({ key, values: maps.map((m) => m.get(key)) }));
}

function Comparison({ runs }: { runs: readonly WireRun[] }) {
  const [xAxis, setXAxis] = useXAxis();
  const [diffText, setDiffText] = useUrlParam('diff');
  const onlyDifferences = diffText === '1';
  const columns = useMemo<DiffColumn[]>(
    () => runs.map((r, i) => ({ runId: r.info.run_id, label: r.info.run_name ?? r.info.run_id.slice(0, 8), color: seriesColor(i) })),
    [runs],
  );
  const params = useMemo(() => diffRows(runs, (r) => new Map((r.data.params ?? []).map((p) => [p.key, p.value]))), [runs]);
  const metrics = useMemo(() => diffRows(runs, (r) => new Map((r.data.metrics ?? []).map((m) => [m.key, formatNumber(wireNumber(m.value))]))), [runs]);
  const metricKeys = metrics.map((row) => row.key);

  return (
    <>
      <ul className="run-legend" aria-label="Runs compared">
        {runs.map((r, i) => (
          <li key={r.info.run_id}>
            <span className="swatch" style={{ background: columns[i].color }} aria-hidden="true" />
            <Link to={`/experiments/${r.info.experiment_id}/runs/${r.info.run_id}`}>{columns[i].label}</Link>
          </li>
        ))}
      </ul>
      <h2>Metrics</h2>
      <div className="toolbar">
        <XAxisToggle value={xAxis} onChange={setXAxis} />
      </div>
      {metricKeys.length === 0 ? (
        <Empty>These runs have no metrics.</Empty>
      ) : (
        <div className="chart-grid">
          {metricKeys.map((metric) => (
            <CompareChart key={metric} metric={metric} columns={columns} xAxis={xAxis} />
          ))}
        </div>
      )}
      <div className="toolbar">
        <label className="checkbox">
          <input type="checkbox" checked={onlyDifferences} onChange={(e) => setDiffText(e.target.checked ? '1' : null)} />
          Only rows that differ
        </label>
      </div>
      <h2>Parameters</h2>
      <DiffTable label="Parameter" columns={columns} rows={params} onlyDifferences={onlyDifferences} />
      <h2>Latest metrics</h2>
      <DiffTable label="Metric" columns={columns} rows={metrics} onlyDifferences={onlyDifferences} />
    </>
  );
}

/** All runs once every one has loaded (a stable array while they stay the same), or the first error. */
function combineRuns(results: readonly { data?: WireRun; error: Error | null; isSuccess: boolean }[]) {
  return {
    runs: results.every((r) => r.isSuccess) ? results.map((r) => r.data!) : null,
    error: results.find((r) => r.error)?.error ?? null,
  };
}

export function ComparePage() {
  const [runsText] = useUrlParam('runs');
  const runIds = useMemo(() => parseRunIds(runsText), [runsText]);
  const { runs, error } = useQueries({
    queries: runIds.map((runId) => ({ queryKey: ['run', runId], queryFn: ({ signal }: { signal: AbortSignal }) => getRun(runId, signal) })),
    combine: combineRuns,
  });

  return (
    <div className="page-body">
      <div className="page-head">
        <nav className="breadcrumbs" aria-label="Breadcrumbs">
          <Link to="/experiments">Experiments</Link>
        </nav>
        <h1>Compare {runIds.length} runs</h1>
      </div>
      {runIds.length < 2 ? (
        <Empty>Select two or more runs in a runs table, then press Compare.</Empty>
      ) : error ? (
        <ErrorMessage error={error} title="Could not load a run" />
      ) : !runs ? (
        <Loading label="Loading runs…" />
      ) : (
        <Comparison runs={runs} />
      )}
    </div>
  );
}
