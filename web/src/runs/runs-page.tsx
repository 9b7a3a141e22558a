/**
 * An experiment's runs: the search box, the column picker, the virtualized table and the compare
 * button. The filter, the sort order and the columns live in the URL (`?filter=&order_by=&cols=`).
 */
import { useQuery } from '@tanstack/react-query';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError } from '../api/http';
import { experimentQuery } from '../api/queries';
import { useUrlParam } from '../lib/url-state';
import { ErrorMessage, errorText } from '../ui/status';
import { ColumnPicker } from './column-picker';
import { defaultColumns, discoverKeys, formatColumnList, orderByClause, parseColumnList, parseOrderBy, type SortKey } from './columns';
import { toRunFilter } from './quick-filter';
import { RunsTable } from './runs-table';
import { SearchBox } from './search-box';
import { useRunSearch } from './use-run-search';

/** Runs the compare page takes at most (the bulk metric-history API's limit). */
const MAX_COMPARE = 100;

/** Marks when a search starts and when its rows are on screen, for the performance test and the curious. */
function markSearchStart() {
  performance.clearMarks('tileflow:runs-search');
  performance.mark('tileflow:runs-search');
}

export function RunsPage() {
  const experimentId = useParams().experimentId!;
  const navigate = useNavigate();
  const [filterText, setFilterText] = useUrlParam('filter');
  const [orderText, setOrderText] = useUrlParam('order_by');
  const [columnsText, setColumnsText] = useUrlParam('cols');
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  // A selection belongs to one experiment's table.
  useEffect(() => setSelected(new Set()), [experimentId]);

  const experiment = useQuery(experimentQuery(experimentId));
  const description = experiment.data?.tags?.find((t) => t.key === 'mlflow.note.content')?.value;
  const order = parseOrderBy(orderText);
  const orderClause = orderByClause(order);
  const filter = toRunFilter(filterText ?? '');
  const experimentIds = useMemo(() => [experimentId], [experimentId]);
  const orderBy = useMemo(() => [orderClause], [orderClause]);
  const search = useRunSearch({ experimentIds, filter, orderBy });
  const { rows, hasNextPage, fetchNextPage } = search;

  const keys = useMemo(() => discoverKeys(rows), [rows]);
  const firstPage = search.data?.pages[0]?.rows;
  const columns = useMemo(
    () => (columnsText !== null ? parseColumnList(columnsText) : defaultColumns(discoverKeys(firstPage ?? []))),
    [columnsText, firstPage],
  );

  // Never while any fetch of this query runs: fetchNextPage would cancel it.
  const busy = search.isFetching;
  const needMore = useCallback(() => {
    if (!busy) void fetchNextPage();
  }, [busy, fetchNextPage]);

  const onSort = useCallback(
    (key: SortKey) => {
      const same = key.kind === order.kind && key.key === order.key;
      markSearchStart();
      setOrderText(orderByClause({ ...key, ascending: same ? !order.ascending : false }));
    },
    [order, setOrderText],
  );

  const stale = search.isPlaceholderData;
  const ready = search.isSuccess && !stale;
  // The first page's identity changes exactly when a new query's rows arrive (later pages keep it).
  const shownPage = ready ? search.data.pages[0] : undefined;
  useEffect(() => {
    if (!shownPage) return;
    performance.mark('tileflow:runs-rendered');
    if (performance.getEntriesByName('tileflow:runs-search', 'mark').length) {
      performance.measure('tileflow:runs-search-to-rows', 'tileflow:runs-search', 'tileflow:runs-rendered');
    }
  }, [shownPage]);

  const searchError = search.isError && search.error instanceof ApiError && search.error.status === 400 ? search.error.message : undefined;
  const toggle = useCallback(
    (runId: string) =>
      setSelected((previous) => {
        const next = new Set(previous);
        if (!next.delete(runId)) next.add(runId);
        return next;
      }),
    [],
  );
  const compare = () => navigate(`/compare?runs=${[...selected].join(',')}`);
  const runLink = useCallback((row: { runId: string }) => `/experiments/${experimentId}/runs/${row.runId}`, [experimentId]);

  return (
    <div className="runs-page" data-status={search.isError ? 'error' : ready ? 'ready' : 'loading'} data-filter={filter} data-order={orderClause} data-rows={rows.length}>
      <div className="page-head">
        <nav className="breadcrumbs" aria-label="Breadcrumbs">
          <Link to="/experiments">Experiments</Link>
        </nav>
        <h1>{experiment.data?.name ?? (experiment.isError ? `Experiment ${experimentId}` : '…')}</h1>
        {description && <p className="muted experiment-note">{description}</p>}
        {experiment.isError && <ErrorMessage error={experiment.error} title="Could not load this experiment" />}
      </div>
      <div className="toolbar">
        <SearchBox
          value={filterText ?? ''}
          error={searchError}
          onSearch={(text) => {
            markSearchStart();
            setFilterText(text || null);
          }}
        />
        <ColumnPicker keys={keys} columns={columns} onChange={(next) => setColumnsText(formatColumnList(next))} />
        <button type="button" onClick={compare} disabled={selected.size < 2 || selected.size > MAX_COMPARE} title="Select two or more runs to compare">
          Compare{selected.size ? ` (${selected.size})` : ''}
        </button>
        {selected.size > 0 && (
          <button type="button" className="secondary" onClick={() => setSelected(new Set())}>
            Clear selection
          </button>
        )}
      </div>
      <p className="table-summary" aria-live="polite">
        {search.isPending
          ? 'Loading runs…'
          : search.isError && !searchError
            ? ''
            : `${rows.length.toLocaleString('en')}${hasNextPage ? '+' : ''} run${rows.length === 1 && !hasNextPage ? '' : 's'}${filter ? ' matching the filter' : ''}${stale ? ' · updating…' : ''}`}
      </p>
      {search.isError && !searchError ? (
        <ErrorMessage error={search.error} title="Could not search runs" />
      ) : search.isPending ? (
        <div className="runs-placeholder" role="status">
          <span className="spinner" aria-hidden="true" /> Loading runs…
        </div>
      ) : rows.length === 0 && !searchError ? (
        <div className="status status-empty">{filter ? `No runs match ${filter}.` : 'No runs in this experiment yet.'}</div>
      ) : (
        !searchError && (
          <RunsTable
            rows={rows}
            columns={columns}
            order={order}
            onSort={onSort}
            selected={selected}
            onToggle={toggle}
            hasMore={hasNextPage && !search.isPlaceholderData}
            onNeedMore={needMore}
            runLink={runLink}
            stale={stale}
          />
        )
      )}
      {search.isFetchNextPageError && <ErrorMessage error={errorText(search.error)} title="Could not load more runs" />}
    </div>
  );
}
