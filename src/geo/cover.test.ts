// Tile covers against the shapely reference in test/fixtures/geo/covers.json (made by
// test/fixtures/geo/make-covers.py, which states the rule), shapes aligned with tiles, the tile
// limit, and every kind of bad input.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { rejectsInvalidParameter } from '../../test/support/assertions.js';
import { DEFAULT_MAX_TILES, coverBbox, coverGeometry } from './cover.js';
import { tileBounds, tileId, tileSpace, type BBox, type Tile } from './tiles.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SHARED_FIXTURES = path.resolve(ROOT, '../shared/fixtures');

interface ReferenceCase {
  name: string;
  zoom: number;
  /** A GeoJSON geometry, or where to find one among the shared fixtures. */
  geometry: { type: string; coordinates: unknown } | { source: string; name: string };
  tiles: string[];
}

const REFERENCE: { cases: ReferenceCase[] } = JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/geo/covers.json'), 'utf8'));

/** The geometry of a Natural Earth country in the shared fixture; '*' for the whole FeatureCollection. */
function country(source: string, name: string): unknown {
  const collection = JSON.parse(fs.readFileSync(path.join(SHARED_FIXTURES, source), 'utf8'));
  if (name === '*') return collection;
  const feature = collection.features.find((f: { properties: { name: string } }) => f.properties.name === name);
  assert.ok(feature, `${name} is in ${source}`);
  return feature.geometry;
}

/** The case's geometry, read from the shared fixtures when it is a country. */
function geometryOf(reference: ReferenceCase): unknown {
  return 'source' in reference.geometry ? country(reference.geometry.source, reference.geometry.name) : reference.geometry;
}

/** Asserts that two tile-id lists hold the same tiles, listing what is missing and extra. */
function sameTiles(actual: string[], expected: string[], what: string): void {
  const have = new Set(actual);
  const want = new Set(expected);
  assert.equal(have.size, actual.length, `${what}: no tile twice`);
  const missing = expected.filter((id) => !have.has(id));
  const extra = actual.filter((id) => !want.has(id));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] }, `${what}: differs from the reference`);
}

/** A closed polygon ring of a box. */
function boxRing([west, south, east, north]: BBox): [number, number][] {
  return [[west, south], [east, south], [east, north], [west, north], [west, south]];
}

const polygon = (...rings: unknown[]) => ({ type: 'Polygon', coordinates: rings });
const ids = (tiles: Tile[]) => tiles.map(tileId);

describe('covers equal the shapely reference', () => {
  for (const reference of REFERENCE.cases) {
    test(`${reference.name} at zoom ${reference.zoom} (${reference.tiles.length} tiles)`, () => {
      const tiles = ids(coverGeometry(geometryOf(reference), reference.zoom));
      sameTiles(tiles, reference.tiles, reference.name);
      // Row by row from the north, west to east: the reference's order too.
      assert.deepEqual(tiles, reference.tiles);
    });
  }

  test('a Feature and a FeatureCollection cover the same tiles as their geometry', () => {
    const reference = REFERENCE.cases.find((c) => c.name === 'multipolygon')!;
    const geometry = geometryOf(reference);
    const feature = { type: 'Feature', properties: { name: 'aoi' }, geometry };
    assert.deepEqual(ids(coverGeometry(feature, reference.zoom)), reference.tiles);
    assert.deepEqual(ids(coverGeometry({ type: 'FeatureCollection', features: [feature] }, reference.zoom)), reference.tiles);
  });

  test('features that share tiles list each tile once', () => {
    const [a, b] = REFERENCE.cases.filter((c) => c.name === 'Switzerland' || c.name === 'small polygon');
    const features = [a, b, a].map((c) => ({ type: 'Feature', properties: {}, geometry: geometryOf(c) }));
    const expected = ids(coverGeometry(features[0].geometry, 12)).concat(ids(coverGeometry(features[1].geometry, 12)));
    const tiles = ids(coverGeometry({ type: 'FeatureCollection', features }, 12));
    sameTiles(tiles, expected, 'two shapes, one of them twice');
  });
});

describe('the rule: tiles that share area, not tiles that only touch', () => {
  const tile: Tile = { x: 486, y: 332, z: 10 };

  test('a polygon drawn on a tile’s bounds covers that tile only, not the eight it touches', () => {
    assert.deepEqual(coverGeometry(polygon(boxRing(tileBounds(tile))), 10), [tile]);
  });

  test('one zoom deeper it covers the four children; one zoom up, the parent', () => {
    assert.deepEqual(ids(coverGeometry(polygon(boxRing(tileBounds(tile))), 11)), ['972-664-11', '973-664-11', '972-665-11', '973-665-11']);
    assert.deepEqual(ids(coverGeometry(polygon(boxRing(tileBounds(tile))), 9)), ['243-166-9']);
  });

  test('a triangle touching a tile corner leaves that tile out', () => {
    const [west, , , north] = tileBounds(tile);
    // Its right angle sits on the tile's north-west corner and it spreads away from the tile.
    const triangle = polygon([[west, north], [west - 0.1, north], [west, north + 0.1], [west, north]]);
    assert.deepEqual(ids(coverGeometry(triangle, 10)), ['485-331-10']);
    // Pushed a hair into the tile, it shares area with it.
    const inside = polygon([[west + 1e-6, north - 1e-6], [west - 0.1, north], [west, north + 0.1], [west + 1e-6, north - 1e-6]]);
    assert.deepEqual(ids(coverGeometry(inside, 10)), ['485-331-10', '486-331-10', '485-332-10', '486-332-10']);
  });

  test('a hole exactly on one tile removes that tile; the tiles around it stay', () => {
    const outer = tileBounds({ x: 485, y: 331, z: 10 });
    const far = tileBounds({ x: 487, y: 333, z: 10 });
    const shell = boxRing([outer[0], far[1], far[2], outer[3]]);
    const tiles = ids(coverGeometry(polygon(shell, boxRing(tileBounds(tile))), 10));
    assert.deepEqual(tiles, ['485-331-10', '486-331-10', '487-331-10', '485-332-10', '487-332-10', '485-333-10', '486-333-10', '487-333-10']);
  });

  test('a shape beyond ±85.0511° covers the edge row at most, and nothing when wholly beyond', () => {
    assert.deepEqual(ids(coverGeometry(polygon(boxRing([10, 84, 20, 89])), 2)), ['2-0-2']);
    assert.deepEqual(coverGeometry(polygon(boxRing([10, 86, 20, 89])), 2), []);
  });
});

describe('coverBbox', () => {
  test('the mercantile CLI example: [-105.05, 39.95, -105, 40] at zoom 12', () => {
    assert.deepEqual(ids(coverBbox([-105.05, 39.95, -105, 40], 12)), ['852-1550-12', '853-1550-12', '852-1551-12', '853-1551-12']);
  });

  test('equals the cover of the same box as a polygon', () => {
    for (const [bbox, zoom] of [
      [[6.1, 45.9, 10.3, 47.7], 9],
      [[-74.26, 40.48, -73.7, 40.92], 13],
      [[-180, -85, 180, 85], 3],
    ] as [BBox, number][]) {
      assert.deepEqual(ids(coverBbox(bbox, zoom)), ids(coverGeometry(polygon(boxRing(bbox)), zoom)), JSON.stringify(bbox));
    }
  });

  test('a tile’s bounds give that tile only', () => {
    assert.deepEqual(coverBbox(tileBounds({ x: 3, y: 2, z: 3 }), 3), [{ x: 3, y: 2, z: 3 }]);
  });

  test('west > east crosses the antimeridian', () => {
    assert.deepEqual(ids(coverBbox([179, -1, -179, 1], 3)), ['0-3-3', '7-3-3', '0-4-3', '7-4-3']);
    // Nearly the whole world: the two halves share column 0 once.
    assert.deepEqual(ids(coverBbox([10, -1, 5, 1], 0)), ['0-0-0']);
  });

  test('refuses boxes that are not boxes', () => {
    rejectsInvalidParameter(() => coverBbox([1, 2, 3] as unknown as BBox, 3), 'bbox [1,2,3] is not [west, south, east, north] in finite numbers');
    rejectsInvalidParameter(() => coverBbox([1, 2, 3, NaN], 3), 'bbox [1,2,3,null] is not [west, south, east, north] in finite numbers');
    rejectsInvalidParameter(() => coverBbox([-190, 0, 10, 10], 3), 'bbox longitude -190 is out of range [-180, 180]');
    rejectsInvalidParameter(() => coverBbox([0, 0, 10, 91], 3), 'bbox latitude 91 is out of range [-90, 90]');
    rejectsInvalidParameter(() => coverBbox([0, 10, 10, 0], 3), 'bbox south 10 must be less than north 0');
    rejectsInvalidParameter(() => coverBbox([5, 0, 5, 10], 3), 'bbox west and east are both 5: the box has no area');
    rejectsInvalidParameter(() => coverBbox([0, 0, 1, 1], 31), 'zoom 31 is out of range: it must be an integer from 0 to 30');
  });
});

describe('the tile limit', () => {
  const switzerland = REFERENCE.cases.find((c) => c.name === 'Switzerland')!;

  test('a cover over the limit names its exact size and the limit', () => {
    const geometry = geometryOf(switzerland);
    const count = switzerland.tiles.length;
    assert.equal(coverGeometry(geometry, 12, { maxTiles: count }).length, count);
    rejectsInvalidParameter(
      () => coverGeometry(geometry, 12, { maxTiles: count - 1 }),
      `the cover at zoom 12 needs ${count.toLocaleString('en-US')} tiles, more than the limit of ${(count - 1).toLocaleString('en-US')}: ` +
        'use a lower zoom, a smaller area, or raise the limit',
    );
  });

  test('a huge cover is refused from its extent, before any row is swept', () => {
    const geometry = geometryOf(switzerland);
    // Switzerland spans 6.0226° to 10.4427° east: that many columns at zoom 30, each holding a tile.
    const columns = Math.ceil(tileSpace(10.442701, 0, 30)[0]) - Math.floor(tileSpace(6.022609, 0, 30)[0]);
    const started = performance.now();
    rejectsInvalidParameter(
      () => coverGeometry(geometry, 30),
      `the cover at zoom 30 needs at least ${columns.toLocaleString('en-US')} tiles, more than the limit of ${DEFAULT_MAX_TILES.toLocaleString('en-US')}: ` +
        'use a lower zoom, a smaller area, or raise the limit',
    );
    assert.ok(performance.now() - started < 1000, 'refused at once');
  });

  test('the default limit is 100,000 tiles; bounding boxes count too', () => {
    assert.equal(DEFAULT_MAX_TILES, 100_000);
    rejectsInvalidParameter(
      () => coverBbox([-180, -85, 180, 85], 9),
      'the cover at zoom 9 needs 262,144 tiles, more than the limit of 100,000: use a lower zoom, a smaller area, or raise the limit',
    );
    assert.equal(coverBbox([-180, -85, 180, 85], 9, { maxTiles: Infinity }).length, 262_144);
  });

  test('refuses a limit that is not a positive integer', () => {
    for (const maxTiles of [0, -5, 1.5, NaN]) {
      rejectsInvalidParameter(() => coverGeometry(polygon(boxRing([0, 0, 1, 1])), 3, { maxTiles }), `maxTiles ${maxTiles} is not a positive integer (or Infinity for no limit)`);
    }
  });
});

describe('bad input is refused with the problem and where it is', () => {
  const square = boxRing([10, 45, 11, 46]);
  const cases: [string, unknown, string][] = [
    ['not an object', 'POLYGON((0 0))', 'invalid GeoJSON: expected an object, got "POLYGON((0 0))"'],
    ['null', null, 'invalid GeoJSON: expected an object, got null'],
    ['an array', [square], 'invalid GeoJSON: expected an object, got [[[10,45],[11,45],[11,46],[10,46],[10,45]]]'],
    ['no type', { coordinates: [square] }, 'invalid GeoJSON: the object has no "type" (Feature, FeatureCollection, Polygon or MultiPolygon)'],
    ['a Point', { type: 'Point', coordinates: [10, 45] }, 'invalid GeoJSON: geometry type Point cannot be covered: only Polygon and MultiPolygon have an area'],
    [
      'a LineString in a feature',
      { type: 'FeatureCollection', features: [{ type: 'Feature', properties: {}, geometry: { type: 'LineString', coordinates: [[0, 0], [1, 1]] } }] },
      'invalid GeoJSON at features[0].geometry: geometry type LineString cannot be covered: only Polygon and MultiPolygon have an area',
    ],
    ['features not an array', { type: 'FeatureCollection', features: {} }, 'invalid GeoJSON at features: a FeatureCollection needs an array of features, got {}'],
    ['no features', { type: 'FeatureCollection', features: [] }, 'invalid GeoJSON: it holds no polygon to cover'],
    ['a member that is no Feature', { type: 'FeatureCollection', features: [polygon(square)] }, 'invalid GeoJSON at features[0]: expected a Feature, got {"type":"Polygon","coordinates":[[[10,45],[11,45],[11,46]...'],
    ['a feature without geometry', { type: 'Feature', properties: {}, geometry: null }, 'invalid GeoJSON: the feature has no geometry'],
    ['a geometry that is no object', { type: 'Feature', properties: {}, geometry: 7 }, 'invalid GeoJSON at geometry: a geometry must be an object, got 7'],
    ['a geometry without type', { type: 'Feature', properties: {}, geometry: { coordinates: [] } }, 'invalid GeoJSON at geometry: a geometry needs a "type", got undefined'],
    ['coordinates not rings', { type: 'Polygon', coordinates: 'x' }, 'invalid GeoJSON at coordinates: polygon coordinates must be an array of rings, got "x"'],
    ['a polygon without rings', { type: 'Polygon', coordinates: [] }, 'invalid GeoJSON at coordinates: a polygon needs at least one ring'],
    ['a MultiPolygon without an array', { type: 'MultiPolygon', coordinates: null }, 'invalid GeoJSON at coordinates: MultiPolygon coordinates must be an array of polygons, got null'],
    ['an empty MultiPolygon', { type: 'MultiPolygon', coordinates: [] }, 'invalid GeoJSON: it holds no polygon to cover'],
    ['a ring that is no array', polygon(5), 'invalid GeoJSON at coordinates[0]: a ring must be an array of positions, got 5'],
    ['a ring of 3 positions', polygon([[0, 0], [1, 0], [0, 0]]), 'invalid GeoJSON at coordinates[0]: a ring needs at least 4 positions (closed), found 3'],
    ['an unclosed ring', polygon([[0, 0], [1, 0], [1, 1], [0, 1]]), 'invalid GeoJSON at coordinates[0]: the ring is not closed: it starts at [0,0] and ends at [0,1]'],
    ['a ring with two distinct positions', polygon([[0, 0], [1, 0], [0, 0], [0, 0]]), 'invalid GeoJSON at coordinates[0]: the ring has fewer than 3 distinct positions, so no area'],
    ['a position of strings', polygon([['0', '0'], [1, 0], [1, 1], ['0', '0']]), 'invalid GeoJSON at coordinates[0][0]: a position must hold finite numbers, got ["0","0"]'],
    ['a position with NaN', polygon([[0, 0], [1, NaN], [1, 1], [0, 0]]), 'invalid GeoJSON at coordinates[0][1]: a position must hold finite numbers, got [1,null]'],
    ['a position of one number', polygon([[0, 0], [1], [1, 1], [0, 0]]), 'invalid GeoJSON at coordinates[0][1]: a position must be [longitude, latitude], got [1]'],
    ['a longitude out of range', polygon([[0, 0], [181, 0], [1, 1], [0, 0]]), 'invalid GeoJSON at coordinates[0][1]: longitude 181 is out of range [-180, 180]'],
    ['a latitude out of range (swapped axes)', polygon([[45, 100], [46, 100], [46, 101], [45, 100]]), 'invalid GeoJSON at coordinates[0][0]: latitude 100 is out of range [-90, 90]'],
    [
      'a self-intersecting bow tie',
      polygon([[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]),
      'invalid GeoJSON at coordinates: ring 0 intersects itself: segment 0 [[0,0],[2,2]] crosses segment 2 [[2,0],[0,2]]',
    ],
    [
      'a ring that touches itself (figure eight)',
      polygon([[0, 0], [1, 1], [2, 0], [2, 2], [1, 1], [0, 2], [0, 0]]),
      'invalid GeoJSON at coordinates: ring 0 intersects itself: segment 0 [[0,0],[1,1]] touches segment 4 [[1,1],[0,2]]',
    ],
    [
      'a spike that doubles back on itself',
      polygon([[0, 0], [2, 0], [2, 2], [1, 2], [1, 3], [1, 2.5], [0.5, 2.2], [0, 2], [0, 0]]),
      'invalid GeoJSON at coordinates: ring 0 intersects itself: segment 3 [[1,2],[1,3]] touches segment 5 [[1,2.5],[0.5,2.2]]',
    ],
    [
      'a hole sharing a stretch of its shell’s edge',
      polygon(square, [[10, 45], [10.5, 45], [10.5, 45.5], [10, 45]]),
      'invalid GeoJSON at coordinates: ring 0 and ring 1 intersect: segment 0 [[10,45],[11,45]] overlaps segment 0 [[10,45],[10.5,45]]',
    ],
    [
      'a hole crossing its shell',
      polygon(square, [[10.5, 45.5], [11.5, 45.5], [10.5, 45.7], [10.5, 45.5]]),
      'invalid GeoJSON at coordinates: ring 0 and ring 1 intersect: segment 1 [[11,45],[11,46]] crosses segment 0 [[10.5,45.5],[11.5,45.5]]',
    ],
    [
      'a self-intersection in the second polygon of a feature’s MultiPolygon',
      { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: [[square], [[[0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]] } },
      'invalid GeoJSON at geometry.coordinates[1]: ring 0 intersects itself: segment 0 [[0,0],[2,2]] crosses segment 2 [[2,0],[0,2]]',
    ],
    [
      'a polygon across the antimeridian',
      polygon([[170, -10], [-170, -10], [-170, 10], [170, 10], [170, -10]]),
      'invalid GeoJSON at coordinates: the polygon spans 340° of longitude; a polygon that crosses the antimeridian must be split in two at ±180° ' +
        '(RFC 7946, section 3.1.9), e.g. as a MultiPolygon',
    ],
  ];
  for (const [name, geojson, message] of cases) {
    test(name, () => rejectsInvalidParameter(() => coverGeometry(geojson, 10), message));
  }

  test('a zoom out of range', () => {
    rejectsInvalidParameter(() => coverGeometry(polygon(square), 31), 'zoom 31 is out of range: it must be an integer from 0 to 30');
    rejectsInvalidParameter(() => coverGeometry(polygon(square), -1), 'zoom -1 is out of range: it must be an integer from 0 to 30');
    rejectsInvalidParameter(() => coverGeometry(polygon(square), 1.5), 'zoom 1.5 is out of range: it must be an integer from 0 to 30');
  });

  test('valid corner cases are accepted: repeated positions, an elevation, a hole touching the shell, a world-wide band', () => {
    const plain = ids(coverGeometry(polygon(square), 9));
    assert.deepEqual(ids(coverGeometry(polygon([[10, 45], [10, 45], [11, 45, 300], [11, 46], [10, 46], [10, 45]]), 9)), plain);
    assert.deepEqual(ids(coverGeometry(polygon(square, [[10, 45], [10.5, 45.5], [10.2, 45.6], [10, 45]]), 9)), plain);
    assert.equal(coverGeometry(polygon(boxRing([-180, -10, 180, 10])), 3).length, 16);
  });
});

describe('large outlines', () => {
  /** A closed ring of `n` positions around (lon, lat), radius in degrees, wobbling so it is not convex. */
  function wobblyRing(lon: number, lat: number, radius: number, n: number): [number, number][] {
    const ring: [number, number][] = [];
    for (let k = 0; k < n; k++) {
      const angle = (2 * Math.PI * k) / n;
      const r = radius * (1 + 0.05 * Math.sin(37 * angle));
      ring.push([lon + r * Math.cos(angle), lat + r * Math.sin(angle)]);
    }
    return [...ring, ring[0]];
  }

  test('a 10,000-position ring is checked and covered in a fraction of a second', () => {
    const ring = wobblyRing(8, 47, 1.5, 10_000);
    const started = performance.now();
    const tiles = coverGeometry(polygon(ring), 11);
    const elapsed = performance.now() - started;
    assert.equal(tiles.length, 403);
    // Typically 0.1 to 0.5 s cold; the margin is for a busy machine.
    assert.ok(elapsed < 3000, `took ${elapsed.toFixed(0)} ms`);
  });

  test('one crossing among 10,000 positions is found and named', () => {
    const ring = wobblyRing(8, 47, 1.5, 10_000);
    // Swapping two neighbouring positions makes segments 4999 and 5001 cross.
    [ring[5000], ring[5001]] = [ring[5001], ring[5000]];
    assert.throws(() => coverGeometry(polygon(ring), 11), /ring 0 intersects itself: segment 4999 .* crosses segment 5001 /);
  });
});
