/**
 * One run: its header (status, times, ids), then tabs for the overview (metrics, params, tags),
 * the metric charts and the artifacts. Served at `/experiments/:id/runs/:runId` and `/runs/:runId`.
 */
import { useQuery } from '@tanstack/react-query';
import { Link, useParams } from 'react-router';
import { experimentQuery } from '../api/queries';
import { getRun } from '../api/tracking';
import { ArtifactBrowser } from '../artifacts/artifact-browser';
import { formatDuration, formatTime } from '../lib/format';
import { QueryView } from '../ui/status';
import { StatusBadge } from '../ui/status-badge';
import { TabBar, useTab, type Tab } from '../ui/tabs';
import { RunCharts } from './run-charts';
import { RunOverview } from './run-overview';

const TABS: readonly Tab[] = [
  { id: 'overview', label: 'Overview' },
  { id: 'charts', label: 'Charts' },
  { id: 'artifacts', label: 'Artifacts' },
];

export function RunPage() {
  const runId = useParams().runId!;
  const run = useQuery({ queryKey: ['run', runId], queryFn: ({ signal }) => getRun(runId, signal) });
  const experimentId = run.data?.info.experiment_id;
  const experiment = useQuery({ ...experimentQuery(experimentId ?? ''), enabled: experimentId !== undefined });
  const [tab, setTab] = useTab(TABS);

  return (
    <div className="page-body">
      <QueryView query={run} loading="Loading the run…" errorTitle="Could not load this run">
        {(data) => {
          const info = data.info;
          const name = info.run_name ?? info.run_id;
          const note = data.data.tags?.find((t) => t.key === 'mlflow.note.content')?.value;
          return (
            <>
              <div className="page-head">
                <nav className="breadcrumbs" aria-label="Breadcrumbs">
                  <Link to="/experiments">Experiments</Link> / <Link to={`/experiments/${info.experiment_id}`}>{experiment.data?.name ?? `Experiment ${info.experiment_id}`}</Link>
                </nav>
                <h1>
                  {name} <StatusBadge status={info.status} />
                </h1>
                {note && <p className="run-note">{note}</p>}
                <dl className="facts">
                  <dt>Run ID</dt>
                  <dd className="mono">{info.run_id}</dd>
                  <dt>Started</dt>
                  <dd>{formatTime(info.start_time)}</dd>
                  <dt>Duration</dt>
                  <dd>{info.end_time ? formatDuration(info.start_time, info.end_time) : info.status === 'RUNNING' ? 'running' : ''}</dd>
                  <dt>User</dt>
                  <dd>{info.user_id}</dd>
                  <dt>Artifacts</dt>
                  <dd className="mono">{info.artifact_uri}</dd>
                </dl>
              </div>
              <TabBar tabs={TABS} current={tab} onChange={setTab} label="Run views" />
              <div role="tabpanel" className="tab-panel">
                {tab === 'overview' && <RunOverview run={data} />}
                {tab === 'charts' && <RunCharts runId={info.run_id} runName={name} metricKeys={(data.data.metrics ?? []).map((m) => m.key)} />}
                {tab === 'artifacts' && <ArtifactBrowser runId={info.run_id} />}
              </div>
            </>
          );
        }}
      </QueryView>
    </div>
  );
}
