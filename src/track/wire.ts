/**
 * MLflow's JSON wire format (protobuf JSON with snake_case names, int64 as numbers, enums by name,
 * unset fields omitted) to and from tileflow's domain entities. The server renders with these; the
 * TypeScript client parses with them, so both sides agree by construction.
 */
import type {
  DatasetInput,
  Experiment,
  FileInfo,
  LoggedModel,
  Metric,
  MetricWithRunId,
  ModelVersion,
  RegisteredModel,
  Run,
  RunInfo,
  Tag,
} from './entities.js';

/** A JSON object as MLflow sends it. */
export type WireObject = Record<string, unknown>;

/** Drops undefined and null fields: protobuf JSON omits unset fields. */
function compact(obj: WireObject): WireObject {
  for (const k of Object.keys(obj)) if (obj[k] === undefined || obj[k] === null) delete obj[k];
  return obj;
}

/** Serializes a response body; non-finite doubles become "NaN"/"Infinity" strings, as protobuf JSON writes them. */
export function stringifyWire(body: unknown): string {
  return JSON.stringify(body, (_key, value) => {
    if (typeof value === 'number' && !Number.isFinite(value)) {
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    }
    return value;
  });
}

/** Reads a double that may come as "NaN"/"Infinity"/"-Infinity" or a numeric string. */
export function parseWireDouble(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity' || value === 'inf') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity' || value === '-inf') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return undefined;
}

const tags = (list: Tag[]) => list.map((t) => ({ key: t.key, value: t.value }));

export function experimentToWire(e: Experiment): WireObject {
  return compact({
    experiment_id: e.experimentId,
    name: e.name,
    artifact_location: e.artifactLocation,
    lifecycle_stage: e.lifecycleStage,
    last_update_time: e.lastUpdateTime,
    creation_time: e.creationTime,
    tags: e.tags.length ? tags(e.tags) : undefined,
  });
}

export function runInfoToWire(i: RunInfo): WireObject {
  return compact({
    run_id: i.runId,
    run_uuid: i.runId,
    run_name: i.runName,
    experiment_id: i.experimentId,
    user_id: i.userId,
    status: i.status,
    start_time: i.startTime,
    end_time: i.endTime ?? undefined,
    artifact_uri: i.artifactUri,
    lifecycle_stage: i.lifecycleStage,
  });
}

export function metricToWire(m: Metric | MetricWithRunId): WireObject {
  return compact({
    key: m.key,
    value: m.value,
    timestamp: m.timestamp,
    step: m.step,
    dataset_name: m.datasetName,
    dataset_digest: m.datasetDigest,
    model_id: m.modelId,
    run_id: 'runId' in m ? m.runId : undefined,
  });
}

export function datasetInputToWire(d: DatasetInput): WireObject {
  return compact({
    tags: d.tags.length ? tags(d.tags) : undefined,
    dataset: compact({
      name: d.dataset.name,
      digest: d.dataset.digest,
      source_type: d.dataset.sourceType,
      source: d.dataset.source,
      schema: d.dataset.schema,
      profile: d.dataset.profile,
    }),
  });
}

export function runToWire(r: Run): WireObject {
  const data = compact({
    metrics: r.data.metrics.length ? r.data.metrics.map(metricToWire) : undefined,
    params: r.data.params.length ? r.data.params.map((p) => ({ key: p.key, value: p.value })) : undefined,
    tags: r.data.tags.length ? tags(r.data.tags) : undefined,
  });
  const inputs = compact({
    dataset_inputs: r.inputs.datasetInputs.length ? r.inputs.datasetInputs.map(datasetInputToWire) : undefined,
    model_inputs: r.inputs.modelInputs.length ? r.inputs.modelInputs.map((m) => ({ model_id: m.modelId })) : undefined,
  });
  const outputs = r.outputs.modelOutputs.length
    ? { model_outputs: r.outputs.modelOutputs.map((o) => ({ model_id: o.modelId, step: o.step })) }
    : undefined;
  return compact({ info: runInfoToWire(r.info), data, inputs, outputs });
}

export function fileInfoToWire(f: FileInfo): WireObject {
  return compact({ path: f.path, is_dir: f.isDir, file_size: f.isDir ? undefined : f.fileSize });
}

export function modelVersionToWire(v: ModelVersion): WireObject {
  return compact({
    name: v.name,
    version: v.version,
    creation_timestamp: v.creationTimestamp,
    last_updated_timestamp: v.lastUpdatedTimestamp,
    user_id: v.userId,
    current_stage: v.currentStage,
    description: v.description,
    source: v.source,
    run_id: v.runId,
    status: v.status,
    status_message: v.statusMessage,
    tags: v.tags.length ? tags(v.tags) : undefined,
    run_link: v.runLink,
    aliases: v.aliases.length ? v.aliases : undefined,
    model_id: v.modelId,
  });
}

export function registeredModelToWire(m: RegisteredModel): WireObject {
  return compact({
    name: m.name,
    creation_timestamp: m.creationTimestamp,
    last_updated_timestamp: m.lastUpdatedTimestamp,
    user_id: m.userId,
    description: m.description,
    latest_versions: m.latestVersions.length ? m.latestVersions.map(modelVersionToWire) : undefined,
    tags: m.tags.length ? tags(m.tags) : undefined,
    aliases: m.aliases.length ? m.aliases.map((a) => ({ alias: a.alias, version: a.version })) : undefined,
  });
}

export function loggedModelToWire(m: LoggedModel): WireObject {
  return {
    info: compact({
      model_id: m.modelId,
      experiment_id: m.experimentId,
      name: m.name,
      creation_timestamp_ms: m.creationTimestampMs,
      last_updated_timestamp_ms: m.lastUpdatedTimestampMs,
      artifact_uri: m.artifactUri,
      status: m.status,
      model_type: m.modelType,
      source_run_id: m.sourceRunId,
      status_message: m.statusMessage,
      tags: m.tags.length ? tags(m.tags) : undefined,
      registrations: m.registrations.length ? m.registrations : undefined,
    }),
    data: compact({
      params: m.params.length ? m.params.map((p) => ({ key: p.key, value: p.value })) : undefined,
      metrics: m.metrics.length ? m.metrics.map(metricToWire) : undefined,
    }),
  };
}

// ---- parsing (used by the TypeScript client) ------------------------------------------------------

type Json = Record<string, any>;
const tagList = (list: unknown): Tag[] => ((list as Json[] | undefined) ?? []).map((t) => ({ key: String(t.key), value: String(t.value ?? '') }));

export function experimentFromWire(e: Json): Experiment {
  return {
    experimentId: String(e.experiment_id),
    name: e.name,
    artifactLocation: e.artifact_location ?? '',
    lifecycleStage: e.lifecycle_stage,
    creationTime: Number(e.creation_time ?? 0),
    lastUpdateTime: Number(e.last_update_time ?? 0),
    tags: tagList(e.tags),
  };
}

export function metricFromWire(m: Json): Metric {
  return {
    key: m.key,
    value: parseWireDouble(m.value) ?? Number.NaN,
    timestamp: Number(m.timestamp ?? 0),
    step: Number(m.step ?? 0),
    ...(m.model_id ? { modelId: String(m.model_id) } : {}),
    ...(m.dataset_name ? { datasetName: String(m.dataset_name) } : {}),
    ...(m.dataset_digest ? { datasetDigest: String(m.dataset_digest) } : {}),
  };
}

/** A metric point that names its run (logged-model metrics, bulk histories). */
export function metricWithRunIdFromWire(m: Json): MetricWithRunId {
  return { ...metricFromWire(m), runId: String(m.run_id ?? '') };
}

/** A run's info block (`runs/update` answers with it alone). */
export function runInfoFromWire(info: Json): RunInfo {
  return {
    runId: info.run_id ?? info.run_uuid,
    runName: info.run_name ?? '',
    experimentId: String(info.experiment_id),
    userId: info.user_id ?? '',
    status: info.status,
    startTime: Number(info.start_time ?? 0),
    endTime: info.end_time === undefined ? null : Number(info.end_time),
    artifactUri: info.artifact_uri ?? '',
    lifecycleStage: info.lifecycle_stage,
  };
}

export function runFromWire(r: Json): Run {
  return {
    info: runInfoFromWire(r.info ?? {}),
    data: {
      metrics: ((r.data?.metrics as Json[]) ?? []).map(metricFromWire),
      params: ((r.data?.params as Json[]) ?? []).map((p) => ({ key: p.key, value: p.value ?? '' })),
      tags: tagList(r.data?.tags),
    },
    inputs: {
      datasetInputs: ((r.inputs?.dataset_inputs as Json[]) ?? []).map((d) => ({
        tags: tagList(d.tags),
        dataset: {
          name: d.dataset.name,
          digest: d.dataset.digest,
          sourceType: d.dataset.source_type,
          source: d.dataset.source,
          ...(d.dataset.schema !== undefined ? { schema: String(d.dataset.schema) } : {}),
          ...(d.dataset.profile !== undefined ? { profile: String(d.dataset.profile) } : {}),
        },
      })),
      modelInputs: ((r.inputs?.model_inputs as Json[]) ?? []).map((m) => ({ modelId: m.model_id })),
    },
    outputs: { modelOutputs: ((r.outputs?.model_outputs as Json[]) ?? []).map((o) => ({ modelId: o.model_id, step: Number(o.step ?? 0) })) },
  };
}

export function modelVersionFromWire(v: Json): ModelVersion {
  return {
    name: v.name,
    version: String(v.version),
    creationTimestamp: Number(v.creation_timestamp ?? 0),
    lastUpdatedTimestamp: Number(v.last_updated_timestamp ?? 0),
    userId: v.user_id,
    currentStage: v.current_stage ?? 'None',
    description: v.description,
    source: v.source,
    runId: v.run_id,
    runLink: v.run_link,
    status: v.status ?? 'READY',
    statusMessage: v.status_message,
    modelId: v.model_id,
    tags: tagList(v.tags),
    aliases: v.aliases ?? [],
  };
}

export function registeredModelFromWire(m: Json): RegisteredModel {
  return {
    name: m.name,
    creationTimestamp: Number(m.creation_timestamp ?? 0),
    lastUpdatedTimestamp: Number(m.last_updated_timestamp ?? 0),
    userId: m.user_id,
    description: m.description,
    latestVersions: ((m.latest_versions as Json[]) ?? []).map(modelVersionFromWire),
    tags: tagList(m.tags),
    aliases: ((m.aliases as Json[]) ?? []).map((a) => ({ alias: a.alias, version: String(a.version) })),
  };
}

/** A file or folder entry of an artifact listing. */
export function fileInfoFromWire(f: Json): FileInfo {
  const isDir = Boolean(f.is_dir);
  return isDir ? { path: String(f.path), isDir } : { path: String(f.path), isDir, fileSize: Number(f.file_size ?? 0) };
}

/** An MLflow 3 logged model (`{info, data}` on the wire). */
export function loggedModelFromWire(m: Json): LoggedModel {
  const info = m.info ?? {};
  const data = m.data ?? {};
  return {
    modelId: String(info.model_id),
    experimentId: String(info.experiment_id),
    name: info.name ?? '',
    creationTimestampMs: Number(info.creation_timestamp_ms ?? 0),
    lastUpdatedTimestampMs: Number(info.last_updated_timestamp_ms ?? 0),
    artifactUri: info.artifact_uri ?? '',
    status: info.status ?? 'LOGGED_MODEL_STATUS_UNSPECIFIED',
    statusMessage: info.status_message,
    modelType: info.model_type,
    sourceRunId: info.source_run_id,
    tags: tagList(info.tags),
    params: ((data.params as Json[]) ?? []).map((p) => ({ key: String(p.key), value: String(p.value ?? '') })),
    metrics: ((data.metrics as Json[]) ?? []).map(metricWithRunIdFromWire),
    registrations: ((info.registrations as Json[]) ?? []).map((r) => ({ name: String(r.name), version: String(r.version) })),
  };
}
