/**
 * XYZ/TMS tile services as imagery: URL templates (`{z}/{x}/{y}`, `{-y}` or `tms`, `{quadkey}`),
 * tiles fetched with `fetch` and decoded by GDAL from `/vsimem/` (PNG, JPEG, WebP, GeoTIFF; palette
 * PNGs expanded to RGBA). A missing tile (404, 204) is an empty, all-masked tile.
 *
 * URI form: `xyz+https://host/{z}/{x}/{y}.png#minzoom=0&maxzoom=19&tms=false&tileSize=256`; the
 * fragment is never sent to the server, so it carries the options.
 */
import { randomUUID } from 'node:crypto';
import { TileflowError, invalidParameter } from '../../core/errors.js';
import { MAX_LATITUDE, MAX_ZOOM, checkTile, quadkey, tileXyBounds, type Tile } from '../../geo/tiles.js';
import { defaultFetch, httpError, type HttpFetch } from '../stac/http.js';
import { GdalSource, emptyBlock } from './gdal-source.js';
import { gdal, gdalError } from './gdal-env.js';
import { boundsTransform } from './grid.js';
import type { ImageryInfo, ImageryProvider, TileRequest } from './imagery.js';
import type { RasterBlock, RasterDataType } from './types.js';

/** A tile service: its URL template and the zooms and tile size it serves. */
export interface XyzTemplate {
  /** The URL template, without the `xyz+` prefix and the options fragment. */
  url: string;
  minzoom: number;
  maxzoom: number;
  /** Rows counted from the south (TMS); `{-y}` in the template says the same per placeholder. */
  tms: boolean;
  tileSize: number;
}

/** What a decoded tile holds, learned from the first tile fetched. */
export interface XyzBands {
  bandCount: number;
  dataType: RasterDataType;
  bandDescriptions: string[];
}

/** Parses `xyz+URL#options` (or a bare URL template). */
export function parseXyzUri(uri: string): XyzTemplate {
  const body = uri.startsWith('xyz+') ? uri.slice(4) : uri;
  const hash = body.indexOf('#');
  const url = hash >= 0 ? body.slice(0, hash) : body;
  const params = new URLSearchParams(hash >= 0 ? body.slice(hash + 1) : '');
  if (!/^https?:\/\//.test(url)) throw invalidParameter(`an XYZ template is an http(s) URL, got ${url}`);
  if (!/\{quadkey\}/.test(url) && !(/\{z\}/.test(url) && /\{x\}/.test(url) && /\{-?y\}/.test(url))) {
    throw invalidParameter(`an XYZ template needs {z}, {x} and {y} (or {-y}), or {quadkey}: ${url}`);
  }
  const int = (name: string, fallback: number, min: number, max: number) => {
    const raw = params.get(name);
    if (raw === null) return fallback;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw invalidParameter(`XYZ option ${name}=${raw} must be an integer from ${min} to ${max}`);
    return value;
  };
  const template = {
    url,
    minzoom: int('minzoom', 0, 0, MAX_ZOOM),
    maxzoom: int('maxzoom', 19, 0, MAX_ZOOM),
    tms: ['1', 'true', 'yes'].includes((params.get('tms') ?? '').toLowerCase()),
    tileSize: int('tileSize', 256, 1, 4096),
  };
  if (template.minzoom > template.maxzoom) throw invalidParameter(`XYZ minzoom ${template.minzoom} is above maxzoom ${template.maxzoom}`);
  return template;
}

/** The URL of one tile. */
export function tileUrl(template: XyzTemplate, tile: Tile): string {
  checkTile(tile);
  const flipped = 2 ** tile.z - 1 - tile.y;
  return template.url
    .replaceAll('{z}', String(tile.z))
    .replaceAll('{x}', String(tile.x))
    .replaceAll('{-y}', String(flipped))
    .replaceAll('{y}', String(template.tms ? flipped : tile.y))
    .replaceAll('{quadkey}', quadkey(tile));
}

/** Fetches one tile's bytes; null when the service has no such tile (404, 204). */
export async function fetchTileBytes(fetcher: HttpFetch, url: string, signal?: AbortSignal): Promise<Buffer | null> {
  const response = await fetcher({ url, signal, headers: { Accept: 'image/png, image/jpeg, image/webp, image/tiff, */*' } });
  if (response.status === 404 || response.status === 410 || response.status === 204) return null;
  if (!response.ok) {
    const error = await httpError(response, { url });
    throw new TileflowError(error.code, `tile service: ${error.message}`);
  }
  return Buffer.from(await response.arrayBuffer());
}

/** Opens encoded image bytes with GDAL from memory, palettes expanded to RGBA; the memory goes when the source closes. */
export async function openImageBytes(url: string, bytes: Buffer): Promise<GdalSource> {
  const path = `/vsimem/tileflow/${randomUUID()}`;
  gdal.vsimem.copy(bytes, path);
  let dataset;
  try {
    dataset = await gdal.openAsync(path);
  } catch (error) {
    gdal.vsimem.release(path);
    throw gdalError(url, 'cannot decode tile', error);
  }
  const first = await dataset.bands.getAsync(1);
  const palette = (await first.colorInterpretationAsync) === gdal.GCI_PaletteIndex;
  if (!palette) return GdalSource.fromDataset(url, dataset, { onClose: () => gdal.vsimem.release(path) });
  const expanded = await gdal.translateAsync('', dataset, ['-of', 'VRT', '-expand', 'rgba']);
  return GdalSource.fromDataset(url, expanded, {
    onClose: () => {
      // The VRT points into `dataset`, which must outlive it.
      dataset.close();
      gdal.vsimem.release(path);
    },
  });
}

/** Default bands of a decoded tile: all but alpha (alpha becomes the mask). */
export async function colourBands(source: GdalSource): Promise<number[]> {
  const info = await source.info();
  const bands = (info.colorInterpretations ?? []).map((c, i) => (c === 'alpha' ? 0 : i + 1)).filter((b) => b > 0);
  return bands.length ? bands : [1];
}

/** Fetches and decodes tile `tile` at `size` pixels, on its EPSG:3857 grid; null when the service has none. */
export async function readXyzTile(template: XyzTemplate, fetcher: HttpFetch, tile: Tile, request: TileRequest = {}): Promise<RasterBlock | null> {
  const url = tileUrl(template, tile);
  const bytes = await fetchTileBytes(fetcher, url, request.signal);
  if (!bytes) return null;
  const source = await openImageBytes(url, bytes);
  try {
    const size = request.size ?? 256;
    const block = await source.read({ bands: request.bands ?? (await colourBands(source)), width: size, height: size, resampling: request.resampling, signal: request.signal });
    return { ...block, crs: 'EPSG:3857', transform: boundsTransform(tileXyBounds(tile), size, size) };
  } finally {
    await source.close();
  }
}

/** Imagery from an XYZ/TMS tile service: a tile of the map is a tile of the service. */
export class XyzImagery implements ImageryProvider {
  readonly uri: string;
  readonly template: XyzTemplate;
  private readonly fetcher: HttpFetch;
  private readonly beyondZooms?: ImageryProvider;
  private bands: Promise<XyzBands> | null = null;

  /** `beyondZooms` answers zooms the service lacks (e.g. `RasterImagery` over an `XyzSource`, which resamples); without it they are empty. */
  constructor(uri: string, options: { fetcher?: HttpFetch; beyondZooms?: ImageryProvider } = {}) {
    this.uri = uri;
    this.template = parseXyzUri(uri);
    this.fetcher = options.fetcher ?? defaultFetch({ retries: 2 });
    this.beyondZooms = options.beyondZooms;
  }

  /** The whole web-mercator world at the service's zooms; bands learned from its first tile. */
  async info(): Promise<ImageryInfo> {
    const bands = await this.probe();
    return { bounds: [-180, -MAX_LATITUDE, 180, MAX_LATITUDE], minzoom: this.template.minzoom, maxzoom: this.template.maxzoom, ...bands };
  }

  /** What the service's tiles hold (bands, type), from one tile at its lowest zoom; RGB bytes when it has none. */
  probe(): Promise<XyzBands> {
    this.bands ??= (async () => {
      const z = this.template.minzoom;
      const tile = { z, x: 2 ** z >> 1, y: 2 ** z >> 1 };
      const url = tileUrl(this.template, tile);
      const bytes = await fetchTileBytes(this.fetcher, url);
      if (!bytes) return { bandCount: 3, dataType: 'uint8' as const, bandDescriptions: ['', '', ''] };
      const source = await openImageBytes(url, bytes);
      try {
        const info = await source.info();
        const bands = await colourBands(source);
        return { bandCount: bands.length, dataType: info.dataType, bandDescriptions: bands.map((b) => info.bandDescriptions[b - 1]) };
      } finally {
        await source.close();
      }
    })();
    this.bands.catch(() => (this.bands = null));
    return this.bands;
  }

  /** The service's tile, resized to `size`; empty (all masked) when the service has none or `z` is outside its zooms. */
  async tile(z: number, x: number, y: number, request: TileRequest = {}): Promise<RasterBlock> {
    const tile = { z, x, y };
    checkTile(tile);
    const size = request.size ?? 256;
    const served = z >= this.template.minzoom && z <= this.template.maxzoom;
    if (!served && this.beyondZooms) return this.beyondZooms.tile(z, x, y, request);
    const block = served ? await readXyzTile(this.template, this.fetcher, tile, request) : null;
    if (block) return block;
    const bands = await this.probe();
    const count = request.bands?.length ?? bands.bandCount;
    return emptyBlock(bands.dataType, size, size, new Array(count).fill(null), 'EPSG:3857', boundsTransform(tileXyBounds(tile), size, size));
  }

  /** Every tile is decoded and freed on its own; only the provider for other zooms holds anything. */
  async close(): Promise<void> {
    await this.beyondZooms?.close();
  }
}
