/**
 * Imagery from a tile list: a CSV naming, per web-map tile, where its image is (ML Enabler's `list`
 * imagery, for chips exported from elsewhere or tiles on a bucket). One row per tile:
 *
 *     tile,url
 *     4823-6170-14,https://bucket.example/chips/4823-6170-14.png
 *     120203012313,./chips/a.jpg
 *
 * `tile` is `x-y-z` or a quadkey; `url` is http(s) or a path relative to the list. A header row and
 * further columns (ML Enabler's bounds) are ignored. Tiles not in the list are empty (all masked).
 * URI form: `list:PATH_OR_URL.csv`.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidParameter, notFound } from '../../core/errors.js';
import { checkTile, parseTileId, tileBounds, tileFromQuadkey, tileId, tileXyBounds, type Tile } from '../../geo/tiles.js';
import { defaultFetch, type HttpFetch } from '../stac/http.js';
import { boundsTransform } from './grid.js';
import { emptyTile, type ImageryInfo, type ImageryProvider, type TileRequest } from './imagery.js';
import type { RasterBlock } from './types.js';
import { colourBands, fetchTileBytes, openImageBytes } from './xyz.js';

/** Rows a list may have. */
const MAX_ROWS = 5_000_000;

/** Splits one CSV line (quotes allowed around fields). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') (current += '"'), i++;
      else if (ch === '"') quoted = false;
      else current += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') (fields.push(current.trim()), (current = ''));
    else current += ch;
  }
  fields.push(current.trim());
  return fields;
}

function parseTile(text: string): Tile | null {
  if (/^\d+-\d+-\d+$/.test(text)) return parseTileId(text);
  if (/^[0-3]{1,30}$/.test(text)) return tileFromQuadkey(text);
  return null;
}

/** Imagery whose tiles are listed one by one. */
export class TileListImagery implements ImageryProvider {
  private constructor(
    readonly uri: string,
    private readonly urls: Map<string, string>,
    private readonly fetcher: HttpFetch,
  ) {}

  /** Reads the list at `list:PATH_OR_URL`. */
  static async open(uri: string, options: { fetcher?: HttpFetch } = {}): Promise<TileListImagery> {
    const location = uri.replace(/^list:/, '');
    const fetcher = options.fetcher ?? defaultFetch({ retries: 2 });
    let text: string;
    let base: string;
    if (/^https?:\/\//i.test(location)) {
      const response = await fetcher({ url: location });
      if (!response.ok) throw invalidParameter(`tile list ${location}: HTTP ${response.status}`);
      text = await response.text();
      base = location;
    } else {
      try {
        text = await fs.readFile(location, 'utf8');
      } catch {
        throw notFound(`tile list ${location} does not exist`);
      }
      base = path.dirname(path.resolve(location));
    }
    const urls = new Map<string, string>();
    const lines = text.split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].trim()) continue;
      const [first, second] = csvFields(lines[i]);
      const tile = parseTile(first ?? '');
      if (!tile) {
        if (urls.size === 0 && i === 0) continue; // a header
        throw invalidParameter(`tile list ${location} line ${i + 1}: ${JSON.stringify(first)} is not a tile (x-y-z or a quadkey)`);
      }
      if (!second) throw invalidParameter(`tile list ${location} line ${i + 1}: no URL for tile ${first}`);
      const url = /^https?:\/\//i.test(second) ? second : /^https?:\/\//i.test(base) ? new URL(second, base).href : path.resolve(base, second);
      urls.set(tileId(tile), url);
      if (urls.size > MAX_ROWS) throw invalidParameter(`tile list ${location} has more than ${MAX_ROWS} tiles`);
    }
    if (urls.size === 0) throw invalidParameter(`tile list ${location} lists no tile`);
    return new TileListImagery(uri, urls, fetcher);
  }

  /** The tiles the list holds. */
  tiles(): Tile[] {
    return [...this.urls.keys()].map(parseTileId);
  }

  async info(): Promise<ImageryInfo> {
    const tiles = this.tiles();
    let bounds: [number, number, number, number] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const t of tiles) {
      const b = tileBounds(t);
      bounds = [Math.min(bounds[0], b[0]), Math.min(bounds[1], b[1]), Math.max(bounds[2], b[2]), Math.max(bounds[3], b[3])];
    }
    const first = tiles[0];
    const source = await openImageBytes(this.urls.get(tileId(first))!, await this.bytes(first));
    try {
      const info = await source.info();
      const bands = await colourBands(source);
      return {
        bounds,
        minzoom: Math.min(...tiles.map((t) => t.z)),
        maxzoom: Math.max(...tiles.map((t) => t.z)),
        bandCount: bands.length,
        dataType: info.dataType,
        bandDescriptions: bands.map((b) => info.bandDescriptions[b - 1]),
      };
    } finally {
      await source.close();
    }
  }

  private async bytes(tile: Tile, signal?: AbortSignal): Promise<Buffer> {
    const url = this.urls.get(tileId(tile))!;
    if (/^https?:\/\//i.test(url)) {
      const bytes = await fetchTileBytes(this.fetcher, url, signal);
      if (!bytes) throw notFound(`the tile list's image for ${tileId(tile)} is missing (HTTP 404): ${url}`);
      return bytes;
    }
    try {
      return await fs.readFile(url);
    } catch {
      throw notFound(`the tile list's image for ${tileId(tile)} is missing: ${url}`);
    }
  }

  async tile(z: number, x: number, y: number, request: TileRequest = {}): Promise<RasterBlock> {
    const tile = { z, x, y };
    checkTile(tile);
    const size = request.size ?? 256;
    if (!this.urls.has(tileId(tile))) {
      return emptyTile(z, x, y, size, 'uint8', new Array(request.bands?.length ?? 3).fill(null));
    }
    const source = await openImageBytes(this.urls.get(tileId(tile))!, await this.bytes(tile, request.signal));
    try {
      const block = await source.read({ bands: request.bands ?? (await colourBands(source)), width: size, height: size, resampling: request.resampling, signal: request.signal });
      return { ...block, crs: 'EPSG:3857', transform: boundsTransform(tileXyBounds(tile), size, size) };
    } finally {
      await source.close();
    }
  }

  /** Each tile is decoded and freed on its own. */
  async close(): Promise<void> {}
}
