/**
 * The runs table's columns and sort order, and how both read in the URL and in MLflow's `order_by`
 * grammar (`metrics.acc DESC`; keys with spaces or dashes in backticks).
 */
import type { RunRow } from './run-row';

/** What a data column shows: a metric's latest value, a param or a tag. */
export type ColumnKind = 'metrics' | 'params' | 'tags';

export interface DataColumn {
  kind: ColumnKind;
  key: string;
}

/** A sortable field: a data column or a run attribute. */
export interface SortKey {
  kind: ColumnKind | 'attributes';
  key: string;
}

export interface SortOrder extends SortKey {
  ascending: boolean;
}

/** The order when the URL names none: newest first, as MLflow's UI. */
export const DEFAULT_ORDER: SortOrder = { kind: 'attributes', key: 'start_time', ascending: false };

/** A stable id such as `metrics.val_loss` (also the URL spelling). */
export function columnId(column: SortKey): string {
  return `${column.kind}.${column.key}`;
}

/** The identifier in MLflow's grammar, quoted when the key is not a plain word. */
export function identifier(column: SortKey): string {
  return /^[A-Za-z_][\w.]*$/.test(column.key) ? `${column.kind}.${column.key}` : `${column.kind}.\`${column.key}\``;
}

/** The `order_by` item for a sort order. */
export function orderByClause(order: SortOrder): string {
  return `${identifier(order)} ${order.ascending ? 'ASC' : 'DESC'}`;
}

const KINDS = new Set(['metrics', 'params', 'tags', 'attributes']);

/** Reads `metrics.acc DESC` (as written by `orderByClause`) back; anything else is the default. */
export function parseOrderBy(text: string | null): SortOrder {
  const match = text ? /^(\w+)\.(?:`([^`]+)`|(\S.*?))(?:\s+(ASC|DESC))?$/i.exec(text.trim()) : null;
  if (!match || !KINDS.has(match[1])) return DEFAULT_ORDER;
  return { kind: match[1] as SortOrder['kind'], key: match[2] ?? match[3], ascending: (match[4] ?? 'ASC').toUpperCase() === 'ASC' };
}

/** Reads the `cols` URL parameter: `metrics.acc,params.lr`. */
export function parseColumnList(text: string): DataColumn[] {
  return text
    .split(',')
    .map((item) => /^(metrics|params|tags)\.(.+)$/.exec(item.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ kind: m[1] as ColumnKind, key: m[2] }));
}

/** Writes the `cols` URL parameter. */
export function formatColumnList(columns: readonly DataColumn[]): string {
  return columns.map(columnId).join(',');
}

/** The keys present in loaded runs, sorted, for the column picker. */
export function discoverKeys(rows: readonly RunRow[]): Record<ColumnKind, string[]> {
  const found = { metrics: new Set<string>(), params: new Set<string>(), tags: new Set<string>() };
  for (const row of rows) {
    for (const key of row.metrics.keys()) found.metrics.add(key);
    for (const key of row.params.keys()) found.params.add(key);
    for (const key of row.tags.keys()) if (!key.startsWith('mlflow.')) found.tags.add(key);
  }
  const sorted = (set: Set<string>) => [...set].sort((a, b) => a.localeCompare(b));
  return { metrics: sorted(found.metrics), params: sorted(found.params), tags: sorted(found.tags) };
}

/** Columns shown before the user picks: the first few metrics and params. */
export function defaultColumns(keys: Record<ColumnKind, string[]>): DataColumn[] {
  return [
    ...keys.metrics.slice(0, 6).map((key) => ({ kind: 'metrics' as const, key })),
    ...keys.params.slice(0, 6).map((key) => ({ kind: 'params' as const, key })),
  ];
}
