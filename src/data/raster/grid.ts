/**
 * Pixel grids: GDAL geotransforms, pixel windows and the bounds they cover, both ways, and bounds
 * carried from one CRS to another along densified edges (a straight edge in one CRS is a curve in
 * another, so its corners alone undercount the extent).
 */
import { invalidParameter } from '../../core/errors.js';
import { gdal, spatialReference } from './gdal-env.js';
import type { Bounds, GeoTransform, PixelWindow } from './types.js';

/** Pixel edges closer than this to a bounds edge count as on it (floating error, not a real sliver). */
const EDGE_TOLERANCE = 1e-6;

/** Points per edge when transforming bounds, as rasterio's `transform_bounds` (densify_pts=21). */
const DENSIFY_POINTS = 21;

/** The map coordinates of pixel corner (col, row). */
export function pixelToMap(gt: GeoTransform, col: number, row: number): [number, number] {
  return [gt[0] + col * gt[1] + row * gt[2], gt[3] + col * gt[4] + row * gt[5]];
}

/** The pixel (fractional col, row) of map coordinates (x, y). */
export function mapToPixel(gt: GeoTransform, x: number, y: number): [number, number] {
  const det = gt[1] * gt[5] - gt[2] * gt[4];
  if (det === 0) throw invalidParameter('the raster has a degenerate geotransform');
  const dx = x - gt[0];
  const dy = y - gt[3];
  return [(dx * gt[5] - dy * gt[2]) / det, (dy * gt[1] - dx * gt[4]) / det];
}

/** The bounds of a window of pixels (all four corners, so rotated grids work too). */
export function windowBounds(gt: GeoTransform, window: PixelWindow): Bounds {
  const { xoff, yoff, xsize, ysize } = window;
  const corners = [pixelToMap(gt, xoff, yoff), pixelToMap(gt, xoff + xsize, yoff), pixelToMap(gt, xoff, yoff + ysize), pixelToMap(gt, xoff + xsize, yoff + ysize)];
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** The smallest whole-pixel window that covers `bounds` (it may reach outside the raster). */
export function boundsToWindow(gt: GeoTransform, bounds: Bounds): PixelWindow {
  const [minX, minY, maxX, maxY] = bounds;
  if (!(maxX > minX && maxY > minY)) throw invalidParameter(`bounds must be [minX, minY, maxX, maxY] with min < max, got [${bounds.join(', ')}]`);
  const corners = [mapToPixel(gt, minX, minY), mapToPixel(gt, maxX, minY), mapToPixel(gt, minX, maxY), mapToPixel(gt, maxX, maxY)];
  const cols = corners.map((c) => c[0]);
  const rows = corners.map((c) => c[1]);
  const col0 = Math.floor(Math.min(...cols) + EDGE_TOLERANCE);
  const row0 = Math.floor(Math.min(...rows) + EDGE_TOLERANCE);
  const col1 = Math.max(col0 + 1, Math.ceil(Math.max(...cols) - EDGE_TOLERANCE));
  const row1 = Math.max(row0 + 1, Math.ceil(Math.max(...rows) - EDGE_TOLERANCE));
  return { xoff: col0, yoff: row0, xsize: col1 - col0, ysize: row1 - row0 };
}

/** The geotransform of `window` read into `width` x `height` pixels. */
export function windowTransform(gt: GeoTransform, window: PixelWindow, width: number, height: number): GeoTransform {
  const [x, y] = pixelToMap(gt, window.xoff, window.yoff);
  const sx = window.xsize / width;
  const sy = window.ysize / height;
  return [x, gt[1] * sx, gt[2] * sy, y, gt[4] * sx, gt[5] * sy];
}

/** The north-up geotransform of `bounds` split into `width` x `height` pixels. */
export function boundsTransform(bounds: Bounds, width: number, height: number): GeoTransform {
  return [bounds[0], (bounds[2] - bounds[0]) / width, 0, bounds[3], 0, -(bounds[3] - bounds[1]) / height];
}

/** Output size: as asked, or the source's size; one side given keeps the aspect ratio. */
export function outputSize(options: { width?: number; height?: number }, sourceWidth: number, sourceHeight: number): [number, number] {
  let { width, height } = options;
  if (width === undefined && height === undefined) [width, height] = [sourceWidth, sourceHeight];
  else if (width === undefined) width = Math.max(1, Math.round(((height as number) * sourceWidth) / sourceHeight));
  else if (height === undefined) height = Math.max(1, Math.round((width * sourceHeight) / sourceWidth));
  for (const [name, value] of [['width', width], ['height', height]] as const) {
    if (!Number.isInteger(value) || (value as number) < 1) throw invalidParameter(`${name} must be a positive integer, got ${value}`);
  }
  return [width as number, height as number];
}

/** The intersection of two bounds, or null when they do not overlap. */
export function intersectBounds(a: Bounds, b: Bounds): Bounds | null {
  const out: Bounds = [Math.max(a[0], b[0]), Math.max(a[1], b[1]), Math.min(a[2], b[2]), Math.min(a[3], b[3])];
  return out[0] < out[2] && out[1] < out[3] ? out : null;
}

/**
 * `bounds` in `fromCrs` carried to `toCrs`: 21 points along each edge are transformed and the extent
 * of those that transform is returned. Points outside the target's domain are skipped.
 */
export function transformBoundsDensified(bounds: Bounds, fromCrs: string, toCrs: string): Bounds {
  const transform = new gdal.CoordinateTransformation(spatialReference(fromCrs), spatialReference(toCrs));
  const [minX, minY, maxX, maxY] = bounds;
  const xs: number[] = [];
  const ys: number[] = [];
  const add = (x: number, y: number) => {
    try {
      const p = transform.transformPoint(x, y);
      if (Number.isFinite(p.x) && Number.isFinite(p.y)) {
        xs.push(p.x);
        ys.push(p.y);
      }
    } catch {
      // Outside the projection's domain: the other points bound the extent.
    }
  };
  for (let i = 0; i <= DENSIFY_POINTS + 1; i++) {
    const t = i / (DENSIFY_POINTS + 1);
    add(minX + (maxX - minX) * t, minY);
    add(minX + (maxX - minX) * t, maxY);
    add(minX, minY + (maxY - minY) * t);
    add(maxX, minY + (maxY - minY) * t);
  }
  if (xs.length === 0) throw invalidParameter(`bounds [${bounds.join(', ')}] cannot be transformed from ${short(fromCrs)} to ${short(toCrs)}`);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

function short(crs: string): string {
  return crs.length > 40 ? `${crs.slice(0, 40)}…` : crs;
}
