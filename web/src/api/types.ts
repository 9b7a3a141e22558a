/**
 * MLflow's JSON wire format as the server sends it (snake_case; unset fields left out; non-finite
 * doubles as the strings "NaN", "Infinity", "-Infinity"). Only the fields the UI reads are typed.
 */

/** A double as protobuf JSON writes it. */
export type WireDouble = number | 'NaN' | 'Infinity' | '-Infinity';

export interface WireTag {
  key: string;
  value: string;
}

export interface WireExperiment {
  experiment_id: string;
  name: string;
  artifact_location?: string;
  lifecycle_stage?: string;
  creation_time?: number;
  last_update_time?: number;
  tags?: WireTag[];
}

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';

export interface WireRunInfo {
  run_id: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: RunStatus;
  start_time?: number;
  end_time?: number;
  artifact_uri?: string;
  lifecycle_stage?: string;
}

export interface WireMetric {
  key: string;
  value: WireDouble;
  timestamp: number;
  step?: number;
  run_id?: string;
}

export interface WireDatasetInput {
  dataset: { name: string; digest: string; source_type: string; source: string };
  tags?: WireTag[];
}

export interface WireRun {
  info: WireRunInfo;
  data: { metrics?: WireMetric[]; params?: WireTag[]; tags?: WireTag[] };
  inputs?: { dataset_inputs?: WireDatasetInput[] };
}

export interface WireFileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}
