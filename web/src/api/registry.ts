/**
 * The model registry's REST calls the registry pages make: MLflow's `registered-models/…` and
 * `model-versions/…` RPCs (`/api/2.0/mlflow/…`), tileflow's MLM item and ONNX download of a version
 * (`/api/models/:name/versions/:version/…`), and the wire shapes they answer.
 */
import { getJson, postJson, sendJson } from './http';
import type { WireFileInfo, WireTag } from './types';

const MLFLOW = '/api/2.0/mlflow';

/** MLflow's model version stages, in the order its UI lists them. */
export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type ModelStage = (typeof MODEL_STAGES)[number];

/** A model version as `model-versions/*` sends it (unset fields left out). */
export interface WireModelVersion {
  name: string;
  version: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  current_stage?: ModelStage;
  description?: string;
  source?: string;
  run_id?: string;
  run_link?: string;
  status?: 'READY' | 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION';
  status_message?: string;
  tags?: WireTag[];
  aliases?: string[];
  model_id?: string;
}

/** An alias of a registered model and the version it names. */
export interface WireAlias {
  alias: string;
  version: string;
}

/** A registered model as `registered-models/*` sends it. */
export interface WireRegisteredModel {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  user_id?: string;
  description?: string;
  /** The highest version in each stage. */
  latest_versions?: WireModelVersion[];
  tags?: WireTag[];
  aliases?: WireAlias[];
}

/** One page of a registry search. */
export interface RegistryPage<T> {
  items: T[];
  nextPageToken?: string;
}

/** Quotes a value for MLflow's filter grammar (a quote inside is doubled). */
function quoted(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The `registered-models/search` filter for names containing `text`, case-insensitively (as MLflow's UI searches). */
export function nameContainsFilter(text: string): string | undefined {
  const trimmed = text.trim();
  return trimmed ? `name ILIKE ${quoted(`%${trimmed}%`)}` : undefined;
}

/** One page of registered models by name, optionally those whose name contains `nameContains`. */
export async function searchRegisteredModels(
  search: { nameContains: string; maxResults: number; pageToken?: string },
  signal?: AbortSignal,
): Promise<RegistryPage<WireRegisteredModel>> {
  const page = await getJson<{ registered_models?: WireRegisteredModel[]; next_page_token?: string }>(
    `${MLFLOW}/registered-models/search`,
    { filter: nameContainsFilter(search.nameContains), max_results: search.maxResults, order_by: ['name ASC'], page_token: search.pageToken },
    signal,
  );
  return { items: page.registered_models ?? [], nextPageToken: page.next_page_token || undefined };
}

/** One registered model with its latest version per stage, tags and aliases. */
export async function getRegisteredModel(name: string, signal?: AbortSignal): Promise<WireRegisteredModel> {
  return (await getJson<{ registered_model: WireRegisteredModel }>(`${MLFLOW}/registered-models/get`, { name }, signal)).registered_model;
}

/** One page of a registered model's versions, newest first. */
export async function searchModelVersions(
  search: { name: string; maxResults: number; pageToken?: string },
  signal?: AbortSignal,
): Promise<RegistryPage<WireModelVersion>> {
  const page = await getJson<{ model_versions?: WireModelVersion[]; next_page_token?: string }>(
    `${MLFLOW}/model-versions/search`,
    { filter: `name=${quoted(search.name)}`, max_results: search.maxResults, order_by: ['version_number DESC'], page_token: search.pageToken },
    signal,
  );
  return { items: page.model_versions ?? [], nextPageToken: page.next_page_token || undefined };
}

/** One model version. */
export async function getModelVersion(name: string, version: string, signal?: AbortSignal): Promise<WireModelVersion> {
  return (await getJson<{ model_version: WireModelVersion }>(`${MLFLOW}/model-versions/get`, { name, version }, signal)).model_version;
}

/** Moves a version to a stage; `archiveExisting` archives the versions already in it (Staging and Production only). */
export async function transitionStage(name: string, version: string, stage: ModelStage, archiveExisting: boolean): Promise<WireModelVersion> {
  const body = await postJson<{ model_version: WireModelVersion }>(`${MLFLOW}/model-versions/transition-stage`, {
    name,
    version,
    stage,
    archive_existing_versions: archiveExisting,
  });
  return body.model_version;
}

/** Points an alias at a version (moving it from the version it named before). */
export async function setAlias(name: string, alias: string, version: string): Promise<void> {
  await postJson(`${MLFLOW}/registered-models/alias`, { name, alias, version });
}

/** Removes an alias. MLflow reads a DELETE's parameters from its JSON body. */
export async function deleteAlias(name: string, alias: string): Promise<void> {
  await sendJson('DELETE', `${MLFLOW}/registered-models/alias`, { name, alias });
}

/** Where a description or tag edit goes: the registered model, or one of its versions. */
export interface RegistryTarget {
  name: string;
  version?: string;
}

/** Replaces the description of a registered model or a version (`…/update`, PATCH). */
export async function updateDescription(target: RegistryTarget, description: string): Promise<void> {
  if (target.version === undefined) await sendJson('PATCH', `${MLFLOW}/registered-models/update`, { name: target.name, description });
  else await sendJson('PATCH', `${MLFLOW}/model-versions/update`, { name: target.name, version: target.version, description });
}

/** Sets a tag of a registered model or a version. */
export async function setRegistryTag(target: RegistryTarget, key: string, value: string): Promise<void> {
  if (target.version === undefined) await postJson(`${MLFLOW}/registered-models/set-tag`, { name: target.name, key, value });
  else await postJson(`${MLFLOW}/model-versions/set-tag`, { name: target.name, version: target.version, key, value });
}

/** Removes a tag of a registered model or a version. */
export async function deleteRegistryTag(target: RegistryTarget, key: string): Promise<void> {
  if (target.version === undefined) await sendJson('DELETE', `${MLFLOW}/registered-models/delete-tag`, { name: target.name, key });
  else await sendJson('DELETE', `${MLFLOW}/model-versions/delete-tag`, { name: target.name, version: target.version, key });
}

// ---- tileflow's model files ---------------------------------------------------------------------

/** The address of a model version under tileflow's `/api/models`. */
function modelPath(name: string, version: string): string {
  return `/api/models/${encodeURIComponent(name)}/versions/${encodeURIComponent(version)}`;
}

/** Where a model version's ONNX file downloads from. */
export function onnxUrl(name: string, version: string): string {
  return `${modelPath(name, version)}/onnx`;
}

/** Where a model version's MLM STAC item is. */
export function stacUrl(name: string, version: string): string {
  return `${modelPath(name, version)}/stac`;
}

/** What of the files the prediction service needs (src/predict/service.ts) a version's folder holds. */
export interface ModelFiles {
  hasMlm: boolean;
  /** The ONNX file's size in bytes, or null without one. */
  onnxBytes: number | null;
}

/**
 * Which of `mlm.json` and `model.onnx` a version's folder holds, read from a listing of the folder
 * through MLflow's artifact proxy. The UI looks before asking for the MLM item, because the server
 * answers a version without those files with a 4xx, which the browser logs as a console error on
 * every visit; a version stored outside tileflow's artifact store has neither.
 */
export async function getModelFiles(name: string, version: string, signal?: AbortSignal): Promise<ModelFiles> {
  const uri = (await getJson<{ artifact_uri: string }>(`${MLFLOW}/model-versions/get-download-uri`, { name, version }, signal)).artifact_uri;
  const folder = /^mlflow-artifacts:(?:\/\/[^/]*)?\/?(.*)$/.exec(uri)?.[1];
  if (folder === undefined) return { hasMlm: false, onnxBytes: null };
  const body = await getJson<{ files?: WireFileInfo[] }>('/api/2.0/mlflow-artifacts/artifacts', { path: folder }, signal);
  const files = (body.files ?? []).filter((f) => !f.is_dir);
  const onnx = files.find((f) => f.path === 'model.onnx');
  return { hasMlm: files.some((f) => f.path === 'mlm.json'), onnxBytes: onnx ? (onnx.file_size ?? 0) : null };
}

/** A STAC item with the MLM extension (https://github.com/stac-extensions/mlm); only what the UI reads is typed. */
export interface MlmItem {
  id: string;
  stac_extensions?: string[];
  properties: Record<string, unknown>;
  assets?: Record<string, { href: string; type?: string; roles?: string[] }>;
}

/** A model version's MLM item, its model asset pointing at the ONNX download. */
export async function getModelStacItem(name: string, version: string, signal?: AbortSignal): Promise<MlmItem> {
  return getJson<MlmItem>(stacUrl(name, version), {}, signal);
}
