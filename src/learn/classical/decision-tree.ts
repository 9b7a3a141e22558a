/**
 * CART decision trees (`cart`), scikit-learn's `DecisionTreeClassifier` and `DecisionTreeRegressor`:
 * the same hyper-parameters and defaults, the exact best splitter (every midpoint between distinct
 * values of the node, features drawn in random order from `random_state`, the first of equally good
 * splits kept), depth-first growth or best-first with `max_leaf_nodes`, leaves holding class
 * proportions or the mean, and `featureImportances` as `feature_importances_`.
 *
 * The feature order at each node is drawn from scikit-learn's own random stream for `random_state`
 * (`tree/sklearn-random.ts`), so ties between equally good splits fall the same way and the tree is
 * the one scikit-learn grows. What differs: `random_state: null` means the default seed 0
 * (reproducible) instead of fresh randomness; internal nodes keep no value (`tree/flat-tree.ts`); not
 * offered: `splitter='random'`, `class_weight`, `ccp_alpha` pruning, and the regression criteria
 * other than `squared_error`.
 */
import { invalidParameter } from '../../core/errors.js';
import {
  argmax,
  checkClassification,
  checkFeatures,
  checkParamNames,
  checkRegression,
  type Classifier,
  type FitOptions,
  type Matrix,
  type Params,
  type Regressor,
  type SerializedEstimator,
} from './estimator.js';
import { float32Columns } from './tree/binning.js';
import { addLeafValues, treeFromPlain, treeToPlain, type FlatTree } from './tree/flat-tree.js';
import { TreeRandom } from './tree/sklearn-random.js';
import { readTreeSettings, resolveLimits, resolveMaxFeatures, TREE_PARAM_NAMES, type TreeSettings } from './tree/params.js';
import { trainTree, type TreeData } from './tree/train.js';

/** A fitted single tree. */
interface FittedTree {
  tree: FlatTree;
  nFeatures: number;
  importances: Float64Array;
}

/** Fits one exact tree on all rows of X, every sample with weight 1. */
function fitTree(X: Matrix, target: { task: 'classification'; y: Int32Array; nClasses: number } | { task: 'regression'; y: Float64Array }, settings: TreeSettings): FittedTree {
  const data: TreeData = { nRows: X.rows, nFeatures: X.cols, features: { kind: 'exact', columns: float32Columns(X) }, ...target };
  const growth = { criterion: settings.criterion, limits: resolveLimits(settings, X.rows, X.rows), maxFeatures: resolveMaxFeatures(settings.maxFeatures, X.cols) };
  const grown = trainTree(data, new Float64Array(X.rows).fill(1), growth, new TreeRandom(settings.randomState));
  return { tree: grown.tree, nFeatures: X.cols, importances: grown.importances };
}

/** The fitted tree, or a clear error before fit; checks X's feature count. */
function requireFitted<T extends FittedTree>(fitted: T | null, X: Matrix | null, kind: string): T {
  if (!fitted) throw invalidParameter(`${kind} is not fitted: call fit first`);
  if (X) checkFeatures(X, fitted.nFeatures, kind);
  return fitted;
}

/** Reads the state both tree estimators serialize. */
function restoreTree(json: SerializedEstimator, nValues: number): FittedTree {
  const state = json.state as { nFeatures?: unknown; tree?: unknown; featureImportances?: unknown };
  const nFeatures = state.nFeatures;
  if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 1) throw invalidParameter('a serialized cart needs state.nFeatures, a whole number >= 1');
  const importances = state.featureImportances;
  if (!Array.isArray(importances) || importances.length !== nFeatures || importances.some((v) => typeof v !== 'number')) {
    throw invalidParameter(`a serialized cart needs state.featureImportances, ${nFeatures} numbers`);
  }
  return { tree: treeFromPlain(state.tree, nValues, nFeatures), nFeatures, importances: Float64Array.from(importances as number[]) };
}

function checkSerialized(json: SerializedEstimator, task: 'classification' | 'regression'): void {
  if (json?.kind !== 'cart' || json.task !== task) throw invalidParameter(`expected a serialized cart ${task} model, got kind ${JSON.stringify(json?.kind)} task ${JSON.stringify(json?.task)}`);
}

/** A CART classification tree (scikit-learn's `DecisionTreeClassifier`), registry name `cart`. */
export class DecisionTreeClassifier implements Classifier {
  readonly kind = 'cart';
  readonly task = 'classification' as const;
  readonly params: Params = {};
  private readonly settings: TreeSettings;
  private fitted: (FittedTree & { nClasses: number }) | null = null;

  constructor(params: Params = {}) {
    checkParamNames(params, TREE_PARAM_NAMES, 'cart');
    this.settings = readTreeSettings(params, 'classification', null, this.params);
  }

  /** Number of classes seen at fit (0 before). */
  get nClasses(): number {
    return this.fitted?.nClasses ?? 0;
  }

  /** The fitted tree's arrays (for inspection and export). */
  get tree(): FlatTree {
    return requireFitted(this.fitted, null, this.kind).tree;
  }

  /** Normalized total impurity decrease per feature (scikit-learn's `feature_importances_`). */
  get featureImportances(): Float64Array {
    return requireFitted(this.fitted, null, this.kind).importances.slice();
  }

  async fit(X: Matrix, y: Int32Array, options: FitOptions = {}): Promise<void> {
    const nClasses = checkClassification(X, y, options);
    this.fitted = { ...fitTree(X, { task: 'classification', y, nClasses }, this.settings), nClasses };
  }

  predictProba(X: Matrix): Float64Array {
    const fitted = requireFitted(this.fitted, X, this.kind);
    const out = new Float64Array(X.rows * fitted.nClasses);
    addLeafValues([fitted.tree], X, out);
    return out;
  }

  predict(X: Matrix): Int32Array {
    const k = requireFitted(this.fitted, X, this.kind).nClasses;
    const proba = this.predictProba(X);
    const out = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) out[i] = argmax(proba, i * k, k);
    return out;
  }

  toJSON(): SerializedEstimator {
    const fitted = requireFitted(this.fitted, null, this.kind);
    return {
      kind: this.kind,
      task: this.task,
      params: { ...this.params },
      state: { nFeatures: fitted.nFeatures, nClasses: fitted.nClasses, featureImportances: Array.from(fitted.importances), tree: treeToPlain(fitted.tree) },
    };
  }

  /** A fitted classifier back from `toJSON()`. */
  static fromJSON(json: SerializedEstimator): DecisionTreeClassifier {
    checkSerialized(json, 'classification');
    const nClasses = (json.state as { nClasses?: unknown }).nClasses;
    if (typeof nClasses !== 'number' || !Number.isInteger(nClasses) || nClasses < 1) throw invalidParameter('a serialized cart classifier needs state.nClasses, a whole number >= 1');
    const model = new DecisionTreeClassifier(json.params);
    model.fitted = { ...restoreTree(json, nClasses), nClasses };
    return model;
  }
}

/** A CART regression tree (scikit-learn's `DecisionTreeRegressor`), registry name `cart`. */
export class DecisionTreeRegressor implements Regressor {
  readonly kind = 'cart';
  readonly task = 'regression' as const;
  readonly params: Params = {};
  private readonly settings: TreeSettings;
  private fitted: FittedTree | null = null;

  constructor(params: Params = {}) {
    checkParamNames(params, TREE_PARAM_NAMES, 'cart');
    this.settings = readTreeSettings(params, 'regression', null, this.params);
  }

  /** The fitted tree's arrays (for inspection and export). */
  get tree(): FlatTree {
    return requireFitted(this.fitted, null, this.kind).tree;
  }

  /** Normalized total impurity decrease per feature (scikit-learn's `feature_importances_`). */
  get featureImportances(): Float64Array {
    return requireFitted(this.fitted, null, this.kind).importances.slice();
  }

  async fit(X: Matrix, y: Float64Array): Promise<void> {
    checkRegression(X, y);
    this.fitted = fitTree(X, { task: 'regression', y }, this.settings);
  }

  predict(X: Matrix): Float64Array {
    const fitted = requireFitted(this.fitted, X, this.kind);
    const out = new Float64Array(X.rows);
    addLeafValues([fitted.tree], X, out);
    return out;
  }

  toJSON(): SerializedEstimator {
    const fitted = requireFitted(this.fitted, null, this.kind);
    return {
      kind: this.kind,
      task: this.task,
      params: { ...this.params },
      state: { nFeatures: fitted.nFeatures, featureImportances: Array.from(fitted.importances), tree: treeToPlain(fitted.tree) },
    };
  }

  /** A fitted regressor back from `toJSON()`. */
  static fromJSON(json: SerializedEstimator): DecisionTreeRegressor {
    checkSerialized(json, 'regression');
    const model = new DecisionTreeRegressor(json.params);
    model.fitted = restoreTree(json, 1);
    return model;
  }
}
