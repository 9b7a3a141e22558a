/**
 * The tracking domain: experiments, runs and their data, datasets, logged models and the model
 * registry. These mirror MLflow's entities (mlflow/protos/service.proto, model_registry.proto) so that
 * the wire mapping in `wire.ts` is a rename, not a translation.
 */

export type LifecycleStage = 'active' | 'deleted';
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';
export const RUN_STATUSES = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'] as const;
export type RunStatus = (typeof RUN_STATUSES)[number];

export interface Tag {
  key: string;
  value: string;
}

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Tag[];
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface Metric {
  key: string;
  value: number;
  timestamp: number;
  step: number;
  /** Set when the metric was logged for a logged model (MLflow 3). */
  modelId?: string;
  datasetName?: string;
  datasetDigest?: string;
}

/** A metric point with the run it belongs to (metric history across runs). */
export interface MetricWithRunId extends Metric {
  runId: string;
}

export interface Param {
  key: string;
  value: string;
}

export interface Dataset {
  name: string;
  digest: string;
  sourceType: string;
  source: string;
  schema?: string;
  profile?: string;
}

export interface DatasetInput {
  tags: Tag[];
  dataset: Dataset;
}

export interface RunData {
  metrics: Metric[];
  params: Param[];
  tags: Tag[];
}

export interface ModelOutput {
  modelId: string;
  step: number;
}

export interface Run {
  info: RunInfo;
  data: RunData;
  inputs: { datasetInputs: DatasetInput[]; modelInputs: { modelId: string }[] };
  outputs: { modelOutputs: ModelOutput[] };
}

export interface FileInfo {
  path: string;
  isDir: boolean;
  fileSize?: number;
}

export const LOGGED_MODEL_STATUSES = [
  'LOGGED_MODEL_STATUS_UNSPECIFIED',
  'LOGGED_MODEL_PENDING',
  'LOGGED_MODEL_READY',
  'LOGGED_MODEL_UPLOAD_FAILED',
] as const;
export type LoggedModelStatus = (typeof LOGGED_MODEL_STATUSES)[number];

export interface LoggedModel {
  modelId: string;
  experimentId: string;
  name: string;
  creationTimestampMs: number;
  lastUpdatedTimestampMs: number;
  artifactUri: string;
  status: LoggedModelStatus;
  statusMessage?: string;
  modelType?: string;
  sourceRunId?: string;
  tags: Tag[];
  params: Param[];
  metrics: MetricWithRunId[];
  registrations: { name: string; version: string }[];
}

export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

export interface ModelVersion {
  name: string;
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId?: string;
  currentStage: ModelStage;
  description?: string;
  source: string;
  runId?: string;
  runLink?: string;
  status: 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION';
  statusMessage?: string;
  modelId?: string;
  tags: Tag[];
  aliases: string[];
}

export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  userId?: string;
  description?: string;
  latestVersions: ModelVersion[];
  tags: Tag[];
  aliases: { alias: string; version: string }[];
}

/** One page of a search, with the token for the next page when there is one. */
export interface Page<T> {
  items: T[];
  nextPageToken?: string;
}
