// Segmentation post-processing: class masks from small hand-made outputs (softmax values computed by
// hand, e.g. 1 / (1 + 2 e^-2) for logits (2, 0, 0)), PNG masks decoded with sharp, and polygons from
// GDAL's polygonize checked against tile math: a mask of 16 x 16 pixels has pixel edges on the tiles
// four zooms down, so a square of pixels has the bounds of a block of those tiles.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { rejectsInvalidParameter } from '../../../test/support/assertions.js';
import { gdal } from '../../data/raster/gdal-env.js';
import { tileBounds, type Tile } from '../../geo/tiles.js';
import { classMask, maskPng, maskPolygons } from './segmentation.js';

/** Asserts two numbers are within `tolerance`. */
function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} differs from ${expected} by more than ${tolerance}`);
}

/** A [C, H, W] output from per-class planes written row by row. */
function planes(...rows: number[][][]): Float32Array {
  return new Float32Array(rows.flat(2));
}

describe('classMask', () => {
  test('crops the overlap and takes the softmax argmax of logits', () => {
    // 3 classes, 4 x 4 pixels, 1 px overlap: the core is the middle 2 x 2. The border holds class 2
    // winners that must not count.
    const logits = planes(
      [
        [0, 0, 0, 0],
        [0, 2, 0, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
      [
        [0, 0, 0, 0],
        [0, 0, 2, 0],
        [0, 0, 0, 0],
        [0, 0, 0, 0],
      ],
      [
        [9, 9, 9, 9],
        [9, 0, 0, 9],
        [9, 0, 4, 9],
        [9, 9, 9, 9],
      ],
    );
    const result = classMask(logits, 3, 4, 4, 1);
    assert.equal(result.width, 2);
    assert.equal(result.height, 2);
    // Pixel (0, 1) of the core: logits (0, 0, 0), a tie, goes to class 0.
    assert.deepEqual([...result.mask], [0, 1, 0, 2]);
    assert.deepEqual(result.shares, [0.5, 0.25, 0.25]);
    const p2 = 1 / (1 + 2 * Math.exp(-2));
    const p4 = 1 / (1 + 2 * Math.exp(-4));
    near(result.meanProbability[0], (p2 + 1 / 3) / 2, 1e-6, 'class 0');
    near(result.meanProbability[1], p2, 1e-6, 'class 1');
    near(result.meanProbability[2], p4, 1e-6, 'class 2');
  });

  test('keeps probabilities as they are', () => {
    const probabilities = planes(
      [
        [0.7, 0.2],
        [0.1, 0.4],
      ],
      [
        [0.3, 0.8],
        [0.9, 0.6],
      ],
    );
    const result = classMask(probabilities, 2, 2, 2, 0);
    assert.deepEqual([...result.mask], [0, 1, 1, 1]);
    assert.deepEqual(result.shares, [0.25, 0.75]);
    near(result.meanProbability[0], 0.7, 1e-6, 'class 0');
    near(result.meanProbability[1], (0.8 + 0.9 + 0.6) / 3, 1e-6, 'class 1');
  });

  test('one channel: sigmoid at 0.5 gives classes 0 and 1', () => {
    const logits = planes([
      [-2, 0, 3],
      [1, -1, 5],
    ]);
    const result = classMask(logits, 1, 2, 3, 0);
    assert.deepEqual([...result.mask], [0, 0, 1, 1, 0, 1]);
    assert.deepEqual(result.shares, [0.5, 0.5]);
    const s = (x: number): number => 1 / (1 + Math.exp(-x));
    near(result.meanProbability[0], (1 - s(-2) + 0.5 + 1 - s(-1)) / 3, 1e-6, 'class 0');
    near(result.meanProbability[1], (s(3) + s(1) + s(5)) / 3, 1e-6, 'class 1');
  });

  test('a class with no pixels has share 0 and mean probability 0', () => {
    const result = classMask(planes([[5, 5]], [[0, 0]], [[1, 1]]), 3, 1, 2, 0);
    assert.deepEqual(result.shares, [1, 0, 0]);
    assert.equal(result.meanProbability[1], 0);
    assert.equal(result.meanProbability[2], 0);
  });

  test('rejects outputs that do not match their shape or leave no core', () => {
    rejectsInvalidParameter(() => classMask(new Float32Array(10), 3, 2, 2, 0), 'segmentation output holds 10 values, expected [3, 2, 2] = 12');
    rejectsInvalidParameter(() => classMask(new Float32Array(16), 1, 4, 4, 2), 'overlap 2 leaves no core in a 4x4 output');
    rejectsInvalidParameter(() => classMask(new Float32Array([0, NaN]), 2, 1, 1, 0), 'segmentation output holds NaN values');
  });
});

describe('maskPng', () => {
  test('round-trips through sharp to the same class indices, 8-bit grayscale', async () => {
    const width = 37;
    const height = 23;
    const mask = new Uint8Array(width * height);
    for (let i = 0; i < mask.length; i++) mask[i] = (i * 7) % 11;
    mask[5] = 255;
    const png = await maskPng(mask, width, height);
    const metadata = await sharp(png).metadata();
    assert.equal(metadata.format, 'png');
    assert.equal(metadata.channels, 1, 'one channel');
    assert.equal(metadata.depth, 'uchar', '8 bits');
    assert.equal(metadata.width, width);
    assert.equal(metadata.height, height);
    // sharp's raw output is sRGB unless told otherwise; the file itself holds one channel (above).
    const { data, info } = await sharp(png).toColourspace('b-w').raw().toBuffer({ resolveWithObject: true });
    assert.equal(info.channels, 1);
    assert.deepEqual(new Uint8Array(data), mask);
  });

  test('rejects a mask that does not fill its size', async () => {
    await assert.rejects(maskPng(new Uint8Array(5), 2, 2), /mask holds 5 pixels, expected 2x2 = 4/);
  });
});

describe('maskPolygons', () => {
  const tile: Tile = { x: 137490, y: 91745, z: 18 };
  const size = 16;

  /** A 16 x 16 mask of `background` with squares [column, row, side, class] painted in. */
  function paint(background: number, squares: [number, number, number, number][]): Uint8Array {
    const mask = new Uint8Array(size * size).fill(background);
    for (const [column, row, side, value] of squares) {
      for (let y = row; y < row + side; y++) mask.fill(value, y * size + column, y * size + column + side);
    }
    return mask;
  }

  /** The lng/lat bounds of the block of pixels [column, row, side] (tiles four zooms down). */
  function pixelBlockBounds(column: number, row: number, side: number): number[] {
    const nw = tileBounds({ x: tile.x * 16 + column, y: tile.y * 16 + row, z: tile.z + 4 });
    const se = tileBounds({ x: tile.x * 16 + column + side - 1, y: tile.y * 16 + row + side - 1, z: tile.z + 4 });
    return [nw[0], se[1], se[2], nw[3]];
  }

  /** The envelope [west, south, east, north] of a GeoJSON geometry, through GDAL. */
  function envelope(geometry: { type: string; coordinates: unknown }): number[] {
    const e = gdal.Geometry.fromGeoJson(geometry).getEnvelope();
    return [e.minX, e.minY, e.maxX, e.maxY];
  }

  /** Twice the signed area of a ring: positive when counter-clockwise. */
  function winding(ring: [number, number][]): number {
    let sum = 0;
    for (let i = 0; i + 1 < ring.length; i++) sum += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
    return sum;
  }

  test('two squares of class 1 on background: two valid polygons at the right lng/lat, largest first', async () => {
    const mask = paint(0, [
      [2, 2, 4, 1],
      [8, 9, 6, 1],
    ]);
    const features = await maskPolygons(mask, size, size, tile, { ignoreClasses: [0], scores: [0.3, 0.85] });
    assert.equal(features.length, 2, 'two polygons, no background');
    for (const feature of features) {
      assert.equal(feature.classIndex, 1);
      assert.equal(feature.score, 0.85);
      assert.equal(feature.geometry.type, 'Polygon');
      const rings = feature.geometry.coordinates as [number, number][][];
      assert.equal(rings.length, 1, 'no holes');
      assert.ok(winding(rings[0]) > 0, 'the outer ring is counter-clockwise (RFC 7946)');
      assert.ok(gdal.Geometry.fromGeoJson(feature.geometry).isValid(), 'GDAL finds the polygon valid');
    }
    const [big, small] = features;
    envelope(big.geometry).forEach((v, i) => near(v, pixelBlockBounds(8, 9, 6)[i], 1e-6, `6 x 6 square [${i}]`));
    envelope(small.geometry).forEach((v, i) => near(v, pixelBlockBounds(2, 2, 4)[i], 1e-6, `4 x 4 square [${i}]`));
    const area = (g: { type: string; coordinates: unknown }): number => (gdal.Geometry.fromGeoJson(g) as gdal.Polygon).getArea();
    assert.ok(area(big.geometry) > area(small.geometry), 'the 6 x 6 square comes first');
    // Degrees of area in the ratio of the pixel counts, nearly: latitude changes little over a tile.
    near(area(big.geometry) / area(small.geometry), 36 / 16, 1e-3, 'area ratio');
  });

  test('without ignored classes the background is a polygon with two holes; scores default to 1', async () => {
    const mask = paint(0, [
      [2, 2, 4, 1],
      [8, 9, 6, 1],
    ]);
    const features = await maskPolygons(mask, size, size, tile);
    assert.deepEqual(
      features.map((f) => [f.classIndex, f.score]),
      [
        [0, 1],
        [1, 1],
        [1, 1],
      ],
    );
    const rings = features[0].geometry.coordinates as [number, number][][];
    assert.equal(rings.length, 3, 'the outer ring and two holes');
    assert.ok(winding(rings[0]) > 0, 'outer ring counter-clockwise');
    assert.ok(winding(rings[1]) < 0 && winding(rings[2]) < 0, 'holes clockwise');
    envelope(features[0].geometry).forEach((v, i) => near(v, tileBounds(tile)[i], 1e-6, `background [${i}]`));
    assert.ok(gdal.Geometry.fromGeoJson(features[0].geometry).isValid(), 'GDAL finds the background valid');
  });

  test('pixels touching at a corner are one 8-connected region, made valid', async () => {
    const mask = paint(0, [
      [3, 3, 2, 2],
      [5, 5, 2, 2],
    ]);
    const features = await maskPolygons(mask, size, size, tile, { ignoreClasses: [0] });
    assert.equal(features.length, 1, 'one region');
    assert.equal(features[0].classIndex, 2);
    assert.equal(features[0].geometry.type, 'MultiPolygon', 'two squares meeting at a point');
    assert.ok(gdal.Geometry.fromGeoJson(features[0].geometry).isValid(), 'GDAL finds the region valid');
    envelope(features[0].geometry).forEach((v, i) => near(v, pixelBlockBounds(3, 3, 4)[i], 1e-6, `region [${i}]`));
  });

  test('a mask of ignored classes only has no polygons', async () => {
    assert.deepEqual(await maskPolygons(new Uint8Array(size * size), size, size, tile, { ignoreClasses: [0] }), []);
  });
});
