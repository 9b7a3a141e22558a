/**
 * Exact tile covers of GeoJSON polygons and bounding boxes at one zoom.
 *
 * The rule: a tile is in the cover when its square and the shape share some area, that is when their
 * interiors intersect. A tile that only touches the shape along an edge or at a corner is left out (as
 * supermercado's `burntiles` does), and a tile that touches a hole's edge from inside the polygon stays.
 * Shape edges are straight lines in Web Mercator, the way a web map draws them; latitudes beyond
 * ±MAX_LATITUDE are clamped to it, and rings combine by the even-odd rule.
 *
 * How: each polygon is projected to fractional tile coordinates, where tile edges are the integers.
 * A sweep goes down the tile rows; inside a row, the ring edges that cross it are cut at every vertex
 * height, and in each slice between two cuts the edges keep their order, so pairing them even-odd gives
 * the stretches of the shape's interior. The union of a stretch over the slice runs from the leftmost
 * end of its left edge to the rightmost end of its right edge, and the tiles whose open column overlaps
 * that closed interval are exactly the tiles that share area with the slice.
 *
 * The tile limit is checked before any tile is listed: a bounding box within the limit needs nothing
 * more; otherwise the rows are swept to count the tiles exactly (spans of columns, not tiles), unless
 * there are too many rows for that, when a lower bound on the count refuses the cover at once.
 */
import { invalidParameter } from '../core/errors.js';
import { readPolygons, type Position } from './geojson.js';
import { checkZoom, tileSpace, type BBox, type Tile } from './tiles.js';

/** How many tiles a cover may hold unless the caller says otherwise. */
export const DEFAULT_MAX_TILES = 100_000;

/** Up to this many tile rows, a cover over the limit is swept to tell its exact size (cheap: no tiles are listed). */
const EXACT_COUNT_ROWS = 200_000;

/** Options of a tile cover. */
export interface CoverOptions {
  /** Refuse a cover of more tiles than this (default DEFAULT_MAX_TILES; Infinity for no limit). */
  maxTiles?: number;
}

/** A ring edge in tile coordinates, from its northern end (`y0 < y1`: rows grow southwards). */
interface Edge {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** An extent in tile coordinates. */
interface Extent {
  readonly minX: number;
  readonly minY: number;
  readonly maxX: number;
  readonly maxY: number;
}

/** Where an edge crosses a slice of a row: its west and east ends there, and twice its middle (for order). */
interface Crossing {
  readonly west: number;
  readonly east: number;
  readonly middle: number;
}

/** A polygon in tile coordinates: its non-horizontal edges by northern end, vertex rows, extent. */
interface TilePolygon extends Extent {
  readonly edges: Edge[];
  /** Distinct vertex Y values, ascending: where the order of edges may change. */
  readonly cuts: number[];
}

/** Per tile row, the covered columns as a flat list of inclusive `[first, last]` pairs. */
type RowSpans = Map<number, number[]>;

/** The limit from the options, checked. */
function maxTilesOf(options: CoverOptions): number {
  const limit = options.maxTiles ?? DEFAULT_MAX_TILES;
  if (!(limit === Infinity || (Number.isInteger(limit) && limit > 0))) {
    throw invalidParameter(`maxTiles ${limit} is not a positive integer (or Infinity for no limit)`);
  }
  return limit;
}

/** A count with thousands separators, for messages. */
function formatCount(count: number): string {
  return count.toLocaleString('en-US');
}

/** The error for a cover over the limit; `atLeast` when the count is a lower bound. */
function tooManyTiles(count: number, limit: number, zoom: number, atLeast: boolean): Error {
  return invalidParameter(
    `the cover at zoom ${zoom} needs ${atLeast ? 'at least ' : ''}${formatCount(count)} tiles, more than the limit of ` +
      `${formatCount(limit)}: use a lower zoom, a smaller area, or raise the limit`,
  );
}

/** The indices `[first, last]` of the unit cells whose open interval meets the open interval (lo, hi). */
function cellRange(lo: number, hi: number, size: number): [number, number] {
  return [Math.max(0, Math.floor(lo)), Math.min(size - 1, Math.ceil(hi) - 1)];
}

/** The polygon's rings in tile coordinates at `zoom`. */
function toTileSpace(rings: Position[][], zoom: number): TilePolygon {
  const edges: Edge[] = [];
  const cuts = new Set<number>();
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const ring of rings) {
    const points = ring.map(([lon, lat]) => tileSpace(lon, lat, zoom));
    for (let i = 0; i < points.length; i++) {
      const [x, y] = points[i];
      cuts.add(y);
      minX = Math.min(minX, x);
      maxX = Math.max(maxX, x);
      minY = Math.min(minY, y);
      maxY = Math.max(maxY, y);
      if (i === 0) continue;
      const [px, py] = points[i - 1];
      // Horizontal edges bound no slice of a row: the slices above and below them carry the area.
      if (py < y) edges.push({ x0: px, y0: py, x1: x, y1: y });
      else if (py > y) edges.push({ x0: x, y0: y, x1: px, y1: py });
    }
  }
  edges.sort((a, b) => a.y0 - b.y0);
  return { edges, cuts: [...cuts].sort((a, b) => a - b), minX, minY, maxX, maxY };
}

/** The edge's X at height `y` (within its extent); its ends exactly, so shared vertices agree. */
function xAt(edge: Edge, y: number): number {
  if (y === edge.y0) return edge.x0;
  if (y === edge.y1) return edge.x1;
  return edge.x0 + ((y - edge.y0) / (edge.y1 - edge.y0)) * (edge.x1 - edge.x0);
}

/** Appends `[first, last]` to the row's spans. */
function addSpan(spans: RowSpans, row: number, first: number, last: number): void {
  const list = spans.get(row);
  if (list) list.push(first, last);
  else spans.set(row, [first, last]);
}

/** Adds the columns of every row the polygon shares area with to `spans` (see the file comment). */
function sweepPolygon(polygon: TilePolygon, size: number, spans: RowSpans): void {
  const { edges, cuts } = polygon;
  const [firstRow, lastRow] = cellRange(polygon.minY, polygon.maxY, size);
  const active: Edge[] = [];
  const crossings: Crossing[] = [];
  let nextEdge = 0;
  let nextCut = 0;
  for (let row = firstRow; row <= lastRow; row++) {
    while (nextCut < cuts.length && cuts[nextCut] <= row) nextCut++;
    let top = row;
    for (let k = nextCut; k <= cuts.length; k++) {
      const bottom = k < cuts.length && cuts[k] < row + 1 ? cuts[k] : row + 1;
      while (nextEdge < edges.length && edges[nextEdge].y0 < bottom) active.push(edges[nextEdge++]);
      let kept = 0;
      for (const edge of active) if (edge.y1 > top) active[kept++] = edge;
      active.length = kept;
      if (kept >= 2) {
        // No vertex lies strictly inside the slice, so every active edge spans it and none cross there.
        crossings.length = 0;
        for (const edge of active) {
          const a = xAt(edge, top);
          const b = xAt(edge, bottom);
          crossings.push({ west: Math.min(a, b), east: Math.max(a, b), middle: a + b });
        }
        crossings.sort((p, q) => p.middle - q.middle);
        for (let i = 0; i + 1 < crossings.length; i += 2) {
          const [first, last] = cellRange(crossings[i].west, crossings[i + 1].east, size);
          if (first <= last) addSpan(spans, row, first, last);
        }
      }
      if (bottom === row + 1) break;
      top = bottom;
    }
  }
}

/** Sorted, disjoint spans from possibly overlapping ones (flat `[first, last]` pairs). */
function mergeSpans(flat: number[]): number[] {
  const pairs: [number, number][] = [];
  for (let i = 0; i < flat.length; i += 2) pairs.push([flat[i], flat[i + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const merged: number[] = [];
  for (const [first, last] of pairs) {
    const end = merged.length - 1;
    if (end > 0 && first <= merged[end] + 1) merged[end] = Math.max(merged[end], last);
    else merged.push(first, last);
  }
  return merged;
}

/** The number of tiles in disjoint spans. */
function spanCount(spans: number[]): number {
  let count = 0;
  for (let i = 0; i < spans.length; i += 2) count += spans[i + 1] - spans[i] + 1;
  return count;
}

/** The tiles of merged row spans, row by row from the north, west to east within a row. */
function tilesOf(rows: [number, number[]][], zoom: number): Tile[] {
  const tiles: Tile[] = [];
  for (const [y, spans] of rows) {
    for (let i = 0; i < spans.length; i += 2) {
      for (let x = spans[i]; x <= spans[i + 1]; x++) tiles.push({ x, y, z: zoom });
    }
  }
  return tiles;
}

/** How many tile rows and columns an extent crosses. */
function extentTiles(extent: Extent, size: number): { rows: number; columns: number } {
  const [firstRow, lastRow] = cellRange(extent.minY, extent.maxY, size);
  const [firstColumn, lastColumn] = cellRange(extent.minX, extent.maxX, size);
  return { rows: Math.max(0, lastRow - firstRow + 1), columns: Math.max(0, lastColumn - firstColumn + 1) };
}

/** The exact cover of validated polygons, counted before a single tile is listed. */
function coverPolygons(polygons: Position[][][], zoom: number, limit: number): Tile[] {
  const size = 2 ** zoom;
  const projected = polygons.map((rings) => toTileSpace(rings, zoom));
  const whole = extentTiles(
    projected.reduce(
      (sum, p) => ({ minX: Math.min(sum.minX, p.minX), minY: Math.min(sum.minY, p.minY), maxX: Math.max(sum.maxX, p.maxX), maxY: Math.max(sum.maxY, p.maxY) }),
      { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity },
    ),
    size,
  );
  const extents = projected.map((p) => extentTiles(p, size));
  const rowsToSweep = extents.reduce((sum, { rows }) => sum + rows, 0);
  if (whole.rows * whole.columns > limit && rowsToSweep > EXACT_COUNT_ROWS) {
    // A polygon's interior is connected, so each row and each column its extent crosses holds at
    // least one of its tiles: a bound found without sweeping a single row.
    const lowerBound = extents.reduce((bound, { rows, columns }) => Math.max(bound, rows, columns), 0);
    if (lowerBound > limit) throw tooManyTiles(lowerBound, limit, zoom, true);
  }
  const spans: RowSpans = new Map();
  for (const polygon of projected) sweepPolygon(polygon, size, spans);
  const rows = [...spans.entries()].map(([row, list]): [number, number[]] => [row, mergeSpans(list)]).sort((a, b) => a[0] - b[0]);
  const count = rows.reduce((sum, [, list]) => sum + spanCount(list), 0);
  if (count > limit) throw tooManyTiles(count, limit, zoom, false);
  return tilesOf(rows, zoom);
}

/**
 * The tiles at `zoom` that share area with a GeoJSON Polygon, MultiPolygon, Feature or
 * FeatureCollection of them, row by row from the north; see the file comment for the exact rule.
 * Throws INVALID_PARAMETER_VALUE for invalid GeoJSON (naming where), a zoom out of range, or a
 * cover larger than `maxTiles`, which is found out before any tile is listed.
 */
export function coverGeometry(geojson: unknown, zoom: number, options: CoverOptions = {}): Tile[] {
  checkZoom(zoom);
  const limit = maxTilesOf(options);
  return coverPolygons(readPolygons(geojson).map((polygon) => polygon.rings), zoom, limit);
}

/**
 * The tiles at `zoom` that share area with a `[west, south, east, north]` box in degrees, row by row
 * from the north. A box with west > east crosses the antimeridian. Same rule and limit as `coverGeometry`.
 */
export function coverBbox(bbox: BBox, zoom: number, options: CoverOptions = {}): Tile[] {
  checkZoom(zoom);
  const limit = maxTilesOf(options);
  if (!Array.isArray(bbox) || bbox.length !== 4 || !bbox.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw invalidParameter(`bbox ${JSON.stringify(bbox)} is not [west, south, east, north] in finite numbers`);
  }
  const [west, south, east, north] = bbox;
  for (const lon of [west, east]) if (lon < -180 || lon > 180) throw invalidParameter(`bbox longitude ${lon} is out of range [-180, 180]`);
  for (const lat of [south, north]) if (lat < -90 || lat > 90) throw invalidParameter(`bbox latitude ${lat} is out of range [-90, 90]`);
  if (!(south < north)) throw invalidParameter(`bbox south ${south} must be less than north ${north}`);
  if (west === east) throw invalidParameter(`bbox west and east are both ${west}: the box has no area`);
  const size = 2 ** zoom;
  const [firstRow, lastRow] = cellRange(tileSpace(0, north, zoom)[1], tileSpace(0, south, zoom)[1], size);
  const parts = west < east ? [[west, east]] : [[west, 180], [-180, east]];
  const spans: number[] = [];
  for (const [w, e] of parts) {
    const [first, last] = cellRange(tileSpace(w, 0, zoom)[0], tileSpace(e, 0, zoom)[0], size);
    if (first <= last) spans.push(first, last);
  }
  const columns = mergeSpans(spans);
  const count = Math.max(0, lastRow - firstRow + 1) * spanCount(columns);
  if (count > limit) throw tooManyTiles(count, limit, zoom, false);
  const rows: [number, number[]][] = [];
  for (let row = firstRow; row <= lastRow; row++) rows.push([row, columns]);
  return tilesOf(rows, zoom);
}
