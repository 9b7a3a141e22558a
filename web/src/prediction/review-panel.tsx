/**
 * The review panel: the selected tile (its class scores and review state), the valid / invalid
 * buttons, "review next" over the active-learning queue, the keyboard shortcuts, and how far review
 * has got (share reviewed, the precision the reviews estimate).
 */
import { useQuery } from '@tanstack/react-query';
import { getReviewStatistics, listPredictionTiles, type Prediction, type ReviewState } from '../api/predict';
import { ErrorMessage, Loading } from '../ui/status';
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

/** The panel. */
export function ReviewPanel({
  prediction,
  selected,
  review,
  reviewer,
  onReviewer,
}: {
  prediction: Prediction;
  selected: string | null;
  review: ReviewControls;
  reviewer: string;
  onReviewer: (name: string) => void;
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
      {selected ? (
        <SelectedTile prediction={prediction} quadkey={selected} state={review.reviews.get(selected)} />
      ) : (
        <p className="muted">Click a tile on the map, or take the most uncertain one with “Review next”.</p>
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
