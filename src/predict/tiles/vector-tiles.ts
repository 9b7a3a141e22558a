/**
 * Mapbox Vector Tiles (v2) of a prediction, cut by geojson-vt and encoded by vt-pbf. Two layers:
 *
 * - `tiles`: at or above the prediction's zoom, one square per prediction tile with its top class and
 *   score, a score per class name, and its review state and colour; below it, the tiles summed up by
 *   quadkey prefix at min(prediction zoom, z + 6) (count, mean scores, reviewed and valid counts), so a
 *   low-zoom tile holds at most 64 x 64 squares however large the AOI.
 * - `features`: the boxes and polygons of detection and segmentation, with class, score and review.
 *
 * A layer with nothing in it is left out, and a tile with no layer is zero bytes (what tile servers
 * answer for an empty tile; MapLibre draws nothing for it).
 */
import GeoJSONVT from 'geojson-vt';
import type { Feature, FeatureCollection } from 'geojson';
import { fromGeojsonVt } from 'vt-pbf';
import { invalidParameter } from '../../core/errors.js';
import { checkTile, quadkey, tileBounds, type BBox } from '../../geo/tiles.js';
import type { PredictStore } from '../store/predict-store.js';
import type { Prediction } from '../types.js';
import { aggregateTiles, quadkeyPolygon, tilePasses, type ResultFilter } from './aggregate.js';
import { aggregateProperties, featureProperties, featureReviews, tileProperties } from './properties.js';

/** The deepest zoom geojson-vt cuts. */
export const MAX_VECTOR_ZOOM = 24;

/** How many zoom levels below a low-zoom map tile its aggregated squares are: 2^6 = 64 a side. */
export const AGGREGATION_DEPTH = 6;

/** MVT coordinates per tile side and the margin kept around it, as geojson-vt's defaults. */
const EXTENT = 4096;
const BUFFER = 64;

/** Options of a vector tile: only results of this top class, with at least this score. */
export type VectorTileOptions = ResultFilter;

/** Throws unless the filter names one of the prediction's classes and a score from 0 to 1. */
export function checkFilter(prediction: Prediction, filter: ResultFilter): void {
  if (filter.classIndex !== undefined && !prediction.classes.some((c) => c.index === filter.classIndex)) {
    throw invalidParameter(`class ${filter.classIndex} is not one of the model's classes (${prediction.classes.map((c) => c.index).join(', ')})`);
  }
  if (filter.minScore !== undefined && !(filter.minScore >= 0 && filter.minScore <= 1)) {
    throw invalidParameter(`threshold ${filter.minScore} is out of range: it must be from 0 to 1`);
  }
}

/** The map tile's bounds grown by the MVT buffer, so features just outside still draw their edges. */
function bufferedBounds(bounds: BBox): BBox {
  const dx = ((bounds[2] - bounds[0]) * BUFFER) / EXTENT;
  const dy = ((bounds[3] - bounds[1]) * BUFFER) / EXTENT;
  return [Math.max(-180, bounds[0] - dx), Math.max(-90, bounds[1] - dy), Math.min(180, bounds[2] + dx), Math.min(90, bounds[3] + dy)];
}

/** The `tiles` layer's GeoJSON for a map tile. */
async function tileLayer(store: PredictStore, prediction: Prediction, z: number, key: string, filter: ResultFilter): Promise<Feature[]> {
  const reviews = await store.tileReviews(prediction.id);
  if (z >= prediction.zoom) {
    // The map tile lies inside one prediction tile: its ancestor at the prediction's zoom.
    const tiles = await store.listTiles(prediction.id, { quadkeyPrefix: key.slice(0, prediction.zoom), status: 'done' });
    return tiles
      .filter((t) => t.quadkey.length === prediction.zoom && tilePasses(t, filter))
      .map((t) => ({ type: 'Feature', geometry: quadkeyPolygon(t.quadkey), properties: tileProperties(prediction, t, reviews.get(t.quadkey)) }));
  }
  const tiles = await store.listTiles(prediction.id, { quadkeyPrefix: key, status: 'done' });
  const groups = aggregateTiles(tiles, reviews, Math.min(prediction.zoom, z + AGGREGATION_DEPTH), prediction.classes.length, filter);
  return groups.map((g) => ({ type: 'Feature', geometry: quadkeyPolygon(g.quadkey), properties: aggregateProperties(prediction, g) }));
}

/** The `features` layer's GeoJSON for a map tile. */
async function featureLayer(store: PredictStore, prediction: Prediction, bounds: BBox, filter: ResultFilter): Promise<Feature[]> {
  const features = await store.listFeatures(prediction.id, { bbox: bufferedBounds(bounds), classIndex: filter.classIndex, minScore: filter.minScore });
  if (features.length === 0) return [];
  const reviews = await featureReviews(store, prediction.id);
  return features.map((f) => ({
    type: 'Feature',
    id: f.id,
    geometry: f.geometry as Feature['geometry'],
    properties: featureProperties(prediction, f, reviews.get(String(f.id))),
  }));
}

/** One layer cut to the map tile by geojson-vt, or null when nothing of it falls in the tile. */
function cut(features: Feature[], z: number, x: number, y: number): ReturnType<GeoJSONVT['getTile']> {
  if (features.length === 0) return null;
  const collection: FeatureCollection = { type: 'FeatureCollection', features };
  // Index only the root and drill straight down to the one tile asked for.
  const index = new GeoJSONVT(collection, { maxZoom: Math.max(z, 1), indexMaxZoom: 0, extent: EXTENT, buffer: BUFFER });
  const tile = index.getTile(z, x, y);
  return tile && tile.features.length > 0 ? tile : null;
}

/** The prediction's MVT at z/x/y: layers `tiles` and `features`; zero bytes when both are empty. */
export async function predictionVectorTile(
  store: PredictStore,
  prediction: Prediction,
  z: number,
  x: number,
  y: number,
  options: VectorTileOptions = {},
): Promise<Uint8Array> {
  const mapTile = { z, x, y };
  checkTile(mapTile);
  if (z > MAX_VECTOR_ZOOM) throw invalidParameter(`zoom ${z} is too deep for vector tiles: they go to zoom ${MAX_VECTOR_ZOOM}`);
  checkFilter(prediction, options);
  const bounds = tileBounds(mapTile);
  const layers: Record<string, NonNullable<ReturnType<typeof cut>>> = {};
  const tiles = cut(await tileLayer(store, prediction, z, quadkey(mapTile), options), z, x, y);
  if (tiles) layers.tiles = tiles;
  const features = cut(await featureLayer(store, prediction, bounds, options), z, x, y);
  if (features) layers.features = features;
  if (Object.keys(layers).length === 0) return new Uint8Array(0);
  return fromGeojsonVt(layers, { version: 2, extent: EXTENT });
}
