/**
 * k-fold evaluation of an estimator: fit a fresh estimator on each fold's training part, score it on
 * the held-out part, and summarise each score as mean and standard deviation over folds (population
 * standard deviation, numpy's default, as `cross_val_score(...).std()` reports). The confusion matrix
 * is summed over folds (each sample is tested once per repeat).
 */
import { invalidParameter } from '../../core/errors.js';
import { take, takeRows, type Estimator, type Matrix } from '../classical/estimator.js';
import { classificationReport, regressionReport, scalarScores, type ConfusionMatrix } from './metrics.js';
import type { Fold } from './splits.js';

/** The data a cross-validation runs on. */
export interface Dataset {
  X: Matrix;
  y: Int32Array | Float64Array;
  task: 'classification' | 'regression';
  /** Number of classes (classification). */
  nClasses?: number;
}

/** What one fold produced. */
export interface FoldResult {
  scores: Record<string, number | null>;
  fitSeconds: number;
  scoreSeconds: number;
  trainSize: number;
  testSize: number;
}

/** Mean, standard deviation and per-fold values of one score; null where no fold defines it. */
export interface ScoreSummary {
  mean: number | null;
  std: number | null;
  values: (number | null)[];
}

/** The outcome of cross-validating one estimator. */
export interface CrossValidation {
  folds: FoldResult[];
  scores: Record<string, ScoreSummary>;
  /** Summed over folds (classification only). */
  confusionMatrix?: ConfusionMatrix;
  fitSeconds: number;
}

/** Mean and population standard deviation of the defined values. */
export function summarise(values: (number | null)[]): ScoreSummary {
  const defined = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (defined.length === 0) return { mean: null, std: null, values };
  const mean = defined.reduce((a, b) => a + b, 0) / defined.length;
  const variance = defined.reduce((s, v) => s + (v - mean) ** 2, 0) / defined.length;
  return { mean, std: Math.sqrt(variance), values };
}

/** Fits `make()` on each fold's training rows and scores it on the fold's test rows. */
export async function crossValidate(make: () => Estimator, data: Dataset, folds: Fold[], onFold?: (index: number, result: FoldResult) => void): Promise<CrossValidation> {
  if (folds.length === 0) throw invalidParameter('cross-validation needs at least one fold');
  const k = data.task === 'classification' ? (data.nClasses ?? Math.max(...data.y) + 1) : 0;
  const results: FoldResult[] = [];
  const confusion = data.task === 'classification' ? Array.from({ length: k }, () => new Array<number>(k).fill(0)) : undefined;
  for (const [index, fold] of folds.entries()) {
    if (fold.train.length === 0 || fold.test.length === 0) throw invalidParameter(`fold ${index + 1} has an empty training or test part`);
    const estimator = make();
    const Xtrain = takeRows(data.X, fold.train);
    const Xtest = takeRows(data.X, fold.test);
    let started = performance.now();
    let scores: Record<string, number | null>;
    let scoreSeconds: number;
    if (estimator.task === 'classification') {
      if (data.task !== 'classification') throw invalidParameter(`${estimator.kind} is a classifier but the target is continuous`);
      const ytrain = take(data.y as Int32Array, fold.train);
      const ytest = take(data.y as Int32Array, fold.test);
      await estimator.fit(Xtrain, ytrain, { nClasses: k });
      const fitSeconds = (performance.now() - started) / 1000;
      started = performance.now();
      const predicted = estimator.predict(Xtest);
      const report = classificationReport(ytest, predicted, k, estimator.predictProba?.(Xtest));
      scoreSeconds = (performance.now() - started) / 1000;
      report.confusion_matrix.forEach((row, i) => row.forEach((v, j) => (confusion![i][j] += v)));
      scores = scalarScores(report);
      results.push({ scores, fitSeconds, scoreSeconds, trainSize: fold.train.length, testSize: fold.test.length });
    } else {
      if (data.task !== 'regression') throw invalidParameter(`${estimator.kind} is a regressor but the target holds classes`);
      const ytrain = take(data.y as Float64Array, fold.train);
      const ytest = take(data.y as Float64Array, fold.test);
      await estimator.fit(Xtrain, ytrain);
      const fitSeconds = (performance.now() - started) / 1000;
      started = performance.now();
      scores = scalarScores(regressionReport(ytest, estimator.predict(Xtest)));
      scoreSeconds = (performance.now() - started) / 1000;
      results.push({ scores, fitSeconds, scoreSeconds, trainSize: fold.train.length, testSize: fold.test.length });
    }
    onFold?.(index, results[index]);
  }
  const names = Object.keys(results[0].scores);
  return {
    folds: results,
    scores: Object.fromEntries(names.map((name) => [name, summarise(results.map((r) => r.scores[name]))])),
    ...(confusion ? { confusionMatrix: confusion } : {}),
    fitSeconds: results.reduce((s, r) => s + r.fitSeconds, 0),
  };
}
