/**
 * The random streams scikit-learn's trees and forests draw from, reproduced bit for bit, so that a
 * tree fitted here with `random_state = s` visits features in the order scikit-learn's does and the
 * two grow the same tree (a tree's splits depend on that order whenever two features split a node
 * equally well, which on small data sets is common enough to move a fold's accuracy by several
 * samples). Three pieces:
 *
 * - numpy's legacy `RandomState(seed)`: MT19937 seeded with `init_genrand`, and `randint(low, high)`
 *   by masked rejection of 32-bit draws (numpy's `buffered_bounded_masked_uint32`);
 * - the splitter's `rand_r` state, `RandomState(seed).randint(0, RAND_R_MAX)`, stepped by
 *   scikit-learn's xorshift `our_rand_r` and used as `rand_int(low, high) = low + r % (high - low)`;
 * - a forest's per-tree seeds (`RandomState(random_state).randint(INT32_MAX)` per tree) and each
 *   tree's bootstrap (`RandomState(tree_seed).randint(0, n, n_bootstrap)`).
 *
 * This replaces tileflow's own PRNG (`createRandom`) for tree growth only because parity with
 * scikit-learn's trees is the point of these estimators; the algorithms here are fixed by numpy's and
 * scikit-learn's, which have kept them stable for years.
 */

const RAND_R_MAX = 0x7fffffff;
const INT32_MAX = 0x7fffffff;

/** numpy's legacy `RandomState`: MT19937 with `randint` by masked rejection. */
export class NumpyRandomState {
  private readonly mt = new Uint32Array(624);
  private index = 624;

  constructor(seed: number) {
    const mt = this.mt;
    mt[0] = seed >>> 0;
    for (let i = 1; i < 624; i++) {
      const prev = mt[i - 1] ^ (mt[i - 1] >>> 30);
      mt[i] = (Math.imul(1812433253, prev) + i) >>> 0;
    }
  }

  /** The next 32-bit output (MT19937 `genrand_int32`). */
  nextUint32(): number {
    const mt = this.mt;
    if (this.index >= 624) {
      for (let i = 0; i < 624; i++) {
        const y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
        mt[i] = mt[(i + 397) % 624] ^ (y >>> 1) ^ (y & 1 ? 0x9908b0df : 0);
      }
      this.index = 0;
    }
    let y = mt[this.index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** `randint(low, high)`: an integer in [low, high), for ranges below 2^32. */
  randint(low: number, high: number): number {
    const range = high - low - 1;
    if (range <= 0) return low;
    let mask = range;
    mask |= mask >>> 1;
    mask |= mask >>> 2;
    mask |= mask >>> 4;
    mask |= mask >>> 8;
    mask |= mask >>> 16;
    for (;;) {
      const value = (this.nextUint32() & mask) >>> 0;
      if (value <= range) return low + value;
    }
  }
}

/** scikit-learn's splitter random source: `rand_int(0, n)` through `int(n)`. */
export class TreeRandom {
  private state: number;

  /** Seeded as a tree seeded with `randomState` seeds its splitter. */
  constructor(randomState: number) {
    this.state = new NumpyRandomState(randomState).randint(0, RAND_R_MAX);
  }

  /** An integer in [0, n) (`our_rand_r() % n`). */
  int(n: number): number {
    let s = this.state;
    if (s === 0) s = 1;
    s = (s ^ (s << 13)) >>> 0;
    s = (s ^ (s >>> 17)) >>> 0;
    s = (s ^ (s << 5)) >>> 0;
    this.state = s;
    // RAND_R_MAX + 1 is 2^31.
    return (s % (RAND_R_MAX + 1)) % n;
  }
}

/** The random_state scikit-learn's forest gives each of its trees, in order. */
export function forestTreeSeeds(randomState: number, nTrees: number): number[] {
  const random = new NumpyRandomState(randomState);
  const seeds: number[] = [];
  for (let t = 0; t < nTrees; t++) seeds.push(random.randint(0, INT32_MAX));
  return seeds;
}

/** A tree's bootstrap as per-sample counts (scikit-learn's `_generate_sample_indices` + `bincount`). */
export function bootstrapCounts(treeSeed: number, nSamples: number, nBootstrap: number): Float64Array {
  const random = new NumpyRandomState(treeSeed);
  const counts = new Float64Array(nSamples);
  for (let i = 0; i < nBootstrap; i++) counts[random.randint(0, nSamples)]++;
  return counts;
}
