/**
 * The prediction service's REST calls (`/api/projects`, `/api/predictions/…`, `/api/aois/…`) and the
 * shapes they answer, as src/predict/types.ts defines them on the server (the UI imports nothing from
 * src/, so the fields it reads are repeated here).
 */
import { getJson, postJson, send, withQuery } from './http';

export type PredictionTask = 'classification' | 'detection' | 'segmentation';
export type PredictionStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export type ReviewState = 'valid' | 'invalid' | 'unreviewed';

export interface PredictionClass {
  index: number;
  name: string;
  /** `#rrggbb`. */
  color: string;
}

export interface Project {
  id: string;
  name: string;
  description: string;
  source: string;
  projectUrl: string;
  access: 'public' | 'private';
  archived: boolean;
  tags: Record<string, string>;
  created: number;
  updated: number;
}

export interface ProjectModel {
  projectId: string;
  name: string;
  version: string;
  /** The MLM STAC item the version was checked against. */
  mlm: Record<string, unknown>;
  added: number;
}

export interface Imagery {
  id: string;
  projectId: string;
  name: string;
  uri: string;
  options: { bands?: number[]; rescale?: [number, number] | [number, number][] };
  created: number;
}

export type AoiGeometry = { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown } | { tiles: string[] };

export interface Aoi {
  id: string;
  projectId: string;
  name: string;
  geometry: AoiGeometry;
  bbox: [number, number, number, number];
  created: number;
}

export interface Prediction {
  id: string;
  projectId: string;
  modelName: string;
  modelVersion: string;
  imageryId: string;
  aoiId: string | null;
  aoi: AoiGeometry;
  zoom: number;
  overlap: number;
  task: PredictionTask;
  classes: PredictionClass[];
  status: PredictionStatus;
  tilesTotal: number;
  tilesDone: number;
  tilesFailed: number;
  error: string | null;
  runId: string | null;
  created: number;
  started: number | null;
  finished: number | null;
  /** (done + failed) / total, 0 to 1. */
  progress: number;
}

export interface ProjectDetail extends Project {
  models: ProjectModel[];
  imagery: Imagery[];
  aois: Aoi[];
  predictions: Prediction[];
}

export interface PredictionTile {
  quadkey: string;
  z: number;
  x: number;
  y: number;
  status: 'pending' | 'done' | 'failed';
  attempts: number;
  error: string | null;
  scores: number[] | null;
  topClass: number | null;
  topScore: number | null;
  entropy: number | null;
  margin: number | null;
}

export interface Review {
  id: number;
  predictionId: string;
  target: 'tile' | 'feature';
  targetId: string;
  classIndex: number | null;
  valid: boolean;
  reviewer: string;
  created: number;
}

export interface ReviewStatistics {
  tiles: number;
  reviewed: number;
  valid: number;
  invalid: number;
  reviewedShare: number;
  precision: number | null;
  perClass: { index: number; name: string; reviewed: number; valid: number; precision: number | null }[];
}

export type ExportFormat = 'geojson' | 'ndjson' | 'csv' | 'geoparquet';

/** What narrows an export (and the map's tiles): the server's query parameters. */
export interface ResultFilter {
  class?: number;
  threshold?: number;
  reviewedOnly?: boolean;
  flipInvalid?: boolean;
  layer?: 'tiles' | 'features';
}

const enc = encodeURIComponent;

/** Projects, archived ones too when asked. */
export async function listProjects(archived = false, signal?: AbortSignal): Promise<Project[]> {
  return (await getJson<{ projects: Project[] }>('/api/projects', archived ? { archived: 'true' } : {}, signal)).projects;
}

/** One project with its models, imagery, AOIs and newest predictions. */
export function getProject(projectId: string, signal?: AbortSignal): Promise<ProjectDetail> {
  return getJson<ProjectDetail>(`/api/projects/${enc(projectId)}`, {}, signal);
}

/** Creates a project. */
export function createProject(fields: { name: string; description?: string; access?: 'public' | 'private' }): Promise<Project> {
  return postJson<Project>('/api/projects', fields);
}

/** Changes a project's fields, e.g. archives it (`{ archived: true }`) or restores it. */
export async function updateProject(projectId: string, fields: Partial<Pick<Project, 'name' | 'description' | 'access' | 'archived'>>): Promise<Project> {
  const response = await send(`/api/projects/${enc(projectId)}`, {
    method: 'PATCH',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(fields),
  });
  return (await response.json()) as Project;
}

/** Adds a registry model version to a project (its MLM item is checked against the ONNX model). */
export function addProjectModel(projectId: string, name: string, version: string): Promise<ProjectModel> {
  return postJson<ProjectModel>(`/api/projects/${enc(projectId)}/models`, { name, version });
}

/** Adds imagery (a COG path or URL, `xyz+…` template or `stac:` item) to a project. */
export function addImagery(projectId: string, fields: { name: string; uri: string; bands?: number[] }): Promise<Imagery> {
  return postJson<Imagery>(`/api/projects/${enc(projectId)}/imagery`, fields);
}

/** Adds an AOI drawn on the map (a GeoJSON polygon). */
export function addAoi(projectId: string, name: string, geometry: { type: 'Polygon' | 'MultiPolygon'; coordinates: unknown }): Promise<Aoi> {
  return postJson<Aoi>(`/api/projects/${enc(projectId)}/aois`, { name, geometry });
}

/** Uploads an AOI file (GeoJSON or GeoParquet). */
export async function uploadAoi(projectId: string, name: string, file: File): Promise<Aoi> {
  const form = new FormData();
  form.append('name', name);
  form.append('file', file, file.name);
  const response = await send(`/api/projects/${enc(projectId)}/aois`, { method: 'POST', body: form, headers: { accept: 'application/json' } });
  return (await response.json()) as Aoi;
}

/** Removes an AOI. */
export async function deleteAoi(aoiId: string): Promise<void> {
  await send(`/api/aois/${enc(aoiId)}`, { method: 'DELETE' });
}

/** Starts a prediction of a model version over an AOI of a project's imagery. */
export function startPrediction(
  projectId: string,
  fields: { model: string; version: string; imageryId: string; aoiId: string; zoom?: number; overlap?: number },
): Promise<Prediction> {
  return postJson<Prediction>(`/api/projects/${enc(projectId)}/predictions`, fields);
}

/** A project's predictions with their progress, newest first. */
export async function listPredictions(projectId: string, signal?: AbortSignal): Promise<Prediction[]> {
  return (await getJson<{ predictions: Prediction[] }>(`/api/projects/${enc(projectId)}/predictions`, {}, signal)).predictions;
}

/** One prediction with its progress. */
export function getPrediction(predictionId: string, signal?: AbortSignal): Promise<Prediction> {
  return getJson<Prediction>(`/api/predictions/${enc(predictionId)}`, {}, signal);
}

/** Cancels a queued or running prediction. */
export function cancelPrediction(predictionId: string): Promise<Prediction> {
  return postJson<Prediction>(`/api/predictions/${enc(predictionId)}/cancel`, {});
}

/** Marks a tile (by quadkey) or a feature (by id) valid or invalid. */
export function addReview(predictionId: string, review: { target: 'tile' | 'feature'; targetId: string; valid: boolean; reviewer: string; class?: number }): Promise<Review> {
  return postJson<Review>(`/api/predictions/${enc(predictionId)}/reviews`, review);
}

/** How far review has got, and the precision it estimates. */
export function getReviewStatistics(predictionId: string, signal?: AbortSignal): Promise<ReviewStatistics> {
  return getJson<ReviewStatistics>(`/api/predictions/${enc(predictionId)}/reviews/statistics`, {}, signal);
}

/** The most uncertain unreviewed tiles first. */
export async function getReviewQueue(predictionId: string, options: { limit?: number; class?: number; strategy?: 'entropy' | 'margin' } = {}, signal?: AbortSignal): Promise<PredictionTile[]> {
  return (await getJson<{ tiles: PredictionTile[] }>(`/api/predictions/${enc(predictionId)}/review-queue`, { limit: options.limit, class: options.class, strategy: options.strategy }, signal)).tiles;
}

/** A prediction's tiles by quadkey prefix. */
export async function listPredictionTiles(predictionId: string, query: { quadkey?: string; status?: string; limit?: number } = {}, signal?: AbortSignal): Promise<PredictionTile[]> {
  return (await getJson<{ tiles: PredictionTile[] }>(`/api/predictions/${enc(predictionId)}/tile-results`, query, signal)).tiles;
}

/** A detected box or polygon as the GeoJSON route gives it. */
export interface PredictionFeature {
  id: number;
  quadkey: string;
  class: number;
  class_name: string;
  score: number;
  review: ReviewState;
}

/** The features (boxes, polygons) of one prediction tile, with their review state. */
export async function listTileFeatures(predictionId: string, quadkey: string, signal?: AbortSignal): Promise<PredictionFeature[]> {
  const collection = await getJson<{ features: { properties: PredictionFeature }[] }>(`/api/predictions/${enc(predictionId)}/geojson`, { layer: 'features', quadkey }, signal);
  // The quadkey is a prefix: keep the tile's own features.
  return collection.features.map((f) => f.properties).filter((f) => f.quadkey === quadkey);
}

/** The address of an export download. */
export function exportUrl(predictionId: string, format: ExportFormat, filter: ResultFilter = {}): string {
  return withQuery(`/api/predictions/${enc(predictionId)}/export`, {
    format,
    class: filter.class,
    threshold: filter.threshold,
    reviewedOnly: filter.reviewedOnly ? 'true' : undefined,
    flipInvalid: filter.flipInvalid ? 'true' : undefined,
    layer: filter.layer,
  });
}

/** The TileJSON of a prediction's vector tiles, filtered by class and least score. */
export function predictionTileJsonUrl(predictionId: string, filter: { class?: number; threshold?: number } = {}): string {
  return withQuery(`/api/predictions/${enc(predictionId)}/tiles.json`, { class: filter.class, threshold: filter.threshold });
}

/** The TileJSON of a segmentation's class-mask PNG tiles. */
export function predictionRasterTileJsonUrl(predictionId: string): string {
  return `/api/predictions/${enc(predictionId)}/tiles-raster.json`;
}

/** The TileJSON of a project's imagery as PNG map tiles. */
export function imageryTileJsonUrl(imageryId: string): string {
  return `/tiles/imagery/${enc(imageryId)}/tilejson.json`;
}

/** A TileJSON document, the fields maps read. */
export interface TileJson {
  tilejson: string;
  tiles: string[];
  /** [west, south, east, north] in degrees. */
  bounds?: [number, number, number, number];
  minzoom?: number;
  maxzoom?: number;
  tileSize?: number;
}

/** The TileJSON of a project's imagery (fetched by the page, so a failure is the page's to show). */
export function getImageryTileJson(imageryId: string, signal?: AbortSignal): Promise<TileJson> {
  return getJson<TileJson>(imageryTileJsonUrl(imageryId), {}, signal);
}
