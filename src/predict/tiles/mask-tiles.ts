/**
 * PNG map tiles of a segmentation prediction's class masks: each prediction tile keeps its mask as an
 * 8-bit grayscale PNG of class indices (any square size); a map tile samples them nearest-neighbour (class
 * indices must never be blended) and paints each class in its colour. Background, unknown indices and
 * places without a prediction are transparent.
 *
 * - z = the prediction's zoom: the one mask resampled to 256 px;
 * - z above it (zoomed in): the part of the covering mask, upsampled;
 * - z below it: the masks of the tiles under the map tile, each shrunk into its cell; beyond
 *   MAX_MOSAIC_LEVELS a map tile would read thousands of masks, so there is no tile (null).
 */
import sharp from 'sharp';
import { invalidParameter } from '../../core/errors.js';
import { checkTile, quadkey, tileFromQuadkey } from '../../geo/tiles.js';
import type { PredictStore } from '../store/predict-store.js';
import type { Prediction } from '../types.js';

/** Pixels per map tile side. */
export const MASK_TILE_SIZE = 256;

/** How many zoom levels below the prediction's zoom mask tiles are still mosaicked (4: 256 masks). */
export const MAX_MOSAIC_LEVELS = 4;

/** Class names painted transparent: what a mask holds where there is nothing. */
const BACKGROUND = /^(background|_background_|nodata|no data|none)$/i;

/** A decoded class mask: one class index per pixel, row by row. */
interface ClassMask {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Decodes a stored mask PNG to its first channel (the class index). */
async function decodeMask(png: Uint8Array): Promise<ClassMask> {
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), width: info.width, height: info.height };
}

/** RGBA per class index (0-255), transparent for background and for indices the model does not have. */
function palette(prediction: Prediction, opacity: number): Uint8Array {
  const colors = new Uint8Array(256 * 4);
  const alpha = Math.round(opacity * 255);
  for (const c of prediction.classes) {
    const match = /^#?([0-9a-f]{6})$/i.exec(c.color);
    if (!match || BACKGROUND.test(c.name) || c.index < 0 || c.index > 255) continue;
    const rgb = parseInt(match[1], 16);
    colors.set([(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255, alpha], c.index * 4);
  }
  return colors;
}

/**
 * Paints `mask` into the output cell [cx, cx + cell) x [cy, cy + cell), sampling the part of the mask
 * from (u0, v0) with side `span` (fractions of the mask) at each pixel centre.
 */
function paint(out: Uint8Array, colors: Uint8Array, mask: ClassMask, cx: number, cy: number, cell: number, u0: number, v0: number, span: number): void {
  for (let j = 0; j < cell; j++) {
    const row = Math.min(mask.height - 1, Math.floor((v0 + (span * (j + 0.5)) / cell) * mask.height));
    for (let i = 0; i < cell; i++) {
      const col = Math.min(mask.width - 1, Math.floor((u0 + (span * (i + 0.5)) / cell) * mask.width));
      const color = mask.data[row * mask.width + col] * 4;
      out.set(colors.subarray(color, color + 4), ((cy + j) * MASK_TILE_SIZE + cx + i) * 4);
    }
  }
}

/**
 * The 256 x 256 RGBA PNG of a segmentation prediction's masks at z/x/y, or null when no prediction tile
 * with a mask touches the map tile (or the map tile is more than MAX_MOSAIC_LEVELS above the prediction).
 */
export async function predictionMaskTile(
  store: PredictStore,
  prediction: Prediction,
  z: number,
  x: number,
  y: number,
  options: { opacity?: number } = {},
): Promise<Uint8Array | null> {
  const mapTile = { z, x, y };
  checkTile(mapTile);
  if (prediction.task !== 'segmentation') throw invalidParameter(`prediction ${prediction.id} is ${prediction.task}: mask tiles are for segmentation`);
  const opacity = options.opacity ?? 1;
  if (!(opacity >= 0 && opacity <= 1)) throw invalidParameter(`opacity ${opacity} is out of range: it must be from 0 to 1`);
  const levels = prediction.zoom - z;
  if (levels > MAX_MOSAIC_LEVELS) return null;
  const key = quadkey(mapTile);
  const colors = palette(prediction, opacity);
  const out = new Uint8Array(MASK_TILE_SIZE * MASK_TILE_SIZE * 4);
  let painted = 0;
  if (levels <= 0) {
    // One prediction tile covers the map tile: sample the map tile's part of its mask.
    const ancestor = key.slice(0, prediction.zoom);
    const png = await store.getMask(prediction.id, ancestor);
    if (!png) return null;
    const scale = 2 ** -levels;
    const top = tileFromQuadkey(ancestor);
    paint(out, colors, await decodeMask(png), 0, 0, MASK_TILE_SIZE, (x - top.x * scale) / scale, (y - top.y * scale) / scale, 1 / scale);
    painted++;
  } else {
    const scale = 2 ** levels;
    const cell = MASK_TILE_SIZE / scale;
    for (const tile of await store.listTiles(prediction.id, { quadkeyPrefix: key, status: 'done' })) {
      if (tile.z !== prediction.zoom) continue;
      const png = await store.getMask(prediction.id, tile.quadkey);
      if (!png) continue;
      paint(out, colors, await decodeMask(png), (tile.x - x * scale) * cell, (tile.y - y * scale) * cell, cell, 0, 0, 1);
      painted++;
    }
  }
  if (painted === 0) return null;
  return sharp(out, { raw: { width: MASK_TILE_SIZE, height: MASK_TILE_SIZE, channels: 4 } }).png().toBuffer();
}
