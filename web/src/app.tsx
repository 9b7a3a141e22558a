/** The app: one query cache for server data, and the router, both made once at start-up. */
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from 'react-router';
import { ApiError } from './api/http';
import { createRouter } from './routes';

/** Retries only what may pass on a second try: network failures and 5xx, never a 4xx (a bad filter stays bad). */
function shouldRetry(failures: number, error: unknown): boolean {
  return failures < 2 && error instanceof ApiError && (error.status === 0 || error.status >= 500);
}

/** The query cache: answers stay fresh for 30 s, nothing refetches on window focus. */
export function createQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: shouldRetry, refetchOnWindowFocus: false, staleTime: 30_000 } } });
}

/** Creates the cache and the router (whose loaders start the first requests before React renders). */
export function createApp() {
  const client = createQueryClient();
  return { client, router: createRouter(client) };
}

export function App({ app }: { app: ReturnType<typeof createApp> }) {
  return (
    <QueryClientProvider client={app.client}>
      <RouterProvider router={app.router} />
    </QueryClientProvider>
  );
}
