/**
 * A prediction's page (`/projects/:projectId/predictions/:predictionId`): the map of its results over
 * the imagery beside a panel with its progress, the layer controls, review and export. The view is in
 * the URL (`class`, `threshold`, `opacity`, `tile`, `feature`), so a link opens the same tile or box
 * with the same filters.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useCallback, useMemo, useState } from 'react';
import { Link, useParams } from 'react-router';
import { cancelPrediction, getPrediction, getProject, type Prediction } from '../api/predict';
import { formatTime } from '../lib/format';
import { useUrlParams } from '../lib/url-state';
import { ErrorMessage, Loading } from '../ui/status';
import { ExportDialog } from './export-dialog';
import { LayerControls } from './layer-controls';
import { PredictionMap } from './prediction-map';
import { ReviewPanel } from './review-panel';
import { readSelection, selectionParams, type Selection } from './selection';
import { useReview, useReviewer } from './use-review';
import './prediction.css';

const ACTIVE = new Set(['queued', 'running']);

/** A number from the URL within [0, 1], or the fallback. */
function fraction(text: string | null, fallback: number): number {
  const value = text === null ? Number.NaN : Number(text);
  return Number.isFinite(value) && value >= 0 && value <= 1 ? value : fallback;
}

/** Progress and state of the prediction, with cancel while it runs. */
function PredictionStatus({ prediction }: { prediction: Prediction }) {
  const [error, setError] = useState<string | null>(null);
  const active = ACTIVE.has(prediction.status);
  return (
    <section className="panel-section" aria-label="Prediction">
      <p>
        <span className={`badge badge-${prediction.status}`} data-testid="prediction-status">
          {prediction.status}
        </span>{' '}
        {prediction.tilesDone} of {prediction.tilesTotal} tiles
        {prediction.tilesFailed > 0 && <span className="bad"> · {prediction.tilesFailed} failed</span>}
      </p>
      <progress max={1} value={prediction.progress} aria-label="Progress" />
      <p className="muted small">
        {prediction.task} at zoom {prediction.zoom} · started {formatTime(prediction.started ?? prediction.created)}
        {prediction.runId && (
          <>
            {' '}
            · <Link to={`/runs/${prediction.runId}`}>tracked run</Link>
          </>
        )}
      </p>
      {prediction.error && <ErrorMessage error={prediction.error} title={prediction.status === 'failed' ? 'The prediction failed' : 'Some tiles failed'} />}
      {active && (
        <button type="button" className="secondary" onClick={() => cancelPrediction(prediction.id).catch((e: Error) => setError(e.message))}>
          Cancel
        </button>
      )}
      {error && <ErrorMessage error={error} title="Cannot cancel" />}
    </section>
  );
}

export function PredictionPage() {
  const { projectId = '', predictionId = '' } = useParams();
  const [params, setParams] = useUrlParams();
  const [tilesInView, setTilesInView] = useState<number | null>(null);
  // A shared link with a selected tile opens the map on it.
  const [focus, setFocus] = useState<{ quadkey: string } | null>(() => {
    const shared = readSelection(params.get('tile'), params.get('feature'));
    return shared && { quadkey: shared.quadkey };
  });
  const [exporting, setExporting] = useState(false);
  const [reviewer, setReviewer] = useReviewer();

  const prediction = useQuery({
    queryKey: ['prediction', predictionId],
    queryFn: ({ signal }) => getPrediction(predictionId, signal),
    // Progress while it runs; nothing once it has ended.
    refetchInterval: (query) => (query.state.data && ACTIVE.has(query.state.data.status) ? 1000 : false),
    placeholderData: keepPreviousData,
  });
  const project = useQuery({ queryKey: ['project', projectId], queryFn: ({ signal }) => getProject(projectId, signal) });

  const classParam = params.get('class');
  const classFilter = classParam !== null && /^\d+$/.test(classParam) ? Number(classParam) : undefined;
  const threshold = fraction(params.get('threshold'), 0);
  const opacity = fraction(params.get('opacity'), 0.6);
  const tileParam = params.get('tile');
  const featureParam = params.get('feature');
  // One object per selection, not per render: the map and the review keys depend on it.
  const selected = useMemo(() => readSelection(tileParam, featureParam), [tileParam, featureParam]);

  const select = useCallback(
    (selection: Selection | null, fly: boolean) => {
      setParams(selectionParams(selection));
      // The URL changes a moment later, so the map is told which tile to fly to.
      if (fly && selection) setFocus({ quadkey: selection.quadkey });
    },
    [setParams],
  );
  const review = useReview({ predictionId, selected, classFilter, reviewer, select });

  if (prediction.isPending) return <Loading label="Loading the prediction…" />;
  if (prediction.isError) {
    return (
      <div className="page-body">
        <ErrorMessage error={prediction.error} title="Cannot open the prediction" />
        <Link to={`/projects/${projectId}`}>Back to the project</Link>
      </div>
    );
  }
  const p = prediction.data;
  const model = `${p.modelName} v${p.modelVersion}`;
  return (
    <div className="prediction-page">
      <aside className="prediction-panel">
        <div className="breadcrumbs">
          <Link to="/projects">Projects</Link> / <Link to={`/projects/${projectId}`}>{project.data?.name ?? 'project'}</Link> / prediction
        </div>
        <h1>
          <Link to={`/models/${encodeURIComponent(p.modelName)}/versions/${encodeURIComponent(p.modelVersion)}`}>{model}</Link>
        </h1>
        <p className="muted small">
          on {project.data?.imagery.find((i) => i.id === p.imageryId)?.name ?? 'imagery'}
          {p.aoiId && project.data && <> over {project.data.aois.find((a) => a.id === p.aoiId)?.name ?? 'an AOI'}</>}
        </p>
        <PredictionStatus prediction={p} />
        <ReviewPanel prediction={p} selected={selected} review={review} reviewer={reviewer} onReviewer={setReviewer} onSelect={(selection) => select(selection, false)} />
        <LayerControls
          classes={p.classes}
          classFilter={classFilter}
          threshold={threshold}
          opacity={opacity}
          tilesInView={tilesInView}
          onClass={(index) => setParams({ class: index === undefined ? null : String(index) })}
          onThreshold={(value) => setParams({ threshold: value > 0 ? String(value) : null })}
          onOpacity={(value) => setParams({ opacity: String(value) })}
        />
        <section className="panel-section">
          <button type="button" onClick={() => setExporting(true)} disabled={p.tilesDone === 0}>
            Export…
          </button>
        </section>
      </aside>
      <PredictionMap
        prediction={p}
        filter={{ class: classFilter, threshold: threshold > 0 ? threshold : undefined }}
        opacity={opacity}
        selected={selected}
        focus={focus}
        reviews={review.reviews}
        version={ACTIVE.has(p.status) || p.status === 'succeeded' ? p.tilesDone : 0}
        onSelect={(selection) => select(selection, false)}
        onTilesInView={setTilesInView}
      />
      <ExportDialog prediction={p} open={exporting} onClose={() => setExporting(false)} classFilter={classFilter} threshold={threshold} />
    </div>
  );
}
