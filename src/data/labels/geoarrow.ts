/**
 * GeoParquet's native (GeoArrow) encodings to GeoJSON: `point`, `linestring`, `polygon`, `multipoint`,
 * `multilinestring`, `multipolygon`, as DuckDB returns them (nested lists of `{x, y[, z]}` structs, or of
 * `[x, y]` arrays for the interleaved layout).
 */
import { invalidParameter } from '../../core/errors.js';
import type { Geometry, Position } from './types.js';

/** The GeoArrow encodings GeoParquet 1.1 allows, by name, with the nesting depth of their coordinates. */
export const GEOARROW_ENCODINGS: Record<string, { type: Geometry['type']; depth: number }> = {
  point: { type: 'Point', depth: 0 },
  linestring: { type: 'LineString', depth: 1 },
  multipoint: { type: 'MultiPoint', depth: 1 },
  polygon: { type: 'Polygon', depth: 2 },
  multilinestring: { type: 'MultiLineString', depth: 2 },
  multipolygon: { type: 'MultiPolygon', depth: 3 },
};

function toPosition(value: unknown): Position {
  if (Array.isArray(value)) return value.map(Number);
  if (value && typeof value === 'object') {
    const c = value as { x?: unknown; y?: unknown; z?: unknown };
    return c.z === undefined || c.z === null ? [Number(c.x), Number(c.y)] : [Number(c.x), Number(c.y), Number(c.z)];
  }
  throw invalidParameter(`a GeoArrow coordinate must be a struct or a list, found ${typeof value}`);
}

function nest(value: unknown, depth: number): unknown {
  if (depth === 0) return toPosition(value);
  if (!Array.isArray(value)) throw invalidParameter('a GeoArrow geometry is nested less deeply than its encoding says');
  return value.map((v) => nest(v, depth - 1));
}

/** Converts one GeoArrow value of the named encoding to a GeoJSON geometry. */
export function geoarrowToGeometry(value: unknown, encoding: string): Geometry {
  const spec = GEOARROW_ENCODINGS[encoding.toLowerCase()];
  if (!spec) throw invalidParameter(`unsupported GeoParquet geometry encoding '${encoding}'`);
  const coordinates = nest(value, spec.depth);
  // GeoArrow writes an empty point as NaN coordinates; GeoJSON's empty point has none.
  if (spec.depth === 0 && (coordinates as Position).every(Number.isNaN)) return { type: 'Point', coordinates: [] };
  return { type: spec.type, coordinates } as Geometry;
}
