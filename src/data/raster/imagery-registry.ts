/**
 * The imagery a server shows, by id: each id names an imagery URI (anything `openImagery` opens) with
 * the bands to show and how to stretch them. In memory for now; one instance per app, passed to the
 * routes (no module-level state), so tests and servers never share sources.
 */
import { alreadyExists, invalidParameter, notFound } from '../../core/errors.js';
import { openImagery } from './registry.js';
import { normalizeRescale, type Rescale } from './render.js';
import type { ImageryInfo, ImageryProvider } from './imagery.js';

/** How a registered source is shown. */
export interface ImagerySourceOptions {
  /** 1-based bands of the imagery to show (default: all but alpha). */
  bands?: number[];
  /** [min, max] for every band, or one per shown band, stretched to 0-255 in PNGs (default: the imagery's statistics). */
  rescale?: [number, number] | [number, number][];
}

/** A registered imagery source. */
export interface ImagerySource {
  id: string;
  uri: string;
  provider: ImageryProvider;
  info: ImageryInfo;
  /** Bands shown (1-based, of the imagery). */
  bands: number[];
  /** Per shown band; undefined for byte imagery without a rescale. */
  rescale?: Rescale;
}

/** Ids are URL path segments. */
const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Imagery sources by id. */
export class ImageryRegistry {
  private readonly sources = new Map<string, ImagerySource>();
  private readonly open: (uri: string) => Promise<ImageryProvider>;

  /** `open` turns a URI into a provider (default: the raster registry's `openImagery`). */
  constructor(open: (uri: string) => Promise<ImageryProvider> = (uri) => openImagery(uri)) {
    this.open = open;
  }

  /** Opens `uri` and serves it as `id`; the source is checked now, so a bad URI fails here, not on the first tile. */
  async registerImagerySource(id: string, uri: string, options: ImagerySourceOptions = {}): Promise<ImagerySource> {
    if (!ID.test(id)) throw invalidParameter(`imagery id ${JSON.stringify(id)} must be letters, digits, '.', '_' or '-' (at most 128)`);
    if (this.sources.has(id)) throw alreadyExists(`imagery ${id} is registered already`);
    const provider = await this.open(uri);
    try {
      const info = await provider.info();
      const bands = options.bands ?? Array.from({ length: info.bandCount }, (_, i) => i + 1);
      for (const b of bands) if (!Number.isInteger(b) || b < 1 || b > info.bandCount) throw invalidParameter(`imagery ${id}: band ${b} does not exist (it has ${info.bandCount})`);
      const rescale = normalizeRescale(options.rescale, bands.length) ?? (info.statistics ? bands.map((b) => [info.statistics![b - 1].min, info.statistics![b - 1].max] as [number, number]) : undefined);
      // Two sources may race for one id: the first to finish opening wins.
      if (this.sources.has(id)) throw alreadyExists(`imagery ${id} is registered already`);
      const source: ImagerySource = { id, uri, provider, info, bands, rescale };
      this.sources.set(id, source);
      return source;
    } catch (error) {
      await provider.close();
      throw error;
    }
  }

  /** The source registered as `id`. */
  get(id: string): ImagerySource {
    const source = this.sources.get(id);
    if (!source) throw notFound(`no imagery source ${JSON.stringify(id)}`);
    return source;
  }

  /** Registered ids, in registration order. */
  ids(): string[] {
    return [...this.sources.keys()];
  }

  /** Stops serving `id` and closes its provider. */
  async unregister(id: string): Promise<void> {
    const source = this.get(id);
    this.sources.delete(id);
    await source.provider.close();
  }

  /** Closes every provider. */
  async close(): Promise<void> {
    const all = [...this.sources.values()];
    this.sources.clear();
    await Promise.all(all.map((s) => s.provider.close()));
  }
}
