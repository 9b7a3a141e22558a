/**
 * The prediction service's tables, as Kysely sees them. They live in the tracking database (one
 * database per tileflow instance) under their own migration table, so `track` never knows of them.
 * JSON columns are text, the same on SQLite and PostgreSQL.
 */
import type { Generated } from 'kysely';

export interface ProjectsTable {
  project_id: string;
  name: string;
  description: string;
  /** Free text: who made the model or where the labels came from (ML Enabler's `source`). */
  source: string;
  project_url: string;
  /** `public` or `private`. */
  access: string;
  archived: number;
  /** JSON object of tags. */
  tags: string;
  created: number;
  updated: number;
}

export interface ProjectModelsTable {
  project_id: string;
  model_name: string;
  model_version: string;
  /** The MLM STAC item, JSON, as checked when the version joined the project. */
  mlm: string;
  added: number;
}

export interface ImageryTable {
  imagery_id: string;
  project_id: string;
  name: string;
  /** What `openImagery` opens: an XYZ template, a COG path or URL, a STAC item, a tile list. */
  uri: string;
  /** JSON: bands and rescale for display. */
  options: string;
  created: number;
}

export interface AoisTable {
  aoi_id: string;
  project_id: string;
  name: string;
  /** JSON: a GeoJSON Polygon or MultiPolygon in EPSG:4326, or `{ "tiles": ["x-y-z", …] }`. */
  geometry: string;
  /** JSON [west, south, east, north]. */
  bbox: string;
  created: number;
}

export interface PredictionsTable {
  prediction_id: string;
  project_id: string;
  model_name: string;
  model_version: string;
  imagery_id: string;
  aoi_id: string | null;
  /** JSON: the AOI as submitted (geometry or tile list). */
  aoi: string;
  zoom: number;
  /** Pixels of context read around each tile and cut off after inference. */
  overlap: number;
  /** `classification`, `detection` or `segmentation`. */
  task: string;
  /** JSON [{index, name, color}]. */
  classes: string;
  /** `queued`, `running`, `succeeded`, `failed`, `cancelled`. */
  status: string;
  tiles_total: number;
  tiles_done: number;
  tiles_failed: number;
  error: string | null;
  /** The tracked run that records this prediction. */
  run_id: string | null;
  created: number;
  started: number | null;
  finished: number | null;
}

export interface PredictionTilesTable {
  prediction_id: string;
  quadkey: string;
  z: number;
  x: number;
  y: number;
  /** `pending`, `done` or `failed`. */
  status: string;
  attempts: number;
  error: string | null;
  /** JSON: class scores (mean over the tile for segmentation); null until done. */
  scores: string | null;
  top_class: number | null;
  top_score: number | null;
  /** Uncertainty for the active-learning queue: entropy of the scores, and 1 - (top1 - top2). */
  entropy: number | null;
  margin: number | null;
  /** Segmentation: the tile's class mask as an 8-bit grayscale PNG (class index per pixel). */
  mask: Uint8Array | null;
  updated: number;
}

export interface PredictionFeaturesTable {
  feature_id: Generated<number>;
  prediction_id: string;
  /** The tile the feature is attributed to (its centre's tile at the prediction's zoom). */
  quadkey: string;
  class_index: number;
  score: number;
  /** JSON: a GeoJSON geometry in EPSG:4326. */
  geometry: string;
  west: number;
  south: number;
  east: number;
  north: number;
}

export interface ReviewsTable {
  review_id: Generated<number>;
  prediction_id: string;
  /** `tile` (a quadkey) or `feature` (a feature id). */
  target: string;
  target_id: string;
  /** The class judged; null judges the tile's or feature's predicted class. */
  class_index: number | null;
  valid: number;
  reviewer: string;
  created: number;
}

export interface PredictDatabase {
  predict_projects: ProjectsTable;
  predict_project_models: ProjectModelsTable;
  predict_imagery: ImageryTable;
  predict_aois: AoisTable;
  predictions: PredictionsTable;
  prediction_tiles: PredictionTilesTable;
  prediction_features: PredictionFeaturesTable;
  prediction_reviews: ReviewsTable;
}
