// The scikit-learn reference for classical estimators (test/fixtures/learn, made by make-reference.py):
// datasets as matrices, sklearn's folds, and sklearn's per-fold scores, so a test fits tileflow's
// estimator on exactly the same training rows and compares fold by fold.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { matrix, take, takeRows, type Estimator, type Matrix, type Params } from '../../src/learn/classical/estimator.js';

/** The folder holding the reference CSVs and reference.json. */
export const LEARN_FIXTURES = path.resolve(import.meta.dirname, '../fixtures/learn');

/** One estimator variant's reference: registry kind, the sklearn hyper-parameters, and per-fold scores. */
export interface ReferenceScores {
  kind: string;
  params: Params;
  /** Accuracy per fold (classification datasets). */
  accuracy?: number[];
  /** R2 per fold (regression datasets). */
  r2?: number[];
}

/** A reference dataset: features, targets, sklearn's test folds, and sklearn's scores per variant. */
export interface ReferenceDataset {
  name: string;
  task: 'classification' | 'regression';
  X: Matrix;
  /** Class indices (classification) or values (regression). */
  y: Int32Array | Float64Array;
  /** Number of classes (classification only; 0 for regression). */
  nClasses: number;
  /** Test indices of each fold; the training rows are all the others, in ascending order. */
  folds: number[][];
  scores: Record<string, ReferenceScores>;
}

interface ReferenceFile {
  sklearn_version: string;
  datasets: Record<string, { file: string; task: 'classification' | 'regression'; rows: number; folds: number[][]; scores: Record<string, ReferenceScores> }>;
}

let referenceFile: ReferenceFile | undefined;
const loaded = new Map<string, ReferenceDataset>();

/** Reads a reference dataset (`iris`, `wine`, `breast-cancer`, `diabetes`), parsed once per process. */
export function loadReference(name: string): ReferenceDataset {
  const cached = loaded.get(name);
  if (cached) return cached;
  referenceFile ??= JSON.parse(fs.readFileSync(path.join(LEARN_FIXTURES, 'reference.json'), 'utf8')) as ReferenceFile;
  const entry = referenceFile.datasets[name];
  if (!entry) throw new Error(`no reference dataset ${name}; reference.json has ${Object.keys(referenceFile.datasets).join(', ')}`);
  const lines = fs.readFileSync(path.join(LEARN_FIXTURES, entry.file), 'utf8').trim().split('\n');
  const cols = lines[0].split(',').length - 1;
  const rows = lines.length - 1;
  const data = new Float64Array(rows * cols);
  const y = entry.task === 'classification' ? new Int32Array(rows) : new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    const values = lines[i + 1].split(',');
    for (let j = 0; j < cols; j++) data[i * cols + j] = Number(values[j]);
    y[i] = Number(values[cols]);
  }
  assert.equal(rows, entry.rows, `${entry.file} has ${rows} rows, reference.json says ${entry.rows}`);
  let nClasses = 0;
  if (entry.task === 'classification') for (const label of y) nClasses = Math.max(nClasses, label + 1);
  const dataset: ReferenceDataset = { name, task: entry.task, X: matrix(data, rows, cols), y, nClasses, folds: entry.folds, scores: entry.scores };
  loaded.set(name, dataset);
  return dataset;
}

/** The training rows of a fold: every row not in its test indices, ascending (as `np.setdiff1d`). */
export function trainIndices(dataset: ReferenceDataset, fold: number): number[] {
  const test = new Set(dataset.folds[fold]);
  const train: number[] = [];
  for (let i = 0; i < dataset.X.rows; i++) if (!test.has(i)) train.push(i);
  return train;
}

/** sklearn's per-fold scores for a variant (accuracy or R2, following the dataset's task). */
export function referenceScores(dataset: ReferenceDataset | string, variant: string): number[] {
  const ds = typeof dataset === 'string' ? loadReference(dataset) : dataset;
  const entry = ds.scores[variant];
  if (!entry) throw new Error(`${ds.name} has no reference variant ${variant}`);
  const scores = ds.task === 'classification' ? entry.accuracy : entry.r2;
  if (!scores) throw new Error(`${ds.name} variant ${variant} has no ${ds.task === 'classification' ? 'accuracy' : 'r2'} scores`);
  return scores;
}

/**
 * Fits `makeEstimator(params)` on each fold's training rows, with the variant's recorded sklearn
 * hyper-parameters, and returns tileflow's score per fold (accuracy, or R2 for regression).
 */
export async function crossValidateReference(makeEstimator: (params: Params) => Estimator, dataset: ReferenceDataset | string, variant: string): Promise<number[]> {
  const ds = typeof dataset === 'string' ? loadReference(dataset) : dataset;
  const entry = ds.scores[variant];
  if (!entry) throw new Error(`${ds.name} has no reference variant ${variant}`);
  const scores: number[] = [];
  for (let fold = 0; fold < ds.folds.length; fold++) {
    const train = trainIndices(ds, fold);
    const test = ds.folds[fold];
    const estimator = makeEstimator({ ...entry.params });
    const Xtrain = takeRows(ds.X, train);
    const Xtest = takeRows(ds.X, test);
    if (estimator.task === 'classification') {
      await estimator.fit(Xtrain, take(ds.y as Int32Array, train), { nClasses: ds.nClasses });
      const predicted = estimator.predict(Xtest);
      let correct = 0;
      for (let i = 0; i < test.length; i++) if (predicted[i] === ds.y[test[i]]) correct++;
      scores.push(correct / test.length);
    } else {
      await estimator.fit(Xtrain, take(ds.y as Float64Array, train));
      const predicted = estimator.predict(Xtest);
      let mean = 0;
      for (const i of test) mean += ds.y[i];
      mean /= test.length;
      let residual = 0;
      let total = 0;
      for (let i = 0; i < test.length; i++) {
        residual += (ds.y[test[i]] - predicted[i]) ** 2;
        total += (ds.y[test[i]] - mean) ** 2;
      }
      scores.push(1 - residual / total);
    }
  }
  return scores;
}

/**
 * Asserts that each fold's score is within `samples` test samples' worth (default one: 1 / fold size)
 * of sklearn's, naming the dataset, variant and fold when it is not. `samples` may be one number per
 * fold, for a fold whose difference a test explains.
 */
export function assertFoldsMatch(actual: readonly number[], dataset: ReferenceDataset | string, variant: string, samples: number | readonly number[] = 1): void {
  const ds = typeof dataset === 'string' ? loadReference(dataset) : dataset;
  const expected = referenceScores(ds, variant);
  assert.equal(actual.length, expected.length, `${ds.name} ${variant}: ${actual.length} fold scores for ${expected.length} folds`);
  for (let fold = 0; fold < expected.length; fold++) {
    const allowed = typeof samples === 'number' ? samples : samples[fold];
    const tolerance = allowed / ds.folds[fold].length + 1e-9;
    assert.ok(
      Math.abs(actual[fold] - expected[fold]) <= tolerance,
      `${ds.name} ${variant} fold ${fold}: tileflow ${actual[fold].toFixed(4)}, scikit-learn ${expected[fold].toFixed(4)} (tolerance ${tolerance.toFixed(4)}); all folds ${actual.map((v) => v.toFixed(4)).join(' ')} vs ${expected.map((v) => v.toFixed(4)).join(' ')}`,
    );
  }
}

/** One case of linear-reference.json (make-linear-reference.py): an sklearn fit and its outputs on probe rows. */
export interface FittedReference {
  name: string;
  /** The rows fitted on. */
  X: Matrix;
  /** Their classes, relabelled 0..k-1 in order when only some classes were kept. */
  y: Int32Array;
  params: Params;
  /** Probe rows of the dataset, for predictions. */
  probes: Matrix;
  /** sklearn's fitted attributes by name (`coef_`, `intercept_`, `theta_`, ...). */
  attributes: Record<string, number | number[] | number[][]>;
  predict: number[];
  predict_proba: number[][];
  decision_function?: number[] | number[][];
  transform?: number[][];
  n_iter?: number[];
}

let fittedFile: { cases: Record<string, Omit<FittedReference, 'name' | 'X' | 'y' | 'probes'> & { dataset: string; rows: number[] | null; probes: number[] }> } | undefined;

/** Reads a case of linear-reference.json with its training rows and probe rows as matrices. */
export function loadFittedReference(name: string): FittedReference {
  fittedFile ??= JSON.parse(fs.readFileSync(path.join(LEARN_FIXTURES, 'linear-reference.json'), 'utf8'));
  const entry = fittedFile?.cases[name];
  if (!entry) throw new Error(`linear-reference.json has no case ${name}`);
  const ds = loadReference(entry.dataset);
  const rows = entry.rows ?? Array.from({ length: ds.X.rows }, (_, i) => i);
  const classes = [...new Set(rows.map((i) => ds.y[i]))].sort((a, b) => a - b);
  return {
    ...entry,
    name,
    X: takeRows(ds.X, rows),
    y: Int32Array.from(rows, (i) => classes.indexOf(ds.y[i])),
    probes: takeRows(ds.X, entry.probes),
  };
}

/** Asserts max |actual - expected| <= tolerance x max |expected| over all entries (nested arrays are flattened). */
export function assertAllClose(actual: ArrayLike<number> | readonly (readonly number[])[], expected: number | readonly number[] | readonly (readonly number[])[], tolerance: number, what: string): void {
  const flat = (values: unknown): number[] => (Array.isArray(values) ? values.flat(2) : typeof values === 'number' ? [values] : Array.from(values as ArrayLike<number>));
  const a = flat(actual);
  const e = flat(expected);
  assert.equal(a.length, e.length, `${what}: ${a.length} values, expected ${e.length}`);
  let scale = 0;
  let worst = 0;
  for (let i = 0; i < e.length; i++) {
    scale = Math.max(scale, Math.abs(e[i]));
    worst = Math.max(worst, Math.abs(a[i] - e[i]));
  }
  assert.ok(worst <= tolerance * (scale || 1), `${what}: differs from the expected values by ${worst.toExponential(2)} (scale ${scale.toExponential(2)}, relative tolerance ${tolerance})`);
}
