/**
 * A project's predictions, newest first: status, what ran over what, progress (refreshed every second
 * while any is queued or running), failures, a cancel button while it runs, and the link to its map.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { cancelPrediction, type Prediction, type ProjectDetail } from '../api/predict';
import { formatDuration, formatTime } from '../lib/format';
import { Empty, ErrorMessage, QueryView } from '../ui/status';
import { isActive, predictionsQuery } from './project-queries';
import { PredictionProgress, PredictionStatusBadge } from './prediction-status';

function PredictionItem({ prediction, project }: { prediction: Prediction; project: ProjectDetail }) {
  const client = useQueryClient();
  const cancel = useMutation({
    mutationFn: () => cancelPrediction(prediction.id),
    onSuccess: () => client.invalidateQueries({ queryKey: ['project', project.id, 'predictions'] }),
  });
  const imagery = project.imagery.find((i) => i.id === prediction.imageryId)?.name ?? 'removed imagery';
  const aoi = prediction.aoiId === null ? 'an AOI given inline' : (project.aois.find((a) => a.id === prediction.aoiId)?.name ?? 'a removed AOI');
  const active = isActive(prediction);
  const took = prediction.started ? formatDuration(prediction.started, prediction.finished ?? Date.now()) : '';

  return (
    <li className="prediction" data-prediction-id={prediction.id} data-status={prediction.status}>
      <div className="prediction-head">
        <PredictionStatusBadge status={prediction.status} />
        <span className="prediction-what">
          <strong>
            {prediction.modelName}@{prediction.modelVersion}
          </strong>{' '}
          on {imagery} over {aoi} at zoom {prediction.zoom}
        </span>
        <span className="prediction-actions">
          {active && (
            <button type="button" className="secondary small" disabled={cancel.isPending} onClick={() => cancel.mutate()}>
              Cancel
            </button>
          )}
          <Link to={`/projects/${project.id}/predictions/${prediction.id}`}>Open map</Link>
        </span>
      </div>
      <PredictionProgress prediction={prediction} />
      <div className="prediction-meta muted">
        {formatTime(prediction.created)}
        {took && ` · ${active ? 'running for' : 'took'} ${took}`}
      </div>
      {prediction.error && <p className="prediction-error">{prediction.error}</p>}
      {cancel.isError && <ErrorMessage error={cancel.error} title="Could not cancel" />}
    </li>
  );
}

export function PredictionList({ project }: { project: ProjectDetail }) {
  const predictions = useQuery(predictionsQuery(project.id));
  return (
    <QueryView query={predictions} loading="Loading predictions…" errorTitle="Could not list the predictions">
      {(list) =>
        list.length === 0 ? (
          <Empty>No predictions yet.</Empty>
        ) : (
          <ul className="prediction-list" aria-label="Predictions">
            {list.map((prediction) => (
              <PredictionItem key={prediction.id} prediction={prediction} project={project} />
            ))}
          </ul>
        )
      }
    </QueryView>
  );
}
