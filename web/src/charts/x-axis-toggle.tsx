/** Step or wall-clock time on the charts' x axis, kept in the `x` URL parameter. */
import { useUrlParam } from '../lib/url-state';
import { parseXAxis, type XAxis } from './series';

/** The x axis the URL asks for, and a setter. */
export function useXAxis(): [XAxis, (axis: XAxis) => void] {
  const [text, setText] = useUrlParam('x');
  return [parseXAxis(text), (axis) => setText(axis === 'step' ? null : axis)];
}

export function XAxisToggle({ value, onChange }: { value: XAxis; onChange(axis: XAxis): void }) {
  return (
    <fieldset className="segmented" aria-label="X axis">
      <legend>X axis</legend>
      {(['step', 'time'] as const).map((axis) => (
        <label key={axis} className={value === axis ? 'active' : ''}>
          <input type="radio" name="x-axis" value={axis} checked={value === axis} onChange={() => onChange(axis)} />
          {axis === 'step' ? 'Step' : 'Time'}
        </label>
      ))}
    </fieldset>
  );
}
