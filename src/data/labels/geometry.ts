/**
 * Bounding boxes of GeoJSON geometries and box overlap, for bbox filters on labels.
 */
import type { BBox, Geometry, Position } from './types.js';

function extend(box: BBox, p: Position): void {
  if (p.length < 2) return;
  if (p[0] < box[0]) box[0] = p[0];
  if (p[1] < box[1]) box[1] = p[1];
  if (p[0] > box[2]) box[2] = p[0];
  if (p[1] > box[3]) box[3] = p[1];
}

function visit(geometry: Geometry, box: BBox): void {
  switch (geometry.type) {
    case 'Point':
      extend(box, geometry.coordinates);
      return;
    case 'MultiPoint':
    case 'LineString':
      for (const p of geometry.coordinates) extend(box, p);
      return;
    case 'MultiLineString':
    case 'Polygon':
      for (const line of geometry.coordinates) for (const p of line) extend(box, p);
      return;
    case 'MultiPolygon':
      for (const polygon of geometry.coordinates) for (const ring of polygon) for (const p of ring) extend(box, p);
      return;
    case 'GeometryCollection':
      for (const g of geometry.geometries) visit(g, box);
  }
}

/** The bounding box of a geometry, or null when it has no coordinates (an empty geometry). */
export function geometryBBox(geometry: Geometry): BBox | null {
  const box: BBox = [Infinity, Infinity, -Infinity, -Infinity];
  visit(geometry, box);
  return box[0] <= box[2] ? box : null;
}

/** Whether two boxes overlap (touching edges count, so a point on a box edge is selected). */
export function bboxesIntersect(a: BBox, b: BBox): boolean {
  return a[0] <= b[2] && a[2] >= b[0] && a[1] <= b[3] && a[3] >= b[1];
}
