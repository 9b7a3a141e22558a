/**
 * Writes a block as a GeoTIFF with GDAL: its transform, CRS and nodata, tiled and DEFLATE-compressed.
 * Where the mask hides pixels that no nodata value marks, an internal per-dataset mask keeps them
 * hidden. The file appears under its name only when complete (written beside it, then renamed).
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { TileflowError } from '../../core/errors.js';
import { gdal, gdalTypeOf, messageOf, spatialReference } from './gdal-env.js';
import type { PixelArray, RasterBlock } from './types.js';

/** GDAL's per-dataset mask flag. */
const GMF_PER_DATASET = 0x02;

/** Writes `block` to `file` (replacing it). */
export async function writeGeoTiff(file: string, block: RasterBlock): Promise<void> {
  const partial = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.partial.tif`);
  const plane = block.width * block.height;
  const tiled = block.width >= 256 && block.height >= 256;
  const options = ['COMPRESS=DEFLATE', 'BIGTIFF=IF_SAFER', ...(tiled ? ['TILED=YES'] : []), ...(block.dataType.startsWith('float') ? ['PREDICTOR=3'] : ['PREDICTOR=2'])];
  try {
    const out = await gdal.drivers.get('GTiff').createAsync(partial, block.width, block.height, block.bandCount, gdalTypeOf(block.dataType), options);
    try {
      out.geoTransform = block.transform;
      if (block.crs) out.srs = spatialReference(block.crs);
      for (let b = 0; b < block.bandCount; b++) {
        const band = out.bands.get(b + 1);
        const nodata = block.nodata[b];
        if (nodata !== null && nodata !== undefined) band.noDataValue = nodata;
        await band.pixels.writeAsync(0, 0, block.width, block.height, block.data.subarray(b * plane, (b + 1) * plane) as Exclude<PixelArray, Int8Array>);
      }
      if (needsMask(block)) {
        const first = out.bands.get(1);
        first.createMaskBand(GMF_PER_DATASET);
        const mask = first.getMaskBand();
        await mask?.pixels.writeAsync(0, 0, block.width, block.height, block.mask.map((v) => (v ? 255 : 0)));
      }
      await out.flushAsync();
    } finally {
      out.close();
    }
    await fs.rename(partial, file);
  } catch (error) {
    await fs.rm(partial, { force: true });
    if (error instanceof TileflowError) throw error;
    throw new TileflowError('INVALID_PARAMETER_VALUE', `cannot write ${file}: ${messageOf(error)}`, { cause: error });
  }
}

/** Whether some hidden pixel is not marked by its bands' nodata values. */
function needsMask(block: RasterBlock): boolean {
  const plane = block.width * block.height;
  for (let p = 0; p < plane; p++) {
    if (block.mask[p]) continue;
    for (let b = 0; b < block.bandCount; b++) {
      const nodata = block.nodata[b];
      const v = block.data[b * plane + p];
      if (nodata === null || !(Number.isNaN(nodata) ? Number.isNaN(v) : v === nodata)) return true;
    }
  }
  return false;
}
