/**
 * Recently served vector tiles of predictions, so a map reopened, panned back or switched back to a
 * class redraws without cutting the tile again (at low zooms a tile sums up thousands of prediction
 * tiles). An entry is good while its prediction's stamp is unchanged: status, tiles done and failed,
 * and the newest review; the stamp is read from the store on every request, so servers sharing one
 * PostgreSQL database never serve each other's stale tiles. Bounded by bytes (lru-cache).
 */
import { LRUCache } from 'lru-cache';
import type { PredictStore } from '../../predict/store/predict-store.js';
import type { Prediction } from '../../predict/types.js';
import type { ResultFilter } from '../../predict/tiles/aggregate.js';

/** The default budget: about 2,000 low-zoom tiles of a large prediction. */
export const DEFAULT_VECTOR_TILE_CACHE_BYTES = 64 * 1024 * 1024;

interface Entry {
  stamp: string;
  mvt: Uint8Array;
  /** The gzipped tile, made on the first request that accepts gzip. */
  gzipped?: Buffer;
}

/** A prediction's vector tile as last served, and the stamp it was made under. */
export class VectorTileCache {
  private readonly entries: LRUCache<string, Entry>;

  constructor(maxBytes = DEFAULT_VECTOR_TILE_CACHE_BYTES) {
    this.entries = new LRUCache<string, Entry>({
      maxSize: maxBytes,
      // An empty tile still costs its key and entry.
      sizeCalculation: (entry) => 64 + entry.mvt.byteLength + (entry.gzipped?.byteLength ?? 0),
    });
  }

  /** What the prediction's tiles depend on now: a changed stamp makes every cached tile of it stale. */
  static async stamp(store: PredictStore, prediction: Prediction): Promise<string> {
    return `${prediction.status}:${prediction.tilesDone}:${prediction.tilesFailed}:${await store.lastReviewId(prediction.id)}`;
  }

  /** The cache key of a tile under a filter. */
  static key(predictionId: string, z: number, x: number, y: number, filter: ResultFilter): string {
    return `${predictionId}/${z}/${x}/${y}?${filter.classIndex ?? ''}&${filter.minScore ?? ''}`;
  }

  /** The entry for `key` if it was made under `stamp`. */
  get(key: string, stamp: string): Entry | undefined {
    const entry = this.entries.get(key);
    return entry?.stamp === stamp ? entry : undefined;
  }

  /** Keeps a tile made under `stamp`. */
  set(key: string, stamp: string, mvt: Uint8Array): Entry {
    const entry: Entry = { stamp, mvt };
    this.entries.set(key, entry);
    return entry;
  }

  /** The entry with its gzipped form added (a new entry, so the cache counts its bytes). */
  setGzipped(key: string, entry: Entry, gzipped: Buffer): Entry {
    const next: Entry = { ...entry, gzipped };
    // Unless the entry has been replaced (a newer stamp) or evicted meanwhile.
    if (this.entries.peek(key) === entry) this.entries.set(key, next);
    return next;
  }

  /** Tiles held, and their bytes. */
  get stats(): { tiles: number; bytes: number } {
    return { tiles: this.entries.size, bytes: this.entries.calculatedSize };
  }
}
