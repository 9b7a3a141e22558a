/**
 * MLflow model-registry RPCs (model_registry.proto `ModelRegistryService`): registered models, model
 * versions, tags, aliases, stages and download URIs.
 */
import { Type } from '@sinclair/typebox';
import { modelVersionToWire, registeredModelToWire } from '../../track/wire.js';
import { TagSchema, rpc, toTags, type RpcContext } from './rpc.js';

const Name = Type.Object({ name: Type.String() });
const NameVersion = Type.Object({ name: Type.String(), version: Type.String({ idLike: true }) });
const Search = Type.Object({
  filter: Type.Optional(Type.String()),
  max_results: Type.Optional(Type.Integer()),
  order_by: Type.Optional(Type.Array(Type.String())),
  page_token: Type.Optional(Type.String()),
});
const LatestVersions = Type.Object({ name: Type.String(), stages: Type.Optional(Type.Array(Type.String())) });

async function getLatestVersions(input: typeof LatestVersions.static, { tracking }: RpcContext) {
  const versions = await tracking.registry.getLatestVersions(input.name, input.stages ?? []);
  return { model_versions: versions.map(modelVersionToWire) };
}

export const registryRoutes = [
  rpc(
    'POST',
    '/registered-models/create',
    Type.Object({ name: Type.String(), tags: Type.Optional(Type.Array(TagSchema)), description: Type.Optional(Type.String()) }),
    async (input, { tracking }) => ({
      registered_model: registeredModelToWire(await tracking.registry.createRegisteredModel(input.name, toTags(input.tags), input.description)),
    }),
  ),
  rpc('POST', '/registered-models/rename', Type.Object({ name: Type.String(), new_name: Type.String() }), async (input, { tracking }) => ({
    registered_model: registeredModelToWire(await tracking.registry.renameRegisteredModel(input.name, input.new_name)),
  })),
  rpc('PATCH', '/registered-models/update', Type.Object({ name: Type.String(), description: Type.Optional(Type.String()) }), async (input, { tracking }) => ({
    registered_model: registeredModelToWire(await tracking.registry.updateRegisteredModel(input.name, input.description)),
  })),
  rpc('DELETE', '/registered-models/delete', Name, async (input, { tracking }) => {
    await tracking.registry.deleteRegisteredModel(input.name);
    return {};
  }),
  rpc('GET', '/registered-models/get', Name, async (input, { tracking }) => ({
    registered_model: registeredModelToWire(await tracking.registry.getRegisteredModel(input.name)),
  })),
  rpc('GET', '/registered-models/search', Search, async (input, { tracking }) => {
    const page = await tracking.registry.searchRegisteredModels({
      filter: input.filter,
      maxResults: input.max_results,
      orderBy: input.order_by,
      pageToken: input.page_token,
    });
    return { registered_models: page.items.map(registeredModelToWire), next_page_token: page.nextPageToken };
  }),
  rpc('POST', '/registered-models/get-latest-versions', LatestVersions, getLatestVersions),
  rpc('GET', '/registered-models/get-latest-versions', LatestVersions, getLatestVersions),
  rpc(
    'POST',
    '/registered-models/set-tag',
    Type.Object({ name: Type.String(), key: Type.String(), value: Type.String() }),
    async (input, { tracking }) => {
      await tracking.registry.setRegisteredModelTag(input.name, { key: input.key, value: input.value });
      return {};
    },
  ),
  rpc('DELETE', '/registered-models/delete-tag', Type.Object({ name: Type.String(), key: Type.String() }), async (input, { tracking }) => {
    await tracking.registry.deleteRegisteredModelTag(input.name, input.key);
    return {};
  }),
  rpc(
    'POST',
    '/registered-models/alias',
    Type.Object({ name: Type.String(), alias: Type.String(), version: Type.String({ idLike: true }) }),
    async (input, { tracking }) => {
      await tracking.registry.setAlias(input.name, input.alias, input.version);
      return {};
    },
  ),
  rpc('DELETE', '/registered-models/alias', Type.Object({ name: Type.String(), alias: Type.String() }), async (input, { tracking }) => {
    await tracking.registry.deleteAlias(input.name, input.alias);
    return {};
  }),
  rpc('GET', '/registered-models/alias', Type.Object({ name: Type.String(), alias: Type.String() }), async (input, { tracking }) => ({
    model_version: modelVersionToWire(await tracking.registry.getModelVersionByAlias(input.name, input.alias)),
  })),

  rpc(
    'POST',
    '/model-versions/create',
    Type.Object({
      name: Type.String(),
      source: Type.String(),
      run_id: Type.Optional(Type.String()),
      tags: Type.Optional(Type.Array(TagSchema)),
      run_link: Type.Optional(Type.String()),
      description: Type.Optional(Type.String()),
      model_id: Type.Optional(Type.String()),
    }),
    async (input, { tracking }) => ({
      model_version: modelVersionToWire(
        await tracking.createModelVersion({
          name: input.name,
          source: input.source,
          runId: input.run_id,
          tags: toTags(input.tags),
          runLink: input.run_link,
          description: input.description,
          modelId: input.model_id,
        }),
      ),
    }),
  ),
  rpc(
    'PATCH',
    '/model-versions/update',
    Type.Object({ name: Type.String(), version: Type.String({ idLike: true }), description: Type.Optional(Type.String()) }),
    async (input, { tracking }) => ({
      model_version: modelVersionToWire(await tracking.registry.updateModelVersion(input.name, input.version, input.description)),
    }),
  ),
  rpc(
    'POST',
    '/model-versions/transition-stage',
    Type.Object({
      name: Type.String(),
      version: Type.String({ idLike: true }),
      stage: Type.String(),
      archive_existing_versions: Type.Optional(Type.Boolean()),
    }),
    async (input, { tracking }) => ({
      model_version: modelVersionToWire(
        await tracking.registry.transitionStage(input.name, input.version, input.stage, input.archive_existing_versions ?? false),
      ),
    }),
  ),
  rpc('DELETE', '/model-versions/delete', NameVersion, async (input, { tracking }) => {
    await tracking.registry.deleteModelVersion(input.name, input.version);
    return {};
  }),
  rpc('GET', '/model-versions/get', NameVersion, async (input, { tracking }) => ({
    model_version: modelVersionToWire(await tracking.registry.getModelVersion(input.name, input.version)),
  })),
  rpc('GET', '/model-versions/search', Search, async (input, { tracking }) => {
    const page = await tracking.registry.searchModelVersions({
      filter: input.filter,
      maxResults: input.max_results,
      orderBy: input.order_by,
      pageToken: input.page_token,
    });
    return { model_versions: page.items.map(modelVersionToWire), next_page_token: page.nextPageToken };
  }),
  rpc('GET', '/model-versions/get-download-uri', NameVersion, async (input, { tracking }) => ({
    artifact_uri: await tracking.registry.getDownloadUri(input.name, input.version),
  })),
  rpc(
    'POST',
    '/model-versions/set-tag',
    Type.Object({ name: Type.String(), version: Type.String({ idLike: true }), key: Type.String(), value: Type.String() }),
    async (input, { tracking }) => {
      await tracking.registry.setModelVersionTag(input.name, input.version, { key: input.key, value: input.value });
      return {};
    },
  ),
  rpc(
    'DELETE',
    '/model-versions/delete-tag',
    Type.Object({ name: Type.String(), version: Type.String({ idLike: true }), key: Type.String() }),
    async (input, { tracking }) => {
      await tracking.registry.deleteModelVersionTag(input.name, input.version, input.key);
      return {};
    },
  ),
];
