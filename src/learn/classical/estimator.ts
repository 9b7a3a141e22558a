/**
 * The contract every classical estimator keeps, and the dense feature matrix they read.
 *
 * Hyper-parameters keep scikit-learn's names and defaults (`n_estimators`, `max_depth`, `C`, `gamma`…)
 * in snake_case, so a user carries settings over from a notebook without translating them. Classes
 * are indices 0..k-1: the table layer (`src/learn/table.ts`) maps labels to indices in sorted order,
 * as scikit-learn's `np.unique` does, so class order and probability columns line up with sklearn's.
 */
import { invalidParameter } from '../../core/errors.js';

/** A dense row-major matrix of features: `rows` samples by `cols` features. */
export interface Matrix {
  readonly data: Float64Array;
  readonly rows: number;
  readonly cols: number;
}

/** Hyper-parameters as scikit-learn names them; values are numbers, strings, booleans or null. */
export type Params = Record<string, number | string | boolean | null | number[]>;

/** A fitted estimator as JSON: what to build, with which hyper-parameters, and what it learned. */
export interface SerializedEstimator {
  /** The registry name (`lr`, `rf`, …) that `loadEstimator` builds it back from. */
  kind: string;
  task: 'classification' | 'regression';
  params: Params;
  /** Learned state; numeric arrays are plain number arrays so JSON round-trips exactly. */
  state: Record<string, unknown>;
}

/** Options every `fit` takes. */
export interface FitOptions {
  /** Number of classes k when some may be absent from this fold's y (classifiers only). */
  nClasses?: number;
}

/** A classifier over class indices 0..k-1. */
export interface Classifier {
  readonly kind: string;
  readonly task: 'classification';
  /** Hyper-parameters, defaults filled in. */
  readonly params: Params;
  /** Learns from features X and class indices y; resolves once fitted. */
  fit(X: Matrix, y: Int32Array, options?: FitOptions): Promise<void>;
  /** The most likely class index per row. */
  predict(X: Matrix): Int32Array;
  /** Class probabilities, rows x k row-major; absent where the method has none (e.g. SVM without `probability`). */
  predictProba?(X: Matrix): Float64Array;
  /** Number of classes seen at fit. */
  readonly nClasses: number;
  toJSON(): SerializedEstimator;
}

/** A regressor over real targets (the same `kind` names as classifiers: `cart`, `rf`, `gbt`). */
export interface Regressor {
  readonly kind: string;
  readonly task: 'regression';
  readonly params: Params;
  fit(X: Matrix, y: Float64Array): Promise<void>;
  predict(X: Matrix): Float64Array;
  toJSON(): SerializedEstimator;
}

export type Estimator = Classifier | Regressor;

/** Wraps a row-major array as a matrix, checking its size and that every value is finite. */
export function matrix(data: Float64Array, rows: number, cols: number): Matrix {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 1) throw invalidParameter(`a feature matrix needs whole row and column counts, got ${rows} x ${cols}`);
  if (data.length !== rows * cols) throw invalidParameter(`a ${rows} x ${cols} feature matrix needs ${rows * cols} values, got ${data.length}`);
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) {
      throw invalidParameter(`feature ${i % cols} of row ${Math.floor(i / cols)} is ${data[i]}: estimators need finite numbers (drop or impute missing values first)`);
    }
  }
  return { data, rows, cols };
}

/** A matrix from an array of rows (tests, small inputs). */
export function fromRows(rows: readonly (readonly number[])[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const data = new Float64Array(rows.length * cols);
  rows.forEach((row, i) => {
    if (row.length !== cols) throw invalidParameter(`row ${i} has ${row.length} values, row 0 has ${cols}`);
    data.set(row, i * cols);
  });
  return matrix(data, rows.length, cols);
}

/** The rows of X at `indices`, in that order (a fold's training or test part). */
export function takeRows(X: Matrix, indices: ArrayLike<number>): Matrix {
  const data = new Float64Array(indices.length * X.cols);
  for (let i = 0; i < indices.length; i++) data.set(X.data.subarray(indices[i] * X.cols, (indices[i] + 1) * X.cols), i * X.cols);
  return { data, rows: indices.length, cols: X.cols };
}

/** The entries of a label or target array at `indices`. */
export function take<T extends Int32Array | Float64Array>(values: T, indices: ArrayLike<number>): T {
  const out = new (values.constructor as new (n: number) => T)(indices.length);
  for (let i = 0; i < indices.length; i++) out[i] = values[indices[i]];
  return out;
}

/** Checks that X and y agree and y holds class indices; returns k (the `nClasses` option or max + 1). */
export function checkClassification(X: Matrix, y: Int32Array, options: FitOptions = {}): number {
  if (X.rows !== y.length) throw invalidParameter(`X has ${X.rows} rows but y has ${y.length} labels`);
  if (X.rows === 0) throw invalidParameter('cannot fit on zero samples');
  let max = 0;
  for (let i = 0; i < y.length; i++) {
    if (!Number.isInteger(y[i]) || y[i] < 0) throw invalidParameter(`label ${i} is ${y[i]}, not a class index`);
    if (y[i] > max) max = y[i];
  }
  const k = options.nClasses ?? max + 1;
  if (max >= k) throw invalidParameter(`label ${max} is out of range for ${k} classes`);
  return k;
}

/** Checks that X and y agree for regression and that every target is finite. */
export function checkRegression(X: Matrix, y: Float64Array): void {
  if (X.rows !== y.length) throw invalidParameter(`X has ${X.rows} rows but y has ${y.length} targets`);
  if (X.rows === 0) throw invalidParameter('cannot fit on zero samples');
  for (let i = 0; i < y.length; i++) if (!Number.isFinite(y[i])) throw invalidParameter(`target ${i} is ${y[i]}: targets must be finite numbers`);
}

/** Checks that X has the number of features the estimator was fitted on. */
export function checkFeatures(X: Matrix, expected: number, kind: string): void {
  if (X.cols !== expected) throw invalidParameter(`${kind} was fitted on ${expected} features, X has ${X.cols}`);
}

/** The index of the largest of `k` values starting at `offset` (first one wins ties, as numpy's argmax). */
export function argmax(values: ArrayLike<number>, offset: number, k: number): number {
  let best = 0;
  for (let j = 1; j < k; j++) if (values[offset + j] > values[offset + best]) best = j;
  return best;
}

/** Reads a numeric hyper-parameter, with a default and bounds; a wrong type is INVALID_PARAMETER_VALUE. */
export function numberParam(params: Params, name: string, fallback: number, check: (v: number) => boolean = () => true, what = 'a valid number'): number {
  const value = params[name] ?? fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !check(value)) throw invalidParameter(`${name} must be ${what}, got ${JSON.stringify(value)}`);
  return value;
}

/** Reads a string hyper-parameter that must be one of `choices`. */
export function choiceParam<T extends string>(params: Params, name: string, fallback: T, choices: readonly T[]): T {
  const value = params[name] ?? fallback;
  if (typeof value !== 'string' || !choices.includes(value as T)) throw invalidParameter(`${name} must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
  return value as T;
}

/** Refuses hyper-parameter names the estimator does not know (a typo must not be silently ignored). */
export function checkParamNames(params: Params, known: readonly string[], kind: string): void {
  for (const name of Object.keys(params)) {
    if (!known.includes(name)) throw invalidParameter(`${kind} has no hyper-parameter ${name}; it takes ${known.join(', ')}`);
  }
}
