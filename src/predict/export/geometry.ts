/**
 * GeoJSON geometries as WKT (for CSV, which GIS tools read as a geometry column) and as ISO WKB (for
 * GeoParquet). Written here because DuckDB's spatial extension cannot be installed offline and the
 * repo's `wkb.ts` only decodes. 2-D and 3-D positions; GeometryCollections nest.
 */
import { invalidParameter } from '../../core/errors.js';

/** A GeoJSON geometry as the exports handle it. */
export type ExportGeometry = { type: string; coordinates?: unknown; geometries?: ExportGeometry[] };

const WKB_CODES: Record<string, number> = { Point: 1, LineString: 2, Polygon: 3, MultiPoint: 4, MultiLineString: 5, MultiPolygon: 6, GeometryCollection: 7 };

/** Nesting depth of each type's coordinates: 0 a position, 1 a list of them, and so on. */
const DEPTH: Record<string, number> = { Point: 0, LineString: 1, MultiPoint: 1, Polygon: 2, MultiLineString: 2, MultiPolygon: 3 };

type Positions = number[] | Positions[];

function check(geometry: ExportGeometry): void {
  if (!(geometry.type in WKB_CODES)) throw invalidParameter(`cannot encode a ${JSON.stringify(geometry.type)} geometry`);
  if (geometry.type === 'GeometryCollection' ? !Array.isArray(geometry.geometries) : !Array.isArray(geometry.coordinates)) {
    throw invalidParameter(`a ${geometry.type} needs ${geometry.type === 'GeometryCollection' ? 'geometries' : 'coordinates'}`);
  }
}

/** Whether any position has a third coordinate (the whole geometry is then written 3-D). */
function hasZ(geometry: ExportGeometry): boolean {
  if (geometry.type === 'GeometryCollection') return (geometry.geometries ?? []).some(hasZ);
  const visit = (value: Positions, depth: number): boolean =>
    depth === 0 ? (value as number[]).length > 2 : (value as Positions[]).some((v) => visit(v, depth - 1));
  return visit(geometry.coordinates as Positions, DEPTH[geometry.type]);
}

// ---- WKT ----

function wktPosition(p: number[], z: boolean): string {
  return z ? `${p[0]} ${p[1]} ${p[2] ?? 0}` : `${p[0]} ${p[1]}`;
}

function wktBody(value: Positions, depth: number, z: boolean): string {
  if (depth === 0) return wktPosition(value as number[], z);
  return `(${(value as Positions[]).map((v) => (depth === 1 ? wktPosition(v as number[], z) : wktBody(v, depth - 1, z))).join(', ')})`;
}

/** The geometry as OGC WKT (`POLYGON ((…))`, `POINT Z (…)`), the text GDAL, QGIS and PostGIS read. */
export function geometryToWkt(geometry: ExportGeometry): string {
  check(geometry);
  const z = hasZ(geometry);
  const name = `${geometry.type.toUpperCase()}${z ? ' Z' : ''}`;
  if (geometry.type === 'GeometryCollection') {
    const parts = geometry.geometries as ExportGeometry[];
    return parts.length ? `${name} (${parts.map(geometryToWkt).join(', ')})` : `${name} EMPTY`;
  }
  const coordinates = geometry.coordinates as Positions;
  if (coordinates.length === 0) return `${name} EMPTY`;
  if (geometry.type === 'Point') return `${name} (${wktPosition(coordinates as number[], z)})`;
  // MULTIPOINT lists its points in parentheses each, the unambiguous form.
  if (geometry.type === 'MultiPoint') return `${name} (${(coordinates as number[][]).map((p) => `(${wktPosition(p, z)})`).join(', ')})`;
  return `${name} ${wktBody(coordinates, DEPTH[geometry.type], z)}`;
}

// ---- WKB ----

/** Bytes of the geometry's WKB, to size the buffer once. */
function wkbSize(geometry: ExportGeometry, dims: number): number {
  if (geometry.type === 'GeometryCollection') return 9 + (geometry.geometries as ExportGeometry[]).reduce((n, g) => n + wkbSize(g, dims), 0);
  const c = geometry.coordinates as Positions;
  const pos = 8 * dims;
  const line = (l: number[][]) => 4 + l.length * pos;
  const polygon = (p: number[][][]) => 4 + p.reduce((n, r) => n + line(r), 0);
  switch (geometry.type) {
    case 'Point':
      return 5 + pos;
    case 'LineString':
      return 5 + line(c as number[][]);
    case 'Polygon':
      return 5 + polygon(c as number[][][]);
    case 'MultiPoint':
      return 9 + (c as number[][]).length * (5 + pos);
    case 'MultiLineString':
      return 9 + (c as number[][][]).reduce((n, l) => n + 5 + line(l), 0);
    default:
      return 9 + (c as number[][][][]).reduce((n, p) => n + 5 + polygon(p), 0);
  }
}

class WkbWriter {
  private offset = 0;
  constructor(
    private readonly view: DataView,
    private readonly dims: number,
  ) {}

  header(type: string): void {
    this.view.setUint8(this.offset, 1);
    // ISO WKB: 1000 added to the type code for Z.
    this.view.setUint32(this.offset + 1, WKB_CODES[type] + (this.dims === 3 ? 1000 : 0), true);
    this.offset += 5;
  }

  uint32(n: number): void {
    this.view.setUint32(this.offset, n, true);
    this.offset += 4;
  }

  position(p: number[]): void {
    for (let d = 0; d < this.dims; d++) {
      // An empty point is NaN, NaN by convention; a missing Z in a 3-D geometry is 0.
      this.view.setFloat64(this.offset, p.length === 0 ? NaN : (p[d] ?? 0), true);
      this.offset += 8;
    }
  }

  line(l: number[][]): void {
    this.uint32(l.length);
    for (const p of l) this.position(p);
  }

  polygon(rings: number[][][]): void {
    this.uint32(rings.length);
    for (const r of rings) this.line(r);
  }

  geometry(geometry: ExportGeometry): void {
    check(geometry);
    this.header(geometry.type);
    const c = geometry.coordinates as Positions;
    switch (geometry.type) {
      case 'Point':
        return this.position(c as number[]);
      case 'LineString':
        return this.line(c as number[][]);
      case 'Polygon':
        return this.polygon(c as number[][][]);
      case 'MultiPoint':
        this.uint32(c.length);
        for (const p of c as number[][]) this.geometry({ type: 'Point', coordinates: p });
        return;
      case 'MultiLineString':
        this.uint32(c.length);
        for (const l of c as number[][][]) this.geometry({ type: 'LineString', coordinates: l });
        return;
      case 'MultiPolygon':
        this.uint32(c.length);
        for (const p of c as number[][][][]) this.geometry({ type: 'Polygon', coordinates: p });
        return;
      default: {
        const parts = geometry.geometries as ExportGeometry[];
        this.uint32(parts.length);
        for (const g of parts) this.geometry(g);
      }
    }
  }
}

/** The geometry as little-endian ISO WKB (GeoParquet's `WKB` encoding). */
export function geometryToWkb(geometry: ExportGeometry): Uint8Array {
  check(geometry);
  const dims = hasZ(geometry) ? 3 : 2;
  const bytes = new Uint8Array(wkbSize(geometry, dims));
  new WkbWriter(new DataView(bytes.buffer), dims).geometry(geometry);
  return bytes;
}

/** [west, south, east, north] of a geometry, or null when it has no positions. */
export function exportBbox(geometry: ExportGeometry): [number, number, number, number] | null {
  const box: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (g: ExportGeometry): void => {
    if (g.type === 'GeometryCollection') return (g.geometries ?? []).forEach(visit);
    const walk = (value: Positions, depth: number): void => {
      if (depth > 0) return (value as Positions[]).forEach((v) => walk(v, depth - 1));
      const p = value as number[];
      if (p.length < 2) return;
      if (p[0] < box[0]) box[0] = p[0];
      if (p[1] < box[1]) box[1] = p[1];
      if (p[0] > box[2]) box[2] = p[0];
      if (p[1] > box[3]) box[3] = p[1];
    };
    walk(g.coordinates as Positions, DEPTH[g.type] ?? 0);
  };
  visit(geometry);
  return Number.isFinite(box[0]) ? box : null;
}

/** The geometry's type as GeoParquet's `geometry_types` names it (`Polygon`, `Point Z`). */
export function geometryTypeName(geometry: ExportGeometry): string {
  check(geometry);
  return hasZ(geometry) ? `${geometry.type} Z` : geometry.type;
}
