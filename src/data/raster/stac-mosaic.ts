/**
 * Imagery from STAC items: a tile is a mosaic of the items whose bbox meets it, first valid pixel wins
 * (items in the order given, as rio-tiler's `FirstMethod`). Each item gives its bands from assets
 * chosen by asset key (`visual`, `B04`) or by `eo:bands` common name (`red`, `nir`); every asset is
 * read with a warped read of the tile, so assets at 10, 20 and 60 m land on one grid.
 *
 * URI form: `stac:PATH_OR_URL#assets=red,green,blue` for an Item or an ItemCollection document.
 */
import { invalidParameter } from '../../core/errors.js';
import { MAX_LATITUDE, checkTile, tileBounds, tileXyBounds } from '../../geo/tiles.js';
import { readJsonDocument } from '../stac/catalog.js';
import { displayHref, resolveHref, toUrl } from '../stac/href.js';
import { defaultFetch, type HttpFetch } from '../stac/http.js';
import type { StacAsset, StacItem, StacLink } from '../stac/types.js';
import { asPixelArray } from './gdal-env.js';
import { intersectBounds, transformBoundsDensified } from './grid.js';
import { emptyTile, previewStatistics, rasterZooms, zoomForPixelSize, type ImageryInfo, type ImageryProvider, type TileRequest } from './imagery.js';
import type { Bounds, RasterBlock, RasterSource } from './types.js';

/** One band of the mosaic: which asset of an item, and which band of that asset (1-based). */
export interface AssetBand {
  asset: string;
  band: number;
}

/** Options of a STAC mosaic. */
export interface StacMosaicOptions {
  /** Asset keys or common names, in band order (default: the `visual` asset). */
  assets?: string[];
  /** Opens an asset's href (the raster registry's `openRaster`). */
  openRaster: (href: string) => Promise<RasterSource>;
}

/** An item and where its relative hrefs resolve from. */
interface LocatedItem {
  item: StacItem;
  base: string;
  bbox: Bounds;
}

/** The bands an asset holds, with their names (`eo:bands` in STAC 1.0, `bands` in 1.1). */
function assetBands(asset: StacAsset): { name?: string; common?: string }[] {
  const bands = (asset['eo:bands'] ?? asset.bands ?? asset['raster:bands']) as Record<string, unknown>[] | undefined;
  if (!Array.isArray(bands) || bands.length === 0) return [{}];
  return bands.map((b) => ({ name: b.name as string | undefined, common: (b.common_name ?? b['eo:common_name']) as string | undefined }));
}

/** Whether an asset is a raster GDAL reads well (a GeoTIFF/COG, or no media type said). */
function isGeoTiff(asset: StacAsset): boolean {
  return !asset.type || /image\/tiff|geotiff/i.test(asset.type);
}

/**
 * Resolves asset keys and common names to asset bands for one item. An asset key gives all of that
 * asset's bands; a common name gives the band that carries it, preferring single-band GeoTIFF assets
 * (`red` over `visual` and over `red-jp2`).
 */
export function selectAssetBands(item: StacItem, names: string[] | undefined): AssetBand[] {
  const wanted = names && names.length ? names : ['visual'];
  const out: AssetBand[] = [];
  for (const name of wanted) {
    const asset = item.assets[name];
    if (asset) {
      assetBands(asset).forEach((_, i) => out.push({ asset: name, band: i + 1 }));
      continue;
    }
    const matches: (AssetBand & { rank: number })[] = [];
    for (const [key, candidate] of Object.entries(item.assets)) {
      const bands = assetBands(candidate);
      bands.forEach((b, i) => {
        if (b.common === name || b.name === name) matches.push({ asset: key, band: i + 1, rank: (bands.length === 1 ? 0 : 2) + (isGeoTiff(candidate) ? 0 : 1) });
      });
    }
    if (matches.length === 0) {
      throw invalidParameter(`STAC item ${item.id} has no asset or band named ${JSON.stringify(name)} (assets: ${Object.keys(item.assets).join(', ')})`);
    }
    const best = matches.reduce((a, b) => (b.rank < a.rank ? b : a));
    out.push({ asset: best.asset, band: best.band });
  }
  return out;
}

/** A mosaic of STAC items as imagery. */
export class StacMosaicImagery implements ImageryProvider {
  readonly uri: string;
  private readonly items: LocatedItem[];
  private readonly names: string[] | undefined;
  private readonly open: (href: string) => Promise<RasterSource>;
  private readonly sources = new Map<string, Promise<RasterSource>>();
  private described: Promise<ImageryInfo> | null = null;

  /** `items` with the location of the document they came from (for relative hrefs). */
  constructor(uri: string, items: { item: StacItem; base: string }[], options: StacMosaicOptions) {
    this.uri = uri;
    this.names = options.assets;
    this.open = options.openRaster;
    if (items.length === 0) throw invalidParameter(`${uri}: no STAC items to mosaic`);
    this.items = items.map(({ item, base }) => {
      const bbox = item.bbox;
      if (!bbox || bbox.length < 4) throw invalidParameter(`STAC item ${item.id} has no bbox`);
      const flat: Bounds = bbox.length === 6 ? [bbox[0], bbox[1], bbox[3], bbox[4]] : [bbox[0], bbox[1], bbox[2], bbox[3]];
      return { item, base, bbox: flat };
    });
    for (const { item } of this.items) selectAssetBands(item, this.names);
  }

  /** Reads `stac:LOCATION#assets=a,b,c`: an Item, an ItemCollection or an array of Items. */
  static async open(uri: string, options: { fetcher?: HttpFetch; openRaster: (href: string) => Promise<RasterSource> }): Promise<StacMosaicImagery> {
    const body = uri.slice('stac:'.length);
    const hash = body.lastIndexOf('#');
    const location = hash >= 0 ? body.slice(0, hash) : body;
    const assets = new URLSearchParams(hash >= 0 ? body.slice(hash + 1) : '').get('assets')?.split(',').map((s) => s.trim()).filter(Boolean);
    const url = toUrl(location);
    const doc = (await readJsonDocument(url, options.fetcher ?? defaultFetch())) as { type?: string; features?: StacItem[] } | StacItem[];
    const items = Array.isArray(doc) ? doc : doc.type === 'FeatureCollection' ? (doc.features ?? []) : doc.type === 'Feature' ? [doc as StacItem] : null;
    if (!items) throw invalidParameter(`${location} is not a STAC Item or ItemCollection`);
    return new StacMosaicImagery(uri, items.map((item) => ({ item, base: selfHref(item) ?? url.toString() })), { assets, openRaster: options.openRaster });
  }

  /** The union of the items' bboxes; zooms from the first item's first asset and the union's size. */
  async info(): Promise<ImageryInfo> {
    this.described ??= (async () => {
      const first = this.items[0];
      const bands = selectAssetBands(first.item, this.names);
      const raster = await (await this.source(first, bands[0].asset)).info();
      const bounds: Bounds = [
        Math.max(-180, Math.min(...this.items.map((i) => i.bbox[0]))),
        Math.max(-MAX_LATITUDE, Math.min(...this.items.map((i) => i.bbox[1]))),
        Math.min(180, Math.max(...this.items.map((i) => i.bbox[2]))),
        Math.min(MAX_LATITUDE, Math.max(...this.items.map((i) => i.bbox[3]))),
      ];
      const { maxzoom } = rasterZooms(raster);
      const mercator = transformBoundsDensified(bounds, 'EPSG:4326', 'EPSG:3857');
      const minzoom = Math.min(maxzoom, zoomForPixelSize(Math.max(mercator[2] - mercator[0], mercator[3] - mercator[1]) / 256));
      // Non-byte imagery needs a stretch for PNGs: the first item's statistics stand for all.
      const statistics = raster.dataType === 'uint8' ? undefined : await Promise.all(bands.map(async (b) => (await previewStatistics(await this.source(first, b.asset), [b.band]))[0]));
      return {
        bounds,
        minzoom,
        maxzoom,
        bandCount: bands.length,
        dataType: raster.dataType,
        bandDescriptions: bands.map((b) => (b.band === 1 && assetBands(first.item.assets[b.asset]).length === 1 ? b.asset : `${b.asset}:${b.band}`)),
        statistics,
      };
    })();
    this.described.catch(() => (this.described = null));
    return this.described;
  }

  /** The mosaic of the items that meet the tile; items that do not are never opened. */
  async tile(z: number, x: number, y: number, request: TileRequest = {}): Promise<RasterBlock> {
    checkTile({ z, x, y });
    const size = request.size ?? 256;
    const info = await this.info();
    const picked = request.bands ?? Array.from({ length: info.bandCount }, (_, i) => i + 1);
    for (const b of picked) if (!Number.isInteger(b) || b < 1 || b > info.bandCount) throw invalidParameter(`${this.uri}: band ${b} does not exist (the mosaic has ${info.bandCount})`);
    const area = tileBounds({ z, x, y });
    let out: RasterBlock | null = null;
    let missing = size * size;
    for (const located of this.items) {
      if (!intersectBounds(area, located.bbox)) continue;
      const block = await this.readItem(located, picked, z, x, y, size, request);
      if (!out) {
        out = emptyTile(z, x, y, size, block.dataType, picked.map(() => null));
      }
      const plane = size * size;
      const data = asPixelArray(block.data, out.dataType);
      for (let p = 0; p < plane; p++) {
        if (out.mask[p] || !block.mask[p]) continue;
        for (let b = 0; b < picked.length; b++) out.data[b * plane + p] = data[b * plane + p];
        out.mask[p] = 1;
        missing--;
      }
      out.nodata = block.nodata;
      if (missing === 0) break;
    }
    return out ?? emptyTile(z, x, y, size, info.dataType, picked.map(() => null));
  }

  async close(): Promise<void> {
    const sources = [...this.sources.values()];
    this.sources.clear();
    await Promise.all(sources.map(async (s) => (await s.catch(() => null))?.close()));
  }

  /** One item's bands on the tile's grid; a pixel is valid where every asset read is valid. */
  private async readItem(located: LocatedItem, picked: number[], z: number, x: number, y: number, size: number, request: TileRequest): Promise<RasterBlock> {
    const selection = selectAssetBands(located.item, this.names);
    const wanted = picked.map((b) => selection[b - 1]);
    const byAsset = new Map<string, number[]>();
    for (const { asset, band } of wanted) byAsset.set(asset, [...(byAsset.get(asset) ?? []), band]);
    const plane = size * size;
    const blocks = new Map<string, RasterBlock>();
    for (const [asset, bands] of byAsset) {
      const source = await this.source(located, asset);
      blocks.set(asset, await source.read({ bounds: tileXyBounds({ z, x, y }), crs: 'EPSG:3857', width: size, height: size, bands, resampling: request.resampling ?? 'nearest', signal: request.signal }));
    }
    const first = blocks.values().next().value as RasterBlock;
    const out = emptyTile(z, x, y, size, first.dataType, wanted.map(() => null));
    out.mask.fill(1);
    const used = new Map<string, number>();
    wanted.forEach(({ asset }, i) => {
      const block = blocks.get(asset) as RasterBlock;
      const k = used.get(asset) ?? 0;
      used.set(asset, k + 1);
      out.data.set(asPixelArray(block.data.subarray(k * plane, (k + 1) * plane), out.dataType), i * plane);
      out.nodata[i] = block.nodata[k];
      if (k === 0) for (let p = 0; p < plane; p++) out.mask[p] &= block.mask[p];
    });
    return out;
  }

  /** The opened raster of one asset of an item, opened once. */
  private source(located: LocatedItem, asset: string): Promise<RasterSource> {
    const raw = located.item.assets[asset];
    if (!raw) throw invalidParameter(`STAC item ${located.item.id} has no asset ${asset}`);
    const href = displayHref(resolveHref(raw.href, located.base));
    let source = this.sources.get(href);
    if (!source) {
      source = this.open(href);
      this.sources.set(href, source);
      source.catch(() => this.sources.delete(href));
    }
    return source;
  }
}

/** The item's own absolute location, when it says. */
function selfHref(item: StacItem): string | undefined {
  const self = (item.links ?? []).find((l: StacLink) => l.rel === 'self')?.href;
  return self && /^[a-z][a-z0-9+.-]*:\/\//i.test(self) ? self : undefined;
}
