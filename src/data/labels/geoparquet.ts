/**
 * GeoParquet labels through DuckDB: the `geo` key-value metadata names the geometry column, its encoding
 * (WKB or a GeoArrow layout), CRS and bbox covering columns. Attribute filters are SQL over the Parquet
 * columns; a bbox filter uses the covering columns in SQL when the file has them, else per-feature
 * boxes computed from the decoded geometries. Every GeoParquet version from 0.1 to 2.0-dev reads.
 */
import fs from 'node:fs';
import { invalidParameter, notFound } from '../../core/errors.js';
import { openDuckSession, plainValue, runQuery, sqlIdentifier, sqlString, type DuckSession } from './duckdb.js';
import { geoarrowToGeometry } from './geoarrow.js';
import { bboxesIntersect, geometryBBox } from './geometry.js';
import type { BBox, Geometry, LabelColumn, LabelFeature, LabelQuery, LabelSource } from './types.js';
import { wkbToGeometry } from './wkb.js';

/** What the `geo` metadata says about the primary geometry column. */
export interface GeoParquetMetadata {
  version: string | null;
  primaryColumn: string;
  encoding: string;
  crs: string;
  geometryTypes: string[];
  bbox: BBox | null;
  /** The struct fields holding each feature's box, as SQL expressions, when the file has a covering. */
  covering: { column: string; xmin: string; ymin: string; xmax: string; ymax: string } | null;
  /** Every geometry column, so none of them is reported as an attribute. */
  geometryColumns: string[];
}

/** A CRS from GeoParquet metadata: absent means OGC:CRS84, null means unknown (''), PROJJSON by its id, WKT by its last ID. */
export function crsFromGeoParquet(crs: unknown): string {
  if (crs === undefined) return 'OGC:CRS84';
  if (crs === null) return '';
  if (typeof crs === 'object') {
    const id = (crs as { id?: { authority?: string; code?: string | number } }).id;
    return id?.authority && id.code !== undefined ? `${id.authority}:${id.code}` : JSON.stringify(crs);
  }
  const text = String(crs);
  // In WKT2 the CRS's own identifier is the last ID[...] at the outermost level, which ends the text.
  const id = /ID\["([^"]+)",\s*"?([^"\]]+)"?\]\]\s*$/.exec(text);
  return id ? `${id[1]}:${id[2]}` : text;
}

function coveringSql(covering: unknown): GeoParquetMetadata['covering'] {
  const bbox = (covering as { bbox?: Record<string, unknown> } | undefined)?.bbox;
  if (!bbox) return null;
  const path = (key: string) => {
    const parts = bbox[key];
    if (!Array.isArray(parts) || parts.length === 0) throw invalidParameter(`GeoParquet covering.bbox.${key} must name a column and field`);
    return parts.map((p) => sqlIdentifier(String(p))).join('.');
  };
  return { column: String((bbox.xmin as unknown[])[0]), xmin: path('xmin'), ymin: path('ymin'), xmax: path('xmax'), ymax: path('ymax') };
}

/** Parses the `geo` metadata JSON (any spec version); `fallbackColumn` is used when the file has none. */
export function parseGeoMetadata(text: string | null, fallbackColumn: string | null): GeoParquetMetadata {
  if (text === null) {
    if (!fallbackColumn) throw invalidParameter("not GeoParquet: no 'geo' metadata and no BLOB column named geometry, geom or wkb_geometry");
    return { version: null, primaryColumn: fallbackColumn, encoding: 'WKB', crs: '', geometryTypes: [], bbox: null, covering: null, geometryColumns: [fallbackColumn] };
  }
  const geo = JSON.parse(text) as { version?: string; primary_column?: string; columns?: Record<string, Record<string, unknown>> };
  const primary = geo.primary_column;
  const column = primary ? geo.columns?.[primary] : undefined;
  if (!primary || !column) throw invalidParameter("GeoParquet 'geo' metadata has no primary_column described in 'columns'");
  const types = column.geometry_types ?? column.geometry_type ?? [];
  const bbox = Array.isArray(column.bbox) && column.bbox.length >= 4 ? column.bbox : null;
  return {
    version: geo.version ?? null,
    primaryColumn: primary,
    encoding: String(column.encoding ?? 'WKB'),
    crs: crsFromGeoParquet(column.crs),
    geometryTypes: (Array.isArray(types) ? types : [types]).map(String),
    // A 3-D bbox is [minx, miny, minz, maxx, maxy, maxz].
    bbox: bbox ? (bbox.length === 6 ? [bbox[0], bbox[1], bbox[3], bbox[4]] : [bbox[0], bbox[1], bbox[2], bbox[3]]) : null,
    covering: coveringSql(column.covering),
    geometryColumns: Object.keys(geo.columns ?? {}),
  };
}

/** Decodes a geometry cell: WKB bytes (BLOB or Parquet GEOMETRY) or a GeoArrow value. */
function decodeGeometry(value: unknown, encoding: string): Geometry | null {
  if (value === null || value === undefined) return null;
  if (encoding.toUpperCase() === 'WKB') {
    if (!(value instanceof Uint8Array)) throw invalidParameter('a WKB geometry column holds something other than bytes');
    return wkbToGeometry(value);
  }
  return geoarrowToGeometry(value, encoding);
}

/** A GeoParquet file as a label source; rows are read straight from the file on every query. */
class GeoParquetLabels implements LabelSource {
  readonly format = 'geoparquet' as const;
  readonly crs: string;
  constructor(
    readonly path: string,
    readonly metadata: GeoParquetMetadata,
    readonly columns: LabelColumn[],
    private readonly session: DuckSession,
  ) {
    this.crs = metadata.crs;
  }

  /** The query, and whether the bbox still has to be checked in JS (no covering columns). */
  private plan(query: LabelQuery): { sql: string; filterInJs: boolean } {
    const { covering, primaryColumn } = this.metadata;
    const clauses = ['TRUE'];
    if (query.where?.trim()) clauses.push(`(${query.where})`);
    const filterInJs = query.bbox !== undefined && covering === null;
    if (query.bbox && covering) {
      const [minx, miny, maxx, maxy] = query.bbox.map(Number);
      clauses.push(`${covering.xmin} <= ${maxx} AND ${covering.xmax} >= ${minx} AND ${covering.ymin} <= ${maxy} AND ${covering.ymax} >= ${miny}`);
    }
    const limit = query.limit !== undefined && !filterInJs ? ` LIMIT ${Math.max(0, Math.floor(query.limit))}` : '';
    const attributes = this.columns.map((c) => sqlIdentifier(c.name));
    const select = ['file_row_number AS __fid', `${sqlIdentifier(primaryColumn)} AS __geom`, ...attributes].join(', ');
    const from = `read_parquet(${sqlString(this.path)}, file_row_number = true)`;
    return { sql: `SELECT ${select} FROM ${from} WHERE ${clauses.join(' AND ')} ORDER BY file_row_number${limit}`, filterInJs };
  }

  async query(query: LabelQuery = {}): Promise<LabelFeature[]> {
    const { sql, filterInJs } = this.plan(query);
    const limit = query.limit ?? Infinity;
    const result = await runQuery(this.session, sql, `filter on ${this.path}`);
    const out: LabelFeature[] = [];
    for await (const rows of result.yieldRowObjectJs()) {
      for (const row of rows) {
        const geometry = decodeGeometry(row.__geom, this.metadata.encoding);
        if (filterInJs) {
          const box = geometry ? geometryBBox(geometry) : null;
          if (!box || !bboxesIntersect(box, query.bbox as BBox)) continue;
        }
        const properties: Record<string, unknown> = {};
        for (const c of this.columns) properties[c.name] = plainValue(row[c.name]);
        out.push({ id: Number(row.__fid), properties, geometry });
        if (out.length >= limit) return out;
      }
    }
    return out;
  }

  async count(query: LabelQuery = {}): Promise<number> {
    const { sql, filterInJs } = this.plan(query);
    if (filterInJs) return (await this.query(query)).length;
    const result = await runQuery(this.session, `SELECT count(*) FROM (${sql})`, `filter on ${this.path}`);
    return Number((await result.getRows())[0][0]);
  }

  async close(): Promise<void> {
    this.session.close();
  }
}

/** Opens a GeoParquet file as a label source, reading its `geo` metadata. */
export async function openGeoParquetLabels(path: string): Promise<LabelSource> {
  if (!fs.existsSync(path)) throw notFound(`no such label file: ${path}`);
  const session = await openDuckSession();
  try {
    const file = sqlString(path);
    const unreadable = `${path} is not a readable Parquet file`;
    const described = await (await runQuery(session, `DESCRIBE SELECT * FROM read_parquet(${file})`, unreadable)).getRowObjectsJS();
    const all = described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const kv = await (await runQuery(session, `SELECT value FROM parquet_kv_metadata(${file}) WHERE decode(key) = 'geo'`, unreadable)).getRowsJS();
    const text = kv.length ? Buffer.from(kv[0][0] as Uint8Array).toString('utf8') : null;
    const fallback = all.find((c) => /^(geometry|geom|wkb_geometry)$/i.test(c.name) && c.type === 'BLOB')?.name ?? null;
    const metadata = parseGeoMetadata(text, fallback);
    const hidden = new Set(metadata.geometryColumns);
    if (metadata.covering) hidden.add(metadata.covering.column);
    if (!all.some((c) => c.name === metadata.primaryColumn)) throw invalidParameter(`${path}: the geometry column '${metadata.primaryColumn}' is not in the file`);
    return new GeoParquetLabels(path, metadata, all.filter((c) => !hidden.has(c.name)), session);
  } catch (error) {
    session.close();
    if (error instanceof Error && /^(IO|Invalid Input) Error/.test(error.message)) throw invalidParameter(`${path} is not a readable Parquet file: ${error.message.split('\n')[0]}`);
    throw error;
  }
}
