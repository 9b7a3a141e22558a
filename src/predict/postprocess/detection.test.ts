// Detection post-processing: decoding tileflow's [N, K, 6] convention, NMS against hand-computed IoUs
// (torchvision.ops.batched_nms's rules: greedy by score, IoU strictly above the threshold suppresses,
// classes apart), boxes placed on the map by tile math, and the cross-tile merge.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rejectsInvalidParameter } from '../../../test/support/assertions.js';
import { children, lngLatToMercator, tileBounds, type Tile } from '../../geo/tiles.js';
import { boxesToFeatures, decodeDetections, iou, mergeAcrossTiles, nonMaxSuppression, type MergeCandidate, type PixelBox } from './detection.js';

function box(x1: number, y1: number, x2: number, y2: number, score: number, classIndex = 0): PixelBox {
  return { x1, y1, x2, y2, score, classIndex };
}

/** Asserts two numbers are within `tolerance`. */
function near(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: ${actual} differs from ${expected} by more than ${tolerance}`);
}

/** The [west, south, east, north] of a 5-point polygon ring, checking it is closed and counter-clockwise. */
function ringBounds(geometry: { type: string; coordinates: unknown }): [number, number, number, number] {
  assert.equal(geometry.type, 'Polygon');
  const [ring] = geometry.coordinates as [number, number][][];
  assert.equal(ring.length, 5, 'a box is a 5-point closed ring');
  assert.deepEqual(ring[4], ring[0], 'the ring is closed');
  let twiceArea = 0;
  for (let i = 0; i < 4; i++) twiceArea += ring[i][0] * ring[i + 1][1] - ring[i + 1][0] * ring[i][1];
  assert.ok(twiceArea > 0, 'the ring is counter-clockwise');
  const lngs = ring.map((p) => p[0]);
  const lats = ring.map((p) => p[1]);
  return [Math.min(...lngs), Math.min(...lats), Math.max(...lngs), Math.max(...lats)];
}

function boundsNear(actual: number[], expected: number[], what: string): void {
  actual.forEach((v, i) => near(v, expected[i], 1e-9, `${what}[${i}]`));
}

describe('decodeDetections', () => {
  test('keeps rows above the threshold with a valid class and a real box; drops padding', () => {
    const output = new Float32Array([
      // image 0
      10, 20, 30, 40, 0.9, 1,
      5, 5, 15, 15, 0.2, 0, // below the threshold
      0, 0, 0, 0, 0, 0, // padding
      // image 1
      1, 2, 3, 4, 0.5, 2, // class 2 of 2 classes: out of range
      50, 50, 40, 60, 0.8, 0, // x2 < x1: degenerate
      100, 110, 120, 130, 0.5, 0,
    ]);
    const images = decodeDetections(output, [2, 3, 6], { scoreThreshold: 0.5, classCount: 2 });
    assert.equal(images.length, 2);
    assert.equal(images[0].length, 1);
    assert.deepEqual({ ...images[0][0], score: Math.round(images[0][0].score * 100) / 100 }, box(10, 20, 30, 40, 0.9, 1));
    assert.deepEqual(images[1], [box(100, 110, 120, 130, 0.5, 0)]);
  });

  test('rejects shapes other than [N, K, 6] and data that does not fill the shape', () => {
    rejectsInvalidParameter(
      () => decodeDetections(new Float32Array(12), [2, 6], { scoreThreshold: 0.5, classCount: 1 }),
      'detection output shape [2, 6] is not [N, K, 6] (rows of x1, y1, x2, y2, score, class)',
    );
    rejectsInvalidParameter(
      () => decodeDetections(new Float32Array(20), [1, 4, 5], { scoreThreshold: 0.5, classCount: 1 }),
      'detection output shape [1, 4, 5] is not [N, K, 6] (rows of x1, y1, x2, y2, score, class)',
    );
    rejectsInvalidParameter(
      () => decodeDetections(new Float32Array(12), [1, 3, 6], { scoreThreshold: 0.5, classCount: 1 }),
      'detection output holds 12 values, its shape [1, 3, 6] says 18',
    );
  });
});

describe('nonMaxSuppression', () => {
  test('IoU of hand-computed overlaps', () => {
    // Intersection 9 x 10 = 90, union 100 + 100 - 90 = 110.
    near(iou(0, 0, 10, 10, 1, 0, 11, 10), 90 / 110, 1e-12, 'shifted by 1');
    // Intersection 5 x 10 = 50, union 150.
    near(iou(0, 0, 10, 10, 5, 0, 15, 10), 1 / 3, 1e-12, 'shifted by 5');
    assert.equal(iou(0, 0, 10, 10, 10, 0, 20, 10), 0, 'boxes sharing an edge do not overlap');
  });

  test('keeps the highest-scoring of overlapping same-class boxes, and other classes', () => {
    const a = box(0, 0, 10, 10, 0.9);
    const b = box(1, 0, 11, 10, 0.8); // IoU with a: 90/110 = 0.818
    const c = box(5, 0, 15, 10, 0.7); // IoU with a: 1/3
    const other = box(0, 0, 10, 10, 0.5, 1); // a's box, another class
    assert.deepEqual(nonMaxSuppression([c, other, b, a], 0.5), [a, c, other]);
    assert.deepEqual(nonMaxSuppression([c, other, b, a], 0.3), [a, other]);
  });

  test('an IoU equal to the threshold does not suppress (torchvision: IoU > threshold)', () => {
    const a = box(0, 0, 10, 10, 0.9);
    const c = box(5, 0, 15, 10, 0.7);
    assert.deepEqual(nonMaxSuppression([a, c], 1 / 3), [a, c]);
  });

  test('a suppressed box suppresses nothing (greedy, as torchvision)', () => {
    const a = box(0, 0, 10, 10, 0.9);
    const b = box(4, 0, 14, 10, 0.8); // IoU with a: 60/140 = 0.43
    const c = box(8, 0, 18, 10, 0.7); // IoU with b: 0.43, with a: 20/180 = 0.11
    assert.deepEqual(nonMaxSuppression([b, c, a], 0.4), [a, c]);
  });
});

describe('boxesToFeatures', () => {
  const tile: Tile = { x: 68745, y: 45872, z: 17 };
  const window = { size: 256, overlap: 32 };

  test('a box over the core is the tile; a box over the north-west quarter is its NW child', () => {
    const features = boxesToFeatures([box(32, 32, 288, 288, 0.9, 2), box(32, 32, 160, 160, 0.6, 0)], tile, window);
    assert.equal(features.length, 2);
    assert.equal(features[0].classIndex, 2);
    assert.equal(features[0].score, 0.9);
    boundsNear(ringBounds(features[0].geometry), tileBounds(tile), 'core box');
    boundsNear(ringBounds(features[1].geometry), tileBounds(children(tile)[0]), 'quarter box');
  });

  test('drops boxes centred in the overlap; an edge centre belongs to the tile east or south of it', () => {
    const boxes = [
      box(0, 0, 20, 20, 0.9), // centre (10, 10): overlap
      box(280, 100, 296, 120, 0.9), // centre x 288: the eastern neighbour's core
      box(24, 100, 40, 120, 0.9), // centre x 32: the core's first column
      box(100, 300, 120, 318, 0.9), // centre y 309: overlap to the south
    ];
    const features = boxesToFeatures(boxes, tile, window);
    assert.equal(features.length, 1, 'only the box centred on the western core edge stays');
    const [west] = tileBounds(tile);
    const [, , east] = tileBounds(tile);
    // Longitude is linear in pixels: x 24 is 8 px of 256 west of the tile's western edge.
    near(ringBounds(features[0].geometry)[0], west - (8 / 256) * (east - west), 1e-9, 'west edge in the overlap');
  });

  test('an object on a tile edge is reported by one of the two tiles, at the same place', () => {
    const east: Tile = { x: tile.x + 1, y: tile.y, z: tile.z };
    // The object spans pixels 270-310 of the western tile's input, i.e. 14-54 of the eastern one's.
    const fromWest = boxesToFeatures([box(270, 100, 310, 140, 0.9)], tile, window);
    const fromEast = boxesToFeatures([box(14, 100, 54, 140, 0.9)], east, window);
    assert.equal(fromWest.length, 0, 'centre x 290 lies east of the western core');
    assert.equal(fromEast.length, 1, 'centre x 34 lies in the eastern core');
    const [west, south, eastEdge, north] = tileBounds(east);
    const bounds = ringBounds(fromEast[0].geometry);
    near(bounds[0], west + (-18 / 256) * (eastEdge - west), 1e-9, 'west');
    near(bounds[2], west + (22 / 256) * (eastEdge - west), 1e-9, 'east');
    assert.ok(bounds[1] > south && bounds[3] < north, 'the box lies between the tile edges north and south');
  });

  test('clips boxes to the model input', () => {
    const [feature] = boxesToFeatures([box(-50, 40, 150, 100, 0.9)], tile, window);
    const [west, , east] = tileBounds(tile);
    near(ringBounds(feature.geometry)[0], west - (32 / 256) * (east - west), 1e-9, 'clipped west');
  });
});

describe('mergeAcrossTiles', () => {
  const tile: Tile = { x: 68745, y: 45872, z: 17 };
  const east: Tile = { x: tile.x + 1, y: tile.y, z: tile.z };
  const window = { size: 256, overlap: 32 };

  /** The features' bboxes, as the store computes them, numbered from `firstId`. */
  function candidates(features: ReturnType<typeof boxesToFeatures>, firstId: number): MergeCandidate[] {
    return features.map((f, i) => ({ id: firstId + i, classIndex: f.classIndex, score: f.score, bbox: ringBounds(f.geometry) }));
  }

  test('removes the lower-scored duplicate straddling two tiles and keeps distinct objects', () => {
    // Both models see an object on the shared edge and place its centre on their own side:
    // the western one at 260-300 (centre 280), the eastern one at 12-54 (= 268-310 west, centre 33).
    // In pixels the two boxes overlap 268-300 of 260-310: IoU 32/50 = 0.64.
    const west = candidates(boxesToFeatures([box(260, 100, 300, 140, 0.9), box(100, 100, 140, 140, 0.8), box(260, 100, 300, 140, 0.4, 1)], tile, window), 1);
    const eastern = candidates(boxesToFeatures([box(12, 100, 54, 140, 0.7), box(150, 150, 190, 190, 0.95)], east, window), 10);
    assert.equal(west.length + eastern.length, 5, 'every box is centred in its tile');
    assert.deepEqual(mergeAcrossTiles([...west, ...eastern], 0.5), [10]);
    assert.deepEqual(mergeAcrossTiles([...west, ...eastern], 0.7), [], 'IoU 0.64 is below 0.7');
  });

  test('computes IoU in Web Mercator metres, not degrees', () => {
    // A box at 60-70°N and one inside it at 68-70°N: IoU 2/10 in degrees, more in metres, where
    // Mercator stretches the northern part (y(70) - y(68)) / (y(70) - y(60)) = 0.233.
    const a: MergeCandidate = { id: 1, classIndex: 0, score: 0.9, bbox: [10, 60, 11, 70] };
    const b: MergeCandidate = { id: 2, classIndex: 0, score: 0.8, bbox: [10, 68, 11, 70] };
    const y = [60, 68, 70].map((lat) => lngLatToMercator(10, lat)[1]);
    const metres = (y[2] - y[1]) / (y[2] - y[0]);
    near(metres, 0.23294, 1e-5, 'IoU in metres');
    assert.deepEqual(mergeAcrossTiles([a, b], 0.22), [2], 'the IoU in metres is above 0.22, the one in degrees below');
    assert.deepEqual(mergeAcrossTiles([a, b], 0.24), [], 'the IoU in metres is below 0.24');
  });

  test('many boxes: exactly the shifted copies go, big boxes included', () => {
    const features: MergeCandidate[] = [];
    let id = 0;
    const size = 0.0001;
    for (let row = 0; row < 60; row++) {
      for (let column = 0; column < 60; column++) {
        const west = 5 + column * 3 * size;
        const south = 45 + row * 3 * size;
        features.push({ id: id++, classIndex: column % 2, score: 0.5 + ((row * 7 + column * 13) % 40) / 100, bbox: [west, south, west + size, south + size] });
      }
    }
    const copies = new Set<number>();
    for (const original of features.slice()) {
      // A copy shifted by a tenth of the box: IoU 0.9 / 1.1 x 1 = 0.82; scored lower.
      const [w, s, e, n] = original.bbox;
      copies.add(id);
      features.push({ id: id++, classIndex: original.classIndex, score: original.score - 0.01, bbox: [w + size / 10, s, e + size / 10, n] });
    }
    // Two big boxes over the whole field (far more cells than the median box): one is a duplicate.
    features.push({ id: id++, classIndex: 0, score: 0.99, bbox: [5, 45, 5.02, 45.02] });
    copies.add(id);
    features.push({ id: id++, classIndex: 0, score: 0.2, bbox: [5, 45, 5.019, 45.02] });
    const removed = mergeAcrossTiles(features, 0.5);
    assert.deepEqual(new Set(removed), copies);
    assert.equal(removed.length, copies.size, 'each id once');
  });

  test('no features, nothing to delete', () => {
    assert.deepEqual(mergeAcrossTiles([], 0.5), []);
  });
});
