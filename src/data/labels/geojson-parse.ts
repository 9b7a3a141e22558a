/**
 * Reads GeoJSON text into checked features. Bad input fails with a message that names the feature and
 * the problem (unclosed ring, too few positions, a ring that crosses itself, a non-numeric coordinate),
 * because a label file that half-loads makes a dataset that is quietly wrong.
 */
import { invalidParameter } from '../../core/errors.js';
import { findRingIntersection, type Point } from '../../geo/intersections.js';
import type { Geometry, LabelFeature, Position } from './types.js';

/** Parsed GeoJSON: its features and the CRS it declares (RFC 7946 default: OGC:CRS84). */
export interface ParsedGeoJson {
  features: LabelFeature[];
  crs: string;
}

const GEOMETRY_TYPES = new Set(['Point', 'MultiPoint', 'LineString', 'MultiLineString', 'Polygon', 'MultiPolygon', 'GeometryCollection']);

class Problem extends Error {}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkPosition(p: unknown, where: string): Position {
  if (!Array.isArray(p) || p.length < 2) throw new Problem(`${where} is not a position (an array of at least two numbers)`);
  for (const c of p) if (typeof c !== 'number' || !Number.isFinite(c)) throw new Problem(`${where} has a non-numeric coordinate ${JSON.stringify(c)}`);
  return p as Position;
}

function checkPositions(a: unknown, min: number, where: string): Position[] {
  if (!Array.isArray(a)) throw new Problem(`${where} must be an array of positions`);
  a.forEach((p, i) => checkPosition(p, `${where} position ${i}`));
  if (a.length < min) throw new Problem(`${where} has ${a.length} positions; at least ${min} are needed`);
  return a as Position[];
}

function checkRing(a: unknown, where: string): void {
  const ring = checkPositions(a, 4, where);
  const first = ring[0];
  const last = ring[ring.length - 1];
  if (first[0] !== last[0] || first[1] !== last[1]) throw new Problem(`${where} is not closed (its first and last positions differ)`);
}

const CONTACT = { cross: 'cross', touch: 'touch', overlap: 'overlap' } as const;

/** Checks each ring, then that no ring crosses, touches or overlaps itself or another (src/geo's exact sweep). */
function checkPolygon(a: unknown, where: string): void {
  if (!Array.isArray(a)) throw new Problem(`${where} must be an array of rings`);
  a.forEach((ring, i) => checkRing(ring, `${where} ring ${i}`));
  const hit = findRingIntersection(a as Point[][]);
  if (!hit) return;
  const what = CONTACT[hit.kind];
  if (hit.a.ring === hit.b.ring) throw new Problem(`${where} ring ${hit.a.ring} intersects itself (edges ${hit.a.index} and ${hit.b.index} ${what})`);
  throw new Problem(`${where} rings ${hit.a.ring} and ${hit.b.ring} intersect (edges ${hit.a.index} and ${hit.b.index} ${what})`);
}

function checkList(a: unknown, where: string, each: (item: unknown, where: string) => void): void {
  if (!Array.isArray(a)) throw new Problem(`${where} must be an array`);
  a.forEach((item, i) => each(item, `${where} part ${i}`));
}

/** Checks a GeoJSON geometry object and returns it typed; throws a Problem naming what is wrong. */
function checkGeometry(g: unknown, where: string): Geometry {
  if (!isObject(g)) throw new Problem(`${where} must be an object`);
  const type = g.type;
  if (typeof type !== 'string' || !GEOMETRY_TYPES.has(type)) throw new Problem(`${where} has unknown type ${JSON.stringify(type)}`);
  const c = g.coordinates;
  const at = `${where} (${type})`;
  switch (type) {
    case 'Point':
      checkPosition(c, at);
      break;
    case 'MultiPoint':
      checkPositions(c, 0, at);
      break;
    case 'LineString':
      checkPositions(c, 2, at);
      break;
    case 'MultiLineString':
      checkList(c, at, (line, w) => checkPositions(line, 2, w));
      break;
    case 'Polygon':
      checkPolygon(c, at);
      break;
    case 'MultiPolygon':
      checkList(c, at, (polygon, w) => checkPolygon(polygon, w));
      break;
    default:
      if (!Array.isArray(g.geometries)) throw new Problem(`${at} must have a 'geometries' array`);
      g.geometries.forEach((member, i) => checkGeometry(member, `${at} member ${i}`));
  }
  return g as unknown as Geometry;
}

/** The CRS named by a legacy (2008) `crs` member, as `OGC:CRS84` or `EPSG:<code>`. */
function declaredCrs(doc: Record<string, unknown>): string {
  const crs = doc.crs;
  if (!isObject(crs) || !isObject(crs.properties) || typeof crs.properties.name !== 'string') return 'OGC:CRS84';
  const name = crs.properties.name;
  if (/CRS84$/i.test(name)) return 'OGC:CRS84';
  const epsg = /EPSG:{1,2}(\d+)$/i.exec(name);
  return epsg ? `EPSG:${epsg[1]}` : name;
}

function toFeature(f: unknown, index: number): LabelFeature {
  const label = `feature ${index}`;
  if (!isObject(f) || f.type !== 'Feature') throw new Problem(`${label} is not a GeoJSON Feature (type ${JSON.stringify(isObject(f) ? f.type : f)})`);
  const id = typeof f.id === 'string' || typeof f.id === 'number' ? f.id : index;
  const named = id === index ? label : `${label} (id ${JSON.stringify(id)})`;
  if (f.properties !== null && f.properties !== undefined && !isObject(f.properties)) throw new Problem(`${named}: properties must be an object or null`);
  const geometry = f.geometry === null || f.geometry === undefined ? null : checkGeometry(f.geometry, `${named}: geometry`);
  return { id, properties: (f.properties as Record<string, unknown> | null) ?? {}, geometry };
}

/** Parses and checks GeoJSON text (a FeatureCollection, a Feature or a bare geometry); `name` goes into error messages. */
export function parseGeoJson(text: string, name: string): ParsedGeoJson {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw invalidParameter(`${name} is not valid JSON: ${(error as Error).message}`);
  }
  if (!isObject(doc)) throw invalidParameter(`${name} is not a GeoJSON object`);
  try {
    let features: LabelFeature[];
    if (doc.type === 'FeatureCollection') {
      if (!Array.isArray(doc.features)) throw new Problem("a FeatureCollection needs a 'features' array");
      features = doc.features.map(toFeature);
    } else if (doc.type === 'Feature') {
      features = [toFeature(doc, 0)];
    } else if (typeof doc.type === 'string' && GEOMETRY_TYPES.has(doc.type)) {
      features = [{ id: 0, properties: {}, geometry: checkGeometry(doc, 'geometry') }];
    } else {
      throw new Problem(`unknown GeoJSON type ${JSON.stringify(doc.type)}`);
    }
    return { features, crs: declaredCrs(doc) };
  } catch (error) {
    if (error instanceof Problem) throw invalidParameter(`${name}: ${error.message}`);
    throw error;
  }
}
