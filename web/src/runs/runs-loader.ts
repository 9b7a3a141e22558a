/**
 * Starts the runs page's requests as soon as the router sees its address, before React renders the
 * page (on a first visit, rendering the app takes longer than the first page of runs). It does not
 * wait for them: the page shows its own loading state and takes the answers from the cache.
 */
import type { QueryClient } from '@tanstack/react-query';
import type { LoaderFunctionArgs } from 'react-router';
import { experimentQuery } from '../api/queries';
import { runQueryOf, runSearchOptions } from './use-run-search';

/** The route loader for `/experiments/:experimentId`. */
export function runsLoader(client: QueryClient) {
  return ({ params, request }: LoaderFunctionArgs) => {
    const experimentId = params.experimentId!;
    void client.prefetchInfiniteQuery(runSearchOptions(runQueryOf(experimentId, new URL(request.url).searchParams)));
    void client.prefetchQuery(experimentQuery(experimentId));
    return null;
  };
}
