/**
 * MLflow tracking RPCs (service.proto `MlflowService`): experiments, runs, logging, metric history,
 * dataset inputs, model outputs and run artifact listing.
 */
import { Type } from '@sinclair/typebox';
import { invalidParameter } from '../../core/errors.js';
import { LIMITS } from '../../track/validation.js';
import { proxiedArtifactPath } from '../../track/artifacts/artifact-store.js';
import { RUN_STATUSES } from '../../track/entities.js';
import { experimentToWire, fileInfoToWire, metricToWire, runInfoToWire, runToWire } from '../../track/wire.js';
import { Enum, Id, MetricSchema, ParamSchema, TagSchema, ViewTypeSchema, rpc, toTags, type RpcContext } from './rpc.js';

const RunIdFields = { run_id: Type.Optional(Type.String()), run_uuid: Type.Optional(Type.String()) };

/** `run_uuid` is MLflow's deprecated alias of `run_id`. */
function runIdOf(input: { run_id?: string; run_uuid?: string }): string {
  const id = input.run_id || input.run_uuid;
  if (!id) throw invalidParameter("Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.");
  return id;
}

const metricFromInput = (m: { key: string; value: number; timestamp: number; step?: number; model_id?: string; dataset_name?: string; dataset_digest?: string }) => ({
  key: m.key,
  value: m.value,
  timestamp: m.timestamp,
  step: m.step ?? 0,
  modelId: m.model_id || undefined,
  datasetName: m.dataset_name || undefined,
  datasetDigest: m.dataset_digest || undefined,
});

const SearchExperiments = Type.Object({
  max_results: Type.Optional(Type.Integer()),
  page_token: Type.Optional(Type.String()),
  filter: Type.Optional(Type.String()),
  order_by: Type.Optional(Type.Array(Type.String())),
  view_type: Type.Optional(ViewTypeSchema),
});

async function searchExperiments(input: typeof SearchExperiments.static, { tracking }: RpcContext) {
  const page = await tracking.runs.searchExperiments({
    filter: input.filter,
    maxResults: input.max_results,
    orderBy: input.order_by,
    pageToken: input.page_token,
    viewType: input.view_type as never,
  });
  return { experiments: page.items.map(experimentToWire), next_page_token: page.nextPageToken };
}

/** Lists a run's artifacts under `path`, with paths relative to the run's artifact root. */
async function listRunArtifacts(ctx: RpcContext, runId: string, path: string | undefined) {
  const run = await ctx.tracking.runs.getRun(runId);
  const root = proxiedArtifactPath(run.info.artifactUri);
  if (root === null) return { root_uri: run.info.artifactUri, files: [] };
  const relative = (path ?? '').replace(/^\/+|\/+$/g, '');
  const listed = await ctx.tracking.artifacts.list(relative ? `${root}/${relative}` : root);
  return {
    root_uri: run.info.artifactUri,
    files: listed.map((f) => fileInfoToWire({ ...f, path: f.path.slice(root.length + 1) })),
  };
}

export const trackingRoutes = [
  rpc('GET', '/experiments/get-by-name', Type.Object({ experiment_name: Type.String() }), async (input, { tracking }) => ({
    experiment: experimentToWire(await tracking.runs.getExperimentByName(input.experiment_name)),
  })),
  rpc(
    'POST',
    '/experiments/create',
    Type.Object({ name: Type.String(), artifact_location: Type.Optional(Type.String()), tags: Type.Optional(Type.Array(TagSchema)) }),
    async (input, { tracking }) => ({
      experiment_id: await tracking.runs.createExperiment(input.name, input.artifact_location || undefined, toTags(input.tags)),
    }),
  ),
  rpc('POST', '/experiments/search', SearchExperiments, searchExperiments),
  rpc('GET', '/experiments/search', SearchExperiments, searchExperiments),
  rpc('GET', '/experiments/get', Type.Object({ experiment_id: Id() }), async (input, { tracking }) => ({
    experiment: experimentToWire(await tracking.runs.getExperiment(input.experiment_id)),
  })),
  rpc('POST', '/experiments/delete', Type.Object({ experiment_id: Id() }), async (input, { tracking }) => {
    await tracking.runs.deleteExperiment(input.experiment_id);
    return {};
  }),
  rpc('POST', '/experiments/restore', Type.Object({ experiment_id: Id() }), async (input, { tracking }) => {
    await tracking.runs.restoreExperiment(input.experiment_id);
    return {};
  }),
  rpc('POST', '/experiments/update', Type.Object({ experiment_id: Id(), new_name: Type.Optional(Type.String()) }), async (input, { tracking }) => {
    if (input.new_name) await tracking.runs.renameExperiment(input.experiment_id, input.new_name);
    return {};
  }),
  rpc(
    'POST',
    '/experiments/set-experiment-tag',
    Type.Object({ experiment_id: Id(), key: Type.String(), value: Type.String() }),
    async (input, { tracking }) => {
      await tracking.runs.setExperimentTag(input.experiment_id, { key: input.key, value: input.value });
      return {};
    },
  ),
  rpc('POST', '/experiments/delete-experiment-tag', Type.Object({ experiment_id: Id(), key: Type.String() }), async (input, { tracking }) => {
    await tracking.runs.deleteExperimentTag(input.experiment_id, input.key);
    return {};
  }),

  rpc(
    'POST',
    '/runs/create',
    Type.Object({
      experiment_id: Type.Optional(Id()),
      user_id: Type.Optional(Type.String()),
      run_name: Type.Optional(Type.String()),
      start_time: Type.Optional(Type.Integer()),
      tags: Type.Optional(Type.Array(TagSchema)),
    }),
    async (input, { tracking }) => {
      const run = await tracking.runs.createRun({
        experimentId: input.experiment_id || '0',
        userId: input.user_id,
        runName: input.run_name,
        startTime: input.start_time,
        tags: toTags(input.tags),
      });
      return { run: { ...runToWire(run), inputs: {} } };
    },
  ),
  rpc(
    'POST',
    '/runs/update',
    Type.Object({
      ...RunIdFields,
      status: Type.Optional(Enum(RUN_STATUSES, { 1: 'RUNNING', 2: 'SCHEDULED', 3: 'FINISHED', 4: 'FAILED', 5: 'KILLED' })),
      end_time: Type.Optional(Type.Integer()),
      run_name: Type.Optional(Type.String()),
    }),
    async (input, { tracking }) => ({
      run_info: runInfoToWire(
        await tracking.runs.updateRun(runIdOf(input), { status: input.status as never, endTime: input.end_time, runName: input.run_name }),
      ),
    }),
  ),
  rpc('POST', '/runs/delete', Type.Object({ run_id: Type.String() }), async (input, { tracking }) => {
    await tracking.runs.deleteRun(input.run_id);
    return {};
  }),
  rpc('POST', '/runs/restore', Type.Object({ run_id: Type.String() }), async (input, { tracking }) => {
    await tracking.runs.restoreRun(input.run_id);
    return {};
  }),
  rpc(
    'POST',
    '/runs/log-metric',
    Type.Object({ ...RunIdFields, ...MetricSchema.properties }),
    async (input, { tracking }) => {
      await tracking.runs.logMetric(runIdOf(input), metricFromInput(input));
      return {};
    },
  ),
  rpc('POST', '/runs/log-parameter', Type.Object({ ...RunIdFields, key: Type.String(), value: Type.String() }), async (input, { tracking }) => {
    await tracking.runs.logParam(runIdOf(input), { key: input.key, value: input.value });
    return {};
  }),
  rpc('POST', '/runs/set-tag', Type.Object({ ...RunIdFields, key: Type.String(), value: Type.String() }), async (input, { tracking }) => {
    await tracking.runs.setTag(runIdOf(input), { key: input.key, value: input.value });
    return {};
  }),
  rpc('POST', '/runs/delete-tag', Type.Object({ run_id: Type.String(), key: Type.String() }), async (input, { tracking }) => {
    await tracking.runs.deleteTag(input.run_id, input.key);
    return {};
  }),
  rpc('GET', '/runs/get', Type.Object(RunIdFields), async (input, { tracking }) => ({
    run: runToWire(await tracking.runs.getRun(runIdOf(input))),
  })),
  rpc(
    'POST',
    '/runs/search',
    Type.Object({
      experiment_ids: Type.Optional(Type.Array(Id())),
      filter: Type.Optional(Type.String()),
      run_view_type: Type.Optional(ViewTypeSchema),
      max_results: Type.Optional(Type.Integer()),
      order_by: Type.Optional(Type.Array(Type.String())),
      page_token: Type.Optional(Type.String()),
    }),
    async (input, { tracking }) => {
      const page = await tracking.runs.searchRuns({
        experimentIds: input.experiment_ids ?? [],
        filter: input.filter,
        viewType: input.run_view_type as never,
        maxResults: input.max_results,
        orderBy: input.order_by,
        pageToken: input.page_token,
      });
      return { runs: page.items.map(runToWire), next_page_token: page.nextPageToken };
    },
  ),
  rpc(
    'POST',
    '/runs/log-batch',
    Type.Object({
      run_id: Type.String(),
      metrics: Type.Optional(Type.Array(MetricSchema)),
      params: Type.Optional(Type.Array(ParamSchema)),
      tags: Type.Optional(Type.Array(TagSchema)),
    }),
    async (input, { tracking, request }) => {
      const size = Number(request.headers['content-length'] ?? 0);
      if (size > LIMITS.maxBatchRequestBytes) {
        throw invalidParameter(`Batched logging API requests must be at most ${LIMITS.maxBatchRequestBytes} bytes, got a request of size ${size}.`);
      }
      await tracking.runs.logBatch(input.run_id, {
        metrics: (input.metrics ?? []).map(metricFromInput),
        params: input.params ?? [],
        tags: toTags(input.tags),
      });
      return {};
    },
  ),
  rpc('POST', '/runs/log-model', Type.Object({ run_id: Type.String(), model_json: Type.String() }), async (input, { tracking }) => {
    // MLflow 2 records logged models as a JSON list in the `mlflow.log-model.history` tag.
    let model: unknown;
    try {
      model = JSON.parse(input.model_json);
    } catch {
      throw invalidParameter("Invalid value for parameter 'model_json': it is not valid JSON.");
    }
    const run = await tracking.runs.getRun(input.run_id);
    const previous = run.data.tags.find((t) => t.key === 'mlflow.log-model.history')?.value;
    let history: unknown[] = [];
    try {
      history = previous ? (JSON.parse(previous) as unknown[]) : [];
    } catch {
      history = [];
    }
    history.push(model);
    await tracking.runs.setTag(input.run_id, { key: 'mlflow.log-model.history', value: JSON.stringify(history) });
    return {};
  }),
  rpc(
    'POST',
    '/runs/log-inputs',
    Type.Object({
      run_id: Type.String(),
      datasets: Type.Optional(
        Type.Array(
          Type.Object({
            tags: Type.Optional(Type.Array(TagSchema)),
            dataset: Type.Object({
              name: Type.String(),
              digest: Type.String(),
              source_type: Type.String(),
              source: Type.String(),
              schema: Type.Optional(Type.String()),
              profile: Type.Optional(Type.String()),
            }),
          }),
        ),
      ),
      models: Type.Optional(Type.Array(Type.Object({ model_id: Type.String() }))),
    }),
    async (input, { tracking }) => {
      await tracking.runs.logInputs(
        input.run_id,
        (input.datasets ?? []).map((d) => ({
          tags: toTags(d.tags),
          dataset: {
            name: d.dataset.name,
            digest: d.dataset.digest,
            sourceType: d.dataset.source_type,
            source: d.dataset.source,
            schema: d.dataset.schema,
            profile: d.dataset.profile,
          },
        })),
        (input.models ?? []).map((m) => m.model_id),
      );
      return {};
    },
  ),
  rpc(
    'POST',
    '/runs/outputs',
    Type.Object({ run_id: Type.String(), models: Type.Optional(Type.Array(Type.Object({ model_id: Type.String(), step: Type.Optional(Type.Integer()) }))) }),
    async (input, { tracking }) => {
      await tracking.runs.logOutputs(input.run_id, (input.models ?? []).map((m) => ({ modelId: m.model_id, step: m.step ?? 0 })));
      return {};
    },
  ),
  rpc(
    'GET',
    '/metrics/get-history',
    Type.Object({ ...RunIdFields, metric_key: Type.String(), page_token: Type.Optional(Type.String()), max_results: Type.Optional(Type.Integer()) }),
    async (input, { tracking }) => {
      const page = await tracking.runs.getMetricHistory(runIdOf(input), input.metric_key, input.max_results, input.page_token);
      return { metrics: page.items.length ? page.items.map(metricToWire) : undefined, next_page_token: page.nextPageToken };
    },
  ),
  rpc(
    'GET',
    '/metrics/get-history-bulk-interval',
    Type.Object({
      run_ids: Type.Optional(Type.Array(Type.String())),
      metric_key: Type.String(),
      start_step: Type.Optional(Type.Integer()),
      end_step: Type.Optional(Type.Integer()),
      max_results: Type.Optional(Type.Integer()),
    }),
    async (input, { tracking }) => {
      const metrics = await tracking.runs.getMetricHistoryBulkInterval(input.run_ids ?? [], input.metric_key, {
        startStep: input.start_step,
        endStep: input.end_step,
        maxResults: input.max_results,
      });
      return { metrics: metrics.length ? metrics.map(metricToWire) : undefined };
    },
  ),
  rpc(
    'GET',
    '/artifacts/list',
    Type.Object({ ...RunIdFields, path: Type.Optional(Type.String()), page_token: Type.Optional(Type.String()) }),
    async (input, ctx) => listRunArtifacts(ctx, runIdOf(input), input.path),
  ),
];
