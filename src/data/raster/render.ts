/**
 * Pixels for people: a block rendered to an 8-bit PNG with GDAL's PNG driver. Byte data goes as it
 * is; other types are stretched linearly from a per-band [min, max] to 0-255. One band renders grey,
 * three or more render the first three as RGB; the mask becomes the alpha channel.
 */
import { randomUUID } from 'node:crypto';
import { invalidParameter } from '../../core/errors.js';
import { gdal } from './gdal-env.js';
import type { RasterBlock } from './types.js';

/** A per-band [min, max] stretch to 0-255. */
export type Rescale = [number, number][];

/** One [min, max] for every band, or one per band, checked. */
export function normalizeRescale(rescale: [number, number] | [number, number][] | undefined, bandCount: number): Rescale | undefined {
  if (rescale === undefined) return undefined;
  const pairs = (typeof rescale[0] === 'number' ? [rescale] : rescale) as [number, number][];
  for (const [min, max] of pairs) {
    if (!Number.isFinite(min) || !Number.isFinite(max) || !(max > min)) throw invalidParameter(`rescale must be [min, max] with min < max, got [${min}, ${max}]`);
  }
  if (pairs.length !== 1 && pairs.length !== bandCount) throw invalidParameter(`rescale has ${pairs.length} ranges for ${bandCount} bands; give one or one per band`);
  return Array.from({ length: bandCount }, (_, i) => pairs[pairs.length === 1 ? 0 : i]);
}

/** The bands a PNG shows: grey for fewer than three, else the first three as RGB. */
function shownBands(block: RasterBlock): number[] {
  return block.bandCount >= 3 ? [0, 1, 2] : [0];
}

/** The PNG's channels, band-sequential bytes: grey or RGB, then alpha from the mask. */
export function toRgbaBytes(block: RasterBlock, rescale?: Rescale): Uint8Array {
  const bands = shownBands(block);
  const plane = block.width * block.height;
  const out = new Uint8Array(plane * (bands.length + 1));
  bands.forEach((b, i) => {
    const range = rescale?.[b] ?? (block.dataType === 'uint8' ? null : ([0, 255] as [number, number]));
    const source = block.data.subarray(b * plane, (b + 1) * plane);
    const target = out.subarray(i * plane, (i + 1) * plane);
    if (!range) {
      target.set(source);
      return;
    }
    const [min, max] = range;
    const k = 255 / (max - min);
    for (let p = 0; p < plane; p++) {
      const v = (source[p] - min) * k;
      // NaN (float nodata) renders 0; the mask hides it anyway.
      target[p] = v > 0 ? (v < 255 ? Math.round(v) : 255) : 0;
    }
  });
  const alpha = out.subarray(bands.length * plane);
  for (let p = 0; p < plane; p++) alpha[p] = block.mask[p] ? 255 : 0;
  return out;
}

/** Encodes a block as PNG (grey+alpha or RGBA) with GDAL's PNG driver. */
export async function encodePng(block: RasterBlock, rescale?: Rescale): Promise<Buffer> {
  const channels = toRgbaBytes(block, rescale);
  const count = channels.length / (block.width * block.height);
  const plane = block.width * block.height;
  const mem = await gdal.drivers.get('MEM').createAsync('', block.width, block.height, count, gdal.GDT_Byte);
  const path = `/vsimem/tileflow/${randomUUID()}.png`;
  try {
    for (let i = 0; i < count; i++) await mem.bands.get(i + 1).pixels.writeAsync(0, 0, block.width, block.height, channels.subarray(i * plane, (i + 1) * plane));
    mem.bands.get(count).colorInterpretation = gdal.GCI_AlphaBand;
    const png = await gdal.drivers.get('PNG').createCopyAsync(path, mem, { ZLEVEL: '6' });
    png.close();
    return gdal.vsimem.release(path);
  } finally {
    mem.close();
  }
}
