/**
 * XYZ web-map tile math, as mercantile does it: tiles of a point, tile bounds in EPSG:4326 and
 * EPSG:3857, quadkeys, the tile pyramid (parent, children, siblings, supertiles), TMS rows and
 * `x-y-z` tile ids. Row 0 is the northern edge; the pyramid stops at ±MAX_LATITUDE.
 */
import { invalidParameter } from '../core/errors.js';

/** An XYZ tile: column `x` from the antimeridian eastwards, row `y` from the north, zoom `z`. */
export interface Tile {
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/** A bounding box `[minX, minY, maxX, maxY]`: west, south, east, north in degrees, or metres in EPSG:3857. */
export type BBox = [number, number, number, number];

/** A GeoJSON Feature holding one tile's square, as `tileFeature` builds it. */
export interface TileFeature {
  type: 'Feature';
  id: string;
  bbox: BBox;
  geometry: { type: 'Polygon'; coordinates: [number, number][][] };
  properties: { x: number; y: number; z: number; quadkey: string };
}

/** The deepest zoom accepted: 2^30 tiles a side keeps x and y exact in 32-bit bit operations. */
export const MAX_ZOOM = 30;

/** The latitude of the pyramid's edges, atan(sinh(π)) in degrees; Web Mercator is square up to here. */
export const MAX_LATITUDE = 85.0511287798066;

/** The sphere radius of EPSG:3857, in metres. */
export const EARTH_RADIUS = 6378137;

/** Half the width of the EPSG:3857 world, in metres. */
const HALF_WORLD = Math.PI * EARTH_RADIUS;

/** Throws unless `zoom` is an integer from 0 to MAX_ZOOM. */
export function checkZoom(zoom: number): void {
  if (!Number.isInteger(zoom) || zoom < 0 || zoom > MAX_ZOOM) {
    throw invalidParameter(`zoom ${zoom} is out of range: it must be an integer from 0 to ${MAX_ZOOM}`);
  }
}

/** Throws unless the tile has an integer zoom in range and integer x, y in 0 ≤ x, y < 2^z. */
export function checkTile(tile: Tile): void {
  checkZoom(tile.z);
  const size = 2 ** tile.z;
  for (const [name, value] of [['x', tile.x], ['y', tile.y]] as const) {
    if (!Number.isInteger(value)) throw invalidParameter(`tile ${name} ${value} is not an integer`);
    if (value < 0 || value >= size) {
      throw invalidParameter(`tile ${name} ${value} is out of range at zoom ${tile.z}: it must be from 0 to ${size - 1}`);
    }
  }
}

/** Throws unless lng, lat are finite degrees within ±180 and ±90 (swapped axes usually fail here). */
function checkLngLat(lng: number, lat: number): void {
  if (!Number.isFinite(lng) || lng < -180 || lng > 180) throw invalidParameter(`longitude ${lng} is out of range: it must be from -180 to 180`);
  if (!Number.isFinite(lat) || lat < -90 || lat > 90) throw invalidParameter(`latitude ${lat} is out of range: it must be from -90 to 90`);
}

/** `lat` limited to ±MAX_LATITUDE, where Web Mercator stops. */
function clampLatitude(lat: number): number {
  return Math.max(-MAX_LATITUDE, Math.min(MAX_LATITUDE, lat));
}

/**
 * How far from a tile edge a fractional tile coordinate still counts as on it, in tiles. Round-off of
 * the projection is a few ulps of the unit square, so the tolerance grows with 2^zoom; 1e-9 tiles
 * (under 4 cm even at zoom 0) is the floor, far below any coordinate precision that GeoJSON carries.
 */
function edgeTolerance(zoom: number): number {
  return Math.max(1e-9, 2 ** (zoom - 44));
}

/** `value` moved onto the nearest integer when within `tolerance`, so tile bounds map back onto tile edges. */
function snap(value: number, tolerance: number): number {
  const nearest = Math.round(value);
  return Math.abs(value - nearest) <= tolerance ? nearest : value;
}

/**
 * Fractional tile coordinates `[X, Y]` of a longitude and latitude at `zoom`: tile (x, y) spans
 * x ≤ X ≤ x + 1 and y ≤ Y ≤ y + 1. Latitude is clamped to ±MAX_LATITUDE; values within
 * `edgeTolerance(zoom)` of a tile edge are put on it.
 */
export function tileSpace(lng: number, lat: number, zoom: number): [number, number] {
  const size = 2 ** zoom;
  const sin = Math.sin((clampLatitude(lat) * Math.PI) / 180);
  // The clamp can still land a hair outside [0, 1] through round-off of sin and log.
  const v = Math.max(0, Math.min(1, 0.5 - (0.25 * Math.log((1 + sin) / (1 - sin))) / Math.PI));
  const u = lng / 360 + 0.5;
  const tolerance = edgeTolerance(zoom);
  return [snap(u * size, tolerance), snap(v * size, tolerance)];
}

/** The tile that holds a point; a point on a tile edge belongs to the tile east and south of it. */
export function tileAt(lng: number, lat: number, zoom: number): Tile {
  checkZoom(zoom);
  checkLngLat(lng, lat);
  const [x, y] = tileSpace(lng, lat, zoom);
  const last = 2 ** zoom - 1;
  return { x: Math.min(last, Math.floor(x)), y: Math.min(last, Math.floor(y)), z: zoom };
}

/** The longitude of the western edge of column `x` at `size` tiles a side (mercantile's `ul`). */
function columnLongitude(x: number, size: number): number {
  return (x / size) * 360 - 180;
}

/** The latitude of the northern edge of row `y` at `size` tiles a side (mercantile's `ul`). */
function rowLatitude(y: number, size: number): number {
  return (Math.atan(Math.sinh(Math.PI * (1 - (2 * y) / size))) * 180) / Math.PI;
}

/** The tile's bounds in EPSG:4326: `[west, south, east, north]` in degrees. */
export function tileBounds(tile: Tile): BBox {
  checkTile(tile);
  const size = 2 ** tile.z;
  return [columnLongitude(tile.x, size), rowLatitude(tile.y + 1, size), columnLongitude(tile.x + 1, size), rowLatitude(tile.y, size)];
}

/** The tile's bounds in EPSG:3857: `[left, bottom, right, top]` in metres. */
export function tileXyBounds(tile: Tile): BBox {
  checkTile(tile);
  const width = (2 * HALF_WORLD) / 2 ** tile.z;
  const left = tile.x * width - HALF_WORLD;
  const top = HALF_WORLD - tile.y * width;
  return [left, top - width, left + width, top];
}

/** Web Mercator (EPSG:3857) metres of a longitude and latitude; latitude is clamped to ±MAX_LATITUDE. */
export function lngLatToMercator(lng: number, lat: number): [number, number] {
  checkLngLat(lng, lat);
  const phi = (clampLatitude(lat) * Math.PI) / 180;
  return [(EARTH_RADIUS * lng * Math.PI) / 180, EARTH_RADIUS * Math.log(Math.tan(Math.PI / 4 + phi / 2))];
}

/** Longitude and latitude of Web Mercator (EPSG:3857) metres; latitude is clamped to ±MAX_LATITUDE. */
export function mercatorToLngLat(x: number, y: number): [number, number] {
  if (!Number.isFinite(x) || !Number.isFinite(y)) throw invalidParameter(`Web Mercator coordinates [${x}, ${y}] are not finite numbers`);
  const lat = ((Math.PI / 2 - 2 * Math.atan(Math.exp(-y / EARTH_RADIUS))) * 180) / Math.PI;
  return [(x * 180) / (Math.PI * EARTH_RADIUS), clampLatitude(lat)];
}

/** The tile's Bing Maps quadkey: one digit 0-3 per zoom level, '' for the root tile. */
export function quadkey(tile: Tile): string {
  checkTile(tile);
  let key = '';
  for (let level = tile.z; level > 0; level--) {
    const mask = 1 << (level - 1);
    key += String((tile.x & mask ? 1 : 0) + (tile.y & mask ? 2 : 0));
  }
  return key;
}

/** The tile of a quadkey (digits 0-3, at most MAX_ZOOM of them); '' is the root tile. */
export function tileFromQuadkey(key: string): Tile {
  if (typeof key !== 'string') throw invalidParameter(`quadkey ${String(key)} is not a string`);
  if (key.length > MAX_ZOOM) throw invalidParameter(`quadkey '${key}' is too long: ${key.length} digits, at most ${MAX_ZOOM}`);
  let x = 0;
  let y = 0;
  for (let i = 0; i < key.length; i++) {
    const digit = key.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 3)) {
      throw invalidParameter(`quadkey '${key}' has an invalid character '${key[i]}' at position ${i}: digits are 0 to 3`);
    }
    x = x * 2 + (digit & 1);
    y = y * 2 + (digit >> 1);
  }
  return { x, y, z: key.length };
}

/** The tile's parent, one zoom up. */
export function parent(tile: Tile): Tile {
  return supertile(tile, 1);
}

/** The tile `levelsUp` zooms up that contains this one (its parent for 1, itself for 0). */
export function supertile(tile: Tile, levelsUp: number): Tile {
  checkTile(tile);
  if (!Number.isInteger(levelsUp) || levelsUp < 0 || levelsUp > tile.z) {
    throw invalidParameter(`levels up ${levelsUp} is out of range for a tile at zoom ${tile.z}: it must be an integer from 0 to ${tile.z}`);
  }
  const scale = 2 ** levelsUp;
  return { x: Math.floor(tile.x / scale), y: Math.floor(tile.y / scale), z: tile.z - levelsUp };
}

/** The tile's four children, one zoom down, in mercantile's order: NW, NE, SE, SW. */
export function children(tile: Tile): Tile[] {
  checkTile(tile);
  if (tile.z >= MAX_ZOOM) throw invalidParameter(`tile ${tileId(tile)} has no children: ${MAX_ZOOM} is the deepest zoom`);
  const x = tile.x * 2;
  const y = tile.y * 2;
  const z = tile.z + 1;
  return [
    { x, y, z },
    { x: x + 1, y, z },
    { x: x + 1, y: y + 1, z },
    { x, y: y + 1, z },
  ];
}

/** The other three children of the tile's parent; none for the root tile. */
export function siblings(tile: Tile): Tile[] {
  checkTile(tile);
  if (tile.z === 0) return [];
  return children(parent(tile)).filter((t) => t.x !== tile.x || t.y !== tile.y);
}

/** The tiles at `zoom` that make up `tile` (a supertile), row by row from the north-west corner. */
export function tilesUnder(tile: Tile, zoom: number): Tile[] {
  checkTile(tile);
  checkZoom(zoom);
  if (zoom < tile.z) throw invalidParameter(`zoom ${zoom} is above the tile ${tileId(tile)}: tiles under it start at zoom ${tile.z}`);
  const scale = 2 ** (zoom - tile.z);
  if (scale * scale > 1_000_000) {
    throw invalidParameter(`tile ${tileId(tile)} holds ${(scale * scale).toLocaleString('en-US')} tiles at zoom ${zoom}, more than 1,000,000`);
  }
  const tiles: Tile[] = [];
  for (let y = tile.y * scale; y < (tile.y + 1) * scale; y++) {
    for (let x = tile.x * scale; x < (tile.x + 1) * scale; x++) tiles.push({ x, y, z: zoom });
  }
  return tiles;
}

/** The tile with its row counted from the south (TMS) instead of the north (XYZ). */
export function xyzToTms(tile: Tile): Tile {
  checkTile(tile);
  return { x: tile.x, y: 2 ** tile.z - 1 - tile.y, z: tile.z };
}

/** The XYZ tile of a TMS tile (rows counted from the south); the same flip as `xyzToTms`. */
export function tmsToXyz(tile: Tile): Tile {
  return xyzToTms(tile);
}

/** The tile's id, `x-y-z`, as tile lists and file names use it. */
export function tileId(tile: Tile): string {
  return `${tile.x}-${tile.y}-${tile.z}`;
}

/** The tile of an `x-y-z` id, checked: decimal integers, a zoom from 0 to MAX_ZOOM, 0 ≤ x, y < 2^z. */
export function parseTileId(id: string): Tile {
  const match = typeof id === 'string' ? /^(\d+)-(\d+)-(\d+)$/.exec(id) : null;
  if (!match) throw invalidParameter(`tile id '${String(id)}' is not of the form x-y-z with non-negative integers`);
  const tile = { x: Number(match[1]), y: Number(match[2]), z: Number(match[3]) };
  try {
    checkTile(tile);
  } catch (error) {
    throw invalidParameter(`tile id '${id}': ${(error as Error).message}`);
  }
  return tile;
}

/** A GeoJSON Feature of the tile's square in EPSG:4326 (counter-clockwise, RFC 7946), with its id and quadkey. */
export function tileFeature(tile: Tile): TileFeature {
  const bbox = tileBounds(tile);
  const [west, south, east, north] = bbox;
  return {
    type: 'Feature',
    id: tileId(tile),
    bbox,
    geometry: {
      type: 'Polygon',
      coordinates: [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
    },
    properties: { x: tile.x, y: tile.y, z: tile.z, quadkey: quadkey(tile) },
  };
}
