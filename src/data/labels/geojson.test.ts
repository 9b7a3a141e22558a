// GeoJSON labels: every label fixture loads; SQL filters work on scalar and list properties; malformed
// GeoJSON fails with a message that names the feature and the problem.
import assert from 'node:assert/strict';
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { TileflowError } from '../../core/errors.js';
import { parseGeoJson } from './geojson-parse.js';
import { openLabels } from './open.js';

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures');

test('every GeoJSON label fixture loads with its features and properties', async () => {
  const files = execSync(`find ${FIXTURES}/labels -name '*.geojson'`).toString().trim().split('\n').sort();
  assert.equal(files.length, 5);
  for (const file of files) {
    const labels = await openLabels(file);
    const features = await labels.query();
    const raw = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(features.length, raw.features.length, file);
    assert.deepEqual(features.map((f) => f.properties), raw.features.map((f: { properties: unknown }) => f.properties), file);
    assert.equal(labels.crs, 'OGC:CRS84');
    await labels.close();
  }
});

test('SQL filters over scalar and list properties, bbox and limit', async () => {
  const roads = await openLabels(path.join(FIXTURES, 'labels/solaris-roads/sample_roads_for_masking.geojson'));
  try {
    assert.deepEqual(roads.columns.find((c) => c.name === 'road_id'), { name: 'road_id', type: 'BIGINT' });
    const two = await roads.query({ where: "lane_number = '2'" });
    assert.ok(two.length > 0 && two.every((f) => f.properties.lane_number === '2'));
    assert.equal(await roads.count({ where: 'road_id > 0', limit: 3 }), 3);
    // A box west of the image holds nothing; the image's own box holds every road.
    assert.equal(await roads.count({ bbox: [-116, 36, -115.5, 36.2] }), 0);
    assert.equal(await roads.count({ bbox: [-115.2338076, 36.1388277, -115.2302976, 36.1423377] }), 9);
  } finally {
    await roads.close();
  }
  const grass = await openLabels(path.join(FIXTURES, 'labels/eotdl-jaca/labels_scaneo/Jaca_1.geojson'));
  try {
    assert.deepEqual(grass.columns.find((c) => c.name === 'labels'), { name: 'labels', type: 'VARCHAR[]' });
    const segmentation = await grass.query({ where: "list_contains(tasks, 'segmentation')" });
    assert.equal(segmentation.length, 1);
    assert.equal(segmentation[0].geometry?.type, 'MultiPolygon');
    assert.equal(await grass.count({ where: 'prompt' }), 3);
  } finally {
    await grass.close();
  }
});

function failsWith(text: string, pattern: RegExp): void {
  assert.throws(() => parseGeoJson(text, 'labels.geojson'), (e: unknown) => e instanceof TileflowError && e.code === 'INVALID_PARAMETER_VALUE' && pattern.test(e.message));
}

const feature = (geometry: unknown, extra = '') => `{"type":"FeatureCollection","features":[{"type":"Feature","properties":{}${extra},"geometry":${JSON.stringify(geometry)}}]}`;

test('malformed GeoJSON is refused with the problem named', () => {
  failsWith('{"type": "FeatureCollection", "features": [', /labels\.geojson is not valid JSON/);
  failsWith('{"type": "FeatureCollection"}', /needs a 'features' array/);
  failsWith('{"type": "Topology"}', /unknown GeoJSON type "Topology"/);
  failsWith(feature({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [1, 1], [0, 1]]] }), /feature 0: geometry \(Polygon\) ring 0 is not closed/);
  failsWith(feature({ type: 'Polygon', coordinates: [[[0, 0], [1, 0], [0, 0]]] }), /ring 0 has 3 positions; at least 4/);
  failsWith(feature({ type: 'Point', coordinates: [0, 'north'] }), /non-numeric coordinate "north"/);
  failsWith(feature({ type: 'Circle', coordinates: [0, 0] }), /unknown type "Circle"/);
  failsWith(feature({ type: 'LineString', coordinates: [[0, 0]] }, ',"id":"road-7"'), /feature 0 \(id "road-7"\): geometry \(LineString\) has 1 positions/);
  // A bow tie: its edges 0 and 2 cross in the middle.
  failsWith(feature({ type: 'Polygon', coordinates: [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]] }), /ring 0 intersects itself \(edges 0 and 2 cross\)/);
  failsWith(feature({ type: 'MultiPolygon', coordinates: [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [7, 7], [7, 5], [5, 7], [5, 5]]]] }), /part 1 ring 0 intersects itself/);
});

test('valid shapes pass: touching vertices, holes, null geometry, bare geometry, legacy CRS', () => {
  // Two squares of a pixel-stair polygon share a vertex without crossing.
  const stair = { type: 'Polygon', coordinates: [[[0, 0], [2, 0], [2, 1], [1, 1], [1, 2], [0, 2], [0, 0]], [[0.2, 0.2], [0.8, 0.2], [0.8, 0.8], [0.2, 0.2]]] };
  assert.equal(parseGeoJson(feature(stair), 'x').features[0].geometry?.type, 'Polygon');
  assert.equal(parseGeoJson(feature(null), 'x').features[0].geometry, null);
  assert.deepEqual(parseGeoJson('{"type":"Point","coordinates":[1,2]}', 'x').features, [{ id: 0, properties: {}, geometry: { type: 'Point', coordinates: [1, 2] } }]);
  const legacy = '{"type":"FeatureCollection","crs":{"type":"name","properties":{"name":"urn:ogc:def:crs:EPSG::32630"}},"features":[]}';
  assert.equal(parseGeoJson(legacy, 'x').crs, 'EPSG:32630');
});

test('a missing file is RESOURCE_DOES_NOT_EXIST; a bad file fails on open', async () => {
  await assert.rejects(openLabels('/nonexistent/labels.geojson'), (e: unknown) => e instanceof TileflowError && e.code === 'RESOURCE_DOES_NOT_EXIST');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-labels-'));
  try {
    const bad = path.join(dir, 'bad.geojson');
    fs.writeFileSync(bad, feature({ type: 'Polygon', coordinates: [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]] }));
    await assert.rejects(openLabels(bad), /bad\.geojson: feature 0: geometry \(Polygon\) ring 0 intersects itself/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a hole that crosses its shell is refused', () => {
  const polygon = { type: 'Polygon', coordinates: [[[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]], [[1, 1], [5, 1], [5, 2], [1, 2], [1, 1]]] };
  failsWith(feature(polygon), /rings 0 and 1 intersect \(edges \d and \d cross\)/);
});
