/**
 * The metadata tables, as Kysely sees them. The layout follows MLflow's SQL store (`sqlalchemy_store`)
 * so the semantics carry over, with the indexes MLflow users asked for (metric history by run, key, step).
 */
import type { Generated } from 'kysely';

export interface ExperimentsTable {
  /** Auto-assigned; experiment "0" (Default) is inserted explicitly. */
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface ExperimentTagsTable {
  experiment_id: number;
  key: string;
  value: string;
}

export interface RunsTable {
  run_uuid: string;
  name: string;
  experiment_id: number;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  deleted_time: number | null;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface KeyValueByRunTable {
  run_uuid: string;
  key: string;
  value: string;
}

export interface MetricsTable {
  run_uuid: string;
  key: string;
  /** NaN is stored as 0 with is_nan = 1: SQLite turns a NaN REAL into NULL. */
  value: number;
  is_nan: number;
  timestamp: number;
  step: number;
  model_id: string | null;
  dataset_name: string | null;
  dataset_digest: string | null;
}

export interface LatestMetricsTable {
  run_uuid: string;
  key: string;
  value: number;
  is_nan: number;
  timestamp: number;
  step: number;
}

export interface DatasetsTable {
  dataset_uuid: string;
  experiment_id: number;
  name: string;
  digest: string;
  dataset_source_type: string;
  dataset_source: string;
  dataset_schema: string | null;
  dataset_profile: string | null;
}

export interface InputsTable {
  input_uuid: string;
  source_type: string;
  source_id: string;
  destination_type: string;
  destination_id: string;
}

export interface InputTagsTable {
  input_uuid: string;
  name: string;
  value: string;
}

export interface RunOutputsTable {
  run_uuid: string;
  model_id: string;
  step: number;
}

export interface LoggedModelsTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: string;
  lifecycle_stage: string;
  model_type: string | null;
  source_run_id: string | null;
  status_message: string | null;
}

export interface KeyValueByModelTable {
  model_id: string;
  key: string;
  value: string;
}

export interface RegisteredModelsTable {
  name: string;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
  user_id: string | null;
  max_version: Generated<number>;
}

export interface RegisteredModelTagsTable {
  name: string;
  key: string;
  value: string;
}

export interface ModelVersionsTable {
  name: string;
  version: number;
  creation_time: number;
  last_updated_time: number;
  description: string | null;
  user_id: string | null;
  current_stage: string;
  source: string;
  storage_location: string | null;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
  model_id: string | null;
}

export interface ModelVersionTagsTable {
  name: string;
  version: number;
  key: string;
  value: string;
}

export interface RegisteredModelAliasesTable {
  name: string;
  alias: string;
  version: number;
}

/** Every table of the metadata store. */
export interface TrackingDatabase {
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  params: KeyValueByRunTable;
  tags: KeyValueByRunTable;
  metrics: MetricsTable;
  latest_metrics: LatestMetricsTable;
  datasets: DatasetsTable;
  inputs: InputsTable;
  input_tags: InputTagsTable;
  run_outputs: RunOutputsTable;
  logged_models: LoggedModelsTable;
  logged_model_tags: KeyValueByModelTable;
  logged_model_params: KeyValueByModelTable;
  registered_models: RegisteredModelsTable;
  registered_model_tags: RegisteredModelTagsTable;
  model_versions: ModelVersionsTable;
  model_version_tags: ModelVersionTagsTable;
  registered_model_aliases: RegisteredModelAliasesTable;
}
