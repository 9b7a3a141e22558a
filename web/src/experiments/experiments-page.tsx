/** The experiment list: every active experiment, newest activity first, narrowed by a name filter (`?q=`). */
import { useQuery } from '@tanstack/react-query';
import { Link } from 'react-router';
import { listExperiments } from '../api/tracking';
import { formatTime } from '../lib/format';
import { useUrlParam } from '../lib/url-state';
import { Empty, QueryView } from '../ui/status';

export function ExperimentsPage() {
  const [needle, setNeedle] = useUrlParam('q');
  const experiments = useQuery({ queryKey: ['experiments'], queryFn: ({ signal }) => listExperiments(signal) });
  const text = (needle ?? '').toLowerCase();

  return (
    <div className="page-body">
      <div className="page-head">
        <h1>Experiments</h1>
        <input
          type="search"
          className="narrow-input"
          placeholder="Filter by name"
          aria-label="Filter experiments by name"
          value={needle ?? ''}
          onChange={(e) => setNeedle(e.target.value || null)}
        />
      </div>
      <p className="muted">
        MLflow clients log here with <code>export MLFLOW_TRACKING_URI={window.location.origin}</code>
      </p>
      <QueryView query={experiments} loading="Loading experiments…" errorTitle="Could not list experiments">
        {(list) => {
          const shown = list.filter((e) => e.name.toLowerCase().includes(text));
          if (list.length === 0) return <Empty>No experiments yet. Runs logged with an MLflow client appear here.</Empty>;
          if (shown.length === 0) return <Empty>No experiment name contains “{needle}”.</Empty>;
          return (
            <table className="data-table" aria-label="Experiments">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>ID</th>
                  <th>Created</th>
                  <th>Last update</th>
                  <th>Description</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((e) => (
                  <tr key={e.experiment_id}>
                    <td>
                      <Link to={`/experiments/${e.experiment_id}`}>{e.name}</Link>
                    </td>
                    <td className="mono">{e.experiment_id}</td>
                    <td>{formatTime(e.creation_time)}</td>
                    <td>{formatTime(e.last_update_time)}</td>
                    <td className="muted">{e.tags?.find((t) => t.key === 'mlflow.note.content')?.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          );
        }}
      </QueryView>
    </div>
  );
}
