/** A prediction's status as a badge, and its progress as a bar with tiles done of total. */
import type { Prediction, PredictionStatus } from '../api/predict';

/** The status as a coloured badge. */
export function PredictionStatusBadge({ status }: { status: PredictionStatus }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

/** A bar of tiles done (and failed, in red) out of the total, with the counts beside it. */
export function PredictionProgress({ prediction }: { prediction: Prediction }) {
  const { tilesDone, tilesFailed, tilesTotal } = prediction;
  const share = (n: number) => (tilesTotal ? (100 * n) / tilesTotal : 0);
  const percent = Math.round(100 * prediction.progress);
  return (
    <div className="progress-line">
      <div
        className="progress"
        role="progressbar"
        aria-label={`Progress of prediction ${prediction.id}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={percent}
        data-status={prediction.status}
      >
        <span className="progress-done" style={{ width: `${share(tilesDone)}%` }} />
        <span className="progress-failed" style={{ width: `${share(tilesFailed)}%` }} />
      </div>
      <span className="progress-counts" data-testid="tile-counts">
        {tilesDone} / {tilesTotal} tiles
        {tilesFailed > 0 && <span className="failed-count"> · {tilesFailed} failed</span>}
      </span>
    </div>
  );
}
