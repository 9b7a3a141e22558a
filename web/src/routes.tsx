/**
 * The route table: every page and its address. The model registry (`/models/…`) and projects with
 * their prediction maps (`/projects/…`) join here. Pages with charts (uPlot) load on first use
 * (`lazy`), so the experiment list and the runs table, where users land, start from a smaller
 * bundle; MapLibre's pages should do the same.
 */
import type { QueryClient } from '@tanstack/react-query';
import { createBrowserRouter, Navigate, type RouteObject } from 'react-router';
import { ExperimentsPage } from './experiments/experiments-page';
import { runsLoader } from './runs/runs-loader';
import { RunsPage } from './runs/runs-page';
import { Layout } from './ui/layout';
import { NotFound, RouteError } from './ui/route-error';

const runPage = async () => ({ Component: (await import('./run/run-page')).RunPage });

/** The route table over a query cache (loaders prefetch into it). */
export function routes(client: QueryClient): RouteObject[] {
  return [
    {
      element: <Layout />,
      children: [
        {
          // Errors render inside the layout, so the top bar stays usable.
          errorElement: <RouteError />,
          children: [
            { index: true, element: <Navigate to="/experiments" replace /> },
            { path: 'experiments', element: <ExperimentsPage /> },
            { path: 'experiments/:experimentId', element: <RunsPage />, loader: runsLoader(client) },
            { path: 'experiments/:experimentId/runs/:runId', lazy: runPage },
            { path: 'runs/:runId', lazy: runPage },
            { path: 'compare', lazy: async () => ({ Component: (await import('./compare/compare-page')).ComparePage }) },
            { path: '*', element: <NotFound /> },
          ],
        },
      ],
    },
  ];
}

/** The browser router over the route table. */
export function createRouter(client: QueryClient) {
  return createBrowserRouter(routes(client));
}
