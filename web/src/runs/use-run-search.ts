/**
 * Paged `runs/search` for the runs table. The first page is small so the table paints fast; later
 * pages are large and fetched as the user scrolls towards the end (`fetchNextPage`). Filtering and
 * sorting happen on the server, in MLflow's grammar, so 10,000 runs never have to reach the browser
 * before the first row shows. While a new query loads, the previous rows stay on screen, dimmed.
 */
import { infiniteQueryOptions, keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useMemo } from 'react';
import { searchRuns } from '../api/tracking';
import { orderByClause, parseOrderBy } from './columns';
import { toRunFilter } from './quick-filter';
import { toRunRow, type RunRow } from './run-row';

/** Rows in the first page: enough to fill a tall screen several times over. */
export const FIRST_PAGE_SIZE = 200;
/** Rows in each later page (MLflow's default `max_results`). */
export const PAGE_SIZE = 1000;

export interface RunQuery {
  experimentIds: readonly string[];
  filter: string;
  orderBy: readonly string[];
}

/** The search a runs-page address asks for (`?filter=&order_by=`), shared by the page and its loader. */
export function runQueryOf(experimentId: string, params: URLSearchParams): RunQuery {
  return {
    experimentIds: [experimentId],
    filter: toRunFilter(params.get('filter') ?? ''),
    orderBy: [orderByClause(parseOrderBy(params.get('order_by')))],
  };
}

/** The query behind a search: its cache key, and how its pages are fetched. */
export function runSearchOptions(query: RunQuery) {
  return infiniteQueryOptions({
    queryKey: ['runs', query.experimentIds, query.filter, query.orderBy],
    queryFn: async ({ pageParam, signal }) => {
      const page = await searchRuns({ ...query, maxResults: pageParam ? PAGE_SIZE : FIRST_PAGE_SIZE, pageToken: pageParam || undefined }, signal);
      return { rows: page.runs.map(toRunRow), nextPageToken: page.nextPageToken };
    },
    initialPageParam: '',
    getNextPageParam: (last) => last.nextPageToken,
  });
}

/** The runs loaded so far for a query, and how to get more. */
export function useRunSearch(query: RunQuery) {
  const result = useInfiniteQuery({ ...runSearchOptions(query), placeholderData: keepPreviousData });
  const rows = useMemo<RunRow[]>(() => result.data?.pages.flatMap((page) => page.rows) ?? [], [result.data]);
  return { ...result, rows };
}
