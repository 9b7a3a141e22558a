import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { OnnxSession } from './session.js';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../test/fixtures/onnx');

/** The input make-pytorch-cnn.py fed PyTorch: torch.linspace(-1, 1, count) in float32. */
function linspace(count: number): Float32Array {
  const out = new Float32Array(count);
  const step = 2 / (count - 1);
  for (let i = 0; i < count; i++) out[i] = -1 + i * step;
  return out;
}

test('an ONNX file exported by PyTorch itself runs and matches PyTorch output', async () => {
  const expected = JSON.parse(readFileSync(path.join(FIXTURES, 'pytorch-cnn.expected.json'), 'utf8'));
  // batchSize 2 cuts the 3 samples into two runs, so concatenation across batches is checked too.
  const session = await OnnxSession.open(path.join(FIXTURES, 'pytorch-cnn.onnx'), { threads: 1, batchSize: 2 });
  try {
    assert.deepEqual(session.inputNames, ['image']);
    assert.deepEqual(session.outputNames, ['scores']);
    const count = expected.shape.reduce((a: number, b: number) => a * b, 1);
    const result = await session.run(linspace(count), expected.shape);
    assert.deepEqual(result.shape, expected.output_shape);
    let worst = 0;
    for (let i = 0; i < result.data.length; i++) worst = Math.max(worst, Math.abs(result.data[i] - expected.output[i]));
    assert.ok(worst < 1e-5, `largest difference from PyTorch ${worst}`);
    // Softmax rows sum to one: the output really is class probabilities.
    for (let row = 0; row < 3; row++) {
      const sum = result.data.slice(row * 5, row * 5 + 5).reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - 1) < 1e-5, `row ${row} sums to ${sum}`);
    }
  } finally {
    await session.close();
  }
});

test('input of the wrong size or shape is refused with a clear error', async () => {
  const session = await OnnxSession.open(path.join(FIXTURES, 'pytorch-cnn.onnx'), { threads: 1 });
  try {
    await assert.rejects(session.run(new Float32Array(10), [1, 4, 16, 16]), { code: 'INVALID_PARAMETER_VALUE', message: /10 values but shape/ });
    await assert.rejects(session.run(new Float32Array(3 * 16 * 16), [1, 3, 16, 16]), {
      code: 'INVALID_PARAMETER_VALUE',
      message: /rejected input of shape \[1, 3, 16, 16\]/,
    });
  } finally {
    await session.close();
  }
});

test('a batch size that is not a positive integer is refused', async () => {
  await assert.rejects(OnnxSession.open(path.join(FIXTURES, 'pytorch-cnn.onnx'), { batchSize: 0 }), { code: 'INVALID_PARAMETER_VALUE' });
});
