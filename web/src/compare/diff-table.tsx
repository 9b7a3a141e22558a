/**
 * Keys down, runs across; a row whose values are not all equal (a missing value counts as a value)
 * is highlighted, and "only differences" hides the rest.
 */
import { Empty } from '../ui/status';

export interface DiffColumn {
  runId: string;
  label: string;
  color: string;
}

export interface DiffRow {
  key: string;
  values: readonly (string | undefined)[];
}

/** Whether a row's values are not all the same. */
export function differs(row: DiffRow): boolean {
  return new Set(row.values).size > 1;
}

export function DiffTable({ label, columns, rows, onlyDifferences }: { label: string; columns: readonly DiffColumn[]; rows: readonly DiffRow[]; onlyDifferences: boolean }) {
  const shown = rows.filter((row) => !onlyDifferences || differs(row));
  if (rows.length === 0) return <Empty>None of these runs has any.</Empty>;
  if (shown.length === 0) return <Empty>All runs have the same values.</Empty>;
  return (
    <div className="table-scroll">
      <table className="data-table diff-table" aria-label={label}>
        <thead>
          <tr>
            <th>{label}</th>
            {columns.map((c) => (
              <th key={c.runId} scope="col">
                <span className="swatch" style={{ background: c.color }} aria-hidden="true" />
                {c.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((row) => (
            <tr key={row.key} className={differs(row) ? 'differs' : undefined} data-differs={differs(row) || undefined}>
              <th scope="row">{row.key}</th>
              {row.values.map((value, i) => (
                <td key={columns[i].runId} className={value === undefined ? 'missing' : undefined}>
                  {value ?? '—'}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
