/**
 * What every GDAL-backed reader shares: GDAL's process-wide configuration, the mapping between GDAL's
 * names and tileflow's (data types, resampling), spatial references from user strings, and GDAL's
 * failures turned into `TileflowError`s that name the file.
 */
import gdal from 'gdal-async';
import { TileflowError, notFound } from '../../core/errors.js';
import { PIXEL_ARRAYS, type PixelArray, type RasterDataType, type Resampling } from './types.js';

/**
 * GDAL options are process-wide by nature, so they are set once when this module loads. Options
 * already in the environment win: GDAL reads the environment only when nothing was set here.
 */
const GDAL_DEFAULTS: Record<string, string> = {
  // x = longitude, y = latitude for every CRS, as GeoJSON, STAC and web maps expect (GDAL 3 follows
  // the authority's axis order by default, which puts latitude first for EPSG:4326).
  OSR_DEFAULT_AXIS_MAPPING_STRATEGY: 'TRADITIONAL_GIS_ORDER',
  // Remote COGs: no directory listing and no probing for sidecar files, one request per range batch.
  GDAL_DISABLE_READDIR_ON_OPEN: 'EMPTY_DIR',
  CPL_VSIL_CURL_ALLOWED_EXTENSIONS: '.tif,.tiff,.TIF,.TIFF,.jp2,.JP2,.png,.jpg,.jpeg,.webp,.vrt,.nc',
  VSI_CACHE: 'TRUE',
  GDAL_HTTP_MULTIRANGE: 'YES',
  GDAL_HTTP_MERGE_CONSECUTIVE_RANGES: 'YES',
};
for (const [key, value] of Object.entries(GDAL_DEFAULTS)) {
  if (process.env[key] === undefined) gdal.config.set(key, value);
}

/** gdal-async, configured: import it from here so the configuration above always runs first. */
export { gdal };

/** GDAL's data type names for the types tileflow reads. */
const DATA_TYPES: Record<string, RasterDataType> = {
  Byte: 'uint8',
  Int8: 'int8',
  UInt16: 'uint16',
  Int16: 'int16',
  UInt32: 'uint32',
  Int32: 'int32',
  Float32: 'float32',
  Float64: 'float64',
};

/** tileflow's data type for a GDAL type name, or an error naming the raster when it has no typed array. */
export function dataTypeOf(gdalType: string | null, uri: string): RasterDataType {
  const type = gdalType ? DATA_TYPES[gdalType] : undefined;
  if (!type) throw new TileflowError('INVALID_PARAMETER_VALUE', `${uri}: pixel type ${gdalType ?? 'unknown'} is not supported (complex and 64-bit integer bands cannot be read)`);
  return type;
}

/** GDAL's name (GDT_*) for a tileflow data type. */
export function gdalTypeOf(type: RasterDataType): string {
  const entry = Object.entries(DATA_TYPES).find(([, t]) => t === type);
  return entry ? entry[0] : 'Float64';
}

/** A zeroed typed array of `length` pixels of `type`. */
export function pixelArray(type: RasterDataType, length: number): PixelArray {
  return new PIXEL_ARRAYS[type](length);
}

/**
 * A typed array of `length` pixels whose contents are left as they were in memory: for buffers GDAL
 * fills completely right away (zeroing 1 MB per read costs as much as reading it).
 */
export function uninitializedPixelArray(type: RasterDataType, length: number): PixelArray {
  const Array = PIXEL_ARRAYS[type];
  const bytes = Buffer.allocUnsafeSlow(length * PIXEL_ARRAYS[type].BYTES_PER_ELEMENT);
  return new Array(bytes.buffer, bytes.byteOffset, length);
}

/** The typed array holding `values` converted to `type` (a copy only when the type differs). */
export function asPixelArray(values: PixelArray, type: RasterDataType): PixelArray {
  if (values instanceof PIXEL_ARRAYS[type]) return values;
  const out = pixelArray(type, values.length);
  out.set(values);
  return out;
}

/** GDAL's resampling names for RasterIO (GRA_* constants). */
export const RASTERIO_RESAMPLING: Record<Resampling, string> = {
  nearest: gdal.GRA_NearestNeighbor,
  bilinear: gdal.GRA_Bilinear,
  cubic: gdal.GRA_Cubic,
  cubicspline: gdal.GRA_CubicSpline,
  lanczos: gdal.GRA_Lanczos,
  average: gdal.GRA_Average,
  mode: gdal.GRA_Mode,
};

/** gdalwarp's `-r` names. */
export const WARP_RESAMPLING: Record<Resampling, string> = {
  nearest: 'near',
  bilinear: 'bilinear',
  cubic: 'cubic',
  cubicspline: 'cubicspline',
  lanczos: 'lanczos',
  average: 'average',
  mode: 'mode',
};

/** A resampling name checked against the supported ones (it may come from a URL or a flag). */
export function resamplingOf(value: string | undefined, fallback: Resampling): Resampling {
  if (value === undefined) return fallback;
  if (!(value in RASTERIO_RESAMPLING)) {
    throw new TileflowError('INVALID_PARAMETER_VALUE', `unknown resampling ${JSON.stringify(value)}; use one of ${Object.keys(RASTERIO_RESAMPLING).join(', ')}`);
  }
  return value as Resampling;
}

/** A spatial reference from `EPSG:n`, WKT, PROJ strings or anything else GDAL's `SetFromUserInput` takes. */
export function spatialReference(crs: string): gdal.SpatialReference {
  try {
    return gdal.SpatialReference.fromUserInput(crs);
  } catch (error) {
    throw new TileflowError('INVALID_PARAMETER_VALUE', `unknown CRS ${JSON.stringify(crs.length > 80 ? `${crs.slice(0, 80)}…` : crs)}: ${messageOf(error)}`);
  }
}

/** A CRS as tileflow writes it: `EPSG:code` when GDAL can name it, else WKT; '' for none. */
export function crsString(srs: gdal.SpatialReference | null): string {
  if (!srs) return '';
  for (const candidate of [srs, srs.clone()]) {
    try {
      if (candidate !== srs) candidate.autoIdentifyEPSG();
      if (candidate.getAuthorityName(null) === 'EPSG') {
        const code = candidate.getAuthorityCode(null);
        // Only when the code describes the same CRS: a WKT with an EPSG code but changed parameters keeps its WKT.
        if (code && gdal.SpatialReference.fromEPSG(Number(code)).isSame(srs)) return `EPSG:${code}`;
      }
    } catch {
      // Not identifiable: fall through to WKT.
    }
  }
  return srs.toWKT();
}

/** Whether two CRS strings name the same CRS. */
export function sameCrs(a: string, b: string): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return spatialReference(a).isSame(spatialReference(b));
}

/** GDAL's message for a thrown error, without the `Error:` decoration. */
export function messageOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/^Error:\s*/, '').trim();
}

/** A GDAL failure on `uri` as a `TileflowError`: missing files and HTTP 404 are not-found, the rest bad input. */
export function gdalError(uri: string, action: string, error: unknown): TileflowError {
  if (error instanceof TileflowError) return error;
  const message = messageOf(error);
  if (/No such file or directory|does not exist in the file system|HTTP response code: 404/i.test(message)) {
    return notFound(`${action} ${uri}: not found (GDAL: ${message})`);
  }
  return new TileflowError('INVALID_PARAMETER_VALUE', `${action} ${uri}: ${message || 'GDAL gave no reason'}`, { cause: error });
}

/** Throws the signal's reason when it has been aborted. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason ?? new DOMException('The read was aborted.', 'AbortError');
}
