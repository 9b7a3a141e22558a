/**
 * Several ONNX Runtime sessions of one model, each in its own worker thread, that run batches side by
 * side. On a machine whose cores are shared with other work (the prediction service decodes tiles on
 * the same cores), N single-threaded sessions on N batches lose less than one N-threaded session on
 * one batch: ONNX Runtime's intra-op threads meet after every operator, so one thread that loses its
 * core for a moment holds up the others, while a single-threaded session just runs on. BENCHMARKS.md,
 * "Prediction service", has the measurements.
 */
import os from 'node:os';
import { invalidParameter } from '../../core/errors.js';
import type { OutputTensor, SessionOptions } from './session.js';
import { WorkerOnnxSession } from './worker-session.js';

export interface SessionPoolOptions extends SessionOptions {
  /** Sessions (worker threads) side by side (default: one per core divided by `threads`). */
  sessions?: number;
}

/** One model in several worker threads; `runAll` runs each batch on the next session that is free. */
export class OnnxSessionPool {
  private readonly free: WorkerOnnxSession[];
  /** Batches waiting for a free session, in the order they came. */
  private readonly waiting: ((session: WorkerOnnxSession) => void)[] = [];

  private constructor(private readonly members: WorkerOnnxSession[]) {
    this.free = [...members];
  }

  /** Loads the model in `sessions` worker threads (all or none: a model that fails to load in one closes the rest). */
  static async open(model: string | Uint8Array, options: SessionPoolOptions = {}): Promise<OnnxSessionPool> {
    const threads = options.threads ?? 1;
    const sessions = options.sessions ?? Math.max(1, Math.floor(os.availableParallelism() / threads));
    if (!Number.isInteger(sessions) || sessions < 1) throw invalidParameter(`sessions must be a positive integer, got ${sessions}`);
    const opened = await Promise.allSettled(Array.from({ length: sessions }, () => WorkerOnnxSession.open(model, { ...options, threads })));
    const failed = opened.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failed) {
      await Promise.all(opened.map((o) => (o.status === 'fulfilled' ? o.value.close() : undefined)));
      throw failed.reason;
    }
    return new OnnxSessionPool(opened.map((o) => (o as PromiseFulfilledResult<WorkerOnnxSession>).value));
  }

  /** Batches that can run at once. */
  get concurrency(): number {
    return this.members.length;
  }

  get inputSignature(): WorkerOnnxSession['inputSignature'] {
    return this.members[0].inputSignature;
  }

  get inputNames(): readonly string[] {
    return this.members[0].inputNames;
  }

  get outputNames(): readonly string[] {
    return this.members[0].outputNames;
  }

  /**
   * Runs float32 input of `shape` ([N, …]) on the first session free, as `OnnxSession.runAll`. A batch
   * waits here rather than in one worker's queue, so no session idles while another has work queued.
   * The input is copied when the batch starts: keep it unchanged until the promise settles.
   */
  async runAll(x: Float32Array, shape: number[]): Promise<Record<string, OutputTensor>> {
    const session = this.free.pop() ?? (await new Promise<WorkerOnnxSession>((resolve) => this.waiting.push(resolve)));
    try {
      return await session.runAll(x, shape);
    } finally {
      const next = this.waiting.shift();
      if (next) next(session);
      else this.free.push(session);
    }
  }

  /** Releases every session and stops their workers. */
  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.close()));
  }
}
