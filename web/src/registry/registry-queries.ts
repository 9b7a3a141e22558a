/**
 * Query options of the registry pages, shared so that the model page and a version page use one cache
 * entry for the same model, and the invalidation after a change to a version (stage, alias) in one
 * place: an alias moves between versions and a stage changes the model's latest versions, so every
 * cached answer about the model is stale after either.
 */
import { infiniteQueryOptions, queryOptions, type QueryClient } from '@tanstack/react-query';
import { getModelFiles, getModelStacItem, getModelVersion, getRegisteredModel, searchModelVersions } from '../api/registry';

/** Versions per page of a model's versions table. */
const VERSIONS_PAGE_SIZE = 100;

/** A registered model by name. */
export function registeredModelQuery(name: string) {
  return queryOptions({ queryKey: ['registered-model', name], queryFn: ({ signal }) => getRegisteredModel(name, signal) });
}

/** A registered model's versions, newest first, a page at a time. */
export function modelVersionsQuery(name: string) {
  return infiniteQueryOptions({
    queryKey: ['model-versions', name],
    queryFn: ({ pageParam, signal }) => searchModelVersions({ name, maxResults: VERSIONS_PAGE_SIZE, pageToken: pageParam || undefined }, signal),
    initialPageParam: '',
    getNextPageParam: (last) => last.nextPageToken,
  });
}

/** One model version. */
export function modelVersionQuery(name: string, version: string) {
  return queryOptions({ queryKey: ['model-version', name, version], queryFn: ({ signal }) => getModelVersion(name, version, signal) });
}

/** Which model files (MLM item, ONNX) a version's folder holds. */
export function modelFilesQuery(name: string, version: string) {
  return queryOptions({ queryKey: ['model-files', name, version], queryFn: ({ signal }) => getModelFiles(name, version, signal) });
}

/** A version's MLM STAC item. */
export function modelStacQuery(name: string, version: string) {
  return queryOptions({ queryKey: ['model-stac', name, version], queryFn: ({ signal }) => getModelStacItem(name, version, signal) });
}

/** Marks every cached answer about a registered model (and the model list) stale, refetching those on screen. */
export async function invalidateModel(client: QueryClient, name: string): Promise<void> {
  await Promise.all([
    client.invalidateQueries({ queryKey: ['registered-model', name] }),
    client.invalidateQueries({ queryKey: ['model-version', name] }),
    client.invalidateQueries({ queryKey: ['model-versions', name] }),
    client.invalidateQueries({ queryKey: ['registered-models'] }),
  ]);
}
