/**
 * A prediction's results as a GeoJSON FeatureCollection (RFC 7946, EPSG:4326): its tiles as squares with
 * their scores, or its features (boxes, polygons), by bbox or quadkey prefix, with the properties the
 * vector tiles carry (plus the tiles' `scores` array, which MVT cannot hold).
 */
import type { Feature, FeatureCollection } from 'geojson';
import { invalidParameter } from '../../core/errors.js';
import { tileBounds, tileFromQuadkey, tileSpace, type BBox } from '../../geo/tiles.js';
import type { PredictStore } from '../store/predict-store.js';
import type { Prediction, PredictionTile } from '../types.js';
import { quadkeyPolygon, tilePasses, type ResultFilter } from './aggregate.js';
import { featureProperties, featureReviews, tileProperties } from './properties.js';
import { checkFilter } from './vector-tiles.js';

/** The most features one GeoJSON answer holds. */
export const MAX_GEOJSON_FEATURES = 100_000;

/** What to put in a prediction's FeatureCollection. */
export interface GeoJsonQuery extends ResultFilter {
  /** [west, south, east, north] in degrees. */
  bbox?: BBox;
  quadkeyPrefix?: string;
  /** Tiles or features; tiles for classification and features otherwise unless given. */
  layer?: 'tiles' | 'features';
  /** At most this many features (default 10,000). */
  limit?: number;
}

/** Done tiles at the prediction's zoom that the bbox touches (x and y ranges, so the index serves it). */
async function tilesInBbox(store: PredictStore, prediction: Prediction, bbox: BBox): Promise<PredictionTile[]> {
  const z = prediction.zoom;
  const last = 2 ** z - 1;
  const [xw, yn] = tileSpace(bbox[0], bbox[3], z);
  const [xe, ys] = tileSpace(bbox[2], bbox[1], z);
  const x0 = Math.min(last, Math.floor(xw));
  const y0 = Math.min(last, Math.floor(yn));
  // A bbox edge on a tile edge does not reach into the next tile; a zero-width bbox still holds one.
  const x1 = Math.max(x0, Math.min(last, Math.ceil(xe) - 1));
  const y1 = Math.max(y0, Math.min(last, Math.ceil(ys) - 1));
  return store.tilesInRange(prediction.id, x0, x1, y0, y1);
}

/** Throws unless the bbox is four finite degrees, west ≤ east within ±180 and south ≤ north within ±90. */
export function checkBbox(bbox: BBox): void {
  if (!Array.isArray(bbox) || bbox.length !== 4 || bbox.some((v) => typeof v !== 'number' || !Number.isFinite(v))) {
    throw invalidParameter('bbox must be four numbers: west,south,east,north');
  }
  const [west, south, east, north] = bbox;
  if (west < -180 || east > 180 || south < -90 || north > 90) throw invalidParameter(`bbox ${bbox.join(',')} is out of range: longitudes from -180 to 180, latitudes from -90 to 90`);
  if (west > east || south > north) throw invalidParameter(`bbox ${bbox.join(',')} is not west,south,east,north with west ≤ east and south ≤ north`);
}

/** The overlap of two bboxes (the second alone when the first is absent), or null when they do not meet. */
function intersect(a: BBox | undefined, b: BBox): BBox | null {
  if (!a) return b;
  const box: BBox = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  return box[0] <= box[2] && box[1] <= box[3] ? box : null;
}

/** The prediction's tiles or features as a FeatureCollection, filtered and limited. */
export async function predictionGeoJson(store: PredictStore, prediction: Prediction, query: GeoJsonQuery = {}): Promise<FeatureCollection> {
  checkFilter(prediction, query);
  if (query.bbox) checkBbox(query.bbox);
  const limit = query.limit ?? 10_000;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_GEOJSON_FEATURES) throw invalidParameter(`limit must be a whole number from 1 to ${MAX_GEOJSON_FEATURES}`);
  const prefix = query.quadkeyPrefix;
  if (prefix !== undefined && !/^[0-3]{0,30}$/.test(prefix)) throw invalidParameter(`a quadkey is digits 0 to 3, got ${JSON.stringify(prefix)}`);
  // A prefix deeper than the prediction's zoom names part of one prediction tile.
  const tilePrefix = prefix?.slice(0, prediction.zoom);
  const layer = query.layer ?? (prediction.task === 'classification' ? 'tiles' : 'features');
  let features: Feature[];
  if (layer === 'tiles') {
    let tiles = query.bbox ? await tilesInBbox(store, prediction, query.bbox) : await store.listTiles(prediction.id, { quadkeyPrefix: tilePrefix, status: 'done' });
    if (query.bbox && tilePrefix) tiles = tiles.filter((t) => t.quadkey.startsWith(tilePrefix));
    tiles = tiles.filter((t) => tilePasses(t, query)).sort((a, b) => (a.quadkey < b.quadkey ? -1 : 1)).slice(0, limit);
    const reviews = await store.tileReviews(prediction.id);
    features = tiles.map((t) => ({
      type: 'Feature',
      id: t.quadkey,
      geometry: quadkeyPolygon(t.quadkey),
      properties: { ...tileProperties(prediction, t, reviews.get(t.quadkey)), scores: t.scores },
    }));
  } else if (layer === 'features') {
    // Features are keyed by the prediction tile they came from; a deeper prefix also bounds them by its square.
    const bbox = prefix && prefix.length > prediction.zoom ? intersect(query.bbox, tileBounds(tileFromQuadkey(prefix))) : query.bbox;
    if (bbox === null) return { type: 'FeatureCollection', features: [] };
    const found = await store.listFeatures(prediction.id, { bbox, quadkeyPrefix: tilePrefix, classIndex: query.classIndex, minScore: query.minScore, limit });
    const reviews = await featureReviews(store, prediction.id);
    features = found.map((f) => ({
      type: 'Feature',
      id: f.id,
      bbox: f.bbox,
      geometry: f.geometry as Feature['geometry'],
      properties: featureProperties(prediction, f, reviews.get(String(f.id))),
    }));
  } else {
    throw invalidParameter(`layer must be tiles or features, got ${JSON.stringify(layer)}`);
  }
  return { type: 'FeatureCollection', features };
}
