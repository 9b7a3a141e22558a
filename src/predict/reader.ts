/**
 * Reads imagery for prediction tiles: each tile's pixels plus `overlap` pixels of context on every
 * side, on the tile's EPSG:3857 grid. Neighbouring tiles are read together as one supertile (one
 * warped GDAL read of up to 4 x 4 tiles, cut into windows afterwards), which is several times cheaper
 * than a read per tile and gives the same pixels: the supertile's grid is the tiles' grid.
 */
import { invalidParameter } from '../core/errors.js';
import { defaultTileBands, type ImageryProvider } from '../data/raster/imagery.js';
import { openImagery, openRaster } from '../data/raster/registry.js';
import type { RasterSource, Resampling } from '../data/raster/types.js';
import { quadkey, supertile, tileXyBounds, type Tile } from '../geo/tiles.js';

/** How many zoom levels up a supertile is: 2 groups up to 4 x 4 tiles. */
export const SUPERTILE_LEVELS = 2;

/** A tile's window of pixels, ready for the model (float32, band-sequential). */
export interface TileWindow {
  quadkey: string;
  tile: Tile;
  /** channels x side x side, side = core + 2 * overlap. */
  data: Float32Array;
  /** side x side validity (1 imagery, 0 nodata or outside). */
  mask: Uint8Array;
  /** Valid pixels in the core (the tile itself, without the context). */
  validCore: number;
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

/** Reads tile windows from one imagery source. */
export class TileReader {
  private constructor(
    readonly uri: string,
    private readonly raster: RasterSource | null,
    private readonly imagery: ImageryProvider | null,
    readonly bandCount: number,
    readonly defaultBands: number[],
  ) {}

  /** Opens imagery (anything `openImagery` opens); rasters and XYZ services are read as supertiles, STAC mosaics and tile lists tile by tile. */
  static async open(uri: string): Promise<TileReader> {
    if (uri.startsWith('stac:') || uri.startsWith('list:')) {
      const imagery = await openImagery(uri);
      const info = await imagery.info();
      return new TileReader(uri, null, imagery, info.bandCount, Array.from({ length: info.bandCount }, (_, i) => i + 1));
    }
    const raster = await openRaster(uri);
    const info = await raster.info();
    return new TileReader(uri, raster, null, info.bandCount, defaultTileBands(info));
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

function countCore(mask: Uint8Array, side: number, overlap: number): number {
  let n = 0;
  for (let row = overlap; row < side - overlap; row++) for (let col = overlap; col < side - overlap; col++) n += mask[row * side + col];
  return n;
}
