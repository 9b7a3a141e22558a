/**
 * The projects pages' server data as TanStack Query options: one cache key per thing, so a form that
 * changes a project refreshes exactly what shows it (`['project', id]` covers its predictions too).
 */
import { queryOptions } from '@tanstack/react-query';
import { getImageryTileJson, getProject, listPredictions, listProjects, type Prediction } from '../api/predict';

/** Whether a prediction may still change. */
export function isActive(prediction: Prediction): boolean {
  return prediction.status === 'queued' || prediction.status === 'running';
}

/** The project list, archived projects too when asked. */
export function projectsQuery(archived: boolean) {
  return queryOptions({ queryKey: ['projects', { archived }], queryFn: ({ signal }) => listProjects(archived, signal) });
}

/** One project with its models, imagery and AOIs. */
export function projectQuery(projectId: string) {
  return queryOptions({ queryKey: ['project', projectId], queryFn: ({ signal }) => getProject(projectId, signal) });
}

/**
 * A project's predictions, asked again every second while any is queued or running (and not at all
 * otherwise), so progress moves without polling an idle project.
 */
export function predictionsQuery(projectId: string) {
  return queryOptions({
    queryKey: ['project', projectId, 'predictions'],
    queryFn: ({ signal }) => listPredictions(projectId, signal),
    refetchInterval: (query) => (query.state.data?.some(isActive) ? 1000 : false),
  });
}

/** An imagery's TileJSON; a failure is not retried (the map shows the imagery's absence instead). */
export function imageryTileJsonQuery(imageryId: string) {
  return queryOptions({
    queryKey: ['imagery-tilejson', imageryId],
    queryFn: ({ signal }) => getImageryTileJson(imageryId, signal),
    retry: false,
    staleTime: Infinity,
  });
}
