/**
 * A small seeded PRNG (mulberry32, 32-bit state) for splits, shuffling, augmentation and sampling.
 * Written here, not taken from a package, because splits must stay identical across versions and
 * platforms for a given seed: the algorithm is fixed by this file. Not for cryptography.
 */

/** A deterministic source of random numbers. */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** An integer in [0, n). */
  int(n: number): number;
  /** Shuffles an array in place (Fisher-Yates) and returns it. */
  shuffle<T>(items: T[]): T[];
}

/** Hashes a string or number seed to 32 bits (FNV-1a over the seed's text), so `"42"` and `42` agree. */
export function seedFrom(seed: number | string): number {
  let h = 0x811c9dc5;
  for (const ch of String(seed)) {
    h ^= ch.codePointAt(0) as number;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A mulberry32 generator for a seed; extra parts (an epoch, a purpose) give independent streams. */
export function createRandom(seed: number | string, ...parts: (number | string)[]): Random {
  let state = seedFrom([seed, ...parts].join('/'));
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    shuffle(items) {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        [items[i], items[j]] = [items[j], items[i]];
      }
      return items;
    },
  };
}
