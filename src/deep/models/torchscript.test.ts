// Bring your own backbone: a TorchScript module made by PyTorch (test/fixtures/torchscript, with the
// script that made it) runs in tileflow's engine exactly as in PyTorch and fine-tunes with its layers frozen.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { maxAbsDiff, noise, volume } from '../../../test/support/tensors.js';
import { loadTorch } from '../engine/torch.js';
import { writeOnnx } from '../onnx/export.js';
import { buildModelSpec } from './index.js';

const torch = loadTorch();
const BACKBONE = path.resolve(import.meta.dirname, '../../../test/fixtures/torchscript/backbone.pt');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tileflow-torchscript-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('the TorchScript backbone gives the output PyTorch printed when it was made', async () => {
  const model = new torch.Model([{ name: 'backbone', op: 'torchscript', path: BACKBONE }]);
  const shape = [2, 3, 8, 8];
  const n = volume(shape);
  const x = Float32Array.from({ length: n }, (_, i) => -1 + (2 * i) / (n - 1)); // torch.linspace(-1, 1, n)
  const features = await model.predict(x, shape, { logits: true });
  assert.deepEqual(features.shape, [2, 16]);
  const sum = features.data.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(sum - 2.0412330627441406) < 1e-4, `feature sum ${sum}, PyTorch printed 2.0412330627441406`);
});

test('fine-tuning with the backbone frozen trains the head only, and its loss falls', async () => {
  torch.manualSeed(4);
  const spec = buildModelSpec({ arch: 'torchscript', channels: 3, classes: 3, size: 16, torchscript: { path: BACKBONE, features: 16 } });
  const model = new torch.Model(spec.nodes);
  const all = model.parameterCount();
  assert.equal(all.total, 224 + 16 + 1168 + 16 * 3 + 3, 'backbone (conv, batch norm, conv) and head parameters');
  assert.equal(model.setTrainable(['backbone'], false), 6);
  assert.deepEqual(model.parameterCount(), { total: all.total, trainable: 51 });
  model.configure({ optimizer: 'adam', lr: 1e-2 });
  const before = model.state();
  const shape = [6, 3, 16, 16];
  const x = noise(volume(shape), 9);
  const y = Int32Array.from([0, 1, 2, 0, 1, 2]);
  const losses: number[] = [];
  for (let i = 0; i < 15; i++) losses.push((await model.trainStep(x, shape, y, [6])).loss);
  assert.ok(losses.at(-1)! < losses[0], `loss fell from ${losses[0]} to ${losses.at(-1)}`);
  const after = model.state();
  const weight = (state: typeof before, name: string) => state.find((t) => t.name === name)!.data;
  assert.equal(maxAbsDiff(weight(before, 'backbone.features.0.weight'), weight(after, 'backbone.features.0.weight')), 0, 'frozen backbone unchanged');
  assert.ok(maxAbsDiff(weight(before, 'head.weight'), weight(after, 'head.weight')) > 0, 'head trained');
  // Saved weights include the TorchScript module's, and load back into a fresh model.
  model.save(path.join(dir, 'tuned.pt'));
  const copy = new torch.Model(spec.nodes);
  copy.load(path.join(dir, 'tuned.pt'));
  assert.equal(maxAbsDiff((await copy.predict(x, shape)).data, (await model.predict(x, shape)).data), 0);
  // A TorchScript backbone cannot be translated to ONNX by tileflow: a clear refusal.
  await assert.rejects(writeOnnx(path.join(dir, 'm.onnx'), spec, after), /TorchScript module.*torch\.onnx\.export/);
});

test('a file that is not TorchScript is refused with libtorch\'s reason', () => {
  const bad = path.join(dir, 'not-a-module.pt');
  fs.writeFileSync(bad, 'hello');
  assert.throws(() => new torch.Model([{ name: 'backbone', op: 'torchscript', path: bad }]), /zip archive|PytorchStreamReader|file/i);
});
