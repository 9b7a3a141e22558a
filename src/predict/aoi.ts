/**
 * Areas of interest for predictions: a GeoJSON Polygon or MultiPolygon (or a Feature or
 * FeatureCollection of them), a bounding box, a list of `x-y-z` tiles, or a vector file (GeoJSON,
 * GeoParquet) of polygons. Polygons are covered exactly (the tiles that share area with them, not the
 * tiles of their bounding box), and the tile limit is checked before any tile is listed.
 */
import { invalidParameter } from '../core/errors.js';
import { openLabels } from '../data/labels/open.js';
import { coverGeometry } from '../geo/cover.js';
import { readPolygons } from '../geo/geojson.js';
import { MAX_LATITUDE, parseTileId, quadkey, tileBounds, tileId, tilesUnder, type Tile } from '../geo/tiles.js';
import type { AoiGeometry } from './types.js';

/** The most tiles one prediction may cover unless configured otherwise. */
export const DEFAULT_PREDICTION_TILE_LIMIT = 50_000;

/** The most tiles a tile-list AOI may name. */
const MAX_TILE_LIST = 1_000_000;

/** An AOI checked and in stored form, with its bounding box. */
export interface ParsedAoi {
  geometry: AoiGeometry;
  bbox: [number, number, number, number];
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads an AOI given as GeoJSON, `{ "bbox": [w, s, e, n] }`, a bare `[w, s, e, n]`, or
 * `{ "tiles": ["x-y-z", …] }`; throws INVALID_PARAMETER_VALUE saying what is wrong and where.
 */
export function parseAoi(input: unknown): ParsedAoi {
  if (Array.isArray(input)) return parseAoi({ bbox: input });
  if (!isObject(input)) throw invalidParameter(`an AOI is GeoJSON, {"bbox": [west, south, east, north]} or {"tiles": ["x-y-z", …]}, got ${JSON.stringify(input)?.slice(0, 60)}`);
  if ('tiles' in input && !('type' in input)) {
    const tiles = input.tiles;
    if (!Array.isArray(tiles) || tiles.length === 0) throw invalidParameter('"tiles" must be a non-empty list of "x-y-z" tile ids');
    if (tiles.length > MAX_TILE_LIST) throw invalidParameter(`"tiles" names ${tiles.length} tiles; at most ${MAX_TILE_LIST}`);
    const parsed = tiles.map((id) => parseTileId(id as string));
    const bbox = parsed.map(tileBounds).reduce<[number, number, number, number]>((b, t) => [Math.min(b[0], t[0]), Math.min(b[1], t[1]), Math.max(b[2], t[2]), Math.max(b[3], t[3])], [Infinity, Infinity, -Infinity, -Infinity]);
    return { geometry: { tiles: [...new Set(parsed.map(tileId))] }, bbox };
  }
  if ('bbox' in input && !('type' in input)) {
    const bbox = input.bbox;
    if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      throw invalidParameter(`bbox must be [west, south, east, north] in degrees, got ${JSON.stringify(bbox)}`);
    }
    const [w, s, e, n] = bbox as number[];
    if (w < -180 || e > 180 || s < -90 || n > 90) throw invalidParameter(`bbox ${JSON.stringify(bbox)} is outside [-180, -90, 180, 90]`);
    if (!(w < e && s < n)) throw invalidParameter(`bbox ${JSON.stringify(bbox)} has no area (west < east and south < north are needed)`);
    const ring = [[w, s], [e, s], [e, n], [w, n], [w, s]];
    return parseAoi({ type: 'Polygon', coordinates: [ring] });
  }
  const polygons = readPolygons(input);
  const coordinates = polygons.map((p) => p.rings);
  let bbox: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const rings of coordinates) for (const [lng, lat] of rings[0]) bbox = [Math.min(bbox[0], lng), Math.min(bbox[1], lat), Math.max(bbox[2], lng), Math.max(bbox[3], lat)];
  bbox[1] = Math.max(bbox[1], -MAX_LATITUDE);
  bbox[3] = Math.min(bbox[3], MAX_LATITUDE);
  return { geometry: { type: 'MultiPolygon', coordinates }, bbox };
}

/** Reads the polygons of a vector file (GeoJSON or GeoParquet in EPSG:4326) into an AOI. */
export async function readAoiFile(file: string): Promise<ParsedAoi> {
  const labels = await openLabels(file);
  try {
    if (!/^(OGC:CRS84|EPSG:4326)$/i.test(labels.crs)) throw invalidParameter(`${file}: AOI files must be in longitude/latitude (OGC:CRS84 or EPSG:4326), not ${labels.crs.slice(0, 60)}`);
    const features = await labels.query({});
    const polygons = features.map((f) => f.geometry).filter((g) => g && (g.type === 'Polygon' || g.type === 'MultiPolygon'));
    if (polygons.length === 0) throw invalidParameter(`${file} holds no Polygon or MultiPolygon`);
    return parseAoi({ type: 'FeatureCollection', features: polygons.map((geometry) => ({ type: 'Feature', properties: {}, geometry })) });
  } finally {
    await labels.close();
  }
}

/** The quadkeys of the tiles at `zoom` that an AOI covers; more than `maxTiles` is a clear error. */
export function coverAoi(geometry: AoiGeometry, zoom: number, maxTiles = DEFAULT_PREDICTION_TILE_LIMIT): string[] {
  if ('tiles' in geometry) {
    const out = new Set<string>();
    for (const id of geometry.tiles) {
      const tile: Tile = parseTileId(id);
      if (tile.z > zoom) throw invalidParameter(`tile ${id} is deeper than the prediction's zoom ${zoom}`);
      const count = 4 ** (zoom - tile.z);
      if (out.size + count > maxTiles) throw invalidParameter(`the AOI covers more than ${maxTiles} tiles at zoom ${zoom}: use a smaller AOI or raise the tile limit`);
      for (const t of tilesUnder(tile, zoom)) out.add(quadkey(t));
    }
    return [...out];
  }
  // Over the limit, coverGeometry says how many tiles the cover needs and how to get under it.
  return coverGeometry(geometry, zoom, { maxTiles }).map(quadkey);
}
