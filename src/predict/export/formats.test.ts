import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DuckDBInstance } from '@duckdb/node-api';
import gdal from 'gdal-async';
import { TileflowError } from '../../core/errors.js';
import { openGeoParquetLabels } from '../../data/labels/geoparquet.js';
import { wkbToGeometry } from '../../data/labels/wkb.js';
import { quadkey, tileBounds, tileAt, tileFeature, tileFromQuadkey } from '../../geo/tiles.js';
import { openTracking, type Tracking } from '../../track/service.js';
import { PredictStore } from '../store/predict-store.js';
import type { PredictionClass } from '../types.js';
import { EXPORT_FORMATS, exportPredictions, predictionFeatures, type GeoJSONFeature } from './formats.js';
import { geometryToWkb, geometryToWkt } from './geometry.js';
import { PAGE_SIZE } from './records.js';

const TCI = path.resolve('../shared/fixtures/cog/titiler/TCI.tif');
const BINARY: PredictionClass[] = [
  { index: 0, name: 'background', color: '#000000' },
  { index: 1, name: 'building', color: '#ff0000' },
];
const THREE: PredictionClass[] = [
  { index: 0, name: 'road', color: '#888888' },
  { index: 1, name: 'water', color: '#0000ff' },
  { index: 2, name: 'field', color: '#00ff00' },
];

/** Quadkeys of a cols × rows block of tiles at zoom z, from the tile holding (lng, lat), row by row. */
function block(lng: number, lat: number, z: number, cols: number, rows: number): string[] {
  const origin = tileAt(lng, lat, z);
  const out: string[] = [];
  for (let dy = 0; dy < rows; dy++) for (let dx = 0; dx < cols; dx++) out.push(quadkey({ z, x: origin.x + dx, y: origin.y + dy }));
  return out;
}

async function rejects(promise: Promise<unknown>, code: string, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof TileflowError, `expected a TileflowError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
    return true;
  });
}

/** Minimal RFC 4180 reader: quoted fields with doubled quotes, CRLF rows. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else if (ch !== '\r') field += ch;
  }
  return rows;
}

async function readGeoJson(file: string): Promise<GeoJSONFeature[]> {
  const doc = JSON.parse(await fs.readFile(file, 'utf8'));
  assert.equal(doc.type, 'FeatureCollection');
  assert.ok(!('crs' in doc), 'RFC 7946 has no crs member');
  return doc.features;
}

describe('prediction export formats', () => {
  let tmp: string;
  let tracking: Tracking;
  let store: PredictStore;
  let projectId: string;
  let imageryId: string;
  /** Binary classification: 12 tiles at zoom 12 over the TCI fixture; 10 done, 1 failed, 1 pending. */
  let binaryId: string;
  let quadkeys: string[];
  const topOne: string[] = [];
  const scoreOf = new Map<string, number>();

  before(async () => {
    tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'tileflow-export-'));
    tracking = await openTracking({ databaseUrl: 'sqlite::memory:', artifactsRoot: path.join(tmp, 'artifacts') });
    store = await PredictStore.open(tracking.database);
    projectId = (await store.createProject({ name: 'export' })).id;
    imageryId = (await store.createImagery(projectId, 'tci', TCI)).id;
    quadkeys = block(23.5, 32.1, 12, 4, 3);
    const prediction = await store.createPrediction({
      projectId,
      modelName: 'buildings',
      modelVersion: '1.0.0',
      imageryId,
      aoi: { tiles: quadkeys.map((q) => { const t = tileFromQuadkey(q); return `${t.x}-${t.y}-${t.z}`; }) },
      zoom: 12,
      overlap: 0,
      task: 'classification',
      classes: BINARY,
      quadkeys,
    });
    binaryId = prediction.id;
    // Building probability rises tile by tile: 0.05, 0.15, ... 0.95 over the first 10 tiles.
    const results = quadkeys.slice(0, 10).map((q, i) => {
      const p = 0.05 + i * 0.1;
      scoreOf.set(q, Math.max(p, 1 - p));
      if (p > 0.5) topOne.push(q);
      return { quadkey: q, scores: [1 - p, p] };
    });
    await store.recordResults(binaryId, results);
    await store.recordFailures(binaryId, [{ quadkey: quadkeys[10], error: 'HTTP 404' }]);
    // Reviews: tile 9 (building) valid, tile 8 (building) invalid, tile 0 (background) invalid,
    // tile 1 (background) valid then invalid, so its latest judgement is invalid.
    await store.addReview(binaryId, { target: 'tile', targetId: quadkeys[9], valid: true, reviewer: 'ana' });
    await store.addReview(binaryId, { target: 'tile', targetId: quadkeys[8], valid: false, reviewer: 'ana' });
    await store.addReview(binaryId, { target: 'tile', targetId: quadkeys[0], valid: false, reviewer: 'ben' });
    await store.addReview(binaryId, { target: 'tile', targetId: quadkeys[1], valid: true, reviewer: 'ben' });
    await store.addReview(binaryId, { target: 'tile', targetId: quadkeys[1], valid: false, reviewer: 'cho' });
  });

  after(async () => {
    await tracking?.close();
    if (tmp) await fs.rm(tmp, { recursive: true, force: true });
  });

  it('writes a GeoJSON FeatureCollection of done tiles with scores, reviews and labels', async () => {
    const file = path.join(tmp, 'tiles.geojson');
    const count = await exportPredictions(store, binaryId, 'geojson', file);
    assert.equal(count, 10);
    const features = await readGeoJson(file);
    assert.equal(features.length, 10);
    assert.deepEqual(features.map((f) => f.id), quadkeys.slice(0, 10).sort(), 'tiles by quadkey, failed and pending left out');
    assert.deepEqual(Object.keys(features[0].properties), [
      'quadkey', 'z', 'x', 'y', 'class', 'class_name', 'score', 'score_background', 'score_building', 'review', 'reviewer', 'reviewed_at', 'label',
    ]);
    for (const f of features) {
      const q = f.properties.quadkey as string;
      const tile = tileFromQuadkey(q);
      assert.deepEqual(f.geometry, tileFeature(tile).geometry, `tile ${q} is its lng/lat square`);
      assert.deepEqual([f.properties.z, f.properties.x, f.properties.y], [tile.z, tile.x, tile.y]);
      assert.equal(f.properties.class, topOne.includes(q) ? 1 : 0);
      assert.equal(f.properties.class_name, topOne.includes(q) ? 'building' : 'background');
      assert.ok(Math.abs((f.properties.score as number) - (scoreOf.get(q) as number)) < 1e-6, `tile ${q} keeps its top score`);
      assert.ok(Math.abs((f.properties.score_background as number) + (f.properties.score_building as number) - 1) < 1e-6, 'class scores sum to 1');
    }
    const byKey = new Map(features.map((f) => [f.id, f.properties]));
    assert.deepEqual([byKey.get(quadkeys[9])?.review, byKey.get(quadkeys[9])?.reviewer, byKey.get(quadkeys[9])?.label], ['valid', 'ana', 1]);
    assert.deepEqual([byKey.get(quadkeys[8])?.review, byKey.get(quadkeys[8])?.label], ['invalid', null], 'an invalid review leaves no label without flipInvalid');
    assert.deepEqual([byKey.get(quadkeys[1])?.review, byKey.get(quadkeys[1])?.reviewer], ['invalid', 'cho'], 'the latest review counts');
    assert.deepEqual([byKey.get(quadkeys[4])?.review, byKey.get(quadkeys[4])?.reviewer, byKey.get(quadkeys[4])?.reviewed_at, byKey.get(quadkeys[4])?.label], ['unreviewed', null, null, 0]);
    assert.ok(!Number.isNaN(Date.parse(byKey.get(quadkeys[9])?.reviewed_at as string)), 'reviewed_at is an ISO date');

    // GDAL's GeoJSON driver (what QGIS uses) reads it.
    const ds = await gdal.openAsync(file);
    try {
      const layer = ds.layers.get(0);
      assert.equal(layer.features.count(), 10);
      assert.equal(layer.srs?.getAuthorityCode(), '4326');
      assert.ok(layer.fields.getNames().includes('score_building'), 'GDAL sees the score columns');
    } finally {
      ds.close();
    }
  });

  it('filters by class, threshold and review, and flips invalid labels of a binary model', async () => {
    const ids = async (filter: Parameters<typeof predictionFeatures>[2]) => {
      const out: GeoJSONFeature[] = [];
      for await (const f of predictionFeatures(store, binaryId, filter)) out.push(f);
      return out;
    };
    assert.deepEqual((await ids({ classIndex: 1 })).map((f) => f.id), [...topOne].sort());
    const confident = await ids({ threshold: 0.8 });
    assert.deepEqual(confident.map((f) => f.id), quadkeys.slice(0, 10).filter((q) => (scoreOf.get(q) as number) >= 0.8).sort());
    assert.equal(confident.length, 4, 'p = 0.05, 0.15, 0.85, 0.95 score at least 0.8');
    const reviewed = await ids({ reviewedOnly: true });
    assert.deepEqual(reviewed.map((f) => f.id), [quadkeys[0], quadkeys[1], quadkeys[8], quadkeys[9]].sort());
    const flipped = new Map((await ids({ reviewedOnly: true, flipInvalid: true })).map((f) => [f.id, f.properties]));
    assert.equal(flipped.size, 4, 'a binary model keeps its invalid tiles when flipping');
    assert.equal(flipped.get(quadkeys[8])?.label, 0, 'an invalid building is background');
    assert.equal(flipped.get(quadkeys[8])?.class, 1, 'class stays the predicted class');
    assert.equal(flipped.get(quadkeys[0])?.label, 1, 'an invalid background is a building');
    assert.equal(flipped.get(quadkeys[9])?.label, 1, 'a valid building stays a building');
    const both = await ids({ classIndex: 1, reviewedOnly: true, flipInvalid: true });
    assert.deepEqual(both.map((f) => [f.id, f.properties.label]), [[quadkeys[8], 0], [quadkeys[9], 1]].sort());
    assert.equal((await ids({ threshold: 2 })).length, 0);
  });

  it('writes newline-delimited GeoJSON, the same records as the stream', async () => {
    const file = path.join(tmp, 'tiles.ndjson');
    assert.equal(await exportPredictions(store, binaryId, 'ndjson', file, { reviewedOnly: true }), 4);
    const text = await fs.readFile(file, 'utf8');
    assert.ok(text.endsWith('\n'), 'every line ends with a newline');
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 4);
    const streamed: GeoJSONFeature[] = [];
    for await (const f of predictionFeatures(store, binaryId, { reviewedOnly: true })) streamed.push(f);
    assert.deepEqual(lines.map((l) => JSON.parse(l)), streamed);
    const ds = await gdal.openAsync(file);
    try {
      assert.equal(ds.driver.description, 'GeoJSONSeq');
      assert.equal(ds.layers.get(0).features.count(), 4);
    } finally {
      ds.close();
    }
  });

  it('writes CSV with a WKT geometry column that GDAL reads', async () => {
    const file = path.join(tmp, 'tiles.csv');
    assert.equal(await exportPredictions(store, binaryId, 'csv', file, { classIndex: 1 }), topOne.length);
    const rows = parseCsv(await fs.readFile(file, 'utf8'));
    assert.deepEqual(rows[0], [
      'quadkey', 'z', 'x', 'y', 'class', 'class_name', 'score', 'score_background', 'score_building', 'review', 'reviewer', 'reviewed_at', 'label', 'geometry',
    ]);
    assert.equal(rows.length, 1 + topOne.length);
    for (const row of rows.slice(1)) {
      const geometry = gdal.Geometry.fromWKT(row[13]);
      assert.equal(geometry.wkbType, gdal.wkbPolygon);
      const env = geometry.getEnvelope();
      const [w, s, e, n] = tileBounds(tileFromQuadkey(row[0]));
      assert.ok(Math.abs(env.minX - w) < 1e-12 && Math.abs(env.maxX - e) < 1e-12 && Math.abs(env.minY - s) < 1e-12 && Math.abs(env.maxY - n) < 1e-12, `row ${row[0]} is its tile`);
      assert.equal(row[4], '1');
    }
    const reviewedRow = rows.find((r) => r[0] === quadkeys[8]) as string[];
    assert.deepEqual(reviewedRow.slice(9, 11), ['invalid', 'ana']);
    assert.equal(reviewedRow[12], '', 'a null label is an empty field');

    // A GIS reads the WKT column as geometry (here through an OGR VRT, as ogr2ogr users do).
    const vrt = path.join(tmp, 'tiles.vrt');
    await fs.writeFile(
      vrt,
      `<OGRVRTDataSource><OGRVRTLayer name="tiles"><SrcDataSource>${file}</SrcDataSource><SrcLayer>tiles</SrcLayer>` +
        `<GeometryField encoding="WKT" field="geometry"/><LayerSRS>WGS84</LayerSRS></OGRVRTLayer></OGRVRTDataSource>`,
    );
    const ds = await gdal.openAsync(vrt);
    try {
      const layer = ds.layers.get(0);
      assert.equal(layer.features.count(), topOne.length);
      const first = layer.features.first();
      assert.equal(first.getGeometry()?.wkbType, gdal.wkbPolygon);
    } finally {
      ds.close();
    }
  });

  it('writes GeoParquet 1.1 with WKB geometries, a bbox covering and valid geo metadata', async () => {
    const file = path.join(tmp, 'tiles.parquet');
    assert.equal(await exportPredictions(store, binaryId, 'geoparquet', file), 10);
    const geojson: GeoJSONFeature[] = [];
    for await (const f of predictionFeatures(store, binaryId)) geojson.push(f);

    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      await connection.run('SET enable_geoparquet_conversion = false');
      const columns = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowObjectsJS();
      assert.deepEqual(
        columns.map((c) => [c.column_name, c.column_type]),
        [
          ['quadkey', 'VARCHAR'], ['z', 'INTEGER'], ['x', 'INTEGER'], ['y', 'INTEGER'], ['class', 'INTEGER'], ['class_name', 'VARCHAR'], ['score', 'DOUBLE'],
          ['score_background', 'DOUBLE'], ['score_building', 'DOUBLE'], ['review', 'VARCHAR'], ['reviewer', 'VARCHAR'], ['reviewed_at', 'VARCHAR'], ['label', 'INTEGER'],
          ['geometry', 'BLOB'], ['bbox', 'STRUCT(xmin DOUBLE, ymin DOUBLE, xmax DOUBLE, ymax DOUBLE)'],
        ],
      );
      const rows = (await connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowObjectsJS();
      assert.equal(rows.length, 10);
      rows.forEach((row, i) => {
        assert.equal(row.quadkey, geojson[i].id);
        assert.deepEqual(wkbToGeometry(row.geometry as Uint8Array), geojson[i].geometry, `row ${i}: the WKB decodes to the GeoJSON geometry`);
        const [w, s, e, n] = tileBounds(tileFromQuadkey(row.quadkey as string));
        assert.deepEqual(row.bbox, { xmin: w, ymin: s, xmax: e, ymax: n });
        assert.equal(row.label, geojson[i].properties.label);
      });
      const kv = (await connection.runAndReadAll(`SELECT decode(value) AS v FROM parquet_kv_metadata('${file}') WHERE decode(key) = 'geo'`)).getRowObjectsJS();
      assert.equal(kv.length, 1, 'one geo key');
      const geo = JSON.parse(kv[0].v as string);
      assert.equal(geo.version, '1.1.0');
      assert.equal(geo.primary_column, 'geometry');
      assert.equal(geo.columns.geometry.encoding, 'WKB');
      assert.deepEqual(geo.columns.geometry.geometry_types, ['Polygon']);
      assert.ok(!('crs' in geo.columns.geometry), 'crs omitted: OGC:CRS84');
      const boxes = rows.map((r) => r.bbox as { xmin: number; ymin: number; xmax: number; ymax: number });
      assert.deepEqual(geo.columns.geometry.bbox, [
        Math.min(...boxes.map((b) => b.xmin)), Math.min(...boxes.map((b) => b.ymin)), Math.max(...boxes.map((b) => b.xmax)), Math.max(...boxes.map((b) => b.ymax)),
      ]);
    } finally {
      connection.closeSync();
      instance.closeSync();
    }

    // The repo's own GeoParquet reader uses the covering for a bbox query.
    const labels = await openGeoParquetLabels(file);
    try {
      assert.equal(labels.crs, 'OGC:CRS84');
      assert.equal(await labels.count(), 10);
      const [w, s] = tileBounds(tileFromQuadkey(quadkeys[0]));
      const hits = await labels.query({ bbox: [w + 1e-6, s + 1e-6, w + 2e-6, s + 2e-6] });
      assert.deepEqual(hits.map((h) => h.properties.quadkey), [quadkeys[0]], 'a point inside tile 0 finds tile 0 only');
    } finally {
      await labels.close();
    }

    let parquetDriver = false;
    try {
      parquetDriver = Boolean(gdal.drivers.get('Parquet'));
    } catch {
      // This GDAL build has no Parquet driver; DuckDB and the repo's reader checked the file above.
    }
    if (parquetDriver) {
      const ds = await gdal.openAsync(file);
      try {
        assert.equal(ds.layers.get(0).features.count(), 10);
      } finally {
        ds.close();
      }
    }
  });

  it('writes empty but valid files when nothing passes the filter', async () => {
    for (const format of EXPORT_FORMATS) {
      const file = path.join(tmp, `empty.${format}`);
      assert.equal(await exportPredictions(store, binaryId, format, file, { threshold: 2 }), 0, format);
      await fs.access(file);
    }
    assert.deepEqual(await readGeoJson(path.join(tmp, 'empty.geojson')), []);
    assert.equal(await fs.readFile(path.join(tmp, 'empty.ndjson'), 'utf8'), '');
    assert.equal(parseCsv(await fs.readFile(path.join(tmp, 'empty.csv'), 'utf8')).length, 1, 'the header alone');
    const labels = await openGeoParquetLabels(path.join(tmp, 'empty.geoparquet'));
    try {
      assert.equal(await labels.count(), 0);
    } finally {
      await labels.close();
    }
  });

  it('refuses unknown formats, bad filters and unknown predictions, leaving no file', async () => {
    const file = path.join(tmp, 'bad.out');
    await rejects(exportPredictions(store, binaryId, 'shapefile' as never, file), 'INVALID_PARAMETER_VALUE', /geojson, ndjson, csv, geoparquet/);
    await rejects(exportPredictions(store, binaryId, 'csv', file, { classIndex: 7 }), 'INVALID_PARAMETER_VALUE', /class 7 is not one of the model's classes/);
    await rejects(exportPredictions(store, binaryId, 'csv', file, { threshold: 'high' as never }), 'INVALID_PARAMETER_VALUE', /threshold/);
    await rejects(exportPredictions(store, binaryId, 'csv', file, { layer: 'boxes' as never }), 'INVALID_PARAMETER_VALUE', /layer must be tiles or features/);
    await rejects(exportPredictions(store, 'nope', 'csv', file), 'RESOURCE_DOES_NOT_EXIST', /no prediction/);
    const left = (await fs.readdir(tmp)).filter((f) => f.startsWith('bad.out'));
    assert.deepEqual(left, []);
  });

  it('drops invalid records of a multi-class model when flipping, and keeps them otherwise', async () => {
    const keys = block(23.9, 31.8, 12, 3, 1);
    const prediction = await store.createPrediction({
      projectId, modelName: 'landcover', modelVersion: '2.0.0', imageryId, aoi: { tiles: [] }, zoom: 12, overlap: 0, task: 'classification', classes: THREE, quadkeys: keys,
    });
    await store.recordResults(prediction.id, [
      { quadkey: keys[0], scores: [0.7, 0.2, 0.1] },
      { quadkey: keys[1], scores: [0.1, 0.8, 0.1] },
      { quadkey: keys[2], scores: [0.2, 0.2, 0.6] },
    ]);
    await store.addReview(prediction.id, { target: 'tile', targetId: keys[0], valid: false, reviewer: 'ana' });
    await store.addReview(prediction.id, { target: 'tile', targetId: keys[1], valid: true, reviewer: 'ana' });
    const file = path.join(tmp, 'three.geojson');
    assert.equal(await exportPredictions(store, prediction.id, 'geojson', file), 3);
    const all = await readGeoJson(file);
    assert.deepEqual(Object.keys(all[0].properties).filter((k) => k.startsWith('score_')), ['score_road', 'score_water', 'score_field']);
    assert.equal(await exportPredictions(store, prediction.id, 'geojson', file, { flipInvalid: true }), 2);
    const kept = await readGeoJson(file);
    assert.deepEqual(kept.map((f) => [f.id, f.properties.label]).sort(), [[keys[1], 1], [keys[2], 2]].sort());
  });

  it('pages through more tiles than one page holds without repeating or missing one', async () => {
    // 50 × 47 tiles at zoom 16: more than two pages.
    const keys = block(23.5, 32.1, 16, 50, 47);
    assert.ok(keys.length > 2 * PAGE_SIZE, 'the prediction spans several pages');
    const prediction = await store.createPrediction({
      projectId, modelName: 'buildings', modelVersion: '1.0.0', imageryId, aoi: { tiles: [] }, zoom: 16, overlap: 0, task: 'classification', classes: BINARY, quadkeys: keys,
    });
    await store.recordResults(prediction.id, keys.map((q, i) => ({ quadkey: q, scores: i % 2 ? [0.3, 0.7] : [0.9, 0.1] })));
    const file = path.join(tmp, 'many.ndjson');
    assert.equal(await exportPredictions(store, prediction.id, 'ndjson', file), keys.length);
    const ids = (await fs.readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l).id as string);
    assert.deepEqual(ids, [...keys].sort(), 'every tile once, by quadkey');
    assert.equal(await exportPredictions(store, prediction.id, 'csv', path.join(tmp, 'many.csv'), { classIndex: 1 }), Math.floor(keys.length / 2));
  });

  it('exports detection features page by page with their reviews, in every format', async () => {
    const keys = block(23.5, 32.1, 14, 6, 5);
    const prediction = await store.createPrediction({
      projectId, modelName: 'cars', modelVersion: '1.0.0', imageryId, aoi: { tiles: [] }, zoom: 14, overlap: 0, task: 'detection', classes: BINARY, quadkeys: keys,
    });
    // 41 boxes per tile, 1,230 in all: more than a page.
    await store.recordResults(
      prediction.id,
      keys.map((q, t) => {
        const [w, s, e, n] = tileBounds(tileFromQuadkey(q));
        const dx = (e - w) / 50;
        const dy = (n - s) / 50;
        return {
          quadkey: q,
          scores: [0.5, 0.5],
          features: Array.from({ length: 41 }, (_, k) => {
            const x = w + dx * k;
            const y = s + dy * k;
            return {
              classIndex: (t + k) % 2,
              score: ((t * 41 + k) % 100) / 100,
              geometry: { type: 'Polygon', coordinates: [[[x, y], [x + dx, y], [x + dx, y + dy], [x, y + dy], [x, y]]] },
            };
          }),
        };
      }),
    );
    const stored = await store.listFeatures(prediction.id);
    assert.equal(stored.length, 1230);
    await store.addReview(prediction.id, { target: 'feature', targetId: String(stored[3].id), valid: true, reviewer: 'ana' });
    await store.addReview(prediction.id, { target: 'feature', targetId: String(stored[1100].id), valid: false, reviewer: 'ben' });
    // A tile review must not show up on a feature.
    await store.addReview(prediction.id, { target: 'tile', targetId: keys[0], valid: false, reviewer: 'ben' });

    const file = path.join(tmp, 'boxes.ndjson');
    assert.equal(await exportPredictions(store, prediction.id, 'ndjson', file), 1230, 'features are the default layer of a detection');
    const features = (await fs.readFile(file, 'utf8')).trimEnd().split('\n').map((l) => JSON.parse(l) as GeoJSONFeature);
    assert.deepEqual(features.map((f) => f.id), stored.map((f) => f.id), 'every feature once, by id');
    assert.deepEqual(Object.keys(features[0].properties), ['id', 'class', 'class_name', 'score', 'quadkey', 'review', 'reviewer', 'reviewed_at', 'label']);
    assert.deepEqual(features[0].geometry, stored[0].geometry);
    assert.equal(features.filter((f) => f.properties.review !== 'unreviewed').length, 2);
    assert.deepEqual([features[3].properties.review, features[3].properties.label], ['valid', stored[3].classIndex]);
    assert.deepEqual([features[1100].properties.review, features[1100].properties.label], ['invalid', null]);

    const high: GeoJSONFeature[] = [];
    for await (const f of predictionFeatures(store, prediction.id, { classIndex: 1, threshold: 0.9 })) high.push(f);
    assert.deepEqual(high.map((f) => f.id), stored.filter((f) => f.classIndex === 1 && f.score >= 0.9).map((f) => f.id));
    assert.ok(high.length > 0, 'some boxes pass');
    const flipped: GeoJSONFeature[] = [];
    for await (const f of predictionFeatures(store, prediction.id, { reviewedOnly: true, flipInvalid: true })) flipped.push(f);
    assert.deepEqual(flipped.map((f) => [f.id, f.properties.label]), [[stored[3].id, stored[3].classIndex], [stored[1100].id, 1 - stored[1100].classIndex]]);

    const tilesFile = path.join(tmp, 'boxes-tiles.geojson');
    assert.equal(await exportPredictions(store, prediction.id, 'geojson', tilesFile, { layer: 'tiles' }), keys.length, 'the tiles layer of a detection');

    const parquet = path.join(tmp, 'boxes.parquet');
    assert.equal(await exportPredictions(store, prediction.id, 'geoparquet', parquet), 1230);
    const labels = await openGeoParquetLabels(parquet);
    try {
      assert.equal(await labels.count(), 1230);
      const [first] = await labels.query({ limit: 1 });
      assert.deepEqual(first.geometry, stored[0].geometry);
      assert.equal(first.properties.id, stored[0].id);
    } finally {
      await labels.close();
    }
    const csvFile = path.join(tmp, 'boxes.csv');
    assert.equal(await exportPredictions(store, prediction.id, 'csv', csvFile), 1230);
    const csv = parseCsv(await fs.readFile(csvFile, 'utf8'));
    assert.equal(csv.length, 1231);
    assert.ok((gdal.Geometry.fromWKT(csv[1][9]) as gdal.Polygon).getArea() > 0, 'a box is a polygon with area');
  });
});

describe('WKT and WKB encoding', () => {
  const cases = [
    { type: 'Point', coordinates: [23.5, 32.1] },
    { type: 'Point', coordinates: [23.5, 32.1, 7] },
    { type: 'LineString', coordinates: [[0, 0], [1, 1], [2, 0]] },
    { type: 'Polygon', coordinates: [[[0, 0], [2, 0], [2, 2], [0, 2], [0, 0]], [[0.5, 0.5], [0.5, 1], [1, 1], [0.5, 0.5]]] },
    { type: 'MultiPoint', coordinates: [[0, 0], [1, 2]] },
    { type: 'MultiLineString', coordinates: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]] },
    { type: 'MultiPolygon', coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]]]] },
  ];

  it('writes WKT that GDAL parses back to the same geometry', () => {
    for (const geometry of cases) {
      const parsed = gdal.Geometry.fromWKT(geometryToWkt(geometry));
      assert.deepEqual(parsed.toObject(), geometry, geometry.type);
    }
    assert.equal(geometryToWkt({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 0]]] }), 'POLYGON ((0 0, 1 0, 1 1, 0 0))');
    assert.equal(geometryToWkt({ type: 'Point', coordinates: [] }), 'POINT EMPTY');
  });

  it('writes WKB that GDAL and the repo decoder read back', () => {
    for (const geometry of cases) {
      const wkb = geometryToWkb(geometry);
      assert.deepEqual(wkbToGeometry(wkb), geometry, `${geometry.type}: repo decoder`);
      assert.deepEqual(gdal.Geometry.fromWKB(Buffer.from(wkb)).toObject(), geometry, `${geometry.type}: GDAL`);
    }
    const collection = { type: 'GeometryCollection', geometries: cases.slice(2, 4) };
    assert.deepEqual(wkbToGeometry(geometryToWkb(collection)), collection);
  });

  it('refuses geometries it cannot encode', () => {
    assert.throws(() => geometryToWkt({ type: 'Circle', coordinates: [0, 0] }), /cannot encode a "Circle"/);
    assert.throws(() => geometryToWkb({ type: 'Polygon' }), /needs coordinates/);
  });
});
