/**
 * Logistic regression as scikit-learn 1.2's `LogisticRegression(solver='lbfgs')`. The objective is
 * sklearn 1.2's: the sum of sample log-losses + 0.5 / C * ||W||^2, intercept not penalized. It has the
 * minimizer of C * sum + 0.5 ||W||^2 but is kept at this scale because `tol` (SciPy's gradient
 * tolerance) is applied to its gradient. It is minimized from zero by `lbfgs.ts` with SciPy's stopping
 * rules, so coefficients agree with sklearn's to the solver tolerance.
 *
 * `multi_class`: 'multinomial' fits one softmax model over all classes; 'ovr' one binary model per
 * class (a single one when there are two); 'auto' is multinomial for more than two classes and a
 * single binary model for two, as sklearn. Probabilities are the softmax of the decision function
 * (multinomial) or the one-vs-rest sigmoids normalized to sum to one (ovr), as sklearn computes them.
 * Classes absent from y (fewer than `nClasses` seen) are left out of the fit, as sklearn's `classes_`
 * would leave them, and get probability 0. `class_weight` is null, 'balanced', or an array of weights by
 * class index (sklearn's dict form); `random_state` is accepted and, as in sklearn's lbfgs, unused.
 */
import { invalidParameter } from '../../core/errors.js';
import { minimizeLbfgs, type Objective } from './lbfgs.js';
import {
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
import { linearDecision, linearPredict } from './linear-model.js';

const KIND = 'lr';
const PARAM_NAMES = ['penalty', 'C', 'tol', 'max_iter', 'fit_intercept', 'multi_class', 'solver', 'class_weight', 'random_state'] as const;

/** How the fitted coefficients turn into classes: one binary model, one per class, or a softmax. */
type Mode = 'binary' | 'ovr' | 'multinomial';

interface LogisticState {
  nFeatures: number;
  nClasses: number;
  /** The class indices the model was fitted on (those present in y), ascending. */
  classes: number[];
  mode: Mode;
  /** True for multi_class 'multinomial' on two classes: sklearn keeps class 1's row and uses softmax([-d, d]). */
  binaryMultinomial: boolean;
  /** One row of nFeatures coefficients per model (sklearn's `coef_`). */
  coef: number[][];
  /** One intercept per model (sklearn's `intercept_`). */
  intercept: number[];
  /** L-BFGS iterations per fitted problem (sklearn's `n_iter_`). */
  nIter: number[];
  /** Whether every problem met the tolerance before `max_iter` (sklearn warns when not). */
  converged: boolean;
}

/** L2-regularized logistic regression, multinomial or one-vs-rest, fitted with L-BFGS. */
export class LogisticRegression implements Classifier {
  readonly kind = KIND;
  readonly task = 'classification' as const;
  readonly params: Params;
  private readonly penalty: 'l2' | 'none';
  private readonly C: number;
  private readonly tol: number;
  private readonly maxIter: number;
  private readonly fitIntercept: boolean;
  private readonly multiClass: 'auto' | 'multinomial' | 'ovr';
  private readonly classWeight: 'balanced' | number[] | null;
  private state: LogisticState | undefined;

  /** Takes scikit-learn's hyper-parameters; unknown names and bad values are refused. */
  constructor(params: Params = {}) {
    checkParamNames(params, PARAM_NAMES, 'LogisticRegression');
    // sklearn 1.2 accepts both None and the older 'none' for no penalty.
    const penalty = params.penalty === null ? 'none' : choiceParam(params, 'penalty', 'l2', ['l2', 'none']);
    this.penalty = penalty;
    this.C = numberParam(params, 'C', 1, (v) => v > 0, 'a positive number');
    this.tol = numberParam(params, 'tol', 1e-4, (v) => v >= 0, 'a number >= 0');
    this.maxIter = numberParam(params, 'max_iter', 100, (v) => Number.isInteger(v) && v >= 0, 'a whole number >= 0');
    const fitIntercept = params.fit_intercept ?? true;
    if (typeof fitIntercept !== 'boolean') throw invalidParameter(`fit_intercept must be true or false, got ${JSON.stringify(fitIntercept)}`);
    this.fitIntercept = fitIntercept;
    this.multiClass = choiceParam(params, 'multi_class', 'auto', ['auto', 'multinomial', 'ovr']);
    const solver = choiceParam(params, 'solver', 'lbfgs', ['lbfgs']);
    const classWeight = params.class_weight ?? null;
    if (classWeight !== null && classWeight !== 'balanced' && !(Array.isArray(classWeight) && classWeight.every((w) => typeof w === 'number' && Number.isFinite(w) && w >= 0))) {
      throw invalidParameter(`class_weight must be null, 'balanced' or an array of non-negative weights per class index, got ${JSON.stringify(classWeight)}`);
    }
    this.classWeight = classWeight as 'balanced' | number[] | null;
    const randomState = params.random_state ?? 0;
    if (typeof randomState !== 'number' || !Number.isInteger(randomState)) throw invalidParameter(`random_state must be a whole number, got ${JSON.stringify(randomState)}`);
    this.params = {
      penalty,
      C: this.C,
      tol: this.tol,
      max_iter: this.maxIter,
      fit_intercept: fitIntercept,
      multi_class: this.multiClass,
      solver,
      class_weight: classWeight,
      random_state: randomState,
    };
  }

  /** Number of classes seen at fit (0 before). */
  get nClasses(): number {
    return this.state?.nClasses ?? 0;
  }

  /** Fits by L-BFGS; y must hold at least two distinct classes. */
  async fit(X: Matrix, y: Int32Array, options: FitOptions = {}): Promise<void> {
    const k = checkClassification(X, y, options);
    const counts = new Float64Array(k);
    for (let i = 0; i < y.length; i++) counts[y[i]]++;
    const classes: number[] = [];
    for (let c = 0; c < k; c++) if (counts[c] > 0) classes.push(c);
    if (classes.length < 2) throw invalidParameter(`LogisticRegression needs samples of at least 2 classes, but y holds only class ${classes[0]}`);
    if (Array.isArray(this.classWeight) && this.classWeight.length !== k) throw invalidParameter(`class_weight has ${this.classWeight.length} weights for ${k} classes`);
    const mode: Mode = this.multiClass === 'multinomial' || (this.multiClass === 'auto' && classes.length > 2) ? 'multinomial' : classes.length === 2 ? 'binary' : 'ovr';
    const l2 = this.penalty === 'none' ? 0 : 1 / this.C;
    const p = X.cols;
    const dof = p + (this.fitIntercept ? 1 : 0);
    const m = classes.length;
    const coef: number[][] = [];
    const intercept: number[] = [];
    const nIter: number[] = [];
    let converged = true;

    if (mode === 'multinomial') {
      const local = new Int32Array(y.length);
      const position = new Int32Array(k).fill(-1);
      classes.forEach((c, j) => (position[c] = j));
      for (let i = 0; i < y.length; i++) local[i] = position[y[i]];
      const weights = this.sampleWeights(y, null);
      const result = minimizeLbfgs(multinomialObjective(X, local, m, weights, l2, this.fitIntercept), new Float64Array(m * dof), { maxIterations: this.maxIter, gtol: this.tol });
      nIter.push(result.iterations);
      converged = result.converged;
      // Two classes under 'multinomial': sklearn keeps only class 1's row (the other is its negative at the optimum).
      for (let j = m === 2 ? 1 : 0; j < m; j++) {
        coef.push(Array.from(result.x.subarray(j * dof, j * dof + p)));
        intercept.push(this.fitIntercept ? result.x[j * dof + p] : 0);
      }
    } else {
      const positives = mode === 'binary' ? [classes[1]] : classes;
      for (const positive of positives) {
        const target = new Float64Array(y.length);
        for (let i = 0; i < y.length; i++) target[i] = y[i] === positive ? 1 : 0;
        const weights = this.sampleWeights(y, target);
        const result = minimizeLbfgs(binaryObjective(X, target, weights, l2, this.fitIntercept), new Float64Array(dof), { maxIterations: this.maxIter, gtol: this.tol });
        nIter.push(result.iterations);
        converged &&= result.converged;
        coef.push(Array.from(result.x.subarray(0, p)));
        intercept.push(this.fitIntercept ? result.x[p] : 0);
      }
    }
    this.state = { nFeatures: p, nClasses: k, classes, mode, binaryMultinomial: mode === 'multinomial' && m === 2, coef, intercept, nIter, converged };
  }

  /**
   * Per-sample weights from `class_weight` (null when all are 1). 'balanced' weighs each class by
   * n / (classes x count), over the classes of y (multinomial) or of the 0/1 target (ovr), as sklearn.
   */
  private sampleWeights(y: Int32Array, target: Float64Array | null): Float64Array | null {
    if (this.classWeight === null) return null;
    const weights = new Float64Array(y.length);
    if (Array.isArray(this.classWeight)) {
      for (let i = 0; i < y.length; i++) weights[i] = this.classWeight[y[i]];
      return weights;
    }
    if (target) {
      let positives = 0;
      for (let i = 0; i < target.length; i++) positives += target[i];
      const positive = y.length / (2 * positives);
      const negative = y.length / (2 * (y.length - positives));
      for (let i = 0; i < y.length; i++) weights[i] = target[i] === 1 ? positive : negative;
      return weights;
    }
    const counts = new Map<number, number>();
    for (let i = 0; i < y.length; i++) counts.set(y[i], (counts.get(y[i]) ?? 0) + 1);
    for (let i = 0; i < y.length; i++) weights[i] = y.length / (counts.size * (counts.get(y[i]) as number));
    return weights;
  }

  private fitted(X: Matrix): LogisticState {
    if (!this.state) throw invalidParameter('LogisticRegression is not fitted yet; call fit first');
    checkFeatures(X, this.state.nFeatures, 'LogisticRegression');
    return this.state;
  }

  /**
   * X @ coef.T + intercept: rows x c row-major, one column per model (c = 1 for a binary model, else
   * one per class fitted on, in the order of `classes` in the JSON state), as sklearn's `decision_function`.
   */
  decisionFunction(X: Matrix): Float64Array {
    const state = this.fitted(X);
    return linearDecision(X, state.coef, state.intercept);
  }

  /** The class with the largest decision value (binary: class 1 when the decision is > 0). */
  predict(X: Matrix): Int32Array {
    const state = this.fitted(X);
    return linearPredict(this.decisionFunction(X), X.rows, state.classes);
  }

  /** Class probabilities, rows x nClasses: softmax (multinomial) or normalized sigmoids (ovr). */
  predictProba(X: Matrix): Float64Array {
    const state = this.fitted(X);
    const decision = this.decisionFunction(X);
    const c = state.coef.length;
    const k = state.nClasses;
    const [first, second] = state.classes;
    const out = new Float64Array(X.rows * k);
    for (let i = 0; i < X.rows; i++) {
      const d = decision.subarray(i * c, (i + 1) * c);
      const row = i * k;
      if (state.binaryMultinomial) {
        // softmax([-d, d]) as sklearn computes it for a binary multinomial model.
        const top = Math.abs(d[0]);
        const a = Math.exp(-d[0] - top);
        const b = Math.exp(d[0] - top);
        out[row + first] = a / (a + b);
        out[row + second] = b / (a + b);
      } else if (state.mode === 'binary') {
        const positive = expit(d[0]);
        out[row + first] = 1 - positive;
        out[row + second] = positive;
      } else if (state.mode === 'ovr') {
        let sum = 0;
        for (let j = 0; j < c; j++) sum += expit(d[j]);
        for (let j = 0; j < c; j++) out[row + state.classes[j]] = expit(d[j]) / sum;
      } else {
        let top = -Infinity;
        for (let j = 0; j < c; j++) top = Math.max(top, d[j]);
        let sum = 0;
        for (let j = 0; j < c; j++) sum += Math.exp(d[j] - top);
        for (let j = 0; j < c; j++) out[row + state.classes[j]] = Math.exp(d[j] - top) / sum;
      }
    }
    return out;
  }

  /** The fitted model as JSON; `state.coef` and `state.intercept` are sklearn's `coef_` and `intercept_`. */
  toJSON(): SerializedEstimator {
    if (!this.state) throw invalidParameter('LogisticRegression is not fitted yet; call fit first');
    return { kind: KIND, task: 'classification', params: { ...this.params }, state: { ...this.state } };
  }

  /** Restores a model saved by `toJSON`; predictions are bit-identical. */
  static fromJSON(json: SerializedEstimator): LogisticRegression {
    if (json.kind !== KIND) throw invalidParameter(`expected a serialized ${KIND} model, got ${json.kind}`);
    const model = new LogisticRegression(json.params);
    const state = json.state as unknown as LogisticState;
    if (!Array.isArray(state.coef) || !Array.isArray(state.intercept) || !Array.isArray(state.classes) || state.coef.length !== state.intercept.length || state.coef.some((row) => row.length !== state.nFeatures)) {
      throw invalidParameter('serialized LogisticRegression state is malformed');
    }
    model.state = structuredClone(state);
    return model;
  }
}

/** The logistic function, without overflow for large |z|. */
function expit(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}

/**
 * The binary problem's objective over w = [coef..., intercept?] and its gradient; the per-sample loss
 * is log(1 + exp(z)) - y z, computed without overflow for large |z|.
 */
function binaryObjective(X: Matrix, target: Float64Array, weights: Float64Array | null, l2: number, fitIntercept: boolean): Objective {
  const { data, rows: n, cols: p } = X;
  return (w, grad) => {
    grad.fill(0);
    const b = fitIntercept ? w[p] : 0;
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = i * p;
      let z = b;
      for (let f = 0; f < p; f++) z += data[row + f] * w[f];
      const sw = weights ? weights[i] : 1;
      // One exp serves both the loss and the sigmoid: the same values binomialLoss and expit compute.
      const e = Math.exp(-Math.abs(z));
      const y = target[i];
      loss += sw * (z <= 0 ? Math.log1p(e) - y * z : z * (1 - y) + Math.log1p(e));
      const r = sw * ((z >= 0 ? 1 / (1 + e) : e / (1 + e)) - y);
      for (let f = 0; f < p; f++) grad[f] += r * data[row + f];
      if (fitIntercept) grad[p] += r;
    }
    for (let f = 0; f < p; f++) {
      loss += 0.5 * l2 * w[f] * w[f];
      grad[f] += l2 * w[f];
    }
    return loss;
  };
}

/** The multinomial objective over w = m rows of [coef..., intercept?] and its gradient. */
function multinomialObjective(X: Matrix, y: Int32Array, m: number, weights: Float64Array | null, l2: number, fitIntercept: boolean): Objective {
  const { data, rows: n, cols: p } = X;
  const dof = p + (fitIntercept ? 1 : 0);
  const z = new Float64Array(m);
  const e = new Float64Array(m);
  return (w, grad) => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < n; i++) {
      const row = i * p;
      let top = -Infinity;
      for (let j = 0; j < m; j++) {
        const offset = j * dof;
        let s = fitIntercept ? w[offset + p] : 0;
        for (let f = 0; f < p; f++) s += data[row + f] * w[offset + f];
        z[j] = s;
        if (s > top) top = s;
      }
      let sum = 0;
      for (let j = 0; j < m; j++) {
        e[j] = Math.exp(z[j] - top);
        sum += e[j];
      }
      const sw = weights ? weights[i] : 1;
      loss += sw * (Math.log(sum) + top - z[y[i]]);
      for (let j = 0; j < m; j++) {
        const r = sw * (e[j] / sum - (j === y[i] ? 1 : 0));
        const offset = j * dof;
        for (let f = 0; f < p; f++) grad[offset + f] += r * data[row + f];
        if (fitIntercept) grad[offset + p] += r;
      }
    }
    for (let j = 0; j < m; j++) {
      for (let f = 0; f < p; f++) {
        const v = w[j * dof + f];
        loss += 0.5 * l2 * v * v;
        grad[j * dof + f] += l2 * v;
      }
    }
    return loss;
  };
}
