/**
 * Object detection outputs to tileflow features.
 *
 * tileflow's detection convention: a detection model has one output of shape [N, K, 6], N the batch
 * and K a fixed number of rows per image, each row `(x1, y1, x2, y2, score, class)`: the box's
 * top-left and bottom-right corners in input-image pixels (origin at the top-left corner, x to the
 * right, y down), its confidence in [0, 1] and its class index (a float holding an integer). Models
 * with fewer than K detections pad with rows of zeros, which the score threshold and the degenerate-box
 * check drop. This is what torchvision detection models and Ultralytics' `nms=True` ONNX exports give
 * after their own NMS; tileflow runs NMS again per tile (overlap windows of one tile) and across tiles.
 *
 * Across tiles: each tile's model input is the tile plus `overlap` pixels of its neighbours, so an
 * object on a tile edge is seen whole by both tiles; `boxesToFeatures` keeps a box only in the tile
 * that holds its centre, and `mergeAcrossTiles` removes what duplicates remain (boxes whose centres
 * the two models placed on either side of the edge).
 */
import { invalidParameter } from '../../core/errors.js';
import { EARTH_RADIUS, lngLatToMercator, mercatorToLngLat, tileXyBounds, type Tile } from '../../geo/tiles.js';
import type { NewPredictionFeature } from '../types.js';

/** A detected box in input-image pixel coordinates (origin top-left, y down), with its score and class. */
export interface PixelBox {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
  classIndex: number;
}

/** Values per detection row: x1, y1, x2, y2, score, class. */
const ROW = 6;

/**
 * Per image, the boxes of an [N, K, 6] detection output that pass: score at least `scoreThreshold`,
 * an integer class in 0..classCount-1, finite corners with x2 > x1 and y2 > y1. Padding rows fail.
 */
export function decodeDetections(output: Float32Array, shape: number[], options: { scoreThreshold: number; classCount: number }): PixelBox[][] {
  if (shape.length !== 3 || shape[2] !== ROW || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw invalidParameter(`detection output shape [${shape.join(', ')}] is not [N, K, 6] (rows of x1, y1, x2, y2, score, class)`);
  }
  const [n, k] = shape;
  if (output.length !== n * k * ROW) {
    throw invalidParameter(`detection output holds ${output.length} values, its shape [${shape.join(', ')}] says ${n * k * ROW}`);
  }
  const { scoreThreshold, classCount } = options;
  const images: PixelBox[][] = new Array(n);
  for (let image = 0; image < n; image++) {
    const boxes: PixelBox[] = [];
    for (let row = 0, i = image * k * ROW; row < k; row++, i += ROW) {
      const score = output[i + 4];
      // `!(a >= b)` also drops NaN scores.
      if (!(score >= scoreThreshold)) continue;
      const classValue = output[i + 5];
      const classIndex = Math.round(classValue);
      if (!(Math.abs(classValue - classIndex) < 1e-3 && classIndex >= 0 && classIndex < classCount)) continue;
      const x1 = output[i];
      const y1 = output[i + 1];
      const x2 = output[i + 2];
      const y2 = output[i + 3];
      if (!(x2 > x1 && y2 > y1 && Number.isFinite(x1) && Number.isFinite(y1) && Number.isFinite(x2) && Number.isFinite(y2))) continue;
      boxes.push({ x1, y1, x2, y2, score, classIndex });
    }
    images[image] = boxes;
  }
  return images;
}

/** Intersection over union of two axis-aligned boxes given by corners; 0 when the union has no area. */
export function iou(ax1: number, ay1: number, ax2: number, ay2: number, bx1: number, by1: number, bx2: number, by2: number): number {
  const w = Math.min(ax2, bx2) - Math.max(ax1, bx1);
  if (w <= 0) return 0;
  const h = Math.min(ay2, by2) - Math.max(ay1, by1);
  if (h <= 0) return 0;
  const intersection = w * h;
  const union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - intersection;
  return union > 0 ? intersection / union : 0;
}

/**
 * Greedy non-maximum suppression per class, as torchvision.ops.batched_nms: boxes by descending score;
 * a box is kept unless a kept box of its class overlaps it with IoU > `iouThreshold`. Returns the kept
 * boxes, highest score first (ties keep input order).
 */
export function nonMaxSuppression(boxes: PixelBox[], iouThreshold: number): PixelBox[] {
  const order = boxes.map((_, i) => i).sort((a, b) => boxes[b].score - boxes[a].score || a - b);
  const keptByClass = new Map<number, PixelBox[]>();
  const kept: PixelBox[] = [];
  for (const index of order) {
    const box = boxes[index];
    let same = keptByClass.get(box.classIndex);
    if (!same) keptByClass.set(box.classIndex, (same = []));
    let suppressed = false;
    for (const other of same) {
      if (iou(box.x1, box.y1, box.x2, box.y2, other.x1, other.y1, other.x2, other.y2) > iouThreshold) {
        suppressed = true;
        break;
      }
    }
    if (suppressed) continue;
    same.push(box);
    kept.push(box);
  }
  return kept;
}

/**
 * Boxes of one tile's model input as EPSG:4326 polygons. The input is `size + 2 * overlap` pixels
 * square and covers the tile's EPSG:3857 bounds grown by `overlap` pixels on every side; a box counts
 * for this tile only when its centre lies in the tile's core (half-open, [overlap, overlap + size) on
 * each axis, so a centre on an edge belongs to exactly one tile). Boxes are clipped to the input.
 */
export function boxesToFeatures(boxes: PixelBox[], tile: Tile, window: { size: number; overlap: number }): NewPredictionFeature[] {
  const { size, overlap } = window;
  if (!(Number.isInteger(size) && size > 0)) throw invalidParameter(`tile size ${size} is not a positive integer`);
  if (!(Number.isInteger(overlap) && overlap >= 0)) throw invalidParameter(`overlap ${overlap} is not a non-negative integer`);
  const [left, , right, top] = tileXyBounds(tile);
  const resolution = (right - left) / size;
  const originX = left - overlap * resolution;
  const originY = top + overlap * resolution;
  const extent = size + 2 * overlap;
  const coreEnd = overlap + size;
  const features: NewPredictionFeature[] = [];
  for (const box of boxes) {
    const cx = (box.x1 + box.x2) / 2;
    const cy = (box.y1 + box.y2) / 2;
    if (!(cx >= overlap && cx < coreEnd && cy >= overlap && cy < coreEnd)) continue;
    const x1 = Math.max(0, box.x1);
    const y1 = Math.max(0, box.y1);
    const x2 = Math.min(extent, box.x2);
    const y2 = Math.min(extent, box.y2);
    const [west, north] = mercatorToLngLat(originX + x1 * resolution, originY - y1 * resolution);
    const [east, south] = mercatorToLngLat(originX + x2 * resolution, originY - y2 * resolution);
    features.push({
      classIndex: box.classIndex,
      score: box.score,
      geometry: {
        type: 'Polygon',
        coordinates: [[[west, south], [east, south], [east, north], [west, north], [west, south]]],
      },
    });
  }
  return features;
}

/** A stored feature as the cross-tile merge sees it: id, class, score and its lng/lat bbox. */
export interface MergeCandidate {
  id: number;
  classIndex: number;
  score: number;
  bbox: [number, number, number, number];
}

/** Cells a box may span before it is kept out of the grid and checked against every candidate instead. */
const MAX_CELLS_PER_BOX = 64;

/**
 * Non-maximum suppression across tiles: ids of the features to delete, the lower-scored of same-class
 * pairs whose bboxes overlap with IoU > `iouThreshold` (in Web Mercator metres, so IoU does not depend
 * on latitude), greedily by descending score as `nonMaxSuppression`. Kept boxes go into a per-class
 * grid of cells about twice the median box size, so each box meets only its neighbours.
 */
export function mergeAcrossTiles(features: MergeCandidate[], iouThreshold: number): number[] {
  const n = features.length;
  if (n === 0) return [];
  const corners = new Float64Array(n * 4);
  const extents = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const [west, south, east, north] = features[i].bbox;
    const [x1, y1] = lngLatToMercator(west, south);
    const [x2, y2] = lngLatToMercator(east, north);
    corners[i * 4] = Math.min(x1, x2);
    corners[i * 4 + 1] = Math.min(y1, y2);
    corners[i * 4 + 2] = Math.max(x1, x2);
    corners[i * 4 + 3] = Math.max(y1, y2);
    extents[i] = Math.max(corners[i * 4 + 2] - corners[i * 4], corners[i * 4 + 3] - corners[i * 4 + 1]);
  }
  const sortedExtents = Float64Array.from(extents).sort();
  const cell = Math.max(2 * sortedExtents[n >> 1], 1e-3);

  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => features[b].score - features[a].score || features[a].id - features[b].id);
  /** Per class: cell key -> indices of kept boxes touching the cell; and kept boxes too big for cells. */
  const grids = new Map<number, { cells: Map<number, number[]>; large: number[] }>();
  const world = Math.PI * EARTH_RADIUS;
  // Cell key = column * columns + row. Past 2^53 (cells under ~0.4 m) keys may collide, which only
  // adds candidates: IoU is always computed exactly.
  const columns = Math.ceil((2 * world) / cell) + 2;
  /** Which box last checked a kept box, so a kept box in several cells is compared once. */
  const seen = new Int32Array(n).fill(-1);
  const removed: number[] = [];

  for (const i of order) {
    const classIndex = features[i].classIndex;
    let grid = grids.get(classIndex);
    if (!grid) grids.set(classIndex, (grid = { cells: new Map(), large: [] }));
    const x1 = corners[i * 4];
    const y1 = corners[i * 4 + 1];
    const x2 = corners[i * 4 + 2];
    const y2 = corners[i * 4 + 3];
    const c1 = Math.floor((x1 + world) / cell);
    const r1 = Math.floor((y1 + world) / cell);
    const c2 = Math.floor((x2 + world) / cell);
    const r2 = Math.floor((y2 + world) / cell);

    let suppressed = false;
    const suppresses = (j: number): boolean => {
      if (seen[j] === i) return false;
      seen[j] = i;
      return iou(x1, y1, x2, y2, corners[j * 4], corners[j * 4 + 1], corners[j * 4 + 2], corners[j * 4 + 3]) > iouThreshold;
    };
    for (const j of grid.large) {
      if (suppresses(j)) {
        suppressed = true;
        break;
      }
    }
    for (let c = c1; c <= c2 && !suppressed; c++) {
      for (let r = r1; r <= r2 && !suppressed; r++) {
        const members = grid.cells.get(c * columns + r);
        if (!members) continue;
        for (const j of members) {
          if (suppresses(j)) {
            suppressed = true;
            break;
          }
        }
      }
    }
    if (suppressed) {
      removed.push(features[i].id);
      continue;
    }
    if ((c2 - c1 + 1) * (r2 - r1 + 1) > MAX_CELLS_PER_BOX) {
      grid.large.push(i);
      continue;
    }
    for (let c = c1; c <= c2; c++) {
      for (let r = r1; r <= r2; r++) {
        const key = c * columns + r;
        const members = grid.cells.get(key);
        if (members) members.push(i);
        else grid.cells.set(key, [i]);
      }
    }
  }
  return removed;
}
