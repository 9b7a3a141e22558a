/**
 * Grows one regression tree of histogram gradient boosting on binned features, as scikit-learn 1.2's
 * `TreeGrower` + `Splitter` + `HistogramBuilder` (the LightGBM algorithm): best-first (leaf-wise)
 * growth up to `max_leaf_nodes`, split gain from the sums of gradients and hessians (XGBoost's eq. 7),
 * and histogram subtraction — only the smaller child's histogram is built from its samples, the
 * sibling's is the parent's minus it.
 *
 * Bit-level choices follow sklearn so trees agree with it: gradients and hessians are float32 summed
 * into float64 bins in sample order; a node's samples keep their original order (a stable partition,
 * which sklearn's threaded partition also is); the root's value is 0, so its "loss" term is 0; nodes
 * wait in a heap ordered exactly as Python's `heapq` orders them; the first feature and bin reaching
 * the best gain win ties. Histograms are built by the WebAssembly kernel (`histogram-kernel.ts`),
 * whose memory holds the binned rows, the current gradients and the partition.
 */
import type { BinThresholds } from './binning.js';
import { BIN_RECORD, HistogramKernel } from './histogram-kernel.js';

/** Growth limits and regularization (sklearn names in comments). */
export interface GrowerOptions {
  /** max_leaf_nodes; null for no limit. */
  maxLeafNodes: number | null;
  /** max_depth; null for no limit. */
  maxDepth: number | null;
  /** min_samples_leaf. */
  minSamplesLeaf: number;
  /** l2_regularization. */
  l2Regularization: number;
  /** Splits leaving a child with less hessian than this are skipped (sklearn's 1e-3). */
  minHessianToSplit: number;
  /** learning_rate, applied to leaf values once the tree is grown. */
  shrinkage: number;
  /** Every hessian is 1 (squared error): counts stand in for hessian sums. */
  unitHessian: boolean;
}

/** A grown tree as flat arrays; node 0 is the root and a leaf has `left[node] === -1`. */
export interface FlatTree {
  feature: Int32Array;
  /** Raw-value threshold: a row goes left when `x[feature] <= threshold`. */
  threshold: Float64Array;
  left: Int32Array;
  right: Int32Array;
  /** Leaf values, learning rate applied (0 on internal nodes). */
  value: Float64Array;
}

/** Grows trees one after another on the same binned training set, reusing its buffers. */
export class TreeGrower {
  private readonly n: number;
  private readonly nFeatures: number;
  private readonly kernel: HistogramKernel;
  private readonly free: number[] = [];
  private nHistograms = 0;
  private readonly heap: number[] = [];
  private readonly leaves: number[] = [];
  // Per-node state, indexed by node id in creation order.
  private readonly depth: Int32Array;
  private readonly start: Int32Array;
  private readonly stop: Int32Array;
  private readonly sumG: Float64Array;
  private readonly sumH: Float64Array;
  private readonly value: Float64Array;
  private readonly hist: Int32Array;
  private readonly gain: Float64Array;
  private readonly splitFeature: Int32Array;
  private readonly splitBin: Int32Array;
  private readonly gLeft: Float64Array;
  private readonly hLeft: Float64Array;
  private readonly nLeft: Int32Array;
  private readonly valueLeft: Float64Array;
  private readonly valueRight: Float64Array;
  private readonly leftChild: Int32Array;
  private readonly rightChild: Int32Array;
  private nNodes = 0;

  /**
   * `binned` holds n rows of packed bin indices (`binRows`), `offsets` each feature's first bin in a
   * histogram, `bins` the thresholds that turn a bin split back into a raw-value threshold.
   */
  constructor(
    binned: Uint16Array | Uint32Array,
    private readonly bins: BinThresholds,
    private readonly offsets: Int32Array,
    private readonly options: GrowerOptions,
  ) {
    this.nFeatures = bins.nBins.length;
    this.n = binned.length / this.nFeatures;
    const totalBins = offsets[this.nFeatures - 1] + bins.nBins[this.nFeatures - 1];
    this.kernel = new HistogramKernel(binned, offsets, this.n, this.nFeatures, totalBins, !options.unitHessian);
    // Every leaf but the root holds at least min_samples_leaf samples, which bounds the node count.
    const maxLeaves = Math.min(options.maxLeafNodes ?? Infinity, Math.max(1, Math.floor(this.n / options.minSamplesLeaf)));
    const capacity = 2 * maxLeaves - 1;
    this.depth = new Int32Array(capacity);
    this.start = new Int32Array(capacity);
    this.stop = new Int32Array(capacity);
    this.sumG = new Float64Array(capacity);
    this.sumH = new Float64Array(capacity);
    this.value = new Float64Array(capacity);
    this.hist = new Int32Array(capacity);
    this.gain = new Float64Array(capacity);
    this.splitFeature = new Int32Array(capacity);
    this.splitBin = new Int32Array(capacity);
    this.gLeft = new Float64Array(capacity);
    this.hLeft = new Float64Array(capacity);
    this.nLeft = new Int32Array(capacity);
    this.valueLeft = new Float64Array(capacity);
    this.valueRight = new Float64Array(capacity);
    this.leftChild = new Int32Array(capacity);
    this.rightChild = new Int32Array(capacity);
  }

  /** Grows a tree fitting a Newton step on these gradients; `hessians` is ignored when they are all 1. */
  grow(gradients: Float32Array, hessians: Float32Array | null): FlatTree {
    const { kernel, n } = this;
    kernel.gradients.set(gradients);
    if (!this.options.unitHessian) kernel.hessians.set(hessians as Float32Array);
    this.nNodes = 0;
    this.heap.length = 0;
    this.leaves.length = 0;
    this.free.length = 0;
    for (let i = 0; i < this.nHistograms; i++) this.free.push(i);
    const partition = kernel.partition;
    for (let i = 0; i < n; i++) partition[i] = i;

    let sumG = 0;
    let sumH = 0;
    for (let i = 0; i < n; i++) sumG += gradients[i];
    if (this.options.unitHessian) sumH = n;
    else for (let i = 0; i < n; i++) sumH += (hessians as Float32Array)[i];
    const root = this.newNode(0, 0, n, sumG, sumH, 0);
    if (n < 2 * this.options.minSamplesLeaf || sumH < this.options.minHessianToSplit) {
      this.leaves.push(root);
    } else {
      this.hist[root] = this.takeHistogram();
      kernel.buildHistogram(this.hist[root], 0, n);
      this.findSplitAndPush(root);
    }
    while (this.heap.length > 0) this.splitNext();
    return this.flatten();
  }

  /** Adds the last grown tree's leaf values to `raw[offset + i]` for each training sample i. */
  addLeafValues(raw: Float64Array, offset: number): void {
    const shrinkage = this.options.shrinkage;
    const partition = this.kernel.partition;
    for (const leaf of this.leaves) {
      const v = this.value[leaf] * shrinkage;
      for (let p = this.start[leaf]; p < this.stop[leaf]; p++) raw[offset + partition[p]] += v;
    }
  }

  private newNode(depth: number, start: number, stop: number, sumG: number, sumH: number, value: number): number {
    const id = this.nNodes++;
    this.depth[id] = depth;
    this.start[id] = start;
    this.stop[id] = stop;
    this.sumG[id] = sumG;
    this.sumH[id] = sumH;
    this.value[id] = value;
    this.hist[id] = -1;
    this.leftChild[id] = -1;
    this.rightChild[id] = -1;
    return id;
  }

  private takeHistogram(): number {
    const slot = this.free.pop();
    if (slot !== undefined) return slot;
    this.nHistograms++;
    return this.kernel.addHistogram();
  }

  private releaseHistogram(node: number): void {
    if (this.hist[node] >= 0) this.free.push(this.hist[node]);
    this.hist[node] = -1;
  }

  /** The best split of a node over all features and bins (sklearn's `find_node_split`); pushes it or makes it a leaf. */
  private findSplitAndPush(node: number): void {
    const hist = this.kernel.histogram(this.hist[node]);
    const { minSamplesLeaf, minHessianToSplit, l2Regularization: l2, unitHessian } = this.options;
    const nSamples = this.stop[node] - this.start[node];
    const sumG = this.sumG[node];
    const sumH = this.sumH[node];
    const lossCurrent = sumG * this.value[node];
    let bestGain = -1;
    let bestFeature = -1;
    let bestBin = -1;
    let bestGL = 0;
    let bestHL = 0;
    let bestNL = 0;
    for (let f = 0; f < this.nFeatures; f++) {
      const end = this.bins.nBins[f] - 1;
      let k = this.offsets[f] * BIN_RECORD;
      let gl = 0;
      let hl = 0;
      let nl = 0;
      for (let b = 0; b < end; b++, k += BIN_RECORD) {
        // An empty bin changes no sum, so its gain equals the previous bin's and cannot win (ties go to the first).
        if (hist[k + 2] === 0) continue;
        nl += hist[k + 2];
        const nr = nSamples - nl;
        hl += unitHessian ? hist[k + 2] : hist[k + 1];
        const hr = sumH - hl;
        gl += hist[k];
        const gr = sumG - gl;
        if (nl < minSamplesLeaf) continue;
        if (nr < minSamplesLeaf) break;
        if (hl < minHessianToSplit) continue;
        if (hr < minHessianToSplit) break;
        const vl = -gl / (hl + l2 + 1e-15);
        const vr = -gr / (hr + l2 + 1e-15);
        const gain = lossCurrent - gl * vl - gr * vr;
        // Strictly better only: the first feature and bin reaching the best gain win, as in sklearn.
        if (gain > bestGain && gain > 0) {
          bestGain = gain;
          bestFeature = f;
          bestBin = b;
          bestGL = gl;
          bestHL = hl;
          bestNL = nl;
        }
      }
    }
    if (bestGain <= 0) {
      this.makeLeaf(node);
      return;
    }
    this.gain[node] = bestGain;
    this.splitFeature[node] = bestFeature;
    this.splitBin[node] = bestBin;
    this.gLeft[node] = bestGL;
    this.hLeft[node] = bestHL;
    this.nLeft[node] = bestNL;
    this.valueLeft[node] = -bestGL / (bestHL + l2 + 1e-15);
    this.valueRight[node] = -(sumG - bestGL) / (sumH - bestHL + l2 + 1e-15);
    this.heapPush(node);
  }

  private makeLeaf(node: number): void {
    this.leaves.push(node);
    this.releaseHistogram(node);
  }

  /** Splits the node with the highest gain (sklearn's `split_next`). */
  private splitNext(): void {
    const node = this.heapPop();
    const { maxLeafNodes, maxDepth, minSamplesLeaf } = this.options;
    const start = this.start[node];
    const stop = this.stop[node];
    const middle = start + this.nLeft[node];
    const depth = this.depth[node] + 1;
    const nLeaves = this.leaves.length + this.heap.length + 2;
    const sumG = this.sumG[node];
    const sumH = this.sumH[node];
    const left = this.newNode(depth, start, middle, this.gLeft[node], this.hLeft[node], this.valueLeft[node]);
    const right = this.newNode(depth, middle, stop, sumG - this.gLeft[node], sumH - this.hLeft[node], this.valueRight[node]);
    this.leftChild[node] = left;
    this.rightChild[node] = right;

    if (maxLeafNodes !== null && nLeaves === maxLeafNodes) {
      this.partitionNode(node);
      this.leaves.push(left, right);
      while (this.heap.length > 0) this.makeLeaf(this.heap.pop() as number);
      this.releaseHistogram(node);
      return;
    }
    if (maxDepth !== null && depth === maxDepth) {
      this.partitionNode(node);
      this.leaves.push(left, right);
      this.releaseHistogram(node);
      return;
    }
    const splitLeft = middle - start >= 2 * minSamplesLeaf;
    const splitRight = stop - middle >= 2 * minSamplesLeaf;
    if (!splitLeft) this.leaves.push(left);
    if (!splitRight) this.leaves.push(right);
    if (!splitLeft && !splitRight) {
      this.partitionNode(node);
      this.releaseHistogram(node);
      return;
    }
    const smaller = middle - start < stop - middle ? left : right;
    const larger = smaller === left ? right : left;
    this.hist[smaller] = this.takeHistogram();
    this.partitionNode(node);
    this.kernel.buildHistogram(this.hist[smaller], this.start[smaller], this.stop[smaller]);
    // The parent's histogram minus the smaller child's is the larger child's: no pass over its samples.
    const parent = this.kernel.histogram(this.hist[node]);
    const small = this.kernel.histogram(this.hist[smaller]);
    for (let k = 0; k < parent.length; k++) parent[k] -= small[k];
    this.hist[larger] = this.hist[node];
    this.hist[node] = -1;
    if (splitLeft) this.findSplitAndPush(left);
    else this.releaseHistogram(left);
    if (splitRight) this.findSplitAndPush(right);
    else this.releaseHistogram(right);
  }

  /** Stable partition of the node's samples: left child first, both in their original order. */
  private partitionNode(node: number): void {
    this.kernel.partitionSamples(this.start[node], this.stop[node], this.splitFeature[node], this.splitBin[node]);
  }

  /** The tree as flat arrays with raw-value thresholds and shrunk leaf values. */
  private flatten(): FlatTree {
    const n = this.nNodes;
    const tree: FlatTree = {
      feature: new Int32Array(n).fill(-1),
      threshold: new Float64Array(n),
      left: this.leftChild.slice(0, n),
      right: this.rightChild.slice(0, n),
      value: new Float64Array(n),
    };
    for (let node = 0; node < n; node++) {
      if (tree.left[node] >= 0) {
        const f = this.splitFeature[node];
        tree.feature[node] = f;
        tree.threshold[node] = this.bins.thresholds[f][this.splitBin[node]];
      }
    }
    for (const leaf of this.leaves) tree.value[leaf] = this.value[leaf] * this.options.shrinkage;
    return tree;
  }

  // Python's heapq (push: sift towards the root; pop: move the last item to the top, sift it to a
  // leaf, then back up), with "a before b" meaning gain[a] > gain[b] as sklearn's TreeNode.__lt__.
  private heapPush(node: number): void {
    this.heap.push(node);
    this.siftDown(0, this.heap.length - 1);
  }

  private heapPop(): number {
    const heap = this.heap;
    const last = heap.pop() as number;
    if (heap.length === 0) return last;
    const top = heap[0];
    heap[0] = last;
    this.siftUp(0);
    return top;
  }

  private siftDown(startPos: number, pos: number): void {
    const heap = this.heap;
    const item = heap[pos];
    while (pos > startPos) {
      const parentPos = (pos - 1) >> 1;
      const parent = heap[parentPos];
      if (this.gain[item] > this.gain[parent]) {
        heap[pos] = parent;
        pos = parentPos;
        continue;
      }
      break;
    }
    heap[pos] = item;
  }

  private siftUp(pos: number): void {
    const heap = this.heap;
    const end = heap.length;
    const startPos = pos;
    const item = heap[pos];
    let child = 2 * pos + 1;
    while (child < end) {
      const right = child + 1;
      if (right < end && !(this.gain[heap[child]] > this.gain[heap[right]])) child = right;
      heap[pos] = heap[child];
      pos = child;
      child = 2 * pos + 1;
    }
    heap[pos] = item;
    this.siftDown(startPos, pos);
  }
}

