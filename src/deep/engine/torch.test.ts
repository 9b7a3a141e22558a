// The native engine's contract: exact save/load, optimizer state, thread settings, and libtorch's
// errors surfacing as JavaScript errors with its message.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { maxAbsDiff, noise, volume } from '../../../test/support/tensors.js';
import { buildModelSpec } from '../models/index.js';
import { loadTorch } from './torch.js';

const torch = loadTorch();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-torch-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const spec = buildModelSpec({ arch: 'eurosat-cnn', channels: 3, classes: 5, size: 16 });
const shape = [6, 3, 16, 16];
const x = noise(volume(shape), 3);
const y = Int32Array.from([0, 1, 2, 3, 4, 0]);

async function trained(steps: number) {
  torch.manualSeed(1);
  const model = new torch.Model(spec.nodes);
  model.configure({ optimizer: 'adam', lr: 1e-3 });
  for (let i = 0; i < steps; i++) await model.trainStep(x, shape, y, [6]);
  return model;
}

test('save and load round-trip every parameter and buffer bit for bit', async () => {
  const model = await trained(3);
  const file = path.join(dir, 'weights.pt');
  model.save(file);
  torch.manualSeed(99); // a differently initialised model
  const copy = new torch.Model(spec.nodes);
  copy.load(file);
  const a = model.state();
  const b = copy.state();
  assert.deepEqual(b.map((t) => t.name), a.map((t) => t.name));
  for (let i = 0; i < a.length; i++) assert.equal(maxAbsDiff(a[i].data, b[i].data), 0, `${a[i].name} differs`);
  assert.ok(a.some((t) => t.name === 'block1_bn.running_mean'), 'batch-norm statistics are saved');
  const p1 = await model.predict(x, shape);
  const p2 = await copy.predict(x, shape);
  assert.equal(maxAbsDiff(p1.data, p2.data), 0);
  assert.deepEqual(p1.shape, [6, 5]);
});

test('optimizer state survives save and load, so resumed training continues exactly', async () => {
  // Without dropout a training step is deterministic, so the resumed step must match the original's.
  const plain = buildModelSpec({ arch: 'eurosat-cnn', channels: 3, classes: 5, size: 16, dropout: 0 });
  torch.manualSeed(2);
  const model = new torch.Model(plain.nodes);
  model.configure({ optimizer: 'adam', lr: 1e-3 });
  for (let i = 0; i < 2; i++) await model.trainStep(x, shape, y, [6]);
  model.save(path.join(dir, 'resume.pt'));
  model.saveOptimizer(path.join(dir, 'resume.opt'));
  await model.trainStep(x, shape, y, [6]);
  const resumed = new torch.Model(plain.nodes);
  resumed.load(path.join(dir, 'resume.pt'));
  resumed.configure({ optimizer: 'adam', lr: 1e-3 });
  resumed.loadOptimizer(path.join(dir, 'resume.opt'));
  await resumed.trainStep(x, shape, y, [6]);
  const a = model.state();
  const b = resumed.state();
  for (let i = 0; i < a.length; i++) assert.ok(maxAbsDiff(a[i].data, b[i].data) < 1e-6, `${a[i].name} differs after the resumed step`);
  const fresh = new torch.Model(plain.nodes);
  fresh.configure({ optimizer: 'adam', lr: 1e-3 });
  assert.throws(() => fresh.loadOptimizer(path.join(dir, 'missing.opt')), /missing\.opt|open file/);
});

test('loading weights of another architecture names the tensor that does not fit', async () => {
  const other = new torch.Model(buildModelSpec({ arch: 'eurosat-cnn', channels: 4, classes: 5, size: 16 }).nodes);
  const model = await trained(0);
  model.save(path.join(dir, 'three-band.pt'));
  assert.throws(() => other.load(path.join(dir, 'three-band.pt')), /block1_conv\.weight has shape \[32, 3, 3, 3\], the model expects \[32, 4, 3, 3\]/);
});

test('bad input becomes a JavaScript error with a clear message, and the model stays usable', async () => {
  const model = await trained(0);
  await assert.rejects(model.trainStep(x, [6, 3, 16, 16], y, [5]), /shape holds 5/);
  await assert.rejects(model.predict(new Float64Array(4) as unknown as Float32Array, [4]), /x must be a Float32Array/);
  // libtorch's own message for a channel mismatch.
  const wrong = noise(volume([2, 4, 16, 16]), 1);
  await assert.rejects(model.predict(wrong, [2, 4, 16, 16]), /expected input\[2, 4, 16, 16\] to have 3 channels/);
  assert.throws(() => model.configure({ optimizer: 'lbfgs' as 'adam' }), /unknown optimizer lbfgs/);
  assert.throws(() => model.configure({ loss: 'hinge' as 'dice' }), /unknown loss hinge/);
  assert.throws(() => new torch.Model([{ name: 'a', op: 'conv3d' as 'conv2d' }]), /unknown operation conv3d/);
  const fine = await model.predict(x, shape);
  assert.equal(fine.data.length, 30);
});

test('every loss trains: finite and falling on a fixed batch', async () => {
  for (const loss of ['categorical_crossentropy', 'binary_crossentropy', 'cosine_similarity', 'mean_absolute_error', 'mean_squared_logarithmic_error', 'squared_hinge', 'dice', 'focal'] as const) {
    torch.manualSeed(5);
    const model = new torch.Model(spec.nodes);
    model.configure({ optimizer: 'adam', lr: 3e-3, loss, regularizer: 'l2', regularization: 1e-4 });
    const losses: number[] = [];
    for (let i = 0; i < 8; i++) losses.push((await model.trainStep(x, shape, y, [6])).loss);
    assert.ok(losses.every(Number.isFinite), `${loss}: ${losses}`);
    assert.ok(losses.at(-1)! < losses[0], `${loss} fell from ${losses[0]} to ${losses.at(-1)}`);
  }
});

test('optimizers SGD and RMSprop train; the learning rate can be changed between steps', async () => {
  for (const optimizer of ['sgd', 'rmsprop'] as const) {
    torch.manualSeed(5);
    const model = new torch.Model(spec.nodes);
    model.configure({ optimizer, lr: optimizer === 'sgd' ? 1e-2 : 1e-3, momentum: 0.9 });
    const first = (await model.trainStep(x, shape, y, [6])).loss;
    model.setLearningRate(optimizer === 'sgd' ? 5e-3 : 5e-4);
    let last = first;
    for (let i = 0; i < 6; i++) last = (await model.trainStep(x, shape, y, [6])).loss;
    assert.ok(last < first, `${optimizer} fell from ${first} to ${last}`);
  }
});

test('thread count is settable and reported', () => {
  torch.setNumThreads(1);
  assert.equal(torch.getNumThreads(), 1);
  torch.setNumThreads(2);
  assert.equal(torch.getNumThreads(), 2);
  assert.equal(typeof torch.cudaAvailable(), 'boolean');
  assert.match(torch.version, /^\d+\.\d+/);
  assert.throws(() => new torch.Model(spec.nodes, { device: 'cuda' }), torch.cudaAvailable() ? /^$/ : /no CUDA device/);
});
