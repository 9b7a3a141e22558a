/**
 * GeoJSON labels through DuckDB. The file is parsed and checked in JS (so bad GeoJSON gets a precise
 * message), then its properties and per-feature bounding boxes go into a DuckDB table, so `where`
 * clauses are real SQL and bbox filters run in the same query. Features come back exactly as written.
 */
import fs from 'node:fs/promises';
import { LIST, VARCHAR, type DuckDBAppender } from '@duckdb/node-api';
import { notFound } from '../../core/errors.js';
import { openDuckSession, runQuery, sqlIdentifier, type DuckSession } from './duckdb.js';
import { parseGeoJson } from './geojson-parse.js';
import { geometryBBox } from './geometry.js';
import type { LabelColumn, LabelFeature, LabelQuery, LabelSource } from './types.js';

type ColumnKind = 'BOOLEAN' | 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'VARCHAR[]' | 'JSON';

function kindOf(value: unknown): ColumnKind {
  if (typeof value === 'boolean') return 'BOOLEAN';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'BIGINT' : 'DOUBLE';
  if (typeof value === 'string') return 'VARCHAR';
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return 'VARCHAR[]';
  return 'JSON';
}

/** The narrowest column type that holds every value seen: integers widen to doubles, mixed scalars to text. */
function widen(a: ColumnKind | undefined, b: ColumnKind): ColumnKind {
  if (a === undefined || a === b) return b;
  if ((a === 'BIGINT' && b === 'DOUBLE') || (a === 'DOUBLE' && b === 'BIGINT')) return 'DOUBLE';
  if (a === 'JSON' || b === 'JSON' || a === 'VARCHAR[]' || b === 'VARCHAR[]') return 'JSON';
  return 'VARCHAR';
}

/** Column names and types from the features' properties; names equal but for case keep the first (SQL folds case). */
function inferColumns(features: LabelFeature[]): LabelColumn[] {
  const kinds = new Map<string, ColumnKind | undefined>();
  const firstByFolded = new Map<string, string>();
  for (const f of features) {
    for (const [name, value] of Object.entries(f.properties)) {
      const first = firstByFolded.get(name.toLowerCase());
      if (first === undefined) {
        firstByFolded.set(name.toLowerCase(), name);
        kinds.set(name, undefined);
      } else if (first !== name) continue;
      if (value !== null && value !== undefined) kinds.set(name, widen(kinds.get(name), kindOf(value)));
    }
  }
  return [...kinds].map(([name, kind]) => ({ name, type: kind ?? 'VARCHAR' }));
}

function appendValue(appender: DuckDBAppender, kind: string, value: unknown): void {
  if (value === null || value === undefined) return appender.appendNull();
  switch (kind) {
    case 'BOOLEAN':
      return appender.appendBoolean(Boolean(value));
    case 'BIGINT':
      return appender.appendBigInt(BigInt(value as number));
    case 'DOUBLE':
      return appender.appendDouble(Number(value));
    case 'VARCHAR':
      return appender.appendVarchar(typeof value === 'string' ? value : JSON.stringify(value));
    case 'VARCHAR[]':
      return appender.appendList(value as string[], LIST(VARCHAR));
    default:
      return appender.appendVarchar(JSON.stringify(value));
  }
}

/** A GeoJSON label source: parsed features in memory, attributes and boxes in DuckDB. */
class GeoJsonLabels implements LabelSource {
  readonly format = 'geojson' as const;
  constructor(
    readonly path: string,
    readonly crs: string,
    readonly columns: LabelColumn[],
    private readonly features: LabelFeature[],
    private readonly session: DuckSession,
  ) {}

  private sql(select: string, query: LabelQuery): string {
    const clauses = ['TRUE'];
    if (query.where?.trim()) clauses.push(`(${query.where})`);
    if (query.bbox) {
      const [minx, miny, maxx, maxy] = query.bbox.map(Number);
      clauses.push(`__minx <= ${maxx} AND __maxx >= ${minx} AND __miny <= ${maxy} AND __maxy >= ${miny}`);
    }
    const limit = query.limit === undefined ? '' : ` LIMIT ${Math.max(0, Math.floor(query.limit))}`;
    return `SELECT ${select} FROM features WHERE ${clauses.join(' AND ')}${select === '__fid' ? ' ORDER BY __fid' : ''}${limit}`;
  }

  async query(query: LabelQuery = {}): Promise<LabelFeature[]> {
    const result = await runQuery(this.session, this.sql('__fid', query), `filter on ${this.path}`);
    const out: LabelFeature[] = [];
    for await (const rows of result.yieldRows()) for (const row of rows) out.push(this.features[Number(row[0])]);
    return out;
  }

  async count(query: LabelQuery = {}): Promise<number> {
    const sql = `SELECT count(*) FROM (${this.sql('__fid', query)})`;
    const result = await runQuery(this.session, sql, `filter on ${this.path}`);
    const rows = await result.getRows();
    return Number(rows[0][0]);
  }

  async close(): Promise<void> {
    this.session.close();
  }
}

/** Opens a GeoJSON file as a label source; malformed GeoJSON fails with a message naming the problem. */
export async function openGeoJsonLabels(path: string): Promise<LabelSource> {
  let text: string;
  try {
    text = await fs.readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`no such label file: ${path}`);
    throw error;
  }
  const { features, crs } = parseGeoJson(text, path);
  const columns = inferColumns(features);
  const session = await openDuckSession();
  try {
    const boxColumns = ['__fid INTEGER', '__minx DOUBLE', '__miny DOUBLE', '__maxx DOUBLE', '__maxy DOUBLE'];
    const defs = columns.map((c) => `${sqlIdentifier(c.name)} ${c.type}`);
    await session.connection.run(`CREATE TABLE features (${[...boxColumns, ...defs].join(', ')})`);
    const appender = await session.connection.createAppender('features');
    features.forEach((feature, fid) => {
      const box = feature.geometry ? geometryBBox(feature.geometry) : null;
      appender.appendInteger(fid);
      for (let i = 0; i < 4; i++) box ? appender.appendDouble(box[i]) : appender.appendNull();
      for (const c of columns) appendValue(appender, c.type, feature.properties[c.name]);
      appender.endRow();
    });
    appender.closeSync();
  } catch (error) {
    session.close();
    throw error;
  }
  return new GeoJsonLabels(path, crs, columns, features, session);
}
