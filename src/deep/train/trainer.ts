/**
 * The training loop: epochs over the train split with the prefetching chip loader, validation after
 * every epoch, Keras-style learning-rate decay, early stopping, checkpoints after every epoch, and
 * resumption from the last checkpoint with the optimizer's state.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { invalidParameter } from '../../core/errors.js';
import type { ChipDataset } from '../../data/datasets/dataset.js';
import type { LoaderOptions } from '../../data/datasets/loader.js';
import { loadTorch, type LossName, type NativeModel } from '../engine/torch.js';
import type { ModelSpec } from '../models/spec.js';
import { evaluateSplit } from './evaluate.js';
import { accumulate, classificationMetrics, emptyMatrix } from './metrics.js';

/** Hyper-parameters in the EuroSAT pipeline's vocabulary. */
export interface Hyperparameters {
  batchSize: number;
  epochs: number;
  learningRate: number;
  /** Per-step decay: lr / (1 + decay · iteration), as Keras' legacy optimizers. */
  decay: number;
  epsilon: number;
  momentum: number;
  optimizer: 'adam' | 'sgd' | 'rmsprop';
  loss: LossName;
  regularizer: 'l1' | 'l2' | 'none';
  regularization: number;
  focalGamma: number;
  seed: number;
}

export const DEFAULT_HYPERPARAMETERS: Hyperparameters = {
  batchSize: 32,
  epochs: 10,
  learningRate: 1e-3,
  decay: 0,
  epsilon: 1e-7,
  momentum: 0,
  optimizer: 'adam',
  loss: 'categorical_crossentropy',
  regularizer: 'none',
  regularization: 0,
  focalGamma: 2,
  seed: 42,
};

export interface EarlyStopping {
  monitor: 'val_loss' | 'val_accuracy';
  patience: number;
  /** Smallest change that counts as an improvement. */
  minDelta: number;
  /** Put back the best epoch's weights at the end (Keras' restore_best_weights). */
  restoreBest: boolean;
}

/** What one epoch did. */
export interface EpochRecord {
  epoch: number;
  loss: number;
  accuracy: number;
  val_loss?: number;
  val_accuracy?: number;
  val_precision?: number;
  val_recall?: number;
  val_f1?: number;
  learning_rate: number;
  seconds: number;
  images_per_second: number;
}

export interface TrainerOptions {
  dataset: ChipDataset;
  spec: ModelSpec;
  hyper: Hyperparameters;
  normalize: LoaderOptions['normalize'];
  augment?: LoaderOptions['augment'];
  earlyStopping?: EarlyStopping | null;
  /** Where `last.pt`, `last.optimizer.pt`, `best.pt` and `progress.json` are written. */
  checkpointDir: string;
  /** Continue from the checkpoint in `checkpointDir` when there is one. */
  resume?: boolean;
  /** Node-name prefixes whose parameters stay frozen (transfer learning). */
  freeze?: string[];
  /** Weights to start from (a `.pt` file saved by tileflow). */
  initialWeights?: string;
  device?: string;
  threads?: number;
  onEpoch?: (record: EpochRecord) => Promise<void> | void;
  onBatch?: (progress: { epoch: number; batch: number; batches: number; loss: number }) => void;
}

export interface TrainResult {
  model: NativeModel;
  history: EpochRecord[];
  /** Epoch (1-based) whose weights the model holds at the end. */
  bestEpoch: number;
  stoppedEarly: boolean;
  /** Epochs that were already done when this call resumed (0 for a fresh start). */
  resumedFrom: number;
}

interface Progress {
  specHash: string;
  epoch: number;
  iterations: number;
  history: EpochRecord[];
  best: { epoch: number; value: number } | null;
  wait: number;
  stopped: boolean;
}

/** A hash of what makes checkpoints compatible: the layers and the optimizer. */
function specHash(spec: ModelSpec, hyper: Hyperparameters): string {
  return createHash('sha256').update(JSON.stringify({ nodes: spec.nodes, optimizer: hyper.optimizer })).digest('hex').slice(0, 16);
}

async function readProgress(file: string): Promise<Progress | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Progress;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw invalidParameter(`cannot read the checkpoint progress ${file}: ${(error as Error).message}`);
  }
}

/** Writes a file through a temporary name, so a crash never leaves half a checkpoint. */
async function replace(file: string, write: (tmp: string) => Promise<void> | void): Promise<void> {
  const tmp = `${file}.tmp`;
  await write(tmp);
  await fs.rename(tmp, file);
}

/** Trains a model on the dataset's train split, validating on its val split. */
export async function train(options: TrainerOptions): Promise<TrainResult> {
  const { dataset, spec, hyper } = options;
  const torch = loadTorch();
  if (options.threads) torch.setNumThreads(options.threads);
  torch.manualSeed(hyper.seed);
  const trainCount = dataset.indices('train').length;
  if (trainCount === 0) throw invalidParameter('the dataset has no chips in its train split');
  if (!Number.isInteger(hyper.batchSize) || hyper.batchSize < 1) throw invalidParameter(`batch size must be a positive integer, got ${hyper.batchSize}`);
  if (!Number.isInteger(hyper.epochs) || hyper.epochs < 1) throw invalidParameter(`epochs must be a positive integer, got ${hyper.epochs}`);
  const hasVal = dataset.indices('val').length > 0;
  const classes = spec.classes;

  const model = new torch.Model(spec.nodes, { device: options.device ?? 'cpu' });
  if (options.initialWeights) model.load(options.initialWeights);
  if (options.freeze?.length) {
    const frozen = model.setTrainable(options.freeze, false);
    if (frozen === 0) throw invalidParameter(`freeze matched no parameters: ${options.freeze.join(', ')}`);
  }
  model.configure({
    optimizer: hyper.optimizer,
    lr: hyper.learningRate,
    epsilon: hyper.epsilon,
    momentum: hyper.momentum,
    loss: hyper.loss,
    regularizer: hyper.regularizer,
    regularization: hyper.regularization,
    focalGamma: hyper.focalGamma,
  });

  await fs.mkdir(options.checkpointDir, { recursive: true });
  const files = {
    last: path.join(options.checkpointDir, 'last.pt'),
    optimizer: path.join(options.checkpointDir, 'last.optimizer.pt'),
    best: path.join(options.checkpointDir, 'best.pt'),
    progress: path.join(options.checkpointDir, 'progress.json'),
  };
  const hash = specHash(spec, hyper);
  let progress: Progress = { specHash: hash, epoch: 0, iterations: 0, history: [], best: null, wait: 0, stopped: false };
  if (options.resume) {
    const saved = await readProgress(files.progress);
    if (saved) {
      if (saved.specHash !== hash) throw invalidParameter(`the checkpoint in ${options.checkpointDir} is of another model or optimizer; train into a new folder or drop resume`);
      model.load(files.last);
      model.loadOptimizer(files.optimizer);
      progress = saved;
    }
  }
  const resumedFrom = progress.epoch;
  const early = options.earlyStopping ?? null;
  const monitor = early?.monitor ?? 'val_loss';
  const better = (value: number, best: number) =>
    monitor === 'val_accuracy' ? value > best + (early?.minDelta ?? 0) : value < best - (early?.minDelta ?? 0);

  const batches = Math.ceil(trainCount / hyper.batchSize);
  for (let epoch = progress.epoch + 1; epoch <= hyper.epochs && !progress.stopped; epoch++) {
    const started = performance.now();
    const confusion = emptyMatrix(classes);
    let lossSum = 0;
    let seen = 0;
    let batch = 0;
    let lr = hyper.learningRate;
    for await (const b of dataset.loader({
      split: 'train',
      batchSize: hyper.batchSize,
      shuffle: true,
      seed: hyper.seed,
      epoch,
      normalize: options.normalize,
      augment: options.augment,
      prefetch: 2,
    })) {
      if (hyper.decay > 0) {
        lr = hyper.learningRate / (1 + hyper.decay * progress.iterations);
        model.setLearningRate(lr);
      }
      const step = await model.trainStep(b.x, b.shape, b.y, b.yShape);
      if (!Number.isFinite(step.loss)) throw invalidParameter(`training diverged at epoch ${epoch}, batch ${batch + 1}: the loss is ${step.loss}; lower the learning rate`);
      progress.iterations += 1;
      const n = b.shape[0];
      lossSum += step.loss * n;
      seen += n;
      accumulate(confusion, b.y, step.predicted);
      batch += 1;
      options.onBatch?.({ epoch, batch, batches, loss: lossSum / seen });
    }
    const seconds = (performance.now() - started) / 1000;
    const record: EpochRecord = {
      epoch,
      loss: lossSum / seen,
      accuracy: classificationMetrics(confusion).accuracy,
      learning_rate: lr,
      seconds,
      images_per_second: seen / seconds,
    };
    if (hasVal) {
      const val = await evaluateSplit(model, dataset, { split: 'val', batchSize: hyper.batchSize, normalize: options.normalize, classes });
      Object.assign(record, {
        val_loss: val.loss,
        val_accuracy: val.metrics.accuracy,
        val_precision: val.metrics.precision,
        val_recall: val.metrics.recall,
        val_f1: val.metrics.f1,
      });
    }
    progress.history.push(record);
    progress.epoch = epoch;
    // Without a validation split the training loss is what improves or not.
    const value = hasVal ? (record[monitor] as number) : record.loss;
    if (progress.best === null || better(value, progress.best.value)) {
      progress.best = { epoch, value };
      progress.wait = 0;
      await replace(files.best, (tmp) => model.save(tmp));
    } else {
      progress.wait += 1;
      if (early && progress.wait >= early.patience) progress.stopped = true;
    }
    await replace(files.last, (tmp) => model.save(tmp));
    await replace(files.optimizer, (tmp) => model.saveOptimizer(tmp));
    await replace(files.progress, (tmp) => fs.writeFile(tmp, JSON.stringify(progress, null, 1)));
    await options.onEpoch?.(record);
  }
  let bestEpoch = progress.epoch;
  if ((early?.restoreBest ?? true) && progress.best && progress.best.epoch !== progress.epoch) {
    model.load(files.best);
    bestEpoch = progress.best.epoch;
  }
  return { model, history: progress.history, bestEpoch, stoppedEarly: progress.stopped, resumedFrom };
}
