// WKB decoding checked against GDAL's own reader (OGR) on every geometry of the GeoParquet fixtures,
// plus hand-made big-endian, EWKB and broken inputs.
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import gdal from 'gdal-async';
import { TileflowError } from '../../core/errors.js';
import { openDuckSession, sqlString } from './duckdb.js';
import { wkbToGeometry } from './wkb.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures');

/** GDAL's GeoJSON for the same bytes, or null for an empty geometry. */
function reference(bytes: Uint8Array): unknown {
  const geometry = gdal.Geometry.fromWKB(Buffer.from(bytes));
  if (geometry.isEmpty()) return null;
  return geometry.toObject();
}

/** Deep equality where numbers may differ in the 15th significant digit: GDAL's GeoJSON export rounds there. */
function assertClose(actual: unknown, expected: unknown, where: string): void {
  if (typeof expected === 'number') {
    assert.equal(typeof actual, 'number', where);
    assert.ok(Math.abs((actual as number) - expected) <= 1e-12 * Math.max(1, Math.abs(expected)), `${where}: ${actual} vs ${expected}`);
  } else if (Array.isArray(expected)) {
    assert.ok(Array.isArray(actual) && actual.length === expected.length, `${where}: lengths differ`);
    expected.forEach((e, i) => assertClose((actual as unknown[])[i], e, `${where}[${i}]`));
  } else if (expected && typeof expected === 'object') {
    assert.deepEqual(Object.keys(actual as object).sort(), Object.keys(expected).sort(), where);
    for (const [k, v] of Object.entries(expected)) assertClose((actual as Record<string, unknown>)[k], v, `${where}.${k}`);
  } else assert.equal(actual, expected, where);
}

test('every WKB geometry in the GeoParquet fixtures decodes as GDAL decodes it', async () => {
  const files = execSync(`find ${FIXTURES}/geoparquet -name '*.parquet'`).toString().trim().split('\n').sort();
  const session = await openDuckSession();
  let checked = 0;
  try {
    for (const file of files) {
      const described = await (await session.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${sqlString(file)})`)).getRowObjectsJS();
      const column = described.find((c) => c.column_name === 'geometry' && (c.column_type === 'BLOB' || String(c.column_type).startsWith('GEOMETRY')));
      if (!column) continue;
      const rows = (await session.connection.runAndReadAll(`SELECT geometry FROM read_parquet(${sqlString(file)})`)).getRowsJS();
      for (const [bytes] of rows) {
        if (bytes === null) continue;
        const ours = wkbToGeometry(bytes as Uint8Array);
        const expected = reference(bytes as Uint8Array);
        if (expected === null) assert.ok(JSON.stringify(ours).includes('[]'), `${file}: an empty geometry decodes as empty`);
        else assertClose(ours, expected, file);
        checked++;
      }
    }
  } finally {
    session.close();
  }
  assert.ok(checked > 8000, `checked ${checked} geometries`);
});

test('big-endian WKB, ISO Z and EWKB with an SRID decode', () => {
  // Big-endian POINT(1 2).
  const be = Buffer.alloc(21);
  be.writeUInt8(0, 0);
  be.writeUInt32BE(1, 1);
  be.writeDoubleBE(1, 5);
  be.writeDoubleBE(2, 13);
  assert.deepEqual(wkbToGeometry(be), { type: 'Point', coordinates: [1, 2] });
  // ISO POINT Z (1001) and EWKB POINT with SRID 4326 and the Z flag.
  const isoZ = Buffer.alloc(29);
  isoZ.writeUInt8(1, 0);
  isoZ.writeUInt32LE(1001, 1);
  [1, 2, 3].forEach((v, i) => isoZ.writeDoubleLE(v, 5 + 8 * i));
  assert.deepEqual(wkbToGeometry(isoZ), { type: 'Point', coordinates: [1, 2, 3] });
  const ewkb = Buffer.alloc(33);
  ewkb.writeUInt8(1, 0);
  ewkb.writeUInt32LE((0x80000000 | 0x20000000 | 1) >>> 0, 1);
  ewkb.writeUInt32LE(4326, 5);
  [1, 2, 3].forEach((v, i) => ewkb.writeDoubleLE(v, 9 + 8 * i));
  assert.deepEqual(wkbToGeometry(ewkb), { type: 'Point', coordinates: [1, 2, 3] });
  // A GeometryCollection made by GDAL.
  const collection = gdal.Geometry.fromWKT('GEOMETRYCOLLECTION (POINT (1 2), LINESTRING (0 0, 1 1))');
  assert.deepEqual(wkbToGeometry(collection.toWKB(gdal.wkbNDR) as Buffer), collection.toObject());
});

test('truncated or corrupt WKB fails with a TileflowError naming the problem', () => {
  const polygon = gdal.Geometry.fromWKT('POLYGON ((0 0, 1 0, 1 1, 0 0))').toWKB(gdal.wkbNDR) as Buffer;
  assert.throws(() => wkbToGeometry(polygon.subarray(0, polygon.length - 3)), (e: unknown) => e instanceof TileflowError && /truncated/.test(e.message));
  const badOrder = Buffer.from(polygon);
  badOrder[0] = 7;
  assert.throws(() => wkbToGeometry(badOrder), /byte-order flag/);
  const badType = Buffer.from(polygon);
  badType.writeUInt32LE(99, 1);
  assert.throws(() => wkbToGeometry(badType), /unsupported WKB geometry type 99/);
  // A count of 2^32-1 rings must fail fast, not allocate.
  const hugeCount = Buffer.from(polygon);
  hugeCount.writeUInt32LE(0xffffffff, 5);
  assert.throws(() => wkbToGeometry(hugeCount), /does not fit/);
  assert.throws(() => wkbToGeometry(Buffer.concat([polygon, Buffer.from([0])])), /trailing/);
});
