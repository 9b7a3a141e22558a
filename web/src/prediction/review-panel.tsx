/**
 * The review panel: the selected tile (its class scores and review state) or the selected feature of
 * a detection (its class and score), the valid / invalid buttons, "review next" over the
 * active-learning queue, the keyboard shortcuts, and how far review has got (share reviewed, the
 * precision the reviews estimate).
 */
import { useQuery } from '@tanstack/react-query';
import { getReviewStatistics, listPredictionTiles, listTileFeatures, type Prediction, type ReviewState } from '../api/predict';
import { ErrorMessage, Loading } from '../ui/status';
import { targetKey, type Selection } from './selection';
import type { ReviewControls } from './use-review';

function percent(value: number | null): string {
  return value === null ? '–' : `${(value * 100).toFixed(1)} %`;
}

/** The selected tile's scores, read from the server. */
function SelectedTile({ prediction, quadkey, state }: { prediction: Prediction; quadkey: string; state: ReviewState | undefined }) {
  const tile = useQuery({
    queryKey: ['prediction-tile', prediction.id, quadkey],
    queryFn: ({ signal }) => listPredictionTiles(prediction.id, { quadkey, limit: 1 }, signal),
  });
  if (tile.isPending) return <Loading label="Reading the tile…" />;
  if (tile.isError) return <ErrorMessage error={tile.error} title="Cannot read the tile" />;
  const found = tile.data.find((t) => t.quadkey === quadkey);
  if (!found) return <p className="muted">Tile {quadkey} is not part of this prediction.</p>;
  const top = prediction.classes.find((c) => c.index === found.topClass);
  return (
    <div className="selected-tile" data-testid="selected-tile" data-quadkey={quadkey} data-review={state ?? 'unknown'}>
      <p>
        Tile <span className="mono">{quadkey}</span> <span className="muted mono">
          ({found.z}/{found.x}/{found.y})
        </span>
      </p>
      <p>
        Top class <strong>{top?.name ?? found.topClass ?? '–'}</strong> at {percent(found.topScore)}
        {found.entropy !== null && <span className="muted"> · entropy {found.entropy.toFixed(3)}</span>}
      </p>
      <ul className="score-bars" aria-label="Class scores">
        {prediction.classes.map((c) => {
          const score = found.scores?.[c.index] ?? 0;
          return (
            <li key={c.index}>
              <span className="score-name">{c.name}</span>
              <span className="score-bar">
                <span style={{ width: `${score * 100}%`, background: c.color }} />
              </span>
              <span className="mono">{score.toFixed(2)}</span>
            </li>
          );
        })}
      </ul>
      {state && state !== 'unreviewed' && <p className={`review-mark review-${state}`}>Marked {state} here.</p>}
    </div>
  );
}

/** The selected feature (a detected box): its class and score, read from the server. */
function SelectedFeature({
  prediction,
  quadkey,
  featureId,
  state,
  onTile,
}: {
  prediction: Prediction;
  quadkey: string;
  featureId: string;
  state: ReviewState | undefined;
  onTile: () => void;
}) {
  const features = useQuery({
    queryKey: ['prediction-features', prediction.id, quadkey],
    queryFn: ({ signal }) => listTileFeatures(prediction.id, quadkey, signal),
  });
  if (features.isPending) return <Loading label="Reading the feature…" />;
  if (features.isError) return <ErrorMessage error={features.error} title="Cannot read the feature" />;
  const found = features.data.find((f) => String(f.id) === featureId);
  if (!found) return <p className="muted">Feature {featureId} is not part of tile {quadkey}.</p>;
  const color = prediction.classes.find((c) => c.index === found.class)?.color;
  // This browser's review, else the server's.
  const shown = state ?? found.review;
  return (
    <div className="selected-tile" data-testid="selected-feature" data-feature-id={featureId} data-review={state ?? 'unknown'}>
      <p>
        Feature <span className="mono">{featureId}</span> in tile{' '}
        <button type="button" className="link-button mono" onClick={onTile} title="Select the tile instead">
          {quadkey}
        </button>
      </p>
      <p>
        <span className="swatch" style={{ background: color }} /> <strong>{found.class_name}</strong> at {percent(found.score)}
      </p>
      {shown !== 'unreviewed' && <p className={`review-mark review-${shown}`}>Marked {shown}{state ? ' here' : ''}.</p>}
    </div>
  );
}

/** The panel. */
export function ReviewPanel({
  prediction,
  selected,
  review,
  reviewer,
  onReviewer,
  onSelect,
}: {
  prediction: Prediction;
  selected: Selection | null;
  review: ReviewControls;
  reviewer: string;
  onReviewer: (name: string) => void;
  onSelect: (selection: Selection) => void;
}) {
  const stats = useQuery({
    queryKey: ['review-statistics', prediction.id],
    queryFn: ({ signal }) => getReviewStatistics(prediction.id, signal),
    staleTime: 0,
  });
  const done = prediction.status === 'succeeded' || prediction.tilesDone > 0;
  return (
    <section className="panel-section" aria-label="Review">
      <h3>Review</h3>
      <label className="field">
        <span>Reviewer</span>
        <input type="text" value={reviewer} placeholder="your name" aria-label="Reviewer" onChange={(event) => onReviewer(event.target.value)} />
      </label>
      {selected?.featureId ? (
        <SelectedFeature
          prediction={prediction}
          quadkey={selected.quadkey}
          featureId={selected.featureId}
          state={review.reviews.get(targetKey({ target: 'feature', targetId: selected.featureId }))}
          onTile={() => onSelect({ quadkey: selected.quadkey, featureId: null })}
        />
      ) : selected ? (
        <SelectedTile prediction={prediction} quadkey={selected.quadkey} state={review.reviews.get(targetKey({ target: 'tile', targetId: selected.quadkey }))} />
      ) : (
        <p className="muted">
          Click a tile{prediction.task === 'detection' ? ' or a box' : ''} on the map, or take the most uncertain tile with “Review next”.
        </p>
      )}
      <div className="toolbar">
        <button type="button" className="valid" disabled={!selected || review.pending} onClick={() => review.mark(true)} title="Mark valid (V)">
          Valid <kbd>V</kbd>
        </button>
        <button type="button" className="invalid" disabled={!selected || review.pending} onClick={() => review.mark(false)} title="Mark invalid (X)">
          Invalid <kbd>X</kbd>
        </button>
        <button type="button" className="secondary" disabled={!done} onClick={review.next} title="The most uncertain tile not reviewed yet (N)">
          Review next <kbd>N</kbd>
        </button>
      </div>
      {review.error && <ErrorMessage error={review.error} title="Review failed" />}
      {review.note && <p className="muted">{review.note}</p>}
      {stats.isSuccess && (
        <dl className="review-stats" data-testid="review-stats">
          <dt>Reviewed</dt>
          <dd>
            {stats.data.reviewed} of {stats.data.tiles} ({percent(stats.data.reviewedShare)})
          </dd>
          <dt>Valid / invalid</dt>
          <dd>
            {stats.data.valid} / {stats.data.invalid}
          </dd>
          <dt>Precision (estimated)</dt>
          <dd>{percent(stats.data.precision)}</dd>
        </dl>
      )}
      {stats.isError && <ErrorMessage error={stats.error} title="Cannot read review statistics" />}
    </section>
  );
}
