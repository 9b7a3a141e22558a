/**
 * Saves sampled pixels as a Parquet or CSV table through DuckDB, in the layout `readTable` reads back:
 * one column per feature (b1..bn or the band descriptions), then `label` (the class name, or the label
 * raster's value as an integer), `x` and `y` (pixel centre in the raster's CRS), `row` and `col`.
 * The file appears under its name only when complete (written beside it, then renamed).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidParameter } from '../../core/errors.js';
import { openDuckSession, sqlIdentifier, sqlString } from '../../data/labels/duckdb.js';
import { RESERVED_COLUMNS, type PixelTable } from './sample.js';

/** File formats by lower-case extension. */
const FORMATS: Record<string, string> = {
  '.parquet': 'PARQUET',
  '.csv': 'CSV',
};

/** Writes `table` to `file` (.parquet or .csv, replacing it); resolves with the number of rows written. */
export async function writePixelTable(table: PixelTable, file: string): Promise<number> {
  const format = FORMATS[path.extname(file).toLowerCase()];
  if (!format) throw invalidParameter(`cannot tell the format of ${file}: name it .parquet or .csv`);
  const names = table.featureNames;
  const clash = names.find((n) => (RESERVED_COLUMNS as readonly string[]).includes(n));
  if (clash) throw invalidParameter(`feature ${JSON.stringify(clash)} has the name of a column the table adds (${RESERVED_COLUMNS.join(', ')}); rename it`);
  if (new Set(names).size !== names.length) throw invalidParameter(`feature names must be distinct, got ${names.join(', ')}`);
  const values = table.labelValues;
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial`);
  const session = await openDuckSession();
  try {
    const columns = [...names.map((n) => `${sqlIdentifier(n)} DOUBLE`), `label ${values ? 'BIGINT' : 'VARCHAR'}`, 'x DOUBLE', 'y DOUBLE', 'row INTEGER', 'col INTEGER'];
    await session.connection.run(`CREATE TABLE pixels (${columns.join(', ')})`);
    const appender = await session.connection.createAppender('pixels');
    const { X, y, coordinates, pixels, classes } = table;
    const width = X.cols;
    const labels = values ? values.map((v) => BigInt(v)) : classes;
    for (let r = 0; r < X.rows; r++) {
      for (let c = 0; c < width; c++) appender.appendDouble(X.data[r * width + c]);
      const label = labels[y[r]];
      if (typeof label === 'bigint') appender.appendBigInt(label);
      else appender.appendVarchar(label);
      appender.appendDouble(coordinates.x[r]);
      appender.appendDouble(coordinates.y[r]);
      appender.appendInteger(pixels.row[r]);
      appender.appendInteger(pixels.col[r]);
      appender.endRow();
    }
    appender.closeSync();
    await session.connection.run(`COPY pixels TO ${sqlString(partial)} (FORMAT ${format}${format === 'CSV' ? ', HEADER' : ''})`);
    await fs.rename(partial, file);
    return X.rows;
  } catch (error) {
    await fs.rm(partial, { force: true });
    throw error;
  } finally {
    session.close();
  }
}
