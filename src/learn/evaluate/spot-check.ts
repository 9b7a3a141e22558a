/**
 * The spot-check workflow: evaluate several algorithms on one table with the same folds, optionally
 * tuning each inside nested cross-validation, and present the results: per model the mean and
 * standard deviation of every score, a box plot comparing them, and a confusion matrix per model.
 * With a recorder, the whole check is one tracked run: per-fold scores as metric steps, summaries as
 * `<model>.<score>_mean` / `_std`, the plots and a JSON of every figure as artifacts.
 */
import type { RunRecorder } from '../../core/run-recorder.js';
import { createEstimator, estimatorTitle } from '../classical/index.js';
import type { Params } from '../classical/estimator.js';
import type { Table } from '../table.js';
import { crossValidate, type CrossValidation, type Dataset } from './cross-validate.js';
import { comparisonBoxPlotPng, confusionMatrixPng } from './plots.js';
import { defaultScoring, nestedCrossValidate } from './search.js';
import { makeFolds, type SplitScheme } from './splits.js';

/** What to check. */
export interface SpotCheckOptions {
  table: Table;
  /** Registry short names (lr, lda, knn, cart, nb, svm, rf, gbt). */
  models: string[];
  scheme: SplitScheme;
  /** Hyper-parameters per model (scikit-learn names). */
  params?: Record<string, Params>;
  /** Candidates per model for nested cross-validation; the inner scheme cuts each outer training part. */
  search?: { candidates: Record<string, Params[]>; inner: SplitScheme };
  /** The score that ranks models and picks hyper-parameters (default accuracy / r2). */
  scoring?: string;
  recorder?: RunRecorder;
  onFold?: (model: string, fold: number, folds: number) => void;
}

/** One model's outcome. */
export interface ModelResult {
  model: string;
  title: string;
  params: Params;
  cv: CrossValidation;
  /** Hyper-parameters each outer fold chose (nested cross-validation only). */
  chosen?: Params[];
}

/** The whole check. */
export interface SpotCheck {
  task: 'classification' | 'regression';
  scoring: string;
  folds: number;
  rows: number;
  features: string[];
  classes: string[];
  results: ModelResult[];
  /** The model with the best mean score. */
  best: string;
}

const LOWER_IS_BETTER = new Set(['rmse', 'mae']);

/** Cross-validates every model on the same folds and reports (and records) the comparison. */
export async function spotCheck(options: SpotCheckOptions): Promise<SpotCheck> {
  const { table, recorder } = options;
  const data: Dataset = { X: table.X, y: table.y, task: table.task, nClasses: table.classes.length || undefined };
  const scoring = options.scoring ?? defaultScoring(table.task);
  const folds = makeFolds(options.scheme, table.X.rows, {
    y: table.task === 'classification' ? table.y : undefined,
    groups: table.groups,
    coordinates: table.coordinates,
  });
  // Build each estimator once up front so unknown names and bad hyper-parameters fail before any fitting.
  for (const model of options.models) createEstimator(model, table.task, options.params?.[model] ?? {});

  if (recorder) {
    await recorder.logParams({
      task: table.task,
      rows: table.X.rows,
      features: table.featureNames.join(','),
      classes: table.classes.join(','),
      scheme: options.scheme.kind,
      folds: folds.length,
      models: options.models.join(','),
      scoring,
      ...Object.fromEntries(options.models.flatMap((m) => Object.entries(options.params?.[m] ?? {}).map(([k, v]) => [`${m}.${k}`, JSON.stringify(v)]))),
    });
  }

  const results: ModelResult[] = [];
  for (const model of options.models) {
    const params = options.params?.[model] ?? {};
    const candidates = options.search?.candidates[model];
    let cv: CrossValidation;
    let chosen: Params[] | undefined;
    if (candidates?.length && options.search) {
      const inner = options.search.inner;
      const nested = await nestedCrossValidate(
        (p) => createEstimator(model, table.task, { ...params, ...p }),
        data,
        folds,
        (train) => makeFolds(inner, train.X.rows, { y: train.task === 'classification' ? train.y : undefined }),
        candidates,
        scoring,
      );
      cv = nested.outer;
      chosen = nested.chosen;
      nested.outer.folds.forEach((_, i) => options.onFold?.(model, i + 1, folds.length));
    } else {
      cv = await crossValidate(() => createEstimator(model, table.task, params), data, folds, (i) => options.onFold?.(model, i + 1, folds.length));
    }
    results.push({ model, title: estimatorTitle(model), params, cv, ...(chosen ? { chosen } : {}) });
    if (recorder) {
      for (const [i, fold] of cv.folds.entries()) {
        const metrics = Object.fromEntries(Object.entries(fold.scores).filter((e): e is [string, number] => e[1] !== null).map(([k, v]) => [`${model}.${k}`, v]));
        await recorder.logMetrics({ ...metrics, [`${model}.fit_seconds`]: fold.fitSeconds }, i);
      }
      const summary: Record<string, number> = {};
      for (const [name, s] of Object.entries(cv.scores)) {
        if (s.mean !== null) summary[`${model}.${name}_mean`] = s.mean;
        if (s.std !== null) summary[`${model}.${name}_std`] = s.std;
      }
      await recorder.logMetrics(summary, 0);
    }
  }

  const rank = (r: ModelResult) => r.cv.scores[scoring]?.mean ?? null;
  let best = results[0];
  for (const r of results) {
    const a = rank(r);
    const b = rank(best);
    if (a !== null && (b === null || (LOWER_IS_BETTER.has(scoring) ? a < b : a > b))) best = r;
  }
  const check: SpotCheck = {
    task: table.task,
    scoring,
    folds: folds.length,
    rows: table.X.rows,
    features: table.featureNames,
    classes: table.classes,
    results,
    best: best.model,
  };

  if (recorder) {
    await recorder.setTags({ 'tileflow.command': 'cv', 'tileflow.best_model': best.model });
    await recorder.logArtifact('cv_results.json', Buffer.from(JSON.stringify(check, null, 1)));
    const values = results.map((r) => ({ model: r.model, values: r.cv.scores[scoring]?.values.filter((v): v is number => v !== null) ?? [] }));
    await recorder.logArtifact('plots/comparison.png', await comparisonBoxPlotPng(values, scoring, `${scoring} over ${folds.length} folds`));
    for (const r of results) {
      if (r.cv.confusionMatrix) await recorder.logArtifact(`plots/confusion_${r.model}.png`, await confusionMatrixPng(r.cv.confusionMatrix, table.classes, `${r.title}: confusion over all folds`, 'samples'));
    }
  }
  return check;
}
