// The session pool gives what one session gives, runs as many batches at once as it has sessions and
// no more, keeps going after one batch fails, and refuses a model that does not load as one session does.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { OnnxSession } from './session.js';
import { OnnxSessionPool } from './session-pool.js';
import { WorkerOnnxSession } from './worker-session.js';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const MODEL = fs.readFileSync(path.join(ROOT, 'test/fixtures/predict/water-segmenter.onnx'));

test('batches spread over the sessions, at most one each at a time, outputs as OnnxSession', async () => {
  const batches = Array.from({ length: 6 }, (_, b) => Float32Array.from({ length: 2 * 3 * 64 * 64 }, (_, i) => ((i * (b + 3)) % 251) / 251));
  const local = await OnnxSession.open(MODEL);
  const expected: number[][] = [];
  for (const x of batches) expected.push(Array.from((await local.runAll(x, [2, 3, 64, 64])).probabilities.data as Float32Array));
  await local.close();

  // Count batches inside a worker session at once: the pool must never queue two on one worker.
  let open = 0;
  let most = 0;
  const original = WorkerOnnxSession.prototype.runAll;
  WorkerOnnxSession.prototype.runAll = async function (this: WorkerOnnxSession, x, shape) {
    most = Math.max(most, ++open);
    try {
      return await original.call(this, x, shape);
    } finally {
      open--;
    }
  };
  const pool = await OnnxSessionPool.open(MODEL, { sessions: 2, threads: 1 });
  try {
    assert.equal(pool.concurrency, 2);
    assert.deepEqual(pool.inputSignature.shape, [-1, 3, -1, -1]);
    const outputs = await Promise.all(batches.map((x) => pool.runAll(x, [2, 3, 64, 64])));
    outputs.forEach((o, b) => assert.deepEqual(Array.from(o.probabilities.data as Float32Array), expected[b], `batch ${b} as OnnxSession gives it`));
    assert.equal(most, 2, 'two batches ran at once, never more');
    // A bad batch fails alone; the session it ran on takes the next batch.
    const [bad, good] = await Promise.allSettled([pool.runAll(batches[0], [2, 3, 64]), pool.runAll(batches[1], [2, 3, 64, 64])]);
    assert.equal(bad.status, 'rejected');
    assert.equal(good.status, 'fulfilled');
    assert.deepEqual(Array.from((await pool.runAll(batches[2], [2, 3, 64, 64])).probabilities.data as Float32Array), expected[2]);
  } finally {
    WorkerOnnxSession.prototype.runAll = original;
    await pool.close();
  }
  await assert.rejects(OnnxSessionPool.open(Buffer.from('not a model'), { sessions: 2 }), (error: Error & { code?: string }) => error.code === 'INVALID_PARAMETER_VALUE' && /cannot load the ONNX model/.test(error.message));
  await assert.rejects(OnnxSessionPool.open(MODEL, { sessions: 0 }), /sessions must be a positive integer/);
});
