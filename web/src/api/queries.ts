/** Query options shared by pages and route loaders, so a prefetch and a page use the same cache entry. */
import { queryOptions } from '@tanstack/react-query';
import { getExperiment } from './tracking';

/** One experiment by id. */
export function experimentQuery(experimentId: string) {
  return queryOptions({ queryKey: ['experiment', experimentId], queryFn: ({ signal }) => getExperiment(experimentId, signal) });
}
