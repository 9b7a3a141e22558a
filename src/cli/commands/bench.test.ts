// `tileflow bench train` prints one JSON line with training and inference rates (tiny sizes: this
// checks the command, not speed, which bench/train.bench.ts measures).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

function tileflow(...args: string[]) {
  const result = spawnSync(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

test('bench train --json prints training, libtorch and ONNX Runtime images per second', () => {
  const small = ['--channels', '3', '--size', '16', '--batch', '4', '--threads', '1', '--steps', '2', '--warmup', '0', '--infer-batches', '2', '--json'];
  for (const arch of ['eurosat-cnn', 'resnet18', 'unet', 'lstm']) {
    const result = tileflow('bench', 'train', '--arch', arch, ...small, ...(arch === 'lstm' ? ['--timesteps', '6'] : []));
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n');
    assert.equal(lines.length, 1, 'one JSON line');
    const doc = JSON.parse(lines[0]);
    assert.equal(doc.arch, arch);
    assert.equal(doc.threads, 1);
    for (const key of ['train_images_per_second', 'infer_libtorch_images_per_second', 'infer_onnxruntime_images_per_second']) {
      assert.ok(doc[key] > 0, `${arch} ${key} = ${doc[key]}`);
    }
  }
});

test('bench train refuses an unknown architecture or a bad number', () => {
  const arch = tileflow('bench', 'train', '--arch', 'vgg16');
  assert.equal(arch.code, 2);
  assert.match(arch.stderr, /--arch must be one of eurosat-cnn, resnet18, resnet34, unet, lstm/);
  const batch = tileflow('bench', 'train', '--batch', 'many');
  assert.equal(batch.code, 2);
  assert.match(batch.stderr, /--batch must be an integer of at least 1/);
});
