/**
 * Sorts a node's feature values together with its sample indices, in place. Small ranges use
 * scikit-learn's tree introsort (median-of-three pivot, three-way partition so runs of equal values cost nothing, heapsort
 * when recursion goes too deep), with insertion sort for short ranges because most nodes of a deep
 * tree are small; large ranges use a radix sort. The order of equal values does not matter to the
 * splitter: splits only fall between distinct values.
 */

const INSERTION_MAX = 16;

/** Sorts `values[start:end)` ascending, applying the same permutation to `samples[start:end)` (comparison sort, for small ranges). */
export function sortSamples(values: Float32Array, samples: Int32Array, start: number, end: number): void {
  const n = end - start;
  if (n < 2) return;
  introsort(values, samples, start, end, 2 * Math.floor(Math.log2(n)));
}

function introsort(values: Float32Array, samples: Int32Array, start: number, end: number, maxDepth: number): void {
  while (end - start > INSERTION_MAX) {
    if (maxDepth <= 0) {
      heapsort(values, samples, start, end);
      return;
    }
    maxDepth--;
    const pivot = median3(values, start, end);
    // Three-way partition: [start, l) < pivot, [l, r) == pivot, [r, end) > pivot.
    let i = start;
    let l = start;
    let r = end;
    while (i < r) {
      const v = values[i];
      if (v < pivot) {
        swap(values, samples, i, l);
        i++;
        l++;
      } else if (v > pivot) {
        r--;
        swap(values, samples, i, r);
      } else {
        i++;
      }
    }
    introsort(values, samples, start, l, maxDepth);
    start = r;
  }
  insertionSort(values, samples, start, end);
}

function median3(values: Float32Array, start: number, end: number): number {
  const a = values[start];
  const b = values[start + ((end - start) >> 1)];
  const c = values[end - 1];
  if (a < b) {
    if (b < c) return b;
    return a < c ? c : a;
  }
  if (b < c) return a < c ? a : c;
  return b;
}

function insertionSort(values: Float32Array, samples: Int32Array, start: number, end: number): void {
  for (let i = start + 1; i < end; i++) {
    const v = values[i];
    const s = samples[i];
    let j = i - 1;
    while (j >= start && values[j] > v) {
      values[j + 1] = values[j];
      samples[j + 1] = samples[j];
      j--;
    }
    values[j + 1] = v;
    samples[j + 1] = s;
  }
}

function heapsort(values: Float32Array, samples: Int32Array, start: number, end: number): void {
  const n = end - start;
  for (let root = (n - 2) >> 1; root >= 0; root--) siftDown(values, samples, start, root, n);
  for (let last = n - 1; last > 0; last--) {
    swap(values, samples, start, start + last);
    siftDown(values, samples, start, 0, last);
  }
}

function siftDown(values: Float32Array, samples: Int32Array, offset: number, root: number, size: number): void {
  for (;;) {
    const child = root * 2 + 1;
    let max = root;
    if (child < size && values[offset + max] < values[offset + child]) max = child;
    if (child + 1 < size && values[offset + max] < values[offset + child + 1]) max = child + 1;
    if (max === root) return;
    swap(values, samples, offset + root, offset + max);
    root = max;
  }
}

function swap(values: Float32Array, samples: Int32Array, i: number, j: number): void {
  const v = values[i];
  values[i] = values[j];
  values[j] = v;
  const s = samples[i];
  samples[i] = samples[j];
  samples[j] = s;
}

/**
 * Sorts float32 values with an index payload by LSD radix sort on order-preserving 32-bit keys (three
 * 11-bit digits): linear time, for large nodes and for binning whole columns, where a comparison sort
 * of many thousands of values costs several times more.
 */
export class Float32RadixSorter {
  private readonly keys: Uint32Array;
  private readonly spareKeys: Uint32Array;
  private readonly order: Int32Array;
  private readonly spareOrder: Int32Array;
  private readonly counts = new Int32Array(2048);

  /** A sorter for ranges of up to `capacity` values. */
  constructor(capacity: number) {
    this.keys = new Uint32Array(capacity);
    this.spareKeys = new Uint32Array(capacity);
    this.order = new Int32Array(capacity);
    this.spareOrder = new Int32Array(capacity);
  }

  /** Sorts values[start:end) ascending in place, applying the same permutation to payload[start:end). */
  sort(values: Float32Array, payload: Int32Array, start: number, end: number): void {
    const n = end - start;
    const bits = new Uint32Array(values.buffer, values.byteOffset + start * 4, n);
    let keys = this.keys;
    let spareKeys = this.spareKeys;
    let order = this.order;
    let spareOrder = this.spareOrder;
    for (let i = 0; i < n; i++) {
      // Negative floats order reversed by their bits, so flip them; positive ones just gain the top bit.
      const b = bits[i];
      keys[i] = b & 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
      order[i] = payload[start + i];
    }
    const counts = this.counts;
    for (let shift = 0; shift < 32; shift += 11) {
      counts.fill(0);
      for (let i = 0; i < n; i++) counts[(keys[i] >>> shift) & 2047]++;
      let total = 0;
      for (let d = 0; d < 2048; d++) {
        const c = counts[d];
        counts[d] = total;
        total += c;
      }
      for (let i = 0; i < n; i++) {
        const at = counts[(keys[i] >>> shift) & 2047]++;
        spareKeys[at] = keys[i];
        spareOrder[at] = order[i];
      }
      [keys, spareKeys] = [spareKeys, keys];
      [order, spareOrder] = [spareOrder, order];
    }
    for (let i = 0; i < n; i++) {
      const k = keys[i];
      bits[i] = k & 0x80000000 ? k ^ 0x80000000 : ~k >>> 0;
      payload[start + i] = order[i];
    }
  }
}
