// Tile math against mercantile's documented examples, and values computed with mercantile's formulas
// in Debian's python3 (no mercantile there): e.g. for tileAt,
//   /usr/bin/python3 -c "import math; lat=math.radians(40.0); n=2.0**12; print(int((-105+180)/360*n),
//     int((1-math.log(math.tan(lat)+1/math.cos(lat))/math.pi)/2*n))"
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rejectsInvalidParameter } from '../../test/support/assertions.js';
import {
  MAX_LATITUDE,
  children,
  lngLatToMercator,
  mercatorToLngLat,
  parent,
  parseTileId,
  quadkey,
  siblings,
  supertile,
  tileAt,
  tileBounds,
  tileFeature,
  tileFromQuadkey,
  tileId,
  tileSpace,
  tileXyBounds,
  tilesUnder,
  tmsToXyz,
  xyzToTms,
  type Tile,
} from './tiles.js';

/** Asserts two numbers are within `tolerance` (libm's atan and sinh may differ from V8's by an ulp). */
function near(actual: number, expected: number, tolerance: number, what = ''): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what} ${actual} differs from ${expected} by more than ${tolerance}`);
}

/** Asserts every member of two same-length number lists is near. */
function allNear(actual: number[], expected: number[], tolerance: number): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => near(value, expected[i], tolerance, `[${i}]`));
}

const IRELAND: Tile = { x: 486, y: 332, z: 10 };

describe('tile of a point', () => {
  test('(-105, 40) from zoom 1 to 18, as mercantile.tile computes it', () => {
    const expected = [
      [0, 0], [0, 1], [1, 3], [3, 6], [6, 12], [13, 24], [26, 48], [53, 96], [106, 193],
      [213, 387], [426, 775], [853, 1550], [1706, 3101], [3413, 6202], [6826, 12405], [13653, 24810], [27306, 49621], [54613, 99242],
    ];
    expected.forEach(([x, y], i) => assert.deepEqual(tileAt(-105, 40, i + 1), { x, y, z: i + 1 }));
  });

  test('other hemispheres and the deepest zoom', () => {
    assert.deepEqual(tileAt(139.7673, 35.6812, 20), { x: 931389, y: 412906, z: 20 });
    assert.deepEqual(tileAt(-58.3816, -34.6037, 9), { x: 172, y: 308, z: 9 });
    assert.deepEqual(tileAt(-58.3816, -34.6037, 30), { x: 362741007, y: 646995518, z: 30 });
  });

  test('the upper-left corner of a tile is in that tile (mercantile README)', () => {
    const [west, , , north] = tileBounds(IRELAND);
    assert.deepEqual(tileAt(west, north, 10), IRELAND);
  });

  test('the world edges stay in the pyramid: poles clamp, 180° is the last column', () => {
    assert.deepEqual(tileAt(180, 90, 3), { x: 7, y: 0, z: 3 });
    assert.deepEqual(tileAt(-180, -90, 3), { x: 0, y: 7, z: 3 });
    assert.deepEqual(tileAt(0, 0, 1), { x: 1, y: 1, z: 1 });
  });

  test('refuses zooms and coordinates out of range', () => {
    rejectsInvalidParameter(() => tileAt(0, 0, 31), 'zoom 31 is out of range: it must be an integer from 0 to 30');
    rejectsInvalidParameter(() => tileAt(0, 0, -1), 'zoom -1 is out of range: it must be an integer from 0 to 30');
    rejectsInvalidParameter(() => tileAt(0, 0, 2.5), 'zoom 2.5 is out of range: it must be an integer from 0 to 30');
    rejectsInvalidParameter(() => tileAt(45, 181, 3), 'latitude 181 is out of range: it must be from -90 to 90');
    rejectsInvalidParameter(() => tileAt(-180.5, 0, 3), 'longitude -180.5 is out of range: it must be from -180 to 180');
    rejectsInvalidParameter(() => tileAt(NaN, 0, 3), 'longitude NaN is out of range: it must be from -180 to 180');
  });
});

describe('tile bounds', () => {
  test('EPSG:4326 bounds of (486, 332, 10), as documented by mercantile', () => {
    allNear(tileBounds(IRELAND), [-9.140625, 53.12040528310657, -8.7890625, 53.33087298301705], 1e-12);
  });

  test('the root and zoom-1 tiles reach ±85.0511287798066', () => {
    allNear(tileBounds({ x: 0, y: 0, z: 0 }), [-180, -MAX_LATITUDE, 180, MAX_LATITUDE], 1e-12);
    allNear(tileBounds({ x: 0, y: 0, z: 1 }), [-180, 0, 0, 85.0511287798066], 1e-12);
  });

  test('EPSG:3857 bounds of (486, 332, 10), as documented by mercantile', () => {
    allNear(tileXyBounds(IRELAND), [-1017529.7205322663, 7005300.768279833, -978393.962050256, 7044436.526761846], 1e-6);
    allNear(tileXyBounds({ x: 0, y: 0, z: 0 }), [-20037508.342789244, -20037508.342789244, 20037508.342789244, 20037508.342789244], 1e-6);
  });

  test('the projections of the 4326 bounds are the 3857 bounds', () => {
    for (const tile of [IRELAND, { x: 3, y: 5, z: 3 }, { x: 931389, y: 412906, z: 20 }]) {
      const [west, south, east, north] = tileBounds(tile);
      allNear([...lngLatToMercator(west, south), ...lngLatToMercator(east, north)], tileXyBounds(tile), 1e-6);
    }
  });

  test('tile bounds land exactly on integers of tile space, at every zoom', () => {
    for (const z of [0, 1, 7, 15, 22, 30]) {
      const size = 2 ** z;
      for (const tile of [{ x: 0, y: 0, z }, { x: size - 1, y: size - 1, z }, { x: Math.floor(size / 3), y: Math.floor(size / 7), z }]) {
        const [west, south, east, north] = tileBounds(tile);
        assert.deepEqual(tileSpace(west, north, z), [tile.x, tile.y], `north-west of ${tileId(tile)}`);
        assert.deepEqual(tileSpace(east, south, z), [tile.x + 1, tile.y + 1], `south-east of ${tileId(tile)}`);
      }
    }
  });

  test('refuses tiles out of range', () => {
    rejectsInvalidParameter(() => tileBounds({ x: 4, y: 0, z: 2 }), 'tile x 4 is out of range at zoom 2: it must be from 0 to 3');
    rejectsInvalidParameter(() => tileXyBounds({ x: 0, y: -1, z: 2 }), 'tile y -1 is out of range at zoom 2: it must be from 0 to 3');
    rejectsInvalidParameter(() => tileBounds({ x: 0.5, y: 0, z: 2 }), 'tile x 0.5 is not an integer');
    rejectsInvalidParameter(() => tileBounds({ x: 0, y: 0, z: 40 }), 'zoom 40 is out of range: it must be an integer from 0 to 30');
  });
});

describe('Web Mercator', () => {
  test('forward, as documented by mercantile, and known cities', () => {
    allNear(lngLatToMercator(-9.140625, 53.33087298301705), [-1017529.7205322663, 7044436.526761846], 1e-6);
    allNear(lngLatToMercator(13.405, 52.52), [1492237.774083832, 6894699.801282422], 1e-6);
    allNear(lngLatToMercator(180, 0), [20037508.342789244, 0], 1e-6);
  });

  test('inverse, as mercantile.lnglat computes it', () => {
    allNear(mercatorToLngLat(1e6, -2e6), [8.983152841195215, -17.678914238335743], 1e-12);
  });

  test('latitude is clamped to ±85.0511287798 both ways', () => {
    allNear(lngLatToMercator(0, 90), [0, 20037508.342789244], 1e-6);
    allNear(lngLatToMercator(0, -89.9), [0, -20037508.342789244], 1e-6);
    assert.equal(mercatorToLngLat(0, 1e9)[1], MAX_LATITUDE);
    assert.equal(mercatorToLngLat(0, -1e9)[1], -MAX_LATITUDE);
  });

  test('round trips within a micrometre', () => {
    for (const [lng, lat] of [[0, 0], [-105, 40], [151.2093, -33.8688], [179.999, 85], [-179.999, -85]]) {
      const [x, y] = lngLatToMercator(lng, lat);
      allNear(mercatorToLngLat(x, y), [lng, lat], 1e-11);
    }
  });
});

describe('quadkeys', () => {
  test('(486, 332, 10) is 0313102310 and back (mercantile README)', () => {
    assert.equal(quadkey(IRELAND), '0313102310');
    assert.deepEqual(tileFromQuadkey('0313102310'), IRELAND);
  });

  test('the root, zoom 20 and the corners of zoom 30', () => {
    assert.equal(quadkey({ x: 0, y: 0, z: 0 }), '');
    assert.deepEqual(tileFromQuadkey(''), { x: 0, y: 0, z: 0 });
    assert.equal(quadkey({ x: 931389, y: 412906, z: 20 }), '13300211231022313121');
    assert.equal(quadkey({ x: 2 ** 30 - 1, y: 0, z: 30 }), '1'.repeat(30));
    assert.equal(quadkey({ x: 0, y: 2 ** 30 - 1, z: 30 }), '2'.repeat(30));
    assert.deepEqual(tileFromQuadkey('3'.repeat(30)), { x: 2 ** 30 - 1, y: 2 ** 30 - 1, z: 30 });
  });

  test('round trips every tile of zoom 3 and scattered tiles of zoom 30', () => {
    for (let x = 0; x < 8; x++) for (let y = 0; y < 8; y++) assert.deepEqual(tileFromQuadkey(quadkey({ x, y, z: 3 })), { x, y, z: 3 });
    for (let i = 0; i < 200; i++) {
      // Fixed, well-spread values (multiplicative hashing) keep the test repeatable.
      const tile = { x: (i * 2654435761) % 2 ** 30, y: (i * 40503 + 12345) % 2 ** 30, z: 30 };
      assert.deepEqual(tileFromQuadkey(quadkey(tile)), tile);
    }
  });

  test('refuses other characters and keys deeper than zoom 30', () => {
    rejectsInvalidParameter(() => tileFromQuadkey('0314'), "quadkey '0314' has an invalid character '4' at position 3: digits are 0 to 3");
    rejectsInvalidParameter(() => tileFromQuadkey('01 2'), "quadkey '01 2' has an invalid character ' ' at position 2: digits are 0 to 3");
    rejectsInvalidParameter(() => tileFromQuadkey('0'.repeat(31)), `quadkey '${'0'.repeat(31)}' is too long: 31 digits, at most 30`);
    rejectsInvalidParameter(() => quadkey({ x: 8, y: 0, z: 3 }), 'tile x 8 is out of range at zoom 3: it must be from 0 to 7');
  });
});

describe('the pyramid', () => {
  test('parent and children (mercantile README)', () => {
    assert.deepEqual(parent(IRELAND), { x: 243, y: 166, z: 9 });
    assert.deepEqual(children({ x: 243, y: 166, z: 9 }), [
      { x: 486, y: 332, z: 10 },
      { x: 487, y: 332, z: 10 },
      { x: 487, y: 333, z: 10 },
      { x: 486, y: 333, z: 10 },
    ]);
  });

  test('siblings are the parent’s other children', () => {
    assert.deepEqual(siblings(IRELAND), [
      { x: 487, y: 332, z: 10 },
      { x: 487, y: 333, z: 10 },
      { x: 486, y: 333, z: 10 },
    ]);
    assert.deepEqual(siblings({ x: 0, y: 0, z: 0 }), []);
  });

  test('a supertile and the tiles under it', () => {
    assert.deepEqual(supertile(IRELAND, 0), IRELAND);
    assert.deepEqual(supertile(IRELAND, 3), { x: 60, y: 41, z: 7 });
    assert.deepEqual(supertile(IRELAND, 10), { x: 0, y: 0, z: 0 });
    const under = tilesUnder({ x: 60, y: 41, z: 7 }, 10);
    assert.equal(under.length, 64);
    assert.deepEqual(under[0], { x: 480, y: 328, z: 10 });
    assert.deepEqual(under[63], { x: 487, y: 335, z: 10 });
    assert.ok(under.some((t) => t.x === IRELAND.x && t.y === IRELAND.y), '(486, 332, 10) is under its supertile');
    assert.deepEqual([...new Set(under.map((t) => tileId(supertile(t, 3))))], ['60-41-7']);
    assert.deepEqual(tilesUnder(IRELAND, 10), [IRELAND]);
  });

  test('refuses steps off the pyramid', () => {
    rejectsInvalidParameter(() => parent({ x: 0, y: 0, z: 0 }), 'levels up 1 is out of range for a tile at zoom 0: it must be an integer from 0 to 0');
    rejectsInvalidParameter(() => supertile(IRELAND, 11), 'levels up 11 is out of range for a tile at zoom 10: it must be an integer from 0 to 10');
    rejectsInvalidParameter(() => children({ x: 0, y: 0, z: 30 }), 'tile 0-0-30 has no children: 30 is the deepest zoom');
    rejectsInvalidParameter(() => tilesUnder(IRELAND, 9), 'zoom 9 is above the tile 486-332-10: tiles under it start at zoom 10');
    rejectsInvalidParameter(() => tilesUnder({ x: 0, y: 0, z: 0 }, 12), 'tile 0-0-0 holds 16,777,216 tiles at zoom 12, more than 1,000,000');
  });
});

describe('TMS rows and tile ids', () => {
  test('TMS counts rows from the south; the flip is its own inverse', () => {
    assert.deepEqual(xyzToTms(IRELAND), { x: 486, y: 691, z: 10 });
    assert.deepEqual(tmsToXyz(xyzToTms(IRELAND)), IRELAND);
    assert.deepEqual(xyzToTms({ x: 0, y: 0, z: 0 }), { x: 0, y: 0, z: 0 });
  });

  test('x-y-z ids both ways', () => {
    assert.equal(tileId(IRELAND), '486-332-10');
    assert.deepEqual(parseTileId('486-332-10'), IRELAND);
    assert.deepEqual(parseTileId('0-0-0'), { x: 0, y: 0, z: 0 });
    assert.deepEqual(parseTileId(`${2 ** 30 - 1}-0-30`), { x: 2 ** 30 - 1, y: 0, z: 30 });
  });

  test('refuses ids that are not tiles, naming the problem', () => {
    rejectsInvalidParameter(() => parseTileId('486-332'), "tile id '486-332' is not of the form x-y-z with non-negative integers");
    rejectsInvalidParameter(() => parseTileId('1.5-2-3'), "tile id '1.5-2-3' is not of the form x-y-z with non-negative integers");
    rejectsInvalidParameter(() => parseTileId('-1-2-3'), "tile id '-1-2-3' is not of the form x-y-z with non-negative integers");
    rejectsInvalidParameter(() => parseTileId('8-0-3'), "tile id '8-0-3': tile x 8 is out of range at zoom 3: it must be from 0 to 7");
    rejectsInvalidParameter(() => parseTileId('0-8-3'), "tile id '0-8-3': tile y 8 is out of range at zoom 3: it must be from 0 to 7");
    rejectsInvalidParameter(() => parseTileId('0-0-31'), "tile id '0-0-31': zoom 31 is out of range: it must be an integer from 0 to 30");
  });
});

test('tileFeature is the tile’s square, counter-clockwise, with id and quadkey', () => {
  const feature = tileFeature(IRELAND);
  assert.equal(feature.id, '486-332-10');
  assert.deepEqual(feature.properties, { x: 486, y: 332, z: 10, quadkey: '0313102310' });
  const [west, south, east, north] = tileBounds(IRELAND);
  assert.deepEqual(feature.bbox, [west, south, east, north]);
  assert.deepEqual(feature.geometry.coordinates, [[[west, south], [east, south], [east, north], [west, north], [west, south]]]);
});
