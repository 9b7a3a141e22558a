/**
 * ONNX export of the tree models: CART trees (`cart`) and random forests (`rf`) as ONNX-ML
 * `TreeEnsembleClassifier` / `TreeEnsembleRegressor`, histogram gradient boosting (`gbt`) as a
 * `TreeEnsembleRegressor` of raw scores followed by the link function in default-domain operators.
 *
 * Thresholds. The estimators send a row left when `x <= threshold` with a float64 threshold (the
 * forests compare float32(x), boosting compares x itself). ONNX Runtime reads float32 thresholds and
 * compares float32 inputs with them, so every split is written as BRANCH_LEQ with the largest float32
 * not above the float64 threshold (`floatBelow`): for any float32 x, `x <= t` and `x <= floatBelow(t)`
 * agree, so a float32 input takes exactly the branch it takes in the estimator. (Rounding t to the
 * nearest float32 instead would send x = fround(t) > t the wrong way whenever fround rounds up.)
 *
 * Values. A classifier tree's leaves hold class proportions; the forest averages its trees, so each
 * leaf weight is the proportion divided by the number of trees and the ensemble sums them (ONNX
 * Runtime's classifier only sums). With two classes every leaf lists both weights, zeros included:
 * ONNX Runtime treats a class with no weight in a row as missing and, with two classes, then rewrites
 * the scores; with more, a missing class scores 0, so zero weights are left out. The label is the ArgMax of the probabilities (first class on ties), exactly as `predict`
 * decides, rather than the operator's own label, whose two-class rule (positive score > 0) is not an
 * argmax. Regression forests use aggregate AVERAGE. Leaf values are float32 and summed in float32, so
 * probabilities and values agree with the float64 estimator to float32 rounding.
 *
 * Boosting. Scores are baseline + the sum of each output's trees (`base_values`, aggregate SUM, one
 * target per class for multiclass); a sigmoid (binary, as [1 - p, p]) or a softmax turns them into
 * probabilities, as the estimator's `predictProba`.
 */
import { invalidParameter } from '../../core/errors.js';
import type { SerializedEstimator } from '../classical/estimator.js';
import { treeFromPlain } from '../classical/tree/flat-tree.js';
import { BATCH, floats, INPUT_NAME, type GraphBuilder } from './graph.js';

/** One tree with local node indices; a node whose `left` is negative is a leaf. */
interface Tree {
  feature: ArrayLike<number>;
  threshold: ArrayLike<number>;
  left: ArrayLike<number>;
  right: ArrayLike<number>;
  /** nodeCount x nValues values, row-major; only the leaves' are read. */
  value: ArrayLike<number>;
  nValues: number;
}

/** The node attributes shared by both tree-ensemble operators, and the leaves in the order listed. */
function nodeAttributes(trees: readonly Tree[]) {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const featureIds: number[] = [];
  const values: number[] = [];
  const modes: string[] = [];
  const trueIds: number[] = [];
  const falseIds: number[] = [];
  const leaves: { tree: number; node: number }[] = [];
  trees.forEach((tree, t) => {
    const count = tree.left.length;
    for (let node = 0; node < count; node++) {
      treeIds.push(t);
      nodeIds.push(node);
      if (tree.left[node] < 0) {
        featureIds.push(0);
        values.push(0);
        modes.push('LEAF');
        trueIds.push(0);
        falseIds.push(0);
        leaves.push({ tree: t, node });
      } else {
        featureIds.push(tree.feature[node]);
        values.push(floatBelow(tree.threshold[node]));
        modes.push('BRANCH_LEQ');
        trueIds.push(tree.left[node]);
        falseIds.push(tree.right[node]);
      }
    }
  });
  return {
    attributes: {
      nodes_treeids: treeIds,
      nodes_nodeids: nodeIds,
      nodes_featureids: featureIds,
      nodes_values: floats(values),
      nodes_modes: { strings: modes },
      nodes_truenodeids: trueIds,
      nodes_falsenodeids: falseIds,
    },
    leaves,
  };
}

/** Leaf weights: for every leaf, one entry per value (class or target) times `scale`, zeros left out when `skipZeros`. */
function leafWeights(trees: readonly Tree[], leaves: { tree: number; node: number }[], target: (tree: number, j: number) => number, scale: number, skipZeros = false) {
  const treeIds: number[] = [];
  const nodeIds: number[] = [];
  const ids: number[] = [];
  const weights: number[] = [];
  for (const { tree, node } of leaves) {
    const t = trees[tree];
    for (let j = 0; j < t.nValues; j++) {
      if (skipZeros && t.value[node * t.nValues + j] === 0) continue;
      treeIds.push(tree);
      nodeIds.push(node);
      ids.push(target(tree, j));
      weights.push(t.value[node * t.nValues + j] * scale);
    }
  }
  return { treeIds, nodeIds, ids, weights };
}

/** Probabilities averaged over `trees` (k class proportions per leaf) and the argmax label, as graph outputs. */
function treeClassifier(g: GraphBuilder, trees: readonly Tree[], nFeatures: number, k: number): void {
  let proba: string;
  if (k === 1) {
    // One class: nothing to decide (ONNX Runtime's classifier needs two).
    proba = g.constantRows(nFeatures, [1]);
  } else {
    const { attributes, leaves } = nodeAttributes(trees);
    // With more than two classes a class missing from a row's leaves scores 0, so pure leaves list one weight.
    const w = leafWeights(trees, leaves, (_, j) => j, 1 / trees.length, k > 2);
    [, proba] = g.ml('TreeEnsembleClassifier', [INPUT_NAME], 2, {
      ...attributes,
      class_treeids: w.treeIds,
      class_nodeids: w.nodeIds,
      class_ids: w.ids,
      class_weights: floats(w.weights),
      classlabels_int64s: Array.from({ length: k }, (_, c) => c),
      post_transform: 'NONE',
    });
  }
  g.output('label', g.argmax(proba), 'int64', [BATCH]);
  g.output('probabilities', proba, 'float', [BATCH, k]);
}

/** Raw ensemble scores [N, nTargets]: base + the sum (or average) of each target's trees. */
function treeRegressor(g: GraphBuilder, trees: readonly Tree[], nTargets: number, target: (tree: number) => number, aggregate: 'SUM' | 'AVERAGE', base?: ArrayLike<number>): string {
  const { attributes, leaves } = nodeAttributes(trees);
  const w = leafWeights(trees, leaves, (tree) => target(tree), 1);
  const [scores] = g.ml('TreeEnsembleRegressor', [INPUT_NAME], 1, {
    ...attributes,
    target_treeids: w.treeIds,
    target_nodeids: w.nodeIds,
    target_ids: w.ids,
    target_weights: floats(w.weights),
    n_targets: nTargets,
    aggregate_function: aggregate,
    post_transform: 'NONE',
    ...(base ? { base_values: floats(base) } : {}),
  });
  return scores;
}

function countOf(json: SerializedEstimator, name: 'nFeatures' | 'nClasses'): number {
  const value = (json.state as Record<string, unknown>)[name];
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw invalidParameter(`cannot export ${json.kind}: its state has no ${name}`);
  return value;
}

// cart and rf trees are decoded by the estimators' own reader, which checks them and follows their JSON layout.
function forestTrees(json: SerializedEstimator, nValues: number): Tree[] {
  const trees = (json.state as { trees?: unknown }).trees;
  if (!Array.isArray(trees) || trees.length === 0) throw invalidParameter('cannot export rf: its state has no trees');
  const nFeatures = countOf(json, 'nFeatures');
  return trees.map((t) => treeFromPlain(t, nValues, nFeatures));
}

/** Exports a fitted CART classification tree. */
export function exportTreeClassifier(json: SerializedEstimator, g: GraphBuilder): void {
  const k = countOf(json, 'nClasses');
  const nFeatures = countOf(json, 'nFeatures');
  treeClassifier(g, [treeFromPlain((json.state as { tree?: unknown }).tree, k, nFeatures)], nFeatures, k);
}

/** Exports a fitted CART regression tree. */
export function exportTreeRegressor(json: SerializedEstimator, g: GraphBuilder): void {
  const tree = treeFromPlain((json.state as { tree?: unknown }).tree, 1, countOf(json, 'nFeatures'));
  g.output('variable', treeRegressor(g, [tree], 1, () => 0, 'SUM'), 'float', [BATCH, 1]);
}

/** Exports a fitted random forest classifier (probabilities averaged over its trees). */
export function exportForestClassifier(json: SerializedEstimator, g: GraphBuilder): void {
  const k = countOf(json, 'nClasses');
  treeClassifier(g, forestTrees(json, k), countOf(json, 'nFeatures'), k);
}

/** Exports a fitted random forest regressor (predictions averaged over its trees). */
export function exportForestRegressor(json: SerializedEstimator, g: GraphBuilder): void {
  g.output('variable', treeRegressor(g, forestTrees(json, 1), 1, () => 0, 'AVERAGE'), 'float', [BATCH, 1]);
}

/** A boosted ensemble's state: per-output baselines and the trees packed with absolute node indices. */
interface BoostingState {
  nFeatures: number;
  nTreesPerIteration: number;
  baseline: number[];
  treeStart: number[];
  feature: number[];
  threshold: number[];
  left: number[];
  right: number[];
  value: number[];
}

/** The packed trees of a boosted ensemble, each with local node indices. */
function boostedTrees(json: SerializedEstimator): { state: BoostingState; trees: Tree[] } {
  const state = json.state as unknown as BoostingState;
  const names = ['baseline', 'treeStart', 'feature', 'threshold', 'left', 'right', 'value'] as const;
  if (!names.every((name) => Array.isArray(state[name])) || !Number.isInteger(state.nTreesPerIteration)) throw invalidParameter('cannot export gbt: its state lacks the packed tree arrays');
  const trees: Tree[] = [];
  for (let t = 0; t + 1 < state.treeStart.length; t++) {
    const from = state.treeStart[t];
    const to = state.treeStart[t + 1];
    const local = (child: number) => (child < 0 ? -1 : child - from);
    trees.push({
      feature: state.feature.slice(from, to),
      threshold: state.threshold.slice(from, to),
      left: state.left.slice(from, to).map(local),
      right: state.right.slice(from, to).map(local),
      value: state.value.slice(from, to),
      nValues: 1,
    });
  }
  return { state, trees };
}

/** Exports a fitted histogram gradient boosting regressor. */
export function exportBoostingRegressor(json: SerializedEstimator, g: GraphBuilder): void {
  const { state, trees } = boostedTrees(json);
  if (trees.length === 0) throw invalidParameter('cannot export gbt: the regressor has no trees');
  g.output('variable', treeRegressor(g, trees, 1, () => 0, 'SUM', state.baseline), 'float', [BATCH, 1]);
}

/** Exports a fitted histogram gradient boosting classifier (sigmoid or softmax of the raw scores). */
export function exportBoostingClassifier(json: SerializedEstimator, g: GraphBuilder): void {
  const { state, trees } = boostedTrees(json);
  const k = countOf(json, 'nClasses');
  const classes = (json.state as { classes?: unknown }).classes;
  if (!Array.isArray(classes) || classes.length < 1) throw invalidParameter('cannot export gbt: its state has no classes');
  let proba: string;
  if (classes.length === 1) {
    const row = new Float64Array(k);
    row[classes[0]] = 1;
    proba = g.constantRows(state.nFeatures, row);
  } else {
    const K = state.nTreesPerIteration;
    const raw = treeRegressor(g, trees, K, (tree) => tree % K, 'SUM', state.baseline);
    let local: string;
    if (K === 1) {
      const positive = g.op('Sigmoid', [raw]);
      local = g.op('Concat', [g.op('Sub', [g.float('one', [], [1]), positive]), positive], { axis: 1 });
    } else {
      local = g.op('Softmax', [raw], { axis: 1 });
    }
    proba = g.spreadClasses(local, classes, k);
  }
  g.output('label', g.argmax(proba), 'int64', [BATCH]);
  g.output('probabilities', proba, 'float', [BATCH, k]);
}

/**
 * The largest float32 not above `threshold`. A float32 x satisfies `x <= threshold` exactly when it
 * satisfies `x <= floatBelow(threshold)`, so a tree whose float64 thresholds are exported this way
 * sends every float32 input down the same branch in ONNX Runtime (which compares in float32) as the
 * estimator does in float64.
 */
export function floatBelow(threshold: number): number {
  const rounded = Math.fround(threshold);
  if (rounded <= threshold) return rounded;
  return nextFloatDown(rounded);
}

const scratch = new Float32Array(1);
const bits = new Int32Array(scratch.buffer);

/** The float32 just below a float32 value (finite, not the most negative). */
function nextFloatDown(value: number): number {
  if (value === 0) return -1.401298464324817e-45;
  scratch[0] = value;
  // Adjacent float32 values have adjacent bit patterns; stepping toward -inf moves away from 0 for negatives.
  bits[0] += value > 0 ? -1 : 1;
  return scratch[0];
}
