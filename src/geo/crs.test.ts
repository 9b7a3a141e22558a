// CRS transforms against GDAL 3.6's gdaltransform (PROJ's database), e.g.
//   echo "21 52" | gdaltransform -s_srs EPSG:4326 -t_srs EPSG:32634 -output_xy   ->  500000.000000001 5761038.21259042
// and WKT from `gdalsrsinfo -o wkt1|wkt2 EPSG:<code>`.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rejectsInvalidParameter } from '../../test/support/assertions.js';
import { crsTransformer, knownEpsgCodes, parseCrs, transformBounds, transformPoint, utmCrs } from './crs.js';
import { tileBounds, tileXyBounds } from './tiles.js';

/** Asserts each coordinate is within `tolerance` of the expected one. */
function near(actual: number[], expected: number[], tolerance: number, what = ''): void {
  assert.equal(actual.length, expected.length);
  actual.forEach((value, i) => {
    assert.ok(Math.abs(value - expected[i]) <= tolerance, `${what}[${i}]: ${value} differs from ${expected[i]} by more than ${tolerance}`);
  });
}

const WKT1_UTM34N =
  'PROJCS["WGS 84 / UTM zone 34N", GEOGCS["WGS 84", DATUM["WGS_1984", SPHEROID["WGS 84",6378137,298.257223563, AUTHORITY["EPSG","7030"]], ' +
  'AUTHORITY["EPSG","6326"]], PRIMEM["Greenwich",0, AUTHORITY["EPSG","8901"]], UNIT["degree",0.0174532925199433, AUTHORITY["EPSG","9122"]], ' +
  'AUTHORITY["EPSG","4326"]], PROJECTION["Transverse_Mercator"], PARAMETER["latitude_of_origin",0], PARAMETER["central_meridian",21], ' +
  'PARAMETER["scale_factor",0.9996], PARAMETER["false_easting",500000], PARAMETER["false_northing",0], UNIT["metre",1, AUTHORITY["EPSG","9001"]], ' +
  'AXIS["Easting",EAST], AXIS["Northing",NORTH], AUTHORITY["EPSG","32634"]]';

const WKT2_WGS84 =
  'GEOGCRS["WGS 84", ENSEMBLE["World Geodetic System 1984 ensemble", MEMBER["World Geodetic System 1984 (Transit)"], ' +
  'MEMBER["World Geodetic System 1984 (G2139)"], ELLIPSOID["WGS 84",6378137,298.257223563, LENGTHUNIT["metre",1]], ENSEMBLEACCURACY[2.0]], ' +
  'PRIMEM["Greenwich",0, ANGLEUNIT["degree",0.0174532925199433]], CS[ellipsoidal,2], ' +
  'AXIS["geodetic latitude (Lat)",north, ORDER[1], ANGLEUNIT["degree",0.0174532925199433]], ' +
  'AXIS["geodetic longitude (Lon)",east, ORDER[2], ANGLEUNIT["degree",0.0174532925199433]], ' +
  'USAGE[ SCOPE["Horizontal component of 3D system."], AREA["World."], BBOX[-90,-180,90,180]], ID["EPSG",4326]]';

const WKT1_DHDN_GK3 =
  'PROJCS["DHDN / 3-degree Gauss-Kruger zone 3", GEOGCS["DHDN", DATUM["Deutsches_Hauptdreiecksnetz", ' +
  'SPHEROID["Bessel 1841",6377397.155,299.1528128, AUTHORITY["EPSG","7004"]], AUTHORITY["EPSG","6314"]], PRIMEM["Greenwich",0, ' +
  'AUTHORITY["EPSG","8901"]], UNIT["degree",0.0174532925199433, AUTHORITY["EPSG","9122"]], AUTHORITY["EPSG","4314"]], ' +
  'PROJECTION["Transverse_Mercator"], PARAMETER["latitude_of_origin",0], PARAMETER["central_meridian",9], PARAMETER["scale_factor",1], ' +
  'PARAMETER["false_easting",3500000], PARAMETER["false_northing",0], UNIT["metre",1, AUTHORITY["EPSG","9001"]], ' +
  'AXIS["Northing",NORTH], AXIS["Easting",EAST], AUTHORITY["EPSG","31467"]]';

describe('transformPoint against gdaltransform', () => {
  // [target EPSG code, lon, lat, x, y] from gdaltransform -s_srs EPSG:4326 -t_srs EPSG:<code> -output_xy.
  const cases: [number, number, number, number, number][] = [
    [32634, 21, 52, 500000.000000001, 5761038.21259042],
    [32634, 20.5, 52.3, 465904.763954707, 5794523.63091325],
    [32733, 13.2343, -8.8383, 305809.972335968, 9022564.99569464],
    [25832, 9.9937, 53.5511, 565834.364011528, 5934037.95100072],
    [26918, -74.006, 40.7128, 583959.372324672, 4507350.99812847],
    [3857, -9.140625, 53.33087298301705, -1017529.72053227, 7044436.52676184],
    [3395, 10, 50, 1113194.90793274, 6413524.59416364],
    [3035, 10, 52, 4321000, 3210000],
    [3035, 2.3522, 48.8566, 3760771.86483801, 2889484.8019008],
    [2154, 2.3522, 48.8566, 652469.022709136, 6862035.25942008],
    [5070, -77.0365, 38.8977, 1618600.04927957, 1925474.64332171],
    [6933, 2.3522, 48.8566, 226955.028406159, 5518442.62381959],
    [3413, -45, 75, 0, -1633879.49747079],
    [3031, 166.6667, -77.85, 305541.414903704, -1289183.94192976],
    [32661, 10, 85, 2096454.16378523, 1452981.2544984],
    [4258, 10, 50, 10, 50],
    [4269, -100, 40, -100, 40],
  ];
  for (const [code, lon, lat, x, y] of cases) {
    test(`EPSG:4326 -> EPSG:${code} of (${lon}, ${lat})`, () => {
      near(transformPoint('EPSG:4326', `EPSG:${code}`, [lon, lat]), [x, y], 1e-3);
      near(transformPoint(`EPSG:${code}`, 'EPSG:4326', [x, y]), [lon, lat], 1e-8);
    });
  }

  test('inverse UTM points, as gdaltransform -s_srs EPSG:32634 / EPSG:32733 gives them', () => {
    near(transformPoint('EPSG:32634', 'EPSG:4326', [600000, 5800000]), [22.4678781994732, 52.341175347143], 1e-9);
    near(transformPoint('EPSG:32733', 'EPSG:4326', [500000, 10000000]), [15, 0], 1e-9);
  });

  test('a transformer parses once and transforms many points', () => {
    const transformer = crsTransformer(4326, 'EPSG:32634');
    assert.equal(transformer.from.name, 'EPSG:4326');
    assert.equal(transformer.to.name, 'EPSG:32634');
    near(transformer.forward([21, 52]), [500000, 5761038.21259042], 1e-3);
    near(transformer.forward([20.5, 52.3]), [465904.763954707, 5794523.63091325], 1e-3);
  });
});

describe('every UTM zone is defined', () => {
  test('WGS 84 zones 1-60 north and south put their central meridian at easting 500 km', () => {
    for (let zone = 1; zone <= 60; zone++) {
      const meridian = -183 + 6 * zone;
      near(transformPoint(4326, 32600 + zone, [meridian, 0]), [500000, 0], 1e-6, `zone ${zone}N`);
      near(transformPoint(4326, 32700 + zone, [meridian, 0]), [500000, 10_000_000], 1e-6, `zone ${zone}S`);
      near(transformPoint(4326, 32700 + zone, [meridian, -30]), transformPoint(4326, 32600 + zone, [meridian, -30]).map((v, i) => v + [0, 10_000_000][i]), 1e-6);
    }
  });

  test('ETRS89 zones 28-38 and NAD83 zones 1-23 too', () => {
    for (let zone = 28; zone <= 38; zone++) near(transformPoint(4326, 25800 + zone, [-183 + 6 * zone, 45]), transformPoint(4326, 32600 + zone, [-183 + 6 * zone, 45]), 1e-3);
    for (let zone = 1; zone <= 23; zone++) near(transformPoint(4326, 26900 + zone, [-183 + 6 * zone, 45]), transformPoint(4326, 32600 + zone, [-183 + 6 * zone, 45]), 1e-3);
  });

  test('the list of defined codes holds them all', () => {
    const codes = new Set(knownEpsgCodes());
    for (let zone = 1; zone <= 60; zone++) assert.equal(codes.has(32600 + zone) && codes.has(32700 + zone), true, `zone ${zone}`);
    for (const code of [4326, 4258, 4269, 3857, 3395, 3035, 2154, 5070, 6933, 3413, 3031, 32661, 32761]) assert.equal(codes.has(code), true, `EPSG:${code}`);
  });

  test('utmCrs picks the zone of a point', () => {
    assert.equal(utmCrs(21, 52).name, 'EPSG:32634');
    assert.equal(utmCrs(13.2343, -8.8383).name, 'EPSG:32733');
    assert.equal(utmCrs(-180, 10).name, 'EPSG:32601');
    assert.equal(utmCrs(180, 10).name, 'EPSG:32660');
    rejectsInvalidParameter(() => utmCrs(200, 10), 'longitude 200 is out of range: it must be from -180 to 180');
    rejectsInvalidParameter(() => utmCrs(10, -91), 'latitude -91 is out of range: it must be from -90 to 90');
  });
});

describe('parseCrs', () => {
  test('EPSG codes in every common spelling', () => {
    for (const input of [32634, 'EPSG:32634', 'epsg:32634', ' EPSG:32634 ', 'EPSG::32634', 'urn:ogc:def:crs:EPSG::32634', 'urn:ogc:def:crs:EPSG:9.9:32634', 'http://www.opengis.net/def/crs/EPSG/0/32634']) {
      const crs = parseCrs(input);
      assert.equal(crs.name, 'EPSG:32634', String(input));
      assert.equal(crs.epsg, 32634);
      assert.equal(crs.definition, '+proj=utm +zone=34 +datum=WGS84 +units=m +no_defs');
    }
  });

  test('OGC CRS84 is WGS 84 longitude, latitude', () => {
    for (const input of ['OGC:CRS84', 'CRS84', 'urn:ogc:def:crs:OGC:1.3:CRS84', 'http://www.opengis.net/def/crs/OGC/1.3/CRS84']) {
      assert.deepEqual(parseCrs(input), { name: 'OGC:CRS84', epsg: 4326, definition: '+proj=longlat +datum=WGS84 +no_defs' });
    }
  });

  test('WKT 1 and WKT 2 by the EPSG code of their root, not of their datum or units', () => {
    assert.equal(parseCrs(WKT1_UTM34N).name, 'EPSG:32634');
    assert.equal(parseCrs(WKT2_WGS84).name, 'EPSG:4326');
    // Coordinates stay [lon, lat] even though the WKT 2 lists latitude first.
    near(transformPoint(WKT2_WGS84, WKT1_UTM34N, [21, 52]), [500000, 5761038.21259042], 1e-3);
  });

  test('WKT of a code not defined here is read by proj4, as written (no datum shift without TOWGS84)', () => {
    const crs = parseCrs(WKT1_DHDN_GK3);
    assert.equal(crs.name, 'EPSG:31467');
    assert.equal(crs.epsg, 31467);
    // gdaltransform gives 3535922.66, 5540527.28 with PROJ's DHDN datum shift; proj4 lands ~80 m away without it.
    near(transformPoint(4326, crs, [9.5, 50]), [3535922.66, 5540527.28], 200);
  });

  test('proj strings, with or without the leading +', () => {
    const crs = parseCrs('+proj=utm +zone=34 +datum=WGS84 +units=m +no_defs');
    assert.equal(crs.epsg, undefined);
    near(transformPoint(4326, crs, [21, 52]), [500000, 5761038.21259042], 1e-3);
    assert.equal(parseCrs('proj=longlat +datum=WGS84').definition, '+proj=longlat +datum=WGS84');
  });

  test('refuses unknown systems, naming them', () => {
    rejectsInvalidParameter(
      () => parseCrs('EPSG:9999'),
      "unknown CRS 'EPSG:9999': EPSG:9999 is not among the codes tileflow defines (WGS 84 UTM zones 32601-32660 and 32701-32760, " +
        'ETRS89 and NAD83 UTM zones, 4326, 4258, 4269, 3857, 3395, 3035, 2154, 5070, 6933, 3413, 3031, 32661, 32761); give it as a proj string or WKT instead',
    );
    rejectsInvalidParameter(() => parseCrs(0), 'unknown CRS 0: an EPSG code is a positive integer');
    rejectsInvalidParameter(() => parseCrs('+proj=nonsense'), "unknown CRS '+proj=nonsense': proj4 cannot read this proj string");
    rejectsInvalidParameter(() => parseCrs('WGS84 please'), "unknown CRS 'WGS84 please': expected EPSG:<code>, a proj string (+proj=…) or WKT");
    rejectsInvalidParameter(
      () => parseCrs('PROJCS["Broken", GEOGCS["x"'),
      "unknown CRS 'Broken': its EPSG code is not defined here and proj4 cannot read the WKT; give it as a proj string instead",
    );
    rejectsInvalidParameter(
      () => transformPoint('EPSG:4326', 'EPSG:1234567', [0, 0]),
      "unknown CRS 'EPSG:1234567': EPSG:1234567 is not among the codes tileflow defines (WGS 84 UTM zones 32601-32660 and 32701-32760, " +
        'ETRS89 and NAD83 UTM zones, 4326, 4258, 4269, 3857, 3395, 3035, 2154, 5070, 6933, 3413, 3031, 32661, 32761); give it as a proj string or WKT instead',
    );
  });

  test('refuses points that are not numbers or have no image', () => {
    rejectsInvalidParameter(() => transformPoint(4326, 32634, [NaN, 52]), 'point [NaN, 52] is not two finite numbers');
    rejectsInvalidParameter(() => transformPoint('+proj=utm +datum=WGS84', 4326, [0, 0]), 'point [0, 0] cannot be transformed from +proj=utm +datum=WGS84 to EPSG:4326');
  });
});

describe('transformBounds', () => {
  test('densified edges, as rasterio.warp.transform_bounds computes them', () => {
    // The 88 points of the densified edges through gdaltransform, then their minimum and maximum.
    near(transformBounds(4326, 32634, [18, 48, 24, 54]), [276224.084603, 5316300.224451, 723775.915397, 5987687.710392], 1e-3);
  });

  test('the corners alone miss the bulge of the southern edge', () => {
    const corners = transformBounds(4326, 32634, [18, 48, 24, 54], 0);
    near(corners, [276224.084603, 5320655.789192, 723775.915397, 5987687.710392], 1e-3);
  });

  test('a tile’s EPSG:3857 bounds map onto its EPSG:4326 bounds', () => {
    const tile = { x: 486, y: 332, z: 10 };
    near(transformBounds(3857, 4326, tileXyBounds(tile)), tileBounds(tile), 1e-9);
  });

  test('refuses bounds that are not bounds', () => {
    rejectsInvalidParameter(() => transformBounds(4326, 3857, [0, 0, 1] as never), 'bounds [0,0,1] are not [minX, minY, maxX, maxY] in finite numbers');
    rejectsInvalidParameter(() => transformBounds(4326, 3857, [2, 0, 1, 1]), 'bounds [2,0,1,1] have a minimum above the maximum');
    rejectsInvalidParameter(() => transformBounds(4326, 3857, [0, 0, 1, 1], -1), 'densify -1 is not an integer from 0 to 10000');
    rejectsInvalidParameter(() => transformBounds('+proj=utm +datum=WGS84', 4326, [0, 0, 1, 1]), 'bounds [0,0,1,1] cannot be transformed from +proj=utm +datum=WGS84 to EPSG:4326');
  });
});
