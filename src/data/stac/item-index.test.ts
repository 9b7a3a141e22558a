// Label items chosen with a DuckDB query over a GeoParquet index of the Jaca catalog's items.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import { chipsFromStac } from '../datasets/from-stac.js';
import { queryItemIds } from './item-index.js';

const JACA = path.resolve(import.meta.dirname, '../../../../shared/fixtures/labels/eotdl-jaca/jaca_dataset_q2');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-item-index-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** An index of the catalog's label items (id, collection, datetime), written as Parquet by DuckDB. */
async function writeIndex(file: string): Promise<string[]> {
  const items = fs
    .readdirSync(JACA, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json') && !/catalog|collection/.test(path.basename(f)))
    .map((f) => JSON.parse(fs.readFileSync(path.join(JACA, f), 'utf8')))
    .filter((item) => item.type === 'Feature' && (item.stac_extensions ?? []).some((e: string) => e.includes('/label/')));
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  const rows = items.map((item) => `('${item.id}', '${item.collection ?? ''}')`).join(', ');
  await connection.run(`COPY (SELECT * FROM (VALUES ${rows}) AS t(id, collection)) TO '${file}' (FORMAT parquet)`);
  connection.closeSync();
  db.closeSync();
  return items.map((i) => i.id).sort();
}

test('a query over the item index selects the label items that become chips', async () => {
  const index = path.join(tmp, 'items.parquet');
  const ids = await writeIndex(index);
  assert.ok(ids.length >= 2, `the Jaca catalog has several label items: ${ids}`);
  assert.deepEqual([...(await queryItemIds(index, 'SELECT id FROM items'))].sort(), ids);
  const one = await queryItemIds(index, `SELECT id FROM items WHERE id = '${ids[0]}'`);
  assert.deepEqual([...one], [ids[0]]);
  const all = await chipsFromStac(path.join(JACA, 'catalog.json'), path.join(tmp, 'all'), { size: 32, stride: 32 });
  const some = await chipsFromStac(path.join(JACA, 'catalog.json'), path.join(tmp, 'some'), { size: 32, stride: 32, itemIds: one });
  assert.ok(some.chips.length > 0 && some.chips.length < all.chips.length, `${some.chips.length} of ${all.chips.length} chips`);
});

test('a query with no id column, bad SQL or a missing index is a clear error', async () => {
  const index = path.join(tmp, 'items2.parquet');
  await writeIndex(index);
  await assert.rejects(queryItemIds(index, 'SELECT collection FROM items'), /must return an 'id' column/);
  await assert.rejects(queryItemIds(index, 'SELEC id FROM items'), { code: 'INVALID_PARAMETER_VALUE' });
  await assert.rejects(queryItemIds(index, 'SELECT id FROM items; DROP VIEW items'), /one SQL expression/);
  await assert.rejects(queryItemIds(path.join(tmp, 'missing.parquet'), 'SELECT id FROM items'), { code: 'RESOURCE_DOES_NOT_EXIST' });
});
