/**
 * MLflow 3 logged-model RPCs. The MLflow 3 client's `log_model` creates a logged model, uploads its
 * files, finalizes it and links it to the run with `runs/outputs`; without these it fails.
 */
import { Type } from '@sinclair/typebox';
import { proxiedArtifactPath } from '../../track/artifacts/artifact-store.js';
import { fileInfoToWire, loggedModelToWire } from '../../track/wire.js';
import { Id, TagSchema, rpc, toTags } from './rpc.js';

const ModelId = Type.Object({ model_id: Type.String() });
const KeyValue = Type.Object({ key: Type.String(), value: Type.String() });

export const loggedModelRoutes = [
  rpc(
    'POST',
    '/logged-models',
    Type.Object({
      experiment_id: Id(),
      name: Type.Optional(Type.String()),
      model_type: Type.Optional(Type.String()),
      source_run_id: Type.Optional(Type.String()),
      params: Type.Optional(Type.Array(KeyValue)),
      tags: Type.Optional(Type.Array(TagSchema)),
    }),
    async (input, { tracking }) => ({
      model: loggedModelToWire(
        await tracking.loggedModels.create({
          experimentId: input.experiment_id,
          name: input.name,
          modelType: input.model_type,
          sourceRunId: input.source_run_id,
          params: input.params,
          tags: toTags(input.tags),
        }),
      ),
    }),
  ),
  rpc(
    'POST',
    '/logged-models/search',
    Type.Object({
      experiment_ids: Type.Optional(Type.Array(Id())),
      filter: Type.Optional(Type.String()),
      max_results: Type.Optional(Type.Integer()),
      order_by: Type.Optional(Type.Array(Type.Object({ field_name: Type.String(), ascending: Type.Optional(Type.Boolean()) }))),
      page_token: Type.Optional(Type.String()),
    }),
    async (input, { tracking }) => {
      const page = await tracking.loggedModels.search({
        experimentIds: input.experiment_ids ?? [],
        filter: input.filter,
        maxResults: input.max_results,
        orderBy: (input.order_by ?? []).map((o) => ({ fieldName: o.field_name, ascending: o.ascending })),
        pageToken: input.page_token,
      });
      return { models: page.items.map(loggedModelToWire), next_page_token: page.nextPageToken };
    },
  ),
  rpc('GET', '/logged-models/:model_id', ModelId, async (input, { tracking }) => ({
    model: loggedModelToWire(await tracking.loggedModels.get(input.model_id)),
  })),
  rpc(
    'PATCH',
    '/logged-models/:model_id',
    Type.Object({ model_id: Type.String(), status: Type.Union([Type.String(), Type.Integer()]) }),
    async (input, { tracking }) => ({
      model: loggedModelToWire(await tracking.loggedModels.finalize(input.model_id, input.status)),
    }),
  ),
  rpc('DELETE', '/logged-models/:model_id', ModelId, async (input, { tracking }) => {
    await tracking.loggedModels.delete(input.model_id);
    return {};
  }),
  rpc('PATCH', '/logged-models/:model_id/tags', Type.Object({ model_id: Type.String(), tags: Type.Optional(Type.Array(TagSchema)) }), async (input, { tracking }) => ({
    model: loggedModelToWire(await tracking.loggedModels.setTags(input.model_id, toTags(input.tags))),
  })),
  rpc('DELETE', '/logged-models/:model_id/tags/:tag_key', Type.Object({ model_id: Type.String(), tag_key: Type.String() }), async (input, { tracking }) => {
    await tracking.loggedModels.deleteTag(input.model_id, input.tag_key);
    return {};
  }),
  rpc('POST', '/logged-models/:model_id/params', Type.Object({ model_id: Type.String(), params: Type.Optional(Type.Array(KeyValue)) }), async (input, { tracking }) => {
    await tracking.loggedModels.logParams(input.model_id, input.params ?? []);
    return {};
  }),
  rpc(
    'GET',
    '/logged-models/:model_id/artifacts/directories',
    Type.Object({ model_id: Type.String(), artifact_directory_path: Type.Optional(Type.String()) }),
    async (input, { tracking }) => {
      const model = await tracking.loggedModels.get(input.model_id);
      const root = proxiedArtifactPath(model.artifactUri);
      if (root === null) return { root_uri: model.artifactUri, files: [] };
      const relative = (input.artifact_directory_path ?? '').replace(/^\/+|\/+$/g, '');
      const files = await tracking.artifacts.list(relative ? `${root}/${relative}` : root);
      return { root_uri: model.artifactUri, files: files.map((f) => fileInfoToWire({ ...f, path: f.path.slice(root.length + 1) })) };
    },
  ),
];
