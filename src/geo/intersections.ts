/**
 * Finds where the rings of one polygon intersect themselves or each other, so that an invalid AOI is
 * refused with the segments named instead of producing a cover that depends on the fill rule.
 * Segments are swept by their west ends (sort and sweep: about O(n log n + k) for outlines, O(n²) at
 * worst) and compared with an orientation predicate that is exact (Shewchuk's error bound, then BigInt).
 */

/** A position `[x, y]`. */
export type Point = readonly [number, number];

/** A segment of a ring: from position `index` to the next position that differs from it. */
export interface RingSegment {
  readonly ring: number;
  readonly index: number;
  readonly start: Point;
  readonly end: Point;
}

/** Two segments of a polygon's rings that meet where a valid polygon must not. */
export interface RingIntersection {
  readonly a: RingSegment;
  readonly b: RingSegment;
  /** `cross`: they cross; `touch`: one ends on the other; `overlap`: collinear and sharing a stretch. */
  readonly kind: 'cross' | 'touch' | 'overlap';
}

/** A segment with its place among its ring's segments (which tells neighbours apart) and its extent. */
interface SweptSegment extends RingSegment {
  readonly position: number;
  readonly west: number;
  readonly east: number;
  readonly south: number;
  readonly north: number;
}

/** Shewchuk's bound on the round-off of the orientation determinant in doubles, relative to its terms. */
const ORIENT_ERROR_BOUND = (3 + 16 * Number.EPSILON / 2) * (Number.EPSILON / 2);

/** The exact integer mantissa and binary exponent of a finite double: `value = mantissa * 2^exponent`. */
function decompose(value: number): [bigint, number] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, value);
  const bits = view.getBigUint64(0);
  const biased = Number((bits >> 52n) & 0x7ffn);
  const fraction = bits & 0xfffffffffffffn;
  const mantissa = biased === 0 ? fraction : fraction | (1n << 52n);
  return [bits >> 63n ? -mantissa : mantissa, (biased === 0 ? 1 : biased) - 1075];
}

/** The sign of the orientation determinant computed without round-off, for nearly collinear points. */
function exactOrientation(a: Point, b: Point, c: Point): number {
  const parts = [a[0], a[1], b[0], b[1], c[0], c[1]].map(decompose);
  const lowest = Math.min(...parts.map(([, exponent]) => exponent));
  const [ax, ay, bx, by, cx, cy] = parts.map(([mantissa, exponent]) => mantissa << BigInt(exponent - lowest));
  const det = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  return det > 0n ? 1 : det < 0n ? -1 : 0;
}

/** 1 if a, b, c turn counter-clockwise (x east, y north), -1 clockwise, 0 collinear; always exact. */
export function orientation(a: Point, b: Point, c: Point): number {
  // Segments of a ring share their ends: a repeated point is collinear without any arithmetic.
  if ((c[0] === a[0] && c[1] === a[1]) || (c[0] === b[0] && c[1] === b[1]) || (a[0] === b[0] && a[1] === b[1])) return 0;
  const dxb = b[0] - a[0];
  const dyc = c[1] - a[1];
  const dyb = b[1] - a[1];
  const dxc = c[0] - a[0];
  // A rounded difference is zero exactly when its operands are equal, and keeps their order: a term
  // with a zero factor is exactly zero, and the sign of the other term is then exact.
  if (dxb === 0 || dyc === 0) return dyb === 0 || dxc === 0 ? 0 : -Math.sign(dyb) * Math.sign(dxc);
  if (dyb === 0 || dxc === 0) return Math.sign(dxb) * Math.sign(dyc);
  const left = dxb * dyc;
  const right = dyb * dxc;
  const det = left - right;
  if (Math.abs(det) > ORIENT_ERROR_BOUND * (Math.abs(left) + Math.abs(right))) return Math.sign(det);
  return exactOrientation(a, b, c);
}

/** Whether p, known collinear with segment a-b, lies on it (ends included). */
function onSegment(a: Point, b: Point, p: Point): boolean {
  return Math.min(a[0], b[0]) <= p[0] && p[0] <= Math.max(a[0], b[0]) && Math.min(a[1], b[1]) <= p[1] && p[1] <= Math.max(a[1], b[1]);
}

/** How two non-degenerate segments meet, or undefined when they do not. */
export function segmentContact(p1: Point, p2: Point, q1: Point, q2: Point): RingIntersection['kind'] | undefined {
  const d1 = orientation(q1, q2, p1);
  const d2 = orientation(q1, q2, p2);
  const d3 = orientation(p1, p2, q1);
  const d4 = orientation(p1, p2, q2);
  if (d1 === 0 && d2 === 0) {
    // Collinear: they share a stretch when their extents overlap by more than a point.
    const axis = p1[0] !== p2[0] ? 0 : 1;
    const lo = Math.max(Math.min(p1[axis], p2[axis]), Math.min(q1[axis], q2[axis]));
    const hi = Math.min(Math.max(p1[axis], p2[axis]), Math.max(q1[axis], q2[axis]));
    return hi > lo ? 'overlap' : hi === lo ? 'touch' : undefined;
  }
  if (d1 * d2 < 0 && d3 * d4 < 0) return 'cross';
  if ((d1 === 0 && onSegment(q1, q2, p1)) || (d2 === 0 && onSegment(q1, q2, p2)) || (d3 === 0 && onSegment(p1, p2, q1)) || (d4 === 0 && onSegment(p1, p2, q2))) {
    return 'touch';
  }
  return undefined;
}

/** The segments of closed rings, skipping repeated positions (which are valid but have no length). */
function ringSegments(rings: readonly (readonly Point[])[]): RingSegment[][] {
  return rings.map((ring, r) => {
    const segments: RingSegment[] = [];
    let start = 0;
    for (let i = 1; i < ring.length; i++) {
      if (ring[i][0] === ring[start][0] && ring[i][1] === ring[start][1]) continue;
      segments.push({ ring: r, index: start, start: ring[start], end: ring[i] });
      start = i;
    }
    return segments;
  });
}

/**
 * Whether a contact between two segments breaks the polygon. Within a ring, neighbours may only share
 * their common end and others may not meet at all; rings may touch at points (OGC simple features) but
 * never cross or share a stretch.
 */
function isInvalid(a: SweptSegment, b: SweptSegment, kind: RingIntersection['kind'], lengths: number[]): boolean {
  if (a.ring !== b.ring) return kind !== 'touch';
  const [first, second] = a.position < b.position ? [a, b] : [b, a];
  const count = lengths[a.ring];
  const neighbours = second.position - first.position === 1 || (first.position === 0 && second.position === count - 1);
  return neighbours ? kind === 'overlap' : true;
}

/**
 * The first invalid intersection among a polygon's rings, or undefined when every ring is simple and
 * no two rings cross. Rings are closed (first position repeated last); positions are `[x, y]`.
 */
export function findRingIntersection(rings: readonly (readonly Point[])[]): RingIntersection | undefined {
  const perRing = ringSegments(rings);
  const lengths = perRing.map((segments) => segments.length);
  const all: SweptSegment[] = perRing.flatMap((segments) =>
    segments.map(({ ring, index, start, end }, position) => ({
      ring,
      index,
      start,
      end,
      position,
      west: Math.min(start[0], end[0]),
      east: Math.max(start[0], end[0]),
      south: Math.min(start[1], end[1]),
      north: Math.max(start[1], end[1]),
    })),
  );
  all.sort((s, t) => s.west - t.west);
  const active: SweptSegment[] = [];
  for (const segment of all) {
    // Drop the segments that end west of this one, compacting the list in place.
    let kept = 0;
    for (const other of active) if (other.east >= segment.west) active[kept++] = other;
    active.length = kept;
    for (const other of active) {
      if (other.north < segment.south || other.south > segment.north) continue;
      const kind = segmentContact(segment.start, segment.end, other.start, other.end);
      if (kind && isInvalid(segment, other, kind, lengths)) {
        const [a, b] = other.ring < segment.ring || (other.ring === segment.ring && other.index < segment.index) ? [other, segment] : [segment, other];
        return { a: strip(a), b: strip(b), kind };
      }
    }
    active.push(segment);
  }
  return undefined;
}

/** A segment without the sweep's bookkeeping. */
function strip(segment: RingSegment): RingSegment {
  return { ring: segment.ring, index: segment.index, start: segment.start, end: segment.end };
}
