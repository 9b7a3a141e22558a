/**
 * An XYZ/TMS tile service as a `RasterSource`: the EPSG:3857 world at the service's max zoom, with
 * each lower zoom as an overview. A read picks the zoom whose resolution fits the output (as GDAL
 * picks an overview), fetches the tiles under it, mosaics them in memory with their masks, and warps
 * the mosaic to the asked grid with GDAL, so every read option works as it does on a GeoTIFF.
 */
import { invalidParameter } from '../../core/errors.js';
import { EARTH_RADIUS, type Tile } from '../../geo/tiles.js';
import { mapOrdered } from '../stac/concurrency.js';
import { defaultFetch, type HttpFetch } from '../stac/http.js';
import { GdalSource, emptyBlock } from './gdal-source.js';
import { gdal, gdalTypeOf, sameCrs } from './gdal-env.js';
import { boundsToWindow, boundsTransform, outputSize, transformBoundsDensified, windowBounds } from './grid.js';
import { XyzImagery, readXyzTile, type XyzTemplate } from './xyz.js';
import type { Bounds, GeoTransform, PixelArray, RasterBlock, RasterInfo, RasterSource, ReadOptions } from './types.js';

/** A read needing more tiles than this is refused: ask for a smaller output or area. */
const MAX_TILES_PER_READ = 256;

/** Tiles fetched at once. */
const FETCH_CONCURRENCY = 8;

const HALF_WORLD = Math.PI * EARTH_RADIUS;

/** GDAL's per-dataset mask flag. */
const GMF_PER_DATASET = 0x02;

/** A tile service read like a raster. */
export class XyzSource implements RasterSource {
  readonly uri: string;
  private readonly imagery: XyzImagery;
  private readonly template: XyzTemplate;
  private readonly fetcher: HttpFetch;

  constructor(uri: string, options: { fetcher?: HttpFetch } = {}) {
    this.uri = uri;
    this.fetcher = options.fetcher ?? defaultFetch({ retries: 2 });
    this.imagery = new XyzImagery(uri, { fetcher: this.fetcher });
    this.template = this.imagery.template;
  }

  /** The world at the max zoom; bands and type come from one tile of the service. */
  async info(): Promise<RasterInfo> {
    const bands = await this.imagery.probe();
    const { minzoom, maxzoom, tileSize } = this.template;
    const size = tileSize * 2 ** maxzoom;
    const transform = worldTransform(maxzoom, tileSize);
    return {
      uri: this.uri,
      driver: 'XYZ',
      width: size,
      height: size,
      bandCount: bands.bandCount,
      dataType: bands.dataType,
      crs: 'EPSG:3857',
      transform,
      bounds: [-HALF_WORLD, -HALF_WORLD, HALF_WORLD, HALF_WORLD],
      nodata: new Array(bands.bandCount).fill(null),
      scale: new Array(bands.bandCount).fill(1),
      offset: new Array(bands.bandCount).fill(0),
      bandDescriptions: bands.bandDescriptions,
      overviews: Array.from({ length: maxzoom - minzoom }, (_, i) => ({ width: tileSize * 2 ** (maxzoom - 1 - i), height: tileSize * 2 ** (maxzoom - 1 - i) })),
      blockSize: [tileSize, tileSize],
    };
  }

  async read(options: ReadOptions = {}): Promise<RasterBlock> {
    const info = await this.info();
    const bands = options.bands ?? Array.from({ length: info.bandCount }, (_, i) => i + 1);
    for (const b of bands) if (!Number.isInteger(b) || b < 1 || b > info.bandCount) throw invalidParameter(`${this.uri}: band ${b} does not exist (tiles have ${info.bandCount})`);
    if (options.window && options.bounds) throw invalidParameter('give a window or bounds, not both');

    // The target grid: the asked CRS and bounds, or a window of the max-zoom grid.
    const crs = options.crs ?? 'EPSG:3857';
    let bounds: Bounds;
    if (options.bounds) {
      bounds = options.boundsCrs && !sameCrs(options.boundsCrs, crs) ? transformBoundsDensified(options.bounds, options.boundsCrs, crs) : options.bounds;
      // Without a CRS the grid is the max-zoom grid: bounds snap out to its pixels.
      if (!options.crs) bounds = windowBounds(info.transform, boundsToWindow(info.transform, bounds));
    } else if (options.window) {
      bounds = windowBounds(info.transform, options.window);
      if (options.crs) bounds = transformBoundsDensified(bounds, 'EPSG:3857', crs);
    } else {
      // The whole world: only sensible with a small output size (the tile limit below says so otherwise).
      bounds = options.crs ? transformBoundsDensified(info.bounds, 'EPSG:3857', crs) : info.bounds;
    }
    if (options.width === undefined && options.height === undefined && options.crs && !sameCrs(crs, 'EPSG:3857')) {
      throw invalidParameter(`${this.uri}: give width or height to warp tiles to ${crs}`);
    }
    const window = boundsToWindow(info.transform, bounds);
    const [width, height] = options.width === undefined && options.height === undefined ? [window.xsize, window.ysize] : outputSize(options, bounds[2] - bounds[0], bounds[3] - bounds[1]);

    // The zoom whose pixels are at least as fine as the output's, as GDAL picks an overview.
    const mercator = sameCrs(crs, 'EPSG:3857') ? bounds : transformBoundsDensified(bounds, crs, 'EPSG:3857');
    const resolution = Math.min((mercator[2] - mercator[0]) / width, (mercator[3] - mercator[1]) / height);
    const { minzoom, maxzoom, tileSize } = this.template;
    let zoom = minzoom;
    while (zoom < maxzoom && tileResolution(zoom, tileSize) > resolution * (1 + 1e-9)) zoom++;

    const range = tileRange(mercator, zoom);
    if (range.count === 0) return emptyBlock(info.dataType, width, height, bands.map(() => null), crs, boundsTransform(bounds, width, height));
    if (range.count > MAX_TILES_PER_READ) {
      throw invalidParameter(`${this.uri}: this read needs ${range.count} tiles at zoom ${zoom}, more than ${MAX_TILES_PER_READ}; read a smaller area or output`);
    }
    const tiles: Tile[] = [];
    for (let y = range.y0; y <= range.y1; y++) for (let x = range.x0; x <= range.x1; x++) tiles.push({ z: zoom, x, y });
    const mosaic = await this.mosaic(tiles, zoom, bands, info.dataType, options.signal);
    try {
      return await mosaic.read({ bounds, crs, width, height, resampling: options.resampling, applyScale: options.applyScale, signal: options.signal });
    } finally {
      await mosaic.close();
    }
  }

  /** Nothing is held open between reads. */
  async close(): Promise<void> {}

  /** The tiles, fetched and laid side by side in an in-memory dataset with a per-dataset mask. */
  private async mosaic(tiles: Tile[], zoom: number, bands: number[], dataType: RasterInfo['dataType'], signal?: AbortSignal): Promise<GdalSource> {
    const { tileSize } = this.template;
    const xs = tiles.map((t) => t.x);
    const ys = tiles.map((t) => t.y);
    const [x0, y0] = [Math.min(...xs), Math.min(...ys)];
    const [nx, ny] = [Math.max(...xs) - x0 + 1, Math.max(...ys) - y0 + 1];
    const dataset = await gdal.drivers.get('MEM').createAsync('', nx * tileSize, ny * tileSize, bands.length, gdalTypeOf(dataType));
    const world = worldTransform(zoom, tileSize);
    dataset.geoTransform = [world[0] + x0 * tileSize * world[1], world[1], 0, world[3] + y0 * tileSize * world[5], 0, world[5]];
    dataset.srs = gdal.SpatialReference.fromEPSG(3857);
    const first = dataset.bands.get(1);
    first.createMaskBand(GMF_PER_DATASET);
    const mask = first.getMaskBand() as NonNullable<ReturnType<typeof first.getMaskBand>>;
    const blocks = mapOrdered(tiles, FETCH_CONCURRENCY, (tile) => readXyzTile(this.template, this.fetcher, tile, { size: tileSize, bands, signal }));
    let i = 0;
    for await (const block of blocks) {
      const tile = tiles[i++];
      if (!block) continue;
      const [px, py] = [(tile.x - x0) * tileSize, (tile.y - y0) * tileSize];
      const plane = tileSize * tileSize;
      for (let b = 0; b < bands.length; b++) {
        await dataset.bands.get(b + 1).pixels.writeAsync(px, py, tileSize, tileSize, block.data.subarray(b * plane, (b + 1) * plane) as Exclude<PixelArray, Int8Array>);
      }
      await mask.pixels.writeAsync(px, py, tileSize, tileSize, block.mask.map((v) => (v ? 255 : 0)));
    }
    return GdalSource.fromDataset(`${this.uri} (zoom ${zoom} mosaic)`, dataset);
  }
}

/** Metres per pixel at zoom z. */
function tileResolution(zoom: number, tileSize: number): number {
  return (2 * HALF_WORLD) / (tileSize * 2 ** zoom);
}

/** The geotransform of the whole world at zoom z. */
function worldTransform(zoom: number, tileSize: number): GeoTransform {
  const res = tileResolution(zoom, tileSize);
  return [-HALF_WORLD, res, 0, HALF_WORLD, 0, -res];
}

/** The tile rows and columns at `zoom` that share area with EPSG:3857 `bounds` (clamped to the world). */
function tileRange(bounds: Bounds, zoom: number): { x0: number; x1: number; y0: number; y1: number; count: number } {
  const n = 2 ** zoom;
  const width = (2 * HALF_WORLD) / n;
  const eps = 1e-9;
  const x0 = Math.max(0, Math.floor((bounds[0] + HALF_WORLD) / width + eps));
  const x1 = Math.min(n - 1, Math.ceil((bounds[2] + HALF_WORLD) / width - eps) - 1);
  const y0 = Math.max(0, Math.floor((HALF_WORLD - bounds[3]) / width + eps));
  const y1 = Math.min(n - 1, Math.ceil((HALF_WORLD - bounds[1]) / width - eps) - 1);
  return { x0, x1, y0, y1, count: Math.max(0, x1 - x0 + 1) * Math.max(0, y1 - y0 + 1) };
}
