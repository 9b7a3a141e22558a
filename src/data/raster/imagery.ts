/**
 * Imagery on web-map tiles: an `ImageryProvider` answers `tile(z, x, y)` with a block on that tile's
 * EPSG:3857 grid, whatever is behind it (an XYZ service, a COG, a STAC mosaic). `RasterImagery` is the
 * provider for any `RasterSource`: a warped read of the tile's bounds (gdalwarp, as titiler does).
 */
import { invalidParameter } from '../../core/errors.js';
import { EARTH_RADIUS, MAX_LATITUDE, checkTile, tileBounds, tileXyBounds } from '../../geo/tiles.js';
import { emptyBlock } from './gdal-source.js';
import { boundsTransform, intersectBounds, transformBoundsDensified } from './grid.js';
import type { Bounds, RasterBlock, RasterDataType, RasterInfo, RasterSource, Resampling } from './types.js';

/** What to read for one tile. */
export interface TileRequest {
  /** Tile width and height in pixels (default 256). */
  size?: number;
  /** 1-based bands of the imagery (default: all but alpha). */
  bands?: number[];
  /** Default nearest, as map tile servers do. */
  resampling?: Resampling;
  signal?: AbortSignal;
}

/** What a map needs to know about imagery (TileJSON), and what its tiles hold. */
export interface ImageryInfo {
  /** [west, south, east, north] in EPSG:4326. */
  bounds: Bounds;
  minzoom: number;
  maxzoom: number;
  /** Bands a tile holds by default (alpha excluded). */
  bandCount: number;
  dataType: RasterDataType;
  bandDescriptions: string[];
  /** Per band, min and max of the valid pixels (from overviews), for stretching non-byte imagery to 8 bits. */
  statistics?: { min: number; max: number }[];
}

/** A source of imagery tiles. */
export interface ImageryProvider {
  readonly uri: string;
  info(): Promise<ImageryInfo>;
  /** The tile's pixels on its EPSG:3857 grid; pixels without imagery are masked (an empty tile is all masked). */
  tile(z: number, x: number, y: number, request?: TileRequest): Promise<RasterBlock>;
  close(): Promise<void>;
}

/** Zooms above this are not offered, as rio-tiler's `zoom_for_pixelsize` (max_z=24). */
const MAX_IMAGERY_ZOOM = 24;

/** Metres per pixel of a 256-pixel tile at zoom z. */
function zoomResolution(z: number, tileSize: number): number {
  return (2 * Math.PI * EARTH_RADIUS) / (tileSize * 2 ** z);
}

/** The deepest zoom that does not upsample a `pixelSize` metre pixel (rio-tiler's `zoom_for_pixelsize`). */
export function zoomForPixelSize(pixelSize: number, tileSize = 256): number {
  for (let z = 0; z < MAX_IMAGERY_ZOOM; z++) {
    if (pixelSize > zoomResolution(z, tileSize)) return Math.max(0, z - 1);
  }
  return MAX_IMAGERY_ZOOM - 1;
}

/**
 * Min and max zoom of a raster as rio-tiler's `get_zooms` computes them: the raster's resolution in
 * Web Mercator (its extent's diagonal over its pixel diagonal, as GDAL suggests a warp) gives the max
 * zoom; the zoom where the whole raster fits in one tile gives the min zoom.
 */
export function rasterZooms(info: RasterInfo, tileSize = 256): { minzoom: number; maxzoom: number } {
  const mercator = transformBoundsDensified(info.bounds, info.crs, 'EPSG:3857');
  const resolution = Math.hypot(mercator[2] - mercator[0], mercator[3] - mercator[1]) / Math.hypot(info.width, info.height);
  const maxzoom = zoomForPixelSize(resolution, tileSize);
  const minzoom = Math.min(maxzoom, zoomForPixelSize((resolution * Math.max(info.width, info.height)) / tileSize, tileSize));
  return { minzoom, maxzoom };
}

/** Bands a tile reads by default: every band but alpha. */
export function defaultTileBands(info: RasterInfo): number[] {
  const bands = Array.from({ length: info.bandCount }, (_, i) => i + 1).filter((b) => info.colorInterpretations?.[b - 1] !== 'alpha');
  return bands.length ? bands : [1];
}

/** An all-masked tile of `bands` bands of `dataType`. */
export function emptyTile(z: number, x: number, y: number, size: number, dataType: RasterDataType, nodata: (number | null)[]): RasterBlock {
  return emptyBlock(dataType, size, size, nodata, 'EPSG:3857', boundsTransform(tileXyBounds({ z, x, y }), size, size));
}

/** Tiles of any raster (COG, GeoTIFF, Zarr cube, …): the tile's bounds warped out of it. */
export class RasterImagery implements ImageryProvider {
  readonly uri: string;
  private readonly source: RasterSource;
  private described: Promise<{ raster: RasterInfo; imagery: ImageryInfo; bands: number[] }> | null = null;

  constructor(source: RasterSource) {
    this.source = source;
    this.uri = source.uri;
  }

  async info(): Promise<ImageryInfo> {
    return (await this.describe()).imagery;
  }

  async tile(z: number, x: number, y: number, request: TileRequest = {}): Promise<RasterBlock> {
    checkTile({ z, x, y });
    const size = request.size ?? 256;
    const { raster, imagery, bands: defaults } = await this.describe();
    const bands = request.bands ?? defaults;
    for (const b of bands) if (!Number.isInteger(b) || b < 1 || b > raster.bandCount) throw invalidParameter(`${this.uri}: band ${b} does not exist (the raster has ${raster.bandCount})`);
    // Tiles that miss the raster need no read (and no warp of a whole-world tile around a small raster).
    if (!intersectBounds(tileBounds({ z, x, y }), imagery.bounds)) {
      return emptyTile(z, x, y, size, raster.dataType, bands.map((b) => raster.nodata[b - 1] ?? null));
    }
    return this.source.read({ bounds: tileXyBounds({ z, x, y }), crs: 'EPSG:3857', width: size, height: size, bands, resampling: request.resampling ?? 'nearest', signal: request.signal });
  }

  async close(): Promise<void> {
    await this.source.close();
  }

  private describe(): Promise<{ raster: RasterInfo; imagery: ImageryInfo; bands: number[] }> {
    this.described ??= (async () => {
      const raster = await this.source.info();
      const bands = defaultTileBands(raster);
      const [west, south, east, north] = transformBoundsDensified(raster.bounds, raster.crs, 'EPSG:4326');
      const imagery: ImageryInfo = {
        bounds: [Math.max(-180, west), Math.max(-MAX_LATITUDE, south), Math.min(180, east), Math.min(MAX_LATITUDE, north)],
        ...rasterZooms(raster),
        bandCount: bands.length,
        dataType: raster.dataType,
        bandDescriptions: bands.map((b) => raster.bandDescriptions[b - 1]),
        statistics: raster.dataType === 'uint8' ? undefined : await previewStatistics(this.source, bands),
      };
      return { raster, imagery, bands };
    })();
    this.described.catch(() => (this.described = null));
    return this.described;
  }
}

/** Per-band min and max of a raster's valid pixels, from a read of at most `maxSize` pixels a side (overviews make it cheap). */
export async function previewStatistics(source: RasterSource, bands: number[], maxSize = 1024): Promise<{ min: number; max: number }[]> {
  const info = await source.info();
  const scale = Math.min(1, maxSize / Math.max(info.width, info.height));
  const block = await source.read({ bands, width: Math.max(1, Math.round(info.width * scale)), height: Math.max(1, Math.round(info.height * scale)) });
  const plane = block.width * block.height;
  return bands.map((_, b) => {
    let min = Infinity;
    let max = -Infinity;
    for (let p = 0; p < plane; p++) {
      if (!block.mask[p]) continue;
      const v = block.data[b * plane + p];
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return Number.isFinite(min) ? { min, max: max > min ? max : min + 1 } : { min: 0, max: 1 };
  });
}
