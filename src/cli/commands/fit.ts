/**
 * `tileflow fit`: fits one classical model on a table (optionally holding part of it out to score
 * on), stores it as the run's `model/estimator.json` (tileflow's own form) and `model/model.onnx`
 * (ONNX-ML, for ONNX Runtime) artifacts and a local file, and registers a model version when asked.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Command } from 'commander';
import { createEstimator, kindsFor } from '../../learn/classical/index.js';
import { take, takeRows } from '../../learn/classical/estimator.js';
import { classificationReport, regressionReport, scalarScores } from '../../learn/evaluate/metrics.js';
import { stratifiedKFold, kFold } from '../../learn/evaluate/splits.js';
import { modelFile } from '../../learn/model-file.js';
import { exportOnnx } from '../../learn/onnx/export.js';
import { readTable } from '../../learn/table.js';
import { CliError } from '../errors.js';
import { json, keyValueTable, metricValue } from '../format.js';
import { parseParams, tableOptions, type TableFlags } from '../learn-options.js';
import { number } from '../options.js';
import { openRunRecorder } from '../run-recorder.js';
import { trackingUriFrom } from '../tracking-source.js';

interface FitFlags extends TableFlags {
  model: string;
  param: string[];
  holdout?: string;
  seed?: string;
  output?: string;
  register?: string;
  experiment: string;
  runName?: string;
  json?: boolean;
}

const collect = (value: string, previous: string[]) => [...previous, value];

/** Registers `tileflow fit`. */
export function registerFitCommand(program: Command): void {
  program
    .command('fit')
    .description('fit a classical model on a table (CSV or Parquet), track it as a run, and optionally register it')
    .requiredOption('--data <file>', 'the table: .csv, .tsv or .parquet')
    .requiredOption('--target <column>', 'the column to predict')
    .requiredOption('--model <name>', `one of ${kindsFor('classification').join(', ')}`)
    .option('--features <columns>', 'feature columns, comma-separated (default: every other numeric column)')
    .option('--param <name=value>', 'a hyper-parameter, scikit-learn name (repeatable), e.g. n_estimators=200', collect, [])
    .option('--holdout <fraction>', 'hold out this fraction (stratified for classes) and score the model on it')
    .option('--seed <n>', 'seed of the holdout split (default 0)')
    .option('--output <file>', 'also write the model file here (JSON)')
    .option('--register <name>', 'register the model as a new version of this registered model')
    .option('--task <task>', 'classification or regression (default: from the target column\'s type)')
    .option('--drop-missing', 'skip rows with a missing or non-finite value instead of failing')
    .option('--experiment <name>', 'experiment of the run', 'fit')
    .option('--run-name <name>', 'name of the run')
    .option('--json', 'print the result as JSON')
    .action(async (flags: FitFlags, command: Command) => {
      const params = parseParams(flags.param, [flags.model])[flags.model] ?? {};
      const holdout = number(flags.holdout, '--holdout', { min: 0 });
      if (holdout !== undefined && !(holdout > 0 && holdout < 1)) throw new CliError(`--holdout must be a fraction between 0 and 1, got ${flags.holdout}`, 2);
      const seed = number(flags.seed, '--seed', { integer: true }) ?? 0;
      const data = await readTable(flags.data, tableOptions(flags));
      const estimator = createEstimator(flags.model, data.task, params);

      // The holdout is one fold of a shuffled (stratified) k-fold with k = round(1 / fraction).
      let train: Int32Array = Int32Array.from({ length: data.X.rows }, (_, i) => i);
      let test: Int32Array | null = null;
      if (holdout) {
        const k = Math.max(2, Math.round(1 / holdout));
        const folds = data.task === 'classification' ? stratifiedKFold(data.y, k, { shuffle: true, seed }) : kFold(data.X.rows, k, { shuffle: true, seed });
        ({ train, test } = folds[0]);
      }

      const open = await openRunRecorder(trackingUriFrom(command.optsWithGlobals().trackingUri), {
        experiment: flags.experiment,
        runName: flags.runName,
        tags: { 'mlflow.source.name': path.resolve(flags.data), 'mlflow.user': process.env.USER ?? 'tileflow', 'tileflow.command': 'fit' },
      });
      try {
        const recorder = open.recorder;
        let scores: Record<string, number | null> = {};
        let version: string | undefined;
        let fitSeconds: number;
        try {
          await recorder.logParams({
            model: flags.model,
            task: data.task,
            target: flags.target,
            rows: data.X.rows,
            features: data.featureNames.join(','),
            ...(holdout ? { holdout, seed } : {}),
            ...Object.fromEntries(Object.entries(estimator.params).map(([k, v]) => [k, JSON.stringify(v)])),
          });
          const started = performance.now();
          if (estimator.task === 'classification') await estimator.fit(takeRows(data.X, train), take(data.y as Int32Array, train), { nClasses: data.classes.length });
          else await estimator.fit(takeRows(data.X, train), take(data.y as Float64Array, train));
          fitSeconds = (performance.now() - started) / 1000;
          if (test) {
            const Xtest = takeRows(data.X, test);
            scores =
              estimator.task === 'classification'
                ? scalarScores(classificationReport(take(data.y as Int32Array, test), estimator.predict(Xtest), data.classes.length, estimator.predictProba?.(Xtest)))
                : scalarScores(regressionReport(take(data.y as Float64Array, test), estimator.predict(Xtest)));
          }
          const metrics = Object.fromEntries(Object.entries(scores).filter((e): e is [string, number] => e[1] !== null).map(([k, v]) => [`holdout_${k}`, v]));
          await recorder.logMetrics({ ...metrics, fit_seconds: fitSeconds }, 0);
          const document = modelFile(estimator, { target: flags.target, features: data.featureNames, classes: data.classes });
          const bytes = Buffer.from(JSON.stringify(document));
          await recorder.logArtifact('model/estimator.json', bytes);
          await recorder.logArtifact('model/model.onnx', exportOnnx(estimator, { featureNames: data.featureNames, ...(data.classes.length ? { classLabels: data.classes } : {}) }));
          if (flags.output) await fs.writeFile(flags.output, bytes);
          if (flags.register) version = await recorder.registerModel(flags.register, 'model', { 'tileflow.model': flags.model }, `${flags.model} fitted on ${path.basename(flags.data)}`);
          await recorder.end('FINISHED');
        } catch (error) {
          await recorder.end('FAILED').catch(() => {});
          throw error;
        }
        const summary = { runId: recorder.runId, model: flags.model, task: data.task, rows: train.length, fitSeconds, holdout: test ? scores : null, registered: version ? { name: flags.register, version } : null, output: flags.output ?? null };
        if (flags.json) {
          process.stdout.write(`${json(summary)}\n`);
        } else {
          const rows: [string, string][] = [
            ['run', recorder.runId],
            ['model', `${flags.model} on ${train.length} rows, ${data.X.cols} features (${fitSeconds.toFixed(2)} s)`],
          ];
          for (const [k, v] of Object.entries(scores)) if (v !== null) rows.push([`holdout ${k}`, metricValue(v)]);
          if (version) rows.push(['registered', `${flags.register} version ${version}`]);
          if (flags.output) rows.push(['written', flags.output]);
          process.stdout.write(`${keyValueTable(rows)}\n`);
        }
      } finally {
        await open.close();
      }
    });
}
