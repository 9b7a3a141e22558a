/**
 * Histogram gradient boosting (`gbt`) as scikit-learn 1.2's `HistGradientBoostingClassifier` and
 * `HistGradientBoostingRegressor`, the LightGBM algorithm: features are binned once (`binning.ts`),
 * then each iteration fits one regression tree per output (`hist-tree.ts`, its histograms built in
 * WebAssembly by `histogram-kernel.ts`) to the gradients and hessians of the loss at the current raw
 * predictions (`boosting-losses.ts`): `log_loss` (binary: one tree per iteration on the log-odds;
 * multiclass: one tree per class, softmax) and `squared_error`. This file holds the boosting loop
 * with early stopping, the fitted ensemble as flat arrays, and the two estimators.
 *
 * Hyper-parameters and defaults are sklearn's, except `random_state`, which defaults to 0 so fits
 * are reproducible. Below 10,000 samples (early stopping off under 'auto') the algorithm is
 * deterministic and follows sklearn's arithmetic, so models agree with sklearn's to rounding. Above,
 * the validation split and the 200,000-row binning subsample are drawn with tileflow's seeded PRNG,
 * not numpy's, so they are different (equally sized, stratified) samples.
 */
import { invalidParameter } from '../../core/errors.js';
import { createRandom, type Random } from '../../data/datasets/random.js';
import { binOffsets, binRows, fitBinThresholds } from './binning.js';
import {
  argmax,
  checkClassification,
  checkFeatures,
  checkParamNames,
  checkRegression,
  choiceParam,
  numberParam,
  type Classifier,
  type FitOptions,
  type Matrix,
  type Params,
  type Regressor,
  type SerializedEstimator,
} from './estimator.js';
import { binomial, multinomial, squaredError, type Loss } from './boosting-losses.js';
import { TreeGrower, type FlatTree } from './hist-tree.js';

const KIND = 'gbt';
/** sklearn's `min_hessian_to_split`: no child may carry less hessian than this. */
const MIN_HESSIAN_TO_SPLIT = 1e-3;
/** Early stopping 'auto' turns on above this many samples, as in sklearn. */
const AUTO_EARLY_STOPPING_ROWS = 10_000;
/** Scorer-based early stopping scores the training set on at most this many rows, as sklearn. */
const SMALL_TRAINSET = 10_000;
/** Rows predicted together: the block stays in cache while every tree visits it. */
const PREDICT_BLOCK = 64;

const COMMON_PARAMS = [
  'loss',
  'learning_rate',
  'max_iter',
  'max_leaf_nodes',
  'max_depth',
  'min_samples_leaf',
  'l2_regularization',
  'max_bins',
  'early_stopping',
  'scoring',
  'validation_fraction',
  'n_iter_no_change',
  'tol',
  'random_state',
  // sklearn parameters accepted only at their defaults, so pasted get_params() output still works.
  'categorical_features',
  'monotonic_cst',
  'interaction_cst',
  'warm_start',
  'verbose',
];

type Scoring = 'loss' | 'accuracy' | 'r2';

/** Hyper-parameters read and checked. */
interface Settings {
  learningRate: number;
  maxIter: number;
  maxLeafNodes: number | null;
  maxDepth: number | null;
  minSamplesLeaf: number;
  l2Regularization: number;
  maxBins: number;
  earlyStopping: 'auto' | boolean;
  scoring: Scoring;
  validationFraction: number | null;
  nIterNoChange: number;
  tol: number;
  randomState: number;
}

const isInt = (min: number, max = Infinity) => (v: number) => Number.isInteger(v) && v >= min && v <= max;

function nullableInt(params: Params, name: string, fallback: number | null, min: number): number | null {
  const value = name in params ? params[name] : fallback;
  if (value === null) return null;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw invalidParameter(`${name} must be null or an integer >= ${min}, got ${JSON.stringify(value)}`);
  return value;
}

/** Reads the hyper-parameters shared by both tasks; returns the settings and the params with defaults filled in. */
function readSettings(params: Params, task: 'classification' | 'regression', known: readonly string[]): { settings: Settings; filled: Params } {
  checkParamNames(params, known, `HistGradientBoosting${task === 'classification' ? 'Classifier' : 'Regressor'}`);
  const loss = choiceParam(params, 'loss', task === 'classification' ? 'log_loss' : 'squared_error', task === 'classification' ? ['log_loss'] : ['squared_error']);
  for (const name of ['categorical_features', 'monotonic_cst', 'interaction_cst', 'class_weight']) {
    if (params[name] !== undefined && params[name] !== null) throw invalidParameter(`${name} is not supported by tileflow's gradient boosting; leave it null`);
  }
  if (params.warm_start !== undefined && params.warm_start !== false) throw invalidParameter('warm_start is not supported by tileflow\'s gradient boosting; leave it false');
  if (params.verbose !== undefined && typeof params.verbose !== 'number' && typeof params.verbose !== 'boolean') throw invalidParameter(`verbose must be a number, got ${JSON.stringify(params.verbose)}`);

  const earlyStopping = params.early_stopping ?? 'auto';
  if (earlyStopping !== 'auto' && typeof earlyStopping !== 'boolean') throw invalidParameter(`early_stopping must be 'auto', true or false, got ${JSON.stringify(earlyStopping)}`);
  const scoringValue = params.scoring === undefined ? 'loss' : params.scoring;
  const scorer = task === 'classification' ? 'accuracy' : 'r2';
  if (scoringValue !== null && scoringValue !== 'loss' && scoringValue !== scorer) {
    throw invalidParameter(`scoring must be 'loss', '${scorer}' or null (the estimator's ${scorer}), got ${JSON.stringify(scoringValue)}`);
  }
  const validationFraction = params.validation_fraction === undefined ? 0.1 : params.validation_fraction;
  if (validationFraction !== null && (typeof validationFraction !== 'number' || !(validationFraction > 0 && validationFraction < 1) && !isInt(1)(validationFraction))) {
    throw invalidParameter(`validation_fraction must be a fraction in (0, 1), a whole number of samples, or null, got ${JSON.stringify(validationFraction)}`);
  }
  const settings: Settings = {
    learningRate: numberParam(params, 'learning_rate', 0.1, (v) => v > 0, 'a number > 0'),
    maxIter: numberParam(params, 'max_iter', 100, isInt(1), 'an integer >= 1'),
    maxLeafNodes: nullableInt(params, 'max_leaf_nodes', 31, 2),
    maxDepth: nullableInt(params, 'max_depth', null, 1),
    minSamplesLeaf: numberParam(params, 'min_samples_leaf', 20, isInt(1), 'an integer >= 1'),
    l2Regularization: numberParam(params, 'l2_regularization', 0, (v) => v >= 0, 'a number >= 0'),
    maxBins: numberParam(params, 'max_bins', 255, isInt(2, 255), 'an integer from 2 to 255'),
    earlyStopping,
    scoring: scoringValue === null ? scorer : scoringValue,
    validationFraction,
    nIterNoChange: numberParam(params, 'n_iter_no_change', 10, isInt(1), 'an integer >= 1'),
    tol: numberParam(params, 'tol', 1e-7, (v) => v >= 0, 'a number >= 0'),
    randomState: numberParam(params, 'random_state', 0, isInt(0), 'a whole-number seed >= 0'),
  };
  const filled: Params = {
    loss,
    learning_rate: settings.learningRate,
    max_iter: settings.maxIter,
    max_leaf_nodes: settings.maxLeafNodes,
    max_depth: settings.maxDepth,
    min_samples_leaf: settings.minSamplesLeaf,
    l2_regularization: settings.l2Regularization,
    max_bins: settings.maxBins,
    early_stopping: earlyStopping,
    scoring: scoringValue,
    validation_fraction: validationFraction,
    n_iter_no_change: settings.nIterNoChange,
    tol: settings.tol,
    random_state: settings.randomState,
  };
  return { settings, filled };
}

/** A fitted ensemble: baselines and every tree's nodes in flat arrays, trees in iteration-major order. */
interface Ensemble {
  nFeatures: number;
  /** Outputs per row: 1, or the number of classes for multiclass. */
  nTreesPerIteration: number;
  baseline: Float64Array;
  /** Tree t's nodes are treeStart[t] .. treeStart[t + 1] - 1; its root is the first. */
  treeStart: Int32Array;
  feature: Int32Array;
  threshold: Float64Array;
  /** Absolute child node indices; -1 marks a leaf. */
  left: Int32Array;
  right: Int32Array;
  value: Float64Array;
  nIter: number;
  trainScore: number[];
  validationScore: number[];
}

function packTrees(trees: FlatTree[]): Pick<Ensemble, 'treeStart' | 'feature' | 'threshold' | 'left' | 'right' | 'value'> {
  const treeStart = new Int32Array(trees.length + 1);
  trees.forEach((tree, t) => (treeStart[t + 1] = treeStart[t] + tree.left.length));
  const total = treeStart[trees.length];
  const packed = { treeStart, feature: new Int32Array(total), threshold: new Float64Array(total), left: new Int32Array(total), right: new Int32Array(total), value: new Float64Array(total) };
  trees.forEach((tree, t) => {
    const base = treeStart[t];
    packed.feature.set(tree.feature, base);
    packed.threshold.set(tree.threshold, base);
    packed.value.set(tree.value, base);
    for (let i = 0; i < tree.left.length; i++) {
      packed.left[base + i] = tree.left[i] < 0 ? -1 : tree.left[i] + base;
      packed.right[base + i] = tree.right[i] < 0 ? -1 : tree.right[i] + base;
    }
  });
  return packed;
}

/** Raw predictions (log-odds, class scores or values), rows x nTreesPerIteration row-major. */
function rawPredict(model: Ensemble, X: Matrix): Float64Array {
  const { nTreesPerIteration: K, baseline, treeStart, feature, threshold, left, right, value } = model;
  const { data, rows: n, cols } = X;
  const out = new Float64Array(n * K);
  for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) out[i * K + k] = baseline[k];
  const nTrees = treeStart.length - 1;
  for (let b0 = 0; b0 < n; b0 += PREDICT_BLOCK) {
    const b1 = Math.min(n, b0 + PREDICT_BLOCK);
    // Trees in fit order, so each output sums baseline + tree 1 + tree 2 … as sklearn adds them.
    for (let t = 0; t < nTrees; t++) {
      const k = t % K;
      const root = treeStart[t];
      for (let i = b0; i < b1; i++) {
        const row = i * cols;
        let node = root;
        while (left[node] >= 0) node = data[row + feature[node]] <= threshold[node] ? left[node] : right[node];
        out[i * K + k] += value[node];
      }
    }
  }
  return out;
}

/** Adds one tree's predictions for X's rows `rows` to column-major `raw` at `offset`. */
function addTreePredictions(tree: FlatTree, X: Matrix, rows: Int32Array, raw: Float64Array, offset: number): void {
  const { feature, threshold, left, right, value } = tree;
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i] * X.cols;
    let node = 0;
    while (left[node] >= 0) node = X.data[row + feature[node]] <= threshold[node] ? left[node] : right[node];
    raw[offset + i] += value[node];
  }
}

/**
 * Splits 0..n-1 into a seeded sample of `count` rows and the rest, both ascending; with labels, each
 * class gets its proportional share (largest remainders), as a stratified split.
 */
function sampleRows(n: number, count: number, labels: Float64Array | null, random: Random): { sample: Int32Array; rest: Int32Array } {
  const chosen = new Uint8Array(n);
  if (labels) {
    const groups = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const group = groups.get(labels[i]);
      if (group) group.push(i);
      else groups.set(labels[i], [i]);
    }
    const classes = [...groups.keys()].sort((a, b) => a - b);
    const exact = classes.map((c) => (count * (groups.get(c) as number[]).length) / n);
    const share = exact.map(Math.floor);
    let missing = count - share.reduce((a, b) => a + b, 0);
    const order = classes.map((_, j) => j).sort((a, b) => exact[b] - share[b] - (exact[a] - share[a]) || a - b);
    for (const j of order) {
      if (missing === 0) break;
      share[j]++;
      missing--;
    }
    classes.forEach((c, j) => {
      const members = random.shuffle(groups.get(c) as number[]);
      for (let m = 0; m < share[j]; m++) chosen[members[m]] = 1;
    });
  } else {
    const pool = new Int32Array(n);
    for (let i = 0; i < n; i++) pool[i] = i;
    for (let i = 0; i < count; i++) {
      const j = i + random.int(n - i);
      const t = pool[i];
      pool[i] = pool[j];
      pool[j] = t;
      chosen[pool[i]] = 1;
    }
  }
  const sample = new Int32Array(count);
  const rest = new Int32Array(n - count);
  let s = 0;
  let r = 0;
  for (let i = 0; i < n; i++) {
    if (chosen[i]) sample[s++] = i;
    else rest[r++] = i;
  }
  return { sample, rest };
}

function gather(values: Float64Array, rows: Int32Array): Float64Array {
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) out[i] = values[rows[i]];
  return out;
}

/** Accuracy (classification) or R2 (regression) of column-major raw predictions on rows `rows`, or all. */
function metric(scoring: 'accuracy' | 'r2', y: Float64Array, raw: Float64Array, K: number, rows: Int32Array | null): number {
  const n = y.length;
  const m = rows ? rows.length : n;
  if (scoring === 'accuracy') {
    let correct = 0;
    for (let j = 0; j < m; j++) {
      const i = rows ? rows[j] : j;
      let predicted: number;
      if (K === 1) {
        const p1 = 1 / (1 + Math.exp(-raw[i]));
        predicted = p1 > 1 - p1 ? 1 : 0;
      } else {
        predicted = 0;
        for (let c = 1; c < K; c++) if (raw[c * n + i] > raw[predicted * n + i]) predicted = c;
      }
      if (predicted === y[i]) correct++;
    }
    return correct / m;
  }
  let mean = 0;
  for (let j = 0; j < m; j++) mean += y[rows ? rows[j] : j];
  mean /= m;
  let residual = 0;
  let total = 0;
  for (let j = 0; j < m; j++) {
    const i = rows ? rows[j] : j;
    residual += (y[i] - raw[i]) ** 2;
    total += (y[i] - mean) ** 2;
  }
  if (total === 0) return residual === 0 ? 1 : 0;
  return 1 - residual / total;
}

/** sklearn's `_should_stop`: none of the last n_iter_no_change scores beats the one before them by more than tol. */
function shouldStop(scores: number[], nIterNoChange: number, tol: number): boolean {
  const reference = nIterNoChange + 1;
  if (scores.length < reference) return false;
  const threshold = scores[scores.length - reference] + tol;
  for (let i = scores.length - reference + 1; i < scores.length; i++) if (scores[i] > threshold) return false;
  return true;
}

/** Yields to the event loop between iterations so a long fit does not starve other work. */
const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** The boosting loop shared by both tasks; `y` holds class indices (as numbers) or targets. */
async function boost(X: Matrix, y: Float64Array, loss: Loss, s: Settings, stratify: boolean): Promise<Ensemble> {
  const n = X.rows;
  const random = createRandom(s.randomState, 'gbt');
  const early = s.earlyStopping === 'auto' ? n > AUTO_EARLY_STOPPING_ROWS : s.earlyStopping;
  let trainRows: Int32Array;
  let validationRows: Int32Array | null = null;
  if (early && s.validationFraction !== null) {
    const nValidation = s.validationFraction < 1 ? Math.ceil(s.validationFraction * n) : s.validationFraction;
    if (nValidation >= n) throw invalidParameter(`validation_fraction ${s.validationFraction} leaves no training samples out of ${n}`);
    const split = sampleRows(n, nValidation, stratify ? y : null, random);
    validationRows = split.sample;
    trainRows = split.rest;
  } else {
    trainRows = new Int32Array(n);
    for (let i = 0; i < n; i++) trainRows[i] = i;
  }
  const bins = fitBinThresholds(X, s.maxBins, s.randomState, trainRows);
  const offsets = binOffsets(bins);
  const binned = binRows(X, bins, offsets, trainRows);
  const yTrain = gather(y, trainRows);
  const nTrain = trainRows.length;
  const K = loss.nTrees;
  const baseline = loss.baseline(yTrain);
  const raw = new Float64Array(K * nTrain);
  for (let k = 0; k < K; k++) raw.fill(baseline[k], k * nTrain, (k + 1) * nTrain);
  const gradient = new Float32Array(K * nTrain);
  const hessian = loss.constantHessian ? null : new Float32Array(K * nTrain);
  const grower = new TreeGrower(binned, bins, offsets, {
    maxLeafNodes: s.maxLeafNodes,
    maxDepth: s.maxDepth,
    minSamplesLeaf: s.minSamplesLeaf,
    l2Regularization: s.l2Regularization,
    minHessianToSplit: MIN_HESSIAN_TO_SPLIT,
    shrinkage: s.learningRate,
    unitHessian: loss.constantHessian,
  });

  const trainScore: number[] = [];
  const validationScore: number[] = [];
  let yValidation: Float64Array | null = null;
  let rawValidation: Float64Array | null = null;
  let smallTrain: Int32Array | null = null;
  const record = (): boolean => {
    if (s.scoring === 'loss') trainScore.push(-loss.mean(yTrain, raw));
    else trainScore.push(metric(s.scoring, yTrain, raw, K, smallTrain));
    if (yValidation && rawValidation) {
      validationScore.push(s.scoring === 'loss' ? -loss.mean(yValidation, rawValidation) : metric(s.scoring, yValidation, rawValidation, K, null));
      return shouldStop(validationScore, s.nIterNoChange, s.tol);
    }
    return shouldStop(trainScore, s.nIterNoChange, s.tol);
  };
  if (early) {
    if (validationRows) {
      yValidation = gather(y, validationRows);
      rawValidation = new Float64Array(K * validationRows.length);
      for (let k = 0; k < K; k++) rawValidation.fill(baseline[k], k * validationRows.length, (k + 1) * validationRows.length);
    }
    if (s.scoring !== 'loss' && nTrain > SMALL_TRAINSET) smallTrain = sampleRows(nTrain, SMALL_TRAINSET, stratify ? yTrain : null, random).sample;
    record();
  }

  const trees: FlatTree[] = [];
  let nIter = 0;
  for (let iteration = 0; iteration < s.maxIter; iteration++) {
    loss.gradients(yTrain, raw, gradient, hessian);
    for (let k = 0; k < K; k++) {
      const range = [k * nTrain, (k + 1) * nTrain] as const;
      const tree = grower.grow(gradient.subarray(...range), hessian ? hessian.subarray(...range) : null);
      grower.addLeafValues(raw, k * nTrain);
      trees.push(tree);
      if (validationRows && rawValidation) addTreePredictions(tree, X, validationRows, rawValidation, k * validationRows.length);
    }
    nIter++;
    if (early && record()) break;
    await nextTick();
  }
  return { nFeatures: X.cols, nTreesPerIteration: K, baseline, ...packTrees(trees), nIter, trainScore, validationScore };
}

function ensembleState(model: Ensemble): Record<string, unknown> {
  return {
    nFeatures: model.nFeatures,
    nTreesPerIteration: model.nTreesPerIteration,
    nIter: model.nIter,
    baseline: Array.from(model.baseline),
    treeStart: Array.from(model.treeStart),
    feature: Array.from(model.feature),
    threshold: Array.from(model.threshold),
    left: Array.from(model.left),
    right: Array.from(model.right),
    value: Array.from(model.value),
    trainScore: model.trainScore,
    validationScore: model.validationScore,
  };
}

function numbers(state: Record<string, unknown>, name: string): number[] {
  const value = state[name];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) throw invalidParameter(`serialized ${KIND} model: state.${name} must be an array of numbers`);
  return value as number[];
}

function readEnsemble(json: SerializedEstimator): Ensemble {
  const state = json.state ?? {};
  const nFeatures = state.nFeatures;
  const K = state.nTreesPerIteration;
  const nIter = state.nIter;
  if (typeof nFeatures !== 'number' || typeof K !== 'number' || typeof nIter !== 'number' || !(nFeatures >= 1) || !(K >= 1)) throw invalidParameter(`serialized ${KIND} model: state needs nFeatures, nTreesPerIteration and nIter`);
  const model: Ensemble = {
    nFeatures,
    nTreesPerIteration: K,
    nIter,
    baseline: Float64Array.from(numbers(state, 'baseline')),
    treeStart: Int32Array.from(numbers(state, 'treeStart')),
    feature: Int32Array.from(numbers(state, 'feature')),
    threshold: Float64Array.from(numbers(state, 'threshold')),
    left: Int32Array.from(numbers(state, 'left')),
    right: Int32Array.from(numbers(state, 'right')),
    value: Float64Array.from(numbers(state, 'value')),
    trainScore: numbers(state, 'trainScore'),
    validationScore: numbers(state, 'validationScore'),
  };
  const nodes = model.value.length;
  const consistent =
    model.baseline.length === K &&
    model.treeStart.length >= 1 &&
    model.treeStart[model.treeStart.length - 1] === nodes &&
    (model.treeStart.length - 1) % K === 0 &&
    [model.feature, model.threshold, model.left, model.right].every((a) => a.length === nodes) &&
    model.left.every((c, i) => c === -1 || (c > i && c < nodes && model.right[i] > i && model.right[i] < nodes && model.feature[i] >= 0 && model.feature[i] < nFeatures));
  if (!consistent) throw invalidParameter(`serialized ${KIND} model: tree arrays are inconsistent`);
  return model;
}

function checkJSON(json: SerializedEstimator, task: 'classification' | 'regression'): void {
  if (!json || json.kind !== KIND || json.task !== task) throw invalidParameter(`not a serialized ${KIND} ${task} model (kind ${JSON.stringify(json?.kind)}, task ${JSON.stringify(json?.task)})`);
}

/** Histogram gradient boosting for classification with log-loss, as sklearn's `HistGradientBoostingClassifier`. */
export class HistGradientBoostingClassifier implements Classifier {
  readonly kind = KIND;
  readonly task = 'classification' as const;
  readonly params: Params;
  private readonly settings: Settings;
  private model?: Ensemble;
  /** Class indices present at fit, ascending; the model's outputs refer to these. */
  private classes = new Int32Array(0);
  private k = 0;

  /** Takes sklearn's hyper-parameters (`learning_rate`, `max_iter`, `max_leaf_nodes`, …). */
  constructor(params: Params = {}) {
    const { settings, filled } = readSettings(params, 'classification', [...COMMON_PARAMS, 'class_weight']);
    this.settings = settings;
    this.params = filled;
  }

  /** Number of classes seen at fit (probability columns). */
  get nClasses(): number {
    return this.k;
  }

  /** Iterations run (sklearn's `n_iter_`): fewer than max_iter when early stopping ends the fit. */
  get nIter(): number {
    return this.fitted().nIter;
  }

  /** Scores per iteration on the training data, the first before any tree (sklearn's `train_score_`); empty without early stopping. */
  get trainScore(): readonly number[] {
    return this.fitted().trainScore;
  }

  /** Scores per iteration on the held-out validation rows (sklearn's `validation_score_`). */
  get validationScore(): readonly number[] {
    return this.fitted().validationScore;
  }

  /** Fits on features X and class indices y; classes absent from y get probability 0. */
  async fit(X: Matrix, y: Int32Array, options: FitOptions = {}): Promise<void> {
    const k = checkClassification(X, y, options);
    const counts = new Int32Array(k);
    for (let i = 0; i < y.length; i++) counts[y[i]]++;
    const classes = Int32Array.from(counts.keys()).filter((c) => counts[c] > 0);
    // Like sklearn's LabelEncoder, the model only knows the classes it saw: labels become 0..m-1.
    const code = new Int32Array(k);
    classes.forEach((c, j) => (code[c] = j));
    const encoded = new Float64Array(y.length);
    for (let i = 0; i < y.length; i++) encoded[i] = code[y[i]];
    let model: Ensemble;
    if (classes.length === 1) {
      // One class: every prediction is that class (sklearn fits trees that cannot split; the outcome is the same).
      model = { nFeatures: X.cols, nTreesPerIteration: 1, baseline: new Float64Array(1), ...packTrees([]), nIter: 0, trainScore: [], validationScore: [] };
    } else {
      model = await boost(X, encoded, classes.length === 2 ? binomial : multinomial(classes.length), this.settings, true);
    }
    this.model = model;
    this.classes = classes;
    this.k = k;
  }

  /** The most likely class per row (argmax of `predictProba`, first class on ties, as sklearn). */
  predict(X: Matrix): Int32Array {
    const proba = this.predictProba(X);
    const out = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) out[i] = argmax(proba, i * this.k, this.k);
    return out;
  }

  /** Class probabilities, rows x nClasses row-major: sigmoid (binary) or softmax of the raw scores. */
  predictProba(X: Matrix): Float64Array {
    const model = this.fitted();
    checkFeatures(X, model.nFeatures, 'HistGradientBoostingClassifier');
    const { classes, k } = this;
    const out = new Float64Array(X.rows * k);
    if (classes.length === 1) {
      for (let i = 0; i < X.rows; i++) out[i * k + classes[0]] = 1;
      return out;
    }
    const raw = rawPredict(model, X);
    const K = model.nTreesPerIteration;
    if (K === 1) {
      for (let i = 0; i < X.rows; i++) {
        const p1 = 1 / (1 + Math.exp(-raw[i]));
        out[i * k + classes[1]] = p1;
        out[i * k + classes[0]] = 1 - p1;
      }
      return out;
    }
    for (let i = 0; i < X.rows; i++) {
      let max = raw[i * K];
      for (let c = 1; c < K; c++) if (raw[i * K + c] > max) max = raw[i * K + c];
      let sum = 0;
      for (let c = 0; c < K; c++) {
        const e = Math.exp(raw[i * K + c] - max);
        raw[i * K + c] = e;
        sum += e;
      }
      for (let c = 0; c < K; c++) out[i * k + classes[c]] = raw[i * K + c] / sum;
    }
    return out;
  }

  /** The fitted model as JSON (flat tree arrays). */
  toJSON(): SerializedEstimator {
    return { kind: KIND, task: 'classification', params: { ...this.params }, state: { ...ensembleState(this.fitted()), nClasses: this.k, classes: Array.from(this.classes) } };
  }

  /** Restores a fitted classifier from `toJSON()` output. */
  static fromJSON(json: SerializedEstimator): HistGradientBoostingClassifier {
    checkJSON(json, 'classification');
    const model = readEnsemble(json);
    const classes = Int32Array.from(numbers(json.state, 'classes'));
    const k = json.state.nClasses;
    const outputs = classes.length === 2 ? 1 : classes.length;
    if (typeof k !== 'number' || classes.length < 1 || !classes.every((c, j) => Number.isInteger(c) && c >= 0 && c < k && (j === 0 || c > classes[j - 1])) || (classes.length > 1 && model.nTreesPerIteration !== outputs)) {
      throw invalidParameter(`serialized ${KIND} model: classes do not match the trees`);
    }
    const estimator = new HistGradientBoostingClassifier(json.params);
    estimator.model = model;
    estimator.classes = classes;
    estimator.k = k;
    return estimator;
  }

  private fitted(): Ensemble {
    if (!this.model) throw invalidParameter('HistGradientBoostingClassifier is not fitted yet: call fit first');
    return this.model;
  }
}

/** Histogram gradient boosting for regression with squared error, as sklearn's `HistGradientBoostingRegressor`. */
export class HistGradientBoostingRegressor implements Regressor {
  readonly kind = KIND;
  readonly task = 'regression' as const;
  readonly params: Params;
  private readonly settings: Settings;
  private model?: Ensemble;

  /** Takes sklearn's hyper-parameters (`learning_rate`, `max_iter`, `max_leaf_nodes`, …). */
  constructor(params: Params = {}) {
    const { settings, filled } = readSettings(params, 'regression', COMMON_PARAMS);
    this.settings = settings;
    this.params = filled;
  }

  /** Iterations run (sklearn's `n_iter_`): fewer than max_iter when early stopping ends the fit. */
  get nIter(): number {
    return this.fitted().nIter;
  }

  /** Scores per iteration on the training data, the first before any tree (sklearn's `train_score_`). */
  get trainScore(): readonly number[] {
    return this.fitted().trainScore;
  }

  /** Scores per iteration on the held-out validation rows (sklearn's `validation_score_`). */
  get validationScore(): readonly number[] {
    return this.fitted().validationScore;
  }

  /** Fits on features X and finite targets y. */
  async fit(X: Matrix, y: Float64Array): Promise<void> {
    checkRegression(X, y);
    this.model = await boost(X, y, squaredError, this.settings, false);
  }

  /** Predicted values: the baseline (mean of y) plus every tree's leaf value. */
  predict(X: Matrix): Float64Array {
    const model = this.fitted();
    checkFeatures(X, model.nFeatures, 'HistGradientBoostingRegressor');
    return rawPredict(model, X);
  }

  /** The fitted model as JSON (flat tree arrays). */
  toJSON(): SerializedEstimator {
    return { kind: KIND, task: 'regression', params: { ...this.params }, state: ensembleState(this.fitted()) };
  }

  /** Restores a fitted regressor from `toJSON()` output. */
  static fromJSON(json: SerializedEstimator): HistGradientBoostingRegressor {
    checkJSON(json, 'regression');
    const model = readEnsemble(json);
    if (model.nTreesPerIteration !== 1) throw invalidParameter(`serialized ${KIND} model: a regressor has one tree per iteration`);
    const estimator = new HistGradientBoostingRegressor(json.params);
    estimator.model = model;
    return estimator;
  }

  private fitted(): Ensemble {
    if (!this.model) throw invalidParameter('HistGradientBoostingRegressor is not fitted yet: call fit first');
    return this.model;
  }
}
