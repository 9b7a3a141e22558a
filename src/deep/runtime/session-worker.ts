/**
 * The worker thread behind `WorkerOnnxSession`: it holds one ONNX Runtime session and runs the
 * batches it is sent. ONNX Runtime's `run` blocks the thread that calls it, so running it here keeps
 * the main thread's event loop free for what feeds it (fetching and decoding tiles).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { TileflowError } from '../../core/errors.js';
import { OnnxSession, type SessionOptions } from './session.js';

interface Request {
  id: number;
  x?: Float32Array;
  shape?: number[];
  close?: boolean;
}

const { model, options } = workerData as { model: string | Uint8Array; options: SessionOptions };
const port = parentPort!;

const errorOf = (error: unknown) => ({ message: (error as Error)?.message ?? String(error), code: error instanceof TileflowError ? error.code : undefined });

try {
  const session = await OnnxSession.open(model, options);
  port.postMessage({ id: 0, ready: true, signature: session.inputSignature, inputNames: session.inputNames, outputNames: session.outputNames });
  port.on('message', async (request: Request) => {
    if (request.close) {
      await session.close();
      port.postMessage({ id: request.id, closed: true });
      port.close();
      return;
    }
    try {
      const outputs = await session.runAll(request.x!, request.shape!);
      port.postMessage({ id: request.id, outputs }, Object.values(outputs).map((o) => o.data.buffer as ArrayBuffer));
    } catch (error) {
      port.postMessage({ id: request.id, error: errorOf(error) });
    }
  });
} catch (error) {
  port.postMessage({ id: 0, error: errorOf(error) });
}
