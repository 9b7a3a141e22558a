/** A two-column table of keys and values (params, tags, latest metrics), sorted by key. */
import type { ReactNode } from 'react';
import { Empty } from './status';

export interface KeyValueRow {
  key: string;
  value: ReactNode;
  /** Extra cells after the value, e.g. a metric's step. */
  extra?: ReactNode[];
}

/** Renders the rows, or `empty` when there are none. */
export function KeyValueTable({
  rows,
  headers,
  empty,
  label,
}: {
  rows: readonly KeyValueRow[];
  headers: readonly string[];
  empty: string;
  label: string;
}) {
  if (rows.length === 0) return <Empty>{empty}</Empty>;
  const sorted = [...rows].sort((a, b) => a.key.localeCompare(b.key));
  return (
    <table className="kv-table" aria-label={label}>
      <thead>
        <tr>
          {headers.map((h) => (
            <th key={h}>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {sorted.map((row, index) => (
          <tr key={`${row.key}\u0000${index}`}>
            <th scope="row">{row.key}</th>
            <td className="kv-value">{row.value}</td>
            {row.extra?.map((cell, i) => <td key={i}>{cell}</td>)}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
