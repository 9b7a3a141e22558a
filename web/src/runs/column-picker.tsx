/** Chooses the runs table's metric, param and tag columns from the keys the loaded runs have. */
import { useMemo, useState } from 'react';
import { columnId, type ColumnKind, type DataColumn } from './columns';

const KINDS: readonly { kind: ColumnKind; label: string }[] = [
  { kind: 'metrics', label: 'Metrics' },
  { kind: 'params', label: 'Params' },
  { kind: 'tags', label: 'Tags' },
];
/** Keys listed per kind at most; the text box narrows longer lists. */
const SHOWN = 200;

export function ColumnPicker({
  keys,
  columns,
  onChange,
}: {
  keys: Record<ColumnKind, string[]>;
  columns: readonly DataColumn[];
  onChange(columns: DataColumn[]): void;
}) {
  const [needle, setNeedle] = useState('');
  const chosen = useMemo(() => new Set(columns.map(columnId)), [columns]);
  const toggle = (column: DataColumn) =>
    onChange(chosen.has(columnId(column)) ? columns.filter((c) => columnId(c) !== columnId(column)) : [...columns, column]);
  const match = (key: string) => key.toLowerCase().includes(needle.toLowerCase());

  return (
    <details className="column-picker">
      <summary>Columns ({columns.length})</summary>
      <div className="popover">
        <input type="search" placeholder="Find a key" aria-label="Find a column" value={needle} onChange={(e) => setNeedle(e.target.value)} />
        {KINDS.map(({ kind, label }) => {
          const list = keys[kind].filter(match);
          if (list.length === 0) return null;
          return (
            <fieldset key={kind}>
              <legend>{label}</legend>
              {list.slice(0, SHOWN).map((key) => (
                <label key={key}>
                  <input type="checkbox" checked={chosen.has(`${kind}.${key}`)} onChange={() => toggle({ kind, key })} />
                  {key}
                </label>
              ))}
              {list.length > SHOWN && <p className="hint">{list.length - SHOWN} more: type to narrow.</p>}
            </fieldset>
          );
        })}
        <div className="popover-actions">
          <button type="button" className="secondary" onClick={() => onChange([])}>
            None
          </button>
        </div>
      </div>
    </details>
  );
}
