/**
 * An ONNX Runtime session in a worker thread, with `OnnxSession`'s interface. ONNX Runtime's `run`
 * blocks the calling thread for the whole batch; a pipeline that reads its next inputs while the
 * model runs (the prediction service) needs the main thread free, so the session lives in a worker.
 */
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { TileflowError, type ErrorCode } from '../../core/errors.js';
import type { OutputTensor, SessionOptions } from './session.js';

interface Reply {
  id: number;
  ready?: boolean;
  closed?: boolean;
  signature?: { name: string; type: string; shape: number[] };
  inputNames?: string[];
  outputNames?: string[];
  outputs?: Record<string, OutputTensor>;
  error?: { message: string; code?: ErrorCode };
}

/** Starts the worker on the compiled module, or on the TypeScript source through tsx's loader. */
function startWorker(workerData: unknown): Worker {
  const js = new URL('./session-worker.js', import.meta.url);
  if (fs.existsSync(fileURLToPath(js))) return new Worker(js, { workerData });
  // A worker's `--import` in execArgv is not honoured by Node 20, so the worker registers tsx itself.
  const ts = new URL('./session-worker.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(ts)}); });`;
  return new Worker(bootstrap, { eval: true, workerData });
}

const toError = (error: { message: string; code?: ErrorCode }) => new TileflowError(error.code ?? 'INTERNAL_ERROR', error.message);

/** A loaded ONNX model running in its own thread. */
export class WorkerOnnxSession {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (reply: Reply) => void; reject: (error: Error) => void }>();
  private failure: Error | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly inputSignature: { name: string; type: string; shape: number[] },
    readonly inputNames: readonly string[],
    readonly outputNames: readonly string[],
  ) {
    worker.on('message', (reply: Reply) => {
      const waiting = this.pending.get(reply.id);
      if (!waiting) return;
      this.pending.delete(reply.id);
      if (reply.error) waiting.reject(toError(reply.error));
      else waiting.resolve(reply);
    });
    const fail = (error: Error) => {
      this.failure = error;
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new TileflowError('INTERNAL_ERROR', `the ONNX Runtime worker exited (code ${code})`)));
  }

  /** Loads an ONNX file (path or bytes) in a new worker thread; a file that is not a loadable model is INVALID_PARAMETER_VALUE. */
  static async open(model: string | Uint8Array, options: SessionOptions = {}): Promise<WorkerOnnxSession> {
    const worker = startWorker({ model, options });
    const ready = await new Promise<Reply>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
      worker.once('exit', (code) => reject(new TileflowError('INTERNAL_ERROR', `the ONNX Runtime worker exited (code ${code}) before the model loaded`)));
    });
    if (ready.error) {
      await worker.terminate();
      throw toError(ready.error);
    }
    return new WorkerOnnxSession(worker, ready.signature!, ready.inputNames!, ready.outputNames!);
  }

  /** Runs float32 input of `shape` ([N, …]) in the worker; returns every output by name, as `OnnxSession.runAll`. */
  async runAll(x: Float32Array, shape: number[]): Promise<Record<string, OutputTensor>> {
    if (this.failure) throw this.failure;
    const id = this.next++;
    const reply = await new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // Copied, not transferred: callers may reuse their input buffer for the next batch.
      this.worker.postMessage({ id, x, shape });
    });
    return reply.outputs!;
  }

  /** Releases the session and stops the worker. */
  async close(): Promise<void> {
    if (this.failure) return;
    const id = this.next++;
    await new Promise<void>((resolve) => {
      this.pending.set(id, { resolve: () => resolve(), reject: () => resolve() });
      this.worker.postMessage({ id, close: true });
    });
    await this.worker.terminate();
  }
}
