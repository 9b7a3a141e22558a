/**
 * A fitted decision tree as flat typed arrays, one entry per node, as scikit-learn's `tree_` keeps it:
 * `feature`, `threshold`, `left`, `right` and `value` (k class proportions or one mean per node).
 * Prediction is a tight loop over these arrays, and serialization is plain number arrays, which JSON
 * round-trips exactly.
 *
 * Features are compared as 32-bit floats, because scikit-learn's trees cast X to float32 before they
 * fit or predict: thresholds learned here are midpoints of float32 values, so a row is routed exactly
 * as scikit-learn routes it.
 */
import { invalidParameter } from '../../../core/errors.js';
import type { Matrix } from '../estimator.js';

/** The child index a leaf holds (scikit-learn's `TREE_LEAF`). */
export const TREE_LEAF = -1;
/** The feature and threshold a leaf holds (scikit-learn's `TREE_UNDEFINED`). */
export const TREE_UNDEFINED = -2;

/** A fitted tree: node i tests `float32(x[feature[i]]) <= threshold[i]` and goes to `left[i]` or `right[i]`. */
export interface FlatTree {
  readonly nodeCount: number;
  /** Values per node: k class proportions (classification) or 1 mean (regression). */
  readonly nValues: number;
  readonly feature: Int32Array;
  readonly threshold: Float64Array;
  readonly left: Int32Array;
  readonly right: Int32Array;
  /**
   * nodeCount x nValues, row-major; leaves only, internal nodes hold 0 (scikit-learn keeps every
   * node's value, but prediction reads leaves alone and a forest's JSON would double in size).
   */
  readonly value: Float64Array;
}

/** A tree as JSON-friendly arrays; `value` lists the leaves' values only, in node order. */
export interface PlainTree {
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

/** The leaf that row `row` of X falls into. */
export function leafOf(tree: FlatTree, X: Matrix, row: number): number {
  const { feature, threshold, left, right } = tree;
  const data = X.data;
  const offset = row * X.cols;
  let node = 0;
  while (left[node] !== TREE_LEAF) {
    node = Math.fround(data[offset + feature[node]]) <= threshold[node] ? left[node] : right[node];
  }
  return node;
}

/**
 * Adds each row's leaf values from every tree to `out` (rows x nValues, row-major): a single tree's
 * prediction, or the sum a forest averages. Tree by tree over all rows, so one tree's arrays stay in
 * cache while the rows stream past (row blocks through all trees measured twice as slow).
 */
export function addLeafValues(trees: readonly FlatTree[], X: Matrix, out: Float64Array): void {
  for (const tree of trees) addTree(tree, X.data, X.rows, X.cols, out);
}

function addTree(tree: FlatTree, data: Float64Array, rows: number, cols: number, out: Float64Array): void {
  const { feature, threshold, left, right, value, nValues } = tree;
  for (let row = 0; row < rows; row++) {
    const offset = row * cols;
    let node = 0;
    while (left[node] !== TREE_LEAF) {
      node = Math.fround(data[offset + feature[node]]) <= threshold[node] ? left[node] : right[node];
    }
    const from = node * nValues;
    const to = row * nValues;
    for (let j = 0; j < nValues; j++) out[to + j] += value[from + j];
  }
}

/** The tree as plain arrays for `toJSON`. */
export function treeToPlain(tree: FlatTree): PlainTree {
  const value: number[] = [];
  for (let i = 0; i < tree.nodeCount; i++) {
    if (tree.left[i] !== TREE_LEAF) continue;
    for (let j = 0; j < tree.nValues; j++) value.push(tree.value[i * tree.nValues + j]);
  }
  return { feature: Array.from(tree.feature), threshold: Array.from(tree.threshold), left: Array.from(tree.left), right: Array.from(tree.right), value };
}

/**
 * A tree back from plain arrays, checked so that a damaged file cannot send prediction out of bounds
 * or round a loop: every child comes after its parent (both growth orders number nodes that way).
 */
export function treeFromPlain(plain: unknown, nValues: number, nFeatures: number): FlatTree {
  const p = plain as Partial<PlainTree> | null;
  const arrays = [p?.feature, p?.threshold, p?.left, p?.right, p?.value];
  if (!p || arrays.some((a) => !Array.isArray(a) || a.some((v) => typeof v !== 'number'))) {
    throw invalidParameter('a serialized tree needs numeric arrays feature, threshold, left, right and value');
  }
  const nodeCount = (p.feature as number[]).length;
  const left = p.left as number[];
  if (nodeCount === 0 || [p.threshold, p.left, p.right].some((a) => (a as number[]).length !== nodeCount)) {
    throw invalidParameter(`a serialized tree's node arrays disagree in length (${nodeCount} nodes)`);
  }
  const nLeaves = left.filter((child) => child === TREE_LEAF).length;
  const leafValues = p.value as number[];
  if (leafValues.length !== nLeaves * nValues) {
    throw invalidParameter(`a serialized tree with ${nLeaves} leaves needs ${nLeaves * nValues} leaf values, got ${leafValues.length}`);
  }
  const value = new Float64Array(nodeCount * nValues);
  for (let i = 0, at = 0; i < nodeCount; i++) {
    if (left[i] !== TREE_LEAF) continue;
    for (let j = 0; j < nValues; j++) value[i * nValues + j] = leafValues[at++];
  }
  const tree: FlatTree = {
    nodeCount,
    nValues,
    feature: Int32Array.from(p.feature as number[]),
    threshold: Float64Array.from(p.threshold as number[]),
    left: Int32Array.from(left),
    right: Int32Array.from(p.right as number[]),
    value,
  };
  for (let i = 0; i < nodeCount; i++) {
    const leaf = tree.left[i] === TREE_LEAF && tree.right[i] === TREE_LEAF;
    const split = tree.left[i] > i && tree.left[i] < nodeCount && tree.right[i] > i && tree.right[i] < nodeCount && tree.feature[i] >= 0 && tree.feature[i] < nFeatures;
    if (!leaf && !split) throw invalidParameter(`node ${i} of a serialized tree is neither a leaf nor a valid split over ${nFeatures} features`);
  }
  return tree;
}
