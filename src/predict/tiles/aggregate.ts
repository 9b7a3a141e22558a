/**
 * Prediction tiles summed up to a lower zoom by quadkey prefix: how many tiles each ancestor holds, their
 * mean class scores and how many have been reviewed. Low-zoom map tiles and the aggregate endpoint read
 * this instead of thousands of single tiles (ML Enabler's users asked for it).
 */
import { invalidParameter } from '../../core/errors.js';
import { tileBounds, tileFromQuadkey, type BBox } from '../../geo/tiles.js';
import type { PredictStore } from '../store/predict-store.js';
import type { Prediction, PredictionTile, Review } from '../types.js';

/** Which results to keep: the top class (or a feature's class) and a least top score. */
export interface ResultFilter {
  classIndex?: number;
  minScore?: number;
}

/** One ancestor tile's summary of the prediction tiles under it. */
export interface QuadkeyAggregate {
  quadkey: string;
  /** Done prediction tiles under it that pass the filter. */
  count: number;
  /** Per class, the mean of the tiles' scores. */
  meanScores: number[];
  /** The class with the highest mean score. */
  topClass: number;
  /** Tiles with a review, and of those the ones judged valid. */
  reviewed: number;
  valid: number;
}

/** Whether a done tile passes the filter: its top class is `classIndex`, its top score at least `minScore`. */
export function tilePasses(tile: PredictionTile, filter: ResultFilter = {}): boolean {
  if (tile.status !== 'done' || tile.scores === null || tile.topClass === null) return false;
  if (filter.classIndex !== undefined && tile.topClass !== filter.classIndex) return false;
  if (filter.minScore !== undefined && (tile.topScore ?? -Infinity) < filter.minScore) return false;
  return true;
}

/** Groups done tiles by their ancestor at `zoom` (a quadkey prefix), with mean scores and review counts. */
export function aggregateTiles(tiles: PredictionTile[], reviews: Map<string, Review>, zoom: number, classCount: number, filter: ResultFilter = {}): QuadkeyAggregate[] {
  const groups = new Map<string, { count: number; sums: number[]; reviewed: number; valid: number }>();
  for (const tile of tiles) {
    if (!tilePasses(tile, filter)) continue;
    const key = tile.quadkey.slice(0, zoom);
    let group = groups.get(key);
    if (!group) {
      group = { count: 0, sums: new Array<number>(classCount).fill(0), reviewed: 0, valid: 0 };
      groups.set(key, group);
    }
    group.count++;
    const scores = tile.scores as number[];
    for (let c = 0; c < scores.length; c++) group.sums[c] = (group.sums[c] ?? 0) + scores[c];
    const review = reviews.get(tile.quadkey);
    if (review) {
      group.reviewed++;
      if (review.valid) group.valid++;
    }
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([quadkey, g]) => {
      const meanScores = Array.from(g.sums, (s) => (s ?? 0) / g.count);
      let topClass = 0;
      for (let c = 1; c < meanScores.length; c++) if (meanScores[c] > meanScores[topClass]) topClass = c;
      return { quadkey, count: g.count, meanScores, topClass, reviewed: g.reviewed, valid: g.valid };
    });
}

/**
 * The prediction's done tiles summed up to `zoom` (at most the prediction's zoom), one entry per ancestor
 * quadkey that holds any; `quadkeyPrefix` limits it to the tiles under one map tile.
 */
export async function aggregateByQuadkey(
  store: PredictStore,
  prediction: Prediction,
  zoom: number,
  options: ResultFilter & { quadkeyPrefix?: string } = {},
): Promise<QuadkeyAggregate[]> {
  if (!Number.isInteger(zoom) || zoom < 0 || zoom > prediction.zoom) {
    throw invalidParameter(`zoom ${zoom} is out of range: aggregation goes from 0 to the prediction's zoom ${prediction.zoom}`);
  }
  const prefix = options.quadkeyPrefix ?? '';
  if (prefix.length > zoom) throw invalidParameter(`quadkey ${JSON.stringify(prefix)} is deeper than the aggregation zoom ${zoom}`);
  const tiles = await store.listTiles(prediction.id, { quadkeyPrefix: prefix, status: 'done' });
  const reviews = await store.tileReviews(prediction.id);
  return aggregateTiles(tiles, reviews, zoom, prediction.classes.length, options);
}

/** [west, south, east, north] in degrees of all the prediction's tiles: the AOI's tile-aligned extent. */
export async function predictionBounds(store: PredictStore, prediction: Prediction): Promise<BBox> {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (const tile of await store.listTiles(prediction.id)) {
    x0 = Math.min(x0, tile.x);
    y0 = Math.min(y0, tile.y);
    x1 = Math.max(x1, tile.x);
    y1 = Math.max(y1, tile.y);
  }
  if (!Number.isFinite(x0)) throw invalidParameter(`prediction ${prediction.id} has no tiles`);
  const z = prediction.zoom;
  const [west, , , north] = tileBounds({ x: x0, y: y0, z });
  const [, south, east] = tileBounds({ x: x1, y: y1, z });
  return [west, south, east, north];
}

/** The square of a quadkey's tile as a GeoJSON Polygon in EPSG:4326 (counter-clockwise). */
export function quadkeyPolygon(key: string): { type: 'Polygon'; coordinates: [number, number][][] } {
  const [west, south, east, north] = tileBounds(tileFromQuadkey(key));
  return { type: 'Polygon', coordinates: [[[west, south], [east, south], [east, north], [west, north], [west, south]]] };
}
