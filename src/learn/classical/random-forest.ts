/**
 * Random forests (`rf`), scikit-learn's `RandomForestClassifier` and `RandomForestRegressor`: the same
 * hyper-parameters and defaults, each tree grown on a bootstrap sample (as per-sample counts, which is
 * how scikit-learn draws it) with `max_features` features drawn per split; the classifier averages the
 * trees' class proportions (soft voting), the regressor their predictions. Trees are grown in parallel
 * on worker threads with `n_jobs` (null: one thread, as scikit-learn; -1: every core), each tree from
 * its own seed, so the forest does not depend on the thread count.
 *
 * Per-tree seeds, bootstraps and feature orders are scikit-learn's own streams (`tree/sklearn-random.ts`),
 * so with `max_bins: null` (exact splits) a forest grows the very trees scikit-learn grows for the same
 * `random_state`. The default `max_bins: 255` is a deliberate deviation for speed: split search on
 * features binned once into at most 255 quantile bins (`tree/histogram-splitter.ts`), which scikit-learn's
 * forests do not do but its HistGradientBoosting and LightGBM do. Features with at most 255 distinct
 * values lose nothing to binning; others split at bin edges instead of every midpoint. Not offered:
 * `class_weight`, `warm_start`, `ccp_alpha`, `verbose`.
 */
import os from 'node:os';
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
import { binColumns, float32Columns, MAX_BINS_LIMIT } from './tree/binning.js';
import { addLeafValues, leafOf, treeFromPlain, treeToPlain, type FlatTree } from './tree/flat-tree.js';
import { treeWeights, type ForestJob } from './tree/forest-job.js';
import { growForest, shared } from './tree/forest-pool.js';
import { readTreeSettings, resolveLimits, resolveMaxFeatures, TREE_PARAM_NAMES, type MaxFeatures, type TreeSettings } from './tree/params.js';
import { forestTreeSeeds } from './tree/sklearn-random.js';
import type { TreeData } from './tree/train.js';

/** Hyper-parameter names a random forest takes: the tree's and the ensemble's. */
export const FOREST_PARAM_NAMES = [...TREE_PARAM_NAMES, 'n_estimators', 'bootstrap', 'max_samples', 'oob_score', 'n_jobs', 'max_bins'] as const;

/** The default `max_bins` (histogram splitting); null selects scikit-learn's exact splitter. */
export const DEFAULT_FOREST_MAX_BINS = 255;

interface ForestSettings {
  tree: TreeSettings;
  nEstimators: number;
  bootstrap: boolean;
  maxSamples: number | null;
  oobScore: boolean;
  nJobs: number | null;
  maxBins: number | null;
}

interface FittedForest {
  trees: FlatTree[];
  nFeatures: number;
  importances: Float64Array;
  /** Out-of-bag score (accuracy or R2), when `oob_score` was asked for. */
  oobScore: number | null;
}

type Target = { task: 'classification'; y: Int32Array; nClasses: number } | { task: 'regression'; y: Float64Array };

function readForestSettings(params: Params, task: 'classification' | 'regression', filled: Params): ForestSettings {
  checkParamNames(params, FOREST_PARAM_NAMES, 'rf');
  // scikit-learn's defaults: sqrt(n_features) per split for classification, all (1.0) for regression.
  const defaultMaxFeatures: MaxFeatures = task === 'classification' ? 'sqrt' : 1;
  const tree = readTreeSettings(params, task, defaultMaxFeatures, filled);
  const nEstimators = readInteger(params, 'n_estimators', 100, 1);
  const bootstrap = readBoolean(params, 'bootstrap', true);
  const maxSamples = params.max_samples ?? null;
  if (maxSamples !== null && (typeof maxSamples !== 'number' || !((maxSamples > 0 && maxSamples <= 1) || (Number.isInteger(maxSamples) && maxSamples > 1)))) {
    throw invalidParameter(`max_samples must be null, a whole number >= 2 or a fraction in (0, 1], got ${JSON.stringify(maxSamples)}`);
  }
  if (maxSamples !== null && !bootstrap) throw invalidParameter('max_samples needs bootstrap=true: without bootstrap every tree sees every sample');
  const oobScore = readBoolean(params, 'oob_score', false);
  if (oobScore && !bootstrap) throw invalidParameter('oob_score needs bootstrap=true: without bootstrap no sample is out of bag');
  const nJobs = params.n_jobs ?? null;
  if (nJobs !== null && (typeof nJobs !== 'number' || !Number.isInteger(nJobs) || nJobs === 0)) {
    throw invalidParameter(`n_jobs must be null (one thread), a positive thread count, or -1 for every core (-2 all but one...), got ${JSON.stringify(nJobs)}`);
  }
  const maxBins = params.max_bins === undefined ? DEFAULT_FOREST_MAX_BINS : params.max_bins;
  if (maxBins !== null && (typeof maxBins !== 'number' || !Number.isInteger(maxBins) || maxBins < 2 || maxBins > MAX_BINS_LIMIT)) {
    throw invalidParameter(`max_bins must be null (exact splits) or a whole number from 2 to ${MAX_BINS_LIMIT}, got ${JSON.stringify(maxBins)}`);
  }
  Object.assign(filled, { n_estimators: nEstimators, bootstrap, max_samples: maxSamples, oob_score: oobScore, n_jobs: nJobs, max_bins: maxBins });
  return { tree, nEstimators, bootstrap, maxSamples: maxSamples as number | null, oobScore, nJobs, maxBins };
}

function readInteger(params: Params, name: string, fallback: number, min: number): number {
  const value = params[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw invalidParameter(`${name} must be a whole number >= ${min}, got ${JSON.stringify(value)}`);
  return value;
}

function readBoolean(params: Params, name: string, fallback: boolean): boolean {
  const value = params[name] ?? fallback;
  if (typeof value !== 'boolean') throw invalidParameter(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/** Threads for `n_jobs` as joblib counts them: null 1, -1 every core, -2 all but one, and so on. */
function threadCount(nJobs: number | null): number {
  if (nJobs === null) return 1;
  if (nJobs > 0) return nJobs;
  return Math.max(1, os.availableParallelism() + 1 + nJobs);
}

/** Fits the forest's trees and what is derived from them (importances, out-of-bag score). */
async function fitForest(X: Matrix, target: Target, settings: ForestSettings): Promise<FittedForest> {
  const { rows: n, cols } = X;
  const threads = threadCount(settings.nJobs);
  const workers = threads > 1 && settings.nEstimators > 1;
  let features: TreeData['features'];
  if (settings.maxBins === null) {
    features = { kind: 'exact', columns: float32Columns(X, workers ? new Float32Array(new SharedArrayBuffer(n * cols * 4)) : undefined) };
  } else {
    const codes = workers ? new Uint8Array(new SharedArrayBuffer(n * cols)) : undefined;
    features = { kind: 'binned', binned: binColumns(float32Columns(X), n, cols, settings.maxBins, codes) };
  }
  const data: TreeData =
    target.task === 'classification'
      ? { task: 'classification', nRows: n, nFeatures: cols, features, y: workers ? shared(target.y) : target.y, nClasses: target.nClasses }
      : { task: 'regression', nRows: n, nFeatures: cols, features, y: workers ? shared(target.y) : target.y };

  const nBootstrap = bootstrapSize(settings.maxSamples, n);
  const job: ForestJob = {
    data,
    growth: {
      criterion: settings.tree.criterion,
      limits: resolveLimits(settings.tree, n, settings.bootstrap ? nBootstrap : n),
      maxFeatures: resolveMaxFeatures(settings.tree.maxFeatures, cols),
    },
    seeds: forestTreeSeeds(settings.tree.randomState, settings.nEstimators),
    bootstrap: settings.bootstrap,
    nBootstrap,
  };
  const grown = await growForest(job, threads);
  const trees = grown.map((g) => g.tree);
  return {
    trees,
    nFeatures: cols,
    importances: forestImportances(grown, cols),
    oobScore: settings.oobScore ? outOfBagScore(job, trees, X, target) : null,
  };
}

/** Draws per bootstrap: all n, a count, or a fraction of n (scikit-learn's `_get_n_samples_bootstrap`). */
function bootstrapSize(maxSamples: number | null, n: number): number {
  if (maxSamples === null) return n;
  if (maxSamples <= 1) return Math.max(1, Math.round(n * maxSamples));
  if (maxSamples > n) throw invalidParameter(`max_samples is ${maxSamples} but there are only ${n} training samples`);
  return maxSamples;
}

/** Mean of the trees' normalized importances (trees that are a single leaf left out), renormalized. */
function forestImportances(grown: { tree: FlatTree; importances: Float64Array }[], nFeatures: number): Float64Array {
  const out = new Float64Array(nFeatures);
  let counted = 0;
  for (const { tree, importances } of grown) {
    if (tree.nodeCount <= 1) continue;
    counted++;
    for (let f = 0; f < nFeatures; f++) out[f] += importances[f];
  }
  if (counted === 0) return out;
  let total = 0;
  for (let f = 0; f < nFeatures; f++) total += out[f] /= counted;
  for (let f = 0; f < nFeatures; f++) out[f] /= total;
  return out;
}

/**
 * The out-of-bag score as scikit-learn computes it: each training sample predicted by the trees whose
 * bootstrap left it out; a sample no tree left out predicts zeros (scikit-learn warns about it).
 */
function outOfBagScore(job: ForestJob, trees: FlatTree[], X: Matrix, target: Target): number {
  const n = X.rows;
  const nValues = trees[0].nValues;
  const sums = new Float64Array(n * nValues);
  const counts = new Int32Array(n);
  trees.forEach((tree, t) => {
    const weights = treeWeights(job, t);
    for (let i = 0; i < n; i++) {
      if (weights[i] !== 0) continue;
      const leaf = leafOf(tree, X, i);
      for (let j = 0; j < nValues; j++) sums[i * nValues + j] += tree.value[leaf * nValues + j];
      counts[i]++;
    }
  });
  for (let i = 0; i < n; i++) for (let j = 0; j < nValues; j++) sums[i * nValues + j] /= Math.max(1, counts[i]);
  if (target.task === 'classification') {
    let correct = 0;
    for (let i = 0; i < n; i++) if (argmax(sums, i * nValues, nValues) === target.y[i]) correct++;
    return correct / n;
  }
  let mean = 0;
  for (let i = 0; i < n; i++) mean += target.y[i];
  mean /= n;
  let residual = 0;
  let total = 0;
  for (let i = 0; i < n; i++) {
    residual += (target.y[i] - sums[i]) ** 2;
    total += (target.y[i] - mean) ** 2;
  }
  return total === 0 ? (residual === 0 ? 1 : 0) : 1 - residual / total;
}

/** Sum of the trees' leaf values per row, divided by the number of trees. */
function averageLeafValues(trees: FlatTree[], X: Matrix, nValues: number): Float64Array {
  const out = new Float64Array(X.rows * nValues);
  addLeafValues(trees, X, out);
  for (let i = 0; i < out.length; i++) out[i] /= trees.length;
  return out;
}

function requireFitted<T extends FittedForest>(fitted: T | null, X: Matrix | null): T {
  if (!fitted) throw invalidParameter('rf is not fitted: call fit first');
  if (X) checkFeatures(X, fitted.nFeatures, 'rf');
  return fitted;
}

function forestState(fitted: FittedForest): Record<string, unknown> {
  return { nFeatures: fitted.nFeatures, featureImportances: Array.from(fitted.importances), oobScore: fitted.oobScore, trees: fitted.trees.map(treeToPlain) };
}

function restoreForest(json: SerializedEstimator, nValues: number): FittedForest {
  const state = json.state as { nFeatures?: unknown; featureImportances?: unknown; oobScore?: unknown; trees?: unknown };
  const nFeatures = state.nFeatures;
  if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 1) throw invalidParameter('a serialized rf needs state.nFeatures, a whole number >= 1');
  const importances = state.featureImportances;
  if (!Array.isArray(importances) || importances.length !== nFeatures || importances.some((v) => typeof v !== 'number')) {
    throw invalidParameter(`a serialized rf needs state.featureImportances, ${nFeatures} numbers`);
  }
  if (!Array.isArray(state.trees) || state.trees.length === 0) throw invalidParameter('a serialized rf needs state.trees, a non-empty array');
  const oobScore = typeof state.oobScore === 'number' ? state.oobScore : null;
  return { trees: state.trees.map((plain) => treeFromPlain(plain, nValues, nFeatures)), nFeatures, importances: Float64Array.from(importances as number[]), oobScore };
}

function checkSerialized(json: SerializedEstimator, task: 'classification' | 'regression'): void {
  if (json?.kind !== 'rf' || json.task !== task) throw invalidParameter(`expected a serialized rf ${task} model, got kind ${JSON.stringify(json?.kind)} task ${JSON.stringify(json?.task)}`);
}

/** A random forest classifier (scikit-learn's `RandomForestClassifier`), registry name `rf`. */
export class RandomForestClassifier implements Classifier {
  readonly kind = 'rf';
  readonly task = 'classification' as const;
  readonly params: Params = {};
  private readonly settings: ForestSettings;
  private fitted: (FittedForest & { nClasses: number }) | null = null;

  constructor(params: Params = {}) {
    this.settings = readForestSettings(params, 'classification', this.params);
  }

  /** Number of classes seen at fit (0 before). */
  get nClasses(): number {
    return this.fitted?.nClasses ?? 0;
  }

  /** The fitted trees' arrays (for inspection and export). */
  get trees(): readonly FlatTree[] {
    return requireFitted(this.fitted, null).trees;
  }

  /** Mean impurity-decrease importance per feature, normalized (scikit-learn's `feature_importances_`). */
  get featureImportances(): Float64Array {
    return requireFitted(this.fitted, null).importances.slice();
  }

  /** Out-of-bag accuracy (scikit-learn's `oob_score_`); null unless fitted with `oob_score: true`. */
  get oobScore(): number | null {
    return requireFitted(this.fitted, null).oobScore;
  }

  async fit(X: Matrix, y: Int32Array, options: FitOptions = {}): Promise<void> {
    const nClasses = checkClassification(X, y, options);
    this.fitted = { ...(await fitForest(X, { task: 'classification', y, nClasses }, this.settings)), nClasses };
  }

  predictProba(X: Matrix): Float64Array {
    const fitted = requireFitted(this.fitted, X);
    return averageLeafValues(fitted.trees, X, fitted.nClasses);
  }

  predict(X: Matrix): Int32Array {
    const k = requireFitted(this.fitted, X).nClasses;
    const proba = this.predictProba(X);
    const out = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) out[i] = argmax(proba, i * k, k);
    return out;
  }

  toJSON(): SerializedEstimator {
    const fitted = requireFitted(this.fitted, null);
    return { kind: this.kind, task: this.task, params: { ...this.params }, state: { ...forestState(fitted), nClasses: fitted.nClasses } };
  }

  /** A fitted classifier back from `toJSON()`. */
  static fromJSON(json: SerializedEstimator): RandomForestClassifier {
    checkSerialized(json, 'classification');
    const nClasses = (json.state as { nClasses?: unknown }).nClasses;
    if (typeof nClasses !== 'number' || !Number.isInteger(nClasses) || nClasses < 1) throw invalidParameter('a serialized rf classifier needs state.nClasses, a whole number >= 1');
    const model = new RandomForestClassifier(json.params);
    model.fitted = { ...restoreForest(json, nClasses), nClasses };
    return model;
  }
}

/** A random forest regressor (scikit-learn's `RandomForestRegressor`), registry name `rf`. */
export class RandomForestRegressor implements Regressor {
  readonly kind = 'rf';
  readonly task = 'regression' as const;
  readonly params: Params = {};
  private readonly settings: ForestSettings;
  private fitted: FittedForest | null = null;

  constructor(params: Params = {}) {
    this.settings = readForestSettings(params, 'regression', this.params);
  }

  /** The fitted trees' arrays (for inspection and export). */
  get trees(): readonly FlatTree[] {
    return requireFitted(this.fitted, null).trees;
  }

  /** Mean impurity-decrease importance per feature, normalized (scikit-learn's `feature_importances_`). */
  get featureImportances(): Float64Array {
    return requireFitted(this.fitted, null).importances.slice();
  }

  /** Out-of-bag R2 (scikit-learn's `oob_score_`); null unless fitted with `oob_score: true`. */
  get oobScore(): number | null {
    return requireFitted(this.fitted, null).oobScore;
  }

  async fit(X: Matrix, y: Float64Array): Promise<void> {
    checkRegression(X, y);
    this.fitted = await fitForest(X, { task: 'regression', y }, this.settings);
  }

  predict(X: Matrix): Float64Array {
    return averageLeafValues(requireFitted(this.fitted, X).trees, X, 1);
  }

  toJSON(): SerializedEstimator {
    return { kind: this.kind, task: this.task, params: { ...this.params }, state: forestState(requireFitted(this.fitted, null)) };
  }

  /** A fitted regressor back from `toJSON()`. */
  static fromJSON(json: SerializedEstimator): RandomForestRegressor {
    checkSerialized(json, 'regression');
    const model = new RandomForestRegressor(json.params);
    model.fitted = restoreForest(json, 1);
    return model;
  }
}
