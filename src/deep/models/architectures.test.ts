// Each architecture, built by the libtorch engine, fits a fixed batch: its loss falls within a few steps.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadTorch } from '../engine/torch.js';
import { noise } from '../../../test/support/tensors.js';
import { buildModelSpec, type ArchitectureOptions } from './index.js';

const torch = loadTorch();
torch.setNumThreads(2);

async function lossesOver(options: ArchitectureOptions, steps: number, lr: number, batch = 8): Promise<number[]> {
  torch.manualSeed(7);
  const spec = buildModelSpec(options);
  const model = new torch.Model(spec.nodes);
  model.configure({ optimizer: 'adam', lr });
  const shape = [batch, ...spec.inputShape];
  const x = noise(shape.reduce((a, b) => a * b, 1), 11);
  const yShape = spec.task === 'segmentation' ? [batch, spec.inputShape[1], spec.inputShape[2]] : [batch];
  const y = new Int32Array(yShape.reduce((a, b) => a * b, 1)).map((_, i) => (spec.task === 'segmentation' ? (x[i] > 0 ? 1 : 0) : i % spec.classes));
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) losses.push((await model.trainStep(x, shape, y, yShape)).loss);
  return losses;
}

// Recurrent nets move slowly at 1e-3 on ten steps; 1e-2 shows the same thing sooner.
const CASES: [string, ArchitectureOptions, number][] = [
  ['eurosat-cnn', { arch: 'eurosat-cnn', channels: 13, classes: 4, size: 32 }, 1e-3],
  ['resnet18', { arch: 'resnet18', channels: 4, classes: 3, size: 32 }, 1e-3],
  ['resnet34', { arch: 'resnet34', channels: 3, classes: 3, size: 32 }, 1e-3],
  ['unet', { arch: 'unet', channels: 3, classes: 2, size: 32, depth: 3, base: 8 }, 1e-3],
  ['lstm', { arch: 'lstm', channels: 6, classes: 3, timesteps: 12, hidden: 16 }, 1e-2],
];

for (const [name, options, lr] of CASES) {
  test(`${name}: loss falls over ten steps on a fixed batch`, async () => {
    const losses = await lossesOver(options, 10, lr);
    assert.ok(losses.every(Number.isFinite), `${name} losses are finite: ${losses}`);
    assert.ok(losses.at(-1)! < losses[0] * 0.9, `${name} loss fell from ${losses[0]} to ${losses.at(-1)}`);
  });
}
