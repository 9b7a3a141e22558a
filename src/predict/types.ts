/**
 * The prediction service's entities: projects that group model versions, imagery and AOIs; predictions
 * over an AOI; their results per tile (keyed by quadkey) and per feature; and people's reviews of them.
 */

/** What a model does, as MLM's `mlm:tasks` say it (tileflow's three). */
export type PredictionTask = 'classification' | 'detection' | 'segmentation';

export type PredictionStatus = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export type TileStatus = 'pending' | 'done' | 'failed';

/** A class of a model's output, as in MLM's `classification:classes`. */
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

/** A registry model version that belongs to a project, with the MLM item it was checked against. */
export interface ProjectModel {
  projectId: string;
  name: string;
  version: string;
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

/** A GeoJSON (Multi)Polygon in EPSG:4326, or a list of `x-y-z` tiles. */
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
}

/** One tile's result. */
export interface PredictionTile {
  quadkey: string;
  z: number;
  x: number;
  y: number;
  status: TileStatus;
  attempts: number;
  error: string | null;
  /** Class scores, one per class (segmentation: the share of the tile's pixels per class). */
  scores: number[] | null;
  topClass: number | null;
  topScore: number | null;
  entropy: number | null;
  margin: number | null;
}

/** A detected box or a segmentation polygon. */
export interface PredictionFeature {
  id: number;
  quadkey: string;
  classIndex: number;
  score: number;
  geometry: { type: string; coordinates: unknown };
  bbox: [number, number, number, number];
}

/** A feature before it is stored. */
export type NewPredictionFeature = Omit<PredictionFeature, 'id' | 'quadkey' | 'bbox'>;

/** What inference produced for one tile. */
export interface TileResult {
  quadkey: string;
  scores: number[];
  /** Segmentation: the class mask as a grayscale PNG. */
  mask?: Uint8Array;
  features?: NewPredictionFeature[];
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

/** How far review of a prediction has got, and what it says of the model. */
export interface ReviewStatistics {
  tiles: number;
  reviewed: number;
  valid: number;
  invalid: number;
  /** reviewed / tiles. */
  reviewedShare: number;
  /** valid / reviewed: the model's precision as the reviews estimate it; null before any review. */
  precision: number | null;
  /** Per class: reviewed, valid, and the precision estimate. */
  perClass: { index: number; name: string; reviewed: number; valid: number; precision: number | null }[];
}
