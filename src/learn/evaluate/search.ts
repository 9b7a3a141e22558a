/**
 * Hyper-parameter search and nested cross-validation. A grid (every combination, keys in sorted order
 * as scikit-learn's `ParameterGrid`) or a seeded random draw of candidates is scored by
 * cross-validation; the best mean wins (first candidate on ties, as `GridSearchCV`). Nested
 * cross-validation runs that search inside each outer training part and scores the refitted winner on
 * the outer test part, so the reported score never saw the data that chose the hyper-parameters.
 */
import { invalidParameter } from '../../core/errors.js';
import { createRandom } from '../../data/datasets/random.js';
import { take, takeRows, type Estimator, type Params } from '../classical/estimator.js';
import { crossValidate, summarise, type CrossValidation, type Dataset, type ScoreSummary } from './cross-validate.js';
import type { Fold } from './splits.js';

type Value = number | string | boolean | null;

/** Values to try per hyper-parameter. */
export type ParamGrid = Record<string, Value[]>;

/** Per hyper-parameter: a list to draw from, or a numeric range (log-uniform when `log`). */
export type ParamDistributions = Record<string, Value[] | { low: number; high: number; log?: boolean; integer?: boolean }>;

/** Scores where lower is better; every other score is maximised. */
const LOWER_IS_BETTER = new Set(['rmse', 'mae']);

/** Every combination of a grid, keys in sorted order, the last key varying fastest. */
export function gridCandidates(grid: ParamGrid): Params[] {
  const keys = Object.keys(grid).sort();
  for (const key of keys) if (!Array.isArray(grid[key]) || grid[key].length === 0) throw invalidParameter(`the grid for ${key} must be a non-empty list`);
  let out: Params[] = [{}];
  for (const key of keys) out = out.flatMap((partial) => grid[key].map((value) => ({ ...partial, [key]: value })));
  return out;
}

/** `count` candidates drawn from distributions with a seeded generator. */
export function randomCandidates(distributions: ParamDistributions, count: number, seed = 0): Params[] {
  if (!Number.isInteger(count) || count < 1) throw invalidParameter(`the number of random candidates must be a positive integer, got ${count}`);
  const random = createRandom(seed, 'search');
  const keys = Object.keys(distributions).sort();
  return Array.from({ length: count }, () => {
    const params: Params = {};
    for (const key of keys) {
      const d = distributions[key];
      if (Array.isArray(d)) {
        if (d.length === 0) throw invalidParameter(`the choices for ${key} must be a non-empty list`);
        params[key] = d[random.int(d.length)];
      } else {
        if (!(d.low < d.high) || (d.log && d.low <= 0)) throw invalidParameter(`the range for ${key} must have 0 < low < high for log ranges, low < high otherwise`);
        const u = random.next();
        let v = d.log ? Math.exp(Math.log(d.low) + u * (Math.log(d.high) - Math.log(d.low))) : d.low + u * (d.high - d.low);
        if (d.integer) v = Math.floor(v);
        params[key] = v;
      }
    }
    return params;
  });
}

/** The default score to choose by: accuracy for classes, R2 for regression. */
export function defaultScoring(task: Dataset['task']): string {
  return task === 'classification' ? 'accuracy' : 'r2';
}

/** One candidate's cross-validated result. */
export interface CandidateResult {
  params: Params;
  score: ScoreSummary;
}

/** A search's outcome: every candidate, and the best one. */
export interface SearchResult {
  scoring: string;
  candidates: CandidateResult[];
  best: CandidateResult;
}

function better(scoring: string, a: number | null, b: number | null): boolean {
  if (a === null) return false;
  if (b === null) return true;
  return LOWER_IS_BETTER.has(scoring) ? a < b : a > b;
}

/** Cross-validates each candidate and returns them all with the best. */
export async function searchParams(make: (params: Params) => Estimator, data: Dataset, folds: Fold[], candidates: Params[], scoring = defaultScoring(data.task)): Promise<SearchResult> {
  if (candidates.length === 0) throw invalidParameter('a search needs at least one candidate');
  const results: CandidateResult[] = [];
  for (const params of candidates) {
    const cv = await crossValidate(() => make(params), data, folds);
    if (!(scoring in cv.scores)) throw invalidParameter(`unknown score ${scoring}; known: ${Object.keys(cv.scores).join(', ')}`);
    results.push({ params, score: cv.scores[scoring] });
  }
  let best = results[0];
  for (const r of results) if (better(scoring, r.score.mean, best.score.mean)) best = r;
  return { scoring, candidates: results, best };
}

/** The data of some rows (an outer fold's training part). */
function subset(data: Dataset, rows: Int32Array): Dataset {
  return { ...data, X: takeRows(data.X, rows), y: take(data.y, rows) };
}

/** Nested cross-validation's outcome: the outer scores and the hyper-parameters each outer fold chose. */
export interface NestedCrossValidation {
  outer: CrossValidation;
  chosen: Params[];
  scoring: string;
}

/**
 * For each outer fold: search the candidates with inner folds cut from the outer training part
 * (`innerFolds` receives that part), refit the winner on the whole outer training part, score it on
 * the outer test part.
 */
export async function nestedCrossValidate(
  make: (params: Params) => Estimator,
  data: Dataset,
  outerFolds: Fold[],
  innerFolds: (train: Dataset) => Fold[],
  candidates: Params[],
  scoring = defaultScoring(data.task),
): Promise<NestedCrossValidation> {
  const chosen: Params[] = [];
  const folds: CrossValidation[] = [];
  for (const fold of outerFolds) {
    const train = subset(data, fold.train);
    const search = await searchParams(make, train, innerFolds(train), candidates, scoring);
    chosen.push(search.best.params);
    folds.push(await crossValidate(() => make(search.best.params), data, [fold]));
  }
  const names = Object.keys(folds[0].scores);
  const confusion = folds[0].confusionMatrix?.map((row, i) => row.map((_, j) => folds.reduce((s, f) => s + f.confusionMatrix![i][j], 0)));
  return {
    scoring,
    chosen,
    outer: {
      folds: folds.map((f) => f.folds[0]),
      scores: Object.fromEntries(names.map((name) => [name, summarise(folds.map((f) => f.scores[name].values[0]))])),
      ...(confusion ? { confusionMatrix: confusion } : {}),
      fitSeconds: folds.reduce((s, f) => s + f.fitSeconds, 0),
    },
  };
}
