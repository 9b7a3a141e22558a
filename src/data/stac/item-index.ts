/**
 * Choosing STAC items with SQL: a GeoParquet index of items (stac-geoparquet, or any table with an `id`
 * column) is exposed to DuckDB as the view `items`, and a query over it returns the ids to use.
 */
import fs from 'node:fs';
import { invalidParameter, notFound } from '../../core/errors.js';
import { openDuckSession, runQuery, sqlString } from '../labels/duckdb.js';

/** Runs `query` (e.g. `SELECT id FROM items WHERE "eo:cloud_cover" < 10`) over the index; returns the `id` column. */
export async function queryItemIds(index: string, query: string): Promise<Set<string>> {
  if (!fs.existsSync(index)) throw notFound(`no such item index: ${index}`);
  const session = await openDuckSession();
  try {
    try {
      await session.connection.run(`CREATE VIEW items AS SELECT * FROM read_parquet(${sqlString(index)})`);
    } catch (error) {
      throw invalidParameter(`cannot read the item index ${index} as Parquet: ${(error as Error).message.split('\n')[0]}`);
    }
    const result = await runQuery(session, query, 'item query');
    const columns = result.columnNames();
    const column = columns.indexOf('id');
    if (column < 0) throw invalidParameter(`the item query must return an 'id' column (it returned ${columns.join(', ') || 'no columns'})`);
    const ids = new Set<string>();
    for (const row of await result.getRows()) ids.add(String(row[column]));
    return ids;
  } finally {
    session.close();
  }
}
