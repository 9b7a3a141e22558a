/**
 * The route table: every page and its address. Pages with charts (uPlot) or maps (MapLibre) load on
 * first use (`lazy`), so the experiment list and the runs table, where users land, start from a
 * smaller bundle.
 */
import type { QueryClient } from '@tanstack/react-query';
import { createBrowserRouter, Navigate, type RouteObject } from 'react-router';
import { ExperimentsPage } from './experiments/experiments-page';
import { runsLoader } from './runs/runs-loader';
import { RunsPage } from './runs/runs-page';
import { Layout } from './ui/layout';
import { NotFound, RouteError } from './ui/route-error';
import { Loading } from './ui/status';

const runPage = async () => ({ Component: (await import('./run/run-page')).RunPage });

/** The route table over a query cache (loaders prefetch into it). */
export function routes(client: QueryClient): RouteObject[] {
  return [
    {
      element: <Layout />,
      // A first visit straight to a lazy page (a shared link) waits for its code: show that it loads.
      hydrateFallbackElement: <Loading />,
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
            // The model registry.
            { path: 'models', lazy: async () => ({ Component: (await import('./registry/models-page')).ModelsPage }) },
            { path: 'models/:name', lazy: async () => ({ Component: (await import('./registry/model-page')).ModelPage }) },
            { path: 'models/:name/versions/:version', lazy: async () => ({ Component: (await import('./registry/version-page')).VersionPage }) },
            // Projects and their prediction maps.
            { path: 'projects', lazy: async () => ({ Component: (await import('./projects/projects-page')).ProjectsPage }) },
            { path: 'projects/:projectId', lazy: async () => ({ Component: (await import('./projects/project-page')).ProjectPage }) },
            { path: 'projects/:projectId/predictions/:predictionId', lazy: async () => ({ Component: (await import('./prediction/prediction-page')).PredictionPage }) },
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
