/**
 * Training and inference throughput of an architecture on synthetic batches held in memory, so the
 * figure is the engine's (libtorch kernels plus tileflow's call overhead), not the disk's. Used by
 * `tileflow bench train` and compared with PyTorch in bench/train.bench.ts.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { noise } from '../engine/synthetic.js';
import { loadTorch } from '../engine/torch.js';
import { buildModelSpec, type Architecture } from '../models/index.js';
import { writeOnnx } from '../onnx/export.js';
import { OnnxSession } from '../runtime/session.js';

export interface ThroughputOptions {
  arch: Architecture;
  channels: number;
  classes: number;
  size: number;
  batch: number;
  threads: number;
  device: string;
  /** Timed training steps (after `warmup` untimed ones). */
  steps: number;
  warmup: number;
  /** Timed inference batches. */
  inferBatches: number;
  timesteps?: number;
}

export interface Throughput {
  arch: string;
  channels: number;
  size: number;
  batch: number;
  threads: number;
  device: string;
  steps: number;
  train_images_per_second: number;
  infer_libtorch_images_per_second: number;
  /** Null when the architecture cannot be exported to ONNX or the device is not the CPU. */
  infer_onnxruntime_images_per_second: number | null;
  libtorch: string;
}

/** Measures training steps per second and inference images per second. */
export async function measureThroughput(options: ThroughputOptions): Promise<Throughput> {
  const torch = loadTorch();
  torch.setNumThreads(options.threads);
  torch.manualSeed(0);
  const spec = buildModelSpec({ arch: options.arch, channels: options.channels, classes: options.classes, size: options.size, timesteps: options.timesteps });
  const shape = [options.batch, ...spec.inputShape];
  const volume = shape.reduce((a, b) => a * b, 1);
  const yShape = spec.task === 'segmentation' ? [options.batch, options.size, options.size] : [options.batch];
  const batches = Array.from({ length: 4 }, (_, i) => ({
    x: noise(volume, i + 1),
    y: new Int32Array(yShape.reduce((a, b) => a * b, 1)).map((_, j) => (j * 7 + i) % options.classes),
  }));
  const model = new torch.Model(spec.nodes, { device: options.device });
  model.configure({ optimizer: 'adam', lr: 1e-3, epsilon: 1e-7 });
  for (let i = 0; i < options.warmup; i++) await model.trainStep(batches[i % 4].x, shape, batches[i % 4].y, yShape);
  let started = performance.now();
  for (let i = 0; i < options.steps; i++) await model.trainStep(batches[i % 4].x, shape, batches[i % 4].y, yShape);
  const trainSeconds = (performance.now() - started) / 1000;

  for (let i = 0; i < 2; i++) await model.predict(batches[i].x, shape);
  started = performance.now();
  for (let i = 0; i < options.inferBatches; i++) await model.predict(batches[i % 4].x, shape);
  const libtorchSeconds = (performance.now() - started) / 1000;

  let onnxRate: number | null = null;
  if (options.device === 'cpu' && !spec.nodes.some((n) => n.op === 'torchscript')) {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'tileflow-bench-'));
    try {
      const file = path.join(dir, 'model.onnx');
      await writeOnnx(file, spec, model.state());
      const session = await OnnxSession.open(file, { threads: options.threads, batchSize: options.batch });
      for (let i = 0; i < 2; i++) await session.run(batches[i].x, shape);
      started = performance.now();
      for (let i = 0; i < options.inferBatches; i++) await session.run(batches[i % 4].x, shape);
      onnxRate = (options.inferBatches * options.batch) / ((performance.now() - started) / 1000);
      await session.close();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  return {
    arch: spec.arch,
    channels: options.channels,
    size: options.size,
    batch: options.batch,
    threads: options.threads,
    device: options.device,
    steps: options.steps,
    train_images_per_second: (options.steps * options.batch) / trainSeconds,
    infer_libtorch_images_per_second: (options.inferBatches * options.batch) / libtorchSeconds,
    infer_onnxruntime_images_per_second: onnxRate,
    libtorch: torch.version,
  };
}
