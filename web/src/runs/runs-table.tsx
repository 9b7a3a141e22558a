/**
 * The runs table, virtualized with TanStack Virtual: only the rows in view (plus a margin) exist in
 * the DOM, so 10,000 runs scroll as smoothly as 10. Rows have one fixed height and every row shares
 * one CSS grid template, so nothing is measured while scrolling. Near the end of the loaded rows the
 * table asks for the next page.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useRef } from 'react';
import { Link } from 'react-router';
import { formatDuration, formatNumber, formatTime } from '../lib/format';
import { StatusBadge } from '../ui/status-badge';
import { columnId, type DataColumn, type SortKey, type SortOrder } from './columns';
import { cellValue, type RunRow } from './run-row';

const ROW_HEIGHT = 32;
/** Ask for the next page when this few loaded rows remain below the view. */
const LOOKAHEAD = 300;

interface FixedColumn {
  id: string;
  label: string;
  width: number;
  sort?: SortKey;
}

const FIXED: readonly FixedColumn[] = [
  { id: 'run_name', label: 'Run', width: 240, sort: { kind: 'attributes', key: 'run_name' } },
  { id: 'status', label: 'Status', width: 96, sort: { kind: 'attributes', key: 'status' } },
  { id: 'start_time', label: 'Started', width: 168, sort: { kind: 'attributes', key: 'start_time' } },
  { id: 'duration', label: 'Duration', width: 84 },
  { id: 'user_id', label: 'User', width: 110, sort: { kind: 'attributes', key: 'user_id' } },
];
const SELECT_WIDTH = 36;
const DATA_WIDTH = 132;
const KIND_LABEL = { metrics: 'metric', params: 'param', tags: 'tag' } as const;

export interface RunsTableProps {
  rows: readonly RunRow[];
  columns: readonly DataColumn[];
  order: SortOrder;
  onSort(key: SortKey): void;
  selected: ReadonlySet<string>;
  onToggle(runId: string): void;
  hasMore: boolean;
  onNeedMore(): void;
  runLink(row: RunRow): string;
  /** The rows shown belong to an older query while a new one loads. */
  stale: boolean;
}

function SortButton({ label, sortKey, order, onSort, title }: { label: string; sortKey: SortKey; order: SortOrder; onSort(key: SortKey): void; title?: string }) {
  const active = order.kind === sortKey.kind && order.key === sortKey.key;
  return (
    <button type="button" className="sort-button" onClick={() => onSort(sortKey)} title={title ?? `Sort by ${label}`}>
      {label}
      <span className="sort-arrow" aria-hidden="true">
        {active ? (order.ascending ? '▲' : '▼') : ''}
      </span>
    </button>
  );
}

interface RowCellsProps {
  row: RunRow;
  columns: readonly DataColumn[];
  checked: boolean;
  onToggle(runId: string): void;
  href: string;
}

/**
 * One row's cells. Memoized: while scrolling only the row's position changes, so rows already in
 * view are not rendered again and only the rows entering the view cost anything.
 */
const RowCells = memo(function RowCells({ row, columns, checked, onToggle, href }: RowCellsProps) {
  return (
    <>
      <div role="gridcell" className="cell-select">
        <input type="checkbox" checked={checked} onChange={() => onToggle(row.runId)} aria-label={`Select ${row.runName}`} />
      </div>
      <div role="gridcell" className="cell-name">
        <Link to={href} title={row.runName}>
          {row.runName}
        </Link>
      </div>
      <div role="gridcell">
        <StatusBadge status={row.status} />
      </div>
      <div role="gridcell">{formatTime(row.startTime)}</div>
      <div role="gridcell">{formatDuration(row.startTime, row.endTime)}</div>
      <div role="gridcell" className="cell-text">
        {row.userId}
      </div>
      {columns.map((c) => {
        const value = cellValue(row, c);
        return (
          <div role="gridcell" key={columnId(c)} className={typeof value === 'number' ? 'cell-number' : 'cell-text'} title={value === undefined ? undefined : String(value)}>
            {typeof value === 'number' ? formatNumber(value) : value}
          </div>
        );
      })}
    </>
  );
});

function ariaSort(key: SortKey | undefined, order: SortOrder): 'ascending' | 'descending' | undefined {
  if (!key || key.kind !== order.kind || key.key !== order.key) return undefined;
  return order.ascending ? 'ascending' : 'descending';
}

/** Renders the header and the rows in view. */
export function RunsTable(props: RunsTableProps) {
  const { rows, columns, order, onSort, selected, onToggle, hasMore, onNeedMore, runLink, stale } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const count = rows.length + (hasMore ? 1 : 0);
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 8,
  });
  const items = virtualizer.getVirtualItems();
  const lastIndex = items.length ? items[items.length - 1].index : 0;

  useEffect(() => {
    if (hasMore && lastIndex >= rows.length - LOOKAHEAD) onNeedMore();
  }, [hasMore, lastIndex, rows.length, onNeedMore]);

  const template = [SELECT_WIDTH, ...FIXED.map((c) => c.width), ...columns.map(() => DATA_WIDTH)].map((w) => `${w}px`).join(' ');
  const width = SELECT_WIDTH + FIXED.reduce((sum, c) => sum + c.width, 0) + columns.length * DATA_WIDTH;

  return (
    <div className={`runs-scroller${stale ? ' is-stale' : ''}`} ref={scroller} role="grid" aria-rowcount={count + 1} aria-label="Runs">
      <div className="runs-header" role="row" style={{ gridTemplateColumns: template, width }}>
        <div role="columnheader" className="cell-select" aria-label="Select" />
        {FIXED.map((c) => (
          <div role="columnheader" key={c.id} aria-sort={ariaSort(c.sort, order)}>
            {c.sort ? <SortButton label={c.label} sortKey={c.sort} order={order} onSort={onSort} /> : c.label}
          </div>
        ))}
        {columns.map((c) => (
          <div role="columnheader" key={columnId(c)} className={c.kind === 'metrics' ? 'cell-data' : undefined} aria-sort={ariaSort(c, order)}>
            <SortButton label={c.key} sortKey={c} order={order} onSort={onSort} title={`${KIND_LABEL[c.kind]} ${c.key}: click to sort`} />
            <span className="column-kind">{KIND_LABEL[c.kind]}</span>
          </div>
        ))}
      </div>
      <div className="runs-body" style={{ height: virtualizer.getTotalSize(), width }}>
        {items.map((item) => {
          const row = rows[item.index];
          const style = { gridTemplateColumns: template, width, transform: `translateY(${item.start}px)` };
          if (!row) {
            return (
              <div key="more" className="runs-row runs-more" role="row" style={style}>
                <div role="gridcell">Loading more runs…</div>
              </div>
            );
          }
          return (
            <div key={row.runId} className="runs-row" role="row" aria-rowindex={item.index + 2} data-run-id={row.runId} style={style}>
              <RowCells row={row} columns={columns} checked={selected.has(row.runId)} onToggle={onToggle} href={runLink(row)} />
            </div>
          );
        })}
      </div>
    </div>
  );
}
