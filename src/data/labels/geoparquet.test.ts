// GeoParquet labels on every fixture file: counts equal DuckDB's own, attributes and geometries match the
// GeoJSON twin of countries and the WKT twins of the spec's test data, native equals WKB, and bbox
// filters agree whether they use covering columns or per-feature boxes.
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import gdal from 'gdal-async';
import { TileflowError } from '../../core/errors.js';
import { openDuckSession, sqlString } from './duckdb.js';
import { bboxesIntersect, geometryBBox } from './geometry.js';
import { crsFromGeoParquet, openGeoParquetLabels } from './geoparquet.js';
import { openLabels } from './open.js';
import type { BBox, LabelFeature } from './types.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures');
const GEOPARQUET = path.join(FIXTURES, 'geoparquet');
const parquetFiles = execSync(`find ${GEOPARQUET} -name '*.parquet'`).toString().trim().split('\n').sort();

async function duckCount(file: string): Promise<number> {
  const session = await openDuckSession();
  try {
    const rows = (await session.connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${sqlString(file)})`)).getRows();
    return Number(rows[0][0]);
  } finally {
    session.close();
  }
}

test('every GeoParquet fixture loads, with as many features as DuckDB counts', async () => {
  assert.ok(parquetFiles.length >= 33);
  for (const file of parquetFiles) {
    const labels = await openLabels(file);
    try {
      const features = await labels.query();
      assert.equal(features.length, await duckCount(file), file);
      assert.equal(await labels.count(), features.length, file);
      assert.ok(features.some((f) => f.geometry !== null), `${file} has geometries`);
    } finally {
      await labels.close();
    }
  }
});

test('countries.parquet equals its GeoJSON twin: names, order and coordinates', async () => {
  const parquet = await openLabels(path.join(GEOPARQUET, 'opengeos/countries.parquet'));
  const geojson = await openLabels(path.join(GEOPARQUET, 'opengeos/countries.geojson'));
  try {
    const a = await parquet.query();
    const b = await geojson.query();
    assert.equal(a.length, 179);
    assert.deepEqual(a.map((f) => f.properties.name), b.map((f) => f.properties.name));
    assert.equal(a[0].properties.name, 'Afghanistan');
    for (let i = 0; i < a.length; i++) {
      assert.equal(a[i].geometry?.type, b[i].geometry?.type, String(a[i].properties.name));
      assert.deepEqual(geometryBBox(a[i].geometry!), geometryBBox(b[i].geometry!), String(a[i].properties.name));
    }
    assert.deepEqual(a.find((f) => f.properties.name === 'Chile')?.geometry, b.find((f) => f.properties.name === 'Chile')?.geometry);
    for (const where of ["name LIKE 'A%'", "name IN ('France', 'Spain')"]) {
      assert.deepEqual(
        (await parquet.query({ where })).map((f) => f.properties.name),
        (await geojson.query({ where })).map((f) => f.properties.name),
      );
    }
    const box: BBox = [-10, 35, 5, 45];
    const names = (await parquet.query({ bbox: box })).map((f) => f.properties.name).sort();
    // Russia's box spans the antimeridian (-180..180), so a box test keeps it, as any bbox index would.
    assert.deepEqual(names, ['Algeria', 'France', 'Morocco', 'Portugal', 'Russia', 'Spain']);
    assert.deepEqual((await geojson.query({ bbox: box })).map((f) => f.properties.name).sort(), names);
  } finally {
    await parquet.close();
    await geojson.close();
  }
});

test('the spec test data decodes to the geometries of its WKT twins', async () => {
  for (const kind of ['point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon']) {
    const labels = await openLabels(path.join(GEOPARQUET, `geoparquet-spec/test_data/data-${kind}-encoding_wkb.parquet`));
    const features = await labels.query();
    await labels.close();
    const csv = fs.readFileSync(path.join(GEOPARQUET, `geoparquet-spec/test_data/data-${kind}-wkt.csv`), 'utf8').trim().split('\n').slice(1);
    assert.equal(features.length, csv.length, kind);
    csv.forEach((line, i) => {
      const wkt = /"(.*)"/.exec(line)?.[1];
      if (!wkt) return assert.equal(features[i].geometry, null, `${kind} row ${i} is null`);
      const expected = gdal.Geometry.fromWKT(wkt);
      if (expected.isEmpty()) return assert.ok(JSON.stringify(features[i].geometry).includes('[]'), `${kind} row ${i} is empty`);
      assert.deepEqual(features[i].geometry, expected.toObject(), `${kind} row ${i}`);
      assert.equal(features[i].properties.col, i);
    });
  }
});

test('native (GeoArrow) encodings equal their WKB twins', async () => {
  for (const kind of ['point', 'linestring', 'polygon', 'multipoint', 'multilinestring', 'multipolygon']) {
    const dir = path.join(GEOPARQUET, 'geopandas/arrow/geoparquet');
    const native = await openLabels(path.join(dir, `data-${kind}-encoding_native.parquet`));
    const wkb = await openLabels(path.join(dir, `data-${kind}-encoding_wkb.parquet`));
    const a = await native.query();
    const b = await wkb.query();
    await native.close();
    await wkb.close();
    assert.equal(a.length, b.length, kind);
    // Null geometries come back null in both; everything else must match exactly.
    a.forEach((f, i) => assert.deepEqual(f, b[i], `${kind} row ${i}`));
  }
});

test('metadata: CRS forms of every version and bbox coverings', async () => {
  assert.equal(crsFromGeoParquet(undefined), 'OGC:CRS84');
  assert.equal(crsFromGeoParquet(null), '');
  assert.equal(crsFromGeoParquet({ id: { authority: 'EPSG', code: 32633 } }), 'EPSG:32633');
  const v03 = await openLabels(path.join(GEOPARQUET, 'geopandas/arrow/test_data_gdal350.parquet'));
  assert.equal(v03.crs, 'EPSG:4326', 'WKT CRS of GeoParquet 0.3 read by its ID');
  await v03.close();
  const quakes = await openGeoParquetLabels(path.join(GEOPARQUET, 'opengeos/earthquakes.parquet'));
  const meta = (quakes as unknown as { metadata: { covering: { column: string } | null } }).metadata;
  assert.equal(meta.covering?.column, 'geometry_bbox');
  assert.ok(!quakes.columns.some((c) => c.name === 'geometry_bbox' || c.name === 'geometry'), 'geometry and covering are not attributes');
  await quakes.close();
});

test('a bbox filter through covering columns equals one through decoded geometries', async () => {
  const labels = await openLabels(path.join(GEOPARQUET, 'opengeos/earthquakes.parquet'));
  try {
    const box: BBox = [-125, 32, -114, 42];
    const all = await labels.query();
    const expected = all.filter((f) => bboxesIntersect(geometryBBox(f.geometry!)!, box)).map((f) => f.id);
    const got = (await labels.query({ bbox: box })).map((f) => f.id);
    assert.ok(expected.length > 1000);
    assert.deepEqual(got, expected);
    assert.equal(await labels.count({ bbox: box, where: 'mag >= 4' }), all.filter((f) => expected.includes(f.id) && Number(f.properties.mag) >= 4).length);
    const limited: LabelFeature[] = await labels.query({ bbox: box, where: 'mag >= 2', limit: 5 });
    assert.equal(limited.length, 5);
    assert.ok(limited.every((f) => Number(f.properties.mag) >= 2));
  } finally {
    await labels.close();
  }
});

test('attribute values come back as plain JSON (BIGINT as number, nulls kept)', async () => {
  const labels = await openLabels(path.join(GEOPARQUET, 'opengeos/earthquakes.parquet'));
  const [first] = await labels.query({ limit: 1 });
  await labels.close();
  assert.deepEqual(first.properties, { id: 'ak16994521', mag: 2.3, time: 1507425650893, felt: null, tsunami: 0 });
  assert.equal(first.geometry?.type, 'Point');
  assert.equal((first.geometry as { coordinates: number[] }).coordinates.length, 3, 'Point Z keeps its Z');
});

test('a bad filter or a file that is not Parquet is a TileflowError', async () => {
  const labels = await openLabels(path.join(GEOPARQUET, 'opengeos/cities.parquet'));
  try {
    await assert.rejects(labels.query({ where: 'no_such_column > 1' }), (e: unknown) => e instanceof TileflowError && /no_such_column/.test(e.message));
    await assert.rejects(labels.query({ where: "1=1; DROP TABLE x" }), (e: unknown) => e instanceof TileflowError);
    assert.equal(await labels.count({ where: "country = 'FRA'" }), (await labels.query()).filter((f) => f.properties.country === 'FRA').length);
  } finally {
    await labels.close();
  }
  await assert.rejects(openLabels(path.join(GEOPARQUET, 'geoparquet-spec/examples/example.csv')), (e: unknown) => e instanceof TileflowError && /unsupported label file/.test(e.message));
  await assert.rejects(openLabels(path.join(GEOPARQUET, 'geopandas/arrow/test_data_v1.0.0.feather').replace('.feather', '.missing.parquet')), (e: unknown) => e instanceof TileflowError && e.code === 'RESOURCE_DOES_NOT_EXIST');
  const notParquet = path.join(FIXTURES, 'geoparquet/geoparquet-spec/examples/example_metadata.json');
  await assert.rejects(openGeoParquetLabels(notParquet), (e: unknown) => e instanceof TileflowError && /not a readable Parquet file/.test(e.message));
});
