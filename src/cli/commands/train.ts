/**
 * `tileflow train CONFIG.yaml`: the deep-learning pipeline (ingest, split, train, test, export,
 * register), recorded as one run in the tracking store the tracking URI names.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig } from '../../core/config.js';
import { readTrainConfig } from '../../deep/train/config.js';
import { runTrainingPipeline } from '../../deep/train/pipeline.js';
import { json, keyValueTable, metricValue } from '../format.js';
import { number } from '../options.js';
import { progressBar } from '../progress.js';
import { openRunRecorder } from '../run-recorder.js';
import { trackingUriFrom } from '../tracking-source.js';

interface TrainFlags {
  epochs?: string;
  threads?: string;
  device?: string;
  register?: string;
  output?: string;
  resume?: boolean;
  json?: boolean;
}

/** Registers `tileflow train`. */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train a model from a YAML config (data, model, training, register) and track it as a run')
    .argument('<config>', 'training config, YAML (see examples/eurosat.yaml)')
    .option('--epochs <n>', 'override training.epochs')
    .option('--threads <n>', 'override training.threads (libtorch intra-op threads)')
    .option('--device <device>', 'override training.device: cpu, cuda or cuda:N')
    .option('--register <name>', 'override register: the registered model to add a version to')
    .option('--output <dir>', 'override output: work folder for the dataset, checkpoints and model files')
    .option('--resume', 'continue from the last checkpoint in the output folder')
    .option('--json', 'print the result as JSON')
    .action(async (file: string, flags: TrainFlags, command: Command) => {
      const home = loadConfig().home;
      const config = await readTrainConfig(file, (name) => path.join(home, 'training', name));
      const epochs = number(flags.epochs, '--epochs', { integer: true, min: 1 });
      const threads = number(flags.threads, '--threads', { integer: true, min: 1 });
      if (epochs) config.hyper.epochs = epochs;
      if (threads) config.threads = threads;
      if (flags.device) config.device = flags.device;
      if (flags.register) config.register = flags.register;
      if (flags.output) config.output = path.resolve(flags.output);
      if (flags.resume) config.resume = true;

      const open = await openRunRecorder(trackingUriFrom(command.optsWithGlobals().trackingUri), {
        experiment: config.experiment,
        runName: config.runName,
        tags: { 'mlflow.source.name': path.resolve(file), 'mlflow.user': process.env.USER ?? 'tileflow' },
      });
      const log = (line: string) => {
        if (!flags.json) process.stderr.write(`${line}\n`);
      };
      let bar: ReturnType<typeof progressBar> | null = null;
      try {
        log(`run ${open.recorder.runId} in experiment '${config.experiment}' (${open.description})`);
        const ingestBar = progressBar('ingest');
        const result = await runTrainingPipeline(config, open.recorder, {
          onStage: (_stage, detail) => {
            ingestBar.stop();
            log(detail);
          },
          onIngestProgress: (done, total) => ingestBar.update(done, total),
          onEpochStart: (epoch) => {
            bar = progressBar(`epoch ${epoch}/${config.hyper.epochs}`);
          },
          onBatch: (p) => bar?.update(p.batch, p.batches),
          onEpoch: (r) => {
            bar?.stop();
            const val = r.val_loss !== undefined ? ` val_loss ${metricValue(r.val_loss)} val_accuracy ${metricValue(r.val_accuracy!)}` : '';
            log(`epoch ${r.epoch}: loss ${metricValue(r.loss)} accuracy ${metricValue(r.accuracy)}${val} (${r.seconds.toFixed(1)} s, ${r.images_per_second.toFixed(0)} images/s)`);
          },
        });
        const summary = {
          runId: result.runId,
          arch: result.spec.arch,
          epochs: result.history.length,
          bestEpoch: result.bestEpoch,
          stoppedEarly: result.stoppedEarly,
          test: result.test
            ? { loss: result.test.loss, accuracy: result.test.metrics.accuracy, precision: result.test.metrics.precision, recall: result.test.metrics.recall, f1: result.test.metrics.f1, chips: result.test.chips }
            : null,
          modelVersion: result.modelVersion ?? null,
          onnx: result.onnxPath,
        };
        if (flags.json) {
          process.stdout.write(`${json(summary)}\n`);
        } else {
          const rows: [string, string][] = [
            ['run', result.runId],
            ['epochs', `${summary.epochs} (best ${summary.bestEpoch}${summary.stoppedEarly ? ', stopped early' : ''})`],
          ];
          if (summary.test) {
            rows.push(
              ['test loss', metricValue(summary.test.loss)],
              ['test accuracy', metricValue(summary.test.accuracy)],
              ['test precision', metricValue(summary.test.precision)],
              ['test recall', metricValue(summary.test.recall)],
              ['test F1', metricValue(summary.test.f1)],
            );
          }
          if (summary.modelVersion) rows.push(['registered', `${summary.modelVersion.name} version ${summary.modelVersion.version}`]);
          process.stdout.write(`${keyValueTable(rows)}\n`);
        }
      } finally {
        (bar as ReturnType<typeof progressBar> | null)?.stop();
        await open.close();
      }
    });
}
