/**
 * What the map shows: the class picker, the least-score and opacity sliders, and the legend of class
 * and review colours. Sliders move at once; the URL (and the server's filtered tiles) follows once
 * the slider rests, so dragging does not send a request per step.
 */
import { useEffect, useState } from 'react';
import type { PredictionClass } from '../api/predict';
import { REVIEW_COLORS } from './map-style';

const SETTLE_MS = 250;

/** A 0-to-1 slider whose value is committed once it rests. */
function FractionSlider({ label, value, onCommit }: { label: string; value: number; onCommit: (value: number) => void }) {
  const [draft, setDraft] = useState(value);
  useEffect(() => setDraft(value), [value]);
  useEffect(() => {
    if (draft === value) return;
    const timer = setTimeout(() => onCommit(draft), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [draft, value, onCommit]);
  return (
    <label className="slider">
      <span>
        {label} <output className="mono">{draft.toFixed(2)}</output>
      </span>
      <input type="range" min={0} max={1} step={0.05} value={draft} aria-label={label} onChange={(event) => setDraft(Number(event.target.value))} />
    </label>
  );
}

export interface LayerControlsProps {
  classes: readonly PredictionClass[];
  classFilter: number | undefined;
  threshold: number;
  opacity: number;
  tilesInView: number | null;
  onClass: (index: number | undefined) => void;
  onThreshold: (value: number) => void;
  onOpacity: (value: number) => void;
}

/** The layer panel. */
export function LayerControls(props: LayerControlsProps) {
  const { classes, classFilter, threshold, opacity, tilesInView } = props;
  return (
    <section className="panel-section" aria-label="Layers">
      <h3>Layers</h3>
      <label className="field">
        <span>Class</span>
        <select aria-label="Class" value={classFilter ?? ''} onChange={(event) => props.onClass(event.target.value === '' ? undefined : Number(event.target.value))}>
          <option value="">All classes</option>
          {classes.map((c) => (
            <option key={c.index} value={c.index}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <FractionSlider label="Least score" value={threshold} onCommit={props.onThreshold} />
      <FractionSlider label="Opacity" value={opacity} onCommit={props.onOpacity} />
      <ul className="legend" aria-label="Legend">
        {classes.map((c) => (
          <li key={c.index} className={classFilter !== undefined && classFilter !== c.index ? 'muted' : undefined}>
            <span className="swatch" style={{ background: c.color }} /> {c.name}
          </li>
        ))}
        <li>
          <span className="swatch swatch-outline" style={{ borderColor: REVIEW_COLORS.valid }} /> marked valid
        </li>
        <li>
          <span className="swatch" style={{ background: REVIEW_COLORS.invalid }} /> marked invalid
        </li>
        <li>
          <span className="swatch swatch-outline" style={{ borderColor: REVIEW_COLORS.unreviewed }} /> not reviewed
        </li>
      </ul>
      {tilesInView !== null && (
        <p className="muted small" data-testid="tiles-in-view">
          {tilesInView.toLocaleString('en')} prediction {tilesInView === 1 ? 'tile' : 'tiles'} in view
        </p>
      )}
    </section>
  );
}
