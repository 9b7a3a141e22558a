/**
 * Linear discriminant analysis as scikit-learn 1.2's `LinearDiscriminantAnalysis`: the 'svd' solver
 * follows `_solve_svd` step by step (within-class standardization, SVD of the scaled within-class
 * deviations with rank by `tol`, then an SVD of the weighted class centres), so no covariance matrix is
 * formed or inverted; 'lsqr' solves the pooled covariance against the class means (minimum-norm least
 * squares, as `scipy.linalg.lstsq`); 'eigen' solves the generalized eigenproblem of between- and
 * within-class scatter. 'lsqr' and 'eigen' take `shrinkage`: null (empirical covariance), 'auto'
 * (Ledoit-Wolf on standardized features, as sklearn), or a fixed number in [0, 1].
 *
 * Classes absent from y are left out, as they would be from sklearn's `classes_`, and get probability
 * 0. Deviation from sklearn: a prior of exactly 0 for a class present in y is refused (sklearn keeps
 * a log-prior of -inf, which JSON cannot carry); leave the class out of y instead.
 */
import { invalidParameter } from '../../core/errors.js';
import { cholesky, multiply, svd, symmetricEigen, toRows, transpose } from './linalg.js';
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

const KIND = 'lda';
const PARAM_NAMES = ['solver', 'shrinkage', 'priors', 'n_components', 'store_covariance', 'tol'] as const;
const EPSILON = 2.220446049250313e-16;

type Solver = 'svd' | 'lsqr' | 'eigen';

interface LdaState {
  nFeatures: number;
  nClasses: number;
  /** The class indices fitted on (those present in y), ascending. */
  classes: number[];
  /** Priors of the fitted classes (sklearn's `priors_`). */
  priors: number[];
  /** Class means, one row per fitted class (sklearn's `means_`). */
  means: number[][];
  /** The prior-weighted overall mean (sklearn's `xbar_`; 'svd' only, else zeros). */
  xbar: number[];
  /** Decision coefficients: one row, or one per fitted class (sklearn's `coef_`). */
  coef: number[][];
  intercept: number[];
  /** nFeatures rows of projection weights (sklearn's `scalings_`; empty for 'lsqr'). */
  scalings: number[][];
  explainedVarianceRatio: number[];
  /** Number of components `transform` returns. */
  nComponents: number;
  /** Pooled within-class covariance (only when `store_covariance` or solver 'lsqr' / 'eigen'). */
  covariance?: number[][];
}

/** Linear discriminant analysis classifier (and projection, via `transform`). */
export class LinearDiscriminantAnalysis implements Classifier {
  readonly kind = KIND;
  readonly task = 'classification' as const;
  readonly params: Params;
  private readonly solver: Solver;
  private readonly shrinkage: 'auto' | number | null;
  private readonly priors: number[] | null;
  private readonly nComponents: number | null;
  private readonly storeCovariance: boolean;
  private readonly tol: number;
  private state: LdaState | undefined;

  /** Takes scikit-learn's hyper-parameters; unknown names and bad values are refused. */
  constructor(params: Params = {}) {
    checkParamNames(params, PARAM_NAMES, 'LinearDiscriminantAnalysis');
    this.solver = choiceParam(params, 'solver', 'svd', ['svd', 'lsqr', 'eigen']);
    const shrinkage = params.shrinkage ?? null;
    if (!(shrinkage === null || shrinkage === 'auto' || (typeof shrinkage === 'number' && shrinkage >= 0 && shrinkage <= 1))) {
      throw invalidParameter(`shrinkage must be null, 'auto' or a number in [0, 1], got ${JSON.stringify(shrinkage)}`);
    }
    if (shrinkage !== null && this.solver === 'svd') throw invalidParameter("shrinkage is not supported with the 'svd' solver; use solver 'lsqr' or 'eigen'");
    this.shrinkage = shrinkage;
    const priors = params.priors ?? null;
    if (priors !== null && !(Array.isArray(priors) && priors.every((p) => typeof p === 'number' && Number.isFinite(p)))) {
      throw invalidParameter(`priors must be null or an array of numbers, one per class, got ${JSON.stringify(priors)}`);
    }
    if (priors?.some((p) => p < 0)) throw invalidParameter('priors must be non-negative');
    this.priors = priors;
    const nComponents = params.n_components ?? null;
    if (nComponents !== null && !(typeof nComponents === 'number' && Number.isInteger(nComponents) && nComponents >= 1)) {
      throw invalidParameter(`n_components must be null or a whole number >= 1, got ${JSON.stringify(nComponents)}`);
    }
    this.nComponents = nComponents;
    const storeCovariance = params.store_covariance ?? false;
    if (typeof storeCovariance !== 'boolean') throw invalidParameter(`store_covariance must be true or false, got ${JSON.stringify(storeCovariance)}`);
    this.storeCovariance = storeCovariance;
    this.tol = numberParam(params, 'tol', 1e-4, (v) => v >= 0, 'a number >= 0');
    this.params = { solver: this.solver, shrinkage, priors, n_components: nComponents, store_covariance: storeCovariance, tol: this.tol };
  }

  /** Number of classes seen at fit (0 before). */
  get nClasses(): number {
    return this.state?.nClasses ?? 0;
  }

  /** Fits class means, priors and the discriminant directions; y needs at least two classes. */
  async fit(X: Matrix, y: Int32Array, options: FitOptions = {}): Promise<void> {
    const k = checkClassification(X, y, options);
    const n = X.rows;
    const p = X.cols;
    const counts = new Float64Array(k);
    for (let i = 0; i < n; i++) counts[y[i]]++;
    const classes: number[] = [];
    for (let c = 0; c < k; c++) if (counts[c] > 0) classes.push(c);
    const m = classes.length;
    if (m < 2) throw invalidParameter(`LinearDiscriminantAnalysis needs at least 2 classes, but y holds only class ${classes[0]}`);
    if (n === m) throw invalidParameter('LinearDiscriminantAnalysis needs more samples than classes');
    const local = new Int32Array(n);
    const position = new Int32Array(k).fill(-1);
    classes.forEach((c, j) => (position[c] = j));
    for (let i = 0; i < n; i++) local[i] = position[y[i]];

    let priors: Float64Array;
    if (this.priors) {
      if (this.priors.length !== k) throw invalidParameter(`priors has ${this.priors.length} values for ${k} classes`);
      priors = Float64Array.from(classes, (c) => (this.priors as number[])[c]);
      if (priors.some((v) => v === 0)) throw invalidParameter('priors must be positive for every class present in y (leave a class out of y to exclude it)');
    } else {
      priors = Float64Array.from(classes, (c) => counts[c] / n);
    }
    let total = 0;
    for (const v of priors) total += v;
    // sklearn renormalizes (with a warning) only when the priors are off by more than 1e-5.
    if (Math.abs(total - 1) > 1e-5) for (let j = 0; j < m; j++) priors[j] /= total;

    const maxComponents = Math.min(m - 1, p);
    if (this.nComponents !== null && this.nComponents > maxComponents) {
      throw invalidParameter(`n_components cannot be larger than min(n_features, n_classes - 1) = ${maxComponents}`);
    }
    const nComponents = this.nComponents ?? maxComponents;

    const means = classMeans(X, local, m);
    let solved: Solved;
    if (this.solver === 'svd') solved = solveSvd(X, local, m, means, priors, this.tol, nComponents);
    else if (this.solver === 'lsqr') solved = solveLstsq(X, local, m, means, priors, this.shrinkage);
    else solved = solveEigen(X, local, m, means, priors, this.shrinkage, nComponents);
    let { coef, intercept } = solved;
    if (m === 2) {
      // Two classes: one decision row, class 1 minus class 0, as sklearn.
      const row = new Float64Array(p);
      for (let f = 0; f < p; f++) row[f] = coef[p + f] - coef[f];
      coef = row;
      intercept = Float64Array.of(intercept[1] - intercept[0]);
    }
    let covariance = solved.covariance;
    if (this.storeCovariance && !covariance) covariance = classCovariance(X, local, m, priors, null);
    this.state = {
      nFeatures: p,
      nClasses: k,
      classes,
      priors: Array.from(priors),
      means: toRows(means, m, p),
      xbar: Array.from(solved.xbar),
      coef: toRows(coef, coef.length / p, p),
      intercept: Array.from(intercept),
      scalings: toRows(solved.scalings, p, solved.scalings.length / p),
      explainedVarianceRatio: Array.from(solved.explainedVarianceRatio),
      nComponents: Math.min(nComponents, solved.scalings.length / p),
      ...(covariance ? { covariance: toRows(covariance, p, p) } : {}),
    };
  }

  private fitted(X: Matrix): LdaState {
    if (!this.state) throw invalidParameter('LinearDiscriminantAnalysis is not fitted yet; call fit first');
    checkFeatures(X, this.state.nFeatures, 'LinearDiscriminantAnalysis');
    return this.state;
  }

  /** X @ coef.T + intercept: rows x c row-major, c = 1 for two classes, else one column per fitted class. */
  decisionFunction(X: Matrix): Float64Array {
    const state = this.fitted(X);
    return linearDecision(X, state.coef, state.intercept);
  }

  /** The class with the largest decision value (two classes: class 1 when the decision is > 0). */
  predict(X: Matrix): Int32Array {
    const state = this.fitted(X);
    return linearPredict(this.decisionFunction(X), X.rows, state.classes);
  }

  /** Class probabilities, rows x nClasses: the softmax of the decision function (a sigmoid for two classes). */
  predictProba(X: Matrix): Float64Array {
    const state = this.fitted(X);
    const decision = this.decisionFunction(X);
    const c = state.coef.length;
    const k = state.nClasses;
    const out = new Float64Array(X.rows * k);
    for (let i = 0; i < X.rows; i++) {
      const row = i * k;
      if (c === 1) {
        const d = decision[i];
        const positive = d >= 0 ? 1 / (1 + Math.exp(-d)) : Math.exp(d) / (1 + Math.exp(d));
        out[row + state.classes[0]] = 1 - positive;
        out[row + state.classes[1]] = positive;
        continue;
      }
      let top = -Infinity;
      for (let j = 0; j < c; j++) top = Math.max(top, decision[i * c + j]);
      let sum = 0;
      for (let j = 0; j < c; j++) sum += Math.exp(decision[i * c + j] - top);
      for (let j = 0; j < c; j++) out[row + state.classes[j]] = Math.exp(decision[i * c + j] - top) / sum;
    }
    return out;
  }

  /** Projects X onto the discriminant directions: rows x nComponents ('svd' and 'eigen' solvers). */
  transform(X: Matrix): Matrix {
    const state = this.fitted(X);
    if (this.solver === 'lsqr') throw invalidParameter("transform is not available with the 'lsqr' solver; use 'svd' or 'eigen'");
    const p = state.nFeatures;
    const r = state.nComponents;
    const data = new Float64Array(X.rows * r);
    for (let i = 0; i < X.rows; i++) {
      for (let j = 0; j < r; j++) {
        let z = 0;
        for (let f = 0; f < p; f++) z += (X.data[i * p + f] - (this.solver === 'svd' ? state.xbar[f] : 0)) * state.scalings[f][j];
        data[i * r + j] = z;
      }
    }
    return { data, rows: X.rows, cols: r };
  }

  /** The fitted model as JSON (`coef`, `intercept`, `means`, `priors`, `scalings` as sklearn names them). */
  toJSON(): SerializedEstimator {
    if (!this.state) throw invalidParameter('LinearDiscriminantAnalysis is not fitted yet; call fit first');
    return { kind: KIND, task: 'classification', params: { ...this.params }, state: { ...this.state } };
  }

  /** Restores a model saved by `toJSON`; predictions are bit-identical. */
  static fromJSON(json: SerializedEstimator): LinearDiscriminantAnalysis {
    if (json.kind !== KIND) throw invalidParameter(`expected a serialized ${KIND} model, got ${json.kind}`);
    const model = new LinearDiscriminantAnalysis(json.params);
    const state = json.state as unknown as LdaState;
    if (!Array.isArray(state.coef) || !Array.isArray(state.intercept) || !Array.isArray(state.classes) || state.coef.length !== state.intercept.length || state.coef.some((row) => row.length !== state.nFeatures)) {
      throw invalidParameter('serialized LinearDiscriminantAnalysis state is malformed');
    }
    model.state = structuredClone(state);
    return model;
  }
}

/** What a solver produces, row-major: coef (m x p), intercept (m), and the projection. */
interface Solved {
  coef: Float64Array;
  intercept: Float64Array;
  xbar: Float64Array;
  /** p x r row-major. */
  scalings: Float64Array;
  explainedVarianceRatio: Float64Array;
  covariance?: Float64Array;
}

/** sklearn's `_solve_svd`. */
function solveSvd(X: Matrix, y: Int32Array, m: number, means: Float64Array, priors: Float64Array, tol: number, maxComponents: number): Solved {
  const { rows: n, cols: p, data } = X;
  const xbar = new Float64Array(p);
  for (let j = 0; j < m; j++) for (let f = 0; f < p; f++) xbar[f] += priors[j] * means[j * p + f];
  // Within-class deviations, scaled per feature by their standard deviation (1 where it is 0).
  const within = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) within[i * p + f] = data[i * p + f] - means[y[i] * p + f];
  const std = new Float64Array(p);
  for (let f = 0; f < p; f++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += within[i * p + f];
    mean /= n;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (within[i * p + f] - mean) ** 2;
    std[f] = Math.sqrt(sum / n) || 1;
  }
  const factor = Math.sqrt(1 / (n - m));
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) within[i * p + f] = factor * (within[i * p + f] / std[f]);
  const first = svd(within, n, p);
  let rank = 0;
  while (rank < first.rank && first.s[rank] > tol) rank++;
  // scalings (p x rank) = (Vt[:rank] / std).T / S[:rank]: whitens the within-class covariance.
  const scalings = new Float64Array(p * rank);
  for (let f = 0; f < p; f++) for (let r = 0; r < rank; r++) scalings[f * rank + r] = first.vt[r * p + f] / std[f] / first.s[r];

  // Class centres, weighted by sqrt(n * prior / (m - 1)), in the whitened space; their SVD gives the directions.
  const fac = 1 / (m - 1);
  const centres = new Float64Array(m * p);
  for (let j = 0; j < m; j++) {
    const weight = Math.sqrt(n * priors[j] * fac);
    for (let f = 0; f < p; f++) centres[j * p + f] = weight * (means[j * p + f] - xbar[f]);
  }
  const projected = multiply(centres, scalings, m, p, rank);
  const second = svd(projected, m, rank);
  let squares = 0;
  for (let r = 0; r < second.rank; r++) squares += second.s[r] ** 2;
  const explained = new Float64Array(Math.min(maxComponents, second.rank));
  for (let r = 0; r < explained.length; r++) explained[r] = second.s[r] ** 2 / squares;
  let rank2 = 0;
  while (rank2 < second.rank && second.s[rank2] > tol * second.s[0]) rank2++;
  // scalings_ = scalings @ Vt.T[:, :rank2]
  const vtTop = transpose(second.vt.subarray(0, rank2 * rank), rank2, rank);
  const finalScalings = multiply(scalings, vtTop, p, rank, rank2);

  const centred = new Float64Array(m * p);
  for (let j = 0; j < m; j++) for (let f = 0; f < p; f++) centred[j * p + f] = means[j * p + f] - xbar[f];
  const projectedMeans = multiply(centred, finalScalings, m, p, rank2);
  const intercept = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let sum = 0;
    for (let r = 0; r < rank2; r++) sum += projectedMeans[j * rank2 + r] ** 2;
    intercept[j] = -0.5 * sum + Math.log(priors[j]);
  }
  const coef = multiply(projectedMeans, transpose(finalScalings, p, rank2), m, rank2, p);
  for (let j = 0; j < m; j++) {
    let sum = 0;
    for (let f = 0; f < p; f++) sum += xbar[f] * coef[j * p + f];
    intercept[j] -= sum;
  }
  return { coef, intercept, xbar, scalings: finalScalings, explainedVarianceRatio: explained };
}

/** sklearn's `_solve_lstsq`: coef = lstsq(Sw, means.T).T with the minimum-norm solution. */
function solveLstsq(X: Matrix, y: Int32Array, m: number, means: Float64Array, priors: Float64Array, shrinkage: 'auto' | number | null): Solved {
  const p = X.cols;
  const covariance = classCovariance(X, y, m, priors, shrinkage);
  // The pooled covariance is symmetric, so its pseudo-inverse comes from its eigen-decomposition,
  // dropping values below eps x the largest as scipy's lstsq (gelsd, cond = eps) does.
  const { values, vectors } = symmetricEigen(covariance, p);
  let largest = 0;
  for (const v of values) largest = Math.max(largest, Math.abs(v));
  const pinv = new Float64Array(p * p);
  for (let r = 0; r < p; r++) {
    if (!(Math.abs(values[r]) > EPSILON * largest)) continue;
    const inverse = 1 / values[r];
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) pinv[a * p + b] += vectors[a * p + r] * inverse * vectors[b * p + r];
  }
  const coef = multiply(means, pinv, m, p, p);
  return { coef, intercept: meanIntercept(means, coef, priors, m, p), xbar: new Float64Array(p), scalings: new Float64Array(0), explainedVarianceRatio: new Float64Array(0), covariance };
}

/** sklearn's `_solve_eigen`: the generalized eigenproblem Sb v = lambda Sw v (scipy `eigh(Sb, Sw)`). */
function solveEigen(X: Matrix, y: Int32Array, m: number, means: Float64Array, priors: Float64Array, shrinkage: 'auto' | number | null, maxComponents: number): Solved {
  const p = X.cols;
  const within = classCovariance(X, y, m, priors, shrinkage);
  const totalScatter = covarianceOf(X.data, X.rows, p, shrinkage);
  const between = new Float64Array(p * p);
  for (let i = 0; i < p * p; i++) between[i] = totalScatter[i] - within[i];
  const l = cholesky(within, p);
  if (!l) throw invalidParameter("the within-class covariance is singular, so the 'eigen' solver cannot use it; set shrinkage or use solver 'svd'");
  // With Sw = L L', the problem becomes C = L^-1 Sb L^-T (symmetric); v = L^-T w for its eigenvectors w.
  const linv = lowerInverse(l, p);
  const c = multiply(multiply(linv, between, p, p, p), transpose(linv, p, p), p, p, p);
  const { values, vectors } = symmetricEigen(c, p);
  const evecs = multiply(transpose(linv, p, p), vectors, p, p, p);
  // Descending eigenvalues, as sklearn sorts them.
  const order = Array.from({ length: p }, (_, j) => p - 1 - j);
  const scalings = new Float64Array(p * p);
  for (let a = 0; a < p; a++) order.forEach((j, r) => (scalings[a * p + r] = evecs[a * p + j]));
  let sum = 0;
  for (const v of values) sum += v;
  const explained = Float64Array.from(order.slice(0, maxComponents), (j) => values[j] / sum);
  const coef = multiply(multiply(means, scalings, m, p, p), transpose(scalings, p, p), m, p, p);
  return { coef, intercept: meanIntercept(means, coef, priors, m, p), xbar: new Float64Array(p), scalings, explainedVarianceRatio: explained, covariance: within };
}

/** -0.5 diag(means @ coef.T) + log(priors). */
function meanIntercept(means: Float64Array, coef: Float64Array, priors: Float64Array, m: number, p: number): Float64Array {
  const intercept = new Float64Array(m);
  for (let j = 0; j < m; j++) {
    let sum = 0;
    for (let f = 0; f < p; f++) sum += means[j * p + f] * coef[j * p + f];
    intercept[j] = -0.5 * sum + Math.log(priors[j]);
  }
  return intercept;
}

/** The inverse of a lower-triangular matrix (itself lower-triangular). */
function lowerInverse(l: Float64Array, n: number): Float64Array {
  const inv = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    inv[j * n + j] = 1 / l[j * n + j];
    for (let i = j + 1; i < n; i++) {
      let sum = 0;
      for (let k = j; k < i; k++) sum -= l[i * n + k] * inv[k * n + j];
      inv[i * n + j] = sum / l[i * n + i];
    }
  }
  return inv;
}

/** Per-class means (m x p), summed in row order as numpy's `add.at`. */
function classMeans(X: Matrix, y: Int32Array, m: number): Float64Array {
  const p = X.cols;
  const means = new Float64Array(m * p);
  const counts = new Float64Array(m);
  for (let i = 0; i < X.rows; i++) {
    counts[y[i]]++;
    for (let f = 0; f < p; f++) means[y[i] * p + f] += X.data[i * p + f];
  }
  for (let j = 0; j < m; j++) for (let f = 0; f < p; f++) means[j * p + f] /= counts[j];
  return means;
}

/** sklearn's `_class_cov`: the prior-weighted sum of each class's (possibly shrunk) covariance. */
function classCovariance(X: Matrix, y: Int32Array, m: number, priors: Float64Array, shrinkage: 'auto' | number | null): Float64Array {
  const p = X.cols;
  const pooled = new Float64Array(p * p);
  for (let j = 0; j < m; j++) {
    let count = 0;
    for (let i = 0; i < X.rows; i++) if (y[i] === j) count++;
    const rows = new Float64Array(count * p);
    let r = 0;
    for (let i = 0; i < X.rows; i++) if (y[i] === j) rows.set(X.data.subarray(i * p, (i + 1) * p), p * r++);
    const cov = covarianceOf(rows, count, p, shrinkage);
    for (let t = 0; t < p * p; t++) pooled[t] += priors[j] * cov[t];
  }
  return pooled;
}

/** sklearn's `_cov`: empirical covariance (divided by n), Ledoit-Wolf on standardized data ('auto'), or fixed shrinkage. */
function covarianceOf(data: Float64Array, n: number, p: number, shrinkage: 'auto' | number | null): Float64Array {
  if (shrinkage === 'auto') {
    const mean = columnMeans(data, n, p);
    const scale = new Float64Array(p);
    for (let f = 0; f < p; f++) {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += (data[i * p + f] - mean[f]) ** 2;
      scale[f] = Math.sqrt(sum / n) || 1;
    }
    const standardized = new Float64Array(n * p);
    for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) standardized[i * p + f] = (data[i * p + f] - mean[f]) / scale[f];
    const shrunk = ledoitWolf(standardized, n, p);
    for (let a = 0; a < p; a++) for (let b = 0; b < p; b++) shrunk[a * p + b] *= scale[a] * scale[b];
    return shrunk;
  }
  const cov = empiricalCovariance(data, n, p);
  if (shrinkage === null) return cov;
  return shrink(cov, p, shrinkage);
}

function columnMeans(data: Float64Array, n: number, p: number): Float64Array {
  const mean = new Float64Array(p);
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) mean[f] += data[i * p + f];
  for (let f = 0; f < p; f++) mean[f] /= n;
  return mean;
}

/** The covariance of centred data divided by n (numpy's `cov(X.T, bias=1)`). */
function empiricalCovariance(data: Float64Array, n: number, p: number): Float64Array {
  const mean = columnMeans(data, n, p);
  const cov = new Float64Array(p * p);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < p; a++) {
      const da = data[i * p + a] - mean[a];
      for (let b = a; b < p; b++) cov[a * p + b] += da * (data[i * p + b] - mean[b]);
    }
  }
  for (let a = 0; a < p; a++) {
    for (let b = a; b < p; b++) {
      cov[a * p + b] /= n;
      cov[b * p + a] = cov[a * p + b];
    }
  }
  return cov;
}

/** (1 - s) cov + s mu I with mu the mean variance (sklearn's `shrunk_covariance`). */
function shrink(cov: Float64Array, p: number, s: number): Float64Array {
  let trace = 0;
  for (let f = 0; f < p; f++) trace += cov[f * p + f];
  const mu = trace / p;
  const out = new Float64Array(p * p);
  for (let t = 0; t < p * p; t++) out[t] = (1 - s) * cov[t];
  for (let f = 0; f < p; f++) out[f * p + f] += s * mu;
  return out;
}

/** sklearn's `ledoit_wolf`: the covariance shrunk by the Ledoit-Wolf optimal coefficient. */
function ledoitWolf(data: Float64Array, n: number, p: number): Float64Array {
  const mean = columnMeans(data, n, p);
  const centred = new Float64Array(n * p);
  for (let i = 0; i < n; i++) for (let f = 0; f < p; f++) centred[i * p + f] = data[i * p + f] - mean[f];
  if (p === 1) {
    let sum = 0;
    for (let i = 0; i < n; i++) sum += centred[i] ** 2;
    return Float64Array.of(sum / n);
  }
  // Shrinkage from sum of squared entries of X'X (delta) and of X2'X2 (beta), X2 = X^2 entrywise.
  const traceTerms = new Float64Array(p);
  let beta = 0;
  for (let i = 0; i < n; i++) {
    let rowSquares = 0;
    for (let f = 0; f < p; f++) {
      const v = centred[i * p + f] ** 2;
      traceTerms[f] += v;
      rowSquares += v;
    }
    beta += rowSquares * rowSquares;
  }
  let traceSum = 0;
  for (let f = 0; f < p; f++) {
    traceTerms[f] /= n;
    traceSum += traceTerms[f];
  }
  const mu = traceSum / p;
  const gram = multiply(transpose(centred, n, p), centred, p, n, p);
  let delta = 0;
  for (let t = 0; t < p * p; t++) delta += gram[t] ** 2;
  delta /= n * n;
  let b = (1 / (p * n)) * (beta / n - delta);
  let d = delta - 2 * mu * traceSum + p * mu * mu;
  d /= p;
  b = Math.min(b, d);
  const shrinkage = b === 0 ? 0 : b / d;
  return shrink(empiricalCovariance(data, n, p), p, shrinkage);
}
