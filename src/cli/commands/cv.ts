/**
 * `tileflow cv`: the spot check. Cross-validates several classical models on one table with the same
 * folds and prints, per model, the mean and standard deviation of each score; the check is one tracked
 * run with the per-fold scores, a comparison box plot and confusion matrices.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { gridCandidates } from '../../learn/evaluate/search.js';
import { spotCheck, type SpotCheck } from '../../learn/evaluate/spot-check.js';
import { kindsFor } from '../../learn/classical/index.js';
import type { Params } from '../../learn/classical/estimator.js';
import { readTable } from '../../learn/table.js';
import { CliError } from '../errors.js';
import { json, table } from '../format.js';
import { list, parseParams, readGrids, schemeFrom, tableOptions, type SchemeFlags, type TableFlags } from '../learn-options.js';
import { number } from '../options.js';
import { progressBar } from '../progress.js';
import { openRunRecorder } from '../run-recorder.js';
import { trackingUriFrom } from '../tracking-source.js';

interface CvFlags extends TableFlags, SchemeFlags {
  models: string;
  param: string[];
  grid?: string;
  innerFolds?: string;
  scoring?: string;
  experiment: string;
  runName?: string;
  json?: boolean;
}

/** Scores shown in the table, by task (every score is in --json and in the run). */
const SHOWN = {
  classification: ['accuracy', 'balanced_accuracy', 'f1_macro', 'kappa', 'roc_auc'],
  regression: ['rmse', 'mae', 'r2'],
};

const collect = (value: string, previous: string[]) => [...previous, value];

/** `mean ± std`, or n/a when no fold defines the score. */
function meanStd(summary: { mean: number | null; std: number | null } | undefined): string {
  return summary?.mean == null ? 'n/a' : `${summary.mean.toFixed(4)} ± ${(summary.std ?? 0).toFixed(4)}`;
}

/** The JSON document `--json` prints. */
function summaryOf(check: SpotCheck, runId: string) {
  return {
    runId,
    task: check.task,
    rows: check.rows,
    folds: check.folds,
    scoring: check.scoring,
    best: check.best,
    models: check.results.map((r) => ({
      model: r.model,
      title: r.title,
      params: r.params,
      ...(r.chosen ? { chosen: r.chosen } : {}),
      scores: Object.fromEntries(Object.entries(r.cv.scores).map(([k, s]) => [k, { mean: s.mean, std: s.std, folds: s.values }])),
      fit_seconds: r.cv.fitSeconds,
    })),
  };
}

/** Registers `tileflow cv`. */
export function registerCvCommand(program: Command): void {
  program
    .command('cv')
    .description('cross-validate classical models on a table (CSV or Parquet) and compare them, as one tracked run')
    .requiredOption('--data <file>', 'the table: .csv, .tsv or .parquet')
    .requiredOption('--target <column>', 'the column to predict')
    .option('--features <columns>', 'feature columns, comma-separated (default: every other numeric column)')
    .option('--models <names>', `models, comma-separated: ${kindsFor('classification').join(', ')}`, 'lr,lda,knn,cart,nb,svm,rf,gbt')
    .option('--param <model.name=value>', 'a hyper-parameter, scikit-learn name (repeatable), e.g. rf.n_estimators=200', collect, [])
    .option('--folds <k>', 'number of folds (default 5)')
    .option('--stratified', 'stratified k-fold (the default for classes)')
    .option('--shuffle', 'shuffle before cutting folds (seeded by --seed)')
    .option('--seed <n>', 'seed for shuffled and spatial schemes (default 0)')
    .option('--repeats <n>', 'repeated (stratified) k-fold, reshuffled each repeat')
    .option('--loo', 'leave-one-out')
    .option('--group-col <column>', 'group k-fold on this column of group ids (a scene, a field, a fold id)')
    .option('--logo', 'leave-one-group-out on --group-col')
    .option('--spatial <x,y>', 'spatially blocked k-fold on these coordinate columns')
    .option('--block-size <size>', 'block side for --spatial, in the coordinates\' units')
    .option('--grid <file>', 'YAML/JSON grids per model ({rf: {max_depth: [4, 8]}}): nested cross-validation')
    .option('--inner-folds <k>', 'inner folds of nested cross-validation (default 3)')
    .option('--scoring <score>', 'score that ranks models and picks hyper-parameters (default accuracy, or r2)')
    .option('--task <task>', 'classification or regression (default: from the target column\'s type)')
    .option('--drop-missing', 'skip rows with a missing or non-finite value instead of failing')
    .option('--experiment <name>', 'experiment of the run', 'cv')
    .option('--run-name <name>', 'name of the run')
    .option('--json', 'print the result as JSON')
    .action(async (flags: CvFlags, command: Command) => {
      const models = list(flags.models);
      if (models.length === 0) throw new CliError('--models names no model', 2);
      const params = parseParams(flags.param, models);
      const innerFolds = number(flags.innerFolds, '--inner-folds', { integer: true, min: 2 }) ?? 3;
      const grids = flags.grid ? readGrids(flags.grid) : undefined;
      for (const model of Object.keys(grids ?? {})) if (!models.includes(model)) throw new CliError(`${flags.grid} has a grid for ${model}, which is not among the models (${models.join(', ')})`, 2);
      const data = await readTable(flags.data, tableOptions(flags));
      const scheme = schemeFrom(flags, data.task);
      const log = (line: string) => {
        if (!flags.json) process.stderr.write(`${line}\n`);
      };
      if (data.rowsDropped) log(`dropped ${data.rowsDropped} of ${data.rowsRead} rows with missing values`);

      const open = await openRunRecorder(trackingUriFrom(command.optsWithGlobals().trackingUri), {
        experiment: flags.experiment,
        runName: flags.runName,
        tags: { 'mlflow.source.name': path.resolve(flags.data), 'mlflow.user': process.env.USER ?? 'tileflow' },
      });
      const bars = new Map<string, ReturnType<typeof progressBar>>();
      try {
        log(`run ${open.recorder.runId} in experiment '${flags.experiment}' (${open.description}): ${data.X.rows} rows, ${data.X.cols} features, ${data.task}`);
        let check: SpotCheck;
        try {
          check = await spotCheck({
            table: data,
            models,
            scheme,
            params,
            scoring: flags.scoring,
            recorder: open.recorder,
            search: grids
              ? {
                  candidates: Object.fromEntries(Object.entries(grids).map(([m, g]): [string, Params[]] => [m, gridCandidates(g)])),
                  inner: data.task === 'classification' ? { kind: 'stratified', folds: innerFolds } : { kind: 'kfold', folds: innerFolds },
                }
              : undefined,
            onFold: flags.json
              ? undefined
              : (model, fold, folds) => {
                  if (!bars.has(model)) bars.set(model, progressBar(model.padEnd(4)));
                  bars.get(model)!.update(fold, folds);
                  if (fold === folds) bars.get(model)!.stop();
                },
          });
          await open.recorder.end('FINISHED');
        } catch (error) {
          await open.recorder.end('FAILED').catch(() => {});
          throw error;
        }
        if (flags.json) {
          process.stdout.write(`${json(summaryOf(check, open.recorder.runId))}\n`);
        } else {
          const shown = SHOWN[check.task];
          const rows = check.results.map((r) => [r.model, ...shown.map((s) => meanStd(r.cv.scores[s])), `${r.cv.fitSeconds.toFixed(2)} s`]);
          process.stdout.write(`${table(['model', ...shown.map((s) => `${s} (mean ± std)`), 'fit'], rows)}\n`);
          process.stdout.write(`best by ${check.scoring}: ${check.best}; ${check.folds} folds; run ${open.recorder.runId}\n`);
        }
      } finally {
        for (const bar of bars.values()) bar.stop();
        await open.close();
      }
    });
}
