/**
 * Grows a tree with a splitter, as scikit-learn's tree builders do: depth-first (children of a node
 * right after it, left first) without `max_leaf_nodes`, best-first (always expanding the open node
 * whose split decreases impurity most) with it. The stopping rules are scikit-learn's: depth, the
 * sample-count and weight limits, a pure node (impurity <= machine epsilon), no valid split, or a
 * split whose weighted impurity decrease is below `min_impurity_decrease`.
 */
import { TREE_LEAF, TREE_UNDEFINED, type FlatTree } from './flat-tree.js';
import type { SplitRecord, Splitter } from './splitter.js';

const EPSILON = Number.EPSILON;

/** The stopping rules, resolved to counts and weights for this training set. */
export interface TreeLimits {
  maxDepth: number;
  minSamplesSplit: number;
  minSamplesLeaf: number;
  minWeightLeaf: number;
  minImpurityDecrease: number;
  /** Best-first growth up to this many leaves, or null for depth-first growth. */
  maxLeafNodes: number | null;
}

/** A grown tree and its normalized impurity-decrease feature importances. */
export interface GrownTree {
  tree: FlatTree;
  importances: Float64Array;
}

/** Grows a tree over the splitter's samples; `nValues` is k classes or 1 for regression. */
export function growTree(splitter: Splitter, limits: TreeLimits, nValues: number): GrownTree {
  const nodes = new NodeStore(nValues);
  if (limits.maxLeafNodes === null) growDepthFirst(splitter, limits, nodes);
  else growBestFirst(splitter, limits, nodes, limits.maxLeafNodes);
  return { tree: nodes.finish(), importances: nodes.importances(splitter.nFeatures) };
}

function newSplit(): SplitRecord {
  return { feature: 0, pos: 0, threshold: 0, improvement: 0, impurityLeft: 0, impurityRight: 0, nConstantFeatures: 0 };
}

/** Whether a node of n samples and total weight `weighted` at `depth` must be a leaf before any split search. */
function mustStop(limits: TreeLimits, n: number, weighted: number, depth: number, impurity: number): boolean {
  return depth >= limits.maxDepth || n < limits.minSamplesSplit || n < 2 * limits.minSamplesLeaf || weighted < 2 * limits.minWeightLeaf || impurity <= EPSILON;
}

interface StackRecord {
  start: number;
  end: number;
  depth: number;
  parent: number;
  isLeft: boolean;
  impurity: number;
  nConstantFeatures: number;
}

function growDepthFirst(splitter: Splitter, limits: TreeLimits, nodes: NodeStore): void {
  const split = newSplit();
  const stack: StackRecord[] = [{ start: 0, end: splitter.nSamples, depth: 0, parent: -1, isLeft: false, impurity: Infinity, nConstantFeatures: 0 }];
  while (stack.length > 0) {
    const record = stack.pop() as StackRecord;
    const { start, end, depth } = record;
    const weighted = splitter.nodeReset(start, end);
    // The root's impurity is computed here; every other node's came with its parent's split.
    const impurity = record.parent === -1 ? splitter.nodeImpurity() : record.impurity;
    let isLeaf = mustStop(limits, end - start, weighted, depth, impurity);
    if (!isLeaf) {
      splitter.nodeSplit(impurity, record.nConstantFeatures, split);
      isLeaf = split.pos >= end || split.improvement + EPSILON < limits.minImpurityDecrease;
    }
    const id = nodes.add(record.parent, record.isLeft, isLeaf, split.feature, split.threshold, impurity, weighted);
    splitter.nodeValue(nodes.value, id * nodes.nValues);
    if (!isLeaf) {
      const { pos, impurityLeft, impurityRight, nConstantFeatures } = split;
      stack.push({ start: pos, end, depth: depth + 1, parent: id, isLeft: false, impurity: impurityRight, nConstantFeatures });
      stack.push({ start, end: pos, depth: depth + 1, parent: id, isLeft: true, impurity: impurityLeft, nConstantFeatures });
    }
  }
}

/** An open node of best-first growth, with the split it would take. */
interface FrontierRecord {
  node: number;
  start: number;
  end: number;
  pos: number;
  depth: number;
  isLeaf: boolean;
  improvement: number;
  impurityLeft: number;
  impurityRight: number;
}

function growBestFirst(splitter: Splitter, limits: TreeLimits, nodes: NodeStore, maxLeafNodes: number): void {
  const split = newSplit();
  const frontier = new MaxHeap<FrontierRecord>((a, b) => a.improvement > b.improvement);
  // Best-first growth does not carry constant features from parent to child (as in scikit-learn).
  const addNode = (start: number, end: number, impurity: number, parent: number, isLeft: boolean, depth: number): FrontierRecord => {
    const weighted = splitter.nodeReset(start, end);
    if (parent === -1) impurity = splitter.nodeImpurity();
    let isLeaf = mustStop(limits, end - start, weighted, depth, impurity);
    if (!isLeaf) {
      splitter.nodeSplit(impurity, 0, split);
      isLeaf = split.pos >= end || split.improvement + EPSILON < limits.minImpurityDecrease;
    }
    const node = nodes.add(parent, isLeft, isLeaf, split.feature, split.threshold, impurity, weighted);
    splitter.nodeValue(nodes.value, node * nodes.nValues);
    if (isLeaf) return { node, start, end, pos: end, depth, isLeaf, improvement: 0, impurityLeft: impurity, impurityRight: impurity };
    return { node, start, end, pos: split.pos, depth, isLeaf, improvement: split.improvement, impurityLeft: split.impurityLeft, impurityRight: split.impurityRight };
  };

  frontier.push(addNode(0, splitter.nSamples, Infinity, -1, false, 0));
  let splitsLeft = maxLeafNodes - 1;
  while (frontier.size > 0) {
    const record = frontier.pop();
    if (record.isLeaf || splitsLeft <= 0) {
      nodes.makeLeaf(record.node);
      continue;
    }
    splitsLeft--;
    const left = addNode(record.start, record.pos, record.impurityLeft, record.node, true, record.depth + 1);
    const right = addNode(record.pos, record.end, record.impurityRight, record.node, false, record.depth + 1);
    frontier.push(left);
    frontier.push(right);
  }
}

/** A binary max-heap (scikit-learn keeps its frontier with std::push_heap / pop_heap). */
class MaxHeap<T> {
  private readonly items: T[] = [];
  constructor(private readonly above: (a: T, b: T) => boolean) {}

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    const items = this.items;
    let i = items.length;
    items.push(item);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(items[i], items[parent])) break;
      [items[i], items[parent]] = [items[parent], items[i]];
      i = parent;
    }
  }

  pop(): T {
    const items = this.items;
    const top = items[0];
    const last = items.pop() as T;
    if (items.length > 0) {
      items[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let best = i;
        if (l < items.length && this.above(items[l], items[best])) best = l;
        if (r < items.length && this.above(items[r], items[best])) best = r;
        if (best === i) break;
        [items[i], items[best]] = [items[best], items[i]];
        i = best;
      }
    }
    return top;
  }
}

/** Growable node arrays; nodes are numbered in creation order, so every child comes after its parent. */
class NodeStore {
  count = 0;
  feature = new Int32Array(64);
  threshold = new Float64Array(64);
  left = new Int32Array(64);
  right = new Int32Array(64);
  impurity = new Float64Array(64);
  weighted = new Float64Array(64);
  value: Float64Array;

  constructor(readonly nValues: number) {
    this.value = new Float64Array(64 * nValues);
  }

  /** Adds a node under `parent` (-1 for the root) and returns its id. */
  add(parent: number, isLeft: boolean, isLeaf: boolean, feature: number, threshold: number, impurity: number, weighted: number): number {
    if (this.count === this.feature.length) this.grow();
    const id = this.count++;
    if (parent >= 0) {
      if (isLeft) this.left[parent] = id;
      else this.right[parent] = id;
    }
    this.impurity[id] = impurity;
    this.weighted[id] = weighted;
    if (isLeaf) {
      this.makeLeaf(id);
    } else {
      this.feature[id] = feature;
      this.threshold[id] = threshold;
      // Children fill these in; until then the node must not read as a leaf.
      this.left[id] = 0;
      this.right[id] = 0;
    }
    return id;
  }

  /** Turns a node into a leaf (best-first growth out of leaves to spend). */
  makeLeaf(id: number): void {
    this.feature[id] = TREE_UNDEFINED;
    this.threshold[id] = TREE_UNDEFINED;
    this.left[id] = TREE_LEAF;
    this.right[id] = TREE_LEAF;
  }

  private grow(): void {
    const size = this.feature.length * 2;
    const resize = <A extends Int32Array | Float64Array>(a: A, n: number): A => {
      const b = new (a.constructor as new (n: number) => A)(n);
      b.set(a);
      return b;
    };
    this.feature = resize(this.feature, size);
    this.threshold = resize(this.threshold, size);
    this.left = resize(this.left, size);
    this.right = resize(this.right, size);
    this.impurity = resize(this.impurity, size);
    this.weighted = resize(this.weighted, size);
    this.value = resize(this.value, size * this.nValues);
  }

  /** scikit-learn's `feature_importances_`: weighted impurity decrease per feature, normalized to sum 1. */
  importances(nFeatures: number): Float64Array {
    const out = new Float64Array(nFeatures);
    const { left, right, impurity, weighted } = this;
    for (let i = 0; i < this.count; i++) {
      if (left[i] === TREE_LEAF) continue;
      const l = left[i];
      const r = right[i];
      out[this.feature[i]] += weighted[i] * impurity[i] - weighted[l] * impurity[l] - weighted[r] * impurity[r];
    }
    let total = 0;
    for (let f = 0; f < nFeatures; f++) {
      out[f] /= weighted[0];
      total += out[f];
    }
    if (total > 0) for (let f = 0; f < nFeatures; f++) out[f] /= total;
    return out;
  }

  /** The finished tree, arrays cut to the node count; only leaves keep values (prediction reads no others). */
  finish(): FlatTree {
    const n = this.count;
    for (let i = 0; i < n; i++) if (this.left[i] !== TREE_LEAF) this.value.fill(0, i * this.nValues, (i + 1) * this.nValues);
    return {
      nodeCount: n,
      nValues: this.nValues,
      feature: this.feature.slice(0, n),
      threshold: this.threshold.slice(0, n),
      left: this.left.slice(0, n),
      right: this.right.slice(0, n),
      value: this.value.slice(0, n * this.nValues),
    };
  }
}
