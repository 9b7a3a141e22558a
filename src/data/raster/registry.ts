/**
 * The one place where a raster or imagery URI chooses its reader, by scheme:
 *
 * | URI | reader |
 * |---|---|
 * | `path/to/file.tif`, `file:///…` | GDAL |
 * | `http(s)://…` | GDAL over HTTP range requests (`/vsicurl/`) |
 * | `s3://bucket/key`, `gs://bucket/key` | GDAL (`/vsis3/`, `/vsigs/`; credentials from GDAL's environment) |
 * | `/vsi…/…`, `DRIVER:"…":…` (GDAL connection strings) | GDAL, as given |
 * | `zarr:PATH_OR_URL#ARRAY` | GDAL's Zarr driver, a band per slice (`zarr.ts`) |
 * | `xyz+https://…/{z}/{x}/{y}.png` | XYZ/TMS tiles (`xyz.ts`, `xyz-source.ts`) |
 * | `stac:PATH_OR_URL` (imagery only) | a mosaic of STAC items (`stac-mosaic.ts`) |
 * | `list:PATH_OR_URL.csv` (imagery only) | a list of tiles and their image URLs (`tile-list.ts`) |
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalidParameter, notFound } from '../../core/errors.js';
import type { HttpFetch } from '../stac/http.js';
import { GdalSource } from './gdal-source.js';
import { gdal, gdalError } from './gdal-env.js';
import { RasterImagery, type ImageryProvider } from './imagery.js';
import { StacMosaicImagery } from './stac-mosaic.js';
import { TileListImagery } from './tile-list.js';
import type { RasterSource } from './types.js';
import { XyzImagery } from './xyz.js';
import { XyzSource } from './xyz-source.js';
import { openZarr, parseZarrUri } from './zarr.js';

/** Options shared by the readers that fetch over HTTP themselves (XYZ tiles, STAC documents). */
export interface OpenOptions {
  fetcher?: HttpFetch;
}

/** GDAL connection strings: an upper-case driver prefix (`ZARR:"…"`, `NETCDF:"…":var`, `GPKG:…`). */
const GDAL_CONNECTION = /^[A-Z][A-Z0-9_]+:/;

/** Opens a raster for reading; the reader is chosen by the URI's scheme (see the table above). */
export async function openRaster(uri: string, options: OpenOptions = {}): Promise<RasterSource> {
  if (uri.startsWith('xyz+')) return new XyzSource(uri, options);
  if (uri.startsWith('zarr:')) {
    const { location, array } = parseZarrUri(uri);
    const zarr = await openZarr(uri, await gdalPath(location, uri), array);
    return GdalSource.fromDataset(uri, zarr.dataset, { crs: zarr.crs, bandDescriptions: zarr.bandDescriptions });
  }
  const location = await gdalPath(uri, uri);
  let dataset;
  try {
    dataset = await gdal.openAsync(location);
  } catch (error) {
    throw gdalError(uri, 'cannot open raster', error);
  }
  return GdalSource.fromDataset(uri, dataset);
}

/** Opens imagery for web-map tiles: XYZ services, STAC item mosaics, or any raster `openRaster` opens. */
export async function openImagery(uri: string, options: OpenOptions = {}): Promise<ImageryProvider> {
  if (uri.startsWith('xyz+')) return new XyzImagery(uri, { fetcher: options.fetcher, beyondZooms: new RasterImagery(new XyzSource(uri, options)) });
  if (uri.startsWith('stac:')) return StacMosaicImagery.open(uri, { fetcher: options.fetcher, openRaster: (href) => openRaster(href, options) });
  if (uri.startsWith('list:')) return TileListImagery.open(uri, { fetcher: options.fetcher });
  return new RasterImagery(await openRaster(uri, options));
}

/** The name GDAL opens for a location: `/vsicurl/` for HTTP, `/vsis3/` for S3, a checked path for files. */
async function gdalPath(location: string, uri: string): Promise<string> {
  if (/^https?:\/\//i.test(location)) return `/vsicurl/${location}`;
  if (location.startsWith('s3://')) return `/vsis3/${location.slice(5)}`;
  if (location.startsWith('gs://')) return `/vsigs/${location.slice(5)}`;
  if (location.startsWith('/vsi') || GDAL_CONNECTION.test(location)) return location;
  let file = location;
  if (location.startsWith('file:')) {
    try {
      file = fileURLToPath(location);
    } catch {
      throw invalidParameter(`not a valid file URL: ${location}`);
    }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(location)) {
    throw invalidParameter(`${uri}: unknown scheme; use a path, file://, http(s)://, s3://, gs://, /vsi…, zarr:, xyz+http(s)://, stac: or list:`);
  }
  try {
    await fs.stat(file);
  } catch {
    throw notFound(`raster ${uri} does not exist (no file at ${path.resolve(file)})`);
  }
  return file;
}
