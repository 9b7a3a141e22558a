/**
 * Reads imagery for prediction tiles: each tile's pixels plus `overlap` pixels of context on every
 * side, on the tile's EPSG:3857 grid. Neighbouring tiles are read together as one supertile (one
 * warped GDAL read of up to 4 x 4 tiles, cut into windows afterwards), which is several times cheaper
 * than a read per tile and gives the same pixels: the supertile's grid is the tiles' grid.
 *
 * An XYZ service read at one of its own zooms, at its own tile size and without overlap, already
 * serves exactly the tiles asked for: each is fetched and decoded on its own (PNG, JPEG and WebP with
 * sharp, in libuv's pool; anything else with GDAL, as `readXyzTile` decodes), with no mosaic and no
 * warp, which costs a fraction of the supertile read and gives the same pixels.
 */
import sharp from 'sharp';
import { invalidParameter } from '../core/errors.js';
import { defaultTileBands, type ImageryProvider } from '../data/raster/imagery.js';
import { openImagery, openRaster } from '../data/raster/registry.js';
import type { RasterSource, Resampling } from '../data/raster/types.js';
import { fetchTileBytes, openImageBytes, parseXyzUri, tileUrl, type XyzTemplate } from '../data/raster/xyz.js';
import { defaultFetch, type HttpFetch } from '../data/stac/http.js';
import { quadkey, supertile, tileXyBounds, type Tile } from '../geo/tiles.js';

/** How many zoom levels up a supertile is: 2 groups up to 4 x 4 tiles. */
export const SUPERTILE_LEVELS = 2;

/** A tile's window of pixels, ready for the model (float32, band-sequential). */
export interface TileWindow {
  quadkey: string;
  tile: Tile;
  /** channels x side x side, side = core + 2 * overlap. */
  data: Float32Array;
  /** side x side validity (1 imagery, 0 nodata or outside); read only (windows with every pixel valid may share one). */
  mask: Uint8Array;
  /** Valid pixels in the core (the tile itself, without the context). */
  validCore: number;
  /**
   * The decoded 8-bit samples, pixel-interleaved with `channels` per pixel, when the window was read
   * so (an XYZ service's own tile): `bands` are the 0-based samples in model order. `data` is made from
   * them on first use; the pipeline scales them into its batch directly instead.
   */
  interleaved?: { pixels: Uint8Array; channels: number; bands: number[] };
}

/** A tile that could not be read, and why. */
export interface TileReadFailure {
  quadkey: string;
  error: string;
}

/** Where windows come from. */
export interface WindowSpec {
  /** Pixels of the tile itself, per side. */
  core: number;
  overlap: number;
  /** 1-based imagery bands, in model order. */
  bands: number[];
  resampling: Resampling;
}

/** Requests one reader keeps open at once to an XYZ service it reads tile by tile. */
const SERVICE_FETCHES = 32;

/** An XYZ service's own tiles, fetched and decoded one by one. */
interface ServiceTiles {
  template: XyzTemplate;
  fetcher: HttpFetch;
  /** Requests open now, and the ones waiting for one of them to end. */
  open: number;
  waiting: (() => void)[];
}

/** Reads tile windows from one imagery source. */
export class TileReader {
  private constructor(
    readonly uri: string,
    private readonly raster: RasterSource | null,
    private readonly imagery: ImageryProvider | null,
    readonly bandCount: number,
    readonly defaultBands: number[],
    private readonly service: ServiceTiles | null = null,
  ) {}

  /** The mask of a window with every pixel valid, shared by such windows (masks are read only). */
  private allValid: Uint8Array | null = null;

  /** Opens imagery (anything `openImagery` opens); rasters and XYZ services are read as supertiles, STAC mosaics and tile lists tile by tile. */
  static async open(uri: string): Promise<TileReader> {
    if (uri.startsWith('stac:') || uri.startsWith('list:')) {
      const imagery = await openImagery(uri);
      const info = await imagery.info();
      return new TileReader(uri, null, imagery, info.bandCount, Array.from({ length: info.bandCount }, (_, i) => i + 1));
    }
    const raster = await openRaster(uri);
    const info = await raster.info();
    const service = uri.startsWith('xyz+') ? { template: parseXyzUri(uri), fetcher: defaultFetch({ retries: 2 }), open: 0, waiting: [] } : null;
    return new TileReader(uri, raster, null, info.bandCount, defaultTileBands(info), service);
  }

  /** The bands to feed a model of `channels` bands: the ones asked for, or the imagery's first non-alpha bands. */
  bandsFor(channels: number, asked?: number[]): number[] {
    const bands = asked ?? this.defaultBands.slice(0, channels);
    if (bands.length !== channels) {
      throw invalidParameter(`the model takes ${channels} bands but the imagery ${asked ? 'bands chosen are' : 'has'} ${asked ? bands.length : this.defaultBands.length}${asked ? '' : ' (choose bands for the imagery)'}`);
    }
    for (const b of bands) if (!Number.isInteger(b) || b < 1 || b > this.bandCount) throw invalidParameter(`band ${b} does not exist in the imagery (it has ${this.bandCount})`);
    return bands;
  }

  /** Whether windows with context beyond the tile can be read (STAC mosaics are read tile by tile). */
  get supportsOverlap(): boolean {
    return this.raster !== null;
  }

  /** Groups tiles by their supertile, keeping the given order of first appearance. */
  static groupBySupertile(tiles: Tile[]): Tile[][] {
    const groups = new Map<string, Tile[]>();
    for (const tile of tiles) {
      const parent = tile.z >= SUPERTILE_LEVELS ? supertile(tile, SUPERTILE_LEVELS) : tile;
      const key = quadkey(parent) + '/' + parent.z;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = []));
      group.push(tile);
    }
    return [...groups.values()];
  }

  /** Reads the windows of tiles that share a supertile (or any tiles, one by one). */
  async read(tiles: Tile[], spec: WindowSpec, signal?: AbortSignal): Promise<{ windows: TileWindow[]; failures: TileReadFailure[] }> {
    if (tiles.length === 0) return { windows: [], failures: [] };
    const z = tiles[0].z;
    const xs = tiles.map((t) => t.x);
    const ys = tiles.map((t) => t.y);
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    if (this.servesAsIs(spec, tiles)) return this.readServiceTiles(tiles, spec, signal);
    // A block read pays off when the tiles fill enough of their bounding block.
    if (this.raster && tiles.length > 1 && tiles.length * 2 >= (x1 - x0 + 1) * (y1 - y0 + 1) && tiles.every((t) => t.z === z)) {
      try {
        return { windows: await this.readBlock(tiles, spec, x0, x1, y0, y1, signal), failures: [] };
      } catch (error) {
        if (signal?.aborted) throw error;
        // Fall through: read tile by tile, so one bad tile does not fail its neighbours.
      }
    }
    const windows: TileWindow[] = [];
    const failures: TileReadFailure[] = [];
    for (const tile of tiles) {
      try {
        windows.push(...(this.raster ? await this.readBlock([tile], spec, tile.x, tile.x, tile.y, tile.y, signal) : [await this.readTile(tile, spec, signal)]));
      } catch (error) {
        if (signal?.aborted) throw error;
        failures.push({ quadkey: quadkey(tile), error: (error as Error)?.message ?? String(error) });
      }
    }
    return { windows, failures };
  }

  /** Whether these windows are the XYZ service's own tiles: one of its zooms, its tile size, no context. */
  private servesAsIs(spec: WindowSpec, tiles: Tile[]): boolean {
    if (!this.service || spec.overlap !== 0) return false;
    const { minzoom, maxzoom, tileSize } = this.service.template;
    return spec.core === tileSize && tiles.every((t) => t.z === tiles[0].z) && tiles[0].z >= minzoom && tiles[0].z <= maxzoom;
  }

  /** The service's tiles, fetched and decoded at once; a tile that fails is a failure of that tile only. */
  private async readServiceTiles(tiles: Tile[], spec: WindowSpec, signal?: AbortSignal): Promise<{ windows: TileWindow[]; failures: TileReadFailure[] }> {
    const settled = await Promise.allSettled(tiles.map((tile) => this.readServiceTile(tile, spec, signal)));
    if (signal?.aborted) throw signal.reason ?? new Error('cancelled');
    const windows: TileWindow[] = [];
    const failures: TileReadFailure[] = [];
    settled.forEach((result, i) => {
      if (result.status === 'fulfilled') windows.push(result.value);
      else failures.push({ quadkey: quadkey(tiles[i]), error: (result.reason as Error)?.message ?? String(result.reason) });
    });
    return { windows, failures };
  }

  /** One service tile: a missing tile (404, 204) is an all-masked window, as the supertile read gives. */
  private async readServiceTile(tile: Tile, spec: WindowSpec, signal?: AbortSignal): Promise<TileWindow> {
    const service = this.service!;
    const { template, fetcher } = service;
    const side = spec.core;
    const plane = side * side;
    const url = tileUrl(template, tile);
    // A slot among SERVICE_FETCHES, handed over directly when a request ends, so the service is never asked for more at once.
    if (service.open < SERVICE_FETCHES) service.open++;
    else await new Promise<void>((resolve) => service.waiting.push(resolve));
    let bytes: Buffer | null;
    try {
      bytes = await fetchTileBytes(fetcher, url, signal);
    } finally {
      const next = service.waiting.shift();
      if (next) next();
      else service.open--;
    }
    if (!bytes) return { quadkey: quadkey(tile), tile, data: new Float32Array(spec.bands.length * plane), mask: new Uint8Array(plane), validCore: 0 };
    const decoded = await decodeBytes(bytes, side, this.bandCount);
    if (decoded) {
      const { pixels, channels } = decoded;
      let mask: Uint8Array;
      let valid = plane;
      if (channels > this.bandCount) {
        // The last sample is alpha: it is the mask, as GDAL makes it for the supertile read.
        mask = new Uint8Array(plane);
        valid = 0;
        for (let p = 0, a = channels - 1; p < plane; p++, a += channels) valid += mask[p] = pixels[a] > 0 ? 1 : 0;
      } else {
        if (this.allValid?.length !== plane) this.allValid = new Uint8Array(plane).fill(1);
        mask = this.allValid;
      }
      return interleavedWindow(tile, pixels, channels, spec.bands.map((b) => b - 1), mask, valid);
    }
    // Not 8-bit PNG, JPEG or WebP with the service's bands: decoded as every other tile read is, by GDAL.
    const source = await openImageBytes(url, bytes);
    let block;
    try {
      block = await source.read({ bands: spec.bands, width: side, height: side, resampling: spec.resampling, signal });
    } finally {
      await source.close();
    }
    return { quadkey: quadkey(tile), tile, data: Float32Array.from(block.data as ArrayLike<number>), mask: block.mask, validCore: countCore(block.mask, side, 0) };
  }

  /** One warped read of the block of tiles x0..x1, y0..y1 with `overlap` pixels around it, cut into windows. */
  private async readBlock(tiles: Tile[], spec: WindowSpec, x0: number, x1: number, y0: number, y1: number, signal?: AbortSignal): Promise<TileWindow[]> {
    const { core, overlap, bands } = spec;
    const z = tiles[0].z;
    const [west, , , north] = tileXyBounds({ z, x: x0, y: y0 });
    const [, south, east] = tileXyBounds({ z, x: x1, y: y1 });
    const resolution = (east - west) / ((x1 - x0 + 1) * core);
    const margin = overlap * resolution;
    const width = (x1 - x0 + 1) * core + 2 * overlap;
    const height = (y1 - y0 + 1) * core + 2 * overlap;
    const block = await this.raster!.read({
      bounds: [west - margin, south - margin, east + margin, north + margin],
      crs: 'EPSG:3857',
      width,
      height,
      bands,
      resampling: spec.resampling,
      signal,
    });
    const side = core + 2 * overlap;
    const plane = side * side;
    return tiles.map((tile) => {
      const left = (tile.x - x0) * core;
      const top = (tile.y - y0) * core;
      const data = new Float32Array(bands.length * plane);
      const mask = new Uint8Array(plane);
      for (let row = 0; row < side; row++) {
        const from = (top + row) * width + left;
        mask.set(block.mask.subarray(from, from + side), row * side);
        for (let b = 0; b < bands.length; b++) {
          const src = (b * height + top + row) * width + left;
          const dst = b * plane + row * side;
          for (let col = 0; col < side; col++) data[dst + col] = block.data[src + col] as number;
        }
      }
      return { quadkey: quadkey(tile), tile, data, mask, validCore: countCore(mask, side, overlap) };
    });
  }

  /** One tile through the imagery provider (no context around it). */
  private async readTile(tile: Tile, spec: WindowSpec, signal?: AbortSignal): Promise<TileWindow> {
    const block = await this.imagery!.tile(tile.z, tile.x, tile.y, { size: spec.core, bands: spec.bands, resampling: spec.resampling, signal });
    const data = Float32Array.from(block.data as ArrayLike<number>);
    return { quadkey: quadkey(tile), tile, data, mask: block.mask, validCore: countCore(block.mask, spec.core, 0) };
  }

  async close(): Promise<void> {
    await this.raster?.close();
    await this.imagery?.close();
  }
}

/** A window over interleaved samples whose band-sequential `data` is made on first use. */
function interleavedWindow(tile: Tile, pixels: Uint8Array, channels: number, bands: number[], mask: Uint8Array, validCore: number): TileWindow {
  let data: Float32Array | null = null;
  return {
    quadkey: quadkey(tile),
    tile,
    mask,
    validCore,
    interleaved: { pixels, channels, bands },
    get data(): Float32Array {
      if (data) return data;
      const plane = mask.length;
      data = new Float32Array(bands.length * plane);
      for (let b = 0; b < bands.length; b++) {
        const out = data.subarray(b * plane, (b + 1) * plane);
        for (let p = 0, i = bands[b]; p < plane; p++, i += channels) out[p] = pixels[i];
      }
      return data;
    },
  };
}

function countCore(mask: Uint8Array, side: number, overlap: number): number {
  let n = 0;
  for (let row = overlap; row < side - overlap; row++) for (let col = overlap; col < side - overlap; col++) n += mask[row * side + col];
  return n;
}

/** Magic numbers of the formats decoded with sharp (lossless PNG, and JPEG and WebP as libjpeg-turbo and libwebp decode them for GDAL too). */
function sharpDecodes(bytes: Buffer): boolean {
  if (bytes.length < 12) return false;
  const png = bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47;
  const jpeg = bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  const webp = bytes.toString('latin1', 0, 4) === 'RIFF' && bytes.toString('latin1', 8, 12) === 'WEBP';
  return png || jpeg || webp;
}

/**
 * Decodes an 8-bit tile of side x side with sharp into interleaved samples; null when it is anything
 * else (another format, 16 bits, another size, other bands than the service's), left to GDAL.
 */
async function decodeBytes(bytes: Buffer, side: number, bandCount: number): Promise<{ pixels: Buffer; channels: number } | null> {
  if (!sharpDecodes(bytes)) return null;
  let out;
  try {
    out = await sharp(bytes, { failOn: 'error' }).raw().toBuffer({ resolveWithObject: true });
  } catch {
    return null;
  }
  const { width, height, channels } = out.info;
  const colour = channels === 2 || channels === 4 ? channels - 1 : channels;
  if (width !== side || height !== side || colour !== bandCount || out.data.length !== side * side * channels) return null;
  return { pixels: out.data, channels };
}
