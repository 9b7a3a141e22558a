/**
 * Semantic segmentation outputs to tileflow results: the class mask of a tile's core (the model input
 * less its overlap margin), the share of the tile per class, the mask as a grayscale PNG for the PNG
 * tile endpoint, and its class regions as EPSG:4326 polygons (GDAL's polygonize) for MVT and export.
 */
import sharp from 'sharp';
import { invalidParameter } from '../../core/errors.js';
import { gdal } from '../../data/raster/gdal-env.js';
import { tileXyBounds, type Tile } from '../../geo/tiles.js';
import type { NewPredictionFeature } from '../types.js';
import { sigmoid } from './classification.js';

/** How far a pixel's class probabilities may sum away from 1 and still count as probabilities. */
const SUM_TOLERANCE = 1e-3;

/** One tile's class mask over its core, with per-class statistics. */
export interface ClassMask {
  /** Class index per core pixel, row-major from the north-west corner. */
  mask: Uint8Array;
  width: number;
  height: number;
  /** Per class, the fraction of core pixels assigned to it (sums to 1). */
  shares: number[];
  /** Per class, the mean probability of the class over the core pixels assigned to it; 0 where none. */
  meanProbability: number[];
}

/** Throws when a model output holds NaN, so a broken model fails its tile instead of writing NaN scores. */
function nanOutput(): never {
  throw invalidParameter('segmentation output holds NaN values');
}

/**
 * One sample's [C, H, W] output as a class mask of its core, `overlap` pixels cropped from each side:
 * per pixel the argmax class (ties to the lower index) and its probability, the output itself when
 * every core pixel's values already form a probability vector, else softmax. One channel (c == 1) is a
 * binary model: a probability, or a logit through the sigmoid when any value is outside [0, 1], with
 * class 1 where it exceeds 0.5 and class 0 elsewhere; shares and meanProbability then have two entries.
 */
export function classMask(logits: Float32Array, c: number, h: number, w: number, overlap: number): ClassMask {
  if (!(Number.isInteger(c) && c >= 1 && c <= 256)) throw invalidParameter(`class count ${c} is not an integer from 1 to 256 (the mask holds one byte per pixel)`);
  if (!(Number.isInteger(h) && h > 0 && Number.isInteger(w) && w > 0)) throw invalidParameter(`segmentation output size ${w}x${h} is not positive integers`);
  if (!(Number.isInteger(overlap) && overlap >= 0)) throw invalidParameter(`overlap ${overlap} is not a non-negative integer`);
  if (logits.length !== c * h * w) throw invalidParameter(`segmentation output holds ${logits.length} values, expected [${c}, ${h}, ${w}] = ${c * h * w}`);
  const width = w - 2 * overlap;
  const height = h - 2 * overlap;
  if (width <= 0 || height <= 0) throw invalidParameter(`overlap ${overlap} leaves no core in a ${w}x${h} output`);
  const count = width * height;
  const plane = h * w;
  const mask = new Uint8Array(count);
  const classes = c === 1 ? 2 : c;
  const pixels = new Float64Array(classes);
  const probabilitySums = new Float64Array(classes);

  if (c === 1) {
    let probabilities = true;
    for (let y = 0; y < height && probabilities; y++) {
      for (let x = 0, src = (y + overlap) * w + overlap; x < width; x++, src++) {
        const v = logits[src];
        if (v !== v) nanOutput();
        if (!(v >= 0 && v <= 1)) {
          probabilities = false;
          break;
        }
      }
    }
    for (let y = 0, i = 0; y < height; y++) {
      for (let x = 0, src = (y + overlap) * w + overlap; x < width; x++, src++, i++) {
        const v = logits[src];
        if (v !== v) nanOutput();
        const p = probabilities ? v : sigmoid(v);
        const k = p > 0.5 ? 1 : 0;
        mask[i] = k;
        pixels[k]++;
        probabilitySums[k] += k === 1 ? p : 1 - p;
      }
    }
  } else {
    // Class-major passes over the [C, H, W] planes keep reads sequential: a running max and argmax,
    // and the per-pixel sum with a range check that decides whether the output is probabilities.
    const best = new Float32Array(count);
    const sums = new Float64Array(count);
    let inRange = true;
    for (let k = 0; k < c; k++) {
      for (let y = 0, i = 0; y < height; y++) {
        for (let x = 0, src = k * plane + (y + overlap) * w + overlap; x < width; x++, src++, i++) {
          const v = logits[src];
          if (v !== v) nanOutput();
          if (!(v >= 0 && v <= 1)) inRange = false;
          sums[i] += v;
          if (k === 0 || v > best[i]) {
            best[i] = v;
            mask[i] = k;
          }
        }
      }
    }
    let probabilities = inRange;
    for (let i = 0; i < count && probabilities; i++) if (Math.abs(sums[i] - 1) > SUM_TOLERANCE) probabilities = false;
    if (probabilities) {
      for (let i = 0; i < count; i++) {
        const k = mask[i];
        pixels[k]++;
        probabilitySums[k] += best[i];
      }
    } else {
      // Softmax of the winner: 1 / Σ exp(l_k - max), the max subtracted so nothing overflows.
      sums.fill(0);
      for (let k = 0; k < c; k++) {
        for (let y = 0, i = 0; y < height; y++) {
          for (let x = 0, src = k * plane + (y + overlap) * w + overlap; x < width; x++, src++, i++) {
            const d = logits[src] - best[i];
            // A pixel whose every logit is -∞ has no winner; it counts as uniform.
            sums[i] += d === d ? Math.exp(d) : 1;
          }
        }
      }
      for (let i = 0; i < count; i++) {
        const k = mask[i];
        pixels[k]++;
        probabilitySums[k] += 1 / sums[i];
      }
    }
  }
  const shares = Array.from(pixels, (n) => n / count);
  const meanProbability = Array.from(pixels, (n, k) => (n > 0 ? probabilitySums[k] / n : 0));
  return { mask, width, height, shares, meanProbability };
}

/** Throws unless `mask` holds `width` x `height` pixels. */
function checkMask(mask: Uint8Array, width: number, height: number): void {
  if (!(Number.isInteger(width) && width > 0 && Number.isInteger(height) && height > 0)) throw invalidParameter(`mask size ${width}x${height} is not positive integers`);
  if (mask.length !== width * height) throw invalidParameter(`mask holds ${mask.length} pixels, expected ${width}x${height} = ${width * height}`);
}

/** The class mask as a lossless 8-bit single-channel (grayscale) PNG: decoding it gives the class indices back. */
export async function maskPng(mask: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  checkMask(mask, width, height);
  const png = await sharp(mask, { raw: { width, height, channels: 1 } })
    .toColourspace('b-w')
    .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
    .toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

type Ring = [number, number][];

/** Twice the signed area of a ring (shoelace): positive when counter-clockwise with y up. */
function signedArea(ring: Ring): number {
  let sum = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) sum += (ring[j][0] - ring[i][0]) * (ring[j][1] + ring[i][1]);
  return sum;
}

/** A polygon's rings turned as RFC 7946 asks (GDAL's polygonize winds outer rings clockwise): outer counter-clockwise, holes clockwise. */
function orientPolygon(rings: Ring[]): Ring[] {
  return rings.map((ring, i) => {
    const counterClockwise = signedArea(ring) > 0;
    return counterClockwise === (i === 0) ? ring : ring.slice().reverse();
  });
}

/** A GDAL GeoJSON object as a (Multi)Polygon with RFC 7946 winding; null when it holds no polygon. */
function polygonal(geometry: { type: string; coordinates?: unknown; geometries?: { type: string; coordinates: unknown }[] }): NewPredictionFeature['geometry'] | null {
  if (geometry.type === 'Polygon') return { type: 'Polygon', coordinates: orientPolygon(geometry.coordinates as Ring[]) };
  const parts: Ring[][] = [];
  const collect = (g: { type: string; coordinates?: unknown }): void => {
    if (g.type === 'Polygon') parts.push(orientPolygon(g.coordinates as Ring[]));
    else if (g.type === 'MultiPolygon') for (const p of g.coordinates as Ring[][]) parts.push(orientPolygon(p));
  };
  if (geometry.type === 'GeometryCollection') for (const g of geometry.geometries ?? []) collect(g);
  else collect(geometry);
  if (parts.length === 0) return null;
  return parts.length === 1 ? { type: 'Polygon', coordinates: parts[0] } : { type: 'MultiPolygon', coordinates: parts };
}

/**
 * The connected class regions (8-connected) of a tile's class mask as EPSG:4326 (Multi)Polygons,
 * largest first; the mask covers the tile's EPSG:3857 bounds. Each region gets its class and
 * `scores[class]` (1 when not given); classes in `ignoreClasses` (e.g. background 0) give no polygons.
 * A region whose 8-connected ring touches itself at a corner, which GDAL's polygonize leaves invalid,
 * is made valid (a MultiPolygon).
 */
export async function maskPolygons(
  mask: Uint8Array,
  width: number,
  height: number,
  tile: Tile,
  options: { ignoreClasses?: number[]; scores?: number[] } = {},
): Promise<NewPredictionFeature[]> {
  checkMask(mask, width, height);
  const [left, bottom, right, top] = tileXyBounds(tile);
  const ignored = new Uint8Array(256);
  for (const k of options.ignoreClasses ?? []) if (Number.isInteger(k) && k >= 0 && k < 256) ignored[k] = 1;
  let anyIgnored = false;
  let anyKept = false;
  for (let i = 0; i < mask.length; i++) {
    if (ignored[mask[i]]) anyIgnored = true;
    else anyKept = true;
  }
  if (!anyKept) return [];

  const mercator = gdal.SpatialReference.fromEPSG(3857);
  const raster = await gdal.drivers.get('MEM').createAsync('', width, height, anyIgnored ? 2 : 1, gdal.GDT_Byte);
  const vectors = gdal.open('regions', 'w', 'Memory');
  try {
    raster.geoTransform = [left, (right - left) / width, 0, top, 0, -(top - bottom) / height];
    raster.srs = mercator;
    const classes = raster.bands.get(1);
    await classes.pixels.writeAsync(0, 0, width, height, mask);
    let valid: gdal.RasterBand | undefined;
    if (anyIgnored) {
      // polygonize skips pixels where the mask band is 0.
      const keep = new Uint8Array(mask.length);
      for (let i = 0; i < mask.length; i++) keep[i] = ignored[mask[i]] ? 0 : 255;
      valid = raster.bands.get(2);
      await valid.pixels.writeAsync(0, 0, width, height, keep);
    }
    const layer = vectors.layers.create('regions', mercator, gdal.wkbPolygon);
    layer.fields.add(new gdal.FieldDefn('class', gdal.OFTInteger));
    await gdal.polygonizeAsync({ src: classes, dst: layer, mask: valid, pixValField: 0, connectedness: 8 });

    // OGC:CRS84 is WGS 84 with longitude first by definition, so [lng, lat] whatever GDAL's axis-order setting.
    const toLngLat = new gdal.CoordinateTransformation(mercator, gdal.SpatialReference.fromUserInput('OGC:CRS84'));
    const regions: { feature: NewPredictionFeature; area: number }[] = [];
    for (const feature of layer.features) {
      const classIndex = feature.fields.get(0) as number;
      let geometry = feature.getGeometry();
      if (!geometry) continue;
      if (!geometry.isValid()) geometry = geometry.makeValid();
      const area = (geometry as gdal.Polygon).getArea();
      geometry.transform(toLngLat);
      const geojson = polygonal(geometry.toObject() as Parameters<typeof polygonal>[0]);
      if (!geojson) continue;
      regions.push({ feature: { classIndex, score: options.scores?.[classIndex] ?? 1, geometry: geojson }, area });
    }
    regions.sort((a, b) => b.area - a.area);
    return regions.map((r) => r.feature);
  } finally {
    vectors.close();
    raster.close();
  }
}
