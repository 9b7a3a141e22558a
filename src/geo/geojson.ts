/**
 * Reads the polygons out of a GeoJSON AOI (Feature, FeatureCollection, Polygon or MultiPolygon) and
 * refuses anything a tile cover cannot trust: wrong types, short or unclosed rings, coordinates that
 * are not longitudes and latitudes, self-intersecting rings and polygons across the antimeridian.
 * Each message names where the problem is, as a path into the document (`features[2].geometry…`).
 */
import { invalidParameter } from '../core/errors.js';
import { findRingIntersection, type RingSegment } from './intersections.js';

/** A position `[longitude, latitude]` in degrees. */
export type Position = [number, number];

/** A polygon read from GeoJSON: closed rings (the first one the shell, then holes) and where it was found. */
export interface AoiPolygon {
  readonly rings: Position[][];
  /** Where the polygon is in the document, e.g. `features[0].geometry.coordinates[1]`. */
  readonly path: string;
}

/** Whether `value` is a non-null, non-array object. */
function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The error for a problem at `path` of the document ('' for the document itself). */
function invalidAt(path: string, problem: string) {
  return invalidParameter(path ? `invalid GeoJSON at ${path}: ${problem}` : `invalid GeoJSON: ${problem}`);
}

/** The path of member `key` of the value at `path`. */
function member(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

/** A JSON value in a message, short enough for one line. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** A position checked as `[lon, lat]` in range; a third number (elevation) is allowed and dropped. */
function readPosition(value: unknown, path: string): Position {
  if (!Array.isArray(value) || value.length < 2 || value.length > 3) {
    throw invalidAt(path, `a position must be [longitude, latitude], got ${show(value)}`);
  }
  if (!value.every((n) => typeof n === 'number' && Number.isFinite(n))) {
    throw invalidAt(path, `a position must hold finite numbers, got ${show(value)}`);
  }
  const [lon, lat] = value as number[];
  if (lon < -180 || lon > 180) throw invalidAt(path, `longitude ${lon} is out of range [-180, 180]`);
  if (lat < -90 || lat > 90) throw invalidAt(path, `latitude ${lat} is out of range [-90, 90]`);
  return [lon, lat];
}

/** Whether a ring holds at least three distinct positions (found without building a set). */
function hasThreeDistinct(ring: Position[]): boolean {
  const [first] = ring;
  const second = ring.find(([x, y]) => x !== first[0] || y !== first[1]);
  return second !== undefined && ring.some(([x, y]) => (x !== first[0] || y !== first[1]) && (x !== second[0] || y !== second[1]));
}

/** A linear ring checked: at least 4 positions, closed, and at least 3 distinct positions. */
function readRing(value: unknown, path: string): Position[] {
  if (!Array.isArray(value)) throw invalidAt(path, `a ring must be an array of positions, got ${show(value)}`);
  const ring = value.map((position, i) => readPosition(position, `${path}[${i}]`));
  if (ring.length < 4) throw invalidAt(path, `a ring needs at least 4 positions (closed), found ${ring.length}`);
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (first[0] !== last[0] || first[1] !== last[1]) {
    throw invalidAt(path, `the ring is not closed: it starts at ${show(first)} and ends at ${show(last)}`);
  }
  if (!hasThreeDistinct(ring)) throw invalidAt(path, 'the ring has fewer than 3 distinct positions, so no area');
  return ring;
}

/** A segment for a message: its number and its ends. */
function describeSegment(segment: RingSegment): string {
  return `segment ${segment.index} ${show([segment.start, segment.end])}`;
}

/** What a contact between segments is called in a message. */
const CONTACT_VERBS = { cross: 'crosses', touch: 'touches', overlap: 'overlaps' } as const;

/** A polygon's coordinates checked: rings, no self-intersections, within 180° of longitude. */
function readPolygon(value: unknown, path: string): AoiPolygon {
  if (!Array.isArray(value)) throw invalidAt(path, `polygon coordinates must be an array of rings, got ${show(value)}`);
  if (value.length === 0) throw invalidAt(path, 'a polygon needs at least one ring');
  const rings = value.map((ring, i) => readRing(ring, `${path}[${i}]`));
  let west = Infinity;
  let east = -Infinity;
  for (const ring of rings) {
    for (const [lon] of ring) {
      west = Math.min(west, lon);
      east = Math.max(east, lon);
    }
  }
  const span = east - west;
  // A polygon wider than half the world was most likely drawn across the antimeridian, where its
  // straight edges would go the long way round; one reaching both -180 and 180 is a world-wide band.
  if (span > 180 && !(west === -180 && east === 180)) {
    throw invalidAt(
      path,
      `the polygon spans ${span.toFixed(6).replace(/\.?0+$/, '')}° of longitude; a polygon that crosses the antimeridian ` +
        'must be split in two at ±180° (RFC 7946, section 3.1.9), e.g. as a MultiPolygon',
    );
  }
  const hit = findRingIntersection(rings);
  if (hit) {
    const where = hit.a.ring === hit.b.ring ? `ring ${hit.a.ring} intersects itself` : `ring ${hit.a.ring} and ring ${hit.b.ring} intersect`;
    throw invalidAt(path, `${where}: ${describeSegment(hit.a)} ${CONTACT_VERBS[hit.kind]} ${describeSegment(hit.b)}`);
  }
  return { rings, path };
}

/** The polygons of a Polygon or MultiPolygon geometry object. */
function readGeometry(value: unknown, path: string): AoiPolygon[] {
  if (!isObject(value)) throw invalidAt(path, `a geometry must be an object, got ${show(value)}`);
  const { type, coordinates } = value;
  const at = member(path, 'coordinates');
  if (type === 'Polygon') return [readPolygon(coordinates, at)];
  if (type === 'MultiPolygon') {
    if (!Array.isArray(coordinates)) throw invalidAt(at, `MultiPolygon coordinates must be an array of polygons, got ${show(coordinates)}`);
    return coordinates.map((polygon, i) => readPolygon(polygon, `${at}[${i}]`));
  }
  if (typeof type !== 'string') throw invalidAt(path, `a geometry needs a "type", got ${show(type)}`);
  throw invalidAt(path, `geometry type ${type} cannot be covered: only Polygon and MultiPolygon have an area`);
}

/** The polygons of a Feature (its geometry must be there). */
function readFeature(value: unknown, path: string): AoiPolygon[] {
  if (!isObject(value) || value.type !== 'Feature') throw invalidAt(path, `expected a Feature, got ${show(value)}`);
  if (value.geometry === null || value.geometry === undefined) throw invalidAt(path, 'the feature has no geometry');
  return readGeometry(value.geometry, member(path, 'geometry'));
}

/**
 * Every polygon in a GeoJSON Feature, FeatureCollection, Polygon or MultiPolygon, validated; throws
 * INVALID_PARAMETER_VALUE naming the first problem and where it is, or when there is no polygon at all.
 */
export function readPolygons(geojson: unknown): AoiPolygon[] {
  if (!isObject(geojson)) throw invalidAt('', `expected an object, got ${show(geojson)}`);
  let polygons: AoiPolygon[];
  if (geojson.type === 'FeatureCollection') {
    if (!Array.isArray(geojson.features)) throw invalidAt('features', `a FeatureCollection needs an array of features, got ${show(geojson.features)}`);
    polygons = geojson.features.flatMap((feature, i) => readFeature(feature, `features[${i}]`));
  } else if (geojson.type === 'Feature') {
    polygons = readFeature(geojson, '');
  } else if (typeof geojson.type === 'string') {
    polygons = readGeometry(geojson, '');
  } else {
    throw invalidAt('', 'the object has no "type" (Feature, FeatureCollection, Polygon or MultiPolygon)');
  }
  if (polygons.length === 0) throw invalidAt('', 'it holds no polygon to cover');
  return polygons;
}
