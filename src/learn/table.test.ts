import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { openDuckSession, sqlString } from '../data/labels/duckdb.js';
import { encodeClasses, readTable } from './table.js';

const IRIS = new URL('../../test/fixtures/learn/iris.csv', import.meta.url).pathname;
const DIABETES = new URL('../../test/fixtures/learn/diabetes.csv', import.meta.url).pathname;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-table-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

test('a CSV of features and integer classes reads as a classification table', async () => {
  const table = await readTable(IRIS, { target: 'target' });
  assert.equal(table.task, 'classification');
  assert.equal(table.X.rows, 150);
  assert.deepEqual(table.featureNames, ['sepal_length_cm', 'sepal_width_cm', 'petal_length_cm', 'petal_width_cm']);
  assert.deepEqual(table.classes, ['0', '1', '2']);
  assert.deepEqual(Array.from(table.X.data.subarray(0, 4)), [5.1, 3.5, 1.4, 0.2], 'first row as in the file');
  assert.equal(table.y[0], 0);
  assert.equal(table.y[149], 2);
});

test('a continuous target reads as regression; --task overrides', async () => {
  const table = await readTable(DIABETES, { target: 'target', features: ['age', 'bmi'] });
  assert.equal(table.task, 'regression');
  assert.ok(table.y instanceof Float64Array);
  assert.equal(table.X.cols, 2);
  const forced = await readTable(IRIS, { target: 'target', task: 'regression' });
  assert.equal(forced.task, 'regression');
});

test('Parquet with text labels, groups and coordinates', async () => {
  const file = path.join(dir, 'pixels.parquet');
  const session = await openDuckSession();
  await session.connection.run(
    `COPY (SELECT * FROM (VALUES (0.1, 0.2, 'water', 'scene-b', 500000.0, 4649000.0), (0.5, 0.6, 'forest', 'scene-a', 500010.0, 4649010.0), (0.4, 0.1, 'crop', 'scene-a', 500020.0, 4649020.0))
      AS t(b04, b08, landcover, scene, x, y)) TO ${sqlString(file)} (FORMAT parquet)`,
  );
  session.close();
  const table = await readTable(file, { target: 'landcover', groupColumn: 'scene', coordinateColumns: ['x', 'y'] });
  assert.deepEqual(table.featureNames, ['b04', 'b08'], 'group and coordinate columns are not features');
  assert.deepEqual(table.classes, ['crop', 'forest', 'water'], 'classes in sorted order, as np.unique');
  assert.deepEqual(Array.from(table.y), [2, 1, 0]);
  assert.deepEqual(table.groups, ['scene-b', 'scene-a', 'scene-a']);
  assert.deepEqual(Array.from(table.coordinates!.x), [500000, 500010, 500020]);
});

test('numeric class labels sort as numbers, not text', () => {
  assert.deepEqual(encodeClasses([10, 2, 1, 2]).classes, ['1', '2', '10']);
});

test('missing values are an error naming row and column, or dropped when asked', async () => {
  const file = write('gaps.csv', 'a,b,label\n1,2,x\n3,,y\n5,6,x\n7,8,y\n');
  await assert.rejects(readTable(file, { target: 'label' }), { code: 'INVALID_PARAMETER_VALUE', message: /row 2 of .*: b is missing \(pass missing: 'drop'/ });
  const table = await readTable(file, { target: 'label', missing: 'drop' });
  assert.equal(table.X.rows, 3);
  assert.equal(table.rowsDropped, 1);
  const noTarget = write('no-target.csv', 'a,label\n1,x\n2,\n3,y\n');
  await assert.rejects(readTable(noTarget, { target: 'label' }), { message: /row 2 .*target label is missing/ });
});

test('bad tables and options are refused with the reason', async () => {
  await assert.rejects(readTable(path.join(dir, 'absent.csv'), { target: 'y' }), { code: 'RESOURCE_DOES_NOT_EXIST' });
  await assert.rejects(readTable(write('t.xlsx', 'x'), { target: 'y' }), { message: /cannot tell the format/ });
  await assert.rejects(readTable(IRIS, { target: 'species' }), { message: /no target column "species"; its columns are sepal_length_cm/ });
  const text = write('text.csv', 'a,colour,label\n1,red,x\n2,blue,y\n');
  await assert.rejects(readTable(text, { target: 'label', features: ['a', 'colour'] }), { message: /feature colour is VARCHAR, not numeric/ });
  const single = write('single.csv', 'a,label\n1,x\n2,x\n');
  await assert.rejects(readTable(single, { target: 'label' }), { message: /single class \(x\)/ });
  const corrupt = write('corrupt.parquet', 'PAR1 not really');
  await assert.rejects(readTable(corrupt, { target: 'label' }), { code: 'INVALID_PARAMETER_VALUE', message: /cannot read .*corrupt\.parquet as a table/ });
  await assert.rejects(readTable(IRIS, { target: 'target', features: ['target'] }), { message: /cannot be both a feature and the target/ });
});
