/**
 * The export dialog: a prediction's results as GeoJSON, newline-delimited GeoJSON, CSV or GeoParquet,
 * narrowed as the map is (class, least score) or to reviewed results, with invalid ones flipped or
 * dropped. The download is a plain link to the export route, so the browser streams it to disk.
 */
import { useEffect, useRef, useState } from 'react';
import { exportUrl, type ExportFormat, type Prediction } from '../api/predict';

const FORMATS: { value: ExportFormat; label: string }[] = [
  { value: 'geojson', label: 'GeoJSON' },
  { value: 'ndjson', label: 'GeoJSON lines (ndjson)' },
  { value: 'csv', label: 'CSV (WKT geometry)' },
  { value: 'geoparquet', label: 'GeoParquet' },
];

export function ExportDialog({
  prediction,
  open,
  onClose,
  classFilter,
  threshold,
}: {
  prediction: Prediction;
  open: boolean;
  onClose: () => void;
  classFilter: number | undefined;
  threshold: number;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const [format, setFormat] = useState<ExportFormat>('geojson');
  const [layer, setLayer] = useState<'tiles' | 'features'>('tiles');
  const [asMap, setAsMap] = useState(true);
  const [reviewedOnly, setReviewedOnly] = useState(false);
  const [flipInvalid, setFlipInvalid] = useState(false);

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) element.showModal();
    if (!open && element.open) element.close();
  }, [open]);

  const hasFeatures = prediction.task !== 'classification';
  const href = exportUrl(prediction.id, format, {
    layer: hasFeatures ? layer : undefined,
    class: asMap ? classFilter : undefined,
    threshold: asMap && threshold > 0 ? threshold : undefined,
    reviewedOnly,
    flipInvalid,
  });
  const ext = format === 'geoparquet' ? 'parquet' : format;

  return (
    <dialog ref={dialog} className="export-dialog" aria-label="Export results" onClose={onClose}>
      <form method="dialog">
        <h2>Export results</h2>
        <label className="field">
          <span>Format</span>
          <select aria-label="Format" value={format} onChange={(event) => setFormat(event.target.value as ExportFormat)}>
            {FORMATS.map((f) => (
              <option key={f.value} value={f.value}>
                {f.label}
              </option>
            ))}
          </select>
        </label>
        {hasFeatures && (
          <label className="field">
            <span>Layer</span>
            <select aria-label="Layer" value={layer} onChange={(event) => setLayer(event.target.value as 'tiles' | 'features')}>
              <option value="tiles">Tiles (scores per tile)</option>
              <option value="features">{prediction.task === 'detection' ? 'Detected boxes' : 'Class polygons'}</option>
            </select>
          </label>
        )}
        <label className="check">
          <input type="checkbox" checked={asMap} onChange={(event) => setAsMap(event.target.checked)} /> Only what the map shows (class and least score)
        </label>
        <label className="check">
          <input type="checkbox" checked={reviewedOnly} onChange={(event) => setReviewedOnly(event.target.checked)} /> Only reviewed results
        </label>
        <label className="check">
          <input type="checkbox" checked={flipInvalid} onChange={(event) => setFlipInvalid(event.target.checked)} /> Label results marked invalid with the
          other class (two-class models)
        </label>
        <p className="muted small mono export-url">{href}</p>
        <div className="toolbar">
          <a className="button" href={href} download={`prediction-${prediction.id}.${ext}`} onClick={() => setTimeout(onClose, 0)}>
            Download
          </a>
          <button type="submit" className="secondary">
            Cancel
          </button>
        </div>
      </form>
    </dialog>
  );
}
