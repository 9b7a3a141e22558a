// The orientation predicate must be exact, or near-collinear rings pass or fail at random; and each
// kind of contact between segments is told apart.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { findRingIntersection, orientation, segmentContact, type Point } from './intersections.js';

describe('orientation', () => {
  test('signs of clear turns', () => {
    assert.equal(orientation([0, 0], [1, 0], [0, 1]), 1);
    assert.equal(orientation([0, 0], [0, 1], [1, 0]), -1);
    assert.equal(orientation([0, 0], [1, 1], [2, 2]), 0);
    assert.equal(orientation([0, 0], [1, 1], [1, 1]), 0);
  });

  test('exact where doubles round the wrong way (Shewchuk’s near-collinear grid)', () => {
    // Points a few ulps off the line y = x through (12, 12) and (24, 24): the exact sign is sign(j - i),
    // which the plain double formula gets wrong for a good share of this grid.
    const ulp = 2 ** -53;
    let naiveWrong = 0;
    for (let i = 0; i < 64; i++) {
      for (let j = 0; j < 64; j++) {
        const p: Point = [0.5 + i * ulp, 0.5 + j * ulp];
        assert.equal(orientation(p, [12, 12], [24, 24]), Math.sign(j - i), `i=${i} j=${j}`);
        const naive = Math.sign((12 - p[0]) * (24 - p[1]) - (12 - p[1]) * (24 - p[0]));
        if (naive !== Math.sign(j - i)) naiveWrong++;
      }
    }
    assert.notEqual(naiveWrong, 0, 'the grid does exercise round-off');
  });
});

describe('segmentContact', () => {
  test('tells crossing, touching, overlapping and disjoint apart', () => {
    assert.equal(segmentContact([0, 0], [2, 2], [0, 2], [2, 0]), 'cross');
    assert.equal(segmentContact([0, 0], [2, 0], [1, 0], [1, 5]), 'touch');
    assert.equal(segmentContact([0, 0], [1, 1], [1, 1], [2, 0]), 'touch');
    assert.equal(segmentContact([0, 0], [2, 0], [1, 0], [3, 0]), 'overlap');
    assert.equal(segmentContact([0, 0], [1, 0], [1, 0], [3, 0]), 'touch');
    assert.equal(segmentContact([0, 0], [1, 0], [2, 0], [3, 0]), undefined);
    assert.equal(segmentContact([0, 0], [1, 1], [0, 1], [0.4, 0.6]), undefined);
    assert.equal(segmentContact([0, 0], [0, 2], [0, 1], [0, 3]), 'overlap');
  });
});

describe('findRingIntersection', () => {
  const square: Point[] = [[0, 0], [4, 0], [4, 4], [0, 4], [0, 0]];

  test('a simple ring and a hole inside it are fine; so is a hole touching the shell at a point', () => {
    assert.equal(findRingIntersection([square]), undefined);
    assert.equal(findRingIntersection([square, [[1, 1], [2, 1], [2, 2], [1, 1]]]), undefined);
    assert.equal(findRingIntersection([square, [[0, 2], [1, 1], [1, 3], [0, 2]]]), undefined);
  });

  test('repeated positions are skipped, and segments keep the index of their first position', () => {
    assert.equal(findRingIntersection([[[0, 0], [0, 0], [4, 0], [4, 4], [4, 4], [0, 4], [0, 0]]]), undefined);
    const hit = findRingIntersection([[[0, 0], [0, 0], [2, 2], [2, 0], [0, 2], [0, 0]]]);
    assert.deepEqual(hit && [hit.a.index, hit.b.index, hit.kind], [0, 3, 'cross']);
  });

  test('names the rings and segments that meet', () => {
    const hit = findRingIntersection([square, [[3, 3], [5, 3], [3, 2], [3, 3]]]);
    assert.deepEqual(hit, {
      a: { ring: 0, index: 1, start: [4, 0], end: [4, 4] },
      b: { ring: 1, index: 0, start: [3, 3], end: [5, 3] },
      kind: 'cross',
    });
  });
});
