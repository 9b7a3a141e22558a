/**
 * Well-Known Binary to GeoJSON. DuckDB hands GeoParquet geometries over as WKB bytes, and its spatial
 * extension (ST_AsGeoJSON) cannot be installed here, so the decoding is ours. Reads ISO WKB (types
 * 1-7, +1000 Z, +2000 M, +3000 ZM), PostGIS EWKB flags (Z, M, SRID), both byte orders. Z is kept as a
 * third coordinate; M is dropped because GeoJSON has no place for it.
 */
import { invalidParameter } from '../../core/errors.js';
import type { Geometry, Position } from './types.js';

interface Cursor {
  view: DataView;
  offset: number;
}

const TYPE_NAMES = ['', 'Point', 'LineString', 'Polygon', 'MultiPoint', 'MultiLineString', 'MultiPolygon', 'GeometryCollection'];

function need(cursor: Cursor, bytes: number): void {
  if (cursor.offset + bytes > cursor.view.byteLength) {
    throw invalidParameter(`WKB is truncated: needed ${bytes} bytes at offset ${cursor.offset} of ${cursor.view.byteLength}`);
  }
}

function uint32(cursor: Cursor, little: boolean): number {
  need(cursor, 4);
  const value = cursor.view.getUint32(cursor.offset, little);
  cursor.offset += 4;
  return value;
}

/** A count that cannot ask for more elements than the remaining bytes could hold (guards huge allocations). */
function count(cursor: Cursor, little: boolean, minBytesEach: number): number {
  const n = uint32(cursor, little);
  if (n * minBytesEach > cursor.view.byteLength - cursor.offset) {
    throw invalidParameter(`WKB is truncated or corrupt: a count of ${n} at offset ${cursor.offset - 4} does not fit in the remaining bytes`);
  }
  return n;
}

function position(cursor: Cursor, little: boolean, dims: number, hasZ: boolean): Position {
  need(cursor, dims * 8);
  const { view } = cursor;
  const x = view.getFloat64(cursor.offset, little);
  const y = view.getFloat64(cursor.offset + 8, little);
  const out = hasZ ? [x, y, view.getFloat64(cursor.offset + 16, little)] : [x, y];
  cursor.offset += dims * 8;
  return out;
}

function positions(cursor: Cursor, little: boolean, dims: number, hasZ: boolean): Position[] {
  const n = count(cursor, little, dims * 8);
  const out: Position[] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = position(cursor, little, dims, hasZ);
  return out;
}

function rings(cursor: Cursor, little: boolean, dims: number, hasZ: boolean): Position[][] {
  const n = count(cursor, little, 4);
  const out: Position[][] = new Array(n);
  for (let i = 0; i < n; i++) out[i] = positions(cursor, little, dims, hasZ);
  return out;
}

function geometry(cursor: Cursor): Geometry {
  need(cursor, 1);
  const order = cursor.view.getUint8(cursor.offset);
  if (order > 1) throw invalidParameter(`WKB byte-order flag must be 0 or 1, found ${order} at offset ${cursor.offset}`);
  cursor.offset += 1;
  const little = order === 1;
  const raw = uint32(cursor, little);
  // EWKB keeps dimensions and SRID in the high bits; ISO WKB adds 1000s to the type code.
  let hasZ = (raw & 0x80000000) !== 0;
  let hasM = (raw & 0x40000000) !== 0;
  if ((raw & 0x20000000) !== 0) uint32(cursor, little);
  const code = raw & 0x0fffffff;
  const base = code % 1000;
  const iso = Math.floor(code / 1000);
  if (iso === 1 || iso === 3) hasZ = true;
  if (iso === 2 || iso === 3) hasM = true;
  if (base < 1 || base > 7 || iso > 3) throw invalidParameter(`unsupported WKB geometry type ${raw} at offset ${cursor.offset - 4}`);
  const dims = 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0);
  switch (TYPE_NAMES[base]) {
    case 'Point': {
      const p = position(cursor, little, dims, hasZ);
      // An empty point is written as NaN coordinates.
      return { type: 'Point', coordinates: Number.isNaN(p[0]) && Number.isNaN(p[1]) ? [] : p };
    }
    case 'LineString':
      return { type: 'LineString', coordinates: positions(cursor, little, dims, hasZ) };
    case 'Polygon':
      return { type: 'Polygon', coordinates: rings(cursor, little, dims, hasZ) };
    case 'MultiPoint':
      return { type: 'MultiPoint', coordinates: parts(cursor, little, 'Point').map((g) => (g as { coordinates: Position }).coordinates) };
    case 'MultiLineString':
      return { type: 'MultiLineString', coordinates: parts(cursor, little, 'LineString').map((g) => (g as { coordinates: Position[] }).coordinates) };
    case 'MultiPolygon':
      return { type: 'MultiPolygon', coordinates: parts(cursor, little, 'Polygon').map((g) => (g as { coordinates: Position[][] }).coordinates) };
    default:
      return { type: 'GeometryCollection', geometries: parts(cursor, little, null) };
  }
}

/** The member geometries of a multi-geometry or collection; each carries its own byte order and type. */
function parts(cursor: Cursor, little: boolean, expected: string | null): Geometry[] {
  const n = count(cursor, little, 5);
  const out: Geometry[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const part = geometry(cursor);
    if (expected && part.type !== expected) throw invalidParameter(`WKB multi-geometry holds a ${part.type} where a ${expected} belongs`);
    out[i] = part;
  }
  return out;
}

/** Decodes one WKB (or EWKB) geometry into a GeoJSON geometry; throws a TileflowError on bad bytes. */
export function wkbToGeometry(bytes: Uint8Array): Geometry {
  const cursor: Cursor = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const result = geometry(cursor);
  if (cursor.offset !== bytes.byteLength) {
    throw invalidParameter(`WKB has ${bytes.byteLength - cursor.offset} trailing bytes after a ${result.type}`);
  }
  return result;
}
