/**
 * Support vector classification as scikit-learn 1.2's `SVC` (libsvm's C-SVC): one two-class SVM per
 * pair of classes, each solved by `svm-solver.ts` (SMO with second-order working-set selection) over
 * the kernels of `svm-kernels.ts`, classes decided by libsvm's one-vs-one vote (ties to the lower class
 * index). `decisionFunction` gives sklearn's shapes: one column for two classes, the
 * `_ovr_decision_function` transform of the pairwise values for 'ovr', the raw pairwise values for 'ovo'.
 *
 * Training follows libsvm's data order (samples grouped by class, ascending class, then by row), so the
 * solver visits samples in the order sklearn's does and ends at the same support vectors.
 *
 * `probability: true` adds `predictProba`: per pair, decision values from an internal 5-fold
 * cross-validation fit Platt's sigmoid, and pairwise coupling turns the pairwise probabilities into
 * class probabilities, as libsvm. The folds come from tileflow's seeded PRNG (`random_state`), not
 * libsvm's Mersenne Twister, so probabilities differ slightly from sklearn's; as in sklearn, `predict`
 * still votes and can disagree with the most probable class.
 *
 * Classes absent from y (fewer than `nClasses` seen) are left out of the fit, as they would be from
 * sklearn's `classes_`: they are never predicted and get probability 0.
 */
import { invalidParameter } from '../../core/errors.js';
import { createRandom, type Random } from '../../data/datasets/random.js';
import {
  argmax,
  checkClassification,
  checkFeatures,
  checkParamNames,
  choiceParam,
  numberParam,
  type Classifier,
  type FitOptions,
  type Matrix,
  type Params,
  type SerializedEstimator,
} from './estimator.js';
import { KERNELS, kernelRow, kernelValue, scaleGamma, SvcQMatrix, type KernelName, type KernelSpec } from './svm-kernels.js';
import { multiclassProbability, sigmoidPredict, sigmoidTrain } from './svm-probability.js';
import { solveCSvc } from './svm-solver.js';

const KIND = 'svm';
const NAME = 'SVC';
const PARAM_NAMES = [
  'C',
  'kernel',
  'degree',
  'gamma',
  'coef0',
  'shrinking',
  'probability',
  'tol',
  'cache_size',
  'class_weight',
  'verbose',
  'max_iter',
  'decision_function_shape',
  'break_ties',
  'random_state',
] as const;

/** What a fitted SVC keeps, in libsvm's layout (and so in sklearn's `_dual_coef_`, `_intercept_` terms). */
interface SvcState {
  nFeatures: number;
  nClasses: number;
  /** The class indices fitted on (present in y), ascending: sklearn's `classes_`. */
  classes: number[];
  /** The kernel coefficient used (sklearn's `_gamma`: 'scale' and 'auto' resolved). */
  gamma: number;
  /** Support vectors per fitted class (sklearn's `n_support_`). */
  nSupport: number[];
  /** Training-row index of each support vector (sklearn's `support_`), grouped by class. */
  support: number[];
  /** Support vectors, row-major, nSV x nFeatures. */
  supportVectors: number[];
  /** libsvm's `sv_coef`: (classes - 1) rows of nSV coefficients, row-major. */
  svCoef: number[];
  /** libsvm's rho per class pair (0,1), (0,2), …, (1,2), …: decision = sum(coef K) - rho. */
  rho: number[];
  /** Platt sigmoid per class pair (empty without `probability`). */
  probA: number[];
  probB: number[];
  /** Solver iterations per class pair (sklearn's `n_iter_`). */
  nIter: number[];
  /** 0 when every pair converged, 1 when one stopped at `max_iter` (sklearn's `fit_status_`). */
  fitStatus: number;
}

/** A two-class problem in libsvm's terms: rows, +1/-1 labels and per-sample upper bounds. */
interface BinaryProblem {
  x: Float64Array;
  l: number;
  y: Int8Array;
  C: Float64Array;
}

/** Solver settings shared by every two-class problem of one fit. */
interface SolveSettings {
  spec: KernelSpec;
  d: number;
  tol: number;
  shrinking: boolean;
  maxIter: number;
  cacheBytes: number;
}

/** C-support vector classification (libsvm's C-SVC), one-vs-one over classes. */
export class SVC implements Classifier {
  readonly kind = KIND;
  readonly task = 'classification' as const;
  readonly params: Params;
  /** Class probabilities, rows x nClasses: present only when built with `probability: true`. */
  readonly predictProba?: (X: Matrix) => Float64Array;
  private readonly C: number;
  private readonly kernel: KernelName;
  private readonly degree: number;
  private readonly gamma: 'scale' | 'auto' | number;
  private readonly coef0: number;
  private readonly shrinking: boolean;
  private readonly probability: boolean;
  private readonly tol: number;
  private readonly cacheSize: number;
  private readonly classWeight: 'balanced' | number[] | null;
  private readonly maxIter: number;
  private readonly shape: 'ovr' | 'ovo';
  private readonly breakTies: boolean;
  private readonly randomState: number;
  private state: SvcState | undefined;
  /** Typed copies of the state for the prediction loops, built on first use. */
  private compiled: { sv: Float64Array; coef: Float64Array; rho: Float64Array; start: Int32Array } | undefined;

  /** Takes scikit-learn's hyper-parameters; unknown names and bad values are refused. */
  constructor(params: Params = {}) {
    checkParamNames(params, PARAM_NAMES, NAME);
    this.C = numberParam(params, 'C', 1.0, (v) => v > 0, 'a positive number');
    if (params.kernel === 'precomputed') throw invalidParameter(`${NAME} does not take kernel 'precomputed'; use one of ${KERNELS.join(', ')}`);
    this.kernel = choiceParam(params, 'kernel', 'rbf', KERNELS);
    this.degree = numberParam(params, 'degree', 3, (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0');
    const gamma = params.gamma ?? 'scale';
    if (gamma !== 'scale' && gamma !== 'auto' && !(typeof gamma === 'number' && Number.isFinite(gamma) && gamma > 0)) {
      throw invalidParameter(`gamma must be 'scale', 'auto' or a positive number, got ${JSON.stringify(gamma)}`);
    }
    this.gamma = gamma;
    this.coef0 = numberParam(params, 'coef0', 0.0);
    this.shrinking = booleanParam(params, 'shrinking', true);
    this.probability = booleanParam(params, 'probability', false);
    this.tol = numberParam(params, 'tol', 1e-3, (v) => v > 0, 'a positive number');
    this.cacheSize = numberParam(params, 'cache_size', 200, (v) => v > 0, 'a positive number of megabytes');
    const classWeight = params.class_weight ?? null;
    if (classWeight !== null && classWeight !== 'balanced' && !(Array.isArray(classWeight) && classWeight.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0))) {
      throw invalidParameter(`class_weight must be null, 'balanced' or an array of non-negative weights per class index, got ${JSON.stringify(classWeight)}`);
    }
    this.classWeight = classWeight as 'balanced' | number[] | null;
    const verbose = booleanParam(params, 'verbose', false);
    this.maxIter = numberParam(params, 'max_iter', -1, (v) => Number.isInteger(v) && v >= -1, 'a whole number >= -1 (-1: no limit)');
    this.shape = choiceParam(params, 'decision_function_shape', 'ovr', ['ovr', 'ovo']);
    this.breakTies = booleanParam(params, 'break_ties', false);
    // sklearn refuses this combination when predicting; refusing it up front saves a wasted fit.
    if (this.breakTies && this.shape === 'ovo') throw invalidParameter("break_ties must be false when decision_function_shape is 'ovo'");
    const randomState = params.random_state ?? 0;
    if (typeof randomState !== 'number' || !Number.isInteger(randomState)) throw invalidParameter(`random_state must be a whole number, got ${JSON.stringify(randomState)}`);
    this.randomState = randomState;
    this.params = {
      C: this.C,
      kernel: this.kernel,
      degree: this.degree,
      gamma,
      coef0: this.coef0,
      shrinking: this.shrinking,
      probability: this.probability,
      tol: this.tol,
      cache_size: this.cacheSize,
      class_weight: classWeight,
      verbose,
      max_iter: this.maxIter,
      decision_function_shape: this.shape,
      break_ties: this.breakTies,
      random_state: randomState,
    };
    if (this.probability) this.predictProba = (X) => this.probabilities(X);
  }

  /** Number of classes seen at fit (0 before). */
  get nClasses(): number {
    return this.state?.nClasses ?? 0;
  }

  /** Fits one C-SVC per pair of classes present in y; y must hold at least two distinct classes. */
  async fit(X: Matrix, y: Int32Array, options: FitOptions = {}): Promise<void> {
    const k = checkClassification(X, y, options);
    if (Array.isArray(this.classWeight) && this.classWeight.length !== k) throw invalidParameter(`class_weight has ${this.classWeight.length} weights for ${k} classes`);
    const d = X.cols;
    const counts = new Int32Array(k);
    for (let i = 0; i < y.length; i++) counts[y[i]]++;
    const classes: number[] = [];
    for (let c = 0; c < k; c++) if (counts[c] > 0) classes.push(c);
    const m = classes.length;
    if (m < 2) throw invalidParameter(`${NAME} needs samples of at least 2 classes, but y holds only class ${classes[0]}`);

    // libsvm's svm_group_classes: rows grouped by class (ascending), in row order within a class.
    const count = classes.map((c) => counts[c]);
    const start = new Int32Array(m);
    for (let c = 1; c < m; c++) start[c] = start[c - 1] + count[c - 1];
    const position = new Int32Array(k).fill(-1);
    classes.forEach((c, j) => (position[c] = j));
    const perm = new Int32Array(y.length);
    const cursor = Int32Array.from(start);
    for (let i = 0; i < y.length; i++) perm[cursor[position[y[i]]]++] = i;

    const weightedC = classes.map((c) => this.C * this.classWeightOf(c, counts, m, y.length));
    const gamma = this.gamma === 'scale' ? scaleGamma(X) : this.gamma === 'auto' ? 1.0 / d : this.gamma;
    const settings: SolveSettings = {
      spec: { kernel: this.kernel, gamma, degree: this.degree, coef0: this.coef0 },
      d,
      tol: this.tol,
      shrinking: this.shrinking,
      maxIter: this.maxIter,
      cacheBytes: this.cacheSize * 2 ** 20,
    };

    const nonzero = new Uint8Array(y.length);
    const pairCoef: Float64Array[] = [];
    const rho: number[] = [];
    const probA: number[] = [];
    const probB: number[] = [];
    const nIter: number[] = [];
    let fitStatus = 0;
    for (let a = 0; a < m; a++) {
      for (let b = a + 1; b < m; b++) {
        const l = count[a] + count[b];
        const problem: BinaryProblem = { x: new Float64Array(l * d), l, y: new Int8Array(l), C: new Float64Array(l) };
        for (let t = 0; t < l; t++) {
          const fromA = t < count[a];
          const row = perm[fromA ? start[a] + t : start[b] + t - count[a]];
          problem.x.set(X.data.subarray(row * d, (row + 1) * d), t * d);
          problem.y[t] = fromA ? 1 : -1;
          problem.C[t] = fromA ? weightedC[a] : weightedC[b];
        }
        if (this.probability) {
          // libsvm re-seeds its generator at every inner svm_train, so each pair's folds start from the seed.
          const [A, B] = plattSigmoid(problem, weightedC[a], weightedC[b], settings, createRandom(this.randomState, 'svc-probability'));
          probA.push(A);
          probB.push(B);
        }
        const result = solveCSvc(new SvcQMatrix(problem.x, l, d, problem.y, settings.spec, settings.cacheBytes), problem.y, problem.C, settings.tol, settings.shrinking, settings.maxIter);
        if (result.timedOut) fitStatus = 1;
        for (let t = 0; t < l; t++) {
          if (result.coef[t] !== 0) nonzero[t < count[a] ? start[a] + t : start[b] + t - count[a]] = 1;
        }
        pairCoef.push(result.coef);
        rho.push(result.rho);
        nIter.push(result.iterations);
      }
    }

    // Support vectors: every row that is one in any pair, grouped by class; sv_coef as libsvm lays it out.
    const nSupport = new Array<number>(m).fill(0);
    const support: number[] = [];
    for (let c = 0; c < m; c++) {
      for (let t = 0; t < count[c]; t++) {
        if (nonzero[start[c] + t]) {
          nSupport[c]++;
          support.push(perm[start[c] + t]);
        }
      }
    }
    const total = support.length;
    const nzStart = new Int32Array(m);
    for (let c = 1; c < m; c++) nzStart[c] = nzStart[c - 1] + nSupport[c - 1];
    const svCoef = new Float64Array((m - 1) * total);
    let p = 0;
    for (let a = 0; a < m; a++) {
      for (let b = a + 1; b < m; b++) {
        const coef = pairCoef[p++];
        let q = nzStart[a];
        for (let t = 0; t < count[a]; t++) if (nonzero[start[a] + t]) svCoef[(b - 1) * total + q++] = coef[t];
        q = nzStart[b];
        for (let t = 0; t < count[b]; t++) if (nonzero[start[b] + t]) svCoef[a * total + q++] = coef[count[a] + t];
      }
    }
    const supportVectors = new Float64Array(total * d);
    support.forEach((row, s) => supportVectors.set(X.data.subarray(row * d, (row + 1) * d), s * d));

    this.state = {
      nFeatures: d,
      nClasses: k,
      classes,
      gamma,
      nSupport,
      support,
      supportVectors: Array.from(supportVectors),
      svCoef: Array.from(svCoef),
      rho,
      probA,
      probB,
      nIter,
      fitStatus,
    };
    this.compiled = undefined;
  }

  // The weight multiplying C for a class: 1, the user's weight, or sklearn's 'balanced' n / (m * count).
  private classWeightOf(c: number, counts: Int32Array, m: number, n: number): number {
    if (this.classWeight === null) return 1;
    if (this.classWeight === 'balanced') return n / (m * counts[c]);
    return this.classWeight[c];
  }

  private fitted(X: Matrix): SvcState {
    if (!this.state) throw invalidParameter(`${NAME} is not fitted yet; call fit first`);
    checkFeatures(X, this.state.nFeatures, NAME);
    return this.state;
  }

  // Typed copies of the JSON-friendly state, built once per fitted model for the prediction loops.
  private arrays(state: SvcState) {
    if (!this.compiled) {
      const start = new Int32Array(state.classes.length);
      for (let c = 1; c < start.length; c++) start[c] = start[c - 1] + state.nSupport[c - 1];
      this.compiled = { sv: Float64Array.from(state.supportVectors), coef: Float64Array.from(state.svCoef), rho: Float64Array.from(state.rho), start };
    }
    return this.compiled;
  }

  /** libsvm's pairwise decision values, rows x m(m-1)/2: positive favours the lower class of the pair. */
  private pairwiseDecisions(X: Matrix, state: SvcState): Float64Array {
    const { sv, coef, rho, start } = this.arrays(state);
    const m = state.classes.length;
    const pairs = (m * (m - 1)) / 2;
    const total = state.support.length;
    const d = state.nFeatures;
    const spec: KernelSpec = { kernel: this.kernel, gamma: state.gamma, degree: this.degree, coef0: this.coef0 };
    const out = new Float64Array(X.rows * pairs);
    const kvalue = new Float64Array(total);
    for (let r = 0; r < X.rows; r++) {
      kernelRow(spec, X.data, r, d, sv, total, kvalue);
      let p = 0;
      for (let a = 0; a < m; a++) {
        for (let b = a + 1; b < m; b++) {
          let sum = 0;
          const sa = start[a];
          const sb = start[b];
          const rowA = (b - 1) * total;
          const rowB = a * total;
          for (let t = 0; t < state.nSupport[a]; t++) sum += coef[rowA + sa + t] * kvalue[sa + t];
          for (let t = 0; t < state.nSupport[b]; t++) sum += coef[rowB + sb + t] * kvalue[sb + t];
          out[r * pairs + p] = sum - rho[p];
          p++;
        }
      }
    }
    return out;
  }

  /**
   * sklearn's `decision_function`, rows x c row-major: c = 1 for two classes (positive favours the
   * higher class), else one column per fitted class (`ovr`: votes plus a confidence squashed into
   * (-1/3, 1/3)) or one per class pair (`ovo`: libsvm's raw values, positive favouring the lower class).
   */
  decisionFunction(X: Matrix): Float64Array {
    const state = this.fitted(X);
    const dec = this.pairwiseDecisions(X, state);
    const m = state.classes.length;
    if (m === 2) return dec.map((v) => -v);
    if (this.shape === 'ovo') return dec;
    return ovrDecision(dec, X.rows, m);
  }

  /** The class index per row: libsvm's one-vs-one vote (ties to the lower class), or with `break_ties` the best 'ovr' score. */
  predict(X: Matrix): Int32Array {
    const state = this.fitted(X);
    const m = state.classes.length;
    const pairs = (m * (m - 1)) / 2;
    const dec = this.pairwiseDecisions(X, state);
    const out = new Int32Array(X.rows);
    if (this.breakTies && m > 2) {
      const scores = ovrDecision(dec, X.rows, m);
      for (let r = 0; r < X.rows; r++) out[r] = state.classes[argmax(scores, r * m, m)];
      return out;
    }
    const votes = new Int32Array(m);
    for (let r = 0; r < X.rows; r++) {
      votes.fill(0);
      let p = 0;
      for (let a = 0; a < m; a++) {
        for (let b = a + 1; b < m; b++) {
          if (dec[r * pairs + p] > 0) votes[a]++;
          else votes[b]++;
          p++;
        }
      }
      let best = 0;
      for (let c = 1; c < m; c++) if (votes[c] > votes[best]) best = c;
      out[r] = state.classes[best];
    }
    return out;
  }

  // libsvm's svm_predict_probability: clipped pairwise sigmoids, coupled; classes not fitted get 0.
  private probabilities(X: Matrix): Float64Array {
    const state = this.fitted(X);
    const m = state.classes.length;
    const k = state.nClasses;
    const pairs = (m * (m - 1)) / 2;
    const dec = this.pairwiseDecisions(X, state);
    const minProb = 1e-7;
    const r = new Float64Array(m * m);
    const p = new Float64Array(m);
    const Q = new Float64Array(m * m);
    const Qp = new Float64Array(m);
    const out = new Float64Array(X.rows * k);
    for (let row = 0; row < X.rows; row++) {
      let pair = 0;
      for (let a = 0; a < m; a++) {
        for (let b = a + 1; b < m; b++) {
          const value = Math.min(Math.max(sigmoidPredict(dec[row * pairs + pair], state.probA[pair], state.probB[pair]), minProb), 1 - minProb);
          r[a * m + b] = value;
          r[b * m + a] = 1 - value;
          pair++;
        }
      }
      multiclassProbability(m, r, p, Q, Qp);
      for (let c = 0; c < m; c++) out[row * k + state.classes[c]] = p[c];
    }
    return out;
  }

  /** Support vectors (sklearn's `support_vectors_`), nSV x nFeatures, grouped by class. */
  get supportVectors(): Matrix {
    const state = this.requireState();
    return { data: Float64Array.from(state.supportVectors), rows: state.support.length, cols: state.nFeatures };
  }

  /** Training-row index of each support vector (sklearn's `support_`). */
  get support(): Int32Array {
    return Int32Array.from(this.requireState().support);
  }

  /** Support vectors per fitted class (sklearn's `n_support_`). */
  get nSupport(): Int32Array {
    return Int32Array.from(this.requireState().nSupport);
  }

  /** The class indices fitted on, ascending (sklearn's `classes_`): the columns of `decisionFunction`. */
  get classes(): Int32Array {
    return Int32Array.from(this.requireState().classes);
  }

  /** Dual coefficients as sklearn's `dual_coef_`: (fitted classes - 1) x nSV, row-major (negated for two classes, as sklearn). */
  get dualCoef(): Matrix {
    const state = this.requireState();
    const sign = state.classes.length === 2 ? -1 : 1;
    return { data: Float64Array.from(state.svCoef, (v) => sign * v), rows: state.classes.length - 1, cols: state.support.length };
  }

  /** Intercepts as sklearn's `intercept_`, one per class pair (-rho; rho itself for two classes, as sklearn). */
  get intercept(): Float64Array {
    const state = this.requireState();
    const sign = state.classes.length === 2 ? 1 : -1;
    return Float64Array.from(state.rho, (v) => sign * v);
  }

  /** Solver iterations per class pair (sklearn's `n_iter_`). */
  get nIter(): Int32Array {
    return Int32Array.from(this.requireState().nIter);
  }

  /** False when a pair stopped at `max_iter` before reaching `tol` (sklearn warns then). */
  get converged(): boolean {
    return this.requireState().fitStatus === 0;
  }

  private requireState(): SvcState {
    if (!this.state) throw invalidParameter(`${NAME} is not fitted yet; call fit first`);
    return this.state;
  }

  /** The fitted model as JSON: support vectors, dual coefficients, intercepts and Platt sigmoids. */
  toJSON(): SerializedEstimator {
    const state = this.requireState();
    return { kind: KIND, task: 'classification', params: { ...this.params }, state: { ...state } };
  }

  /** Restores a model from `toJSON()`; predictions are bit-identical to the original's. */
  static fromJSON(json: SerializedEstimator): SVC {
    if (json.kind !== KIND || json.task !== 'classification') throw invalidParameter(`not a serialized ${NAME}: kind ${JSON.stringify(json.kind)}, task ${JSON.stringify(json.task)}`);
    const model = new SVC(json.params);
    model.state = readState(json.state, model.probability);
    return model;
  }
}

function booleanParam(params: Params, name: string, fallback: boolean): boolean {
  const value = params[name] ?? fallback;
  if (typeof value !== 'boolean') throw invalidParameter(`${name} must be true or false, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * sklearn's `_ovr_decision_function(dec < 0, -dec, m)`: a vote per pair (a non-negative value votes for
 * the lower class) plus the summed confidences squashed into (-1/3, 1/3), which break ties between
 * equal vote counts without overturning a one-vote lead.
 */
function ovrDecision(dec: Float64Array, rows: number, m: number): Float64Array {
  const pairs = (m * (m - 1)) / 2;
  const out = new Float64Array(rows * m);
  const votes = new Float64Array(m);
  const confidence = new Float64Array(m);
  for (let r = 0; r < rows; r++) {
    votes.fill(0);
    confidence.fill(0);
    let p = 0;
    for (let a = 0; a < m; a++) {
      for (let b = a + 1; b < m; b++) {
        const value = dec[r * pairs + p++];
        confidence[a] += value;
        confidence[b] -= value;
        if (value < 0) votes[b] += 1;
        else votes[a] += 1;
      }
    }
    for (let c = 0; c < m; c++) out[r * m + c] = votes[c] + confidence[c] / (3 * (Math.abs(confidence[c]) + 1));
  }
  return out;
}

// libsvm's decision values of a two-class solution at the rows of `x`, summing only nonzero coefficients.
function binaryDecision(train: BinaryProblem, coef: Float64Array, rho: number, spec: KernelSpec, d: number, x: Float64Array, row: number): number {
  let sum = 0;
  for (let t = 0; t < train.l; t++) if (coef[t] !== 0) sum += coef[t] * kernelValue(spec, x, row, train.x, t, d);
  return sum - rho;
}

/**
 * libsvm's svm_binary_svc_probability: decision values for every sample from a 5-fold split of a
 * shuffled order (each fold predicted by an SVM fitted on the other four), then Platt's sigmoid on them.
 */
function plattSigmoid(problem: BinaryProblem, Cp: number, Cn: number, settings: SolveSettings, random: Random): [number, number] {
  const l = problem.l;
  const d = settings.d;
  const folds = 5;
  const perm = new Int32Array(l);
  for (let i = 0; i < l; i++) perm[i] = i;
  for (let i = 0; i < l; i++) {
    const j = i + random.int(l - i);
    const t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  const decisionValues = new Float64Array(l);
  for (let fold = 0; fold < folds; fold++) {
    const begin = Math.floor((fold * l) / folds);
    const end = Math.floor(((fold + 1) * l) / folds);
    const rest: number[] = [];
    for (let j = 0; j < begin; j++) rest.push(perm[j]);
    for (let j = end; j < l; j++) rest.push(perm[j]);
    const positives = rest.filter((i) => problem.y[i] > 0);
    const negatives = rest.filter((i) => problem.y[i] <= 0);
    if (positives.length === 0 || negatives.length === 0) {
      const constant = positives.length > 0 ? 1 : negatives.length > 0 ? -1 : 0;
      for (let j = begin; j < end; j++) decisionValues[perm[j]] = constant;
      continue;
    }
    // The inner svm_train sorts the labels, so the -1 samples come first and play the solver's +1.
    const order = negatives.concat(positives);
    const inner: BinaryProblem = { x: new Float64Array(order.length * d), l: order.length, y: new Int8Array(order.length), C: new Float64Array(order.length) };
    order.forEach((i, t) => {
      inner.x.set(problem.x.subarray(i * d, (i + 1) * d), t * d);
      const negative = t < negatives.length;
      inner.y[t] = negative ? 1 : -1;
      inner.C[t] = negative ? Cn : Cp;
    });
    const result = solveCSvc(new SvcQMatrix(inner.x, inner.l, d, inner.y, settings.spec, settings.cacheBytes), inner.y, inner.C, settings.tol, settings.shrinking, settings.maxIter);
    // Flip back so that positive values favour the pair's +1 class.
    for (let j = begin; j < end; j++) decisionValues[perm[j]] = -binaryDecision(inner, result.coef, result.rho, settings.spec, d, problem.x, perm[j]);
  }
  return sigmoidTrain(decisionValues, problem.y);
}

// Validates a JSON state enough that a corrupted file fails loudly instead of predicting garbage.
function readState(raw: Record<string, unknown>, probability: boolean): SvcState {
  const fail = (what: string): never => {
    throw invalidParameter(`not a valid serialized SVC: ${what}`);
  };
  const numbers = (name: string, length?: number): number[] => {
    const value = raw[name];
    if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) return fail(`${name} must be an array of numbers`);
    if (length !== undefined && value.length !== length) return fail(`${name} has ${value.length} values, expected ${length}`);
    return value as number[];
  };
  const whole = (name: string): number => {
    const value = raw[name];
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) return fail(`${name} must be a whole number`);
    return value;
  };
  const nFeatures = whole('nFeatures');
  const nClasses = whole('nClasses');
  const classes = numbers('classes');
  const m = classes.length;
  if (m < 2 || classes.some((c) => !Number.isInteger(c) || c < 0 || c >= nClasses)) fail('classes must hold at least two class indices below nClasses');
  const gamma = raw.gamma;
  if (typeof gamma !== 'number' || !Number.isFinite(gamma)) fail('gamma must be a number');
  const nSupport = numbers('nSupport', m);
  const total = nSupport.reduce((a, b) => a + b, 0);
  const pairs = (m * (m - 1)) / 2;
  const probA = numbers('probA', probability ? pairs : 0);
  const probB = numbers('probB', probability ? pairs : 0);
  const fitStatus = raw.fitStatus;
  return {
    nFeatures,
    nClasses,
    classes,
    gamma: gamma as number,
    nSupport,
    support: numbers('support', total),
    supportVectors: numbers('supportVectors', total * nFeatures),
    svCoef: numbers('svCoef', (m - 1) * total),
    rho: numbers('rho', pairs),
    probA,
    probB,
    nIter: numbers('nIter', pairs),
    fitStatus: fitStatus === 1 ? 1 : 0,
  };
}
