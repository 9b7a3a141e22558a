/**
 * Gaussian naive Bayes as scikit-learn 1.2's `GaussianNB`: per class the mean and (population)
 * variance of each feature, every variance widened by `var_smoothing` times the largest feature
 * variance of X, and class priors from the class frequencies unless `priors` are given. Prediction
 * takes the joint log-likelihood log P(c) + sum_f log N(x_f; theta_cf, var_cf); probabilities
 * normalize it with log-sum-exp so tiny likelihoods do not underflow to 0 / 0.
 *
 * A class absent from y (fewer than `nClasses` seen) has no Gaussian and gets probability 0. When
 * every feature of X is constant sklearn's smoothing is 0 and its output NaN; here the smoothing
 * falls back to `var_smoothing` itself, so the model predicts from the priors.
 */
import { invalidParameter } from '../../core/errors.js';
import {
  checkClassification,
  checkFeatures,
  checkParamNames,
  numberParam,
  type Classifier,
  type FitOptions,
  type Matrix,
  type Params,
  type SerializedEstimator,
} from './estimator.js';
import { toRows } from './linalg.js';

const KIND = 'nb';
const PARAM_NAMES = ['var_smoothing', 'priors'] as const;

interface NaiveBayesState {
  nFeatures: number;
  nClasses: number;
  /** Per-class mean of each feature, nClasses rows (sklearn's `theta_`; zeros for absent classes). */
  theta: number[][];
  /** Per-class variance of each feature plus `epsilon` (sklearn's `var_`). */
  var: number[][];
  /** Samples per class (sklearn's `class_count_`); 0 marks a class absent from y. */
  classCount: number[];
  /** Prior per class (sklearn's `class_prior_`). */
  classPrior: number[];
  /** The variance added to every variance (sklearn's `epsilon_`). */
  epsilon: number;
}

/** Gaussian naive Bayes classifier. */
export class GaussianNB implements Classifier {
  readonly kind = KIND;
  readonly task = 'classification' as const;
  readonly params: Params;
  private readonly varSmoothing: number;
  private readonly priors: number[] | null;
  private state: NaiveBayesState | undefined;
  /** log(2 pi var) summed over features, per class: fixed once fitted, so computed once. */
  private logNormalizer: Float64Array | undefined;

  /** Takes scikit-learn's hyper-parameters; unknown names and bad values are refused. */
  constructor(params: Params = {}) {
    checkParamNames(params, PARAM_NAMES, 'GaussianNB');
    this.varSmoothing = numberParam(params, 'var_smoothing', 1e-9, (v) => v >= 0, 'a number >= 0');
    const priors = params.priors ?? null;
    if (priors !== null) {
      if (!Array.isArray(priors) || !priors.every((p) => typeof p === 'number' && Number.isFinite(p))) throw invalidParameter(`priors must be null or an array of numbers, one per class, got ${JSON.stringify(priors)}`);
      if (priors.some((p) => p < 0)) throw invalidParameter('priors must be non-negative');
      const sum = priors.reduce((a, b) => a + b, 0);
      // numpy's isclose(sum, 1) with its default tolerances, as sklearn checks.
      if (!(Math.abs(sum - 1) <= 1e-8 + 1e-5)) throw invalidParameter(`priors must sum to 1, they sum to ${sum}`);
    }
    this.priors = priors;
    this.params = { var_smoothing: this.varSmoothing, priors };
  }

  /** Number of classes seen at fit (0 before). */
  get nClasses(): number {
    return this.state?.nClasses ?? 0;
  }

  /** Fits per-class feature means and variances and the class priors. */
  async fit(X: Matrix, y: Int32Array, options: FitOptions = {}): Promise<void> {
    const k = checkClassification(X, y, options);
    const { rows: n, cols: p, data } = X;
    if (this.priors && this.priors.length !== k) throw invalidParameter(`priors has ${this.priors.length} values for ${k} classes`);
    const counts = new Float64Array(k);
    const theta = new Float64Array(k * p);
    for (let i = 0; i < n; i++) {
      counts[y[i]]++;
      for (let f = 0; f < p; f++) theta[y[i] * p + f] += data[i * p + f];
    }
    for (let c = 0; c < k; c++) if (counts[c] > 0) for (let f = 0; f < p; f++) theta[c * p + f] /= counts[c];
    const variance = new Float64Array(k * p);
    for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) variance[y[i] * p + f] += (data[i * p + f] - theta[y[i] * p + f]) ** 2;
    for (let c = 0; c < k; c++) if (counts[c] > 0) for (let f = 0; f < p; f++) variance[c * p + f] /= counts[c];

    const maxVariance = largestVariance(X);
    const epsilon = this.varSmoothing * (maxVariance > 0 ? maxVariance : 1);
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      for (let f = 0; f < p; f++) {
        variance[c * p + f] += epsilon;
        if (!(variance[c * p + f] > 0)) throw invalidParameter(`feature ${f} is constant within class ${c}, so its variance is 0; GaussianNB needs var_smoothing > 0 for such data`);
      }
    }
    const prior = this.priors ? Float64Array.from(this.priors) : Float64Array.from(counts, (count) => count / n);
    if (!prior.some((v, c) => v > 0 && counts[c] > 0)) throw invalidParameter('priors give probability 0 to every class present in y');
    this.state = {
      nFeatures: p,
      nClasses: k,
      theta: toRows(theta, k, p),
      var: toRows(variance, k, p),
      classCount: Array.from(counts),
      classPrior: Array.from(prior),
      epsilon,
    };
    this.logNormalizer = undefined;
  }

  private fitted(X: Matrix): NaiveBayesState {
    if (!this.state) throw invalidParameter('GaussianNB is not fitted yet; call fit first');
    checkFeatures(X, this.state.nFeatures, 'GaussianNB');
    return this.state;
  }

  /** log P(c) + log P(x | c) per row and class, rows x nClasses (-Infinity for classes absent at fit). */
  jointLogLikelihood(X: Matrix): Float64Array {
    const state = this.fitted(X);
    const k = state.nClasses;
    const p = state.nFeatures;
    if (!this.logNormalizer) {
      this.logNormalizer = new Float64Array(k);
      for (let c = 0; c < k; c++) {
        let sum = 0;
        for (let f = 0; f < p; f++) sum += Math.log(2 * Math.PI * state.var[c][f]);
        this.logNormalizer[c] = -0.5 * sum;
      }
    }
    const out = new Float64Array(X.rows * k);
    for (let c = 0; c < k; c++) {
      if (state.classCount[c] === 0) {
        for (let i = 0; i < X.rows; i++) out[i * k + c] = -Infinity;
        continue;
      }
      const mean = state.theta[c];
      const variance = state.var[c];
      const base = Math.log(state.classPrior[c]) + this.logNormalizer[c];
      for (let i = 0; i < X.rows; i++) {
        let sum = 0;
        for (let f = 0; f < p; f++) sum += (X.data[i * p + f] - mean[f]) ** 2 / variance[f];
        out[i * k + c] = base - 0.5 * sum;
      }
    }
    return out;
  }

  /** The class with the largest joint log-likelihood (the first on ties, as numpy's argmax). */
  predict(X: Matrix): Int32Array {
    const k = this.fitted(X).nClasses;
    const jll = this.jointLogLikelihood(X);
    const out = new Int32Array(X.rows);
    for (let i = 0; i < X.rows; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (jll[i * k + c] > jll[i * k + best]) best = c;
      out[i] = best;
    }
    return out;
  }

  /** Log class probabilities, rows x nClasses: the joint log-likelihood minus its log-sum-exp. */
  predictLogProba(X: Matrix): Float64Array {
    const k = this.fitted(X).nClasses;
    const jll = this.jointLogLikelihood(X);
    for (let i = 0; i < X.rows; i++) {
      let top = -Infinity;
      for (let c = 0; c < k; c++) top = Math.max(top, jll[i * k + c]);
      let sum = 0;
      for (let c = 0; c < k; c++) sum += Math.exp(jll[i * k + c] - top);
      const logNorm = Math.log(sum) + top;
      for (let c = 0; c < k; c++) jll[i * k + c] -= logNorm;
    }
    return jll;
  }

  /** Class probabilities, rows x nClasses. */
  predictProba(X: Matrix): Float64Array {
    const out = this.predictLogProba(X);
    for (let i = 0; i < out.length; i++) out[i] = Math.exp(out[i]);
    return out;
  }

  /** The fitted model as JSON (`theta`, `var`, `classPrior` as sklearn's `theta_`, `var_`, `class_prior_`). */
  toJSON(): SerializedEstimator {
    if (!this.state) throw invalidParameter('GaussianNB is not fitted yet; call fit first');
    return { kind: KIND, task: 'classification', params: { ...this.params }, state: { ...this.state } };
  }

  /** Restores a model saved by `toJSON`; predictions are bit-identical. */
  static fromJSON(json: SerializedEstimator): GaussianNB {
    if (json.kind !== KIND) throw invalidParameter(`expected a serialized ${KIND} model, got ${json.kind}`);
    const model = new GaussianNB(json.params);
    const state = json.state as unknown as NaiveBayesState;
    const k = state.nClasses;
    if (!Array.isArray(state.theta) || !Array.isArray(state.var) || state.theta.length !== k || state.var.length !== k || state.classCount?.length !== k || state.classPrior?.length !== k) {
      throw invalidParameter('serialized GaussianNB state is malformed');
    }
    model.state = structuredClone(state);
    return model;
  }
}

/** The largest per-feature (population) variance of X, as `np.var(X, axis=0).max()`. */
function largestVariance(X: Matrix): number {
  const { rows: n, cols: p, data } = X;
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) mean[f] += data[i * p + f];
  for (let f = 0; f < p; f++) mean[f] /= n;
  const sums = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) sums[f] += (data[i * p + f] - mean[f]) ** 2;
  let max = 0;
  for (let f = 0; f < p; f++) max = Math.max(max, sums[f] / n);
  return max;
}
