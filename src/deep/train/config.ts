/**
 * The training config (`tileflow train CONFIG.yaml`): data, model, hyper-parameters and registration,
 * in the EuroSAT pipeline's vocabulary (snake_case, as its YAML). Relative paths are relative to the
 * config file. Unknown keys are refused, so a typo never silently falls back to a default.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import YAML from 'yaml';
import { invalidParameter, notFound } from '../../core/errors.js';
import { LOSSES } from '../engine/torch.js';
import { ARCHITECTURES } from '../models/index.js';
import { DEFAULT_HYPERPARAMETERS, type EarlyStopping, type Hyperparameters } from './trainer.js';

const strict = { additionalProperties: false } as const;
const Fraction = Type.Number({ minimum: 0, maximum: 1 });
const PositiveInt = Type.Integer({ minimum: 1 });

const DataSchema = Type.Object(
  {
    /** A folder in the EuroSAT layout: one sub-folder of images per class. */
    folder: Type.Optional(Type.String()),
    /** A chip dataset made by `tileflow dataset …`. */
    dataset: Type.Optional(Type.String()),
    /** Label items of a STAC catalog, optionally chosen with a DuckDB query over a GeoParquet index of the items. */
    stac: Type.Optional(
      Type.Object(
        {
          catalog: Type.String(),
          index: Type.Optional(Type.String()),
          query: Type.Optional(Type.String()),
          class_field: Type.Optional(Type.String()),
          chip_size: Type.Optional(PositiveInt),
        },
        strict,
      ),
    ),
    size: Type.Optional(PositiveInt),
    bands: Type.Optional(Type.Array(PositiveInt, { minItems: 1 })),
    split: Type.Optional(
      Type.Object(
        {
          method: Type.Optional(Type.Union([Type.Literal('random'), Type.Literal('stratified'), Type.Literal('spatial')])),
          val: Type.Optional(Fraction),
          test: Type.Optional(Fraction),
          seed: Type.Optional(Type.Integer()),
        },
        strict,
      ),
    ),
    normalize: Type.Optional(Type.Union([Type.Literal('statistics'), Type.Literal('none')])),
    augment: Type.Optional(Type.Object({ flips: Type.Optional(Type.Boolean()), rot90: Type.Optional(Type.Boolean()) }, strict)),
  },
  strict,
);

const ModelSchema = Type.Object(
  {
    arch: Type.Union(ARCHITECTURES.map((a) => Type.Literal(a))),
    dropout: Type.Optional(Fraction),
    hidden: Type.Optional(PositiveInt),
    layers: Type.Optional(PositiveInt),
    depth: Type.Optional(PositiveInt),
    base: Type.Optional(PositiveInt),
    torchscript: Type.Optional(Type.Object({ path: Type.String(), features: PositiveInt }, strict)),
    /** Node-name prefixes to keep frozen (`backbone` for a TorchScript backbone). */
    freeze: Type.Optional(Type.Array(Type.String())),
    /** Weights to start from (a `.pt` saved by tileflow). */
    weights: Type.Optional(Type.String()),
  },
  strict,
);

const TrainingSchema = Type.Object(
  {
    batch_size: Type.Optional(PositiveInt),
    epochs: Type.Optional(PositiveInt),
    learning_rate: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    decay: Type.Optional(Type.Number({ minimum: 0 })),
    epsilon: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
    momentum: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    optimizer: Type.Optional(Type.Union([Type.Literal('adam'), Type.Literal('sgd'), Type.Literal('rmsprop')])),
    loss: Type.Optional(Type.Union(LOSSES.map((l) => Type.Literal(l)))),
    regularizer: Type.Optional(Type.Union([Type.Literal('l1'), Type.Literal('l2'), Type.Literal('none')])),
    regularization: Type.Optional(Type.Number({ minimum: 0 })),
    focal_gamma: Type.Optional(Type.Number({ minimum: 0 })),
    early_stopping: Type.Optional(
      Type.Object(
        {
          monitor: Type.Optional(Type.Union([Type.Literal('val_loss'), Type.Literal('val_accuracy')])),
          patience: Type.Optional(Type.Integer({ minimum: 0 })),
          min_delta: Type.Optional(Type.Number({ minimum: 0 })),
          restore_best_weights: Type.Optional(Type.Boolean()),
        },
        strict,
      ),
    ),
    threads: Type.Optional(PositiveInt),
    device: Type.Optional(Type.String({ pattern: '^(cpu|cuda(:[0-9]+)?)$' })),
    seed: Type.Optional(Type.Integer()),
  },
  strict,
);

export const TrainConfigSchema = Type.Object(
  {
    experiment: Type.Optional(Type.String({ minLength: 1 })),
    run_name: Type.Optional(Type.String({ minLength: 1 })),
    data: DataSchema,
    model: ModelSchema,
    training: Type.Optional(TrainingSchema),
    /** Registered model name: the trained model becomes its next version. */
    register: Type.Optional(Type.String({ minLength: 1 })),
    /** Work folder for the dataset and checkpoints. */
    output: Type.Optional(Type.String()),
    resume: Type.Optional(Type.Boolean()),
  },
  strict,
);

export type TrainConfig = Static<typeof TrainConfigSchema>;

/** The config with paths made absolute and defaults filled in. */
export interface ResolvedTrainConfig {
  raw: TrainConfig;
  experiment: string;
  runName?: string;
  data: TrainConfig['data'];
  model: TrainConfig['model'];
  hyper: Hyperparameters;
  earlyStopping: EarlyStopping | null;
  threads?: number;
  device: string;
  register?: string;
  output: string;
  resume: boolean;
}

/** Validates a parsed config object; errors name the path of the offending key. */
export function parseTrainConfig(value: unknown, baseDir: string, defaultOutput: string): ResolvedTrainConfig {
  if (!Value.Check(TrainConfigSchema, value)) {
    const first = Value.Errors(TrainConfigSchema, value).First()!;
    const where = first.path || '/';
    throw invalidParameter(`training config ${where}: ${first.message}`);
  }
  const config = value;
  const sources = ['folder', 'dataset', 'stac'].filter((k) => (config.data as Record<string, unknown>)[k] !== undefined);
  if (sources.length !== 1) throw invalidParameter(`training config /data: give exactly one of folder, dataset or stac (got ${sources.join(', ') || 'none'})`);
  const abs = (p: string) => path.resolve(baseDir, p);
  const data = structuredClone(config.data);
  if (data.folder) data.folder = abs(data.folder);
  if (data.dataset) data.dataset = abs(data.dataset);
  if (data.stac) {
    data.stac.catalog = abs(data.stac.catalog);
    if (data.stac.index) data.stac.index = abs(data.stac.index);
    if (data.stac.query && !data.stac.index) throw invalidParameter('training config /data/stac: a query needs the index it runs over');
  }
  const model = structuredClone(config.model);
  if (model.torchscript) model.torchscript.path = abs(model.torchscript.path);
  if (model.weights) model.weights = abs(model.weights);
  if (model.arch === 'torchscript' && !model.torchscript) throw invalidParameter('training config /model: arch torchscript needs torchscript: { path, features }');
  const t = config.training ?? {};
  const hyper: Hyperparameters = {
    batchSize: t.batch_size ?? DEFAULT_HYPERPARAMETERS.batchSize,
    epochs: t.epochs ?? DEFAULT_HYPERPARAMETERS.epochs,
    learningRate: t.learning_rate ?? DEFAULT_HYPERPARAMETERS.learningRate,
    decay: t.decay ?? DEFAULT_HYPERPARAMETERS.decay,
    epsilon: t.epsilon ?? DEFAULT_HYPERPARAMETERS.epsilon,
    momentum: t.momentum ?? DEFAULT_HYPERPARAMETERS.momentum,
    optimizer: t.optimizer ?? DEFAULT_HYPERPARAMETERS.optimizer,
    loss: t.loss ?? DEFAULT_HYPERPARAMETERS.loss,
    regularizer: t.regularizer ?? DEFAULT_HYPERPARAMETERS.regularizer,
    regularization: t.regularization ?? (t.regularizer && t.regularizer !== 'none' ? 1e-4 : 0),
    focalGamma: t.focal_gamma ?? DEFAULT_HYPERPARAMETERS.focalGamma,
    seed: t.seed ?? DEFAULT_HYPERPARAMETERS.seed,
  };
  const es = t.early_stopping;
  return {
    raw: config,
    experiment: config.experiment ?? 'Default',
    runName: config.run_name,
    data,
    model,
    hyper,
    earlyStopping: es
      ? { monitor: es.monitor ?? 'val_loss', patience: es.patience ?? 3, minDelta: es.min_delta ?? 0, restoreBest: es.restore_best_weights ?? true }
      : null,
    threads: t.threads,
    device: t.device ?? 'cpu',
    register: config.register,
    output: config.output ? abs(config.output) : defaultOutput,
    resume: config.resume ?? false,
  };
}

/** Reads and validates a YAML (or JSON) training config file. */
export async function readTrainConfig(file: string, defaultOutput: (name: string) => string): Promise<ResolvedTrainConfig> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`no such training config: ${file}`);
    throw error;
  }
  let value: unknown;
  try {
    value = YAML.parse(text);
  } catch (error) {
    throw invalidParameter(`training config ${file} is not valid YAML: ${(error as Error).message}`);
  }
  return parseTrainConfig(value, path.dirname(path.resolve(file)), defaultOutput(path.basename(file).replace(/\.(ya?ml|json)$/i, '')));
}
