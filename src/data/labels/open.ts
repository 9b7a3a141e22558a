/**
 * `openLabels(path)`: the one place that picks a label reader, by file extension. A new vector format
 * is one more row in `READERS`.
 */
import path from 'node:path';
import { invalidParameter } from '../../core/errors.js';
import { openGeoJsonLabels } from './geojson.js';
import { openGeoParquetLabels } from './geoparquet.js';
import type { LabelSource } from './types.js';

/** Label readers by lower-case file extension. */
const READERS: Record<string, (file: string) => Promise<LabelSource>> = {
  '.geojson': openGeoJsonLabels,
  '.json': openGeoJsonLabels,
  '.parquet': openGeoParquetLabels,
  '.geoparquet': openGeoParquetLabels,
};

/** Opens a GeoJSON or GeoParquet label file; close it when done. */
export async function openLabels(file: string): Promise<LabelSource> {
  const reader = READERS[path.extname(file).toLowerCase()];
  if (!reader) throw invalidParameter(`unsupported label file ${file}: expected one of ${Object.keys(READERS).join(', ')}`);
  return reader(file);
}
