/**
 * The training pipeline behind `tileflow train CONFIG.yaml`: ingest the data into a chip dataset
 * (a EuroSAT-layout folder, an existing dataset, or STAC label items chosen by a DuckDB query), split
 * it, build the model, train with validation, evaluate on the test split, export ONNX with STAC MLM
 * metadata, and record everything as one tracked run, registering the model when asked.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import YAML from 'yaml';
import { invalidParameter } from '../../core/errors.js';
import { openDataset, type ChipDataset } from '../../data/datasets/dataset.js';
import { chipsFromStac } from '../../data/datasets/from-stac.js';
import { importFolder } from '../../data/datasets/import-folder.js';
import { queryItemIds } from '../../data/stac/item-index.js';
import { loadTorch } from '../engine/torch.js';
import { buildModelSpec, type ModelSpec } from '../models/index.js';
import { writeOnnx } from '../onnx/export.js';
import { mlmItem } from '../onnx/mlm.js';
import type { ResolvedTrainConfig } from './config.js';
import { evaluateSplit, type Evaluation } from './evaluate.js';
import { confusionMatrixPng, curvePng } from './plots.js';
import type { RunRecorder } from '../../core/run-recorder.js';
import { train, type EpochRecord } from './trainer.js';

export interface PipelineCallbacks {
  onStage?: (stage: 'ingest' | 'train' | 'test' | 'export' | 'register', detail: string) => void;
  onIngestProgress?: (done: number, total: number) => void;
  onEpochStart?: (epoch: number, batches: number) => void;
  onBatch?: Parameters<typeof train>[0]['onBatch'];
  onEpoch?: (record: EpochRecord) => void;
}

export interface PipelineResult {
  runId: string;
  spec: ModelSpec;
  history: EpochRecord[];
  bestEpoch: number;
  stoppedEarly: boolean;
  test: Evaluation | null;
  /** Registered model version, when `register` was given. */
  modelVersion?: { name: string; version: string };
  onnxPath: string;
}

/** Makes (or opens) the chip dataset the config names, under `output/dataset` when it is built here. */
async function ingest(config: ResolvedTrainConfig, callbacks: PipelineCallbacks): Promise<ChipDataset> {
  const { data } = config;
  if (data.dataset) return openDataset(data.dataset);
  const out = path.join(config.output, 'dataset');
  const split = { method: data.split?.method ?? 'stratified', val: data.split?.val ?? 0.15, test: data.split?.test ?? 0.15, seed: data.split?.seed ?? config.hyper.seed } as const;
  if (config.resume) {
    // A resumed training reuses the dataset it was trained on, so the splits do not move.
    try {
      return await openDataset(out);
    } catch {
      // not built yet: build it below
    }
  }
  if (data.folder) {
    callbacks.onStage?.('ingest', `importing ${data.folder}`);
    await importFolder(data.folder, out, { size: data.size, bands: data.bands, split, overwrite: true, onProgress: callbacks.onIngestProgress });
  } else if (data.stac) {
    const itemIds = data.stac.index ? await queryItemIds(data.stac.index, data.stac.query ?? 'SELECT id FROM items') : undefined;
    callbacks.onStage?.('ingest', `chips from ${data.stac.catalog}${itemIds ? ` (${itemIds.size} items selected)` : ''}`);
    await chipsFromStac(data.stac.catalog, out, {
      size: data.stac.chip_size ?? data.size,
      bands: data.bands,
      classField: data.stac.class_field,
      split,
      itemIds,
      overwrite: true,
    });
  }
  return openDataset(out);
}

/** Flattens the training config into MLflow params (`training.batch_size` → `batch_size`). */
function paramsOf(config: ResolvedTrainConfig, spec: ModelSpec, parameters: number, dataset: ChipDataset): Record<string, string | number | boolean> {
  const h = config.hyper;
  return {
    arch: spec.arch,
    input_shape: spec.inputShape.join('x'),
    classes: spec.classes,
    parameters,
    batch_size: h.batchSize,
    epochs: h.epochs,
    learning_rate: h.learningRate,
    decay: h.decay,
    epsilon: h.epsilon,
    momentum: h.momentum,
    optimizer: h.optimizer,
    loss: h.loss,
    regularizer: h.regularizer,
    regularization: h.regularization,
    seed: h.seed,
    early_stopping: config.earlyStopping ? `${config.earlyStopping.monitor}/${config.earlyStopping.patience}` : 'none',
    device: config.device,
    normalize: config.data.normalize ?? 'statistics',
    train_chips: dataset.indices('train').length,
    val_chips: dataset.indices('val').length,
    test_chips: dataset.indices('test').length,
    dataset: dataset.dir,
  };
}

/** Runs the whole pipeline, recording into `run`; the run ends FINISHED, or FAILED with the error rethrown. */
export async function runTrainingPipeline(config: ResolvedTrainConfig, run: RunRecorder, callbacks: PipelineCallbacks = {}): Promise<PipelineResult> {
  try {
    const result = await pipeline(config, run, callbacks);
    await run.end('FINISHED');
    return result;
  } catch (error) {
    await run.setTags({ 'tileflow.error': String((error as Error).message).slice(0, 4000) }).catch(() => {});
    await run.end('FAILED').catch(() => {});
    throw error;
  }
}

async function pipeline(config: ResolvedTrainConfig, run: RunRecorder, callbacks: PipelineCallbacks): Promise<PipelineResult> {
  const torch = loadTorch();
  callbacks.onStage?.('ingest', 'preparing the chip dataset');
  const dataset = await ingest(config, callbacks);
  try {
    const manifest = dataset.manifest;
    if (manifest.height !== manifest.width) throw invalidParameter(`chips must be square, got ${manifest.width}x${manifest.height}`);
    const spec = buildModelSpec({
      arch: config.model.arch,
      channels: manifest.bands.length,
      classes: manifest.classes.length,
      size: manifest.height,
      dropout: config.model.dropout,
      hidden: config.model.hidden,
      layers: config.model.layers,
      depth: config.model.depth,
      base: config.model.base,
      torchscript: config.model.torchscript,
    });
    if (spec.task !== manifest.task) throw invalidParameter(`${spec.arch} is a ${spec.task} model but the dataset is for ${manifest.task}`);
    const normalizeMode = config.data.normalize ?? 'statistics';
    if (normalizeMode === 'statistics' && !manifest.statistics) throw invalidParameter('the dataset has no band statistics to normalize with; set data.normalize: none');
    const normalization = normalizeMode === 'statistics' && manifest.statistics
      ? { mean: manifest.statistics.bands.map((b) => b.mean), std: manifest.statistics.bands.map((b) => b.std || 1) }
      : null;
    const normalize = normalization ?? 'none';

    const probe = new torch.Model(spec.nodes);
    const parameters = probe.parameterCount().total;
    await run.logParams(paramsOf(config, spec, parameters, dataset));
    await run.setTags({ 'tileflow.task': spec.task, 'tileflow.arch': spec.arch, 'mlflow.source.type': 'JOB', 'tileflow.libtorch': torch.version });
    await run.logArtifact('config/training.yaml', Buffer.from(YAML.stringify(config.raw)));

    callbacks.onStage?.('train', `${spec.arch}: ${parameters.toLocaleString('en')} parameters, ${dataset.indices('train').length} training chips`);
    const batches = Math.ceil(dataset.indices('train').length / config.hyper.batchSize);
    let current = 0;
    const trained = await train({
      dataset,
      spec,
      hyper: config.hyper,
      normalize,
      augment: config.data.augment,
      earlyStopping: config.earlyStopping,
      checkpointDir: path.join(config.output, 'checkpoints'),
      resume: config.resume,
      freeze: config.model.freeze,
      initialWeights: config.model.weights,
      device: config.device,
      threads: config.threads,
      onBatch: (p) => {
        if (p.epoch !== current) {
          current = p.epoch;
          callbacks.onEpochStart?.(p.epoch, batches);
        }
        callbacks.onBatch?.(p);
      },
      onEpoch: async (record) => {
        const { epoch, ...values } = record;
        await run.logMetrics(values as Record<string, number>, epoch);
        callbacks.onEpoch?.(record);
      },
    });
    const { model, history } = trained;
    await run.logMetrics({ best_epoch: trained.bestEpoch }, history.length);

    let test: Evaluation | null = null;
    const classNames = manifest.classes.map((c) => c.name);
    if (dataset.indices('test').length > 0) {
      callbacks.onStage?.('test', `evaluating on ${dataset.indices('test').length} test chips`);
      test = await evaluateSplit(model, dataset, { split: 'test', batchSize: config.hyper.batchSize, normalize, classes: spec.classes });
      await run.logMetrics(
        { test_loss: test.loss, test_accuracy: test.metrics.accuracy, test_precision: test.metrics.precision, test_recall: test.metrics.recall, test_f1: test.metrics.f1 },
        history.length,
      );
      await run.logArtifact('evaluation/confusion_matrix.json', Buffer.from(JSON.stringify({ classes: classNames, matrix: test.confusion, perClass: test.metrics.perClass }, null, 1)));
    }
    // The confusion matrix of the test split, or of validation when there is no test split.
    const confusionSource = test ?? (dataset.indices('val').length ? await evaluateSplit(model, dataset, { split: 'val', batchSize: config.hyper.batchSize, normalize, classes: spec.classes }) : null);
    if (confusionSource) {
      await run.logArtifact('plots/confusion_matrix.png', await confusionMatrixPng(confusionSource.confusion, classNames, `Confusion matrix (${test ? 'test' : 'validation'})`));
    }
    const lossPoints = history.flatMap((h) => [
      { epoch: h.epoch, series: 'train', value: h.loss },
      ...(h.val_loss !== undefined ? [{ epoch: h.epoch, series: 'validation', value: h.val_loss }] : []),
    ]);
    await run.logArtifact('plots/loss_curve.png', await curvePng(lossPoints, `${spec.arch} loss`, config.hyper.loss));

    callbacks.onStage?.('export', 'writing weights, ONNX and MLM metadata');
    const modelDir = path.join(config.output, 'model');
    await fs.mkdir(modelDir, { recursive: true });
    const weights = path.join(modelDir, 'weights.pt');
    model.save(weights);
    const onnxPath = path.join(modelDir, 'model.onnx');
    const exportable = !spec.nodes.some((n) => n.op === 'torchscript');
    if (exportable) {
      await writeOnnx(onnxPath, spec, model.state(), { producerVersion: torch.version, docString: `${spec.arch} trained by tileflow, run ${run.runId}` });
      await run.logArtifact('model/model.onnx', await fs.readFile(onnxPath));
    }
    const item = mlmItem({
      id: config.register ?? `${spec.arch}-${run.runId}`,
      spec,
      bands: manifest.bands,
      normalization,
      classes: manifest.classes,
      modelHref: exportable ? './model.onnx' : './weights.pt',
      totalParameters: parameters,
      frameworkVersion: torch.version,
    });
    await run.logArtifact('model/mlm.json', Buffer.from(JSON.stringify(item, null, 1)));
    await run.logArtifact('model/weights.pt', await fs.readFile(weights));
    await run.logArtifact('model/spec.json', Buffer.from(JSON.stringify(spec, null, 1)));

    let modelVersion: PipelineResult['modelVersion'];
    if (config.register) {
      callbacks.onStage?.('register', `registering ${config.register}`);
      const version = await run.registerModel(config.register, 'model', {
        'tileflow.arch': spec.arch,
        'tileflow.task': spec.task,
        'tileflow.format': exportable ? 'onnx' : 'libtorch',
        ...(test ? { 'tileflow.test_accuracy': test.metrics.accuracy.toFixed(4) } : {}),
      }, `${spec.arch} on ${manifest.bands.length} bands, ${spec.classes} classes`);
      modelVersion = { name: config.register, version };
    }
    return { runId: run.runId, spec, history, bestEpoch: trained.bestEpoch, stoppedEarly: trained.stoppedEarly, test, modelVersion, onnxPath };
  } finally {
    await dataset.close();
  }
}
