/**
 * A prediction's results as files GIS tools open: a GeoJSON FeatureCollection (RFC 7946), newline-
 * delimited GeoJSON, CSV with a WKT `geometry` column (QGIS, GDAL and PostGIS read WKT; ML Enabler's
 * GeoJSON-in-CSV they cannot), and GeoParquet 1.1 (WKB geometry, `geo` metadata with bbox and a bbox
 * covering column). Records come from `records.ts` a page at a time and are written as they come; a
 * file appears at its path only once complete (written beside it, then renamed).
 *
 * GeoParquet goes through DuckDB without its spatial extension (not installable offline): rows are
 * staged as NDJSON with hex WKB, and DuckDB's COPY turns them into Parquet with the `geo` key.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidParameter } from '../../core/errors.js';
import { openDuckSession, sqlIdentifier, sqlString } from '../../data/labels/duckdb.js';
import type { PredictStore } from '../store/predict-store.js';
import { exportBbox, geometryToWkb, geometryToWkt, geometryTypeName } from './geometry.js';
import { featurePages, planExport, type ExportColumn, type ExportFilter, type ExportPlan, type GeoJSONFeature } from './records.js';

export type { ExportFilter, GeoJSONFeature } from './records.js';

/** The file formats an export writes. */
export type ExportFormat = 'geojson' | 'ndjson' | 'csv' | 'geoparquet';

/** Every export format, in the order messages list them. */
export const EXPORT_FORMATS: readonly ExportFormat[] = ['geojson', 'ndjson', 'csv', 'geoparquet'];

/** The GeoParquet specification version written. */
export const GEOPARQUET_VERSION = '1.1.0';

/** Writes a prediction's tiles or features to `file` in `format`; returns the number of records written. */
export async function exportPredictions(store: PredictStore, predictionId: string, format: ExportFormat, file: string, filter: ExportFilter = {}): Promise<number> {
  if (!EXPORT_FORMATS.includes(format)) throw invalidParameter(`unknown export format ${JSON.stringify(format)}; use one of ${EXPORT_FORMATS.join(', ')}`);
  const plan = await planExport(store, predictionId, filter);
  const target = path.resolve(file);
  await fs.mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
  try {
    const count = format === 'geoparquet' ? await writeGeoParquet(store, plan, partial) : await writeText(store, plan, format, partial);
    await fs.rename(partial, target);
    return count;
  } catch (error) {
    await fs.rm(partial, { force: true });
    throw error;
  }
}

/** The same records as an async iterable of GeoJSON Features (for streaming HTTP responses). */
export async function* predictionFeatures(store: PredictStore, predictionId: string, filter: ExportFilter = {}): AsyncGenerator<GeoJSONFeature> {
  const plan = await planExport(store, predictionId, filter);
  for await (const page of featurePages(store, plan)) yield* page;
}

// ---- text formats ----

/** A CSV field, quoted when it holds a separator, a quote or a line break (RFC 4180). */
function csvField(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'string' ? value : String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

function csvRow(columns: ExportColumn[], feature: GeoJSONFeature): string {
  const fields = columns.map((c) => csvField(feature.properties[c.name]));
  fields.push(csvField(geometryToWkt(feature.geometry)));
  return `${fields.join(',')}\r\n`;
}

/** GeoJSON, NDJSON or CSV, one write per page. */
async function writeText(store: PredictStore, plan: ExportPlan, format: Exclude<ExportFormat, 'geoparquet'>, file: string): Promise<number> {
  const handle = await fs.open(file, 'w');
  let count = 0;
  try {
    if (format === 'geojson') await handle.write('{"type":"FeatureCollection","features":[\n');
    if (format === 'csv') await handle.write(`${[...plan.columns.map((c) => csvField(c.name)), 'geometry'].join(',')}\r\n`);
    for await (const page of featurePages(store, plan)) {
      let text: string;
      if (format === 'geojson') text = (count ? ',\n' : '') + page.map((f) => JSON.stringify(f)).join(',\n');
      else if (format === 'ndjson') text = page.map((f) => `${JSON.stringify(f)}\n`).join('');
      else text = page.map((f) => csvRow(plan.columns, f)).join('');
      await handle.write(text);
      count += page.length;
    }
    if (format === 'geojson') await handle.write('\n]}\n');
  } finally {
    await handle.close();
  }
  return count;
}

// ---- GeoParquet ----

/** Stages rows as NDJSON (properties, hex WKB, bbox) and returns the count, the geometry types and the overall bbox. */
async function stageRows(store: PredictStore, plan: ExportPlan, file: string): Promise<{ count: number; types: Set<string>; bbox: [number, number, number, number] | null }> {
  const handle = await fs.open(file, 'w');
  const types = new Set<string>();
  let bbox: [number, number, number, number] | null = null;
  let count = 0;
  try {
    for await (const page of featurePages(store, plan)) {
      const lines = page.map((feature) => {
        const box = exportBbox(feature.geometry);
        types.add(geometryTypeName(feature.geometry));
        if (box) bbox = bbox ? [Math.min(bbox[0], box[0]), Math.min(bbox[1], box[1]), Math.max(bbox[2], box[2]), Math.max(bbox[3], box[3])] : [...box];
        const row: Record<string, unknown> = {};
        for (const c of plan.columns) row[c.name] = feature.properties[c.name] ?? null;
        row.__wkb = Buffer.from(geometryToWkb(feature.geometry)).toString('hex');
        row.__box = box;
        return `${JSON.stringify(row)}\n`;
      });
      await handle.write(lines.join(''));
      count += page.length;
    }
  } finally {
    await handle.close();
  }
  return { count, types, bbox };
}

/** The `geo` file metadata of GeoParquet 1.1: WKB in `geometry`, CRS omitted (OGC:CRS84), a bbox covering. */
export function geoMetadata(types: Iterable<string>, bbox: [number, number, number, number] | null): Record<string, unknown> {
  const column: Record<string, unknown> = {
    encoding: 'WKB',
    geometry_types: [...types].sort(),
    covering: { bbox: { xmin: ['bbox', 'xmin'], ymin: ['bbox', 'ymin'], xmax: ['bbox', 'xmax'], ymax: ['bbox', 'ymax'] } },
  };
  if (bbox) column.bbox = bbox;
  return { version: GEOPARQUET_VERSION, primary_column: 'geometry', columns: { geometry: column } };
}

async function writeGeoParquet(store: PredictStore, plan: ExportPlan, file: string): Promise<number> {
  const staged = `${file}.rows.ndjson`;
  try {
    const { count, types, bbox } = await stageRows(store, plan, staged);
    const session = await openDuckSession();
    try {
      // Typed columns, not DuckDB's sampling guess: a page of nulls must not decide a column's type.
      const columns = [...plan.columns.map((c) => `${sqlString(c.name)}: '${c.type}'`), `'__wkb': 'VARCHAR'`, `'__box': 'DOUBLE[]'`].join(', ');
      const select = [
        ...plan.columns.map((c) => sqlIdentifier(c.name)),
        'from_hex(__wkb) AS geometry',
        "{'xmin': __box[1], 'ymin': __box[2], 'xmax': __box[3], 'ymax': __box[4]} AS bbox",
      ].join(', ');
      const geo = JSON.stringify(geoMetadata(types, bbox));
      await session.connection.run(
        `COPY (SELECT ${select} FROM read_json(${sqlString(staged)}, format = 'newline_delimited', columns = {${columns}})) ` +
          `TO ${sqlString(file)} (FORMAT PARQUET, KV_METADATA {geo: ${sqlString(geo)}})`,
      );
    } finally {
      session.close();
    }
    return count;
  } finally {
    await fs.rm(staged, { force: true });
  }
}
