/**
 * Zarr cubes (time x … x y x x) as rasters through GDAL's Zarr driver. GDAL's classic raster view
 * (`ZARR:"path":/array:i`) shows one 2-D slice at a time; here every slice of the extra dimensions
 * becomes a band of one in-memory VRT (`gdalbuildvrt -separate`), named after its coordinates
 * (`time=2017-01-16T10:09:21Z`), so a cube reads, warps and tiles like any multi-band raster.
 *
 * URI form: `zarr:PATH_OR_URL#ARRAY` (e.g. `zarr:cube.zarr#conc_chl`).
 */
import type { Dataset, Group, MDArray } from 'gdal-async';
import { invalidParameter } from '../../core/errors.js';
import { gdal, gdalError } from './gdal-env.js';

/** Cubes with more slices than this are refused as one raster: select a sub-array instead. */
const MAX_SLICES = 10_000;

/** A cube opened as a band-per-slice dataset, with what GDAL's classic view does not say. */
export interface ZarrDataset {
  dataset: Dataset;
  bandDescriptions: string[];
  /** EPSG:4326 for CF cubes on lon/lat degrees without a grid mapping; undefined otherwise. */
  crs?: string;
}

/** Splits `zarr:LOCATION#ARRAY` into GDAL's location and the array's name. */
export function parseZarrUri(uri: string): { location: string; array: string } {
  const body = uri.slice('zarr:'.length);
  const hash = body.lastIndexOf('#');
  const location = hash >= 0 ? body.slice(0, hash) : body;
  const array = hash >= 0 ? body.slice(hash + 1).replace(/^\//, '') : '';
  if (!location || !array) throw invalidParameter(`a Zarr URI names the store and the array: zarr:PATH#ARRAY (e.g. zarr:cube.zarr#conc_chl), got ${uri}`);
  return { location, array };
}

/** Opens `array` of the Zarr store at `gdalPath` (a path or /vsi… path) as one dataset, a band per slice. */
export async function openZarr(uri: string, gdalPath: string, array: string): Promise<ZarrDataset> {
  let store: Dataset;
  try {
    store = await gdal.openAsync(gdalPath, 'mr');
  } catch (error) {
    throw gdalError(uri, 'cannot open Zarr store', error);
  }
  try {
    const root = store.root;
    const names = root.arrays.names;
    if (!names.includes(array)) throw invalidParameter(`${uri}: no array ${JSON.stringify(array)} in the store (arrays: ${names.join(', ')})`);
    const cube = await root.arrays.getAsync(array);
    const dims = cube.dimensions.map((d) => ({ name: d.description.replace(/^.*\//, ''), size: d.size, type: d.type }));
    if (dims.length < 2) throw invalidParameter(`${uri}: array ${array} has ${dims.length} dimension(s); a raster needs y and x`);
    const extra = dims.slice(0, -2);
    const sliceCount = extra.reduce((n, d) => n * d.size, 1);
    if (sliceCount > MAX_SLICES) throw invalidParameter(`${uri}: array ${array} has ${sliceCount} 2-D slices, more than ${MAX_SLICES}`);
    const labels = await Promise.all(extra.map((d) => coordinateLabels(root, d.name, d.size)));
    const quoted = `ZARR:"${gdalPath}":/${array}`;
    const slices: string[] = [];
    const descriptions: string[] = [];
    for (let n = 0; n < sliceCount; n++) {
      // Row-major over the extra dimensions: the last one varies fastest, as in the array.
      const indices: number[] = [];
      let rest = n;
      for (let d = extra.length - 1; d >= 0; d--) {
        indices.unshift(rest % extra[d].size);
        rest = Math.floor(rest / extra[d].size);
      }
      slices.push(indices.length ? `${quoted}:${indices.join(':')}` : quoted);
      descriptions.push(indices.map((i, d) => `${extra[d].name}=${labels[d][i]}`).join(','));
    }
    const dataset = await gdal.buildVRTAsync('', slices, ['-separate']);
    const crs = (await dataset.srsAsync) ? undefined : await degreesCrs(root, dims);
    return { dataset, bandDescriptions: descriptions, crs };
  } catch (error) {
    throw gdalError(uri, 'cannot open Zarr array', error);
  } finally {
    store.close();
  }
}

/** Labels for the positions along a dimension: its coordinate values (times as ISO dates), else indices. */
async function coordinateLabels(root: Group, name: string, size: number): Promise<string[]> {
  const fallback = Array.from({ length: size }, (_, i) => String(i));
  const variable = await findArray(root, name);
  if (!variable || variable.dimensions.count() !== 1) return fallback;
  try {
    const values = await variable.readAsync({ origin: [0], span: [size], data: new Float64Array(size) });
    const since = /^(seconds|minutes|hours|days) since (.+)$/i.exec(variable.unitType ?? '');
    const epoch = since ? parseEpoch(since[2]) : Number.NaN;
    if (since && Number.isFinite(epoch)) {
      const unit = { seconds: 1e3, minutes: 6e4, hours: 3.6e6, days: 8.64e7 }[since[1].toLowerCase() as 'days'];
      return Array.from(values, (v) => new Date(epoch + Math.round(v * unit / 1000) * 1000).toISOString().replace('.000Z', 'Z'));
    }
    return Array.from(values, (v) => String(v));
  } catch {
    return fallback;
  }
}

/** A CF reference time (`1970-01-01`, `1970-01-01 00:00:00`) in epoch milliseconds; UTC unless it says otherwise. */
function parseEpoch(text: string): number {
  const iso = text.trim().replace(' ', 'T');
  const hasZone = /(Z|[+-]\d\d:?\d\d)$/i.test(iso);
  return Date.parse(iso.includes('T') && !hasZone ? `${iso}Z` : iso);
}

/** CF cubes on longitude/latitude in degrees without a grid mapping are on WGS 84. */
async function degreesCrs(root: Group, dims: { name: string }[]): Promise<string | undefined> {
  const [y, x] = await Promise.all([findArray(root, dims[dims.length - 2].name), findArray(root, dims[dims.length - 1].name)]);
  const degrees = (a: MDArray | null, unit: RegExp) => !!a && unit.test(a.unitType ?? '');
  return degrees(x, /^degrees?_?(east|E)?$/i) && degrees(y, /^degrees?_?(north|N)?$/i) ? 'EPSG:4326' : undefined;
}

async function findArray(root: Group, name: string): Promise<MDArray | null> {
  const names = root.arrays.names;
  return names.includes(name) ? root.arrays.getAsync(name) : null;
}
