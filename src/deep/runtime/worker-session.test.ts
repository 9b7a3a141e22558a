// The worker-thread session gives what the in-thread one gives, leaves the event loop free while it
// runs, and reports a model that does not load as the same clear error.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { OnnxSession } from './session.js';
import { WorkerOnnxSession } from './worker-session.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MODEL = fs.readFileSync(path.join(ROOT, 'test/fixtures/predict/water-segmenter.onnx'));

test('same outputs as OnnxSession, and the event loop keeps turning while a batch runs', async () => {
  const x = Float32Array.from({ length: 8 * 3 * 128 * 128 }, (_, i) => (i % 251) / 251);
  const local = await OnnxSession.open(MODEL);
  const expected = await local.runAll(x, [8, 3, 128, 128]);
  await local.close();
  const worker = await WorkerOnnxSession.open(MODEL);
  try {
    assert.deepEqual(worker.inputSignature.shape, [-1, 3, -1, -1]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const outputs = await worker.runAll(x, [8, 3, 128, 128]);
    clearInterval(timer);
    assert.deepEqual(outputs.probabilities.shape, expected.probabilities.shape);
    assert.deepEqual(Array.from(outputs.probabilities.data as Float32Array), Array.from(expected.probabilities.data as Float32Array));
    assert.ok(ticks > 0, 'timers fired while the model ran');
    await assert.rejects(worker.runAll(x, [8, 3, 128]), /input has .* values but shape/);
  } finally {
    await worker.close();
  }
  await assert.rejects(WorkerOnnxSession.open(Buffer.from('not a model')), (error: Error & { code?: string }) => error.code === 'INVALID_PARAMETER_VALUE' && /cannot load the ONNX model/.test(error.message));
});
