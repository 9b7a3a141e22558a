/**
 * The libtorch engine: loads tileflow's native addon (native/torch) and types its surface. When the
 * addon or libtorch is missing, `loadTorch()` fails with the commands that install and build them, and
 * nothing else in tileflow is affected (the addon is only loaded on first use).
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { TileflowError } from '../../core/errors.js';
import type { ModelSpec } from '../models/spec.js';

/** Where the addon lands after `node-gyp rebuild` (the same relative path from src/deep and dist/deep). */
export const ADDON_PATH = fileURLToPath(new URL('../../../native/torch/build/Release/tileflow_torch.node', import.meta.url));

/** Optimizer, loss and regularization of a training; names as in the Keras EuroSAT pipeline. */
export interface TrainingOptions {
  optimizer?: 'adam' | 'sgd' | 'rmsprop';
  lr?: number;
  momentum?: number;
  nesterov?: boolean;
  epsilon?: number;
  beta1?: number;
  beta2?: number;
  /** RMSprop's discounting factor. */
  rho?: number;
  weightDecay?: number;
  loss?: LossName;
  regularizer?: 'l1' | 'l2' | 'none';
  /** Factor of the regularizer's penalty (Keras' `l2(0.01)` is 0.01). */
  regularization?: number;
  focalGamma?: number;
}

export type LossName =
  | 'categorical_crossentropy'
  | 'binary_crossentropy'
  | 'cosine_similarity'
  | 'mean_absolute_error'
  | 'mean_squared_logarithmic_error'
  | 'squared_hinge'
  | 'dice'
  | 'focal';

export const LOSSES: readonly LossName[] = [
  'categorical_crossentropy',
  'binary_crossentropy',
  'cosine_similarity',
  'mean_absolute_error',
  'mean_squared_logarithmic_error',
  'squared_hinge',
  'dice',
  'focal',
];

/** A named tensor of the model, copied out as float32. */
export interface NamedTensor {
  name: string;
  kind: 'parameter' | 'buffer';
  shape: number[];
  data: Float32Array;
  trainable: boolean;
}

/** The native Model: a network built from a spec, trained and run on libuv's thread pool. */
export interface NativeModel {
  configure(options: TrainingOptions): void;
  trainStep(x: Float32Array, shape: number[], y: Int32Array, yShape: number[]): Promise<{ loss: number; predicted: Int32Array }>;
  evaluate(
    x: Float32Array,
    shape: number[],
    y: Int32Array,
    yShape: number[],
  ): Promise<{ loss: number; predicted: Int32Array; probabilities: Float32Array; shape: number[] }>;
  /** Class probabilities (softmax over axis 1), or raw outputs with `{ logits: true }`. */
  predict(x: Float32Array, shape: number[], options?: { logits?: boolean }): Promise<{ data: Float32Array; shape: number[] }>;
  setLearningRate(lr: number): void;
  save(path: string): void;
  load(path: string): void;
  saveOptimizer(path: string): void;
  loadOptimizer(path: string): void;
  state(): NamedTensor[];
  /** Freezes (false) or unfreezes (true) the parameters under the given node-name prefixes; returns how many changed. */
  setTrainable(prefixes: string[], trainable: boolean): number;
  parameterCount(): { total: number; trainable: number };
}

/** The addon's exports. */
export interface TorchAddon {
  Model: new (spec: ModelSpec['nodes'], options?: { device?: string }) => NativeModel;
  setNumThreads(threads: number): void;
  getNumThreads(): number;
  cudaAvailable(): boolean;
  manualSeed(seed: number): void;
  version: string;
}

/** How to get the engine on Debian: the exact commands. */
export const INSTALL_HINT =
  'install libtorch and build the addon: apt-get install -y libtorch-dev && npm run build:native ' +
  '(or set LIBTORCH to a libtorch folder with include/ and lib/ before building)';

let addon: TorchAddon | null = null;

/** Whether the addon has been built (it may still fail to load if libtorch was removed since). */
export function torchBuilt(): boolean {
  return fs.existsSync(ADDON_PATH);
}

/** The loaded addon; throws a TileflowError with the install command when it is not available. */
export function loadTorch(): TorchAddon {
  if (addon) return addon;
  if (!torchBuilt()) {
    throw new TileflowError('FEATURE_DISABLED', `deep learning needs the libtorch engine, which is not built: ${INSTALL_HINT}`);
  }
  try {
    addon = createRequire(import.meta.url)(ADDON_PATH) as TorchAddon;
  } catch (error) {
    throw new TileflowError('FEATURE_DISABLED', `the libtorch engine did not load (${(error as Error).message}): ${INSTALL_HINT}`);
  }
  return addon;
}
